//! Any CDB parsed into its typed request: what a device does first with a command.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use crate::cdb::{Cdb, Direction, Request};
use crate::config::GetConfiguration;
use crate::cue::SendCueSheet;
use crate::disc_info::ReadDiscInformation;
use crate::error::CdbError;
use crate::event::GetEventStatusNotification;
use crate::inquiry::Inquiry;
use crate::mode::{ModeSelect10, ModeSelect6, ModeSense10, ModeSense6};
use crate::read::{Read10, ReadCapacity, ReadCd};
use crate::speed::{GetPerformance, SetCdSpeed};
use crate::toc::ReadToc;
use crate::track_info::ReadTrackInformation;
use crate::unit::{PreventAllowMediumRemoval, RequestSense, StartStopUnit, TestUnitReady};
use crate::write::{
    Blank, CloseTrackSession, ReadBufferCapacity, SendOpcInformation, SynchronizeCache, Write10,
};

macro_rules! commands {
    ($( $variant:ident($ty:ty), )+) => {
        /// Every command this crate knows, typed.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum Command {
            $( $variant($ty), )+
        }

        impl Command {
            /// Parses a CDB by its operation code.
            pub fn parse(cdb: &[u8]) -> Result<Command, CdbError> {
                let op = *cdb.first().ok_or(CdbError::Truncated { command: "CDB", need: 1, got: 0 })?;
                match op {
                    $( <$ty>::OPCODE => <$ty>::parse(cdb).map(Command::$variant), )+
                    other => Err(CdbError::UnknownOpcode(other)),
                }
            }

            /// The CDB bytes.
            pub fn encode(&self) -> Cdb {
                match self {
                    $( Command::$variant(c) => c.encode(), )+
                }
            }

            /// The command's name.
            pub fn name(&self) -> &'static str {
                match self {
                    $( Command::$variant(_) => <$ty>::NAME, )+
                }
            }

            /// Which way data moves.
            pub fn direction(&self) -> Direction {
                match self {
                    $( Command::$variant(c) => c.direction(), )+
                }
            }
        }
    };
}

commands! {
    TestUnitReady(TestUnitReady),
    RequestSense(RequestSense),
    Inquiry(Inquiry),
    StartStopUnit(StartStopUnit),
    PreventAllow(PreventAllowMediumRemoval),
    ReadCapacity(ReadCapacity),
    Read10(Read10),
    Write10(Write10),
    SynchronizeCache(SynchronizeCache),
    ReadToc(ReadToc),
    GetConfiguration(GetConfiguration),
    GetEventStatus(GetEventStatusNotification),
    ReadDiscInformation(ReadDiscInformation),
    ReadTrackInformation(ReadTrackInformation),
    SendOpc(SendOpcInformation),
    ModeSelect10(ModeSelect10),
    CloseTrackSession(CloseTrackSession),
    ReadBufferCapacity(ReadBufferCapacity),
    SendCueSheet(SendCueSheet),
    ModeSense10(ModeSense10),
    ModeSense6(ModeSense6),
    ModeSelect6(ModeSelect6),
    Blank(Blank),
    GetPerformance(GetPerformance),
    SetCdSpeed(SetCdSpeed),
    ReadCd(ReadCd),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatch() {
        let c = Command::parse(&[0x5D, 0, 0, 0, 0, 0, 0, 0, 40, 0]).unwrap();
        assert_eq!(c, Command::SendCueSheet(SendCueSheet { size: 40 }));
        assert_eq!(c.name(), "SEND CUE SHEET");
        assert_eq!(Command::parse(&[0xFE]), Err(CdbError::UnknownOpcode(0xFE)));
        assert!(matches!(Command::parse(&[]), Err(CdbError::Truncated { .. })));
    }
}
