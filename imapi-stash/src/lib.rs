//! The stash: one file holding everything the burn engine needs to write a disc, and the
//! contract between the master that stages it and the engine that burns it.
//!
//! # Brief overview
//!
//! [`StashWriter`] creates a stash in a folder (taking the folder's lock, so a second
//! process gets IMAPI_E_STASHINUSE, and checking the free space up front), stages tracks
//! ([`StashWriter::begin_track`], [`StashWriter::append_blocks`],
//! [`StashWriter::append_reader`], [`StashWriter::append_file_range`], with progress and
//! cancel in [`StashWriter::append_reader_with`] and [`StashWriter::append_file_range_with`],
//! [`StashWriter::reserve`] and [`StashWriter::fill`], [`StashWriter::prepend_blocks`],
//! [`StashWriter::end_track`]), records the disc metadata ([`DiscInfo`]), and
//! [`StashWriter::finish`]es it: checksums, flush, rename. Until then the stash does not
//! open as valid. A [`Checkpoint`] taken while staging lets [`StashWriter::rollback`] undo
//! a failed add, and [`StashWriter::reopen`] turn a finished stash back into a partial one
//! after a failed burn. [`StashWriter::clear`] empties it (IMAPI's ClearFormatContent).
//!
//! [`Stash`] opens a finished stash over any `Read + Seek` (a [`std::fs::File`], a
//! `Cursor<&[u8]>`), checks header and table strictly, lists the [`Track`]s, reads each
//! track in disc order with a [`TrackReader`], and verifies every segment with
//! [`Stash::verify`]. Every error is a [`StashError`] naming its IMAPI code
//! ([`StashError::imapi_code`]).
//!
//! ```
//! use imapi_stash::{DiscKind, Overflow, Stash, StashOptions, StashWriter, TrackInfo};
//! use std::io::Read;
//!
//! let dir = tempfile::tempdir()?;
//! let mut w = StashWriter::create(dir.path(), &StashOptions::new(DiscKind::Data))?;
//! w.begin_track(TrackInfo::data())?;
//! w.append_blocks(&[7u8; 4096], Overflow::AllOrNothing)?; // the files' data
//! let staged = w.checkpoint();
//! w.prepend_blocks(&[1u8; 2048])?; // their metadata: written last, read first
//! w.end_track()?;
//! let path = w.finish()?;
//!
//! let mut stash = Stash::open(&path)?;
//! assert_eq!(stash.tracks()[0].blocks, 3);
//! assert_eq!(stash.tracks()[0].segments.len(), 2);
//! let mut bytes = Vec::new();
//! stash.track_reader(0)?.read_to_end(&mut bytes)?;
//! assert_eq!(&bytes[..2048], &[1u8; 2048][..]);
//! assert_eq!(&bytes[2048..], &[7u8; 4096][..]);
//! assert_eq!(stash.verify()?.segments, 2);
//! drop(stash);
//!
//! // The burn failed: stage on from before the metadata.
//! w.reopen(staged)?;
//! assert!(Stash::open_in(dir.path()).is_err());
//! assert_eq!(w.used_blocks(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The format, version 1.0
//!
//! All numbers are little-endian; offsets are in bytes; "CRC" is CRC-32C (Castagnoli,
//! reflected polynomial `0x82F63B78`, initial value and final XOR `0xFFFFFFFF`; the CRC of
//! `"123456789"` is `0xE3069283`). A file is three parts, in this order, with nothing
//! after:
//!
//! | offset | bytes | part |
//! |---|---|---|
//! | 0 | 4096 | header area: the header record, then zeros |
//! | 4096 | P | payload: the blocks of every segment |
//! | 4096 + P | T | track table |
//!
//! The segments tile the payload exactly: no two share a byte, and every payload byte
//! belongs to one. A segment's place in the file says nothing of its place on the disc: the
//! table lists each track's segments in disc order. On a data disc the first segment of a
//! data track (its file-system metadata) is typically the last one written in the file,
//! after the files' data that follows it on the disc.
//!
//! ## Header record (128 bytes in version 1.0)
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 16 | magic `89 49 4D 41 50 49 2D 53 54 41 53 48 0D 0A 1A 0A` (`\x89IMAPI-STASH\r\n\x1a\n`) |
//! | 16 | 2 | major version: 1. A reader refuses a higher one |
//! | 18 | 2 | minor version: 0. Minor versions only add fields; readers accept any |
//! | 20 | 4 | header length H, checksum included: a multiple of 4, 128 to 4096 (128 in 1.0) |
//! | 24 | 1 | disc kind: 1 data, 2 audio, 3 mixed |
//! | 25 | 1 | reserved, 0 |
//! | 26 | 2 | data block size: 2048 |
//! | 28 | 2 | audio block size: 2352 |
//! | 30 | 2 | reserved, 0 |
//! | 32 | 8 | payload offset: 4096 |
//! | 40 | 8 | table offset: 4096 + P |
//! | 48 | 8 | table length T; table offset + T is the file's length |
//! | 56 | 4 | CRC of the track table |
//! | 60 | 4 | track count, 1 to 99 |
//! | 64 | 4 | segment count, all tracks |
//! | 68 | 4 | reserved, 0 |
//! | 72 | 8 | payload blocks, all tracks |
//! | 80 | 44 | reserved, 0 (a later minor version puts new fields after byte 124) |
//! | H − 4 | 4 | CRC of header bytes `0..H−4` (offset 124 in 1.0) |
//!
//! Bytes H to 4095 are zero.
//!
//! ## Track table
//!
//! | offset | bytes | part |
//! |---|---|---|
//! | 0 | 16 | prefix |
//! | 16 | 32 | disc record |
//! | 48 | 48 × tracks | track records, in disc order |
//! | … | 16 × segments | segment records: track 1's in disc order, then track 2's, … |
//! | … | 18 × packs | CD-Text packs, in lead-in order |
//!
//! Prefix:
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 4 | table magic `STBL` |
//! | 4 | 4 | track count (= header's) |
//! | 8 | 4 | segment count (= header's), at most 2^24 |
//! | 12 | 4 | CD-Text pack count, at most 2048 |
//!
//! Disc record:
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 1 | first track number, 1 to 99; the last track's number is at most 99 |
//! | 1 | 1 | flags: bit 0 MCN present, bit 1 session start present, bit 2 leave the disc appendable (multisession) instead of finalizing; other bits 0 |
//! | 2 | 2 | reserved, 0 |
//! | 4 | 4 | session start LBA (signed), where this session's first track starts; 0 without bit 1 |
//! | 8 | 13 | MCN, 13 ASCII digits; zeros without bit 0 |
//! | 21 | 11 | reserved, 0 |
//!
//! Track record:
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 1 | track number: first track number + index |
//! | 1 | 1 | mode: 0 audio, 1 Mode 1, 2 Mode 2 |
//! | 2 | 1 | control bits (CTL nibble): bit 0 pre-emphasis, bit 1 copy permitted, bit 2 data, bit 3 four-channel; high nibble 0. Bit 2 is set exactly on data tracks; bits 0 and 3 only on audio |
//! | 3 | 1 | flags: bit 0 ISRC present, bit 1 start LBA fixed; other bits 0 |
//! | 4 | 2 | block size: 2352 for audio; 2048 (user data) or 2352 (raw sectors) for data |
//! | 6 | 2 | reserved, 0 |
//! | 8 | 4 | pregap blocks (INDEX 00), generated by the engine, not in the payload |
//! | 12 | 4 | start LBA (signed) of the first payload block; 0 without flag bit 1 |
//! | 16 | 12 | ISRC `CCOOOYYSSSSS` (`0-9A-Z` ×5, digits ×7), audio only; zeros without flag bit 0 |
//! | 28 | 4 | index of the track's first segment record (the previous track's first + count) |
//! | 32 | 4 | segment count, at least 1 |
//! | 36 | 4 | reserved, 0 |
//! | 40 | 8 | payload blocks: the sum of its segments' blocks |
//!
//! Segment record (a run of the track's blocks):
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 8 | file offset of the first block, inside the payload |
//! | 8 | 4 | block count, at least 1 (bytes: count × the track's block size) |
//! | 12 | 4 | CRC of the segment's bytes |
//!
//! CD-Text pack: 18 bytes as they go to the lead-in; byte 0 (the pack type) is `0x80` to
//! `0x8F`.
//!
//! ## Checks and atomicity
//!
//! A reader checks, in order: magic, major version, header length, header CRC, zero
//! padding, every header field, that the table ends the file, the table CRC, then every
//! table field, the numbering, each segment inside the payload, the tiling, and the disc
//! kind of every track. Any failure is IMAPI_E_INVALIDIMAGE naming the field and its offset.
//! Segment CRCs are checked by [`Stash::verify`] and as a [`TrackReader`] passes.
//!
//! The writer stages under [`PARTIAL_FILE_NAME`] with a zeroed header area and writes the
//! table and header only at [`StashWriter::finish`], then flushes (`fsync`) and renames to
//! [`STASH_FILE_NAME`]: a writer that dies leaves nothing that opens as a stash.
//!
//! ## Sealing a data track
//!
//! A master that captures each file's bytes as it is added appends them to the open data
//! track, and plans the file system only when the burn starts. It then takes a
//! [`Checkpoint`] and seals the stash: [`StashWriter::prepend_blocks`] writes the metadata
//! at the end of the payload and lists it as the track's first segment, the track is ended,
//! the disc metadata set, and [`StashWriter::finish`] writes table and header. No data is
//! copied twice. If the burn fails, [`StashWriter::reopen`] with that checkpoint renames the
//! stash back to [`PARTIAL_FILE_NAME`], cuts the table and metadata off and zeroes the
//! header area, so that staging goes on and the next seal writes fresh metadata; the
//! writer keeps the folder's lock all along.
//!
//! ## Compatibility
//!
//! Prepending, checkpoints and reopening change no byte of the format: the version stays
//! 1.0, and a 1.0 reader reads these stashes, as every reader reads the 1.0 stashes written
//! before. The one thing a reader must not assume, and never could, is that a track's
//! segments come in file order.
#![deny(missing_docs)]

