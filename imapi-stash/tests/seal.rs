//! Staging a data disc as IMAPI's AddData does: progress and cancel on long appends,
//! metadata prepended at the end of staging, checkpoints and rollback, and reopening a
//! finished stash for a retry.

mod common;

use common::{pattern, track_bytes, writer};
use imapi_codes::ImapiCode;
use imapi_stash::{DiscKind, Overflow, Stash, StashError, TrackInfo, DATA_BLOCK_SIZE};
use std::io::{Cursor, Write};

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

#[test]
fn prepended_blocks_come_first_in_disc_order() {
    let (d, mut w) = writer(DiscKind::Data);
    w.begin_track(TrackInfo::data()).unwrap();
    let a = pattern(1, 2 * BS);
    let b = pattern(2, 3 * BS - 700);
    w.append_blocks(&a, Overflow::AllOrNothing).unwrap();
    w.append_reader(Cursor::new(&b), Overflow::AllOrNothing).unwrap();
    let m = pattern(3, 4 * BS);
    w.prepend_blocks(&m).unwrap();
    assert_eq!(w.used_blocks(), 9);
    w.end_track().unwrap();
    w.finish().unwrap();

    let mut expected = m.clone();
    expected.extend(&a);
    expected.extend(&b);
    expected.resize(9 * BS, 0);
    assert_eq!(track_bytes(d.path(), 0), expected);
    let s = Stash::open_in(d.path()).unwrap();
    let segs: Vec<(u64, u32, u64)> =
        s.tracks()[0].segments.iter().map(|s| (s.offset, s.blocks, s.first_block)).collect();
    // M was written after A and B in the file, and is the first segment on the disc.
    assert_eq!(segs, [(4096 + 5 * BS as u64, 4, 0), (4096, 5, 4)]);
    assert_eq!(s.tracks()[0].segments[0].crc32c, crc32c(&m));
    assert_eq!(s.header().segment_count, 2);
}

