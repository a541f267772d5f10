//! Recording: WRITE(10) (2Ah), SYNCHRONIZE CACHE (35h), CLOSE TRACK/SESSION (5Bh), BLANK
//! (A1h), SEND OPC INFORMATION (54h) and READ BUFFER CAPACITY (5Ch).

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
    be16, be32, bit, cdb_bytes, flag, head, head_mut, Cdb, Direction, Reply, Request,
};
use crate::error::{CdbError, ReplyError};
use crate::macros::code_enum;

/// WRITE(10) (2Ah): `blocks` blocks from `lba`; the block size follows the write parameters
/// (2048 Mode 1, 2352 audio).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Write10 {
    /// b1.3 FUA.
    pub fua: bool,
    /// b2–5: signed LBA (−150 for the first Session-at-Once block).
    pub lba: Lba,
    /// b7–8.
    pub blocks: u16,
}

impl Write10 {
    /// Write `blocks` blocks at `lba`.
    pub const fn new(lba: Lba, blocks: u16) -> Write10 {
        Write10 { fua: false, lba, blocks }
    }
}

impl Request for Write10 {
    const OPCODE: u8 = 0x2A;
    const CDB_LEN: usize = 10;
    const NAME: &'static str = "WRITE(10)";
    fn encode(&self) -> Cdb {
        let l = self.lba.to_be_bytes();
        let n = self.blocks.to_be_bytes();
        Cdb::new([Self::OPCODE, flag(self.fua, 3), l[0], l[1], l[2], l[3], 0, n[0], n[1], 0])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<10>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(Write10 {
            fua: bit(b[1], 3),
            lba: Lba::from_be_bytes([b[2], b[3], b[4], b[5]]),
            blocks: be16([b[7], b[8]]),
        })
    }
    fn direction(&self) -> Direction {
        Direction::Out
    }
    fn transfer_len(&self) -> usize {
        0
    }
}

/// SYNCHRONIZE CACHE (35h): write out the drive's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SynchronizeCache {
    /// b1.1 IMMED.
    pub immed: bool,
    /// b2–5.
    pub lba: u32,
    /// b7–8 (0 = all).
    pub blocks: u16,
}

impl Request for SynchronizeCache {
    const OPCODE: u8 = 0x35;
    const CDB_LEN: usize = 10;
    const NAME: &'static str = "SYNCHRONIZE CACHE";
    fn encode(&self) -> Cdb {
        let l = self.lba.to_be_bytes();
        let n = self.blocks.to_be_bytes();
        Cdb::new([Self::OPCODE, flag(self.immed, 1), l[0], l[1], l[2], l[3], 0, n[0], n[1], 0])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<10>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(SynchronizeCache {
            immed: bit(b[1], 1),
            lba: be32([b[2], b[3], b[4], b[5]]),
            blocks: be16([b[7], b[8]]),
        })
    }
    fn direction(&self) -> Direction {
        Direction::None
    }
    fn transfer_len(&self) -> usize {
        0
    }
}

code_enum! {
    /// Close function of CLOSE TRACK/SESSION (b2 bits 2–0).
    pub enum CloseFunction(u8) {
        /// 001b: close the track.
        Track = 1,
        /// 010b: close the session (finalizes when page 05h says so).
        Session = 2,
    }
}

/// CLOSE TRACK/SESSION (5Bh).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CloseTrackSession {
    /// b1.0 IMMED.
    pub immed: bool,
    /// b2 bits 2–0.
    pub function: CloseFunction,
    /// b4–5: track number.
    pub number: u16,
}

impl CloseTrackSession {
    /// Close track `n`.
    pub const fn track(n: u16) -> CloseTrackSession {
        CloseTrackSession { immed: false, function: CloseFunction::Track, number: n }
    }

    /// Close the session.
    pub const fn session() -> CloseTrackSession {
        CloseTrackSession { immed: false, function: CloseFunction::Session, number: 0 }
    }
}

