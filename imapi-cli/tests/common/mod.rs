//! Harness of the interop tests: build a source tree in a temporary folder, run `imapi mkiso` on
//! it, and ask real ISO 9660 readers what they see in the image.
//!
//! - [`Scratch`]: a temporary folder to build source trees and images in.
//! - [`Expected`]: the tree a reader should show, taken from the host folder (not from our
//!   writer), as a [`Listing`] of (path, kind, size) and the SHA-256 of every file.
//! - [`readers`]: one adapter per reader (isoinfo, isovfy, xorriso, 7zz, bsdtar, iso-info,
//!   iso-read, pycdlib), each turning the tool's output into a [`Listing`] and hashes.
//! - [`spec`]: checks that follow ECMA-119 and Joliet directly (sort order, record layout, path
//!   tables, identifiers), written apart from imapi-joliet so they can disagree with it.
//! - [`check`]: runs every available reader on an image and compares all of them.
//!
//! A reader that is not installed is skipped with a note, unless `IMAPI_INTEROP_REQUIRED=1`
//! (as in CI): then the test fails.
#![allow(dead_code)] // each test uses the part of the harness it needs

pub mod check;
pub mod probe;
pub mod readers;
pub mod sparse;
pub mod spec;

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

use sha2::{Digest, Sha256};

/// The `imapi` binary under test.
pub const IMAPI: &str = env!("CARGO_BIN_EXE_imapi");

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// Directory or file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A directory.
    Dir,
    /// A regular file.
    File,
}

/// What a reader says about one path: its kind and, for a file, its size (0 for directories).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Directory or file.
    pub kind: Kind,
    /// Size in bytes (files only).
    pub size: u64,
}

impl Entry {
    /// A directory.
    pub fn dir() -> Self {
        Self { kind: Kind::Dir, size: 0 }
    }

    /// A file of `size` bytes.
    pub fn file(size: u64) -> Self {
        Self { kind: Kind::File, size }
    }
}

/// Paths relative to the image root (`a/b.txt`, no leading `/`) and what is there.
pub type Listing = BTreeMap<String, Entry>;

/// Paths of files and the SHA-256 of their bytes.
pub type Hashes = BTreeMap<String, Hash>;

/// Whether a missing reader fails the test (`IMAPI_INTEROP_REQUIRED=1`, as CI sets).
pub fn required() -> bool {
    std::env::var("IMAPI_INTEROP_REQUIRED").is_ok_and(|v| v == "1")
}

/// Whether `tool` is an executable file in one of the folders of `PATH`.
fn on_path(tool: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else { return false };
    std::env::split_paths(&path).any(|dir| {
        let candidate = dir.join(tool);
        fs::metadata(&candidate).is_ok_and(|m| m.is_file())
    })
}

/// Whether `tool` (a command, or `pycdlib` for the Python module) can be used. When it cannot:
/// panics if [`required`], else prints a note (once per tool) and returns false.
pub fn available(tool: &str) -> bool {
    static SEEN: OnceLock<Mutex<HashMap<String, bool>>> = OnceLock::new();
    let seen = SEEN.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(&known) = seen.lock().unwrap_or_else(|e| e.into_inner()).get(tool) {
        return known;
    }
    let ok = match tool {
        "pycdlib" => Command::new("python3")
            .args(["-c", "import pycdlib"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success()),
        _ => on_path(tool),
    };
    if !ok {
        assert!(!required(), "{tool} is not installed and IMAPI_INTEROP_REQUIRED=1");
        eprintln!("note: {tool} is not installed: its checks are skipped");
    }
    seen.lock().unwrap_or_else(|e| e.into_inner()).insert(tool.to_string(), ok);
    ok
}

/// A command with a UTF-8 locale, so readers print names as they are.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut c = Command::new(program);
    c.env("LC_ALL", "C.UTF-8").env("LANG", "C.UTF-8");
    c
}

/// Describes a command for messages.
pub fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs `cmd` to completion and returns its output (panics only when it cannot start).
pub fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null());
    cmd.output().unwrap_or_else(|e| panic!("cannot run {}: {e}", describe(cmd)))
}

/// Runs `cmd` and panics with its stderr unless it exits with status 0.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{} failed ({}):\n{}",
        describe(cmd),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `imapi` with no SOURCE_DATE_EPOCH inherited from the environment.
pub fn imapi() -> Command {
    let mut c = Command::new(IMAPI);
    c.env_remove("SOURCE_DATE_EPOCH");
    c
}

