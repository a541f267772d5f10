//! Opening an image for `ls`, `extract`, `verify` and `inspect`, and naming what is wrong with
//! it. The image is a file, or the disc in a recorder (`sim:PATH`, `/dev/sr0`): that disc is
//! read through the recorder's own READ(10) commands, from the start of its last session.

use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;

use anyhow::Context;
use imapi_codes::ImapiCode;
use imapi_joliet::read::{Options, SeekReader};
use imapi_joliet::{Image, ReadError};
use imapi_master::media::read_media;
use imapi_master::RecorderPath;
use imapi_transport::{Access, BlockReader};

use crate::error::coded;
use crate::recorder_arg::{self, imapi_error};

/// Bytes read in order and by position: a file or a disc.
pub trait ReadSeek: Read + Seek {}

impl<T: Read + Seek> ReadSeek for T {}

/// An image read on demand from its file or from the disc in a recorder.
pub type ImageFile = Image<SeekReader<Box<dyn ReadSeek>>>;

/// Where an opened image's bytes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// An image file of this many bytes.
    File {
        /// The file's length.
        len: u64,
    },
    /// The disc in a recorder.
    Disc {
        /// Where its last session (the one read) starts.
        session_start: u32,
        /// Complete sessions on the disc.
        sessions: u8,
        /// Blocks READ CAPACITY gives for the whole disc.
        blocks: u64,
    },
}

/// Opens the image at `path` (a file, `sim:PATH` or a device); `lenient` accepts what broken
/// mastering programs write.
pub fn open(path: &Path, lenient: bool) -> anyhow::Result<ImageFile> {
    open_with_origin(path, lenient).map(|(image, _)| image)
}

/// [`open`], also telling where the bytes come from.
pub fn open_with_origin(path: &Path, lenient: bool) -> anyhow::Result<(ImageFile, Origin)> {
    if recorder_arg::names_recorder(path) {
        return open_disc(path, lenient);
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let reader: Box<dyn ReadSeek> = Box::new(file);
    let image = Image::from_reader_with(reader, Options::new().lenient(lenient))
        .map_err(|e| read_error(path, e))?;
    Ok((image, Origin::File { len }))
}

/// The disc in the recorder `path` names, from its last complete session.
fn open_disc(path: &Path, lenient: bool) -> anyhow::Result<(ImageFile, Origin)> {
    let rec = RecorderPath::parse(&path.to_string_lossy());
    let device = rec.to_string();
    let mut t = rec.open(Access::Shared).map_err(imapi_error)?;
    let media = read_media(t.as_mut(), &device).map_err(imapi_error)?;
    if !media.present {
        return Err(coded(ImapiCode::MediumNotPresent, format!("{device}: no disc")));
    }
    let start = match media.last_session_start {
        Some(s) if !media.is_blank() => s,
        _ => {
            return Err(coded(
                ImapiCode::MediumInvalidType,
                format!("{device}: the disc is blank (no complete session to read)"),
            ))
        }
    };
    if !media.last_session_is_data {
        return Err(coded(
            ImapiCode::MediumInvalidType,
            format!("{device}: the last session holds no data track (an audio disc?)"),
        ));
    }
    let session_start = u32::try_from(start).map_err(|_| {
        coded(ImapiCode::MediumInvalidType, format!("{device}: the last session starts at {start}"))
    })?;
    let reader = BlockReader::new(t).map_err(|e| {
        anyhow::Error::new(e).context(format!("{device}: cannot read the disc's capacity"))
    })?;
    let blocks = reader.len() / imapi_transport::block_reader::BLOCK_LEN;
    let origin = Origin::Disc { session_start, sessions: media.info.sessions, blocks };
    let reader: Box<dyn ReadSeek> = Box::new(reader);
    let opts = Options::new().lenient(lenient).session_start(session_start);
    let image = Image::from_reader_with(reader, opts).map_err(|e| read_error(path, e))?;
    Ok((image, origin))
}

/// `e`, met reading `image`, as a user-facing error: with its IMAPI code where it has one.
pub fn read_error(image: &Path, e: ReadError) -> anyhow::Error {
    match e.imapi_code() {
        Some(code) => coded(code, format!("{}: {e}", image.display())),
        None => anyhow::Error::new(e).context(format!("{}", image.display())),
    }
}
