//! `imapi extract IMAGE DESTDIR [PATH...]`: writes the image's tree, or the PATHs (a file, or a
//! directory with everything below it), below DESTDIR, at their paths in the image. File and
//! folder times are set from the records' dates. DESTDIR is created when missing; folders
//! already there are merged into.
//!
//! From the Rock Ridge tree (the default when the image has it) extract also restores
//! permission bits (without set-user-id and set-group-id: an image is untrusted input, and
//! a set-id program taken from it must be made so on purpose), modification times from `TF`,
//! symbolic links (made as links, never followed), and FIFOs. Device nodes are made only
//! where the system allows it (as root); elsewhere they are skipped with a warning, as are
//! sockets. Owners are not restored.
//!
//! # Security
//!
//! Nothing is ever written outside DESTDIR, whatever the names in the image:
//!
//! - every name in the image (and every component of a PATH) must be one plain component:
//!   empty names, `.`, `..`, names holding `/`, `\`, `:` (drive letters, streams) or control
//!   characters (NUL included) are refused, and the image is refused before anything is
//!   written;
//! - no symbolic link below DESTDIR is followed: folders are opened relative to their parent
//!   with `O_NOFOLLOW`, so a link there (even one planted during the run) is an error;
//! - a symbolic link from the image is created as a link and nothing is ever written through
//!   it: a later entry below its name fails instead (see the rule above);
//! - an existing file is never overwritten: such a file is exit 1, found before anything is
//!   written, and each file is written under a temporary name and moved to its own only if
//!   nothing is there (`RENAME_NOREPLACE`). A failed run leaves no partial file.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, Context};
use imapi_codes::ImapiCode;
use imapi_joliet::read::{FileType, View};
use imapi_joliet::Entry;
use indicatif::ProgressBar;

use crate::error::coded;
use crate::image_file::{self, read_error, ImageFile};
use crate::progress;
use crate::safe_dir::{check_name, Node, SafeDir};
use crate::tree_arg::TreeArgs;

/// Arguments of `imapi extract`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The image file, or a recorder (`sim:PATH`, `/dev/sr0`): then the disc in it is read
    /// from its last session.
    #[arg(value_name = "IMAGE")]
    image: PathBuf,
    /// The folder to write into (created when missing). Nothing is written outside it.
    #[arg(value_name = "DESTDIR")]
    dest: PathBuf,
    /// Extract only these files or directories (paths in the image).
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
    #[command(flatten)]
    tree: TreeArgs,
    /// No progress bar and no warnings (a device node or socket skipped).
    #[arg(short, long)]
    quiet: bool,
}

/// One entry to write, at `parts` below DESTDIR.
struct Item<'a> {
    parts: Vec<String>,
    entry: Entry<'a>,
}

/// Runs `imapi extract`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let image = image_file::open(&args.image, false)?;
    let view = args.tree.view(&image);
    let items = select(&image, view, &args)?;
    precheck(&args.dest, &items)?;
    let root = SafeDir::create_root(&args.dest)
        .with_context(|| format!("cannot create {}", args.dest.display()))?;
    let total = items.iter().filter(|i| !i.entry.is_dir()).map(|i| i.entry.size()).sum();
    let bar = progress::bytes_bar(total, args.quiet, "extracting");
    let mut stack: Vec<(String, SafeDir)> = Vec::new();
    for item in &items {
        let Some((name, parents)) = item.parts.split_last() else { continue };
        let common = stack.iter().zip(parents).take_while(|((n, _), p)| n == *p).count();
        stack.truncate(common);
        for p in parents.get(common..).unwrap_or_default() {
            let dir =
                stack.last().map_or(&root, |(_, d)| d).subdir(p).map_err(|e| host(&root, p, e))?;
            stack.push((p.clone(), dir));
        }
        let dir = stack.last().map_or(&root, |(_, d)| d);
        match item.entry.file_type() {
            FileType::Directory => {
                dir.subdir(name).map_err(|e| host(dir, name, e))?;
            }
            FileType::Regular | FileType::Unknown => {
                write_file(&image, &args.image, dir, name, &item.entry, &bar)?;
            }
            _ => special(dir, name, &item.entry, args.quiet)?,
        }
    }
    bar.finish_and_clear();
    // Folder modes and times last, deepest first: writing into a folder changes its time,
    // and a folder without write permission could not be written into.
    for item in items.iter().rev().filter(|i| i.entry.is_dir()) {
        let (t, mode) = (mtime(&item.entry), restored_mode(&item.entry));
        if t.is_none() && mode.is_none() {
            continue;
        }
        let mut dir = SafeDir::create_root(&args.dest)?;
        for p in &item.parts {
            dir = dir.open_subdir(p).map_err(|e| host(&dir, p, e))?;
        }
        if let Some(t) = t {
            dir.set_modified(t)
                .with_context(|| format!("cannot set the time of {}", dir.path().display()))?;
        }
        if let Some(mode) = mode {
            dir.set_mode(mode)
                .with_context(|| format!("cannot set the mode of {}", dir.path().display()))?;
        }
    }
    Ok(())
}

