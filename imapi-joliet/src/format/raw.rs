//! Byte layouts of ECMA-119 structures, as zerocopy views.
//!
//! Every struct here has alignment 1 and no padding, so a cast from bytes can fail only on
//! length. Both-endian fields ("723", "733") are two halves, read through a checked accessor
//! that reports a disagreement instead of picking one half.

use zerocopy::byteorder::{BigEndian, LittleEndian, U16, U32};
use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout, Unaligned};

/// Bytes in one logical block (and one CD data sector).
pub const BLOCK: usize = 2048;
/// Bytes in one logical block, as `u64`.
pub const BLOCK_U64: u64 = BLOCK as u64;
/// The first block of the volume descriptor set (blocks 0–15 are the system area).
pub const FIRST_VD_BLOCK: u32 = 16;
/// The standard identifier of every volume descriptor.
pub const STANDARD_ID: &[u8; 5] = b"CD001";
/// The largest section of a multi-extent file that xorriso writes: 4 GiB − 2048.
pub const MAX_SECTION: u64 = 0xFFFF_F800;
/// Joliet escape sequence for UCS-2 level 3 (`%/E`).
pub const JOLIET_ESCAPE_L3: [u8; 3] = [0x25, 0x2F, 0x45];
/// Joliet escape sequences for UCS-2 levels 1 and 2 (`%/@`, `%/C`), accepted when reading.
pub const JOLIET_ESCAPES: [[u8; 3]; 3] = [[0x25, 0x2F, 0x40], [0x25, 0x2F, 0x43], JOLIET_ESCAPE_L3];

/// A mismatch between the little- and big-endian halves of a both-endian field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("both-endian field disagrees: little-endian {le}, big-endian {be}")]
pub struct EndianMismatch {
    /// The little-endian half.
    pub le: u32,
    /// The big-endian half.
    pub be: u32,
}

/// A both-endian u16 ("723"): little-endian then big-endian.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct BothU16 {
    le: U16<LittleEndian>,
    be: U16<BigEndian>,
}

impl BothU16 {
    /// Both halves set to `v`.
    pub fn new(v: u16) -> Self {
        Self { le: U16::new(v), be: U16::new(v) }
    }
    /// The value, if both halves agree.
    pub fn get(&self) -> Result<u16, EndianMismatch> {
        let (le, be) = (self.le.get(), self.be.get());
        if le == be {
            Ok(le)
        } else {
            Err(EndianMismatch { le: le.into(), be: be.into() })
        }
    }
    /// The little-endian half alone (what Linux reads from a broken image).
    pub fn le(&self) -> u16 {
        self.le.get()
    }
}

/// A both-endian u32 ("733"): little-endian then big-endian.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct BothU32 {
    le: U32<LittleEndian>,
    be: U32<BigEndian>,
}

impl BothU32 {
    /// Both halves set to `v`.
    pub fn new(v: u32) -> Self {
        Self { le: U32::new(v), be: U32::new(v) }
    }
    /// The value, if both halves agree.
    pub fn get(&self) -> Result<u32, EndianMismatch> {
        let (le, be) = (self.le.get(), self.be.get());
        if le == be {
            Ok(le)
        } else {
            Err(EndianMismatch { le, be })
        }
    }
    /// The little-endian half alone (what Linux reads from a broken image).
    pub fn le(&self) -> u32 {
        self.le.get()
    }
}

/// Directory record flag: hidden ("existence").
pub const FLAG_HIDDEN: u8 = 0x01;
/// Directory record flag: a directory.
pub const FLAG_DIRECTORY: u8 = 0x02;
/// Directory record flag: an associated file.
pub const FLAG_ASSOCIATED: u8 = 0x04;
/// Directory record flag: not the final section of a multi-extent file.
pub const FLAG_MULTI_EXTENT: u8 = 0x80;

