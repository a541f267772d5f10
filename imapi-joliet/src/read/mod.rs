//! Reading ISO 9660 + Joliet images.
//!
//! [`Image`] parses the volume descriptor set of an image held in memory
//! ([`Image::parse`], zero-copy: names and records borrow from the slice) or read on demand
//! from any `Read + Seek` ([`Image::from_reader`]); one parser serves both through
//! [`ReadAt`]. From there:
//!
//! - [`Image::entries`] walks the default view ([`Image::default_view`]: Rock Ridge when the
//!   image has it, else Joliet, else ISO 9660), [`Image::walk_view`] any [`View`] and
//!   [`Image::walk`] either tree as recorded; [`Image::read_dir`] lists one directory (in the
//!   view it was read in), [`Image::records`] gives its raw records;
//! - in the Rock Ridge view each [`Entry`] carries its [`RockRidge`] entries
//!   ([`Entry::rock_ridge`], [`Entry::file_type`]): POSIX name, mode, owner, times, link
//!   target, device number; directories relocated for depth (`CL`/`RE`) appear at their
//!   original place, and entries marked `RE` are hidden, as Linux shows them.
//!   [`RockRidgeVolume`] says how the image records Rock Ridge and how it was detected (an
//!   `SP` in the root's `.` record and an `ER` naming RRIP, or RRIP entries there);
//!   [`rock_ridge`] is the pure parser of system use areas;
//! - [`Image::lookup`] finds a path ([`Image::lookup_view`] in a view), [`Image::open`] streams a file's bytes and
//!   [`Image::read_path`] reads a small file at once;
//! - [`Image::path_table`] reads the L or M path table of either tree;
//! - [`Image::boot_record`] and [`Image::boot_catalog`] read El Torito's boot record and
//!   catalog.
//!
//! Multi-extent files (sections of one file in several records) come out as one entry. For
//! the last session of a multisession disc, give its first block in
//! [`Options::session_start`]: descriptors are then read at that block + 16, while extents
//! stay absolute.
//!
//! The reader imports [`crate::format`] only: it knows the bytes, not how the builder lays
//! them out. Its Rock Ridge parser is [`rock_ridge`] (the builder writes with
//! `build::rock_ridge_write`).
//!
//! # Hostile input
//!
//! Every length and number read from the image is checked before use: no input panics the
//! reader, and the work and memory it spends are bounded by [`Limits`] (nesting depth,
//! directory records per call, path table size, bytes read into memory at once). Both-endian
//! fields whose halves disagree are an error unless [`Options::lenient`] is set; then the
//! little-endian half is taken, as Linux does. Rock Ridge entries are read past their faults
//! as Linux reads them (the verifier reports them), with bounded work: at most 32
//! continuation areas per record, each inside one block of the volume (else
//! [`ReadError::BadContinuation`]), names and link targets capped
//! ([`rock_ridge::MAX_NAME_LEN`], [`rock_ridge::MAX_TARGET_LEN`]).
//!
//! ```
//! use imapi_joliet::{BytesSource, Image, PlanOptions, Tree, TreeKind};
//! let mut tree = Tree::new();
//! let docs = tree.add_dir(tree.root(), "docs")?;
//! tree.add_file(docs, "hello.txt", BytesSource::new(&b"hello"[..]))?;
//! let mut iso = Vec::new();
//! tree.plan(&PlanOptions::default())?.emit(&mut iso)?;
//!
//! let image = Image::parse(&iso)?;
//! assert_eq!(image.read_path("/docs/hello.txt")?, b"hello");
//! let iso_names: Vec<String> =
//!     image.walk(TreeKind::Iso)?.map(|e| e.map(|e| e.path)).collect::<Result<_, _>>()?;
//! assert_eq!(iso_names, ["DOCS", "DOCS/HELLO.TXT;1"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod dir;
mod entry;
mod error;
mod file;
pub(crate) mod path_table;
mod read_at;
pub mod rock_ridge;
mod rr_detect;
pub(crate) mod rr_read;
#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;
pub(crate) mod text;
mod view;
mod volume;
mod walk;

use std::borrow::Cow;
use std::io::{Read, Seek};