mod error;
mod flush;
#[doc(hidden)]
pub mod fuzzing;
mod header;
mod lock;
mod model;
mod reader;
mod space;
mod table;
mod track;
mod writer;

pub use error::{FormatError, StashError};
pub use header::{
    Header, HeaderRepr, HEADER_AREA, HEADER_LEN, MAGIC, MAJOR_VERSION, MINOR_VERSION,
};
pub use lock::{StashLock, LOCK_FILE_NAME};
pub use model::{
    CdTextPack, Control, DiscInfo, DiscKind, Isrc, Mcn, Segment, SessionClose, Track, TrackInfo,
    TrackMode, AUDIO_BLOCK_SIZE, CD_TEXT_PACK_LEN, DATA_BLOCK_SIZE, MAX_CD_TEXT_PACKS,
    MAX_TRACK_NUMBER,
};
pub use reader::{Stash, Verification};
pub use space::available_space;
pub use table::{MAX_SEGMENTS, TABLE_MAGIC};
pub use track::TrackReader;
pub use writer::{
    Checkpoint, Overflow, Reservation, StashOptions, StashWriter, PARTIAL_FILE_NAME,
    STASH_FILE_NAME,
};

/// Whether `bytes` start with the stash magic: a quick test to tell a stash from other
/// files (it does not check anything else).
pub fn has_magic(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}
