//! The El Torito format: the boot record's identifier, the boot catalog and the boot-info
//! table.
//!
//! A bootable image carries a *boot record* (a volume descriptor of type 0, at block 17 of
//! the session, right after the primary descriptor) that points at the *boot catalog*: one
//! block of 32-byte entries. The catalog starts with a validation entry (header id 1, the
//! platform, a manufacturer id of at most 24 bytes, a checksum making its sixteen
//! little-endian words sum to zero, and the key bytes `55 AA`), then the default entry (the
//! image a BIOS boots), then optional sections (headers `0x90`, the last `0x91`), each with a
//! platform (`0xEF` for EFI) and entries of its own.
//!
//! [`Catalog`] writes and parses the catalog block; [`patch_boot_info_table`] patches a boot
//! file in memory; [`mbr_system_type`] reads the partition of a hard-disk image's MBR. What
//! the builder asks for (boot options, their checks) lives with the builder.

/// The boot system identifier of an El Torito boot record (bytes 7–38, zero padded).
pub const BOOT_SYSTEM_ID: &[u8; 23] = b"EL TORITO SPECIFICATION";
/// Bytes in one catalog entry.
pub const ENTRY_LEN: usize = 32;
/// Bytes of the catalog: one block.
pub const CATALOG_LEN: usize = 2048;
/// Most bytes of the manufacturer id in the validation entry.
pub const MAX_MANUFACTURER: usize = 24;
/// Largest boot file the emit pass patches with a boot-info table (held in memory), and the
/// verifier reads to check one.
pub const MAX_INFO_TABLE_FILE: u64 = 32 << 20;

/// Header id of the validation entry.
const VALIDATION_ID: u8 = 0x01;
/// Boot indicator of a bootable entry.
const BOOTABLE: u8 = 0x88;
/// Header id of a section header followed by more sections.
const SECTION_MORE: u8 = 0x90;
/// Header id of the final section header.
const SECTION_LAST: u8 = 0x91;
/// Indicator of a section entry extension.
const EXTENSION: u8 = 0x44;

/// A platform id of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Platform(pub u8);

impl Platform {
    /// 80x86 PC BIOS.
    pub const X86: Self = Self(0);
    /// PowerPC.
    pub const POWERPC: Self = Self(1);
    /// Macintosh.
    pub const MAC: Self = Self(2);
    /// UEFI.
    pub const EFI: Self = Self(0xEF);

    /// A short name: `x86`, `PowerPC`, `Mac`, `EFI`, or the number.
    pub fn name(self) -> String {
        match self {
            Self::X86 => "x86".into(),
            Self::POWERPC => "PowerPC".into(),
            Self::MAC => "Mac".into(),
            Self::EFI => "EFI".into(),
            Self(n) => format!("{n:#04x}"),
        }
    }
}

/// What a boot image emulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Emulation {
    /// No emulation: the BIOS loads the image's first sectors and runs them.
    NoEmulation,
    /// A 1.2 MB floppy.
    Floppy12,
    /// A 1.44 MB floppy.
    Floppy144,
    /// A 2.88 MB floppy.
    Floppy288,
    /// A hard disk (the image starts with an MBR).
    HardDisk,
}

impl Emulation {
    /// The media type of the catalog (bits 0–3): 0 to 4.
    pub fn media_type(self) -> u8 {
        match self {
            Self::NoEmulation => 0,
            Self::Floppy12 => 1,
            Self::Floppy144 => 2,
            Self::Floppy288 => 3,
            Self::HardDisk => 4,
        }
    }

    /// The emulation of media type `n` (bits 0–3 of the entry's byte 1).
    pub fn from_media_type(n: u8) -> Option<Self> {
        match n & 0x0F {
            0 => Some(Self::NoEmulation),
            1 => Some(Self::Floppy12),
            2 => Some(Self::Floppy144),
            3 => Some(Self::Floppy288),
            4 => Some(Self::HardDisk),
            _ => None,
        }
    }