pub use dir::{Extent, Record, Records, MIN_RECORD_LEN};
pub use entry::{Entries, Entry, EntryKind};
pub use error::ReadError;
pub use file::FileReader;
pub use path_table::{PathTableKind, PathTableRecord};
pub use read_at::{ReadAt, SeekReader};
pub use rock_ridge::{FileType, RockRidge};
pub use rr_read::{ContinuationFault, RockRidgeVolume};
pub use view::{UnknownView, View};
pub use volume::{
    BootRecord, Descriptor, DescriptorKind, RecognitionEntry, Volume, MAX_DESCRIPTORS,
};
pub use walk::{Walk, WalkEntry};

use crate::format::eltorito::Catalog;
pub use crate::format::kind::TreeKind;
use crate::format::raw::{BothU16, BothU32, BLOCK, BLOCK_U64};

/// Bounds on the work one call may do, against hostile images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Deepest directory nesting a walk enters (the root's children are at depth 1).
    pub max_depth: u32,
    /// Most directory records one walk, lookup or listing reads.
    pub max_records: u64,
    /// Largest file [`Image::read_path`] reads into memory.
    pub max_read_len: u64,
    /// Largest path table read, in bytes.
    pub max_path_table: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 128,
            max_records: 1 << 24,
            max_read_len: 1 << 30,
            max_path_table: 64 << 20,
        }
    }
}

impl Limits {
    /// Sets [`Limits::max_depth`].
    pub fn max_depth(mut self, v: u32) -> Self {
        self.max_depth = v;
        self
    }
    /// Sets [`Limits::max_records`].
    pub fn max_records(mut self, v: u64) -> Self {
        self.max_records = v;
        self
    }
    /// Sets [`Limits::max_read_len`].
    pub fn max_read_len(mut self, v: u64) -> Self {
        self.max_read_len = v;
        self
    }
    /// Sets [`Limits::max_path_table`].
    pub fn max_path_table(mut self, v: u32) -> Self {
        self.max_path_table = v;
        self
    }
}

/// How to read an image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// The first block of the session to read (0 for a single-session image; on a
    /// multisession disc, the last session's start from the disc's TOC).
    pub session_start: u32,
    /// Accept what broken mastering programs write: take the little-endian half of a
    /// disagreeing both-endian pair, accept a descriptor version other than 1 and a
    /// descriptor set without terminator. Off by default.
    pub lenient: bool,
    /// Bounds on the work of one call.
    pub limits: Limits,
}

impl Options {
    /// Strict reading of a single-session image with the default limits.
    pub fn new() -> Self {
        Self::default()
    }
    /// Reads the session that starts at `block`.
    pub fn session_start(mut self, block: u32) -> Self {
        self.session_start = block;
        self
    }
    /// Sets [`Options::lenient`].
    pub fn lenient(mut self, lenient: bool) -> Self {
        self.lenient = lenient;
        self
    }
    /// Sets [`Options::limits`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

/// `n` as a `u64` (lossless on every platform Rust supports).
pub(crate) fn len64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Bytes `start..end` of `bytes`, borrowed for as long as `bytes` borrows.
pub(crate) fn sub<'a>(bytes: &Cow<'a, [u8]>, start: usize, end: usize) -> Option<Cow<'a, [u8]>> {
    match bytes {
        Cow::Borrowed(b) => b.get(start..end).map(Cow::Borrowed),
        Cow::Owned(v) => v.get(start..end).map(|s| Cow::Owned(s.to_vec())),
    }
}

/// What every part of the parser needs: the bytes and the options.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub src: &'a dyn ReadAt,
    pub opts: &'a Options,
}

impl<'a> Ctx<'a> {
    pub fn len(&self) -> u64 {
        self.src.len()
    }

