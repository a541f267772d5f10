//! The plan phase: every name, every extent and the image size, fixed before one byte is
//! written.
//!
//! # Layout
//! Blocks 0–15 (of the session) are the system area, zero. Block 16 holds the primary volume
//! descriptor, 17 the Joliet supplementary descriptor (`%/E`, UCS-2 level 3), then the
//! terminator; a bootable image ([`PlanOptions::boot`]) has the El Torito boot record at 17
//! (ECMA-119 and El Torito want it there), the Joliet descriptor at 18, then the terminator.
//! Then the path tables: ISO L, ISO M, Joliet L, Joliet M, each in whole blocks. Then every
//! ISO 9660 directory in pre-order (with Rock Ridge, [`PlanOptions::rock_ridge`], each
//! followed by the blocks of its continuation areas, if any), then every Joliet directory in
//! pre-order: all
//! directory extents come before the first file extent, which streaming readers (libarchive)
//! need. Then the El Torito boot catalog (one block) of a bootable image, which a file added
//! with [`Tree::add_boot_catalog`] shows in both trees (hidden otherwise). Then one zero
//! block shared by every empty file (as libisofs does), then the
//! placed-data area ([`PlanOptions::placed_area_blocks`], none by default): data captured
//! before planning, where each file added with [`Tree::add_placed_file`] lies at its block
//! from the area's start (no alignment applies there). Everything before the area is the
//! metadata ([`Plan::metadata_blocks`], written alone by [`Plan::emit_metadata`]). Then the
//! data of the other files in the pre-order of the ISO tree, each file once however many hard links name it, each padded
//! to a whole block; files of 16 MiB and more start at a multiple of 64 KiB
//! ([`PlanOptions::large_file_alignment`]). Files larger than 0xFFFFF800 bytes are recorded as
//! several sections
//! (multi-extent, level 3) in both trees. Last, `pad_blocks` zero blocks (default 150, the
//! 300 KiB xorriso pads with against Linux's read-ahead at the end of a CD), counted in the
//! volume space size.
//!
//! # Policies
//! - Names: see [`crate::names`].
//! - Depth: ECMA-119 allows 8 levels and 255-byte paths; deeper trees are kept as they are
//!   (as xorriso does by default) and reported as [`Warning::DeepDirectory`] /
//!   [`Warning::LongPath`]; the verifier calls them relaxations. With Rock Ridge,
//!   [`PlanOptions::relocate_deep`] moves directories deeper than 8 levels to `rr_moved`
//!   instead, as RRIP allows.
//! - Links and special files ([`Tree::add_symlink`], [`Tree::add_special`]): in the ISO 9660
//!   tree of an image with Rock Ridge only, as empty files; left out otherwise.
//! - Dates: with [`PlanOptions::date`] set, every date in the image (volume and records) is that
//!   instant, shown at its own GMT offset, and the output is byte-reproducible whatever the time
//!   zone and the order files were created in. Otherwise records carry each file's
//!   modification time at the local offset of that instant, and the volume the time of planning.
//! - Volume name: as given, never cut: at most 32 bytes in the PVD (non d-characters are kept
//!   and reported as [`Warning::RelaxedVolumeName`], so `cidata` stays lower case) and 16 UCS-2
//!   units in the Joliet descriptor; longer is an error.

use chrono::{DateTime, FixedOffset, Local, Offset, TimeZone};

use crate::boot::{self, BootError, BootOptions, DEFAULT_LOAD_SECTORS};
use crate::error::{Error, Warning};
use crate::format::date::IsoDateTime;
use crate::format::eltorito::{self, Catalog, CatalogEntry, Emulation, Platform, Section};
use crate::format::eltorito::{MAX_INFO_TABLE_FILE, MAX_MANUFACTURER};
use crate::format::kind::TreeKind;
use crate::format::raw::{dir_record_len, path_record_len, BLOCK_U64, MAX_SECTION};
use crate::listing::Listing;
use crate::names::{IsoLevel, NonBmpPolicy};
use crate::rock_ridge::area::{self, AreaCursor};
use crate::rock_ridge::plan_info::RrInfo;
use crate::rock_ridge::record::RecordSua;
use crate::rock_ridge::relocate::{IsoRecord, Moved};
use crate::tree::{Content, Kind, NodeId, Tree, NO_MTIME};

/// Blocks of zero padding after the last file, by default.
pub const DEFAULT_PAD_BLOCKS: u32 = 150;

/// Alignment of large files in the image, by default (see [`PlanOptions::large_file_alignment`]).
pub const DEFAULT_LARGE_FILE_ALIGNMENT: u32 = 64 << 10;

/// A file is large, for alignment, from this many times the alignment.
const LARGE_FILE_FACTOR: u64 = 256;