    /// The size a floppy image must have.
    pub fn floppy_size(self) -> Option<u64> {
        match self {
            Self::Floppy12 => Some(1_228_800),
            Self::Floppy144 => Some(1_474_560),
            Self::Floppy288 => Some(2_949_120),
            Self::NoEmulation | Self::HardDisk => None,
        }
    }

    /// A short name: `none`, `1.2M floppy`, `1.44M floppy`, `2.88M floppy`, `hard disk`.
    pub fn name(self) -> &'static str {
        match self {
            Self::NoEmulation => "none",
            Self::Floppy12 => "1.2M floppy",
            Self::Floppy144 => "1.44M floppy",
            Self::Floppy288 => "2.88M floppy",
            Self::HardDisk => "hard disk",
        }
    }
}

/// One entry of a catalog: the default entry or a section entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogEntry {
    /// Whether the boot indicator is `0x88`.
    pub bootable: bool,
    /// Byte 1: the media type in bits 0–3 (see [`Emulation::from_media_type`]).
    pub media: u8,
    /// The load segment (0: the BIOS default 0x7C0).
    pub load_segment: u16,
    /// The system type (a hard-disk image's partition type byte).
    pub system_type: u8,
    /// Sectors of 512 bytes to load.
    pub sector_count: u16,
    /// The image's first block.
    pub lba: u32,
    /// Byte 12 of a section entry: the selection criteria type (0 in the default entry).
    pub criteria: u8,
}

impl CatalogEntry {
    /// The emulation of the media type, if it is a known one.
    pub fn emulation(&self) -> Option<Emulation> {
        Emulation::from_media_type(self.media)
    }

    fn write(&self, out: &mut [u8]) {
        out[0] = if self.bootable { BOOTABLE } else { 0 };
        out[1] = self.media;
        out[2..4].copy_from_slice(&self.load_segment.to_le_bytes());
        out[4] = self.system_type;
        out[6..8].copy_from_slice(&self.sector_count.to_le_bytes());
        out[8..12].copy_from_slice(&self.lba.to_le_bytes());
        out[12] = self.criteria;
    }

    fn read(b: &[u8], offset: usize) -> Result<Self, CatalogError> {
        let r = b.get(..ENTRY_LEN).ok_or(CatalogError::Truncated { offset })?;
        let bootable = match r[0] {
            BOOTABLE => true,
            0 => false,
            byte => return Err(CatalogError::BootIndicator { offset, byte }),
        };
        Ok(Self {
            bootable,
            media: r[1],
            load_segment: u16::from_le_bytes([r[2], r[3]]),
            system_type: r[4],
            sector_count: u16::from_le_bytes([r[6], r[7]]),
            lba: u32::from_le_bytes([r[8], r[9], r[10], r[11]]),
            criteria: r[12],
        })
    }
}

/// A section: a header and its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Its platform.
    pub platform: Platform,
    /// Its id string (bytes 4–31 of the header).
    pub id: [u8; 28],
    /// Its entries (extensions are skipped when parsing).
    pub entries: Vec<CatalogEntry>,
}

/// A boot catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    /// The platform of the validation entry (that of the default entry).
    pub platform: Platform,
    /// The manufacturer id, zero padded.
    pub manufacturer: [u8; 24],
    /// The default entry.
    pub default: CatalogEntry,
    /// The sections after it.
    pub sections: Vec<Section>,
}

/// Why bytes are not a boot catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// The entry at `offset` runs past the bytes.
    #[error("the catalog ends inside the entry at byte {offset}")]
    Truncated {
        /// The entry's offset.
        offset: usize,
    },
    /// The validation entry's header id is not 1.
    #[error("validation entry header id {0:#04x}, not 0x01")]
    HeaderId(u8),
    /// The validation entry's words do not sum to zero.
    #[error("validation entry words sum to {0:#06x}, not 0")]
    Checksum(u16),
    /// The validation entry does not end with `55 AA`.
    #[error("validation entry key bytes {:02X} {:02X}, not 55 AA", .0[0], .0[1])]
    Key([u8; 2]),
    /// An entry's boot indicator is neither `0x88` nor 0.
    #[error("boot indicator {byte:#04x} at byte {offset}")]
    BootIndicator {
        /// The entry's offset.
        offset: usize,
        /// The indicator.
        byte: u8,
    },
    /// A section header declares no entry.
    #[error("the section header at byte {offset} declares no entry")]
    EmptySection {
        /// The header's offset.
        offset: usize,
    },
}

