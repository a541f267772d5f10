//! Writing below one folder without ever leaving it.
//!
//! Every name handed to [`SafeDir`] is a single path component, checked by [`check_name`]. On
//! Unix each folder is held open and everything below it is reached relative to that handle
//! (`openat`, `mkdirat`) with `O_NOFOLLOW`: a symbolic link met inside the folder is an error,
//! never followed, even one put there while the extraction runs. A file is written under a
//! temporary name created exclusively, then moved to its name only if nothing is there yet
//! (`renameat2(RENAME_NOREPLACE)`, or `linkat` where that is missing): an existing file is
//! never overwritten and a failed write leaves no partial file. Elsewhere the same rules are
//! kept with path checks.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Why `name` cannot be one component of a path below the destination, if it cannot.
pub fn check_name(name: &str) -> Result<(), &'static str> {
    match name {
        "" => Err("an empty name"),
        "." | ".." => Err("a name that climbs the tree"),
        _ if name.contains(['/', '\\']) => Err("a name holding a path separator"),
        _ if name.contains(':') => Err("a name holding `:` (a drive or stream)"),
        _ if name.chars().any(char::is_control) => Err("a name holding a control character"),
        _ => Ok(()),
    }
}

fn bad_name(name: &str, why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("{name:?} is {why}"))
}

/// A folder below the destination (or the destination itself).
pub struct SafeDir {
    #[cfg(unix)]
    fd: std::os::fd::OwnedFd,
    path: PathBuf,
}

/// A file being written; it gets its name only at [`NewFile::commit`].
pub struct NewFile<'d> {
    dir: &'d SafeDir,
    file: Option<File>,
    temp: String,
    name: String,
}

impl SafeDir {
    /// The folder at `path`, created (with its parents) when missing. Links in `path` itself
    /// are the caller's choice and are followed; nothing below it is.
    pub fn create_root(path: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(path)?;
        Self::open_root(path)
    }

    /// Where this folder is, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sub-folder `name`, created when missing. An existing link there is an error.
    pub fn subdir(&self, name: &str) -> io::Result<SafeDir> {
        check_name(name).map_err(|why| bad_name(name, why))?;
        self.subdir_unchecked(name, true)
    }

    /// The existing sub-folder `name`. A link there is an error.
    pub fn open_subdir(&self, name: &str) -> io::Result<SafeDir> {
        check_name(name).map_err(|why| bad_name(name, why))?;
        self.subdir_unchecked(name, false)
    }

    /// Starts writing the new file `name`.
    pub fn create_file(&self, name: &str) -> io::Result<NewFile<'_>> {
        check_name(name).map_err(|why| bad_name(name, why))?;
        if self.exists_unchecked(name)? {
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, "already exists"));
        }
        let (file, temp) = self.create_temp()?;
        Ok(NewFile { dir: self, file: Some(file), temp, name: name.to_owned() })
    }

    /// Sets this folder's modification time.
    pub fn set_modified(&self, t: SystemTime) -> io::Result<()> {
        self.handle()?.set_modified(t)
    }

    /// Creates the symbolic link `name` to `target`. The link is made, never followed: the
    /// target may name anything, inside DESTDIR or not. An existing `name` is an error.
    pub fn create_symlink(&self, name: &str, target: &str) -> io::Result<()> {
        check_name(name).map_err(|why| bad_name(name, why))?;
        self.symlink_unchecked(name, target)
    }

    /// Creates the FIFO `name` with permission bits `mode`. An existing `name` is an error.
    pub fn create_fifo(&self, name: &str, mode: u32) -> io::Result<()> {
        check_name(name).map_err(|why| bad_name(name, why))?;
        self.node_unchecked(name, Node::Fifo, mode)
    }

    /// Creates the device node `name` (needs privilege: without it the error is
    /// `PermissionDenied`). An existing `name` is an error.
    pub fn create_device(&self, name: &str, node: Node, mode: u32) -> io::Result<()> {
        check_name(name).map_err(|why| bad_name(name, why))?;
        self.node_unchecked(name, node, mode)
    }

    /// Sets the modification time of `name` in this folder, not following a link.
    pub fn set_modified_at(&self, name: &str, t: SystemTime) -> io::Result<()> {
        check_name(name).map_err(|why| bad_name(name, why))?;
        self.times_unchecked(name, t)
    }

    /// Sets this folder's permission bits.
    pub fn set_mode(&self, mode: u32) -> io::Result<()> {
        self.mode_unchecked(mode)
    }
}

