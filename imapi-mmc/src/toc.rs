//! READ TOC/PMA/ATIP (43h): formats 0 (tracks), 1 (session information) and 2 (full TOC)
//! from and to imapi-redbook's TOC model, 4 (ATIP) and 5 (CD-Text packs).

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use imapi_redbook::cdtext::Pack;
use imapi_redbook::toc::{FullTocEntry, SessionInfo, TrackDescriptor};
use imapi_redbook::{Lba, Msf, Toc};

use crate::cdb::{
    array, be16, bit, cdb_bytes, flag, head, head_mut, split_mut, Cdb, Direction, Reply, Request,
};
use crate::error::{CdbError, ReplyError};
use crate::macros::code_enum;

code_enum! {
    /// The format of READ TOC/PMA/ATIP (b2 bits 3–0).
    pub enum TocFormat(u8) {
        /// 0: the tracks of every session and the last lead-out.
        Tracks = 0,
        /// 1: session information (multisession).
        SessionInfo = 1,
        /// 2: the full TOC (raw lead-in Q entries).
        FullToc = 2,
        /// 3: PMA.
        Pma = 3,
        /// 4: ATIP.
        Atip = 4,
        /// 5: CD-Text packs from the lead-in.
        CdText = 5,
    }
}

/// How format 0 and 1 replies give addresses (the MSF bit of the CDB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AddressForm {
    /// A signed 32-bit LBA.
    #[default]
    Lba,
    /// 0, M, S, F in binary.
    Msf,
}

/// READ TOC/PMA/ATIP (43h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReadToc {
    /// b1.1 MSF.
    pub form: AddressForm,
    /// b2 bits 3–0.
    pub format: TocFormat,
    /// b6: starting track (format 0) or session (format 2).
    pub track_or_session: u8,
    /// b7–8: allocation length.
    pub alloc_len: u16,
    /// b9: control byte; bits 7–6 carry the format on legacy (SFF-8020) drives.
    pub control: u8,
}

impl ReadToc {
    /// A request for `format` with LBA addresses, starting at track (or session) 1.
    pub const fn new(format: TocFormat, alloc_len: u16) -> ReadToc {
        ReadToc { form: AddressForm::Lba, format, track_or_session: 1, alloc_len, control: 0 }
    }

    /// The format asked for, honouring the legacy bits of the control byte when b2 says 0.
    pub fn effective_format(&self) -> TocFormat {
        match (self.format, self.control >> 6) {
            (TocFormat::Tracks, legacy @ 1..=2) => TocFormat::from(legacy),
            (f, _) => f,
        }
    }
}

impl Request for ReadToc {
    const OPCODE: u8 = 0x43;
    const CDB_LEN: usize = 10;
    const NAME: &'static str = "READ TOC/PMA/ATIP";
    fn encode(&self) -> Cdb {
        let al = self.alloc_len.to_be_bytes();
        Cdb::new([
            Self::OPCODE,
            flag(self.form == AddressForm::Msf, 1),
            u8::from(self.format) & 0x0F,
            0,
            0,
            0,
            self.track_or_session,
            al[0],
            al[1],
            self.control,
        ])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<10>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(ReadToc {
            form: if bit(b[1], 1) { AddressForm::Msf } else { AddressForm::Lba },
            format: TocFormat::from(b[2] & 0x0F),
            track_or_session: b[6],
            alloc_len: be16([b[7], b[8]]),
            control: b[9],
        })
    }
    fn direction(&self) -> Direction {
        Direction::In
    }
    fn transfer_len(&self) -> usize {
        usize::from(self.alloc_len)
    }
}

const HEADER_LEN: usize = field::HEADER_LEN;

/// Byte offsets of the replies (MMC READ TOC/PMA/ATIP; redbook-mmc §3).
mod field {
    use core::ops::Range;
    /// Every format starts with this header.
    pub const LEN: Range<usize> = 0..2; // counts the bytes after itself
    pub const FIRST: usize = 2; // first track (format 0) or session (1, 2)
    pub const LAST: usize = 3;
    pub const HEADER_LEN: usize = 4;

    /// A track descriptor of formats 0 and 1.
    pub mod track {
        use super::Range;
        pub const ADR_CONTROL: usize = 1; // 7-4 ADR, 3-0 control
        pub const TRACK: usize = 2;
        pub const ADDRESS: Range<usize> = 4..8; // LBA, or 0 M S F
        pub const LEN: usize = 8;
    }