    /// `len` bytes at `offset`, which hold `what`.
    pub fn bytes(
        &self,
        offset: u64,
        len: usize,
        what: &'static str,
    ) -> Result<Cow<'a, [u8]>, ReadError> {
        let image_len = self.len();
        let end = offset.saturating_add(len64(len));
        if end > image_len {
            return Err(ReadError::Truncated { what, block: offset / BLOCK_U64, end, image_len });
        }
        self.src.bytes_at(offset, len).map_err(|source| ReadError::Io {
            offset,
            len: len64(len),
            source,
        })
    }

    /// The 2048 bytes of `block`, which hold `what`.
    pub fn block(&self, block: u64, what: &'static str) -> Result<Cow<'a, [u8]>, ReadError> {
        let offset = block.saturating_mul(BLOCK_U64);
        self.bytes(offset, BLOCK, what)
    }

    /// A both-endian u32 at byte `offset` of `block`, per the image's policy.
    pub fn both32(
        &self,
        v: &BothU32,
        what: &'static str,
        block: u64,
        offset: usize,
    ) -> Result<u32, ReadError> {
        match v.get() {
            Ok(v) => Ok(v),
            Err(_) if self.opts.lenient => Ok(v.le()),
            Err(e) => Err(ReadError::Endian { what, block, offset, le: e.le, be: e.be }),
        }
    }

    /// A both-endian u16 at byte `offset` of `block`, per the image's policy.
    pub fn both16(
        &self,
        v: &BothU16,
        what: &'static str,
        block: u64,
        offset: usize,
    ) -> Result<u16, ReadError> {
        match v.get() {
            Ok(v) => Ok(v),
            Err(_) if self.opts.lenient => Ok(v.le()),
            Err(e) => Err(ReadError::Endian { what, block, offset, le: e.le, be: e.be }),
        }
    }
}

/// An ISO 9660 image, with its Joliet tree when it has one.
///
/// `S` gives the bytes: a `&[u8]` ([`Image::parse`]), a [`SeekReader`]
/// ([`Image::from_reader`]) or any [`ReadAt`].
pub struct Image<S> {
    src: S,
    opts: Options,
    primary: Volume,
    joliet: Option<Volume>,
    boot: Option<BootRecord>,
    descriptors: Vec<Descriptor>,
    terminated: bool,
    recognition: Vec<RecognitionEntry>,
    rock_ridge: Option<RockRidgeVolume>,
}

impl<S> core::fmt::Debug for Image<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Image")
            .field("primary", &self.primary)
            .field("joliet", &self.joliet)
            .field("descriptors", &self.descriptors)
            .finish_non_exhaustive()
    }
}

impl<'d> Image<&'d [u8]> {
    /// Parses an image held in memory, strictly.
    pub fn parse(data: &'d [u8]) -> Result<Self, ReadError> {
        Self::with_options(data, Options::default())
    }

    /// Parses an image held in memory with `opts`.
    pub fn parse_with(data: &'d [u8], opts: Options) -> Result<Self, ReadError> {
        Self::with_options(data, opts)
    }
}

impl<R: Read + Seek> Image<SeekReader<R>> {
    /// Opens an image read on demand from `reader`, strictly. The volume descriptors are
    /// read from block 16 of `reader`: on a multisession disc read from block 0, that is the
    /// **first** session, and files added by later sessions are not seen. Give the last
    /// session's start with [`Options::session_start`] (imapi-master's
    /// `DiscRecorder::read_disc` does) to see the disc as a mounted drive shows it.
    pub fn from_reader(reader: R) -> Result<Self, ReadError> {
        Self::from_reader_with(reader, Options::default())
    }

    /// Opens an image read on demand from `reader` with `opts`.
    pub fn from_reader_with(reader: R, opts: Options) -> Result<Self, ReadError> {
        let src = SeekReader::new(reader).map_err(|source| ReadError::Io {
            offset: 0,
            len: 0,
            source,
        })?;
        Self::with_options(src, opts)
    }
}

impl<S: ReadAt> Image<S> {
    /// Parses the volume descriptor set of the image in `src`.
    pub fn with_options(src: S, opts: Options) -> Result<Self, ReadError> {
        let ctx = Ctx { src: &src, opts: &opts };
        let set = volume::read_descriptors(ctx)?;
        let rock_ridge = rr_detect::detect(ctx, &set.primary);
        Ok(Self {
            rock_ridge,
            opts,
            primary: set.primary,
            joliet: set.joliet,
            boot: set.boot,
            descriptors: set.descriptors,
            terminated: set.terminated,
            recognition: set.recognition,
            src,
        })
    }

