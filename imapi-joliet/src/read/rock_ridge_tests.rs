use super::*;

/// One entry: signature, length byte computed, version 1, data.
fn e(sig: &[u8; 2], data: &[u8]) -> Vec<u8> {
    let mut v = vec![sig[0], sig[1], (data.len() + 4) as u8, 1];
    v.extend_from_slice(data);
    v
}

fn both(v: u32) -> Vec<u8> {
    let mut b = v.to_le_bytes().to_vec();
    b.extend_from_slice(&v.to_be_bytes());
    b
}

fn px(mode: u32, nlink: u32, uid: u32, gid: u32, serial: Option<u32>) -> Vec<u8> {
    let mut d = [both(mode), both(nlink), both(uid), both(gid)].concat();
    if let Some(s) = serial {
        d.extend(both(s));
    }
    e(b"PX", &d)
}

const DATE7: [u8; 7] = [124, 5, 6, 7, 8, 9, 0];

#[test]
fn reads_every_field_of_a_file_record() {
    let area = [
        px(0o100640, 1, 1000, 100, Some(77)),
        e(b"TF", &[&[0x0e][..], &DATE7, &DATE7, &DATE7].concat()),
        e(b"NM", b"\0hello.txt"),
    ]
    .concat();
    let (rr, problems) = parse_area(&area, 0, false);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(rr.name.as_deref(), Some("hello.txt"));
    assert_eq!(
        (rr.mode, rr.nlink, rr.uid, rr.gid, rr.serial),
        (Some(0o100640), Some(1), Some(1000), Some(100), Some(77))
    );
    assert_eq!(rr.file_type(), Some(FileType::Regular));
    assert_eq!(rr.mtime.map(|t| (t.year, t.second)), Some((2024, 9)));
    assert!(rr.atime.is_some() && rr.ctime.is_some() && rr.crtime.is_none());
    assert!(rr.has_rrip_entries);
}

#[test]
fn px_of_rrip_1_10_has_no_serial_and_other_lengths_are_problems() {
    let (rr, problems) = parse_area(&px(0o40755, 2, 0, 0, None), 0, false);
    assert_eq!((rr.mode, rr.serial), (Some(0o40755), None));
    assert!(problems.is_empty());
    let mut short = px(0o40755, 2, 0, 0, None);
    short.truncate(28);
    short[2] = 28;
    let (_, problems) = parse_area(&short, 0, false);
    assert_eq!(problems, [Problem::PxLength { len: 28 }]);
}

#[test]
fn names_join_over_continued_entries_and_stop_at_the_cap() {
    let area = [e(b"NM", b"\x01abc"), e(b"NM", b"\0def")].concat();
    let (rr, problems) = parse_area(&area, 0, false);
    assert_eq!(rr.name.as_deref(), Some("abcdef"));
    assert!(problems.is_empty());
    let (rr, _) = parse_area(&e(b"NM", b"\x02"), 0, false);
    assert_eq!(rr.name.as_deref(), Some("."));
    let (rr, _) = parse_area(&e(b"NM", b"\x04"), 0, false);
    assert_eq!(rr.name.as_deref(), Some(".."));
    let (_, problems) = parse_area(&e(b"NM", b"\x02x"), 0, false);
    assert_eq!(problems, [Problem::NmFlags { flags: 2 }]);
    let (_, problems) = parse_area(&e(b"NM", b"\x01abc"), 0, false);
    assert_eq!(problems, [Problem::Unterminated { signature: *b"NM" }]);
    let mut p = RockRidgeParser::new();
    let piece = [&[1u8][..], &[b'n'; 200]].concat();
    for _ in 0..10 {
        p.area(&e(b"NM", &piece), 0, false);
    }
    let (rr, problems) = p.finish();
    assert_eq!(rr.name.map(|n| n.len()), Some(MAX_NAME_LEN));
    assert!(problems.contains(&Problem::TooLong));
}

#[test]
fn symlink_components_cover_root_parent_current_and_continuation() {
    // "/usr/../lib" then "./lo" + "ng" in a second SL entry.
    let first = e(b"SL", &[&[1u8, 0x08, 0, 0, 3][..], b"usr", &[0x04, 0, 0, 3], b"lib"].concat());
    let second = e(b"SL", &[&[0u8, 0x02, 0, 1, 2][..], b"lo", &[0, 2], b"ng"].concat());
    let (rr, problems) = parse_area(&[first, second].concat(), 0, false);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(rr.symlink.as_deref(), Some("/usr/../lib/./long"));
    let rel = e(b"SL", &[&[0u8, 0x04, 0, 0x04, 0, 0, 1][..], b"x"].concat());
    assert_eq!(parse_area(&rel, 0, false).0.symlink.as_deref(), Some("../../x"));
}

#[test]
fn symlink_problems_are_noted() {
    let overflow = e(b"SL", &[0u8, 0, 9, b'a']);
    assert_eq!(parse_area(&overflow, 0, false).1, [Problem::SlOverflow]);
    let both_flags = e(b"SL", &[0u8, 0x06, 0]);
    assert_eq!(parse_area(&both_flags, 0, false).1, [Problem::SlFlags { flags: 6 }]);
    let reserved = e(b"SL", &[0x80u8, 0, 1, b'a']);
    assert_eq!(parse_area(&reserved, 0, false).1, [Problem::SlFlags { flags: 0x80 }]);
}