    /// An entry of format 2, the full TOC.
    pub mod full {
        use super::Range;
        pub const SESSION: usize = 0;
        pub const ADR_CONTROL: usize = 1;
        pub const TNO: usize = 2;
        pub const POINT: usize = 3;
        pub const MSF: Range<usize> = 4..7;
        pub const ZERO: usize = 7;
        pub const PMSF: Range<usize> = 8..11;
        pub const LEN: usize = 11;
    }

    /// Format 4, the ATIP.
    pub mod atip {
        use super::Range;
        pub const POWER_SPEED: usize = 4; // 6-4 writing power, 2-0 reference speed
        pub const URU: usize = 5; // .6 unrestricted use
        pub const DISC: usize = 6; // .6 CD-RW, 5-3 subtype, .2/.1/.0 A1/A2/A3 valid
        pub const LEAD_IN: Range<usize> = 8..11;
        pub const LAST_LEAD_OUT: Range<usize> = 12..15;
        pub const A1: Range<usize> = 16..19;
        pub const A2: Range<usize> = 20..23;
        pub const A3: Range<usize> = 24..27;
    }

    /// Format 5: CD-Text packs after the header.
    pub const PACK_LEN: usize = 18;
}

/// Checks a TOC header and returns (byte 2, byte 3, the complete descriptors' bytes).
fn descriptors<'a>(
    buf: &'a [u8],
    what: &'static str,
    size: usize,
) -> Result<(u8, u8, &'a [u8]), ReplyError> {
    let h = head::<HEADER_LEN>(buf, what)?;
    let declared = usize::from(be16(array(&h, field::LEN))) + 2;
    if declared < HEADER_LEN || (declared - HEADER_LEN) % size != 0 {
        return Err(ReplyError::BadLength { what, declared, min: HEADER_LEN });
    }
    let avail = declared.min(buf.len());
    let whole = HEADER_LEN + (avail - HEADER_LEN) / size * size;
    Ok((h[field::FIRST], h[field::LAST], buf.get(HEADER_LEN..whole).unwrap_or(&[])))
}

/// Writes the header of an `n`-byte reply and zeros the rest, which it returns.
fn header<'a>(
    buf: &'a mut [u8],
    n: usize,
    b2: u8,
    b3: u8,
    what: &'static str,
) -> Result<&'a mut [u8], ReplyError> {
    let (h, rest) = split_mut::<HEADER_LEN>(buf, n, what)?;
    let len = u16::try_from(n - 2)
        .map_err(|_| ReplyError::Unrepresentable { what, field: "data length" })?;
    rest.fill(0);
    h[field::LEN].copy_from_slice(&len.to_be_bytes());
    h[field::FIRST] = b2;
    h[field::LAST] = b3;
    Ok(rest)
}

fn read_address(b: [u8; 4], form: AddressForm, what: &'static str) -> Result<Lba, ReplyError> {
    match form {
        AddressForm::Lba => Ok(Lba::from_be_bytes(b)),
        AddressForm::Msf => {
            let bad =
                ReplyError::Field { what, field: "MSF address", value: u32::from_be_bytes(b) };
            if b[0] != 0 {
                return Err(bad);
            }
            Msf::from_binary([b[1], b[2], b[3]]).map(Msf::to_lba).map_err(|_| bad)
        }
    }
}

fn write_address(lba: Lba, form: AddressForm, what: &'static str) -> Result<[u8; 4], ReplyError> {
    match form {
        AddressForm::Lba => Ok(lba.to_be_bytes()),
        AddressForm::Msf => {
            let m =
                lba.to_msf().map_err(|_| ReplyError::Unrepresentable { what, field: "address" })?;
            let b = m.to_binary();
            Ok([0, b[0], b[1], b[2]])
        }
    }
}

fn track_descriptor(
    d: &[u8],
    form: AddressForm,
    what: &'static str,
) -> Result<TrackDescriptor, ReplyError> {
    use field::track as f;
    let b: [u8; f::LEN] =
        d.try_into().map_err(|_| ReplyError::Truncated { what, need: f::LEN, got: d.len() })?;
    Ok(TrackDescriptor {
        adr: b[f::ADR_CONTROL] >> 4,
        control: b[f::ADR_CONTROL] & 0x0F,
        track: b[f::TRACK],
        start: read_address(array(&b, f::ADDRESS), form, what)?,
    })
}

