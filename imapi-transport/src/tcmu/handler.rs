//! Answers the ring's commands with a [`Transport`]: the simulated recorder, turned inside
//! out. No I/O of its own: [`super::serve`] waits for the kernel and hands the area over.

use std::time::Duration;

use imapi_mmc::{Command as MmcCommand, Direction, Sense, SenseKey};

use super::ring::{complete, flag_unknown, EntryKind, RingError, RingInfo, CAP_READ_LEN};
use crate::transport::{Data, Transport, STATUS_CHECK_CONDITION};

/// What the handler allows a command: the kernel's own timeout is longer.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Counts of what [`answer_pending`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Answered {
    /// Commands answered.
    pub commands: usize,
    /// PAD, TMR and unknown entries passed over.
    pub skipped: usize,
}

/// Answers every entry from `tail` up to `head` in `area` (the shared area from `cmdr_off`
/// on) with `dev`, and returns the new tail. A ring entry that does not parse stops the walk
/// with its error (the entries before it are answered: the caller should still publish the
/// tail it reached, [`Progress::tail`]).
pub fn answer_pending(
    info: &RingInfo,
    area: &mut [u8],
    head: u32,
    tail: u32,
    dev: &mut dyn Transport,
) -> Result<(u32, Answered), Progress> {
    let mut tail = tail;
    let mut done = Answered::default();
    // At most one entry per 8 bytes of ring: a bound on the walk whatever the ring holds.
    for _ in 0..=info.cmdr_size / 8 {
        if tail == head {
            return Ok((tail, done));
        }
        let entry = info.entry(area, tail).map_err(|error| Progress { tail, error })?;
        match entry.kind {
            EntryKind::Cmd(cmd) => {
                answer(info, area, entry.at, &cmd, dev)
                    .map_err(|error| Progress { tail, error })?;
                done.commands += 1;
            }
            EntryKind::Unknown(_) => {
                flag_unknown(area, entry.at);
                done.skipped += 1;
            }
            EntryKind::Pad | EntryKind::Tmr => done.skipped += 1,
        }
        tail = info.advance(entry.at, entry.len);
    }
    Err(Progress { tail, error: RingError::BadPosition(head) })
}

/// How far [`answer_pending`] got before an entry failed to parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ring entry at {tail}")]
pub struct Progress {
    /// The tail up to which entries were answered.
    pub tail: u32,
    /// What is wrong with the entry there.
    #[source]
    pub error: RingError,
}

fn answer(
    info: &RingInfo,
    area: &mut [u8],
    at: u32,
    cmd: &super::ring::Command,
    dev: &mut dyn Transport,
) -> Result<(), RingError> {
    // The response overwrites the request: everything is copied out first.
    let cdb = area[cmd.cdb.clone()].to_vec();
    let len = cmd.data_len();
    let direction = MmcCommand::parse(&cdb).map(|c| c.direction()).unwrap_or(Direction::None);
    let mut buf: Vec<u8> = Vec::new();
    let data = match direction {
        _ if len == 0 => Data::None,
        Direction::Out => {
            buf.reserve_exact(len);
            for r in &cmd.data {
                buf.extend_from_slice(&area[r.clone()]);
            }
            Data::ToDevice(&buf)
        }
        Direction::In => {
            buf.resize(len, 0);
            Data::FromDevice(&mut buf)
        }
        // The simulator does not know the command: it answers so with no data.
        Direction::None => Data::None,
    };
    let (status, sense, moved) = match dev.execute(&cdb, data, TIMEOUT) {
        Ok(c) => {
            let sense = match (&c.sense, c.status) {
                (Some(s), STATUS_CHECK_CONDITION) => s.to_vec().unwrap_or_default(),
                _ => Vec::new(),
            };
            (c.status, sense, len.saturating_sub(c.residual))
        }
        // No answer from the recorder (it lost power): what a drive that stopped talking
        // would be reported as, LOGICAL UNIT COMMUNICATION FAILURE.
        Err(_) => {
            let s = Sense::new(SenseKey::HardwareError, 0x08, 0x00);
            (STATUS_CHECK_CONDITION, s.to_vec().unwrap_or_default(), 0)
        }
    };
    let mut read_len = None;
    if direction == Direction::In && len > 0 {
        let mut left = &buf[..moved.min(buf.len())];
        for r in &cmd.data {
            let n = left.len().min(r.len());
            area[r.start..r.start + n].copy_from_slice(&left[..n]);
            left = &left[n..];
        }
        if moved < len && info.flags & CAP_READ_LEN != 0 {
            read_len = Some(moved as u32);
        }
    }
    complete(area, at, status, &sense, read_len)
}

