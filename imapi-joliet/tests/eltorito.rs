//! El Torito: bootable images planned, emitted, read back and verified; hand-broken catalogs
//! flagged by the verifier; the catalog writer and parser round-trip; other tools read ours.

mod common;

use std::process::Command;

use common::{have, have_pycdlib, run};
use imapi_joliet::eltorito::{
    Catalog, CatalogEntry, CatalogError, Emulation, Platform, Section, BOOT_SYSTEM_ID,
};
use imapi_joliet::verify::{verify, Rule};
use imapi_joliet::{
    BootEntry, BootOptions, BytesSource, Error, Image, Overwrite, PlanOptions, Tree,
};
use proptest::prelude::*;

fn fixed() -> PlanOptions {
    PlanOptions {
        date: Some(chrono::DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z").unwrap()),
        volume_name: Some("BOOT".into()),
        ..PlanOptions::default()
    }
}

/// A boot file of `len` bytes whose content depends on its offset.
fn boot_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + 3) as u8).collect()
}

/// A tree with `/boot/boot.bin` (`len` bytes), `/efi.img` (5000 bytes) and a text file.
fn tree_with_boot(len: usize) -> (Tree, imapi_joliet::NodeId, imapi_joliet::NodeId) {
    let mut tree = Tree::new();
    let boot = tree.add_dir(tree.root(), "boot").unwrap();
    let bin = tree.add_file(boot, "boot.bin", BytesSource::new(boot_bytes(len))).unwrap();
    let efi = tree.add_file(tree.root(), "efi.img", BytesSource::new(vec![0xEF; 5000])).unwrap();
    tree.add_file(tree.root(), "readme.txt", BytesSource::new(&b"hello"[..])).unwrap();
    (tree, bin, efi)
}

fn emit(tree: &Tree, opts: &PlanOptions) -> Vec<u8> {
    let plan = tree.plan(opts).unwrap();
    let mut iso = Vec::new();
    plan.emit(&mut iso).unwrap();
    iso
}

fn bios_and_efi(len: usize, info_table: bool) -> (Tree, PlanOptions) {
    let (tree, bin, efi) = tree_with_boot(len);
    let mut bios = BootEntry::new(bin);
    bios.boot_info_table = info_table;
    let efi = BootEntry { platform: Platform::EFI, ..BootEntry::new(efi) };
    let opts = PlanOptions {
        boot: Some(BootOptions { manufacturer: "IMAPI-RS".into(), entries: vec![bios, efi] }),
        ..fixed()
    };
    (tree, opts)
}

#[test]
fn boot_record_at_17_joliet_at_18_catalog_before_the_files() {
    let (tree, opts) = bios_and_efi(6000, false);
    let iso = emit(&tree, &opts);
    assert_eq!(iso[17 * 2048], 0, "boot record type");
    assert_eq!(&iso[17 * 2048 + 1..17 * 2048 + 6], b"CD001");
    assert_eq!(&iso[17 * 2048 + 7..17 * 2048 + 7 + BOOT_SYSTEM_ID.len()], BOOT_SYSTEM_ID);
    assert_eq!(iso[18 * 2048], 2, "Joliet descriptor");
    assert_eq!(iso[19 * 2048], 255, "terminator");
    let image = Image::parse(&iso).unwrap();
    let br = *image.boot_record().unwrap();
    assert_eq!(br.block, 17);
    assert!(br.is_el_torito());
    let bin = image.lookup(image.default_tree(), "/boot/boot.bin").unwrap();
    let efi = image.lookup(image.default_tree(), "/efi.img").unwrap();
    assert!(br.catalog < bin.sections()[0].block, "catalog before the file data");
    let cat = image.boot_catalog().unwrap().unwrap();
    assert_eq!(cat.platform, Platform::X86);
    assert_eq!(cat.manufacturer_id(), "IMAPI-RS");
    assert!(cat.default.bootable);
    assert_eq!(cat.default.emulation(), Some(Emulation::NoEmulation));
    assert_eq!(cat.default.sector_count, 4, "mkisofs's default of 4 sectors");
    assert_eq!(cat.default.lba, bin.sections()[0].block);
    assert_eq!(cat.sections.len(), 1);
    assert_eq!(cat.sections[0].platform, Platform::EFI);
    let e = cat.sections[0].entries[0];
    assert_eq!(e.lba, efi.sections()[0].block);
    assert_eq!(e.sector_count, 10, "an EFI entry loads the whole image: 5000 bytes");
    let report = verify(&image, true);
    assert!(report.passed(), "{:?}", report.findings);
    // Without El Torito nothing moves: the Joliet descriptor stays at 17.
    let plain = emit(&tree, &fixed());
    assert_eq!(plain[17 * 2048], 2);
    assert!(Image::parse(&plain).unwrap().boot_catalog().unwrap().is_none());
}

