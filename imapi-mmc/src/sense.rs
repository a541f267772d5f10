//! Sense data in fixed (70h/71h) and descriptor (72h/73h) form, decoded into key, ASC and ASCQ
//! and classified into what a burner does about it.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use core::fmt;

use crate::cdb::{array, be16, be32, bit, flag, head_mut, put, room, split_mut};
use crate::error::ReplyError;
use crate::macros::code_enum;

code_enum! {
    /// The sense key (4 bits).
    pub enum SenseKey(u8) {
        /// 0: no sense.
        NoSense = 0x0,
        /// 1: recovered error (the command succeeded).
        RecoveredError = 0x1,
        /// 2: not ready.
        NotReady = 0x2,
        /// 3: medium error.
        MediumError = 0x3,
        /// 4: hardware error.
        HardwareError = 0x4,
        /// 5: illegal request.
        IllegalRequest = 0x5,
        /// 6: unit attention.
        UnitAttention = 0x6,
        /// 7: data protect.
        DataProtect = 0x7,
        /// 8: blank check.
        BlankCheck = 0x8,
        /// 0Bh: aborted command.
        AbortedCommand = 0xB,
    }
}

/// The form of sense data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SenseFormat {
    /// Response code 70h (current) or 71h (deferred).
    Fixed,
    /// Response code 72h (current) or 73h (deferred).
    Descriptor,
}

/// What a caller does about a CHECK CONDITION.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SenseClass {
    /// The command succeeded after recovery (key 1) or reported nothing (key 0).
    Recovered,
    /// Retry a little later: becoming ready (02/04/01), not-ready-to-ready (06/28),
    /// power on or reset (06/29), aborted command.
    RetryLater,
    /// 02/04/07 or 02/04/08: an operation or a long write in progress; on a WRITE, the drive's
    /// buffer is full. Wait and send again.
    LongWriteInProgress,
    /// Not ready for another reason (02/04/xx, 02/xx/xx).
    NotReady,
    /// No medium (ASC 3Ah, any key).
    NoMedium,
    /// The medium failed: key 3, write errors (ASC 0Ch), session fixation errors (72h).
    MediumError,
    /// The drive refused the command as given (key 5).
    IllegalRequest,
    /// Unit attention other than the retryable ones (key 6): state may have changed.
    UnitAttention,
    /// Write protected (ASC 27h, any key).
    WriteProtected,
    /// A hardware failure (key 4).
    HardwareError,
    /// Anything else.
    Other,
}

/// Decoded sense data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sense {
    /// Fixed or descriptor form.
    pub format: SenseFormat,
    /// Deferred error (71h/73h) rather than current (70h/72h).
    pub deferred: bool,
    /// The sense key.
    pub key: SenseKey,
    /// Additional sense code.
    pub asc: u8,
    /// Additional sense code qualifier.
    pub ascq: u8,
    /// The INFORMATION field when valid (often the failing LBA).
    pub information: Option<u64>,
    /// Incorrect length indicator.
    pub ili: bool,
    /// Progress of a long operation, when the sense-key-specific field is valid with key 0
    /// or 2: 0..=65535 of 65536.
    pub progress: Option<u16>,
}

/// Length of fixed-form sense data as [`Sense::emit`] writes it.
pub const FIXED_LEN: usize = FIXED_LEN_U8 as usize;
const FIXED_LEN_U8: u8 = 18;

mod fixed {
    pub const RESPONSE: usize = 0; // .7 VALID, 6-0 response code
    pub const KEY: usize = 2; // .5 ILI, 3-0 key
    pub const INFO: core::ops::Range<usize> = 3..7;
    pub const ADDITIONAL_LEN: usize = 7;
    pub const ASC: usize = 12;
    pub const ASCQ: usize = 13;
    pub const SKS: core::ops::Range<usize> = 15..18; // .7 SKSV, then 2 bytes
    pub const MIN_LEN: usize = ASCQ + 1;
}

mod desc {
    pub const RESPONSE: usize = 0;
    pub const KEY: usize = 1;
    pub const ASC: usize = 2;
    pub const ASCQ: usize = 3;
    pub const ADDITIONAL_LEN: usize = 7;
    pub const HEADER_LEN: usize = 8;
    pub const INFORMATION: u8 = 0x00;
    pub const SENSE_KEY_SPECIFIC: u8 = 0x02;
    pub const STREAM: u8 = 0x04;
}

