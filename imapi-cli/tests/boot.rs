//! `imapi mkiso --boot ...`: El Torito images from the command line, and what `imapi inspect`
//! shows of their boot catalog.

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn imapi<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(args: I) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imapi")).args(args).output().expect("imapi runs")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// A source folder with `boot/boot.bin` (2000 bytes), `efi.img` (5000) and `f.img` (1 MB).
fn source(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("src");
    fs::create_dir_all(src.join("boot")).unwrap();
    fs::write(src.join("boot/boot.bin"), vec![0x90; 2000]).unwrap();
    fs::write(src.join("efi.img"), vec![0xEF; 5000]).unwrap();
    fs::write(src.join("f.img"), vec![0; 1 << 20]).unwrap();
    src
}

fn mkiso(dir: &Path, extra: &[&str]) -> (Output, std::path::PathBuf) {
    let src = source(dir);
    let iso = dir.join("boot.iso");
    let mut args: Vec<&OsStr> = vec!["mkiso".as_ref(), "-q".as_ref(), "-o".as_ref(), iso.as_ref()];
    args.extend(extra.iter().map(OsStr::new));
    args.push(src.as_ref());
    (imapi(args), iso)
}

#[test]
fn a_bios_and_efi_image_is_built_and_inspected() {
    let dir = tempfile::tempdir().unwrap();
    let (out, iso) = mkiso(
        dir.path(),
        &["--boot", "boot/boot.bin", "--boot-info-table", "--efi-boot", "/efi.img"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let data = fs::read(&iso).unwrap();
    assert_eq!(&data[17 * 2048 + 7..17 * 2048 + 30], b"EL TORITO SPECIFICATION");
    let out = imapi([OsStr::new("inspect"), iso.as_os_str()]);
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("El Torito boot record at block 17, catalog at block "), "{shown}");
    assert!(
        shown.contains(
            "entry 1: platform x86, bootable, emulation none, load segment 0x07C0 (default), \
             4 sectors, image at block "
        ),
        "{shown}"
    );
    assert!(
        shown.contains("entry 2: platform EFI, bootable, emulation none, load segment 0x07C0 (default), 10 sectors"),
        "{shown}"
    );
    assert!(shown.contains("0 violation(s)"), "{shown}");
    // The boot file carries its boot-info table: the primary descriptor's block first.
    let image = imapi_joliet::Image::parse(&data).unwrap();
    let boot = image.read_path("/boot/boot.bin").unwrap();
    assert_eq!(&boot[8..12], &16u32.to_le_bytes());
    assert_eq!(&boot[16..20], &2000u32.to_le_bytes());
}

#[test]
fn load_size_and_missing_images() {
    let dir = tempfile::tempdir().unwrap();
    let (out, iso) = mkiso(dir.path(), &["--boot", "boot/boot.bin", "--boot-load-size", "1"]);
    assert!(out.status.success(), "{}", text(&out));
    let data = fs::read(&iso).unwrap();
    let cat = imapi_joliet::Image::parse(&data).unwrap().boot_catalog().unwrap().unwrap();
    assert_eq!(cat.default.sector_count, 1);

    let dir = tempfile::tempdir().unwrap();
    let (out, iso) = mkiso(dir.path(), &["--boot", "nothere.bin"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("nothere.bin"), "{}", text(&out));
    assert!(!iso.exists());
}

#[test]
fn the_catalog_is_shown_where_asked_with_the_manufacturer_id() {
    let dir = tempfile::tempdir().unwrap();
    let (out, iso) = mkiso(
        dir.path(),
        &["--boot", "boot/boot.bin", "--boot-catalog", "/isolinux/boot.cat", "--boot-id", "ACME"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let data = fs::read(&iso).unwrap();
    let image = imapi_joliet::Image::parse(&data).unwrap();
    let cat = image.boot_catalog().unwrap().unwrap();
    assert_eq!(cat.manufacturer_id(), "ACME");
    let block = image.boot_record().unwrap().catalog;
    let entry = image.lookup_view(image.default_view(), "/isolinux/boot.cat").unwrap();
    assert_eq!((entry.sections()[0].block, entry.size()), (block, 2048));
    let listed = imapi([OsStr::new("ls"), iso.as_os_str(), OsStr::new("/isolinux")]);
    assert_eq!(String::from_utf8_lossy(&listed.stdout), "f\t2048\tisolinux/boot.cat\n");

    // Where a source already puts a file, or with an id too long, nothing is written.
    for extra in [
        &["--boot", "boot/boot.bin", "--boot-catalog", "boot/boot.bin"][..],
        &["--boot", "boot/boot.bin", "--boot-id", "an id longer than 24 bytes"],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (out, iso) = mkiso(dir.path(), extra);
        assert_eq!(out.status.code(), Some(1), "{extra:?}: {}", text(&out));
        assert!(text(&out).contains(extra[3]), "{extra:?}: {}", text(&out));
        assert!(!iso.exists());
    }
}

#[test]
fn a_floppy_of_the_wrong_size_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (out, iso) = mkiso(dir.path(), &["--boot", "f.img", "--boot-emulation", "floppy"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("1474560"), "{}", text(&out));
    assert!(!iso.exists());
}

#[test]
fn boot_flags_without_boot_are_usage_errors() {
    for extra in [
        &["--boot-info-table"][..],
        &["--boot-load-size", "4"],
        &["--boot", "boot/boot.bin", "--boot-load-size", "0"],
        &["--boot", "boot/boot.bin", "--boot-emulation", "cdrom"],
        &["--boot-catalog", "boot/boot.cat"],
        &["--boot-id", "ACME"],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (out, _) = mkiso(dir.path(), extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", text(&out));
    }
}
