//! MODE SENSE(10) (5Ah) and MODE SELECT(10) (55h), and the mode parameter list they carry:
//! an 8-byte header, block descriptors, then pages (see [`crate::pages`]); MODE SENSE(6)
//! (1Ah) and MODE SELECT(6) (15h) of SPC carry the same list behind a 4-byte header
//! ([`ModeData::parse6`], [`ModeData::to_vec6`]).

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use crate::cdb::{
    be16, bit, cdb_bytes, flag, head, head_mut, room, span_mut, Cdb, Direction, Reply, Request,
};
use crate::error::{CdbError, ReplyError};
use crate::pages::ModePage;

/// Page control of MODE SENSE (b2 bits 7–6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PageControl {
    /// 00b: current values.
    #[default]
    Current,
    /// 01b: changeable values (a mask).
    Changeable,
    /// 10b: default values.
    Default,
    /// 11b: saved values.
    Saved,
}

impl PageControl {
    fn code(self) -> u8 {
        match self {
            PageControl::Current => 0,
            PageControl::Changeable => 1,
            PageControl::Default => 2,
            PageControl::Saved => 3,
        }
    }

    fn from_code(c: u8) -> PageControl {
        match c & 0x03 {
            0 => PageControl::Current,
            1 => PageControl::Changeable,
            2 => PageControl::Default,
            _ => PageControl::Saved,
        }
    }
}

/// MODE SENSE(10) (5Ah).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModeSense10 {
    /// b1.3 DBD: no block descriptors.
    pub dbd: bool,
    /// b2 bits 7–6.
    pub page_control: PageControl,
    /// b2 bits 5–0 (3Fh = all pages).
    pub page: u8,
    /// b3.
    pub subpage: u8,
    /// b7–8: allocation length.
    pub alloc_len: u16,
}

impl ModeSense10 {
    /// The current values of `page`, without block descriptors.
    pub const fn page(page: u8, alloc_len: u16) -> ModeSense10 {
        ModeSense10 { dbd: true, page_control: PageControl::Current, page, subpage: 0, alloc_len }
    }
}

impl Request for ModeSense10 {
    const OPCODE: u8 = 0x5A;
    const CDB_LEN: usize = 10;
    const NAME: &'static str = "MODE SENSE(10)";
    fn encode(&self) -> Cdb {
        let al = self.alloc_len.to_be_bytes();
        Cdb::new([
            Self::OPCODE,
            flag(self.dbd, 3),
            self.page_control.code() << 6 | self.page & 0x3F,
            self.subpage,
            0,
            0,
            0,
            al[0],
            al[1],
            0,
        ])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<10>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(ModeSense10 {
            dbd: bit(b[1], 3),
            page_control: PageControl::from_code(b[2] >> 6),
            page: b[2] & 0x3F,
            subpage: b[3],
            alloc_len: be16([b[7], b[8]]),
        })
    }
    fn direction(&self) -> Direction {
        Direction::In
    }
    fn transfer_len(&self) -> usize {
        usize::from(self.alloc_len)
    }
}

/// MODE SELECT(10) (55h): the parameter list is a [`ModeData`] with the mode data length
/// and every PS bit zero ([`ModeData::to_select_vec`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModeSelect10 {
    /// b1.4 PF: pages are in the standard format (always set by hosts).
    pub pf: bool,
    /// b1.0 SP: save pages.
    pub sp: bool,
    /// b7–8: parameter list length.
    pub param_len: u16,
}

impl ModeSelect10 {
    /// PF=1, SP=0, for a parameter list of `len` bytes.
    pub const fn new(len: u16) -> ModeSelect10 {
        ModeSelect10 { pf: true, sp: false, param_len: len }
    }
}

impl Request for ModeSelect10 {
    const OPCODE: u8 = 0x55;
    const CDB_LEN: usize = 10;
    const NAME: &'static str = "MODE SELECT(10)";
    fn encode(&self) -> Cdb {
        let l = self.param_len.to_be_bytes();
        Cdb::new([Self::OPCODE, flag(self.pf, 4) | flag(self.sp, 0), 0, 0, 0, 0, 0, l[0], l[1], 0])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<10>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(ModeSelect10 { pf: bit(b[1], 4), sp: bit(b[1], 0), param_len: be16([b[7], b[8]]) })
    }
    fn direction(&self) -> Direction {
        Direction::Out
    }
    fn transfer_len(&self) -> usize {
        usize::from(self.param_len)
    }
}