fn put_track_descriptor(
    out: &mut [u8; field::track::LEN],
    d: &TrackDescriptor,
    form: AddressForm,
    what: &'static str,
) -> Result<(), ReplyError> {
    use field::track as f;
    out.fill(0);
    out[f::ADR_CONTROL] = (d.adr & 0x0F) << 4 | d.control & 0x0F;
    out[f::TRACK] = d.track;
    out[f::ADDRESS].copy_from_slice(&write_address(d.start, form, what)?);
    Ok(())
}

/// Format 0: first and last track, then one descriptor per track and the lead-out (AAh).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackToc {
    /// How the addresses are given.
    pub form: AddressForm,
    /// b2: first track number.
    pub first_track: u8,
    /// b3: last track number.
    pub last_track: u8,
    /// The descriptors.
    pub descriptors: Vec<TrackDescriptor>,
}

impl TrackToc {
    /// The format-0 reply for a TOC. `None` when the TOC has no track.
    pub fn from_toc(toc: &Toc, form: AddressForm) -> Option<TrackToc> {
        Some(TrackToc {
            form,
            first_track: toc.first_track()?,
            last_track: toc.last_track()?,
            descriptors: toc.track_descriptors(),
        })
    }

    /// Parses a reply whose addresses are in `form`.
    pub fn parse_with(buf: &[u8], form: AddressForm) -> Result<TrackToc, ReplyError> {
        let (first, last, d) = descriptors(buf, Self::WHAT, field::track::LEN)?;
        let descriptors = d
            .chunks_exact(field::track::LEN)
            .map(|c| track_descriptor(c, form, Self::WHAT))
            .collect::<Result<_, _>>()?;
        Ok(TrackToc { form, first_track: first, last_track: last, descriptors })
    }

    /// The lead-out descriptor's address.
    pub fn lead_out(&self) -> Option<Lba> {
        self.descriptors
            .iter()
            .find(|d| d.track == imapi_redbook::toc::LEAD_OUT_TRACK)
            .map(|d| d.start)
    }
}

impl Reply for TrackToc {
    const WHAT: &'static str = "TOC (format 0)";

    /// Parses a reply with LBA addresses; see [`TrackToc::parse_with`] for MSF.
    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
        Self::parse_with(buf, AddressForm::Lba)
    }

    fn buffer_len(&self) -> usize {
        HEADER_LEN + field::track::LEN * self.descriptors.len()
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        let n = self.buffer_len();
        let body = header(buf, n, self.first_track, self.last_track, Self::WHAT)?;
        let slots = body
            .chunks_exact_mut(field::track::LEN)
            .filter_map(<[u8]>::first_chunk_mut::<{ field::track::LEN }>);
        for (d, out) in self.descriptors.iter().zip(slots) {
            put_track_descriptor(out, d, self.form, Self::WHAT)?;
        }
        Ok(n)
    }
}

/// Format 1: first and last complete session and the first track of the last session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionToc {
    /// How the address is given.
    pub form: AddressForm,
    /// The values.
    pub info: SessionInfo,
}

impl SessionToc {
    /// Parses a reply whose address is in `form`.
    pub fn parse_with(buf: &[u8], form: AddressForm) -> Result<SessionToc, ReplyError> {
        let (first, last, d) = descriptors(buf, Self::WHAT, field::track::LEN)?;
        let one = d.get(..field::track::LEN).ok_or(ReplyError::Truncated {
            what: Self::WHAT,
            need: 12,
            got: buf.len(),
        })?;
        Ok(SessionToc {
            form,
            info: SessionInfo {
                first_session: first,
                last_session: last,
                first_track_of_last: track_descriptor(one, form, Self::WHAT)?,
            },
        })
    }
}

impl Reply for SessionToc {
    const WHAT: &'static str = "TOC (format 1)";

    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
        Self::parse_with(buf, AddressForm::Lba)
    }

    fn buffer_len(&self) -> usize {
        HEADER_LEN + field::track::LEN
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        let n = self.buffer_len();
        let body = header(buf, n, self.info.first_session, self.info.last_session, Self::WHAT)?;
        put_track_descriptor(
            head_mut(body, Self::WHAT)?,
            &self.info.first_track_of_last,
            self.form,
            Self::WHAT,
        )?;
        Ok(n)
    }
}

