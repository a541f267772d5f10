//! RecordDisc end to end on the simulated recorder: data in Track-at-Once sessions, audio
//! Session-at-Once, simulate, close, and the fault matrix (each fault ends in its IMAPI code
//! with the stash intact, and a retry on fresh media succeeds).

mod common;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use common::{sink, stage, Bench};
use imapi_joliet::Image;
use imapi_master::{AudioTrackInfo, DiscMaster, Format, ImapiCode, ProgressEvents, RecordOptions};
use imapi_redbook::cdtext::TextFields;
use imapi_transport::sim::{self, FaultSettings, Faults, Media, SimRecorder};
use imapi_transport::BlockReader;

/// Reads the last session of the simulated disc.
fn read_disc(drive: &std::path::Path, start: u32) -> Vec<(String, Vec<u8>)> {
    let sim = SimRecorder::open(drive).unwrap();
    let image = Image::from_reader_with(
        BlockReader::new(sim).unwrap(),
        imapi_joliet::read::Options::new().session_start(start),
    )
    .unwrap();
    let mut out = Vec::new();
    for e in image.walk(image.default_tree()).unwrap() {
        let w = e.unwrap();
        if !w.entry.is_dir() {
            let data = image.read_path(&format!("/{}", w.path)).unwrap();
            out.push((w.path, data));
        }
    }
    out.sort();
    out
}

/// Calls in order, by name.
#[derive(Default)]
struct Calls(Mutex<Vec<String>>);

impl ProgressEvents for Calls {
    fn notify_preparing_burn(&self, _: i32) {
        self.0.lock().unwrap().push("preparing".into());
    }
    fn notify_block_progress(&self, done: i32, total: i32) {
        let mut v = self.0.lock().unwrap();
        if done == total {
            v.push(format!("blocks {done}/{total}"));
        }
    }
    fn notify_track_progress(&self, done: i32, total: i32) {
        self.0.lock().unwrap().push(format!("track {done}/{total}"));
    }
    fn notify_closing_disc(&self, _: i32) {
        self.0.lock().unwrap().push("closing".into());
    }
    fn notify_verify_progress(&self, done: i32, total: i32) {
        let mut v = self.0.lock().unwrap();
        if done == 0 || done == total {
            v.push(format!("verify {done}/{total}"));
        }
    }
    fn notify_burn_complete(&self, status: Option<ImapiCode>) {
        self.0.lock().unwrap().push(format!("complete {status:?}"));
    }
}

fn verified() -> RecordOptions {
    RecordOptions { verify: true, ..RecordOptions::default() }
}

#[test]
fn a_data_disc_in_two_sessions_then_closed() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    let calls = Arc::new(Calls::default());
    m.progress_advise(calls.clone()).unwrap();
    stage(&mut m, &[("one/a.txt", b"session one"), ("big.bin", &vec![9u8; 300_000])]);
    let blocks = m.joliet().unwrap().used_data_blocks().unwrap();
    m.record_disc_with(&verified()).unwrap();
    let log = calls.0.lock().unwrap().clone();
    let all = format!("{blocks}/{blocks}");
    assert_eq!(
        log,
        [
            "preparing",
            &format!("blocks {all}"),
            "closing",
            &format!("verify 0/{blocks}"),
            &format!("verify {all}"),
            "complete None"
        ]
    );
    assert!(
        !b.stash_dir().join(imapi_stash::STASH_FILE_NAME).exists(),
        "the stash is cleared after a burn"
    );
    assert_eq!(read_disc(&b.drive, 0).len(), 2);

    // The recorder stays active, its disc read anew: multisession mode for the next session.
    assert!(m.active_disc_recorder().is_ok());
    let (nwa, _) = m.joliet().unwrap().multisession().unwrap();
    stage(&mut m, &[("two/b.txt", b"session two")]);
    m.record_disc_with(&verified()).unwrap();
    let files = read_disc(&b.drive, nwa);
    let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["big.bin", "one/a.txt", "two/b.txt"]);
    assert_eq!(files[1].1, b"session one");

    // A third session, closing the disc; then the disc takes nothing more.
    let recs = m.enum_disc_recorders().unwrap();
    m.set_active_disc_recorder(&recs[0]).unwrap();
    stage(&mut m, &[("three.txt", b"3")]);
    m.record_disc_with(&RecordOptions { close_disc: true, ..verified() }).unwrap();
    let recs = m.enum_disc_recorders().unwrap();
    m.set_active_disc_recorder(&recs[0]).unwrap();
    assert_eq!(m.joliet().unwrap().total_data_blocks().unwrap(), 0, "finalized");
    let e = m.joliet().unwrap().add_directory("x").unwrap_err();
    assert_eq!(e.code(), ImapiCode::MediumInvalidType, "{e}");
    let e = m.record_disc(false, false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::InvalidImage, "nothing staged: {e}");
}

