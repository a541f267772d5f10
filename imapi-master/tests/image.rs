//! IDiscFormat2Data::Write on the simulated recorder: an existing image (a file or a stream)
//! burned as one Track-at-Once data track, read back and compared; a disc too small, a
//! written disc, a simulation, a write fault and a cancel, each leaving disc and file as the
//! module's docs say.

mod common;

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use common::{sink, stage, Bench};
use imapi_joliet::{BytesSource, Image, PlanOptions, Tree};
use imapi_master::{ImapiCode, MediaFlags, RecordOptions};
use imapi_transport::sim::{self, FaultSettings, Faults, Media, SimRecorder};
use imapi_transport::{ops, BlockReader};

fn verified() -> RecordOptions {
    RecordOptions { verify: true, ..RecordOptions::default() }
}

/// An ISO 9660 + Joliet image with a small and a 1.5 MB file, as bytes.
fn iso_bytes() -> Vec<u8> {
    let mut tree = Tree::new();
    let docs = tree.add_dir(tree.root(), "docs").unwrap();
    tree.add_file(docs, "hello.txt", BytesSource::new(&b"hello"[..])).unwrap();
    let big: Vec<u8> = (0..1_500_000u32).map(|i| (i * 7 % 251) as u8).collect();
    tree.add_file(tree.root(), "big.bin", BytesSource::new(big)).unwrap();
    let plan = tree.plan(&PlanOptions::default()).unwrap();
    let mut iso = Vec::new();
    plan.emit(&mut iso).unwrap();
    iso
}

fn write_iso(b: &Bench) -> (PathBuf, Vec<u8>) {
    let iso = iso_bytes();
    let path = b.work.path().join("in.iso");
    std::fs::write(&path, &iso).unwrap();
    (path, iso)
}

/// The first `len` bytes of the disc from block `start`, through READ(10).
fn disc_bytes(drive: &Path, start: u32, len: usize) -> Vec<u8> {
    let mut sim = SimRecorder::open(drive).unwrap();
    let mut out = vec![0u8; len.div_ceil(2048) * 2048];
    for (k, chunk) in out.chunks_mut(32 * 2048).enumerate() {
        ops::read10(&mut sim, start + k as u32 * 32, chunk).unwrap();
    }
    out.truncate(len);
    out
}

fn is_blank(m: &mut imapi_master::DiscMaster) -> bool {
    let mut r = m.enum_disc_recorders().unwrap().remove(0);
    r.open_exclusive().unwrap();
    let blank = r.query_media_type().unwrap().1.has(MediaFlags::BLANK);
    r.close().unwrap();
    blank
}

#[test]
fn an_image_file_is_burned_and_reads_back() {
    let b = Bench::new(Media::CdR80);
    let (path, iso) = write_iso(&b);
    let mut m = b.master();
    let s = sink();
    m.progress_advise(s.clone()).unwrap();
    m.record_image(&path, &verified()).unwrap();
    let blocks = (iso.len() / 2048) as i32;
    assert_eq!(s.last_block.load(Ordering::SeqCst), blocks.max(300), "every block reported");
    let whole = Some((blocks.max(300), blocks.max(300)));
    assert_eq!(*s.last_verify.lock().unwrap(), whole, "the read-back reported to its end");
    assert_eq!(disc_bytes(&b.drive, 0, iso.len()), iso, "the disc holds the image");
    let image = Image::from_reader(BlockReader::new(SimRecorder::open(&b.drive).unwrap()).unwrap())
        .unwrap();
    assert_eq!(image.read_path("/docs/hello.txt").unwrap(), b"hello");
    drop(image);
    // One track, session closed, disc appendable (no --close).
    let mut sim = SimRecorder::open(&b.drive).unwrap();
    let toc = ops::track_toc(&mut sim).unwrap();
    assert_eq!((toc.first_track, toc.last_track), (1, 1));
    let media = m.active_media().unwrap().clone();
    assert!(media.is_appendable() && media.is_writable(), "{media:?}");
    // The file is as it was.
    assert_eq!(std::fs::read(&path).unwrap(), iso);
}

#[test]
fn close_finalizes_and_a_stream_verifies_by_digest() {
    let b = Bench::new(Media::CdRw80);
    let iso = iso_bytes();
    let mut m = b.master();
    let s = sink();
    m.progress_advise(s.clone()).unwrap();
    let opts = RecordOptions { close_disc: true, ..verified() };
    m.record_stream(Cursor::new(iso.clone()), iso.len() as u64, &opts).unwrap();
    let blocks = (iso.len() / 2048) as i32;
    let whole = Some((blocks.max(300), blocks.max(300)));
    assert_eq!(*s.last_verify.lock().unwrap(), whole, "the read-back reported to its end");
    assert_eq!(disc_bytes(&b.drive, 0, iso.len()), iso);
    let media = m.active_media().unwrap().clone();
    assert!(!media.is_writable(), "finalized: {media:?}");
    // A finalized disc takes no image.
    let e = m.record_stream(Cursor::new(iso.clone()), iso.len() as u64, &opts).unwrap_err();
    assert_eq!(e.code(), ImapiCode::MediumInvalidType, "{e}");
}