/// The sum of the sixteen little-endian words of a validation entry (0 when valid).
pub fn validation_sum(entry: &[u8; 32]) -> u16 {
    entry.chunks_exact(2).fold(0u16, |sum, w| sum.wrapping_add(u16::from_le_bytes([w[0], w[1]])))
}

impl Catalog {
    /// The catalog block: validation entry, default entry, sections; the rest zero. `None`
    /// when it does not fit in one block.
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        let records = 2 + self.sections.iter().map(|s| 1 + s.entries.len()).sum::<usize>();
        if records * ENTRY_LEN > CATALOG_LEN {
            return None;
        }
        let mut out = vec![0u8; CATALOG_LEN];
        out[0] = VALIDATION_ID;
        out[1] = self.platform.0;
        out[4..28].copy_from_slice(&self.manufacturer);
        out[30] = 0x55;
        out[31] = 0xAA;
        let mut v = [0u8; 32];
        v.copy_from_slice(&out[..32]);
        let sum = validation_sum(&v);
        out[28..30].copy_from_slice(&0u16.wrapping_sub(sum).to_le_bytes());
        self.default.write(&mut out[32..64]);
        let mut at = 64;
        let last = self.sections.len().saturating_sub(1);
        for (i, s) in self.sections.iter().enumerate() {
            let h = &mut out[at..at + ENTRY_LEN];
            h[0] = if i == last { SECTION_LAST } else { SECTION_MORE };
            h[1] = s.platform.0;
            h[2..4].copy_from_slice(&u16::try_from(s.entries.len()).ok()?.to_le_bytes());
            h[4..32].copy_from_slice(&s.id);
            at += ENTRY_LEN;
            for e in &s.entries {
                e.write(&mut out[at..at + ENTRY_LEN]);
                at += ENTRY_LEN;
            }
        }
        Some(out)
    }

    /// Parses a catalog from its block (or any bytes holding it), checking the validation
    /// entry's header id, checksum and key bytes, every boot indicator, and that every
    /// declared entry lies within `bytes`. The catalog ends after the final section header's
    /// entries, or where no section header follows the entries.
    pub fn parse(bytes: &[u8]) -> Result<Self, CatalogError> {
        Self::parse_with(bytes, true)
    }

    /// As [`Catalog::parse`]; without `check_validation`, a bad checksum or key is accepted
    /// (what the verifier reads to report the rest too).
    pub fn parse_with(bytes: &[u8], check_validation: bool) -> Result<Self, CatalogError> {
        let v: &[u8; 32] = bytes
            .get(..ENTRY_LEN)
            .and_then(|s| s.try_into().ok())
            .ok_or(CatalogError::Truncated { offset: 0 })?;
        if v[0] != VALIDATION_ID {
            return Err(CatalogError::HeaderId(v[0]));
        }
        if check_validation {
            if v[30..32] != [0x55, 0xAA] {
                return Err(CatalogError::Key([v[30], v[31]]));
            }
            let sum = validation_sum(v);
            if sum != 0 {
                return Err(CatalogError::Checksum(sum));
            }
        }
        let mut manufacturer = [0u8; 24];
        manufacturer.copy_from_slice(&v[4..28]);
        let at = |o: usize| bytes.get(o..).unwrap_or(&[]);
        let default = CatalogEntry::read(at(ENTRY_LEN), ENTRY_LEN)?;
        let mut sections = Vec::new();
        let mut off = 2 * ENTRY_LEN;
        // Each pass consumes at least one entry of `bytes`: bounded by its length.
        while let Some(h) = bytes.get(off..off + ENTRY_LEN) {
            if h[0] != SECTION_MORE && h[0] != SECTION_LAST {
                break;
            }
            let count = usize::from(u16::from_le_bytes([h[2], h[3]]));
            if count == 0 {
                return Err(CatalogError::EmptySection { offset: off });
            }
            let mut id = [0u8; 28];
            id.copy_from_slice(&h[4..32]);
            let header = off;
            off += ENTRY_LEN;
            let end = off.saturating_add(count.saturating_mul(ENTRY_LEN));
            if end > bytes.len() {
                return Err(CatalogError::Truncated { offset: header });
            }
            let mut entries = Vec::with_capacity(count);
            while off < end {
                let r = at(off);
                if r.first() != Some(&EXTENSION) {
                    entries.push(CatalogEntry::read(r, off)?);
                }
                off += ENTRY_LEN;
            }
            sections.push(Section { platform: Platform(h[1]), id, entries });
            if h[0] == SECTION_LAST {
                break;
            }
        }
        Ok(Self { platform: Platform(v[1]), manufacturer, default, sections })
    }

    /// The manufacturer id without its zero padding.
    pub fn manufacturer_id(&self) -> String {
        let end = self.manufacturer.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        String::from_utf8_lossy(&self.manufacturer[..end]).into_owned()
    }

    /// Every entry with its platform: the default entry first, then the sections' entries.
    pub fn entries(&self) -> impl Iterator<Item = (Platform, &CatalogEntry)> {
        std::iter::once((self.platform, &self.default)).chain(
            self.sections.iter().flat_map(|s| s.entries.iter().map(move |e| (s.platform, e))),
        )
    }
}