#[test]
fn a_finalized_disc_refuses_the_next_burn() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    stage(&mut m, &[("a.txt", b"a")]);
    m.record_disc_with(&RecordOptions { close_disc: true, ..verified() }).unwrap();
    let recs = m.enum_disc_recorders().unwrap();
    m.set_active_disc_recorder(&recs[0]).unwrap();
    // A finalized disc takes nothing more.
    let e = m
        .joliet()
        .unwrap()
        .add_source("b.txt", imapi_joliet::BytesSource::new(&b"b"[..]), false)
        .unwrap_err();
    assert_eq!(e.code(), ImapiCode::MediumInvalidType, "{e}");
    // Staged while another disc was in: the finalized disc is refused at burn time.
    let other = Bench::new(Media::CdR80);
    let mut m = other.master();
    stage(&mut m, &[("b.txt", b"b")]);
    let kept = Kept::now(&mut m);
    std::fs::remove_dir_all(&other.drive).unwrap();
    copy_dir(&b.drive, &other.drive);
    let e = m.record_disc(false, false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::MediumInvalidType, "{e}");
    kept.check(&mut m);
}

/// The sealed stash's bytes before a burn, to show the burn left them as they were.
struct Kept {
    path: std::path::PathBuf,
    bytes: Vec<u8>,
}

impl Kept {
    fn now(m: &mut DiscMaster) -> Kept {
        let path = m.seal().unwrap().stash;
        let bytes = std::fs::read(&path).unwrap();
        Kept { path, bytes }
    }

