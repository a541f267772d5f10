//! ISRC (International Standard Recording Code, per track) and MCN (Media Catalogue Number,
//! per disc): validated values and their Q-subchannel forms (ADR 3 and ADR 2).

use core::fmt;
use core::str::FromStr;

/// An ISRC or MCN that breaks its format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodeError {
    /// An ISRC must be 12 characters: `CCOOOYYSSSSS`.
    #[error("ISRC {text:?}: {why}")]
    Isrc {
        /// The text given (cut to 32 characters).
        text: String,
        /// What is wrong.
        why: &'static str,
    },
    /// An MCN must be 13 decimal digits.
    #[error("MCN {text:?}: must be 13 decimal digits")]
    Mcn {
        /// The text given (cut to 32 characters).
        text: String,
    },
    /// A Q frame does not hold a valid code.
    #[error("Q frame holds no valid {what}")]
    QFrame {
        /// `"ISRC"` or `"MCN"`.
        what: &'static str,
    },
}

fn clip(text: &str) -> String {
    text.chars().take(32).collect()
}

/// An ISRC: country (2) and owner (3) letters or digits, year (2) and serial (5) digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Isrc([u8; 12]);

impl Isrc {
    /// Parses `CCOOOYYSSSSS` (upper-case letters or digits, then 7 digits). Lower-case
    /// letters are taken as upper case. Dashes (`CC-OOO-YY-SSSSS`) are accepted.
    pub fn parse(text: &str) -> Result<Isrc, CodeError> {
        let err = |why| CodeError::Isrc { text: clip(text), why };
        let mut out = [0u8; 12];
        let mut n = 0;
        for b in text.bytes().filter(|&b| b != b'-') {
            let slot = out.get_mut(n).ok_or_else(|| err("longer than 12 characters"))?;
            *slot = b.to_ascii_uppercase();
            n += 1;
        }
        if n != 12 {
            return Err(err("shorter than 12 characters"));
        }
        if !out[..5].iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return Err(err("the first 5 characters must be letters or digits"));
        }
        if !out[5..].iter().all(u8::is_ascii_digit) {
            return Err(err("the last 7 characters must be digits"));
        }
        Ok(Isrc(out))
    }

    /// The 12 ASCII characters.
    pub const fn as_bytes(&self) -> &[u8; 12] {
        &self.0
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters and digits are ever stored.
        core::str::from_utf8(&self.0).unwrap_or("")
    }

    /// Bytes 1–8 of an ADR-3 Q frame: five 6-bit characters packed into 30 bits (plus two zero
    /// bits), then the 7 digits in BCD with a zero low nibble at the end.
    pub fn to_q(&self) -> [u8; 8] {
        let mut bits: u64 = 0;
        for &c in &self.0[..5] {
            bits = (bits << 6) | u64::from(q_char(c));
        }
        bits <<= 2;
        let mut out = [0u8; 8];
        out[..4].copy_from_slice(&(bits as u32).to_be_bytes());
        let d = &self.0[5..];
        let digit = |i: usize| d.get(i).map_or(0, |c| c - b'0');
        out[4] = (digit(0) << 4) | digit(1);
        out[5] = (digit(2) << 4) | digit(3);
        out[6] = (digit(4) << 4) | digit(5);
        out[7] = digit(6) << 4;
        out
    }

    /// The inverse of [`Isrc::to_q`].
    pub fn from_q(bytes: &[u8; 8]) -> Result<Isrc, CodeError> {
        let bad = CodeError::QFrame { what: "ISRC" };
        let bits = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        if bits & 0b11 != 0 || bytes[7] & 0x0F != 0 {
            return Err(bad);
        }
        let mut out = [0u8; 12];
        for (i, slot) in out[..5].iter_mut().enumerate() {
            let code = ((bits >> (26 - 6 * i)) & 0x3F) as u8;
            *slot = from_q_char(code).ok_or(bad.clone())?;
        }
        for i in 0..7 {
            let byte = bytes[4 + i / 2];
            let nib = if i % 2 == 0 { byte >> 4 } else { byte & 0x0F };
            if nib > 9 {
                return Err(bad);
            }
            out[5 + i] = b'0' + nib;
        }
        Ok(Isrc(out))
    }
}

/// The 6-bit Q code of an ISRC character: '0'–'9' → 0x00–0x09, 'A'–'Z' → 0x11–0x2A.
fn q_char(c: u8) -> u8 {
    if c.is_ascii_digit() {
        c - b'0'
    } else {
        c.saturating_sub(b'A') + 0x11
    }
}

