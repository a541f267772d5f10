//! The verifier on the hand-built fixture: clean as built, then one corruption per rule.

use super::*;
use crate::format::raw::{FLAG_DIRECTORY, FLAG_MULTI_EXTENT};
use crate::read::testkit::*;
use crate::read::Options;

fn report(f: &Fixture, strict: bool) -> Report {
    let image = f.image_with(Options::new().lenient(true)).unwrap();
    verify(&image, strict)
}

/// The rules with findings in a strict verification of `f`.
fn rules(f: &Fixture) -> Vec<Rule> {
    let mut r: Vec<Rule> = report(f, true).findings.iter().map(|x| x.rule).collect();
    r.dedup();
    r
}

/// Checks that `f` breaks `rule` (and reports it by `needle`), failing strict verification.
fn breaks(f: &Fixture, rule: Rule, needle: &str) {
    let r = report(f, true);
    let hit = r.findings.iter().find(|x| x.rule == rule && x.message.contains(needle));
    let hit =
        hit.unwrap_or_else(|| panic!("no {rule} finding naming {needle:?} in {:#?}", r.findings));
    assert_eq!(hit.severity, rule.severity());
    if rule.severity() == Severity::Violation {
        assert!(!r.passed(), "{rule} should fail a strict verification");
        let lenient = report(f, false);
        assert_eq!(lenient.passed(), !lenient.findings.iter().any(|x| x.rule.is_structural()));
    }
}

#[test]
fn the_fixture_is_clean() {
    let f = Fixture::new();
    let r = report(&f, true);
    assert_eq!(r.findings, []);
    assert!(r.passed());
    assert_eq!(r.iso_level, 3, "BIG.DAT has two sections");
    let iso_only = report(&Fixture::iso_only(), true);
    assert_eq!(iso_only.findings, []);
    let session = report(&Fixture::at(200), true);
    assert_eq!(session.findings, []);
}

#[test]
fn reader_errors_fail_even_lenient_verification() {
    let mut f = Fixture::new();
    let at = f.rec(J_ROOT, 5) + 2;
    f.put32(at, J_ROOT as u32);
    breaks(&f, Rule::Read, "already visited");
    assert!(!report(&f, false).passed());
}

#[test]
fn record_crossing_a_sector() {
    let mut f = Fixture::new();
    let at = f.off(J_DIR);
    let mut recs =
        vec![record(J_DIR, 2048, FLAG_DIRECTORY, &[0]), record(J_ROOT, 2048, FLAG_DIRECTORY, &[1])];
    for i in 0..8u8 {
        let mut r = record(B_TXT, 3, 0, &ucs2(&format!("b{i}")));
        r.resize(254, 0);
        r[0] = 254;
        recs.push(r);
    }
    let mut pos = at;
    for r in &recs {
        let n = (at + 2048).saturating_sub(pos).min(r.len());
        f.put(pos, &r[..n]);
        pos += r.len();
    }
    breaks(&f, Rule::RecordSector, "crosses the sector end");
    assert!(!report(&f, false).passed());
}

#[test]
fn descriptor_version() {
    let mut f = Fixture::new();
    let at = f.off(PVD) + 6;
    f.bytes[at] = 2;
    breaks(&f, Rule::DescriptorVersion, "primary volume descriptor (block 16): version 2");
}

#[test]
fn file_structure_version() {
    let mut f = Fixture::new();
    let at = f.off(SVD) + 881;
    f.bytes[at] = 2;
    breaks(&f, Rule::FileStructureVersion, "Joliet volume descriptor (block 17)");
}

#[test]
fn volume_space_too_small() {
    let mut f = Fixture::new();
    let at = f.off(PVD) + 80;
    f.put32(at, 29);
    breaks(
        &f,
        Rule::VolumeSpace,
        "/DIR/B.TXT;1 ends at block 31, past the volume space size of 29",
    );
}

#[test]
fn terminator_missing() {
    let mut f = Fixture::new();
    let at = f.off(TERM);
    f.put(at, &[0; 6]);
    breaks(&f, Rule::Terminator, "no terminator");
}