    /// The stash is still there, byte for byte, valid, and is what the master burns next.
    fn check(&self, m: &mut DiscMaster) {
        assert_eq!(std::fs::read(&self.path).unwrap(), self.bytes, "the stash stays");
        imapi_stash::Stash::open(&self.path).unwrap().verify().unwrap();
        assert_eq!(m.seal().unwrap().stash, self.path);
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn simulate_leaves_the_disc_blank() {
    let b = Bench::new(Media::CdRw80);
    let mut m = b.master();
    let s = sink();
    m.progress_advise(s.clone()).unwrap();
    stage(&mut m, &[("a.txt", b"simulated, then burned")]);
    let stash = m.seal().unwrap().stash;
    let before = std::fs::read(&stash).unwrap();
    m.record_disc(true, false).unwrap();
    assert!(s.last_block.load(Ordering::SeqCst) > 0, "the motions were gone through");
    let mut r = m.enum_disc_recorders().unwrap().remove(0);
    r.open_exclusive().unwrap();
    assert!(r.query_media_type().unwrap().1.has(imapi_master::MediaFlags::BLANK));
    r.close().unwrap();
    // A simulated burn keeps the staged image, byte for byte.
    assert_eq!(std::fs::read(&stash).unwrap(), before, "the stash survives a simulate");
    // The real burn, without staging again, writes it; then the stash is cleared.
    m.record_disc_with(&verified()).unwrap();
    assert_eq!(read_disc(&b.drive, 0), [("a.txt".to_string(), b"simulated, then burned".to_vec())]);
    assert!(!stash.exists(), "a real burn clears the stash");
}

#[test]
fn an_audio_disc() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    m.set_active_disc_master_format(Format::Redbook).unwrap();
    let calls = Arc::new(Calls::default());
    m.progress_advise(calls.clone()).unwrap();
    let mut r = m.redbook().unwrap();
    r.set_disc_text(TextFields { title: Some("Album".into()), ..TextFields::default() });
    r.set_mcn(Some("0123456789012".parse().unwrap()));
    for k in 0..2u8 {
        let info = AudioTrackInfo {
            isrc: Some(format!("USRC1760783{k}").parse().unwrap()),
            text: TextFields { title: Some(format!("Song {k}")), ..TextFields::default() },
        };
        r.create_audio_track_with(0, &info).unwrap();
        let pcm: Vec<u8> = (0..2352 * (300 + k as usize)).map(|i| (i as u8) ^ k).collect();
        r.add_audio_track_blocks(&pcm).unwrap();
        r.close_audio_track().unwrap();
    }
    m.record_disc_with(&verified()).unwrap();
    let log = calls.0.lock().unwrap().clone();
    assert_eq!(log.first().map(String::as_str), Some("preparing"));
    assert!(
        log.contains(&"track 0/2".to_string()) && log.contains(&"track 2/2".to_string()),
        "{log:?}"
    );
    assert_eq!(log.last().map(String::as_str), Some("complete None"));
    // The read-back comes after the close and covers what the writes counted, gaps included.
    let written = log.iter().find(|l| l.starts_with("blocks ")).unwrap();
    let total = written.rsplit('/').next().unwrap();
    let n = log.len();
    assert_eq!(
        log[n - 4..],
        [
            "closing".to_string(),
            format!("verify 0/{total}"),
            format!("verify {total}/{total}"),
            "complete None".into()
        ],
        "{log:?}"
    );
    let mut sim = SimRecorder::open(&b.drive).unwrap();
    let toc = imapi_transport::ops::track_toc(&mut sim).unwrap();
    assert_eq!((toc.first_track, toc.last_track), (1, 2));
    assert_eq!(toc.descriptors[1].start.0, 300 + 150, "track 2 after track 1 and a 2-second gap");
    // The CD-Text written in the lead-in, as READ TOC format 5 returns it.
    let req = imapi_mmc::ReadToc::new(imapi_mmc::TocFormat::CdText, 8192);
    let packs: imapi_mmc::CdTextPacks = imapi_transport::ops::query(&mut sim, &req).unwrap();
    let bytes: Vec<u8> = packs.packs.iter().flat_map(|p| p.0).collect();
    let text = imapi_redbook::cdtext::CdText::decode(&bytes).unwrap();
    assert_eq!(text.blocks[0].album.title.as_deref(), Some("Album"));
    assert_eq!(text.blocks[0].tracks[1].title.as_deref(), Some("Song 1"));
}

/// Stages a small data disc, burns it with `faults` set, expects `code`; then checks the
/// stash is intact and a retry on a fresh disc succeeds.
fn fault_case(faults: Faults, code: ImapiCode) {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    stage(&mut m, &[("data.bin", &vec![5u8; 2048 * 400])]);
    sim::set_faults(&b.drive, &FaultSettings { faults, throttle: false }).unwrap();
    let e = m.record_disc_with(&verified()).unwrap_err();
    assert_eq!(e.code(), code, "{e}");
    let staged = m.seal().unwrap();
    imapi_stash::Stash::open(&staged.stash).unwrap().verify().unwrap();
    // Fresh media, the same stash.
    let _ = sim::clear_faults(&b.drive);
    let _ = std::fs::remove_dir_all(&b.drive);
    SimRecorder::create(&b.drive, Media::CdR80, 0).unwrap();
    let recs = m.enum_disc_recorders().unwrap();
    m.set_active_disc_recorder(&recs[0]).unwrap();
    m.record_disc_with(&verified()).unwrap();
    assert_eq!(read_disc(&b.drive, 0)[0].1, vec![5u8; 2048 * 400]);
}

#[test]
fn fault_write_error_mid_track() {
    fault_case(
        Faults { write_error_at: Some(200), ..Faults::default() },
        ImapiCode::CannotWriteToMedia,
    );
}

#[test]
fn fault_medium_removed() {
    fault_case(
        Faults { remove_after_blocks: Some(100), ..Faults::default() },
        ImapiCode::MediumNotPresent,
    );
}

#[test]
fn fault_power_loss() {
    fault_case(
        Faults { power_loss_after_blocks: Some(100), ..Faults::default() },
        ImapiCode::DeviceNotPresent,
    );
}

#[test]
fn long_busy_spells_are_waited_out() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    stage(&mut m, &[("data.bin", &vec![6u8; 2048 * 100])]);
    sim::set_faults(
        &b.drive,
        &FaultSettings { faults: Faults { busy_writes: 12, ..Faults::default() }, throttle: false },
    )
    .unwrap();
    m.record_disc_with(&verified()).unwrap();
    assert_eq!(read_disc(&b.drive, 0)[0].1, vec![6u8; 2048 * 100]);
}

#[test]
fn cancel_half_way() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    stage(&mut m, &[("data.bin", &vec![7u8; 2048 * 2000])]);
    let s = sink();
    m.progress_advise(s.clone()).unwrap();
    let kept = Kept::now(&mut m);
    *s.cancel_after.lock().unwrap() = Some(s.polls.load(Ordering::SeqCst) + 20);
    let e = m.record_disc(false, false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::UserAbort, "{e}");
    kept.check(&mut m);
    // The drive was flushed and the session closed: no open track on the disc.
    let sim = SimRecorder::open(&b.drive).unwrap();
    assert!(sim.disc().tracks.iter().all(|t| t.state == sim::TrackState::Complete));
}

