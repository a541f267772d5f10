//! Walking host folders into a [`Tree`] ([`Tree::add_host`], [`Tree::add_host_as`]).

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::posix::{PosixAttrs, SpecialKind};
use super::{bad_path, Content, HostName, HostOptions, NodeId, Tree, NO_MTIME};
use crate::build::error::{Error, Warning};

fn unix_mtime(meta: &fs::Metadata) -> i64 {
    match meta.modified() {
        Ok(t) => match t.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
        },
        Err(_) => NO_MTIME,
    }
}

/// A host name as UTF-8, with `_` for bytes that are not; and whether it was changed.
fn decode_host_name(name: &std::ffi::OsStr) -> (std::borrow::Cow<'_, str>, bool) {
    match name.to_str() {
        Some(s) => (s.into(), false),
        None => {
            let lossy = name.to_string_lossy();
            (lossy.replace('\u{FFFD}', "_").into(), true)
        }
    }
}

#[cfg(unix)]
fn file_identity(meta: &fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_identity(_meta: &fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// A host entry's permission bits, owner and group.
#[cfg(unix)]
fn posix_of(meta: &fs::Metadata) -> Option<PosixAttrs> {
    use std::os::unix::fs::MetadataExt;
    Some(PosixAttrs {
        mode: meta.mode() & crate::build::tree::posix::PERMISSION_BITS,
        uid: meta.uid(),
        gid: meta.gid(),
    })
}

#[cfg(not(unix))]
fn posix_of(_meta: &fs::Metadata) -> Option<PosixAttrs> {
    None
}

/// The kind and device number of a host device node, FIFO or socket.
#[cfg(unix)]
fn special_of(meta: &fs::Metadata) -> Option<(SpecialKind, u64)> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let ft = meta.file_type();
    let kind = if ft.is_char_device() {
        SpecialKind::CharDevice
    } else if ft.is_block_device() {
        SpecialKind::BlockDevice
    } else if ft.is_fifo() {
        SpecialKind::Fifo
    } else if ft.is_socket() {
        SpecialKind::Socket
    } else {
        return None;
    };
    Some((kind, meta.rdev()))
}

#[cfg(not(unix))]
fn special_of(_meta: &fs::Metadata) -> Option<(SpecialKind, u64)> {
    None
}

#[cfg(unix)]
fn is_hard_linked(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.nlink() > 1
}

#[cfg(not(unix))]
fn is_hard_linked(_meta: &fs::Metadata) -> bool {
    false
}

/// State of one [`Tree::add_host`] call.
struct Walk<'o> {
    opts: &'o HostOptions,
    warnings: Vec<Warning>,
    /// Every folder entered: its identity and the index of its parent folder here, so a link
    /// can be checked against its own ancestors (a loop) and no others.
    chain: Vec<(Option<(u64, u64)>, usize)>,
    hard_links: HashMap<(u64, u64), u32>,
}

impl Tree {
    /// Adds a host file or folder under `parent`. A folder adds its *contents* to `parent`
    /// (merged with what is there), as IMAPI's `AddData` does; a file is added under its own
    /// name. Returns the warnings of the walk (links skipped, names changed).
    pub fn add_host(
        &mut self,
        parent: NodeId,
        host: &Path,
        opts: &HostOptions,
    ) -> Result<Vec<Warning>, Error> {
        let meta = self.host_meta(host, opts.follow_links)?;
        if meta.is_dir() {
            let mut walk = Walk::new(opts);
            // The folder whose contents merge into `parent` gives it its attributes and time
            // when it has none yet (the root of a Rock Ridge image shows the source folder's,
            // as xorriso's does).
            if opts.posix && self.posix(parent).is_none() {
                self.record_posix(parent, &meta);
                if self.mtime(parent).is_none() {
                    self.set_mtime(parent, unix_mtime(&meta));
                }
            }
            self.walk_dir(parent, host, &meta, &mut walk)?;
            return Ok(walk.warnings);
        }
        let name = host.file_name().ok_or_else(|| bad_path(&host.display().to_string()))?;
        let (name, changed) = decode_host_name(name);
        let mut walk = Walk::new(opts);
        if changed {
            walk.warnings
                .push(Warning::NonUtf8Name { path: host.to_path_buf(), name: name.to_string() });
        }
        self.add_host_entry(parent, &name, host, &meta, &mut walk)?;
        Ok(walk.warnings)
    }

    /// Adds a host file or folder at `name` in `parent` (a graft point): a folder becomes the
    /// directory `name` holding its contents, a file the file `name`.
    pub fn add_host_as(
        &mut self,
        parent: NodeId,
        name: &str,
        host: &Path,
        opts: &HostOptions,
    ) -> Result<Vec<Warning>, Error> {
        let meta = self.host_meta(host, opts.follow_links)?;
        let mut walk = Walk::new(opts);
        self.add_host_entry(parent, name, host, &meta, &mut walk)?;
        Ok(walk.warnings)
    }

