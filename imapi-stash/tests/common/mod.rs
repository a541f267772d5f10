//! Helpers shared by the integration tests.
#![allow(dead_code)]

use imapi_stash::{
    CdTextPack, DiscInfo, DiscKind, Mcn, Overflow, SessionClose, StashOptions, StashWriter,
    TrackInfo,
};
use std::path::PathBuf;

/// A new writer of a `kind` stash in a temporary folder (kept alive by the TempDir).
pub fn writer(kind: DiscKind) -> (tempfile::TempDir, StashWriter) {
    let dir = tempfile::tempdir().unwrap();
    let w = StashWriter::create(dir.path(), &StashOptions::new(kind)).unwrap();
    (dir, w)
}

/// Track `index` of the finished stash in `dir`, after a full verification.
pub fn track_bytes(dir: &std::path::Path, index: usize) -> Vec<u8> {
    use std::io::Read;
    let mut s = imapi_stash::Stash::open_in(dir).unwrap();
    s.verify().unwrap();
    let mut out = Vec::new();
    s.track_reader(index).unwrap().read_to_end(&mut out).unwrap();
    out
}

/// `n` bytes of a pattern that differs per `seed`.
pub fn pattern(seed: u8, n: usize) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

/// A small mixed stash with every table feature: two tracks, a reservation filled last (so
/// track 1 has two segments out of file order), an ISRC, an MCN, CD-Text packs, a session
/// start. Returns the folder (kept alive by the TempDir) and the stash's path.
pub fn small_stash() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut w = StashWriter::create(dir.path(), &StashOptions::new(DiscKind::Mixed)).unwrap();
    w.begin_track(TrackInfo::data()).unwrap();
    let meta = w.reserve(2).unwrap();
    w.append_blocks(&pattern(1, 3 * 2048), Overflow::AllOrNothing).unwrap();
    w.fill(&meta, &pattern(2, 2 * 2048)).unwrap();
    w.end_track().unwrap();
    let mut audio = TrackInfo::audio(150);
    audio.isrc = Some("USRC17607839".parse().unwrap());
    audio.start_lba = Some(1234);
    w.begin_track(audio).unwrap();
    w.append_blocks(&pattern(3, 2 * 2352), Overflow::AllOrNothing).unwrap();
    w.end_track().unwrap();
    let mut pack = [0u8; 18];
    pack[0] = 0x80;
    pack[4..9].copy_from_slice(b"Title");
    w.set_disc_info(DiscInfo {
        first_track: 1,
        mcn: Some("0123456789012".parse::<Mcn>().unwrap()),
        cd_text: vec![CdTextPack::new(pack).unwrap()],
        session_start: Some(0),
        close: SessionClose::LeaveAppendable,
    })
    .unwrap();
    let path = w.finish().unwrap();
    (dir, path)
}