/// How to plan an image.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// ISO 9660 level (default 3).
    pub level: IsoLevel,
    /// Write a Joliet tree (default true).
    pub joliet: bool,
    /// Volume name; `None` records the date, as IMAPI's VolumeName defaults to.
    pub volume_name: Option<String>,
    /// System identifier (a-characters, ≤ 32 bytes).
    pub system_id: String,
    /// Publisher identifier (≤ 128 bytes).
    pub publisher: String,
    /// Data preparer identifier (≤ 128 bytes).
    pub preparer: String,
    /// Application identifier (≤ 128 bytes).
    pub application: String,
    /// One date for every time stamp, making the output reproducible.
    pub date: Option<DateTime<FixedOffset>>,
    /// Joliet handling of characters outside the BMP.
    pub non_bmp: NonBmpPolicy,
    /// Replace characters Joliet forbids by `_` instead of failing.
    pub replace_forbidden: bool,
    /// The block at which this session starts (0 for a single-session image).
    pub first_block: u32,
    /// Zero blocks appended after the data.
    pub pad_blocks: u32,
    /// Files of at least 256 times this many bytes start at a multiple of it from the
    /// session's start (a multiple of 2048; 0 or 2048 for none). Default 64 KiB, so files of
    /// 16 MiB and more: the kernel copies a file into the image much faster when source and
    /// destination offsets agree modulo its page-cache folios (measured on Linux 6.18 ext4:
    /// 0.57 s against 0.81 s for 2 GiB), and the gaps cost under 1/256 of those files' size.
    pub large_file_alignment: u32,
    /// Length in blocks of the placed-data area: data captured before planning, laid out
    /// right after the metadata (and the shared zero block), holding the files added with
    /// [`Tree::add_placed_file`] at their blocks. It may hold more than those files need (the
    /// data of a file replaced later stays in it). Default 0: no area.
    pub placed_area_blocks: u64,
    /// El Torito boot images (see [`crate::eltorito`]); `None` (the default) for none. With
    /// them, the boot record takes block 17 of the session and the Joliet descriptor 18.
    pub boot: Option<BootOptions>,
    /// Write Rock Ridge (SUSP 1.12 and RRIP 1.12) in the ISO 9660 tree (default false: the
    /// image is then byte for byte what it is without, as IMAPI v1 writes it). Every ISO 9660
    /// record then carries POSIX attributes (`PX`: mode, links, owner, group, serial number),
    /// the modification time (`TF`) and the full name (`NM`), links their target (`SL`) and
    /// devices their number (`PN`); see [`crate::rock_ridge`]. Nodes with no attributes
    /// recorded ([`Tree::set_posix`]) get mode `0o555` (directories), `0o444` (files and
    /// special files) or `0o777` (links), owner and group 0. Symbolic links and special files
    /// ([`Tree::add_symlink`], [`Tree::add_special`]) appear in the ISO 9660 tree only, as
    /// empty files; the Joliet tree cannot hold them and leaves them out, and without Rock
    /// Ridge both trees do. Continuation areas follow each ISO 9660 directory's extent,
    /// before any file data, and count in [`Plan::metadata_blocks`].
    pub rock_ridge: bool,
    /// With [`PlanOptions::rock_ridge`], move directories deeper than ECMA-119's 8 levels to
    /// a relocation directory at the root of the ISO 9660 tree, as RRIP allows (see
    /// [`crate::rock_ridge`]); readers that know Rock Ridge show them in place, the Joliet
    /// tree keeps the real shape. Default false: deep trees are kept as they are and reported
    /// as [`Warning::DeepDirectory`].
    pub relocate_deep: bool,
    /// With [`PlanOptions::rock_ridge`], record the attributes `mkisofs -r` does
    /// (rationalized Rock Ridge, [`crate::rock_ridge::record::rationalized`]) rather than
    /// those of the tree: owner and group 0, every file readable by all and writable by none,
    /// executable by all when by anyone, no set-id or sticky bits. For discs meant for other
    /// machines, where the author's owners mean nothing. Default false.
    pub rationalize: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            level: IsoLevel::L3,
            joliet: true,
            volume_name: None,
            system_id: String::new(),
            publisher: String::new(),
            preparer: String::new(),
            application: concat!("IMAPI-RS ", env!("CARGO_PKG_VERSION")).to_string(),
            date: None,
            non_bmp: NonBmpPolicy::Replace,
            replace_forbidden: false,
            first_block: 0,
            pad_blocks: DEFAULT_PAD_BLOCKS,
            large_file_alignment: DEFAULT_LARGE_FILE_ALIGNMENT,
            placed_area_blocks: 0,
            boot: None,
            rock_ridge: false,
            relocate_deep: false,
            rationalize: false,
        }
    }
}

/// One directory of both trees, at the index the tree gives it (`Kind::Dir(d)`). The names
/// and order of its children are not kept: see [`crate::listing`].
#[derive(Clone, Copy)]
pub(crate) struct Dir {
    pub(crate) node: NodeId,
    pub(crate) parent: u32,
    /// Its parent in the ISO 9660 tree: `parent`, or the relocation directory for a
    /// directory moved there (see [`crate::rock_ridge`]).
    pub(crate) iso_parent: u32,
    /// Its own identifiers, for the path tables: in `Plan::dir_names`, ISO 9660 and Joliet
    /// (UCS-2 big-endian).
    iso_off: u32,
    jol_off: u32,
    iso_len: u8,
    jol_len: u8,
    pub(crate) iso_extent: u32,
    pub(crate) iso_size: u32,
    pub(crate) jol_extent: u32,
    pub(crate) jol_size: u32,
    pub(crate) iso_number: u16,
    pub(crate) jol_number: u16,
    /// Blocks of Rock Ridge continuation areas right after the ISO 9660 extent.
    pub(crate) iso_ce_blocks: u32,
}

impl Default for Dir {
    fn default() -> Self {
        Self {
            node: NodeId(0),
            parent: 0,
            iso_parent: 0,
            iso_off: 0,
            jol_off: 0,
            iso_len: 0,
            jol_len: 0,
            iso_extent: 0,
            iso_size: 0,
            jol_extent: 0,
            jol_size: 0,
            iso_number: 0,
            jol_number: 0,
            iso_ce_blocks: 0,
        }
    }
}

/// Where each part of the session lies, in absolute blocks.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Layout {
    pub(crate) first: u32,
    pub(crate) pvd: u32,
    pub(crate) boot_record: Option<u32>,
    pub(crate) svd: Option<u32>,
    pub(crate) terminator: u32,
    pub(crate) iso_path_l: u32,
    pub(crate) iso_path_m: u32,
    pub(crate) jol_path_l: u32,
    pub(crate) jol_path_m: u32,
    pub(crate) iso_path_size: u32,
    pub(crate) jol_path_size: u32,
    pub(crate) dirs_start: u32,
    pub(crate) catalog: Option<u32>,
    pub(crate) zero_block: Option<u32>,
    pub(crate) placed_start: u32,
    pub(crate) files_start: u32,
    pub(crate) files_end: u32,
    pub(crate) end: u32,
}

