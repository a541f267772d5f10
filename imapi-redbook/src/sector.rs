//! Raw CD sectors: Mode 1 (sync, header, 2048 user bytes, EDC, P and Q parity) for raw reads
//! and exports.
//!
//! EDC is CRC-32 with the reflected polynomial 0xD8018001 over bytes 0–2063, stored least
//! significant byte first. P and Q are the RSPC codes of ECMA-130 Annex A over bytes 12–2351.

use crate::msf::{Lba, Msf, MsfError};

/// Bytes of a raw sector.
pub const RAW_SECTOR_LEN: usize = 2352;
/// User bytes of a Mode 1 sector.
pub const MODE1_DATA_LEN: usize = 2048;
/// The 12-byte sync pattern.
pub const SYNC: [u8; 12] = [0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00];

const EDC_AT: usize = 2064;
const P_AT: usize = 2076;
const Q_AT: usize = 2248;

/// A raw sector that is not a sound Mode 1 sector.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SectorError {
    /// Not 2352 bytes.
    #[error("sector of {0} bytes, {RAW_SECTOR_LEN} expected")]
    Length(usize),
    /// The sync pattern is wrong.
    #[error("no sync pattern")]
    Sync,
    /// The header address is not BCD.
    #[error(transparent)]
    Address(#[from] MsfError),
    /// The mode byte is not 1.
    #[error("mode byte {0:#04x}, Mode 1 expected")]
    Mode(u8),
    /// EDC mismatch.
    #[error("EDC {found:08X}, computed {computed:08X}")]
    Edc {
        /// Stored.
        found: u32,
        /// Computed.
        computed: u32,
    },
    /// P or Q parity mismatch.
    #[error("{0} parity mismatch")]
    Ecc(&'static str),
}

/// The catalogue's CRC-32/CD-ROM-EDC with sixteen tables of 256 entries (16 bytes a step). A
/// `const`, so the parameters fold into the code that uses it.
const EDC: crc::Crc<u32, crc::Table<16>> =
    crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_CD_ROM_EDC);

/// The EDC (CRC-32 "CD-ROM-EDC") of `data`.
pub fn edc(data: &[u8]) -> u32 {
    EDC.checksum(data)
}

/// GF(2^8) tables: F(x) = x·α, B(x ⊕ F(x)) = x.
const fn ecc_tables() -> ([u8; 256], [u8; 256]) {
    let mut f = [0u8; 256];
    let mut b = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let j = ((i << 1) ^ if i & 0x80 != 0 { 0x11D } else { 0 }) & 0xFF;
        f[i] = j as u8;
        b[i ^ j] = i as u8;
        i += 1;
    }
    (f, b)
}

static ECC: ([u8; 256], [u8; 256]) = ecc_tables();

/// One parity pass (P: 86, 24, 2, 86; Q: 52, 43, 86, 88) over bytes 12.. of the sector.
fn parity(
    sector: &[u8; RAW_SECTOR_LEN],
    majors: usize,
    minors: usize,
    mult: usize,
    inc: usize,
) -> Vec<u8> {
    let (f, b) = (&ECC.0, &ECC.1);
    let src = &sector[12..];
    let size = majors * minors;
    let mut out = vec![0u8; majors * 2];
    for major in 0..majors {
        let mut i = (major >> 1) * mult + (major & 1);
        let (mut p, mut q) = (0u8, 0u8);
        for _ in 0..minors {
            let t = src[i];
            i += inc;
            if i >= size {
                i -= size;
            }
            p ^= t;
            q ^= t;
            p = f[usize::from(p)];
        }
        p = b[usize::from(f[usize::from(p)] ^ q)];
        out[major] = p;
        out[major + majors] = p ^ q;
    }
    out
}

fn p_parity(s: &[u8; RAW_SECTOR_LEN]) -> Vec<u8> {
    parity(s, 86, 24, 2, 86)
}

fn q_parity(s: &[u8; RAW_SECTOR_LEN]) -> Vec<u8> {
    parity(s, 52, 43, 86, 88)
}

/// A raw Mode 1 sector at `lba` holding `data`.
pub fn mode1_sector(
    lba: Lba,
    data: &[u8; MODE1_DATA_LEN],
) -> Result<[u8; RAW_SECTOR_LEN], MsfError> {
    let mut s = [0u8; RAW_SECTOR_LEN];
    s[..12].copy_from_slice(&SYNC);
    s[12..15].copy_from_slice(&lba.to_msf()?.to_bcd());
    s[15] = 0x01;
    s[16..EDC_AT].copy_from_slice(data);
    let e = edc(&s[..EDC_AT]);
    s[EDC_AT..EDC_AT + 4].copy_from_slice(&e.to_le_bytes());
    let p = p_parity(&s);
    s[P_AT..Q_AT].copy_from_slice(&p);
    let q = q_parity(&s);
    s[Q_AT..].copy_from_slice(&q);
    Ok(s)
}

