//! The writer's rules: tracks, reservations, capacity (DISCFULL), free space, clear, and the
//! file-range path.

mod common;

use common::{pattern, track_bytes, writer};
use imapi_codes::ImapiCode;
use imapi_stash::{
    DiscInfo, DiscKind, Overflow, Stash, StashError, StashOptions, StashWriter, TrackInfo,
    PARTIAL_FILE_NAME, STASH_FILE_NAME,
};
use std::io::{Cursor, Read, Write};

fn code(r: Result<impl Sized, StashError>) -> Option<ImapiCode> {
    r.err().and_then(|e| e.imapi_code())
}

#[test]
fn track_state_errors_name_their_codes() {
    let (_d, mut w) = writer(DiscKind::Audio);
    assert_eq!(
        code(w.append_blocks(&[0; 2352], Overflow::AllOrNothing)),
        Some(ImapiCode::TrackNotOpen)
    );
    assert_eq!(code(w.end_track()), Some(ImapiCode::TrackNotOpen));
    assert_eq!(code(w.begin_track(TrackInfo::data())), Some(ImapiCode::WrongFormat));
    w.begin_track(TrackInfo::audio(0)).unwrap();
    assert_eq!(code(w.begin_track(TrackInfo::audio(0))), Some(ImapiCode::TrackOpen));
    assert!(matches!(w.end_track(), Err(StashError::InvalidTrack(_))));
    assert!(matches!(
        w.append_blocks(&[0; 2000], Overflow::AllOrNothing),
        Err(StashError::PartialBlock { len: 2000, block_size: 2352 })
    ));
    w.append_blocks(&[0; 2352], Overflow::AllOrNothing).unwrap();
    assert_eq!(code(w.finish()), Some(ImapiCode::TrackOpen));
    w.end_track().unwrap();
    w.finish().unwrap();
    assert!(matches!(w.begin_track(TrackInfo::audio(0)), Err(StashError::Finished)));
}

#[test]
fn an_empty_stash_cannot_be_finished() {
    let (_d, mut w) = writer(DiscKind::Data);
    assert_eq!(code(w.finish()), Some(ImapiCode::InvalidImage));
}

#[test]
fn ninety_nine_tracks_and_no_more() {
    let (d, mut w) = writer(DiscKind::Audio);
    for _ in 0..99 {
        w.begin_track(TrackInfo::audio(0)).unwrap();
        w.append_blocks(&[1; 2352], Overflow::AllOrNothing).unwrap();
        w.end_track().unwrap();
    }
    assert_eq!(code(w.begin_track(TrackInfo::audio(0))), Some(ImapiCode::DiscFull));
    let bad = DiscInfo { first_track: 2, ..DiscInfo::default() };
    assert!(matches!(w.set_disc_info(bad), Err(StashError::InvalidDiscInfo(_))));
    w.finish().unwrap();
    let s = Stash::open_in(d.path()).unwrap();
    assert_eq!(s.tracks().len(), 99);
    assert_eq!(s.tracks()[98].number, 99);
}

#[test]
fn all_or_nothing_keeps_nothing_on_disc_full() {
    let (d, mut w) = writer(DiscKind::Data);
    w.set_capacity(Some(10));
    w.begin_track(TrackInfo::data()).unwrap();
    w.append_blocks(&pattern(1, 4 * 2048), Overflow::AllOrNothing).unwrap();
    // A slice too big.
    let e = w.append_blocks(&pattern(2, 7 * 2048), Overflow::AllOrNothing).unwrap_err();
    assert_eq!(e.imapi_code(), Some(ImapiCode::DiscFull));
    assert!(matches!(
        e,
        StashError::DiscFull { capacity: 10, available: 6, requested: 7, kept: 0 }
    ));
    // A reader too long: rolled back, even though it had written blocks before it knew.
    let long = pattern(3, 2048 * 600);
    let e = w.append_reader(Cursor::new(&long), Overflow::AllOrNothing).unwrap_err();
    assert_eq!(e.imapi_code(), Some(ImapiCode::DiscFull));
    assert_eq!(w.used_blocks(), 4);
    // A file range too long.
    let mut f = tempfile::tempfile().unwrap();
    f.write_all(&long).unwrap();
    let e = w.append_file_range(&f, 0, 7 * 2048, Overflow::AllOrNothing).unwrap_err();
    assert_eq!(e.imapi_code(), Some(ImapiCode::DiscFull));
    assert_eq!(w.used_blocks(), 4);
    // What fits still goes in after all that.
    w.append_reader(Cursor::new(&pattern(4, 6 * 2048 - 100)), Overflow::AllOrNothing).unwrap();
    assert_eq!(w.used_blocks(), 10);
    w.end_track().unwrap();
    w.finish().unwrap();
    let bytes = track_bytes(d.path(), 0);
    let mut expected = pattern(1, 4 * 2048);
    expected.extend(pattern(4, 6 * 2048 - 100));
    expected.resize(10 * 2048, 0);
    assert_eq!(bytes, expected);
}

