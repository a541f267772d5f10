//! NotifyPnPActivity when a recorder appears or goes away, found by polling.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{eventually, sink};
use imapi_master::{DiscMaster, MasterOptions, RecorderSources};
use imapi_transport::sim::{Media, SimRecorder};

#[test]
fn a_recorder_coming_and_going_is_announced() {
    let work = tempfile::tempdir().unwrap();
    let drive = work.path().join("drive");
    let mut opts = MasterOptions::new(work.path().join("stash"));
    opts.recorders = RecorderSources::simulated_only([drive.clone()]);
    opts.pnp_poll = Some(Duration::from_millis(20));
    let mut m = DiscMaster::new(opts);
    m.open().unwrap();
    let s = sink();
    m.progress_advise(s.clone()).unwrap();
    assert!(m.enum_disc_recorders().unwrap().is_empty());
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(s.pnp.load(Ordering::SeqCst), 0, "nothing changed yet");
    SimRecorder::create(&drive, Media::CdR80, 0).unwrap();
    assert!(eventually(|| s.pnp.load(Ordering::SeqCst) == 1), "arrival announced");
    assert_eq!(m.enum_disc_recorders().unwrap().len(), 1);
    std::fs::remove_dir_all(&drive).unwrap();
    assert!(eventually(|| s.pnp.load(Ordering::SeqCst) == 2), "removal announced");
    m.close();
}

#[test]
fn system_drives_from_sysfs() {
    // A fake sysfs with one CD drive, as the kernel lays it out.
    let work = tempfile::tempdir().unwrap();
    let sysfs = work.path().join("sys");
    let dev = work.path().join("dev");
    let d = sysfs.join("class/scsi_device/1:0:0:0/device");
    std::fs::create_dir_all(d.join("block/sr0")).unwrap();
    std::fs::write(d.join("type"), "5\n").unwrap();
    std::fs::write(d.join("vendor"), "QEMU    \n").unwrap();
    std::fs::write(d.join("model"), "QEMU CD-ROM     \n").unwrap();
    std::fs::write(d.join("rev"), "2.5+\n").unwrap();
    let sources = RecorderSources { system: Some((sysfs, dev.clone())), simulated: Vec::new() };
    let paths = sources.paths();
    assert_eq!(paths, [imapi_master::RecorderPath::Device(dev.join("sr0"))]);
    // The node cannot be opened here: the drive is still listed, by the system's names.
    let mut opts = MasterOptions::new(work.path().join("stash"));
    opts.recorders = sources;
    opts.pnp_poll = None;
    let mut m = DiscMaster::new(opts);
    let all = m.all_recorders();
    assert_eq!(all.len(), 1);
    assert!(!all[0].identity().answered);
    assert_eq!(all[0].display_names(), ("QEMU", "QEMU CD-ROM", "2.5+"));
    m.open().unwrap();
    assert!(m.enum_disc_recorders().unwrap().is_empty(), "not a recorder IMAPI can use");
}

#[test]
fn a_drive_that_did_not_answer_has_no_properties_to_set() {
    let work = tempfile::tempdir().unwrap();
    let sysfs = work.path().join("sys");
    let d = sysfs.join("class/scsi_device/1:0:0:0/device");
    std::fs::create_dir_all(d.join("block/sr0")).unwrap();
    std::fs::write(d.join("type"), "5\n").unwrap();
    std::fs::write(d.join("vendor"), "QEMU\n").unwrap();
    std::fs::write(d.join("model"), "QEMU CD-ROM\n").unwrap();
    let mut opts = MasterOptions::new(work.path().join("stash"));
    opts.recorders =
        RecorderSources { system: Some((sysfs, work.path().join("dev"))), simulated: Vec::new() };
    opts.pnp_poll = None;
    let mut rec = DiscMaster::new(opts).all_recorders().remove(0);
    assert!(!rec.identity().answered);
    let mut bag = imapi_master::PropertyBag::new();
    bag.insert("WriteSpeed".into(), imapi_master::PropertyValue::I4(1));
    let e = rec.set_recorder_properties(&bag).unwrap_err();
    assert_eq!(e.code(), imapi_master::ImapiCode::DeviceNoProperties, "{e}");
}
