//! The simulated recorder across processes: shared and exclusive openers, the model saved at
//! sync points only (a killed writer still leaves a damaged track), faults set from outside
//! and consumed, a disc swap announced to the next opener, test write recording nothing, a
//! serial number that stays with the folder, and READ TOC on blank, appendable and finalized
//! discs.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use imapi_mmc::*;
use imapi_redbook::cuesheet::{cue_sheet, CueSheetOptions};
use imapi_redbook::layout::{Capacity as Minutes, Layout, Track};
use imapi_redbook::Lba;
use imapi_transport::ops;
use imapi_transport::sim::{self, FaultSettings, Faults, Media, SimError, SimRecorder, TrackState};
use imapi_transport::{Access, Data};

use common::{data_blocks as blocks, qtriple, select, triple, write_tao};

const CHILD: &str = "IMAPI_SIM_CHILD";

fn blocks_len(dir: &Path) -> u64 {
    std::fs::metadata(dir.join("blocks.bin")).unwrap().len()
}

/// This test binary again, running only `child_process` with `mode` and `dir`.
fn spawn(mode: &str, dir: &Path) -> (Child, std::io::Lines<BufReader<ChildStdout>>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["child_process", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD, format!("{mode}:{}", dir.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

/// The next `IMAPI ...` report of a child (the test harness may print its own words before
/// it on the same line).
fn report(lines: &mut std::io::Lines<BufReader<ChildStdout>>) -> String {
    loop {
        let line = lines.next().expect("the child reports").unwrap();
        if let Some((_, r)) = line.split_once("IMAPI ") {
            return r.to_string();
        }
    }
}

/// The other process: `hold-shared` / `hold-exclusive` open the recorder, say so and keep it
/// until their stdin closes; `write` writes a Track-at-Once track without end.
#[test]
#[ignore = "run by the tests of this file as a second process"]
fn child_process() {
    let Ok(arg) = std::env::var(CHILD) else { return };
    let (mode, dir) = arg.split_once(':').unwrap();
    let dir = Path::new(dir);
    match mode {
        "hold-shared" | "hold-exclusive" => {
            let access = if mode == "hold-shared" { Access::Shared } else { Access::Exclusive };
            let r = SimRecorder::open_with(dir, access);
            println!("IMAPI {}", if r.is_ok() { "held" } else { "refused" });
            std::io::stdout().flush().unwrap();
            let mut rest = String::new();
            let _ = std::io::stdin().read_line(&mut rest);
        }
        "write" => {
            let mut t = SimRecorder::open(dir).unwrap();
            select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
            let mut lba = 0;
            loop {
                ops::write10(&mut t, Lba(lba), &blocks(lba as u32, 16), 2048).unwrap();
                lba += 16;
                println!("IMAPI wrote {lba}");
                std::io::stdout().flush().unwrap();
            }
        }
        _ => panic!("unknown mode {mode}"),
    }
}

#[test]
fn shared_and_exclusive_openers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut t = SimRecorder::create(d, Media::CdRw80, 0).unwrap();
    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    write_tao(&mut t, &blocks(0, 300));
    // Exclusive: no second opener of either kind.
    assert!(matches!(SimRecorder::open_with(d, Access::Shared), Err(SimError::InUse(_))));
    assert!(matches!(SimRecorder::open_with(d, Access::Exclusive), Err(SimError::InUse(_))));
    drop(t);

    // Shared: many at once, no exclusive one.
    let mut a = SimRecorder::open_with(d, Access::Shared).unwrap();
    let mut b = SimRecorder::open_with(d, Access::Shared).unwrap();
    assert_eq!(a.access(), Access::Shared);
    assert!(matches!(SimRecorder::open(d), Err(SimError::InUse(_))));
    assert!(matches!(SimRecorder::insert(d, Media::CdR80), Err(SimError::InUse(_))));
    assert!(matches!(sim::clear_faults(d), Err(SimError::InUse(_))));
    // Both query and read.
    for t in [&mut a, &mut b] {
        let ti = ops::track_information(t, &ReadTrackInformation::track(1)).unwrap();
        assert_eq!((ti.start, ti.size), (Lba(0), 302));
        let mut buf = vec![0u8; 2048];
        ops::read10(t, 299, &mut buf).unwrap();
        assert_eq!(buf, blocks(299, 1));
        ops::command(t, &TestUnitReady).unwrap();
    }
    // Commands that change the disc: write protected; the drive's state: not now.
    let nwa = ops::track_information(&mut a, &ReadTrackInformation::invisible()).unwrap().nwa;
    assert_eq!(triple(&ops::write10(&mut a, nwa, &blocks(0, 1), 2048).unwrap_err()), (7, 0x27, 0));
    for e in [
        ops::command(&mut a, &SynchronizeCache::default()),
        ops::command(&mut a, &CloseTrackSession::session()),
        ops::command(&mut a, &Blank::new(BlankType::Minimal)),
    ] {
        assert_eq!(triple(&e.unwrap_err()), (7, 0x27, 0));
    }
    let sheet = [0u8; 8];
    let e = ops::run(&mut a, &SendCueSheet { size: 8 }, Data::ToDevice(&sheet)).unwrap_err();
    assert_eq!(triple(&e), (7, 0x27, 0));
    assert_eq!(
        triple(&select(&mut a, WriteParameters::tao_data(MultiSession::Open)).unwrap_err()),
        (5, 0x2C, 0)
    );
    for e in [
        ops::command(&mut a, &StartStopUnit::EJECT),
        ops::command(&mut a, &PreventAllowMediumRemoval::LOCK),
    ] {
        assert_eq!(triple(&e.unwrap_err()), (5, 0x2C, 0));
    }
    drop((a, b));

    // The same between processes.
    let (mut child, mut lines) = spawn("hold-shared", d);
    assert_eq!(report(&mut lines), "held");
    let mut mine = SimRecorder::open_with(d, Access::Shared).unwrap();
    ops::command(&mut mine, &TestUnitReady).unwrap();
    assert!(matches!(SimRecorder::open(d), Err(SimError::InUse(_))));
    drop(child.stdin.take());
    child.wait().unwrap();
    // The shared opener in this process still keeps an exclusive one from another process.
    let (mut child, mut lines) = spawn("hold-exclusive", d);
    assert_eq!(report(&mut lines), "refused");
    drop(child.stdin.take());
    child.wait().unwrap();
    drop(mine);
    let (mut child, mut lines) = spawn("hold-exclusive", d);
    assert_eq!(report(&mut lines), "held");
    assert!(matches!(SimRecorder::open_with(d, Access::Shared), Err(SimError::InUse(_))));
    drop(child.stdin.take());
    child.wait().unwrap();
    SimRecorder::open(d).unwrap();
}

#[test]
fn a_killed_writer_leaves_a_damaged_track_and_no_save_per_write() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    drop(SimRecorder::create(d, Media::CdR80, 0).unwrap());
    let (mut child, mut lines) = spawn("write", d);
    let mut written = 0;
    while written < 320 {
        written = report(&mut lines).strip_prefix("wrote ").unwrap().parse().unwrap();
    }
    // The model was saved when the track got its first blocks, not after each WRITE.
    let saved: sim::Disc =
        serde_json::from_slice(&std::fs::read(d.join("disc.json")).unwrap()).unwrap();
    assert_eq!(saved.tracks.len(), 1);
    assert_eq!((saved.tracks[0].state, saved.tracks[0].written), (TrackState::Open, 16));
    child.kill().unwrap();
    child.wait().unwrap();

    let mut t = SimRecorder::open(d).unwrap();
    let track = t.disc().tracks[0].clone();
    assert_eq!(track.state, TrackState::Damaged);
    assert!(track.written >= 320, "{track:?}");
    let ti = ops::track_information(&mut t, &ReadTrackInformation::track(1)).unwrap();
    assert!(ti.damage && !ti.nwa_valid, "{ti:?}");
    assert_eq!(ti.last_recorded, Lba(track.written as i32 - 1));
    let mut b = vec![0u8; 2048];
    assert_eq!(triple(&ops::read10(&mut t, 0, &mut b).unwrap_err()), (3, 0x11, 0));
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn faults_from_the_folder_are_consumed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    drop(SimRecorder::create(d, Media::CdR80, 0).unwrap());
    assert_eq!(sim::faults(d).unwrap(), FaultSettings::default());
    let set = FaultSettings {
        faults: Faults { busy_writes: 2, remove_after_blocks: Some(100), ..Faults::default() },
        throttle: false,
    };
    sim::set_faults(d, &set).unwrap();
    assert_eq!(sim::faults(d).unwrap(), set);

    let mut t = SimRecorder::open(d).unwrap();
    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    for left in [1, 0] {
        let e = ops::write10(&mut t, Lba(0), &blocks(0, 16), 2048).unwrap_err();
        assert_eq!(triple(&e), (2, 0x04, 0x08));
        // A busy answer is written back at once.
        assert_eq!(sim::faults(d).unwrap().faults.busy_writes, left);
    }
    for k in 0..3 {
        ops::write10(&mut t, Lba(16 * k), &blocks(16 * k as u32, 16), 2048).unwrap();
    }
    // The removal's countdown goes back at sync points: the track's first blocks (84 left),
    // not each WRITE; then SYNCHRONIZE CACHE (after 48 blocks, 52 left).
    assert_eq!(sim::faults(d).unwrap().faults.remove_after_blocks, Some(84));
    ops::command(&mut t, &SynchronizeCache::default()).unwrap();
    assert_eq!(sim::faults(d).unwrap().faults.remove_after_blocks, Some(52));
    drop(t);

    // The next process goes on counting where this one stopped.
    let mut t = SimRecorder::open(d).unwrap();
    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    let nwa = ops::track_information(&mut t, &ReadTrackInformation::invisible()).unwrap().nwa;
    ops::write10(&mut t, nwa, &blocks(0, 32), 2048).unwrap();
    let e = ops::write10(&mut t, Lba(nwa.0 + 32), &blocks(32, 32), 2048).unwrap_err();
    assert_eq!(triple(&e), (2, 0x3A, 0));
    assert_eq!(sim::faults(d).unwrap(), FaultSettings::default());
    assert!(!d.join("faults.json").exists());
    drop(t);
    // The pulled medium is out of the drive in the next process too; nothing fires again.
    let mut t = SimRecorder::open(d).unwrap();
    assert_eq!(qtriple(&ops::disc_information(&mut t).unwrap_err()), (2, 0x3A, 0));
    ops::command(&mut t, &StartStopUnit::LOAD).unwrap();
    assert_eq!(triple(&ops::command(&mut t, &TestUnitReady).unwrap_err()), (6, 0x28, 0));
    let ti = ops::track_information(&mut t, &ReadTrackInformation::track(2)).unwrap();
    assert!(ti.damage);
    assert_eq!(ti.last_recorded, Lba(nwa.0 + 51));
    drop(t);

    // The throttle alone; then nothing.
    let set = FaultSettings { throttle: true, ..FaultSettings::default() };
    sim::set_faults(d, &set).unwrap();
    assert_eq!(sim::faults(d).unwrap(), set);
    sim::clear_faults(d).unwrap();
    assert_eq!(sim::faults(d).unwrap(), FaultSettings::default());
    let other = tempfile::tempdir().unwrap();
    assert!(matches!(sim::faults(other.path()), Err(SimError::Missing(_))));
}

#[test]
fn a_write_error_from_the_folder_fires_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    drop(SimRecorder::create(d, Media::CdRw80, 0).unwrap());
    let faults = Faults { write_error_at: Some(20), ..Faults::default() };
    sim::set_faults(d, &FaultSettings { faults, throttle: false }).unwrap();
    let mut t = SimRecorder::open(d).unwrap();
    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    ops::write10(&mut t, Lba(0), &blocks(0, 16), 2048).unwrap();
    let e = ops::write10(&mut t, Lba(16), &blocks(16, 16), 2048).unwrap_err();
    assert_eq!(triple(&e), (3, 0x0C, 0));
    assert_eq!(sim::faults(d).unwrap(), FaultSettings::default());
    ops::command(&mut t, &Blank::new(BlankType::Minimal)).unwrap();
    drop(t);
    let mut t = SimRecorder::open(d).unwrap();
    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    write_tao(&mut t, &blocks(0, 300));
    assert_eq!(t.disc().tracks[0].state, TrackState::Complete);
}