/// Format 2: the full TOC, 11-byte entries with binary MSF fields.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FullToc {
    /// b2: first complete session.
    pub first_session: u8,
    /// b3: last complete session.
    pub last_session: u8,
    /// The entries.
    pub entries: Vec<FullTocEntry>,
}

impl FullToc {
    /// The format-2 reply for a TOC.
    pub fn from_toc(toc: &Toc) -> FullToc {
        FullToc {
            first_session: toc.sessions.first().map_or(0, |s| s.number),
            last_session: toc.sessions.last().map_or(0, |s| s.number),
            entries: toc.full_toc(),
        }
    }
}

impl Reply for FullToc {
    const WHAT: &'static str = "TOC (format 2)";

    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
        use field::full as f;
        let (first, last, d) = descriptors(buf, Self::WHAT, f::LEN)?;
        let entries = d
            .chunks_exact(f::LEN)
            .filter_map(<[u8]>::first_chunk::<{ f::LEN }>)
            .map(|e| FullTocEntry {
                session: e[f::SESSION],
                adr: e[f::ADR_CONTROL] >> 4,
                control: e[f::ADR_CONTROL] & 0x0F,
                tno: e[f::TNO],
                point: e[f::POINT],
                msf: array(e, f::MSF),
                zero: e[f::ZERO],
                pmsf: array(e, f::PMSF),
            })
            .collect();
        Ok(FullToc { first_session: first, last_session: last, entries })
    }

    fn buffer_len(&self) -> usize {
        HEADER_LEN + field::full::LEN * self.entries.len()
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        use field::full as f;
        let n = self.buffer_len();
        let body = header(buf, n, self.first_session, self.last_session, Self::WHAT)?;
        let slots = body.chunks_exact_mut(f::LEN).filter_map(<[u8]>::first_chunk_mut::<{ f::LEN }>);
        for (e, o) in self.entries.iter().zip(slots) {
            o[f::SESSION] = e.session;
            o[f::ADR_CONTROL] = (e.adr & 0x0F) << 4 | e.control & 0x0F;
            o[f::TNO] = e.tno;
            o[f::POINT] = e.point;
            o[f::MSF].copy_from_slice(&e.msf);
            o[f::ZERO] = e.zero;
            o[f::PMSF].copy_from_slice(&e.pmsf);
        }
        Ok(n)
    }
}

/// Format 4: the ATIP of a recordable disc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Atip {
    /// b4 bits 6–4: indicative target writing power.
    pub writing_power: u8,
    /// b4 bits 2–0: reference speed.
    pub reference_speed: u8,
    /// b5.6: unrestricted use.
    pub unrestricted: bool,
    /// b6.6: the disc is CD-RW.
    pub rewritable: bool,
    /// b6 bits 5–3: disc subtype.
    pub subtype: u8,
    /// b6.2/.1/.0: A1, A2, A3 valid.
    pub a_valid: [bool; 3],
    /// b8–10: start of the lead-in.
    pub lead_in_start: Msf,
    /// b12–14: last possible start of the lead-out.
    pub last_lead_out: Msf,
    /// b16–18, b20–22, b24–26: A1, A2, A3 values.
    pub a_values: [[u8; 3]; 3],
}

/// Length of an ATIP reply.
pub const ATIP_LEN: usize = 28;

