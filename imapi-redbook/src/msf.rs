//! Time and addresses on a CD: [`Msf`] (minute, second, frame) and [`Lba`] (a signed block
//! address; the lead-in lies below zero).
//!
//! `LBA = M·4500 + S·75 + F − 150` when M < 90 and `− 450150` when M ≥ 90, so 00:02:00 is
//! LBA 0 and the lead-in (90:00:00 and up) maps onto negative addresses down to −45150.

use core::fmt;

/// Frames (sectors, blocks) per second.
pub const FRAMES_PER_SECOND: u32 = 75;
/// Frames per minute.
pub const FRAMES_PER_MINUTE: u32 = 60 * FRAMES_PER_SECOND;
/// Frames of the pause before track 1: LBA 0 is MSF 00:02:00.
pub const LEAD_IN_GAP: u32 = 150;
/// Bytes of one audio frame: 588 stereo 16-bit samples.
pub const AUDIO_FRAME_BYTES: usize = 2352;
/// Stereo samples in one audio frame.
pub const SAMPLES_PER_FRAME: u32 = 588;

/// Offset subtracted from MSF frames at 90 minutes and above (the lead-in area).
const LEAD_IN_OFFSET: i32 = 450_150;
/// The lowest address an MSF can name: 90:00:00.
const LBA_MIN: i32 = 90 * 4500 - LEAD_IN_OFFSET;
/// The highest address below the 90-minute rule: 89:59:74.
const LBA_MAX: i32 = 90 * 4500 - 1 - LEAD_IN_GAP as i32;

/// An address or a time that cannot be represented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MsfError {
    /// A field of an MSF is out of its range (minute ≤ 99, second ≤ 59, frame ≤ 74).
    #[error("MSF {minute:02}:{second:02}:{frame:02} out of range (mm ≤ 99, ss ≤ 59, ff ≤ 74)")]
    Field {
        /// The minute given.
        minute: u8,
        /// The second given.
        second: u8,
        /// The frame given.
        frame: u8,
    },
    /// A byte of a BCD address is not two decimal digits.
    #[error("byte {byte:#04x} is not BCD")]
    NotBcd {
        /// The byte at fault.
        byte: u8,
    },
    /// An LBA outside −45150..=404849, the range MSF can express.
    #[error("LBA {0} has no MSF form (range -45150..=404849)")]
    LbaRange(i64),
}

/// A logical block address. Signed: the pause before track 1 and the lead-in are negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Lba(pub i32);

impl Lba {
    /// LBA 0: MSF 00:02:00, the start of track 1 on a plain disc.
    pub const ZERO: Lba = Lba(0);
    /// LBA −150: MSF 00:00:00, where a Session-at-Once write starts.
    pub const PROGRAM_START: Lba = Lba(-(LEAD_IN_GAP as i32));

    /// The address as a number.
    pub const fn get(self) -> i32 {
        self.0
    }

    /// This address moved by `frames`, or `None` on overflow.
    pub fn checked_add(self, frames: i64) -> Option<Lba> {
        i64::from(self.0).checked_add(frames).and_then(|v| i32::try_from(v).ok()).map(Lba)
    }

    /// The MSF form of this address, applying the 90-minute rule for negative addresses.
    pub fn to_msf(self) -> Result<Msf, MsfError> {
        let lba = self.0;
        let frames = if lba >= -(LEAD_IN_GAP as i32) && lba <= LBA_MAX {
            lba + LEAD_IN_GAP as i32
        } else if (LBA_MIN..-(LEAD_IN_GAP as i32)).contains(&lba) {
            lba + LEAD_IN_OFFSET
        } else {
            return Err(MsfError::LbaRange(i64::from(lba)));
        };
        // frames is in 0..450000 here, so every field fits.
        Msf::from_frames(frames.unsigned_abs())
    }

    /// The four bytes a CDB carries: big-endian two's complement (−150 is `FF FF FF 6A`).
    pub const fn to_be_bytes(self) -> [u8; 4] {
        self.0.to_be_bytes()
    }

    /// The inverse of [`Lba::to_be_bytes`].
    pub const fn from_be_bytes(bytes: [u8; 4]) -> Lba {
        Lba(i32::from_be_bytes(bytes))
    }
}

