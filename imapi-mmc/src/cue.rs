//! SEND CUE SHEET (5Dh) and its payload: 8-byte entries to and from imapi-redbook's
//! cue-sheet entries.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use imapi_redbook::cuesheet::{CueSheetEntry, DataForm, TimeEntry};
use imapi_redbook::{Isrc, Mcn, Msf};

use crate::cdb::{array, be24, cdb_bytes, put, room, to_be24, Cdb, Direction, Reply, Request};
use crate::error::{CdbError, ReplyError};

/// SEND CUE SHEET (5Dh).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SendCueSheet {
    /// b6–8: cue sheet size in bytes (8 per entry).
    pub size: u32,
}

impl Request for SendCueSheet {
    const OPCODE: u8 = 0x5D;
    const CDB_LEN: usize = 10;
    const NAME: &'static str = "SEND CUE SHEET";
    fn encode(&self) -> Cdb {
        let s = to_be24(self.size);
        Cdb::new([Self::OPCODE, 0, 0, 0, 0, 0, s[0], s[1], s[2], 0])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<10>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(SendCueSheet { size: be24([b[6], b[7], b[8]]) })
    }
    fn direction(&self) -> Direction {
        Direction::Out
    }
    fn transfer_len(&self) -> usize {
        self.size as usize
    }
}

/// Bytes per cue-sheet entry on the wire.
pub const CUE_ENTRY_LEN: usize = 8;

/// The bytes of one cue-sheet entry (MMC SEND CUE SHEET; redbook-mmc §3.3).
mod field {
    use core::ops::Range;
    pub const CTL_ADR: usize = 0; // 7-4 CTL, 3-0 ADR
    pub const TNO: usize = 1;
    pub const INDEX: usize = 2;
    pub const DATA_FORM: usize = 3;
    pub const SCMS: usize = 4;
    pub const ABSOLUTE: Range<usize> = 5..8; // M, S, F in binary
    /// ADR 2, two entries: MCN digits 1-7 in the first, 8-13 and a zero in the second.
    pub const MCN_FIRST: Range<usize> = 1..8;
    pub const MCN_SECOND: Range<usize> = 1..7;
    pub const MCN_PAD: usize = 7;
    /// ADR 3, two entries after CTL/ADR and TNO: ISRC characters 1-6, then 7-12.
    pub const ISRC_HALF: Range<usize> = 2..8;
    pub const ADR_MCN: u8 = 2;
    pub const ADR_ISRC: u8 = 3;
    pub const ADR_TIME: u8 = 1;
}

/// The cue sheet a SEND CUE SHEET carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CueSheet {
    /// The entries; MCN and ISRC take two wire entries each.
    pub entries: Vec<CueSheetEntry>,
}

fn wire_len(e: &CueSheetEntry) -> usize {
    match e {
        CueSheetEntry::Time(_) => CUE_ENTRY_LEN,
        CueSheetEntry::Mcn(_) | CueSheetEntry::Isrc { .. } => 2 * CUE_ENTRY_LEN,
    }
}

impl CueSheet {
    /// The request that sends this sheet.
    pub fn request(&self) -> SendCueSheet {
        // 8 or 16 bytes per entry: a sheet is far below 4 GiB.
        SendCueSheet { size: u32::try_from(self.buffer_len()).unwrap_or(u32::MAX) }
    }
}

