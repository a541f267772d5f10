//! The boot properties: PlaceBootImageOnDisc with a BootImage stream makes the sealed disc
//! bootable (El Torito); on a disc that already holds a session, the seal fails with
//! IMAPI_E_BOOTIMAGE_AND_NONBLANK_DISC.

mod common;

use std::sync::Arc;

use common::{stash_image, write_session, Bench};
use imapi_joliet::eltorito::Emulation;
use imapi_joliet::{BytesSource, Image, TreeKind};
use imapi_master::properties::{
    BOOT_IMAGE, BOOT_IMAGE_EMULATION_TYPE, BOOT_IMAGE_MANUFACTURER_ID, BOOT_IMAGE_PLATFORM,
    PLACE_BOOT_IMAGE_ON_DISC,
};
use imapi_master::{ImapiCode, PropertyBag, PropertyValue};
use imapi_transport::sim::Media;

fn boot_bag(image: &[u8]) -> PropertyBag {
    let mut bag = PropertyBag::new();
    bag.insert(PLACE_BOOT_IMAGE_ON_DISC.into(), PropertyValue::Bool(true));
    bag.insert(BOOT_IMAGE_MANUFACTURER_ID.into(), PropertyValue::Str("ACME".into()));
    bag.insert(BOOT_IMAGE_PLATFORM.into(), PropertyValue::Byte(0));
    bag.insert(BOOT_IMAGE_EMULATION_TYPE.into(), PropertyValue::Byte(0));
    let source: Arc<dyn imapi_joliet::Source> = Arc::new(BytesSource::new(image.to_vec()));
    bag.insert(BOOT_IMAGE.into(), PropertyValue::Stream(source));
    bag
}

#[test]
fn a_boot_image_makes_the_sealed_disc_bootable() {
    let b = Bench::new(Media::CdR80);
    // A file already named boot.img: the boot image takes the next free name.
    let src = b.folder("src", &[("a.txt", b"hello"), ("boot.img", b"not the boot image")]);
    let mut m = b.master();
    let boot: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    m.joliet().unwrap().add_data(&src, false).unwrap();
    m.joliet().unwrap().set_joliet_properties(&boot_bag(&boot)).unwrap();
    let staged = m.seal().unwrap();
    let data = stash_image(&staged.stash);
    assert_eq!(data.len() as u64, staged.blocks * 2048);
    let image = Image::parse(&data).unwrap();
    assert_eq!(image.boot_record().unwrap().block, 17);
    let cat = image.boot_catalog().unwrap().unwrap();
    assert_eq!(cat.manufacturer_id(), "ACME");
    assert_eq!(cat.default.emulation(), Some(Emulation::NoEmulation));
    assert_eq!(cat.default.sector_count, 4);
    let entry = image.lookup(TreeKind::Joliet, "/boot1.img").unwrap();
    assert_eq!(entry.sections()[0].block, cat.default.lba);
    assert_eq!(image.read_path("/boot1.img").unwrap(), boot);
    assert_eq!(image.read_path("/boot.img").unwrap(), b"not the boot image");
    assert_eq!(image.read_path("/a.txt").unwrap(), b"hello");
    let report = imapi_joliet::verify::verify(&image, true);
    assert!(report.passed(), "{:?}", report.findings);
}

#[test]
fn a_boot_image_on_a_disc_with_a_session_is_refused() {
    let b = Bench::new(Media::CdR80);
    let first = b.folder("one", &[("a.txt", b"session one")]);
    let mut m = b.master();
    m.joliet().unwrap().add_data(&first, false).unwrap();
    let staged = m.seal().unwrap();
    write_session(&b.drive, &staged.stash);
    m.close();

    let second = b.folder("two", &[("b.txt", b"session two")]);
    let mut m = b.master();
    assert!(m.joliet().unwrap().multisession().is_some());
    m.joliet().unwrap().add_data(&second, false).unwrap();
    m.joliet().unwrap().set_joliet_properties(&boot_bag(&[0x90; 512])).unwrap();
    let err = m.seal().unwrap_err();
    assert_eq!(err.code(), ImapiCode::BootImageAndNonblankDisc, "{err}");
}