#[test]
fn small_no_emulation_image_loads_whole() {
    let (tree, bin, _) = tree_with_boot(600);
    let opts = PlanOptions {
        boot: Some(BootOptions { entries: vec![BootEntry::new(bin)], ..BootOptions::default() }),
        ..fixed()
    };
    let iso = emit(&tree, &opts);
    let cat = Image::parse(&iso).unwrap().boot_catalog().unwrap().unwrap();
    assert_eq!(cat.default.sector_count, 2);
    assert!(cat.sections.is_empty());
    let asked = PlanOptions {
        boot: Some(BootOptions {
            entries: vec![BootEntry { load_size: Some(1), ..BootEntry::new(bin) }],
            ..BootOptions::default()
        }),
        ..fixed()
    };
    let cat = Image::parse(&emit(&tree, &asked)).unwrap().boot_catalog().unwrap().unwrap();
    assert_eq!(cat.default.sector_count, 1);
}

#[test]
fn boot_info_table_is_patched_in_the_image_and_in_the_reader() {
    let (tree, opts) = bios_and_efi(10_000, true);
    let iso = emit(&tree, &opts);
    let image = Image::parse(&iso).unwrap();
    let bin = image.lookup(image.default_tree(), "/boot/boot.bin").unwrap();
    let lba = bin.sections()[0].block;
    let data = image.read_path("/boot/boot.bin").unwrap();
    let src = boot_bytes(10_000);
    assert_eq!(&data[..8], &src[..8]);
    assert_eq!(&data[8..12], &16u32.to_le_bytes());
    assert_eq!(&data[12..16], &lba.to_le_bytes());
    assert_eq!(&data[16..20], &10_000u32.to_le_bytes());
    let sum = src[64..]
        .chunks(4)
        .map(|w| u32::from_le_bytes(w.try_into().unwrap()))
        .fold(0u32, u32::wrapping_add);
    assert_eq!(&data[20..24], &sum.to_le_bytes());
    assert!(data[24..64].iter().all(|&b| b == 0));
    assert_eq!(&data[64..], &src[64..]);
    // The Read + Seek view gives the same bytes.
    let plan = tree.plan(&opts).unwrap();
    let mut via_reader = Vec::new();
    std::io::copy(&mut plan.reader(), &mut via_reader).unwrap();
    assert_eq!(via_reader, iso);
}

