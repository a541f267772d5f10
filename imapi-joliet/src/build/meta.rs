//! The ISO 9660 and Joliet metadata blocks of a planned image: volume descriptors, path
//! tables and directories (with their Rock Ridge system use and continuation areas), and the
//! El Torito boot record and catalog. Pure functions of the parts of the plan they are given
//! ([`Metadata`]): no I/O.

use zerocopy::byteorder::{BigEndian, LittleEndian, U16, U32};
use zerocopy::IntoBytes;

use crate::build::dates::{DateCache, Dates};
use crate::build::dirs::DirTable;
use crate::build::error::Error;
use crate::build::layout::{section_sizes, spans, Layout, Region, Span};
use crate::build::listing::Naming;
use crate::build::options::PlanOptions;
use crate::build::rock_ridge_write::area::{self, AreaCursor, ContinuationBlocks};
use crate::build::rock_ridge_write::info::RrView;
use crate::build::rock_ridge_write::record::RecordSua;
use crate::build::rock_ridge_write::relocate::{iso_records, IsoRecord};
use crate::build::tree::{Kind, Tree};
use crate::format::date::{IsoDateTime, UNSPECIFIED_DATE17};
use crate::format::eltorito::{Catalog, BOOT_SYSTEM_ID};
use crate::format::kind::TreeKind;
use crate::format::raw::{
    dir_record_len, vd_type, BothU16, BothU32, DirRecordHeader, PathRecordHeader, VolumeDescriptor,
    BLOCK, FLAG_DIRECTORY, FLAG_MULTI_EXTENT, JOLIET_ESCAPE_L3, MAX_SECTION,
};

/// What the ISO 9660 and Joliet metadata is made from: the parts of a plan, each named.
#[derive(Clone, Copy)]
pub(super) struct Metadata<'p> {
    pub(super) tree: &'p Tree,
    pub(super) opts: &'p PlanOptions,
    pub(super) volume_name: &'p str,
    pub(super) volume_date: &'p IsoDateTime,
    pub(super) layout: &'p Layout,
    pub(super) dirs: &'p DirTable,
    pub(super) naming: Naming<'p>,
    pub(super) dates: Dates,
    /// With Rock Ridge: what the system use of each record is made from.
    pub(super) rr: Option<RrView<'p>>,
    /// Per content: its first block.
    pub(super) extents: &'p [u32],
    pub(super) catalog: Option<&'p Catalog>,
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

