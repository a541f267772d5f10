//! Mode pages: Write Parameters (05h) and CD Capabilities (2Ah) typed, any other page kept as
//! its bytes.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use imapi_redbook::{Isrc, Mcn};

use crate::cdb::{array, be16, bit, flag, room, span_mut};
use crate::error::ReplyError;
use crate::macros::code_enum;

/// The Write Parameters page code.
pub const WRITE_PARAMETERS: u8 = 0x05;
/// The CD Capabilities and Mechanical Status page code.
pub const CAPABILITIES: u8 = 0x2A;

code_enum! {
    /// Write type (page 05h b2 bits 3–0).
    pub enum WriteType(u8) {
        /// 0: packet/incremental.
        Packet = 0,
        /// 1: track at once.
        TrackAtOnce = 1,
        /// 2: session at once.
        SessionAtOnce = 2,
        /// 3: raw.
        Raw = 3,
    }
}

code_enum! {
    /// Multi-session field (page 05h b3 bits 7–6): what CLOSE SESSION leaves.
    pub enum MultiSession(u8) {
        /// 00b: no B0 pointer, no next session: finalized.
        Final = 0,
        /// 01b: B0 = FF:FF:FF, no next session: finalized.
        FinalWithB0 = 1,
        /// 11b: B0 points at the next program area: appendable.
        Open = 3,
    }
}

code_enum! {
    /// Data block type (page 05h b4 bits 3–0).
    pub enum DataBlockType(u8) {
        /// 0: raw 2352 bytes.
        Raw = 0,
        /// 1: raw with P and Q sub-channel, 2368.
        RawPq = 1,
        /// 2: raw with packed P–W, 2448.
        RawPw = 2,
        /// 3: raw with raw P–W, 2448.
        RawPwRaw = 3,
        /// 8: Mode 1, 2048.
        Mode1 = 8,
        /// 9: Mode 2, 2336.
        Mode2 = 9,
        /// 10: Mode 2 Form 1, 2048.
        Mode2Form1 = 10,
        /// 11: Mode 2 Form 1 with subheader, 2056.
        Mode2Form1Subheader = 11,
        /// 12: Mode 2 Form 2, 2324.
        Mode2Form2 = 12,
        /// 13: Mode 2 mixed, 2332.
        Mode2Mixed = 13,
    }
}

impl DataBlockType {
    /// Bytes per block the host sends for this type.
    pub fn block_len(self) -> Option<usize> {
        Some(match self {
            DataBlockType::Raw => 2352,
            DataBlockType::RawPq => 2368,
            DataBlockType::RawPw | DataBlockType::RawPwRaw => 2448,
            DataBlockType::Mode1 | DataBlockType::Mode2Form1 => 2048,
            DataBlockType::Mode2 => 2336,
            DataBlockType::Mode2Form1Subheader => 2056,
            DataBlockType::Mode2Form2 => 2324,
            DataBlockType::Mode2Mixed => 2332,
            DataBlockType::Unknown(_) => return None,
        })
    }
}

/// Page length of the Write Parameters page in MMC-1/2 (52 bytes in all).
pub const WRITE_PARAMETERS_LEN: u8 = 0x32;