impl Request for CloseTrackSession {
    const OPCODE: u8 = 0x5B;
    const CDB_LEN: usize = 10;
    const NAME: &'static str = "CLOSE TRACK/SESSION";
    fn encode(&self) -> Cdb {
        let n = self.number.to_be_bytes();
        Cdb::new([
            Self::OPCODE,
            flag(self.immed, 0),
            u8::from(self.function) & 0x07,
            0,
            n[0],
            n[1],
            0,
            0,
            0,
            0,
        ])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<10>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(CloseTrackSession {
            immed: bit(b[1], 0),
            function: CloseFunction::from(b[2] & 0x07),
            number: be16([b[4], b[5]]),
        })
    }
    fn direction(&self) -> Direction {
        Direction::None
    }
    fn transfer_len(&self) -> usize {
        0
    }
}

code_enum! {
    /// Blanking type (b1 bits 2–0).
    pub enum BlankType(u8) {
        /// 000b: the whole disc.
        Full = 0,
        /// 001b: minimal (PMA, TOC, first pregap).
        Minimal = 1,
        /// 010b: an incomplete track.
        IncompleteTrack = 2,
        /// 011b: unreserve a track.
        UnreserveTrack = 3,
        /// 100b: a track's tail.
        TrackTail = 4,
        /// 101b: unclose the last session.
        UncloseSession = 5,
        /// 110b: erase the last session.
        EraseSession = 6,
    }
}

/// BLANK (A1h), CD-RW only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Blank {
    /// b1.4 IMMED.
    pub immed: bool,
    /// b1 bits 2–0.
    pub blank_type: BlankType,
    /// b2–5: start address or track number.
    pub start: u32,
}

impl Blank {
    /// Blank by `blank_type`, waiting for the end.
    pub const fn new(blank_type: BlankType) -> Blank {
        Blank { immed: false, blank_type, start: 0 }
    }
}

impl Request for Blank {
    const OPCODE: u8 = 0xA1;
    const CDB_LEN: usize = 12;
    const NAME: &'static str = "BLANK";
    fn encode(&self) -> Cdb {
        let s = self.start.to_be_bytes();
        Cdb::new([
            Self::OPCODE,
            flag(self.immed, 4) | u8::from(self.blank_type) & 0x07,
            s[0],
            s[1],
            s[2],
            s[3],
            0,
            0,
            0,
            0,
            0,
            0,
        ])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<12>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(Blank {
            immed: bit(b[1], 4),
            blank_type: BlankType::from(b[1] & 0x07),
            start: be32([b[2], b[3], b[4], b[5]]),
        })
    }
    fn direction(&self) -> Direction {
        Direction::None
    }
    fn transfer_len(&self) -> usize {
        0
    }
}

/// SEND OPC INFORMATION (54h): optimum power calibration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SendOpcInformation {
    /// b1.0 DoOPC: calibrate now.
    pub do_opc: bool,
    /// b7–8: parameter list length.
    pub param_len: u16,
}

impl Request for SendOpcInformation {
    const OPCODE: u8 = 0x54;
    const CDB_LEN: usize = 10;
    const NAME: &'static str = "SEND OPC INFORMATION";
    fn encode(&self) -> Cdb {
        let l = self.param_len.to_be_bytes();
        Cdb::new([Self::OPCODE, flag(self.do_opc, 0), 0, 0, 0, 0, 0, l[0], l[1], 0])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<10>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(SendOpcInformation { do_opc: bit(b[1], 0), param_len: be16([b[7], b[8]]) })
    }
    fn direction(&self) -> Direction {
        if self.param_len == 0 {
            Direction::None
        } else {
            Direction::Out
        }
    }
    fn transfer_len(&self) -> usize {
        usize::from(self.param_len)
    }
}

/// READ BUFFER CAPACITY (5Ch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReadBufferCapacity {
    /// b1.0 Block: report in blocks rather than bytes.
    pub block: bool,
    /// b7–8: allocation length.
    pub alloc_len: u16,
}

impl Default for ReadBufferCapacity {
    fn default() -> Self {
        ReadBufferCapacity { block: false, alloc_len: u16::from(BUFFER_CAPACITY_LEN_U8) }
    }
}

