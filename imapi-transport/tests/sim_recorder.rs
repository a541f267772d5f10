//! The simulated recorder, driven with raw MMC commands as a burner drives a real drive: a
//! Track-at-Once data disc in two sessions and a Session-at-Once audio disc read back
//! byte-exact, every refusal with its sense code, every fault with its sense code and the
//! state it leaves.

mod common;

use std::time::{Duration, Instant};

use common::{data_blocks, qtriple, select, triple, write_tao};

use imapi_mmc::*;
use imapi_redbook::cuesheet::{cue_sheet, CueSheetOptions};
use imapi_redbook::layout::{Capacity as Minutes, Layout, Track};
use imapi_redbook::Lba;
use imapi_transport::ops;
use imapi_transport::sim::{Faults, Media, SimError, SimRecorder, TrackState};
use imapi_transport::{CommandError, Data, Transport, TransportError};

fn read_all(t: &mut SimRecorder, lba: u32, blocks: u32) -> Vec<u8> {
    let mut out = vec![0u8; blocks as usize * 2048];
    for (k, chunk) in out.chunks_mut(32 * 2048).enumerate() {
        ops::read10(t, lba + k as u32 * 32, chunk).unwrap();
    }
    out
}

#[test]
fn tao_data_disc_in_two_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = SimRecorder::create(dir.path(), Media::CdR80, 16).unwrap();
    let q = ops::inquiry(&mut t).unwrap();
    assert_eq!(q.device_type, DeviceType::CdDvd);
    let c = ops::configuration(&mut t).unwrap();
    assert_eq!(c.current_profile, Profile::CdR);
    assert!(c.profiles().iter().any(|p| p.profile == Profile::CdRw && !p.current));
    assert!(c.track_at_once().is_some_and(|f| f.buf) && c.mastering().is_some_and(|m| m.sao));
    let di = ops::disc_information(&mut t).unwrap();
    assert_eq!(
        (di.status, di.last_session, di.sessions),
        (DiscStatus::Blank, SessionState::Empty, 1)
    );
    assert_eq!(qtriple(&ops::track_toc(&mut t).unwrap_err()), (5, 0x24, 0));
    // Track 1 of a blank disc is the invisible track, by number as by FFh.
    let blank1 = ops::track_information(&mut t, &ReadTrackInformation::track(1)).unwrap();
    assert_eq!((blank1.track, blank1.blank, blank1.nwa_valid, blank1.nwa), (1, true, true, Lba(0)));
    assert_eq!(
        qtriple(&ops::track_information(&mut t, &ReadTrackInformation::track(2)).unwrap_err()),
        (5, 0x24, 0)
    );

    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    let first = data_blocks(0, 1000);
    let s1 = write_tao(&mut t, &first);
    assert_eq!(s1, Lba(0));
    // After SYNCHRONIZE CACHE: track 1 complete, size D + 2; the next track after its pregap.
    let t1 = ops::track_information(&mut t, &ReadTrackInformation::track(1)).unwrap();
    assert_eq!((t1.start, t1.size, t1.damage, t1.blank), (Lba(0), 1002, false, false));
    let inv = ops::track_information(&mut t, &ReadTrackInformation::invisible()).unwrap();
    assert_eq!((inv.track, inv.nwa), (2, Lba(1152)));
    let t2 = ops::track_information(&mut t, &ReadTrackInformation::track(2)).unwrap();
    assert_eq!((t2.track, t2.blank, t2.nwa), (2, true, Lba(1152)));
    // The open first session's lead-in starts where the ATIP says (97:26:65).
    let di = ops::disc_information(&mut t).unwrap();
    assert_eq!((di.status, di.last_session), (DiscStatus::Appendable, SessionState::Incomplete));
    assert_eq!(di.last_session_lead_in.msf().map(|m| m.to_lba()), Some(Lba(-11_635)));
    ops::command(&mut t, &CloseTrackSession::session()).unwrap();

    // Appendable: the next session's track after lead-out + 11 400.
    let di = ops::disc_information(&mut t).unwrap();
    assert_eq!(
        (di.status, di.last_session, di.sessions),
        (DiscStatus::Appendable, SessionState::Empty, 2)
    );
    assert_eq!((di.first_track_last_session, di.last_track_last_session), (2, 2));
    // The next lead-in: 4500 blocks before B0 (lead-out 1002 + 11 250).
    assert_eq!(di.last_session_lead_in.msf().map(|m| m.to_lba()), Some(Lba(12_252 - 4_500)));
    let inv = ops::track_information(&mut t, &ReadTrackInformation::invisible()).unwrap();
    assert_eq!((inv.session, inv.nwa), (2, Lba(1002 + 11_400)));
    assert_eq!(ops::capacity(&mut t).unwrap().last_lba, 1001);

    let second = data_blocks(5000, 400);
    let s2 = write_tao(&mut t, &second);
    assert_eq!(s2, Lba(12_402));
    ops::command(&mut t, &CloseTrackSession::session()).unwrap();

    // Byte-exact through READ(10).
    assert_eq!(read_all(&mut t, 0, 1000), first);
    assert_eq!(read_all(&mut t, 12_402, 400), second);
    // READ CD raw: sync, header with the block's address, EDC/ECC over the same data.
    let mut raw = vec![0u8; 2 * 2352];
    ops::run(&mut t, &ReadCd::raw(Lba(12_402), 2), Data::FromDevice(&mut raw)).unwrap();
    for (k, s) in raw.chunks(2352).enumerate() {
        let m = imapi_redbook::sector::parse_mode1(s).unwrap();
        assert_eq!(m.address.to_lba(), Lba(12_402 + k as i32));
        assert_eq!(m.data, &second[k * 2048..(k + 1) * 2048]);
    }
    let mut user = vec![0u8; 2048];
    ops::run(
        &mut t,
        &ReadCd::user_data(SectorType::Mode1, Lba(999), 1),
        Data::FromDevice(&mut user),
    )
    .unwrap();
    assert_eq!(user, first[999 * 2048..]);

    // READ TOC: formats 0, 1, 2 describe both sessions.
    let toc = ops::track_toc(&mut t).unwrap();
    assert_eq!((toc.first_track, toc.last_track), (1, 2));
    let starts: Vec<(u8, u8, i32)> =
        toc.descriptors.iter().map(|d| (d.track, d.control, d.start.0)).collect();
    assert_eq!(starts, vec![(1, 4, 0), (2, 4, 12_402), (0xAA, 4, 12_804)]);
    let s = ops::session_toc(&mut t).unwrap();
    assert_eq!(
        (s.info.first_session, s.info.last_session, s.info.first_track_of_last.start),
        (1, 2, Lba(12_402))
    );
    let full = ops::full_toc(&mut t).unwrap();
    let b0: Vec<[u8; 3]> = full.entries.iter().filter(|e| e.point == 0xB0).map(|e| e.msf).collect();
    // B0 of session 1 = lead-out 1002 + 11 250 = 12 252 → 02:45:27 (12 402 frames).
    assert_eq!(b0[0], Lba(12_252).to_msf().unwrap().to_binary());
    assert_eq!(b0.len(), 2);
    let msf = ops::track_toc_msf(&mut t).unwrap();
    assert_eq!(msf.descriptors[1].start, Lba(12_402));
    assert_eq!(ops::capacity(&mut t).unwrap().last_lba, 12_803);

    // The disc survives the process: reopen and read the same.
    drop(t);
    let mut t = SimRecorder::open(dir.path()).unwrap();
    assert_eq!(read_all(&mut t, 12_402, 400), second);
    assert_eq!(ops::track_toc(&mut t).unwrap(), toc);
}