/// MODE SENSE(6) (1Ah): the SPC form with a one-byte allocation length, which hosts that
/// treat the drive as a SCSI device (rather than ATAPI) send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModeSense6 {
    /// b1.3 DBD: no block descriptors.
    pub dbd: bool,
    /// b2 bits 7–6.
    pub page_control: PageControl,
    /// b2 bits 5–0 (3Fh = all pages).
    pub page: u8,
    /// b3.
    pub subpage: u8,
    /// b4: allocation length.
    pub alloc_len: u8,
}

impl Request for ModeSense6 {
    const OPCODE: u8 = 0x1A;
    const CDB_LEN: usize = 6;
    const NAME: &'static str = "MODE SENSE(6)";
    fn encode(&self) -> Cdb {
        Cdb::new([
            Self::OPCODE,
            flag(self.dbd, 3),
            self.page_control.code() << 6 | self.page & 0x3F,
            self.subpage,
            self.alloc_len,
            0,
        ])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<6>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(ModeSense6 {
            dbd: bit(b[1], 3),
            page_control: PageControl::from_code(b[2] >> 6),
            page: b[2] & 0x3F,
            subpage: b[3],
            alloc_len: b[4],
        })
    }
    fn direction(&self) -> Direction {
        Direction::In
    }
    fn transfer_len(&self) -> usize {
        usize::from(self.alloc_len)
    }
}

/// MODE SELECT(6) (15h): the parameter list is a [`ModeData`] behind the 4-byte header
/// ([`ModeData::parse6`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModeSelect6 {
    /// b1.4 PF: pages are in the standard format.
    pub pf: bool,
    /// b1.0 SP: save pages.
    pub sp: bool,
    /// b4: parameter list length.
    pub param_len: u8,
}

impl Request for ModeSelect6 {
    const OPCODE: u8 = 0x15;
    const CDB_LEN: usize = 6;
    const NAME: &'static str = "MODE SELECT(6)";
    fn encode(&self) -> Cdb {
        Cdb::new([Self::OPCODE, flag(self.pf, 4) | flag(self.sp, 0), 0, 0, self.param_len, 0])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<6>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(ModeSelect6 { pf: bit(b[1], 4), sp: bit(b[1], 0), param_len: b[4] })
    }
    fn direction(&self) -> Direction {
        Direction::Out
    }
    fn transfer_len(&self) -> usize {
        usize::from(self.param_len)
    }
}

/// Length of the MODE SENSE(6) / MODE SELECT(6) header.
pub const MODE_HEADER6_LEN: usize = 4;

/// Length of the MODE SENSE(10) / MODE SELECT(10) header.
pub const MODE_HEADER_LEN: usize = 8;

/// A mode parameter list: header, block descriptors and pages.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModeData {
    /// b2: medium type.
    pub medium_type: u8,
    /// b3: device-specific parameter.
    pub device_specific: u8,
    /// The block descriptors' bytes, as sent (skipped by every CD user).
    pub block_descriptors: Vec<u8>,
    /// The pages in order.
    pub pages: Vec<ModePage>,
}

impl ModeData {
    /// Mode data holding one page.
    pub fn with_page(page: ModePage) -> ModeData {
        ModeData {
            medium_type: 0,
            device_specific: 0,
            block_descriptors: Vec::new(),
            pages: vec![page],
        }
    }

    /// The first page with this code.
    pub fn page(&self, code: u8) -> Option<&ModePage> {
        self.pages.iter().find(|p| p.code() == code)
    }

    /// The parameter list of MODE SELECT(10): mode data length 0 and PS bits cleared.
    pub fn to_select_vec(&self) -> Result<Vec<u8>, ReplyError> {
        let mut v = self.to_vec()?;
        if let Some(len) = v.first_chunk_mut::<2>() {
            *len = [0, 0];
        }
        let mut at = MODE_HEADER_LEN + self.block_descriptors.len();
        for p in &self.pages {
            if let Some(b) = v.get_mut(at) {
                *b &= 0x7F;
            }
            at += p.buffer_len();
        }
        Ok(v)
    }
}

