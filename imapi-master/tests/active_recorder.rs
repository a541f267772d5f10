//! The active recorder is the caller's recorder object: properties set after
//! SetActiveDiscRecorder (through the caller's handle or `active_disc_recorder_mut`) reach
//! staging and the burn, RECORDER_BURNING shows during RecordDisc, and a recorder held by
//! OpenExclusive keeps RecordDisc out.

mod common;

use std::sync::{Arc, Mutex};

use common::{stage, Bench};
use imapi_master::{
    DiscMaster, DiscRecorder, Format, ImapiCode, ProgressEvents, PropertyBag, PropertyValue,
    RecorderPath, RecorderState,
};
use imapi_mmc::ModePage;
use imapi_transport::sim::{Media, SimRecorder};

fn one(name: &str, value: i32) -> PropertyBag {
    let mut bag = PropertyBag::new();
    bag.insert(name.into(), PropertyValue::I4(value));
    bag
}

/// An open master with the recorder active, and the caller's handle of that recorder.
fn master_and_recorder(b: &Bench, format: Format) -> (DiscMaster, DiscRecorder) {
    let mut m = DiscMaster::new(b.options());
    m.open().unwrap();
    m.set_active_disc_master_format(format).unwrap();
    let rec = m.enum_disc_recorders().unwrap().remove(0);
    m.set_active_disc_recorder(&rec).unwrap();
    (m, rec)
}

/// Stages two audio tracks of 300 blocks and returns the second track's pregap in the stash.
fn second_pregap(m: &mut DiscMaster) -> u32 {
    let mut r = m.redbook().unwrap();
    for _ in 0..2 {
        r.create_audio_track(0).unwrap();
        r.add_audio_track_blocks(&vec![1u8; 2352 * 300]).unwrap();
        r.close_audio_track().unwrap();
    }
    let staged = m.seal().unwrap();
    let stash = imapi_stash::Stash::open(&staged.stash).unwrap();
    stash.tracks()[1].info.pregap
}

#[test]
fn audio_gap_size_set_after_activation_reaches_staging() {
    // Through the caller's handle.
    let b = Bench::new(Media::CdR80);
    let (mut m, mut rec) = master_and_recorder(&b, Format::Redbook);
    rec.set_recorder_properties(&one("AudioGapSize", 75)).unwrap();
    assert_eq!(m.active_disc_recorder().unwrap().properties().audio_gap_size, 75);
    assert_eq!(second_pregap(&mut m), 75);
    m.close();

    // Through active_disc_recorder_mut, as the docs recommend.
    let b = Bench::new(Media::CdR80);
    let (mut m, rec) = master_and_recorder(&b, Format::Redbook);
    m.active_disc_recorder_mut().unwrap().set_recorder_properties(&one("AudioGapSize", 0)).unwrap();
    assert_eq!(rec.properties().audio_gap_size, 0, "the caller's handle sees it too");
    let total = m.redbook().unwrap().total_audio_blocks().unwrap();
    assert_eq!(second_pregap(&mut m), 0);
    assert_eq!(m.redbook().unwrap().used_audio_blocks(), 300 + 300, "no gap between");
    assert!(total > 0);
}

#[test]
fn write_speed_set_after_activation_reaches_set_cd_speed() {
    let b = Bench::new(Media::CdR80);
    let (mut m, mut rec) = master_and_recorder(&b, Format::Joliet);
    rec.set_recorder_properties(&one("WriteSpeed", 8)).unwrap();
    stage(&mut m, &[("a.txt", b"a")]);
    m.record_disc(false, false).unwrap();
    // The drive keeps the speed of the last SET CD SPEED: page 2Ah's current write speed.
    let mut sim = SimRecorder::open(&b.drive).unwrap();
    let mode = imapi_transport::ops::mode_sense(&mut sim, imapi_mmc::pages::CAPABILITIES).unwrap();
    let speed = mode
        .pages
        .iter()
        .find_map(|p| match p {
            ModePage::Capabilities(c) => Some(c.current_write_speed),
            _ => None,
        })
        .unwrap();
    assert_eq!(speed, 8 * imapi_mmc::speed::CD_1X_KBPS, "8x, as WriteSpeed asked");
    drop(sim);
    // The next burn of the same object (made active again after the burn) keeps the value.
    assert_eq!(m.active_disc_recorder().unwrap().properties().write_speed, 8);
}

/// Records the state of a recorder handle at every block progress callback.
struct Watch {
    rec: Mutex<Option<DiscRecorder>>,
    seen: Mutex<Vec<RecorderState>>,
}

impl ProgressEvents for Watch {
    fn notify_block_progress(&self, _: i32, _: i32) {
        if let Some(r) = self.rec.lock().unwrap().as_ref() {
            self.seen.lock().unwrap().push(r.recorder_state());
        }
    }
}

#[test]
fn recorder_burning_is_seen_during_the_burn() {
    let b = Bench::new(Media::CdR80);
    let (mut m, rec) = master_and_recorder(&b, Format::Joliet);
    let watch = Arc::new(Watch { rec: Mutex::new(Some(rec.clone())), seen: Mutex::default() });
    m.progress_advise(watch.clone()).unwrap();
    stage(&mut m, &[("data.bin", &vec![3u8; 2048 * 200])]);
    assert_eq!(rec.recorder_state(), RecorderState::DoingNothing);
    m.record_disc(false, false).unwrap();
    let seen = watch.seen.lock().unwrap().clone();
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|s| *s == RecorderState::Burning), "{seen:?}");
    assert_eq!(rec.recorder_state(), RecorderState::DoingNothing, "after the burn");
    watch.rec.lock().unwrap().take();
}

#[test]
fn a_recorder_held_by_open_exclusive_keeps_record_disc_out() {
    let b = Bench::new(Media::CdR80);
    let (mut m, mut rec) = master_and_recorder(&b, Format::Joliet);
    stage(&mut m, &[("a.txt", b"held")]);
    let stash = m.seal().unwrap().stash;
    let before = std::fs::read(&stash).unwrap();

    // The active recorder object itself, opened by the caller.
    rec.open_exclusive().unwrap();
    let e = m.record_disc(false, false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::DeviceNotAccessible, "{e}");
    assert_eq!(rec.recorder_state(), RecorderState::Opened, "still the caller's");
    rec.close().unwrap();

    // Another object for the same drive, held open.
    let mut other = DiscRecorder::open_path(RecorderPath::Simulated(b.drive.clone())).unwrap();
    other.open_exclusive().unwrap();
    let e = m.record_disc(false, false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::DeviceNotAccessible, "{e}");
    other.close().unwrap();

    // Nothing was written and the stash is the same; now the burn goes through.
    assert_eq!(std::fs::read(&stash).unwrap(), before);
    m.record_disc(false, false).unwrap();
    let disc = imapi_transport::BlockReader::new(SimRecorder::open(&b.drive).unwrap()).unwrap();
    let image = imapi_joliet::Image::from_reader(disc).unwrap();
    assert_eq!(image.read_path("/a.txt").unwrap(), b"held");
}