#[test]
fn sao_audio_disc() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = SimRecorder::create(dir.path(), Media::CdRw74, 0).unwrap();
    let mut layout = Layout::new(Minutes::Minutes74);
    layout.push(Track::audio(150, 400)).unwrap();
    layout.push(Track::audio(75, 320)).unwrap();
    let sheet = CueSheet { entries: cue_sheet(&layout, &CueSheetOptions::default()).unwrap() };
    let bytes = sheet.to_vec().unwrap();

    // Without SAO write parameters the cue sheet is out of sequence.
    assert_eq!(
        triple(&ops::run(&mut t, &sheet.request(), Data::ToDevice(&bytes)).unwrap_err()),
        (5, 0x2C, 0)
    );
    select(&mut t, WriteParameters::sao(MultiSession::Final)).unwrap();
    ops::command(&mut t, &SendOpcInformation { do_opc: true, param_len: 0 }).unwrap();
    ops::run(&mut t, &sheet.request(), Data::ToDevice(&bytes)).unwrap();

    // From LBA −150: pregap, track 1, pregap of track 2, track 2; 2352-byte blocks.
    let total = 150 + 400 + 75 + 320;
    let audio: Vec<u8> = (0..total * 2352).map(|i| ((i * 13) % 256) as u8).collect();
    // A write that is not at the next block is refused.
    let e = ops::write10(&mut t, Lba(0), &audio[..2352], 2352).unwrap_err();
    assert_eq!(triple(&e), (5, 0x21, 0x02));
    let mut lba = -150;
    for chunk in audio.chunks(2352 * 40) {
        ops::write10(&mut t, Lba(lba), chunk, 2352).unwrap();
        lba += (chunk.len() / 2352) as i32;
    }
    ops::command(&mut t, &SynchronizeCache::default()).unwrap();

    let di = ops::disc_information(&mut t).unwrap();
    assert_eq!(
        (di.status, di.last_session, di.erasable),
        (DiscStatus::Complete, SessionState::Complete, true)
    );
    let toc = ops::track_toc(&mut t).unwrap();
    let starts: Vec<(u8, u8, i32)> =
        toc.descriptors.iter().map(|d| (d.track, d.control, d.start.0)).collect();
    assert_eq!(starts, vec![(1, 0, 0), (2, 0, 475), (0xAA, 0, 795)]);
    let full = ops::full_toc(&mut t).unwrap();
    assert!(
        full.entries.iter().all(|e| e.point != 0xB0),
        "no B0 on a disc closed with multi-session 00b"
    );

    // READ CD of CD-DA returns what was written, pregaps included.
    for (from, n) in [(0i32, 400u32), (400, 75), (475, 320)] {
        let mut out = vec![0u8; n as usize * 2352];
        ops::run(
            &mut t,
            &ReadCd::user_data(SectorType::CdDa, Lba(from), n),
            Data::FromDevice(&mut out),
        )
        .unwrap();
        let at = (from + 150) as usize * 2352;
        assert_eq!(out, audio[at..at + out.len()], "blocks from {from}");
    }
    // READ(10) and a Mode 1 READ CD refuse audio blocks.
    let mut b = vec![0u8; 2048];
    assert_eq!(triple(&ops::read10(&mut t, 10, &mut b).unwrap_err()), (5, 0x64, 0));
    let e = ops::run(
        &mut t,
        &ReadCd::user_data(SectorType::Mode1, Lba(10), 1),
        Data::FromDevice(&mut b),
    )
    .unwrap_err();
    assert_eq!(triple(&e), (5, 0x64, 0));
    // Past the lead-out.
    let mut b = vec![0u8; 2352];
    let e = ops::run(
        &mut t,
        &ReadCd::user_data(SectorType::CdDa, Lba(795), 1),
        Data::FromDevice(&mut b),
    )
    .unwrap_err();
    assert_eq!(triple(&e), (5, 0x21, 0));
    // A finalized disc takes no more writes.
    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    assert_eq!(
        triple(&ops::write10(&mut t, Lba(945), &[0; 2048], 2048).unwrap_err()),
        (5, 0x21, 0x02)
    );
}