impl Metadata<'_> {
    /// Every region of the session, in block order, covering it without gaps.
    pub(super) fn spans(&self) -> Vec<Span> {
        spans(self.layout, self.dirs, self.opts.joliet)
    }

    /// The bytes of a metadata region (not `Files`), a whole number of blocks.
    pub(super) fn region_bytes(&self, span: &Span) -> Result<Vec<u8>, Error> {
        let mut out = match span.region {
            Region::Zeros | Region::Placed | Region::Files => Vec::new(),
            Region::Descriptor(kind) => self.descriptor(kind).as_bytes().to_vec(),
            Region::Terminator => VolumeDescriptor::new(vd_type::TERMINATOR).as_bytes().to_vec(),
            Region::BootRecord => self.boot_record(),
            Region::BootCatalog => self.catalog.and_then(|c| c.to_bytes()).unwrap_or_default(),
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

    fn root_record(&self, kind: TreeKind) -> [u8; 34] {
        let (extent, size) = self.dirs.extent(kind, 0);
        let mut buf = Vec::with_capacity(34);
        let date = self.dates.of(self.tree, self.tree.root(), &mut DateCache::default());
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
            fill_ucs2(&mut vd.volume_id, self.volume_name);
            vd.escapes[..3].copy_from_slice(&JOLIET_ESCAPE_L3);
        } else {
            fill_a(&mut vd.volume_id, self.volume_name);
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
        let order = self.dirs.path_order(kind);
        let size = match kind {
            TreeKind::Iso => self.layout.iso_path_size,
            TreeKind::Joliet => self.layout.jol_path_size,
        };
        let mut out = Vec::with_capacity(size as usize);
        for &d in order {
            let dir = self.dirs.dir(d);
            let id = if d == 0 { &[0][..] } else { self.dirs.name(kind, d) };
            let parent = match kind {
                TreeKind::Iso => self.dirs.dir(dir.iso_parent),
                TreeKind::Joliet => self.dirs.dir(dir.parent),
            };
            let parent_number = match kind {
                TreeKind::Iso => parent.iso_number,
                TreeKind::Joliet => parent.jol_number,
            };
            let (extent, _) = self.dirs.extent(kind, d);
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
    /// [`Naming::listing`] names and orders them, padded to the directory's size; then (ISO
    /// 9660 tree with Rock Ridge) the blocks of its continuation areas.
    fn directory(&self, kind: TreeKind, d: u32) -> Result<Vec<u8>, Error> {
        let dir = self.dirs.dir(d);
        let (extent, size) = self.dirs.extent(kind, d);
        let parent = match kind {
            TreeKind::Iso => dir.iso_parent,
            TreeKind::Joliet => dir.parent,
        };
        let (pextent, psize) = self.dirs.extent(kind, parent);
        let mut buf = Vec::with_capacity(size as usize);
        let mut dates = DateCache::default();
        let date = self.dates.of(self.tree, dir.node, &mut dates);
        let pdate = self.dates.of(self.tree, self.dirs.dir(parent).node, &mut dates);
        let rr = self.rr.filter(|_| kind == TreeKind::Iso);
        let rock_ridge = rr.is_some();
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
        sua.lay(rr.map(|rr| rr.dot(d, date)), 1, path)?;
        push_record_with(&mut buf, dot, &[0], &sua.record);
        let dotdot = Record { extent: pextent, size: psize, date: pdate, flags: FLAG_DIRECTORY };
        sua.lay(rr.map(|rr| rr.dotdot(d, pdate)), 1, path)?;
        push_record_with(&mut buf, dotdot, &[1], &sua.record);
        let listing = self.naming.listing(self.dirs, d, kind, None)?;
        let tree = self.tree;
        let records = match kind {
            TreeKind::Iso => iso_records(self.dirs.moved(), d, &listing),
            TreeKind::Joliet => listing.items.iter().map(IsoRecord::Item).collect(),
        };
        for record in records {
            let item = match record {
                IsoRecord::Item(item) => item,
                IsoRecord::Moved => {
                    let Some(m) = self.dirs.moved() else { continue };
                    let (e, s) = self.dirs.extent(kind, m.dir);
                    sua.lay(rr.map(|rr| rr.moved_record(date)), m.id.len(), path)?;
                    let r = Record { extent: e, size: s, date, flags: FLAG_DIRECTORY };
                    push_record_with(&mut buf, r, &m.id, &sua.record);
                    continue;
                }
            };
            let c = item.node;
            let id = listing.id(item);
            let date = self.dates.of(tree, c, &mut dates);
            sua.lay(rr.map(|rr| rr.child(d, c, date)), id.len(), path)?;
            match tree.node(c).kind {
                Kind::Dir(cd)
                    if kind == TreeKind::Iso
                        && self.dirs.is_relocated(cd)
                        && Some(d) != self.dirs.moved_dir() =>
                {
                    // The stand-in of a relocated directory: an empty file whose CL entry
                    // points at the directory.
                    let (e, _) = self.dirs.extent(kind, cd);
                    let r = Record { extent: e, size: 0, date, flags: 0 };
                    push_record_with(&mut buf, r, id, &sua.record);
                }
                Kind::Dir(cd) => {
                    let (e, s) = self.dirs.extent(kind, cd);
                    let r = Record { extent: e, size: s, date, flags: FLAG_DIRECTORY };
                    push_record_with(&mut buf, r, id, &sua.record);
                }
                Kind::File { size, content } => {
                    let first = self.extents.get(content as usize).copied().unwrap_or(0);
                    let count = section_sizes(size, self.opts.level).count();
                    for (i, s) in section_sizes(size, self.opts.level).enumerate() {
                        if i > 0 {
                            // Every section carries the same system use.
                            sua.lay(rr.map(|rr| rr.child(d, c, date)), id.len(), path)?;
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
