//! The Q subchannel: 12-byte frames (ADR 1 position, ADR 2 MCN, ADR 3 ISRC) with their CRC,
//! and the P and Q of every frame of a layout.
//!
//! Byte 0 is `CTL << 4 | ADR`; bytes 10–11 the CRC-16 (0x1021, inverted), big-endian. Times
//! and numbers are BCD; the lead-out track number 0xAA and points such as 0xA0 stay as they are.

use crate::crc::crc16;
use crate::isrc::{CodeError, Isrc, Mcn};
use crate::layout::Layout;
use crate::msf::{from_bcd, to_bcd, Lba, Msf, MsfError};

/// Bytes of a Q frame.
pub const Q_LEN: usize = 12;

/// A Q frame that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QError {
    /// The CRC does not match.
    #[error("Q CRC {found:04X}, computed {computed:04X}")]
    Crc {
        /// Stored.
        found: u16,
        /// Computed.
        computed: u16,
    },
    /// A time field is not a valid BCD MSF.
    #[error(transparent)]
    Msf(#[from] MsfError),
    /// An MCN or ISRC field is malformed.
    #[error(transparent)]
    Code(#[from] CodeError),
}

/// What a Q frame carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QData {
    /// ADR 1 in the program area or lead-out: track, index, time in the track, time on disc.
    Position {
        /// Track number (0xAA for the lead-out).
        track: u8,
        /// Index number.
        index: u8,
        /// Time within the track (counting down to INDEX 01 in a pregap).
        relative: Msf,
        /// Absolute time.
        absolute: Msf,
    },
    /// ADR 1 in the lead-in (TNO 0): one TOC point.
    LeadIn {
        /// POINT (01–99, A0, A1, A2).
        point: u8,
        /// Running time in the lead-in.
        running: Msf,
        /// PMIN, PSEC, PFRAME as values (first/last track and disc type for A0/A1).
        pmsf: [u8; 3],
    },
    /// ADR 2: the disc's catalogue number.
    Mcn {
        /// The MCN.
        mcn: Mcn,
        /// The absolute frame (AFRAME).
        aframe: u8,
    },
    /// ADR 3: the track's ISRC.
    Isrc {
        /// The ISRC.
        isrc: Isrc,
        /// The absolute frame (AFRAME).
        aframe: u8,
    },
    /// Another ADR, kept as bytes 1–9.
    Other {
        /// The ADR.
        adr: u8,
        /// Bytes 1–9.
        bytes: [u8; 9],
    },
}

/// One Q frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QFrame {
    /// The CTL nibble.
    pub control: u8,
    /// What it carries.
    pub data: QData,
}

/// BCD for values up to 99; codes such as 0xAA and 0xA0 stay as they are.
fn code(v: u8) -> u8 {
    if v <= 99 {
        to_bcd(v)
    } else {
        v
    }
}

fn uncode(b: u8) -> u8 {
    from_bcd(b).unwrap_or(b)
}

impl QFrame {
    /// The ADR of this frame.
    pub fn adr(&self) -> u8 {
        match self.data {
            QData::Position { .. } | QData::LeadIn { .. } => 1,
            QData::Mcn { .. } => 2,
            QData::Isrc { .. } => 3,
            QData::Other { adr, .. } => adr & 0x0F,
        }
    }

    /// The 12 bytes, CRC included.
    pub fn encode(&self) -> [u8; Q_LEN] {
        let mut q = [0u8; Q_LEN];
        q[0] = (self.control & 0x0F) << 4 | self.adr();
        match self.data {
            QData::Position { track, index, relative, absolute } => {
                q[1] = code(track);
                q[2] = code(index);
                q[3..6].copy_from_slice(&relative.to_bcd());
                q[7..10].copy_from_slice(&absolute.to_bcd());
            }
            QData::LeadIn { point, running, pmsf } => {
                q[2] = code(point);
                q[3..6].copy_from_slice(&running.to_bcd());
                for (d, v) in q[7..10].iter_mut().zip(pmsf) {
                    *d = code(v);
                }
            }
            QData::Mcn { mcn, aframe } => {
                q[1..9].copy_from_slice(&mcn.to_q());
                q[9] = to_bcd(aframe);
            }
            QData::Isrc { isrc, aframe } => {
                q[1..9].copy_from_slice(&isrc.to_q());
                q[9] = to_bcd(aframe);
            }
            QData::Other { bytes, .. } => q[1..10].copy_from_slice(&bytes),
        }
        let crc = crc16(&q[..10]);
        q[10..].copy_from_slice(&crc.to_be_bytes());
        q
    }