#[test]
fn floppy_sizes_and_hard_disk_mbr() {
    let mut tree = Tree::new();
    let floppy = tree.add_file(tree.root(), "f.img", BytesSource::new(vec![0; 1_474_560])).unwrap();
    let short = tree.add_file(tree.root(), "s.img", BytesSource::new(vec![0; 1_474_559])).unwrap();
    let mut mbr = vec![0u8; 4096];
    mbr[510] = 0x55;
    mbr[511] = 0xAA;
    mbr[446 + 4] = 0x0E;
    let hd = tree.add_file(tree.root(), "hd.img", BytesSource::new(mbr.clone())).unwrap();
    mbr[446 + 16 + 4] = 0x83;
    let two = tree.add_file(tree.root(), "two.img", BytesSource::new(mbr)).unwrap();
    let with = |image, emulation| PlanOptions {
        boot: Some(BootOptions {
            entries: vec![BootEntry { emulation, ..BootEntry::new(image) }],
            ..BootOptions::default()
        }),
        ..fixed()
    };
    let cat = Image::parse(&emit(&tree, &with(floppy, Emulation::Floppy144)))
        .unwrap()
        .boot_catalog()
        .unwrap()
        .unwrap();
    assert_eq!(cat.default.emulation(), Some(Emulation::Floppy144));
    assert_eq!(cat.default.sector_count, 1);
    match tree.plan(&with(short, Emulation::Floppy144)) {
        Err(Error::Boot(imapi_joliet::eltorito::BootError::FloppySize {
            size, expected, ..
        })) => {
            assert_eq!((size, expected), (1_474_559, 1_474_560));
        }
        other => panic!("{other:?}"),
    }
    assert!(tree.plan(&with(floppy, Emulation::Floppy288)).is_err());
    let iso = emit(&tree, &with(hd, Emulation::HardDisk));
    let image = Image::parse(&iso).unwrap();
    let cat = image.boot_catalog().unwrap().unwrap();
    assert_eq!(cat.default.emulation(), Some(Emulation::HardDisk));
    assert_eq!(cat.default.system_type, 0x0E);
    assert!(verify(&image, true).passed());
    assert!(matches!(
        tree.plan(&with(two, Emulation::HardDisk)),
        Err(Error::Boot(imapi_joliet::eltorito::BootError::BadMbr { .. }))
    ));
}

#[test]
fn bad_options_are_errors() {
    let (tree, bin, _) = tree_with_boot(100);
    let plan = |boot: BootOptions| tree.plan(&PlanOptions { boot: Some(boot), ..fixed() });
    assert!(plan(BootOptions::default()).is_err(), "no entries");
    let long = BootOptions { manufacturer: "x".repeat(25), entries: vec![BootEntry::new(bin)] };
    assert!(plan(long).is_err());
    let dir = BootOptions { entries: vec![BootEntry::new(tree.root())], ..Default::default() };
    assert!(plan(dir).is_err());
    let zero = BootEntry { load_size: Some(0), ..BootEntry::new(bin) };
    assert!(plan(BootOptions { entries: vec![zero], ..Default::default() }).is_err());
    // 63 entries alternating platforms need 62 section headers: more than a block.
    let many: Vec<BootEntry> = (0..63)
        .map(|i| BootEntry { platform: Platform((i % 2) as u8), ..BootEntry::new(bin) })
        .collect();
    assert!(plan(BootOptions { entries: many, ..Default::default() }).is_err());
}

#[test]
fn a_visible_boot_catalog_is_the_catalog_block_in_both_trees() {
    let (mut tree, opts) = bios_and_efi(3000, false);
    let hidden = emit(&tree, &opts);
    let image = Image::parse(&hidden).unwrap();
    let catalog = image.boot_record().unwrap().catalog;
    let walk = image.walk(imapi_joliet::TreeKind::Iso).unwrap();
    let mut blocks = walk.filter_map(|e| e.unwrap().entry.sections().first().map(|s| s.block));
    assert!(!blocks.any(|b| b == catalog), "hidden unless asked for");

    let boot = tree.lookup("/boot").unwrap();
    tree.add_boot_catalog(boot, "boot.cat", Overwrite::Deny).unwrap();
    let iso = emit(&tree, &opts);
    let image = Image::parse(&iso).unwrap();
    let catalog = image.boot_record().unwrap().catalog;
    let block = image.block(u64::from(catalog)).unwrap().into_owned();
    assert_eq!(Catalog::parse(&block).unwrap(), image.boot_catalog().unwrap().unwrap());
    let trees = [
        (imapi_joliet::TreeKind::Iso, "/BOOT/BOOT.CAT"),
        (imapi_joliet::TreeKind::Joliet, "/boot/boot.cat"),
    ];
    for (kind, path) in trees {
        let e = image.lookup(kind, path).unwrap();
        assert_eq!((e.sections()[0].block, e.size()), (catalog, 2048), "{kind:?}");
    }
    assert_eq!(image.read_path("/boot/boot.cat").unwrap(), block);
    assert!(rules(&iso).is_empty(), "{:?}", rules(&iso));
    // The catalog still lies before every file's data, and adds no block of its own.
    assert_eq!(iso.len(), hidden.len());
    let bin = image.lookup(image.default_tree(), "/boot/boot.bin").unwrap();
    assert!(catalog < bin.sections()[0].block);

    let unbootable = tree.plan(&fixed());
    assert!(
        matches!(
            unbootable,
            Err(Error::Boot(imapi_joliet::eltorito::BootError::CatalogWithoutBoot { ref path }))
                if path == "/boot/boot.cat"
        ),
        "{unbootable:?}"
    );
    // The catalog is no boot image.
    let cat = tree.lookup("/boot/boot.cat").unwrap();
    let boot = BootOptions { entries: vec![BootEntry::new(cat)], ..Default::default() };
    assert!(tree.plan(&PlanOptions { boot: Some(boot), ..fixed() }).is_err());
}