impl fmt::Display for Lba {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Minute, second and frame: an absolute disc address or a relative time below 100 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Msf {
    minute: u8,
    second: u8,
    frame: u8,
}

impl Msf {
    /// An MSF from its fields; minute ≤ 99, second ≤ 59, frame ≤ 74.
    pub const fn new(minute: u8, second: u8, frame: u8) -> Result<Msf, MsfError> {
        if minute > 99 || second > 59 || frame > 74 {
            return Err(MsfError::Field { minute, second, frame });
        }
        Ok(Msf { minute, second, frame })
    }

    /// The MSF that is `frames` frames from 00:00:00 (a relative time or a raw position).
    pub fn from_frames(frames: u32) -> Result<Msf, MsfError> {
        let minute = frames / FRAMES_PER_MINUTE;
        let rest = frames % FRAMES_PER_MINUTE;
        let minute = u8::try_from(minute)
            .ok()
            .filter(|m| *m <= 99)
            .ok_or(MsfError::LbaRange(i64::from(frames) - i64::from(LEAD_IN_GAP)))?;
        // rest / 75 < 60 and rest % 75 < 75: both fit a u8.
        Msf::new(minute, (rest / FRAMES_PER_SECOND) as u8, (rest % FRAMES_PER_SECOND) as u8)
    }

    /// The minute field.
    pub const fn minute(self) -> u8 {
        self.minute
    }

    /// The second field.
    pub const fn second(self) -> u8 {
        self.second
    }

    /// The frame field.
    pub const fn frame(self) -> u8 {
        self.frame
    }

    /// Frames counted from 00:00:00, with no 90-minute rule (a relative time).
    pub const fn frames(self) -> u32 {
        self.minute as u32 * FRAMES_PER_MINUTE
            + self.second as u32 * FRAMES_PER_SECOND
            + self.frame as u32
    }

    /// The LBA this absolute address names (90:00:00 and up are the lead-in: negative).
    pub const fn to_lba(self) -> Lba {
        let frames = self.frames() as i32;
        if self.minute >= 90 {
            Lba(frames - LEAD_IN_OFFSET)
        } else {
            Lba(frames - LEAD_IN_GAP as i32)
        }
    }

    /// The three fields in binary, as READ TOC with MSF=1 and the cue sheet carry them.
    pub const fn to_binary(self) -> [u8; 3] {
        [self.minute, self.second, self.frame]
    }

    /// Parses three binary fields.
    pub const fn from_binary(bytes: [u8; 3]) -> Result<Msf, MsfError> {
        Msf::new(bytes[0], bytes[1], bytes[2])
    }

    /// The three fields in BCD, as the Q subchannel and the lead-in TOC carry them.
    pub const fn to_bcd(self) -> [u8; 3] {
        [to_bcd(self.minute), to_bcd(self.second), to_bcd(self.frame)]
    }

    /// Parses three BCD fields.
    pub fn from_bcd(bytes: [u8; 3]) -> Result<Msf, MsfError> {
        Msf::new(from_bcd(bytes[0])?, from_bcd(bytes[1])?, from_bcd(bytes[2])?)
    }
}

impl fmt::Display for Msf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}:{:02}", self.minute, self.second, self.frame)
    }
}

/// A value 0..=99 in BCD (two decimal digits in one byte). Values above 99 are cut to 99.
pub const fn to_bcd(value: u8) -> u8 {
    let v = if value > 99 { 99 } else { value };
    ((v / 10) << 4) | (v % 10)
}

/// The value of a BCD byte, or an error when a nibble is above 9.
pub const fn from_bcd(byte: u8) -> Result<u8, MsfError> {
    let (hi, lo) = (byte >> 4, byte & 0x0F);
    if hi > 9 || lo > 9 {
        return Err(MsfError::NotBcd { byte });
    }
    Ok(hi * 10 + lo)
}

