//! INQUIRY (12h) and its standard reply.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use crate::cdb::{be16, bit, cdb_bytes, flag, head, head_mut, Cdb, Direction, Reply, Request};
use crate::error::{CdbError, ReplyError};
use crate::macros::code_enum;

/// INQUIRY (12h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Inquiry {
    /// b1.0 EVPD: ask for a vital product data page.
    pub evpd: bool,
    /// b2: the VPD page code (with EVPD).
    pub page: u8,
    /// b3–4: allocation length.
    pub alloc_len: u16,
}

impl Default for Inquiry {
    fn default() -> Self {
        Inquiry { evpd: false, page: 0, alloc_len: u16::from(INQUIRY_LEN_U8) }
    }
}

impl Request for Inquiry {
    const OPCODE: u8 = 0x12;
    const CDB_LEN: usize = 6;
    const NAME: &'static str = "INQUIRY";
    fn encode(&self) -> Cdb {
        let al = self.alloc_len.to_be_bytes();
        Cdb::new([Self::OPCODE, flag(self.evpd, 0), self.page, al[0], al[1], 0])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<6>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(Inquiry { evpd: bit(b[1], 0), page: b[2], alloc_len: be16([b[3], b[4]]) })
    }
    fn direction(&self) -> Direction {
        Direction::In
    }
    fn transfer_len(&self) -> usize {
        usize::from(self.alloc_len)
    }
}

code_enum! {
    /// The peripheral device type (b0 bits 4–0).
    pub enum DeviceType(u8) {
        /// 00h: direct access (disk).
        DirectAccess = 0x00,
        /// 05h: CD/DVD device (MMC).
        CdDvd = 0x05,
        /// 07h: optical memory.
        OpticalMemory = 0x07,
    }
}

/// Length of the standard INQUIRY data.
pub const INQUIRY_LEN: usize = INQUIRY_LEN_U8 as usize;
const INQUIRY_LEN_U8: u8 = 36;

mod field {
    use core::ops::Range;
    pub const TYPE: usize = 0; // 7-5 qualifier, 4-0 type
    pub const RMB: usize = 1; // .7
    pub const VERSION: usize = 2;
    pub const FORMAT: usize = 3; // 3-0 response data format
    pub const ADDITIONAL_LEN: usize = 4;
    pub const VENDOR: Range<usize> = 8..16;
    pub const PRODUCT: Range<usize> = 16..32;
    pub const REVISION: Range<usize> = 32..36;
}

/// Standard INQUIRY data: who the device is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InquiryData {
    /// b0 bits 7–5: peripheral qualifier (0 = connected).
    pub qualifier: u8,
    /// b0 bits 4–0.
    pub device_type: DeviceType,
    /// b1.7 RMB: removable medium.
    pub removable: bool,
    /// b2: version.
    pub version: u8,
    /// b3 bits 3–0: response data format (2).
    pub response_format: u8,
    /// b8–15: vendor, ASCII, space padded.
    pub vendor: [u8; 8],
    /// b16–31: product, ASCII, space padded.
    pub product: [u8; 16],
    /// b32–35: revision, ASCII, space padded.
    pub revision: [u8; 4],
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).trim_end_matches([' ', '\0']).trim_start().to_string()
}

fn padded<const N: usize>(s: &str) -> [u8; N] {
    let mut out = [b' '; N];
    for (o, c) in out.iter_mut().zip(s.bytes()) {
        *o = c;
    }
    out
}

impl InquiryData {
    /// A removable MMC device with these names (cut or space padded to their fields).
    pub fn mmc(vendor: &str, product: &str, revision: &str) -> InquiryData {
        InquiryData {
            qualifier: 0,
            device_type: DeviceType::CdDvd,
            removable: true,
            version: 5,
            response_format: 2,
            vendor: padded(vendor),
            product: padded(product),
            revision: padded(revision),
        }
    }

