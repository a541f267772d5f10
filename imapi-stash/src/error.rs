//! Errors: [`FormatError`] says what is wrong in a stash's bytes; [`StashError`] is what every
//! call returns, and names its IMAPI result code.

use imapi_codes::ImapiCode;
use std::io;
use std::path::PathBuf;

/// What is wrong with the bytes of a stash (always IMAPI_E_INVALIDIMAGE). Offsets are byte
/// offsets in the stash file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The file ends before a part it must hold.
    #[error("the file is {len} bytes, too short for the {what} ({need} bytes needed)")]
    Truncated {
        /// The part that does not fit.
        what: &'static str,
        /// Bytes the file would need.
        need: u64,
        /// Bytes the file has.
        len: u64,
    },
    /// The first 16 bytes are not the stash magic.
    #[error("bad magic at offset 0: not a stash")]
    BadMagic,
    /// The stash was written by a newer major version of the format.
    #[error("format version {major}.{minor} is newer than this reader (version {supported}.x)")]
    UnsupportedVersion {
        /// Major version found.
        major: u16,
        /// Minor version found.
        minor: u16,
        /// The major version this reader understands.
        supported: u16,
    },
    /// The header's CRC-32C does not match its bytes.
    #[error("header checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    HeaderChecksum {
        /// Value in the file.
        stored: u32,
        /// Value of the bytes.
        computed: u32,
    },
    /// The table's CRC-32C (in the header) does not match the table's bytes.
    #[error("track table checksum mismatch at offset {offset}: stored {stored:#010x}, computed {computed:#010x}")]
    TableChecksum {
        /// Offset of the table.
        offset: u64,
        /// Value in the header.
        stored: u32,
        /// Value of the bytes.
        computed: u32,
    },
    /// A segment's CRC-32C does not match its blocks.
    #[error("track {track} segment {segment} at offset {offset}: checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    SegmentChecksum {
        /// Track number.
        track: u8,
        /// Index of the segment in its track.
        segment: u32,
        /// Offset of the segment.
        offset: u64,
        /// Value in the table.
        stored: u32,
        /// Value of the bytes.
        computed: u32,
    },
    /// A field holds a value the format does not allow.
    #[error("{field} at offset {offset}: value {value} is invalid (expected {expected})")]
    BadField {
        /// Name of the field.
        field: &'static str,
        /// Offset of the field.
        offset: u64,
        /// The value found.
        value: u64,
        /// What the format requires.
        expected: &'static str,
    },
    /// A reserved or padding byte is not zero.
    #[error("reserved byte at offset {offset} is {value:#04x}, not zero")]
    Reserved {
        /// Offset of the byte.
        offset: u64,
        /// Its value.
        value: u8,
    },
    /// A segment reaches outside the payload.
    #[error("track {track} segment {segment}: {blocks} blocks at offset {offset} reach outside the payload ({start}..{end})")]
    SegmentOutOfRange {
        /// Track number.
        track: u8,
        /// Index of the segment in its track.
        segment: u32,
        /// Offset of the segment.
        offset: u64,
        /// Its blocks.
        blocks: u32,
        /// Start of the payload.
        start: u64,
        /// End of the payload.
        end: u64,
    },
    /// Two segments share bytes.
    #[error("segments at offsets {first} and {second} overlap")]
    SegmentsOverlap {
        /// Offset of the lower segment.
        first: u64,
        /// Offset of the segment that starts inside it.
        second: u64,
    },
    /// The segments do not cover the payload exactly.
    #[error("the segments cover {covered} of the payload's {payload} bytes")]
    PayloadNotCovered {
        /// Bytes covered.
        covered: u64,
        /// Bytes of payload.
        payload: u64,
    },
    /// The file ended in the middle of a segment's blocks while reading them.
    #[error("the file ends inside the segment at offset {offset}")]
    UnexpectedEof {
        /// Offset of the segment.
        offset: u64,
    },
}

