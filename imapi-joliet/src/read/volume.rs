//! The volume descriptor set (ECMA-119 §8): the primary descriptor, a Joliet supplementary
//! descriptor, the terminator, and what follows it (a UDF volume recognition sequence).

use zerocopy::FromBytes;

use super::dir::{parse_root_record, Extent};
use super::{text, Ctx, ReadError, TreeKind};
use crate::format::date::{DateError, IsoDateTime};
use crate::format::raw::{
    vd_type, VolumeDescriptor, BLOCK, BLOCK_U64, FIRST_VD_BLOCK, JOLIET_ESCAPES,
};
use crate::format::raw::{BothU16, BothU32, STANDARD_ID};

/// The most volume descriptors read before the terminator.
pub const MAX_DESCRIPTORS: u32 = 64;
/// The most blocks after the terminator searched for a volume recognition sequence.
const MAX_VRS: u32 = 16;

/// What a volume descriptor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DescriptorKind {
    /// A boot record (El Torito).
    Boot,
    /// The primary volume descriptor in use.
    Primary,
    /// The Joliet supplementary descriptor in use.
    Joliet,
    /// Another supplementary or enhanced descriptor, or a second primary or Joliet one.
    Other,
    /// A volume partition descriptor.
    Partition,
    /// The set terminator.
    Terminator,
}

/// One block of the volume descriptor set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Descriptor {
    /// Its block.
    pub block: u64,
    /// Its type byte.
    pub vd_type: u8,
    /// Its version byte.
    pub version: u8,
    /// What the reader took it for.
    pub kind: DescriptorKind,
}

/// One descriptor of a volume recognition sequence (ECMA-167), found after the terminator:
/// `BEA01`, `NSR02`/`NSR03` (a UDF bridge), `TEA01`, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecognitionEntry {
    /// Its block.
    pub block: u64,
    /// Its five-byte identifier.
    pub id: [u8; 5],
}

const VRS_IDS: [&[u8; 5]; 6] = [b"BEA01", b"NSR02", b"NSR03", b"TEA01", b"BOOT2", b"CDW02"];

/// A boot record (volume descriptor type 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootRecord {
    /// Its block.
    pub block: u64,
    /// The boot system identifier (bytes 7–38).
    pub system_id: [u8; 32],
    /// The El Torito catalog's block (bytes 71–74, little-endian).
    pub catalog: u32,
}

impl BootRecord {
    /// Whether the boot system identifier is `EL TORITO SPECIFICATION` (zero padded).
    pub fn is_el_torito(&self) -> bool {
        let id = crate::format::eltorito::BOOT_SYSTEM_ID;
        self.system_id[..id.len()] == id[..] && self.system_id[id.len()..].iter().all(|&b| b == 0)
    }
}

/// A primary or Joliet volume descriptor, with its fields checked.
#[derive(Clone)]
pub struct Volume {
    tree: TreeKind,
    block: u64,
    vd: Box<VolumeDescriptor>,
    volume_space_size: u32,
    path_table_size: u32,
    volume_set_size: u16,
    volume_seq: u16,
    root: Extent,
    joliet_level: Option<u8>,
}