impl Sense {
    /// A current, fixed-form sense with nothing but key, ASC and ASCQ.
    pub const fn new(key: SenseKey, asc: u8, ascq: u8) -> Sense {
        Sense {
            format: SenseFormat::Fixed,
            deferred: false,
            key,
            asc,
            ascq,
            information: None,
            ili: false,
            progress: None,
        }
    }

    /// This sense with its INFORMATION field set.
    pub const fn with_information(mut self, info: u64) -> Sense {
        self.information = Some(info);
        self
    }

    /// The key as its 4-bit value.
    pub fn key_code(&self) -> u8 {
        u8::from(self.key)
    }

    /// Key, ASC and ASCQ.
    pub fn triple(&self) -> (u8, u8, u8) {
        (self.key_code(), self.asc, self.ascq)
    }

    /// Parses sense data in either form.
    pub fn parse(buf: &[u8]) -> Result<Sense, ReplyError> {
        const WHAT: &str = "sense data";
        let code = *buf.first().ok_or(ReplyError::Truncated { what: WHAT, need: 1, got: 0 })?;
        match code & 0x7F {
            0x70 | 0x71 => Self::parse_fixed(buf),
            0x72 | 0x73 => Self::parse_descriptor(buf),
            other => Err(ReplyError::Field {
                what: WHAT,
                field: "response code",
                value: u32::from(other),
            }),
        }
    }

    fn parse_fixed(buf: &[u8]) -> Result<Sense, ReplyError> {
        const WHAT: &str = "fixed sense data";
        let b = buf.first_chunk::<{ fixed::MIN_LEN }>().ok_or(ReplyError::Truncated {
            what: WHAT,
            need: fixed::MIN_LEN,
            got: buf.len(),
        })?;
        let declared = usize::from(b[fixed::ADDITIONAL_LEN]) + fixed::ADDITIONAL_LEN + 1;
        if declared < fixed::MIN_LEN {
            return Err(ReplyError::BadLength { what: WHAT, declared, min: fixed::MIN_LEN });
        }
        let valid = bit(b[fixed::RESPONSE], 7);
        let info = be32(array(b, fixed::INFO));
        let key = SenseKey::from(b[fixed::KEY] & 0x0F);
        // The sense-key-specific bytes count only when both sent and declared.
        let progress = buf
            .get(fixed::SKS)
            .filter(|_| declared >= fixed::SKS.end)
            .and_then(|s| s.try_into().ok())
            .and_then(|s| progress_of(key, s));
        Ok(Sense {
            format: SenseFormat::Fixed,
            deferred: b[fixed::RESPONSE] & 0x7F == 0x71,
            key,
            asc: b[fixed::ASC],
            ascq: b[fixed::ASCQ],
            information: valid.then_some(u64::from(info)),
            ili: bit(b[fixed::KEY], 5),
            progress,
        })
    }

    fn parse_descriptor(buf: &[u8]) -> Result<Sense, ReplyError> {
        const WHAT: &str = "descriptor sense data";
        let b = buf.first_chunk::<{ desc::HEADER_LEN }>().ok_or(ReplyError::Truncated {
            what: WHAT,
            need: desc::HEADER_LEN,
            got: buf.len(),
        })?;
        let key = SenseKey::from(b[desc::KEY] & 0x0F);
        let mut sense = Sense {
            format: SenseFormat::Descriptor,
            deferred: b[desc::RESPONSE] & 0x7F == 0x73,
            key,
            asc: b[desc::ASC],
            ascq: b[desc::ASCQ],
            information: None,
            ili: false,
            progress: None,
        };
        let declared = usize::from(b[desc::ADDITIONAL_LEN]);
        // Descriptors: only those wholly inside both the buffer and the declared length.
        let end = (desc::HEADER_LEN + declared).min(buf.len());
        let mut rest = buf.get(desc::HEADER_LEN..end).unwrap_or(&[]);
        while let [kind, len, ..] = *rest {
            let total = 2 + usize::from(len);
            let Some(d) = rest.get(..total) else { break };
            match (kind, d) {
                (desc::INFORMATION, [_, 0x0A, v, _, i @ ..]) if i.len() == 8 && bit(*v, 7) => {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(i);
                    sense.information = Some(u64::from_be_bytes(a));
                }
                (desc::SENSE_KEY_SPECIFIC, [_, 0x06, _, _, s0, s1, s2, _]) => {
                    sense.progress = progress_of(key, [*s0, *s1, *s2]);
                }
                (desc::STREAM, [_, 0x02, _, f]) => sense.ili = bit(*f, 5),
                _ => {}
            }
            rest = rest.get(total..).unwrap_or(&[]);
        }
        Ok(sense)
    }

