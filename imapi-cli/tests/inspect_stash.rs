//! `imapi inspect STASH` as a user runs it: the summary, the verification, exit status 1 and
//! IMAPI_E_INVALIDIMAGE on a damaged stash.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use imapi_stash::{DiscInfo, DiscKind, Overflow, StashOptions, StashWriter, TrackInfo};

fn inspect(file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imapi")).arg("inspect").arg(file).output().unwrap()
}

fn stash(dir: &Path) -> PathBuf {
    let mut w = StashWriter::create(dir, &StashOptions::new(DiscKind::Mixed)).unwrap();
    w.begin_track(TrackInfo::data()).unwrap();
    let meta = w.reserve(1).unwrap();
    w.append_blocks(&[7; 3 * 2048], Overflow::AllOrNothing).unwrap();
    w.fill(&meta, &[1; 2048]).unwrap();
    w.end_track().unwrap();
    let mut audio = TrackInfo::audio(150);
    audio.isrc = Some("USRC17607839".parse().unwrap());
    w.begin_track(audio).unwrap();
    w.append_blocks(&[3; 2352], Overflow::AllOrNothing).unwrap();
    w.end_track().unwrap();
    w.set_disc_info(DiscInfo {
        mcn: Some("0123456789012".parse().unwrap()),
        ..DiscInfo::default()
    })
    .unwrap();
    w.finish().unwrap()
}

#[test]
fn inspect_prints_header_tracks_and_verification() {
    let dir = tempfile::tempdir().unwrap();
    let path = stash(dir.path());
    let out = inspect(&path);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0]
            .ends_with("imapi stash, format 1.0, mixed disc, 2 track(s), 3 segment(s), 5 block(s)"),
        "{text}"
    );
    assert!(lines[2].starts_with("disc: first track 1, catalog 0123456789012, finalize"), "{text}");
    assert!(lines[3].starts_with("track 01 mode1 2048 control 0x4 pregap 0 blocks 4"), "{text}");
    assert!(lines[4].starts_with("  segment 0: block 0 offset 4096 blocks 1"), "{text}");
    assert!(lines[5].starts_with("  segment 1: block 1 offset 6144 blocks 3"), "{text}");
    assert!(lines[6].starts_with("track 02 audio 2352 control 0x0 pregap 150 blocks 1"), "{text}");
    assert!(lines[6].ends_with("isrc USRC17607839"), "{text}");
    assert_eq!(lines.last().copied(), Some("verify: ok, 3 segment(s), 10544 bytes checked"));
}

#[test]
fn a_damaged_payload_fails_verification_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = stash(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[4096 + 2048 + 10] ^= 0xFF;
    let damaged = dir.path().join("damaged.bin");
    std::fs::write(&damaged, &bytes).unwrap();
    let out = inspect(&damaged);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("track 01 mode1"), "the summary comes first: {text}");
    assert!(
        text.contains(
            "verify: FAILED: invalid stash: track 1 segment 1 at offset 6144: checksum mismatch"
        ),
        "{text}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: IMAPI_E_INVALIDIMAGE: "), "{err}");
    assert!(err.contains("checksum mismatch"), "{err}");
}

#[test]
fn a_damaged_table_is_exit_1_naming_the_fault() {
    let dir = tempfile::tempdir().unwrap();
    let path = stash(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let out = inspect(&path);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: IMAPI_E_INVALIDIMAGE: "), "{err}");
    assert!(err.contains("track table checksum mismatch"), "{err}");
}

#[test]
fn a_partial_stash_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = StashWriter::create(dir.path(), &StashOptions::new(DiscKind::Data)).unwrap();
    w.begin_track(TrackInfo::data()).unwrap();
    w.append_blocks(&[1; 2048], Overflow::AllOrNothing).unwrap();
    let partial = dir.path().join(imapi_stash::PARTIAL_FILE_NAME);
    let copy = dir.path().join("copy.stash");
    std::fs::copy(&partial, &copy).unwrap();
    let out = inspect(&copy);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("IMAPI_E_INVALIDIMAGE") && err.contains("bad magic"), "{err}");
}
