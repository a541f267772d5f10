//! The planner: names every directory's children, sizes the directories, orders both trees
//! and assigns every extent, filling a [`Plan`]'s parts one after the other.

use chrono::{Local, Offset};

use super::{catalog, IsoSide, Plan};
use crate::build::boot::BootError;
use crate::build::dates::{mtime_date, record_date, Dates};
use crate::build::dirs::{Dir, DirTable};
use crate::build::error::{Error, Warning};
use crate::build::layout::{section_sizes, Files, Layout};
use crate::build::listing::{Listing, Naming};
use crate::build::names::IsoLevel;
use crate::build::options::PlanOptions;
use crate::build::rock_ridge_write::area::{self, AreaCursor};
use crate::build::rock_ridge_write::info::{RrInfo, RrView};
use crate::build::rock_ridge_write::record::RecordSua;
use crate::build::rock_ridge_write::relocate::{self, IsoRecord};
use crate::build::tree::{Content, Kind, NodeId, Tree, NO_MTIME};
use crate::format::date::IsoDateTime;
use crate::format::kind::TreeKind;
use crate::format::raw::{dir_record_len, path_record_len, BLOCK_U64};

/// A file is large, for alignment, from this many times the alignment.
const LARGE_FILE_FACTOR: u64 = 256;

fn blocks_for(bytes: u64) -> u64 {
    bytes.div_ceil(BLOCK_U64)
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

fn check_field(field: &'static str, value: &str, max: usize) -> Result<(), Error> {
    if value.len() > max {
        return Err(Error::FieldTooLong { field, value: value.to_string(), max });
    }
    Ok(())
}

/// The lengths of the records of directory `d` in tree `kind` (`.` and `..` first, then one
/// per child and section of a multi-extent file, in record order), and the blocks of Rock
/// Ridge continuation areas after its extent. `rr` is the Rock Ridge system use, when the
/// image has it.
fn record_lens(
    tree: &Tree,
    dirs: &DirTable,
    rr: Option<RrView<'_>>,
    level: IsoLevel,
    kind: TreeKind,
    d: u32,
    listing: &Listing,
) -> Result<(Vec<usize>, u32), Error> {
    let mut lens = Vec::with_capacity(listing.items.len() + 2);
    let rr = rr.filter(|_| kind == TreeKind::Iso);
    let mut cursor = AreaCursor::new(0);
    let mut sized = |id_len: usize, sua: Option<RecordSua<'_>>| -> Result<usize, Error> {
        let len = dir_record_len(id_len);
        let Some(sua) = sua else { return Ok(len) };
        let room = area::room_for_identifier(id_len);
        let split = area::layout_lens(sua.lens(), room, &mut cursor)
            .map_err(|e| Error::SystemUse { path: tree.path(dirs.dir(d).node), source: e })?;
        Ok(len + split.record)
    };
    let none = [0u8; 7];
    lens.push(sized(1, rr.map(|rr| rr.dot(d, none)))?);
    lens.push(sized(1, rr.map(|rr| rr.dotdot(d, none)))?);
    let records = match kind {
        TreeKind::Iso => relocate::iso_records(dirs.moved(), d, listing),
        TreeKind::Joliet => listing.items.iter().map(IsoRecord::Item).collect(),
    };
    for record in records {
        let item = match record {
            IsoRecord::Item(item) => item,
            IsoRecord::Moved => {
                let id_len = dirs.moved().map_or(0, |m| m.id.len());
                lens.push(sized(id_len, rr.map(|rr| rr.moved_record(none)))?);
                continue;
            }
        };
        let id_len = listing.id(item).len();
        let sections = section_sizes(tree.file_size(item.node), level).count();
        for _ in 0..sections {
            lens.push(sized(id_len, rr.map(|rr| rr.child(d, item.node, none)))?);
        }
    }
    Ok((lens, cursor.blocks_used()))
}