#[test]
fn volume_id_outside_d_characters() {
    let mut f = Fixture::new();
    let at = f.off(PVD) + 40;
    f.put(at, b"MY DISC");
    breaks(&f, Rule::VolumeId, "\"MY DISC\" holds ' '");
}

#[test]
fn lower_case_volume_id_is_a_relaxation() {
    let mut f = Fixture::new();
    let at = f.off(PVD) + 40;
    f.put(at, b"cidata ");
    breaks(&f, Rule::VolumeIdLowercase, "\"cidata\"");
    let r = report(&f, true);
    assert_eq!(rules(&f), [Rule::VolumeIdLowercase]);
    assert!(r.passed(), "a relaxation never fails");
}

#[test]
fn descriptor_date() {
    let mut f = Fixture::new();
    let at = f.off(PVD) + 813 + 4;
    f.put(at, b"13");
    breaks(&f, Rule::DescriptorDates, "creation date");
}

#[test]
fn reserved_bytes() {
    let mut f = Fixture::new();
    let at = f.off(PVD) + 882;
    f.bytes[at] = 1;
    breaks(&f, Rule::Reserved, "byte 882");
}

#[test]
fn root_record_differs_from_dot() {
    let mut f = Fixture::new();
    let at = f.rec(ISO_ROOT, 0) + 10;
    f.put32(at, 4096);
    breaks(&f, Rule::RootRecord, "differs from the root's `.` (block 23, 4096 bytes)");
}

#[test]
fn endian_pair_in_a_record() {
    let mut f = Fixture::new();
    let at = f.rec(ISO_DIR, 2) + 14;
    f.put(at, &9u32.to_be_bytes());
    breaks(
        &f,
        Rule::EndianPair,
        "/DIR: record at block 24 byte 68: data length: little-endian half 3, big-endian half 9",
    );
}

#[test]
fn endian_pair_in_a_descriptor() {
    let mut f = Fixture::new();
    let at = f.off(SVD) + 132 + 4;
    f.put(at, &1u32.to_be_bytes());
    breaks(&f, Rule::EndianPair, "Joliet volume descriptor (block 17): path table size");
}

#[test]
fn zero_fill_after_the_last_record() {
    let mut f = Fixture::new();
    let at = f.off(ISO_DIR) + 1000;
    f.bytes[at] = 0xAA;
    breaks(&f, Rule::ZeroFill, "/DIR: block 24 byte 1000");
}

#[test]
fn directory_size_not_whole_blocks() {
    let mut f = Fixture::new();
    for at in [f.rec(ISO_ROOT, 5) + 10, f.rec(ISO_DIR, 0) + 10] {
        f.put32(at, 2000);
    }
    breaks(&f, Rule::DirectorySize, "/DIR: directory of 2000 bytes");
}

#[test]
fn dotdot_pointing_elsewhere() {
    let mut f = Fixture::new();
    let at = f.rec(J_DIR, 1) + 2;
    f.put32(at, J_DIR as u32);
    breaks(
        &f,
        Rule::DotEntries,
        "`..` gives block 26 (the directory itself), the parent is at block 25",
    );
}

#[test]
fn reserved_flag_bits() {
    let mut f = Fixture::new();
    let at = f.rec(ISO_ROOT, 2) + 25;
    f.bytes[at] = 0x20;
    breaks(&f, Rule::RecordFormat, "reserved flag bits");
}

#[test]
fn iso_order() {
    let mut f = Fixture::new();
    let at = f.rec(ISO_ROOT, 2) + 33;
    f.put(at, b"C.TXT;1");
    breaks(&f, Rule::IsoOrder, "\"C.TXT;1\" is recorded before \"BIG.DAT;1\"");
}

#[test]
fn joliet_order() {
    let mut f = Fixture::new();
    let at = f.rec(J_ROOT, 2) + 33;
    f.put(at, &ucs2("c.txt"));
    breaks(&f, Rule::JolietOrder, "\"c.txt\" is recorded before \"big.dat\"");
}

