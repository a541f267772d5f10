//! WAV ingest, streaming: RIFF PCM and WAVE_FORMAT_EXTENSIBLE headers, other chunks skipped
//! (with their odd-size padding), then the data chunk as a bounded reader. Only CD audio
//! (44 100 Hz, 16-bit, 2 channels, integer PCM) is accepted; anything else is an error that
//! says what the file holds.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use crate::msf::AUDIO_FRAME_BYTES;
use std::fs::File;
use std::io::{self, Read, Take};
use std::path::{Path, PathBuf};

/// The format tag of integer PCM.
pub const WAVE_FORMAT_PCM: u16 = 0x0001;
/// The format tag of IEEE floating point samples.
pub const WAVE_FORMAT_IEEE_FLOAT: u16 = 0x0003;
/// The format tag of WAVE_FORMAT_EXTENSIBLE (the real format is in the sub-format GUID).
pub const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;
/// Bytes of the canonical CD WAV header [`wav_header`] writes.
pub const CD_WAV_HEADER_LEN: usize = 44;

/// The tail shared by every KSDATAFORMAT_SUBTYPE_* GUID after its first two bytes.
const GUID_TAIL: [u8; 14] = [0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71];
/// Bytes of a fmt chunk this reader looks at (the extensible form).
const FMT_MAX: usize = 40;

/// A WAV file that cannot be read as CD audio.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WavError {
    /// Reading failed.
    #[error("read failed")]
    Io(#[from] io::Error),
    /// The first 12 bytes are not `RIFF....WAVE`.
    #[error("not a RIFF WAVE file (starts with {0:?})")]
    NotWave(String),
    /// The stream ended inside the header, before the data chunk.
    #[error("ends after {offset} bytes, before the data chunk")]
    NoData {
        /// Bytes read.
        offset: u64,
    },
    /// A data chunk came before the fmt chunk.
    #[error("data chunk at byte {offset} comes before any fmt chunk")]
    DataBeforeFmt {
        /// Where the data chunk starts.
        offset: u64,
    },
    /// The fmt chunk is too short to hold a format.
    #[error("fmt chunk of {len} bytes, at least 16 needed")]
    FmtTooShort {
        /// Its declared size.
        len: u32,
    },
    /// The audio is not 44 100 Hz, 16-bit, stereo integer PCM.
    #[error("holds {holds}; a CD needs 44100 Hz, 16-bit, 2-channel PCM")]
    NotCdAudio {
        /// What the file holds.
        holds: String,
    },
    /// The data chunk declares more bytes than the file has.
    #[error("data chunk declares {declared} bytes, the file holds {available}")]
    Truncated {
        /// Declared data bytes.
        declared: u64,
        /// Bytes present after the chunk header.
        available: u64,
    },
    /// A file could not be read; the path and the reason.
    #[error("{}: {error}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        error: Box<WavError>,
    },
}

/// The fmt chunk's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavFormat {
    /// The format tag, with an extensible header's sub-format resolved.
    pub format: u16,
    /// Whether the header was WAVE_FORMAT_EXTENSIBLE.
    pub extensible: bool,
    /// Channels.
    pub channels: u16,
    /// Samples per second.
    pub sample_rate: u32,
    /// Bits per sample in the container.
    pub bits_per_sample: u16,
    /// Valid bits per sample (the extensible header's; else the container's).
    pub valid_bits: u16,
    /// Bytes per sample frame.
    pub block_align: u16,
}

impl WavFormat {
    /// The format of CD audio: 44 100 Hz, 16-bit, 2 channels, PCM.
    pub const CD: WavFormat = WavFormat {
        format: WAVE_FORMAT_PCM,
        extensible: false,
        channels: 2,
        sample_rate: 44_100,
        bits_per_sample: 16,
        valid_bits: 16,
        block_align: 4,
    };

    /// Whether this is CD audio.
    pub fn is_cd(&self) -> bool {
        self.format == WAVE_FORMAT_PCM
            && self.channels == 2
            && self.sample_rate == 44_100
            && self.bits_per_sample == 16
            && self.valid_bits == 16
            && self.block_align == 4
    }

    /// What the format holds, in words.
    pub fn describe(&self) -> String {
        let kind = match self.format {
            WAVE_FORMAT_PCM => "PCM".to_string(),
            WAVE_FORMAT_IEEE_FLOAT => "IEEE float".to_string(),
            0x0006 => "A-law".to_string(),
            0x0007 => "mu-law".to_string(),
            0x0002 => "ADPCM".to_string(),
            0x0055 => "MP3".to_string(),
            other => format!("format tag {other:#06x}"),
        };
        let ext = if self.extensible { " (extensible)" } else { "" };
        let bits = if self.valid_bits != self.bits_per_sample {
            format!("{}-bit in {}-bit containers", self.valid_bits, self.bits_per_sample)
        } else {
            format!("{}-bit", self.bits_per_sample)
        };
        format!("{kind}{ext}, {} Hz, {bits}, {} channel(s)", self.sample_rate, self.channels)
    }
}

