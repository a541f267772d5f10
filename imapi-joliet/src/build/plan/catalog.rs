//! The El Torito catalog of a plan: the boot options checked against the tree and the file
//! extents, as catalog entries.

use crate::build::boot::{read_sector, BootEntry, BootError, BootOptions, DEFAULT_LOAD_SECTORS};
use crate::build::error::Error;
use crate::build::layout::Files;
use crate::build::tree::{Content, Kind, Tree};
use crate::format::eltorito::{mbr_system_type, Catalog, CatalogEntry, Emulation, Platform};
use crate::format::eltorito::{Section, MAX_INFO_TABLE_FILE, MAX_MANUFACTURER};

/// The El Torito catalog of `boot`, from the extents just assigned to `files`; notes in
/// `files` the boot files to patch with a boot-info table.
pub(super) fn plan_catalog(
    tree: &Tree,
    boot: &BootOptions,
    files: &mut Files,
) -> Result<Catalog, Error> {
    let first = boot.entries.first().ok_or(BootError::NoEntries)?;
    if boot.manufacturer.len() > MAX_MANUFACTURER || !boot.manufacturer.is_ascii() {
        return Err(BootError::Manufacturer(boot.manufacturer.clone()).into());
    }
    let mut manufacturer = [0u8; MAX_MANUFACTURER];
    manufacturer[..boot.manufacturer.len()].copy_from_slice(boot.manufacturer.as_bytes());
    let mut entries = Vec::with_capacity(boot.entries.len());
    for e in &boot.entries {
        entries.push((e.platform, boot_entry(tree, e, files)?));
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
    Ok(catalog)
}

/// The catalog entry of one boot image, with its checks.
fn boot_entry(tree: &Tree, e: &BootEntry, files: &mut Files) -> Result<CatalogEntry, Error> {
    let id = e.image;
    let path = || tree.path(id);
    let (size, content) = match tree.nodes.get(id.index()).map(|n| n.kind) {
        Some(Kind::File { size, content }) => (size, content),
        _ => {
            let path = if id.index() < tree.nodes.len() { path() } else { String::new() };
            return Err(BootError::NotAFile { path }.into());
        }
    };
    let lba = files.extents.get(content as usize).copied().unwrap_or(u32::MAX);
    let written = files.order.iter().any(|&n| tree.content_key(n) == Some(content));
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
            let sector = read_sector(&mut r).map_err(read)?;
            system_type = mbr_system_type(&sector)
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
        if !files.info_tables.contains(&content) {
            files.info_tables.push(content);
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
