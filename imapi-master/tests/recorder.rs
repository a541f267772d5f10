//! IDiscRecorder against the simulated recorder: identity, properties, exclusive access,
//! media queries, eject, erase.

mod common;

use common::{sink, stage, write_session, Bench};
use imapi_master::{
    DiscRecorder, ImapiCode, MediaFlags, MediaType, PropertyBag, PropertyValue, RecorderPath,
    RecorderState, RecorderType,
};
use imapi_transport::sim::Media;

fn recorder(b: &Bench) -> DiscRecorder {
    DiscRecorder::open_path(RecorderPath::Simulated(b.drive.clone())).unwrap()
}

#[test]
fn identity_and_guid() {
    let b = Bench::new(Media::CdR80);
    let r = recorder(&b);
    assert_eq!(r.recorder_type().unwrap(), RecorderType::Cdrw, "the drive writes CD-RW");
    let (vendor, product, revision) = r.display_names();
    assert_eq!((vendor, product), ("IMAPI-RS", "SIM CD-RW"));
    assert!(!revision.is_empty());
    assert_eq!(r.base_pnp_id(), format!("IMAPI-RSSIMCD-RW{revision}"));
    assert_eq!(r.path(), format!("sim:{}", b.drive.display()));
    let canonical = std::fs::canonicalize(&b.drive).unwrap();
    assert_eq!(r.recorder_guid(), format!("sim:{}", canonical.display()).as_bytes());
    assert_eq!(recorder(&b).recorder_guid(), r.recorder_guid(), "stable across objects");
    assert_eq!(r.identity().max_write_speed, 48);
    assert!(r.identity().serial.is_some(), "the simulator has a unit serial number");
}

#[test]
fn properties_follow_imapi_rules() {
    let b = Bench::new(Media::CdRw80);
    let mut r = recorder(&b);
    let bag = r.recorder_properties();
    assert_eq!(bag["WriteSpeed"], PropertyValue::I4(24));
    assert_eq!(bag["MaxWriteSpeed"], PropertyValue::I4(24));
    assert_eq!(bag["AudioGapSize"], PropertyValue::I4(150));
    assert_eq!(bag["BufferUnderrunFreeCapable"], PropertyValue::Bool(true));
    assert_eq!(bag["EnableBufferUnderrunFree"], PropertyValue::I4(-1));
    let mut set = PropertyBag::new();
    set.insert("WriteSpeed".into(), PropertyValue::I4(8));
    set.insert("MaxWriteSpeed".into(), PropertyValue::I4(52));
    let out = r.set_recorder_properties(&set).unwrap();
    assert_eq!(out.code(), Some(ImapiCode::PropertiesIgnored));
    assert_eq!(r.properties().write_speed, 8);
    assert_eq!(r.properties().max_write_speed, 24);
    set.clear();
    set.insert("WriteSpeed".into(), PropertyValue::I4(25));
    let e = r.set_recorder_properties(&set).unwrap_err();
    assert_eq!(e.code(), ImapiCode::Generic, "{e}");
    assert!(e.message().contains("WriteSpeed"), "names the property: {e}");
    assert_eq!(r.properties().write_speed, 8, "unchanged");
}

#[test]
fn exclusive_access_and_states() {
    let b = Bench::new(Media::CdR80);
    let mut r = recorder(&b);
    let mut other = recorder(&b);
    assert_eq!(r.recorder_state(), RecorderState::DoingNothing);
    assert_eq!(r.query_media_type().unwrap_err().code(), ImapiCode::NotOpened);
    assert_eq!(r.query_media_info().unwrap_err().code(), ImapiCode::NotOpened);
    assert_eq!(r.eject().unwrap_err().code(), ImapiCode::NotOpened);
    assert_eq!(r.erase(false).unwrap_err().code(), ImapiCode::NotOpened);
    assert_eq!(r.close().unwrap_err().code(), ImapiCode::NotOpened);
    r.open_exclusive().unwrap();
    assert_eq!(r.recorder_state(), RecorderState::Opened);
    assert_eq!(other.open_exclusive().unwrap_err().code(), ImapiCode::DeviceNotAccessible);
    // Nor can anyone ask who the drive is, or make it active, meanwhile.
    assert_eq!(
        DiscRecorder::open_path(RecorderPath::Simulated(b.drive.clone())).unwrap_err().code(),
        ImapiCode::DeviceNotAccessible
    );
    let mut m = imapi_master::DiscMaster::new(b.options());
    m.open().unwrap();
    assert_eq!(
        m.set_active_disc_recorder(&other).unwrap_err().code(),
        ImapiCode::DeviceNotAccessible
    );
    r.close().unwrap();
    assert_eq!(r.recorder_state(), RecorderState::DoingNothing);
    other.open_exclusive().unwrap();
    other.close().unwrap();
}