/// A planned image: names, extents and size fixed; borrows the tree, which cannot change
/// until the plan is dropped.
pub struct Plan<'t> {
    pub(crate) tree: &'t Tree,
    pub(crate) opts: PlanOptions,
    pub(crate) volume_name: String,
    pub(crate) volume_date: IsoDateTime,
    /// The date every record carries when [`PlanOptions::date`] is set.
    pub(crate) fixed_date: Option<[u8; 7]>,
    /// The date of records of nodes without a modification time: the volume's.
    pub(crate) default_date: [u8; 7],
    /// Per tree directory (`Kind::Dir(d)`).
    pub(crate) dirs: Vec<Dir>,
    /// The directories' own identifiers (see [`Dir`]).
    dir_names: Vec<u8>,
    /// Directories in pre-order of each tree (indexes into `dirs`).
    pub(crate) iso_preorder: Vec<u32>,
    pub(crate) jol_preorder: Vec<u32>,
    /// Directories in path-table order of each tree.
    pub(crate) iso_path_order: Vec<u32>,
    pub(crate) jol_path_order: Vec<u32>,
    /// Per content: its first block (u32::MAX before assignment).
    pub(crate) extents: Vec<u32>,
    /// Contents whose data this session writes, in block order, each as the first node
    /// naming it in the ISO tree's record order.
    pub(crate) file_order: Vec<NodeId>,
    pub(crate) layout: Layout,
    /// The El Torito catalog, when the image is bootable.
    pub(crate) catalog: Option<Catalog>,
    /// Contents patched with a boot-info table as they are written (empty without El
    /// Torito: the emit pass checks this list only when it holds something).
    pub(crate) info_tables: Vec<u32>,
    /// With Rock Ridge: link counts (none allocated without).
    pub(crate) rr: Option<RrInfo>,
    /// Whether the tree holds links or special files, which only Rock Ridge records.
    pub(crate) rr_only_nodes: bool,
    /// The relocation directory, when directories were moved to it.
    pub(crate) rr_moved: Option<Moved>,
    warnings: Vec<Warning>,
}

impl std::fmt::Debug for Plan<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("blocks", &self.image_blocks())
            .field("dirs", &self.dirs.len())
            .field("files", &self.file_order.len())
            .finish()
    }
}

fn blocks_for(bytes: u64) -> u64 {
    bytes.div_ceil(BLOCK_U64)
}

/// The sections a file of `size` bytes is recorded as.
pub(crate) fn section_sizes(size: u64, level: IsoLevel) -> impl Iterator<Item = u32> {
    let count =
        if level == IsoLevel::L3 && size > MAX_SECTION { size.div_ceil(MAX_SECTION) } else { 1 };
    (0..count).map(move |i| {
        let rest = size - i * MAX_SECTION;
        if count == 1 {
            u32::try_from(size).unwrap_or(u32::MAX)
        } else {
            u32::try_from(rest.min(MAX_SECTION)).unwrap_or(u32::MAX)
        }
    })
}

/// The size of a directory whose records (`.` and `..` first) have the given lengths, with no
/// record crossing a block boundary.
fn dir_size(record_lens: impl Iterator<Item = usize>) -> u64 {
    let mut pos: u64 = 0;
    for len in record_lens {
        let len = len as u64;
        if pos % BLOCK_U64 + len > BLOCK_U64 {
            pos = pos.next_multiple_of(BLOCK_U64);
        }
        pos += len;
    }
    pos.next_multiple_of(BLOCK_U64)
}

/// The recording date of a modification time, at the local offset of that instant.
pub(crate) fn mtime_date(secs: i64) -> Result<[u8; 7], Error> {
    Ok(record_date(&date_at(secs, None)?))
}

fn date_at(secs: i64, fixed: Option<&DateTime<FixedOffset>>) -> Result<IsoDateTime, Error> {
    if let Some(d) = fixed {
        return Ok(IsoDateTime::from_chrono(d)?);
    }
    let local = match Local.timestamp_opt(secs, 0).single() {
        Some(t) => t.fixed_offset(),
        None => Local::now().fixed_offset(),
    };
    // Some historic zones are not whole quarter hours: show those in UTC.
    Ok(IsoDateTime::from_chrono(&local)
        .or_else(|_| IsoDateTime::from_chrono(&local.with_timezone(&chrono::Utc.fix())))?)
}

fn record_date(d: &IsoDateTime) -> [u8; 7] {
    // Years outside 1900–2155 cannot be recorded: clamp to the nearest end of the range.
    let mut d = *d;
    if d.year < 1900 {
        d = IsoDateTime {
            year: 1900,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            centisecond: 0,
            gmt_offset: 0,
        };
    } else if d.year > 2155 {
        d = IsoDateTime {
            year: 2155,
            month: 12,
            day: 31,
            hour: 23,
            minute: 59,
            second: 59,
            centisecond: 0,
            gmt_offset: 0,
        };
    }
    d.to_bytes7().unwrap_or([0; 7])
}

fn check_field(field: &'static str, value: &str, max: usize) -> Result<(), Error> {
    if value.len() > max {
        return Err(Error::FieldTooLong { field, value: value.to_string(), max });
    }
    Ok(())
}

impl Tree {
    /// Plans the image: names, sort order, directory sizes, path tables and extents. Reads no
    /// file data; fails on a name Joliet cannot hold, a file too large for the level or a
    /// volume name too long. Warnings are available from [`Plan::warnings`].
    pub fn plan(&self, opts: &PlanOptions) -> Result<Plan<'_>, Error> {
        Planner::new(self, opts.clone())?.run()
    }
}

struct Planner<'t> {
    plan: Plan<'t>,
    /// The child directories of every directory, in each tree's record order.
    iso_kids: Kids,
    jol_kids: Kids,
    /// Per directory, the length of its children's longest ISO 9660 identifier.
    max_iso_id: Vec<u8>,
}

/// The child directories of every directory in one tree's record order, while planning.
#[derive(Default)]
struct Kids {
    /// Where each directory's list starts in `list`, and one more entry: the end.
    start: Vec<u32>,
    list: Vec<u32>,
}

