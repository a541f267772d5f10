//! READ DISC INFORMATION (51h), standard disc information.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use imapi_redbook::Msf;

use crate::cdb::{
    array, be16, be32, bit, cdb_bytes, flag, head, head_mut, Cdb, Direction, Reply, Request,
};
use crate::error::{CdbError, ReplyError};
use crate::macros::code_enum;

/// READ DISC INFORMATION (51h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReadDiscInformation {
    /// b1 bits 2–0: data type (0 = standard disc information).
    pub data_type: u8,
    /// b7–8: allocation length.
    pub alloc_len: u16,
}

impl Default for ReadDiscInformation {
    fn default() -> Self {
        ReadDiscInformation { data_type: 0, alloc_len: DISC_INFO_LEN_U16 }
    }
}

impl Request for ReadDiscInformation {
    const OPCODE: u8 = 0x51;
    const CDB_LEN: usize = 10;
    const NAME: &'static str = "READ DISC INFORMATION";
    fn encode(&self) -> Cdb {
        let al = self.alloc_len.to_be_bytes();
        Cdb::new([Self::OPCODE, self.data_type & 0x07, 0, 0, 0, 0, 0, al[0], al[1], 0])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<10>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(ReadDiscInformation { data_type: b[1] & 0x07, alloc_len: be16([b[7], b[8]]) })
    }
    fn direction(&self) -> Direction {
        Direction::In
    }
    fn transfer_len(&self) -> usize {
        usize::from(self.alloc_len)
    }
}

code_enum! {
    /// Disc status (b2 bits 1–0).
    pub enum DiscStatus(u8) {
        /// 0: blank.
        Blank = 0,
        /// 1: incomplete (appendable).
        Appendable = 1,
        /// 2: complete (finalized).
        Complete = 2,
        /// 3: other (random-access media).
        Other = 3,
    }
}

code_enum! {
    /// State of the last session (b2 bits 3–2).
    pub enum SessionState(u8) {
        /// 0: empty.
        Empty = 0,
        /// 1: incomplete (open).
        Incomplete = 1,
        /// 2: reserved or damaged.
        Damaged = 2,
        /// 3: complete.
        Complete = 3,
    }
}

/// A 4-byte address field that holds an MSF on CD (0, M, S, F) or FF FF FF FF for none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressField(pub [u8; 4]);

impl AddressField {
    /// No address: FF FF FF FF.
    pub const NONE: AddressField = AddressField([0xFF; 4]);

    /// The field for an MSF.
    pub const fn from_msf(msf: Msf) -> AddressField {
        let b = msf.to_binary();
        AddressField([0, b[0], b[1], b[2]])
    }

    /// The MSF, when the field holds one.
    pub fn msf(&self) -> Option<Msf> {
        match self.0 {
            [0, m, s, f] => Msf::from_binary([m, s, f]).ok(),
            _ => None,
        }
    }
}

/// Length of standard disc information without OPC tables.
pub const DISC_INFO_LEN: usize = DISC_INFO_LEN_U16 as usize;
const DISC_INFO_LEN_U16: u16 = 34;

mod field {
    use core::ops::Range;
    pub const LEN: Range<usize> = 0..2; // counts the bytes after itself
    pub const STATUS: usize = 2; // .4 erasable, 3-2 last session, 1-0 disc status
    pub const FIRST_TRACK: usize = 3;
    pub const SESSIONS_LSB: usize = 4;
    pub const FIRST_TRACK_LAST_LSB: usize = 5;
    pub const LAST_TRACK_LAST_LSB: usize = 6;
    pub const VALID: usize = 7; // .7 DID_V, .6 DBC_V, .5 URU
    pub const DISC_TYPE: usize = 8;
    pub const SESSIONS_MSB: usize = 9;
    pub const FIRST_TRACK_LAST_MSB: usize = 10;
    pub const LAST_TRACK_LAST_MSB: usize = 11;
    pub const DISC_ID: Range<usize> = 12..16;
    pub const LEAD_IN: Range<usize> = 16..20;
    pub const LEAD_OUT: Range<usize> = 20..24;
    pub const BAR_CODE: Range<usize> = 24..32;
    pub const APPLICATION: usize = 32;
    pub const OPC_TABLES: usize = 33;
}