#[test]
fn refusals() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = SimRecorder::create(dir.path(), Media::CdR74, 0).unwrap();
    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    let one = data_blocks(0, 1);
    // Not at the NWA.
    let e = ops::write10(&mut t, Lba(16), &one, 2048).unwrap_err();
    assert_eq!(triple(&e), (5, 0x21, 0x02));
    assert_eq!(e.sense().unwrap().information, Some(16));
    // BLANK on CD-R.
    assert_eq!(
        triple(&ops::command(&mut t, &Blank::new(BlankType::Minimal)).unwrap_err()),
        (5, 0x30, 0)
    );
    // An unknown opcode and a bad CDB.
    let c = t.execute(&[0xFF, 0, 0, 0, 0, 0], Data::None, Duration::from_secs(1)).unwrap();
    assert_eq!(c.sense.unwrap().triple(), (5, 0x20, 0));
    let c = t.execute(&[0x28, 0, 0], Data::None, Duration::from_secs(1)).unwrap();
    assert_eq!(c.sense.unwrap().triple(), (5, 0x24, 0));
    // REQUEST SENSE returns the last sense.
    let s = Sense::parse(&ops::read_reply(&mut t, &RequestSense::default()).unwrap()).unwrap();
    assert_eq!(s.triple(), (5, 0x24, 0));
    // Page 05h with packet writing, and a page the drive does not take.
    let mut p = WriteParameters::tao_data(MultiSession::Open);
    p.write_type = WriteType::Packet;
    assert_eq!(triple(&select(&mut t, p).unwrap_err()), (5, 0x26, 0));
    let list = ModeData::with_page(ModePage::Raw(vec![0x01, 0x02, 0, 0])).to_select_vec().unwrap();
    let e =
        ops::run(&mut t, &ModeSelect10::new(list.len() as u16), Data::ToDevice(&list)).unwrap_err();
    assert_eq!(triple(&e), (5, 0x26, 0));
    // CLOSE SESSION with an open track, then the run-out after it is closed.
    ops::write10(&mut t, Lba(0), &data_blocks(0, 10), 2048).unwrap();
    assert_eq!(
        triple(&ops::command(&mut t, &CloseTrackSession::session()).unwrap_err()),
        (5, 0x72, 0x03)
    );
    ops::command(&mut t, &CloseTrackSession::track(1)).unwrap();
    // CLOSE TRACK padded the 10-block track to 300 blocks of zeros.
    let t1 = ops::track_information(&mut t, &ReadTrackInformation::track(1)).unwrap();
    assert_eq!(t1.size, 302);
    let mut b = vec![0u8; 2048];
    ops::read10(&mut t, 299, &mut b).unwrap();
    assert!(b.iter().all(|&x| x == 0));
    assert_eq!(triple(&ops::read10(&mut t, 300, &mut b).unwrap_err()), (5, 0x64, 0));
    assert_eq!(triple(&ops::read10(&mut t, 302, &mut b).unwrap_err()), (5, 0x21, 0));
    // SEND CUE SHEET on a disc that is not blank.
    let mut sao = WriteParameters::sao(MultiSession::Final);
    sao.track_mode = 0;
    select(&mut t, sao).unwrap();
    let sheet = [0x01u8, 0, 0, 1, 0, 0, 0, 0];
    assert_eq!(
        triple(&ops::run(&mut t, &SendCueSheet { size: 8 }, Data::ToDevice(&sheet)).unwrap_err()),
        (5, 0x2C, 0)
    );
    // Locked tray: no eject; unlocked: eject, then no medium, then load and a unit attention.
    ops::command(&mut t, &PreventAllowMediumRemoval::LOCK).unwrap();
    assert_eq!(triple(&ops::command(&mut t, &StartStopUnit::EJECT).unwrap_err()), (5, 0x53, 0x02));
    ops::command(&mut t, &PreventAllowMediumRemoval::UNLOCK).unwrap();
    ops::command(&mut t, &StartStopUnit::EJECT).unwrap();
    assert_eq!(triple(&ops::command(&mut t, &TestUnitReady).unwrap_err()), (2, 0x3A, 0));
    assert_eq!(qtriple(&ops::disc_information(&mut t).unwrap_err()), (2, 0x3A, 0));
    let c = ops::configuration(&mut t).unwrap();
    assert_eq!(c.current_profile, Profile::NoProfile);
    ops::command(&mut t, &StartStopUnit::LOAD).unwrap();
    assert_eq!(triple(&ops::command(&mut t, &TestUnitReady).unwrap_err()), (6, 0x28, 0));
    ops::command(&mut t, &TestUnitReady).unwrap();
    // Buffer capacity, speeds.
    let cap: BufferCapacity = ops::query(&mut t, &ReadBufferCapacity::default()).unwrap();
    assert_eq!((cap.length, cap.free), (2 << 20, 2 << 20));
    let perf: WriteSpeeds = ops::query(&mut t, &GetPerformance::write_speeds(4)).unwrap();
    assert_eq!(perf.speeds[0].write_speed, 48 * 177);
    ops::command(&mut t, &SetCdSpeed::write_multiple(4)).unwrap();
    let m = ops::mode_sense(&mut t, 0x2A).unwrap();
    let Some(ModePage::Capabilities(p)) = m.page(0x2A) else { panic!("{m:?}") };
    assert_eq!(p.current_write_speed, 4 * 177);
    assert!(p.write_cd_r() && p.write_cd_rw());
}

