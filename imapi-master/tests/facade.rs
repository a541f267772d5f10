//! Facade behaviours: RecordDisc's state errors, eject after a burn (and a failed eject after
//! a good one), an unadvised sink, Redbook DISCFULL keeping what fits, Close dropping the
//! stash.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{stage, Bench};
use imapi_master::{DiscMaster, Format, ImapiCode, MediaFlags, ProgressEvents};
use imapi_transport::sim::{self, FaultSettings, Faults, Media, SimRecorder};

#[test]
fn record_disc_needs_an_open_master_and_an_active_recorder() {
    let b = Bench::new(Media::CdR80);
    let mut m = DiscMaster::new(b.options());
    let e = m.record_disc(false, false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::NotOpened, "{e}");
    m.open().unwrap();
    stage(&mut m, &[("a.txt", b"a")]);
    let e = m.record_disc(false, false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::NoActiveRecorder, "{e}");
    let e = m.record_disc(true, false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::NoActiveRecorder, "simulate too: {e}");
    assert!(SimRecorder::open(&b.drive).unwrap().disc().is_blank());
}

/// Reads the only session of the simulated disc: `/a.txt`'s bytes.
fn a_txt(drive: &std::path::Path) -> Vec<u8> {
    let disc = imapi_transport::BlockReader::new(SimRecorder::open(drive).unwrap()).unwrap();
    imapi_joliet::Image::from_reader(disc).unwrap().read_path("/a.txt").unwrap()
}

#[test]
fn eject_after_a_burn() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    stage(&mut m, &[("a.txt", b"ejected")]);
    m.record_disc(false, true).unwrap();
    assert!(m.eject_failure().is_none());
    assert!(!SimRecorder::open(&b.drive).unwrap().disc().loaded, "the tray is open");
    // The recorder stays active, with no medium known.
    assert!(!m.active_media().unwrap().present);
    let mut r = m.enum_disc_recorders().unwrap().remove(0);
    r.open_exclusive().unwrap();
    assert_eq!(r.query_media_type().unwrap(), (None, MediaFlags(0)));
    r.close().unwrap();
    // Loaded again, the disc holds the session.
    let mut t = SimRecorder::open(&b.drive).unwrap();
    imapi_transport::ops::command(&mut t, &imapi_mmc::StartStopUnit::LOAD).unwrap();
    drop(t);
    assert_eq!(a_txt(&b.drive), b"ejected");
}

#[test]
fn a_failed_eject_after_a_good_burn_is_not_a_failed_burn() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    stage(&mut m, &[("a.txt", b"still in the tray")]);
    let stash = m.seal().unwrap().stash;
    let faults = Faults { refuse_eject: true, ..Faults::default() };
    sim::set_faults(&b.drive, &FaultSettings { faults, throttle: false }).unwrap();
    m.record_disc(false, true).unwrap();
    let e = m.eject_failure().expect("the eject failed");
    assert_eq!(e.code(), ImapiCode::Generic, "{e}");
    assert_eq!(e.sense().map(|s| s.triple()), Some((0x05, 0x53, 0x02)), "{e}");
    assert!(!stash.exists(), "a good burn clears the stash: no second session of it");
    assert!(SimRecorder::open(&b.drive).unwrap().disc().loaded);
    assert_eq!(a_txt(&b.drive), b"still in the tray");
    // The next burn starts with no eject failure.
    stage(&mut m, &[("b.txt", b"b")]);
    m.record_disc(false, false).unwrap();
    assert!(m.eject_failure().is_none());
}

/// Counts every callback.
#[derive(Default)]
struct Count(AtomicUsize);