    /// The bytes [`Sense::emit`] writes: 18 in fixed form; in descriptor form 8 plus one
    /// descriptor per field present.
    pub fn buffer_len(&self) -> usize {
        match self.format {
            SenseFormat::Fixed => FIXED_LEN,
            SenseFormat::Descriptor => {
                desc::HEADER_LEN
                    + if self.information.is_some() { 12 } else { 0 }
                    + if self.progress.is_some() { 8 } else { 0 }
                    + if self.ili { 4 } else { 0 }
            }
        }
    }

    /// Writes the sense data in its form; returns the bytes written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        let n = self.buffer_len();
        room(buf, n, "sense data")?;
        let key = u8::from(self.key) & 0x0F;
        match self.format {
            SenseFormat::Fixed => {
                let info = match self.information {
                    Some(i) => u32::try_from(i).map_err(|_| ReplyError::Unrepresentable {
                        what: "fixed sense data",
                        field: "information",
                    })?,
                    None => 0,
                };
                let out = head_mut::<FIXED_LEN>(buf, "sense data")?;
                out.fill(0);
                out[fixed::RESPONSE] =
                    flag(self.information.is_some(), 7) | if self.deferred { 0x71 } else { 0x70 };
                out[fixed::KEY] = flag(self.ili, 5) | key;
                out[fixed::INFO].copy_from_slice(&info.to_be_bytes());
                out[fixed::ADDITIONAL_LEN] = FIXED_LEN_U8 - 8;
                out[fixed::ASC] = self.asc;
                out[fixed::ASCQ] = self.ascq;
                if let Some(p) = self.progress {
                    let p = p.to_be_bytes();
                    out[fixed::SKS].copy_from_slice(&[0x80, p[0], p[1]]);
                }
            }
            SenseFormat::Descriptor => {
                const WHAT: &str = "descriptor sense data";
                let (h, mut out) = split_mut::<{ desc::HEADER_LEN }>(buf, n, WHAT)?;
                h.fill(0);
                out.fill(0);
                h[desc::RESPONSE] = if self.deferred { 0x73 } else { 0x72 };
                h[desc::KEY] = key;
                h[desc::ASC] = self.asc;
                h[desc::ASCQ] = self.ascq;
                // At most 24 bytes of descriptors.
                h[desc::ADDITIONAL_LEN] = u8::try_from(n - desc::HEADER_LEN).map_err(|_| {
                    ReplyError::Unrepresentable { what: WHAT, field: "additional length" }
                })?;
                if let Some(i) = self.information {
                    put(&mut out, &[desc::INFORMATION, 0x0A, 0x80, 0], WHAT)?;
                    put(&mut out, &i.to_be_bytes(), WHAT)?;
                }
                if let Some(p) = self.progress {
                    let p = p.to_be_bytes();
                    put(
                        &mut out,
                        &[desc::SENSE_KEY_SPECIFIC, 0x06, 0, 0, 0x80, p[0], p[1], 0],
                        WHAT,
                    )?;
                }
                if self.ili {
                    put(&mut out, &[desc::STREAM, 0x02, 0, 0x20], WHAT)?;
                }
            }
        }
        Ok(n)
    }

    /// The sense data as a new vector.
    pub fn to_vec(&self) -> Result<Vec<u8>, ReplyError> {
        let mut v = vec![0; self.buffer_len()];
        self.emit(&mut v)?;
        Ok(v)
    }

    /// What to do about it.
    pub fn class(&self) -> SenseClass {
        use SenseKey::*;
        match (self.key, self.asc, self.ascq) {
            (NoSense | RecoveredError, _, _) => SenseClass::Recovered,
            (_, 0x3A, _) => SenseClass::NoMedium,
            (_, 0x27, _) => SenseClass::WriteProtected,
            (NotReady, 0x04, 0x07 | 0x08) => SenseClass::LongWriteInProgress,
            (NotReady, 0x04, 0x01) => SenseClass::RetryLater,
            (UnitAttention, 0x28 | 0x29, _) => SenseClass::RetryLater,
            (AbortedCommand, _, _) => SenseClass::RetryLater,
            (NotReady, _, _) => SenseClass::NotReady,
            (MediumError, _, _) | (_, 0x0C | 0x72 | 0x73, _) => SenseClass::MediumError,
            (IllegalRequest, _, _) => SenseClass::IllegalRequest,
            (UnitAttention, _, _) => SenseClass::UnitAttention,
            (DataProtect, _, _) => SenseClass::WriteProtected,
            (HardwareError, _, _) => SenseClass::HardwareError,
            _ => SenseClass::Other,
        }
    }

    /// A short text for the ASC/ASCQ pairs a CD recorder reports, if known.
    pub fn description(&self) -> Option<&'static str> {
        describe(self.asc, self.ascq)
    }
}

