//! Sending the queued buffers to the drive: WRITE(10) at consecutive addresses, the drive's
//! "long write in progress" answered by waiting, progress and cancel between writes.
//!
//! # Retry policy
//! A WRITE answered with NOT READY, LONG WRITE IN PROGRESS (02/04/08) or OPERATION IN
//! PROGRESS (02/04/07), BECOMING READY (02/04/01) or a BUSY status is the drive's buffer
//! being full: the same WRITE is sent again after a pause that starts at 5 ms and doubles up
//! to 100 ms. Any WRITE that completes resets the pause. When the drive has accepted nothing
//! for [`BUSY_LIMIT`], the burn fails with IMAPI_E_LOSS_OF_STREAMING. Other refusals end the
//! burn with their code from the sense table.

use std::time::{Duration, Instant};

use imapi_codes::ImapiCode;
use imapi_mmc::SenseClass;
use imapi_redbook::Lba;
use imapi_transport::{ops, CommandError, Transport};

use crate::error::{ImapiError, Result};
use crate::progress::{long, ProgressEvents, Sinks};
use crate::sense_map::Operation;

use super::pipeline::{blocks_per_write, Queue};

/// How long a drive may stay busy before the burn gives up.
pub const BUSY_LIMIT: Duration = Duration::from_secs(120);

/// How a run of writes ended.
pub(crate) enum Ended {
    /// Every block written.
    Done,
    /// A sink asked to cancel after this many blocks.
    Cancelled,
}

/// Whether a failed WRITE is the drive asking to wait.
fn is_busy(e: &CommandError) -> bool {
    match e {
        CommandError::CheckCondition(s) => {
            matches!(s.class(), SenseClass::LongWriteInProgress | SenseClass::RetryLater)
                || (s.class() == SenseClass::NotReady && s.triple().1 == 0x04)
        }
        CommandError::Status(0x08) => true,
        _ => false,
    }
}

/// Writes everything the queue yields from `start`, each buffer with its own block size;
/// reports progress through `progress` (called with blocks done).
pub(crate) fn write_all(
    t: &mut dyn Transport,
    device: &str,
    queue: &Queue,
    start: i32,
    sinks: &Sinks,
    progress: &mut dyn FnMut(u64),
) -> Result<Ended> {
    let mut lba = start;
    let mut done = 0u64;
    progress(0);
    loop {
        if sinks.query_cancel() {
            return Ok(Ended::Cancelled);
        }
        let chunk = match queue.rx.recv() {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return Err(e),
            Err(_) => break,
        };
        let per_write = blocks_per_write(chunk.block_len) * chunk.block_len;
        for (k, part) in chunk.bytes.chunks(per_write).enumerate() {
            if k > 0 && sinks.query_cancel() {
                return Ok(Ended::Cancelled);
            }
            if !write_one(t, device, lba, part, chunk.block_len, sinks)? {
                return Ok(Ended::Cancelled);
            }
            let blocks = part.len() / chunk.block_len.max(1);
            lba += blocks as i32;
            done += blocks as u64;
            progress(done);
        }
        // The buffer goes back to the producer (gone already at the end: nothing to do).
        let _ = queue.recycle.send(chunk.bytes);
    }
    Ok(Ended::Done)
}

/// One WRITE(10) of `buf` at `lba`, sent again while the drive is busy (the module's retry
/// policy). `Ok(false)` when a sink asked to cancel while waiting.
pub(crate) fn write_one(
    t: &mut dyn Transport,
    device: &str,
    lba: i32,
    buf: &[u8],
    block_len: usize,
    sinks: &Sinks,
) -> Result<bool> {
    write_one_within(t, device, lba, buf, block_len, sinks, BUSY_LIMIT)
}

/// [`write_one`], giving up on a drive busy for longer than `limit`.
fn write_one_within(
    t: &mut dyn Transport,
    device: &str,
    lba: i32,
    buf: &[u8],
    block_len: usize,
    sinks: &Sinks,
    limit: Duration,
) -> Result<bool> {
    let mut pause = Duration::from_millis(5);
    let since = Instant::now();
    loop {
        match ops::write10(t, Lba(lba), buf, block_len) {
            Ok(_) => return Ok(true),
            Err(e) if is_busy(&e) => {
                if since.elapsed() > limit {
                    return Err(ImapiError::new(
                        ImapiCode::LossOfStreaming,
                        format!("{device}: the drive stayed busy for {limit:?} at block {lba}"),
                    )
                    .with_source(e));
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(100));
                if sinks.query_cancel() {
                    return Ok(false);
                }
            }
            Err(e) => return Err(ImapiError::command(device, Operation::Write, e)),
        }
    }
}

/// A progress callback taking blocks done and the total.
type Notify = fn(&dyn ProgressEvents, i32, i32);

/// Block progress at most every `step` blocks, and always the first and the last.
pub(crate) struct Throttle {
    step: u64,
    next: u64,
    total: u64,
    notify: Notify,
}

impl Throttle {
    /// NotifyBlockProgress of the writes.
    pub(crate) fn new(total: u64) -> Throttle {
        Throttle::with(total, |s, done, total| s.notify_block_progress(done, total))
    }

    /// NotifyVerifyProgress of the read-back.
    pub(crate) fn verifying(total: u64) -> Throttle {
        Throttle::with(total, |s, done, total| s.notify_verify_progress(done, total))
    }

    fn with(total: u64, notify: Notify) -> Throttle {
        Throttle { step: (total / 100).max(1), next: 0, total, notify }
    }

    /// Sends the progress when due.
    pub(crate) fn report(&mut self, sinks: &Sinks, done: u64) {
        if done >= self.next || done >= self.total {
            sinks.each(|s| (self.notify)(s, long(done), long(self.total)));
            self.next = done + self.step;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imapi_mmc::sense::codes;
    use imapi_mmc::{Sense, SenseKey};
    use imapi_transport::{Completion, Data, TransportError};

    /// A drive that answers every command with one sense, counting the commands.
    struct Answers {
        sense: Sense,
        commands: usize,
    }

    impl Transport for Answers {
        fn execute(
            &mut self,
            _cdb: &[u8],
            _data: Data<'_>,
            _timeout: Duration,
        ) -> std::result::Result<Completion, TransportError> {
            self.commands += 1;
            Ok(Completion { status: 0x02, sense: Some(self.sense), residual: 0 })
        }
    }

    #[test]
    fn a_drive_busy_past_the_limit_is_loss_of_streaming() {
        let mut t = Answers { sense: codes::LONG_WRITE_IN_PROGRESS, commands: 0 };
        let sinks = Sinks::default();
        let limit = Duration::from_millis(40);
        let e = write_one_within(&mut t, "sim:x", 96, &[0; 2048], 2048, &sinks, limit).unwrap_err();
        assert_eq!(e.code(), ImapiCode::LossOfStreaming, "{e}");
        assert!(e.message().contains("block 96"), "{e}");
        assert!(t.commands > 1, "the WRITE was sent again while busy");
    }

    #[test]
    fn a_drive_reporting_loss_of_streaming_is_loss_of_streaming() {
        let mut t = Answers { sense: Sense::new(SenseKey::MediumError, 0x0C, 0x09), commands: 0 };
        let e = write_one(&mut t, "sim:x", 0, &[0; 2048], 2048, &Sinks::default()).unwrap_err();
        assert_eq!(e.code(), ImapiCode::LossOfStreaming, "{e}");
        assert_eq!(t.commands, 1, "not retried");
    }
}
