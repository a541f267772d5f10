//! Replays every seed of the `tcmu_ring` fuzz corpus through the fuzz target's own body, on
//! stable Rust. The corpus lives in the crate (`tests/corpus/tcmu_ring`), so the packaged
//! crate replays it too.

use std::path::PathBuf;

#[test]
fn tcmu_ring_corpus() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/tcmu_ring");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        imapi_transport::tcmu::fuzzing::ring(&bytes);
        n += 1;
    }
    assert!(n >= 5, "only {n} seeds in {}", dir.display());
}

/// The `scan` seed answered by a simulated recorder: INQUIRY's data reaches the iovec, the
/// response replaces the request, the tail comes round to the head.
#[test]
fn scan_seed_answered_by_the_simulator() {
    use imapi_transport::sim::{Media, SimRecorder};
    use imapi_transport::tcmu::handler::answer_pending;
    use imapi_transport::tcmu::ring::{EntryKind, RingInfo, MAILBOX_LEN};

    let seed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/tcmu_ring/scan");
    let mut area = std::fs::read(seed).unwrap();
    let len = area.len();
    let (info, head, tail) = RingInfo::parse(&area[..MAILBOX_LEN], len).unwrap();
    let rest = &mut area[info.cmdr_off as usize..];
    let EntryKind::Cmd(inquiry) = info.entry(rest, tail).unwrap().kind else { panic!() };
    let dir = tempfile::tempdir().unwrap();
    let mut sim = SimRecorder::create(&dir.path().join("rec"), Media::CdR74, 0).unwrap();
    let (end, done) = answer_pending(&info, rest, head, tail, &mut sim).unwrap();
    assert_eq!(end, head);
    assert_eq!(done.commands, 3);
    let data = &rest[inquiry.data[0].clone()];
    assert_eq!(data[0], 0x05, "peripheral device type 5");
    assert_eq!(&data[8..16], b"IMAPI-RS");
    // Status GOOD, no READ_LEN flag needed: 36 bytes asked, 36 given.
    let at = tail as usize;
    assert_eq!(rest[at + 8], 0);
}
