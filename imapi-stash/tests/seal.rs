//! Staging a data disc as IMAPI's AddData does: progress and cancel on long appends,
//! metadata prepended at the end of staging, checkpoints and rollback, and reopening a
//! finished stash for a retry.

mod common;

use common::pattern;
use imapi_codes::ImapiCode;
use imapi_stash::{
    DiscKind, Overflow, Stash, StashError, StashOptions, StashWriter, TrackInfo, DATA_BLOCK_SIZE,
};
use std::io::{Cursor, Read, Write};

fn writer(kind: DiscKind) -> (tempfile::TempDir, StashWriter) {
    let dir = tempfile::tempdir().unwrap();
    let w = StashWriter::create(dir.path(), &StashOptions::new(kind)).unwrap();
    (dir, w)
}

/// Track `index` of the finished stash in `dir`, after a full verification.
fn track_bytes(dir: &std::path::Path, index: usize) -> Vec<u8> {
    let mut s = Stash::open_in(dir).unwrap();
    s.verify().unwrap();
    let mut out = Vec::new();
    s.track_reader(index).unwrap().read_to_end(&mut out).unwrap();
    out
}

const BS: usize = DATA_BLOCK_SIZE as usize;

#[test]
fn a_file_range_cancelled_half_way_keeps_nothing() {
    let (d, mut w) = writer(DiscKind::Data);
    w.begin_track(TrackInfo::data()).unwrap();
    w.append_blocks(&pattern(1, 3 * BS), Overflow::AllOrNothing).unwrap();
    let content = pattern(2, 12 << 20);
    let mut f = tempfile::tempfile().unwrap();
    f.write_all(&content).unwrap();
    let partial = d.path().join(imapi_stash::PARTIAL_FILE_NAME);
    let len_before = std::fs::metadata(&partial).unwrap().len();

    let mut calls = Vec::new();
    let e = w
        .append_file_range_with(&f, 0, 12 << 20, Overflow::AllOrNothing, |done, total| {
            calls.push((done, total));
            done < total / 2
        })
        .unwrap_err();
    assert!(matches!(e, StashError::Cancelled), "{e}");
    assert_eq!(e.imapi_code(), Some(ImapiCode::UserAbort));
    // Polled before the copy and after each 4 MiB step; stopped at the first past half way.
    assert_eq!(calls, [(0, 12 << 20), (4 << 20, 12 << 20), (8 << 20, 12 << 20)]);
    assert_eq!(w.used_blocks(), 3);
    // The space is given back.
    assert_eq!(std::fs::metadata(&partial).unwrap().len(), len_before);

    // Staging goes on as if the call had not been made.
    let kept = w.append_file_range(&f, 100, 5000, Overflow::AllOrNothing).unwrap();
    assert_eq!(kept, 3);
    w.end_track().unwrap();
    w.finish().unwrap();
    let mut expected = pattern(1, 3 * BS);
    expected.extend(&content[100..5100]);
    expected.resize(6 * BS, 0);
    assert_eq!(track_bytes(d.path(), 0), expected);
    assert_eq!(Stash::open_in(d.path()).unwrap().tracks()[0].segments.len(), 1);
}

#[test]
fn a_reader_reports_progress_and_can_be_cancelled() {
    let (d, mut w) = writer(DiscKind::Data);
    w.begin_track(TrackInfo::data()).unwrap();
    let data = pattern(3, 1 << 20);
    let mut seen = Vec::new();
    let kept = w
        .append_reader_with(Cursor::new(&data), Overflow::AllOrNothing, |done, total| {
            seen.push((done, total));
            true
        })
        .unwrap();
    assert_eq!(kept, 512);
    // Before the first read, then after every 128 KiB; the total is not known.
    let expected: Vec<(u64, u64)> = (0..=8).map(|i| (i * (128 << 10), 0)).collect();
    assert_eq!(seen, expected);

    // Cancelled after some chunks (and under KeepWhatFits too): nothing stays.
    for overflow in [Overflow::AllOrNothing, Overflow::KeepWhatFits] {
        let e = w
            .append_reader_with(Cursor::new(&pattern(4, 1 << 20)), overflow, |done, _| {
                done < 300_000
            })
            .unwrap_err();
        assert_eq!(e.imapi_code(), Some(ImapiCode::UserAbort));
        assert_eq!(w.used_blocks(), 512);
    }
    // Cancelled before anything is read.
    let e = w.append_reader_with(Cursor::new(&data), Overflow::AllOrNothing, |_, _| false);
    assert!(matches!(e, Err(StashError::Cancelled)));
    w.end_track().unwrap();
    w.finish().unwrap();
    assert_eq!(track_bytes(d.path(), 0), data);
}