impl Count {
    fn hit(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl ProgressEvents for Count {
    fn query_cancel(&self) -> bool {
        self.hit();
        false
    }
    fn notify_pnp_activity(&self) {
        self.hit()
    }
    fn notify_add_progress(&self, _: i32, _: i32) {
        self.hit()
    }
    fn notify_block_progress(&self, _: i32, _: i32) {
        self.hit()
    }
    fn notify_track_progress(&self, _: i32, _: i32) {
        self.hit()
    }
    fn notify_preparing_burn(&self, _: i32) {
        self.hit()
    }
    fn notify_closing_disc(&self, _: i32) {
        self.hit()
    }
    fn notify_burn_complete(&self, _: Option<ImapiCode>) {
        self.hit()
    }
    fn notify_erase_complete(&self, _: Option<ImapiCode>) {
        self.hit()
    }
}

#[test]
fn an_unadvised_sink_receives_nothing() {
    let b = Bench::new(Media::CdRw80);
    let mut m = b.master();
    let gone = Arc::new(Count::default());
    let kept = Arc::new(Count::default());
    let cookie = m.progress_advise(gone.clone()).unwrap();
    m.progress_advise(kept.clone()).unwrap();
    m.progress_unadvise(cookie).unwrap();
    stage(&mut m, &[("a.txt", &vec![1u8; 5000])]);
    m.record_disc(false, false).unwrap();
    let mut r = m.enum_disc_recorders().unwrap().remove(0);
    r.open_exclusive().unwrap();
    r.erase(false).unwrap();
    r.close().unwrap();
    assert!(kept.0.load(Ordering::SeqCst) > 5, "the other sink was called");
    assert_eq!(gone.0.load(Ordering::SeqCst), 0, "the unadvised sink got nothing");
}

#[test]
fn redbook_disc_full_keeps_what_fits() {
    let b = Bench::new(Media::CdR74);
    let mut m = b.master();
    m.set_active_disc_master_format(Format::Redbook).unwrap();
    let mut r = m.redbook().unwrap();
    r.create_audio_track(0).unwrap();
    let room = r.available_audio_track_blocks().unwrap();
    // Fill all but 100 blocks, 12 000 blocks at a time (the stash takes them on disk).
    let chunk = vec![0x11u8; 2352 * 12_000];
    let mut left = room - 100;
    while left > 0 {
        let n = left.min(12_000) as usize;
        r.add_audio_track_blocks(&chunk[..2352 * n]).unwrap();
        left -= n as u32;
    }
    assert_eq!(r.available_audio_track_blocks().unwrap(), 100);
    // 250 more blocks: the 100 that fit are kept, and the call says DISCFULL.
    let last: Vec<u8> = (0..2352 * 250).map(|i| (i / 2352) as u8).collect();
    let e = r.add_audio_track_blocks(&last).unwrap_err();
    assert_eq!(e.code(), ImapiCode::DiscFull, "{e}");
    assert_eq!(r.available_audio_track_blocks().unwrap(), 0);
    assert_eq!(r.used_audio_blocks(), room);
    r.close_audio_track().unwrap();
    let staged = m.seal().unwrap();
    let mut stash = imapi_stash::Stash::open(&staged.stash).unwrap();
    assert_eq!(stash.tracks()[0].blocks, u64::from(room));
    // The track ends with the first 100 blocks of the last call, as they were given.
    let mut data = Vec::new();
    std::io::Read::read_to_end(&mut stash.track_reader(0).unwrap(), &mut data).unwrap();
    assert_eq!(&data[data.len() - 2352 * 100..], &last[..2352 * 100]);
}

#[test]
fn close_drops_the_stash() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    stage(&mut m, &[("a.txt", &vec![2u8; 100_000])]);
    let stash = m.seal().unwrap().stash;
    assert!(std::fs::metadata(&stash).unwrap().len() > 100_000);
    m.close();
    assert!(!stash.exists(), "the sealed stash is gone");
    let partial = b.stash_dir().join(imapi_stash::PARTIAL_FILE_NAME);
    assert!(
        std::fs::metadata(&partial).map_or(true, |md| md.len() < 100_000),
        "no staged bytes are left in the folder"
    );
    // The stash is free again: another master takes it, and finds nothing staged.
    let mut other = b.master();
    assert_eq!(other.staged_tree().len(), 1);
    assert_eq!(other.seal().unwrap_err().code(), ImapiCode::InvalidImage);
    assert_eq!(other.adopt_stash().unwrap_err().code(), ImapiCode::InvalidImage);
}

#[test]
fn eject_is_the_first_command_after_a_disc_change() {
    let b = Bench::new(Media::CdR80);
    let m = b.master();
    let mut rec = m.enum_disc_recorders().unwrap().remove(0);
    // A new disc: the drive answers the next command with a unit attention (06/28/00).
    SimRecorder::insert(&b.drive, Media::CdR80).unwrap();
    rec.open_exclusive().unwrap();
    rec.eject().expect("the eject is sent again after the unit attention");
    rec.close().unwrap();
    assert!(!SimRecorder::open(&b.drive).unwrap().disc().loaded, "the tray is open");
}