/// Byte offsets of the two typed pages (MMC mode pages 05h and 2Ah).
mod field {
    /// Write Parameters (05h).
    pub mod wp {
        use core::ops::Range;
        pub const CODE: usize = 0; // .7 PS, .6 SPF, 5-0 page code
        pub const PAGE_LEN: usize = 1;
        pub const WRITE_TYPE: usize = 2; // .6 BUFE, .5 LS_V, .4 test write, 3-0 write type
        pub const TRACK_MODE: usize = 3; // 7-6 multi-session, .5 FP, .4 copy, 3-0 track mode
        pub const BLOCK_TYPE: usize = 4; // 3-0 data block type
        pub const LINK_SIZE: usize = 5;
        pub const RESERVED_6: usize = 6;
        pub const HOST_APP: usize = 7; // 5-0 host application code
        pub const SESSION_FORMAT: usize = 8;
        pub const RESERVED_9: usize = 9;
        pub const PACKET_SIZE: Range<usize> = 10..14;
        pub const AUDIO_PAUSE: Range<usize> = 14..16;
        pub const MCVAL: usize = 16; // .7
        pub const MCN: Range<usize> = 17..30;
        pub const MCN_AREA: Range<usize> = 17..32; // the MCN and its two reserved bytes
        pub const MCN_RESERVED: Range<usize> = 30..32;
        pub const TCVAL: usize = 32; // .7
        pub const ISRC: Range<usize> = 33..45;
        pub const ISRC_AREA: Range<usize> = 33..48;
        pub const ISRC_RESERVED: Range<usize> = 45..48;
        pub const SUBHEADER: Range<usize> = 48..52;
        /// Bytes up to the end of the subheader: the page as MMC-1/2 define it.
        pub const LEN: usize = SUBHEADER.end;
    }

    /// CD Capabilities and Mechanical Status (2Ah).
    pub mod cap {
        use core::ops::Range;
        pub const CODE: usize = 0; // .7 PS, .6 SPF, 5-0 page code
        pub const PAGE_LEN: usize = 1;
        pub const FLAGS: Range<usize> = 2..8;
        pub const MAX_READ: Range<usize> = 8..10;
        pub const VOLUME_LEVELS: Range<usize> = 10..12;
        pub const BUFFER_SIZE: Range<usize> = 12..14;
        pub const CURRENT_READ: Range<usize> = 14..16;
        pub const B16_17: Range<usize> = 16..18;
        pub const MAX_WRITE: Range<usize> = 18..20;
        pub const CURRENT_WRITE_LEGACY: Range<usize> = 20..22;
        pub const B22_27: Range<usize> = 22..28;
        pub const CURRENT_WRITE: Range<usize> = 28..30;
        pub const SPEED_COUNT: Range<usize> = 30..32;
        /// Bytes before the write speed descriptors.
        pub const LEN: usize = SPEED_COUNT.end;
        /// Bytes of one write speed descriptor: reserved, rotation control, kB/s.
        pub const SPEED_LEN: usize = 4;
    }
}

/// Mode page 05h, Write Parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WriteParameters {
    /// b0.7 PS: the page can be saved.
    pub ps: bool,
    /// b2.6 BUFE: buffer-underrun-free recording.
    pub bufe: bool,
    /// b2.5 LS_V: link size valid.
    pub ls_valid: bool,
    /// b2.4: test write (simulation).
    pub test_write: bool,
    /// b2 bits 3–0.
    pub write_type: WriteType,
    /// b3 bits 7–6.
    pub multi_session: MultiSession,
    /// b3.5 FP: fixed packet.
    pub fixed_packet: bool,
    /// b3.4: copy (SCMS).
    pub copy: bool,
    /// b3 bits 3–0: track mode, the CTL nibble (0 audio, 4 data).
    pub track_mode: u8,
    /// b4 bits 3–0.
    pub data_block_type: DataBlockType,
    /// b5: link size.
    pub link_size: u8,
    /// b7 bits 5–0: host application code.
    pub host_application_code: u8,
    /// b8: session format (00h CD-DA/CD-ROM, 10h CD-I, 20h XA).
    pub session_format: u8,
    /// b10–13: packet size.
    pub packet_size: u32,
    /// b14–15: audio pause length (150).
    pub audio_pause: u16,
    /// b16–31: MCN, when MCVAL (b16.7) is set.
    pub mcn: Option<Mcn>,
    /// b32–47: ISRC, when TCVAL (b32.7) is set.
    pub isrc: Option<Isrc>,
    /// b48–51: subheader.
    pub subheader: [u8; 4],
    /// Bytes after b51 when the page is longer than 32h.
    pub tail: Vec<u8>,
}

