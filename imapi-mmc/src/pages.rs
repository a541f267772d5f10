//! Mode pages: Write Parameters (05h) and CD Capabilities (2Ah) typed, any other page kept as
//! its bytes.

use imapi_redbook::{Isrc, Mcn};

use crate::cdb::{be16, bit, flag, room};
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
        let b: &[u8; 52] = p.get(..52)?.try_into().ok()?;
        if b[1] < WRITE_PARAMETERS_LEN {
            return None;
        }
        let text = |r: core::ops::Range<usize>| core::str::from_utf8(&b[r]).ok();
        let mcn = if bit(b[16], 7) { Some(Mcn::parse(text(17..30)?).ok()?) } else { None };
        let isrc = if bit(b[32], 7) { Some(Isrc::parse(text(33..45)?).ok()?) } else { None };
        // The canonical form keeps reserved bytes zero; anything else stays a raw page.
        let reserved_zero = b[6] == 0
            && b[9] == 0
            && b[16] & 0x7F == 0
            && (bit(b[16], 7) || b[17..32].iter().all(|&x| x == 0))
            && b[30..32] == [0, 0]
            && b[32] & 0x7F == 0
            && (bit(b[32], 7) || b[33..48].iter().all(|&x| x == 0))
            && b[45..48] == [0, 0, 0]
            && b[2] & 0x80 == 0
            && b[4] & 0xF0 == 0
            && b[7] & 0xC0 == 0
            && b[0] & 0x40 == 0;
        if !reserved_zero {
            return None;
        }
        Some(WriteParameters {
            ps: bit(b[0], 7),
            bufe: bit(b[2], 6),
            ls_valid: bit(b[2], 5),
            test_write: bit(b[2], 4),
            write_type: WriteType::from(b[2] & 0x0F),
            multi_session: MultiSession::from(b[3] >> 6),
            fixed_packet: bit(b[3], 5),
            copy: bit(b[3], 4),
            track_mode: b[3] & 0x0F,
            data_block_type: DataBlockType::from(b[4] & 0x0F),
            link_size: b[5],
            host_application_code: b[7] & 0x3F,
            session_format: b[8],
            packet_size: u32::from_be_bytes([b[10], b[11], b[12], b[13]]),
            audio_pause: be16([b[14], b[15]]),
            mcn,
            isrc,
            subheader: [b[48], b[49], b[50], b[51]],
            tail: p.get(52..)?.to_vec(),
        })
    }

    fn emit(&self, out: &mut [u8]) {
        out.fill(0);
        out[0] = flag(self.ps, 7) | WRITE_PARAMETERS;
        out[1] = (out.len() - 2) as u8;
        out[2] = flag(self.bufe, 6)
            | flag(self.ls_valid, 5)
            | flag(self.test_write, 4)
            | u8::from(self.write_type) & 0x0F;
        out[3] = (u8::from(self.multi_session) & 0x03) << 6
            | flag(self.fixed_packet, 5)
            | flag(self.copy, 4)
            | self.track_mode & 0x0F;
        out[4] = u8::from(self.data_block_type) & 0x0F;
        out[5] = self.link_size;
        out[7] = self.host_application_code & 0x3F;
        out[8] = self.session_format;
        out[10..14].copy_from_slice(&self.packet_size.to_be_bytes());
        out[14..16].copy_from_slice(&self.audio_pause.to_be_bytes());
        if let Some(m) = &self.mcn {
            out[16] = 0x80;
            out[17..30].copy_from_slice(m.as_bytes());
        }
        if let Some(i) = &self.isrc {
            out[32] = 0x80;
            out[33..45].copy_from_slice(i.as_bytes());
        }
        out[48..52].copy_from_slice(&self.subheader);
        out[52..].copy_from_slice(&self.tail);
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
        self.page_len = (30 + 4 * self.write_speeds.len()).min(255) as u8;
        self
    }

    fn parse(p: &[u8]) -> Option<Capabilities> {
        let total = p.len();
        let mut b = [0u8; 32];
        let n = total.min(32);
        b[..n].copy_from_slice(p.get(..n)?);
        if p.get(1).copied()? < 0x12 || b[0] & 0x40 != 0 {
            return None;
        }
        let mut write_speeds = Vec::new();
        if total >= 32 {
            let count = usize::from(be16([b[30], b[31]]));
            if total != 32 + 4 * count {
                return None;
            }
            for d in p.get(32..)?.chunks_exact(4) {
                if d[0] != 0 || d[1] & 0xFC != 0 {
                    return None;
                }
                write_speeds
                    .push(SpeedDescriptor { rotation: d[1] & 0x03, speed: be16([d[2], d[3]]) });
            }
        } else if total > 30 {
            // b30 without b31: the count is cut in half.
            return None;
        }
        let w = |at: usize| be16([b[at], b[at + 1]]);
        Some(Capabilities {
            ps: bit(b[0], 7),
            page_len: b[1],
            flags: [b[2], b[3], b[4], b[5], b[6], b[7]],
            max_read_speed: w(8),
            volume_levels: w(10),
            buffer_size: w(12),
            current_read_speed: w(14),
            b16_17: [b[16], b[17]],
            max_write_speed: w(18),
            current_write_speed_legacy: w(20),
            b22_27: [b[22], b[23], b[24], b[25], b[26], b[27]],
            current_write_speed: w(28),
            write_speeds,
        })
    }

    fn emit(&self, out: &mut [u8]) {
        let mut b = [0u8; 32];
        b[0] = flag(self.ps, 7) | CAPABILITIES;
        b[1] = self.page_len;
        b[2..8].copy_from_slice(&self.flags);
        let mut w = |at: usize, v: u16| b[at..at + 2].copy_from_slice(&v.to_be_bytes());
        w(8, self.max_read_speed);
        w(10, self.volume_levels);
        w(12, self.buffer_size);
        w(14, self.current_read_speed);
        w(18, self.max_write_speed);
        w(20, self.current_write_speed_legacy);
        w(28, self.current_write_speed);
        w(30, self.write_speeds.len() as u16);
        b[16..18].copy_from_slice(&self.b16_17);
        b[22..28].copy_from_slice(&self.b22_27);
        let n = out.len().min(32);
        out[..n].copy_from_slice(&b[..n]);
        if let Some(rest) = out.get_mut(32..) {
            for (d, o) in self.write_speeds.iter().zip(rest.chunks_exact_mut(4)) {
                let s = d.speed.to_be_bytes();
                o.copy_from_slice(&[0, d.rotation & 0x03, s[0], s[1]]);
            }
        }
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
            ModePage::WriteParameters(w) => 52 + w.tail.len(),
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
        let out = &mut buf[..n];
        match self {
            ModePage::WriteParameters(w) => w.emit(out),
            ModePage::Capabilities(c) => c.emit(out),
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
