//! [`StashWriter`]: stages tracks into a stash folder and finishes the stash atomically.

use crate::error::StashError;
use crate::flush::{Flusher, FLUSH_EVERY};
use crate::header::{Header, HeaderRepr, HEADER_AREA, MAJOR_VERSION, MINOR_VERSION};
use crate::lock::StashLock;
use crate::model::{
    DiscInfo, DiscKind, Segment, Track, TrackInfo, AUDIO_BLOCK_SIZE, DATA_BLOCK_SIZE,
    MAX_CD_TEXT_PACKS, MAX_TRACK_NUMBER,
};
use crate::table::{self, MAX_SEGMENTS};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Numbers the writers of this process, so that a checkpoint knows its writer.
static NEXT_WRITER: AtomicU64 = AtomicU64::new(0);

/// Name of a finished stash inside its folder.
pub const STASH_FILE_NAME: &str = "imapi.stash";
/// Name of the stash being staged; it becomes [`STASH_FILE_NAME`] at
/// [`StashWriter::finish`].
pub const PARTIAL_FILE_NAME: &str = "imapi.stash.partial";

/// Blocks moved per read or write when streaming (128 KiB of data blocks).
const CHUNK_BLOCKS: usize = 64;

/// Blocks of a file range copied between two progress reports (4 MiB of data blocks).
const COPY_STEP_BLOCKS: u64 = 2048;

/// What an append does when the blocks would pass the capacity limit
/// ([`StashError::DiscFull`], IMAPI_E_DISCFULL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Overflow {
    /// Keep nothing of the call (IMAPI's AddData).
    AllOrNothing,
    /// Keep the blocks that fit, then fail (IMAPI's AddAudioTrackBlocks).
    KeepWhatFits,
}

/// How to create a stash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StashOptions {
    kind: DiscKind,
    capacity: Option<u64>,
    expected_bytes: Option<u64>,
}

impl StashOptions {
    /// A stash for a disc of `kind`, with no capacity limit and no free-space requirement
    /// beyond the header.
    pub fn new(kind: DiscKind) -> Self {
        Self { kind, capacity: None, expected_bytes: None }
    }

    /// The medium's capacity in blocks: appends past it fail with IMAPI_E_DISCFULL. Unless
    /// [`StashOptions::expected_bytes`] says otherwise, creating the stash also requires the
    /// free space this many blocks take.
    pub fn capacity_blocks(mut self, blocks: u64) -> Self {
        self.capacity = Some(blocks);
        self
    }

    /// The bytes the stash will take at most: creating it fails with
    /// IMAPI_E_NOTENOUGHDISKFORSTASH when the folder has less free space.
    pub fn expected_bytes(mut self, bytes: u64) -> Self {
        self.expected_bytes = Some(bytes);
        self
    }

    fn needed_bytes(&self) -> u64 {
        let per_block = match self.kind {
            DiscKind::Data => DATA_BLOCK_SIZE,
            DiscKind::Audio | DiscKind::Mixed => AUDIO_BLOCK_SIZE,
        };
        let payload = self
            .expected_bytes
            .or_else(|| self.capacity.map(|b| b.saturating_mul(per_block.into())))
            .unwrap_or(0);
        payload.saturating_add(HEADER_AREA)
    }
}

/// A reserved run of blocks in a track, to be written later with [`StashWriter::fill`]
/// (for example the file-system metadata of a data track, known only once the files are in).
#[derive(Debug)]
#[must_use = "a reservation must be filled before the stash is finished"]
pub struct Reservation {
    generation: u64,
    id: u64,
    track: usize,
    segment: usize,
    offset: u64,
    blocks: u32,
    block_size: u32,
}

impl Reservation {
    /// Blocks reserved.
    pub fn blocks(&self) -> u32 {
        self.blocks
    }

    /// Bytes the fill must supply.
    pub fn len(&self) -> u64 {
        u64::from(self.blocks) * u64::from(self.block_size)
    }

    /// Whether the reservation holds no byte (never: a reservation has at least one block).
    pub fn is_empty(&self) -> bool {
        self.blocks == 0
    }

    /// Offset of the reserved bytes in the stash file.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SegKind {
    Appended,
    Reserved(u64),
    Filled,
}

#[derive(Debug, Clone, Copy)]
struct SegState {
    offset: u64,
    blocks: u32,
    crc: u32,
    kind: SegKind,
}

#[derive(Debug, Clone)]
struct TrackState {
    info: TrackInfo,
    blocks: u64,
    /// Prepended segments, in reverse disc order (the last prepended comes first on the
    /// disc). They come before `segments`, and appends never extend them.
    head: Vec<SegState>,
    /// Appended and reserved segments, in disc order.
    segments: Vec<SegState>,
}

/// A reservation not filled yet: its id and where its segment is.
#[derive(Debug, Clone, Copy)]
struct OpenReservation {
    id: u64,
    track: usize,
    segment: usize,
}

/// The last track as a checkpoint found it.
#[derive(Debug, Clone, Copy)]
struct TrackMark {
    head_len: usize,
    body_len: usize,
    last: Option<SegState>,
    blocks: u64,
}