/// The checksum of a boot-info table: the sum of the little-endian 32-bit words of `file`
/// from byte 64 on (a last partial word padded with zeros).
pub fn boot_info_checksum(file: &[u8]) -> u32 {
    file.get(64..).unwrap_or(&[]).chunks(4).fold(0u32, |sum, w| {
        let mut word = [0u8; 4];
        word[..w.len()].copy_from_slice(w);
        sum.wrapping_add(u32::from_le_bytes(word))
    })
}

/// Patches the boot-info table into bytes 8–63 of `file`: the primary descriptor's block,
/// the file's block, its length and [`boot_info_checksum`]; bytes 24–63 zero. A file shorter
/// than 64 bytes is left alone.
pub fn patch_boot_info_table(file: &mut [u8], pvd_block: u32, file_block: u32) {
    if file.len() < 64 {
        return;
    }
    let len = u32::try_from(file.len()).unwrap_or(u32::MAX);
    let sum = boot_info_checksum(file);
    file[8..12].copy_from_slice(&pvd_block.to_le_bytes());
    file[12..16].copy_from_slice(&file_block.to_le_bytes());
    file[16..20].copy_from_slice(&len.to_le_bytes());
    file[20..24].copy_from_slice(&sum.to_le_bytes());
    file[24..64].fill(0);
}

