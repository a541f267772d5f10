//! The header record at offset 0: a checked view ([`Header`]) and its plain form
//! ([`HeaderRepr`]).

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use crate::error::FormatError;
use crate::model::{DiscKind, AUDIO_BLOCK_SIZE, DATA_BLOCK_SIZE, MAX_TRACK_NUMBER};
use byteorder::{ByteOrder, LittleEndian as LE};

/// The 16 bytes every stash starts with: `\x89IMAPI-STASH\r\n\x1a\n`.
pub const MAGIC: [u8; 16] = *b"\x89IMAPI-STASH\r\n\x1a\n";
/// The major format version this crate writes and reads. A reader refuses a newer one.
pub const MAJOR_VERSION: u16 = 1;
/// The minor format version this crate writes. Minor versions only add; older readers of the
/// same major version read newer minor versions.
pub const MINOR_VERSION: u16 = 0;
/// Bytes of the header area at the start of the file: the header record, then zeros.
pub const HEADER_AREA: u64 = 4096;
/// Bytes of the version 1.0 header record (including its checksum).
pub const HEADER_LEN: usize = field::CRC_V1_0.end;

/// [`HEADER_LEN`] as the header stores it.
const HEADER_LEN_U32: u32 = 128;
/// [`DATA_BLOCK_SIZE`] as the header stores it.
const DATA_BLOCK_U16: u16 = 2048;
/// [`AUDIO_BLOCK_SIZE`] as the header stores it.
const AUDIO_BLOCK_U16: u16 = 2352;
const _: () = assert!(
    HEADER_LEN_U32 as usize == HEADER_LEN
        && DATA_BLOCK_U16 as u32 == DATA_BLOCK_SIZE
        && AUDIO_BLOCK_U16 as u32 == AUDIO_BLOCK_SIZE
);

/// Byte ranges of the header record's fields (little-endian numbers).
pub(crate) mod field {
    use core::ops::Range;
    pub const MAGIC: Range<usize> = 0..16;
    pub const MAJOR: Range<usize> = 16..18;
    pub const MINOR: Range<usize> = 18..20;
    pub const HEADER_LEN: Range<usize> = 20..24;
    pub const DISC_KIND: usize = 24;
    pub const RESERVED_25: usize = 25;
    pub const DATA_BLOCK: Range<usize> = 26..28;
    pub const AUDIO_BLOCK: Range<usize> = 28..30;
    pub const RESERVED_30: Range<usize> = 30..32;
    pub const PAYLOAD_OFFSET: Range<usize> = 32..40;
    pub const TABLE_OFFSET: Range<usize> = 40..48;
    pub const TABLE_LEN: Range<usize> = 48..56;
    pub const TABLE_CRC: Range<usize> = 56..60;
    pub const TRACK_COUNT: Range<usize> = 60..64;
    pub const SEGMENT_COUNT: Range<usize> = 64..68;
    pub const RESERVED_68: Range<usize> = 68..72;
    pub const TOTAL_BLOCKS: Range<usize> = 72..80;
    pub const RESERVED_80: Range<usize> = 80..124;
    /// The checksum of a version 1.0 header; in general it takes the record's last 4 bytes.
    pub const CRC_V1_0: Range<usize> = 124..128;
    /// The bytes up to the header-length field: enough to tell a stash and its version.
    pub const PREFIX_END: usize = HEADER_LEN.end;
}

/// A view over the header record's bytes. Once [`Header::new_checked`] succeeds, no
/// accessor panics.
#[derive(Debug, Clone, Copy)]
pub struct Header<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Header<T> {
    /// Wraps a buffer without checking its length (accessors read the fields a short one
    /// lacks as zeros).
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer of at least [`HEADER_LEN`] bytes.
    pub fn new_checked(buffer: T) -> Result<Self, FormatError> {
        let len = buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(FormatError::Truncated {
                what: "header",
                need: HEADER_LEN as u64,
                len: len as u64,
            });
        }
        Ok(Self { buffer })
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// The bytes of field `f`, or zeros if the buffer is too short to hold it (never, once
    /// [`Header::new_checked`] succeeded).
    fn le<const N: usize>(&self, f: core::ops::Range<usize>) -> [u8; N] {
        self.b().get(f).and_then(|s| s.try_into().ok()).unwrap_or([0; N])
    }

    /// The bytes of field `f`, or none if the buffer is too short to hold it.
    fn bytes(&self, f: core::ops::Range<usize>) -> &[u8] {
        self.b().get(f).unwrap_or(&[])
    }

