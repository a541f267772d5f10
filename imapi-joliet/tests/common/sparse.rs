//! Images of many gigabytes that are mostly zero, held as their non-zero blocks only, and the
//! multi-extent test files whose content is known everywhere.
//!
//! File format of a stored sparse image (little-endian): a run is `block: u64, count: u32`
//! then `count` blocks of 2048 bytes; a last run with `count` 0 gives in `block` the image's
//! length in blocks.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::path::Path;

use imapi_joliet::read::ReadAt;

const BLOCK: usize = 2048;
const ZERO: [u8; BLOCK] = [0; BLOCK];

/// An image of `blocks` blocks whose blocks not in `data` are zero.
pub struct SparseImage {
    data: BTreeMap<u64, Box<[u8; BLOCK]>>,
    blocks: u64,
}

impl SparseImage {
    /// Reads a whole image from `r`, keeping its non-zero blocks.
    pub fn from_stream(mut r: impl Read) -> io::Result<Self> {
        let mut data = BTreeMap::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut blocks = 0u64;
        let mut filled = 0usize;
        loop {
            let n = r.read(&mut buf[filled..])?;
            filled += n;
            if n != 0 && filled < buf.len() {
                continue;
            }
            let whole = filled / BLOCK * BLOCK;
            for chunk in buf[..whole].chunks_exact(BLOCK) {
                if chunk != ZERO {
                    data.insert(blocks, Box::new(chunk.try_into().unwrap()));
                }
                blocks += 1;
            }
            buf.copy_within(whole..filled, 0);
            filled -= whole;
            if n == 0 {
                assert_eq!(filled, 0, "the image is not a whole number of blocks");
                return Ok(Self { data, blocks });
            }
        }
    }

    /// Loads a stored sparse image.
    pub fn load(path: &Path) -> io::Result<Self> {
        let bytes = std::fs::read(path)?;
        let mut data = BTreeMap::new();
        let mut pos = 0;
        loop {
            let block = u64::from_le_bytes(bytes[pos..pos + 8].try_into().unwrap());
            let count = u32::from_le_bytes(bytes[pos + 8..pos + 12].try_into().unwrap()) as u64;
            pos += 12;
            if count == 0 {
                return Ok(Self { data, blocks: block });
            }
            for i in 0..count {
                data.insert(block + i, Box::new(bytes[pos..pos + BLOCK].try_into().unwrap()));
                pos += BLOCK;
            }
        }
    }

    /// Stores the image's non-zero blocks.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let mut out = Vec::new();
        let blocks: Vec<_> = self.data.iter().collect();
        let mut i = 0;
        while i < blocks.len() {
            let start = *blocks[i].0;
            let mut j = i;
            while j + 1 < blocks.len() && *blocks[j + 1].0 == *blocks[j].0 + 1 {
                j += 1;
            }
            out.extend(start.to_le_bytes());
            out.extend(((j - i + 1) as u32).to_le_bytes());
            for (_, b) in &blocks[i..=j] {
                out.extend_from_slice(&b[..]);
            }
            i = j + 1;
        }
        out.extend(self.blocks.to_le_bytes());
        out.extend(0u32.to_le_bytes());
        std::fs::File::create(path)?.write_all(&out)
    }
}

impl ReadAt for SparseImage {
    fn len(&self) -> u64 {
        self.blocks * BLOCK as u64
    }

    fn bytes_at(&self, offset: u64, len: usize) -> io::Result<Cow<'_, [u8]>> {
        let mut v = vec![0; len];
        self.read_exact_at(offset, &mut v)?;
        Ok(Cow::Owned(v))
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        if offset + buf.len() as u64 > self.len() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.fill(0);
        let first = offset / BLOCK as u64;
        let last = (offset + buf.len() as u64).div_ceil(BLOCK as u64);
        for (&b, block) in self.data.range(first..last) {
            let start = b * BLOCK as u64;
            let from = offset.max(start);
            let to = (offset + buf.len() as u64).min(start + BLOCK as u64);
            buf[(from - offset) as usize..(to - offset) as usize]
                .copy_from_slice(&block[(from - start) as usize..(to - start) as usize]);
        }
        Ok(())
    }
}

/// The largest section xorriso writes.
pub const SECTION: u64 = 0xFFFF_F800;

/// A test file: its name, size, and 8-byte marks at known offsets (zero elsewhere).
pub struct MarkedFile {
    pub name: &'static str,
    pub size: u64,
}

/// Files of two and three sections (pitfall 6), marked at both ends of every section boundary.
pub const MARKED: [MarkedFile; 2] = [
    MarkedFile { name: "big.bin", size: 4500 << 20 },
    MarkedFile { name: "ten.bin", size: 10 << 30 },
];

impl MarkedFile {
    /// The sections xorriso makes: [`SECTION`] bytes each while more than 4 GiB − 1 remain,
    /// then the rest.
    pub fn sections(&self) -> Vec<u64> {
        let mut rest = self.size;
        let mut out = Vec::new();
        while rest > u64::from(u32::MAX) {
            out.push(SECTION);
            rest -= SECTION;
        }
        out.push(rest);
        out
    }

    /// (offset, 8 bytes) of every mark.
    pub fn marks(&self) -> Vec<(u64, [u8; 8])> {
        let mut m = vec![(0, *b"<start> ")];
        let sections = self.sections();
        let mut boundary = 0;
        for len in &sections[..sections.len() - 1] {
            boundary += len;
            m.push((boundary - 8, *b"<before>"));
            m.push((boundary, *b"<after> "));
        }
        if self.size >= 16 {
            m.push((self.size - 8, *b"  <end> "));
        }
        m
    }

    /// Creates the file, sparse, in `dir`.
    pub fn create(&self, dir: &Path) {
        let f = std::fs::File::create(dir.join(self.name)).unwrap();
        f.set_len(self.size).unwrap();
        for (off, mark) in self.marks() {
            std::os::unix::fs::FileExt::write_all_at(&f, &mark, off).unwrap();
        }
    }

    /// Reads `r` to its end and checks it holds exactly this file's bytes, chunk by chunk.
    pub fn check_stream(&self, mut r: impl Read) {
        let marks = self.marks();
        let mut buf = vec![0u8; 4 << 20];
        let mut want = vec![0u8; 4 << 20];
        let mut pos = 0u64;
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            want[..n].fill(0);
            for (off, mark) in &marks {
                for (i, b) in mark.iter().enumerate() {
                    let at = off + i as u64;
                    if at >= pos && at < pos + n as u64 {
                        want[(at - pos) as usize] = *b;
                    }
                }
            }
            assert!(
                buf[..n] == want[..n],
                "{}: bytes differ in {}..{}",
                self.name,
                pos,
                pos + n as u64
            );
            pos += n as u64;
        }
        assert_eq!(pos, self.size, "{}: stream length", self.name);
    }
}