impl Kids {
    fn of(&self, d: u32) -> &[u32] {
        let at = |i: usize| self.start.get(i).map_or(0, |&s| s as usize);
        self.list.get(at(d as usize)..at(d as usize + 1)).unwrap_or(&[])
    }
}

impl<'t> Planner<'t> {
    fn new(tree: &'t Tree, opts: PlanOptions) -> Result<Self, Error> {
        let now = opts.date.unwrap_or_else(|| Local::now().fixed_offset());
        let volume_date = IsoDateTime::from_chrono(&now)
            .or_else(|_| IsoDateTime::from_chrono(&now.with_timezone(&chrono::Utc.fix())))?;
        let volume_name = match &opts.volume_name {
            Some(v) => v.clone(),
            None => {
                format!("{:04}_{:02}_{:02}", volume_date.year, volume_date.month, volume_date.day)
            }
        };
        check_field("system identifier", &opts.system_id, 32)?;
        check_field("publisher", &opts.publisher, 128)?;
        check_field("preparer", &opts.preparer, 128)?;
        check_field("application", &opts.application, 128)?;
        let fixed_date = match &opts.date {
            Some(d) => Some(record_date(&IsoDateTime::from_chrono(d)?)),
            None => None,
        };
        Ok(Self {
            plan: Plan {
                tree,
                opts,
                volume_name,
                default_date: record_date(&volume_date),
                fixed_date,
                volume_date,
                dirs: Vec::new(),
                dir_names: Vec::new(),
                iso_preorder: Vec::new(),
                jol_preorder: Vec::new(),
                iso_path_order: Vec::new(),
                jol_path_order: Vec::new(),
                extents: vec![u32::MAX; tree.contents.len()],
                file_order: Vec::new(),
                layout: Layout::default(),
                catalog: None,
                info_tables: Vec::new(),
                rr: None,
                rr_moved: None,
                rr_only_nodes: tree.contents.iter().any(Content::rock_ridge_only),
                warnings: Vec::new(),
            },
            iso_kids: Kids::default(),
            jol_kids: Kids::default(),
            max_iso_id: Vec::new(),
        })
    }

