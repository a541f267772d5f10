//! [`ProgressEvents`]: IDiscMasterProgressEvents, the callbacks a client registers with
//! [`crate::DiscMaster::progress_advise`].

use std::sync::{Arc, Mutex};

use imapi_codes::ImapiCode;

/// The nine callbacks of IDiscMasterProgressEvents, and one beyond IMAPI v1
/// ([`ProgressEvents::notify_verify_progress`]). Every method has a default that does
/// nothing (IMAPI's `E_NOTIMPL`), so a sink implements only what it cares about. Callbacks
/// may come from a thread other than the caller's during a burn: sinks are `Send + Sync`.
///
/// A burn sends, in order: NotifyPreparingBurn; NotifyBlockProgress from 0 to the total
/// (for audio with NotifyTrackProgress between); NotifyClosingDisc; with verification,
/// NotifyVerifyProgress from 0 to the total; NotifyBurnComplete.
pub trait ProgressEvents: Send + Sync {
    /// Polled during add data, add audio blocks and a burn: `true` cancels, and the call
    /// ends with IMAPI_E_USERABORT.
    fn query_cancel(&self) -> bool {
        false
    }

    /// The set of recorders changed (one appeared or went away): enumerate them again.
    fn notify_pnp_activity(&self) {}

    /// Staging progress of add data / add audio blocks, in steps (here 2048-byte or 2352-byte
    /// blocks): sent for the first step, the last and some between.
    fn notify_add_progress(&self, _completed: i32, _total: i32) {}

    /// Burn progress in blocks, for the disc (data) or the track (audio).
    fn notify_block_progress(&self, _completed: i32, _total: i32) {}

    /// Audio burns: `completed` tracks are finished out of `total` (0/N: track 1 starts).
    fn notify_track_progress(&self, _completed: i32, _total: i32) {}

    /// The burn is being prepared; the estimate is in seconds. Nothing else comes until the
    /// burn starts.
    fn notify_preparing_burn(&self, _estimated_seconds: i32) {}

    /// The disc is being closed; the estimate is in seconds. Nothing else comes until the end,
    /// but for the read-back of a burn with verification
    /// ([`ProgressEvents::notify_verify_progress`]).
    fn notify_closing_disc(&self, _estimated_seconds: i32) {}

    /// Beyond IMAPI v1, which has no callback for it (IMAPI v2 reports the action
    /// `IMAPI_FORMAT2_DATA_WRITE_ACTION_VERIFYING`): what a burn wrote is being read back and
    /// compared, `completed` of `total` blocks, counted as NotifyBlockProgress counts them
    /// (generated silence, which is not compared, counts as passed). Sent for the first block,
    /// the last and some between, after NotifyClosingDisc and before NotifyBurnComplete.
    fn notify_verify_progress(&self, _completed: i32, _total: i32) {}

    /// The burn ended; `status` is what record_disc returns (`None` for success, as S_OK).
    fn notify_burn_complete(&self, _status: Option<ImapiCode>) {}

    /// An erase ended; `status` is the erase's result (`None` for success).
    fn notify_erase_complete(&self, _status: Option<ImapiCode>) {}
}

/// The cookie [`crate::DiscMaster::progress_advise`] hands back for
/// [`crate::DiscMaster::progress_unadvise`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cookie(pub usize);

/// The sinks with their cookies, in registration order.
type SinkList = Vec<(Cookie, Arc<dyn ProgressEvents>)>;

/// The registered sinks. Every callback goes to each sink in registration order; a cancel
/// from any sink cancels.
#[derive(Clone, Default)]
pub struct Sinks {
    inner: Arc<Mutex<SinkList>>,
    next: usize,
}

impl std::fmt::Debug for Sinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sinks").field("count", &self.list().len()).finish()
    }
}

impl Sinks {
    fn list(&self) -> Vec<Arc<dyn ProgressEvents>> {
        match self.inner.lock() {
            Ok(v) => v.iter().map(|(_, s)| Arc::clone(s)).collect(),
            Err(poisoned) => poisoned.into_inner().iter().map(|(_, s)| Arc::clone(s)).collect(),
        }
    }

    /// Registers a sink.
    pub(crate) fn add(&mut self, sink: Arc<dyn ProgressEvents>) -> Cookie {
        self.next += 1;
        let cookie = Cookie(self.next);
        if let Ok(mut v) = self.inner.lock() {
            v.push((cookie, sink));
        }
        cookie
    }

    /// Removes a sink; false when the cookie is unknown.
    pub(crate) fn remove(&mut self, cookie: Cookie) -> bool {
        match self.inner.lock() {
            Ok(mut v) => {
                let before = v.len();
                v.retain(|(c, _)| *c != cookie);
                v.len() != before
            }
            Err(_) => false,
        }
    }

    /// Removes every sink.
    pub(crate) fn clear(&mut self) {
        if let Ok(mut v) = self.inner.lock() {
            v.clear();
        }
    }

    /// Whether any sink asks to cancel.
    pub fn query_cancel(&self) -> bool {
        self.list().iter().any(|s| s.query_cancel())
    }

    /// Sends `f` to every sink.
    pub fn each(&self, f: impl Fn(&dyn ProgressEvents)) {
        for s in self.list() {
            f(s.as_ref());
        }
    }
}

/// Clamps a count to the `long` the callbacks take.
pub(crate) fn long(v: u64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}