#[test]
fn blanking_cd_rw() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = SimRecorder::create(dir.path(), Media::CdRw80, 0).unwrap();
    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    write_tao(&mut t, &data_blocks(0, 300));
    ops::command(&mut t, &CloseTrackSession::session()).unwrap();
    for kind in [BlankType::Minimal, BlankType::Full] {
        ops::command(&mut t, &Blank::new(kind)).unwrap();
        let di = ops::disc_information(&mut t).unwrap();
        assert_eq!((di.status, di.erasable), (DiscStatus::Blank, true));
        let mut b = vec![0u8; 2048];
        assert_eq!(triple(&ops::read10(&mut t, 0, &mut b).unwrap_err()), (5, 0x21, 0));
        let inv = ops::track_information(&mut t, &ReadTrackInformation::invisible()).unwrap();
        assert_eq!((inv.track, inv.nwa), (1, Lba(0)));
        write_tao(&mut t, &data_blocks(9, 300));
    }
    assert_eq!(read_all(&mut t, 0, 300), data_blocks(9, 300));
}

#[test]
fn write_error_fault() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = SimRecorder::create(dir.path(), Media::CdR80, 0).unwrap();
    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    t.inject(Faults { write_error_at: Some(40), ..Faults::default() });
    ops::write10(&mut t, Lba(0), &data_blocks(0, 27), 2048).unwrap();
    let e = ops::write10(&mut t, Lba(27), &data_blocks(27, 27), 2048).unwrap_err();
    assert_eq!(triple(&e), (3, 0x0C, 0));
    assert_eq!(e.sense().unwrap().information, Some(40));
    // The track is damaged and not writable; the session cannot close; nothing is in the TOC.
    let ti = ops::track_information(&mut t, &ReadTrackInformation::track(1)).unwrap();
    assert!(ti.damage && !ti.nwa_valid);
    assert_eq!(ti.last_recorded, Lba(39));
    assert_eq!(
        triple(&ops::write10(&mut t, Lba(40), &data_blocks(40, 1), 2048).unwrap_err()),
        (5, 0x21, 0x02)
    );
    assert_eq!(
        triple(&ops::command(&mut t, &CloseTrackSession::session()).unwrap_err()),
        (5, 0x72, 0x03)
    );
    assert_eq!(qtriple(&ops::track_toc(&mut t).unwrap_err()), (5, 0x24, 0));
    let mut b = vec![0u8; 2048];
    assert_eq!(triple(&ops::read10(&mut t, 5, &mut b).unwrap_err()), (3, 0x11, 0));
    let di = ops::disc_information(&mut t).unwrap();
    assert_eq!((di.status, di.last_session), (DiscStatus::Appendable, SessionState::Incomplete));
}

