//! Opening an image file for `ls`, `extract` and `verify`, and naming what is wrong with it.

use std::fs::File;
use std::path::Path;

use anyhow::Context;
use imapi_joliet::read::{Options, SeekReader};
use imapi_joliet::{Image, ReadError};

use crate::error::coded;

/// An image read on demand from its file.
pub type ImageFile = Image<SeekReader<File>>;

/// Opens the image at `path`; `lenient` accepts what broken mastering programs write.
pub fn open(path: &Path, lenient: bool) -> anyhow::Result<ImageFile> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Image::from_reader_with(file, Options::new().lenient(lenient)).map_err(|e| read_error(path, e))
}

/// `e`, met reading `image`, as a user-facing error: with its IMAPI code where it has one.
pub fn read_error(image: &Path, e: ReadError) -> anyhow::Error {
    match e.imapi_code() {
        Some(code) => coded(code, format!("{}: {e}", image.display())),
        None => anyhow::Error::new(e).context(format!("{}", image.display())),
    }
}
