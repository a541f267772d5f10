//! `imapi mkiso`: build an ISO 9660 + Joliet image from host files and folders.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use globset::{Glob, GlobSetBuilder};
use imapi_joliet::{BootEntry, BootOptions, Emulation, Platform};
use imapi_joliet::{EmitOptions, HostOptions, IsoLevel, Overwrite, PlanOptions, Tree, Warning};

use crate::error::coded;
use crate::progress;
use crate::values;

/// Arguments of `imapi mkiso`.
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("bootable").multiple(true).args(["boot", "efi_boot"])))]
pub struct Args {
    /// Output image (`-` for standard output).
    #[arg(short = 'o', long = "output", value_name = "OUT.iso")]
    output: PathBuf,
    /// Volume name (default: the date). Longer than the field holds is an error.
    #[arg(short = 'V', long = "volume", value_name = "NAME")]
    volume: Option<String>,
    /// ISO 9660 interchange level.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=3))]
    iso_level: u8,
    /// Fix every time stamp to this RFC 3339 date (else SOURCE_DATE_EPOCH, else file times).
    #[arg(long, value_name = "RFC3339", value_parser = values::rfc3339)]
    date: Option<DateTime<FixedOffset>>,
    /// Write the ISO 9660 tree only.
    #[arg(long)]
    no_joliet: bool,
    /// A later source replaces a file already at the same image path.
    #[arg(long)]
    overwrite: bool,
    /// Leave out host entries whose name or relative path matches.
    #[arg(long, value_name = "GLOB", value_parser = values::glob)]
    exclude: Vec<Glob>,
    /// Publisher identifier.
    #[arg(long, value_name = "S")]
    publisher: Option<String>,
    /// Data preparer identifier.
    #[arg(long, value_name = "S")]
    preparer: Option<String>,
    /// Application identifier.
    #[arg(long, value_name = "S")]
    application: Option<String>,
    /// Follow symbolic links (loops are detected).
    #[arg(long)]
    follow_links: bool,
    /// Add Rock Ridge (RRIP 1.12) to the ISO 9660 tree, so POSIX modes, owners, times,
    /// symbolic links, device nodes, FIFOs, hard-link counts and long names survive on Linux
    /// and other Unix systems. Off by default: the image is then what IMAPI v1 writes
    /// (ISO 9660 + Joliet, for Windows).
    #[arg(long)]
    rock_ridge: bool,
    /// With --rock-ridge, move directories deeper than ISO 9660's 8 levels to /rr_moved in
    /// the ISO 9660 tree (Rock Ridge relocation; readers show them in place). Without it deep
    /// trees are kept as they are, with a warning.
    #[arg(long, requires = "rock_ridge")]
    rr_relocate: bool,
    /// With --rock-ridge, record the attributes `mkisofs -r` does: owner and group 0, files
    /// readable by all and writable by none, executable by all when by anyone, no set-id or
    /// sticky bits. For discs meant for other machines.
    #[arg(long, requires = "rock_ridge")]
    rr_rationalize: bool,
    /// Print the image size in 2048-byte blocks and write nothing.
    #[arg(long)]
    print_size: bool,
    /// No progress bar and no warnings.
    #[arg(short, long)]
    quiet: bool,
    /// Make the image bootable (El Torito) with the image file at this image path as the
    /// default (x86 BIOS) entry, as `mkisofs -b` does.
    #[arg(long, value_name = "IMG")]
    boot: Option<String>,
    /// What the `--boot` image emulates; `floppy` picks 1.2, 1.44 or 2.88 MB from its size.
    #[arg(long, value_enum, default_value_t = BootEmulation::None, requires = "boot")]
    boot_emulation: BootEmulation,
    /// Sectors of 512 bytes the BIOS loads from a no-emulation `--boot` image (default 4, or
    /// the whole image when smaller).
    #[arg(long, value_name = "N", requires = "boot",
          value_parser = clap::value_parser!(u16).range(1..))]
    boot_load_size: Option<u16>,
    /// Patch a boot-info table into bytes 8–63 of the `--boot` image (ISOLINUX needs it).
    #[arg(long, requires = "boot")]
    boot_info_table: bool,
    /// Add an EFI boot entry (platform 0xEF, no emulation) for the image file at this path.
    #[arg(long, value_name = "IMG")]
    efi_boot: Option<String>,
    /// Show the boot catalog as a file of one block at this image path (as `mkisofs -c`;
    /// ISOLINUX setups expect `boot.cat` beside the boot image). Hidden by default.
    #[arg(long, value_name = "PATH", requires = "bootable")]
    boot_catalog: Option<String>,
    /// The manufacturer id of the catalog's validation entry (ASCII, at most 24 bytes; IMAPI's
    /// BootImageManufacturerIDString). Empty by default.
    #[arg(long, value_name = "TEXT", requires = "bootable")]
    boot_id: Option<String>,
    /// `HOSTPATH` (a folder adds its contents at the root) or `IMAGEPATH=HOSTPATH`.
    #[arg(required = true, value_name = "SOURCE")]
    sources: Vec<String>,
}