impl ModeData {
    /// Parses a MODE SENSE(6) reply or a MODE SELECT(6) parameter list: the 4-byte header
    /// (mode data length, medium type, device-specific parameter, block descriptor length),
    /// then what the 10-byte form holds after its header.
    pub fn parse6(buf: &[u8]) -> Result<ModeData, ReplyError> {
        let h = head::<MODE_HEADER6_LEN>(buf, Self::WHAT)?;
        // The same list behind the 8-byte header; a length of 0 (a select list) stays 0.
        let len10 = if h[0] == 0 { 0 } else { u16::from(h[0]) + 4 };
        let l = len10.to_be_bytes();
        let mut v = vec![l[0], l[1], h[1], h[2], 0, 0, 0, h[3]];
        v.extend_from_slice(buf.get(MODE_HEADER6_LEN..).unwrap_or_default());
        ModeData::parse(&v)
    }

    /// The MODE SENSE(6) reply: the list behind the 4-byte header.
    pub fn to_vec6(&self) -> Result<Vec<u8>, ReplyError> {
        let v = self.to_vec()?;
        let unrepresentable =
            |field| ReplyError::Unrepresentable { what: "mode parameter list (6)", field };
        let body = v.get(MODE_HEADER_LEN..).unwrap_or_default();
        let len = u8::try_from(body.len() + MODE_HEADER6_LEN - 1)
            .map_err(|_| unrepresentable("mode data length"))?;
        let bd = u8::try_from(self.block_descriptors.len())
            .map_err(|_| unrepresentable("block descriptor length"))?;
        let mut out = vec![len, self.medium_type, self.device_specific, bd];
        out.extend_from_slice(body);
        Ok(out)
    }
}

impl Reply for ModeData {
    const WHAT: &'static str = "mode parameter list";