    fn host_meta(&self, host: &Path, follow: bool) -> Result<fs::Metadata, Error> {
        let meta = if follow { fs::metadata(host) } else { fs::symlink_metadata(host) };
        let meta = meta.map_err(|e| Error::Host { path: host.to_path_buf(), source: e })?;
        if meta.file_type().is_symlink() {
            // A link named on the command line is followed, as tar and mkisofs do.
            return fs::metadata(host)
                .map_err(|e| Error::Host { path: host.to_path_buf(), source: e });
        }
        Ok(meta)
    }

    fn add_host_entry(
        &mut self,
        parent: NodeId,
        name: &str,
        host: &Path,
        meta: &fs::Metadata,
        walk: &mut Walk<'_>,
    ) -> Result<(), Error> {
        if meta.is_dir() {
            let dir = self.add_dir(parent, name)?;
            self.set_mtime(dir, unix_mtime(meta));
            if walk.opts.posix {
                self.record_posix(dir, meta);
            }
            self.walk_dir(dir, host, meta, walk)
        } else if meta.is_file() {
            let host_dir = host.parent().unwrap_or(Path::new("")).to_path_buf();
            let file_name = host.file_name().map(|n| n.to_os_string()).unwrap_or_default();
            let dir = self.push_host_dir(host_dir);
            let odd = self.push_odd_name(file_name);
            self.add_host_file(parent, name, meta, dir, HostName::Odd(odd), walk)?;
            Ok(())
        } else if let Some((kind, rdev)) = special_of(meta).filter(|_| walk.opts.posix) {
            self.add_host_special(parent, name, meta, kind, rdev, walk)?;
            Ok(())
        } else {
            walk.warnings.push(Warning::SpecialFileSkipped { path: host.to_path_buf() });
            Ok(())
        }
    }

    fn push_host_dir(&mut self, path: PathBuf) -> u32 {
        self.host_dirs.push(path);
        u32::try_from(self.host_dirs.len() - 1).unwrap_or(u32::MAX)
    }

    fn push_odd_name(&mut self, name: OsString) -> u32 {
        self.odd_names.push(name);
        u32::try_from(self.odd_names.len() - 1).unwrap_or(u32::MAX)
    }

    fn add_host_file(
        &mut self,
        parent: NodeId,
        name: &str,
        meta: &fs::Metadata,
        dir: u32,
        host_name: HostName,
        walk: &mut Walk<'_>,
    ) -> Result<NodeId, Error> {
        let size = meta.len();
        let linked = is_hard_linked(meta).then(|| file_identity(meta)).flatten();
        let id = match linked.and_then(|k| walk.hard_links.get(&k).copied()) {
            Some(content) => {
                self.add_file_shared(parent, name, size, content, walk.opts.overwrite)?
            }
            None => {
                let content = u32::try_from(self.contents.len()).unwrap_or(u32::MAX);
                let id = self.add_file_shared(parent, name, size, content, walk.opts.overwrite)?;
                let host_name = match host_name {
                    HostName::Node(_) => HostName::Node(id),
                    odd => odd,
                };
                self.contents.push(Content::Host { dir, name: host_name });
                if let Some(k) = linked {
                    walk.hard_links.insert(k, content);
                }
                id
            }
        };
        self.set_mtime(id, unix_mtime(meta));
        if walk.opts.posix {
            self.record_posix(id, meta);
        }
        Ok(id)
    }

    /// Records the host entry's permission bits, owner and group for node `id`.
    fn record_posix(&mut self, id: NodeId, meta: &fs::Metadata) {
        if let Some(attrs) = posix_of(meta) {
            self.set_posix(id, attrs);
        }
    }

    fn add_host_special(
        &mut self,
        parent: NodeId,
        name: &str,
        meta: &fs::Metadata,
        kind: SpecialKind,
        rdev: u64,
        walk: &mut Walk<'_>,
    ) -> Result<NodeId, Error> {
        let id = self.add_special(parent, name, kind, rdev, walk.opts.overwrite)?;
        self.set_mtime(id, unix_mtime(meta));
        self.record_posix(id, meta);
        Ok(id)
    }

    /// Adds the host link at `host_path` as a link (Rock Ridge), with its own attributes.
    fn add_host_symlink(
        &mut self,
        parent: NodeId,
        name: &str,
        host_path: &Path,
        meta: &fs::Metadata,
        walk: &mut Walk<'_>,
    ) -> Result<(), Error> {
        let target = fs::read_link(host_path)
            .map_err(|e| Error::Host { path: host_path.to_path_buf(), source: e })?;
        let (target, changed) = decode_host_name(target.as_os_str());
        if changed {
            walk.warnings.push(Warning::NonUtf8Name {
                path: host_path.to_path_buf(),
                name: target.to_string(),
            });
        }
        if target.is_empty() {
            walk.warnings.push(Warning::SymlinkBroken { path: host_path.to_path_buf() });
            return Ok(());
        }
        let id = self.add_symlink(parent, name, &target, walk.opts.overwrite)?;
        self.set_mtime(id, unix_mtime(meta));
        self.record_posix(id, meta);
        Ok(())
    }