impl WriteParameters {
    /// Track-at-Once for a Mode 1 data track (track mode 4, block type 8).
    pub fn tao_data(multi_session: MultiSession) -> WriteParameters {
        WriteParameters {
            ps: false,
            bufe: true,
            ls_valid: false,
            test_write: false,
            write_type: WriteType::TrackAtOnce,
            multi_session,
            fixed_packet: false,
            copy: false,
            track_mode: 4,
            data_block_type: DataBlockType::Mode1,
            link_size: 0,
            host_application_code: 0,
            session_format: 0,
            packet_size: 0,
            audio_pause: 150,
            mcn: None,
            isrc: None,
            subheader: [0; 4],
            tail: Vec::new(),
        }
    }

    /// Session-at-Once (audio: track mode 0, raw block type).
    pub fn sao(multi_session: MultiSession) -> WriteParameters {
        WriteParameters {
            write_type: WriteType::SessionAtOnce,
            track_mode: 0,
            data_block_type: DataBlockType::Raw,
            ..WriteParameters::tao_data(multi_session)
        }
    }

    fn parse(p: &[u8]) -> Option<WriteParameters> {
        use field::wp as f;
        let (b, tail) = p.split_first_chunk::<{ f::LEN }>()?;
        if b[f::PAGE_LEN] < WRITE_PARAMETERS_LEN {
            return None;
        }
        let mcn = if bit(b[f::MCVAL], 7) {
            Some(Mcn::parse(core::str::from_utf8(&b[f::MCN]).ok()?).ok()?)
        } else {
            None
        };
        let isrc = if bit(b[f::TCVAL], 7) {
            Some(Isrc::parse(core::str::from_utf8(&b[f::ISRC]).ok()?).ok()?)
        } else {
            None
        };
        // The canonical form keeps reserved bytes zero; anything else stays a raw page.
        let reserved_zero = b[f::RESERVED_6] == 0
            && b[f::RESERVED_9] == 0
            && b[f::MCVAL] & 0x7F == 0
            && (bit(b[f::MCVAL], 7) || b[f::MCN_AREA].iter().all(|&x| x == 0))
            && b[f::MCN_RESERVED] == [0, 0]
            && b[f::TCVAL] & 0x7F == 0
            && (bit(b[f::TCVAL], 7) || b[f::ISRC_AREA].iter().all(|&x| x == 0))
            && b[f::ISRC_RESERVED] == [0, 0, 0]
            && b[f::WRITE_TYPE] & 0x80 == 0
            && b[f::BLOCK_TYPE] & 0xF0 == 0
            && b[f::HOST_APP] & 0xC0 == 0
            && b[f::CODE] & 0x40 == 0;
        if !reserved_zero {
            return None;
        }
        Some(WriteParameters {
            ps: bit(b[f::CODE], 7),
            bufe: bit(b[f::WRITE_TYPE], 6),
            ls_valid: bit(b[f::WRITE_TYPE], 5),
            test_write: bit(b[f::WRITE_TYPE], 4),
            write_type: WriteType::from(b[f::WRITE_TYPE] & 0x0F),
            multi_session: MultiSession::from(b[f::TRACK_MODE] >> 6),
            fixed_packet: bit(b[f::TRACK_MODE], 5),
            copy: bit(b[f::TRACK_MODE], 4),
            track_mode: b[f::TRACK_MODE] & 0x0F,
            data_block_type: DataBlockType::from(b[f::BLOCK_TYPE] & 0x0F),
            link_size: b[f::LINK_SIZE],
            host_application_code: b[f::HOST_APP] & 0x3F,
            session_format: b[f::SESSION_FORMAT],
            packet_size: u32::from_be_bytes(array(b, f::PACKET_SIZE)),
            audio_pause: be16(array(b, f::AUDIO_PAUSE)),
            mcn,
            isrc,
            subheader: array(b, f::SUBHEADER),
            tail: tail.to_vec(),
        })
    }

