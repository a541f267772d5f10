//! SEND CUE SHEET (5Dh) and its payload: 8-byte entries to and from imapi-redbook's
//! cue-sheet entries.

use imapi_redbook::cuesheet::{CueSheetEntry, DataForm, TimeEntry};
use imapi_redbook::{Isrc, Mcn, Msf};

use crate::cdb::{be24, cdb_bytes, room, to_be24, Cdb, Direction, Reply, Request};
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
        SendCueSheet { size: self.buffer_len() as u32 }
    }
}

impl Reply for CueSheet {
    const WHAT: &'static str = "cue sheet";

    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
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
        let mut it = buf.chunks_exact(CUE_ENTRY_LEN);
        while let Some(e) = it.next() {
            let (ctl, adr) = (e[0] >> 4, e[0] & 0x0F);
            match adr {
                1 => {
                    let at =
                        Msf::from_binary([e[5], e[6], e[7]]).map_err(|_| field("MSF", e[5]))?;
                    entries.push(CueSheetEntry::Time(TimeEntry {
                        control: ctl,
                        track: e[1],
                        index: e[2],
                        data_form: DataForm(e[3]),
                        scms: e[4],
                        at,
                    }));
                }
                2 | 3 => {
                    let second = it.next().ok_or(ReplyError::Truncated {
                        what: "cue sheet MCN/ISRC pair",
                        need: buf.len() + CUE_ENTRY_LEN,
                        got: buf.len(),
                    })?;
                    if second[0] & 0x0F != adr {
                        return Err(field("second entry ADR", second[0]));
                    }
                    if adr == 2 {
                        let mut t = [0u8; 13];
                        t[..7].copy_from_slice(&e[1..8]);
                        t[7..].copy_from_slice(&second[1..7]);
                        if second[7] != 0 {
                            return Err(field("MCN pad", second[7]));
                        }
                        let s = core::str::from_utf8(&t).map_err(|_| field("MCN", t[0]))?;
                        let mcn = Mcn::parse(s).map_err(|_| field("MCN", t[0]))?;
                        entries.push(CueSheetEntry::Mcn(mcn));
                    } else {
                        if second[1] != e[1] {
                            return Err(field("ISRC track", second[1]));
                        }
                        let mut t = [0u8; 12];
                        t[..6].copy_from_slice(&e[2..8]);
                        t[6..].copy_from_slice(&second[2..8]);
                        let s = core::str::from_utf8(&t).map_err(|_| field("ISRC", t[0]))?;
                        let isrc = Isrc::parse(s).map_err(|_| field("ISRC", t[0]))?;
                        entries.push(CueSheetEntry::Isrc { control: ctl, track: e[1], isrc });
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
        let n = self.buffer_len();
        room(buf, n, Self::WHAT)?;
        let mut at = 0;
        for e in &self.entries {
            match e {
                CueSheetEntry::Time(t) => {
                    let m = t.at.to_binary();
                    buf[at..at + 8].copy_from_slice(&[
                        (t.control & 0x0F) << 4 | 1,
                        t.track,
                        t.index,
                        t.data_form.0,
                        t.scms,
                        m[0],
                        m[1],
                        m[2],
                    ]);
                }
                CueSheetEntry::Mcn(m) => {
                    let d = m.as_bytes();
                    buf[at] = 0x02;
                    buf[at + 1..at + 8].copy_from_slice(&d[..7]);
                    buf[at + 8] = 0x02;
                    buf[at + 9..at + 15].copy_from_slice(&d[7..]);
                    buf[at + 15] = 0;
                }
                CueSheetEntry::Isrc { control, track, isrc } => {
                    let d = isrc.as_bytes();
                    let b0 = (control & 0x0F) << 4 | 3;
                    buf[at] = b0;
                    buf[at + 1] = *track;
                    buf[at + 2..at + 8].copy_from_slice(&d[..6]);
                    buf[at + 8] = b0;
                    buf[at + 9] = *track;
                    buf[at + 10..at + 16].copy_from_slice(&d[6..]);
                }
            }
            at += wire_len(e);
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