/// Parses the text form `mm:ss:ff` of a length or a position in frames. Minutes may exceed 99
/// (a long file), up to 9999; seconds ≤ 59, frames ≤ 74.
pub fn parse_frames(text: &str) -> Option<u32> {
    let mut parts = text.split(':');
    let (m, s, f) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let num = |p: &str, max_len: usize| -> Option<u32> {
        if p.is_empty() || p.len() > max_len || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let (m, s, f) = (num(m, 4)?, num(s, 2)?, num(f, 2)?);
    if s > 59 || f > 74 {
        return None;
    }
    Some(m * FRAMES_PER_MINUTE + s * FRAMES_PER_SECOND + f)
}

/// The text form `mm:ss:ff` of a frame count (minutes get as many digits as they need).
pub fn format_frames(frames: u32) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        frames / FRAMES_PER_MINUTE,
        frames % FRAMES_PER_MINUTE / FRAMES_PER_SECOND,
        frames % FRAMES_PER_SECOND
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn msf(m: u8, s: u8, f: u8) -> Msf {
        Msf::new(m, s, f).unwrap()
    }

    #[test]
    fn issue_vectors() {
        assert_eq!(msf(0, 0, 0).to_lba(), Lba(-150));
        assert_eq!(msf(0, 2, 0).to_lba(), Lba(0));
        assert_eq!(msf(90, 0, 0).to_lba(), Lba(-45150));
        assert_eq!(msf(97, 26, 65).to_lba(), Lba(-11635));
        assert_eq!(Lba(-150).to_msf(), Ok(msf(0, 0, 0)));
        assert_eq!(Lba(0).to_msf(), Ok(msf(0, 2, 0)));
        assert_eq!(Lba(-45150).to_msf(), Ok(msf(90, 0, 0)));
        assert_eq!(Lba(-11635).to_msf(), Ok(msf(97, 26, 65)));
    }

    #[test]
    fn cdb_bytes_are_twos_complement() {
        assert_eq!(Lba(-150).to_be_bytes(), [0xFF, 0xFF, 0xFF, 0x6A]);
        assert_eq!(Lba(-11635).to_be_bytes(), [0xFF, 0xFF, 0xD2, 0x8D]);
        assert_eq!(Lba::from_be_bytes([0xFF, 0xFF, 0xD2, 0x8D]), Lba(-11635));
    }

    #[test]
    fn bcd_and_binary_forms() {
        let m = msf(79, 59, 74);
        assert_eq!(m.to_bcd(), [0x79, 0x59, 0x74]);
        assert_eq!(m.to_binary(), [79, 59, 74]);
        assert_eq!(Msf::from_bcd([0x79, 0x59, 0x74]), Ok(m));
        assert_eq!(Msf::from_bcd([0x7A, 0, 0]), Err(MsfError::NotBcd { byte: 0x7A }));
        assert!(Msf::from_binary([0, 60, 0]).is_err());
        assert!(Msf::new(100, 0, 0).is_err());
        assert!(Msf::new(0, 0, 75).is_err());
    }

    #[test]
    fn out_of_range_lbas_are_errors() {
        assert_eq!(Lba(-45151).to_msf(), Err(MsfError::LbaRange(-45151)));
        assert_eq!(Lba(404849).to_msf(), Ok(msf(89, 59, 74)));
        assert!(Lba(404850).to_msf().is_err());
    }

    #[test]
    fn text_form() {
        assert_eq!(parse_frames("01:02:03"), Some(4500 + 150 + 3));
        assert_eq!(parse_frames("120:00:00"), Some(120 * 4500));
        assert_eq!(parse_frames("00:60:00"), None);
        assert_eq!(parse_frames("00:00:75"), None);
        assert_eq!(parse_frames("0:0"), None);
        assert_eq!(parse_frames("a:00:00"), None);
        assert_eq!(format_frames(4500 + 150 + 3), "01:02:03");
    }

    proptest! {
        #[test]
        fn lba_msf_round_trip(lba in -45150i32..=404849) {
            let m = Lba(lba).to_msf().unwrap();
            prop_assert_eq!(m.to_lba(), Lba(lba));
            prop_assert_eq!(Msf::from_bcd(m.to_bcd()).unwrap(), m);
        }

        #[test]
        fn text_round_trip(frames in 0u32..9999 * 4500) {
            prop_assert_eq!(parse_frames(&format_frames(frames)), Some(frames));
        }
    }
}