#[test]
fn a_stream_shorter_than_announced_fails_naming_it() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    let data = vec![9u8; 2048 * 400];
    let e = m.record_stream(Cursor::new(data), 2048 * 500, &verified()).unwrap_err();
    assert_eq!(e.code(), ImapiCode::InvalidImage, "{e}");
    assert!(e.message().contains("the stream") && e.message().contains("ended"), "{e}");
    // The track was closed: no open track is left.
    let sim = SimRecorder::open(&b.drive).unwrap();
    assert!(sim.disc().tracks.iter().all(|t| t.state == sim::TrackState::Complete));
}

#[test]
fn too_big_is_disc_full_before_writing() {
    let b = Bench::new(Media::CdR74);
    let path = b.work.path().join("huge.iso");
    std::fs::File::create(&path).unwrap().set_len(700 << 20).unwrap();
    let mut m = b.master();
    let e = m.record_image(&path, &verified()).unwrap_err();
    assert_eq!(e.code(), ImapiCode::DiscFull, "{e}");
    assert!(e.message().contains("huge.iso"), "{e}");
    assert!(is_blank(&mut m), "nothing written");
    let e = m.record_image(&b.work.path().join("missing.iso"), &verified()).unwrap_err();
    assert_eq!(e.code(), ImapiCode::FileAccess, "{e}");
    assert!(e.message().contains("missing.iso"), "{e}");
}

#[test]
fn a_written_disc_takes_no_image() {
    let b = Bench::new(Media::CdR80);
    let (path, _) = write_iso(&b);
    let mut m = b.master();
    stage(&mut m, &[("a.txt", b"a")]);
    m.record_disc(false, false).unwrap();
    let e = m.record_image(&path, &verified()).unwrap_err();
    assert_eq!(e.code(), ImapiCode::MediumInvalidType, "{e}");
    assert!(e.message().contains("blank"), "{e}");
    assert_eq!(m.active_media().unwrap().info.sessions, 1, "the disc as it was");
}

#[test]
fn simulate_leaves_the_disc_blank_and_staged_data_stays() {
    let b = Bench::new(Media::CdRw80);
    let (path, iso) = write_iso(&b);
    let mut m = b.master();
    stage(&mut m, &[("kept.txt", b"kept")]);
    let s = sink();
    m.progress_advise(s.clone()).unwrap();
    m.record_image(&path, &RecordOptions { simulate: true, ..verified() }).unwrap();
    assert!(s.last_block.load(Ordering::SeqCst) > 0, "the motions were gone through");
    assert!(is_blank(&mut m));
    // The image burn did not touch what was staged.
    assert!(m.seal().is_ok());
    m.record_image(&path, &verified()).unwrap();
    assert_eq!(disc_bytes(&b.drive, 0, iso.len()), iso);
}

#[test]
fn a_write_fault_gives_its_code_and_the_file_is_untouched() {
    let b = Bench::new(Media::CdR80);
    let (path, iso) = write_iso(&b);
    let mut m = b.master();
    let faults = Faults { write_error_at: Some(200), ..Faults::default() };
    sim::set_faults(&b.drive, &FaultSettings { faults, throttle: false }).unwrap();
    let e = m.record_image(&path, &verified()).unwrap_err();
    assert_eq!(e.code(), ImapiCode::CannotWriteToMedia, "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), iso, "the image file as it was");
    // The same call on a new disc succeeds.
    sim::clear_faults(&b.drive).unwrap();
    SimRecorder::insert(&b.drive, Media::CdR80).unwrap();
    let recs = m.enum_disc_recorders().unwrap();
    m.set_active_disc_recorder(&recs[0]).unwrap();
    m.record_image(&path, &verified()).unwrap();
    assert_eq!(disc_bytes(&b.drive, 0, iso.len()), iso);
}

#[test]
fn a_cancel_closes_the_track() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    let s = sink();
    m.progress_advise(s.clone()).unwrap();
    *s.cancel_after.lock().unwrap() = Some(s.polls.load(Ordering::SeqCst) + 20);
    let data = vec![3u8; 2048 * 3000];
    let e = m.record_stream(Cursor::new(&data), data.len() as u64, &verified()).unwrap_err();
    assert_eq!(e.code(), ImapiCode::UserAbort, "{e}");
    let sim = SimRecorder::open(&b.drive).unwrap();
    assert!(sim.disc().tracks.iter().all(|t| t.state == sim::TrackState::Complete));
}

/// Changes one byte of a file when the disc is being closed: after the writes, before the
/// verification reads the file again.
struct ChangeOnClose(PathBuf);

impl imapi_master::ProgressEvents for ChangeOnClose {
    fn notify_closing_disc(&self, _: i32) {
        let mut bytes = std::fs::read(&self.0).unwrap();
        bytes[40_000] ^= 0xFF;
        std::fs::write(&self.0, bytes).unwrap();
    }
}

#[test]
fn the_verification_compares_with_the_file() {
    let b = Bench::new(Media::CdR80);
    let (path, iso) = write_iso(&b);
    let mut m = b.master();
    m.progress_advise(std::sync::Arc::new(ChangeOnClose(path.clone()))).unwrap();
    let e = m.record_image(&path, &verified()).unwrap_err();
    assert_eq!(e.code(), ImapiCode::Generic, "{e}");
    assert!(e.message().contains("verification failed") && e.message().contains("in.iso"), "{e}");
    assert_eq!(disc_bytes(&b.drive, 0, iso.len()), iso, "the disc holds what was written");
}