    /// Reads 12 bytes, checking the CRC.
    pub fn decode(q: &[u8; Q_LEN]) -> Result<QFrame, QError> {
        let found = u16::from_be_bytes([q[10], q[11]]);
        let computed = crc16(&q[..10]);
        if found != computed {
            return Err(QError::Crc { found, computed });
        }
        let control = q[0] >> 4;
        let msf = |i: usize| Msf::from_bcd([q[i], q[i + 1], q[i + 2]]);
        let mut eight = [0u8; 8];
        eight.copy_from_slice(&q[1..9]);
        let data = match q[0] & 0x0F {
            1 if q[1] == 0 => QData::LeadIn {
                point: uncode(q[2]),
                running: msf(3)?,
                pmsf: [uncode(q[7]), uncode(q[8]), uncode(q[9])],
            },
            1 => QData::Position {
                track: uncode(q[1]),
                index: uncode(q[2]),
                relative: msf(3)?,
                absolute: msf(7)?,
            },
            2 => QData::Mcn { mcn: Mcn::from_q(&eight)?, aframe: from_bcd(q[9])? },
            3 => QData::Isrc { isrc: Isrc::from_q(&eight)?, aframe: from_bcd(q[9])? },
            adr => {
                let mut bytes = [0u8; 9];
                bytes.copy_from_slice(&q[1..10]);
                QData::Other { adr, bytes }
            }
        };
        Ok(QFrame { control, data })
    }
}

/// P and Q of every frame of a layout, from LBA −150 through the lead-out.
///
/// P is set in pregaps (INDEX 00) and blinks at 2 Hz in the lead-out. Q is ADR 1 except that
/// the MCN replaces it where (LBA + 150) mod 100 = 0 and a track's ISRC where it is 49 (inside
/// the track's INDEX 01+ part), so each appears once in every 100 frames.
#[derive(Debug, Clone)]
pub struct Subchannel<'a> {
    layout: &'a Layout,
    starts: Vec<(Lba, Lba, Lba)>, // pregap start, INDEX 01, end
}