#[test]
fn busy_fault() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = SimRecorder::create(dir.path(), Media::CdR80, 0).unwrap();
    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    t.inject(Faults { busy_writes: 3, ..Faults::default() });
    let block = data_blocks(0, 10);
    let mut busy = 0;
    loop {
        match ops::write10(&mut t, Lba(0), &block, 2048) {
            Ok(_) => break,
            Err(e) => {
                assert_eq!(triple(&e), (2, 0x04, 0x08));
                assert_eq!(e.sense().unwrap().class(), SenseClass::LongWriteInProgress);
                // Nothing was recorded: the NWA has not moved.
                assert!(t.disc().tracks.is_empty());
                busy += 1;
            }
        }
    }
    assert_eq!(busy, 3);
    let inv = ops::track_information(&mut t, &ReadTrackInformation::invisible()).unwrap();
    assert_eq!(inv.nwa, Lba(10));
}

#[test]
fn medium_removed_fault() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = SimRecorder::create(dir.path(), Media::CdR80, 0).unwrap();
    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    t.inject(Faults { remove_after_blocks: Some(30), ..Faults::default() });
    ops::write10(&mut t, Lba(0), &data_blocks(0, 20), 2048).unwrap();
    assert_eq!(
        triple(&ops::write10(&mut t, Lba(20), &data_blocks(20, 20), 2048).unwrap_err()),
        (2, 0x3A, 0)
    );
    assert_eq!(triple(&ops::command(&mut t, &TestUnitReady).unwrap_err()), (2, 0x3A, 0));
    ops::command(&mut t, &StartStopUnit::LOAD).unwrap();
    assert_eq!(triple(&ops::command(&mut t, &TestUnitReady).unwrap_err()), (6, 0x28, 0));
    let ti = ops::track_information(&mut t, &ReadTrackInformation::track(1)).unwrap();
    assert!(ti.damage && !ti.nwa_valid);
    assert_eq!(ti.last_recorded, Lba(29));
}

