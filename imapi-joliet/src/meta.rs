//! The metadata blocks of a planned image: volume descriptors, path tables and directories.
//! Pure functions of the plan: no I/O.

use zerocopy::byteorder::{BigEndian, LittleEndian, U16, U32};
use zerocopy::IntoBytes;

use crate::error::Error;
use crate::format::date::UNSPECIFIED_DATE17;
use crate::format::eltorito::BOOT_SYSTEM_ID;
use crate::format::kind::TreeKind;
use crate::format::raw::{
    dir_record_len, vd_type, BothU16, BothU32, DirRecordHeader, PathRecordHeader, VolumeDescriptor,
    BLOCK, FLAG_DIRECTORY, FLAG_MULTI_EXTENT, JOLIET_ESCAPE_L3, MAX_SECTION,
};
use crate::listing::DateCache;
use crate::plan::{section_sizes, Plan};
use crate::rock_ridge::area::{self, AreaCursor, ContinuationBlocks};
use crate::rock_ridge::record::RecordSua;
use crate::rock_ridge::relocate::IsoRecord;
use crate::tree::Kind;

/// A run of blocks of the session and what fills it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Region {
    Zeros,
    Descriptor(TreeKind),
    /// The El Torito boot record.
    BootRecord,
    /// The El Torito boot catalog.
    BootCatalog,
    Terminator,
    PathTable {
        kind: TreeKind,
        big_endian: bool,
    },
    Dir {
        kind: TreeKind,
        dir: u32,
    },
    /// The placed-data area, whose bytes the caller gives.
    Placed,
    Files,
}

/// A region and the absolute blocks it covers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) blocks: u32,
    pub(crate) region: Region,
}

fn fill_a(field: &mut [u8], text: &str) {
    field.fill(b' ');
    for (d, s) in field.iter_mut().zip(text.bytes()) {
        *d = if s.is_ascii() { s } else { b'_' };
    }
}

fn fill_ucs2(field: &mut [u8], text: &str) {
    for pair in field.chunks_mut(2) {
        if pair.len() == 2 {
            pair.copy_from_slice(&[0x00, 0x20]);
        } else {
            pair[0] = 0;
        }
    }
    for (pair, u) in field.chunks_exact_mut(2).zip(text.encode_utf16()) {
        pair.copy_from_slice(&u.to_be_bytes());
    }
}

/// Appends one directory record, starting a new block first if it would cross one.
fn push_record(buf: &mut Vec<u8>, extent: u32, size: u32, date: [u8; 7], flags: u8, id: &[u8]) {
    push_record_with(buf, Record { extent, size, date, flags }, id, &[]);
}

/// The fixed fields of a directory record.
#[derive(Clone, Copy)]
struct Record {
    extent: u32,
    size: u32,
    date: [u8; 7],
    flags: u8,
}

/// Appends one directory record with system use `sua` (even length, laid out to fit),
/// starting a new block first if it would cross one.
fn push_record_with(buf: &mut Vec<u8>, r: Record, id: &[u8], sua: &[u8]) {
    let Record { extent, size, date, flags } = r;
    let len = dir_record_len(id.len()) + sua.len();
    if buf.len() % BLOCK + len > BLOCK {
        let pad = BLOCK - buf.len() % BLOCK;
        buf.resize(buf.len() + pad, 0);
    }
    let header = DirRecordHeader {
        len_dr: len as u8,
        ext_attr_len: 0,
        extent: BothU32::new(extent),
        data_len: BothU32::new(size),
        recorded: date,
        flags,
        unit_size: 0,
        gap_size: 0,
        vol_seq: BothU16::new(1),
        len_fi: id.len() as u8,
    };
    buf.extend_from_slice(header.as_bytes());
    buf.extend_from_slice(id);
    if id.len() % 2 == 0 {
        buf.push(0);
    }
    buf.extend_from_slice(sua);
}

