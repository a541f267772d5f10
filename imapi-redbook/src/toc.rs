//! The TOC of a layout or of a whole (multisession) disc: the values behind READ TOC formats
//! 0 (tracks), 1 (session information) and 2 (full TOC: points 01–99, A0, A1, A2, B0, C0).
//!
//! This is the model only; the reply bytes are imapi-mmc's. Addresses are [`Lba`]s; the full
//! TOC gives its MSF fields in binary (READ TOC with MSF=1), with B0's "finalized" as FF:FF:FF.

use crate::layout::{Layout, TrackFlags};
use crate::msf::Lba;

/// POINT A0: first track number and disc type.
pub const POINT_A0: u8 = 0xA0;
/// POINT A1: last track number.
pub const POINT_A1: u8 = 0xA1;
/// POINT A2: lead-out start.
pub const POINT_A2: u8 = 0xA2;
/// POINT B0: next program area (multisession).
pub const POINT_B0: u8 = 0xB0;
/// POINT C0: the ATIP's writing power and the disc's first lead-in start, in session 1 of a
/// multisession disc.
pub const POINT_C0: u8 = 0xC0;
/// The track number of the lead-out.
pub const LEAD_OUT_TRACK: u8 = 0xAA;

/// Frames from the first session's lead-out to the next program area (lead-out 6750 +
/// lead-in 4500).
pub const FIRST_SESSION_GAP: i32 = 11_250;
/// Frames from a later session's lead-out to the next program area (2250 + 4500).
pub const LATER_SESSION_GAP: i32 = 6_750;

/// The disc type in A0's PSEC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DiscType {
    /// 0x00: CD-DA or CD-ROM.
    #[default]
    CdDaOrCdRom,
    /// 0x10: CD-I.
    CdI,
    /// 0x20: CD-ROM XA.
    CdRomXa,
}

impl DiscType {
    /// The PSEC byte.
    pub const fn code(self) -> u8 {
        match self {
            DiscType::CdDaOrCdRom => 0x00,
            DiscType::CdI => 0x10,
            DiscType::CdRomXa => 0x20,
        }
    }
}

/// One track in the TOC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TocTrack {
    /// Track number 1–99.
    pub number: u8,
    /// The CTL bits.
    pub flags: TrackFlags,
    /// INDEX 01.
    pub start: Lba,
}

/// Whether a closed session leaves room for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NextSession {
    /// Start of the next program area, or `None` when the disc is finalized (FF:FF:FF).
    pub program_area: Option<Lba>,
    /// The medium's last possible lead-out start (B0's PMIN:PSEC:PFRAME).
    pub max_lead_out: Lba,
    /// Mode-5 pointers in this lead-in (B0's ZERO byte; 2 in session 1 with C0, else 1).
    pub mode5_pointers: u8,
}

/// One closed session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TocSession {
    /// Session number from 1.
    pub number: u8,
    /// The disc type given in A0.
    pub disc_type: DiscType,
    /// Its tracks in order.
    pub tracks: Vec<TocTrack>,
    /// Where its lead-out starts.
    pub lead_out: Lba,
    /// B0, for a multisession disc.
    pub next: Option<NextSession>,
}

impl TocSession {
    /// Where the next session's program area would start after this session's lead-out.
    pub fn next_program_area(&self) -> Lba {
        let gap = if self.number <= 1 { FIRST_SESSION_GAP } else { LATER_SESSION_GAP };
        Lba(self.lead_out.0.saturating_add(gap))
    }
}

/// A format-0 descriptor: one track or the lead-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TrackDescriptor {
    /// ADR (1).
    pub adr: u8,
    /// CTL nibble.
    pub control: u8,
    /// Track number, or 0xAA for the lead-out.
    pub track: u8,
    /// Its start.
    pub start: Lba,
}

/// The values of a format-1 reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionInfo {
    /// First complete session.
    pub first_session: u8,
    /// Last complete session.
    pub last_session: u8,
    /// The first track of the last session.
    pub first_track_of_last: TrackDescriptor,
}

/// A format-2 (full TOC) descriptor, MSF fields binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FullTocEntry {
    /// Session number.
    pub session: u8,
    /// ADR (1, or 5 for B0).
    pub adr: u8,
    /// CTL nibble.
    pub control: u8,
    /// TNO (0 in the lead-in).
    pub tno: u8,
    /// POINT.
    pub point: u8,
    /// MIN, SEC, FRAME.
    pub msf: [u8; 3],
    /// ZERO.
    pub zero: u8,
    /// PMIN, PSEC, PFRAME.
    pub pmsf: [u8; 3],
}

fn msf_bytes(lba: Lba) -> [u8; 3] {
    // TOC addresses come from layouts within a medium: always representable.
    lba.to_msf().map_or([0xFF; 3], |m| m.to_binary())
}