    /// Adds the contents of host folder `host` into directory `into`, depth first with an
    /// explicit stack.
    fn walk_dir(
        &mut self,
        into: NodeId,
        host: &Path,
        meta: &fs::Metadata,
        walk: &mut Walk<'_>,
    ) -> Result<(), Error> {
        walk.chain.push((file_identity(meta), usize::MAX));
        let mut stack: Vec<(NodeId, PathBuf, PathBuf, usize)> =
            vec![(into, host.to_path_buf(), PathBuf::new(), walk.chain.len() - 1)];
        while let Some((dir_node, dir_path, rel, link)) = stack.pop() {
            let reader = fs::read_dir(&dir_path)
                .map_err(|e| Error::Host { path: dir_path.clone(), source: e })?;
            let mut entries = Vec::new();
            for entry in reader {
                let entry = entry.map_err(|e| Error::Host { path: dir_path.clone(), source: e })?;
                entries.push((entry.file_name(), entry));
            }
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let host_dir = self.push_host_dir(dir_path.clone());
            for (os_name, entry) in entries {
                // The path below the added folder matters only to exclusion patterns.
                let rel_path = match &walk.opts.exclude {
                    Some(ex) => {
                        let rel_path = rel.join(&os_name);
                        if ex.is_match(&os_name) || ex.is_match(&rel_path) {
                            continue;
                        }
                        rel_path
                    }
                    None => PathBuf::new(),
                };
                let host_path = || dir_path.join(&os_name);
                let (name, changed) = decode_host_name(&os_name);
                if changed {
                    walk.warnings
                        .push(Warning::NonUtf8Name { path: host_path(), name: name.to_string() });
                }
                let mut meta =
                    entry.metadata().map_err(|e| Error::Host { path: host_path(), source: e })?;
                let is_link = meta.file_type().is_symlink();
                if is_link {
                    if !walk.opts.follow_links && walk.opts.posix {
                        self.add_host_symlink(dir_node, &name, &host_path(), &meta, walk)?;
                        continue;
                    }
                    if !walk.opts.follow_links {
                        walk.warnings.push(Warning::SymlinkSkipped { path: host_path() });
                        continue;
                    }
                    meta = match fs::metadata(host_path()) {
                        Ok(m) => m,
                        Err(e) if e.raw_os_error() == Some(LOOP_ERRNO) => {
                            walk.warnings.push(Warning::SymlinkLoop { path: host_path() });
                            continue;
                        }
                        Err(_) => {
                            walk.warnings.push(Warning::SymlinkBroken { path: host_path() });
                            continue;
                        }
                    };
                }
                if meta.is_dir() {
                    let key = file_identity(&meta);
                    if is_link && key.is_some() && walk.is_ancestor(link, key) {
                        walk.warnings.push(Warning::SymlinkLoop { path: host_path() });
                        continue;
                    }
                    let child = self.add_dir(dir_node, &name)?;
                    self.set_mtime(child, unix_mtime(&meta));
                    if walk.opts.posix {
                        self.record_posix(child, &meta);
                    }
                    walk.chain.push((key, link));
                    stack.push((child, host_path(), rel_path, walk.chain.len() - 1));
                } else if meta.is_file() {
                    let host_name = if changed {
                        HostName::Odd(self.push_odd_name(os_name.clone()))
                    } else {
                        HostName::Node(NodeId(0))
                    };
                    self.add_host_file(dir_node, &name, &meta, host_dir, host_name, walk)?;
                } else if let Some((kind, rdev)) = special_of(&meta).filter(|_| walk.opts.posix) {
                    self.add_host_special(dir_node, &name, &meta, kind, rdev, walk)?;
                } else {
                    walk.warnings.push(Warning::SpecialFileSkipped { path: host_path() });
                }
            }
        }
        Ok(())
    }
}

/// The errno of a path that resolves through too many links (ELOOP).
#[cfg(unix)]
const LOOP_ERRNO: i32 = rustix::io::Errno::LOOP.raw_os_error();
/// Without ELOOP, a loop the kernel refuses shows as a broken link.
#[cfg(not(unix))]
const LOOP_ERRNO: i32 = i32::MIN;

impl<'o> Walk<'o> {
    /// Whether the folder `key` is the folder at `at` in the chain or one of its ancestors.
    fn is_ancestor(&self, mut at: usize, key: Option<(u64, u64)>) -> bool {
        while let Some(&(k, parent)) = self.chain.get(at) {
            if k == key {
                return true;
            }
            at = parent;
        }
        false
    }

    fn new(opts: &'o HostOptions) -> Self {
        Self { opts, warnings: Vec::new(), chain: Vec::new(), hard_links: HashMap::new() }
    }
}
