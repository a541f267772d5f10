//! GET EVENT STATUS NOTIFICATION (4Ah), polled, with the media class decoded.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use crate::cdb::{be16, bit, cdb_bytes, flag, head, split_mut, Cdb, Direction, Reply, Request};
use crate::error::{CdbError, ReplyError};
use crate::macros::code_enum;

/// GET EVENT STATUS NOTIFICATION (4Ah).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GetEventStatusNotification {
    /// b1.0 Polled (asynchronous reporting is not supported by MMC drives over SG_IO).
    pub polled: bool,
    /// b4: notification class request mask (media = 10h).
    pub class_mask: u8,
    /// b7–8: allocation length.
    pub alloc_len: u16,
}

/// The media class bit of the class request mask.
pub const MEDIA_CLASS_MASK: u8 = 0x10;
/// The notification class number of media events.
pub const MEDIA_CLASS: u8 = 4;

impl Default for GetEventStatusNotification {
    fn default() -> Self {
        GetEventStatusNotification { polled: true, class_mask: MEDIA_CLASS_MASK, alloc_len: 8 }
    }
}

impl Request for GetEventStatusNotification {
    const OPCODE: u8 = 0x4A;
    const CDB_LEN: usize = 10;
    const NAME: &'static str = "GET EVENT STATUS NOTIFICATION";
    fn encode(&self) -> Cdb {
        let al = self.alloc_len.to_be_bytes();
        Cdb::new([Self::OPCODE, flag(self.polled, 0), 0, 0, self.class_mask, 0, 0, al[0], al[1], 0])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<10>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(GetEventStatusNotification {
            polled: bit(b[1], 0),
            class_mask: b[4],
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

code_enum! {
    /// A media event code (descriptor b0 bits 3–0).
    pub enum MediaEventCode(u8) {
        /// 0: no change.
        NoChange = 0,
        /// 1: the eject button was pressed.
        EjectRequest = 1,
        /// 2: a medium was inserted.
        NewMedia = 2,
        /// 3: the medium was removed.
        MediaRemoval = 3,
        /// 4: the medium changed.
        MediaChanged = 4,
    }
}

/// The media event descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MediaEvent {
    /// The event.
    pub event: MediaEventCode,
    /// b1.1: a medium is present.
    pub media_present: bool,
    /// b1.0: the tray is open.
    pub tray_open: bool,
    /// b2: start slot.
    pub start_slot: u8,
    /// b3: end slot.
    pub end_slot: u8,
}

/// The event data after the header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventData {
    /// No descriptor (NEA, or nothing sent).
    None,
    /// A media class descriptor.
    Media(MediaEvent),
    /// Another class's descriptor, as sent.
    Other(Vec<u8>),
}

/// The reply of GET EVENT STATUS NOTIFICATION.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventStatus {
    /// b2.7 NEA: no event available.
    pub nea: bool,
    /// b2 bits 2–0: the class reported.
    pub class: u8,
    /// b3: classes the device supports (a mask like the request's).
    pub supported: u8,
    /// The descriptor.
    pub data: EventData,
}

const HEADER_LEN: usize = 4;

impl Reply for EventStatus {
    const WHAT: &'static str = "event status";

    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
        let h = head::<HEADER_LEN>(buf, Self::WHAT)?;
        let declared = usize::from(be16([h[0], h[1]])) + 2;
        if declared < HEADER_LEN {
            return Err(ReplyError::BadLength { what: Self::WHAT, declared, min: HEADER_LEN });
        }
        let data = buf.get(HEADER_LEN..declared.min(buf.len())).unwrap_or(&[]);
        let class = h[2] & 0x07;
        let data = match data {
            [] => EventData::None,
            &[e, s, a, b] if class == MEDIA_CLASS => EventData::Media(MediaEvent {
                event: MediaEventCode::from(e & 0x0F),
                media_present: bit(s, 1),
                tray_open: bit(s, 0),
                start_slot: a,
                end_slot: b,
            }),
            d => EventData::Other(d.to_vec()),
        };
        Ok(EventStatus { nea: bit(h[2], 7), class, supported: h[3], data })
    }

    fn buffer_len(&self) -> usize {
        HEADER_LEN
            + match &self.data {
                EventData::None => 0,
                EventData::Media(_) => 4,
                EventData::Other(d) => d.len(),
            }
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        let n = self.buffer_len();
        let (h, body) = split_mut::<HEADER_LEN>(buf, n, Self::WHAT)?;
        let len = u16::try_from(n - 2)
            .map_err(|_| ReplyError::Unrepresentable { what: Self::WHAT, field: "length" })?;
        let l = len.to_be_bytes();
        h.copy_from_slice(&[l[0], l[1], flag(self.nea, 7) | self.class & 0x07, self.supported]);
        match &self.data {
            EventData::None => {}
            EventData::Media(m) => body.copy_from_slice(&[
                u8::from(m.event) & 0x0F,
                flag(m.media_present, 1) | flag(m.tray_open, 0),
                m.start_slot,
                m.end_slot,
            ]),
            EventData::Other(d) => body.copy_from_slice(d),
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_present() {
        // Media class, new media, medium present, tray closed; supports media only.
        let b = [0x00, 0x06, 0x04, 0x10, 0x02, 0x02, 0x00, 0x00];
        let e = EventStatus::parse(&b).unwrap();
        let EventData::Media(m) = e.data.clone() else { panic!("not media: {e:?}") };
        assert_eq!(m.event, MediaEventCode::NewMedia);
        assert!(m.media_present && !m.tray_open);
        assert_eq!(e.to_vec().unwrap(), b);
        assert_eq!(
            GetEventStatusNotification::default().encode().as_bytes(),
            [0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8, 0]
        );
    }

    #[test]
    fn rejections() {
        assert!(matches!(
            EventStatus::parse(&[0, 6, 4]),
            Err(ReplyError::Truncated { need: 4, got: 3, .. })
        ));
        assert!(matches!(
            EventStatus::parse(&[0, 1, 4, 0x10]),
            Err(ReplyError::BadLength { declared: 3, min: 4, .. })
        ));
    }
}
