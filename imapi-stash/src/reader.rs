//! [`Stash`]: opens a finished stash, checks it strictly, reads its tracks and verifies its
//! payload.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use crate::error::{FormatError, StashError};
use crate::header::{HeaderRepr, HEADER_AREA};
use crate::model::{DiscInfo, DiscKind, Track, MAX_CD_TEXT_PACKS};
use crate::table::{self, MAX_SEGMENTS};
use crate::track::TrackReader;
use crate::writer::STASH_FILE_NAME;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// Bytes read at a time by [`Stash::verify`].
const VERIFY_CHUNK: usize = 1 << 20;

/// A finished stash, opened and checked: header, track table and disc metadata are valid;
/// the payload's checksums are checked by [`Stash::verify`] and, as they pass, by each
/// [`TrackReader`].
#[derive(Debug)]
pub struct Stash<R> {
    inner: R,
    header: HeaderRepr,
    tracks: Vec<Track>,
    disc: DiscInfo,
}

/// What a successful [`Stash::verify`] checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Verification {
    /// Segments whose checksum matched.
    pub segments: u64,
    /// Bytes of payload read.
    pub bytes: u64,
}

impl Stash<File> {
    /// Opens and checks the stash file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StashError> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| StashError::io("open", path, e))?;
        Self::from_reader(file)
    }

    /// Opens and checks the finished stash of the folder `dir` ([`STASH_FILE_NAME`]).
    pub fn open_in(dir: impl AsRef<Path>) -> Result<Self, StashError> {
        Self::open(dir.as_ref().join(STASH_FILE_NAME))
    }
}

fn read_err(what: &'static str) -> impl Fn(io::Error) -> StashError {
    move |e| StashError::from_read(what, e)
}

impl<R: Read + Seek> Stash<R> {
    /// Checks the stash that `inner` holds (a file, a `Cursor<&[u8]>`, ...): header (magic,
    /// version, checksum), track table (checksum, every field, numbering) and that the
    /// segments tile the payload exactly. Anything wrong is [`StashError::Invalid`]
    /// (IMAPI_E_INVALIDIMAGE) saying what and where. Reads the header area and the table only:
    /// memory stays proportional to the table, which the file's own length bounds.
    pub fn from_reader(mut inner: R) -> Result<Self, StashError> {
        let file_len = inner.seek(SeekFrom::End(0)).map_err(read_err("the stash length"))?;
        inner.seek(SeekFrom::Start(0)).map_err(read_err("the stash header"))?;
        let mut area = vec![0u8; file_len.min(HEADER_AREA) as usize];
        inner.read_exact(&mut area).map_err(read_err("the stash header"))?;
        let header = HeaderRepr::parse(&area, file_len)?;
        let max_table = table::table_len(
            header.track_count.into(),
            MAX_SEGMENTS.into(),
            MAX_CD_TEXT_PACKS as u64,
        )
        .unwrap_or(u64::MAX);
        let too_long = FormatError::BadField {
            field: "table length",
            offset: crate::header::field::TABLE_LEN.start as u64,
            value: header.table_len,
            expected: "at most the size of the largest table",
        };
        if header.table_len > max_table {
            return Err(too_long.into());
        }
        // The header check made table_offset + table_len the file's length, so this buffer is
        // never larger than the file.
        let table_len = usize::try_from(header.table_len).map_err(|_| too_long)?;
        let mut table_bytes = vec![0u8; table_len];
        inner.seek(SeekFrom::Start(header.table_offset)).map_err(read_err("the track table"))?;
        inner.read_exact(&mut table_bytes).map_err(read_err("the track table"))?;
        let computed = crc32c::crc32c(&table_bytes);
        if computed != header.table_crc {
            return Err(FormatError::TableChecksum {
                offset: header.table_offset,
                stored: header.table_crc,
                computed,
            }
            .into());
        }
        let (tracks, disc) = table::parse(&table_bytes, &header)?;
        for t in &tracks {
            if !header.disc_kind.accepts(t.info.mode) {
                return Err(FormatError::BadField {
                    field: "track mode",
                    offset: header.table_offset,
                    value: t.info.mode.code().into(),
                    expected: "a mode the disc kind allows",
                }
                .into());
            }
        }
        Ok(Self { inner, header, tracks, disc })
    }