impl Reply for Atip {
    const WHAT: &'static str = "ATIP";

    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
        use field::atip as f;
        let b = head::<ATIP_LEN>(buf, Self::WHAT)?;
        let declared = usize::from(be16(array(&b, field::LEN))) + 2;
        if declared < ATIP_LEN {
            return Err(ReplyError::BadLength { what: Self::WHAT, declared, min: ATIP_LEN });
        }
        let msf = |r: core::ops::Range<usize>, field| {
            let m: [u8; 3] = array(&b, r);
            Msf::from_binary(m).map_err(|_| ReplyError::Field {
                what: Self::WHAT,
                field,
                value: u32::from_be_bytes([0, m[0], m[1], m[2]]),
            })
        };
        Ok(Atip {
            writing_power: (b[f::POWER_SPEED] >> 4) & 0x07,
            reference_speed: b[f::POWER_SPEED] & 0x07,
            unrestricted: bit(b[f::URU], 6),
            rewritable: bit(b[f::DISC], 6),
            subtype: (b[f::DISC] >> 3) & 0x07,
            a_valid: [bit(b[f::DISC], 2), bit(b[f::DISC], 1), bit(b[f::DISC], 0)],
            lead_in_start: msf(f::LEAD_IN, "lead-in start")?,
            last_lead_out: msf(f::LAST_LEAD_OUT, "last lead-out")?,
            a_values: [array(&b, f::A1), array(&b, f::A2), array(&b, f::A3)],
        })
    }

    fn buffer_len(&self) -> usize {
        ATIP_LEN
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        use field::atip as f;
        header(buf, ATIP_LEN, 0, 0, Self::WHAT)?;
        let b = head_mut::<ATIP_LEN>(buf, Self::WHAT)?;
        b[f::POWER_SPEED] = (self.writing_power & 0x07) << 4 | self.reference_speed & 0x07;
        b[f::URU] = flag(self.unrestricted, 6);
        b[f::DISC] = flag(self.rewritable, 6)
            | (self.subtype & 0x07) << 3
            | flag(self.a_valid[0], 2)
            | flag(self.a_valid[1], 1)
            | flag(self.a_valid[2], 0);
        b[f::LEAD_IN].copy_from_slice(&self.lead_in_start.to_binary());
        b[f::LAST_LEAD_OUT].copy_from_slice(&self.last_lead_out.to_binary());
        let [a1, a2, a3] = &self.a_values;
        b[f::A1].copy_from_slice(a1);
        b[f::A2].copy_from_slice(a2);
        b[f::A3].copy_from_slice(a3);
        Ok(ATIP_LEN)
    }
}

/// Format 5: the CD-Text packs of the lead-in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CdTextPacks {
    /// The 18-byte packs in order.
    pub packs: Vec<Pack>,
}