    fn run(mut self) -> Result<Plan<'t>, Error> {
        self.check_volume_name()?;
        self.collect_dirs()?;
        if self.plan.opts.rock_ridge {
            self.plan.rr = Some(RrInfo::new(self.plan.tree, self.plan.dirs.len()));
            if self.plan.opts.relocate_deep {
                self.plan.plan_relocation()?;
            }
        }
        self.name_dirs()?;
        self.check_dates()?;
        self.orders()?;
        self.assign_blocks()?;
        self.plan_boot()?;
        Ok(self.plan)
    }

    fn check_volume_name(&mut self) -> Result<(), Error> {
        let name = &self.plan.volume_name;
        if name.len() > 32 {
            return Err(Error::VolumeName {
                name: name.clone(),
                reason: "the primary descriptor holds 32 bytes",
            });
        }
        if self.plan.opts.joliet && name.encode_utf16().count() > 16 {
            return Err(Error::VolumeName {
                name: name.clone(),
                reason: "the Joliet descriptor holds 16 characters",
            });
        }
        if !name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') {
            self.plan.warnings.push(Warning::RelaxedVolumeName { name: name.clone() });
        }
        Ok(())
    }

    /// Finds the directories and checks every file against the level.
    fn collect_dirs(&mut self) -> Result<(), Error> {
        let tree = self.plan.tree;
        let mut dirs: Vec<Dir> = Vec::new();
        for (i, node) in tree.nodes.iter().enumerate() {
            let id = NodeId(i as u32);
            match node.kind {
                Kind::Dir(d) => {
                    let d = d as usize;
                    if dirs.len() <= d {
                        dirs.resize(d + 1, Dir::default());
                    }
                    dirs[d].node = id;
                }
                Kind::File { size, .. } => {
                    if size > u64::from(u32::MAX) && self.plan.opts.level != IsoLevel::L3 {
                        return Err(Error::FileTooLarge { path: tree.path(id), size });
                    }
                }
            }
        }
        for dir in &mut dirs {
            dir.parent = match tree.node(tree.parent(dir.node)).kind {
                Kind::Dir(p) => p,
                Kind::File { .. } => 0,
            };
            dir.iso_parent = dir.parent;
        }
        self.plan.dirs = dirs;
        Ok(())
    }

    fn kinds(&self) -> &'static [TreeKind] {
        if self.plan.opts.joliet {
            &[TreeKind::Iso, TreeKind::Joliet]
        } else {
            &[TreeKind::Iso]
        }
    }

    /// Names the children of every directory in both trees (reporting the names the policy
    /// changed), sizes the directories, and notes each directory's own identifiers and its
    /// child directories in record order.
    fn name_dirs(&mut self) -> Result<(), Error> {
        let to32 = |v: u64| u32::try_from(v).map_err(|_| Error::ImageTooLarge { blocks: v });
        let n = self.plan.dirs.len();
        self.max_iso_id = vec![0; n];
        let moved = self.plan.moved_dir();
        for d in 0..n {
            for &kind in self.kinds() {
                if kind == TreeKind::Joliet && moved == Some(d as u32) {
                    // The relocation directory is not in the Joliet tree.
                    self.jol_kids
                        .start
                        .push(u32::try_from(self.jol_kids.list.len()).unwrap_or(u32::MAX));
                    continue;
                }
                let mut warnings = std::mem::take(&mut self.plan.warnings);
                let listing = self.plan.listing(d as u32, kind, Some(&mut warnings));
                self.plan.warnings = warnings;
                let listing = listing?;
                let (lens, ce_blocks) = self.plan.record_lens(kind, d as u32, &listing)?;
                let size = to32(dir_size(lens.into_iter()))?;
                let kids = match kind {
                    TreeKind::Iso => &mut self.iso_kids,
                    TreeKind::Joliet => &mut self.jol_kids,
                };
                kids.start.push(u32::try_from(kids.list.len()).unwrap_or(u32::MAX));
                let plan = &mut self.plan;
                let records = match kind {
                    TreeKind::Iso => plan.iso_records(d as u32, &listing),
                    TreeKind::Joliet => listing.items.iter().map(IsoRecord::Item).collect(),
                };
                for record in records {
                    let (cd, id) = match record {
                        IsoRecord::Item(item) => {
                            let id = listing.id(item);
                            if kind == TreeKind::Iso {
                                self.max_iso_id[d] = self.max_iso_id[d].max(id.len() as u8);
                            }
                            let Some(cd) = plan.dir_index(item.node) else { continue };
                            if kind == TreeKind::Iso
                                && plan.is_relocated(cd)
                                && moved != Some(d as u32)
                            {
                                // Recorded as a file here; a child of the relocation directory.
                                continue;
                            }
                            (cd, id.to_vec())
                        }
                        IsoRecord::Moved => match &plan.rr_moved {
                            Some(m) => (m.dir, m.id.clone()),
                            None => continue,
                        },
                    };
                    kids.list.push(cd);
                    let off = u32::try_from(plan.dir_names.len()).unwrap_or(u32::MAX);
                    plan.dir_names.extend_from_slice(&id);
                    let Some(child) = plan.dirs.get_mut(cd as usize) else { continue };
                    match kind {
                        TreeKind::Iso => (child.iso_off, child.iso_len) = (off, id.len() as u8),
                        TreeKind::Joliet => (child.jol_off, child.jol_len) = (off, id.len() as u8),
                    }
                }
                let dir = &mut plan.dirs[d];
                match kind {
                    TreeKind::Iso => (dir.iso_size, dir.iso_ce_blocks) = (size, ce_blocks),
                    TreeKind::Joliet => dir.jol_size = size,
                }
            }
        }
        for kids in [&mut self.iso_kids, &mut self.jol_kids] {
            kids.start.push(u32::try_from(kids.list.len()).unwrap_or(u32::MAX));
        }
        Ok(())
    }

    /// Checks that every modification time can be recorded: records are dated as they are
    /// written.
    fn check_dates(&self) -> Result<(), Error> {
        if self.plan.fixed_date.is_some() {
            return Ok(());
        }
        let mut last = None;
        for node in &self.plan.tree.nodes {
            if node.mtime != NO_MTIME && last != Some(node.mtime) {
                mtime_date(node.mtime)?;
                last = Some(node.mtime);
            }
        }
        Ok(())
    }

    /// Pre-order and path-table order of both trees, with depth and path-length warnings.
    fn orders(&mut self) -> Result<(), Error> {
        let tree = self.plan.tree;
        let n = self.plan.dirs.len();
        for &kind in self.kinds() {
            let kids = match kind {
                TreeKind::Iso => &self.iso_kids,
                TreeKind::Joliet => &self.jol_kids,
            };
            // Pre-order, with an explicit stack.
            let mut pre = Vec::with_capacity(n);
            let mut stack = vec![0u32];
            while let Some(d) = stack.pop() {
                pre.push(d);
                stack.extend(kids.of(d).iter().rev());
            }
            // Level order: parents in number order, children in sorted order, which is the
            // order of §6.9.1 (level, parent number, identifier).
            let mut bfs = Vec::with_capacity(n);
            bfs.push(0u32);
            let mut i = 0;
            while i < bfs.len() {
                bfs.extend_from_slice(kids.of(bfs[i]));
                i += 1;
            }
            if bfs.len() > usize::from(u16::MAX) {
                return Err(Error::ImageTooLarge { blocks: u64::MAX });
            }
            let plan = &mut self.plan;
            for (n, &d) in bfs.iter().enumerate() {
                let number = (n + 1) as u16;
                match kind {
                    TreeKind::Iso => plan.dirs[d as usize].iso_number = number,
                    TreeKind::Joliet => plan.dirs[d as usize].jol_number = number,
                }
            }
            match kind {
                TreeKind::Iso => {
                    plan.iso_preorder = pre;
                    plan.iso_path_order = bfs;
                }
                TreeKind::Joliet => {
                    plan.jol_preorder = pre;
                    plan.jol_path_order = bfs;
                }
            }
        }
        // Depth and path length, ISO tree.
        let mut depth = vec![0usize; n];
        let mut path_len = vec![0usize; n];
        depth[0] = 1;
        for i in 0..self.plan.iso_path_order.len() {
            let d = self.plan.iso_path_order[i];
            let du = d as usize;
            let (base, level) = (path_len[du], depth[du] + 1);
            if base < 255 && base + 1 + usize::from(self.max_iso_id[du]) > 255 {
                // A child's path may pass 255 bytes: go through the children as recorded.
                let listing = self.plan.listing(d, TreeKind::Iso, None)?;
                for item in &listing.items {
                    let len = base + 1 + listing.id(item).len();
                    if let Some(cd) = self.plan.dir_index(item.node) {
                        (depth[cd as usize], path_len[cd as usize]) = (level, len);
                        if level == 9 {
                            let path = tree.path(item.node);
                            self.plan.warnings.push(Warning::DeepDirectory { path, level });
                        }
                    }
                    if len > 255 {
                        let path = tree.path(item.node);
                        self.plan.warnings.push(Warning::LongPath { path, len });
                    }
                }
            } else {
                for &cd in self.iso_kids.of(d) {
                    let child = &self.plan.dirs[cd as usize];
                    let len = base + 1 + usize::from(child.iso_len);
                    (depth[cd as usize], path_len[cd as usize]) = (level, len);
                    if level == 9 {
                        let path = tree.path(child.node);
                        self.plan.warnings.push(Warning::DeepDirectory { path, level });
                    }
                }
            }
        }
        Ok(())
    }

    fn path_table_size(&self, kind: TreeKind) -> u64 {
        let order = match kind {
            TreeKind::Iso => &self.plan.iso_path_order,
            TreeKind::Joliet => &self.plan.jol_path_order,
        };
        order
            .iter()
            .map(|&d| {
                let len = if d == 0 { 1 } else { self.plan.dir_name(kind, d).len() };
                path_record_len(len) as u64
            })
            .sum()
    }

    fn assign_blocks(&mut self) -> Result<(), Error> {
        let joliet = self.plan.opts.joliet;
        let first = u64::from(self.plan.opts.first_block);
        let mut cur = first + 16;
        let mut layout = Layout { first: self.plan.opts.first_block, ..Layout::default() };
        let to32 = |v: u64| u32::try_from(v).map_err(|_| Error::ImageTooLarge { blocks: v });
        layout.pvd = to32(cur)?;
        cur += 1;
        if self.plan.opts.boot.is_some() {
            layout.boot_record = Some(to32(cur)?);
            cur += 1;
        }
        if joliet {
            layout.svd = Some(to32(cur)?);
            cur += 1;
        }
        layout.terminator = to32(cur)?;
        cur += 1;
        let iso_pt = self.path_table_size(TreeKind::Iso);
        layout.iso_path_size = to32(iso_pt)?;
        layout.iso_path_l = to32(cur)?;
        cur += blocks_for(iso_pt);
        layout.iso_path_m = to32(cur)?;
        cur += blocks_for(iso_pt);
        if joliet {
            let jol_pt = self.path_table_size(TreeKind::Joliet);
            layout.jol_path_size = to32(jol_pt)?;
            layout.jol_path_l = to32(cur)?;
            cur += blocks_for(jol_pt);
            layout.jol_path_m = to32(cur)?;
            cur += blocks_for(jol_pt);
        }
        layout.dirs_start = to32(cur)?;
        for &d in &self.plan.iso_preorder {
            let dir = &mut self.plan.dirs[d as usize];
            dir.iso_extent = to32(cur)?;
            cur += u64::from(dir.iso_size) / BLOCK_U64 + u64::from(dir.iso_ce_blocks);
        }
        for &d in &self.plan.jol_preorder {
            let dir = &mut self.plan.dirs[d as usize];
            dir.jol_extent = to32(cur)?;
            cur += u64::from(dir.jol_size) / BLOCK_U64;
        }
        if self.plan.opts.boot.is_some() {
            layout.catalog = Some(to32(cur)?);
            cur += 1;
        }
        // Files in the pre-order of the ISO tree.
        let tree = self.plan.tree;
        let rock_ridge = self.plan.opts.rock_ridge;
        let has_empty = tree.nodes.iter().any(|n| match n.kind {
            Kind::File { size: 0, content } => match tree.contents.get(content as usize) {
                Some(Content::Imported { .. }) => false,
                Some(c) if c.rock_ridge_only() => rock_ridge,
                _ => true,
            },
            _ => false,
        });
        if has_empty {
            layout.zero_block = Some(to32(cur)?);
            cur += 1;
        }
        layout.placed_start = to32(cur)?;
        let area = self.plan.opts.placed_area_blocks;
        cur = cur.checked_add(area).ok_or(Error::ImageTooLarge { blocks: u64::MAX })?;
        layout.files_start = to32(cur)?;
        let align = u64::from(self.plan.opts.large_file_alignment) / BLOCK_U64;
        let large = u64::from(self.plan.opts.large_file_alignment) * LARGE_FILE_FACTOR;
        let mut order = Vec::new();
        for i in 0..self.plan.iso_preorder.len() {
            let listing = self.plan.listing(self.plan.iso_preorder[i], TreeKind::Iso, None)?;
            for item in &listing.items {
                let c = item.node;
                if let Kind::File { size, content } = tree.node(c).kind {
                    let slot = content as usize;
                    if self.plan.extents.get(slot).copied() != Some(u32::MAX) {
                        continue;
                    }
                    let extent = match tree.contents.get(slot) {
                        Some(Content::Imported { extent }) => *extent,
                        Some(Content::BootCatalog) => layout
                            .catalog
                            .ok_or_else(|| BootError::CatalogWithoutBoot { path: tree.path(c) })?,
                        _ if size == 0 => layout.zero_block.unwrap_or(0),
                        Some(Content::Placed { block }) => {
                            let end = block.checked_add(blocks_for(size));
                            if end.is_none_or(|end| end > area) {
                                return Err(Error::PlacedOutsideArea {
                                    path: tree.path(c),
                                    block: *block,
                                    size,
                                    area_blocks: area,
                                });
                            }
                            to32(u64::from(layout.placed_start) + block)?
                        }
                        _ => {
                            if align > 1 && size >= large {
                                cur = first + (cur - first).next_multiple_of(align);
                            }
                            let e = to32(cur)?;
                            cur += blocks_for(size);
                            order.push(c);
                            e
                        }
                    };
                    self.plan.extents[slot] = extent;
                }
            }
        }
        layout.files_end = to32(cur)?;
        cur += u64::from(self.plan.opts.pad_blocks);
        layout.end = to32(cur)?;
        self.plan.file_order = order;
        self.plan.layout = layout;
        Ok(())
    }
    /// The El Torito catalog, from the boot options and the extents just assigned.
    fn plan_boot(&mut self) -> Result<(), Error> {
        let Some(boot) = self.plan.opts.boot.clone() else { return Ok(()) };
        let first = boot.entries.first().ok_or(BootError::NoEntries)?;
        if boot.manufacturer.len() > MAX_MANUFACTURER || !boot.manufacturer.is_ascii() {
            return Err(BootError::Manufacturer(boot.manufacturer.clone()).into());
        }
        let mut manufacturer = [0u8; MAX_MANUFACTURER];
        manufacturer[..boot.manufacturer.len()].copy_from_slice(boot.manufacturer.as_bytes());
        let mut entries = Vec::with_capacity(boot.entries.len());
        for e in &boot.entries {
            entries.push((e.platform, self.boot_entry(e)?));
        }
        let mut sections: Vec<Section> = Vec::new();
        for &(platform, entry) in &entries[1..] {
            match sections.last_mut() {
                Some(s) if s.platform == platform => s.entries.push(entry),
                _ => sections.push(Section { platform, id: [0; 28], entries: vec![entry] }),
            }
        }
        let catalog =
            Catalog { platform: first.platform, manufacturer, default: entries[0].1, sections };
        if catalog.to_bytes().is_none() {
            let sections = catalog.sections.len();
            return Err(BootError::TooManyEntries { entries: entries.len(), sections }.into());
        }
        self.plan.catalog = Some(catalog);
        Ok(())
    }

    /// The catalog entry of one boot image, with its checks.
    fn boot_entry(&mut self, e: &boot::BootEntry) -> Result<CatalogEntry, Error> {
        let tree = self.plan.tree;
        let id = e.image;
        let path = || tree.path(id);
        let (size, content) = match tree.nodes.get(id.index()).map(|n| n.kind) {
            Some(Kind::File { size, content }) => (size, content),
            _ => {
                let path = if id.index() < tree.nodes.len() { path() } else { String::new() };
                return Err(BootError::NotAFile { path }.into());
            }
        };
        let lba = self.plan.extents.get(content as usize).copied().unwrap_or(u32::MAX);
        let written = self.plan.file_order.iter().any(|&n| tree.content_key(n) == Some(content));
        if !written || lba == u32::MAX {
            return Err(BootError::NotWritten { path: path() }.into());
        }
        if size == 0 {
            return Err(BootError::Empty { path: path() }.into());
        }
        let mut system_type = 0;
        let sector_count = match e.emulation {
            Emulation::NoEmulation => {
                let whole = u16::try_from(size.div_ceil(512)).unwrap_or(u16::MAX);
                match e.load_size {
                    Some(0) => return Err(BootError::LoadSize { path: path() }.into()),
                    Some(n) => n,
                    None if e.platform == Platform::EFI => whole,
                    None => whole.min(DEFAULT_LOAD_SECTORS),
                }
            }
            Emulation::HardDisk => {
                let read = |err| BootError::MbrRead { path: path(), source: err };
                let mut r = match tree.contents.get(content as usize) {
                    Some(Content::Host { dir, name }) => {
                        Box::new(std::fs::File::open(tree.host_path(*dir, *name)).map_err(read)?)
                            as Box<dyn std::io::Read>
                    }
                    Some(Content::Source(s)) => s.open_at(0).map_err(read)?,
                    _ => return Err(BootError::NotWritten { path: path() }.into()),
                };
                let sector = boot::read_sector(&mut r).map_err(read)?;
                system_type = eltorito::mbr_system_type(&sector)
                    .map_err(|reason| BootError::BadMbr { path: path(), reason })?;
                1
            }
            floppy => {
                let expected = floppy.floppy_size().unwrap_or(0);
                if size != expected {
                    let emulation = floppy;
                    return Err(
                        BootError::FloppySize { path: path(), emulation, size, expected }.into()
                    );
                }
                1
            }
        };
        if e.boot_info_table {
            if !(64..=MAX_INFO_TABLE_FILE).contains(&size) {
                return Err(BootError::InfoTableSize { path: path(), size }.into());
            }
            if !self.plan.info_tables.contains(&content) {
                self.plan.info_tables.push(content);
            }
        }
        Ok(CatalogEntry {
            bootable: true,
            media: e.emulation.media_type(),
            load_segment: e.load_segment,
            system_type,
            sector_count,
            lba,
            criteria: 0,
        })
    }
}