/// What point C0 repeats from the ATIP (written in session 1's lead-in beside B0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct C0Pointer {
    /// C0's MIN: the ATIP's writing-power byte.
    pub writing_power: u8,
    /// C0's PMIN:PSEC:PFRAME: the start of the disc's first lead-in (from the ATIP).
    pub first_lead_in: Lba,
}

/// The TOC of a disc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toc {
    /// Sessions in order.
    pub sessions: Vec<TocSession>,
}

impl Toc {
    /// The single-session TOC of a layout.
    pub fn from_layout(layout: &Layout) -> Toc {
        let tracks = layout
            .tracks()
            .iter()
            .zip(layout.positions())
            .map(|(t, p)| TocTrack { number: p.number, flags: t.flags, start: p.start })
            .collect();
        Toc {
            sessions: vec![TocSession {
                number: 1,
                disc_type: DiscType::CdDaOrCdRom,
                tracks,
                lead_out: layout.lead_out(),
                next: None,
            }],
        }
    }

    fn all_tracks(&self) -> impl Iterator<Item = &TocTrack> {
        self.sessions.iter().flat_map(|s| s.tracks.iter())
    }

    /// The first track number on the disc.
    pub fn first_track(&self) -> Option<u8> {
        self.all_tracks().next().map(|t| t.number)
    }

    /// The last track number on the disc.
    pub fn last_track(&self) -> Option<u8> {
        self.all_tracks().last().map(|t| t.number)
    }

    /// Format 0: every track of every session, then the last session's lead-out.
    pub fn track_descriptors(&self) -> Vec<TrackDescriptor> {
        let mut out: Vec<TrackDescriptor> = self
            .all_tracks()
            .map(|t| TrackDescriptor {
                adr: 1,
                control: t.flags.control(),
                track: t.number,
                start: t.start,
            })
            .collect();
        if let Some(s) = self.sessions.last() {
            let control = s.tracks.last().map_or(0, |t| t.flags.control());
            out.push(TrackDescriptor { adr: 1, control, track: LEAD_OUT_TRACK, start: s.lead_out });
        }
        out
    }

    /// Format 1: the session numbers and the first track of the last session.
    pub fn session_info(&self) -> Option<SessionInfo> {
        let first = self.sessions.first()?;
        let last = self.sessions.last()?;
        let t = last.tracks.first()?;
        Some(SessionInfo {
            first_session: first.number,
            last_session: last.number,
            first_track_of_last: TrackDescriptor {
                adr: 1,
                control: t.flags.control(),
                track: t.number,
                start: t.start,
            },
        })
    }

    /// Format 2: per session A0, A1, A2, the track points, then B0 when present.
    pub fn full_toc(&self) -> Vec<FullTocEntry> {
        let mut out = Vec::new();
        for s in &self.sessions {
            let (Some(first), Some(last)) = (s.tracks.first(), s.tracks.last()) else { continue };
            let entry = |adr, control, point, msf, zero, pmsf| FullTocEntry {
                session: s.number,
                adr,
                control,
                tno: 0,
                point,
                msf,
                zero,
                pmsf,
            };
            let (fc, lc) = (first.flags.control(), last.flags.control());
            out.push(entry(1, fc, POINT_A0, [0; 3], 0, [first.number, s.disc_type.code(), 0]));
            out.push(entry(1, lc, POINT_A1, [0; 3], 0, [last.number, 0, 0]));
            out.push(entry(1, lc, POINT_A2, [0; 3], 0, msf_bytes(s.lead_out)));
            for t in &s.tracks {
                out.push(entry(1, t.flags.control(), t.number, [0; 3], 0, msf_bytes(t.start)));
            }
            if let Some(n) = s.next {
                let next = n.program_area.map_or([0xFF; 3], msf_bytes);
                out.push(entry(5, lc, POINT_B0, next, n.mode5_pointers, msf_bytes(n.max_lead_out)));
            }
        }
        out
    }