    /// Writes the page into `out`, cut to its length ([`ModePage::buffer_len`]).
    fn emit(&self, out: &mut [u8]) -> Result<(), ReplyError> {
        use field::wp as f;
        const WHAT: &str = "write parameters page";
        let page_len = u8::try_from(out.len().saturating_sub(2))
            .map_err(|_| ReplyError::Unrepresentable { what: WHAT, field: "page length" })?;
        let got = out.len();
        let (b, tail) = out.split_first_chunk_mut::<{ f::LEN }>().ok_or(ReplyError::Truncated {
            what: WHAT,
            need: f::LEN,
            got,
        })?;
        b.fill(0);
        b[f::CODE] = flag(self.ps, 7) | WRITE_PARAMETERS;
        b[f::PAGE_LEN] = page_len;
        b[f::WRITE_TYPE] = flag(self.bufe, 6)
            | flag(self.ls_valid, 5)
            | flag(self.test_write, 4)
            | u8::from(self.write_type) & 0x0F;
        b[f::TRACK_MODE] = (u8::from(self.multi_session) & 0x03) << 6
            | flag(self.fixed_packet, 5)
            | flag(self.copy, 4)
            | self.track_mode & 0x0F;
        b[f::BLOCK_TYPE] = u8::from(self.data_block_type) & 0x0F;
        b[f::LINK_SIZE] = self.link_size;
        b[f::HOST_APP] = self.host_application_code & 0x3F;
        b[f::SESSION_FORMAT] = self.session_format;
        b[f::PACKET_SIZE].copy_from_slice(&self.packet_size.to_be_bytes());
        b[f::AUDIO_PAUSE].copy_from_slice(&self.audio_pause.to_be_bytes());
        if let Some(m) = &self.mcn {
            b[f::MCVAL] = 0x80;
            b[f::MCN].copy_from_slice(m.as_bytes());
        }
        if let Some(i) = &self.isrc {
            b[f::TCVAL] = 0x80;
            b[f::ISRC].copy_from_slice(i.as_bytes());
        }
        b[f::SUBHEADER].copy_from_slice(&self.subheader);
        span_mut(tail, 0..self.tail.len(), WHAT)?.copy_from_slice(&self.tail);
        Ok(())
    }
}

/// One write speed descriptor of page 2Ah.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpeedDescriptor {
    /// b1 bits 1–0: rotation control.
    pub rotation: u8,
    /// b2–3: kB/s.
    pub speed: u16,
}

/// Mode page 2Ah, CD Capabilities and Mechanical Status. Fields past the page length a
/// device reports (QEMU's ATAPI page is 18 bytes long) read as zero.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Capabilities {
    /// b0.7 PS.
    pub ps: bool,
    /// b1: page length.
    pub page_len: u8,
    /// b2–7: the capability bits (see the accessors).
    pub flags: [u8; 6],
    /// b8–9: maximum read speed, kB/s.
    pub max_read_speed: u16,
    /// b10–11: number of volume levels.
    pub volume_levels: u16,
    /// b12–13: buffer size, KiB.
    pub buffer_size: u16,
    /// b14–15: current read speed, kB/s.
    pub current_read_speed: u16,
    /// b16–17: reserved and digital output bits, as sent.
    pub b16_17: [u8; 2],
    /// b18–19: maximum write speed, kB/s.
    pub max_write_speed: u16,
    /// b20–21: current write speed (MMC-2), kB/s.
    pub current_write_speed_legacy: u16,
    /// b22–27: copy management revision, reserved bytes and rotation control, as sent.
    pub b22_27: [u8; 6],
    /// b28–29: current write speed, kB/s.
    pub current_write_speed: u16,
    /// From b32: the write speed descriptors (b30–31 count them).
    pub write_speeds: Vec<SpeedDescriptor>,
}