/// The image's catalog block, and a copy of `iso` with `f` applied to it.
fn broken(iso: &[u8], f: impl FnOnce(&mut [u8])) -> Vec<u8> {
    let image = Image::parse(iso).unwrap();
    let at = image.boot_record().unwrap().catalog as usize * 2048;
    let mut out = iso.to_vec();
    f(&mut out[at..at + 2048]);
    out
}

fn rules(iso: &[u8]) -> Vec<Rule> {
    let image = Image::parse(iso).unwrap();
    verify(&image, true).findings.iter().map(|f| f.rule).collect()
}

#[test]
fn the_verifier_flags_hand_broken_catalogs() {
    let (tree, opts) = bios_and_efi(3000, false);
    let iso = emit(&tree, &opts);
    assert!(rules(&iso).is_empty());
    let bad_sum = broken(&iso, |c| c[4] ^= 0x20);
    assert_eq!(rules(&bad_sum), [Rule::ElToritoChecksum]);
    assert!(matches!(
        Image::parse(&bad_sum).unwrap().boot_catalog(),
        Err(imapi_joliet::ReadError::BootCatalog { source: CatalogError::Checksum(_), .. })
    ));
    // A missing 55 AA (its checksum fixed, so only the key is wrong).
    let no_key = broken(&iso, |c| {
        c[30] = 0;
        c[31] = 0;
        let sum = imapi_joliet::eltorito::validation_sum(c[..32].try_into().unwrap());
        let fix = u16::from_le_bytes([c[28], c[29]]).wrapping_sub(sum);
        c[28..30].copy_from_slice(&fix.to_le_bytes());
    });
    assert_eq!(rules(&no_key), [Rule::ElToritoKey]);
    let outside = broken(&iso, |c| c[40..44].copy_from_slice(&1_000_000u32.to_le_bytes()));
    assert_eq!(rules(&outside), [Rule::ElToritoExtent]);
    let efi_outside = broken(&iso, |c| c[104..108].copy_from_slice(&u32::MAX.to_le_bytes()));
    assert_eq!(rules(&efi_outside), [Rule::ElToritoExtent]);
    let bad_indicator = broken(&iso, |c| c[32] = 0x42);
    assert_eq!(rules(&bad_indicator), [Rule::ElToritoCatalog]);
    let bad_media = broken(&iso, |c| c[33] = 9);
    assert_eq!(rules(&bad_media), [Rule::ElToritoCatalog]);
    // The catalog pointer aimed outside the image.
    let mut far = iso.clone();
    far[17 * 2048 + 71..17 * 2048 + 75].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(rules(&far), [Rule::ElToritoExtent]);
    // Boot record and Joliet descriptor swapped: the boot record is at 18.
    let mut swapped = iso.clone();
    let (a, b) = swapped.split_at_mut(18 * 2048);
    a[17 * 2048..].swap_with_slice(&mut b[..2048]);
    assert!(rules(&swapped).contains(&Rule::ElToritoBlock), "{:?}", rules(&swapped));
}