/// The fixed 33 bytes of a directory record (ECMA-119 §9.1, BP 1–33).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug)]
#[repr(C)]
pub struct DirRecordHeader {
    /// Length of the whole record (LEN_DR).
    pub len_dr: u8,
    /// Extended attribute record length.
    pub ext_attr_len: u8,
    /// First block of the extent.
    pub extent: BothU32,
    /// Data length in bytes.
    pub data_len: BothU32,
    /// Recording date, 7-byte form.
    pub recorded: [u8; 7],
    /// File flags (`FLAG_*`).
    pub flags: u8,
    /// File unit size (interleaving; 0).
    pub unit_size: u8,
    /// Interleave gap size (0).
    pub gap_size: u8,
    /// Volume sequence number.
    pub vol_seq: BothU16,
    /// Length of the file identifier (LEN_FI).
    pub len_fi: u8,
}
const _: () = assert!(core::mem::size_of::<DirRecordHeader>() == 33);

/// Bytes of a directory record's fixed part.
pub const DIR_RECORD_HEADER_LEN: usize = 33;

/// The length of a directory record with an identifier of `len_fi` bytes and no system use.
pub const fn dir_record_len(len_fi: usize) -> usize {
    DIR_RECORD_HEADER_LEN + len_fi + (len_fi + 1) % 2
}

/// The fixed 8 bytes of a path table record (ECMA-119 §9.4); `T` picks L (little) or M (big).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug)]
#[repr(C)]
pub struct PathRecordHeader<O: zerocopy::ByteOrder> {
    /// Length of the directory identifier (LEN_DI).
    pub len_di: u8,
    /// Extended attribute record length.
    pub ext_attr_len: u8,
    /// First block of the directory's extent.
    pub extent: U32<O>,
    /// Number (1-based) of the parent directory in the table.
    pub parent: U16<O>,
}
const _: () = assert!(core::mem::size_of::<PathRecordHeader<LittleEndian>>() == 8);

/// Bytes of a path table record's fixed part.
pub const PATH_RECORD_HEADER_LEN: usize = 8;

/// The length of a path table record with an identifier of `len_di` bytes.
pub const fn path_record_len(len_di: usize) -> usize {
    PATH_RECORD_HEADER_LEN + len_di + len_di % 2
}

/// Volume descriptor type codes (ECMA-119 §8.1.1).
pub mod vd_type {
    /// Boot record (El Torito).
    pub const BOOT: u8 = 0;
    /// Primary volume descriptor.
    pub const PRIMARY: u8 = 1;
    /// Supplementary (Joliet) or enhanced volume descriptor.
    pub const SUPPLEMENTARY: u8 = 2;
    /// Volume partition descriptor.
    pub const PARTITION: u8 = 3;
    /// Volume descriptor set terminator.
    pub const TERMINATOR: u8 = 255;
}

/// A primary or supplementary volume descriptor (ECMA-119 §8.4, §8.5): one 2048-byte block.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy)]
#[repr(C)]
pub struct VolumeDescriptor {
    /// Type (`vd_type`).
    pub vd_type: u8,
    /// `CD001`.
    pub standard_id: [u8; 5],
    /// Version (1).
    pub version: u8,
    /// Volume flags (SVD); zero in a PVD.
    pub flags: u8,
    /// System identifier.
    pub system_id: [u8; 32],
    /// Volume identifier.
    pub volume_id: [u8; 32],
    /// Zero.
    pub unused1: [u8; 8],
    /// Volume space size in blocks.
    pub volume_space_size: BothU32,
    /// Escape sequences (SVD); zero in a PVD.
    pub escapes: [u8; 32],
    /// Volume set size.
    pub volume_set_size: BothU16,
    /// Volume sequence number.
    pub volume_seq: BothU16,
    /// Logical block size.
    pub block_size: BothU16,
    /// Path table size in bytes.
    pub path_table_size: BothU32,
    /// Type L path table location.
    pub l_path_table: U32<LittleEndian>,
    /// Optional type L path table location.
    pub opt_l_path_table: U32<LittleEndian>,
    /// Type M path table location.
    pub m_path_table: U32<BigEndian>,
    /// Optional type M path table location.
    pub opt_m_path_table: U32<BigEndian>,
    /// Root directory record (34 bytes).
    pub root_record: [u8; 34],
    /// Volume set identifier.
    pub volume_set_id: [u8; 128],
    /// Publisher identifier.
    pub publisher_id: [u8; 128],
    /// Data preparer identifier.
    pub preparer_id: [u8; 128],
    /// Application identifier.
    pub application_id: [u8; 128],
    /// Copyright file identifier.
    pub copyright_file_id: [u8; 37],
    /// Abstract file identifier.
    pub abstract_file_id: [u8; 37],
    /// Bibliographic file identifier.
    pub bibliographic_file_id: [u8; 37],
    /// Volume creation date (17-byte form).
    pub creation_date: [u8; 17],
    /// Volume modification date.
    pub modification_date: [u8; 17],
    /// Volume expiration date.
    pub expiration_date: [u8; 17],
    /// Volume effective date.
    pub effective_date: [u8; 17],
    /// File structure version (1).
    pub file_structure_version: u8,
    /// Zero.
    pub unused2: u8,
    /// Application use.
    pub application_use: [u8; 512],
    /// Reserved (zero).
    pub reserved: [u8; 653],
}
const _: () = assert!(core::mem::size_of::<VolumeDescriptor>() == BLOCK);