/// What a `--boot` image emulates.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootEmulation {
    /// No emulation.
    None,
    /// A floppy of 1.2, 1.44 or 2.88 MB, after the image's size.
    Floppy,
    /// A hard disk whose MBR holds one partition.
    HardDisk,
}

impl BootEmulation {
    /// The El Torito emulation for a boot image of `size` bytes: `Floppy` picks 1.2 or
    /// 2.88 MB by size, and 1.44 MB for any other (the plan then names the size it needs).
    pub fn for_image(self, size: u64) -> Emulation {
        match self {
            Self::None => Emulation::NoEmulation,
            Self::HardDisk => Emulation::HardDisk,
            Self::Floppy => match size {
                1_228_800 => Emulation::Floppy12,
                2_949_120 => Emulation::Floppy288,
                _ => Emulation::Floppy144,
            },
        }
    }
}

/// An image path split into its folders and its last name, without leading or trailing `/`
/// (`("", "")` for the root).
pub fn split_image_path(path: &str) -> (&str, &str) {
    let trimmed = path.trim_matches('/');
    trimmed.rsplit_once('/').unwrap_or(("", trimmed))
}

/// The El Torito options of `args`, with the boot images looked up in `tree`.
fn boot_options(args: &Args, tree: &Tree) -> anyhow::Result<Option<BootOptions>> {
    let find = |path: &str, flag: &str| {
        tree.lookup(path)
            .filter(|&id| !tree.is_dir(id))
            .ok_or_else(|| anyhow::anyhow!("{flag} {path:?}: no file at this path in the image"))
    };
    let mut entries = Vec::new();
    if let Some(path) = &args.boot {
        let image = find(path, "--boot")?;
        let emulation = args.boot_emulation.for_image(tree.file_size(image));
        if args.boot_load_size.is_some() && emulation != Emulation::NoEmulation {
            anyhow::bail!("--boot-load-size applies to a no-emulation image only");
        }
        entries.push(BootEntry {
            emulation,
            load_size: args.boot_load_size,
            boot_info_table: args.boot_info_table,
            ..BootEntry::new(image)
        });
    }
    if let Some(path) = &args.efi_boot {
        let image = find(path, "--efi-boot")?;
        entries.push(BootEntry { platform: Platform::EFI, ..BootEntry::new(image) });
    }
    if entries.is_empty() {
        return Ok(None);
    }
    let manufacturer = args.boot_id.clone().unwrap_or_default();
    Ok(Some(BootOptions { manufacturer, entries }))
}

/// Adds the visible boot catalog of `--boot-catalog PATH` to `tree`.
fn add_boot_catalog(tree: &mut Tree, path: &str) -> anyhow::Result<()> {
    let (dirs, name) = split_image_path(path);
    let parent = tree.add_dirs(dirs).map_err(joliet_error)?;
    tree.add_boot_catalog(parent, name, Overwrite::Deny).map_err(|e| match e {
        imapi_joliet::Error::FileExists { .. } => {
            anyhow::anyhow!("--boot-catalog {path:?}: a source already puts a file or folder there")
        }
        e => joliet_error(e),
    })?;
    Ok(())
}

/// One SOURCE argument: where in the image, and which host path.
#[derive(Debug, PartialEq, Eq)]
pub struct SourceArg {
    /// The image path, when given as `IMAGEPATH=HOSTPATH`.
    pub image_path: Option<String>,
    /// The host path.
    pub host: PathBuf,
}

/// Splits `IMAGEPATH=HOSTPATH` at the first `=` not written `\=`, and unescapes `\=`.
pub fn parse_source(arg: &str) -> SourceArg {
    let bytes = arg.as_bytes();
    let mut split = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1) == Some(&b'=') => i += 2,
            b'=' => {
                split = Some(i);
                break;
            }
            _ => i += 1,
        }
    }
    let unescape = |s: &str| s.replace("\\=", "=");
    match split {
        Some(at) => SourceArg {
            image_path: Some(unescape(&arg[..at])),
            host: PathBuf::from(unescape(&arg[at + 1..])),
        },
        None => SourceArg { image_path: None, host: PathBuf::from(unescape(arg)) },
    }
}