#[test]
fn keep_what_fits_keeps_what_fits() {
    let (d, mut w) = writer(DiscKind::Audio);
    w.set_capacity(Some(5));
    w.begin_track(TrackInfo::audio(150)).unwrap();
    w.append_blocks(&pattern(1, 2 * 2352), Overflow::KeepWhatFits).unwrap();
    let e = w.append_blocks(&pattern(2, 2 * 2352), Overflow::KeepWhatFits);
    assert_eq!(e.unwrap(), 2);
    let e = w.append_reader(Cursor::new(pattern(3, 3 * 2352)), Overflow::KeepWhatFits).unwrap_err();
    assert!(matches!(e, StashError::DiscFull { kept: 1, .. }), "{e}");
    assert_eq!(w.used_blocks(), 5);
    w.end_track().unwrap();
    w.finish().unwrap();
    let mut expected = pattern(1, 2 * 2352);
    expected.extend(pattern(2, 2 * 2352));
    expected.extend(&pattern(3, 3 * 2352)[..2352]);
    assert_eq!(track_bytes(d.path(), 0), expected);

    let (d, mut w) = writer(DiscKind::Audio);
    w.set_capacity(Some(3));
    w.begin_track(TrackInfo::audio(0)).unwrap();
    let e = w.append_blocks(&pattern(5, 4 * 2352), Overflow::KeepWhatFits).unwrap_err();
    assert!(matches!(e, StashError::DiscFull { kept: 3, .. }));
    let mut f = tempfile::tempfile().unwrap();
    f.write_all(&pattern(6, 2352)).unwrap();
    let e = w.append_file_range(&f, 0, 2352, Overflow::KeepWhatFits).unwrap_err();
    assert!(matches!(e, StashError::DiscFull { kept: 0, .. }));
    w.end_track().unwrap();
    w.finish().unwrap();
    assert_eq!(track_bytes(d.path(), 0), pattern(5, 4 * 2352)[..3 * 2352].to_vec());
}

#[test]
fn free_space_is_checked_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let opts = StashOptions::new(DiscKind::Data).expected_bytes(u64::MAX / 2);
    let e = StashWriter::create(dir.path(), &opts).unwrap_err();
    assert_eq!(e.imapi_code(), Some(ImapiCode::NotEnoughDiskForStash));
    assert!(e.to_string().contains("bytes free, the stash needs"), "{e}");
    let opts = StashOptions::new(DiscKind::Data).capacity_blocks(u64::MAX / 4096);
    assert!(matches!(
        StashWriter::create(dir.path(), &opts),
        Err(StashError::NotEnoughDisk { .. })
    ));
    let opts = StashOptions::new(DiscKind::Data).capacity_blocks(360_000);
    assert!(StashWriter::create(dir.path(), &opts).is_ok());
}

#[test]
fn a_second_writer_in_the_same_folder_is_refused() {
    let (d, _w) = writer(DiscKind::Data);
    let e = StashWriter::create(d.path(), &StashOptions::new(DiscKind::Data)).unwrap_err();
    assert_eq!(e.imapi_code(), Some(ImapiCode::StashInUse));
}

#[test]
fn reservations_must_be_filled_once_with_the_right_length() {
    let (d, mut w) = writer(DiscKind::Data);
    w.begin_track(TrackInfo::data()).unwrap();
    let a = w.reserve(2).unwrap();
    assert_eq!(a.len(), 4096);
    w.append_blocks(&pattern(1, 2048), Overflow::AllOrNothing).unwrap();
    let b = w.reserve(1).unwrap();
    w.end_track().unwrap();
    assert!(matches!(
        w.fill(&a, &[0; 10]),
        Err(StashError::WrongFillLength { expected: 4096, got: 10 })
    ));
    let e = w.finish().unwrap_err();
    assert!(matches!(e, StashError::UnfilledReservation { track: 1, blocks: 2, .. }), "{e}");
    w.fill(&a, &pattern(2, 4096)).unwrap();
    assert!(matches!(w.fill(&a, &pattern(2, 4096)), Err(StashError::StaleReservation { .. })));
    let short = pattern(3, 100);
    assert!(matches!(
        w.fill_from_reader(&b, Cursor::new(&short)),
        Err(StashError::SourceTooShort { expected: 2048, got: 100 })
    ));
    w.fill_from_reader(&b, Cursor::new(pattern(3, 5000))).unwrap();
    w.finish().unwrap();
    let s = Stash::open_in(d.path()).unwrap();
    assert_eq!(s.tracks()[0].segments.len(), 3);
    let mut expected = pattern(2, 4096);
    expected.extend(pattern(1, 2048));
    expected.extend(&pattern(3, 5000)[..2048]);
    assert_eq!(track_bytes(d.path(), 0), expected);
}