#[test]
fn duplicate_names() {
    let mut f = Fixture::new();
    let recs = [
        record(J_ROOT, 2048, FLAG_DIRECTORY, &[0]),
        record(J_ROOT, 2048, FLAG_DIRECTORY, &[1]),
        record(A_TXT, 5, 0, &ucs2("big.dat")),
        record(BIG_1, 2048, FLAG_MULTI_EXTENT, &ucs2("big.dat")),
        record(BIG_2, BIG_TAIL, 0, &ucs2("big.dat")),
        record(J_DIR, 2048, FLAG_DIRECTORY, &ucs2("dir")),
    ];
    f.write_dir(J_ROOT, &recs);
    breaks(&f, Rule::DuplicateName, "/: two entries named \"big.dat\"");
}

#[test]
fn iso_characters() {
    let mut f = Fixture::new();
    let at = f.rec(ISO_ROOT, 2) + 33;
    f.put(at, b"A-T.X;1");
    breaks(&f, Rule::IsoChars, "\"A-T.X;1\" holds '-'");
}

#[test]
fn iso_length() {
    let mut f = Fixture::new();
    let long = format!("A{}.TXT;1", "X".repeat(30));
    let recs = [
        record(ISO_ROOT, 2048, FLAG_DIRECTORY, &[0]),
        record(ISO_ROOT, 2048, FLAG_DIRECTORY, &[1]),
        record(A_TXT, 5, 0, long.as_bytes()),
        record(BIG_1, 2048, FLAG_MULTI_EXTENT, b"BIG.DAT;1"),
        record(BIG_2, BIG_TAIL, 0, b"BIG.DAT;1"),
        record(ISO_DIR, 2048, FLAG_DIRECTORY, b"DIR"),
    ];
    f.write_dir(ISO_ROOT, &recs);
    breaks(&f, Rule::IsoLength, "34 characters, more than 30");
}

#[test]
fn version_out_of_range() {
    let mut f = Fixture::new();
    let at = f.rec(ISO_ROOT, 2) + 33;
    f.put(at, b"A.TXT;0");
    breaks(&f, Rule::Version, "/A.TXT;0: version 0");
}

#[test]
fn joliet_length() {
    let mut f = Fixture::new();
    let long = format!("a{}", "x".repeat(64));
    let recs = [
        record(J_ROOT, 2048, FLAG_DIRECTORY, &[0]),
        record(J_ROOT, 2048, FLAG_DIRECTORY, &[1]),
        record(A_TXT, 5, 0, &ucs2(&long)),
        record(BIG_1, 2048, FLAG_MULTI_EXTENT, &ucs2("big.dat")),
        record(BIG_2, BIG_TAIL, 0, &ucs2("big.dat")),
        record(J_DIR, 2048, FLAG_DIRECTORY, &ucs2("dir")),
    ];
    f.write_dir(J_ROOT, &recs);
    breaks(&f, Rule::JolietLength, "65 UCS-2 units");
}

#[test]
fn joliet_characters() {
    let mut f = Fixture::new();
    let at = f.rec(J_ROOT, 2) + 33;
    f.put(at, &ucs2("a:txt"));
    breaks(&f, Rule::JolietChars, "/a:txt: identifier holds the forbidden U+003A");
}

#[test]
fn path_tables_that_are_not_twins() {
    let mut f = Fixture::new();
    let at = f.off(ISO_M) + 10 + 2;
    f.put(at, &30u32.to_be_bytes());
    breaks(
        &f,
        Rule::PathTableTwins,
        "ISO 9660: record 2 differs: L gives block 24 parent 1, M gives block 30",
    );
}

#[test]
fn path_tables_that_miss_the_tree() {
    let mut f = Fixture::new();
    let (l, m) = (f.off(J_L) + 10 + 2, f.off(J_M) + 10 + 2);
    f.put(l, &30u32.to_le_bytes());
    f.put(m, &30u32.to_be_bytes());
    breaks(
        &f,
        Rule::PathTableTree,
        "Joliet L path table: /dir is at block 30, the tree has it at block 26",
    );
    assert!(!report(&f, true).has(Rule::PathTableTwins));
}