impl Plan<'_> {
    /// Every region of the session, in block order, covering it without gaps.
    pub(crate) fn spans(&self) -> Vec<Span> {
        let l = &self.layout;
        let mut spans = vec![Span { start: l.first, blocks: 16, region: Region::Zeros }];
        spans.push(Span { start: l.pvd, blocks: 1, region: Region::Descriptor(TreeKind::Iso) });
        if let Some(b) = l.boot_record {
            spans.push(Span { start: b, blocks: 1, region: Region::BootRecord });
        }
        if let Some(svd) = l.svd {
            spans.push(Span {
                start: svd,
                blocks: 1,
                region: Region::Descriptor(TreeKind::Joliet),
            });
        }
        spans.push(Span { start: l.terminator, blocks: 1, region: Region::Terminator });
        let pt_blocks = |size: u32| size.div_ceil(BLOCK as u32);
        spans.push(Span {
            start: l.iso_path_l,
            blocks: pt_blocks(l.iso_path_size),
            region: Region::PathTable { kind: TreeKind::Iso, big_endian: false },
        });
        spans.push(Span {
            start: l.iso_path_m,
            blocks: pt_blocks(l.iso_path_size),
            region: Region::PathTable { kind: TreeKind::Iso, big_endian: true },
        });
        if self.opts.joliet {
            spans.push(Span {
                start: l.jol_path_l,
                blocks: pt_blocks(l.jol_path_size),
                region: Region::PathTable { kind: TreeKind::Joliet, big_endian: false },
            });
            spans.push(Span {
                start: l.jol_path_m,
                blocks: pt_blocks(l.jol_path_size),
                region: Region::PathTable { kind: TreeKind::Joliet, big_endian: true },
            });
        }
        for kind in [TreeKind::Iso, TreeKind::Joliet] {
            let order = match kind {
                TreeKind::Iso => &self.iso_preorder,
                TreeKind::Joliet => &self.jol_preorder,
            };
            for &d in order {
                let (start, size) = self.dir_extent(kind, d);
                let region = Region::Dir { kind, dir: d };
                let continuation = match kind {
                    TreeKind::Iso => self.dirs[d as usize].iso_ce_blocks,
                    TreeKind::Joliet => 0,
                };
                spans.push(Span { start, blocks: size / BLOCK as u32 + continuation, region });
            }
        }
        if let Some(c) = l.catalog {
            spans.push(Span { start: c, blocks: 1, region: Region::BootCatalog });
        }
        if let Some(z) = l.zero_block {
            spans.push(Span { start: z, blocks: 1, region: Region::Zeros });
        }
        if l.files_start > l.placed_start {
            spans.push(Span {
                start: l.placed_start,
                blocks: l.files_start - l.placed_start,
                region: Region::Placed,
            });
        }
        if l.files_end > l.files_start {
            spans.push(Span {
                start: l.files_start,
                blocks: l.files_end - l.files_start,
                region: Region::Files,
            });
        }
        if l.end > l.files_end {
            spans.push(Span {
                start: l.files_end,
                blocks: l.end - l.files_end,
                region: Region::Zeros,
            });
        }
        spans
    }

    /// The bytes of a metadata region (not `Files`), a whole number of blocks.
    pub(crate) fn region_bytes(&self, span: &Span) -> Result<Vec<u8>, Error> {
        let mut out = match span.region {
            Region::Zeros | Region::Placed | Region::Files => Vec::new(),
            Region::Descriptor(kind) => self.descriptor(kind).as_bytes().to_vec(),
            Region::Terminator => VolumeDescriptor::new(vd_type::TERMINATOR).as_bytes().to_vec(),
            Region::BootRecord => self.boot_record(),
            Region::BootCatalog => {
                self.catalog.as_ref().and_then(|c| c.to_bytes()).unwrap_or_default()
            }
            Region::PathTable { kind, big_endian } => self.path_table(kind, big_endian),
            Region::Dir { kind, dir } => self.directory(kind, dir)?,
        };
        out.resize(span.blocks as usize * BLOCK, 0);
        Ok(out)
    }

    /// The El Torito boot record: type 0, `CD001`, version 1, the boot system id, and the
    /// catalog's block at byte 71.
    fn boot_record(&self) -> Vec<u8> {
        let mut b = VolumeDescriptor::new(vd_type::BOOT).as_bytes().to_vec();
        b.resize(BLOCK, 0);
        b[7..39].fill(0);
        b[7..7 + BOOT_SYSTEM_ID.len()].copy_from_slice(BOOT_SYSTEM_ID);
        let catalog = self.layout.catalog.unwrap_or(0);
        b[71..75].copy_from_slice(&catalog.to_le_bytes());
        b
    }

    fn dir_extent(&self, kind: TreeKind, d: u32) -> (u32, u32) {
        let dir = &self.dirs[d as usize];
        match kind {
            TreeKind::Iso => (dir.iso_extent, dir.iso_size),
            TreeKind::Joliet => (dir.jol_extent, dir.jol_size),
        }
    }

    fn root_record(&self, kind: TreeKind) -> [u8; 34] {
        let (extent, size) = self.dir_extent(kind, 0);
        let mut buf = Vec::with_capacity(34);
        let date = self.record_date(self.tree.root(), &mut DateCache::default());
        push_record(&mut buf, extent, size, date, FLAG_DIRECTORY, &[0]);
        let mut out = [0u8; 34];
        out.copy_from_slice(&buf[..34]);
        out
    }

    fn descriptor(&self, kind: TreeKind) -> VolumeDescriptor {
        let joliet = kind == TreeKind::Joliet;
        let mut vd =
            VolumeDescriptor::new(if joliet { vd_type::SUPPLEMENTARY } else { vd_type::PRIMARY });
        let text: fn(&mut [u8], &str) = if joliet { fill_ucs2 } else { fill_a };
        text(&mut vd.system_id, &self.opts.system_id);
        if joliet {
            fill_ucs2(&mut vd.volume_id, &self.volume_name);
            vd.escapes[..3].copy_from_slice(&JOLIET_ESCAPE_L3);
        } else {
            fill_a(&mut vd.volume_id, &self.volume_name);
        }
        vd.volume_space_size = BothU32::new(self.layout.end - self.layout.first);
        vd.volume_set_size = BothU16::new(1);
        vd.volume_seq = BothU16::new(1);
        vd.block_size = BothU16::new(BLOCK as u16);
        let l = &self.layout;
        let (size, lpt, mpt) = if joliet {
            (l.jol_path_size, l.jol_path_l, l.jol_path_m)
        } else {
            (l.iso_path_size, l.iso_path_l, l.iso_path_m)
        };
        vd.path_table_size = BothU32::new(size);
        vd.l_path_table = U32::<LittleEndian>::new(lpt);
        vd.m_path_table = U32::<BigEndian>::new(mpt);
        vd.root_record = self.root_record(kind);
        text(&mut vd.volume_set_id, "");
        text(&mut vd.publisher_id, &self.opts.publisher);
        text(&mut vd.preparer_id, &self.opts.preparer);
        text(&mut vd.application_id, &self.opts.application);
        text(&mut vd.copyright_file_id, "");
        text(&mut vd.abstract_file_id, "");
        text(&mut vd.bibliographic_file_id, "");
        let date = self.volume_date.to_bytes17().unwrap_or(UNSPECIFIED_DATE17);
        vd.creation_date = date;
        vd.modification_date = date;
        vd.expiration_date = UNSPECIFIED_DATE17;
        vd.effective_date = UNSPECIFIED_DATE17;
        vd.file_structure_version = 1;
        vd
    }

    fn path_table(&self, kind: TreeKind, big_endian: bool) -> Vec<u8> {
        let (order, size) = match kind {
            TreeKind::Iso => (&self.iso_path_order, self.layout.iso_path_size),
            TreeKind::Joliet => (&self.jol_path_order, self.layout.jol_path_size),
        };
        let mut out = Vec::with_capacity(size as usize);
        for &d in order {
            let dir = &self.dirs[d as usize];
            let id = if d == 0 { &[0][..] } else { self.dir_name(kind, d) };
            let parent = match kind {
                TreeKind::Iso => &self.dirs[dir.iso_parent as usize],
                TreeKind::Joliet => &self.dirs[dir.parent as usize],
            };
            let parent_number = match kind {
                TreeKind::Iso => parent.iso_number,
                TreeKind::Joliet => parent.jol_number,
            };
            let (extent, _) = self.dir_extent(kind, d);
            if big_endian {
                let h = PathRecordHeader::<BigEndian> {
                    len_di: id.len() as u8,
                    ext_attr_len: 0,
                    extent: U32::new(extent),
                    parent: U16::new(parent_number),
                };
                out.extend_from_slice(h.as_bytes());
            } else {
                let h = PathRecordHeader::<LittleEndian> {
                    len_di: id.len() as u8,
                    ext_attr_len: 0,
                    extent: U32::new(extent),
                    parent: U16::new(parent_number),
                };
                out.extend_from_slice(h.as_bytes());
            }
            out.extend_from_slice(id);
            if id.len() % 2 == 1 {
                out.push(0);
            }
        }
        out
    }

    /// The records of directory `d` in tree `kind`: `.`, `..`, then its children as
    /// [`Plan::listing`] names and orders them, padded to the directory's size.
    /// The records of directory `d` in tree `kind`, then (ISO 9660 tree with Rock Ridge)
    /// the blocks of its continuation areas.
    fn directory(&self, kind: TreeKind, d: u32) -> Result<Vec<u8>, Error> {
        let dir = &self.dirs[d as usize];
        let (extent, size) = self.dir_extent(kind, d);
        let parent = match kind {
            TreeKind::Iso => dir.iso_parent,
            TreeKind::Joliet => dir.parent,
        };
        let (pextent, psize) = self.dir_extent(kind, parent);
        let mut buf = Vec::with_capacity(size as usize);
        let mut dates = DateCache::default();
        let date = self.record_date(dir.node, &mut dates);
        let pdate = self.record_date(self.dirs[parent as usize].node, &mut dates);
        let rock_ridge = self.rr.is_some() && kind == TreeKind::Iso;
        let ce_start = extent.saturating_add(size / BLOCK as u32);
        let mut sua = Suas {
            on: rock_ridge,
            cursor: AreaCursor::new(ce_start),
            blocks: ContinuationBlocks::new(ce_start),
            entries: Vec::new(),
            record: Vec::new(),
        };
        let path = || self.tree.path(dir.node);
        let dot = Record { extent, size, date, flags: FLAG_DIRECTORY };
        sua.lay(rock_ridge.then(|| self.rr_dot(d, date)), 1, path)?;
        push_record_with(&mut buf, dot, &[0], &sua.record);
        let dotdot = Record { extent: pextent, size: psize, date: pdate, flags: FLAG_DIRECTORY };
        sua.lay(rock_ridge.then(|| self.rr_dotdot(d, pdate)), 1, path)?;
        push_record_with(&mut buf, dotdot, &[1], &sua.record);
        let listing = self.listing(d, kind, None)?;
        let tree = self.tree;
        let records = match kind {
            TreeKind::Iso => self.iso_records(d, &listing),
            TreeKind::Joliet => listing.items.iter().map(IsoRecord::Item).collect(),
        };
        for record in records {
            let item = match record {
                IsoRecord::Item(item) => item,
                IsoRecord::Moved => {
                    let Some(m) = &self.rr_moved else { continue };
                    let (e, s) = self.dir_extent(kind, m.dir);
                    sua.lay(rock_ridge.then(|| self.rr_moved_record(date)), m.id.len(), path)?;
                    let r = Record { extent: e, size: s, date, flags: FLAG_DIRECTORY };
                    push_record_with(&mut buf, r, &m.id, &sua.record);
                    continue;
                }
            };
            let c = item.node;
            let id = listing.id(item);
            let date = self.record_date(c, &mut dates);
            sua.lay(rock_ridge.then(|| self.rr_child(d, c, date)), id.len(), path)?;
            match tree.node(c).kind {
                Kind::Dir(cd)
                    if kind == TreeKind::Iso
                        && self.is_relocated(cd)
                        && Some(d) != self.moved_dir() =>
                {
                    // The stand-in of a relocated directory: an empty file whose CL entry
                    // points at the directory.
                    let (e, _) = self.dir_extent(kind, cd);
                    let r = Record { extent: e, size: 0, date, flags: 0 };
                    push_record_with(&mut buf, r, id, &sua.record);
                }
                Kind::Dir(cd) => {
                    let (e, s) = self.dir_extent(kind, cd);
                    let r = Record { extent: e, size: s, date, flags: FLAG_DIRECTORY };
                    push_record_with(&mut buf, r, id, &sua.record);
                }
                Kind::File { size, content } => {
                    let first = self.extents.get(content as usize).copied().unwrap_or(0);
                    let count = section_sizes(size, self.opts.level).count();
                    for (i, s) in section_sizes(size, self.opts.level).enumerate() {
                        if i > 0 {
                            // Every section carries the same system use.
                            sua.lay(rock_ridge.then(|| self.rr_child(d, c, date)), id.len(), path)?;
                        }
                        let e =
                            first.saturating_add((i as u64 * MAX_SECTION / BLOCK as u64) as u32);
                        let flags = if i + 1 < count { FLAG_MULTI_EXTENT } else { 0 };
                        let r = Record { extent: e, size: s, date, flags };
                        push_record_with(&mut buf, r, id, &sua.record);
                    }
                }
            }
        }
        buf.resize(size as usize, 0);
        if rock_ridge {
            buf.extend(sua.blocks.into_bytes(dir.iso_ce_blocks));
        }
        Ok(buf)
    }
}

/// The system use of the records of one directory as they are written: the record's part of
/// the current record, and the continuation blocks filled so far.
struct Suas {
    on: bool,
    cursor: AreaCursor,
    blocks: ContinuationBlocks,
    entries: Vec<u8>,
    record: Vec<u8>,
}

impl Suas {
    /// Lays out the system use `sua` of the next record (identifier of `id_len` bytes):
    /// `self.record` then holds the record's part (empty without Rock Ridge).
    fn lay(
        &mut self,
        sua: Option<RecordSua<'_>>,
        id_len: usize,
        path: impl Fn() -> String,
    ) -> Result<(), Error> {
        self.record.clear();
        let Some(sua) = sua.filter(|_| self.on) else { return Ok(()) };
        self.entries.clear();
        sua.write(&mut self.entries);
        let room = area::room_for_identifier(id_len);
        area::layout(&self.entries, room, &mut self.cursor, &mut self.record, &mut self.blocks)
            .map_err(|source| Error::SystemUse { path: path(), source })?;
        Ok(())
    }
}
