//! Vital product data pages of INQUIRY with EVPD (SPC): 00h, the supported pages, and 80h,
//! the unit serial number.
//!
//! Both share a 4-byte header: b0 peripheral qualifier (bits 7–5) and device type (4–0), b1
//! the page code, b2 reserved, b3 the page length (the bytes after the header).

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use crate::cdb::{head, split_mut, Reply};
use crate::error::ReplyError;
use crate::inquiry::{DeviceType, Inquiry};

/// Page 00h: the supported VPD pages.
pub const SUPPORTED_PAGES: u8 = 0x00;
/// Page 80h: the unit serial number.
pub const UNIT_SERIAL_NUMBER: u8 = 0x80;
/// The header before a page's bytes.
pub const VPD_HEADER_LEN: usize = VPD_HEADER_LEN_U8 as usize;
const VPD_HEADER_LEN_U8: u8 = 4;

mod field {
    pub const TYPE: usize = 0; // 7-5 qualifier, 4-0 type
    pub const PAGE: usize = 1;
    pub const LEN: usize = 3;
}

impl Inquiry {
    /// INQUIRY for VPD page `page` (EVPD set), room for the largest page (255 + 4 bytes).
    pub fn vpd(page: u8) -> Inquiry {
        Inquiry { evpd: true, page, alloc_len: 255 + u16::from(VPD_HEADER_LEN_U8) }
    }
}

/// Checks the header of a VPD page `page` and returns qualifier, type and the page's bytes.
fn parse_page<'a>(
    buf: &'a [u8],
    page: u8,
    what: &'static str,
) -> Result<(u8, DeviceType, &'a [u8]), ReplyError> {
    let h = head::<VPD_HEADER_LEN>(buf, what)?;
    if h[field::PAGE] != page {
        return Err(ReplyError::Field {
            what,
            field: "page code",
            value: u32::from(h[field::PAGE]),
        });
    }
    let need = VPD_HEADER_LEN + usize::from(h[field::LEN]);
    let body = buf.get(VPD_HEADER_LEN..need).ok_or(ReplyError::Truncated {
        what,
        need,
        got: buf.len(),
    })?;
    Ok((h[field::TYPE] >> 5, DeviceType::from(h[field::TYPE] & 0x1F), body))
}

/// Writes a VPD page with `body` after its header.
fn emit_page(
    buf: &mut [u8],
    qualifier: u8,
    device_type: DeviceType,
    page: u8,
    body: &[u8],
    what: &'static str,
) -> Result<usize, ReplyError> {
    let len = u8::try_from(body.len())
        .map_err(|_| ReplyError::Unrepresentable { what, field: "page length" })?;
    let n = VPD_HEADER_LEN + body.len();
    let (h, out) = split_mut::<VPD_HEADER_LEN>(buf, n, what)?;
    h[field::TYPE] = (qualifier & 0x07) << 5 | (u8::from(device_type) & 0x1F);
    h[field::PAGE] = page;
    h[2] = 0;
    h[field::LEN] = len;
    out.copy_from_slice(body);
    Ok(n)
}

/// VPD page 00h: the page codes the device answers, in ascending order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SupportedVpdPages {
    /// b0 bits 7–5: peripheral qualifier.
    pub qualifier: u8,
    /// b0 bits 4–0.
    pub device_type: DeviceType,
    /// b4 onwards: one page code per byte (at most 255).
    pub pages: Vec<u8>,
}

impl SupportedVpdPages {
    /// Whether `page` is listed.
    pub fn supports(&self, page: u8) -> bool {
        self.pages.contains(&page)
    }
}

impl Reply for SupportedVpdPages {
    const WHAT: &'static str = "VPD page 00h";

    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
        let (qualifier, device_type, body) = parse_page(buf, SUPPORTED_PAGES, Self::WHAT)?;
        Ok(SupportedVpdPages { qualifier, device_type, pages: body.to_vec() })
    }

    fn buffer_len(&self) -> usize {
        VPD_HEADER_LEN + self.pages.len()
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        emit_page(buf, self.qualifier, self.device_type, SUPPORTED_PAGES, &self.pages, Self::WHAT)
    }
}

/// VPD page 80h: the unit serial number, ASCII, right-aligned with leading spaces as SPC
/// suggests (parsing keeps the bytes as given).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnitSerialNumber {
    /// b0 bits 7–5: peripheral qualifier.
    pub qualifier: u8,
    /// b0 bits 4–0.
    pub device_type: DeviceType,
    /// b4 onwards: the serial number's bytes (at most 255).
    pub serial: Vec<u8>,
}

