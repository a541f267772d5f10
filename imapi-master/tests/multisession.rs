//! An appendable disc whose last session is ISO 9660: making the recorder active imports
//! that session, and the new session carries the old files too.

mod common;

use common::{write_session, Bench};
use imapi_joliet::Image;
use imapi_master::{DiscMaster, RecorderPath};
use imapi_transport::sim::{Media, SimRecorder};
use imapi_transport::BlockReader;

#[test]
fn the_second_session_carries_the_first() {
    let b = Bench::new(Media::CdR80);
    let first = b.folder("one", &[("old/a.txt", b"from session one")]);
    let mut m = b.master();
    assert_eq!(m.joliet().unwrap().multisession(), None, "a blank disc");
    m.joliet().unwrap().add_data(&first, false).unwrap();
    let staged = m.seal().unwrap();
    write_session(&b.drive, &staged.stash);
    m.close();

    let second = b.folder("two", &[("new/b.txt", b"from session two")]);
    let mut m = b.master();
    let (nwa, imported) = m.joliet().unwrap().multisession().expect("multisession mode");
    assert_eq!(imported, 2, "a directory and a file");
    assert_eq!(nwa, m.active_media().unwrap().info.next_writable);
    m.joliet().unwrap().add_data(&second, false).unwrap();
    let staged = m.seal().unwrap();
    let start = write_session(&b.drive, &staged.stash);
    assert_eq!(start as u32, nwa);
    m.close();

    let sim = SimRecorder::open(&b.drive).unwrap();
    let reader = BlockReader::new(sim).unwrap();
    let image =
        Image::from_reader_with(reader, imapi_joliet::read::Options::new().session_start(nwa))
            .unwrap();
    assert_eq!(image.read_path("/old/a.txt").unwrap(), b"from session one");
    assert_eq!(image.read_path("/new/b.txt").unwrap(), b"from session two");
    drop(image); // gives the recorder back

    // Clearing the content drops back to single-session mode.
    let mut m = b.master();
    assert!(m.joliet().unwrap().multisession().is_some());
    m.clear_format_content().unwrap();
    assert_eq!(m.joliet().unwrap().multisession(), None);
    let _ = RecorderPath::Simulated(b.drive.clone());
    let _ = DiscMaster::new(b.options());
}

#[test]
fn read_disc_shows_the_last_session_as_a_mounted_drive_does() {
    let b = Bench::new(Media::CdR80);
    let one = b.folder("one", &[("a.txt", b"from session one")]);
    let two = b.folder("two", &[("b.txt", b"from session two")]);
    let mut m = b.master();
    let rec = m.active_disc_recorder().unwrap().clone();
    let e = rec.read_disc().unwrap_err();
    assert_eq!(e.code(), imapi_master::ImapiCode::MediumInvalidType, "a blank disc: {e}");
    m.joliet().unwrap().add_data(&one, false).unwrap();
    m.record_disc(false, false).unwrap();
    m.joliet().unwrap().add_data(&two, false).unwrap();
    m.record_disc(false, false).unwrap();
    m.close();

    let image = rec.read_disc().unwrap();
    assert_eq!(image.read_path("/a.txt").unwrap(), b"from session one", "carried over");
    assert_eq!(image.read_path("/b.txt").unwrap(), b"from session two");
    drop(image);
    // Block 0 holds the first session's descriptors: b.txt is not there.
    let first = Image::from_reader(BlockReader::new(SimRecorder::open(&b.drive).unwrap()).unwrap())
        .unwrap();
    assert!(first.read_path("/b.txt").is_err());
    drop(first);
    // While another holds the drive exclusively, the disc cannot be read.
    let held = SimRecorder::open_with(&b.drive, imapi_transport::Access::Exclusive).unwrap();
    let e = rec.read_disc().unwrap_err();
    assert_eq!(e.code(), imapi_master::ImapiCode::DeviceNotAccessible, "{e}");
    drop(held);
}