/// A point of the staging to come back to: taken by [`StashWriter::checkpoint`], used by
/// [`StashWriter::rollback`] and [`StashWriter::reopen`].
///
/// It remembers the tracks (how many, whether the last one is open, its segments and
/// blocks), the reservations not yet filled, the disc metadata and the end of the payload.
/// The tracks before the last one cannot change after a checkpoint except by filling their
/// reservations, which a rollback reopens. The capacity limit
/// ([`StashWriter::set_capacity`]) belongs to the medium, not to what is staged: a rollback
/// leaves it as it is.
///
/// A checkpoint is good for the writer that took it, for as long as the staging it
/// describes exists: [`StashWriter::clear`] ends every checkpoint, and a rollback to a
/// checkpoint ends the ones taken after it (it stays good itself, and may be used again
/// through a clone).
#[derive(Debug, Clone)]
pub struct Checkpoint {
    writer: u64,
    generation: u64,
    serial: u64,
    end: u64,
    used: u64,
    segment_count: u32,
    track_count: usize,
    open: bool,
    last: Option<TrackMark>,
    reservations: Vec<OpenReservation>,
    disc: DiscInfo,
}

impl Checkpoint {
    /// Blocks staged at the checkpoint, reservations included.
    pub fn used_blocks(&self) -> u64 {
        self.used
    }

    /// Tracks begun at the checkpoint.
    pub fn track_count(&self) -> usize {
        self.track_count
    }

    /// Whether a track was open at the checkpoint.
    pub fn is_track_open(&self) -> bool {
        self.open
    }
}

/// Where the open track stood before a call, to undo the call.
#[derive(Debug, Clone, Copy)]
struct Mark {
    end: u64,
    used: u64,
    segment_count: u32,
    segs_len: usize,
    last: Option<(u32, u32)>,
    track_blocks: u64,
}

/// Stages a stash in a folder: tracks of blocks, reservations, disc metadata; then
/// [`StashWriter::finish`] makes it valid in one rename.
///
/// The writer holds the folder's lock ([`StashLock`]) for its whole life, so a second writer
/// gets IMAPI_E_STASHINUSE. Until `finish` succeeds the stash lives under
/// [`PARTIAL_FILE_NAME`], with a zeroed header that no reader accepts; dropping an unfinished
/// writer (one never finished, or reopened with [`StashWriter::reopen`]) removes that file.
///
/// While staging, a helper thread flushes the partial stash to the disk every 64 MiB, so the
/// disk writes overlap the staging and `finish` has only the tail left to flush. A failed
/// background flush (a full disk, say) fails the next call.
#[derive(Debug)]
pub struct StashWriter {
    dir: PathBuf,
    partial: PathBuf,
    final_path: PathBuf,
    file: File,
    /// Held from `create` to the drop, across `finish`, `reopen` and `clear`.
    _lock: StashLock,
    id: u64,
    kind: DiscKind,
    capacity: Option<u64>,
    tracks: Vec<TrackState>,
    open: bool,
    disc: DiscInfo,
    end: u64,
    used: u64,
    segment_count: u32,
    generation: u64,
    next_id: u64,
    /// Reservations not filled yet, by increasing id.
    reservations: Vec<OpenReservation>,
    /// The serial of the next checkpoint (atomic, so that `checkpoint` takes `&self`).
    next_serial: AtomicU64,
    /// Serials (from, to) of checkpoints a rollback has ended.
    dead: Vec<(u64, u64)>,
    finished: bool,
    flusher: Option<Flusher>,
    unflushed: u64,
    /// CRC-32C of the source bytes of the last file or reader append.
    append_crc: u32,
}

fn create_partial(path: &Path) -> Result<File, StashError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(|e| StashError::io("create", path, e))
}

#[cfg(unix)]
fn write_all_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
}