impl UnitSerialNumber {
    /// A CD/DVD device's page with this serial number.
    pub fn mmc(serial: &str) -> UnitSerialNumber {
        UnitSerialNumber {
            qualifier: 0,
            device_type: DeviceType::CdDvd,
            serial: serial.as_bytes().to_vec(),
        }
    }

    /// The serial number without padding (spaces and NULs around it); bytes that are not
    /// ASCII are replaced.
    pub fn serial_str(&self) -> String {
        String::from_utf8_lossy(&self.serial).trim_matches([' ', '\0']).to_string()
    }
}

impl Reply for UnitSerialNumber {
    const WHAT: &'static str = "VPD page 80h";

    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
        let (qualifier, device_type, body) = parse_page(buf, UNIT_SERIAL_NUMBER, Self::WHAT)?;
        Ok(UnitSerialNumber { qualifier, device_type, serial: body.to_vec() })
    }

    fn buffer_len(&self) -> usize {
        VPD_HEADER_LEN + self.serial.len()
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        emit_page(
            buf,
            self.qualifier,
            self.device_type,
            UNIT_SERIAL_NUMBER,
            &self.serial,
            Self::WHAT,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdb::Request;

    /// QEMU's CD-ROM answering page 80h with its drive serial `QM00003`.
    static SERIAL_BYTES: [u8; 11] =
        [0x05, 0x80, 0x00, 0x07, b'Q', b'M', b'0', b'0', b'0', b'0', b'3'];
    /// Pages 00h, 80h and 83h.
    static PAGES_BYTES: [u8; 7] = [0x05, 0x00, 0x00, 0x03, 0x00, 0x80, 0x83];

    #[test]
    fn unit_serial_number() {
        let p = UnitSerialNumber::parse(&SERIAL_BYTES).unwrap();
        assert_eq!(p.device_type, DeviceType::CdDvd);
        assert_eq!(p.serial_str(), "QM00003");
        assert_eq!(p, UnitSerialNumber::mmc("QM00003"));
        assert_eq!(p.to_vec().unwrap(), SERIAL_BYTES);
        // Padding is not part of the serial number; bytes after the page are not either.
        let mut padded = vec![0x05, 0x80, 0x00, 0x0A, b' ', b' ', b' '];
        padded.extend_from_slice(b"QM00003");
        padded.extend_from_slice(&[0xEE; 5]);
        assert_eq!(UnitSerialNumber::parse(&padded).unwrap().serial_str(), "QM00003");
    }

    #[test]
    fn supported_pages() {
        let p = SupportedVpdPages::parse(&PAGES_BYTES).unwrap();
        assert_eq!(p.pages, vec![0x00, 0x80, 0x83]);
        assert!(p.supports(0x80) && !p.supports(0x81));
        assert_eq!(p.to_vec().unwrap(), PAGES_BYTES);
    }

    #[test]
    fn rejections() {
        assert_eq!(
            UnitSerialNumber::parse(&SERIAL_BYTES[..3]),
            Err(ReplyError::Truncated { what: "VPD page 80h", need: 4, got: 3 })
        );
        // The page length declares more than was received.
        assert_eq!(
            UnitSerialNumber::parse(&SERIAL_BYTES[..10]),
            Err(ReplyError::Truncated { what: "VPD page 80h", need: 11, got: 10 })
        );
        // Another page.
        assert_eq!(
            UnitSerialNumber::parse(&PAGES_BYTES),
            Err(ReplyError::Field { what: "VPD page 80h", field: "page code", value: 0 })
        );
        assert_eq!(
            SupportedVpdPages::parse(&SERIAL_BYTES),
            Err(ReplyError::Field { what: "VPD page 00h", field: "page code", value: 0x80 })
        );
        // Too long to emit; too small a buffer.
        let long = UnitSerialNumber { serial: vec![b'1'; 256], ..UnitSerialNumber::mmc("") };
        assert_eq!(
            long.to_vec(),
            Err(ReplyError::Unrepresentable { what: "VPD page 80h", field: "page length" })
        );
        let mut small = [0u8; 10];
        assert_eq!(
            UnitSerialNumber::mmc("QM00003").emit(&mut small),
            Err(ReplyError::Truncated { what: "VPD page 80h", need: 11, got: 10 })
        );
    }

    #[test]
    fn golden_cdb() {
        assert_eq!(Inquiry::vpd(0x80).encode().as_bytes(), [0x12, 0x01, 0x80, 0x01, 0x03, 0]);
    }
}
