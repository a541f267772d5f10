//! `hadris-mkiso OUT.iso DIR`: an ISO 9660 level 3 + Joliet image of DIR, made by hadris-iso.

use hadris_fs::host::{read_tree, TreeOptions};
use hadris_iso::{IsoId, IsoLevel, IsoOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(out), Some(dir)) = (args.next(), args.next()) else {
        return Err("usage: hadris-mkiso OUT.iso DIR".into());
    };
    let (tree, skipped) = read_tree(&dir, &TreeOptions::new())?;
    if !skipped.is_empty() {
        eprintln!("{} entries skipped", skipped.len());
    }
    let options = IsoOptions::default()
        .with_id(IsoId::Volume, "BENCH")
        .with_level(IsoLevel::L3)
        .with_joliet();
    let file = std::fs::File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&out)?;
    hadris_iso::sync::write(hadris_storage::host::FileDevice::new(file)?, &tree, &options)?;
    Ok(())
}
