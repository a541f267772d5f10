//! The reader on the hand-built fixture: what it reads, and one test per rejection.

use std::io::{Read, Seek, SeekFrom};

use super::testkit::*;
use super::*;
use crate::format::raw::{FLAG_DIRECTORY, FLAG_MULTI_EXTENT};

fn names<S: ReadAt>(image: &Image<S>, ns: TreeKind) -> Vec<(String, u64)> {
    image
        .walk(ns)
        .unwrap()
        .map(|e| e.map(|e| (e.path, e.entry.size())))
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn reads_both_trees() {
    let f = Fixture::new();
    let image = f.image().unwrap();
    assert_eq!(image.default_tree(), TreeKind::Joliet);
    assert_eq!(image.primary().volume_id(), "FIXTURE");
    assert_eq!(image.joliet().unwrap().volume_id(), "fixture");
    assert_eq!(image.joliet().unwrap().joliet_level(), Some(3));
    let iso = names(&image, TreeKind::Iso);
    assert_eq!(
        iso,
        [("A.TXT;1", 5), ("BIG.DAT;1", 2148), ("DIR", 2048), ("DIR/B.TXT;1", 3)]
            .map(|(p, s)| (p.to_owned(), s))
    );
    let joliet = names(&image, TreeKind::Joliet);
    assert_eq!(
        joliet,
        [("a.txt", 5), ("big.dat", 2148), ("dir", 2048), ("dir/b.txt", 3)]
            .map(|(p, s)| (p.to_owned(), s))
    );
    assert_eq!(image.read_path("/a.txt").unwrap(), A);
    assert_eq!(image.read_path("dir/b.txt").unwrap(), B);
    assert_eq!(image.read_path("big.dat").unwrap(), big());
    let kinds: Vec<_> = image.descriptors().iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        [DescriptorKind::Primary, DescriptorKind::Joliet, DescriptorKind::Terminator]
    );
}

#[test]
fn multi_extent_sections_come_in_order() {
    let f = Fixture::new();
    let image = f.image().unwrap();
    for (ns, path) in [(TreeKind::Iso, "/BIG.DAT;1"), (TreeKind::Joliet, "/big.dat")] {
        let e = image.lookup(ns, path).unwrap();
        let blocks: Vec<_> = e.sections().iter().map(|s| (u64::from(s.block), s.len)).collect();
        assert_eq!(blocks, [(BIG_1, 2048), (BIG_2, BIG_TAIL)]);
        let mut r = image.open(&e).unwrap();
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all, big());
        // Seeking across the section boundary.
        r.seek(SeekFrom::Start(2040)).unwrap();
        let mut b = [0u8; 20];
        r.read_exact(&mut b).unwrap();
        assert_eq!(&b[..], &big()[2040..2060]);
        assert_eq!(r.seek(SeekFrom::End(-1)).unwrap(), 2147);
        assert_eq!(r.read(&mut b).unwrap(), 1);
        assert_eq!(r.read(&mut b).unwrap(), 0);
        assert!(r.seek(SeekFrom::Current(-5000)).is_err());
    }
}

#[test]
fn walks_below_a_directory_with_its_path() {
    let f = Fixture::new();
    let image = f.image().unwrap();
    let dir = image.lookup(TreeKind::Joliet, "/dir/").unwrap();
    let paths: Vec<_> = image.walk_dir(&dir, "/dir/").unwrap().map(|e| e.unwrap().path).collect();
    assert_eq!(paths, ["dir/b.txt"]);
    let file = image.lookup(TreeKind::Joliet, "a.txt").unwrap();
    assert!(matches!(image.walk_dir(&file, "a.txt"), Err(ReadError::NotADirectory { .. })));
}

