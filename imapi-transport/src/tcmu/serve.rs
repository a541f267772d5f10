//! The handler's loop over a TCMU device's UIO node: map the shared area, wait for the
//! kernel's kick (a UIO event), answer the entries from `cmd_tail` to `cmd_head`
//! ([`super::handler::answer_pending`]), publish the new `cmd_tail`, kick back (a write to
//! the node).
#![allow(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use super::handler::{answer_pending, Progress};
use super::ring::{RingError, RingInfo, MAILBOX_LEN, TAIL_OFFSET};
use crate::transport::Transport;

/// Where `cmd_head` sits in the mailbox.
const HEAD_OFFSET: usize = 12;
/// How often the loop looks at its stop flag while no command comes.
const POLL: Duration = Duration::from_millis(100);

/// Why serving stopped or could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// Opening, mapping, waiting on or kicking the UIO node failed.
    #[error("{what} {path}")]
    Io {
        /// The step.
        what: &'static str,
        /// The node or its sysfs file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The shared area holds something the parser refuses.
    #[error("TCMU shared area of {path}")]
    Ring {
        /// The node.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: RingError,
    },
}

/// A TCMU device's mapped shared area.
#[derive(Debug)]
pub struct Uio {
    path: PathBuf,
    file: File,
    map: *mut u8,
    len: usize,
    info: RingInfo,
}

// SAFETY: the mapping belongs to this value alone (nothing else in the process holds its
// address) and is only touched through `&mut self`; moving it to another thread is as safe as
// moving the file descriptor.
unsafe impl Send for Uio {}