impl core::fmt::Debug for Volume {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Volume")
            .field("tree", &self.tree)
            .field("block", &self.block)
            .field("volume_id", &self.volume_id())
            .field("volume_space_size", &self.volume_space_size)
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl Volume {
    /// Which tree this descriptor roots.
    pub fn tree(&self) -> TreeKind {
        self.tree
    }
    /// The descriptor's block.
    pub fn block(&self) -> u64 {
        self.block
    }
    /// The raw descriptor.
    pub fn raw(&self) -> &VolumeDescriptor {
        &self.vd
    }
    /// The volume identifier, without padding.
    pub fn volume_id(&self) -> String {
        text::field(self.tree, &self.vd.volume_id)
    }
    /// The system identifier, without padding.
    pub fn system_id(&self) -> String {
        text::field(self.tree, &self.vd.system_id)
    }
    /// The publisher identifier, without padding.
    pub fn publisher_id(&self) -> String {
        text::field(self.tree, &self.vd.publisher_id)
    }
    /// The data preparer identifier, without padding.
    pub fn preparer_id(&self) -> String {
        text::field(self.tree, &self.vd.preparer_id)
    }
    /// The application identifier, without padding.
    pub fn application_id(&self) -> String {
        text::field(self.tree, &self.vd.application_id)
    }
    /// The volume space size in blocks.
    pub fn volume_space_size(&self) -> u32 {
        self.volume_space_size
    }
    /// The size of each path table in bytes.
    pub fn path_table_size(&self) -> u32 {
        self.path_table_size
    }
    /// The volume set size.
    pub fn volume_set_size(&self) -> u16 {
        self.volume_set_size
    }
    /// The volume sequence number.
    pub fn volume_seq(&self) -> u16 {
        self.volume_seq
    }
    /// The block of the type L path table.
    pub fn l_path_table(&self) -> u32 {
        self.vd.l_path_table.get()
    }
    /// The block of the type M path table.
    pub fn m_path_table(&self) -> u32 {
        self.vd.m_path_table.get()
    }
    /// The root directory's extent, from the descriptor's root record.
    pub fn root(&self) -> Extent {
        self.root
    }
    /// The Joliet level (1, 2 or 3) of a Joliet descriptor.
    pub fn joliet_level(&self) -> Option<u8> {
        self.joliet_level
    }
    /// The volume creation date.
    pub fn creation_date(&self) -> Result<Option<IsoDateTime>, DateError> {
        IsoDateTime::from_bytes17(&self.vd.creation_date)
    }
    /// The volume modification date.
    pub fn modification_date(&self) -> Result<Option<IsoDateTime>, DateError> {
        IsoDateTime::from_bytes17(&self.vd.modification_date)
    }
}

/// What the descriptor set holds.
pub(crate) struct DescriptorSet {
    pub primary: Volume,
    pub joliet: Option<Volume>,
    pub boot: Option<BootRecord>,
    pub descriptors: Vec<Descriptor>,
    pub terminated: bool,
    pub recognition: Vec<RecognitionEntry>,
}

fn joliet_level(escapes: &[u8; 32]) -> Option<u8> {
    let first = escapes.get(..3)?;
    JOLIET_ESCAPES.iter().zip([1u8, 2, 3]).find(|(e, _)| e[..] == *first).map(|(_, l)| l)
}

/// Reads the set from `start + 16`, where `start` is the session's first block.
pub(crate) fn read_descriptors(ctx: Ctx<'_>) -> Result<DescriptorSet, ReadError> {
    let first = u64::from(ctx.opts.session_start) + u64::from(FIRST_VD_BLOCK);
    let mut primary = None;
    let mut joliet = None;
    let mut boot = None;
    let mut descriptors = Vec::new();
    let mut terminated = false;
    let mut stopped = false;
    let mut block = first;
    for i in 0..MAX_DESCRIPTORS {
        block = first + u64::from(i);
        let bytes = match ctx.block(block, "volume descriptor") {
            Ok(b) => b,
            Err(e) if i == 0 => return Err(e),
            Err(_) if ctx.opts.lenient => {
                stopped = true;
                break;
            }
            Err(_) => return Err(ReadError::NoTerminator { block }),
        };
        let vd = match VolumeDescriptor::read_from_bytes(&bytes) {
            Ok(vd) if vd.standard_id == *STANDARD_ID => vd,
            _ if i == 0 => return Err(ReadError::NotIso { block }),
            _ if ctx.opts.lenient => {
                stopped = true;
                break;
            }
            _ => return Err(ReadError::NoTerminator { block }),
        };
        let kind = match vd.vd_type {
            vd_type::TERMINATOR => DescriptorKind::Terminator,
            vd_type::BOOT => {
                if boot.is_none() {
                    let mut system_id = [0u8; 32];
                    system_id.copy_from_slice(&bytes[7..39]);
                    let catalog = u32::from_le_bytes([bytes[71], bytes[72], bytes[73], bytes[74]]);
                    boot = Some(BootRecord { block, system_id, catalog });
                }
                DescriptorKind::Boot
            }
            vd_type::PARTITION => DescriptorKind::Partition,
            vd_type::PRIMARY if primary.is_none() => {
                primary = Some(volume(ctx, block, vd, TreeKind::Iso, None)?);
                DescriptorKind::Primary
            }
            vd_type::SUPPLEMENTARY if joliet.is_none() && vd.version == 1 && vd.flags & 1 == 0 => {
                match joliet_level(&vd.escapes) {
                    Some(level) => {
                        joliet = Some(volume(ctx, block, vd, TreeKind::Joliet, Some(level))?);
                        DescriptorKind::Joliet
                    }
                    None => DescriptorKind::Other,
                }
            }
            _ => DescriptorKind::Other,
        };
        descriptors.push(Descriptor { block, vd_type: vd.vd_type, version: vd.version, kind });
        if kind == DescriptorKind::Terminator {
            terminated = true;
            break;
        }
    }
    if !terminated && !stopped {
        return Err(ReadError::TooManyDescriptors { limit: MAX_DESCRIPTORS });
    }
    let primary = primary.ok_or(ReadError::NoPrimary { block })?;
    let recognition = if terminated { recognition_sequence(ctx, block + 1) } else { Vec::new() };
    Ok(DescriptorSet { primary, joliet, boot, descriptors, terminated, recognition })
}

/// The ECMA-167 recognition sequence starting at `block`, if any: it ends at the first block
/// that is none of its descriptors (or at the image's end).
fn recognition_sequence(ctx: Ctx<'_>, block: u64) -> Vec<RecognitionEntry> {
    let mut found = Vec::new();
    for b in block..block + u64::from(MAX_VRS) {
        let Ok(bytes) = ctx.bytes(b * BLOCK_U64, 6, "volume recognition sequence") else {
            break;
        };
        let id = match bytes.get(1..6).and_then(|s| <[u8; 5]>::try_from(s).ok()) {
            Some(id) if VRS_IDS.contains(&&id) => id,
            _ => break,
        };
        found.push(RecognitionEntry { block: b, id });
    }
    found
}

fn volume(
    ctx: Ctx<'_>,
    block: u64,
    vd: VolumeDescriptor,
    tree: TreeKind,
    joliet_level: Option<u8>,
) -> Result<Volume, ReadError> {
    if vd.version != 1 && !ctx.opts.lenient {
        return Err(ReadError::DescriptorVersion { block, version: vd.version });
    }
    let both16 = |v: &BothU16, what, offset| ctx.both16(v, what, block, offset);
    let both32 = |v: &BothU32, what, offset| ctx.both32(v, what, block, offset);
    let block_size = both16(&vd.block_size, "logical block size", 128)?;
    if usize::from(block_size) != BLOCK {
        return Err(ReadError::BlockSize { block, size: block_size });
    }
    let volume_space_size = both32(&vd.volume_space_size, "volume space size", 80)?;
    let volume_set_size = both16(&vd.volume_set_size, "volume set size", 120)?;
    let volume_seq = both16(&vd.volume_seq, "volume sequence number", 124)?;
    let path_table_size = both32(&vd.path_table_size, "path table size", 132)?;
    let root = parse_root_record(ctx, &vd.root_record, block)?;
    Ok(Volume {
        tree,
        block,
        vd: Box::new(vd),
        volume_space_size,
        path_table_size,
        volume_set_size,
        volume_seq,
        root,
        joliet_level,
    })
}
