//! Reading: READ CAPACITY (25h), READ(10) (28h) and READ CD (BEh).

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use imapi_redbook::Lba;

use crate::cdb::{
    be16, be24, be32, bit, cdb_bytes, flag, head, head_mut, to_be24, Cdb, Direction, Reply, Request,
};
use crate::error::{CdbError, ReplyError};
use crate::macros::code_enum;

/// READ CAPACITY (25h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ReadCapacity;

impl Request for ReadCapacity {
    const OPCODE: u8 = 0x25;
    const CDB_LEN: usize = 10;
    const NAME: &'static str = "READ CAPACITY";
    fn encode(&self) -> Cdb {
        Cdb::new([Self::OPCODE, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        cdb_bytes::<10>(cdb, Self::NAME, Self::OPCODE).map(|_| ReadCapacity)
    }
    fn direction(&self) -> Direction {
        Direction::In
    }
    fn transfer_len(&self) -> usize {
        CAPACITY_LEN
    }
}

/// Length of the READ CAPACITY reply.
pub const CAPACITY_LEN: usize = 8;

/// The reply of READ CAPACITY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Capacity {
    /// b0–3: the last readable LBA.
    pub last_lba: u32,
    /// b4–7: block length in bytes (2048).
    pub block_len: u32,
}

impl Capacity {
    /// Number of blocks (last LBA + 1).
    pub fn blocks(&self) -> u64 {
        u64::from(self.last_lba) + 1
    }
}

impl Reply for Capacity {
    const WHAT: &'static str = "READ CAPACITY reply";

    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
        let b = head::<CAPACITY_LEN>(buf, Self::WHAT)?;
        Ok(Capacity {
            last_lba: be32([b[0], b[1], b[2], b[3]]),
            block_len: be32([b[4], b[5], b[6], b[7]]),
        })
    }

    fn buffer_len(&self) -> usize {
        CAPACITY_LEN
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        let b = head_mut::<CAPACITY_LEN>(buf, Self::WHAT)?;
        b[..4].copy_from_slice(&self.last_lba.to_be_bytes());
        b[4..8].copy_from_slice(&self.block_len.to_be_bytes());
        Ok(CAPACITY_LEN)
    }
}

/// READ(10) (28h): `blocks` logical blocks of 2048 bytes from `lba`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Read10 {
    /// b1.4 DPO.
    pub dpo: bool,
    /// b1.3 FUA.
    pub fua: bool,
    /// b2–5.
    pub lba: u32,
    /// b7–8: number of blocks.
    pub blocks: u16,
}

impl Read10 {
    /// Read `blocks` blocks from `lba`.
    pub const fn new(lba: u32, blocks: u16) -> Read10 {
        Read10 { dpo: false, fua: false, lba, blocks }
    }
}

impl Request for Read10 {
    const OPCODE: u8 = 0x28;
    const CDB_LEN: usize = 10;
    const NAME: &'static str = "READ(10)";
    fn encode(&self) -> Cdb {
        let l = self.lba.to_be_bytes();
        let n = self.blocks.to_be_bytes();
        Cdb::new([
            Self::OPCODE,
            flag(self.dpo, 4) | flag(self.fua, 3),
            l[0],
            l[1],
            l[2],
            l[3],
            0,
            n[0],
            n[1],
            0,
        ])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<10>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(Read10 {
            dpo: bit(b[1], 4),
            fua: bit(b[1], 3),
            lba: be32([b[2], b[3], b[4], b[5]]),
            blocks: be16([b[7], b[8]]),
        })
    }
    fn direction(&self) -> Direction {
        Direction::In
    }
    fn transfer_len(&self) -> usize {
        0
    }
}

code_enum! {
    /// Expected sector type of READ CD (b1 bits 4–2).
    pub enum SectorType(u8) {
        /// 000b: any type.
        Any = 0,
        /// 001b: CD-DA.
        CdDa = 1,
        /// 010b: Mode 1.
        Mode1 = 2,
        /// 011b: Mode 2 formless.
        Mode2 = 3,
        /// 100b: Mode 2 Form 1.
        Mode2Form1 = 4,
        /// 101b: Mode 2 Form 2.
        Mode2Form2 = 5,
    }
}

/// The kind of a recorded block, for computing what READ CD returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockKind {
    /// 2352 bytes of audio.
    Audio,
    /// A Mode 1 sector.
    Mode1,
}

/// READ CD (BEh).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReadCd {
    /// b1 bits 4–2.
    pub sector_type: SectorType,
    /// b1.1 DAP: digital audio play.
    pub dap: bool,
    /// b2–5: starting LBA (signed).
    pub lba: Lba,
    /// b6–8: number of blocks (24 bits).
    pub blocks: u32,
    /// b9.7: sync field.
    pub sync: bool,
    /// b9 bits 6–5: header codes (0 none, 1 header, 2 subheader, 3 all).
    pub header_codes: u8,
    /// b9.4: user data.
    pub user_data: bool,
    /// b9.3: EDC and ECC.
    pub edc_ecc: bool,
    /// b9 bits 2–1: C2 error information (1 = 294 bytes, 2 = 296).
    pub c2: u8,
    /// b10 bits 2–0: sub-channel (0 none, 1 raw P–W, 2 Q, 4 R–W).
    pub subchannel: u8,
}