#[test]
fn power_loss_leaves_an_incomplete_track() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = SimRecorder::create(dir.path(), Media::CdR80, 0).unwrap();
    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    write_tao(&mut t, &data_blocks(0, 300));
    t.inject(Faults { power_loss_after_blocks: Some(50), ..Faults::default() });
    let nwa = ops::track_information(&mut t, &ReadTrackInformation::invisible()).unwrap().nwa;
    ops::write10(&mut t, nwa, &data_blocks(0, 27), 2048).unwrap();
    let e = ops::write10(&mut t, Lba(nwa.0 + 27), &data_blocks(27, 27), 2048).unwrap_err();
    assert!(matches!(e, CommandError::Transport(TransportError::Os(_))), "{e:?}");
    // A dead device answers nothing.
    assert!(matches!(ops::command(&mut t, &TestUnitReady), Err(CommandError::Transport(_))));
    drop(t);

    let mut t = SimRecorder::open(dir.path()).unwrap();
    let ti = ops::track_information(&mut t, &ReadTrackInformation::track(2)).unwrap();
    assert!(ti.damage && !ti.nwa_valid, "{ti:?}");
    assert_eq!(ti.last_recorded, Lba(nwa.0 + 49));
    assert_eq!(t.disc().tracks[1].state, TrackState::Damaged);
    let mut b = vec![0u8; 2048];
    assert_eq!(triple(&ops::read10(&mut t, nwa.0 as u32, &mut b).unwrap_err()), (3, 0x11, 0));
    // The complete track before it still reads.
    ops::read10(&mut t, 0, &mut b).unwrap();
    assert_eq!(b, data_blocks(0, 1));
    let di = ops::disc_information(&mut t).unwrap();
    assert_eq!((di.status, di.last_session), (DiscStatus::Appendable, SessionState::Incomplete));
    assert_eq!(
        triple(&ops::command(&mut t, &CloseTrackSession::session()).unwrap_err()),
        (5, 0x72, 0x03)
    );
}

