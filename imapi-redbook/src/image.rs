//! Audio image files from WAV or raw PCM tracks: the BIN (2352-byte frames, samples
//! little-endian), and the CUE, cdrdao TOC and CD-Text `.cdt` that describe it.
//!
//! [`AudioImage::plan`] reads every track's header and lays the disc out with IMAPI's rules
//! (150-frame pause before track 1, the gap before every later track, 300-frame minimum,
//! 99 tracks, the medium's capacity); [`AudioImage::write_bin`] then streams the audio in one
//! pass. Track 1's pause is not in the BIN; every later gap is, as that track's INDEX 00.

use crate::cdrdao_toc::TocFile;
use crate::cdtext::{CdText, TextFields};
use crate::cue::CueSheet;
use crate::isrc::Isrc;
use crate::layout::{Capacity, Layout, LayoutError, Stager};
use crate::msf::AUDIO_FRAME_BYTES;
use crate::wav::{self, swap_samples, SampleOrder, WavError};
use imapi_codes::atomic::{AtomicFile, Durability};
use imapi_codes::ImapiCode;
use std::fs::File;
use std::io::{self, Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

/// How a track's file holds its audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// A WAV file (44 100 Hz, 16-bit, stereo PCM).
    Wav,
    /// Raw 16-bit stereo samples in the given byte order.
    Raw(SampleOrder),
}

/// One track to put on the disc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackInput {
    /// The audio file.
    pub path: PathBuf,
    /// Its kind.
    pub kind: SourceKind,
    /// The track's ISRC.
    pub isrc: Option<Isrc>,
    /// The track's CD-Text fields (title, performer, ...).
    pub text: TextFields,
}

impl TrackInput {
    /// A WAV track with no ISRC or text.
    pub fn wav(path: impl Into<PathBuf>) -> TrackInput {
        TrackInput {
            path: path.into(),
            kind: SourceKind::Wav,
            isrc: None,
            text: TextFields::default(),
        }
    }
}

/// Why an image could not be planned or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// A WAV file is unreadable or not CD audio.
    #[error(transparent)]
    Wav(#[from] WavError),
    /// A source file could not be read.
    #[error("{}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The failure.
        error: io::Error,
    },
    /// A track breaks a layout rule (too short, too many, does not fit).
    #[error("{}: {error}", path.display())]
    Track {
        /// The track's file.
        path: PathBuf,
        /// The rule.
        error: LayoutError,
    },
    /// A file changed size between planning and writing.
    #[error("{}: held {planned} bytes of audio when planned, now {found}", path.display())]
    SourceChanged {
        /// The file.
        path: PathBuf,
        /// Bytes planned.
        planned: u64,
        /// Bytes found.
        found: u64,
    },
    /// Writing the image failed.
    #[error("writing the image failed: {0}")]
    Write(#[source] io::Error),
    /// The progress callback asked to stop.
    #[error("cancelled")]
    Cancelled,
}