fn entry_strategy() -> impl Strategy<Value = CatalogEntry> {
    (any::<bool>(), 0u8..5, any::<u16>(), any::<u8>(), any::<u16>(), any::<u32>(), any::<u8>())
        .prop_map(|(bootable, media, load_segment, system_type, sector_count, lba, criteria)| {
            CatalogEntry { bootable, media, load_segment, system_type, sector_count, lba, criteria }
        })
}

fn catalog_strategy() -> impl Strategy<Value = Catalog> {
    let section = (
        any::<u8>(),
        proptest::array::uniform28(any::<u8>()),
        proptest::collection::vec(entry_strategy(), 1..6),
    )
        .prop_map(|(p, id, entries)| Section { platform: Platform(p), id, entries });
    (
        any::<u8>(),
        proptest::array::uniform24(any::<u8>()),
        entry_strategy(),
        proptest::collection::vec(section, 0..5),
    )
        .prop_map(|(p, manufacturer, default, sections)| Catalog {
            platform: Platform(p),
            manufacturer,
            default: CatalogEntry { criteria: 0, ..default },
            sections,
        })
}

proptest! {
    #[test]
    fn catalog_round_trips(cat in catalog_strategy()) {
        let bytes = cat.to_bytes().unwrap();
        prop_assert_eq!(bytes.len(), 2048);
        // The default entry has no criteria byte: the writer keeps whatever it is given.
        prop_assert_eq!(Catalog::parse(&bytes).unwrap(), cat);
    }

    #[test]
    fn catalog_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Catalog::parse(&bytes);
        let _ = Catalog::parse_with(&bytes, false);
    }
}

/// Writes the BIOS + EFI image with a boot-info table and a visible catalog
/// (`/boot/boot.cat`) to a file for the readers below.
fn interop_image(dir: &std::path::Path) -> std::path::PathBuf {
    let (mut tree, opts) = bios_and_efi(6000, true);
    let boot = tree.lookup("/boot").unwrap();
    tree.add_boot_catalog(boot, "boot.cat", Overwrite::Deny).unwrap();
    let path = dir.join("boot.iso");
    std::fs::write(&path, emit(&tree, &opts)).unwrap();
    path
}

#[test]
fn xorriso_reports_our_boot_entries() {
    if !have("xorriso") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let iso = interop_image(tmp.path());
    let out =
        run(Command::new("xorriso").arg("-indev").arg(&iso).args(["-report_el_torito", "plain"]));
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}");
    let image = std::fs::read(&iso).unwrap();
    let cat = Image::parse(&image).unwrap().boot_catalog().unwrap().unwrap();
    let boot_lines: Vec<&str> =
        text.lines().filter(|l| l.starts_with("El Torito boot img :")).collect();
    assert_eq!(boot_lines.len(), 2, "{text}");
    // "  1  BIOS  y   none  0x0000  0x00      4         LBA"
    let fields = |l: &str| l.split_whitespace().skip(5).map(str::to_owned).collect::<Vec<_>>();
    let bios = fields(boot_lines[0]);
    assert_eq!(bios[..6], ["1", "BIOS", "y", "none", "0x0000", "0x00"], "{text}");
    assert_eq!(bios[6], "4");
    assert_eq!(bios[7], cat.default.lba.to_string());
    let uefi = fields(boot_lines[1]);
    assert_eq!(uefi[..4], ["2", "UEFI", "y", "none"], "{text}");
    assert_eq!(uefi[6], "10");
    assert_eq!(uefi[7], cat.sections[0].entries[0].lba.to_string());
    let catalog = Image::parse(&image).unwrap().boot_record().unwrap().catalog;
    assert!(text.contains(&format!("El Torito catalog  : {catalog}  1")), "{text}");
    // xorriso recognizes the boot-info table it finds in the image.
    assert!(text.contains("El Torito img opts :   1  boot-info-table"), "{text}");
    assert!(text.contains("El Torito img path :   2  /efi.img"), "{text}");
    assert!(text.contains("El Torito cat path : /boot/boot.cat"), "{text}");
}