/// Standard disc information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DiscInformation {
    /// b2.4: erasable (CD-RW).
    pub erasable: bool,
    /// b2 bits 3–2.
    pub last_session: SessionState,
    /// b2 bits 1–0.
    pub status: DiscStatus,
    /// b3: number of the first track on the disc.
    pub first_track: u8,
    /// b4 + b9: number of sessions (an open or empty session counts).
    pub sessions: u16,
    /// b5 + b10: first track in the last session.
    pub first_track_last_session: u16,
    /// b6 + b11: last track in the last session (the invisible track counts).
    pub last_track_last_session: u16,
    /// b7.7 DID_V: disc id valid.
    pub did_valid: bool,
    /// b7.6 DBC_V: bar code valid.
    pub bar_code_valid: bool,
    /// b7.5 URU: unrestricted use.
    pub unrestricted: bool,
    /// b8: disc type (00h CD-DA/CD-ROM, 10h CD-I, 20h XA).
    pub disc_type: u8,
    /// b12–15.
    pub disc_id: u32,
    /// b16–19: start of the last session's lead-in.
    pub last_session_lead_in: AddressField,
    /// b20–23: last possible start of the lead-out.
    pub last_lead_out: AddressField,
    /// b24–31.
    pub bar_code: [u8; 8],
    /// b32: disc application code.
    pub application_code: u8,
    /// b33: number of OPC tables (the tables themselves are not kept).
    pub opc_tables: u8,
}