impl<'t> Plan<'t> {
    /// The tree this plan was made from.
    pub fn tree(&self) -> &'t Tree {
        self.tree
    }

    /// The options in force.
    pub fn options(&self) -> &PlanOptions {
        &self.opts
    }

    /// What planning changed or relaxed (names numbered, deep directories kept, ...).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The volume name recorded.
    pub fn volume_name(&self) -> &str {
        &self.volume_name
    }

    /// Blocks this session writes (from its first block to the end of the padding).
    pub fn session_blocks(&self) -> u64 {
        u64::from(self.layout.end - self.layout.first)
    }

    /// Every block from the disc's start to the end of this session: the length of a flat
    /// image holding the earlier sessions too. For a first session, its size.
    pub fn image_blocks(&self) -> u64 {
        u64::from(self.layout.end)
    }

    /// The volume space size the descriptors record: this session's blocks, as mkisofs and
    /// libisofs record a later session (isoinfo, xorriso and Linux's isofs read both forms
    /// alike; the session-relative one is what readers have met most). Equal to
    /// [`Plan::image_blocks`] for a first session.
    pub fn volume_space_size(&self) -> u64 {
        self.session_blocks()
    }

    /// Bytes [`Plan::emit`] writes.
    pub fn image_len(&self) -> u64 {
        self.session_blocks() * BLOCK_U64
    }

    /// The absolute block where the placed-data area starts
    /// ([`PlanOptions::placed_area_blocks`]): right after the metadata and the shared zero
    /// block. With no area, the block where the data of the other files starts.
    pub fn placed_area_start(&self) -> u32 {
        self.layout.placed_start
    }

    /// Blocks of the session before the placed-data area: the system area, descriptors, path
    /// tables, directories and the shared zero block, which [`Plan::emit_metadata`] writes.
    /// With no area, the blocks before the first file data.
    pub fn metadata_blocks(&self) -> u64 {
        u64::from(self.layout.placed_start - self.layout.first)
    }

    /// The ISO 9660 identifier of a node (`NAME.EXT;1`, or a directory's name); empty for
    /// the root. Made again from its parent directory's names for a file.
    pub fn iso_name(&self, id: NodeId) -> Vec<u8> {
        self.name_bytes(TreeKind::Iso, id)
    }

    /// The Joliet identifier of a node as UCS-2 code units; empty for the root or without
    /// Joliet. Made again from its parent directory's names for a file.
    pub fn joliet_name(&self, id: NodeId) -> Vec<u16> {
        if !self.opts.joliet {
            return Vec::new();
        }
        let bytes = self.name_bytes(TreeKind::Joliet, id);
        bytes.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]])).collect()
    }

    /// A node's identifier in tree `kind`, as recorded.
    fn name_bytes(&self, kind: TreeKind, id: NodeId) -> Vec<u8> {
        if id == self.tree.root() || id.index() >= self.tree.nodes.len() {
            return Vec::new();
        }
        if let Some(d) = self.dir_index(id) {
            return self.dir_name(kind, d).to_vec();
        }
        let Some(parent) = self.dir_index(self.tree.parent(id)) else { return Vec::new() };
        match self.listing(parent, kind, None) {
            Ok(listing) => listing.id_of(id).map(<[u8]>::to_vec).unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    /// The identifier of directory `d` in tree `kind`, as its parent records it (empty for
    /// the root).
    pub(crate) fn dir_name(&self, kind: TreeKind, d: u32) -> &[u8] {
        let Some(dir) = self.dirs.get(d as usize) else { return &[] };
        let (off, len) = match kind {
            TreeKind::Iso => (dir.iso_off, dir.iso_len),
            TreeKind::Joliet => (dir.jol_off, dir.jol_len),
        };
        self.dir_names.get(off as usize..off as usize + usize::from(len)).unwrap_or(&[])
    }

    /// The lengths of the records of directory `d` in tree `kind` (`.` and `..` first, then
    /// one per child and section of a multi-extent file, in record order), and the blocks of
    /// Rock Ridge continuation areas after its extent.
    pub(crate) fn record_lens(
        &self,
        kind: TreeKind,
        d: u32,
        listing: &Listing,
    ) -> Result<(Vec<usize>, u32), Error> {
        let mut lens = Vec::with_capacity(listing.items.len() + 2);
        let rock_ridge = self.rr.is_some() && kind == TreeKind::Iso;
        let mut cursor = AreaCursor::new(0);
        let mut sized = |id_len: usize, sua: Option<RecordSua<'_>>| -> Result<usize, Error> {
            let len = dir_record_len(id_len);
            let Some(sua) = sua else { return Ok(len) };
            let room = area::room_for_identifier(id_len);
            let split = area::layout_lens(sua.lens(), room, &mut cursor).map_err(|e| {
                Error::SystemUse { path: self.tree.path(self.dirs[d as usize].node), source: e }
            })?;
            Ok(len + split.record)
        };
        let none = [0u8; 7];
        lens.push(sized(1, rock_ridge.then(|| self.rr_dot(d, none)))?);
        lens.push(sized(1, rock_ridge.then(|| self.rr_dotdot(d, none)))?);
        let records = match kind {
            TreeKind::Iso => self.iso_records(d, listing),
            TreeKind::Joliet => listing.items.iter().map(IsoRecord::Item).collect(),
        };
        for record in records {
            let item = match record {
                IsoRecord::Item(item) => item,
                IsoRecord::Moved => {
                    let id_len = self.rr_moved.as_ref().map_or(0, |m| m.id.len());
                    lens.push(sized(id_len, rock_ridge.then(|| self.rr_moved_record(none)))?);
                    continue;
                }
            };
            let id_len = listing.id(item).len();
            let sections = section_sizes(self.tree.file_size(item.node), self.opts.level).count();
            for _ in 0..sections {
                let len = sized(id_len, rock_ridge.then(|| self.rr_child(d, item.node, none)))?;
                lens.push(len);
            }
        }
        Ok((lens, cursor.blocks_used()))
    }

    /// The first block of a node's extent: a directory's ISO 9660 extent, or a file's data.
    pub fn extent(&self, id: NodeId) -> u32 {
        match self.tree.node(id).kind {
            Kind::Dir(d) => self.dirs.get(d as usize).map_or(0, |d| d.iso_extent),
            Kind::File { content, .. } => self.extents.get(content as usize).copied().unwrap_or(0),
        }
    }

    /// A directory's extent and size in the Joliet tree.
    pub fn joliet_dir_extent(&self, id: NodeId) -> Option<(u32, u32)> {
        if !self.opts.joliet {
            return None;
        }
        let d = self.dirs.get(self.dir_index(id)? as usize)?;
        Some((d.jol_extent, d.jol_size))
    }

    /// The ISO 9660 path of a node (`/DIR/FILE.TXT;1`).
    pub fn iso_path(&self, id: NodeId) -> String {
        let mut parts = Vec::new();
        let mut cur = id;
        while cur != self.tree.root() {
            parts.push(String::from_utf8_lossy(&self.iso_name(cur)).into_owned());
            cur = self.tree.parent(cur);
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_records_never_cross_a_block() {
        // 60 records of 34 bytes: 68 + 60*34 = 2108 > 2048, so the last ones start block 2.
        assert_eq!(dir_size(std::iter::repeat_n(34, 60)), 2048);
        assert_eq!(dir_size(std::iter::repeat_n(34, 61)), 4096);
        // A record that would straddle moves to the next block: 68 + 1978 = 2046, then 34.
        assert_eq!(dir_size([34, 34, 1978usize, 34].into_iter()), 4096);
        assert_eq!(dir_size([34, 34].into_iter()), 2048);
    }

    #[test]
    fn multi_extent_sections() {
        let l3: Vec<u32> = section_sizes(2 * MAX_SECTION + 1, IsoLevel::L3).collect();
        assert_eq!(l3, [0xFFFF_F800, 0xFFFF_F800, 1]);
        let four_gib_minus_one: Vec<u32> = section_sizes(0xFFFF_FFFF, IsoLevel::L3).collect();
        assert_eq!(four_gib_minus_one, [0xFFFF_F800, 0x7FF]);
        assert_eq!(section_sizes(0xFFFF_FFFF, IsoLevel::L2).collect::<Vec<_>>(), [0xFFFF_FFFF]);
        assert_eq!(section_sizes(0, IsoLevel::L3).collect::<Vec<_>>(), [0]);
        assert_eq!(section_sizes(MAX_SECTION, IsoLevel::L3).collect::<Vec<_>>(), [0xFFFF_F800]);
    }
}