impl ImageError {
    /// The IMAPI result code this error stands for, where one applies.
    pub fn imapi_code(&self) -> Option<ImapiCode> {
        match self {
            ImageError::Track { error, .. } => error.imapi_code(),
            ImageError::Write(_) => Some(ImapiCode::FileAccess),
            ImageError::Cancelled => Some(ImapiCode::UserAbort),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Planned {
    input: TrackInput,
    /// Audio bytes in the file (after the WAV header).
    bytes: u64,
}

/// A planned audio image: the layout and where each track's audio comes from.
#[derive(Debug, Clone)]
pub struct AudioImage {
    layout: Layout,
    gap: u32,
    tracks: Vec<Planned>,
}

/// Bytes of silence written at a time.
static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];
/// Bytes copied between progress reports.
const CHUNK: u64 = 32 * 1024 * 1024;

fn source_len(input: &TrackInput) -> Result<u64, ImageError> {
    let read_err = |error| ImageError::Read { path: input.path.clone(), error };
    match input.kind {
        SourceKind::Wav => Ok(wav::open(&input.path)?.data_len()),
        SourceKind::Raw(_) => Ok(std::fs::metadata(&input.path).map_err(read_err)?.len()),
    }
}

impl AudioImage {
    /// Reads every track's header and lays the disc out: `gap` frames (AudioGapSize,
    /// 0..=225) before every track but the first, on a medium of `capacity`.
    pub fn plan(
        inputs: Vec<TrackInput>,
        gap: u32,
        capacity: Capacity,
    ) -> Result<AudioImage, ImageError> {
        let mut stager = Stager::new(capacity, gap).map_err(|error| ImageError::Track {
            path: inputs.first().map(|t| t.path.clone()).unwrap_or_default(),
            error,
        })?;
        let mut tracks = Vec::with_capacity(inputs.len());
        for input in inputs {
            let bytes = source_len(&input)?;
            let at = |error| ImageError::Track { path: input.path.clone(), error };
            let frames =
                u32::try_from(bytes.div_ceil(AUDIO_FRAME_BYTES as u64)).unwrap_or(u32::MAX);
            stager.create_track().map_err(at)?;
            stager.add_blocks(frames).map_err(at)?;
            if let Some(t) = stager.open_track_mut() {
                t.isrc = input.isrc;
                t.text = input.text.clone();
            }
            stager.close_track().map_err(at)?;
            tracks.push(Planned { input, bytes });
        }
        let layout = stager
            .into_layout()
            .map_err(|error| ImageError::Track { path: PathBuf::new(), error })?;
        Ok(AudioImage { layout, gap, tracks })
    }

    /// The disc layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The layout, to set the MCN and album text.
    pub fn layout_mut(&mut self) -> &mut Layout {
        &mut self.layout
    }

    /// The gap between tracks.
    pub fn gap(&self) -> u32 {
        self.gap
    }

    /// Bytes of the BIN: every frame from track 1's INDEX 01 to the lead-out.
    pub fn bin_len(&self) -> u64 {
        u64::from(self.layout.used_blocks()) * AUDIO_FRAME_BYTES as u64
    }

    /// Streams the BIN into `out`: each later track's gap as silence, each track's audio, its
    /// last frame padded with silence. `progress(done, total)` is called as bytes go out;
    /// returning `Break` stops with [`ImageError::Cancelled`]. Returns the bytes written.
    pub fn write_bin<W: Write>(
        &self,
        mut out: W,
        mut progress: impl FnMut(u64, u64) -> ControlFlow<()>,
    ) -> Result<u64, ImageError> {
        let total = self.bin_len();
        let mut done = 0u64;
        let mut report = |done: u64| match progress(done, total) {
            ControlFlow::Continue(()) => Ok(()),
            ControlFlow::Break(()) => Err(ImageError::Cancelled),
        };
        report(0)?;
        for (n, (planned, track)) in self.tracks.iter().zip(self.layout.tracks()).enumerate() {
            if n > 0 {
                let gap = u64::from(track.pregap) * AUDIO_FRAME_BYTES as u64;
                write_zeros(&mut out, gap)?;
                done += gap;
            }
            let copied = copy_track(planned, &mut out, &mut |d| report(done + d))?;
            let frame_bytes = u64::from(track.length) * AUDIO_FRAME_BYTES as u64;
            write_zeros(&mut out, frame_bytes - copied)?;
            done += frame_bytes;
            report(done)?;
        }
        out.flush().map_err(ImageError::Write)?;
        Ok(done)
    }

    /// Writes the BIN to a file path (with the kernel's file-to-file copy where it can),
    /// atomically ([`imapi_codes::atomic`]): into a temporary file beside it, flushed to the
    /// disk (`fsync`, as this writer always did) and renamed over `path` only when complete. A
    /// failed or cancelled write leaves nothing behind and `path` as it was.
    pub fn write_bin_file(
        &self,
        path: &Path,
        progress: impl FnMut(u64, u64) -> ControlFlow<()>,
    ) -> Result<u64, ImageError> {
        let temp = AtomicFile::create(path, Durability::Synced).map_err(ImageError::Write)?;
        let n = self.write_bin(temp.file(), progress)?;
        temp.commit().map_err(ImageError::Write)?;
        Ok(n)
    }

    /// The CUE sheet of the image, naming the BIN `bin_name` and, when given, the CD-Text file.
    pub fn cue_sheet(&self, bin_name: &str, cdtextfile: Option<&str>) -> CueSheet {
        let mut cue = CueSheet::from_layout(&self.layout, bin_name);
        cue.cdtextfile = cdtextfile.map(str::to_string);
        cue
    }

    /// The cdrdao TOC of the image (raw little-endian BIN, so `SWAP`), with a CD_TEXT block
    /// when `cd_text` is set.
    pub fn toc_file(&self, bin_name: &str, cd_text: bool) -> TocFile {
        TocFile::from_layout(&self.layout, bin_name, cd_text)
    }

    /// The CD-Text of the image, if any field is set.
    pub fn cd_text(&self) -> Option<CdText> {
        CdText::from_layout(&self.layout)
    }
}

fn write_zeros<W: Write>(out: &mut W, mut n: u64) -> Result<(), ImageError> {
    while n > 0 {
        let k = n.min(ZEROS.len() as u64) as usize;
        out.write_all(&ZEROS[..k]).map_err(ImageError::Write)?;
        n -= k as u64;
    }
    Ok(())
}

/// Copies one track's audio; returns the bytes copied (the planned length).
fn copy_track<W: Write>(
    planned: &Planned,
    out: &mut W,
    report: &mut dyn FnMut(u64) -> Result<(), ImageError>,
) -> Result<u64, ImageError> {
    let path = &planned.input.path;
    let read_err = |error| ImageError::Read { path: path.clone(), error };
    let changed =
        |found| ImageError::SourceChanged { path: path.clone(), planned: planned.bytes, found };
    let mut copied = 0u64;
    match planned.input.kind {
        SourceKind::Wav | SourceKind::Raw(SampleOrder::LittleEndian) => {
            let mut pcm = match planned.input.kind {
                SourceKind::Wav => {
                    let r = wav::open(path)?;
                    if r.data_len() != planned.bytes {
                        return Err(changed(r.data_len()));
                    }
                    r.into_pcm()
                }
                _ => File::open(path).map_err(read_err)?.take(planned.bytes),
            };
            while copied < planned.bytes {
                let step = (planned.bytes - copied).min(CHUNK);
                let n = io::copy(&mut (&mut pcm).take(step), out).map_err(|e| match e.kind() {
                    io::ErrorKind::WriteZero => ImageError::Write(e),
                    _ => ImageError::Read { path: path.clone(), error: e },
                })?;
                if n == 0 {
                    return Err(changed(copied));
                }
                copied += n;
                report(copied)?;
            }
        }
        SourceKind::Raw(SampleOrder::BigEndian) => {
            let mut file = File::open(path).map_err(read_err)?.take(planned.bytes);
            let mut buf = vec![0u8; 1 << 20];
            while copied < planned.bytes {
                let mut n = file.read(&mut buf[..(1 << 20) - 1]).map_err(read_err)?;
                if n == 0 {
                    return Err(changed(copied));
                }
                if n % 2 == 1 {
                    // Never split a sample across two reads: fetch its second byte (if any).
                    n += file.read(&mut buf[n..n + 1]).map_err(read_err)?;
                }
                let chunk = &mut buf[..n];
                swap_samples(chunk);
                out.write_all(chunk).map_err(ImageError::Write)?;
                copied += n as u64;
                report(copied)?;
            }
        }
    }
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wav::wav_header;

    fn write_wav(dir: &Path, name: &str, pcm: &[u8]) -> PathBuf {
        let path = dir.join(name);
        let mut bytes = wav_header(pcm.len() as u32).to_vec();
        bytes.extend_from_slice(pcm);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn bin_holds_gaps_audio_and_padding() {
        let dir = tempfile::tempdir().unwrap();
        let a: Vec<u8> = (0..300 * 2352 + 10).map(|i| (i % 251) as u8 + 1).collect();
        let b: Vec<u8> = (0..400 * 2352).map(|i| (i % 13) as u8 + 1).collect();
        let pa = write_wav(dir.path(), "a.wav", &a);
        let pb = write_wav(dir.path(), "b.wav", &b);
        let image = AudioImage::plan(
            vec![TrackInput::wav(&pa), TrackInput::wav(&pb)],
            75,
            Capacity::Minutes80,
        )
        .unwrap();
        let mut out = Vec::new();
        let mut calls = 0;
        let n = image
            .write_bin(&mut out, |_, _| {
                calls += 1;
                ControlFlow::Continue(())
            })
            .unwrap();
        assert_eq!(n, out.len() as u64);
        assert_eq!(out.len() as u64, image.bin_len());
        assert_eq!(out.len(), (301 + 75 + 400) * 2352);
        assert_eq!(&out[..a.len()], &a[..]);
        assert!(out[a.len()..(301 + 75) * 2352].iter().all(|&x| x == 0));
        assert_eq!(&out[(301 + 75) * 2352..], &b[..]);
        assert!(calls >= 3);
        let cancelled = image.write_bin(io::sink(), |d, _| {
            if d > 0 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert!(matches!(cancelled, Err(ImageError::Cancelled)));
    }

    #[test]
    fn bin_file_is_replaced_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let pa = write_wav(dir.path(), "a.wav", &[7; 300 * 2352]);
        let image = AudioImage::plan(vec![TrackInput::wav(&pa)], 150, Capacity::Minutes80).unwrap();
        let bin = dir.path().join("disc.bin");
        std::fs::write(&bin, b"previous").unwrap();
        let listing = || {
            let mut v: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            v.sort();
            v
        };
        let cancelled = image.write_bin_file(&bin, |d, _| {
            if d > 0 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert!(matches!(cancelled, Err(ImageError::Cancelled)));
        assert_eq!(std::fs::read(&bin).unwrap(), b"previous");
        assert_eq!(listing(), ["a.wav", "disc.bin"]);
        let n = image.write_bin_file(&bin, |_, _| ControlFlow::Continue(())).unwrap();
        assert_eq!(n, image.bin_len());
        assert_eq!(std::fs::metadata(&bin).unwrap().len(), n);
        assert_eq!(listing(), ["a.wav", "disc.bin"]);
    }

    #[test]
    fn raw_big_endian_is_swapped() {
        let dir = tempfile::tempdir().unwrap();
        let raw: Vec<u8> = (0..300 * 2352).map(|i| (i % 200) as u8).collect();
        let path = dir.path().join("a.raw");
        std::fs::write(&path, &raw).unwrap();
        let input =
            TrackInput { kind: SourceKind::Raw(SampleOrder::BigEndian), ..TrackInput::wav(&path) };
        let image = AudioImage::plan(vec![input], 150, Capacity::Minutes80).unwrap();
        let mut out = Vec::new();
        image.write_bin(&mut out, |_, _| ControlFlow::Continue(())).unwrap();
        let mut expect = raw.clone();
        swap_samples(&mut expect);
        assert_eq!(out, expect);
    }

    #[test]
    fn errors_name_the_file_and_code() {
        let dir = tempfile::tempdir().unwrap();
        let short = write_wav(dir.path(), "short.wav", &[0; 299 * 2352]);
        let e =
            AudioImage::plan(vec![TrackInput::wav(&short)], 150, Capacity::Minutes80).unwrap_err();
        assert_eq!(e.imapi_code(), Some(ImapiCode::TrackNotBigEnough));
        assert!(e.to_string().contains("short.wav"), "{e}");
        let ok = write_wav(dir.path(), "ok.wav", &[0; 400 * 2352]);
        let small = Capacity::LastLeadOut(crate::msf::Lba(700));
        let e = AudioImage::plan(vec![TrackInput::wav(&ok), TrackInput::wav(&ok)], 150, small)
            .unwrap_err();
        assert_eq!(e.imapi_code(), Some(ImapiCode::DiscFull));
        let image = AudioImage::plan(vec![TrackInput::wav(&ok)], 150, Capacity::Minutes80).unwrap();
        std::fs::write(&ok, wav_header(10)).unwrap();
        let e = image.write_bin(io::sink(), |_, _| ControlFlow::Continue(())).unwrap_err();
        assert!(matches!(e, ImageError::Wav(_) | ImageError::SourceChanged { .. }), "{e}");
    }
}