#[test]
fn disc_full_and_wrong_disc() {
    // Staged with no recorder limit, burned to a disc too small.
    let b = Bench::new(Media::CdR74);
    let mut m = DiscMaster::new(b.options());
    m.open().unwrap();
    let huge = b.work.path().join("huge");
    std::fs::create_dir(&huge).unwrap();
    std::fs::File::create(huge.join("big.bin")).unwrap().set_len(700 << 20).unwrap();
    m.joliet().unwrap().add_data(&huge, false).unwrap();
    let recs = m.enum_disc_recorders().unwrap();
    // Making the recorder active now would refuse nothing staged already; the burn does.
    m.set_active_disc_recorder(&recs[0]).unwrap();
    let e = m.record_disc(false, false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::DiscFull, "{e}");
    m.close();

    // Multisession staged for one disc, another disc inserted before the burn.
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    stage(&mut m, &[("a.txt", b"a")]);
    m.record_disc(false, false).unwrap();
    let recs = m.enum_disc_recorders().unwrap();
    m.set_active_disc_recorder(&recs[0]).unwrap();
    assert!(m.joliet().unwrap().multisession().is_some());
    stage(&mut m, &[("b.txt", b"b")]);
    let kept = Kept::now(&mut m);
    SimRecorder::insert(&b.drive, Media::CdR80).unwrap();
    let e = m.record_disc(false, false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::WrongDisc, "{e}");
    kept.check(&mut m);
}

#[test]
fn a_failed_burn_is_tried_again_by_a_later_master() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    stage(&mut m, &[("kept.bin", &vec![4u8; 2048 * 300])]);
    sim::set_faults(
        &b.drive,
        &FaultSettings {
            faults: Faults { write_error_at: Some(50), ..Faults::default() },
            throttle: false,
        },
    )
    .unwrap();
    assert_eq!(m.record_disc(false, false).unwrap_err().code(), ImapiCode::CannotWriteToMedia);
    m.close_keeping_stash();
    let stash = b.stash_dir().join(imapi_stash::STASH_FILE_NAME);
    imapi_stash::Stash::open(&stash).unwrap().verify().unwrap();

    // A later run: a fresh disc, the stash left behind, burned as it is.
    SimRecorder::insert(&b.drive, Media::CdR80).unwrap();
    let mut m = b.master();
    assert_eq!(m.staged_tree().len(), 1, "nothing staged in this run");
    let staged = m.adopt_stash().unwrap();
    assert_eq!(staged.stash, stash);
    m.record_disc_with(&verified()).unwrap();
    assert_eq!(read_disc(&b.drive, 0)[0].1, vec![4u8; 2048 * 300]);
    assert!(!stash.exists(), "burned, then cleared");
    assert_eq!(m.adopt_stash().unwrap_err().code(), ImapiCode::InvalidImage, "nothing left");
    m.close();

    // An audio stash is refused while Joliet is active.
    SimRecorder::insert(&b.drive, Media::CdR80).unwrap();
    let mut m = b.master();
    m.set_active_disc_master_format(Format::Redbook).unwrap();
    let mut r = m.redbook().unwrap();
    r.create_audio_track(0).unwrap();
    r.add_audio_track_blocks(&vec![0u8; 2352 * 300]).unwrap();
    r.close_audio_track().unwrap();
    m.seal().unwrap();
    m.close_keeping_stash();
    let mut m = b.master();
    assert_eq!(m.adopt_stash().unwrap_err().code(), ImapiCode::WrongFormat);
}

#[test]
fn simulate_on_a_drive_without_test_write_is_device_invalidtype() {
    let b = Bench::new(Media::CdR80);
    SimRecorder::set_test_write(&b.drive, false).unwrap();
    let mut m = b.master();
    assert!(!m.active_disc_recorder().unwrap().identity().test_write);
    stage(&mut m, &[("a.txt", b"no dry run")]);
    let e = m.record_disc(true, false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::DeviceInvalidType, "{e}");
    let sim = SimRecorder::open(&b.drive).unwrap();
    assert!(sim.disc().is_blank(), "nothing written");
    drop(sim);
    // The staged image stays; the real burn goes through.
    m.record_disc(false, false).unwrap();
    assert_eq!(read_disc(&b.drive, 0), [("a.txt".to_string(), b"no dry run".to_vec())]);
}