    /// The 16 magic bytes.
    pub fn magic(&self) -> &[u8] {
        self.bytes(field::MAGIC)
    }
    /// Major version.
    pub fn major(&self) -> u16 {
        u16::from_le_bytes(self.le(field::MAJOR))
    }
    /// Minor version.
    pub fn minor(&self) -> u16 {
        u16::from_le_bytes(self.le(field::MINOR))
    }
    /// Bytes of the header record, checksum included.
    pub fn header_len(&self) -> u32 {
        u32::from_le_bytes(self.le(field::HEADER_LEN))
    }
    /// Disc kind byte.
    pub fn disc_kind(&self) -> u8 {
        self.b().get(field::DISC_KIND).copied().unwrap_or(0)
    }
    /// Data block size.
    pub fn data_block_size(&self) -> u16 {
        u16::from_le_bytes(self.le(field::DATA_BLOCK))
    }
    /// Audio block size.
    pub fn audio_block_size(&self) -> u16 {
        u16::from_le_bytes(self.le(field::AUDIO_BLOCK))
    }
    /// Offset of the payload.
    pub fn payload_offset(&self) -> u64 {
        u64::from_le_bytes(self.le(field::PAYLOAD_OFFSET))
    }
    /// Offset of the track table (the end of the payload).
    pub fn table_offset(&self) -> u64 {
        u64::from_le_bytes(self.le(field::TABLE_OFFSET))
    }
    /// Bytes of the track table.
    pub fn table_len(&self) -> u64 {
        u64::from_le_bytes(self.le(field::TABLE_LEN))
    }
    /// CRC-32C of the track table.
    pub fn table_crc(&self) -> u32 {
        u32::from_le_bytes(self.le(field::TABLE_CRC))
    }
    /// Number of tracks.
    pub fn track_count(&self) -> u32 {
        u32::from_le_bytes(self.le(field::TRACK_COUNT))
    }
    /// Number of segments, all tracks together.
    pub fn segment_count(&self) -> u32 {
        u32::from_le_bytes(self.le(field::SEGMENT_COUNT))
    }
    /// Blocks of payload, all tracks together.
    pub fn total_blocks(&self) -> u64 {
        u64::from_le_bytes(self.le(field::TOTAL_BLOCKS))
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Header<T> {
    fn m(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }
}

/// The header's values, all valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HeaderRepr {
    /// Major version of the format.
    pub major: u16,
    /// Minor version of the format.
    pub minor: u16,
    /// Data or audio (or both).
    pub disc_kind: DiscKind,
    /// Offset of the payload ([`HEADER_AREA`]).
    pub payload_offset: u64,
    /// Offset of the track table, which is also the end of the payload.
    pub table_offset: u64,
    /// Bytes of the track table; the file ends with it.
    pub table_len: u64,
    /// CRC-32C of the track table.
    pub table_crc: u32,
    /// Number of tracks.
    pub track_count: u32,
    /// Number of segments, all tracks together.
    pub segment_count: u32,
    /// Blocks of payload, all tracks together.
    pub total_blocks: u64,
}

fn bad(field: &'static str, offset: usize, value: u64, expected: &'static str) -> FormatError {
    FormatError::BadField { field, offset: offset as u64, value, expected }
}

fn zeros(bytes: &[u8], base: usize) -> Result<(), FormatError> {
    match bytes.iter().position(|&b| b != 0) {
        None => Ok(()),
        Some(i) => Err(FormatError::Reserved {
            offset: (base + i) as u64,
            value: bytes.get(i).copied().unwrap_or(0),
        }),
    }
}

impl HeaderRepr {
    /// Parses the header area (`area`: the file's first [`HEADER_AREA`] bytes, or all of it
    /// if shorter) of a file of `file_len` bytes, checking everything the header alone can
    /// tell: magic, version, checksum, reserved bytes, and that the payload and table fit the
    /// file exactly.
    pub fn parse(area: &[u8], file_len: u64) -> Result<Self, FormatError> {
        let prefix = area.get(..field::PREFIX_END).ok_or(FormatError::Truncated {
            what: "header",
            need: HEADER_LEN as u64,
            len: file_len,
        })?;
        let magic = prefix.get(field::MAGIC).ok_or(FormatError::BadMagic)?;
        if magic != MAGIC {
            return Err(FormatError::BadMagic);
        }
        let major = prefix.get(field::MAJOR).map_or(0, LE::read_u16);
        let minor = prefix.get(field::MINOR).map_or(0, LE::read_u16);
        if major > MAJOR_VERSION {
            return Err(FormatError::UnsupportedVersion { major, minor, supported: MAJOR_VERSION });
        }
        if major == 0 {
            return Err(bad("major version", field::MAJOR.start, 0, "1"));
        }
        let header_len = prefix.get(field::HEADER_LEN).map_or(0, LE::read_u32);
        let hl = header_len as usize;
        if hl < HEADER_LEN || u64::from(header_len) > HEADER_AREA || hl % 4 != 0 {
            return Err(bad(
                "header length",
                field::HEADER_LEN.start,
                header_len.into(),
                "a multiple of 4 from 128 to 4096",
            ));
        }
        let record = area.get(..hl).ok_or(FormatError::Truncated {
            what: "header",
            need: u64::from(header_len),
            len: file_len,
        })?;
        let (body, crc) = record.split_at(hl - 4);
        let stored = LE::read_u32(crc);
        let computed = crc32c::crc32c(body);
        if stored != computed {
            return Err(FormatError::HeaderChecksum { stored, computed });
        }
        if (area.len() as u64) < HEADER_AREA {
            return Err(FormatError::Truncated {
                what: "header area",
                need: HEADER_AREA,
                len: file_len,
            });
        }
        zeros(area.get(hl..).unwrap_or(&[]), hl)?;
        let h = Header::new_checked(record)?;
        let disc_kind = DiscKind::from_code(h.disc_kind())
            .ok_or_else(|| bad("disc kind", field::DISC_KIND, h.disc_kind().into(), "1, 2 or 3"))?;
        zeros(h.bytes(field::RESERVED_25..field::RESERVED_25 + 1), field::RESERVED_25)?;
        zeros(h.bytes(field::RESERVED_30), field::RESERVED_30.start)?;
        zeros(h.bytes(field::RESERVED_68), field::RESERVED_68.start)?;
        zeros(h.bytes(field::RESERVED_80), field::RESERVED_80.start)?;
        if u32::from(h.data_block_size()) != DATA_BLOCK_SIZE {
            return Err(bad(
                "data block size",
                field::DATA_BLOCK.start,
                h.data_block_size().into(),
                "2048",
            ));
        }
        if u32::from(h.audio_block_size()) != AUDIO_BLOCK_SIZE {
            return Err(bad(
                "audio block size",
                field::AUDIO_BLOCK.start,
                h.audio_block_size().into(),
                "2352",
            ));
        }
        if h.payload_offset() != HEADER_AREA {
            return Err(bad(
                "payload offset",
                field::PAYLOAD_OFFSET.start,
                h.payload_offset(),
                "4096",
            ));
        }
        if h.table_offset() < HEADER_AREA {
            return Err(bad(
                "table offset",
                field::TABLE_OFFSET.start,
                h.table_offset(),
                "at least 4096",
            ));
        }
        let end = h.table_offset().checked_add(h.table_len());
        if end != Some(file_len) {
            return Err(match end {
                Some(need) if need > file_len => {
                    FormatError::Truncated { what: "track table", need, len: file_len }
                }
                _ => bad(
                    "table length",
                    field::TABLE_LEN.start,
                    h.table_len(),
                    "the bytes from the table offset to the end of the file",
                ),
            });
        }
        let tracks = h.track_count();
        if tracks == 0 || tracks > u32::from(MAX_TRACK_NUMBER) {
            return Err(bad("track count", field::TRACK_COUNT.start, tracks.into(), "1 to 99"));
        }
        if h.segment_count() < tracks {
            return Err(bad(
                "segment count",
                field::SEGMENT_COUNT.start,
                h.segment_count().into(),
                "at least one per track",
            ));
        }
        Ok(Self {
            major,
            minor,
            disc_kind,
            payload_offset: h.payload_offset(),
            table_offset: h.table_offset(),
            table_len: h.table_len(),
            table_crc: h.table_crc(),
            track_count: tracks,
            segment_count: h.segment_count(),
            total_blocks: h.total_blocks(),
        })
    }