#[test]
fn one_process_at_a_time_and_create_once() {
    let dir = tempfile::tempdir().unwrap();
    let t = SimRecorder::create(dir.path(), Media::CdR80, 0).unwrap();
    assert!(matches!(SimRecorder::open(dir.path()), Err(SimError::InUse(_))));
    drop(t);
    assert!(matches!(SimRecorder::create(dir.path(), Media::CdR80, 0), Err(SimError::Exists(_))));
    let other = tempfile::tempdir().unwrap();
    assert!(matches!(SimRecorder::open(other.path()), Err(SimError::Missing(_))));
    SimRecorder::open(dir.path()).unwrap();
}

#[test]
fn throttled_writes_take_real_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = SimRecorder::create(dir.path(), Media::CdR80, 0).unwrap();
    select(&mut t, WriteParameters::tao_data(MultiSession::Open)).unwrap();
    ops::command(&mut t, &SetCdSpeed::write_multiple(1)).unwrap();
    t.set_throttle(true);
    let start = Instant::now();
    // 30 blocks at 1× (75 blocks/s) take 0.4 s.
    ops::write10(&mut t, Lba(0), &data_blocks(0, 30), 2048).unwrap();
    assert!(start.elapsed() >= Duration::from_millis(380), "{:?}", start.elapsed());
}

/// Any CDB of a known command, with any parameter bytes, gets a SCSI answer and no panic;
/// the recorder still works afterwards.
#[test]
fn any_command_gets_an_answer() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    use std::cell::RefCell;

    const OPCODES: [u8; 24] = [
        0x00, 0x03, 0x12, 0x1B, 0x1E, 0x25, 0x28, 0x2A, 0x35, 0x43, 0x46, 0x4A, 0x51, 0x52, 0x54,
        0x55, 0x5B, 0x5C, 0x5D, 0x5A, 0xA1, 0xAC, 0xBB, 0xBE,
    ];
    let dir = tempfile::tempdir().unwrap();
    let t = RefCell::new(SimRecorder::create(dir.path(), Media::CdRw80, 0).unwrap());
    select(&mut t.borrow_mut(), WriteParameters::tao_data(MultiSession::Open)).unwrap();
    write_tao(&mut t.borrow_mut(), &data_blocks(0, 300));
    let strategy = (
        prop::sample::select(OPCODES.to_vec()),
        prop::collection::vec(any::<u8>(), 11),
        prop::collection::vec(any::<u8>(), 0..8192),
        any::<bool>(),
    );
    let mut runner =
        TestRunner::new(Config { cases: 400, failure_persistence: None, ..Config::default() });
    runner
        .run(&strategy, |(op, rest, mut buf, out)| {
            let mut cdb = vec![op];
            cdb.extend_from_slice(&rest);
            let data = if out { Data::ToDevice(&buf) } else { Data::FromDevice(&mut buf) };
            let answer = t.borrow_mut().execute(&cdb, data, Duration::from_secs(1));
            prop_assert!(answer.is_ok(), "{cdb:02x?}: {answer:?}");
            Ok(())
        })
        .unwrap();
    let mut t = t.into_inner();
    // Whatever happened, the drive still answers and loads.
    let _ = ops::command(&mut t, &StartStopUnit::LOAD);
    let _ = ops::command(&mut t, &TestUnitReady);
    ops::inquiry(&mut t).unwrap();
}
