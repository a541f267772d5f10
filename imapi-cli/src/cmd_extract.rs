//! `imapi extract IMAGE DESTDIR [PATH...]`: writes the image's tree, or the PATHs (a file, or a
//! directory with everything below it), below DESTDIR, at their paths in the image. File and
//! folder times are set from the records' dates. DESTDIR is created when missing; folders
//! already there are merged into.
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
//! - an existing file is never overwritten: such a file is exit 1, found before anything is
//!   written, and each file is written under a temporary name and moved to its own only if
//!   nothing is there (`RENAME_NOREPLACE`). A failed run leaves no partial file.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, Context};
use imapi_codes::ImapiCode;
use imapi_joliet::{Entry, TreeKind};
use indicatif::ProgressBar;

use crate::error::coded;
use crate::image_file::{self, read_error, ImageFile};
use crate::progress;
use crate::safe_dir::{check_name, SafeDir};

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
    /// Extract the ISO 9660 tree, under its names (`NAME.EXT;1`), instead of Joliet's.
    #[arg(long)]
    iso9660: bool,
    /// No progress bar.
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
    let tree = if args.iso9660 { TreeKind::Iso } else { image.default_tree() };
    let items = select(&image, tree, &args)?;
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
        if item.entry.is_dir() {
            dir.subdir(name).map_err(|e| host(dir, name, e))?;
        } else {
            write_file(&image, &args.image, dir, name, &item.entry, &bar)?;
        }
    }
    bar.finish_and_clear();
    // Folder times last, deepest first: writing into a folder changes its time.
    for item in items.iter().rev().filter(|i| i.entry.is_dir()) {
        if let Some(t) = mtime(&item.entry) {
            let mut dir = SafeDir::create_root(&args.dest)?;
            for p in &item.parts {
                dir = dir.open_subdir(p).map_err(|e| host(&dir, p, e))?;
            }
            dir.set_modified(t)
                .with_context(|| format!("cannot set the time of {}", dir.path().display()))?;
        }
    }
    Ok(())
}

/// The entries to write, every name checked, in walk order (a folder before its contents).
fn select<'a>(image: &'a ImageFile, tree: TreeKind, args: &Args) -> anyhow::Result<Vec<Item<'a>>> {
    let fail = |e| read_error(&args.image, e);
    let mut items = Vec::new();
    let whole = args.paths.iter().all(|p| p.split('/').all(str::is_empty));
    if whole {
        add_walk(image.walk(tree).map_err(fail)?, &args.image, &mut items)?;
        return Ok(items);
    }
    for path in &args.paths {
        let parts: Vec<String> =
            path.split('/').filter(|c| !c.is_empty()).map(String::from).collect();
        for c in &parts {
            check_name(c).map_err(|why| anyhow!("{path:?}: {c:?} is {why}"))?;
        }
        let entry = image.lookup(tree, path).map_err(fail)?;
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
    new.commit().map_err(|e| host(dir, name, e))
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
