//! El Torito rules: where the boot record is, the catalog's validation entry, where its
//! entries point, and the boot-info table of a no-emulation image that carries one.

use super::{Findings, Rule};
use crate::format::eltorito::{
    boot_info_checksum, validation_sum, Catalog, Emulation, MAX_INFO_TABLE_FILE,
};
use crate::format::raw::{BLOCK_U64, FIRST_VD_BLOCK};
use crate::read::{Image, ReadAt};

/// Checks the boot record and catalog of `image`, if it has an El Torito boot record.
pub(crate) fn check<S: ReadAt>(image: &Image<S>, f: &mut Findings) {
    let Some(br) = image.boot_record().filter(|b| b.is_el_torito()) else { return };
    let session = u64::from(image.options().session_start);
    let expected = session + u64::from(FIRST_VD_BLOCK) + 1;
    if br.block != expected {
        let msg = format!("the El Torito boot record is at block {}, not {expected}", br.block);
        f.push(Rule::ElToritoBlock, msg);
    }
    let end_blocks =
        (session + u64::from(image.primary().volume_space_size())).min(image.len() / BLOCK_U64);
    let cat_block = u64::from(br.catalog);
    if cat_block >= end_blocks || cat_block < session + u64::from(FIRST_VD_BLOCK) {
        let msg = format!(
            "the boot record points at the catalog in block {cat_block}, outside the volume \
             (blocks {}..{end_blocks})",
            session + u64::from(FIRST_VD_BLOCK)
        );
        f.push(Rule::ElToritoExtent, msg);
        return;
    }
    let bytes = match image.block(cat_block) {
        Ok(b) => b,
        Err(e) => {
            f.push(Rule::ElToritoCatalog, format!("catalog at block {cat_block}: {e}"));
            return;
        }
    };
    let mut validation = [0u8; 32];
    validation.copy_from_slice(&bytes[..32]);
    let sum = validation_sum(&validation);
    if sum != 0 {
        let msg = format!("catalog at block {cat_block}: validation entry words sum to {sum:#06x}");
        f.push(Rule::ElToritoChecksum, msg);
    }
    if validation[30..32] != [0x55, 0xAA] {
        let msg = format!(
            "catalog at block {cat_block}: validation entry ends with {:02X} {:02X}, not 55 AA",
            validation[30], validation[31]
        );
        f.push(Rule::ElToritoKey, msg);
    }
    let catalog = match Catalog::parse_with(&bytes, false) {
        Ok(c) => c,
        Err(e) => {
            f.push(Rule::ElToritoCatalog, format!("catalog at block {cat_block}: {e}"));
            return;
        }
    };
    for (i, (platform, e)) in catalog.entries().enumerate() {
        let what = if i == 0 { "default entry".to_string() } else { format!("entry {i}") };
        let Some(emulation) = e.emulation() else {
            let msg = format!("catalog: {what}: unknown media type {:#04x}", e.media);
            f.push(Rule::ElToritoCatalog, msg);
            continue;
        };
        let bytes = match emulation.floppy_size() {
            Some(size) => size,
            None if emulation == Emulation::HardDisk => 512,
            None => u64::from(e.sector_count.max(1)) * 512,
        };
        let last = u64::from(e.lba) + bytes.div_ceil(BLOCK_U64);
        if u64::from(e.lba) < session + u64::from(FIRST_VD_BLOCK) || last > end_blocks {
            let msg = format!(
                "catalog: {what} ({}, {}) points at blocks {}..{last}, outside the volume \
                 (which ends at block {end_blocks})",
                platform.name(),
                emulation.name(),
                e.lba
            );
            f.push(Rule::ElToritoExtent, msg);
        } else if emulation == Emulation::NoEmulation {
            check_info_table(image, &what, e.lba, end_blocks, f);
        }
    }
}

/// A no-emulation boot image carries a boot-info table when bytes 8–15 name the primary
/// descriptor's block and the image's own block (what mkisofs' `-boot-info-table` and ours
/// write); then the length at 16 must keep the file in the volume, and the checksum at 20 must
/// be the sum of the file's words from byte 64.
fn check_info_table<S: ReadAt>(
    image: &Image<S>,
    what: &str,
    lba: u32,
    end_blocks: u64,
    f: &mut Findings,
) {
    let Ok(first) = image.block(u64::from(lba)) else { return };
    let word = |at: usize| {
        let mut w = [0u8; 4];
        w.copy_from_slice(first.get(at..at + 4).unwrap_or(&[0; 4]));
        u32::from_le_bytes(w)
    };
    let pvd = u64::from(image.options().session_start) + u64::from(FIRST_VD_BLOCK);
    if u64::from(word(8)) != pvd || word(12) != lba {
        return;
    }
    let (len, sum) = (u64::from(word(16)), word(20));
    let last = u64::from(lba) + len.div_ceil(BLOCK_U64);
    if !(64..=MAX_INFO_TABLE_FILE).contains(&len) || last > end_blocks {
        let msg = format!(
            "catalog: {what}: the boot-info table at block {lba} gives a length of {len} bytes, \
             outside 64..={MAX_INFO_TABLE_FILE} or past the volume's end (block {end_blocks})"
        );
        f.push(Rule::ElToritoInfoTable, msg);
        return;
    }
    let Ok(len) = usize::try_from(len) else { return };
    let Ok(file) = image.ctx().bytes(u64::from(lba) * BLOCK_U64, len, "boot image") else {
        return;
    };
    let got = boot_info_checksum(&file);
    if got != sum {
        let msg = format!(
            "catalog: {what}: the boot-info table at block {lba} records checksum {sum:#010x}; \
             the file's words from byte 64 sum to {got:#010x}"
        );
        f.push(Rule::ElToritoInfoTable, msg);
    }
}