    /// Parses a MODE SENSE reply or a MODE SELECT parameter list (whose mode data length is
    /// 0: then the whole buffer counts). Pages cut by the allocation length are dropped.
    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
        let h = head::<MODE_HEADER_LEN>(buf, Self::WHAT)?;
        let len_field = usize::from(be16([h[0], h[1]]));
        let declared = if len_field == 0 { buf.len() } else { len_field + 2 };
        if declared < MODE_HEADER_LEN {
            return Err(ReplyError::BadLength { what: Self::WHAT, declared, min: MODE_HEADER_LEN });
        }
        let complete = declared <= buf.len();
        let end = declared.min(buf.len());
        let bd_len = usize::from(be16([h[6], h[7]]));
        let pages_at = MODE_HEADER_LEN + bd_len;
        if complete && pages_at > end {
            return Err(ReplyError::BadLength {
                what: "block descriptors",
                declared: pages_at,
                min: MODE_HEADER_LEN,
            });
        }
        let block_descriptors = buf.get(MODE_HEADER_LEN..pages_at.min(end)).unwrap_or(&[]).to_vec();
        let mut rest = buf.get(pages_at..end).unwrap_or(&[]);
        let mut pages = Vec::new();
        while let [_, len, ..] = *rest {
            let total = 2 + usize::from(len);
            let Some(p) = rest.get(..total) else {
                if complete {
                    return Err(ReplyError::BadLength {
                        what: "mode page",
                        declared: total,
                        min: 2,
                    });
                }
                break;
            };
            pages.push(ModePage::parse(p));
            rest = rest.get(total..).unwrap_or(&[]);
        }
        if complete && !rest.is_empty() {
            return Err(ReplyError::BadLength { what: "mode page", declared: rest.len(), min: 2 });
        }
        Ok(ModeData { medium_type: h[2], device_specific: h[3], block_descriptors, pages })
    }

    fn buffer_len(&self) -> usize {
        MODE_HEADER_LEN
            + self.block_descriptors.len()
            + self.pages.iter().map(ModePage::buffer_len).sum::<usize>()
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        let n = self.buffer_len();
        room(buf, n, Self::WHAT)?;
        let len = u16::try_from(n - 2).map_err(|_| ReplyError::Unrepresentable {
            what: Self::WHAT,
            field: "mode data length",
        })?;
        let bd = u16::try_from(self.block_descriptors.len()).map_err(|_| {
            ReplyError::Unrepresentable { what: Self::WHAT, field: "block descriptor length" }
        })?;
        let (l, d) = (len.to_be_bytes(), bd.to_be_bytes());
        head_mut::<MODE_HEADER_LEN>(buf, Self::WHAT)?.copy_from_slice(&[
            l[0],
            l[1],
            self.medium_type,
            self.device_specific,
            0,
            0,
            d[0],
            d[1],
        ]);
        let mut at = MODE_HEADER_LEN;
        let bd_end = at + self.block_descriptors.len();
        span_mut(buf, at..bd_end, Self::WHAT)?.copy_from_slice(&self.block_descriptors);
        at = bd_end;
        for p in &self.pages {
            let end = buf.len();
            at += p.emit(span_mut(buf, at..end, Self::WHAT)?)?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_block_descriptors() {
        // One 8-byte block descriptor (as QEMU once sent), then an unknown page 0x01.
        let b = [0, 18, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 8, 0, 0x01, 0x02, 0xAA, 0xBB];
        let m = ModeData::parse(&b).unwrap();
        assert_eq!(m.block_descriptors.len(), 8);
        assert_eq!(m.pages.len(), 1);
        assert_eq!(m.pages[0].code(), 1);
        assert_eq!(m.to_vec().unwrap(), b);
    }

    #[test]
    fn select_list_has_no_length_and_no_ps() {
        let b = [0, 8, 0, 0, 0, 0, 0, 0, 0x81, 0x00];
        let m = ModeData::parse(&b).unwrap();
        assert_eq!(m.to_select_vec().unwrap(), [0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00]);
        // A MODE SELECT list (length 0) parses over the whole buffer.
        assert_eq!(ModeData::parse(&[0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00]).unwrap().pages.len(), 1);
    }

    #[test]
    fn six_byte_forms() {
        let b = [0, 18, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 8, 0, 0x01, 0x02, 0xAA, 0xBB];
        let m = ModeData::parse(&b).unwrap();
        let six = m.to_vec6().unwrap();
        assert_eq!(six, [15, 0, 0, 8, 0, 0, 0, 0, 0, 0, 8, 0, 0x01, 0x02, 0xAA, 0xBB]);
        assert_eq!(ModeData::parse6(&six).unwrap(), m);
        // A MODE SELECT(6) list: length 0, parsed over the whole buffer.
        assert_eq!(ModeData::parse6(&[0, 0, 0, 0, 0x05, 0x00]).unwrap().pages.len(), 1);
        assert!(matches!(ModeData::parse6(&[3, 0]), Err(ReplyError::Truncated { need: 4, .. })));
        let sense = ModeSense6 {
            dbd: false,
            page_control: PageControl::Current,
            page: 0x2A,
            subpage: 0,
            alloc_len: 128,
        };
        assert_eq!(sense.encode().as_bytes(), [0x1A, 0, 0x2A, 0, 128, 0]);
        assert_eq!(ModeSense6::parse(sense.encode().as_bytes()).unwrap(), sense);
        let select = ModeSelect6 { pf: true, sp: false, param_len: 60 };
        assert_eq!(select.encode().as_bytes(), [0x15, 0x10, 0, 0, 60, 0]);
        assert_eq!(ModeSelect6::parse(select.encode().as_bytes()).unwrap(), select);
    }

    #[test]
    fn rejections() {
        assert!(matches!(
            ModeData::parse(&[0, 6, 0]),
            Err(ReplyError::Truncated { need: 8, got: 3, .. })
        ));
        assert!(matches!(
            ModeData::parse(&[0, 5, 0, 0, 0, 0, 0, 0]),
            Err(ReplyError::BadLength { declared: 7, .. })
        ));
        assert!(matches!(
            ModeData::parse(&[0, 8, 0, 0, 0, 0, 0, 8, 0, 0]),
            Err(ReplyError::BadLength { what: "block descriptors", .. })
        ));
        assert!(matches!(
            ModeData::parse(&[0, 8, 0, 0, 0, 0, 0, 0, 0x05, 0x32]),
            Err(ReplyError::BadLength { what: "mode page", .. })
        ));
        assert_eq!(
            ModeSense10::page(0x2A, 64).encode().as_bytes(),
            [0x5A, 0x08, 0x2A, 0, 0, 0, 0, 0, 64, 0]
        );
        assert_eq!(
            ModeSelect10::new(60).encode().as_bytes(),
            [0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0]
        );
    }
}
