//! Burning an existing image: IMAPI v2's IDiscFormat2Data::Write. The image, or any stream
//! of known length, is written as it is: one Track-at-Once data track in a session left
//! appendable unless [`RecordOptions::close_disc`] finalizes the disc. Nothing is staged: the
//! stash is not used, and what is staged stays as it was.
//!
//! # A blank disc only
//! An image's file system addresses its blocks from 0: its volume descriptors are at block
//! 16, its directories at the extents the image builder gave them. Written at the next
//! writable address of an appendable disc (as cdrecord or xorriso would let you) those
//! addresses point into the earlier sessions, so the new session does not read. An image
//! therefore needs a blank disc: a written but appendable one is IMAPI_E_MEDIUM_INVALIDTYPE
//! (to add files to it, stage them with [`crate::JolietDiscMaster`], which builds a session
//! for the disc's next writable address), as is a finalized one.
//!
//! # Nothing lost
//! The source is only read. A failed or cancelled burn leaves the image file as it was, so
//! trying again is the same call (or the same `imapi burn --image` command) on a new disc.
//!
//! A data track shorter than 300 blocks (4 s, the shortest track a CD may hold) is padded with
//! zero blocks, as cdrecord pads it; the padding is not part of the image, and verification
//! reads the image's blocks alone. A length that is not a multiple of 2048 ends in a block
//! filled with zeros.

use std::io::Read;
use std::path::Path;

use imapi_codes::ImapiCode;

use crate::error::{ImapiError, Result};
use crate::master::DiscMaster;
use crate::media::Media;
use crate::progress::Sinks;

use super::pipeline::{Input, Piece, Source};
use super::session::{write_tao, Ctx};
use super::verify::{verify_digest, verify_pieces, ReadBack};
use super::{RecordOptions, DATA_BLOCK};

/// The shortest track a CD holds, in blocks.
const MIN_TRACK_BLOCKS: u64 = 300;

/// Blocks of a TAO track the drive adds after the data (run-out), counted against the free
/// space as for a staged data disc.
const RUN_OUT: u64 = 2;

impl DiscMaster {
    /// IDiscFormat2Data::Write: records `len` bytes of `source` (an ISO image or any other
    /// data track) on the blank disc in the active recorder as one Track-at-Once data track.
    ///
    /// The disc is checked before anything is written: no disc IMAPI_E_MEDIUM_NOTPRESENT; a
    /// disc that is not blank (see the module's docs) or cannot be written
    /// IMAPI_E_MEDIUM_INVALIDTYPE; too small IMAPI_E_DISCFULL. Progress goes to the sinks as
    /// for [`DiscMaster::record_disc`], a sink's QueryCancel stops it (IMAPI_E_USERABORT,
    /// the track closed); `opts` simulate, eject and close as for a staged disc. A stream that
    /// gives fewer than `len` bytes is IMAPI_E_INVALIDIMAGE. With `opts.verify`, the stream
    /// cannot be read twice: the disc's blocks are read back and their CRC-32C compared with
    /// the one taken as the stream was written ([`DiscMaster::record_image`] compares bytes).
    pub fn record_stream<'s>(
        &mut self,
        source: impl Read + Send + 's,
        len: u64,
        opts: &RecordOptions,
    ) -> Result<()> {
        let name = "the stream".to_string();
        let reader: Box<dyn Read + Send + 's> = Box::new(source);
        let src = Source::Stream { name: name.clone(), reader, len };
        self.burn_frame(opts, false, |m, sinks| m.record_source(src, &name, len, None, opts, sinks))
    }

    /// IDiscFormat2Data::Write of the image file `image`: [`DiscMaster::record_stream`] over
    /// the file, with the verification comparing the disc with the file byte by byte. A
    /// file that cannot be opened is IMAPI_E_FILEACCESS naming it.
    pub fn record_image(&mut self, image: &Path, opts: &RecordOptions) -> Result<()> {
        let meta = std::fs::metadata(image).map_err(|e| {
            ImapiError::new(ImapiCode::FileAccess, format!("{}: cannot open", image.display()))
                .with_source(e)
        })?;
        if !meta.is_file() {
            return Err(ImapiError::new(
                ImapiCode::FileAccess,
                format!("{}: not a file", image.display()),
            ));
        }
        let len = meta.len();
        let src = Source::File { path: image.to_path_buf(), len };
        let name = image.display().to_string();
        self.burn_frame(opts, false, |m, sinks| {
            m.record_source(src, &name, len, Some(image), opts, sinks)
        })
    }

    /// The burn of one source; `file` is where it can be read again to verify.
    fn record_source(
        &mut self,
        src: Source<'_>,
        name: &str,
        len: u64,
        file: Option<&Path>,
        opts: &RecordOptions,
        sinks: &Sinks,
    ) -> Result<()> {
        let (pieces, payload) = image_pieces(len);
        let blocks = payload + padding(payload);
        if len == 0 {
            return Err(ImapiError::new(ImapiCode::InvalidImage, format!("{name}: empty")));
        }
        let mut o = self.open_for_burn(blocks, opts, sinks)?;
        check_disc(&o.device, name, &o.media, blocks)?;
        o.set_speed();
        let t = o.t.as_mut();
        let ctx = Ctx { device: &o.device, sinks, opts, buf: o.buf };
        let nwa = o.media.info.next_writable;
        let digest = opts.verify && file.is_none();
        let input = Input::Sources(vec![src]);
        let (start, crc) = write_tao(t, &ctx, nwa, input, pieces.clone(), blocks, digest)?;
        if opts.verify && !opts.simulate {
            let rb = ReadBack { device: &o.device, sinks, total: blocks };
            match (file, crc) {
                (Some(path), _) => {
                    let again =
                        Input::Sources(vec![Source::File { path: path.to_path_buf(), len }]);
                    verify_pieces(t, &rb, again, &pieces, start, name)?;
                }
                (None, Some(crc)) => verify_digest(t, &rb, &pieces, start, crc, name)?,
                (None, None) => {}
            }
        }
        if opts.eject_after {
            self.eject_failure = crate::recorder::eject(t, &o.device).err();
        }
        Ok(())
    }
}