pub(super) struct Planner<'t> {
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
    pub(super) fn new(tree: &'t Tree, opts: PlanOptions) -> Result<Self, Error> {
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
                iso: IsoSide {
                    volume_name,
                    dates: Dates::new(fixed_date, record_date(&volume_date)),
                    volume_date,
                    naming: Naming::new(tree, &opts),
                    dirs: DirTable::default(),
                    rr: None,
                },
                opts,
                layout: Layout::default(),
                files: Files {
                    extents: vec![u32::MAX; tree.contents.len()],
                    order: Vec::new(),
                    info_tables: Vec::new(),
                },
                catalog: None,
                warnings: Vec::new(),
            },
            iso_kids: Kids::default(),
            jol_kids: Kids::default(),
            max_iso_id: Vec::new(),
        })
    }

    pub(super) fn run(mut self) -> Result<Plan<'t>, Error> {
        self.check_volume_name()?;
        self.collect_dirs()?;
        if self.plan.opts.rock_ridge {
            self.plan.iso.rr = Some(RrInfo::new(self.plan.tree, self.plan.iso.dirs.len()));
            if self.plan.opts.relocate_deep {
                let naming = self.plan.iso.naming;
                relocate::plan_relocation(&mut self.plan.iso.dirs, |dirs| {
                    naming.listing(dirs, 0, TreeKind::Iso, None)
                })?;
            }
        }
        self.name_dirs()?;
        self.check_dates()?;
        self.orders()?;
        self.assign_blocks()?;
        let plan = &mut self.plan;
        if let Some(boot) = &plan.opts.boot {
            plan.catalog = Some(catalog::plan_catalog(plan.tree, boot, &mut plan.files)?);
        }
        Ok(self.plan)
    }

    fn check_volume_name(&mut self) -> Result<(), Error> {
        let name = &self.plan.iso.volume_name;
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
        self.plan.iso.dirs = DirTable::new(dirs);
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
        let n = self.plan.iso.dirs.len();
        self.max_iso_id = vec![0; n];
        let moved = self.plan.iso.dirs.moved_dir();
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
                let iso = &self.plan.iso;
                let listing = iso.naming.listing(&iso.dirs, d as u32, kind, Some(&mut warnings));
                self.plan.warnings = warnings;
                let listing = listing?;
                let rr = iso.rr.as_ref().map(|info| RrView {
                    tree: self.plan.tree,
                    dirs: &iso.dirs,
                    info,
                    rationalize: self.plan.opts.rationalize,
                });
                let level = self.plan.opts.level;
                let (lens, ce_blocks) =
                    record_lens(self.plan.tree, &iso.dirs, rr, level, kind, d as u32, &listing)?;
                let size = to32(dir_size(lens.into_iter()))?;
                let kids = match kind {
                    TreeKind::Iso => &mut self.iso_kids,
                    TreeKind::Joliet => &mut self.jol_kids,
                };
                kids.start.push(u32::try_from(kids.list.len()).unwrap_or(u32::MAX));
                let plan = &mut self.plan;
                let records = match kind {
                    TreeKind::Iso => {
                        relocate::iso_records(plan.iso.dirs.moved(), d as u32, &listing)
                    }
                    TreeKind::Joliet => listing.items.iter().map(IsoRecord::Item).collect(),
                };
                for record in records {
                    let (cd, id) = match record {
                        IsoRecord::Item(item) => {
                            let id = listing.id(item);
                            if kind == TreeKind::Iso {
                                self.max_iso_id[d] = self.max_iso_id[d].max(id.len() as u8);
                            }
                            let Some(cd) = plan.tree.dir_index(item.node) else { continue };
                            if kind == TreeKind::Iso
                                && plan.iso.dirs.is_relocated(cd)
                                && moved != Some(d as u32)
                            {
                                // Recorded as a file here; a child of the relocation directory.
                                continue;
                            }
                            (cd, id.to_vec())
                        }
                        IsoRecord::Moved => match plan.iso.dirs.moved() {
                            Some(m) => (m.dir, m.id.clone()),
                            None => continue,
                        },
                    };
                    kids.list.push(cd);
                    plan.iso.dirs.set_name(kind, cd, &id);
                }
                let dir = plan.iso.dirs.dir_mut(d as u32);
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
        if self.plan.iso.dates.is_fixed() {
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
        let n = self.plan.iso.dirs.len();
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
                let dir = plan.iso.dirs.dir_mut(d);
                match kind {
                    TreeKind::Iso => dir.iso_number = number,
                    TreeKind::Joliet => dir.jol_number = number,
                }
            }
            plan.iso.dirs.set_orders(kind, pre, bfs);
        }
        // Depth and path length, ISO tree.
        let mut depth = vec![0usize; n];
        let mut path_len = vec![0usize; n];
        depth[0] = 1;
        for i in 0..self.plan.iso.dirs.path_order(TreeKind::Iso).len() {
            let d = self.plan.iso.dirs.path_order(TreeKind::Iso)[i];
            let du = d as usize;
            let (base, level) = (path_len[du], depth[du] + 1);
            if base < 255 && base + 1 + usize::from(self.max_iso_id[du]) > 255 {
                // A child's path may pass 255 bytes: go through the children as recorded.
                let iso = &self.plan.iso;
                let listing = iso.naming.listing(&iso.dirs, d, TreeKind::Iso, None)?;
                for item in &listing.items {
                    let len = base + 1 + listing.id(item).len();
                    if let Some(cd) = tree.dir_index(item.node) {
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
                    let dirs = &self.plan.iso.dirs;
                    let child = dirs.dir(cd);
                    let len = base + 1 + dirs.name(TreeKind::Iso, cd).len();
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
        let dirs = &self.plan.iso.dirs;
        dirs.path_order(kind)
            .iter()
            .map(|&d| {
                let len = if d == 0 { 1 } else { dirs.name(kind, d).len() };
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
        let dirs = &mut self.plan.iso.dirs;
        for i in 0..dirs.preorder(TreeKind::Iso).len() {
            let dir = dirs.dir_mut(dirs.preorder(TreeKind::Iso)[i]);
            dir.iso_extent = to32(cur)?;
            cur += u64::from(dir.iso_size) / BLOCK_U64 + u64::from(dir.iso_ce_blocks);
        }
        for i in 0..dirs.preorder(TreeKind::Joliet).len() {
            let dir = dirs.dir_mut(dirs.preorder(TreeKind::Joliet)[i]);
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
        let iso = &self.plan.iso;
        let extents = &mut self.plan.files.extents;
        for &d in iso.dirs.preorder(TreeKind::Iso) {
            let listing = iso.naming.listing(&iso.dirs, d, TreeKind::Iso, None)?;
            for item in &listing.items {
                let c = item.node;
                if let Kind::File { size, content } = tree.node(c).kind {
                    let slot = content as usize;
                    if extents.get(slot).copied() != Some(u32::MAX) {
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
                    extents[slot] = extent;
                }
            }
        }
        layout.files_end = to32(cur)?;
        cur += u64::from(self.plan.opts.pad_blocks);
        layout.end = to32(cur)?;
        self.plan.files.order = order;
        self.plan.layout = layout;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::layout::section_sizes;
    use crate::format::raw::MAX_SECTION;

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
