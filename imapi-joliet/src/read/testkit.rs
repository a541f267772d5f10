//! A small valid image built field by field, with the place of every structure named, for
//! tests that corrupt one field and check what the reader and the verifier say.
//!
//! Layout (blocks from the session start): 16 PVD, 17 Joliet SVD, 18 terminator, 19/20 ISO
//! path tables L/M, 21/22 Joliet L/M, 23 ISO root, 24 ISO `DIR`, 25 Joliet root, 26 Joliet
//! `dir`, 27 `A.TXT` ("hello"), 28–29 `BIG.DAT` in two sections, 30 `DIR/B.TXT` ("bee").

use zerocopy::byteorder::{BigEndian, LittleEndian, U32};
use zerocopy::IntoBytes;

use super::{Image, Options};
use crate::format::raw::{vd_type, BothU16, BothU32, VolumeDescriptor, BLOCK, JOLIET_ESCAPE_L3};
use crate::format::raw::{FLAG_DIRECTORY, FLAG_MULTI_EXTENT};

pub const PVD: u64 = 16;
pub const SVD: u64 = 17;
pub const TERM: u64 = 18;
pub const ISO_L: u64 = 19;
pub const ISO_M: u64 = 20;
pub const J_L: u64 = 21;
pub const J_M: u64 = 22;
pub const ISO_ROOT: u64 = 23;
pub const ISO_DIR: u64 = 24;
pub const J_ROOT: u64 = 25;
pub const J_DIR: u64 = 26;
pub const A_TXT: u64 = 27;
pub const BIG_1: u64 = 28;
pub const BIG_2: u64 = 29;
pub const B_TXT: u64 = 30;
pub const BLOCKS: u64 = 31;

/// The byte of the root record inside a volume descriptor.
pub const ROOT_RECORD_AT: usize = 156;
/// The recording date of every record: 2024-05-06 07:08:09 at GMT+01:00.
pub const DATE: [u8; 7] = [124, 5, 6, 7, 8, 9, 4];
pub const A: &[u8] = b"hello";
pub const B: &[u8] = b"bee";
/// Length of `BIG.DAT`'s second section.
pub const BIG_TAIL: u32 = 100;

pub fn big() -> Vec<u8> {
    (0..BLOCK + BIG_TAIL as usize).map(|i| (i % 251) as u8).collect()
}

/// One directory record.
pub fn record(extent: u64, len: u32, flags: u8, ident: &[u8]) -> Vec<u8> {
    let len_fi = ident.len();
    let len_dr = 33 + len_fi + (len_fi + 1) % 2;
    let mut r = vec![0u8; len_dr];
    r[0] = len_dr as u8;
    r[2..10].copy_from_slice(BothU32::new(extent as u32).as_bytes());
    r[10..18].copy_from_slice(BothU32::new(len).as_bytes());
    r[18..25].copy_from_slice(&DATE);
    r[25] = flags;
    r[28..32].copy_from_slice(BothU16::new(1).as_bytes());
    r[32] = len_fi as u8;
    r[33..33 + len_fi].copy_from_slice(ident);
    r
}