impl Uio {
    /// Opens `/dev/uioN` for the sysfs entry `/sys/class/uio/uioN` and maps its shared area
    /// (the size from `maps/map0/size`).
    pub fn open(sys: &Path) -> Result<Uio, ServeError> {
        let name = sys.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        let dev = Path::new("/dev").join(name);
        let size_path = sys.join("maps/map0/size");
        let io = |what, path: &Path| {
            let path = path.to_path_buf();
            move |source| ServeError::Io { what, path, source }
        };
        let text = std::fs::read_to_string(&size_path).map_err(io("reading", &size_path))?;
        let len = parse_size(&text).ok_or_else(|| {
            io("reading", &size_path)(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not a size: {}", text.trim()),
            ))
        })?;
        let file =
            OpenOptions::new().read(true).write(true).open(&dev).map_err(io("opening", &dev))?;
        if len < MAILBOX_LEN {
            return Err(ServeError::Ring {
                path: dev,
                source: RingError::Truncated { what: "mailbox", at: 0, need: MAILBOX_LEN, len },
            });
        }
        // SAFETY: a fresh shared mapping of the UIO device's map 0 (offset 0), `len` bytes as
        // sysfs gives them; the result is checked before use and unmapped once, in `drop`.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if map == libc::MAP_FAILED {
            return Err(io("mapping", &dev)(std::io::Error::last_os_error()));
        }
        let mut uio = Uio { path: dev, file, map: map.cast(), len, info: placeholder() };
        let mut mailbox = [0u8; MAILBOX_LEN];
        // SAFETY: the mapping holds at least MAILBOX_LEN bytes (checked above); the copy is a
        // snapshot of the mailbox, whose fixed fields (version, flags, ring place) the kernel
        // set before the device was enabled and does not change.
        unsafe { std::ptr::copy_nonoverlapping(uio.map, mailbox.as_mut_ptr(), MAILBOX_LEN) };
        let (info, _, _) = RingInfo::parse(&mailbox, len)
            .map_err(|source| ServeError::Ring { path: uio.path.clone(), source })?;
        uio.info = info;
        Ok(uio)
    }

    /// The ring's geometry and the kernel's flags.
    pub fn info(&self) -> RingInfo {
        self.info
    }

    fn word(&self, offset: usize) -> &AtomicU32 {
        // SAFETY: `offset` is HEAD_OFFSET or TAIL_OFFSET, 4-aligned inside the mailbox, whose
        // bytes (page-aligned mapping, at least MAILBOX_LEN long) stay mapped while `self`
        // lives; the kernel and this process access the word with 32-bit loads and stores.
        unsafe { &*self.map.add(offset).cast::<AtomicU32>() }
    }

    /// Answers whatever is pending, publishes the tail and kicks the kernel when something
    /// was answered.
    fn step(&mut self, dev: &mut dyn Transport) -> Result<(), ServeError> {
        let path = self.path.clone();
        let ring = |source| ServeError::Ring { path: path.clone(), source };
        let head = self.info.position(self.word(HEAD_OFFSET).load(Ordering::Acquire));
        let tail = self.info.position(self.word(TAIL_OFFSET).load(Ordering::Relaxed));
        let (head, tail) = (head.map_err(ring)?, tail.map_err(ring)?);
        if head == tail {
            return Ok(());
        }
        let off = self.info.cmdr_off as usize;
        // SAFETY: `off` < `len` (RingInfo::parse checked the ring lies inside the mapping);
        // the slice covers the ring and the data area, never the mailbox. The kernel does not
        // touch the entries from `tail` to `head` nor their buffers until `cmd_tail` moves past
        // them, and it writes new entries only outside that span: the bytes the handler reads
        // and writes are its own until the store below.
        let area = unsafe { std::slice::from_raw_parts_mut(self.map.add(off), self.len - off) };
        let (new_tail, failed) = match answer_pending(&self.info, area, head, tail, dev) {
            Ok((t, _)) => (t, None),
            Err(Progress { tail, error }) => (tail, Some(error)),
        };
        self.word(TAIL_OFFSET).store(new_tail, Ordering::Release);
        self.kick()?;
        match failed {
            Some(e) => Err(ring(e)),
            None => Ok(()),
        }
    }

    fn kick(&mut self) -> Result<(), ServeError> {
        self.file.write_all(&1u32.to_ne_bytes()).map_err(|source| ServeError::Io {
            what: "kicking",
            path: self.path.clone(),
            source,
        })
    }

    /// Waits up to [`POLL`] for the kernel's kick; true when it came.
    fn wait(&mut self) -> Result<bool, ServeError> {
        let mut fds = libc::pollfd { fd: self.file.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd for the duration of the call.
        let n = unsafe { libc::poll(&mut fds, 1, POLL.as_millis() as libc::c_int) };
        let io = |source| ServeError::Io { what: "waiting on", path: self.path.clone(), source };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            return if e.kind() == std::io::ErrorKind::Interrupted {
                Ok(false)
            } else {
                Err(io(e))
            };
        }
        if n == 0 || fds.revents & libc::POLLIN == 0 {
            return Ok(false);
        }
        // The event count: reading it acknowledges the kick.
        let mut count = [0u8; 4];
        self.file.read_exact(&mut count).map_err(io)?;
        Ok(true)
    }

    /// Answers the kernel's commands with `dev` until `stop` is set (looked at every 100 ms).
    pub fn serve(&mut self, dev: &mut dyn Transport, stop: &AtomicBool) -> Result<(), ServeError> {
        while !stop.load(Ordering::Relaxed) {
            self.step(dev)?;
            self.wait()?;
        }
        Ok(())
    }
}

impl Drop for Uio {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `open`, unmapped once; no reference into it outlives
        // `self` (the area slices live only inside `step`).
        unsafe { libc::munmap(self.map.cast(), self.len) };
    }
}

fn placeholder() -> RingInfo {
    RingInfo { flags: 0, cmdr_off: 0, cmdr_size: 8, area_len: 0 }
}

/// A sysfs size: `0x...` hexadecimal or decimal.
fn parse_size(text: &str) -> Option<usize> {
    let t = text.trim();
    match t.strip_prefix("0x") {
        Some(hex) => usize::from_str_radix(hex, 16).ok(),
        None => t.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("0x40800000\n"), Some(0x4080_0000));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("x"), None);
    }
}