/// Runs `imapi mkiso ARGS` and returns its output, whatever its status.
pub fn mkiso<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run(imapi().arg("mkiso").args(args))
}

/// Runs `imapi mkiso ARGS`, asserts it succeeded, and returns its stderr (the warnings).
pub fn mkiso_ok<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = run_ok(imapi().arg("mkiso").args(args));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A temporary folder for source trees and images; made writable again before it is removed
/// (xorriso extracts read-only directories).
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}

impl Scratch {
    /// A new empty folder.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("imapi-interop-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temporary folder: {e}"));
        Self { dir }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `rel` inside the folder.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Creates the folder `rel` and its parents; returns its path.
    pub fn mkdir(&self, rel: &str) -> PathBuf {
        let p = self.path(rel);
        fs::create_dir_all(&p).unwrap_or_else(|e| panic!("mkdir {}: {e}", p.display()));
        p
    }

    /// Writes the file `rel` (creating its folders); returns its path.
    pub fn write(&self, rel: &str, data: &[u8]) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
        }
        fs::write(&p, data).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        p
    }

    /// Writes the file `rel` with [`content_of`] as its bytes.
    pub fn file(&self, rel: &str) -> PathBuf {
        self.write(rel, &content_of(rel))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        make_writable(self.dir.path());
    }
}

/// Gives the owner write access to every folder below `dir`, so it can be removed.
pub fn make_writable(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let Ok(meta) = fs::symlink_metadata(&d) else { continue };
            if !meta.is_dir() {
                continue;
            }
            let mode = meta.permissions().mode();
            if mode & 0o700 != 0o700 {
                let _ = fs::set_permissions(&d, fs::Permissions::from_mode(mode | 0o700));
            }
            if let Ok(rd) = fs::read_dir(&d) {
                stack.extend(rd.flatten().map(|e| e.path()));
            }
        }
    }
}

/// Distinct bytes for the file at `rel`: its own path, so a reader's file can be traced back
/// to its source whatever name it was given.
pub fn content_of(rel: &str) -> Vec<u8> {
    format!("source file {rel}\n").into_bytes()
}

/// `len` pseudo-random bytes from `seed` (a fixed xorshift generator).
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

/// SHA-256 of everything `r` yields, and its length.
pub fn sha256_reader(mut r: impl Read) -> std::io::Result<(Hash, u64)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let got = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(got) => got,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..got]);
        n += got as u64;
    }
    Ok((h.finalize().into(), n))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The listing and hashes of a host folder (symbolic links are not followed and not listed).
pub fn scan_host(root: &Path) -> (Listing, Hashes) {
    let mut listing = Listing::new();
    let mut hashes = Hashes::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let rd = fs::read_dir(&dir).unwrap_or_else(|e| panic!("read_dir {}: {e}", dir.display()));
        for entry in rd {
            let entry = entry.unwrap_or_else(|e| panic!("read_dir {}: {e}", dir.display()));
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            let meta = fs::symlink_metadata(entry.path())
                .unwrap_or_else(|e| panic!("stat {}: {e}", entry.path().display()));
            if meta.is_dir() {
                listing.insert(path.clone(), Entry::dir());
                stack.push((entry.path(), path));
            } else if meta.is_file() {
                let f = fs::File::open(entry.path())
                    .unwrap_or_else(|e| panic!("open {}: {e}", entry.path().display()));
                let (h, n) = sha256_reader(f)
                    .unwrap_or_else(|e| panic!("read {}: {e}", entry.path().display()));
                listing.insert(path.clone(), Entry::file(n));
                hashes.insert(path, h);
            }
        }
    }
    (listing, hashes)
}

/// What every reader should show: a listing and the hash of every file.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    /// Paths, kinds and sizes.
    pub listing: Listing,
    /// SHA-256 of every file.
    pub hashes: Hashes,
}

impl Expected {
    /// The tree of a host folder, as `imapi mkiso FOLDER` should put it at the image root.
    pub fn from_host(root: &Path) -> Self {
        let (listing, hashes) = scan_host(root);
        Self { listing, hashes }
    }

    /// Moves the entry at `from` (and everything below it) to `to`.
    pub fn rename(&mut self, from: &str, to: &str) {
        let moved: Vec<String> = self
            .listing
            .keys()
            .filter(|k| *k == from || k.starts_with(&format!("{from}/")))
            .cloned()
            .collect();
        assert!(!moved.is_empty(), "nothing at {from} to rename");
        for old in moved {
            let new = format!("{to}{}", &old[from.len()..]);
            let entry = self.listing.remove(&old).unwrap_or_else(|| unreachable!());
            self.listing.insert(new.clone(), entry);
            if let Some(h) = self.hashes.remove(&old) {
                self.hashes.insert(new, h);
            }
        }
    }