#[test]
fn path_tables_out_of_order() {
    let mut f = Fixture::new();
    // Root, DIR, then a second DIR record (size 34): equal keys are out of order.
    let rec = [3u8, 0, 24, 0, 0, 0, 1, 0, b'D', b'I', b'R', 0];
    let at = f.off(ISO_L) + 22;
    f.put(at, &rec);
    let at = f.off(PVD) + 132;
    f.put32(at, 34);
    breaks(
        &f,
        Rule::PathTableOrder,
        "ISO 9660 L path table: record 3 (/DIR) should come before record 2 (/DIR)",
    );
}

#[test]
fn trees_with_different_files() {
    let mut f = Fixture::new();
    let at = f.rec(J_DIR, 2) + 2;
    f.put32(at, A_TXT as u32);
    breaks(
        &f,
        Rule::SameFiles,
        "/DIR/B.TXT;1 (ISO 9660) has no Joliet counterpart at block 30 of 3 bytes",
    );
    breaks(
        &f,
        Rule::SameFiles,
        "/dir/b.txt (Joliet) has no ISO 9660 counterpart at block 27 of 3 bytes",
    );
}

#[test]
fn record_date() {
    let mut f = Fixture::new();
    let at = f.rec(ISO_ROOT, 2) + 19;
    f.bytes[at] = 13;
    breaks(
        &f,
        Rule::RecordDate,
        "/: record at block 23 byte 68: recording date: date field month is out of range (13)",
    );
}

#[test]
fn file_data_before_a_directory() {
    let mut f = Fixture::new();
    for at in [f.rec(ISO_ROOT, 2) + 2, f.rec(J_ROOT, 2) + 2] {
        f.put32(at, 20);
    }
    breaks(&f, Rule::DirsBeforeFiles, "lies after the data of /A.TXT;1 (block 20)");
}

#[test]
fn image_shorter_than_its_volume_space() {
    let mut f = Fixture::new();
    f.bytes.truncate(f.bytes.len() - 2048);
    breaks(&f, Rule::ImageLength, "the image holds 30 blocks, fewer than its volume space of 31");
    assert!(report(&f, true).passed(), "a warning never fails");
}

#[test]
fn udf_bridge_is_noted() {
    let mut f = Fixture::new();
    for (i, id) in [b"BEA01", b"NSR02", b"TEA01"].iter().enumerate() {
        let at = f.off(TERM + 1 + i as u64) + 1;
        f.put(at, *id);
    }
    breaks(&f, Rule::UdfBridge, "NSR02 at block 20");
}

#[test]
fn interleaved_file() {
    let mut f = Fixture::new();
    let at = f.rec(ISO_DIR, 2) + 26;
    f.bytes[at] = 1;
    breaks(&f, Rule::Interleaved, "/DIR/B.TXT;1: recorded interleaved");
}

#[test]
fn lenient_verification_turns_violations_into_warnings() {
    let mut f = Fixture::new();
    let at = f.rec(ISO_ROOT, 2) + 33;
    f.put(at, b"A.TXT;0");
    let r = report(&f, false);
    assert!(r.passed());
    assert_eq!(r.findings[0].severity, Severity::Warning);
    assert!(!report(&f, true).passed());
}

#[test]
fn findings_are_capped_per_rule() {
    let mut f = Findings::default();
    for i in 0..60 {
        f.push(Rule::IsoOrder, format!("n{i}"));
    }
    let (out, totals) = f.finish(true);
    assert_eq!(out.len(), MAX_FINDINGS_PER_RULE + 1);
    assert_eq!(out[MAX_FINDINGS_PER_RULE].message, "10 more findings like these");
    assert_eq!(totals, [(Rule::IsoOrder, Severity::Violation, 60)]);
    let report = Report { findings: out, iso_level: 1, strict: true, totals };
    assert_eq!(report.count(Severity::Violation), 60);
}