#[test]
fn insert_swaps_the_disc_and_the_next_opener_sees_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut t = SimRecorder::create(d, Media::CdR80, 16).unwrap();
    let serial = ops::unit_serial(&mut t).unwrap().unwrap();
    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    write_tao(&mut t, &blocks(0, 300));
    ops::command(&mut t, &CloseTrackSession::session()).unwrap();
    assert!(matches!(SimRecorder::insert(d, Media::CdRw74), Err(SimError::InUse(_))));
    drop(t);
    assert!(blocks_len(d) > 0);
    SimRecorder::insert(d, Media::CdRw74).unwrap();
    assert_eq!(blocks_len(d), 0);

    let mut t = SimRecorder::open(d).unwrap();
    // GET EVENT STATUS tells of the new medium; the first command gets the unit attention.
    let ev: EventStatus = ops::query(&mut t, &GetEventStatusNotification::default()).unwrap();
    let EventData::Media(m) = ev.data else { panic!("{ev:?}") };
    assert_eq!(m.event, MediaEventCode::NewMedia);
    assert_eq!(triple(&ops::command(&mut t, &TestUnitReady).unwrap_err()), (6, 0x28, 0));
    ops::command(&mut t, &TestUnitReady).unwrap();
    let di = ops::disc_information(&mut t).unwrap();
    assert_eq!((di.status, di.erasable), (DiscStatus::Blank, true));
    assert_eq!(ops::configuration(&mut t).unwrap().current_profile, Profile::CdRw);
    assert_eq!(t.disc().max_speed, 16);
    let mut b = vec![0u8; 2048];
    assert_eq!(triple(&ops::read10(&mut t, 0, &mut b).unwrap_err()), (5, 0x21, 0));
    // The drive is the same.
    assert_eq!(ops::unit_serial(&mut t).unwrap().as_deref(), Some(serial.as_str()));
    drop(t);
    // Seen once: the next opener gets no attention.
    let mut t = SimRecorder::open(d).unwrap();
    ops::command(&mut t, &TestUnitReady).unwrap();
    let other = tempfile::tempdir().unwrap();
    assert!(matches!(SimRecorder::insert(other.path(), Media::CdR74), Err(SimError::Missing(_))));
}