/// Zero blocks that bring a track of `blocks` up to the 4-second minimum.
fn padding(blocks: u64) -> u64 {
    MIN_TRACK_BLOCKS.saturating_sub(blocks)
}

/// The pieces of an image of `len` bytes (padded to the minimum track) and its own blocks.
fn image_pieces(len: u64) -> (Vec<Piece>, u64) {
    let blocks = len.div_ceil(DATA_BLOCK as u64);
    let mut pieces =
        vec![Piece::Read { source: 0, blocks, sector: DATA_BLOCK, skip: 0, block_len: DATA_BLOCK }];
    let pad = padding(blocks);
    if pad > 0 {
        pieces.push(Piece::Zeros { blocks: pad, block_len: DATA_BLOCK });
    }
    (pieces, blocks)
}

/// Whether the disc can take an image of `blocks` blocks: blank, writable, large enough.
fn check_disc(device: &str, name: &str, media: &Media, blocks: u64) -> Result<()> {
    let invalid = |why: &str| {
        ImapiError::new(ImapiCode::MediumInvalidType, format!("{device}: {why} ({name})"))
    };
    if !media.is_blank() {
        return Err(if media.is_writable() {
            invalid(
                "an image needs a blank disc: its file system addresses blocks from 0, which \
                 on this written disc belong to an earlier session",
            )
        } else {
            invalid("the disc is finalized or cannot be written")
        });
    }
    if !media.is_writable() {
        return Err(invalid("the disc cannot be written"));
    }
    let free = u64::from(media.info.free_blocks);
    let needed = blocks + RUN_OUT;
    if needed > free {
        return Err(ImapiError::new(
            ImapiCode::DiscFull,
            format!("{name}: the image needs {needed} blocks, the disc in {device} has {free}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_images_are_padded_to_four_seconds() {
        let (p, own) = image_pieces(2049);
        assert_eq!(own, 2);
        assert_eq!(p[1], Piece::Zeros { blocks: 298, block_len: 2048 });
        let (p, own) = image_pieces(300 * 2048);
        assert_eq!((p.len(), own), (1, 300));
    }
}