#[test]
fn lookups_take_names_with_or_without_versions() {
    let f = Fixture::new();
    let image = f.image().unwrap();
    for path in ["/A.TXT;1", "A.TXT", "/DIR/B.TXT", "DIR//./B.TXT;1"] {
        assert!(image.lookup(TreeKind::Iso, path).is_ok(), "{path}");
    }
    for path in ["/a.txt", "a.txt;1", "dir/b.txt;1"] {
        assert!(image.lookup(TreeKind::Joliet, path).is_ok(), "{path}");
    }
    assert!(image.lookup(TreeKind::Joliet, "/").unwrap().is_dir());
}

#[test]
fn joliet_names_written_with_versions_are_read_without() {
    // Some Windows writers record Joliet names as `name;1` (pitfall 5).
    let mut f = Fixture::new();
    let j_dir = [
        record(J_DIR, 2048, FLAG_DIRECTORY, &[0]),
        record(J_ROOT, 2048, FLAG_DIRECTORY, &[1]),
        record(B_TXT, 3, 0, &ucs2("b.txt;1")),
    ];
    f.write_dir(J_DIR, &j_dir);
    let image = f.image().unwrap();
    let e = image.lookup(TreeKind::Joliet, "dir/b.txt").unwrap();
    assert_eq!(e.name(), "b.txt");
    assert_eq!(e.identifier(), &ucs2("b.txt;1")[..]);
    assert!(image.lookup(TreeKind::Joliet, "dir/b.txt;1").is_ok());
}

#[test]
fn iso_tree_on_request_and_without_joliet() {
    let f = Fixture::iso_only();
    let image = f.image().unwrap();
    assert!(image.joliet().is_none());
    assert_eq!(image.default_tree(), TreeKind::Iso);
    assert_eq!(image.read_path("/A.TXT").unwrap(), A);
    assert!(matches!(image.walk(TreeKind::Joliet), Err(ReadError::NoJoliet)));
    assert!(matches!(image.lookup(TreeKind::Joliet, "/a.txt"), Err(ReadError::NoJoliet)));
}

#[test]
fn last_session_is_read_at_its_start() {
    let f = Fixture::at(300);
    assert!(matches!(Image::parse(&f.bytes), Err(ReadError::NotIso { block: 16 })));
    let image = f.image().unwrap();
    assert_eq!(image.primary().block(), 316);
    assert_eq!(image.read_path("/dir/b.txt").unwrap(), B);
    assert_eq!(image.lookup(TreeKind::Joliet, "a.txt").unwrap().block(), 300 + A_TXT as u32);
}

#[test]
fn streams_read_the_same_as_slices() {
    let f = Fixture::new();
    let image = Image::from_reader(std::io::Cursor::new(f.bytes.clone())).unwrap();
    assert_eq!(names(&image, TreeKind::Joliet), names(&f.image().unwrap(), TreeKind::Joliet));
    assert_eq!(image.read_path("big.dat").unwrap(), big());
}

#[test]
fn zero_length_byte_skips_to_the_next_sector() {
    // `.` and `..` in the first sector, the files in the second (a two-block directory).
    let mut f = Fixture::new();
    let mut bytes = std::mem::take(&mut f.bytes);
    bytes.extend(vec![0u8; 2 * 2048]);
    f.bytes = bytes;
    let dir2 = BLOCKS;
    let first =
        [record(dir2, 4096, FLAG_DIRECTORY, &[0]), record(J_ROOT, 2048, FLAG_DIRECTORY, &[1])];
    f.write_dir(dir2, &first);
    f.write_dir(dir2 + 1, &[record(B_TXT, 3, 0, &ucs2("b.txt"))]);
    let at = f.rec(J_ROOT, 5);
    f.put(at, &record(dir2, 4096, FLAG_DIRECTORY, &ucs2("dir")));
    let image = f.image().unwrap();
    assert_eq!(image.read_path("dir/b.txt").unwrap(), B);
}