    /// Bytes [`HeaderRepr::emit`] writes.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the version 1.0 record, checksum included, into `header`. The version fields
    /// are always this crate's ([`MAJOR_VERSION`], [`MINOR_VERSION`]).
    ///
    /// # Panics
    ///
    /// If `header` is shorter than [`HeaderRepr::buffer_len`] (a caller's mistake: the
    /// buffer is the writer's own, never input).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, header: &mut Header<T>) {
        let record = self.record();
        match header.m().get_mut(..HEADER_LEN) {
            Some(dst) => dst.copy_from_slice(&record),
            None => panic!("a header buffer needs {HEADER_LEN} bytes"),
        }
    }

    /// The version 1.0 record, checksum included.
    fn record(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[field::MAGIC].copy_from_slice(&MAGIC);
        b[field::MAJOR].copy_from_slice(&MAJOR_VERSION.to_le_bytes());
        b[field::MINOR].copy_from_slice(&MINOR_VERSION.to_le_bytes());
        b[field::HEADER_LEN].copy_from_slice(&HEADER_LEN_U32.to_le_bytes());
        b[field::DISC_KIND] = self.disc_kind.code();
        b[field::DATA_BLOCK].copy_from_slice(&DATA_BLOCK_U16.to_le_bytes());
        b[field::AUDIO_BLOCK].copy_from_slice(&AUDIO_BLOCK_U16.to_le_bytes());
        b[field::PAYLOAD_OFFSET].copy_from_slice(&self.payload_offset.to_le_bytes());
        b[field::TABLE_OFFSET].copy_from_slice(&self.table_offset.to_le_bytes());
        b[field::TABLE_LEN].copy_from_slice(&self.table_len.to_le_bytes());
        b[field::TABLE_CRC].copy_from_slice(&self.table_crc.to_le_bytes());
        b[field::TRACK_COUNT].copy_from_slice(&self.track_count.to_le_bytes());
        b[field::SEGMENT_COUNT].copy_from_slice(&self.segment_count.to_le_bytes());
        b[field::TOTAL_BLOCKS].copy_from_slice(&self.total_blocks.to_le_bytes());
        let crc = crc32c::crc32c(&b[..field::CRC_V1_0.start]);
        b[field::CRC_V1_0].copy_from_slice(&crc.to_le_bytes());
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr() -> HeaderRepr {
        HeaderRepr {
            major: MAJOR_VERSION,
            minor: MINOR_VERSION,
            disc_kind: DiscKind::Audio,
            payload_offset: HEADER_AREA,
            table_offset: HEADER_AREA + 2352,
            table_len: 100,
            table_crc: 0xdead_beef,
            track_count: 1,
            segment_count: 1,
            total_blocks: 1,
        }
    }

    fn area(r: &HeaderRepr) -> Vec<u8> {
        let mut a = vec![0u8; HEADER_AREA as usize];
        r.emit(&mut Header::new_unchecked(&mut a[..]));
        a
    }

    const FILE_LEN: u64 = HEADER_AREA + 2352 + 100;

    #[test]
    fn emit_then_parse() {
        let r = repr();
        let a = area(&r);
        assert_eq!(&a[..16], &MAGIC);
        assert_eq!(a[24], 2);
        assert_eq!(HeaderRepr::parse(&a, FILE_LEN), Ok(r));
    }

    #[test]
    fn rejections() {
        let a = area(&repr());
        assert!(matches!(HeaderRepr::parse(&a[..10], 10), Err(FormatError::Truncated { .. })));
        assert_eq!(
            HeaderRepr::parse(&a, FILE_LEN + 1),
            Err(FormatError::BadField {
                field: "table length",
                offset: 48,
                value: 100,
                expected: "the bytes from the table offset to the end of the file"
            })
        );
        assert!(matches!(
            HeaderRepr::parse(&a, FILE_LEN - 1),
            Err(FormatError::Truncated { what: "track table", .. })
        ));
        let mut b = a.clone();
        b[0] = b'I';
        assert_eq!(HeaderRepr::parse(&b, FILE_LEN), Err(FormatError::BadMagic));
        let mut b = a.clone();
        b[16] = 2;
        assert_eq!(
            HeaderRepr::parse(&b, FILE_LEN),
            Err(FormatError::UnsupportedVersion { major: 2, minor: 0, supported: 1 })
        );
        let mut b = a.clone();
        b[100] = 1;
        assert!(matches!(HeaderRepr::parse(&b, FILE_LEN), Err(FormatError::HeaderChecksum { .. })));
        let mut b = a.clone();
        b[4000] = 7;
        assert_eq!(
            HeaderRepr::parse(&b, FILE_LEN),
            Err(FormatError::Reserved { offset: 4000, value: 7 })
        );
    }

    #[test]
    fn a_newer_minor_version_with_a_longer_header_is_read() {
        let mut a = area(&repr());
        a[18] = 3; // minor 3
        a[20] = 132; // header length 132: 4 more bytes before the checksum
        a[124..128].copy_from_slice(&[9, 9, 9, 9]);
        let crc = crc32c::crc32c(&a[..128]);
        a[128..132].copy_from_slice(&crc.to_le_bytes());
        let r = HeaderRepr::parse(&a, FILE_LEN).map(|r| (r.major, r.minor));
        assert_eq!(r, Ok((1, 3)));
    }
}
