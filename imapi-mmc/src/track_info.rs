//! READ TRACK INFORMATION (52h).

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
    array, be16, be32, bit, cdb_bytes, flag, head, head_mut, Cdb, Direction, Reply, Request,
};
use crate::error::{CdbError, ReplyError};
use crate::macros::code_enum;

code_enum! {
    /// How the number of READ TRACK INFORMATION is read (b1 bits 1–0).
    pub enum AddressType(u8) {
        /// 00b: an LBA inside the track.
        Lba = 0,
        /// 01b: a track number (0xFF = the invisible/incomplete track on CD).
        Track = 1,
        /// 10b: a session number (its first track).
        Session = 2,
    }
}

/// The track number that names the invisible (incomplete) track on CD.
pub const INVISIBLE_TRACK: u32 = 0xFF;

/// READ TRACK INFORMATION (52h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReadTrackInformation {
    /// b1 bits 1–0.
    pub address_type: AddressType,
    /// b2–5: LBA, track or session number.
    pub number: u32,
    /// b7–8: allocation length.
    pub alloc_len: u16,
}

impl ReadTrackInformation {
    /// The invisible track: where the next write goes.
    pub const fn invisible() -> ReadTrackInformation {
        ReadTrackInformation {
            address_type: AddressType::Track,
            number: INVISIBLE_TRACK,
            alloc_len: TRACK_INFO_LEN_U16,
        }
    }

    /// Track `n`.
    pub const fn track(n: u32) -> ReadTrackInformation {
        ReadTrackInformation {
            address_type: AddressType::Track,
            number: n,
            alloc_len: TRACK_INFO_LEN_U16,
        }
    }
}

impl Request for ReadTrackInformation {
    const OPCODE: u8 = 0x52;
    const CDB_LEN: usize = 10;
    const NAME: &'static str = "READ TRACK INFORMATION";
    fn encode(&self) -> Cdb {
        let n = self.number.to_be_bytes();
        let al = self.alloc_len.to_be_bytes();
        Cdb::new([
            Self::OPCODE,
            u8::from(self.address_type) & 0x03,
            n[0],
            n[1],
            n[2],
            n[3],
            0,
            al[0],
            al[1],
            0,
        ])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<10>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(ReadTrackInformation {
            address_type: AddressType::from(b[1] & 0x03),
            number: be32([b[2], b[3], b[4], b[5]]),
            alloc_len: be16([b[7], b[8]]),
        })
    }
    fn direction(&self) -> Direction {
        Direction::In
    }
    fn transfer_len(&self) -> usize {
        usize::from(self.alloc_len)
    }
}

/// Length of the track information block as MMC-3 and later give it.
pub const TRACK_INFO_LEN: usize = TRACK_INFO_LEN_U16 as usize;
const TRACK_INFO_LEN_U16: u16 = 36;

mod field {
    use core::ops::Range;
    pub const LEN: Range<usize> = 0..2;
    pub const TRACK_LSB: usize = 2;
    pub const SESSION_LSB: usize = 3;
    pub const TRACK_MODE: usize = 5; // .5 damage, .4 copy, 3-0 track mode
    pub const DATA_MODE: usize = 6; // .7 RT, .6 blank, .5 packet, .4 FP, 3-0 data mode
    pub const VALID: usize = 7; // .1 LRA_V, .0 NWA_V
    pub const START: Range<usize> = 8..12;
    pub const NWA: Range<usize> = 12..16;
    pub const FREE: Range<usize> = 16..20;
    pub const PACKET_SIZE: Range<usize> = 20..24;
    pub const SIZE: Range<usize> = 24..28;
    pub const LRA: Range<usize> = 28..32;
    pub const TRACK_MSB: usize = 32;
    pub const SESSION_MSB: usize = 33;
}

/// Track information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TrackInformation {
    /// b2 + b32: track number.
    pub track: u16,
    /// b3 + b33: session number.
    pub session: u16,
    /// b5.5: damage.
    pub damage: bool,
    /// b5.4: copy.
    pub copy: bool,
    /// b5 bits 3–0: track mode (the CTL nibble: 4 = data).
    pub track_mode: u8,
    /// b6.7 RT: reserved track.
    pub reserved: bool,
    /// b6.6: blank (the invisible track).
    pub blank: bool,
    /// b6.5: packet/incremental.
    pub packet: bool,
    /// b6.4 FP: fixed packet.
    pub fixed_packet: bool,
    /// b6 bits 3–0: data mode (1 = Mode 1, 2 = Mode 2, 0Fh unknown).
    pub data_mode: u8,
    /// b7.1 LRA_V.
    pub lra_valid: bool,
    /// b7.0 NWA_V.
    pub nwa_valid: bool,
    /// b8–11: track start.
    pub start: Lba,
    /// b12–15: next writable address.
    pub nwa: Lba,
    /// b16–19: free blocks.
    pub free_blocks: u32,
    /// b20–23: fixed packet size.
    pub packet_size: u32,
    /// b24–27: track size.
    pub size: u32,
    /// b28–31: last recorded address.
    pub last_recorded: Lba,
}