/// Every failure of the stash: writing, reading or checking. [`StashError::imapi_code`] gives
/// the IMAPI result code it stands for.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StashError {
    /// The stash's bytes are wrong (IMAPI_E_INVALIDIMAGE).
    #[error("invalid stash: {0}")]
    Invalid(#[from] FormatError),
    /// Another process (or another writer in this one) holds the stash's lock
    /// (IMAPI_E_STASHINUSE).
    #[error("the stash locked by {lock} is in use by another writer")]
    InUse {
        /// The lock file.
        lock: PathBuf,
    },
    /// The folder lacks the free space asked for up front (IMAPI_E_NOTENOUGHDISKFORSTASH).
    #[error("{dir} has {available} bytes free, the stash needs {needed}")]
    NotEnoughDisk {
        /// The stash folder.
        dir: PathBuf,
        /// Bytes asked for.
        needed: u64,
        /// Bytes free.
        available: u64,
    },
    /// The disk filled up while the stash was being written (IMAPI_E_NOTENOUGHDISKFORSTASH).
    #[error("no space left on the disk writing {path}")]
    DiskFull {
        /// The file being written.
        path: PathBuf,
        /// The system's error.
        #[source]
        source: io::Error,
    },
    /// The blocks would pass the capacity the medium allows (IMAPI_E_DISCFULL).
    #[error(
        "disc full: {requested} more blocks asked for, {available} of {capacity} left; {kept} kept"
    )]
    DiscFull {
        /// The capacity limit, in blocks.
        capacity: u64,
        /// Blocks that were still free before the call.
        available: u64,
        /// Blocks the call asked for (for a `Read`, at least this many).
        requested: u64,
        /// Blocks the call kept (0 under [`crate::Overflow::AllOrNothing`]).
        kept: u64,
    },
    /// A file operation failed (IMAPI_E_FILEACCESS).
    #[error("cannot {what} {path}")]
    Io {
        /// The operation, as a verb phrase ("create", "write", ...).
        what: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The system's error.
        #[source]
        source: io::Error,
    },
    /// Reading a stash or a source failed.
    #[error("cannot read {what}")]
    Read {
        /// What was being read.
        what: &'static str,
        /// The system's error.
        #[source]
        source: io::Error,
    },
    /// A track is already open (IMAPI_E_TRACKOPEN).
    #[error("a track is open: end it first")]
    TrackOpen,
    /// No track is open (IMAPI_E_TRACKNOTOPEN).
    #[error("no track is open: begin one first")]
    TrackNotOpen,
    /// The track's mode does not belong on this kind of disc (IMAPI_E_WRONGFORMAT).
    #[error("a {mode} track does not belong on a {kind} disc")]
    WrongKind {
        /// The disc kind.
        kind: crate::DiscKind,
        /// The track mode.
        mode: crate::TrackMode,
    },
    /// A 100th track, or a track number past 99 (IMAPI_E_DISCFULL).
    #[error("track number {number} is past 99")]
    TooManyTracks {
        /// The number the track would have.
        number: u32,
    },
    /// The track's settings contradict each other.
    #[error("invalid track: {0}")]
    InvalidTrack(&'static str),
    /// The disc metadata is not valid.
    #[error("invalid disc metadata: {0}")]
    InvalidDiscInfo(&'static str),
    /// Text that is not a 12-character ISRC.
    #[error("{0:?} is not an ISRC (CCOOOYYSSSSS)")]
    BadIsrc(String),
    /// Text that is not a 13-digit MCN.
    #[error("{0:?} is not a 13-digit MCN")]
    BadMcn(String),
    /// Bytes that are not a whole number of blocks.
    #[error("{len} bytes are not a whole number of {block_size}-byte blocks")]
    PartialBlock {
        /// Bytes given.
        len: u64,
        /// The track's block size.
        block_size: u32,
    },
    /// A source ended before the bytes it was asked for.
    #[error("the source ended after {got} of {expected} bytes")]
    SourceTooShort {
        /// Bytes asked for.
        expected: u64,
        /// Bytes read.
        got: u64,
    },
    /// The reservation was filled already, cleared, rolled back, or belongs to another writer.
    #[error("the reservation of {blocks} blocks at offset {offset} is no longer open")]
    StaleReservation {
        /// Offset of the reservation.
        offset: u64,
        /// Its blocks.
        blocks: u32,
    },
    /// A reserved segment was never filled (IMAPI_E_INVALIDIMAGE).
    #[error(
        "track {track}: the reservation of {blocks} blocks at offset {offset} was never filled"
    )]
    UnfilledReservation {
        /// Track number.
        track: u8,
        /// Offset of the reservation.
        offset: u64,
        /// Its blocks.
        blocks: u32,
    },
    /// Nothing to finish: the stash has no track (IMAPI_E_INVALIDIMAGE).
    #[error("the stash has no track")]
    Empty,
    /// No track at this index.
    #[error("no track at index {index}: the stash has {count}")]
    NoSuchTrack {
        /// The index asked for.
        index: usize,
        /// Tracks in the stash.
        count: usize,
    },
    /// Filling a reservation with the wrong number of bytes.
    #[error("the reservation takes {expected} bytes, {got} were given")]
    WrongFillLength {
        /// Bytes the reservation holds.
        expected: u64,
        /// Bytes given.
        got: u64,
    },
    /// The stash was finished: reopen it ([`crate::StashWriter::reopen`]) or clear it
    /// before staging again.
    #[error("the stash is finished: reopen or clear it to stage again")]
    Finished,
    /// The caller's progress callback asked to stop (IMAPI_E_USERABORT).
    #[error("cancelled")]
    Cancelled,
    /// The checkpoint is not one of this stash as it now stands: it comes from another
    /// writer, from before a [`crate::StashWriter::clear`], or from after an earlier
    /// checkpoint that the writer has since rolled back to.
    #[error("the checkpoint does not belong to this stash as it now stands")]
    StaleCheckpoint,
    /// Reopening a stash that is not finished.
    #[error("the stash is not finished: there is nothing to reopen")]
    NotFinished,
}