impl Reply for DiscInformation {
    const WHAT: &'static str = "disc information";

    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
        let b = head::<DISC_INFO_LEN>(buf, Self::WHAT)?;
        let declared = 2 + usize::from(be16([b[0], b[1]]));
        if declared < DISC_INFO_LEN {
            return Err(ReplyError::BadLength { what: Self::WHAT, declared, min: DISC_INFO_LEN });
        }
        let mut bar_code = [0u8; 8];
        bar_code.copy_from_slice(&b[field::BAR_CODE]);
        Ok(DiscInformation {
            erasable: bit(b[field::STATUS], 4),
            last_session: SessionState::from((b[field::STATUS] >> 2) & 0x03),
            status: DiscStatus::from(b[field::STATUS] & 0x03),
            first_track: b[field::FIRST_TRACK],
            sessions: be16([b[field::SESSIONS_MSB], b[field::SESSIONS_LSB]]),
            first_track_last_session: be16([
                b[field::FIRST_TRACK_LAST_MSB],
                b[field::FIRST_TRACK_LAST_LSB],
            ]),
            last_track_last_session: be16([
                b[field::LAST_TRACK_LAST_MSB],
                b[field::LAST_TRACK_LAST_LSB],
            ]),
            did_valid: bit(b[field::VALID], 7),
            bar_code_valid: bit(b[field::VALID], 6),
            unrestricted: bit(b[field::VALID], 5),
            disc_type: b[field::DISC_TYPE],
            disc_id: be32(array(&b, field::DISC_ID)),
            last_session_lead_in: AddressField(array(&b, field::LEAD_IN)),
            last_lead_out: AddressField(array(&b, field::LEAD_OUT)),
            bar_code,
            application_code: b[field::APPLICATION],
            opc_tables: b[field::OPC_TABLES],
        })
    }

    fn buffer_len(&self) -> usize {
        DISC_INFO_LEN
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        let b = head_mut::<DISC_INFO_LEN>(buf, Self::WHAT)?;
        b.fill(0);
        b[field::LEN].copy_from_slice(&(DISC_INFO_LEN_U16 - 2).to_be_bytes());
        b[field::STATUS] = flag(self.erasable, 4)
            | (u8::from(self.last_session) & 0x03) << 2
            | (u8::from(self.status) & 0x03);
        b[field::FIRST_TRACK] = self.first_track;
        let [sm, sl] = self.sessions.to_be_bytes();
        let [fm, fl] = self.first_track_last_session.to_be_bytes();
        let [lm, ll] = self.last_track_last_session.to_be_bytes();
        b[field::SESSIONS_LSB] = sl;
        b[field::SESSIONS_MSB] = sm;
        b[field::FIRST_TRACK_LAST_LSB] = fl;
        b[field::FIRST_TRACK_LAST_MSB] = fm;
        b[field::LAST_TRACK_LAST_LSB] = ll;
        b[field::LAST_TRACK_LAST_MSB] = lm;
        b[field::VALID] =
            flag(self.did_valid, 7) | flag(self.bar_code_valid, 6) | flag(self.unrestricted, 5);
        b[field::DISC_TYPE] = self.disc_type;
        b[field::DISC_ID].copy_from_slice(&self.disc_id.to_be_bytes());
        b[field::LEAD_IN].copy_from_slice(&self.last_session_lead_in.0);
        b[field::LEAD_OUT].copy_from_slice(&self.last_lead_out.0);
        b[field::BAR_CODE].copy_from_slice(&self.bar_code);
        b[field::APPLICATION] = self.application_code;
        b[field::OPC_TABLES] = self.opc_tables;
        Ok(DISC_INFO_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QEMU's fixed reply: complete and finalized, one session, track 1..1, URU.
    static QEMU: [u8; 34] = [
        0x00, 0x20, 0x0E, 0x01, 0x01, 0x01, 0x01, 0x20, 0x00, 0, 0, 0, 0, 0, 0, 0, //
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    #[test]
    fn qemu_finalized() {
        let d = DiscInformation::parse(&QEMU).unwrap();
        assert_eq!(d.status, DiscStatus::Complete);
        assert_eq!(d.last_session, SessionState::Complete);
        assert_eq!((d.sessions, d.first_track_last_session, d.last_track_last_session), (1, 1, 1));
        assert!(d.unrestricted && !d.erasable);
        assert_eq!(d.to_vec().unwrap(), QEMU);
    }

    #[test]
    fn blank_cd_rw_with_lead_out() {
        let mut b = [0u8; 34];
        b[1] = 0x20;
        b[2] = 0x10; // erasable, empty session, blank
        b[3] = 1;
        b[4] = 1;
        b[5] = 1;
        b[6] = 1;
        b[16..20].copy_from_slice(&[0, 97, 26, 65]); // lead-in 97:26:65
        b[20..24].copy_from_slice(&[0, 79, 59, 74]);
        let d = DiscInformation::parse(&b).unwrap();
        assert_eq!(d.status, DiscStatus::Blank);
        assert!(d.erasable);
        assert_eq!(d.last_session_lead_in.msf(), Some(Msf::new(97, 26, 65).unwrap()));
        assert_eq!(d.last_lead_out.msf().map(|m| m.to_lba().0), Some(359_849));
        assert_eq!(d.to_vec().unwrap(), b);
        assert_eq!(AddressField::NONE.msf(), None);
    }

    #[test]
    fn rejections() {
        assert_eq!(
            DiscInformation::parse(&QEMU[..33]),
            Err(ReplyError::Truncated { what: "disc information", need: 34, got: 33 })
        );
        let mut b = QEMU;
        b[1] = 0x1F;
        assert_eq!(
            DiscInformation::parse(&b),
            Err(ReplyError::BadLength { what: "disc information", declared: 33, min: 34 })
        );
        assert_eq!(
            ReadDiscInformation::default().encode().as_bytes(),
            [0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0]
        );
    }
}