impl ReadCd {
    /// 2352-byte blocks of any type: the whole sector (sync, headers, data, EDC/ECC).
    pub const fn raw(lba: Lba, blocks: u32) -> ReadCd {
        ReadCd {
            sector_type: SectorType::Any,
            dap: false,
            lba,
            blocks,
            sync: true,
            header_codes: 3,
            user_data: true,
            edc_ecc: true,
            c2: 0,
            subchannel: 0,
        }
    }

    /// User data only (b9 = 10h): 2048 bytes of Mode 1, 2352 of audio.
    pub const fn user_data(sector_type: SectorType, lba: Lba, blocks: u32) -> ReadCd {
        ReadCd {
            sector_type,
            dap: false,
            lba,
            blocks,
            sync: false,
            header_codes: 0,
            user_data: true,
            edc_ecc: false,
            c2: 0,
            subchannel: 0,
        }
    }

    /// Bytes returned for one block of `kind`, in sector order: sync 12, header 4, user data,
    /// EDC/ECC 288 (Mode 1), C2 294 or 296, sub-channel 96 or 16. Audio has only user data.
    pub fn block_len(&self, kind: BlockKind) -> usize {
        let main = match kind {
            BlockKind::Audio => {
                if self.sync || self.header_codes != 0 || self.user_data || self.edc_ecc {
                    2352
                } else {
                    0
                }
            }
            BlockKind::Mode1 => {
                let header = if self.header_codes & 1 != 0 { 4 } else { 0 };
                usize::from(self.sync) * 12
                    + header
                    + usize::from(self.user_data) * 2048
                    + usize::from(self.edc_ecc) * 288
            }
        };
        let c2 = match self.c2 {
            1 => 294,
            2 => 296,
            _ => 0,
        };
        let sub = match self.subchannel {
            1 | 4 => 96,
            2 => 16,
            _ => 0,
        };
        main + c2 + sub
    }
}

impl Request for ReadCd {
    const OPCODE: u8 = 0xBE;
    const CDB_LEN: usize = 12;
    const NAME: &'static str = "READ CD";
    fn encode(&self) -> Cdb {
        let l = self.lba.to_be_bytes();
        let n = to_be24(self.blocks);
        let b9 = flag(self.sync, 7)
            | (self.header_codes & 0x03) << 5
            | flag(self.user_data, 4)
            | flag(self.edc_ecc, 3)
            | (self.c2 & 0x03) << 1;
        Cdb::new([
            Self::OPCODE,
            (u8::from(self.sector_type) & 0x07) << 2 | flag(self.dap, 1),
            l[0],
            l[1],
            l[2],
            l[3],
            n[0],
            n[1],
            n[2],
            b9,
            self.subchannel & 0x07,
            0,
        ])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<12>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(ReadCd {
            sector_type: SectorType::from((b[1] >> 2) & 0x07),
            dap: bit(b[1], 1),
            lba: Lba::from_be_bytes([b[2], b[3], b[4], b[5]]),
            blocks: be24([b[6], b[7], b[8]]),
            sync: bit(b[9], 7),
            header_codes: (b[9] >> 5) & 0x03,
            user_data: bit(b[9], 4),
            edc_ecc: bit(b[9], 3),
            c2: (b[9] >> 1) & 0x03,
            subchannel: b[10] & 0x07,
        })
    }
    fn direction(&self) -> Direction {
        Direction::In
    }
    fn transfer_len(&self) -> usize {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden() {
        assert_eq!(Read10::new(16, 2).encode().as_bytes(), [0x28, 0, 0, 0, 0, 16, 0, 0, 2, 0]);
        // Audio user data (type 001b, b9 = 10h), as the reference's READ CD on audio.
        let r = ReadCd::user_data(SectorType::CdDa, Lba(0), 1);
        assert_eq!(r.encode().as_bytes(), [0xBE, 0x04, 0, 0, 0, 0, 0, 0, 1, 0x10, 0, 0]);
        assert_eq!(r.block_len(BlockKind::Audio), 2352);
        assert_eq!(
            ReadCd::user_data(SectorType::Mode1, Lba(0), 1).block_len(BlockKind::Mode1),
            2048
        );
        let raw = ReadCd::raw(Lba(-150), 1);
        assert_eq!(raw.encode().as_bytes()[2..6], [0xFF, 0xFF, 0xFF, 0x6A]);
        assert_eq!(raw.encode().as_bytes()[9], 0xF8);
        assert_eq!(raw.block_len(BlockKind::Mode1), 2352);
        let c = Capacity { last_lba: 1234, block_len: 2048 };
        assert_eq!(c.to_vec().unwrap(), [0, 0, 4, 0xD2, 0, 0, 8, 0]);
        assert_eq!(c.blocks(), 1235);
    }

    #[test]
    fn rejections() {
        assert!(matches!(
            Capacity::parse(&[0; 7]),
            Err(ReplyError::Truncated { need: 8, got: 7, .. })
        ));
        assert!(matches!(
            ReadCd::parse(&[0xBE; 11]),
            Err(CdbError::Truncated { need: 12, got: 11, .. })
        ));
    }
}