impl Request for ReadBufferCapacity {
    const OPCODE: u8 = 0x5C;
    const CDB_LEN: usize = 10;
    const NAME: &'static str = "READ BUFFER CAPACITY";
    fn encode(&self) -> Cdb {
        let l = self.alloc_len.to_be_bytes();
        Cdb::new([Self::OPCODE, flag(self.block, 0), 0, 0, 0, 0, 0, l[0], l[1], 0])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<10>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(ReadBufferCapacity { block: bit(b[1], 0), alloc_len: be16([b[7], b[8]]) })
    }
    fn direction(&self) -> Direction {
        Direction::In
    }
    fn transfer_len(&self) -> usize {
        usize::from(self.alloc_len)
    }
}

/// Length of the READ BUFFER CAPACITY reply.
pub const BUFFER_CAPACITY_LEN: usize = BUFFER_CAPACITY_LEN_U8 as usize;
const BUFFER_CAPACITY_LEN_U8: u8 = 12;

/// The reply of READ BUFFER CAPACITY (byte form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BufferCapacity {
    /// b4–7: buffer length in bytes.
    pub length: u32,
    /// b8–11: free ("blank") bytes.
    pub free: u32,
}

impl Reply for BufferCapacity {
    const WHAT: &'static str = "buffer capacity";

    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
        let b = head::<BUFFER_CAPACITY_LEN>(buf, Self::WHAT)?;
        let declared = usize::from(be16([b[0], b[1]])) + 2;
        if declared < BUFFER_CAPACITY_LEN {
            return Err(ReplyError::BadLength {
                what: Self::WHAT,
                declared,
                min: BUFFER_CAPACITY_LEN,
            });
        }
        Ok(BufferCapacity {
            length: be32([b[4], b[5], b[6], b[7]]),
            free: be32([b[8], b[9], b[10], b[11]]),
        })
    }

    fn buffer_len(&self) -> usize {
        BUFFER_CAPACITY_LEN
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        let b = head_mut::<BUFFER_CAPACITY_LEN>(buf, Self::WHAT)?;
        b[..4].copy_from_slice(&[0, BUFFER_CAPACITY_LEN_U8 - 2, 0, 0]);
        b[4..8].copy_from_slice(&self.length.to_be_bytes());
        b[8..12].copy_from_slice(&self.free.to_be_bytes());
        Ok(BUFFER_CAPACITY_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden() {
        // −150 as 4-byte two's complement: FF FF FF 6A (reference §1.5).
        assert_eq!(
            Write10::new(Lba(-150), 27).encode().as_bytes(),
            [0x2A, 0, 0xFF, 0xFF, 0xFF, 0x6A, 0, 0, 27, 0]
        );
        assert_eq!(
            Write10::parse(&[0x2A, 0, 0xFF, 0xFF, 0xD2, 0x8D, 0, 0, 1, 0]).unwrap().lba,
            Lba(-11_635)
        );
        assert_eq!(
            SynchronizeCache { immed: true, ..Default::default() }.encode().as_bytes(),
            [0x35, 0x02, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            CloseTrackSession::session().encode().as_bytes(),
            [0x5B, 0, 0x02, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            CloseTrackSession::track(1).encode().as_bytes(),
            [0x5B, 0, 0x01, 0, 0, 1, 0, 0, 0, 0]
        );
        assert_eq!(
            Blank { immed: true, blank_type: BlankType::Minimal, start: 0 }.encode().as_bytes(),
            [0xA1, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            SendOpcInformation { do_opc: true, param_len: 0 }.encode().as_bytes(),
            [0x54, 1, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            ReadBufferCapacity::default().encode().as_bytes(),
            [0x5C, 0, 0, 0, 0, 0, 0, 0, 12, 0]
        );
        let c = BufferCapacity { length: 2 << 20, free: 1 << 20 };
        assert_eq!(c.to_vec().unwrap(), [0, 10, 0, 0, 0, 0x20, 0, 0, 0, 0x10, 0, 0]);
    }

    #[test]
    fn rejections() {
        assert!(matches!(
            BufferCapacity::parse(&[0, 10, 0]),
            Err(ReplyError::Truncated { need: 12, .. })
        ));
        assert!(matches!(
            BufferCapacity::parse(&[0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(ReplyError::BadLength { declared: 11, .. })
        ));
        assert!(matches!(
            Blank::parse(&[0x5B; 12]),
            Err(CdbError::Opcode { expected: 0xA1, got: 0x5B, .. })
        ));
    }
}
