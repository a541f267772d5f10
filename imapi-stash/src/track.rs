//! [`TrackReader`]: one track's blocks in disc order, across its segments, as `Read + Seek`.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use crate::error::FormatError;
use crate::model::Track;
use std::io::{self, Read, Seek, SeekFrom};

/// A running checksum of one segment, read from its first byte.
#[derive(Debug, Clone, Copy)]
struct Check {
    segment: usize,
    crc: u32,
}

/// Reads a track's payload in disc order, moving from segment to segment without copying
/// them anywhere first. Created by [`crate::Stash::track_reader`].
///
/// Reads are coalesced: segments that follow each other in the file are read in one call
/// to the underlying reader. When a segment has been read from its first byte to its last
/// (by reads only, no seek in between) its CRC-32C is compared with the table's, and a
/// mismatch is an `io::Error` of kind `InvalidData` wrapping
/// [`FormatError::SegmentChecksum`]. Seeking is free to land anywhere; the check resumes
/// at the next segment start.
#[derive(Debug)]
pub struct TrackReader<'a, R> {
    inner: &'a mut R,
    track: &'a Track,
    block_size: u64,
    len: u64,
    pos: u64,
    segment: usize,
    inner_pos: Option<u64>,
    check: Option<Check>,
    verify: bool,
}

fn invalid(e: FormatError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

impl<'a, R: Read + Seek> TrackReader<'a, R> {
    pub(crate) fn new(inner: &'a mut R, track: &'a Track) -> Self {
        let block_size = u64::from(track.info.block_size);
        Self {
            inner,
            track,
            block_size,
            len: track.blocks.saturating_mul(block_size),
            pos: 0,
            segment: 0,
            inner_pos: None,
            check: Some(Check { segment: 0, crc: 0 }),
            verify: true,
        }
    }

    /// Turns the checksum check on (the default) or off.
    pub fn set_verify(&mut self, verify: bool) {
        self.verify = verify;
        if !verify {
            self.check = None;
        }
    }

    /// The track being read.
    pub fn track(&self) -> &Track {
        self.track
    }

    /// Bytes in the track.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the track has no byte.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Position in the track, in bytes.
    pub fn position(&self) -> u64 {
        self.pos
    }

    fn seg_start(&self, k: usize) -> u64 {
        self.track.segments.get(k).map_or(self.len, |s| s.first_block * self.block_size)
    }

    fn seg_len(&self, k: usize) -> u64 {
        self.track.segments.get(k).map_or(0, |s| u64::from(s.blocks) * self.block_size)
    }

    /// Accounts `data`, just read at `pos`, to the segments it covers.
    fn advance(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            let k = self.segment;
            let end = self.seg_start(k) + self.seg_len(k);
            let take = usize::try_from(end - self.pos).map_or(data.len(), |t| t.min(data.len()));
            let (now, rest) = data.split_at(take);
            if let Some(c) = self.check.as_mut().filter(|c| c.segment == k) {
                c.crc = crc32c::crc32c_append(c.crc, now);
            }
            self.pos += take as u64;
            data = rest;
            if self.pos == end {
                if let (Some(c), Some(s)) = (self.check, self.track.segments.get(k)) {
                    if c.segment == k && c.crc != s.crc32c {
                        self.check = None;
                        return Err(invalid(FormatError::SegmentChecksum {
                            track: self.track.number,
                            // The table holds at most 2^24 segments.
                            segment: u32::try_from(k).unwrap_or(u32::MAX),
                            offset: s.offset,
                            stored: s.crc32c,
                            computed: c.crc,
                        }));
                    }
                }
                self.segment = k + 1;
                self.check = self.verify.then_some(Check { segment: k + 1, crc: 0 });
            } else if take == 0 {
                // Not reachable: a byte read at `pos` lies in segment `k`.
                break;
            }
        }
        Ok(())
    }
}

impl<R: Read + Seek> Read for TrackReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut total = 0;
        while total < buf.len() && self.pos < self.len {
            let k = self.segment;
            let Some(s) = self.track.segments.get(k) else {
                break;
            };
            let within = self.pos - self.seg_start(k);
            let file_pos = s.offset + within;
            // Extend the run over the segments that follow this one in the file.
            let room = buf.len() - total;
            let want = room as u64;
            let mut run = self.seg_len(k) - within;
            let mut j = k;
            while run < want {
                let (Some(a), Some(b)) =
                    (self.track.segments.get(j), self.track.segments.get(j + 1))
                else {
                    break;
                };
                if b.offset != a.offset + u64::from(a.blocks) * self.block_size {
                    break;
                }
                run += self.seg_len(j + 1);
                j += 1;
            }
            let n = usize::try_from(run).map_or(room, |r| r.min(room));
            if self.inner_pos != Some(file_pos) {
                if let Err(e) = self.inner.seek(SeekFrom::Start(file_pos)) {
                    self.inner_pos = None;
                    return if total > 0 { Ok(total) } else { Err(e) };
                }
                self.inner_pos = Some(file_pos);
            }
            let Some(dst) = buf.get_mut(total..total + n) else {
                break; // Not reachable: `n` is at most the room left in `buf`.
            };
            let got = match self.inner.read(dst) {
                Ok(0) => {
                    if total > 0 {
                        return Ok(total);
                    }
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        FormatError::UnexpectedEof { offset: s.offset },
                    ));
                }
                Ok(g) => g,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.inner_pos = None;
                    return if total > 0 { Ok(total) } else { Err(e) };
                }
            };
            self.inner_pos = Some(file_pos + got as u64);
            let read = dst.get(..got).ok_or_else(crate::error::overlong_read)?;
            self.advance(read)?;
            total += got;
            if got < n {
                break;
            }
        }
        Ok(total)
    }
}

impl<R: Read + Seek> Seek for TrackReader<'_, R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        }
        .ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "seek before the start of the track")
        })?;
        self.pos = target;
        let segs = &self.track.segments;
        let bs = self.block_size;
        // The last segment whose first byte is at or before the target.
        self.segment = segs.partition_point(|s| s.first_block * bs <= target).saturating_sub(1);
        if target >= self.len {
            self.segment = segs.len();
        }
        self.check = (self.verify && target == self.seg_start(self.segment))
            .then_some(Check { segment: self.segment, crc: 0 });
        Ok(target)
    }
}