/// The permission bits to give an extracted entry: Rock Ridge's, without set-user-id and
/// set-group-id; `None` without Rock Ridge.
fn restored_mode(entry: &Entry<'_>) -> Option<u32> {
    entry.rock_ridge().and_then(|rr| rr.mode).map(|m| m & 0o1777)
}

/// Creates a symbolic link, FIFO or device node; sockets, and devices the system refuses to
/// make, are skipped with a warning.
fn special(dir: &SafeDir, name: &str, entry: &Entry<'_>, quiet: bool) -> anyhow::Result<()> {
    let rr = entry.rock_ridge();
    let mode = restored_mode(entry).unwrap_or(0o644);
    let at = dir.path().join(name);
    let warn = |why: &str| {
        if !quiet {
            eprintln!("warning: {}: {why}; skipped", at.display());
        }
    };
    let dev = rr.and_then(|r| r.rdev).map(|d| rustix_dev(d.high, d.low));
    let made = match entry.file_type() {
        FileType::Symlink => {
            let target = rr.and_then(|r| r.symlink.as_deref()).unwrap_or_default();
            dir.create_symlink(name, target)
        }
        FileType::Fifo => dir.create_fifo(name, mode),
        FileType::CharDevice => dir.create_device(name, Node::Char(dev.unwrap_or(0)), mode),
        FileType::BlockDevice => dir.create_device(name, Node::Block(dev.unwrap_or(0)), mode),
        _ => {
            warn("a socket cannot be extracted");
            return Ok(());
        }
    };
    match made {
        Ok(()) => {}
        Err(e)
            if matches!(entry.file_type(), FileType::CharDevice | FileType::BlockDevice)
                && e.kind() == std::io::ErrorKind::PermissionDenied =>
        {
            warn("a device node needs privilege to be made");
            return Ok(());
        }
        Err(e) => return Err(host(dir, name, e)),
    }
    if let Some(t) = mtime(entry) {
        dir.set_modified_at(name, t).map_err(|e| host(dir, name, e))?;
    }
    Ok(())
}

/// A device number from the two halves of a `PN` entry (major, minor).
fn rustix_dev(high: u32, low: u32) -> u64 {
    let (major, minor) = (u64::from(high), u64::from(low));
    // The Linux encoding of dev_t (as glibc's makedev).
    ((major & 0xffff_f000) << 32)
        | ((major & 0x0000_0fff) << 8)
        | ((minor & 0xffff_ff00) << 12)
        | (minor & 0x0000_00ff)
}

/// The entries to write, every name checked, in walk order (a folder before its contents).
fn select<'a>(image: &'a ImageFile, view: View, args: &Args) -> anyhow::Result<Vec<Item<'a>>> {
    let fail = |e| read_error(&args.image, e);
    let mut items = Vec::new();
    let whole = args.paths.iter().all(|p| p.split('/').all(str::is_empty));
    if whole {
        add_walk(image.walk_view(view).map_err(fail)?, &args.image, &mut items)?;
        return Ok(items);
    }
    for path in &args.paths {
        let parts: Vec<String> =
            path.split('/').filter(|c| !c.is_empty()).map(String::from).collect();
        for c in &parts {
            check_name(c).map_err(|why| anyhow!("{path:?}: {c:?} is {why}"))?;
        }
        let entry = image.lookup_view(view, path).map_err(fail)?;
        if entry.is_dir() {
            let walk = image.walk_dir(&entry, &parts.join("/")).map_err(fail)?;
            items.push(Item { parts, entry });
            add_walk(walk, &args.image, &mut items)?;
        } else {
            items.push(Item { parts, entry });
        }
    }
    Ok(items)
}

