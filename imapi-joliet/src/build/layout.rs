//! Where each part of a session lies: the blocks of the descriptors, path tables,
//! directories, boot catalog and placed-data area ([`Layout`]), the file extents every file
//! system of the image shares ([`Files`]), and the regions that cover the session in block
//! order ([`spans`]).

use crate::build::dirs::DirTable;
use crate::build::names::IsoLevel;
use crate::build::tree::NodeId;
use crate::format::kind::TreeKind;
use crate::format::raw::{BLOCK, MAX_SECTION};

/// Where each part of the session lies, in absolute blocks.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Layout {
    pub(super) first: u32,
    pub(super) pvd: u32,
    pub(super) boot_record: Option<u32>,
    pub(super) svd: Option<u32>,
    pub(super) terminator: u32,
    pub(super) iso_path_l: u32,
    pub(super) iso_path_m: u32,
    pub(super) jol_path_l: u32,
    pub(super) jol_path_m: u32,
    pub(super) iso_path_size: u32,
    pub(super) jol_path_size: u32,
    pub(super) dirs_start: u32,
    pub(super) catalog: Option<u32>,
    pub(super) zero_block: Option<u32>,
    pub(super) placed_start: u32,
    pub(super) files_start: u32,
    pub(super) files_end: u32,
    pub(super) end: u32,
}

/// Where the file data lies: one extent per content, shared by every file system laid over
/// the image (each file's data is written once, whichever trees name it).
#[derive(Debug, Default)]
pub(super) struct Files {
    /// Per content: its first block (u32::MAX before assignment).
    pub(super) extents: Vec<u32>,
    /// Contents whose data this session writes, in block order, each as the first node
    /// naming it in the ISO tree's record order.
    pub(super) order: Vec<NodeId>,
    /// Contents patched with a boot-info table as they are written (empty without El
    /// Torito: the emit pass checks this list only when it holds something).
    pub(super) info_tables: Vec<u32>,
}

/// The sections a file of `size` bytes is recorded as.
pub(super) fn section_sizes(size: u64, level: IsoLevel) -> impl Iterator<Item = u32> {
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

/// A run of blocks of the session and what fills it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Region {
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
pub(super) struct Span {
    pub(super) start: u32,
    pub(super) blocks: u32,
    pub(super) region: Region,
}

/// Every region of the session, in block order, covering it without gaps.
pub(super) fn spans(l: &Layout, dirs: &DirTable, joliet: bool) -> Vec<Span> {
    let mut spans = vec![Span { start: l.first, blocks: 16, region: Region::Zeros }];
    spans.push(Span { start: l.pvd, blocks: 1, region: Region::Descriptor(TreeKind::Iso) });
    if let Some(b) = l.boot_record {
        spans.push(Span { start: b, blocks: 1, region: Region::BootRecord });
    }
    if let Some(svd) = l.svd {
        spans.push(Span { start: svd, blocks: 1, region: Region::Descriptor(TreeKind::Joliet) });
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
    if joliet {
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
        for &d in dirs.preorder(kind) {
            let (start, size) = dirs.extent(kind, d);
            let region = Region::Dir { kind, dir: d };
            let continuation = match kind {
                TreeKind::Iso => dirs.dir(d).iso_ce_blocks,
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
        spans.push(Span { start: l.files_end, blocks: l.end - l.files_end, region: Region::Zeros });
    }
    spans
}