#[test]
fn clear_empties_everything_and_stales_reservations() {
    let (d, mut w) = writer(DiscKind::Data);
    w.begin_track(TrackInfo::data()).unwrap();
    w.append_blocks(&pattern(1, 2048), Overflow::AllOrNothing).unwrap();
    w.end_track().unwrap();
    w.finish().unwrap();
    assert!(d.path().join(STASH_FILE_NAME).exists());
    w.clear().unwrap();
    assert!(!d.path().join(STASH_FILE_NAME).exists());
    assert!(Stash::open_in(d.path()).is_err());
    w.begin_track(TrackInfo::data()).unwrap();
    let r = w.reserve(1).unwrap();
    w.clear().unwrap();
    assert_eq!(w.used_blocks(), 0);
    assert_eq!(w.track_count(), 0);
    assert!(matches!(w.fill(&r, &[0; 2048]), Err(StashError::StaleReservation { .. })));
    w.begin_track(TrackInfo::data()).unwrap();
    w.append_blocks(&pattern(9, 2048), Overflow::AllOrNothing).unwrap();
    w.end_track().unwrap();
    w.finish().unwrap();
    assert_eq!(track_bytes(d.path(), 0), pattern(9, 2048));
}

#[test]
fn dropping_an_unfinished_writer_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut w = StashWriter::create(dir.path(), &StashOptions::new(DiscKind::Data)).unwrap();
        w.begin_track(TrackInfo::data()).unwrap();
        w.append_blocks(&pattern(1, 2048), Overflow::AllOrNothing).unwrap();
        assert!(dir.path().join(PARTIAL_FILE_NAME).exists());
        // The partial stash does not open as valid.
        assert!(Stash::open(dir.path().join(PARTIAL_FILE_NAME)).is_err());
    }
    assert!(!dir.path().join(PARTIAL_FILE_NAME).exists());
    assert!(!dir.path().join(STASH_FILE_NAME).exists());
}

#[test]
fn file_ranges_are_copied_padded_and_checksummed() {
    let (d, mut w) = writer(DiscKind::Data);
    let content = pattern(7, 3 * 1024 * 1024 + 5);
    let mut f = tempfile::tempfile().unwrap();
    f.write_all(&content).unwrap();
    w.begin_track(TrackInfo::data()).unwrap();
    let kept = w.append_file_range(&f, 1000, 2 * 1024 * 1024 + 3, Overflow::AllOrNothing).unwrap();
    assert_eq!(kept, 1025);
    let e =
        w.append_file_range(&f, content.len() as u64 - 10, 20, Overflow::AllOrNothing).unwrap_err();
    assert!(matches!(e, StashError::SourceTooShort { expected: 20, got: 10 }));
    w.end_track().unwrap();
    w.finish().unwrap();
    let mut expected = content[1000..1000 + 2 * 1024 * 1024 + 3].to_vec();
    expected.resize(1025 * 2048, 0);
    assert_eq!(track_bytes(d.path(), 0), expected);
    let s = Stash::open_in(d.path()).unwrap();
    assert_eq!(s.tracks()[0].segments.len(), 1);
}

#[test]
fn a_track_reader_seeks_across_segments() {
    let (d, mut w) = writer(DiscKind::Data);
    w.begin_track(TrackInfo::data()).unwrap();
    let mut rs = Vec::new();
    for i in 0..5u8 {
        rs.push((i, w.reserve(1 + u32::from(i)).unwrap()));
    }
    for (i, r) in rs.iter().rev() {
        w.fill(r, &pattern(*i, r.len() as usize)).unwrap();
    }
    w.end_track().unwrap();
    w.finish().unwrap();
    let mut expected = Vec::new();
    for i in 0..5u8 {
        expected.extend(pattern(i, 2048 * (1 + usize::from(i))));
    }
    let mut s = Stash::open_in(d.path()).unwrap();
    let mut r = s.track_reader(0).unwrap();
    use std::io::{Seek, SeekFrom};
    for &(at, len) in &[(0u64, 10usize), (2047, 2), (5000, 9000), (30_000, 700), (20_000, 10_720)] {
        assert_eq!(r.seek(SeekFrom::Start(at)).unwrap(), at);
        let mut buf = vec![0; len];
        r.read_exact(&mut buf).unwrap();
        assert_eq!(buf, expected[at as usize..at as usize + len], "at {at}");
    }
    assert_eq!(r.seek(SeekFrom::End(-1)).unwrap(), expected.len() as u64 - 1);
    let mut last = Vec::new();
    r.read_to_end(&mut last).unwrap();
    assert_eq!(last, [*expected.last().unwrap()]);
    assert!(r.seek(SeekFrom::Current(-100_000)).is_err());
    assert_eq!(r.seek(SeekFrom::Start(1 << 40)).unwrap(), 1 << 40);
    assert_eq!(r.read(&mut [0; 4]).unwrap(), 0);
}