#[test]
fn isoinfo_finds_the_boot_catalog() {
    if !have("isoinfo") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let iso = interop_image(tmp.path());
    let out = run(Command::new("isoinfo").arg("-d").arg("-i").arg(&iso));
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}");
    let image = std::fs::read(&iso).unwrap();
    let catalog = Image::parse(&image).unwrap().boot_record().unwrap().catalog;
    let want = format!("El Torito VD version 1 found, boot catalog is in sector {catalog}");
    assert!(text.contains(&want), "{text}");
    assert!(text.contains("Key 55 AA"), "{text}");
    assert!(text.contains("ID 'IMAPI-RS'"), "{text}");
    assert!(text.contains("Bootid 88 (bootable)"), "{text}");
    assert!(text.contains("Boot media 0 (No Emulation Boot)"), "{text}");
    assert!(text.contains("Nsect 4"), "{text}");
    // The visible catalog is listed at the catalog's block.
    let out = run(Command::new("isoinfo").args(["-l", "-J", "-i"]).arg(&iso));
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.trim_end().ends_with(" boot.cat"));
    let line = line.unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains(&format!("[{catalog:7} 00]")), "{line}");
    assert!(line.contains(" 2048 "), "{line}");
}

#[test]
fn pycdlib_reads_our_catalog() {
    if !have_pycdlib() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let iso = interop_image(tmp.path());
    let script = r#"
import sys, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
cat = iso.eltorito_boot_catalog
v = cat.validation_entry
print('validation', v.platform_id, v.id_string.rstrip(b'\x00').decode())
e = cat.initial_entry
print('initial', e.boot_indicator, e.boot_media_type, e.load_segment, e.sector_count, e.load_rba)
for s in cat.sections:
    print('section', s.platform_id, len(s.section_entries))
    for e in s.section_entries:
        print('entry', e.boot_indicator, e.boot_media_type, e.sector_count, e.load_rba)
rec = iso.get_record(joliet_path='/boot/boot.cat')
print('catalog file', rec.extent_location(), rec.get_data_length())
iso.close()
"#;
    let out = run(Command::new("python3").args(["-c", script]).arg(&iso));
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}");
    let image = std::fs::read(&iso).unwrap();
    let cat = Image::parse(&image).unwrap().boot_catalog().unwrap().unwrap();
    let want = format!(
        "validation 0 IMAPI-RS\ninitial 136 0 0 4 {}\nsection 239 1\nentry 136 0 10 {}\n\
         catalog file {} 2048\n",
        cat.default.lba,
        cat.sections[0].entries[0].lba,
        Image::parse(&image).unwrap().boot_record().unwrap().catalog,
    );
    assert_eq!(text, want);
}

#[test]
fn the_verifier_checks_boot_info_tables() {
    // 5000 bytes: the table's checksum covers words in the file's first and third blocks.
    let (tree, opts) = bios_and_efi(5000, true);
    let iso = emit(&tree, &opts);
    assert!(rules(&iso).is_empty(), "{:?}", rules(&iso));
    let image = Image::parse(&iso).unwrap();
    let at = image.lookup(image.default_tree(), "/boot/boot.bin").unwrap().sections()[0].block
        as usize
        * 2048;
    // A byte of the file after the table changed: its sum no longer matches.
    let mut changed = iso.clone();
    changed[at + 4500] ^= 0x01;
    assert_eq!(rules(&changed), [Rule::ElToritoInfoTable]);
    // A length that runs past the volume.
    let mut long = iso.clone();
    long[at + 16..at + 20].copy_from_slice(&(30u32 << 20).to_le_bytes());
    assert_eq!(rules(&long), [Rule::ElToritoInfoTable]);
    // Without a table (bytes 8-15 not naming the descriptor and the file), nothing is read.
    let (plain_tree, plain_opts) = bios_and_efi(5000, false);
    assert!(rules(&emit(&plain_tree, &plain_opts)).is_empty());
}