impl Capabilities {
    /// b2.0: reads CD-R.
    pub fn read_cd_r(&self) -> bool {
        bit(self.flags[0], 0)
    }
    /// b2.1: reads CD-RW.
    pub fn read_cd_rw(&self) -> bool {
        bit(self.flags[0], 1)
    }
    /// b3.0: writes CD-R.
    pub fn write_cd_r(&self) -> bool {
        bit(self.flags[1], 0)
    }
    /// b3.1: writes CD-RW.
    pub fn write_cd_rw(&self) -> bool {
        bit(self.flags[1], 1)
    }
    /// b3.2: test write.
    pub fn test_write(&self) -> bool {
        bit(self.flags[1], 2)
    }
    /// b4.6: multisession.
    pub fn multisession(&self) -> bool {
        bit(self.flags[2], 6)
    }
    /// b4.7 BUF: buffer-underrun-free recording.
    pub fn buf(&self) -> bool {
        bit(self.flags[2], 7)
    }
    /// b5.0: CD-DA commands (READ CD of audio).
    pub fn cd_da(&self) -> bool {
        bit(self.flags[3], 0)
    }
    /// b6.0: the tray can be locked.
    pub fn lock(&self) -> bool {
        bit(self.flags[4], 0)
    }
    /// b6.1: the tray is locked now.
    pub fn locked(&self) -> bool {
        bit(self.flags[4], 1)
    }
    /// b6.3: the medium can be ejected.
    pub fn eject(&self) -> bool {
        bit(self.flags[4], 3)
    }

    /// The page of a CD-R/RW recorder: reads and writes CD-R and CD-RW, test write,
    /// multisession, BUF, CD-DA, lock, eject, tray loader; with these speeds (kB/s).
    pub fn recorder(
        max_read: u16,
        max_write: u16,
        current_write: u16,
        buffer_kib: u16,
        locked: bool,
    ) -> Capabilities {
        Capabilities {
            ps: false,
            page_len: 0,
            flags: [0x03, 0x07, 0xC0, 0x01, 0x29 | flag(locked, 1), 0],
            max_read_speed: max_read,
            volume_levels: 0,
            buffer_size: buffer_kib,
            current_read_speed: max_read,
            b16_17: [0; 2],
            max_write_speed: max_write,
            current_write_speed_legacy: current_write,
            b22_27: [0; 6],
            current_write_speed: current_write,
            write_speeds: vec![SpeedDescriptor { rotation: 0, speed: max_write }],
        }
        .with_length()
    }

    /// This page with `page_len` set to hold every field and descriptor.
    pub fn with_length(mut self) -> Capabilities {
        let len = 30 + field::cap::SPEED_LEN * self.write_speeds.len();
        self.page_len = u8::try_from(len).unwrap_or(u8::MAX);
        self
    }

    fn parse(p: &[u8]) -> Option<Capabilities> {
        use field::cap as f;
        let total = p.len();
        // The fixed part, zero past the end of a short page.
        let mut b = [0u8; f::LEN];
        for (d, s) in b.iter_mut().zip(p) {
            *d = *s;
        }
        if p.get(f::PAGE_LEN).copied()? < 0x12 || b[f::CODE] & 0x40 != 0 {
            return None;
        }
        let mut write_speeds = Vec::new();
        if total >= f::LEN {
            let count = usize::from(be16(array(&b, f::SPEED_COUNT)));
            if total != f::LEN + f::SPEED_LEN * count {
                return None;
            }
            for d in p.get(f::LEN..)?.chunks_exact(f::SPEED_LEN) {
                let &[d0, d1, s0, s1] = d else { return None };
                if d0 != 0 || d1 & 0xFC != 0 {
                    return None;
                }
                write_speeds.push(SpeedDescriptor { rotation: d1 & 0x03, speed: be16([s0, s1]) });
            }
        } else if total > f::SPEED_COUNT.start {
            // b30 without b31: the count is cut in half.
            return None;
        }
        let w = |r: core::ops::Range<usize>| be16(array(&b, r));
        Some(Capabilities {
            ps: bit(b[f::CODE], 7),
            page_len: b[f::PAGE_LEN],
            flags: array(&b, f::FLAGS),
            max_read_speed: w(f::MAX_READ),
            volume_levels: w(f::VOLUME_LEVELS),
            buffer_size: w(f::BUFFER_SIZE),
            current_read_speed: w(f::CURRENT_READ),
            b16_17: array(&b, f::B16_17),
            max_write_speed: w(f::MAX_WRITE),
            current_write_speed_legacy: w(f::CURRENT_WRITE_LEGACY),
            b22_27: array(&b, f::B22_27),
            current_write_speed: w(f::CURRENT_WRITE),
            write_speeds,
        })
    }