#[test]
fn system_use_areas_are_skipped() {
    let mut f = Fixture::new();
    let mut rec = record(B_TXT, 3, 0, &ucs2("b.txt"));
    // A Rock Ridge NM entry after the identifier.
    rec.extend_from_slice(b"NM\x0a\x01\x00rr_b\x00");
    rec[0] = rec.len() as u8;
    let recs = [
        record(J_DIR, 2048, FLAG_DIRECTORY, &[0]),
        record(J_ROOT, 2048, FLAG_DIRECTORY, &[1]),
        rec,
    ];
    f.write_dir(J_DIR, &recs);
    let image = f.image().unwrap();
    let dir = image.lookup(TreeKind::Joliet, "dir").unwrap();
    let recs: Vec<_> = image.records(dir.sections()[0]).collect::<Result<_, _>>().unwrap();
    assert_eq!(recs[2].system_use(), b"NM\x0a\x01\x00rr_b\x00");
    assert_eq!(image.read_path("dir/b.txt").unwrap(), B);
}

// --- one test per rejection ----------------------------------------------------------------

#[test]
fn rejects_an_image_shorter_than_its_descriptors() {
    let f = Fixture::new();
    let err = Image::parse(&f.bytes[..16 * 2048 + 100]).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::Truncated {
                what: "volume descriptor",
                block: 16,
                end: 34816,
                image_len: 32868
            }
        ),
        "{err}"
    );
}

#[test]
fn rejects_a_first_descriptor_without_cd001() {
    let mut f = Fixture::new();
    let at = f.off(PVD) + 1;
    f.put(at, b"CD002");
    assert!(matches!(f.image(), Err(ReadError::NotIso { block: 16 })));
}

#[test]
fn rejects_a_set_without_terminator_unless_lenient() {
    let mut f = Fixture::new();
    let at = f.off(TERM);
    f.put(at, &[0; 6]);
    assert!(matches!(f.image(), Err(ReadError::NoTerminator { block: 18 })));
    let image = f.image_with(Options::new().lenient(true)).unwrap();
    assert!(!image.is_terminated());
    assert_eq!(image.read_path("a.txt").unwrap(), A);
}

#[test]
fn rejects_too_many_descriptors() {
    let mut f = Fixture::new();
    let mut bytes = vec![0u8; 100 * 2048];
    bytes[..f.bytes.len()].copy_from_slice(&f.bytes);
    f.bytes = bytes;
    let boot = crate::format::raw::VolumeDescriptor::new(crate::format::raw::vd_type::BOOT);
    for b in TERM..TERM + 70 {
        let at = f.off(b);
        f.put(at, zerocopy::IntoBytes::as_bytes(&boot));
    }
    assert!(matches!(f.image(), Err(ReadError::TooManyDescriptors { limit: 64 })));
}

#[test]
fn rejects_a_set_without_primary() {
    let mut f = Fixture::new();
    let at = f.off(PVD);
    f.bytes[at] = 0;
    assert!(matches!(f.image(), Err(ReadError::NoPrimary { block: 18 })));
}

#[test]
fn rejects_a_descriptor_version_other_than_1() {
    let mut f = Fixture::new();
    let at = f.off(PVD) + 6;
    f.bytes[at] = 2;
    assert!(matches!(f.image(), Err(ReadError::DescriptorVersion { block: 16, version: 2 })));
    assert!(f.image_with(Options::new().lenient(true)).is_ok());
}

#[test]
fn rejects_a_block_size_other_than_2048() {
    let mut f = Fixture::new();
    let at = f.off(PVD) + 128;
    f.put(at, zerocopy::IntoBytes::as_bytes(&crate::format::raw::BothU16::new(512)));
    assert!(matches!(f.image(), Err(ReadError::BlockSize { block: 16, size: 512 })));
}

#[test]
fn rejects_disagreeing_halves_unless_lenient() {
    let mut f = Fixture::new();
    // Big-endian half of the volume space size.
    let at = f.off(PVD) + 84;
    f.put(at, &99u32.to_be_bytes());
    let err = f.image().unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::Endian { what: "volume space size", block: 16, offset: 80, le: 31, be: 99 }
        ),
        "{err}"
    );
    let image = f.image_with(Options::new().lenient(true)).unwrap();
    assert_eq!(image.primary().volume_space_size(), 31);
}