/// A special file [`SafeDir::create_device`] or [`SafeDir::create_fifo`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    /// A FIFO.
    Fifo,
    /// A character device with its number.
    Char(u64),
    /// A block device with its number.
    Block(u64),
}

impl NewFile<'_> {
    /// The open file.
    pub fn file(&mut self) -> io::Result<&mut File> {
        self.file.as_mut().ok_or_else(|| io::Error::other("file already committed"))
    }

    /// Gives the file its name, unless something took that name meanwhile.
    pub fn commit(mut self) -> io::Result<()> {
        drop(self.file.take());
        let r = self.dir.move_new(&self.temp, &self.name);
        if r.is_ok() {
            self.temp.clear();
        }
        r
    }
}

impl Drop for NewFile<'_> {
    fn drop(&mut self) {
        if !self.temp.is_empty() {
            let _ = self.dir.remove(&self.temp);
        }
    }
}

/// A name for a temporary file, different on each call.
fn temp_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(".imapi-extract.{}.{}.part", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

#[cfg(unix)]
impl SafeDir {
    fn open_root(path: &Path) -> io::Result<Self> {
        use rustix::fs::{Mode, OFlags};
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Self { fd, path: path.to_path_buf() })
    }

    fn exists_unchecked(&self, name: &str) -> io::Result<bool> {
        match rustix::fs::statat(&self.fd, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW) {
            Ok(_) => Ok(true),
            Err(rustix::io::Errno::NOENT) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    fn subdir_unchecked(&self, name: &str, create: bool) -> io::Result<SafeDir> {
        use rustix::fs::{Mode, OFlags};
        if create {
            match rustix::fs::mkdirat(&self.fd, name, Mode::from_raw_mode(0o777)) {
                Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let path = self.path.join(name);
        match rustix::fs::openat(&self.fd, name, flags, Mode::empty()) {
            Ok(fd) => Ok(SafeDir { fd, path }),
            Err(rustix::io::Errno::LOOP) | Err(rustix::io::Errno::NOTDIR) => Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} is not a folder (a link or a file); extract follows no link",
                    path.display()
                ),
            )),
            Err(e) => Err(e.into()),
        }
    }

    fn create_temp(&self) -> io::Result<(File, String)> {
        use rustix::fs::{Mode, OFlags};
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        loop {
            let temp = temp_name();
            match rustix::fs::openat(&self.fd, temp.as_str(), flags, Mode::from_raw_mode(0o666)) {
                Ok(fd) => return Ok((File::from(fd), temp)),
                Err(rustix::io::Errno::EXIST) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn move_new(&self, temp: &str, name: &str) -> io::Result<()> {
        use rustix::fs::RenameFlags;
        rustix::fs::renameat_with(&self.fd, temp, &self.fd, name, RenameFlags::NOREPLACE)
            .map_err(io::Error::from)
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn move_new(&self, temp: &str, name: &str) -> io::Result<()> {
        use rustix::fs::AtFlags;
        rustix::fs::linkat(&self.fd, temp, &self.fd, name, AtFlags::empty())?;
        rustix::fs::unlinkat(&self.fd, temp, AtFlags::empty()).map_err(io::Error::from)
    }

    fn remove(&self, temp: &str) -> io::Result<()> {
        rustix::fs::unlinkat(&self.fd, temp, rustix::fs::AtFlags::empty()).map_err(io::Error::from)
    }

    fn handle(&self) -> io::Result<File> {
        Ok(File::from(self.fd.try_clone()?))
    }

    fn symlink_unchecked(&self, name: &str, target: &str) -> io::Result<()> {
        rustix::fs::symlinkat(target, &self.fd, name).map_err(io::Error::from)
    }

    fn node_unchecked(&self, name: &str, node: Node, mode: u32) -> io::Result<()> {
        use rustix::fs::{FileType, Mode};
        let (kind, dev) = match node {
            Node::Fifo => (FileType::Fifo, 0),
            Node::Char(dev) => (FileType::CharacterDevice, dev),
            Node::Block(dev) => (FileType::BlockDevice, dev),
        };
        let mode = Mode::from_raw_mode((mode & 0o777) as rustix::fs::RawMode);
        rustix::fs::mknodat(&self.fd, name, kind, mode, dev as rustix::fs::Dev)?;
        // mknod applies the umask: set the bits asked for.
        rustix::fs::chmodat(&self.fd, name, mode, rustix::fs::AtFlags::empty())
            .map_err(io::Error::from)
    }

    fn times_unchecked(&self, name: &str, t: SystemTime) -> io::Result<()> {
        use rustix::fs::{AtFlags, Timespec, Timestamps};
        let (secs, nanos) = match t.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(d) => (i64::try_from(d.as_secs()).unwrap_or(i64::MAX), d.subsec_nanos()),
            Err(e) => (-i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX), 0),
        };
        let ts = Timespec { tv_sec: secs, tv_nsec: nanos.into() };
        let times = Timestamps { last_access: ts, last_modification: ts };
        rustix::fs::utimensat(&self.fd, name, &times, AtFlags::SYMLINK_NOFOLLOW)
            .map_err(io::Error::from)
    }

    fn mode_unchecked(&self, mode: u32) -> io::Result<()> {
        let mode = rustix::fs::Mode::from_raw_mode((mode & 0o7777) as rustix::fs::RawMode);
        rustix::fs::fchmod(&self.fd, mode).map_err(io::Error::from)
    }
}

#[cfg(not(unix))]
impl SafeDir {
    fn open_root(path: &Path) -> io::Result<Self> {
        Ok(Self { path: path.to_path_buf() })
    }

    fn exists_unchecked(&self, name: &str) -> io::Result<bool> {
        match std::fs::symlink_metadata(self.path.join(name)) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn subdir_unchecked(&self, name: &str, create: bool) -> io::Result<SafeDir> {
        let path = self.path.join(name);
        if create {
            match std::fs::create_dir(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        let meta = std::fs::symlink_metadata(&path)?;
        if !meta.is_dir() || meta.file_type().is_symlink() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} is not a folder (a link or a file); extract follows no link",
                    path.display()
                ),
            ));
        }
        Ok(SafeDir { path })
    }

    fn create_temp(&self) -> io::Result<(File, String)> {
        loop {
            let temp = temp_name();
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(self.path.join(&temp))
            {
                Ok(f) => return Ok((f, temp)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn move_new(&self, temp: &str, name: &str) -> io::Result<()> {
        std::fs::hard_link(self.path.join(temp), self.path.join(name))?;
        std::fs::remove_file(self.path.join(temp))
    }

    fn remove(&self, temp: &str) -> io::Result<()> {
        std::fs::remove_file(self.path.join(temp))
    }

    fn handle(&self) -> io::Result<File> {
        File::open(&self.path)
    }

    fn symlink_unchecked(&self, _name: &str, _target: &str) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "symbolic links are not created here"))
    }

    fn node_unchecked(&self, _name: &str, _node: Node, _mode: u32) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "special files are not created here"))
    }

    fn times_unchecked(&self, name: &str, t: SystemTime) -> io::Result<()> {
        File::options().write(true).open(self.path.join(name))?.set_modified(t)
    }

    fn mode_unchecked(&self, _mode: u32) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_leave_the_folder_are_refused() {
        for bad in ["", ".", "..", "a/b", "..\\x", "C:", "a\0b", "new\nline"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        for good in ["a", "a.txt", "..a", "caf\u{e9} au lait", "x;1"] {
            assert_eq!(check_name(good), Ok(()), "{good:?}");
        }
    }

    #[test]
    fn files_are_new_and_links_are_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let root = SafeDir::create_root(&tmp.path().join("out")).unwrap();
        let mut f = root.create_file("a.txt").unwrap();
        io::Write::write_all(f.file().unwrap(), b"one").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read(tmp.path().join("out/a.txt")).unwrap(), b"one");
        assert!(root.create_file("a.txt").is_err(), "an existing file is not overwritten");
        let abandoned = root.create_file("b.txt").unwrap();
        drop(abandoned);
        let left: Vec<_> = std::fs::read_dir(tmp.path().join("out")).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
        #[cfg(unix)]
        {
            std::fs::create_dir(tmp.path().join("elsewhere")).unwrap();
            std::os::unix::fs::symlink(tmp.path().join("elsewhere"), tmp.path().join("out/link"))
                .unwrap();
            assert!(root.subdir("link").is_err());
            assert!(root.create_file("link").is_err());
            assert_eq!(std::fs::read_dir(tmp.path().join("elsewhere")).unwrap().count(), 0);
        }
        assert!(root.subdir("..").is_err());
        let sub = root.subdir("d").unwrap();
        assert_eq!(sub.path(), tmp.path().join("out/d"));
        assert!(root.open_subdir("d").is_ok());
    }
}