/// Running out of disk while writing is IMAPI_E_NOTENOUGHDISKFORSTASH. `/dev/full` answers
/// every write with ENOSPC: the partial stash is made a link to it.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_while_writing_is_not_enough_disk() {
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join(PARTIAL_FILE_NAME);
    std::os::unix::fs::symlink("/dev/full", &partial).unwrap();
    let mut w = StashWriter::create(dir.path(), &StashOptions::new(DiscKind::Data)).unwrap();
    w.begin_track(TrackInfo::data()).unwrap();
    let e = w.append_blocks(&pattern(1, 4 * 2048), Overflow::AllOrNothing).unwrap_err();
    assert!(matches!(e, StashError::DiskFull { .. }), "{e}");
    assert_eq!(e.imapi_code(), Some(ImapiCode::NotEnoughDiskForStash));
    assert!(e.to_string().starts_with("no space left on the disk writing "), "{e}");
    // Nothing of the failed call was kept.
    assert_eq!(w.used_blocks(), 0);
    let e = w.append_reader(Cursor::new(pattern(2, 5000)), Overflow::KeepWhatFits).unwrap_err();
    assert_eq!(e.imapi_code(), Some(ImapiCode::NotEnoughDiskForStash));
    assert_eq!(w.used_blocks(), 0);
}

/// Past 64 MiB the helper thread flushes in the background; the stash reads back whole.
#[test]
fn a_large_stash_flushed_while_staging_reads_back() {
    let (d, mut w) = writer(DiscKind::Data);
    let a = pattern(5, 70 << 20);
    let mut f = tempfile::tempfile().unwrap();
    f.write_all(&pattern(6, 70 << 20)).unwrap();
    w.begin_track(TrackInfo::data()).unwrap();
    w.append_blocks(&a, Overflow::AllOrNothing).unwrap();
    w.append_file_range(&f, 0, 70 << 20, Overflow::AllOrNothing).unwrap();
    w.end_track().unwrap();
    w.finish().unwrap();
    let bytes = track_bytes(d.path(), 0);
    assert_eq!(bytes.len(), 140 << 20);
    assert!(bytes[..70 << 20] == a[..]);
    assert!(bytes[70 << 20..] == pattern(6, 70 << 20)[..]);
}

#[test]
fn each_append_reports_the_sum_of_its_source_bytes_and_where_the_next_lands() {
    let (dir, mut w) = writer(DiscKind::Data);
    assert_eq!(w.open_track_blocks(), None, "no track open");
    w.begin_track(TrackInfo::data()).unwrap();
    assert_eq!(w.open_track_blocks(), Some(0));
    // From a reader: 3000 bytes, padded to two blocks; the sum leaves the padding out.
    let a = pattern(1, 3000);
    w.append_reader(Cursor::new(&a), Overflow::AllOrNothing).unwrap();
    assert_eq!(w.last_append_crc(), crc32c::crc32c(&a));
    assert_eq!(w.open_track_blocks(), Some(2));
    // From a file range, by the kernel's copy: the sum of the range alone.
    let b = pattern(2, 5000);
    let host = dir.path().join("host.bin");
    std::fs::write(&host, [&[9u8; 100][..], &b].concat()).unwrap();
    let file = std::fs::File::open(&host).unwrap();
    w.append_file_range(&file, 100, b.len() as u64, Overflow::AllOrNothing).unwrap();
    assert_eq!(w.last_append_crc(), crc32c::crc32c(&b));
    assert_eq!(w.open_track_blocks(), Some(5));
    // Prepended blocks come before the appended ones and do not count.
    w.prepend_blocks(&[0u8; 2048]).unwrap();
    assert_eq!(w.open_track_blocks(), Some(5));
    w.end_track().unwrap();
    assert_eq!(w.open_track_blocks(), None);
}
