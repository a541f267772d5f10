//! The body of the `mmc_replies` fuzz target, shared with the test that replays its corpus on
//! stable Rust. The first byte picks a parser, the rest is its input; whatever parses must
//! emit, and parse again to the same value.

use crate::cdb::Reply;
use crate::command::Command;
use crate::config::Configuration;
use crate::cue::CueSheet;
use crate::disc_info::DiscInformation;
use crate::event::EventStatus;
use crate::inquiry::InquiryData;
use crate::mode::ModeData;
use crate::read::Capacity;
use crate::sense::Sense;
use crate::speed::WriteSpeeds;
use crate::toc::{AddressForm, Atip, CdTextPacks, FullToc, SessionToc, TrackToc};
use crate::track_info::TrackInformation;
use crate::vpd::{SupportedVpdPages, UnitSerialNumber};
use crate::write::BufferCapacity;

fn again<R: Reply + PartialEq + core::fmt::Debug>(data: &[u8]) {
    if let Ok(r) = R::parse(data) {
        let bytes = r.to_vec().expect("a parsed reply emits");
        let back = R::parse(&bytes).expect("an emitted reply parses");
        assert_eq!(back, r);
    }
}

/// Runs one parser, chosen by the first byte, over the rest.
pub fn replies(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else { return };
    match which % 20 {
        0 => again::<InquiryData>(rest),
        1 => again::<Configuration>(rest),
        2 => again::<EventStatus>(rest),
        3 => again::<DiscInformation>(rest),
        4 => again::<TrackInformation>(rest),
        5 => again::<TrackToc>(rest),
        6 => {
            if let Ok(t) = TrackToc::parse_with(rest, AddressForm::Msf) {
                let b = t.to_vec().expect("emits");
                assert_eq!(TrackToc::parse_with(&b, AddressForm::Msf).expect("parses"), t);
            }
        }
        7 => again::<SessionToc>(rest),
        8 => again::<FullToc>(rest),
        9 => again::<Atip>(rest),
        10 => again::<CdTextPacks>(rest),
        11 => again::<Capacity>(rest),
        12 => again::<ModeData>(rest),
        13 => again::<WriteSpeeds>(rest),
        14 => again::<BufferCapacity>(rest),
        15 => again::<CueSheet>(rest),
        16 => {
            if let Ok(s) = Sense::parse(rest) {
                if let Ok(b) = s.to_vec() {
                    assert_eq!(Sense::parse(&b).expect("parses"), s);
                }
            }
        }
        17 => again::<UnitSerialNumber>(rest),
        18 => again::<SupportedVpdPages>(rest),
        _ => {
            if let Ok(c) = Command::parse(rest) {
                assert_eq!(Command::parse(c.encode().as_bytes()).expect("parses"), c);
            }
        }
    }
}
