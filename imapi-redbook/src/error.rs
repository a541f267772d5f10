//! One error type for callers that mix the crate's parts.

use crate::cdrdao_toc::TocFileError;
use crate::cdtext::CdTextError;
use crate::cue::{CueError, CueWriteError};
use crate::image::ImageError;
use crate::isrc::CodeError;
use crate::layout::LayoutError;
use crate::msf::MsfError;
use crate::sector::SectorError;
use crate::subchannel::QError;
use crate::wav::WavError;
use imapi_codes::ImapiCode;

/// Any error of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An address or time.
    #[error(transparent)]
    Msf(#[from] MsfError),
    /// A layout rule or staging state.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// An ISRC or MCN.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// CD-Text.
    #[error(transparent)]
    CdText(#[from] CdTextError),
    /// A WAV file.
    #[error(transparent)]
    Wav(#[from] WavError),
    /// A CUE sheet that cannot be read.
    #[error(transparent)]
    Cue(#[from] CueError),
    /// A CUE sheet that cannot be written.
    #[error(transparent)]
    CueWrite(#[from] CueWriteError),
    /// A cdrdao TOC file.
    #[error(transparent)]
    TocFile(#[from] TocFileError),
    /// A Q frame.
    #[error(transparent)]
    Q(#[from] QError),
    /// A raw sector.
    #[error(transparent)]
    Sector(#[from] SectorError),
    /// Planning or writing an image.
    #[error(transparent)]
    Image(#[from] ImageError),
}

impl Error {
    /// The IMAPI result code this error stands for, where one applies
    /// (IMAPI_E_TRACK_NOT_BIG_ENOUGH, IMAPI_E_DISCFULL, IMAPI_E_TRACKOPEN, ...).
    pub fn imapi_code(&self) -> Option<ImapiCode> {
        match self {
            Error::Layout(e) => e.imapi_code(),
            Error::Image(e) => e.imapi_code(),
            _ => None,
        }
    }
}