    /// Writes the page into `out`, cut to its length ([`Capabilities::emitted_len`]): the
    /// fields that fit, then the descriptors that fit.
    fn emit(&self, out: &mut [u8]) -> Result<(), ReplyError> {
        use field::cap as f;
        let count = u16::try_from(self.write_speeds.len()).map_err(|_| {
            ReplyError::Unrepresentable { what: "capabilities page", field: "speed count" }
        })?;
        let mut b = [0u8; f::LEN];
        b[f::CODE] = flag(self.ps, 7) | CAPABILITIES;
        b[f::PAGE_LEN] = self.page_len;
        b[f::FLAGS].copy_from_slice(&self.flags);
        b[f::MAX_READ].copy_from_slice(&self.max_read_speed.to_be_bytes());
        b[f::VOLUME_LEVELS].copy_from_slice(&self.volume_levels.to_be_bytes());
        b[f::BUFFER_SIZE].copy_from_slice(&self.buffer_size.to_be_bytes());
        b[f::CURRENT_READ].copy_from_slice(&self.current_read_speed.to_be_bytes());
        b[f::MAX_WRITE].copy_from_slice(&self.max_write_speed.to_be_bytes());
        b[f::CURRENT_WRITE_LEGACY].copy_from_slice(&self.current_write_speed_legacy.to_be_bytes());
        b[f::CURRENT_WRITE].copy_from_slice(&self.current_write_speed.to_be_bytes());
        b[f::SPEED_COUNT].copy_from_slice(&count.to_be_bytes());
        b[f::B16_17].copy_from_slice(&self.b16_17);
        b[f::B22_27].copy_from_slice(&self.b22_27);
        for (o, v) in out.iter_mut().zip(b) {
            *o = v;
        }
        if let Some(rest) = out.get_mut(f::LEN..) {
            for (d, o) in self.write_speeds.iter().zip(rest.chunks_exact_mut(f::SPEED_LEN)) {
                let s = d.speed.to_be_bytes();
                o.copy_from_slice(&[0, d.rotation & 0x03, s[0], s[1]]);
            }
        }
        Ok(())
    }

    fn emitted_len(&self) -> usize {
        2 + usize::from(self.page_len)
    }
}

/// One mode page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ModePage {
    /// 05h.
    WriteParameters(WriteParameters),
    /// 2Ah.
    Capabilities(Capabilities),
    /// Any other page, or one not in canonical form: its bytes from b0, as sent.
    Raw(Vec<u8>),
}

impl ModePage {
    /// Parses one page (`p` holds exactly `2 + page length` bytes). Never fails: a page that
    /// is not in the typed form stays raw.
    pub fn parse(p: &[u8]) -> ModePage {
        let typed = match p.first().map(|c| c & 0x3F) {
            Some(WRITE_PARAMETERS) => WriteParameters::parse(p).map(ModePage::WriteParameters),
            Some(CAPABILITIES) => Capabilities::parse(p).map(ModePage::Capabilities),
            _ => None,
        };
        typed.unwrap_or_else(|| ModePage::Raw(p.to_vec()))
    }

    /// The page code.
    pub fn code(&self) -> u8 {
        match self {
            ModePage::WriteParameters(_) => WRITE_PARAMETERS,
            ModePage::Capabilities(_) => CAPABILITIES,
            ModePage::Raw(b) => b.first().map_or(0, |c| c & 0x3F),
        }
    }

    /// Bytes of the page, header included.
    pub fn buffer_len(&self) -> usize {
        match self {
            ModePage::WriteParameters(w) => field::wp::LEN + w.tail.len(),
            ModePage::Capabilities(c) => c.emitted_len(),
            ModePage::Raw(b) => b.len(),
        }
    }