/// The system type byte of the one partition in the MBR `sector` (512 bytes).
pub fn mbr_system_type(sector: &[u8]) -> Result<u8, &'static str> {
    let s = sector.get(..512).ok_or("the image is shorter than one 512-byte sector")?;
    if s[510..512] != [0x55, 0xAA] {
        return Err("its first sector does not end with 55 AA");
    }
    let mut found = None;
    for p in s[446..510].chunks_exact(16) {
        if p[4] != 0 {
            if found.is_some() {
                return Err("its MBR holds more than one partition");
            }
            found = Some(p[4]);
        }
    }
    found.ok_or("its MBR holds no partition")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Catalog {
        let entry = |lba| CatalogEntry {
            bootable: true,
            media: 0,
            load_segment: 0,
            system_type: 0,
            sector_count: 4,
            lba,
            criteria: 0,
        };
        let mut manufacturer = [0u8; 24];
        manufacturer[..4].copy_from_slice(b"ACME");
        Catalog {
            platform: Platform::X86,
            manufacturer,
            default: entry(40),
            sections: vec![Section {
                platform: Platform::EFI,
                id: [0; 28],
                entries: vec![entry(41)],
            }],
        }
    }

    #[test]
    fn validation_entry_sums_to_zero_and_ends_with_the_key() {
        let bytes = sample().to_bytes().unwrap();
        let v: [u8; 32] = bytes[..32].try_into().unwrap();
        assert_eq!(validation_sum(&v), 0);
        assert_eq!(&bytes[30..32], &[0x55, 0xAA]);
        assert_eq!(bytes[32], 0x88);
        assert_eq!(bytes[64], 0x91);
        assert_eq!(bytes[65], 0xEF);
        assert_eq!(Catalog::parse(&bytes).unwrap(), sample());
    }

    #[test]
    fn each_rejection() {
        let good = sample().to_bytes().unwrap();
        assert_eq!(Catalog::parse(&good[..31]), Err(CatalogError::Truncated { offset: 0 }));
        assert_eq!(Catalog::parse(&good[..63]), Err(CatalogError::Truncated { offset: 32 }));
        assert_eq!(Catalog::parse(&good[..96]), Err(CatalogError::Truncated { offset: 64 }));
        let mut b = good.clone();
        b[0] = 2;
        assert_eq!(Catalog::parse(&b), Err(CatalogError::HeaderId(2)));
        let mut b = good.clone();
        b[4] ^= 1;
        assert!(matches!(Catalog::parse(&b), Err(CatalogError::Checksum(_))));
        assert!(Catalog::parse_with(&b, false).is_ok());
        let mut b = good.clone();
        b[31] = 0;
        assert_eq!(Catalog::parse(&b), Err(CatalogError::Key([0x55, 0])));
        let mut b = good.clone();
        b[32] = 0x12;
        assert_eq!(Catalog::parse(&b), Err(CatalogError::BootIndicator { offset: 32, byte: 0x12 }));
        let mut b = good.clone();
        b[66] = 0;
        assert_eq!(Catalog::parse(&b), Err(CatalogError::EmptySection { offset: 64 }));
        let mut b = good;
        b[66] = 0xFF;
        b[67] = 0xFF;
        assert_eq!(Catalog::parse(&b), Err(CatalogError::Truncated { offset: 64 }));
    }

    #[test]
    fn boot_info_table_fields() {
        let mut file: Vec<u8> = (0..100u8).collect();
        patch_boot_info_table(&mut file, 16, 33);
        assert_eq!(&file[8..12], &16u32.to_le_bytes());
        assert_eq!(&file[12..16], &33u32.to_le_bytes());
        assert_eq!(&file[16..20], &100u32.to_le_bytes());
        // Words from 64: 64..99, the last one (96..99) whole.
        let mut sum = 0u32;
        for w in (64..100u32).step_by(4) {
            sum = sum.wrapping_add(u32::from_le_bytes([
                w as u8,
                w as u8 + 1,
                w as u8 + 2,
                w as u8 + 3,
            ]));
        }
        assert_eq!(&file[20..24], &sum.to_le_bytes());
        assert!(file[24..64].iter().all(|&b| b == 0));
        assert_eq!(boot_info_checksum(&[0u8; 65][..]), 0);
        let mut odd = vec![0u8; 66];
        odd[65] = 1;
        assert_eq!(boot_info_checksum(&odd), 0x100);
    }

    #[test]
    fn mbr_partitions() {
        let mut s = vec![0u8; 512];
        assert!(mbr_system_type(&s).is_err());
        s[510] = 0x55;
        s[511] = 0xAA;
        assert_eq!(mbr_system_type(&s), Err("its MBR holds no partition"));
        s[446 + 16 + 4] = 0x0C;
        assert_eq!(mbr_system_type(&s), Ok(0x0C));
        s[446 + 4] = 0x83;
        assert_eq!(mbr_system_type(&s), Err("its MBR holds more than one partition"));
        assert!(mbr_system_type(&s[..100]).is_err());
    }
}