fn progress_of(key: SenseKey, sks: [u8; 3]) -> Option<u16> {
    let valid = bit(sks[0], 7) && matches!(key, SenseKey::NoSense | SenseKey::NotReady);
    valid.then(|| be16([sks[1], sks[2]]))
}

/// Texts of the additional sense codes that matter while recording.
pub fn describe(asc: u8, ascq: u8) -> Option<&'static str> {
    Some(match (asc, ascq) {
        (0x00, 0x00) => "no additional sense information",
        (0x04, 0x00) => "logical unit not ready, cause not reportable",
        (0x04, 0x01) => "logical unit is in process of becoming ready",
        (0x04, 0x04) => "logical unit not ready, format in progress",
        (0x04, 0x07) => "logical unit not ready, operation in progress",
        (0x04, 0x08) => "logical unit not ready, long write in progress",
        (0x0C, 0x00) => "write error",
        (0x0C, 0x07) => "write error, recovery needed",
        (0x0C, 0x08) => "write error, recovery failed",
        (0x0C, 0x09) => "write error, loss of streaming",
        (0x11, 0x00) => "unrecovered read error",
        (0x20, 0x00) => "invalid command operation code",
        (0x21, 0x00) => "logical block address out of range",
        (0x21, 0x02) => "invalid address for write",
        (0x24, 0x00) => "invalid field in cdb",
        (0x26, 0x00) => "invalid field in parameter list",
        (0x27, 0x00) => "write protected",
        (0x28, 0x00) => "not ready to ready change, medium may have changed",
        (0x29, 0x00) => "power on, reset, or bus device reset occurred",
        (0x2C, 0x00) => "command sequence error",
        (0x30, 0x00) => "incompatible medium installed",
        (0x30, 0x05) => "cannot write medium, incompatible format",
        (0x3A, 0x00) => "medium not present",
        (0x3A, 0x01) => "medium not present, tray closed",
        (0x3A, 0x02) => "medium not present, tray open",
        (0x53, 0x02) => "medium removal prevented",
        (0x64, 0x00) => "illegal mode for this track",
        (0x72, 0x03) => "session fixation error, incomplete track in session",
        (0x72, 0x04) => "empty or partially written reserved track",
        (0x73, 0x00) => "cd control error",
        _ => return None,
    })
}