fn from_q_char(code: u8) -> Option<u8> {
    match code {
        0x00..=0x09 => Some(b'0' + code),
        0x11..=0x2A => Some(b'A' + code - 0x11),
        _ => None,
    }
}

impl FromStr for Isrc {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Isrc::parse(s)
    }
}

impl fmt::Display for Isrc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Media Catalogue Number (UPC/EAN): 13 decimal digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mcn([u8; 13]);

impl Mcn {
    /// Parses 13 decimal digits.
    pub fn parse(text: &str) -> Result<Mcn, CodeError> {
        let bytes = text.as_bytes();
        let arr: [u8; 13] = bytes.try_into().map_err(|_| CodeError::Mcn { text: clip(text) })?;
        if !arr.iter().all(u8::is_ascii_digit) {
            return Err(CodeError::Mcn { text: clip(text) });
        }
        Ok(Mcn(arr))
    }

    /// The 13 ASCII digits.
    pub const fn as_bytes(&self) -> &[u8; 13] {
        &self.0
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or("")
    }

    /// Bytes 1–8 of an ADR-2 Q frame: 13 BCD digits, a zero low nibble, then a zero byte.
    pub fn to_q(&self) -> [u8; 8] {
        let mut out = [0u8; 8];
        for (i, &c) in self.0.iter().enumerate() {
            let nib = c - b'0';
            out[i / 2] |= if i % 2 == 0 { nib << 4 } else { nib };
        }
        out
    }

    /// The inverse of [`Mcn::to_q`].
    pub fn from_q(bytes: &[u8; 8]) -> Result<Mcn, CodeError> {
        let bad = CodeError::QFrame { what: "MCN" };
        if bytes[6] & 0x0F != 0 || bytes[7] != 0 {
            return Err(bad);
        }
        let mut out = [0u8; 13];
        for (i, slot) in out.iter_mut().enumerate() {
            let byte = bytes[i / 2];
            let nib = if i % 2 == 0 { byte >> 4 } else { byte & 0x0F };
            if nib > 9 {
                return Err(bad);
            }
            *slot = b'0' + nib;
        }
        Ok(Mcn(out))
    }
}

impl FromStr for Mcn {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mcn::parse(s)
    }
}

impl fmt::Display for Mcn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn isrc_validation() {
        assert_eq!(Isrc::parse("USRC17607839").unwrap().as_str(), "USRC17607839");
        assert_eq!(Isrc::parse("us-rc1-76-07839").unwrap().as_str(), "USRC17607839");
        assert!(Isrc::parse("USRC1760783").is_err());
        assert!(Isrc::parse("USRC176078390").is_err());
        assert!(Isrc::parse("US#C17607839").is_err());
        assert!(Isrc::parse("USRC1A607839").is_err());
    }

    #[test]
    fn isrc_q_packing() {
        // 'U' = 0x25, 'S' = 0x23, 'R' = 0x22, 'C' = 0x13, '1' = 0x01.
        let q = Isrc::parse("USRC17607839").unwrap().to_q();
        let bits: u32 = (0x25 << 26) | (0x23 << 20) | (0x22 << 14) | (0x13 << 8) | (0x01 << 2);
        assert_eq!(&q[..4], &bits.to_be_bytes());
        assert_eq!(&q[4..], &[0x76, 0x07, 0x83, 0x90]);
        assert_eq!(Isrc::from_q(&q).unwrap().as_str(), "USRC17607839");
    }

    #[test]
    fn mcn_validation_and_q() {
        let m = Mcn::parse("0123456789012").unwrap();
        assert_eq!(m.to_q(), [0x01, 0x23, 0x45, 0x67, 0x89, 0x01, 0x20, 0x00]);
        assert_eq!(Mcn::from_q(&m.to_q()).unwrap(), m);
        assert!(Mcn::parse("012345678901").is_err());
        assert!(Mcn::parse("012345678901a").is_err());
        assert!(Mcn::from_q(&[0xA0, 0, 0, 0, 0, 0, 0, 0]).is_err());
    }

    proptest! {
        #[test]
        fn isrc_round_trips_through_q(s in "[A-Z0-9]{5}[0-9]{7}") {
            let isrc = Isrc::parse(&s).unwrap();
            prop_assert_eq!(Isrc::from_q(&isrc.to_q()).unwrap(), isrc);
        }

        #[test]
        fn isrc_from_any_q_never_panics(q in any::<[u8; 8]>()) {
            if let Ok(isrc) = Isrc::from_q(&q) {
                prop_assert_eq!(isrc.to_q(), q);
            }
        }
    }
}