    pub(crate) fn ctx(&self) -> Ctx<'_> {
        Ctx { src: &self.src, opts: &self.opts }
    }

    /// The source of the bytes.
    pub fn source(&self) -> &S {
        &self.src
    }

    /// The image's length in bytes.
    pub fn len(&self) -> u64 {
        self.src.len()
    }

    /// Whether the image holds no byte (never true of a parsed image).
    pub fn is_empty(&self) -> bool {
        self.src.is_empty()
    }

    /// The options the image was opened with.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// The primary volume descriptor.
    pub fn primary(&self) -> &Volume {
        &self.primary
    }

    /// The Joliet supplementary volume descriptor, if any.
    pub fn joliet(&self) -> Option<&Volume> {
        self.joliet.as_ref()
    }

    /// The descriptor of tree `tree`.
    pub fn volume(&self, tree: TreeKind) -> Result<&Volume, ReadError> {
        match tree {
            TreeKind::Iso => Ok(&self.primary),
            TreeKind::Joliet => self.joliet.as_ref().ok_or(ReadError::NoJoliet),
        }
    }

    /// How Rock Ridge is recorded on the ISO 9660 tree, when the image has it (see
    /// [`RockRidgeVolume`] for the detection rule).
    pub fn rock_ridge(&self) -> Option<&RockRidgeVolume> {
        self.rock_ridge.as_ref()
    }

    /// The view [`Image::entries`] and [`Image::read_path`] read: Rock Ridge when the image
    /// has it, else Joliet when it has a Joliet tree, else ISO 9660 (what Linux mounts).
    pub fn default_view(&self) -> View {
        if self.rock_ridge.is_some() {
            View::RockRidge
        } else {
            View::from(self.default_tree())
        }
    }

    /// The root directory as `view` reads it (in the Rock Ridge view with the attributes of
    /// its `.` record); [`ReadError::NoRockRidge`] or
    /// [`ReadError::NoJoliet`] when the image lacks the tree.
    pub fn root_view(&self, view: View) -> Result<Entry<'static>, ReadError> {
        let root = self.root(view.tree())?;
        match view {
            View::RockRidge => Ok(root.root_in_rock_ridge(self.ctx(), self.rr()?)),
            _ => Ok(root),
        }
    }

    fn rr(&self) -> Result<RockRidgeVolume, ReadError> {
        self.rock_ridge.ok_or(ReadError::NoRockRidge)
    }

    /// Walks `view`, depth first.
    pub fn walk_view(&self, view: View) -> Result<Walk<'_>, ReadError> {
        let root = self.volume(view.tree())?.root();
        let rr = match view {
            View::RockRidge => Some(self.rr()?),
            _ => None,
        };
        Ok(Walk::new(self.ctx(), view.tree(), root, String::new(), rr))
    }

    /// The entry at `path` in `view`; `/` is the root. In the Rock Ridge view names match
    /// exactly; in the others as [`Image::lookup`] says.
    pub fn lookup_view(&self, view: View, path: &str) -> Result<Entry<'_>, ReadError> {
        walk::lookup(self.ctx(), view.tree(), self.root_view(view)?, path)
    }

    /// Joliet when the image has it, else ISO 9660: the tree a Windows reader shows.
    /// [`Image::default_view`] prefers Rock Ridge.
    pub fn default_tree(&self) -> TreeKind {
        if self.joliet.is_some() {
            TreeKind::Joliet
        } else {
            TreeKind::Iso
        }
    }

    /// The first boot record of the descriptor set, if any.
    pub fn boot_record(&self) -> Option<&BootRecord> {
        self.boot.as_ref()
    }

    /// The El Torito boot catalog: `None` without an El Torito boot record; an error when
    /// its block is outside the image or does not parse ([`Catalog::parse`]).
    pub fn boot_catalog(&self) -> Result<Option<Catalog>, ReadError> {
        let Some(br) = self.boot.as_ref().filter(|b| b.is_el_torito()) else { return Ok(None) };
        let block = u64::from(br.catalog);
        let bytes = self.ctx().block(block, "El Torito boot catalog")?;
        Catalog::parse(&bytes).map(Some).map_err(|source| ReadError::BootCatalog { block, source })
    }

    /// Every descriptor read, terminator included, in block order.
    pub fn descriptors(&self) -> &[Descriptor] {
        &self.descriptors
    }

    /// Whether the set ended with a terminator (only a lenient reader accepts one without).
    pub fn is_terminated(&self) -> bool {
        self.terminated
    }

    /// The ECMA-167 volume recognition sequence after the terminator: an `NSR02` or `NSR03`
    /// entry marks a UDF bridge image.
    pub fn recognition_sequence(&self) -> &[RecognitionEntry] {
        &self.recognition
    }

    /// The root directory of tree `tree`.
    pub fn root(&self, tree: TreeKind) -> Result<Entry<'static>, ReadError> {
        let vol = self.volume(tree)?;
        Ok(Entry::root(tree, vol.root(), vol.block()))
    }

    /// The raw records of the directory at `dir`, `.` and `..` included.
    pub fn records(&self, dir: Extent) -> Records<'_> {
        Records::new(self.ctx(), dir)
    }

    /// The entries of directory `dir`, in the view `dir` was read in.
    pub fn read_dir(&self, dir: &Entry<'_>) -> Result<Entries<'_>, ReadError> {
        match (dir.is_dir(), dir.sections().first()) {
            (true, Some(&ext)) => {
                Ok(Entries::new(self.ctx(), dir.tree(), ext, dir.rock_ridge_volume()))
            }
            _ => Err(ReadError::NotADirectory { path: dir.name().to_owned() }),
        }
    }

    /// Walks tree `tree`, depth first.
    pub fn walk(&self, tree: TreeKind) -> Result<Walk<'_>, ReadError> {
        let root = self.volume(tree)?.root();
        Ok(Walk::new(self.ctx(), tree, root, String::new(), None))
    }

    /// Walks the tree below directory `dir`, depth first, in the view `dir` was read in; the
    /// paths it gives start with `path` (the directory's own path, without leading or
    /// trailing `/`).
    pub fn walk_dir(&self, dir: &Entry<'_>, path: &str) -> Result<Walk<'_>, ReadError> {
        match (dir.is_dir(), dir.sections().first()) {
            (true, Some(&ext)) => {
                let prefix = path.trim_matches('/').to_owned();
                Ok(Walk::new(self.ctx(), dir.tree(), ext, prefix, dir.rock_ridge_volume()))
            }
            _ => Err(ReadError::NotADirectory { path: path.to_owned() }),
        }
    }

    /// Walks the default view ([`Image::default_view`]: Rock Ridge, else Joliet, else ISO
    /// 9660), depth first.
    pub fn entries(&self) -> Walk<'_> {
        let vol = match self.default_view() {
            View::Joliet => self.joliet.as_ref().unwrap_or(&self.primary),
            _ => &self.primary,
        };
        Walk::new(self.ctx(), vol.tree(), vol.root(), String::new(), self.rock_ridge)
    }

    /// The entry at `path` in tree `tree`; `/` is the root. A name matches with or
    /// without its version `;1`, in either tree.
    pub fn lookup(&self, tree: TreeKind, path: &str) -> Result<Entry<'_>, ReadError> {
        walk::lookup(self.ctx(), tree, self.root(tree)?, path)
    }

    /// The bytes of `entry`, streamed section after section.
    pub fn open(&self, entry: &Entry<'_>) -> Result<FileReader<'_>, ReadError> {
        FileReader::new(self.ctx(), entry, entry.name())
    }

    /// The whole content of the file at `path` in the default view ([`Image::default_view`]),
    /// for small files: larger than [`Limits::max_read_len`] is an error (stream it with
    /// [`Image::open`]).
    pub fn read_path(&self, path: &str) -> Result<Vec<u8>, ReadError> {
        let entry = self.lookup_view(self.default_view(), path)?;
        let limit = self.opts.limits.max_read_len;
        if entry.size() > limit {
            let size = entry.size();
            return Err(ReadError::FileTooLarge { path: path.to_owned(), size, limit });
        }
        let mut reader = FileReader::new(self.ctx(), &entry, path)?;
        let mut out = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        reader.read_to_end(&mut out).map_err(|source| ReadError::Io {
            offset: entry.sections().first().map_or(0, Extent::data_offset),
            len: entry.size(),
            source,
        })?;
        Ok(out)
    }

    /// Every record of the `kind` path table of tree `tree`.
    pub fn path_table(
        &self,
        tree: TreeKind,
        kind: PathTableKind,
    ) -> Result<Vec<PathTableRecord<'_>>, ReadError> {
        path_table::read_path_table(self.ctx(), self.volume(tree)?, kind)
    }

    /// The 2048 bytes of `block`.
    pub fn block(&self, block: u64) -> Result<Cow<'_, [u8]>, ReadError> {
        self.ctx().block(block, "block")
    }
}
