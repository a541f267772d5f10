//! The body of the `tcmu_ring` fuzz target, shared with the test that replays its corpus on
//! stable Rust: the input is a whole shared area (mailbox, ring, data), its entries answered
//! by a simulated recorder as the kernel would have them answered. Nothing may panic, the
//! walk ends, and every command entry gets its response.

use std::path::PathBuf;

use super::handler::answer_pending;
use super::ring::{RingInfo, MAILBOX_LEN};
use crate::sim::{Media, SimRecorder};

/// A recorder in a scratch folder of this process, with a blank CD-R, for every input.
fn recorder() -> Option<SimRecorder> {
    let dir: PathBuf = std::env::temp_dir().join(format!("imapi-fuzz-tcmu-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    SimRecorder::create(&dir, Media::CdR74, 0).ok()
}

/// Runs one input.
pub fn ring(data: &[u8]) {
    let mut area = data.to_vec();
    let Ok((info, head, tail)) = RingInfo::parse(&area, area.len()) else { return };
    assert!(info.cmdr_off as usize >= MAILBOX_LEN);
    let Some(mut sim) = recorder() else { return };
    let off = info.cmdr_off as usize;
    let rest = &mut area[off..];
    let _ = answer_pending(&info, rest, head, tail, &mut sim);
    let _ = std::fs::remove_dir_all(sim.path());
}