impl<'a> Subchannel<'a> {
    /// The subchannel of a layout.
    pub fn new(layout: &'a Layout) -> Subchannel<'a> {
        let starts = layout.positions().map(|p| (p.pregap_start, p.start, p.end)).collect();
        Subchannel { layout, starts }
    }

    /// P and Q at `lba` (from −150 on; at or past the lead-out start, the lead-out).
    pub fn frame(&self, lba: Lba) -> Result<(bool, QFrame), MsfError> {
        let absolute = lba.to_msf()?;
        let aframe = absolute.frame();
        let cycle = (i64::from(lba.0) + 150).rem_euclid(100);
        let lead_out = self.layout.lead_out();
        let found = self.starts.iter().position(|&(p, _, e)| lba >= p && lba < e);
        let Some(i) = found.filter(|_| lba < lead_out) else {
            let control = self.layout.tracks().last().map_or(0, |t| t.flags.control());
            let into = lba.0.saturating_sub(lead_out.0).max(0).unsigned_abs();
            let p = (into * 4 / 75) % 2 == 0;
            let relative = Msf::from_frames(into)?;
            let data = QData::Position { track: 0xAA, index: 1, relative, absolute };
            return Ok((p, QFrame { control, data }));
        };
        let track = &self.layout.tracks()[i];
        let (_, start, _) = self.starts[i];
        let number = self.layout.first_track_number() + i as u8;
        let control = track.flags.control();
        let in_pregap = lba < start;
        if let Some(mcn) = self.layout.mcn.filter(|_| cycle == 0) {
            return Ok((in_pregap, QFrame { control, data: QData::Mcn { mcn, aframe } }));
        }
        if let Some(isrc) = track.isrc.filter(|_| cycle == 49 && !in_pregap) {
            return Ok((false, QFrame { control, data: QData::Isrc { isrc, aframe } }));
        }
        let (index, relative) = if in_pregap {
            (0, Msf::from_frames(start.0.abs_diff(lba.0))?)
        } else {
            let into = lba.0.abs_diff(start.0);
            let index = track.indexes.iter().take_while(|&&o| o <= into).count() as u8 + 1;
            (index, Msf::from_frames(into)?)
        };
        let data = QData::Position { track: number, index, relative, absolute };
        Ok((in_pregap, QFrame { control, data }))
    }

    /// Every frame from LBA −150 to the lead-out start plus `lead_out_frames`.
    pub fn iter(&self, lead_out_frames: u32) -> impl Iterator<Item = (Lba, bool, QFrame)> + '_ {
        let end = self.layout.lead_out().0.saturating_add_unsigned(lead_out_frames);
        (Lba::PROGRAM_START.0..end)
            .filter_map(move |l| self.frame(Lba(l)).ok().map(|(p, q)| (Lba(l), p, q)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{Capacity, Track};
    use proptest::prelude::*;

    #[test]
    fn issue_vector() {
        let q = QFrame {
            control: 0,
            data: QData::Position {
                track: 1,
                index: 1,
                relative: Msf::new(0, 0, 0).unwrap(),
                absolute: Msf::new(0, 2, 0).unwrap(),
            },
        };
        let bytes = q.encode();
        assert_eq!(bytes, [0x01, 0x01, 0x01, 0, 0, 0, 0, 0, 0x02, 0, 0x5A, 0x28]);
        assert_eq!(QFrame::decode(&bytes), Ok(q));
        let mut bad = bytes;
        bad[11] ^= 1;
        assert!(matches!(QFrame::decode(&bad), Err(QError::Crc { .. })));
    }

    #[test]
    fn layout_frames() {
        let mut l = Layout::new(Capacity::Minutes74);
        l.mcn = Some(Mcn::parse("1234567890123").unwrap());
        l.push(Track::audio(150, 300)).unwrap();
        let mut t = Track::audio(150, 400);
        t.isrc = Some(Isrc::parse("USRC17607839").unwrap());
        t.indexes = vec![100];
        l.push(t).unwrap();
        let sc = Subchannel::new(&l);
        let pos = |lba| match sc.frame(Lba(lba)).unwrap() {
            (p, QFrame { data: QData::Position { track, index, relative, .. }, .. }) => {
                (p, track, index, relative.frames())
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(pos(-149), (true, 1, 0, 149));
        assert_eq!(pos(1), (false, 1, 1, 1));
        assert_eq!(pos(301), (true, 2, 0, 149));
        assert_eq!(pos(451), (false, 2, 1, 1));
        assert_eq!(pos(551), (false, 2, 2, 101));
        assert_eq!(pos(850), (true, 0xAA, 1, 0));
        assert!(matches!(sc.frame(Lba(-150)).unwrap().1.data, QData::Mcn { .. }));
        assert!(matches!(sc.frame(Lba(499)).unwrap().1.data, QData::Isrc { .. }));
        let n = sc.iter(10).count();
        assert_eq!(n, 150 + 850 + 10);
        let mcn = sc.iter(0).filter(|f| f.2.adr() == 2).count();
        assert_eq!(mcn, 10);
    }

    proptest! {
        #[test]
        fn position_round_trip(track in 1u8..=99, index in 0u8..=99, rel in 0u32..449_999, abs in 0u32..449_999, ctl in 0u8..16) {
            let q = QFrame { control: ctl, data: QData::Position {
                track, index, relative: Msf::from_frames(rel).unwrap(), absolute: Msf::from_frames(abs).unwrap() } };
            prop_assert_eq!(QFrame::decode(&q.encode()), Ok(q));
        }

        #[test]
        fn decode_never_panics(bytes in any::<[u8; 12]>()) {
            let _ = QFrame::decode(&bytes);
        }
    }
}