#[test]
fn test_write_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut t = SimRecorder::create(d, Media::CdR80, 0).unwrap();
    let c = ops::configuration(&mut t).unwrap();
    assert!(c.track_at_once().is_some_and(|f| f.test_write));
    assert!(c.mastering().is_some_and(|m| m.test_write));

    // Track-at-Once: every motion, NWA checks included.
    let mut p = WriteParameters::tao_data(MultiSession::Open);
    p.test_write = true;
    select(&mut t, p.clone()).unwrap();
    let e = ops::write10(&mut t, Lba(16), &blocks(0, 1), 2048).unwrap_err();
    assert_eq!(triple(&e), (5, 0x21, 0x02));
    assert_eq!(write_tao(&mut t, &blocks(0, 400)), Lba(0));
    // The dry run moves on to the next track as a recording would.
    select(&mut t, p.clone()).unwrap();
    assert_eq!(write_tao(&mut t, &blocks(0, 300)), Lba(552));
    ops::command(&mut t, &CloseTrackSession::session()).unwrap();
    // After the session: a blank disc, nothing in the block file, nothing to read.
    let di = ops::disc_information(&mut t).unwrap();
    assert_eq!(di.status, DiscStatus::Blank);
    assert!(t.disc().is_blank());
    assert_eq!(blocks_len(d), 0);
    let mut b = vec![0u8; 2048];
    assert_eq!(triple(&ops::read10(&mut t, 0, &mut b).unwrap_err()), (5, 0x21, 0));

    // Session-at-Once: cue sheet checks, writes from −150, the sync that closes the session.
    let mut layout = Layout::new(Minutes::Minutes74);
    layout.push(Track::audio(150, 400)).unwrap();
    let sheet = CueSheet { entries: cue_sheet(&layout, &CueSheetOptions::default()).unwrap() };
    let bytes = sheet.to_vec().unwrap();
    let mut sao = WriteParameters::sao(MultiSession::Final);
    sao.test_write = true;
    select(&mut t, sao).unwrap();
    ops::run(&mut t, &sheet.request(), Data::ToDevice(&bytes)).unwrap();
    let audio = vec![0x5Au8; 550 * 2352];
    let e = ops::write10(&mut t, Lba(0), &audio[..2352], 2352).unwrap_err();
    assert_eq!(triple(&e), (5, 0x21, 0x02));
    for (k, chunk) in audio.chunks(2352 * 25).enumerate() {
        ops::write10(&mut t, Lba(-150 + 25 * k as i32), chunk, 2352).unwrap();
    }
    ops::command(&mut t, &SynchronizeCache::default()).unwrap();
    assert_eq!(ops::disc_information(&mut t).unwrap().status, DiscStatus::Blank);
    assert_eq!(blocks_len(d), 0);
    drop(t);
    let mut t = SimRecorder::open(d).unwrap();
    assert_eq!(ops::disc_information(&mut t).unwrap().status, DiscStatus::Blank);

    // Test write off again: the same data is recorded for real.
    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    write_tao(&mut t, &blocks(0, 300));
    assert_eq!(t.disc().tracks.len(), 1);
    assert!(blocks_len(d) > 0);
}