/// A WAV stream positioned at its data chunk: reads yield the PCM bytes and end with the chunk.
#[derive(Debug)]
pub struct WavReader<R> {
    format: WavFormat,
    data: Take<R>,
    data_len: u64,
}

impl<R: Read> WavReader<R> {
    /// Reads the header up to the data chunk and checks that it is CD audio.
    pub fn new(reader: R) -> Result<WavReader<R>, WavError> {
        let reader = WavReader::new_any(reader)?;
        if !reader.format.is_cd() {
            return Err(WavError::NotCdAudio { holds: reader.format.describe() });
        }
        Ok(reader)
    }

    /// Reads the header up to the data chunk, whatever the audio format.
    pub fn new_any(mut reader: R) -> Result<WavReader<R>, WavError> {
        let mut head = [0u8; 12];
        let mut offset = 0u64;
        read_header_bytes(&mut reader, &mut head, &mut offset)?;
        if &head[..4] != b"RIFF" || &head[8..12] != b"WAVE" {
            let shown =
                head.iter().map(|&b| if b.is_ascii_graphic() { char::from(b) } else { '.' });
            return Err(WavError::NotWave(shown.collect()));
        }
        let mut format = None;
        loop {
            let mut chunk = [0u8; 8];
            read_header_bytes(&mut reader, &mut chunk, &mut offset)?;
            let size = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
            match &chunk[..4] {
                b"fmt " => {
                    if size < 16 {
                        return Err(WavError::FmtTooShort { len: size });
                    }
                    let mut buf = [0u8; FMT_MAX];
                    let keep = (size as usize).min(FMT_MAX);
                    // `keep` is at most FMT_MAX, the buffer's length.
                    let kept = buf.get_mut(..keep).unwrap_or_default();
                    read_header_bytes(&mut reader, kept, &mut offset)?;
                    skip(
                        &mut reader,
                        u64::from(size) - keep as u64 + u64::from(size & 1),
                        &mut offset,
                    )?;
                    format = Some(parse_fmt(kept));
                }
                b"data" => {
                    let format = format.ok_or(WavError::DataBeforeFmt { offset: offset - 8 })?;
                    let data_len = u64::from(size);
                    return Ok(WavReader { format, data: reader.take(data_len), data_len });
                }
                _ => skip(&mut reader, u64::from(size) + u64::from(size & 1), &mut offset)?,
            }
        }
    }

    /// The audio format.
    pub fn format(&self) -> WavFormat {
        self.format
    }

    /// Bytes of PCM the data chunk declares.
    pub fn data_len(&self) -> u64 {
        self.data_len
    }

    /// Frames of 2352 bytes the audio fills, the last one padded with silence.
    pub fn frames(&self) -> u64 {
        self.data_len.div_ceil(AUDIO_FRAME_BYTES as u64)
    }

    /// The PCM bytes as a bounded reader (for copies the kernel can do).
    pub fn into_pcm(self) -> Take<R> {
        self.data
    }
}

impl<R: Read> Read for WavReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.data.read(buf)
    }
}

/// Opens a WAV file as CD audio. A data chunk whose size is 0 or 0xFFFFFFFF (written by a
/// stream) is taken to run to the end of the file; one larger than the file is an error.
/// Errors name the file.
pub fn open(path: &Path) -> Result<WavReader<File>, WavError> {
    let at = |error: WavError| WavError::File { path: path.to_path_buf(), error: Box::new(error) };
    let file = File::open(path).map_err(|e| at(e.into()))?;
    let file_len = file.metadata().map_err(|e| at(e.into()))?.len();
    let mut counted = Counting { inner: file, count: 0 };
    let reader = WavReader::new(&mut counted).map_err(at)?;
    let (format, declared) = (reader.format, reader.data_len);
    let available = file_len.saturating_sub(counted.count);
    let data_len = if declared == 0 || declared == u64::from(u32::MAX) {
        available
    } else if declared > available {
        return Err(at(WavError::Truncated { declared, available }));
    } else {
        declared
    };
    Ok(WavReader { format, data: counted.inner.take(data_len), data_len })
}

/// A reader that counts the bytes it has handed out.
struct Counting<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