fn crc32c(bytes: &[u8]) -> u32 {
    // Bitwise CRC-32C, independent of the crate's.
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0x82F6_3B78 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn appends_after_a_prepend_never_extend_it() {
    let (d, mut w) = writer(DiscKind::Data);
    w.begin_track(TrackInfo::data()).unwrap();
    w.append_blocks(&pattern(1, BS), Overflow::AllOrNothing).unwrap();
    w.prepend_blocks(&pattern(2, BS)).unwrap();
    // Written right after the prepended block in the file, but belongs after block 1.
    w.append_blocks(&pattern(3, 2 * BS), Overflow::AllOrNothing).unwrap();
    w.append_blocks(&pattern(4, BS), Overflow::AllOrNothing).unwrap();
    // A second prepend goes before the first; a reader of odd length is padded.
    w.prepend_reader(Cursor::new(pattern(5, BS + 10))).unwrap();
    w.end_track().unwrap();
    w.finish().unwrap();
    let mut expected = pattern(5, BS + 10);
    expected.resize(2 * BS, 0);
    for (seed, blocks) in [(2, 1), (1, 1), (3, 2), (4, 1)] {
        expected.extend(pattern(seed, blocks * BS));
    }
    assert_eq!(track_bytes(d.path(), 0), expected);
    let s = Stash::open_in(d.path()).unwrap();
    let segs: Vec<(u64, u32)> =
        s.tracks()[0].segments.iter().map(|s| (s.offset, s.blocks)).collect();
    let at = |block: u64| 4096 + block * BS as u64;
    assert_eq!(segs, [(at(5), 2), (at(1), 1), (at(0), 1), (at(2), 3)]);
}

#[test]
fn a_prepend_is_all_or_nothing() {
    let (d, mut w) = writer(DiscKind::Data);
    assert!(matches!(w.prepend_blocks(&[0; BS]), Err(StashError::TrackNotOpen)));
    w.set_capacity(Some(4));
    w.begin_track(TrackInfo::data()).unwrap();
    w.append_blocks(&pattern(1, 2 * BS), Overflow::AllOrNothing).unwrap();
    let partial = d.path().join(imapi_stash::PARTIAL_FILE_NAME);
    let len = std::fs::metadata(&partial).unwrap().len();
    assert!(matches!(
        w.prepend_blocks(&[1; 100]),
        Err(StashError::PartialBlock { len: 100, block_size: 2048 })
    ));
    let e = w.prepend_blocks(&pattern(2, 3 * BS)).unwrap_err();
    assert!(matches!(e, StashError::DiscFull { available: 2, requested: 3, kept: 0, .. }), "{e}");
    // A reader finds out late: what it wrote is taken back.
    let e = w.prepend_reader(Cursor::new(pattern(3, 600 * BS))).unwrap_err();
    assert_eq!(e.imapi_code(), Some(ImapiCode::DiscFull));
    assert_eq!(w.used_blocks(), 2);
    assert_eq!(std::fs::metadata(&partial).unwrap().len(), len);
    // Empty data stages nothing.
    w.prepend_blocks(&[]).unwrap();
    w.prepend_reader(Cursor::new(&[])).unwrap();
    w.prepend_blocks(&pattern(4, 2 * BS)).unwrap();
    w.end_track().unwrap();
    w.finish().unwrap();
    let mut expected = pattern(4, 2 * BS);
    expected.extend(pattern(1, 2 * BS));
    assert_eq!(track_bytes(d.path(), 0), expected);
}

#[test]
fn rollback_after_a_failed_add_leaves_the_stash_as_before() {
    let (d, mut w) = writer(DiscKind::Data);
    w.begin_track(TrackInfo::data()).unwrap();
    w.append_blocks(&pattern(1, 2 * BS), Overflow::AllOrNothing).unwrap();
    let partial = d.path().join(imapi_stash::PARTIAL_FILE_NAME);
    let len = std::fs::metadata(&partial).unwrap().len();

    // An add of two files: the first goes in, the second passes the capacity.
    w.set_capacity(Some(6));
    let cp = w.checkpoint();
    assert_eq!((cp.used_blocks(), cp.track_count(), cp.is_track_open()), (2, 1, true));
    w.append_blocks(&pattern(2, 3 * BS), Overflow::AllOrNothing).unwrap();
    let e = w.append_reader(Cursor::new(pattern(3, 5 * BS)), Overflow::AllOrNothing).unwrap_err();
    assert_eq!(e.imapi_code(), Some(ImapiCode::DiscFull));
    assert_eq!(w.used_blocks(), 5);
    w.rollback(cp.clone()).unwrap();
    assert_eq!(w.used_blocks(), 2);
    assert_eq!(std::fs::metadata(&partial).unwrap().len(), len);

    // An add whose copy is cancelled, after a reservation and a begun track.
    w.set_capacity(None);
    w.append_blocks(&pattern(4, BS), Overflow::AllOrNothing).unwrap();
    let _r = w.reserve(2).unwrap();
    w.end_track().unwrap();
    w.begin_track(TrackInfo::data()).unwrap();
    let mut f = tempfile::tempfile().unwrap();
    f.write_all(&pattern(5, 9 << 20)).unwrap();
    let e = w
        .append_file_range_with(&f, 0, 9 << 20, Overflow::AllOrNothing, |done, _| done == 0)
        .unwrap_err();
    assert!(matches!(e, StashError::Cancelled));
    w.rollback(cp.clone()).unwrap();
    assert_eq!((w.used_blocks(), w.track_count(), w.is_track_open()), (2, 1, true));
    assert_eq!(std::fs::metadata(&partial).unwrap().len(), len);

    // Staging goes on from the checkpoint: the next append extends the first segment.
    w.append_blocks(&pattern(6, BS), Overflow::AllOrNothing).unwrap();
    w.end_track().unwrap();
    w.finish().unwrap();
    let mut expected = pattern(1, 2 * BS);
    expected.extend(pattern(6, BS));
    assert_eq!(track_bytes(d.path(), 0), expected);
    let s = Stash::open_in(d.path()).unwrap();
    assert_eq!(s.tracks().len(), 1);
    assert_eq!(s.tracks()[0].segments.len(), 1);
}

#[test]
fn reservations_filled_after_a_checkpoint_open_again() {
    let (d, mut w) = writer(DiscKind::Data);
    w.begin_track(TrackInfo::data()).unwrap();
    let early = w.reserve(1).unwrap();
    w.append_blocks(&pattern(1, BS), Overflow::AllOrNothing).unwrap();
    let cp = w.checkpoint();
    w.fill(&early, &pattern(2, BS)).unwrap();
    let late = w.reserve(1).unwrap();
    w.rollback(cp).unwrap();
    assert!(matches!(w.fill(&late, &[0; BS]), Err(StashError::StaleReservation { .. })));
    w.end_track().unwrap();
    let e = w.finish().unwrap_err();
    assert!(matches!(e, StashError::UnfilledReservation { blocks: 1, .. }), "{e}");
    w.fill(&early, &pattern(3, BS)).unwrap();
    w.finish().unwrap();
    let mut expected = pattern(3, BS);
    expected.extend(pattern(1, BS));
    assert_eq!(track_bytes(d.path(), 0), expected);
}

#[test]
fn checkpoints_of_other_stagings_are_refused() {
    let (_d, mut w) = writer(DiscKind::Data);
    let (_e, other) = writer(DiscKind::Data);
    let foreign = other.checkpoint();
    assert!(matches!(w.rollback(foreign), Err(StashError::StaleCheckpoint)));

    w.begin_track(TrackInfo::data()).unwrap();
    let before_clear = w.checkpoint();
    w.clear().unwrap();
    let e = w.rollback(before_clear).unwrap_err();
    assert!(matches!(e, StashError::StaleCheckpoint));
    assert_eq!(e.to_string(), "the checkpoint does not belong to this stash as it now stands");

    // A rollback ends the checkpoints taken after its own; its own stays good.
    w.begin_track(TrackInfo::data()).unwrap();
    let cp0 = w.checkpoint();
    w.append_blocks(&pattern(1, BS), Overflow::AllOrNothing).unwrap();
    let cp1 = w.checkpoint();
    w.append_blocks(&pattern(2, BS), Overflow::AllOrNothing).unwrap();
    w.rollback(cp0.clone()).unwrap();
    let cp2 = w.checkpoint();
    w.append_blocks(&pattern(3, 2 * BS), Overflow::AllOrNothing).unwrap();
    assert!(matches!(w.rollback(cp1), Err(StashError::StaleCheckpoint)));
    assert_eq!(w.used_blocks(), 2);
    w.rollback(cp2).unwrap();
    assert_eq!(w.used_blocks(), 0);
    w.append_blocks(&pattern(4, BS), Overflow::AllOrNothing).unwrap();
    w.rollback(cp0.clone()).unwrap();
    assert_eq!(w.used_blocks(), 0);

    // Not on a finished stash; reopen only on one.
    assert!(matches!(w.reopen(cp0.clone()), Err(StashError::NotFinished)));
    w.append_blocks(&pattern(5, BS), Overflow::AllOrNothing).unwrap();
    w.end_track().unwrap();
    w.finish().unwrap();
    assert!(matches!(w.rollback(cp0), Err(StashError::Finished)));
}

#[test]
fn a_finished_stash_reopens_for_a_retry_and_more_staging() {
    let (d, mut w) = writer(DiscKind::Data);
    let partial = d.path().join(imapi_stash::PARTIAL_FILE_NAME);
    w.begin_track(TrackInfo::data()).unwrap();
    let a = pattern(1, 3 * BS);
    w.append_blocks(&a, Overflow::AllOrNothing).unwrap();
    let staged = w.checkpoint();
    // The sealing steps: metadata first on the disc, the track ended, the disc metadata.
    w.prepend_blocks(&pattern(2, BS)).unwrap();
    w.end_track().unwrap();
    let mcn: imapi_stash::Mcn = "0123456789012".parse().unwrap();
    w.set_disc_info(imapi_stash::DiscInfo { mcn: Some(mcn), ..Default::default() }).unwrap();
    let path = w.finish().unwrap();
    let mut first = pattern(2, BS);
    first.extend(&a);
    assert_eq!(track_bytes(d.path(), 0), first);
    assert!(!partial.exists());

    // A checkpoint that is not this staging's is refused, and the stash stays finished.
    let (_e, other) = writer(DiscKind::Data);
    assert!(matches!(w.reopen(other.checkpoint()), Err(StashError::StaleCheckpoint)));
    assert!(Stash::open(&path).is_ok());

    // The burn failed: back to staging, as before the sealing steps.
    w.reopen(staged.clone()).unwrap();
    assert!(!path.exists());
    assert!(Stash::open_in(d.path()).is_err());
    // The partial stash is the payload alone, with a zeroed header area.
    let bytes = std::fs::read(&partial).unwrap();
    assert_eq!(bytes.len(), 4096 + 3 * BS);
    assert!(bytes[..4096].iter().all(|&b| b == 0));
    assert!(Stash::open(&partial).is_err());
    assert!(w.is_track_open());
    assert_eq!(w.used_blocks(), 3);
    assert_eq!(w.disc_info().mcn, None);
    assert!(matches!(w.reopen(staged.clone()), Err(StashError::NotFinished)));

    // More files, then sealed again with new metadata.
    let b = pattern(3, 2 * BS);
    w.append_blocks(&b, Overflow::AllOrNothing).unwrap();
    w.prepend_blocks(&pattern(4, 2 * BS)).unwrap();
    w.end_track().unwrap();
    assert_eq!(w.finish().unwrap(), path);
    let mut second = pattern(4, 2 * BS);
    second.extend(&a);
    second.extend(&b);
    assert_eq!(track_bytes(d.path(), 0), second);
    let s = Stash::open(&path).unwrap();
    // The earlier data is one segment (extended by the new files), after the metadata.
    let segs: Vec<(u64, u32)> =
        s.tracks()[0].segments.iter().map(|s| (s.offset, s.blocks)).collect();
    assert_eq!(segs, [(4096 + 5 * BS as u64, 2), (4096, 5)]);
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        s.header().table_offset + s.header().table_len
    );

    // The same checkpoint serves a second retry.
    w.reopen(staged).unwrap();
    w.prepend_blocks(&pattern(5, BS)).unwrap();
    w.end_track().unwrap();
    w.finish().unwrap();
    let mut third = pattern(5, BS);
    third.extend(&a);
    assert_eq!(track_bytes(d.path(), 0), third);
}