#[test]
fn leaving_test_write_forgets_the_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = SimRecorder::create(dir.path(), Media::CdR80, 0).unwrap();
    let mut p = WriteParameters::tao_data(MultiSession::Open);
    p.test_write = true;
    select(&mut t, p).unwrap();
    write_tao(&mut t, &blocks(0, 300));
    let inv = ops::track_information(&mut t, &ReadTrackInformation::invisible()).unwrap();
    assert_eq!(inv.nwa, Lba(452));
    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    let inv = ops::track_information(&mut t, &ReadTrackInformation::invisible()).unwrap();
    assert_eq!((inv.track, inv.nwa), (1, Lba(0)));
}

#[test]
fn the_serial_number_stays_with_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut t = SimRecorder::create(d, Media::CdR74, 0).unwrap();
    let serial = ops::unit_serial(&mut t).unwrap().unwrap();
    assert!(serial.starts_with("SIM") && serial.len() == 15, "{serial}");
    assert_eq!(t.serial(), serial);
    let pages: SupportedVpdPages = ops::query(&mut t, &Inquiry::vpd(0)).unwrap();
    assert_eq!(pages.pages, vec![0x00, 0x80]);
    // A page the drive does not have is refused.
    let e = ops::read_reply(&mut t, &Inquiry::vpd(0x83)).unwrap_err();
    assert_eq!(triple(&e), (5, 0x24, 0));
    drop(t);
    let mut t = SimRecorder::open_with(d, Access::Shared).unwrap();
    assert_eq!(ops::unit_serial(&mut t).unwrap(), Some(serial.clone()));
    drop(t);
    // Another folder, another drive.
    let other = tempfile::tempdir().unwrap();
    let mut u = SimRecorder::create(other.path(), Media::CdR74, 0).unwrap();
    assert_ne!(ops::unit_serial(&mut u).unwrap(), Some(serial.clone()));
    drop(u);
    // A folder made before serial numbers gets one on first open, then keeps it.
    std::fs::remove_file(other.path().join("serial")).unwrap();
    let first = SimRecorder::open_with(other.path(), Access::Shared).unwrap().serial().to_string();
    let again = SimRecorder::open(other.path()).unwrap().serial().to_string();
    assert_eq!(first, again);
    assert_ne!(first, serial);
}

