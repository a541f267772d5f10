//! IMAPI v1's state machine (reference §6): every call's error before open, twice open,
//! idempotent close, formats, the active recorder, tracks.

mod common;

use common::{sink, Bench};
use imapi_master::{DiscMaster, Format, ImapiCode};
use imapi_transport::sim::Media;

fn code<T: std::fmt::Debug>(r: imapi_master::Result<T>) -> ImapiCode {
    r.expect_err("the call should fail").code()
}

#[test]
fn everything_needs_open() {
    let b = Bench::new(Media::CdR80);
    let mut m = DiscMaster::new(b.options());
    assert_eq!(code(m.enum_disc_master_formats()), ImapiCode::NotOpened);
    assert_eq!(code(m.active_disc_master_format()), ImapiCode::NotOpened);
    assert_eq!(code(m.set_active_disc_master_format(Format::Redbook)), ImapiCode::NotOpened);
    assert_eq!(code(m.enum_disc_recorders()), ImapiCode::NotOpened);
    assert_eq!(code(m.active_disc_recorder()), ImapiCode::NotOpened);
    assert_eq!(code(m.clear_format_content()), ImapiCode::NotOpened);
    assert_eq!(code(m.progress_advise(sink())), ImapiCode::NotOpened);
    assert_eq!(code(m.progress_unadvise(imapi_master::Cookie(1))), ImapiCode::NotOpened);
    assert_eq!(code(m.joliet().map(|_| ())), ImapiCode::NotOpened);
    assert_eq!(code(m.redbook().map(|_| ())), ImapiCode::NotOpened);
    assert_eq!(code(m.seal()), ImapiCode::NotOpened);
    // A recorder object exists apart from the master: set active still needs the master open.
    let rec = imapi_master::DiscRecorder::open_path(imapi_master::RecorderPath::Simulated(
        b.drive.clone(),
    ))
    .unwrap();
    assert_eq!(code(m.set_active_disc_recorder(&rec)), ImapiCode::NotOpened);
}

#[test]
fn open_close_rules() {
    let b = Bench::new(Media::CdR80);
    let mut m = DiscMaster::new(b.options());
    m.close(); // closing a closed master is fine
    m.open().unwrap();
    assert_eq!(code(m.open()), ImapiCode::AlreadyOpen);
    assert_eq!(m.active_disc_master_format().unwrap(), Format::Joliet, "Joliet by default");
    assert_eq!(m.enum_disc_master_formats().unwrap(), [Format::Joliet, Format::Redbook]);
    m.close();
    m.close();
    assert!(!m.is_open());
    m.open().unwrap();
    assert_eq!(code(m.active_disc_recorder()), ImapiCode::NoActiveRecorder);
}

#[test]
fn wrong_format_both_ways() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    assert_eq!(code(m.redbook().map(|_| ())), ImapiCode::WrongFormat);
    m.set_active_disc_master_format(Format::Redbook).unwrap();
    assert_eq!(code(m.joliet().map(|_| ())), ImapiCode::WrongFormat);
    assert!(m.redbook().is_ok());
    assert_eq!(Format::Joliet.iid(), "E3BC42CE-4E5C-11D3-9144-00104BA11C5E");
    assert_eq!(Format::Redbook.iid(), "E3BC42CD-4E5C-11D3-9144-00104BA11C5E");
}

#[test]
fn format_switch_clears_the_staged_image() {
    let b = Bench::new(Media::CdR80);
    let dir = b.folder("src", &[("a.txt", b"alpha")]);
    let mut m = b.master();
    m.joliet().unwrap().add_data(&dir, false).unwrap();
    assert_eq!(m.staged_tree().len(), 2);
    m.set_active_disc_master_format(Format::Joliet).unwrap();
    assert_eq!(m.staged_tree().len(), 1, "even the same format clears");
    m.joliet().unwrap().add_data(&dir, false).unwrap();
    m.clear_format_content().unwrap();
    assert_eq!(m.staged_tree().len(), 1);
    assert_eq!(code(m.seal()), ImapiCode::InvalidImage, "nothing staged");
}

#[test]
fn recorder_is_needed_for_the_disc_sizes() {
    let b = Bench::new(Media::CdR80);
    let mut m = DiscMaster::new(b.options());
    m.open().unwrap();
    assert_eq!(code(m.joliet().unwrap().total_data_blocks()), ImapiCode::NoActiveRecorder);
    let recs = m.enum_disc_recorders().unwrap();
    m.set_active_disc_recorder(&recs[0]).unwrap();
    let total = m.joliet().unwrap().total_data_blocks().unwrap();
    let free = m.active_media().unwrap().info.free_blocks;
    assert_eq!(free, 359_849, "79:59:74, the last possible lead-out of an 80-minute CD-R");
    assert_eq!(total, u64::from(free) - 2, "less the run-out of a Track-at-Once track");
    assert_eq!(m.joliet().unwrap().data_block_size(), 2048);
}

#[test]
fn audio_track_states() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    m.set_active_disc_master_format(Format::Redbook).unwrap();
    let mut r = m.redbook().unwrap();
    assert_eq!(r.audio_block_size(), 2352);
    assert_eq!(code(r.add_audio_track_blocks(&[0; 2352])), ImapiCode::TrackNotOpen);
    assert_eq!(code(r.close_audio_track()), ImapiCode::TrackNotOpen);
    r.create_audio_track(300).unwrap();
    assert_eq!(code(r.create_audio_track(300)), ImapiCode::TrackOpen);
    assert_eq!(r.total_audio_tracks(), 1);
    r.add_audio_track_blocks(&vec![1u8; 2352 * 10]).unwrap();
    assert_eq!(code(r.close_audio_track()), ImapiCode::TrackNotBigEnough);
    assert_eq!(code(r.add_audio_track_blocks(&[0; 100])), ImapiCode::Generic, "not whole blocks");
    assert_eq!(code(m.seal()), ImapiCode::TrackOpen);
    let mut r = m.redbook().unwrap();
    r.add_audio_track_blocks(&vec![2u8; 2352 * 290]).unwrap();
    r.close_audio_track().unwrap();
    assert_eq!(r.used_audio_blocks(), 300);
    let staged = m.seal().unwrap();
    let stash = imapi_stash::Stash::open(&staged.stash).unwrap();
    assert_eq!(stash.tracks().len(), 1);
    assert_eq!(stash.tracks()[0].blocks, 300);
    assert_eq!(stash.tracks()[0].info.pregap, 150);
}

#[test]
fn progress_sinks_come_and_go() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    let s = sink();
    let cookie = m.progress_advise(s.clone()).unwrap();
    let other = m.progress_advise(sink()).unwrap();
    assert_ne!(cookie, other);
    m.progress_unadvise(cookie).unwrap();
    assert_eq!(code(m.progress_unadvise(cookie)), ImapiCode::Generic, "unknown cookie");
}