fn add_walk<'a>(
    walk: imapi_joliet::read::Walk<'a>,
    image: &Path,
    items: &mut Vec<Item<'a>>,
) -> anyhow::Result<()> {
    for e in walk {
        let e = e.map_err(|e| read_error(image, e))?;
        // The walk gives a folder before its contents, so the names above this one were
        // checked already and `/` splits the path into exactly its names.
        check_name(e.entry.name()).map_err(|why| {
            let what = format!("{}: {:?} is {why}; nothing was extracted", image.display(), e.path);
            coded(ImapiCode::InvalidImage, what)
        })?;
        items.push(Item { parts: e.path.split('/').map(String::from).collect(), entry: e.entry });
    }
    Ok(())
}

/// Refuses, before anything is written, files that exist and folders that are not folders.
fn precheck(dest: &Path, items: &[Item<'_>]) -> anyhow::Result<()> {
    let mut checked = std::collections::HashSet::new();
    for item in items {
        let mut at = dest.to_path_buf();
        for (i, part) in item.parts.iter().enumerate() {
            at.push(part);
            let last = i + 1 == item.parts.len();
            let wants_dir = !last || item.entry.is_dir();
            if !checked.insert(at.clone()) {
                continue;
            }
            let Ok(meta) = std::fs::symlink_metadata(&at) else { continue };
            if !wants_dir {
                return Err(coded(
                    ImapiCode::FileExists,
                    format!("{} exists; extract overwrites nothing", at.display()),
                ));
            }
            if meta.file_type().is_symlink() || !meta.is_dir() {
                return Err(anyhow!(
                    "{} is not a folder (a link or a file); extract follows no link",
                    at.display()
                ));
            }
        }
    }
    Ok(())
}

fn write_file(
    image: &ImageFile,
    image_path: &Path,
    dir: &SafeDir,
    name: &str,
    entry: &Entry<'_>,
    bar: &ProgressBar,
) -> anyhow::Result<()> {
    let mut new = dir.create_file(name).map_err(|e| host(dir, name, e))?;
    let mut reader = image.open(entry).map_err(|e| read_error(image_path, e))?;
    let out = new.file()?;
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = reader
            .read(&mut buf)
            .with_context(|| format!("{}: cannot read {name:?}", image_path.display()))?;
        if n == 0 {
            break;
        }
        let chunk = buf.get(..n).unwrap_or_default();
        out.write_all(chunk).map_err(|e| host(dir, name, e))?;
        bar.inc(chunk.len() as u64);
    }
    if let Some(t) = mtime(entry) {
        out.set_modified(t).map_err(|e| host(dir, name, e))?;
    }
    if let Some(mode) = restored_mode(entry) {
        set_file_mode(out, mode).map_err(|e| host(dir, name, e))?;
    }
    new.commit().map_err(|e| host(dir, name, e))
}

#[cfg(unix)]
fn set_file_mode(file: &std::fs::File, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_file_mode(_file: &std::fs::File, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// A host failure at `name` in `dir`; an existing file is `IMAPI_E_FILEEXISTS`.
fn host(dir: &SafeDir, name: &str, e: std::io::Error) -> anyhow::Error {
    let at = dir.path().join(name);
    if e.kind() == std::io::ErrorKind::AlreadyExists {
        coded(ImapiCode::FileExists, format!("{}: {e}; extract overwrites nothing", at.display()))
    } else {
        anyhow::Error::new(e).context(format!("cannot write {}", at.display()))
    }
}

/// The entry's recording date as a host time.
fn mtime(entry: &Entry<'_>) -> Option<SystemTime> {
    let secs = entry.mtime()?;
    match u64::try_from(secs) {
        Ok(s) => UNIX_EPOCH.checked_add(Duration::from_secs(s)),
        Err(_) => UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs())),
    }
}
