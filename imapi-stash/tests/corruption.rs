//! Every byte flip of a stash's header area and table is found at open; payload flips are
//! found by verification; every truncation is refused.

mod common;

use imapi_codes::ImapiCode;
use imapi_stash::{FormatError, Stash, StashError, HEADER_AREA};
use std::io::Cursor;

fn open(bytes: &[u8]) -> Result<Stash<Cursor<&[u8]>>, StashError> {
    Stash::from_reader(Cursor::new(bytes))
}

#[test]
fn the_small_stash_is_valid() {
    let (_dir, path) = common::small_stash();
    let bytes = std::fs::read(&path).unwrap();
    let mut s = open(&bytes).unwrap();
    assert_eq!(s.tracks().len(), 2);
    assert_eq!(s.tracks()[0].segments.len(), 2);
    assert_eq!(s.verify().unwrap().segments, 3);
}

#[test]
fn every_flip_of_header_and_table_is_found() {
    let (_dir, path) = common::small_stash();
    let bytes = std::fs::read(&path).unwrap();
    let table_offset = open(&bytes).unwrap().header().table_offset as usize;
    let regions = (0..HEADER_AREA as usize).chain(table_offset..bytes.len());
    let mut checked = 0;
    for i in regions {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut b = bytes.clone();
            b[i] ^= mask;
            match open(&b) {
                Err(e) => {
                    assert_eq!(e.imapi_code(), Some(ImapiCode::InvalidImage), "byte {i}: {e}");
                    checked += 1;
                }
                Ok(_) => panic!("flipping byte {i} with {mask:#04x} went unnoticed"),
            }
        }
    }
    assert_eq!(checked, 3 * (HEADER_AREA as usize + bytes.len() - table_offset));
}

#[test]
fn every_flip_of_the_payload_is_found_by_verification() {
    let (_dir, path) = common::small_stash();
    let bytes = std::fs::read(&path).unwrap();
    let table_offset = open(&bytes).unwrap().header().table_offset as usize;
    for i in HEADER_AREA as usize..table_offset {
        let mut b = bytes.clone();
        b[i] ^= 0x10;
        let mut s = open(&b).expect("the header and table are intact");
        let err = s.verify().expect_err("a payload flip must fail verification");
        assert!(
            matches!(err, StashError::Invalid(FormatError::SegmentChecksum { .. })),
            "byte {i}: {err}"
        );
    }
}

#[test]
fn a_payload_flip_fails_the_track_reader_too() {
    let (_dir, path) = common::small_stash();
    let mut bytes = std::fs::read(&path).unwrap();
    let s = open(&bytes).unwrap();
    let seg = s.tracks()[1].segments[0];
    drop(s);
    bytes[seg.offset as usize + 5] ^= 1;
    let mut s = open(&bytes).unwrap();
    let mut out = Vec::new();
    let err = std::io::Read::read_to_end(&mut s.track_reader(1).unwrap(), &mut out)
        .expect_err("checksum mismatch");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert!(err.to_string().contains("checksum mismatch"), "{err}");
    // With the check off the same bytes read through.
    let mut r = s.track_reader(1).unwrap();
    r.set_verify(false);
    out.clear();
    std::io::Read::read_to_end(&mut r, &mut out).unwrap();
    assert_eq!(out.len(), 2 * 2352);
}

#[test]
fn every_truncation_is_refused() {
    let (_dir, path) = common::small_stash();
    let bytes = std::fs::read(&path).unwrap();
    for len in 0..bytes.len() {
        let e = open(&bytes[..len]).err().unwrap_or_else(|| panic!("length {len} opened"));
        assert_eq!(e.imapi_code(), Some(ImapiCode::InvalidImage), "length {len}: {e}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(open(&longer).is_err());
}

#[test]
fn a_newer_major_version_is_refused_clearly() {
    let (_dir, path) = common::small_stash();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[16] = 2;
    let e = open(&bytes).err().unwrap();
    assert!(matches!(
        e,
        StashError::Invalid(FormatError::UnsupportedVersion { major: 2, minor: 0, supported: 1 })
    ));
    assert_eq!(
        e.to_string(),
        "invalid stash: format version 2.0 is newer than this reader (version 1.x)"
    );
}

#[test]
fn errors_say_where() {
    let (_dir, path) = common::small_stash();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[0] = b'X';
    assert_eq!(
        open(&bytes).err().unwrap().to_string(),
        "invalid stash: bad magic at offset 0: not a stash"
    );
}