pub fn ucs2(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

fn pad<const N: usize>(s: &[u8], fill: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    for (i, b) in out.iter_mut().enumerate() {
        *b = s.get(i).copied().unwrap_or(fill[i % fill.len()]);
    }
    out
}

/// The fixture image and the block its session starts at.
pub struct Fixture {
    pub base: u64,
    pub bytes: Vec<u8>,
}

impl Fixture {
    /// The image, single session, with a Joliet tree.
    pub fn new() -> Self {
        Self::build(0, true)
    }

    /// Without a Joliet tree: block 17 is a supplementary descriptor with no escape sequence.
    pub fn iso_only() -> Self {
        Self::build(0, false)
    }

    /// A last session starting at block `base` (blocks before it are zero).
    pub fn at(base: u64) -> Self {
        Self::build(base, true)
    }

    fn build(base: u64, joliet: bool) -> Self {
        let mut f = Self { base, bytes: vec![0; ((base + BLOCKS) as usize) * BLOCK] };
        let b = |n: u64| base + n;
        let dir = FLAG_DIRECTORY;
        let iso_root = [
            record(b(ISO_ROOT), 2048, dir, &[0]),
            record(b(ISO_ROOT), 2048, dir, &[1]),
            record(b(A_TXT), A.len() as u32, 0, b"A.TXT;1"),
            record(b(BIG_1), 2048, FLAG_MULTI_EXTENT, b"BIG.DAT;1"),
            record(b(BIG_2), BIG_TAIL, 0, b"BIG.DAT;1"),
            record(b(ISO_DIR), 2048, dir, b"DIR"),
        ];
        let iso_dir = [
            record(b(ISO_DIR), 2048, dir, &[0]),
            record(b(ISO_ROOT), 2048, dir, &[1]),
            record(b(B_TXT), B.len() as u32, 0, b"B.TXT;1"),
        ];
        let j_root = [
            record(b(J_ROOT), 2048, dir, &[0]),
            record(b(J_ROOT), 2048, dir, &[1]),
            record(b(A_TXT), A.len() as u32, 0, &ucs2("a.txt")),
            record(b(BIG_1), 2048, FLAG_MULTI_EXTENT, &ucs2("big.dat")),
            record(b(BIG_2), BIG_TAIL, 0, &ucs2("big.dat")),
            record(b(J_DIR), 2048, dir, &ucs2("dir")),
        ];
        let j_dir = [
            record(b(J_DIR), 2048, dir, &[0]),
            record(b(J_ROOT), 2048, dir, &[1]),
            record(b(B_TXT), B.len() as u32, 0, &ucs2("b.txt")),
        ];
        f.write_dir(ISO_ROOT, &iso_root);
        f.write_dir(ISO_DIR, &iso_dir);
        f.write_dir(J_ROOT, &j_root);
        f.write_dir(J_DIR, &j_dir);
        f.put(f.off(A_TXT), A);
        f.put(f.off(BIG_1), &big());
        f.put(f.off(B_TXT), B);
        let iso_pt = [(b(ISO_ROOT), 1u16, vec![0u8]), (b(ISO_DIR), 1, b"DIR".to_vec())];
        let j_pt = [(b(J_ROOT), 1u16, vec![0u8]), (b(J_DIR), 1, ucs2("dir"))];
        let iso_pt_len = f.write_path_tables(ISO_L, ISO_M, &iso_pt);
        let j_pt_len = f.write_path_tables(J_L, J_M, &j_pt);

        let mut pvd = f.descriptor(vd_type::PRIMARY, ISO_ROOT, ISO_L, ISO_M, iso_pt_len);
        pvd.volume_id = pad(b"FIXTURE", b" ");
        pvd.system_id = pad(b"LINUX", b" ");
        f.put(f.off(PVD), pvd.as_bytes());
        let mut svd = f.descriptor(vd_type::SUPPLEMENTARY, J_ROOT, J_L, J_M, j_pt_len);
        if joliet {
            svd.escapes = pad(&JOLIET_ESCAPE_L3, &[0]);
        }
        svd.volume_id = pad(&ucs2("fixture"), &[0, b' ']);
        svd.system_id = pad(&ucs2("LINUX"), &[0, b' ']);
        f.put(f.off(SVD), svd.as_bytes());
        f.put(f.off(TERM), VolumeDescriptor::new(vd_type::TERMINATOR).as_bytes());
        f
    }

    fn descriptor(&self, kind: u8, root: u64, l: u64, m: u64, pt_len: u32) -> VolumeDescriptor {
        let mut vd = VolumeDescriptor::new(kind);
        let b = |n: u64| (self.base + n) as u32;
        vd.volume_space_size = BothU32::new(b(BLOCKS));
        vd.volume_set_size = BothU16::new(1);
        vd.volume_seq = BothU16::new(1);
        vd.block_size = BothU16::new(2048);
        vd.path_table_size = BothU32::new(pt_len);
        vd.l_path_table = U32::<LittleEndian>::new(b(l));
        vd.m_path_table = U32::<BigEndian>::new(b(m));
        vd.root_record.copy_from_slice(&record(self.base + root, 2048, FLAG_DIRECTORY, &[0]));
        let date = *b"2024050607080900\x04";
        vd.creation_date = date;
        vd.modification_date = date;
        vd.expiration_date = *b"0000000000000000\0";
        vd.effective_date = *b"0000000000000000\0";
        vd.volume_set_id = pad(b"", b" ");
        vd.publisher_id = pad(b"", b" ");
        vd.preparer_id = pad(b"", b" ");
        vd.application_id = pad(b"", b" ");
        vd.copyright_file_id = pad(b"", b" ");
        vd.abstract_file_id = pad(b"", b" ");
        vd.bibliographic_file_id = pad(b"", b" ");
        vd.file_structure_version = 1;
        vd
    }

    fn write_path_tables(&mut self, l: u64, m: u64, recs: &[(u64, u16, Vec<u8>)]) -> u32 {
        let mut lt = Vec::new();
        let mut mt = Vec::new();
        for (extent, parent, id) in recs {
            for (t, little) in [(&mut lt, true), (&mut mt, false)] {
                t.push(id.len() as u8);
                t.push(0);
                let e = *extent as u32;
                t.extend(if little { e.to_le_bytes() } else { e.to_be_bytes() });
                t.extend(if little { parent.to_le_bytes() } else { parent.to_be_bytes() });
                t.extend(id);
                if id.len() % 2 == 1 {
                    t.push(0);
                }
            }
        }
        self.put(self.off(l), &lt);
        self.put(self.off(m), &mt);
        lt.len() as u32
    }

    /// Lays `records` out from the start of directory block `block`.
    pub fn write_dir(&mut self, block: u64, records: &[Vec<u8>]) {
        let at = self.off(block);
        self.bytes[at..at + BLOCK].fill(0);
        let mut pos = at;
        for r in records {
            self.put(pos, r);
            pos += r.len();
        }
    }

    /// The byte of block `block` (counted from the session start).
    pub fn off(&self, block: u64) -> usize {
        ((self.base + block) as usize) * BLOCK
    }

    /// The byte of the `n`-th record (0 is `.`) of the directory at `block`.
    pub fn rec(&self, block: u64, n: usize) -> usize {
        let mut at = self.off(block);
        for _ in 0..n {
            at += usize::from(self.bytes[at]);
        }
        at
    }

    pub fn put(&mut self, at: usize, bytes: &[u8]) {
        self.bytes[at..at + bytes.len()].copy_from_slice(bytes);
    }

    /// Writes a both-endian u32 at `at`.
    pub fn put32(&mut self, at: usize, v: u32) {
        self.put(at, BothU32::new(v).as_bytes());
    }

    /// Parses the image strictly (with the session start as its base).
    pub fn image(&self) -> Result<Image<&[u8]>, super::ReadError> {
        self.image_with(Options::new())
    }

    /// Parses the image with `opts` (the session start is set from the fixture).
    pub fn image_with(&self, opts: Options) -> Result<Image<&[u8]>, super::ReadError> {
        Image::parse_with(&self.bytes, opts.session_start(self.base as u32))
    }
}