impl Reply for TrackInformation {
    const WHAT: &'static str = "track information";

    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
        let b = head::<TRACK_INFO_LEN>(buf, Self::WHAT)?;
        let declared = 2 + usize::from(be16([b[0], b[1]]));
        if declared < TRACK_INFO_LEN {
            return Err(ReplyError::BadLength { what: Self::WHAT, declared, min: TRACK_INFO_LEN });
        }
        Ok(TrackInformation {
            track: be16([b[field::TRACK_MSB], b[field::TRACK_LSB]]),
            session: be16([b[field::SESSION_MSB], b[field::SESSION_LSB]]),
            damage: bit(b[field::TRACK_MODE], 5),
            copy: bit(b[field::TRACK_MODE], 4),
            track_mode: b[field::TRACK_MODE] & 0x0F,
            reserved: bit(b[field::DATA_MODE], 7),
            blank: bit(b[field::DATA_MODE], 6),
            packet: bit(b[field::DATA_MODE], 5),
            fixed_packet: bit(b[field::DATA_MODE], 4),
            data_mode: b[field::DATA_MODE] & 0x0F,
            lra_valid: bit(b[field::VALID], 1),
            nwa_valid: bit(b[field::VALID], 0),
            start: Lba::from_be_bytes(array(&b, field::START)),
            nwa: Lba::from_be_bytes(array(&b, field::NWA)),
            free_blocks: be32(array(&b, field::FREE)),
            packet_size: be32(array(&b, field::PACKET_SIZE)),
            size: be32(array(&b, field::SIZE)),
            last_recorded: Lba::from_be_bytes(array(&b, field::LRA)),
        })
    }

    fn buffer_len(&self) -> usize {
        TRACK_INFO_LEN
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        let b = head_mut::<TRACK_INFO_LEN>(buf, Self::WHAT)?;
        b.fill(0);
        b[field::LEN].copy_from_slice(&(TRACK_INFO_LEN_U16 - 2).to_be_bytes());
        let [tm, tl] = self.track.to_be_bytes();
        let [sm, sl] = self.session.to_be_bytes();
        b[field::TRACK_LSB] = tl;
        b[field::TRACK_MSB] = tm;
        b[field::SESSION_LSB] = sl;
        b[field::SESSION_MSB] = sm;
        b[field::TRACK_MODE] = flag(self.damage, 5) | flag(self.copy, 4) | self.track_mode & 0x0F;
        b[field::DATA_MODE] = flag(self.reserved, 7)
            | flag(self.blank, 6)
            | flag(self.packet, 5)
            | flag(self.fixed_packet, 4)
            | self.data_mode & 0x0F;
        b[field::VALID] = flag(self.lra_valid, 1) | flag(self.nwa_valid, 0);
        b[field::START].copy_from_slice(&self.start.to_be_bytes());
        b[field::NWA].copy_from_slice(&self.nwa.to_be_bytes());
        b[field::FREE].copy_from_slice(&self.free_blocks.to_be_bytes());
        b[field::PACKET_SIZE].copy_from_slice(&self.packet_size.to_be_bytes());
        b[field::SIZE].copy_from_slice(&self.size.to_be_bytes());
        b[field::LRA].copy_from_slice(&self.last_recorded.to_be_bytes());
        Ok(TRACK_INFO_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_track_on_blank_disc() {
        // Track 1, session 1, blank, NWA_V, start 0, NWA 0, 359 850 free blocks.
        let mut b = [0u8; 36];
        b[1] = 34;
        b[2] = 1;
        b[3] = 1;
        b[5] = 0x04;
        b[6] = 0x41;
        b[7] = 0x01;
        b[16..20].copy_from_slice(&359_850u32.to_be_bytes());
        let t = TrackInformation::parse(&b).unwrap();
        assert!(t.blank && t.nwa_valid && !t.lra_valid);
        assert_eq!((t.track, t.session, t.nwa, t.free_blocks), (1, 1, Lba(0), 359_850));
        assert_eq!(t.to_vec().unwrap(), b);
        assert_eq!(
            ReadTrackInformation::invisible().encode().as_bytes(),
            [0x52, 0x01, 0, 0, 0, 0xFF, 0, 0, 36, 0]
        );
    }

    #[test]
    fn negative_nwa() {
        let mut b = [0u8; 36];
        b[1] = 34;
        b[12..16].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0x6A]);
        assert_eq!(TrackInformation::parse(&b).unwrap().nwa, Lba(-150));
    }

    #[test]
    fn rejections() {
        let mut b = [0u8; 36];
        assert!(matches!(
            TrackInformation::parse(&b[..28]),
            Err(ReplyError::Truncated { need: 36, got: 28, .. })
        ));
        b[1] = 26;
        assert!(matches!(
            TrackInformation::parse(&b),
            Err(ReplyError::BadLength { declared: 28, .. })
        ));
    }
}