/// A checked Mode 1 sector: its address and user data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode1Sector<'a> {
    /// The header address.
    pub address: Msf,
    /// The 2048 user bytes.
    pub data: &'a [u8],
}

/// Checks a raw Mode 1 sector (sync, header, EDC, P and Q) and returns its parts.
pub fn parse_mode1(raw: &[u8]) -> Result<Mode1Sector<'_>, SectorError> {
    let s: &[u8; RAW_SECTOR_LEN] = raw.try_into().map_err(|_| SectorError::Length(raw.len()))?;
    if s[..12] != SYNC {
        return Err(SectorError::Sync);
    }
    let address = Msf::from_bcd([s[12], s[13], s[14]])?;
    if s[15] != 0x01 {
        return Err(SectorError::Mode(s[15]));
    }
    let found = u32::from_le_bytes([s[EDC_AT], s[EDC_AT + 1], s[EDC_AT + 2], s[EDC_AT + 3]]);
    let computed = edc(&s[..EDC_AT]);
    if found != computed {
        return Err(SectorError::Edc { found, computed });
    }
    if p_parity(s)[..] != s[P_AT..Q_AT] {
        return Err(SectorError::Ecc("P"));
    }
    if q_parity(s)[..] != s[Q_AT..] {
        return Err(SectorError::Ecc("Q"));
    }
    Ok(Mode1Sector { address, data: &s[16..EDC_AT] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_vector_lba_0() {
        let s = mode1_sector(Lba(0), &[0; 2048]).unwrap();
        assert_eq!(&s[12..16], &[0x00, 0x02, 0x00, 0x01]);
        assert_eq!(&s[2064..2068], &[0xC5, 0x13, 0x68, 0x2B]);
        assert_eq!(&s[2076..2084], &[0x00, 0xF7, 0x00, 0xF5, 0, 0, 0, 0]);
        assert_eq!(&s[2162..2170], &[0x00, 0xF5, 0x00, 0xF4, 0, 0, 0, 0]);
        assert_eq!(&s[2248..2256], &[0x00, 0x41, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&s[2300..2304], &[0x00, 0x43, 0, 0]);
        assert_eq!(&s[2344..2352], &[0x00, 0x00, 0x00, 0x90, 0x00, 0xC1, 0x00, 0x12]);
        let parsed = parse_mode1(&s).unwrap();
        assert_eq!(parsed.address.to_lba(), Lba(0));
    }

    #[test]
    fn reference_vector_lba_16_and_edc() {
        let s = mode1_sector(Lba(16), &[0; 2048]).unwrap();
        assert_eq!(&s[2064..2068], &[0xBC, 0x17, 0x00, 0x5F]);
        assert_eq!(edc(b"123456789"), 0x6EC2_EDC4);
        let mut hdr = vec![0u8; 2064];
        hdr[..12].copy_from_slice(&SYNC);
        hdr[12..16].copy_from_slice(&[0x12, 0x34, 0x56, 0x01]);
        for (i, b) in hdr.iter_mut().enumerate().skip(16) {
            *b = i as u8;
        }
        assert_eq!(edc(&hdr).to_le_bytes(), [0xEE, 0x9C, 0x2A, 0x0E]);
    }

    #[test]
    fn rejections() {
        let good = mode1_sector(Lba(5), &[7; 2048]).unwrap();
        assert_eq!(parse_mode1(&good[..100]), Err(SectorError::Length(100)));
        let mut s = good;
        s[0] = 1;
        assert_eq!(parse_mode1(&s), Err(SectorError::Sync));
        let mut s = good;
        s[15] = 2;
        assert_eq!(parse_mode1(&s), Err(SectorError::Mode(2)));
        let mut s = good;
        s[100] ^= 1;
        assert!(matches!(parse_mode1(&s), Err(SectorError::Edc { .. })));
        let mut s = good;
        s[2080] ^= 1;
        assert_eq!(parse_mode1(&s), Err(SectorError::Ecc("P")));
        let mut s = good;
        s[2300] ^= 1;
        assert_eq!(parse_mode1(&s), Err(SectorError::Ecc("Q")));
    }
}
