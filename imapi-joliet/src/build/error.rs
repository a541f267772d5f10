//! Errors of the building side (tree, plan, emit).

use std::io;
use std::path::PathBuf;

use imapi_codes::ImapiCode;

use crate::format::date::DateError;

/// Why a tree could not be built, planned or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// El Torito boot options that cannot be planned.
    #[error(transparent)]
    Boot(#[from] crate::build::boot::BootError),
    /// A file is already at this image path and replacing it was not asked for.
    #[error("{path:?} is already in the image")]
    FileExists {
        /// The image path.
        path: String,
    },
    /// A name Joliet cannot hold.
    #[error("{path:?} has a name Joliet cannot hold: {reason}")]
    BadJolietName {
        /// The image path.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A path component names a file where a directory is needed.
    #[error("{path:?} is a file, not a directory")]
    NotADirectory {
        /// The image path.
        path: String,
    },
    /// An image path that cannot name an entry (empty component, `.`, `..`).
    #[error("{path:?} is not a valid image path")]
    InvalidPath {
        /// The path as given.
        path: String,
    },
    /// A host file or folder could not be read.
    #[error("cannot read {path}")]
    Host {
        /// The host path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A file too large for the ISO level.
    #[error("{path:?} is {size} bytes: files of 4 GiB or more need ISO level 3")]
    FileTooLarge {
        /// The image path.
        path: String,
        /// Its size.
        size: u64,
    },
    /// The volume name does not fit its field.
    #[error("volume name {name:?} is too long: {reason}")]
    VolumeName {
        /// The name as given.
        name: String,
        /// The limit it breaks.
        reason: &'static str,
    },
    /// A descriptor text field (publisher, preparer, application) does not fit.
    #[error("{field} {value:?} is longer than {max} bytes")]
    FieldTooLong {
        /// The field.
        field: &'static str,
        /// The value as given.
        value: String,
        /// Its capacity.
        max: usize,
    },
    /// Too many names collide in one directory to number them.
    #[error("too many names collide in {path:?}")]
    TooManyCollisions {
        /// The directory.
        path: String,
    },
    /// A date that ISO 9660 cannot record.
    #[error("date cannot be recorded")]
    Date(#[from] DateError),
    /// The Rock Ridge entries of a record in this directory cannot be laid out.
    #[error("{path:?}: Rock Ridge system use cannot be laid out")]
    SystemUse {
        /// The directory.
        path: String,
        /// Why.
        #[source]
        source: crate::build::rock_ridge_write::area::AreaError,
    },
    /// The image would not fit the 32-bit block addresses of ISO 9660.
    #[error("the image needs {blocks} blocks, more than ISO 9660 can address")]
    ImageTooLarge {
        /// Blocks needed.
        blocks: u64,
    },
    /// A source's size changed between planning and writing.
    #[error("{path:?} changed size since planning: {planned} bytes planned, {found} found")]
    SourceChanged {
        /// The image path.
        path: String,
        /// Size at planning.
        planned: u64,
        /// Size found while writing.
        found: u64,
    },
    /// A source could not be read while writing.
    #[error("cannot read {source_name} for {path:?}")]
    SourceRead {
        /// The image path.
        path: String,
        /// The source, described.
        source_name: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The output could not be written.
    #[error("cannot write the image")]
    Write(#[source] io::Error),
    /// The cancel flag was raised.
    #[error("cancelled")]
    Cancelled,
    /// A placed file reaches past the end of the placed-data area.
    #[error(
        "{path:?} ({size} bytes at block {block} of the placed area) reaches past the area's \
         {area_blocks} blocks"
    )]
    PlacedOutsideArea {
        /// The image path.
        path: String,
        /// Its block, from the start of the area.
        block: u64,
        /// Its size in bytes.
        size: u64,
        /// The length of the area in blocks.
        area_blocks: u64,
    },
    /// The image has a placed-data area but its bytes were not given: write the metadata
    /// alone ([`crate::Plan::emit_metadata`]) or give the area
    /// ([`crate::Plan::emit_with_placed`]).
    #[error("the placed-data area of {blocks} blocks was not given")]
    PlacedAreaMissing {
        /// The length of the area in blocks.
        blocks: u64,
    },
    /// The reader of the placed-data area ended early or failed.
    #[error("cannot read the placed-data area: {found} of {expected} bytes")]
    PlacedAreaRead {
        /// Bytes the area holds.
        expected: u64,
        /// Bytes read before the end or the failure.
        found: u64,
        /// The failure, if the reader did not simply end.
        #[source]
        source: Option<io::Error>,
    },
    /// An earlier session could not be read for import.
    #[error("cannot import the earlier session")]
    ImportRead(#[source] crate::read::ReadError),
    /// A file of an earlier session whose sections do not follow one another as this crate
    /// records them (full sections of 0xFFFFF800 bytes, one after another): not imported.
    #[error("{path:?} is recorded in sections this image cannot carry over")]
    ImportSections {
        /// The path in the earlier session.
        path: String,
    },
}

impl Error {
    /// The IMAPI result code this error stands for, where one applies.
    pub fn imapi_code(&self) -> Option<ImapiCode> {
        match self {
            Self::FileExists { .. } => Some(ImapiCode::FileExists),
            Self::BadJolietName { .. } | Self::InvalidPath { .. } | Self::VolumeName { .. } => {
                Some(ImapiCode::BadJolietName)
            }
            Self::Cancelled => Some(ImapiCode::UserAbort),
            Self::ImageTooLarge { .. } => Some(ImapiCode::DiscFull),
            Self::Write(_) => Some(ImapiCode::FileAccess),
            Self::SourceChanged { .. }
            | Self::SourceRead { .. }
            | Self::Host { .. }
            | Self::PlacedAreaRead { .. } => Some(ImapiCode::FileAccess),
            Self::PlacedOutsideArea { .. } | Self::ImportSections { .. } => {
                Some(ImapiCode::InvalidImage)
            }
            Self::PlacedAreaMissing { .. } => Some(ImapiCode::Generic),
            Self::ImportRead(e) => e.imapi_code().or(Some(ImapiCode::InvalidImage)),
            _ => None,
        }
    }
}

/// Something the build changed or relaxed, reported as data rather than printed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// A symbolic link was skipped (links are followed only when asked).
    SymlinkSkipped {
        /// The host path of the link.
        path: PathBuf,
    },
    /// A followed link leads back into a folder being added: not followed again.
    SymlinkLoop {
        /// The host path of the link.
        path: PathBuf,
    },
    /// A followed link whose target does not exist.
    SymlinkBroken {
        /// The host path of the link.
        path: PathBuf,
    },
    /// A host entry that is neither a file, a folder nor a link (fifo, socket, device).
    SpecialFileSkipped {
        /// The host path.
        path: PathBuf,
    },
    /// A host name that is not UTF-8; bad bytes became `_`.
    NonUtf8Name {
        /// The host path.
        path: PathBuf,
        /// The name used in the image.
        name: String,
    },
    /// The ISO 9660 name was numbered to stay unique in its directory.
    IsoNameChanged {
        /// The image path.
        path: String,
        /// The ISO 9660 identifier given.
        iso_name: String,
    },
    /// The Joliet name was shortened or had characters replaced.
    JolietNameChanged {
        /// The image path.
        path: String,
        /// The Joliet name given.
        joliet_name: String,
    },
    /// A directory deeper than ECMA-119's 8 levels (kept, as xorriso does).
    DeepDirectory {
        /// The image path.
        path: String,
        /// Its level (root = 1).
        level: usize,
    },
    /// An ISO 9660 path longer than ECMA-119's 255 bytes (kept).
    LongPath {
        /// The image path.
        path: String,
        /// The ISO 9660 path length.
        len: usize,
    },
    /// A volume name with characters outside the d-characters, kept as given (`cidata`).
    RelaxedVolumeName {
        /// The name.
        name: String,
    },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SymlinkSkipped { path } => write!(f, "{}: symbolic link skipped", path.display()),
            Self::SymlinkLoop { path } => write!(f, "{}: link loop, not followed", path.display()),
            Self::SymlinkBroken { path } => {
                write!(f, "{}: link to nothing, skipped", path.display())
            }
            Self::SpecialFileSkipped { path } => {
                write!(f, "{}: not a regular file or folder, skipped", path.display())
            }
            Self::NonUtf8Name { path, name } => {
                write!(f, "{}: name is not UTF-8, recorded as {name:?}", path.display())
            }
            Self::IsoNameChanged { path, iso_name } => {
                write!(f, "{path}: ISO 9660 name {iso_name} (collision)")
            }
            Self::JolietNameChanged { path, joliet_name } => {
                write!(f, "{path}: Joliet name {joliet_name:?}")
            }
            Self::DeepDirectory { path, level } => {
                write!(f, "{path}: level {level} is deeper than ISO 9660's 8 (kept)")
            }
            Self::LongPath { path, len } => {
                write!(f, "{path}: ISO 9660 path of {len} bytes exceeds 255 (kept)")
            }
            Self::RelaxedVolumeName { name } => {
                write!(f, "volume name {name:?} kept as given (not d-characters)")
            }
        }
    }
}