#[test]
fn rejects_disagreeing_halves_in_a_record() {
    let mut f = Fixture::new();
    let at = f.rec(J_ROOT, 2) + 2 + 4;
    f.put(at, &7u32.to_be_bytes());
    let image = f.image().unwrap();
    let err = image.lookup(TreeKind::Joliet, "a.txt").unwrap_err();
    assert!(
        matches!(err, ReadError::Endian { what: "extent location", block: 25, offset: 70, .. }),
        "{err}"
    );
    let lenient = f.image_with(Options::new().lenient(true)).unwrap();
    assert_eq!(lenient.read_path("a.txt").unwrap(), A);
}

#[test]
fn rejects_a_root_record_that_is_no_directory() {
    let mut f = Fixture::new();
    let at = f.off(PVD) + ROOT_RECORD_AT + 25;
    f.bytes[at] = 0;
    assert!(matches!(
        f.image(),
        Err(ReadError::BadRootRecord { block: 16, reason: "not flagged as a directory" })
    ));
}

#[test]
fn rejects_a_record_shorter_than_34() {
    let mut f = Fixture::new();
    let at = f.rec(ISO_ROOT, 2);
    f.bytes[at] = 12;
    let image = f.image().unwrap();
    let err = image.lookup(TreeKind::Iso, "A.TXT").unwrap_err();
    assert!(
        matches!(err, ReadError::RecordTooShort { block: 23, offset: 68, len_dr: 12 }),
        "{err}"
    );
}

#[test]
fn rejects_a_record_crossing_its_sector() {
    let mut f = Fixture::new();
    let mut recs =
        vec![record(J_DIR, 2048, FLAG_DIRECTORY, &[0]), record(J_ROOT, 2048, FLAG_DIRECTORY, &[1])];
    // Eight 254-byte records: the eighth starts at 1846 and would end at 2100.
    for i in 0..8u8 {
        let mut r = record(B_TXT, 3, 0, &ucs2(&format!("f{i}")));
        r.resize(254, 0);
        r[0] = 254;
        recs.push(r);
    }
    let at = f.off(J_DIR);
    let mut pos = at;
    for r in &recs {
        let end = (pos + r.len()).min(at + 2048);
        let n = end - pos;
        f.put(pos, &r[..n]);
        pos += r.len();
    }
    let image = f.image().unwrap();
    let err = image.walk(TreeKind::Joliet).unwrap().find_map(Result::err).unwrap();
    assert!(
        matches!(err, ReadError::RecordCrossesSector { block: 26, offset: 1846, len_dr: 254 }),
        "{err}"
    );
}

#[test]
fn rejects_a_record_past_its_directory() {
    let mut f = Fixture::new();
    // DIR declares 80 bytes: `.` and `..` fit, B.TXT (68..108) does not.
    let at = f.rec(ISO_ROOT, 5) + 10;
    f.put32(at, 80);
    let image = f.image().unwrap();
    let err = image.lookup(TreeKind::Iso, "DIR/B.TXT").unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::RecordPastDirectory { block: 24, offset: 68, len_dr: 40, dir_len: 80 }
        ),
        "{err}"
    );
}

#[test]
fn rejects_an_identifier_past_its_record() {
    let mut f = Fixture::new();
    let at = f.rec(ISO_ROOT, 2) + 32;
    f.bytes[at] = 200;
    let image = f.image().unwrap();
    let err = image.lookup(TreeKind::Iso, "A.TXT").unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::IdentifierPastRecord { block: 23, offset: 68, len_fi: 200, len_dr: 40 }
        ),
        "{err}"
    );
}

