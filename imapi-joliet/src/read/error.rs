//! What can go wrong while reading an image, and where.

use imapi_codes::ImapiCode;

/// A failure to read an image. Every variant names the block, byte or path at fault.
///
/// Blocks are absolute 2048-byte block numbers from the start of the image; `offset` is the
/// byte within that block.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The underlying reader failed.
    #[error("cannot read {len} bytes at byte {offset} of the image")]
    Io {
        /// First byte asked for.
        offset: u64,
        /// Bytes asked for.
        len: u64,
        /// What the reader said.
        #[source]
        source: std::io::Error,
    },
    /// A structure reaches past the end of the image.
    #[error(
        "{what} at block {block} needs bytes up to {end}, but the image ends at byte {image_len}"
    )]
    Truncated {
        /// The structure, such as "directory" or "path table".
        what: &'static str,
        /// Its first block.
        block: u64,
        /// One past its last byte.
        end: u64,
        /// The image's length in bytes.
        image_len: u64,
    },
    /// The first volume descriptor block does not carry `CD001`.
    #[error("block {block} holds no ISO 9660 volume descriptor (no CD001)")]
    NotIso {
        /// The block looked at.
        block: u64,
    },
    /// The volume descriptor set has no terminator.
    #[error("volume descriptor set is not terminated: block {block} is no volume descriptor")]
    NoTerminator {
        /// The first block that is not a descriptor.
        block: u64,
    },
    /// More volume descriptors than the reader accepts before the terminator.
    #[error("more than {limit} volume descriptors before the terminator")]
    TooManyDescriptors {
        /// The limit.
        limit: u32,
    },
    /// The set holds no primary volume descriptor.
    #[error("no primary volume descriptor before the terminator at block {block}")]
    NoPrimary {
        /// The terminator's block.
        block: u64,
    },
    /// A primary or Joliet descriptor has a version other than 1.
    #[error("volume descriptor at block {block} has version {version}, not 1")]
    DescriptorVersion {
        /// The descriptor's block.
        block: u64,
        /// The version found.
        version: u8,
    },
    /// A descriptor declares a logical block size other than 2048.
    #[error(
        "volume descriptor at block {block} declares a logical block size of {size}, not 2048"
    )]
    BlockSize {
        /// The descriptor's block.
        block: u64,
        /// The size found.
        size: u16,
    },
    /// A both-endian field whose halves disagree (strict reading).
    #[error(
        "{what} at block {block} byte {offset}: little-endian half {le}, big-endian half {be}"
    )]
    Endian {
        /// The field.
        what: &'static str,
        /// The block holding it.
        block: u64,
        /// Its byte in the block.
        offset: usize,
        /// The little-endian half.
        le: u32,
        /// The big-endian half.
        be: u32,
    },
    /// The root directory record of a volume descriptor is malformed.
    #[error("root directory record of the volume descriptor at block {block}: {reason}")]
    BadRootRecord {
        /// The descriptor's block.
        block: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// A directory record shorter than the 34 bytes of the smallest record.
    #[error("directory record at block {block} byte {offset}: length {len_dr} is below 34")]
    RecordTooShort {
        /// The block holding the record.
        block: u64,
        /// Its byte in the block.
        offset: usize,
        /// Its LEN_DR.
        len_dr: u8,
    },
    /// A directory record that does not fit in its sector (ECMA-119 §6.8.1.1).
    #[error(
        "directory record at block {block} byte {offset}: length {len_dr} crosses the sector end"
    )]
    RecordCrossesSector {
        /// The block holding the record.
        block: u64,
        /// Its byte in the block.
        offset: usize,
        /// Its LEN_DR.
        len_dr: u8,
    },
    /// A directory record that reaches past its directory's data length.
    #[error(
        "directory record at block {block} byte {offset}: length {len_dr} passes the directory's \
         end ({dir_len} bytes)"
    )]
    RecordPastDirectory {
        /// The block holding the record.
        block: u64,
        /// Its byte in the block.
        offset: usize,
        /// Its LEN_DR.
        len_dr: u8,
        /// The directory's data length.
        dir_len: u32,
    },
    /// A directory record whose identifier runs past the record.
    #[error(
        "directory record at block {block} byte {offset}: identifier of {len_fi} bytes does not \
         fit in a record of {len_dr}"
    )]
    IdentifierPastRecord {
        /// The block holding the record.
        block: u64,
        /// Its byte in the block.
        offset: usize,
        /// Its LEN_FI.
        len_fi: u8,
        /// Its LEN_DR.
        len_dr: u8,
    },
    /// A directory record with an empty identifier.
    #[error("directory record at block {block} byte {offset}: empty identifier")]
    EmptyIdentifier {
        /// The block holding the record.
        block: u64,
        /// Its byte in the block.
        offset: usize,
    },
    /// A multi-extent file whose last section is missing.
    #[error(
        "multi-extent file {name:?} at block {block} byte {offset}: no final section (flag 0x80 \
         on its last record)"
    )]
    UnterminatedMultiExtent {
        /// The file's identifier.
        name: String,
        /// The block of its first record.
        block: u64,
        /// The byte of its first record.
        offset: usize,
    },
    /// A section of a multi-extent file that does not match the first one.
    #[error("multi-extent file {name:?}: record at block {block} byte {offset} {reason}")]
    BadMultiExtent {
        /// The file's identifier.
        name: String,
        /// The block of the record at fault.
        block: u64,
        /// Its byte in the block.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A directory reached twice in one walk: a cycle, or two records sharing one directory.
    #[error(
        "directory {path:?} at block {block} was already visited (a cycle or a shared directory)"
    )]
    Cycle {
        /// The path that reached it again.
        path: String,
        /// Its block.
        block: u32,
    },
    /// A directory nested deeper than the reader's limit.
    #[error("directory {path:?} is nested deeper than the limit of {limit} levels")]
    TooDeep {
        /// The directory.
        path: String,
        /// The limit.
        limit: u32,
    },
    /// More directory records than the reader's budget for one call.
    #[error("more than {limit} directory records visited; the image is too large or hostile")]
    RecordBudget {
        /// The budget.
        limit: u64,
    },
    /// A path table that is malformed.
    #[error("{table} path table at block {block} byte {offset}: {reason}")]
    BadPathTable {
        /// Which table ("L" or "M", ISO 9660 or Joliet).
        table: &'static str,
        /// The table's first block.
        block: u32,
        /// The byte in the table at fault.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A path table larger than the reader accepts.
    #[error("{table} path table declares {size} bytes, more than the limit of {limit}")]
    PathTableTooLarge {
        /// Which table.
        table: &'static str,
        /// The declared size.
        size: u32,
        /// The limit.
        limit: u32,
    },
    /// A file whose data lies (partly) outside the image.
    #[error(
        "{path:?}: section at block {block} of {len} bytes ends past the image end (byte \
         {image_len})"
    )]
    ExtentOutOfImage {
        /// The file.
        path: String,
        /// The section's first block.
        block: u64,
        /// The section's length.
        len: u32,
        /// The image's length in bytes.
        image_len: u64,
    },
    /// An interleaved file (unit size or gap set), which the reader does not read.
    #[error("{path:?} is recorded interleaved, which is not supported")]
    Interleaved {
        /// The file.
        path: String,
    },
    /// No entry at a path.
    #[error("{path:?}: no such file or directory in the image")]
    NotFound {
        /// The path looked up.
        path: String,
    },
    /// A path goes through something that is not a directory.
    #[error("{path:?} is not a directory")]
    NotADirectory {
        /// The path.
        path: String,
    },
    /// A file operation on a directory.
    #[error("{path:?} is a directory")]
    IsADirectory {
        /// The path.
        path: String,
    },
    /// The Joliet tree was asked for, but the image has none.
    #[error("the image has no Joliet volume descriptor")]
    NoJoliet,
    /// The Rock Ridge view was asked for, but the image has no Rock Ridge.
    #[error("the image has no Rock Ridge entries")]
    NoRockRidge,
    /// A `CE` entry names a continuation area that cannot be read.
    #[error(
        "{path:?} (record at block {block} byte {offset}): continuation area at block \
         {ce_block} {reason}"
    )]
    BadContinuation {
        /// The entry whose record holds the `CE`.
        path: String,
        /// The block of the record.
        block: u64,
        /// The record's byte in its block.
        offset: usize,
        /// The continuation area's block.
        ce_block: u32,
        /// What is wrong.
        reason: &'static str,
    },
    /// A `CL` entry that does not lead to a relocated directory.
    #[error("{path:?}: relocated directory at block {target}: {reason}")]
    BadRelocation {
        /// The placeholder's name.
        path: String,
        /// The block the `CL` names.
        target: u32,
        /// What is wrong.
        reason: &'static str,
    },
    /// A file too large to read into memory at once.
    #[error("{path:?} holds {size} bytes, more than {limit} read into memory at once; stream it")]
    FileTooLarge {
        /// The file.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The El Torito boot catalog is malformed.
    #[error("El Torito boot catalog at block {block}")]
    BootCatalog {
        /// Its block.
        block: u64,
        /// What is wrong with it.
        #[source]
        source: crate::format::eltorito::CatalogError,
    },
}

impl ReadError {
    /// The IMAPI result code this error stands for: `IMAPI_E_INVALIDIMAGE` for a malformed
    /// image, none for a lookup that found nothing or a failing reader.
    pub fn imapi_code(&self) -> Option<ImapiCode> {
        match self {
            Self::Io { .. }
            | Self::NotFound { .. }
            | Self::NotADirectory { .. }
            | Self::IsADirectory { .. }
            | Self::NoJoliet
            | Self::NoRockRidge
            | Self::FileTooLarge { .. } => None,
            _ => Some(ImapiCode::InvalidImage),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_separate_bad_images_from_bad_lookups() {
        let bad = ReadError::RecordTooShort { block: 20, offset: 68, len_dr: 12 };
        assert_eq!(bad.imapi_code(), Some(ImapiCode::InvalidImage));
        assert_eq!(bad.to_string(), "directory record at block 20 byte 68: length 12 is below 34");
        let missing = ReadError::NotFound { path: "/A".into() };
        assert_eq!(missing.imapi_code(), None);
    }
}