impl StashError {
    /// The IMAPI result code this error stands for, where one applies.
    pub fn imapi_code(&self) -> Option<ImapiCode> {
        Some(match self {
            Self::Invalid(_) | Self::UnfilledReservation { .. } | Self::Empty => {
                ImapiCode::InvalidImage
            }
            Self::InUse { .. } => ImapiCode::StashInUse,
            Self::NotEnoughDisk { .. } | Self::DiskFull { .. } => ImapiCode::NotEnoughDiskForStash,
            Self::DiscFull { .. } | Self::TooManyTracks { .. } => ImapiCode::DiscFull,
            Self::Io { .. } => ImapiCode::FileAccess,
            Self::TrackOpen => ImapiCode::TrackOpen,
            Self::TrackNotOpen => ImapiCode::TrackNotOpen,
            Self::WrongKind { .. } => ImapiCode::WrongFormat,
            Self::Cancelled => ImapiCode::UserAbort,
            Self::Read { .. }
            | Self::InvalidTrack(_)
            | Self::InvalidDiscInfo(_)
            | Self::BadIsrc(_)
            | Self::BadMcn(_)
            | Self::PartialBlock { .. }
            | Self::SourceTooShort { .. }
            | Self::StaleReservation { .. }
            | Self::NoSuchTrack { .. }
            | Self::WrongFillLength { .. }
            | Self::Finished
            | Self::StaleCheckpoint
            | Self::NotFinished => return None,
        })
    }

    /// The I/O error of a file operation on `path`: a full disk becomes
    /// [`StashError::DiskFull`], anything else [`StashError::Io`].
    pub(crate) fn io(what: &'static str, path: &std::path::Path, source: io::Error) -> Self {
        if is_disk_full(&source) {
            Self::DiskFull { path: path.to_owned(), source }
        } else {
            Self::Io { what, path: path.to_owned(), source }
        }
    }

    /// Turns an I/O error met while reading back into a stash error: an error this crate put
    /// inside an `io::Error` (see [`crate::TrackReader`]) comes back out as itself.
    pub(crate) fn from_read(what: &'static str, source: io::Error) -> Self {
        if let Some(format) = source.get_ref().and_then(|inner| inner.downcast_ref::<FormatError>())
        {
            return Self::Invalid(*format);
        }
        Self::Read { what, source }
    }
}

/// Whether an I/O error means the disk (or the user's quota) is full.
pub(crate) fn is_disk_full(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded)
        || e.raw_os_error() == Some(28)
}

/// The error of a reader that claims more bytes than it was given room for.
pub(crate) fn overlong_read() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the reader returned more bytes than it was asked for",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_imapi_rules() {
        let e = StashError::io(
            "write",
            std::path::Path::new("/x"),
            io::Error::from(io::ErrorKind::StorageFull),
        );
        assert!(matches!(e, StashError::DiskFull { .. }));
        assert_eq!(e.imapi_code(), Some(ImapiCode::NotEnoughDiskForStash));
        let e =
            StashError::io("write", std::path::Path::new("/x"), io::Error::from_raw_os_error(28));
        assert_eq!(e.imapi_code(), Some(ImapiCode::NotEnoughDiskForStash));
        let e = StashError::io(
            "write",
            std::path::Path::new("/x"),
            io::Error::from(io::ErrorKind::PermissionDenied),
        );
        assert_eq!(e.imapi_code(), Some(ImapiCode::FileAccess));
        assert_eq!(
            StashError::from(FormatError::BadMagic).imapi_code(),
            Some(ImapiCode::InvalidImage)
        );
        assert_eq!(
            StashError::InUse { lock: PathBuf::new() }.imapi_code(),
            Some(ImapiCode::StashInUse)
        );
    }

    #[test]
    fn format_errors_come_back_out_of_io_errors() {
        let io = io::Error::new(io::ErrorKind::InvalidData, FormatError::BadMagic);
        assert!(matches!(
            StashError::from_read("x", io),
            StashError::Invalid(FormatError::BadMagic)
        ));
        let io = io::Error::other("plain");
        assert!(matches!(StashError::from_read("x", io), StashError::Read { .. }));
    }
}