/// A drive without page 80h.
struct NoSerial;
impl imapi_transport::Transport for NoSerial {
    fn execute(
        &mut self,
        _: &[u8],
        _: Data<'_>,
        _: std::time::Duration,
    ) -> Result<imapi_transport::Completion, imapi_transport::TransportError> {
        Ok(imapi_transport::Completion::check_condition(sense::codes::INVALID_FIELD_IN_CDB))
    }
}

#[test]
fn unit_serial_is_none_when_the_drive_has_no_page() {
    assert_eq!(ops::unit_serial(&mut NoSerial).unwrap(), None);
}

#[test]
fn read_toc_on_blank_appendable_and_finalized_discs() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = SimRecorder::create(dir.path(), Media::CdR80, 0).unwrap();
    // Blank: no TOC in any of the three formats.
    assert_eq!(qtriple(&ops::track_toc(&mut t).unwrap_err()), (5, 0x24, 0));
    assert_eq!(qtriple(&ops::session_toc(&mut t).unwrap_err()), (5, 0x24, 0));
    assert_eq!(qtriple(&ops::full_toc(&mut t).unwrap_err()), (5, 0x24, 0));

    // Appendable: one closed session, a track of the next one open.
    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    write_tao(&mut t, &blocks(0, 1000));
    ops::command(&mut t, &CloseTrackSession::session()).unwrap();
    let nwa = ops::track_information(&mut t, &ReadTrackInformation::invisible()).unwrap().nwa;
    ops::write10(&mut t, nwa, &blocks(0, 16), 2048).unwrap();
    let toc = ops::track_toc(&mut t).unwrap();
    let d: Vec<(u8, i32)> = toc.descriptors.iter().map(|d| (d.track, d.start.0)).collect();
    assert_eq!(d, vec![(1, 0), (0xAA, 1002)]);
    let s = ops::session_toc(&mut t).unwrap();
    assert_eq!((s.info.first_session, s.info.last_session), (1, 1));
    assert_eq!((s.info.first_track_of_last.track, s.info.first_track_of_last.start), (1, Lba(0)));
    let full = ops::full_toc(&mut t).unwrap();
    let points: Vec<u8> = full.entries.iter().map(|e| e.point).collect();
    assert_eq!(points, vec![0xA0, 0xA1, 0xA2, 1, 0xB0, 0xC0]);
    let c0 = full.entries[5];
    // C0: ADR 5, the ATIP's writing power byte, the first lead-in 97:26:65 as the ATIP says.
    assert_eq!((c0.session, c0.adr, c0.control), (1, 5, 4));
    let atip: Atip = ops::query(&mut t, &ReadToc::new(TocFormat::Atip, 28)).unwrap();
    assert_eq!(c0.msf, [(atip.writing_power << 4) | atip.reference_speed, 0, 0]);
    assert_eq!(c0.pmsf, atip.lead_in_start.to_binary());
    assert_eq!(full.entries[4].zero, 2, "B0 counts B0 and C0");
    ops::command(&mut t, &SynchronizeCache::default()).unwrap();

    // Finalized with B0 = FF:FF:FF: session 2 has B0 (one pointer) and no C0.
    select(&mut t, WriteParameters::tao_data(MultiSession::FinalWithB0)).unwrap();
    ops::command(&mut t, &CloseTrackSession::session()).unwrap();
    let di = ops::disc_information(&mut t).unwrap();
    assert_eq!(di.status, DiscStatus::Complete);
    let full = ops::full_toc(&mut t).unwrap();
    let points: Vec<(u8, u8)> = full.entries.iter().map(|e| (e.session, e.point)).collect();
    assert_eq!(
        points,
        vec![
            (1, 0xA0),
            (1, 0xA1),
            (1, 0xA2),
            (1, 1),
            (1, 0xB0),
            (1, 0xC0),
            (2, 0xA0),
            (2, 0xA1),
            (2, 0xA2),
            (2, 2),
            (2, 0xB0)
        ]
    );
    assert_eq!(full.entries[10].msf, [0xFF; 3]);
    let s = ops::session_toc(&mut t).unwrap();
    assert_eq!((s.info.last_session, s.info.first_track_of_last.track), (2, 2));
    assert_eq!(s.info.first_track_of_last.start, nwa);
    let toc = ops::track_toc(&mut t).unwrap();
    assert_eq!(toc.descriptors.len(), 3);

    // Finalized single session without B0: no B0, no C0.
    let dir = tempfile::tempdir().unwrap();
    let mut t = SimRecorder::create(dir.path(), Media::CdR80, 0).unwrap();
    select(&mut t, WriteParameters::tao_data(MultiSession::Final)).unwrap();
    write_tao(&mut t, &blocks(0, 300));
    ops::command(&mut t, &CloseTrackSession::session()).unwrap();
    let full = ops::full_toc(&mut t).unwrap();
    let points: Vec<u8> = full.entries.iter().map(|e| e.point).collect();
    assert_eq!(points, vec![0xA0, 0xA1, 0xA2, 1]);
    let s = ops::session_toc(&mut t).unwrap();
    assert_eq!((s.info.first_session, s.info.last_session), (1, 1));
}
