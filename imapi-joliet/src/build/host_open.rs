//! Opening walked host files: relative to a cached descriptor of their folder, so the kernel
//! resolves one name per file instead of the whole path.

use std::fs::File;
use std::io;

use crate::build::tree::{HostName, Tree};

/// Opens host files, keeping the last folder open.
#[derive(Default)]
pub(super) struct HostOpener {
    #[cfg(target_os = "linux")]
    dir: Option<(u32, std::os::fd::OwnedFd)>,
}

impl HostOpener {
    /// Opens the file `name` of walked folder `dir` for reading.
    #[cfg(target_os = "linux")]
    pub(super) fn open(&mut self, tree: &Tree, dir: u32, name: HostName) -> io::Result<File> {
        use rustix::fs::{Mode, OFlags};
        if self.dir.as_ref().map(|d| d.0) != Some(dir) {
            self.dir = None;
            let path = tree.host_dirs.get(dir as usize);
            if let Some(path) = path {
                let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
                if let Ok(fd) = rustix::fs::open(path, flags, Mode::empty()) {
                    self.dir = Some((dir, fd));
                }
            }
        }
        let Some((_, dir_fd)) = &self.dir else {
            return File::open(tree.host_path(dir, name));
        };
        let flags = OFlags::RDONLY | OFlags::CLOEXEC;
        let fd = match name {
            HostName::Node(id) => rustix::fs::openat(dir_fd, tree.name(id), flags, Mode::empty()),
            HostName::Odd(i) => {
                let odd = tree.odd_names.get(i as usize).map(|n| n.as_os_str()).unwrap_or_default();
                rustix::fs::openat(dir_fd, odd, flags, Mode::empty())
            }
        }?;
        Ok(File::from(fd))
    }

    /// Opens the file `name` of walked folder `dir` for reading.
    #[cfg(not(target_os = "linux"))]
    pub(super) fn open(&mut self, tree: &Tree, dir: u32, name: HostName) -> io::Result<File> {
        File::open(tree.host_path(dir, name))
    }
}