/// The fixed time stamp: `--date` (parsed by clap), else `SOURCE_DATE_EPOCH`, else none.
pub(crate) fn fixed_date(
    date: Option<DateTime<FixedOffset>>,
) -> anyhow::Result<Option<DateTime<FixedOffset>>> {
    if date.is_some() {
        return Ok(date);
    }
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.trim().is_empty() => {
            let secs: i64 = v
                .trim()
                .parse()
                .with_context(|| format!("SOURCE_DATE_EPOCH {v:?} is not a number"))?;
            let d = Utc
                .timestamp_opt(secs, 0)
                .single()
                .with_context(|| format!("SOURCE_DATE_EPOCH {v:?} is out of range"))?;
            Ok(Some(d.fixed_offset()))
        }
        _ => Ok(None),
    }
}

/// Turns a library error into a CLI error carrying its IMAPI code.
pub fn joliet_error(e: imapi_joliet::Error) -> anyhow::Error {
    let mut msg = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        msg.push_str(": ");
        msg.push_str(&c.to_string());
        cause = c.source();
    }
    match e.imapi_code() {
        Some(code) => coded(code, msg),
        None => anyhow::anyhow!(msg),
    }
}

fn print_warnings(warnings: &[Warning], quiet: bool) {
    if quiet {
        return;
    }
    const MAX: usize = 20;
    for w in warnings.iter().take(MAX) {
        eprintln!("warning: {w}");
    }
    if warnings.len() > MAX {
        eprintln!("warning: ... and {} more", warnings.len() - MAX);
    }
}

/// Runs `imapi mkiso`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let level = IsoLevel::from_number(args.iso_level).context("--iso-level takes 1, 2 or 3")?;
    let mut exclude = GlobSetBuilder::new();
    for g in &args.exclude {
        exclude.add(g.clone());
    }
    let host_opts = HostOptions {
        follow_links: args.follow_links,
        exclude: if args.exclude.is_empty() { None } else { Some(exclude.build()?) },
        overwrite: if args.overwrite { Overwrite::Replace } else { Overwrite::Deny },
        posix: args.rock_ridge,
    };

    let mut tree = Tree::new();
    let mut warnings = Vec::new();
    for arg in &args.sources {
        let src = parse_source(arg);
        let added = match &src.image_path {
            None => tree.add_host(tree.root(), &src.host, &host_opts),
            Some(image_path) => match split_image_path(image_path) {
                (_, "") => tree.add_host(tree.root(), &src.host, &host_opts),
                (dirs, name) => tree
                    .add_dirs(dirs)
                    .and_then(|parent| tree.add_host_as(parent, name, &src.host, &host_opts)),
            },
        };
        warnings.extend(added.map_err(joliet_error)?);
    }

    let boot = boot_options(&args, &tree)?;
    if let Some(path) = &args.boot_catalog {
        add_boot_catalog(&mut tree, path)?;
    }
    let mut opts = PlanOptions {
        boot,
        level,
        joliet: !args.no_joliet,
        volume_name: args.volume.clone(),
        date: fixed_date(args.date)?,
        rock_ridge: args.rock_ridge,
        relocate_deep: args.rr_relocate,
        rationalize: args.rr_rationalize,
        ..PlanOptions::default()
    };
    if let Some(p) = args.publisher {
        opts.publisher = p;
    }
    if let Some(p) = args.preparer {
        opts.preparer = p;
    }
    if let Some(a) = args.application {
        opts.application = a;
    }
    let plan = tree.plan(&opts).map_err(joliet_error)?;
    warnings.extend(plan.warnings().iter().cloned());
    print_warnings(&warnings, args.quiet);

    if args.print_size {
        println!("{}", plan.image_blocks());
        return Ok(());
    }

    let cancel = Arc::new(AtomicBool::new(false));
    {
        let flag = cancel.clone();
        // Ctrl-C raises the flag; the pass stops and removes its partial output.
        let _ = ctrlc::set_handler(move || flag.store(true, std::sync::atomic::Ordering::Relaxed));
    }
    let bar = progress::bytes_bar(plan.image_len(), args.quiet, "mkiso");
    let mut on_progress = |done: u64, _total: u64| bar.set_position(done);
    let emit_opts = EmitOptions { progress: Some(&mut on_progress), cancel: Some(&cancel) };
    if args.output.as_os_str() == "-" {
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        plan.emit_with(&mut lock, emit_opts).map_err(joliet_error)?;
        lock.flush()?;
    } else {
        plan.write_to_path(&args.output, emit_opts).map_err(joliet_error)?;
    }
    bar.finish_and_clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_split_at_the_first_unescaped_equals() {
        assert_eq!(parse_source("dir"), SourceArg { image_path: None, host: "dir".into() });
        assert_eq!(
            parse_source("a/b=host/x"),
            SourceArg { image_path: Some("a/b".into()), host: "host/x".into() }
        );
        assert_eq!(
            parse_source(r"a\=b=c\=d"),
            SourceArg { image_path: Some("a=b".into()), host: "c=d".into() }
        );
        assert_eq!(parse_source(r"x\=y"), SourceArg { image_path: None, host: "x=y".into() });
    }
}