    /// Format 2 as [`Toc::full_toc`], with C0 after the B0 of a session 1 whose B0 counts two
    /// mode-5 pointers (the lead-in of the first session of a multisession disc).
    pub fn full_toc_with_c0(&self, c0: C0Pointer) -> Vec<FullTocEntry> {
        let mut out = Vec::new();
        for e in self.full_toc() {
            let with_c0 = e.session == 1 && e.point == POINT_B0 && e.zero >= 2;
            out.push(e);
            if with_c0 {
                out.push(FullTocEntry {
                    point: POINT_C0,
                    msf: [c0.writing_power, 0, 0],
                    zero: 0,
                    pmsf: msf_bytes(c0.first_lead_in),
                    ..e
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{Capacity, Track};

    fn two_tracks() -> Layout {
        let mut l = Layout::new(Capacity::Minutes74);
        l.push(Track::audio(150, 3000)).unwrap();
        l.push(Track::audio(0, 4500)).unwrap();
        l
    }

    #[test]
    fn single_session_formats() {
        let toc = Toc::from_layout(&two_tracks());
        assert_eq!(
            toc.track_descriptors(),
            vec![
                TrackDescriptor { adr: 1, control: 0, track: 1, start: Lba(0) },
                TrackDescriptor { adr: 1, control: 0, track: 2, start: Lba(3000) },
                TrackDescriptor { adr: 1, control: 0, track: 0xAA, start: Lba(7500) },
            ]
        );
        let info = toc.session_info().unwrap();
        assert_eq!(
            (info.first_session, info.last_session, info.first_track_of_last.start),
            (1, 1, Lba(0))
        );
        let full = toc.full_toc();
        let points: Vec<u8> = full.iter().map(|e| e.point).collect();
        assert_eq!(points, vec![0xA0, 0xA1, 0xA2, 1, 2]);
        assert_eq!(full[0].pmsf, [1, 0, 0]);
        assert_eq!(full[1].pmsf, [2, 0, 0]);
        assert_eq!(full[2].pmsf, [1, 42, 0], "lead-out 7500 = 01:42:00");
        assert_eq!(full[4].pmsf, [0, 42, 0]);
    }

    #[test]
    fn two_sessions_as_the_reference_disc() {
        // The reference disc: session 1 lead-out 118715, B0 at +11250, track 2 at 130115,
        // session 2 lead-out 135210 with B0 at +6750.
        let data = TrackFlags { data: true, ..TrackFlags::default() };
        let s1 = TocSession {
            number: 1,
            disc_type: DiscType::CdRomXa,
            tracks: vec![TocTrack { number: 1, flags: data, start: Lba(0) }],
            lead_out: Lba(118_715),
            next: None,
        };
        let max = Lba(359_849);
        let s1 = TocSession {
            next: Some(NextSession {
                program_area: Some(s1.next_program_area()),
                max_lead_out: max,
                mode5_pointers: 2,
            }),
            ..s1
        };
        let s2 = TocSession {
            number: 2,
            disc_type: DiscType::CdRomXa,
            tracks: vec![TocTrack { number: 2, flags: data, start: Lba(130_115) }],
            lead_out: Lba(135_210),
            next: None,
        };
        let s2 = TocSession {
            next: Some(NextSession {
                program_area: Some(s2.next_program_area()),
                max_lead_out: max,
                mode5_pointers: 1,
            }),
            ..s2
        };
        let toc = Toc { sessions: vec![s1, s2] };
        let full = toc.full_toc();
        assert_eq!(full.len(), 10);
        let b0: Vec<_> = full.iter().filter(|e| e.point == POINT_B0).collect();
        assert_eq!(b0[0].msf, [28, 54, 65]);
        assert_eq!(b0[1].msf, [31, 34, 60]);
        assert_eq!((b0[0].adr, b0[0].control, b0[0].zero), (5, 4, 2));
        assert_eq!(full[0].pmsf, [1, 0x20, 0]);
        let d = toc.track_descriptors();
        assert_eq!(d.last().unwrap().start, Lba(135_210));
        assert_eq!(d.len(), 3);
        assert_eq!(toc.session_info().unwrap().first_track_of_last.start, Lba(130_115));
        let finalized = Toc {
            sessions: vec![TocSession {
                next: Some(NextSession {
                    program_area: None,
                    max_lead_out: max,
                    mode5_pointers: 1,
                }),
                ..toc.sessions[1].clone()
            }],
        };
        assert_eq!(finalized.full_toc().last().unwrap().msf, [0xFF; 3]);

        // With C0, as the reference disc's lead-in has it: 11 entries (header length 0x007B),
        // A0 A1 A2 01 B0 C0 | A0 A1 A2 02 B0; C0 = `54 00 C0 80 00 00 00 61 22 15`.
        let c0 = C0Pointer { writing_power: 0x80, first_lead_in: Lba(-11_079) };
        let full = toc.full_toc_with_c0(c0);
        let points: Vec<(u8, u8)> = full.iter().map(|e| (e.session, e.point)).collect();
        assert_eq!(
            points,
            vec![
                (1, 0xA0),
                (1, 0xA1),
                (1, 0xA2),
                (1, 1),
                (1, 0xB0),
                (1, 0xC0),
                (2, 0xA0),
                (2, 0xA1),
                (2, 0xA2),
                (2, 2),
                (2, 0xB0)
            ]
        );
        let e = full[5];
        assert_eq!(
            (e.adr, e.control, e.tno, e.msf, e.zero, e.pmsf),
            (5, 4, 0, [0x80, 0, 0], 0, [0x61, 0x22, 0x15])
        );
        // A finalized disc closed without B0 has no C0 either.
        let single = Toc { sessions: vec![TocSession { next: None, ..toc.sessions[0].clone() }] };
        assert!(single.full_toc_with_c0(c0).iter().all(|e| e.point != POINT_C0));
    }
}