impl VolumeDescriptor {
    /// A descriptor of type `vd_type` with every field zero but the identifier and version.
    pub fn new(vd_type: u8) -> Self {
        let mut vd = Self::new_zeroed();
        vd.vd_type = vd_type;
        vd.standard_id = *STANDARD_ID;
        vd.version = 1;
        vd
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::offset_of;

    #[test]
    fn offsets_match_ecma_119() {
        assert_eq!(offset_of!(VolumeDescriptor, volume_space_size), 80);
        assert_eq!(offset_of!(VolumeDescriptor, escapes), 88);
        assert_eq!(offset_of!(VolumeDescriptor, block_size), 128);
        assert_eq!(offset_of!(VolumeDescriptor, path_table_size), 132);
        assert_eq!(offset_of!(VolumeDescriptor, l_path_table), 140);
        assert_eq!(offset_of!(VolumeDescriptor, m_path_table), 148);
        assert_eq!(offset_of!(VolumeDescriptor, root_record), 156);
        assert_eq!(offset_of!(VolumeDescriptor, volume_set_id), 190);
        assert_eq!(offset_of!(VolumeDescriptor, publisher_id), 318);
        assert_eq!(offset_of!(VolumeDescriptor, copyright_file_id), 702);
        assert_eq!(offset_of!(VolumeDescriptor, creation_date), 813);
        assert_eq!(offset_of!(VolumeDescriptor, file_structure_version), 881);
        assert_eq!(offset_of!(VolumeDescriptor, application_use), 883);
        assert_eq!(offset_of!(VolumeDescriptor, reserved), 1395);
        assert_eq!(offset_of!(DirRecordHeader, recorded), 18);
        assert_eq!(offset_of!(DirRecordHeader, flags), 25);
        assert_eq!(offset_of!(DirRecordHeader, len_fi), 32);
    }

    #[test]
    fn both_endian_halves_are_checked() {
        let ok = BothU32::new(0x1234_5678);
        assert_eq!(ok.as_bytes(), &[0x78, 0x56, 0x34, 0x12, 0x12, 0x34, 0x56, 0x78]);
        assert_eq!(ok.get(), Ok(0x1234_5678));
        let bad = BothU32::read_from_bytes(&[1, 0, 0, 0, 0, 0, 0, 2]).unwrap();
        assert_eq!(bad.get(), Err(EndianMismatch { le: 1, be: 2 }));
        assert_eq!(bad.le(), 1);
        let bad16 = BothU16::read_from_bytes(&[1, 0, 0, 3]).unwrap();
        assert_eq!(bad16.get(), Err(EndianMismatch { le: 1, be: 3 }));
    }

    #[test]
    fn record_lengths_pad_to_even() {
        assert_eq!(dir_record_len(1), 34);
        assert_eq!(dir_record_len(2), 36);
        assert_eq!(dir_record_len(3), 36);
        assert_eq!(path_record_len(1), 10);
        assert_eq!(path_record_len(2), 10);
    }
}
