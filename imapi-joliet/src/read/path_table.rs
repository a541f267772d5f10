//! Path tables (ECMA-119 §9.4): every directory once, by level, parent number and name, in
//! a little-endian (L) and a big-endian (M) copy.

use std::borrow::Cow;

use zerocopy::byteorder::{BigEndian, LittleEndian};
use zerocopy::FromBytes;

use super::volume::Volume;
use super::{sub, Ctx, ReadError, TreeKind};
use crate::format::raw::{path_record_len, PathRecordHeader, BLOCK_U64, PATH_RECORD_HEADER_LEN};

/// Which copy of a path table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathTableKind {
    /// Type L: numbers little-endian.
    L,
    /// Type M: numbers big-endian.
    M,
}

/// One record of a path table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTableRecord<'a> {
    /// The directory identifier (`[0]` for the root).
    pub ident: Cow<'a, [u8]>,
    /// Blocks of extended attribute record.
    pub xa_len: u8,
    /// The directory's first block.
    pub extent: u32,
    /// The 1-based number of the parent directory's record.
    pub parent: u16,
    /// The record's byte within the table.
    pub offset: usize,
}

fn table_name(tree: TreeKind, kind: PathTableKind) -> &'static str {
    match (tree, kind) {
        (TreeKind::Iso, PathTableKind::L) => "ISO 9660 type L",
        (TreeKind::Iso, PathTableKind::M) => "ISO 9660 type M",
        (TreeKind::Joliet, PathTableKind::L) => "Joliet type L",
        (TreeKind::Joliet, PathTableKind::M) => "Joliet type M",
    }
}

/// Reads every record of one path table of `vol`.
pub(crate) fn read_path_table<'a>(
    ctx: Ctx<'a>,
    vol: &Volume,
    kind: PathTableKind,
) -> Result<Vec<PathTableRecord<'a>>, ReadError> {
    let table = table_name(vol.tree(), kind);
    let size = vol.path_table_size();
    let limit = ctx.opts.limits.max_path_table;
    if size > limit {
        return Err(ReadError::PathTableTooLarge { table, size, limit });
    }
    let block = match kind {
        PathTableKind::L => vol.l_path_table(),
        PathTableKind::M => vol.m_path_table(),
    };
    let len =
        usize::try_from(size).map_err(|_| ReadError::PathTableTooLarge { table, size, limit })?;
    let bytes = ctx.bytes(u64::from(block) * BLOCK_U64, len, "path table")?;
    let bad = |offset, reason| ReadError::BadPathTable { table, block, offset, reason };
    let mut records = Vec::new();
    let mut offset = 0;
    while offset < len {
        let rest = bytes.get(offset..).unwrap_or_default();
        let (len_di, xa_len, extent, parent) = match kind {
            PathTableKind::L => PathRecordHeader::<LittleEndian>::read_from_prefix(rest)
                .ok()
                .map(|(h, _)| (h.len_di, h.ext_attr_len, h.extent.get(), h.parent.get())),
            PathTableKind::M => PathRecordHeader::<BigEndian>::read_from_prefix(rest)
                .ok()
                .map(|(h, _)| (h.len_di, h.ext_attr_len, h.extent.get(), h.parent.get())),
        }
        .ok_or_else(|| bad(offset, "record header passes the table's end"))?;
        if len_di == 0 {
            return Err(bad(offset, "directory identifier of length 0"));
        }
        let start = offset + PATH_RECORD_HEADER_LEN;
        let end = start + usize::from(len_di);
        let ident = sub(&bytes, start, end)
            .ok_or_else(|| bad(offset, "identifier passes the table's end"))?;
        records.push(PathTableRecord { ident, xa_len, extent, parent, offset });
        // A pad byte after an odd identifier may be cut by the table's end.
        offset += path_record_len(usize::from(len_di));
    }
    Ok(records)
}