impl Reply for CdTextPacks {
    const WHAT: &'static str = "CD-Text (format 5)";

    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
        let (_, _, d) = descriptors(buf, Self::WHAT, field::PACK_LEN)?;
        let packs = d
            .chunks_exact(field::PACK_LEN)
            .filter_map(<[u8]>::first_chunk::<{ field::PACK_LEN }>)
            .map(|c| Pack(*c))
            .collect();
        Ok(CdTextPacks { packs })
    }

    fn buffer_len(&self) -> usize {
        HEADER_LEN + field::PACK_LEN * self.packs.len()
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        let n = self.buffer_len();
        let body = header(buf, n, 0, 0, Self::WHAT)?;
        for (p, o) in self.packs.iter().zip(body.chunks_exact_mut(field::PACK_LEN)) {
            o.copy_from_slice(&p.0);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imapi_redbook::layout::TrackFlags;
    use imapi_redbook::toc::{DiscType, NextSession, TocSession, TocTrack};

    /// The reference's two-session disc (one data track per session).
    fn two_sessions() -> Toc {
        let data = TrackFlags { data: true, ..TrackFlags::default() };
        let max = Lba(359_849);
        Toc {
            sessions: vec![
                TocSession {
                    number: 1,
                    disc_type: DiscType::CdRomXa,
                    tracks: vec![TocTrack { number: 1, flags: data, start: Lba(0) }],
                    lead_out: Lba(118_715),
                    next: Some(NextSession {
                        program_area: Some(Lba(129_965)),
                        max_lead_out: max,
                        mode5_pointers: 2,
                    }),
                },
                TocSession {
                    number: 2,
                    disc_type: DiscType::CdRomXa,
                    tracks: vec![TocTrack { number: 2, flags: data, start: Lba(130_115) }],
                    lead_out: Lba(135_210),
                    next: Some(NextSession {
                        program_area: Some(Lba(141_960)),
                        max_lead_out: max,
                        mode5_pointers: 1,
                    }),
                },
            ],
        }
    }

    #[test]
    fn format0_of_two_sessions() {
        // Reference cd-recording-layout §2.4: header length 0x001A, tracks 1..2,
        // 00 14 01 00 00000000, 00 14 02 00 0001FC43, 00 14 AA 00 0002102A.
        let golden = [
            0x00, 0x1A, 1, 2, //
            0, 0x14, 0x01, 0, 0x00, 0x00, 0x00, 0x00, //
            0, 0x14, 0x02, 0, 0x00, 0x01, 0xFC, 0x43, //
            0, 0x14, 0xAA, 0, 0x00, 0x02, 0x10, 0x2A,
        ];
        let t = TrackToc::from_toc(&two_sessions(), AddressForm::Lba).unwrap();
        assert_eq!(t.to_vec().unwrap(), golden);
        assert_eq!(TrackToc::parse(&golden).unwrap(), t);
        assert_eq!(t.lead_out(), Some(Lba(135_210)));
    }

    #[test]
    fn format0_msf() {
        let t = TrackToc::from_toc(&two_sessions(), AddressForm::Msf).unwrap();
        let b = t.to_vec().unwrap();
        // 130115 + 150 = 130265 frames = 28:56:65 (the reference's track 2 start).
        assert_eq!(&b[12..20], &[0, 0x14, 2, 0, 0, 28, 56, 65]);
        assert_eq!(TrackToc::parse_with(&b, AddressForm::Msf).unwrap(), t);
    }

    #[test]
    fn format1_of_two_sessions() {
        // Header length 0x000A, sessions 1..2, first track of last session 2 at 0x0001FC43.
        let golden = [0x00, 0x0A, 1, 2, 0, 0x14, 2, 0, 0x00, 0x01, 0xFC, 0x43];
        let s = SessionToc { form: AddressForm::Lba, info: two_sessions().session_info().unwrap() };
        assert_eq!(s.to_vec().unwrap(), golden);
        assert_eq!(SessionToc::parse(&golden).unwrap(), s);
    }

    #[test]
    fn format2_of_two_sessions() {
        let f = FullToc::from_toc(&two_sessions());
        let b = f.to_vec().unwrap();
        // Header length 0x007B would hold 11 entries with C0; this model has 10 (no C0).
        assert_eq!(&b[..4], &[0x00, 2 + 11 * 10, 1, 2]);
        // Session 1's B0: ADR 5, CTL 4, next program area 28:54:65 = 129965.
        let b0 = &b[4 + 11 * 4..4 + 11 * 5];
        assert_eq!(b0, &[1, 0x54, 0, 0xB0, 28, 54, 65, 2, 79, 59, 74]);
        assert_eq!(FullToc::parse(&b).unwrap(), f);
    }

    #[test]
    fn atip_round_trip() {
        let mut b = [0u8; 28];
        b[1] = 26;
        b[4] = 0x51;
        b[6] = 0x40;
        b[8..11].copy_from_slice(&[97, 26, 65]);
        b[12..15].copy_from_slice(&[79, 59, 74]);
        let a = Atip::parse(&b).unwrap();
        assert!(a.rewritable);
        assert_eq!(a.lead_in_start.to_lba(), Lba(-11_635));
        assert_eq!(a.to_vec().unwrap(), b);
        b[9] = 60;
        assert!(matches!(Atip::parse(&b), Err(ReplyError::Field { field: "lead-in start", .. })));
    }

    #[test]
    fn rejections() {
        assert!(matches!(
            TrackToc::parse(&[0, 0x0A, 1]),
            Err(ReplyError::Truncated { need: 4, got: 3, .. })
        ));
        // 10 bytes after the length: not header + whole 8-byte descriptors.
        assert!(matches!(
            TrackToc::parse(&[0, 0x0B, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0, 0]),
            Err(ReplyError::BadLength { declared: 13, .. })
        ));
        let mut msf = [0, 0x0A, 1, 1, 0, 0x14, 1, 0, 0, 0, 0x3C, 0];
        assert!(matches!(
            TrackToc::parse_with(&msf, AddressForm::Msf),
            Err(ReplyError::Field { field: "MSF address", .. })
        ));
        msf[10] = 2;
        assert_eq!(
            TrackToc::parse_with(&msf, AddressForm::Msf).unwrap().descriptors[0].start,
            Lba(0)
        );
        assert!(matches!(
            SessionToc::parse(&[0, 2, 1, 1]),
            Err(ReplyError::Truncated { need: 12, .. })
        ));
        assert!(matches!(CdTextPacks::parse(&[0, 3, 0, 0, 0]), Err(ReplyError::BadLength { .. })));
    }

    #[test]
    fn legacy_format_bits() {
        let r = ReadToc { control: 0x40, ..ReadToc::new(TocFormat::Tracks, 12) };
        assert_eq!(r.effective_format(), TocFormat::SessionInfo);
        assert_eq!(r.encode().as_bytes(), [0x43, 0, 0, 0, 0, 0, 1, 0, 12, 0x40]);
    }
}