impl fmt::Display for Sense {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sense {:02X}/{:02X}/{:02X}", self.key_code(), self.asc, self.ascq)?;
        if let Some(d) = self.description() {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

/// Sense triples a recorder reports, by name.
pub mod codes {
    use super::{Sense, SenseKey};

    /// 02/04/01: becoming ready.
    pub const BECOMING_READY: Sense = Sense::new(SenseKey::NotReady, 0x04, 0x01);
    /// 02/04/07: operation in progress.
    pub const OPERATION_IN_PROGRESS: Sense = Sense::new(SenseKey::NotReady, 0x04, 0x07);
    /// 02/04/08: long write in progress (drive buffer full).
    pub const LONG_WRITE_IN_PROGRESS: Sense = Sense::new(SenseKey::NotReady, 0x04, 0x08);
    /// 02/3A/00: medium not present.
    pub const MEDIUM_NOT_PRESENT: Sense = Sense::new(SenseKey::NotReady, 0x3A, 0x00);
    /// 03/0C/00: write error.
    pub const WRITE_ERROR: Sense = Sense::new(SenseKey::MediumError, 0x0C, 0x00);
    /// 03/11/00: unrecovered read error.
    pub const UNRECOVERED_READ_ERROR: Sense = Sense::new(SenseKey::MediumError, 0x11, 0x00);
    /// 05/20/00: invalid command operation code.
    pub const INVALID_OPCODE: Sense = Sense::new(SenseKey::IllegalRequest, 0x20, 0x00);
    /// 05/21/00: logical block address out of range.
    pub const LBA_OUT_OF_RANGE: Sense = Sense::new(SenseKey::IllegalRequest, 0x21, 0x00);
    /// 05/21/02: invalid address for write (not the NWA).
    pub const INVALID_ADDRESS_FOR_WRITE: Sense = Sense::new(SenseKey::IllegalRequest, 0x21, 0x02);
    /// 05/24/00: invalid field in CDB.
    pub const INVALID_FIELD_IN_CDB: Sense = Sense::new(SenseKey::IllegalRequest, 0x24, 0x00);
    /// 05/26/00: invalid field in parameter list.
    pub const INVALID_FIELD_IN_PARAMETERS: Sense = Sense::new(SenseKey::IllegalRequest, 0x26, 0x00);
    /// 05/2C/00: command sequence error.
    pub const COMMAND_SEQUENCE_ERROR: Sense = Sense::new(SenseKey::IllegalRequest, 0x2C, 0x00);
    /// 05/30/00: incompatible medium installed.
    pub const INCOMPATIBLE_MEDIUM: Sense = Sense::new(SenseKey::IllegalRequest, 0x30, 0x00);
    /// 05/30/05: cannot write medium, incompatible format.
    pub const CANNOT_WRITE_MEDIUM: Sense = Sense::new(SenseKey::IllegalRequest, 0x30, 0x05);
    /// 05/53/02: medium removal prevented.
    pub const REMOVAL_PREVENTED: Sense = Sense::new(SenseKey::IllegalRequest, 0x53, 0x02);
    /// 05/64/00: illegal mode for this track (run-out blocks, audio via READ(10)).
    pub const ILLEGAL_MODE_FOR_TRACK: Sense = Sense::new(SenseKey::IllegalRequest, 0x64, 0x00);
    /// 05/72/03: session fixation error, incomplete track in session.
    pub const INCOMPLETE_TRACK_IN_SESSION: Sense = Sense::new(SenseKey::IllegalRequest, 0x72, 0x03);
    /// 06/28/00: not ready to ready change, medium may have changed.
    pub const MEDIUM_MAY_HAVE_CHANGED: Sense = Sense::new(SenseKey::UnitAttention, 0x28, 0x00);
    /// 06/29/00: power on or reset.
    pub const POWER_ON_RESET: Sense = Sense::new(SenseKey::UnitAttention, 0x29, 0x00);
    /// 07/27/00: write protected.
    pub const WRITE_PROTECTED: Sense = Sense::new(SenseKey::DataProtect, 0x27, 0x00);
}

#[cfg(test)]
mod tests {
    use super::*;

    // QEMU's WRITE(10) answer on a scsi-cd, fixed form.
    static WRITE_PROTECTED_FIXED: [u8; 18] =
        [0x70, 0, 0x07, 0, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0x27, 0x00, 0, 0, 0, 0];

    #[test]
    fn fixed_write_protected() {
        let s = Sense::parse(&WRITE_PROTECTED_FIXED).unwrap();
        assert_eq!(s.triple(), (7, 0x27, 0));
        assert_eq!(s.class(), SenseClass::WriteProtected);
        assert_eq!(s.to_vec().unwrap(), WRITE_PROTECTED_FIXED);
        assert_eq!(s.to_string(), "sense 07/27/00 (write protected)");
    }

    #[test]
    fn fixed_with_lba_and_progress() {
        let mut b = [0u8; 18];
        b[0] = 0xF0;
        b[2] = 0x02 | 0x20;
        b[3..7].copy_from_slice(&1234u32.to_be_bytes());
        b[7] = 10;
        b[12] = 0x04;
        b[13] = 0x07;
        b[15..18].copy_from_slice(&[0x80, 0x40, 0x00]);
        let s = Sense::parse(&b).unwrap();
        assert_eq!(s.information, Some(1234));
        assert!(s.ili);
        assert_eq!(s.progress, Some(0x4000));
        assert_eq!(s.class(), SenseClass::LongWriteInProgress);
        assert_eq!(s.to_vec().unwrap(), b);
    }

    #[test]
    fn descriptor_form() {
        let b = [
            0x72, 0x05, 0x21, 0x02, 0, 0, 0, 12, // header
            0x00, 0x0A, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, // information = 256
        ];
        let s = Sense::parse(&b).unwrap();
        assert_eq!(s.format, SenseFormat::Descriptor);
        assert_eq!(s.triple(), (5, 0x21, 0x02));
        assert_eq!(s.information, Some(256));
        assert_eq!(s.class(), SenseClass::IllegalRequest);
        assert_eq!(s.to_vec().unwrap(), b);
    }

    #[test]
    fn descriptor_cut_short_keeps_header() {
        // The declared descriptor runs past the buffer: it is ignored, the header stands.
        let b = [0x72, 0x02, 0x3A, 0x00, 0, 0, 0, 12, 0x00, 0x0A, 0x80];
        let s = Sense::parse(&b).unwrap();
        assert_eq!(s.information, None);
        assert_eq!(s.class(), SenseClass::NoMedium);
    }

    #[test]
    fn rejections() {
        assert_eq!(
            Sense::parse(&[]),
            Err(ReplyError::Truncated { what: "sense data", need: 1, got: 0 })
        );
        assert_eq!(
            Sense::parse(&WRITE_PROTECTED_FIXED[..13]),
            Err(ReplyError::Truncated { what: "fixed sense data", need: 14, got: 13 })
        );
        let mut short = WRITE_PROTECTED_FIXED;
        short[7] = 5;
        assert_eq!(
            Sense::parse(&short),
            Err(ReplyError::BadLength { what: "fixed sense data", declared: 13, min: 14 })
        );
        assert!(matches!(
            Sense::parse(&[0x7F, 0, 0, 0, 0, 0, 0, 0]),
            Err(ReplyError::Field { field: "response code", value: 0x7F, .. })
        ));
        assert!(matches!(
            Sense::parse(&[0x72, 0, 0]),
            Err(ReplyError::Truncated { need: 8, got: 3, .. })
        ));
    }

    #[test]
    fn classes() {
        use codes::*;
        let c = |s: Sense| s.class();
        assert_eq!(c(BECOMING_READY), SenseClass::RetryLater);
        assert_eq!(c(OPERATION_IN_PROGRESS), SenseClass::LongWriteInProgress);
        assert_eq!(c(MEDIUM_NOT_PRESENT), SenseClass::NoMedium);
        assert_eq!(c(Sense::new(SenseKey::UnitAttention, 0x3A, 0)), SenseClass::NoMedium);
        assert_eq!(c(WRITE_ERROR), SenseClass::MediumError);
        assert_eq!(c(Sense::new(SenseKey::IllegalRequest, 0x0C, 0x09)), SenseClass::MediumError);
        assert_eq!(c(INVALID_OPCODE), SenseClass::IllegalRequest);
        assert_eq!(c(INVALID_ADDRESS_FOR_WRITE), SenseClass::IllegalRequest);
        assert_eq!(c(MEDIUM_MAY_HAVE_CHANGED), SenseClass::RetryLater);
        assert_eq!(c(Sense::new(SenseKey::UnitAttention, 0x2A, 1)), SenseClass::UnitAttention);
        assert_eq!(c(WRITE_PROTECTED), SenseClass::WriteProtected);
        assert_eq!(c(Sense::new(SenseKey::NotReady, 0x04, 0x00)), SenseClass::NotReady);
        assert_eq!(c(Sense::new(SenseKey::HardwareError, 0x44, 0)), SenseClass::HardwareError);
        assert_eq!(c(Sense::new(SenseKey::RecoveredError, 0x17, 0)), SenseClass::Recovered);
        assert_eq!(c(Sense::new(SenseKey::Unknown(0xE), 0, 0)), SenseClass::Other);
    }
}