#[test]
fn blank_media_and_no_media() {
    let b = Bench::new(Media::CdRw80);
    let mut r = recorder(&b);
    r.open_exclusive().unwrap();
    let (kind, flags) = r.query_media_type().unwrap();
    assert_eq!(kind, Some(MediaType::CddaCdrom));
    assert_eq!(flags.0, MediaFlags::BLANK | MediaFlags::RW | MediaFlags::WRITABLE);
    let info = r.query_media_info().unwrap();
    assert_eq!((info.sessions, info.last_track, info.start_address), (0, 0, 0));
    assert_eq!(info.next_writable, 0);
    assert_eq!(info.next_writable + info.free_blocks, 359_849, "capacity");
    r.eject().unwrap();
    assert_eq!(r.query_media_type().unwrap(), (None, MediaFlags(0)));
    assert_eq!(r.query_media_info().unwrap_err().code(), ImapiCode::MediumNotPresent);
}

#[test]
fn an_appendable_disc() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    stage(&mut m, &[("a.txt", b"A")]);
    let staged = m.seal().unwrap();
    let start = write_session(&b.drive, &staged.stash);
    m.close();
    assert_eq!(start, 0);
    let mut r = recorder(&b);
    r.open_exclusive().unwrap();
    let (kind, flags) = r.query_media_type().unwrap();
    assert_eq!(kind, Some(MediaType::CddaCdrom));
    assert_eq!(flags.0, MediaFlags::WRITABLE);
    let info = r.query_media_info().unwrap();
    assert_eq!((info.sessions, info.last_track, info.start_address), (1, 1, 0));
    // The first session's lead-out, lead-in and pregap before the next writable address.
    assert!(info.next_writable > staged.blocks as u32 + 11_000, "{info:?}");
    assert_eq!(info.next_writable + info.free_blocks, 359_849);
}

#[test]
fn erase_cd_rw_only() {
    let b = Bench::new(Media::CdR80);
    let mut m = imapi_master::DiscMaster::new(b.options());
    m.open().unwrap();
    let s = sink();
    m.progress_advise(s.clone()).unwrap();
    let mut r = m.enum_disc_recorders().unwrap().remove(0);
    r.open_exclusive().unwrap();
    assert_eq!(r.erase(false).unwrap_err().code(), ImapiCode::MediumInvalidType);
    assert_eq!(*s.erase_complete.lock().unwrap(), [Some(ImapiCode::MediumInvalidType)]);
    r.close().unwrap();

    let b = Bench::new(Media::CdRw80);
    let mut m = b.master();
    stage(&mut m, &[("a.txt", b"A")]);
    let staged = m.seal().unwrap();
    write_session(&b.drive, &staged.stash);
    m.close();
    let mut m = imapi_master::DiscMaster::new(b.options());
    m.open().unwrap();
    let s = sink();
    m.progress_advise(s.clone()).unwrap();
    let mut r = m.enum_disc_recorders().unwrap().remove(0);
    r.open_exclusive().unwrap();
    assert!(!r.query_media_type().unwrap().1.has(MediaFlags::BLANK));
    r.erase(true).unwrap();
    assert_eq!(*s.erase_complete.lock().unwrap(), [None]);
    assert!(r.query_media_type().unwrap().1.has(MediaFlags::BLANK));
}

#[test]
fn clones_are_handles_of_one_recorder_object() {
    let b = Bench::new(Media::CdRw80);
    let mut r = recorder(&b);
    let mut handle = r.clone();
    let mut set = PropertyBag::new();
    set.insert("WriteSpeed".into(), PropertyValue::I4(4));
    handle.set_recorder_properties(&set).unwrap();
    assert_eq!(r.properties().write_speed, 4, "a property set through one handle");
    assert_eq!(r.recorder_properties()["WriteSpeed"], PropertyValue::I4(4));
    r.open_exclusive().unwrap();
    assert_eq!(handle.recorder_state(), RecorderState::Opened);
    assert!(handle.is_open());
    // The drive is held by the object, so any of its handles may use it.
    assert!(handle.query_media_type().unwrap().1.has(MediaFlags::BLANK));
    handle.close().unwrap();
    assert_eq!(r.recorder_state(), RecorderState::DoingNothing);
    assert!(!r.is_open());
    // IDiscRecorder::Close on a recorder that is not open: IMAPI_E_NOTOPENED, every time.
    assert_eq!(r.close().unwrap_err().code(), ImapiCode::NotOpened);
    assert_eq!(handle.close().unwrap_err().code(), ImapiCode::NotOpened);
    // A second object for the drive is apart: its own properties.
    assert_eq!(recorder(&b).properties().write_speed, 24);
}
