//! The stash's result codes at the facade: IMAPI_E_NOTENOUGHDISKFORSTASH before a byte is
//! copied, IMAPI_E_FILEACCESS for a source that cannot be read or a stash folder that cannot
//! be made; each leaves the staged image as it was.

mod common;

use std::io::{self, Read};

use common::{stage, stash_image, Bench};
use imapi_joliet::{Image, Source};
use imapi_master::{DiscMaster, ImapiCode};
use imapi_transport::sim::Media;

#[test]
fn an_add_larger_than_the_stash_folders_free_space_is_notenoughdiskforstash() {
    let b = Bench::new(Media::CdR80);
    // No recorder active: no disc capacity limits the add, only the stash folder's disk.
    let mut m = DiscMaster::new(b.options());
    m.open().unwrap();
    stage(&mut m, &[("keep.txt", b"kept")]);
    let nodes = m.staged_tree().len();
    let free = imapi_stash::available_space(&b.stash_dir()).unwrap();
    let huge = b.work.path().join("huge");
    std::fs::create_dir(&huge).unwrap();
    // Sparse: costs nothing, but the stash would need every byte of it.
    std::fs::File::create(huge.join("more-than-free.bin"))
        .unwrap()
        .set_len(free + (1 << 30))
        .unwrap();
    let e = m.joliet().unwrap().add_data(&huge, false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::NotEnoughDiskForStash, "{e}");
    assert!(e.message().contains(&b.stash_dir().display().to_string()), "{e}");
    assert_eq!(m.staged_tree().len(), nodes, "nothing added");
    let staged = m.seal().unwrap();
    let iso = stash_image(&staged.stash);
    let image = Image::parse(&iso).unwrap();
    assert_eq!(image.read_path("/keep.txt").unwrap(), b"kept");
}

/// A source whose length is known but whose bytes cannot be read.
#[derive(Debug)]
struct Unreadable;

impl Source for Unreadable {
    fn len(&self) -> io::Result<u64> {
        Ok(5000)
    }
    fn open_at(&self, _offset: u64) -> io::Result<Box<dyn Read + Send + '_>> {
        Err(io::Error::new(io::ErrorKind::PermissionDenied, "no access"))
    }
    fn describe(&self) -> String {
        "an unreadable source".into()
    }
}

#[test]
fn a_source_that_cannot_be_read_is_fileaccess() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    stage(&mut m, &[("keep.txt", b"kept")]);
    let nodes = m.staged_tree().len();
    let e = m.joliet().unwrap().add_source("dir/locked.bin", Unreadable, false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::FileAccess, "{e}");
    assert!(e.message().contains("locked.bin"), "names the file: {e}");
    assert_eq!(m.staged_tree().len(), nodes, "nothing added");
    let staged = m.seal().unwrap();
    let iso = stash_image(&staged.stash);
    let image = Image::parse(&iso).unwrap();
    assert_eq!(image.read_path("/keep.txt").unwrap(), b"kept");
}

#[test]
fn a_stash_folder_that_cannot_be_made_is_fileaccess() {
    let b = Bench::new(Media::CdR80);
    let blocker = b.work.path().join("a-file");
    std::fs::write(&blocker, b"in the way").unwrap();
    let mut opts = b.options();
    opts.stash_dir = blocker.join("stash");
    let mut m = DiscMaster::new(opts);
    m.open().unwrap();
    let recs = m.enum_disc_recorders().unwrap();
    let e = m.set_active_disc_recorder(&recs[0]).unwrap_err();
    assert_eq!(e.code(), ImapiCode::FileAccess, "{e}");
    assert!(e.message().contains("a-file"), "{e}");
}