    /// Writes the page; returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        let n = self.buffer_len();
        room(buf, n, "mode page")?;
        if n > 257 {
            return Err(ReplyError::Unrepresentable { what: "mode page", field: "page length" });
        }
        let out = span_mut(buf, 0..n, "mode page")?;
        match self {
            ModePage::WriteParameters(w) => w.emit(out)?,
            ModePage::Capabilities(c) => c.emit(out)?,
            ModePage::Raw(b) => out.copy_from_slice(b),
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page05_tao() -> [u8; 52] {
        let mut b = [0u8; 52];
        b[0] = 0x05;
        b[1] = 0x32;
        b[2] = 0x41; // BUFE, TAO
        b[3] = 0xC4; // multi-session 11b, data
        b[4] = 0x08; // Mode 1
        b[14..16].copy_from_slice(&150u16.to_be_bytes());
        b
    }

    #[test]
    fn write_parameters_tao() {
        let p = ModePage::parse(&page05_tao());
        let ModePage::WriteParameters(w) = &p else { panic!("raw: {p:?}") };
        assert_eq!(w.write_type, WriteType::TrackAtOnce);
        assert_eq!(w.multi_session, MultiSession::Open);
        assert_eq!(w.data_block_type.block_len(), Some(2048));
        assert!(w.bufe);
        assert_eq!(*w, WriteParameters::tao_data(MultiSession::Open));
        let mut out = [0u8; 52];
        p.emit(&mut out).unwrap();
        assert_eq!(out, page05_tao());
    }

    #[test]
    fn write_parameters_with_codes() {
        let mut b = page05_tao();
        b[16] = 0x80;
        b[17..30].copy_from_slice(b"0123456789012");
        b[32] = 0x80;
        b[33..45].copy_from_slice(b"USRC17607839");
        let ModePage::WriteParameters(w) = ModePage::parse(&b) else { panic!("raw") };
        assert_eq!(w.mcn.unwrap().as_str(), "0123456789012");
        assert_eq!(w.isrc.unwrap().as_str(), "USRC17607839");
        // A bad MCN keeps the page raw rather than losing bytes.
        b[20] = b'x';
        assert!(matches!(ModePage::parse(&b), ModePage::Raw(_)));
    }

    #[test]
    fn capabilities_full_and_short() {
        let c = Capabilities::recorder(7056, 8467, 8467, 2048, false);
        let mut out = vec![0u8; c.emitted_len()];
        ModePage::Capabilities(c.clone()).emit(&mut out).unwrap();
        assert_eq!(out.len(), 36);
        assert_eq!(&out[..4], &[0x2A, 34, 0x03, 0x07]);
        assert_eq!(&out[30..36], &[0, 1, 0, 0, 0x21, 0x13]);
        let ModePage::Capabilities(back) = ModePage::parse(&out) else { panic!("raw") };
        assert_eq!(back, c);
        assert!(back.write_cd_r() && back.write_cd_rw() && back.buf() && back.multisession());
        // An 18-byte page (QEMU's ATAPI): fields past it read zero, and it writes back alike.
        let short = &out[..20];
        let mut s = short.to_vec();
        s[1] = 18;
        let ModePage::Capabilities(q) = ModePage::parse(&s) else { panic!("raw") };
        assert_eq!(q.max_write_speed, 8467);
        assert_eq!(q.current_write_speed, 0);
        let mut again = vec![0u8; 20];
        ModePage::Capabilities(q).emit(&mut again).unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn other_pages_stay_raw() {
        let b = [0x01, 0x0A, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let p = ModePage::parse(&b);
        assert_eq!(p, ModePage::Raw(b.to_vec()));
        assert_eq!(p.code(), 1);
        // A page 05h too short for its fields stays raw too.
        assert!(matches!(ModePage::parse(&[0x05, 0x02, 0x01, 0x00]), ModePage::Raw(_)));
    }
}