    /// Every entry with `view` applied to each component of its path, sorted; unlike
    /// [`Expected::viewed`] it keeps entries whose shown paths coincide.
    pub fn viewed_entries(&self, view: impl Fn(&str) -> String) -> Vec<(String, Entry)> {
        let mut v: Vec<(String, Entry)> =
            self.listing.iter().map(|(k, e)| (per_component(k, &view), *e)).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.size.cmp(&b.1.size)));
        v
    }

    /// Applies `view` to every whole path.
    pub fn viewed_paths(&self, view: impl Fn(&str) -> String) -> Self {
        Self {
            listing: self.listing.iter().map(|(k, v)| (view(k), *v)).collect(),
            hashes: self.hashes.iter().map(|(k, v)| (view(k), *v)).collect(),
        }
    }

    /// Applies `view` to every component of every path (a reader's way of showing names).
    pub fn viewed(&self, view: impl Fn(&str) -> String) -> Self {
        self.viewed_paths(|p| per_component(p, &view))
    }
}

/// `path` with `view` applied to each of its components.
pub fn per_component(path: &str, view: impl Fn(&str) -> String) -> String {
    path.split('/').map(view).collect::<Vec<_>>().join("/")
}

/// How two listings differ, one line per path (at most 25 lines), or `None` when equal.
pub fn listing_diff(got: &Listing, want: &Listing) -> Option<String> {
    let mut lines = Vec::new();
    for (path, w) in want {
        match got.get(path) {
            None => lines.push(format!("  missing    {path:?} ({w:?})")),
            Some(g) if g != w => {
                lines.push(format!("  differs    {path:?}: {g:?}, expected {w:?}"))
            }
            Some(_) => {}
        }
    }
    for (path, g) in got {
        if !want.contains_key(path) {
            lines.push(format!("  unexpected {path:?} ({g:?})"));
        }
    }
    if lines.is_empty() {
        return None;
    }
    let total = lines.len();
    lines.truncate(25);
    if total > 25 {
        lines.push(format!("  ... and {} more", total - 25));
    }
    Some(lines.join("\n"))
}

/// How two lists of (path, entry) differ when paths may repeat, or `None` when they hold the
/// same entries.
pub fn entries_diff(got: &[(String, Entry)], want: &[(String, Entry)]) -> Option<String> {
    let key = |v: &[(String, Entry)]| {
        let mut v: Vec<(String, Kind, u64)> =
            v.iter().map(|(p, e)| (p.clone(), e.kind, e.size)).collect();
        v.sort();
        v
    };
    let (mut g, mut w) = (key(got), key(want));
    let common: Vec<_> = g.iter().filter(|x| w.contains(x)).cloned().collect();
    for c in &common {
        if let (Some(i), Some(j)) = (g.iter().position(|x| x == c), w.iter().position(|x| x == c)) {
            g.remove(i);
            w.remove(j);
        }
    }
    if g.is_empty() && w.is_empty() {
        return None;
    }
    let mut lines: Vec<String> = w.iter().map(|x| format!("  missing    {x:?}")).collect();
    lines.extend(g.iter().map(|x| format!("  unexpected {x:?}")));
    lines.truncate(25);
    Some(lines.join("\n"))
}

/// How two sets of hashes differ, or `None` when equal.
pub fn hashes_diff(got: &Hashes, want: &Hashes) -> Option<String> {
    let mut lines = Vec::new();
    for (path, w) in want {
        match got.get(path) {
            None => lines.push(format!("  no bytes   {path:?}")),
            Some(g) if g != w => lines.push(format!("  bytes differ {path:?}")),
            Some(_) => {}
        }
    }
    for path in got.keys() {
        if !want.contains_key(path) {
            lines.push(format!("  unexpected bytes {path:?}"));
        }
    }
    if lines.is_empty() {
        return None;
    }
    lines.truncate(25);
    Some(lines.join("\n"))
}

/// Panics with every collected failure, one block per reader, if there are any.
pub fn assert_no_failures(what: &str, failures: &[String]) {
    assert!(failures.is_empty(), "{what}: {} problem(s)\n{}", failures.len(), failures.join("\n"));
}