#[test]
fn rejects_an_empty_identifier() {
    let mut f = Fixture::new();
    let at = f.rec(ISO_ROOT, 2) + 32;
    f.bytes[at] = 0;
    let image = f.image().unwrap();
    let err = image.lookup(TreeKind::Iso, "A.TXT").unwrap_err();
    assert!(matches!(err, ReadError::EmptyIdentifier { block: 23, offset: 68 }), "{err}");
}

#[test]
fn rejects_a_multi_extent_file_without_final_section() {
    let mut f = Fixture::new();
    let at = f.rec(ISO_DIR, 2) + 25;
    f.bytes[at] = FLAG_MULTI_EXTENT;
    let image = f.image().unwrap();
    let err = image.lookup(TreeKind::Iso, "DIR/B.TXT").unwrap_err();
    assert!(
        matches!(&err, ReadError::UnterminatedMultiExtent { name, block: 24, offset: 68 } if name == "B.TXT;1"),
        "{err}"
    );
}

#[test]
fn rejects_a_multi_extent_file_whose_sections_change_name() {
    let mut f = Fixture::new();
    let at = f.rec(ISO_ROOT, 4) + 33;
    f.put(at, b"BIG.DAX;1");
    let image = f.image().unwrap();
    let err = image.walk(TreeKind::Iso).unwrap().find_map(Result::err).unwrap();
    assert!(
        matches!(
            err,
            ReadError::BadMultiExtent {
                block: 23,
                offset: 150,
                reason: "has another identifier before the final section",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn rejects_a_multi_extent_directory() {
    let mut f = Fixture::new();
    let at = f.rec(ISO_ROOT, 3) + 25;
    f.bytes[at] = FLAG_MULTI_EXTENT | FLAG_DIRECTORY;
    let image = f.image().unwrap();
    let err = image.walk(TreeKind::Iso).unwrap().find_map(Result::err).unwrap();
    assert!(matches!(err, ReadError::BadMultiExtent { reason: "is a directory", .. }), "{err}");
}

#[test]
fn rejects_a_directory_cycle() {
    let mut f = Fixture::new();
    // `dir` points back at the root.
    let at = f.rec(J_ROOT, 5) + 2;
    f.put32(at, J_ROOT as u32);
    let image = f.image().unwrap();
    let results: Vec<_> = image.walk(TreeKind::Joliet).unwrap().collect();
    assert!(results.len() < 10);
    let err = results.into_iter().find_map(Result::err).unwrap();
    assert!(matches!(&err, ReadError::Cycle { path, block: 25 } if path == "dir"), "{err}");
}

#[test]
fn rejects_nesting_deeper_than_the_limit() {
    let f = Fixture::new();
    let image = f.image_with(Options::new().limits(Limits::default().max_depth(0))).unwrap();
    let err = image.walk(TreeKind::Joliet).unwrap().find_map(Result::err).unwrap();
    assert!(matches!(&err, ReadError::TooDeep { path, limit: 0 } if path == "dir"), "{err}");
}

#[test]
fn rejects_more_records_than_the_budget() {
    let f = Fixture::new();
    let image = f.image_with(Options::new().limits(Limits::default().max_records(4))).unwrap();
    let err = image.walk(TreeKind::Joliet).unwrap().find_map(Result::err).unwrap();
    assert!(matches!(err, ReadError::RecordBudget { limit: 4 }), "{err}");
}

#[test]
fn rejects_a_path_table_record_without_identifier() {
    let mut f = Fixture::new();
    let at = f.off(ISO_L) + 10;
    f.bytes[at] = 0;
    let image = f.image().unwrap();
    let err = image.path_table(TreeKind::Iso, PathTableKind::L).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::BadPathTable {
                table: "ISO 9660 type L",
                block: 19,
                offset: 10,
                reason: "directory identifier of length 0"
            }
        ),
        "{err}"
    );
}

#[test]
fn rejects_a_path_table_record_past_the_table() {
    let mut f = Fixture::new();
    let at = f.off(J_M) + 10;
    f.bytes[at] = 40;
    let image = f.image().unwrap();
    let err = image.path_table(TreeKind::Joliet, PathTableKind::M).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::BadPathTable {
                table: "Joliet type M",
                offset: 10,
                reason: "identifier passes the table's end",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn rejects_a_path_table_larger_than_the_limit() {
    let f = Fixture::new();
    let opts = Options::new().limits(Limits::default().max_path_table(16));
    let image = f.image_with(opts).unwrap();
    let err = image.path_table(TreeKind::Iso, PathTableKind::M).unwrap_err();
    assert!(matches!(err, ReadError::PathTableTooLarge { size: 22, limit: 16, .. }), "{err}");
}

#[test]
fn reads_both_path_tables() {
    let f = Fixture::new();
    let image = f.image().unwrap();
    let l = image.path_table(TreeKind::Joliet, PathTableKind::L).unwrap();
    let m = image.path_table(TreeKind::Joliet, PathTableKind::M).unwrap();
    assert_eq!(l, m);
    let summary: Vec<_> = l.iter().map(|r| (r.ident.to_vec(), r.extent, r.parent)).collect();
    assert_eq!(summary, [(vec![0], 25, 1), (ucs2("dir"), 26, 1)]);
}

#[test]
fn rejects_a_file_outside_the_image() {
    let mut f = Fixture::new();
    let at = f.rec(J_ROOT, 2) + 2;
    f.put32(at, 10_000);
    let image = f.image().unwrap();
    let err = image.read_path("a.txt").unwrap_err();
    assert!(
        matches!(&err, ReadError::ExtentOutOfImage { path, block: 10_000, len: 5, image_len: 63488 } if path == "a.txt"),
        "{err}"
    );
}

#[test]
fn rejects_an_interleaved_file() {
    let mut f = Fixture::new();
    let at = f.rec(J_ROOT, 2) + 26;
    f.bytes[at] = 1;
    let image = f.image().unwrap();
    assert!(matches!(image.read_path("a.txt"), Err(ReadError::Interleaved { .. })));
}

#[test]
fn rejects_lookups_that_find_nothing() {
    let f = Fixture::new();
    let image = f.image().unwrap();
    let not_found = image.lookup(TreeKind::Joliet, "dir/nope").unwrap_err();
    assert!(matches!(&not_found, ReadError::NotFound { path } if path == "/dir/nope"));
    assert_eq!(not_found.imapi_code(), None);
    let through_file = image.lookup(TreeKind::Joliet, "a.txt/x").unwrap_err();
    assert!(matches!(&through_file, ReadError::NotADirectory { path } if path == "/a.txt"));
    assert!(matches!(image.read_path("dir"), Err(ReadError::IsADirectory { .. })));
    assert!(matches!(image.lookup(TreeKind::Joliet, ".."), Err(ReadError::NotFound { .. })));
}

#[test]
fn rejects_reading_a_large_file_at_once() {
    let f = Fixture::new();
    let image = f.image_with(Options::new().limits(Limits::default().max_read_len(4))).unwrap();
    let err = image.read_path("a.txt").unwrap_err();
    assert!(matches!(err, ReadError::FileTooLarge { size: 5, limit: 4, .. }), "{err}");
}

struct Failing(u64);

impl ReadAt for Failing {
    fn len(&self) -> u64 {
        self.0
    }
    fn bytes_at(&self, _: u64, _: usize) -> std::io::Result<std::borrow::Cow<'_, [u8]>> {
        Err(std::io::Error::other("medium error"))
    }
}

#[test]
fn reports_a_failing_reader() {
    let err = Image::with_options(Failing(1 << 20), Options::new()).unwrap_err();
    assert!(matches!(err, ReadError::Io { offset: 32768, len: 2048, .. }), "{err}");
    assert_eq!(err.imapi_code(), None);
}