fn parse_fmt(b: &[u8]) -> WavFormat {
    let u16_at =
        |i: usize| b.get(i..).and_then(<[u8]>::first_chunk).map_or(0, |s| u16::from_le_bytes(*s));
    let u32_at =
        |i: usize| b.get(i..).and_then(<[u8]>::first_chunk).map_or(0, |s| u32::from_le_bytes(*s));
    let tag = u16_at(0);
    let bits = u16_at(14);
    let mut format = WavFormat {
        format: tag,
        extensible: false,
        channels: u16_at(2),
        sample_rate: u32_at(4),
        bits_per_sample: bits,
        valid_bits: bits,
        block_align: u16_at(12),
    };
    if tag == WAVE_FORMAT_EXTENSIBLE {
        format.extensible = true;
        // cbSize 16 = 22 bytes of extension: valid bits, channel mask, sub-format GUID.
        if b.len() >= FMT_MAX && u16_at(16) >= 22 {
            let valid = u16_at(18);
            format.valid_bits = if valid == 0 { bits } else { valid };
            format.format = if b.get(26..40) == Some(&GUID_TAIL[..]) { u16_at(24) } else { 0xFFFF };
        } else {
            format.format = 0xFFFF;
        }
    }
    format
}

fn read_header_bytes<R: Read>(r: &mut R, buf: &mut [u8], offset: &mut u64) -> Result<(), WavError> {
    match r.read_exact(buf) {
        Ok(()) => {
            *offset += buf.len() as u64;
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            Err(WavError::NoData { offset: *offset })
        }
        Err(e) => Err(e.into()),
    }
}

fn skip<R: Read>(r: &mut R, n: u64, offset: &mut u64) -> Result<(), WavError> {
    let copied = io::copy(&mut r.take(n), &mut io::sink())?;
    *offset += copied;
    if copied < n {
        return Err(WavError::NoData { offset: *offset });
    }
    Ok(())
}

/// The 44-byte header of a CD-audio WAV file with `data_len` bytes of PCM.
pub fn wav_header(data_len: u32) -> [u8; CD_WAV_HEADER_LEN] {
    let mut h = [0u8; CD_WAV_HEADER_LEN];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&data_len.saturating_add(36).to_le_bytes());
    h[8..16].copy_from_slice(b"WAVEfmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&WAVE_FORMAT_PCM.to_le_bytes());
    h[22..24].copy_from_slice(&2u16.to_le_bytes());
    h[24..28].copy_from_slice(&44_100u32.to_le_bytes());
    h[28..32].copy_from_slice(&(44_100u32 * 4).to_le_bytes());
    h[32..34].copy_from_slice(&4u16.to_le_bytes());
    h[34..36].copy_from_slice(&16u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_len.to_le_bytes());
    h
}

/// The order of the two bytes of each sample in a raw PCM file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SampleOrder {
    /// Least significant byte first: WAV, CUE `BINARY`, what recorders take.
    #[default]
    LittleEndian,
    /// Most significant byte first: CUE `MOTOROLA`, cdrdao's raw files without `SWAP`.
    BigEndian,
}