    /// A reader of track `index` (0-based, in disc order): its blocks in disc order across
    /// its segments, as `Read` and `Seek`. Each segment read from its first byte to its last
    /// is checked against its checksum on the way.
    pub fn track_reader(&mut self, index: usize) -> Result<TrackReader<'_, R>, StashError> {
        let count = self.tracks.len();
        let track = self.tracks.get(index).ok_or(StashError::NoSuchTrack { index, count })?;
        Ok(TrackReader::new(&mut self.inner, track))
    }

    /// Reads every segment's bytes and checks its CRC-32C. The first mismatch is
    /// [`FormatError::SegmentChecksum`] naming the track, segment and offset.
    pub fn verify(&mut self) -> Result<Verification, StashError> {
        self.verify_with_progress(|_, _| true)
    }

    /// [`Stash::verify`], calling `progress(bytes_done, bytes_total)` after each step; when
    /// it returns `false` the pass stops with [`StashError::Cancelled`].
    pub fn verify_with_progress(
        &mut self,
        mut progress: impl FnMut(u64, u64) -> bool,
    ) -> Result<Verification, StashError> {
        // The segments tile the payload: visit them in file order, one sequential read.
        let mut order: Vec<(u64, u64, u8, u32, u32)> = Vec::new();
        for t in &self.tracks {
            let bs = u64::from(t.info.block_size);
            for (k, s) in (0u32..).zip(&t.segments) {
                let len = u64::from(s.blocks) * bs;
                order.push((s.offset, len, t.number, k, s.crc32c));
            }
        }
        order.sort_unstable();
        let total = self.header.table_offset - self.header.payload_offset;
        let mut buf = vec![0u8; VERIFY_CHUNK];
        let mut done: u64 = 0;
        let mut at = None;
        for &(offset, len, track, segment, stored) in &order {
            if at != Some(offset) {
                self.inner.seek(SeekFrom::Start(offset)).map_err(read_err("the payload"))?;
            }
            let mut crc = 0;
            let mut left = len;
            while left > 0 {
                let want = usize::try_from(left).map_or(VERIFY_CHUNK, |l| l.min(VERIFY_CHUNK));
                let Some(chunk) = buf.get_mut(..want) else {
                    break; // Not reachable: `want` is at most the buffer's length.
                };
                let n = match self.inner.read(chunk) {
                    Ok(0) => return Err(FormatError::UnexpectedEof { offset }.into()),
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(StashError::from_read("the payload", e)),
                };
                let read = chunk.get(..n).ok_or_else(|| {
                    StashError::from_read("the payload", crate::error::overlong_read())
                })?;
                crc = crc32c::crc32c_append(crc, read);
                left -= n as u64;
                done += n as u64;
                if !progress(done, total) {
                    return Err(StashError::Cancelled);
                }
            }
            if crc != stored {
                return Err(FormatError::SegmentChecksum {
                    track,
                    segment,
                    offset,
                    stored,
                    computed: crc,
                }
                .into());
            }
            at = Some(offset + len);
        }
        Ok(Verification { segments: order.len() as u64, bytes: done })
    }
}

impl<R> Stash<R> {
    /// The header's values.
    pub fn header(&self) -> &HeaderRepr {
        &self.header
    }

    /// Data, audio or mixed.
    pub fn disc_kind(&self) -> DiscKind {
        self.header.disc_kind
    }

    /// The tracks, in disc order.
    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    /// The disc metadata.
    pub fn disc_info(&self) -> &DiscInfo {
        &self.disc
    }

    /// Blocks of payload, all tracks together.
    pub fn total_blocks(&self) -> u64 {
        self.header.total_blocks
    }

    /// The underlying reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}