#[cfg(not(unix))]
fn write_all_at(mut file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    use std::io::Write;
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(buf)
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_exact_at(mut file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

/// Reads until `buf` is full or the source ends; returns the bytes read.
fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl StashWriter {
    /// Creates a stash in the folder `dir`: takes the folder's lock (IMAPI_E_STASHINUSE if
    /// another writer holds it), checks the free space the options ask for
    /// (IMAPI_E_NOTENOUGHDISKFORSTASH), and starts an empty partial stash, replacing one a
    /// crashed writer left behind. A finished stash already in the folder stays until this
    /// one is finished or cleared.
    pub fn create(dir: impl AsRef<Path>, options: &StashOptions) -> Result<Self, StashError> {
        let dir = dir.as_ref();
        let lock = StashLock::acquire(dir)?;
        crate::space::ensure_space(dir, options.needed_bytes())?;
        let partial = dir.join(PARTIAL_FILE_NAME);
        let file = create_partial(&partial)?;
        let flusher = Flusher::start(&file);
        Ok(Self {
            dir: dir.to_owned(),
            final_path: dir.join(STASH_FILE_NAME),
            partial,
            file,
            _lock: lock,
            id: NEXT_WRITER.fetch_add(1, Ordering::Relaxed),
            kind: options.kind,
            capacity: options.capacity,
            tracks: Vec::new(),
            open: false,
            disc: DiscInfo::default(),
            end: HEADER_AREA,
            used: 0,
            segment_count: 0,
            generation: 0,
            next_id: 0,
            reservations: Vec::new(),
            next_serial: AtomicU64::new(0),
            dead: Vec::new(),
            finished: false,
            flusher,
            unflushed: 0,
            append_crc: 0,
        })
    }

    /// The stash folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the finished stash is (or will be).
    pub fn stash_path(&self) -> &Path {
        &self.final_path
    }

    /// The kind of disc being staged.
    pub fn disc_kind(&self) -> DiscKind {
        self.kind
    }

    /// Blocks staged so far, reservations included.
    pub fn used_blocks(&self) -> u64 {
        self.used
    }

    /// The capacity limit in blocks, if any.
    pub fn capacity(&self) -> Option<u64> {
        self.capacity
    }

    /// Sets or lifts the capacity limit (for example once the medium is known). Blocks
    /// already staged stay; later appends past the limit fail.
    pub fn set_capacity(&mut self, blocks: Option<u64>) {
        self.capacity = blocks;
    }

    /// Tracks begun so far.
    pub fn track_count(&self) -> usize {
        self.tracks.len()
    }

    /// Whether a track is open.
    pub fn is_track_open(&self) -> bool {
        self.open
    }

    /// The CRC-32C of the bytes the last [`StashWriter::append_reader_with`] or
    /// [`StashWriter::append_file_range_with`] (and their short forms) took from its source,
    /// without the zeros that pad the last block: a checksum of what was captured, to check
    /// the burned disc against later. For a file range it is computed over the bytes as they
    /// landed in the stash.
    pub fn last_append_crc(&self) -> u32 {
        self.append_crc
    }

    /// Blocks appended (and reserved) to the open track so far, prepended ones left out
    /// (`None` with no track open): the block, counted from the first appended one, where
    /// the next appended block lands.
    pub fn open_track_blocks(&self) -> Option<u64> {
        match self.tracks.last() {
            Some(t) if self.open => {
                let head: u64 = t.head.iter().map(|s| u64::from(s.blocks)).sum();
                Some(t.blocks - head)
            }
            _ => None,
        }
    }

    fn live(&self) -> Result<(), StashError> {
        if self.finished {
            Err(StashError::Finished)
        } else {
            Ok(())
        }
    }

    /// Fails if a background flush failed: bytes staged earlier may not be on the disk.
    fn flushed_ok(&self) -> Result<(), StashError> {
        match self.flusher.as_ref().and_then(Flusher::failure) {
            Some(e) => Err(StashError::io("flush", &self.partial, e)),
            None => Ok(()),
        }
    }

    /// Counts `bytes` just written and asks for a background flush every [`FLUSH_EVERY`].
    fn wrote(&mut self, bytes: u64) {
        self.unflushed += bytes;
        if self.unflushed >= FLUSH_EVERY {
            self.unflushed = 0;
            if let Some(f) = &self.flusher {
                f.request();
            }
        }
    }

    fn open_track(&mut self) -> Result<&mut TrackState, StashError> {
        self.live()?;
        if !self.open {
            return Err(StashError::TrackNotOpen);
        }
        self.tracks.last_mut().ok_or(StashError::TrackNotOpen)
    }

    fn block_size(&self) -> Result<u32, StashError> {
        self.live()?;
        match self.tracks.last() {
            Some(t) if self.open => Ok(t.info.block_size),
            _ => Err(StashError::TrackNotOpen),
        }
    }

    fn available(&self) -> u64 {
        self.capacity.map_or(u64::MAX, |c| c.saturating_sub(self.used))
    }

    /// Begins a track. Fails if one is open (IMAPI_E_TRACKOPEN), if its settings contradict
    /// each other, if its mode does not suit the disc kind (IMAPI_E_WRONGFORMAT), or if it
    /// would be numbered past 99 (IMAPI_E_DISCFULL).
    pub fn begin_track(&mut self, info: TrackInfo) -> Result<(), StashError> {
        self.live()?;
        if self.open {
            return Err(StashError::TrackOpen);
        }
        info.validate().map_err(StashError::InvalidTrack)?;
        if !self.kind.accepts(info.mode) {
            return Err(StashError::WrongKind { kind: self.kind, mode: info.mode });
        }
        let number = u32::from(self.disc.first_track) + self.tracks.len() as u32;
        if number > u32::from(MAX_TRACK_NUMBER) {
            return Err(StashError::TooManyTracks { number });
        }
        self.tracks.push(TrackState { info, blocks: 0, head: Vec::new(), segments: Vec::new() });
        self.open = true;
        Ok(())
    }

    /// Ends the open track (IMAPI_E_TRACKNOTOPEN if none). A track needs at least one block.
    pub fn end_track(&mut self) -> Result<(), StashError> {
        let t = self.open_track()?;
        if t.blocks == 0 {
            return Err(StashError::InvalidTrack("a track needs at least one block"));
        }
        self.open = false;
        Ok(())
    }

    /// Sets the disc metadata: first track number, MCN, CD-Text packs, session start and
    /// multisession intent.
    pub fn set_disc_info(&mut self, info: DiscInfo) -> Result<(), StashError> {
        self.live()?;
        let count = self.tracks.len().max(1) as u32;
        if info.first_track == 0
            || u32::from(info.first_track) + count - 1 > u32::from(MAX_TRACK_NUMBER)
        {
            return Err(StashError::InvalidDiscInfo(
                "the first track number must keep every track within 1 to 99",
            ));
        }
        if info.cd_text.len() > MAX_CD_TEXT_PACKS {
            return Err(StashError::InvalidDiscInfo("more than 2048 CD-Text packs"));
        }
        self.disc = info;
        Ok(())
    }

    /// The disc metadata set so far.
    pub fn disc_info(&self) -> &DiscInfo {
        &self.disc
    }

    fn mark(&self) -> Mark {
        let t = self.tracks.last();
        Mark {
            end: self.end,
            used: self.used,
            segment_count: self.segment_count,
            segs_len: t.map_or(0, |t| t.segments.len()),
            last: t.and_then(|t| t.segments.last()).map(|s| (s.blocks, s.crc)),
            track_blocks: t.map_or(0, |t| t.blocks),
        }
    }

    fn undo(&mut self, m: Mark) {
        self.end = m.end;
        self.used = m.used;
        self.segment_count = m.segment_count;
        if let Some(t) = self.tracks.last_mut() {
            t.segments.truncate(m.segs_len);
            t.blocks = m.track_blocks;
            if let (Some(s), Some((blocks, crc))) = (t.segments.last_mut(), m.last) {
                if s.kind == SegKind::Appended {
                    s.blocks = blocks;
                    s.crc = crc;
                }
            }
        }
        // Give the space back; the bytes past the end are cut at finish in any case.
        let _ = self.file.set_len(self.end);
    }

    /// Records `data` (whole blocks) as just written at `self.end`: extends the open track's
    /// last segment when it ends there, else starts a segment.
    fn record(&mut self, data: &[u8]) -> Result<(), StashError> {
        let bs = self.block_size()?;
        let blocks = (data.len() / bs as usize) as u32;
        let end = self.end;
        let extend = self.tracks.last().and_then(|t| t.segments.last()).is_some_and(|s| {
            s.kind == SegKind::Appended
                && s.offset + u64::from(s.blocks) * u64::from(bs) == end
                && s.blocks.checked_add(blocks).is_some()
        });
        if !extend && self.segment_count >= MAX_SEGMENTS {
            return Err(StashError::InvalidTrack("more than 2^24 segments"));
        }
        let t = self.open_track()?;
        match t.segments.last_mut() {
            Some(s) if extend => {
                s.crc = crc32c::crc32c_append(s.crc, data);
                s.blocks += blocks;
            }
            _ => t.segments.push(SegState {
                offset: end,
                blocks,
                crc: crc32c::crc32c(data),
                kind: SegKind::Appended,
            }),
        }
        t.blocks += u64::from(blocks);
        if !extend {
            self.segment_count += 1;
        }
        self.used += u64::from(blocks);
        self.end += u64::from(blocks) * u64::from(bs);
        Ok(())
    }

    /// Writes whole blocks at the end and records them.
    fn push(&mut self, data: &[u8], bs: u32) -> Result<(), StashError> {
        // At most 2^20 blocks a step keeps every count within a segment's u32.
        self.flushed_ok()?;
        for piece in data.chunks(bs as usize * (1 << 20)) {
            write_all_at(&self.file, piece, self.end)
                .map_err(|e| StashError::io("write", &self.partial, e))?;
            self.record(piece)?;
            self.wrote(piece.len() as u64);
        }
        Ok(())
    }

    /// Appends whole blocks to the open track. `data` must be a whole number of blocks.
    /// Past the capacity limit, [`Overflow`] decides what stays. Returns the blocks kept.
    pub fn append_blocks(&mut self, data: &[u8], overflow: Overflow) -> Result<u64, StashError> {
        let bs = self.block_size()?;
        if data.len() % bs as usize != 0 {
            return Err(StashError::PartialBlock { len: data.len() as u64, block_size: bs });
        }
        let blocks = (data.len() / bs as usize) as u64;
        let available = self.available();
        let keep = blocks.min(available);
        if keep < blocks && overflow == Overflow::AllOrNothing {
            return Err(self.disc_full(available, blocks, 0));
        }
        let mark = self.mark();
        let bytes = (keep * u64::from(bs)) as usize;
        if let Err(e) = self.push(&data[..bytes], bs) {
            self.undo(mark);
            return Err(e);
        }
        if keep < blocks {
            return Err(self.disc_full(available, blocks, keep));
        }
        Ok(keep)
    }

    fn disc_full(&self, available: u64, requested: u64, kept: u64) -> StashError {
        StashError::DiscFull {
            capacity: self.capacity.unwrap_or(u64::MAX),
            available,
            requested,
            kept,
        }
    }

    /// Appends everything `source` yields to the open track, padding the last block with
    /// zeros. Past the capacity limit, [`Overflow`] decides what stays; any other failure
    /// keeps nothing of the call. Returns the blocks kept.
    pub fn append_reader<R: Read>(
        &mut self,
        source: R,
        overflow: Overflow,
    ) -> Result<u64, StashError> {
        self.append_reader_with(source, overflow, |_, _| true)
    }

    /// [`StashWriter::append_reader`], calling `progress(bytes_done, bytes_total)` before the
    /// first read and after every 128 KiB or less (`bytes_total` is 0: a reader's length is
    /// not known). When it returns `false` the call stops with [`StashError::Cancelled`]
    /// (IMAPI_E_USERABORT) and keeps nothing, whatever `overflow` says.
    pub fn append_reader_with<R: Read>(
        &mut self,
        mut source: R,
        overflow: Overflow,
        mut progress: impl FnMut(u64, u64) -> bool,
    ) -> Result<u64, StashError> {
        self.append_dyn(&mut source, overflow, &mut progress)
    }

    fn append_dyn(
        &mut self,
        source: &mut dyn Read,
        overflow: Overflow,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<u64, StashError> {
        let bs = self.block_size()? as usize;
        if !progress(0, 0) {
            return Err(StashError::Cancelled);
        }
        let mark = self.mark();
        let available = self.available();
        let mut buf = vec![0u8; bs * CHUNK_BLOCKS];
        let mut kept: u64 = 0;
        let mut read: u64 = 0;
        self.append_crc = 0;
        let result = loop {
            let n = match read_full(source, &mut buf) {
                Ok(n) => n,
                Err(e) => break Err(StashError::from_read("the source", e)),
            };
            if n == 0 {
                break Ok(kept);
            }
            read += n as u64;
            self.append_crc = crc32c::crc32c_append(self.append_crc, &buf[..n]);
            let padded = n.div_ceil(bs) * bs;
            buf[n..padded].fill(0);
            let blocks = (padded / bs) as u64;
            let room = available - kept;
            if blocks > room {
                if overflow == Overflow::AllOrNothing {
                    break Err(self.disc_full(available, kept + blocks, 0));
                }
                let fit = (room as usize) * bs;
                if let Err(e) = self.push(&buf[..fit], bs as u32) {
                    break Err(e);
                }
                kept += room;
                if !progress(read, 0) {
                    break Err(StashError::Cancelled);
                }
                return Err(self.disc_full(available, kept + blocks - room, kept));
            }
            if let Err(e) = self.push(&buf[..padded], bs as u32) {
                break Err(e);
            }
            kept += blocks;
            if !progress(read, 0) {
                break Err(StashError::Cancelled);
            }
            if n < buf.len() {
                break Ok(kept);
            }
        };
        if result.is_err() {
            self.undo(mark);
        }
        result
    }

    /// Appends `len` bytes of `file` from `offset` to the open track, padding the last block
    /// with zeros. The bytes move by the kernel's copy where the system has one
    /// (`copy_file_range` on Linux); the segment checksum is then computed over the copied
    /// bytes read back from the stash. Moves `file`'s cursor. Past the capacity limit,
    /// [`Overflow`] decides what stays; any other failure keeps nothing. Returns the blocks
    /// kept.
    pub fn append_file_range(
        &mut self,
        file: &File,
        offset: u64,
        len: u64,
        overflow: Overflow,
    ) -> Result<u64, StashError> {
        self.append_file_range_with(file, offset, len, overflow, |_, _| true)
    }

    /// [`StashWriter::append_file_range`], calling `progress(bytes_done, bytes_total)` before
    /// the copy and after every step of 2048 blocks (4 MiB of data blocks) or less;
    /// `bytes_total` is the bytes the call copies (fewer than `len` when only part fits
    /// under [`Overflow::KeepWhatFits`]). When it returns `false` the call stops with
    /// [`StashError::Cancelled`] (IMAPI_E_USERABORT) and keeps nothing.
    pub fn append_file_range_with(
        &mut self,
        file: &File,
        offset: u64,
        len: u64,
        overflow: Overflow,
        mut progress: impl FnMut(u64, u64) -> bool,
    ) -> Result<u64, StashError> {
        let bs = u64::from(self.block_size()?);
        let blocks = len.div_ceil(bs);
        let available = self.available();
        let keep = blocks.min(available);
        if keep < blocks && overflow == Overflow::AllOrNothing {
            return Err(self.disc_full(available, blocks, 0));
        }
        let copy_len = len.min(keep * bs);
        let mark = self.mark();
        if let Err(e) = self.copy_range(file, offset, copy_len, bs as u32, &mut progress) {
            self.undo(mark);
            return Err(e);
        }
        if keep < blocks {
            return Err(self.disc_full(available, blocks, keep));
        }
        Ok(keep)
    }

    fn copy_range(
        &mut self,
        src: &File,
        offset: u64,
        len: u64,
        bs: u32,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<(), StashError> {
        self.flushed_ok()?;
        if !progress(0, len) {
            return Err(StashError::Cancelled);
        }
        let bs = u64::from(bs);
        let start = self.end;
        let mut source = src;
        source
            .seek(SeekFrom::Start(offset))
            .map_err(|e| StashError::from_read("the source file", e))?;
        (&self.file)
            .seek(SeekFrom::Start(start))
            .map_err(|e| StashError::io("seek in", &self.partial, e))?;
        // `io::copy` between two files uses the kernel's copy (copy_file_range) where it can.
        // Step by step: each step is checksummed from the stash right after its copy (while
        // its pages are fresh), then reported, so that a cancel is seen within a step and the
        // background flush follows the copy.
        let step = bs * COPY_STEP_BLOCKS;
        let mut buf = vec![0u8; (bs as usize) * CHUNK_BLOCKS];
        let mut copied = 0;
        self.append_crc = 0;
        while copied < len {
            let want = (len - copied).min(step);
            let n = io::copy(&mut source.take(want), &mut &self.file).map_err(|e| {
                if crate::error::is_disk_full(&e) {
                    StashError::io("write", &self.partial, e)
                } else {
                    StashError::Read { what: "the source file, or writing the stash", source: e }
                }
            })?;
            self.wrote(n);
            if n < want {
                return Err(StashError::SourceTooShort { expected: len, got: copied + n });
            }
            let padded = want.div_ceil(bs) * bs;
            if padded > want {
                let zeros = vec![0u8; (padded - want) as usize];
                write_all_at(&self.file, &zeros, start + copied + want)
                    .map_err(|e| StashError::io("write", &self.partial, e))?;
            }
            // Record the step's blocks from the bytes as they now are in the stash, a chunk at
            // a time, so that segment counts stay within u32.
            let mut done = 0;
            while done < padded {
                let k = (buf.len() as u64).min(padded - done) as usize;
                read_exact_at(&self.file, &mut buf[..k], self.end)
                    .map_err(|e| StashError::io("read back", &self.partial, e))?;
                let data = (want.saturating_sub(done) as usize).min(k);
                self.append_crc = crc32c::crc32c_append(self.append_crc, &buf[..data]);
                self.record(&buf[..k])?;
                done += k as u64;
            }
            copied += want;
            if !progress(copied, len) {
                return Err(StashError::Cancelled);
            }
        }
        Ok(())
    }

    /// Reserves `blocks` blocks at this point of the open track, to be written later with
    /// [`StashWriter::fill`]. They count against the capacity at once (all or nothing).
    pub fn reserve(&mut self, blocks: u32) -> Result<Reservation, StashError> {
        let bs = self.block_size()?;
        if blocks == 0 {
            return Err(StashError::InvalidTrack("a reservation needs at least one block"));
        }
        let available = self.available();
        if u64::from(blocks) > available {
            return Err(self.disc_full(available, blocks.into(), 0));
        }
        if self.segment_count >= MAX_SEGMENTS {
            return Err(StashError::InvalidTrack("more than 2^24 segments"));
        }
        let id = self.next_id;
        self.next_id += 1;
        let offset = self.end;
        let track = self.tracks.len() - 1;
        let t = self.open_track()?;
        t.segments.push(SegState { offset, blocks, crc: 0, kind: SegKind::Reserved(id) });
        t.blocks += u64::from(blocks);
        let segment = t.segments.len() - 1;
        self.reservations.push(OpenReservation { id, track, segment });
        self.segment_count += 1;
        self.used += u64::from(blocks);
        self.end += u64::from(blocks) * u64::from(bs);
        Ok(Reservation {
            generation: self.generation,
            id,
            track,
            segment,
            offset,
            blocks,
            block_size: bs,
        })
    }

    fn reserved_slot(&self, r: &Reservation) -> Result<(), StashError> {
        self.live()?;
        let stale = StashError::StaleReservation { offset: r.offset, blocks: r.blocks };
        if r.generation != self.generation {
            return Err(stale);
        }
        match self.tracks.get(r.track).and_then(|t| t.segments.get(r.segment)) {
            Some(s) if s.kind == SegKind::Reserved(r.id) => Ok(()),
            _ => Err(stale),
        }
    }

    fn mark_filled(&mut self, r: &Reservation, crc: u32) {
        if let Some(s) = self.tracks.get_mut(r.track).and_then(|t| t.segments.get_mut(r.segment)) {
            s.crc = crc;
            s.kind = SegKind::Filled;
        }
        if let Ok(i) = self.reservations.binary_search_by_key(&r.id, |o| o.id) {
            self.reservations.remove(i);
        }
    }

    /// Fills a reservation with exactly [`Reservation::len`] bytes. A reservation is filled
    /// once; after a failed fill it is still open and can be filled again.
    pub fn fill(&mut self, reservation: &Reservation, data: &[u8]) -> Result<(), StashError> {
        self.reserved_slot(reservation)?;
        if data.len() as u64 != reservation.len() {
            return Err(StashError::WrongFillLength {
                expected: reservation.len(),
                got: data.len() as u64,
            });
        }
        self.flushed_ok()?;
        write_all_at(&self.file, data, reservation.offset)
            .map_err(|e| StashError::io("write", &self.partial, e))?;
        self.wrote(data.len() as u64);
        self.mark_filled(reservation, crc32c::crc32c(data));
        Ok(())
    }

    /// Fills a reservation with exactly [`Reservation::len`] bytes read from `source`
    /// (fewer is [`StashError::SourceTooShort`]; bytes beyond are not read).
    pub fn fill_from_reader<R: Read>(
        &mut self,
        reservation: &Reservation,
        mut source: R,
    ) -> Result<(), StashError> {
        self.reserved_slot(reservation)?;
        let len = reservation.len();
        let step = u64::from(reservation.block_size) * CHUNK_BLOCKS as u64;
        let mut buf = vec![0u8; step.min(len) as usize];
        let mut done = 0;
        let mut crc = 0;
        while done < len {
            let want = step.min(len - done) as usize;
            let n = read_full(&mut source, &mut buf[..want])
                .map_err(|e| StashError::from_read("the source", e))?;
            if n < want {
                return Err(StashError::SourceTooShort { expected: len, got: done + n as u64 });
            }
            write_all_at(&self.file, &buf[..n], reservation.offset + done)
                .map_err(|e| StashError::io("write", &self.partial, e))?;
            crc = crc32c::crc32c_append(crc, &buf[..n]);
            done += n as u64;
        }
        self.mark_filled(reservation, crc);
        Ok(())
    }

    /// Writes whole blocks at the end of the stash file and makes them the first segment of
    /// the open track in disc order, before everything the track holds so far (before the
    /// blocks of an earlier prepend too): the file-system metadata of a data track, known
    /// only once its files are staged, is written last and read first, without moving the
    /// file data. `data` must be a whole number of blocks; empty data stages nothing. All
    /// or nothing: past the capacity limit the call fails with [`StashError::DiscFull`]
    /// (IMAPI_E_DISCFULL) and keeps nothing, as does any other failure. Later appends start
    /// a segment of their own after the track's other blocks: they never extend a
    /// prepended segment.
    pub fn prepend_blocks(&mut self, data: &[u8]) -> Result<(), StashError> {
        let bs = self.block_size()?;
        if data.len() % bs as usize != 0 {
            return Err(StashError::PartialBlock { len: data.len() as u64, block_size: bs });
        }
        let blocks = (data.len() / bs as usize) as u64;
        let available = self.available();
        if blocks > available {
            return Err(self.disc_full(available, blocks, 0));
        }
        self.prepend_dyn(&mut &data[..])
    }

    /// [`StashWriter::prepend_blocks`] for everything `source` yields, the last block
    /// padded with zeros. Past the capacity limit, or on any other failure, nothing of the
    /// call stays.
    pub fn prepend_reader<R: Read>(&mut self, mut source: R) -> Result<(), StashError> {
        self.prepend_dyn(&mut source)
    }

    fn prepend_dyn(&mut self, source: &mut dyn Read) -> Result<(), StashError> {
        let bs = self.block_size()?;
        self.flushed_ok()?;
        let available = self.available();
        let start = self.end;
        let step = bs as usize * CHUNK_BLOCKS;
        let mut buf = vec![0u8; step];
        // The call's segments in disc order: one, unless it passes 2^32 - 1 blocks.
        let mut pieces: Vec<SegState> = Vec::new();
        let mut at = start;
        let result = loop {
            let n = match read_full(source, &mut buf) {
                Ok(n) => n,
                Err(e) => break Err(StashError::from_read("the source", e)),
            };
            if n == 0 {
                break Ok(());
            }
            let padded = n.div_ceil(bs as usize) * bs as usize;
            buf[n..padded].fill(0);
            let data = &buf[..padded];
            let blocks = (padded / bs as usize) as u32;
            let total = (at - start) / u64::from(bs) + u64::from(blocks);
            if total > available {
                break Err(self.disc_full(available, total, 0));
            }
            if let Err(e) = write_all_at(&self.file, data, at) {
                break Err(StashError::io("write", &self.partial, e));
            }
            self.wrote(padded as u64);
            match pieces.last_mut() {
                Some(s) if s.blocks.checked_add(blocks).is_some() => {
                    s.crc = crc32c::crc32c_append(s.crc, data);
                    s.blocks += blocks;
                }
                _ => pieces.push(SegState {
                    offset: at,
                    blocks,
                    crc: crc32c::crc32c(data),
                    kind: SegKind::Appended,
                }),
            }
            at += padded as u64;
            if n < step {
                break Ok(());
            }
        };
        let result = result.and_then(|()| {
            if u64::from(self.segment_count) + pieces.len() as u64 > u64::from(MAX_SEGMENTS) {
                Err(StashError::InvalidTrack("more than 2^24 segments"))
            } else {
                Ok(())
            }
        });
        if let Err(e) = result {
            // Give the space back; nothing was recorded.
            let _ = self.file.set_len(start);
            return Err(e);
        }
        let blocks = (at - start) / u64::from(bs);
        let count = pieces.len() as u32;
        let t = self.open_track()?;
        t.head.extend(pieces.into_iter().rev());
        t.blocks += blocks;
        self.segment_count += count;
        self.used += blocks;
        self.end = at;
        Ok(())
    }

    /// Remembers the staging as it stands, to come back to it with
    /// [`StashWriter::rollback`] (an add that must leave nothing behind) or
    /// [`StashWriter::reopen`] (a finished stash whose burn failed). See [`Checkpoint`] for
    /// what it covers. Taking one costs a copy of the disc metadata and of the list of
    /// reservations not yet filled; nothing is written.
    pub fn checkpoint(&self) -> Checkpoint {
        let serial = self.next_serial.fetch_add(1, Ordering::Relaxed);
        Checkpoint {
            writer: self.id,
            generation: self.generation,
            serial,
            end: self.end,
            used: self.used,
            segment_count: self.segment_count,
            track_count: self.tracks.len(),
            open: self.open,
            last: self.tracks.last().map(|t| TrackMark {
                head_len: t.head.len(),
                body_len: t.segments.len(),
                last: t.segments.last().copied(),
                blocks: t.blocks,
            }),
            reservations: self.reservations.clone(),
            disc: self.disc.clone(),
        }
    }

    /// Undoes everything staged since `cp` was taken: tracks begun after it are gone, the
    /// track open at `cp` is open again with its blocks as they were (ended or not since),
    /// blocks appended, prepended or reserved after it are gone and their space is given
    /// back to the file system, reservations filled after it are open again (their handles
    /// fill them again), reservations made after it are stale, and the disc metadata is as
    /// it was. What the writer stages next goes exactly where it would have gone at `cp`.
    ///
    /// Fails with [`StashError::StaleCheckpoint`] for a checkpoint of another writer, from
    /// before a [`StashWriter::clear`], or taken after a checkpoint rolled back to since;
    /// with [`StashError::Finished`] on a finished stash (see [`StashWriter::reopen`]).
    /// On failure nothing changes.
    pub fn rollback(&mut self, cp: Checkpoint) -> Result<(), StashError> {
        self.live()?;
        self.check_checkpoint(&cp)?;
        self.file.set_len(cp.end).map_err(|e| StashError::io("truncate", &self.partial, e))?;
        self.restore(cp);
        Ok(())
    }

    /// Makes a finished stash a partial one again and restores the staging to `cp`, for a
    /// retry after a failed burn, or to stage more: the finished stash is renamed back to
    /// [`PARTIAL_FILE_NAME`] (so no finished stash is left in the folder), cut to the
    /// payload as it was at `cp` (the track table goes) and its header area zeroed, and the
    /// staging is as [`StashWriter::rollback`] leaves it. `cp` is typically taken before
    /// the sealing steps (prepending the metadata, padding, ending the track, setting the
    /// disc metadata), which are then done again before the next
    /// [`StashWriter::finish`]. The writer holds the folder's lock throughout, so no other
    /// writer gets the folder between `finish` and `reopen`. To keep the finished stash as
    /// it is, do not call this.
    ///
    /// Fails with [`StashError::NotFinished`] unless the last `finish` succeeded, and with
    /// [`StashError::StaleCheckpoint`] as `rollback` does; then nothing changes. If the
    /// rename fails the stash stays finished; a failure after it leaves the writer staging
    /// at `cp`, with no valid stash in the folder.
    pub fn reopen(&mut self, cp: Checkpoint) -> Result<(), StashError> {
        if !self.finished {
            return Err(StashError::NotFinished);
        }
        self.check_checkpoint(&cp)?;
        fs::rename(&self.final_path, &self.partial)
            .map_err(|e| StashError::io("rename", &self.final_path, e))?;
        sync_dir(&self.dir);
        self.finished = false;
        self.restore(cp);
        let p = &self.partial;
        self.file.set_len(self.end).map_err(|e| StashError::io("truncate", p, e))?;
        write_all_at(&self.file, &vec![0u8; HEADER_AREA as usize], 0)
            .map_err(|e| StashError::io("write", p, e))?;
        Ok(())
    }

    fn check_checkpoint(&self, cp: &Checkpoint) -> Result<(), StashError> {
        let ended = self.dead.iter().any(|&(from, to)| (from..to).contains(&cp.serial));
        let fits = cp.track_count <= self.tracks.len() && cp.end <= self.end;
        if cp.writer != self.id || cp.generation != self.generation || ended || !fits {
            return Err(StashError::StaleCheckpoint);
        }
        Ok(())
    }

    fn restore(&mut self, cp: Checkpoint) {
        self.tracks.truncate(cp.track_count);
        if let (Some(t), Some(m)) = (self.tracks.last_mut(), cp.last) {
            t.head.truncate(m.head_len);
            t.segments.truncate(m.body_len);
            if let (Some(s), Some(was)) = (t.segments.last_mut(), m.last) {
                *s = was;
            }
            t.blocks = m.blocks;
        }
        for r in &cp.reservations {
            if let Some(s) =
                self.tracks.get_mut(r.track).and_then(|t| t.segments.get_mut(r.segment))
            {
                s.kind = SegKind::Reserved(r.id);
                s.crc = 0;
            }
        }
        self.reservations = cp.reservations;
        self.open = cp.open;
        self.disc = cp.disc;
        self.end = cp.end;
        self.used = cp.used;
        self.segment_count = cp.segment_count;
        // The checkpoints taken after this one describe a staging that is gone.
        let from = cp.serial + 1;
        while self.dead.last().is_some_and(|&(f, _)| f >= from) {
            self.dead.pop();
        }
        let next = *self.next_serial.get_mut();
        if from < next {
            self.dead.push((from, next));
        }
    }

    /// Finishes the stash: checks it is complete (no open track, every reservation filled,
    /// at least one track), writes the track table and the header with their checksums,
    /// flushes everything to the disk, and renames the partial stash to
    /// [`STASH_FILE_NAME`], replacing an earlier one. Only then does the stash open as valid.
    /// Returns its path. The writer keeps the lock: [`StashWriter::reopen`] stages again
    /// from a checkpoint, [`StashWriter::clear`] starts over.
    pub fn finish(&mut self) -> Result<PathBuf, StashError> {
        self.live()?;
        self.flushed_ok()?;
        if self.open {
            return Err(StashError::TrackOpen);
        }
        if self.tracks.is_empty() {
            return Err(StashError::Empty);
        }
        let first = self.disc.first_track;
        let mut tracks = Vec::with_capacity(self.tracks.len());
        for (i, t) in self.tracks.iter().enumerate() {
            let number = first.saturating_add(i as u8);
            let mut segments = Vec::with_capacity(t.head.len() + t.segments.len());
            let mut first_block = 0;
            for s in t.head.iter().rev().chain(&t.segments) {
                if let SegKind::Reserved(_) = s.kind {
                    return Err(StashError::UnfilledReservation {
                        track: number,
                        offset: s.offset,
                        blocks: s.blocks,
                    });
                }
                segments.push(Segment {
                    offset: s.offset,
                    blocks: s.blocks,
                    crc32c: s.crc,
                    first_block,
                });
                first_block += u64::from(s.blocks);
            }
            tracks.push(Track { number, info: t.info, blocks: t.blocks, segments });
        }
        let table = table::emit(&tracks, &self.disc);
        let header = HeaderRepr {
            major: MAJOR_VERSION,
            minor: MINOR_VERSION,
            disc_kind: self.kind,
            payload_offset: HEADER_AREA,
            table_offset: self.end,
            table_len: table.len() as u64,
            table_crc: crc32c::crc32c(&table),
            track_count: tracks.len() as u32,
            segment_count: self.segment_count,
            total_blocks: self.used,
        };
        let mut area = vec![0u8; HEADER_AREA as usize];
        header.emit(&mut Header::new_unchecked(&mut area[..]));
        let p = &self.partial;
        write_all_at(&self.file, &table, self.end).map_err(|e| StashError::io("write", p, e))?;
        self.file
            .set_len(self.end + table.len() as u64)
            .map_err(|e| StashError::io("truncate", p, e))?;
        write_all_at(&self.file, &area, 0).map_err(|e| StashError::io("write", p, e))?;
        self.file.sync_all().map_err(|e| StashError::io("flush", p, e))?;
        fs::rename(p, &self.final_path).map_err(|e| StashError::io("rename", p, e))?;
        sync_dir(&self.dir);
        self.finished = true;
        Ok(self.final_path.clone())
    }

    /// Empties the stash (IMAPI's ClearFormatContent): drops every track, reservation and
    /// the disc metadata, removes a finished stash from the folder, and starts an empty
    /// partial one. Outstanding reservations become stale. No undo.
    pub fn clear(&mut self) -> Result<(), StashError> {
        match fs::remove_file(&self.final_path) {
            Ok(()) => sync_dir(&self.dir),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(StashError::io("remove", &self.final_path, e)),
        }
        // The helper flushes the old file: stop it (it ends its flush first).
        self.flusher = None;
        self.file = create_partial(&self.partial)?;
        self.flusher = Flusher::start(&self.file);
        self.unflushed = 0;
        self.tracks.clear();
        self.open = false;
        self.disc = DiscInfo::default();
        self.end = HEADER_AREA;
        self.used = 0;
        self.segment_count = 0;
        self.reservations.clear();
        self.dead.clear();
        self.generation += 1;
        self.finished = false;
        Ok(())
    }
}

impl Drop for StashWriter {
    fn drop(&mut self) {
        if !self.finished {
            let _ = fs::remove_file(&self.partial);
        }
    }
}

/// Makes a rename in `dir` durable where the system allows opening a folder.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