#[test]
fn tf_short_and_long_forms_and_length_checks() {
    let long = *b"2024050607080900\x04";
    let area = e(b"TF", &[&[0x80 | 0x02 | 0x10][..], &long, &long].concat());
    let (rr, problems) = parse_area(&area, 0, false);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(rr.mtime.map(|t| (t.hour, t.gmt_offset)), Some((7, 4)));
    let bad = e(b"TF", &[&[0x06][..], &DATE7].concat());
    assert_eq!(parse_area(&bad, 0, false).1, [Problem::TfLength { len: 12, expected: 19 }]);
}

#[test]
fn links_devices_relocation_and_er() {
    let er = e(b"ER", &[&[9u8, 1, 1, 1][..], b"IEEE_1282", b"d", b"s"].concat());
    let area = [
        e(b"CL", &both(40)),
        e(b"PL", &both(41)),
        e(b"RE", &[]),
        e(b"PN", &[both(8), both(1)].concat()),
        er,
    ]
    .concat();
    let (rr, problems) = parse_area(&area, 0, false);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!((rr.child_link, rr.parent_link, rr.relocated), (Some(40), Some(41), true));
    assert_eq!(rr.rdev, Some(DeviceNumber { high: 8, low: 1 }));
    assert_eq!(rr.rrip, Some(RripVersion::Ieee1282));
    assert_eq!(RripVersion::from_id(b"RRIP_1991A"), Some(RripVersion::Rrip1991A));
    assert_eq!(RripVersion::from_id(b"IEEE_P1282"), Some(RripVersion::IeeeP1282));
    assert_eq!(RripVersion::from_id(b"OTHER"), None);
    let (_, problems) = parse_area(&e(b"CL", &both(40)[..4]), 0, false);
    assert_eq!(problems, [Problem::FixedLength { signature: *b"CL", len: 8 }]);
}

#[test]
fn sp_skip_and_ce_are_read_and_sp_is_only_valid_first_in_the_root() {
    let ce = e(b"CE", &[both(60), both(100), both(300)].concat());
    let area = [e(b"SP", &[0xbe, 0xef, 3]), ce].concat();
    let mut p = RockRidgeParser::new();
    p.area(&area, 0, true);
    assert_eq!(p.continuations, [Continuation { block: 60, offset: 100, len: 300 }]);
    let (rr, problems) = p.finish();
    assert_eq!(rr.sp_skip, Some(3));
    assert!(problems.is_empty());
    let (_, problems) = parse_area(&e(b"SP", &[0xbe, 0xef, 0]), 0, false);
    assert_eq!(problems, [Problem::SpMisplaced]);
    let (_, problems) = parse_area(&e(b"SP", &[0xbe, 0xee, 0]), 0, true);
    assert_eq!(problems, [Problem::SpCheck]);
}

#[test]
fn the_walk_stops_at_st_padding_and_bad_lengths() {
    let nm = e(b"NM", b"\0a");
    let area = [nm.clone(), e(b"ST", &[]), nm.clone()].concat();
    let mut it = SuspEntries::new(&area, 0);
    assert_eq!(it.by_ref().count(), 1);
    assert_eq!(it.end(), AreaEnd::Terminator);
    let area = [nm.clone(), vec![0]].concat();
    let mut it = SuspEntries::new(&area, 0);
    assert_eq!(it.by_ref().count(), 1);
    assert_eq!(it.end(), AreaEnd::Padding);
    let mut it = SuspEntries::new(b"NM\x02\x01", 0);
    assert_eq!(it.by_ref().count(), 0);
    assert_eq!(it.end(), AreaEnd::BadLength { offset: 0, len: 2 });
    let mut it = SuspEntries::new(b"NM\xff\x01abc", 0);
    assert_eq!(it.by_ref().count(), 0);
    assert_eq!(it.end(), AreaEnd::BadLength { offset: 0, len: 255 });
    let area = [b"xx".as_slice(), &nm].concat();
    let mut it = SuspEntries::new(&area, 2);
    assert_eq!(it.next().map(|e| e.signature), Some(*b"NM"));
    let (_, problems) = parse_area(b"NM\xff\x01", 0, false);
    assert_eq!(problems, [Problem::EntryLength { offset: 0, len: 255 }]);
}

#[test]
fn any_bytes_parse_without_panic() {
    let mut seed = 0x1234_5678u32;
    for _ in 0..2000 {
        let len = (seed % 64) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let sigs = b"NMSLTFPXCEPNCLPLRESPERST";
                if seed % 5 == 0 {
                    sigs[(seed as usize / 7) % sigs.len()]
                } else {
                    (seed >> 16) as u8
                }
            })
            .collect();
        let (rr, _) = parse_area(&bytes, (seed % 4) as usize, seed % 2 == 0);
        assert!(rr.name.map_or(0, |n| n.len()) <= 4 * MAX_NAME_LEN);
    }
}