/// Swaps the bytes of every 16-bit sample in place (a trailing odd byte stays).
pub fn swap_samples(buf: &mut [u8]) {
    for pair in buf.chunks_exact_mut(2) {
        pair.swap(0, 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = id.to_vec();
        v.extend_from_slice(&(body.len() as u32).to_le_bytes());
        v.extend_from_slice(body);
        if body.len() % 2 == 1 {
            v.push(0);
        }
        v
    }

    fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = chunks.concat();
        let mut v = b"RIFF".to_vec();
        v.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
        v.extend_from_slice(b"WAVE");
        v.extend(body);
        v
    }

    fn fmt_pcm(channels: u16, rate: u32, bits: u16) -> Vec<u8> {
        let align = channels * bits / 8;
        let mut f = Vec::new();
        f.extend_from_slice(&1u16.to_le_bytes());
        f.extend_from_slice(&channels.to_le_bytes());
        f.extend_from_slice(&rate.to_le_bytes());
        f.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
        f.extend_from_slice(&align.to_le_bytes());
        f.extend_from_slice(&bits.to_le_bytes());
        f
    }

    fn fmt_extensible(sub: u16, valid: u16) -> Vec<u8> {
        let mut f = fmt_pcm(2, 44_100, 16);
        f[0..2].copy_from_slice(&WAVE_FORMAT_EXTENSIBLE.to_le_bytes());
        f.extend_from_slice(&22u16.to_le_bytes());
        f.extend_from_slice(&valid.to_le_bytes());
        f.extend_from_slice(&3u32.to_le_bytes());
        f.extend_from_slice(&sub.to_le_bytes());
        f.extend_from_slice(&GUID_TAIL);
        f
    }

    fn read_all(bytes: &[u8]) -> Result<Vec<u8>, WavError> {
        let mut r = WavReader::new(bytes)?;
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn plain_pcm_with_extra_odd_chunks() {
        let file = riff(&[
            chunk(b"LIST", b"odd"),
            chunk(b"fmt ", &fmt_pcm(2, 44_100, 16)),
            chunk(b"fact", &[1, 2, 3, 4, 5]),
            chunk(b"data", &[1, 2, 3, 4, 5, 6, 7, 8]),
            chunk(b"id3 ", b"trailing"),
        ]);
        assert_eq!(read_all(&file).unwrap(), vec![1, 2, 3, 4, 5, 6, 7, 8]);
        let r = WavReader::new(&file[..]).unwrap();
        assert_eq!(r.frames(), 1);
        assert_eq!(r.format(), WavFormat::CD);
    }

    #[test]
    fn extensible_pcm_is_accepted_float_is_not() {
        let ok = riff(&[chunk(b"fmt ", &fmt_extensible(1, 16)), chunk(b"data", &[9; 4])]);
        let r = WavReader::new(&ok[..]).unwrap();
        assert!(r.format().extensible);
        let float = riff(&[chunk(b"fmt ", &fmt_extensible(3, 16)), chunk(b"data", &[9; 4])]);
        let e = WavReader::new(&float[..]).unwrap_err();
        assert!(e.to_string().contains("IEEE float (extensible)"), "{e}");
        let padded = riff(&[chunk(b"fmt ", &fmt_extensible(1, 12)), chunk(b"data", &[9; 4])]);
        let e = WavReader::new(&padded[..]).unwrap_err();
        assert!(e.to_string().contains("12-bit in 16-bit containers"), "{e}");
    }

    #[test]
    fn other_formats_are_named() {
        let file = riff(&[chunk(b"fmt ", &fmt_pcm(1, 48_000, 24)), chunk(b"data", &[0; 6])]);
        let e = WavReader::new(&file[..]).unwrap_err().to_string();
        assert!(e.contains("48000 Hz") && e.contains("24-bit") && e.contains("1 channel"), "{e}");
    }

    #[test]
    fn rejections() {
        assert!(matches!(WavReader::new(&b"RIFX\0\0\0\0WAVE"[..]), Err(WavError::NotWave(_))));
        assert!(matches!(WavReader::new(&b"RIFF"[..]), Err(WavError::NoData { offset: 0 })));
        let no_data = riff(&[chunk(b"fmt ", &fmt_pcm(2, 44_100, 16))]);
        assert!(matches!(WavReader::new(&no_data[..]), Err(WavError::NoData { offset: 36 })));
        let data_first = riff(&[chunk(b"data", &[0; 4])]);
        assert!(matches!(
            WavReader::new(&data_first[..]),
            Err(WavError::DataBeforeFmt { offset: 12 })
        ));
        let short = riff(&[chunk(b"fmt ", &[1, 0, 2, 0])]);
        assert!(matches!(WavReader::new(&short[..]), Err(WavError::FmtTooShort { len: 4 })));
        // A chunk claiming 4 GiB in a tiny stream ends cleanly.
        let mut huge = riff(&[]);
        huge.extend_from_slice(b"junk\xff\xff\xff\xff");
        assert!(matches!(WavReader::new(&huge[..]), Err(WavError::NoData { .. })));
    }

    #[test]
    fn open_names_the_file_and_checks_the_length() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("short.wav");
        let mut bytes = wav_header(100).to_vec();
        bytes.extend_from_slice(&[0; 40]);
        std::fs::write(&path, &bytes).unwrap();
        let e = open(&path).unwrap_err().to_string();
        assert!(
            e.contains("short.wav") && e.contains("declares 100 bytes, the file holds 40"),
            "{e}"
        );
        let mut streamed = wav_header(u32::MAX).to_vec();
        streamed.extend_from_slice(&[7; 40]);
        std::fs::write(&path, &streamed).unwrap();
        assert_eq!(open(&path).unwrap().data_len(), 40);
    }

    #[test]
    fn swapping() {
        let mut b = [1, 2, 3, 4, 5];
        swap_samples(&mut b);
        assert_eq!(b, [2, 1, 4, 3, 5]);
    }

    proptest! {
        #[test]
        fn header_round_trip(data in proptest::collection::vec(any::<u8>(), 0..3000)) {
            let mut file = wav_header(data.len() as u32).to_vec();
            file.extend_from_slice(&data);
            prop_assert_eq!(read_all(&file).unwrap(), data);
        }

        #[test]
        fn any_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = read_all(&data);
        }
    }
}
