//! Early writeback: a helper thread that flushes the partial stash to the disk while staging
//! goes on, so that the flush at `finish()` has little left to do.

use std::fs::File;
use std::io;
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Bytes staged between two requests to flush.
pub(crate) const FLUSH_EVERY: u64 = 64 << 20;

/// What a failed background flush left: enough to rebuild the error.
#[derive(Debug, Clone, Copy)]
struct Failure {
    kind: io::ErrorKind,
    os: Option<i32>,
}

impl Failure {
    fn error(self) -> io::Error {
        match self.os {
            Some(code) => io::Error::from_raw_os_error(code),
            None => io::Error::from(self.kind),
        }
    }
}

/// The helper thread and the way to wake it. Dropping it lets the thread finish its flush
/// and end.
#[derive(Debug)]
pub(crate) struct Flusher {
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
    failure: Arc<Mutex<Option<Failure>>>,
}

impl Flusher {
    /// Starts a helper for `file`; `None` when the file cannot be shared or no thread can
    /// be started (staging then simply flushes everything at the end).
    pub(crate) fn start(file: &File) -> Option<Self> {
        let file = file.try_clone().ok()?;
        let failure = Arc::new(Mutex::new(None));
        let seen = Arc::clone(&failure);
        // One pending request at most: a wake-up while a flush runs is folded into the next.
        let (wake, requests) = sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("stash-flush".into())
            .spawn(move || {
                for () in requests {
                    if let Err(e) = file.sync_data() {
                        if let Ok(mut slot) = seen.lock() {
                            slot.get_or_insert(Failure { kind: e.kind(), os: e.raw_os_error() });
                        }
                    }
                }
            })
            .ok()?;
        Some(Self { wake: Some(wake), thread: Some(thread), failure })
    }

    /// Asks for a flush of what is written so far, without waiting for it.
    pub(crate) fn request(&self) {
        if let Some(wake) = &self.wake {
            match wake.try_send(()) {
                Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
            }
        }
    }

    /// The error of a failed background flush, if one failed (it stays until the stash is
    /// cleared: the bytes it was flushing may not be on the disk).
    pub(crate) fn failure(&self) -> Option<io::Error> {
        self.failure.lock().ok().and_then(|slot| slot.map(Failure::error))
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        drop(self.wake.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn wait_for_failure(f: &Flusher) -> Option<io::Error> {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Some(e) = f.failure() {
                return Some(e);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        None
    }

    #[test]
    fn flushes_a_file_quietly() {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &[1; 1 << 16]).unwrap();
        let f = Flusher::start(&file).unwrap();
        f.request();
        f.request();
        drop(f);
        // After the join the thread has flushed and ended without a failure to report.
        let f = Flusher::start(&file).unwrap();
        f.request();
        assert!(f.failure().is_none());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_flush_is_kept_for_the_writer() {
        // fsync on a character device fails (EINVAL).
        let file = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let f = Flusher::start(&file).unwrap();
        f.request();
        let e = wait_for_failure(&f).expect("the flush of /dev/full fails");
        assert_eq!(e.raw_os_error(), Some(22));
        // It stays.
        assert!(f.failure().is_some());
    }
}