#[cfg(test)]
mod tests {
    use super::super::ring::tests::build::Builder;
    use super::super::ring::UFLAG_READ_LEN;
    use super::*;
    use crate::transport::{Completion, TransportError};

    /// A drive that answers INQUIRY with 36 bytes, takes WRITE(10) data, and refuses the rest.
    #[derive(Default)]
    struct Fake {
        written: Vec<u8>,
    }

    impl Transport for Fake {
        fn execute(
            &mut self,
            cdb: &[u8],
            data: Data<'_>,
            _: Duration,
        ) -> Result<Completion, TransportError> {
            match (cdb[0], data) {
                (0x12, Data::FromDevice(b)) => {
                    let n = b.len().min(36);
                    b[..n].fill(0x5A);
                    Ok(Completion { status: 0, sense: None, residual: b.len() - n })
                }
                (0x2A, Data::ToDevice(b)) => {
                    self.written.extend_from_slice(b);
                    Ok(Completion::good())
                }
                _ => Ok(Completion::check_condition(imapi_mmc::sense::codes::INVALID_OPCODE)),
            }
        }
    }

    #[test]
    fn answers_in_order() {
        // From 128: 112 + 128 + 112 bytes, then a PAD of 32 and the last entry at 0.
        let mut b = Builder::new(512, 16384);
        b.start_at(128);
        b.cmd(&[0x12, 0, 0, 0, 96, 0], &[], 96, 40);
        let blocks: Vec<u8> = (0..4096u32).map(|i| (i % 251) as u8).collect();
        b.cmd(&[0x2A, 0, 0, 0, 0, 0, 0, 0, 2, 0], &blocks, 4096, 1000);
        b.cmd(&[0xE7, 0, 0, 0, 0, 0, 0, 0, 0, 0], &[], 0, 1);
        b.cmd(&[0, 0, 0, 0, 0, 0], &[], 0, 1);
        let (info, head, tail, area) = b.split();
        let iovs = match info.entry(area, tail).unwrap().kind {
            EntryKind::Cmd(c) => c.data,
            k => panic!("{k:?}"),
        };
        let mut fake = Fake::default();
        let (tail, n) = answer_pending(&info, area, head, tail, &mut fake).unwrap();
        assert_eq!(tail, head);
        assert_eq!(n, Answered { commands: 4, skipped: 1 });
        assert_eq!(fake.written, blocks);
        // INQUIRY: 36 bytes across the first pieces, read_len set.
        let got: Vec<u8> = iovs.iter().flat_map(|r| area[r.clone()].to_vec()).collect();
        assert_eq!(&got[..36], &[0x5A; 36]);
        assert_eq!(&got[36..], &[0; 60]);
        assert_eq!(area[128 + 7], UFLAG_READ_LEN);
        assert_eq!(area[128 + 8], 0);
        assert_eq!(&area[128 + 12..128 + 16], &36u32.to_ne_bytes());
        // The unknown opcode: CHECK CONDITION 05/20/00, fixed-format sense.
        let e3 = 128 + 112 + 128;
        assert_eq!(area[e3 + 8], STATUS_CHECK_CONDITION);
        assert_eq!(area[e3 + 16] & 0x7F, 0x70);
        assert_eq!((area[e3 + 18], area[e3 + 28]), (0x05, 0x20));
    }

    #[test]
    fn stops_at_a_bad_entry() {
        let mut b = Builder::new(512, 4096);
        b.cmd(&[0, 0, 0, 0, 0, 0], &[], 0, 1);
        b.cmd(&[0, 0, 0, 0, 0, 0], &[], 0, 1);
        let (info, head, tail, area) = b.split();
        area[112..116].copy_from_slice(&(4096u32 | 1).to_ne_bytes());
        let err = answer_pending(&info, area, head, tail, &mut Fake::default()).unwrap_err();
        assert_eq!(err.tail, 112);
        assert!(matches!(err.error, RingError::BadEntryLength { .. }));
    }
}