    /// The vendor without padding.
    pub fn vendor_str(&self) -> String {
        text(&self.vendor)
    }

    /// The product without padding.
    pub fn product_str(&self) -> String {
        text(&self.product)
    }

    /// The revision without padding.
    pub fn revision_str(&self) -> String {
        text(&self.revision)
    }
}

impl Reply for InquiryData {
    const WHAT: &'static str = "INQUIRY data";

    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
        let b = head::<INQUIRY_LEN>(buf, Self::WHAT)?;
        let declared = usize::from(b[field::ADDITIONAL_LEN]) + field::ADDITIONAL_LEN + 1;
        if declared < INQUIRY_LEN {
            return Err(ReplyError::BadLength { what: Self::WHAT, declared, min: INQUIRY_LEN });
        }
        let mut vendor = [0u8; 8];
        vendor.copy_from_slice(&b[field::VENDOR]);
        let mut product = [0u8; 16];
        product.copy_from_slice(&b[field::PRODUCT]);
        let mut revision = [0u8; 4];
        revision.copy_from_slice(&b[field::REVISION]);
        Ok(InquiryData {
            qualifier: b[field::TYPE] >> 5,
            device_type: DeviceType::from(b[field::TYPE] & 0x1F),
            removable: bit(b[field::RMB], 7),
            version: b[field::VERSION],
            response_format: b[field::FORMAT] & 0x0F,
            vendor,
            product,
            revision,
        })
    }

    fn buffer_len(&self) -> usize {
        INQUIRY_LEN
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        let b = head_mut::<INQUIRY_LEN>(buf, Self::WHAT)?;
        b.fill(0);
        b[field::TYPE] = (self.qualifier & 0x07) << 5 | (u8::from(self.device_type) & 0x1F);
        b[field::RMB] = flag(self.removable, 7);
        b[field::VERSION] = self.version;
        b[field::FORMAT] = self.response_format & 0x0F;
        b[field::ADDITIONAL_LEN] = INQUIRY_LEN_U8 - 5;
        b[field::VENDOR].copy_from_slice(&self.vendor);
        b[field::PRODUCT].copy_from_slice(&self.product);
        b[field::REVISION].copy_from_slice(&self.revision);
        Ok(INQUIRY_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qemu() -> [u8; 36] {
        let mut b = [0u8; 36];
        b[0] = 0x05;
        b[1] = 0x80;
        b[2] = 0x05;
        b[3] = 0x02;
        b[4] = 31;
        b[8..16].copy_from_slice(b"QEMU    ");
        b[16..32].copy_from_slice(b"QEMU CD-ROM     ");
        b[32..36].copy_from_slice(b"2.5+");
        b
    }

    #[test]
    fn qemu_cd_rom() {
        let d = InquiryData::parse(&qemu()).unwrap();
        assert_eq!(d.device_type, DeviceType::CdDvd);
        assert!(d.removable);
        assert_eq!((d.vendor_str().as_str(), d.product_str().as_str()), ("QEMU", "QEMU CD-ROM"));
        assert_eq!(d.revision_str(), "2.5+");
        assert_eq!(d.to_vec().unwrap(), qemu());
        assert_eq!(InquiryData::mmc("QEMU", "QEMU CD-ROM", "2.5+"), d);
    }

    #[test]
    fn golden_cdb() {
        assert_eq!(Inquiry::default().encode().as_bytes(), [0x12, 0, 0, 0, 36, 0]);
    }

    #[test]
    fn rejections() {
        assert_eq!(
            InquiryData::parse(&qemu()[..35]),
            Err(ReplyError::Truncated { what: "INQUIRY data", need: 36, got: 35 })
        );
        let mut short = qemu();
        short[4] = 30;
        assert_eq!(
            InquiryData::parse(&short),
            Err(ReplyError::BadLength { what: "INQUIRY data", declared: 35, min: 36 })
        );
    }
}
