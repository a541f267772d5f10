//! A large sparse file known by its few runs of data, and a check of a reader's stream of it
//! that never stores the stream: each chunk is compared with what the model says is there.

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::Hash;

const CHUNK: usize = 1 << 20;

/// A file of `len` bytes, zero except for `runs` (offset, bytes), sorted and disjoint.
#[derive(Debug, Clone)]
pub struct SparseModel {
    /// Length of the file.
    pub len: u64,
    /// The data runs.
    pub runs: Vec<(u64, Vec<u8>)>,
}

impl SparseModel {
    /// Writes the file: its length set with a hole, then each run in place.
    pub fn create(&self, path: &Path) {
        let mut f = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(path)
            .unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
        f.set_len(self.len).unwrap_or_else(|e| panic!("truncate {}: {e}", path.display()));
        for (off, bytes) in &self.runs {
            f.seek(SeekFrom::Start(*off)).and_then(|_| f.write_all(bytes)).unwrap_or_else(|e| {
                panic!("write {} at {off}: {e}", path.display());
            });
        }
    }

    /// Whether `[pos, end)` holds data of a run.
    fn has_data(&self, pos: u64, end: u64) -> bool {
        self.runs.iter().any(|(off, bytes)| *off < end && off + bytes.len() as u64 > pos)
    }

    /// The model's bytes in `[pos, pos + out.len())`.
    fn fill(&self, pos: u64, out: &mut [u8]) {
        out.fill(0);
        let end = pos + out.len() as u64;
        for (off, bytes) in &self.runs {
            let (a, b) = ((*off).max(pos), (off + bytes.len() as u64).min(end));
            if a < b {
                out[(a - pos) as usize..(b - pos) as usize]
                    .copy_from_slice(&bytes[(a - off) as usize..(b - off) as usize]);
            }
        }
    }

    /// Reads `r` to its end and compares it with the model; the error names the first
    /// difference.
    pub fn compare(&self, mut r: impl Read) -> Result<(), String> {
        let mut got = vec![0u8; CHUNK];
        let mut want = vec![0u8; CHUNK];
        let zeros = vec![0u8; CHUNK];
        let mut pos = 0u64;
        loop {
            let n = match r.read(&mut got) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("read error at byte {pos}: {e}")),
            };
            if pos + n as u64 > self.len {
                return Err(format!("more than the {} bytes of the file", self.len));
            }
            let want = if self.has_data(pos, pos + n as u64) {
                self.fill(pos, &mut want[..n]);
                &want[..n]
            } else {
                &zeros[..n]
            };
            if got[..n] != *want {
                let i = (0..n).find(|&i| got[i] != want[i]).unwrap_or(0);
                return Err(format!(
                    "byte {} is {:#04x}, expected {:#04x}",
                    pos + i as u64,
                    got[i],
                    want[i]
                ));
            }
            pos += n as u64;
        }
        if pos != self.len {
            return Err(format!("{pos} bytes, expected {}", self.len));
        }
        Ok(())
    }

    /// SHA-256 of the model's bytes.
    pub fn sha256(&self) -> Hash {
        let mut h = Sha256::new();
        let mut buf = vec![0u8; CHUNK];
        let mut pos = 0u64;
        while pos < self.len {
            let n = (self.len - pos).min(CHUNK as u64) as usize;
            self.fill(pos, &mut buf[..n]);
            h.update(&buf[..n]);
            pos += n as u64;
        }
        h.finalize().into()
    }
}