impl Reply for CueSheet {
    const WHAT: &'static str = "cue sheet";

    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
        use crate::cue::field as f;
        const WHAT: &str = "cue sheet";
        if buf.len() % CUE_ENTRY_LEN != 0 {
            return Err(ReplyError::BadLength {
                what: WHAT,
                declared: buf.len(),
                min: CUE_ENTRY_LEN,
            });
        }
        let field =
            |field, value: u8| ReplyError::Field { what: WHAT, field, value: u32::from(value) };
        let mut entries = Vec::new();
        let mut it =
            buf.chunks_exact(CUE_ENTRY_LEN).filter_map(<[u8]>::first_chunk::<CUE_ENTRY_LEN>);
        while let Some(e) = it.next() {
            let (ctl, adr) = (e[f::CTL_ADR] >> 4, e[f::CTL_ADR] & 0x0F);
            match adr {
                f::ADR_TIME => {
                    let [m, s, fr] = array(e, f::ABSOLUTE);
                    let at = Msf::from_binary([m, s, fr]).map_err(|_| field("MSF", m))?;
                    entries.push(CueSheetEntry::Time(TimeEntry {
                        control: ctl,
                        track: e[f::TNO],
                        index: e[f::INDEX],
                        data_form: DataForm(e[f::DATA_FORM]),
                        scms: e[f::SCMS],
                        at,
                    }));
                }
                f::ADR_MCN | f::ADR_ISRC => {
                    let second = it.next().ok_or(ReplyError::Truncated {
                        what: "cue sheet MCN/ISRC pair",
                        need: buf.len() + CUE_ENTRY_LEN,
                        got: buf.len(),
                    })?;
                    if second[f::CTL_ADR] & 0x0F != adr {
                        return Err(field("second entry ADR", second[f::CTL_ADR]));
                    }
                    if adr == f::ADR_MCN {
                        let mut t = [0u8; 13];
                        t[..7].copy_from_slice(&e[f::MCN_FIRST]);
                        t[7..].copy_from_slice(&second[f::MCN_SECOND]);
                        if second[f::MCN_PAD] != 0 {
                            return Err(field("MCN pad", second[f::MCN_PAD]));
                        }
                        let s = core::str::from_utf8(&t).map_err(|_| field("MCN", t[0]))?;
                        let mcn = Mcn::parse(s).map_err(|_| field("MCN", t[0]))?;
                        entries.push(CueSheetEntry::Mcn(mcn));
                    } else {
                        if second[f::TNO] != e[f::TNO] {
                            return Err(field("ISRC track", second[f::TNO]));
                        }
                        let mut t = [0u8; 12];
                        t[..6].copy_from_slice(&e[f::ISRC_HALF]);
                        t[6..].copy_from_slice(&second[f::ISRC_HALF]);
                        let s = core::str::from_utf8(&t).map_err(|_| field("ISRC", t[0]))?;
                        let isrc = Isrc::parse(s).map_err(|_| field("ISRC", t[0]))?;
                        let track = e[f::TNO];
                        entries.push(CueSheetEntry::Isrc { control: ctl, track, isrc });
                    }
                }
                other => return Err(field("ADR", other)),
            }
        }
        Ok(CueSheet { entries })
    }

    fn buffer_len(&self) -> usize {
        self.entries.iter().map(wire_len).sum()
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        use crate::cue::field as f;
        let n = self.buffer_len();
        room(buf, n, Self::WHAT)?;
        let mut out = &mut *buf;
        for e in &self.entries {
            match e {
                CueSheetEntry::Time(t) => {
                    let mut w = [0u8; CUE_ENTRY_LEN];
                    w[f::CTL_ADR] = (t.control & 0x0F) << 4 | f::ADR_TIME;
                    w[f::TNO] = t.track;
                    w[f::INDEX] = t.index;
                    w[f::DATA_FORM] = t.data_form.0;
                    w[f::SCMS] = t.scms;
                    w[f::ABSOLUTE].copy_from_slice(&t.at.to_binary());
                    put(&mut out, &w, Self::WHAT)?;
                }
                CueSheetEntry::Mcn(m) => {
                    let d = m.as_bytes();
                    let (mut first, mut second) = ([0u8; CUE_ENTRY_LEN], [0u8; CUE_ENTRY_LEN]);
                    first[f::CTL_ADR] = f::ADR_MCN;
                    first[f::MCN_FIRST].copy_from_slice(&d[..7]);
                    second[f::CTL_ADR] = f::ADR_MCN;
                    second[f::MCN_SECOND].copy_from_slice(&d[7..]);
                    second[f::MCN_PAD] = 0;
                    put(&mut out, &first, Self::WHAT)?;
                    put(&mut out, &second, Self::WHAT)?;
                }
                CueSheetEntry::Isrc { control, track, isrc } => {
                    let d = isrc.as_bytes();
                    let mut w = [0u8; CUE_ENTRY_LEN];
                    w[f::CTL_ADR] = (control & 0x0F) << 4 | f::ADR_ISRC;
                    w[f::TNO] = *track;
                    w[f::ISRC_HALF].copy_from_slice(&d[..6]);
                    put(&mut out, &w, Self::WHAT)?;
                    w[f::ISRC_HALF].copy_from_slice(&d[6..]);
                    put(&mut out, &w, Self::WHAT)?;
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imapi_redbook::cuesheet::{cue_sheet, CueSheetOptions};
    use imapi_redbook::layout::{Capacity, Layout, Track};

    /// The reference's example (redbook-mmc §3.3): two audio tracks of 3000 and 4500 sectors.
    static EXAMPLE: [u8; 40] = [
        0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // lead-in
        0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // T1 index 0
        0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, // T1 index 1
        0x01, 0x02, 0x01, 0x00, 0x00, 0x00, 0x2A, 0x00, // T2 index 1
        0x01, 0xAA, 0x01, 0x01, 0x00, 0x01, 0x2A, 0x00, // lead-out
    ];

    #[test]
    fn reference_example_from_layout() {
        let mut l = Layout::new(Capacity::Minutes74);
        l.push(Track::audio(150, 3000)).unwrap();
        l.push(Track::audio(0, 4500)).unwrap();
        let sheet = CueSheet { entries: cue_sheet(&l, &CueSheetOptions::default()).unwrap() };
        assert_eq!(sheet.to_vec().unwrap(), EXAMPLE);
        assert_eq!(CueSheet::parse(&EXAMPLE).unwrap(), sheet);
        assert_eq!(sheet.request().encode().as_bytes(), [0x5D, 0, 0, 0, 0, 0, 0, 0, 40, 0]);
    }

    #[test]
    fn mcn_and_isrc_pairs() {
        let entries = vec![
            CueSheetEntry::Mcn(Mcn::parse("0123456789012").unwrap()),
            CueSheetEntry::Isrc {
                control: 0,
                track: 1,
                isrc: Isrc::parse("USRC17607839").unwrap(),
            },
        ];
        let sheet = CueSheet { entries };
        let b = sheet.to_vec().unwrap();
        assert_eq!(&b[..8], b"\x020123456");
        assert_eq!(&b[8..16], b"\x02789012\0");
        assert_eq!(&b[16..24], b"\x03\x01USRC17");
        assert_eq!(&b[24..32], b"\x03\x01607839");
        assert_eq!(CueSheet::parse(&b).unwrap(), sheet);
    }

    #[test]
    fn rejections() {
        assert!(matches!(
            CueSheet::parse(&EXAMPLE[..39]),
            Err(ReplyError::BadLength { declared: 39, .. })
        ));
        let mut bad = EXAMPLE;
        bad[0] = 0x04;
        assert!(matches!(
            CueSheet::parse(&bad),
            Err(ReplyError::Field { field: "ADR", value: 4, .. })
        ));
        let mut bad = EXAMPLE;
        bad[6] = 60;
        assert!(matches!(CueSheet::parse(&bad), Err(ReplyError::Field { field: "MSF", .. })));
        assert!(matches!(CueSheet::parse(b"\x020123456"), Err(ReplyError::Truncated { .. })));
    }
}
