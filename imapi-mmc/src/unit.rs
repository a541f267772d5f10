//! Unit state: TEST UNIT READY (00h), REQUEST SENSE (03h), START STOP UNIT (1Bh) and PREVENT
//! ALLOW MEDIUM REMOVAL (1Eh).

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use crate::cdb::{bit, cdb_bytes, flag, Cdb, Direction, Request};
use crate::error::CdbError;

/// TEST UNIT READY (00h): GOOD when a medium is ready, else CHECK CONDITION.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TestUnitReady;

impl Request for TestUnitReady {
    const OPCODE: u8 = 0x00;
    const CDB_LEN: usize = 6;
    const NAME: &'static str = "TEST UNIT READY";
    fn encode(&self) -> Cdb {
        Cdb::new([Self::OPCODE, 0, 0, 0, 0, 0])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        cdb_bytes::<6>(cdb, Self::NAME, Self::OPCODE).map(|_| TestUnitReady)
    }
    fn direction(&self) -> Direction {
        Direction::None
    }
    fn transfer_len(&self) -> usize {
        0
    }
}

/// REQUEST SENSE (03h): the sense data of the last command; the reply is [`crate::Sense`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestSense {
    /// b1.0 DESC: ask for descriptor-form sense.
    pub descriptor: bool,
    /// b4: allocation length.
    pub alloc_len: u8,
}

impl Default for RequestSense {
    fn default() -> Self {
        RequestSense { descriptor: false, alloc_len: 18 }
    }
}

impl Request for RequestSense {
    const OPCODE: u8 = 0x03;
    const CDB_LEN: usize = 6;
    const NAME: &'static str = "REQUEST SENSE";
    fn encode(&self) -> Cdb {
        Cdb::new([Self::OPCODE, flag(self.descriptor, 0), 0, 0, self.alloc_len, 0])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<6>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(RequestSense { descriptor: bit(b[1], 0), alloc_len: b[4] })
    }
    fn direction(&self) -> Direction {
        Direction::In
    }
    fn transfer_len(&self) -> usize {
        usize::from(self.alloc_len)
    }
}

/// START STOP UNIT (1Bh): spin up or down, load or eject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StartStopUnit {
    /// b1.0 IMMED: return before the operation ends.
    pub immed: bool,
    /// b4 bits 7–4: power condition (0 = use Start and LoEj).
    pub power_condition: u8,
    /// b4.1 LoEj: load (with Start) or eject (without).
    pub load_eject: bool,
    /// b4.0 Start.
    pub start: bool,
}

impl StartStopUnit {
    /// Eject the medium (LoEj=1, Start=0).
    pub const EJECT: StartStopUnit =
        StartStopUnit { immed: false, power_condition: 0, load_eject: true, start: false };
    /// Load the medium (LoEj=1, Start=1).
    pub const LOAD: StartStopUnit =
        StartStopUnit { immed: false, power_condition: 0, load_eject: true, start: true };
}

impl Request for StartStopUnit {
    const OPCODE: u8 = 0x1B;
    const CDB_LEN: usize = 6;
    const NAME: &'static str = "START STOP UNIT";
    fn encode(&self) -> Cdb {
        let b4 =
            (self.power_condition & 0x0F) << 4 | flag(self.load_eject, 1) | flag(self.start, 0);
        Cdb::new([Self::OPCODE, flag(self.immed, 0), 0, 0, b4, 0])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<6>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(StartStopUnit {
            immed: bit(b[1], 0),
            power_condition: b[4] >> 4,
            load_eject: bit(b[4], 1),
            start: bit(b[4], 0),
        })
    }
    fn direction(&self) -> Direction {
        Direction::None
    }
    fn transfer_len(&self) -> usize {
        0
    }
}

/// PREVENT ALLOW MEDIUM REMOVAL (1Eh): lock or unlock the tray.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PreventAllowMediumRemoval {
    /// b4 bits 1–0: 0 allow, 1 prevent (persistent prevention is bit 1).
    pub prevent: u8,
}

impl PreventAllowMediumRemoval {
    /// Lock the tray.
    pub const LOCK: Self = PreventAllowMediumRemoval { prevent: 1 };
    /// Unlock the tray.
    pub const UNLOCK: Self = PreventAllowMediumRemoval { prevent: 0 };
}

impl Request for PreventAllowMediumRemoval {
    const OPCODE: u8 = 0x1E;
    const CDB_LEN: usize = 6;
    const NAME: &'static str = "PREVENT ALLOW MEDIUM REMOVAL";
    fn encode(&self) -> Cdb {
        Cdb::new([Self::OPCODE, 0, 0, 0, self.prevent & 0x03, 0])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<6>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(PreventAllowMediumRemoval { prevent: b[4] & 0x03 })
    }
    fn direction(&self) -> Direction {
        Direction::None
    }
    fn transfer_len(&self) -> usize {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_cdbs() {
        assert_eq!(TestUnitReady.encode().as_bytes(), [0, 0, 0, 0, 0, 0]);
        assert_eq!(RequestSense::default().encode().as_bytes(), [0x03, 0, 0, 0, 18, 0]);
        // Eject is start_stop 0x02, load 0x03 (reference §3 START STOP UNIT).
        assert_eq!(StartStopUnit::EJECT.encode().as_bytes(), [0x1B, 0, 0, 0, 0x02, 0]);
        assert_eq!(StartStopUnit::LOAD.encode().as_bytes(), [0x1B, 0, 0, 0, 0x03, 0]);
        assert_eq!(PreventAllowMediumRemoval::LOCK.encode().as_bytes(), [0x1E, 0, 0, 0, 1, 0]);
    }

    #[test]
    fn rejections() {
        assert_eq!(
            TestUnitReady::parse(&[0, 0, 0]),
            Err(CdbError::Truncated { command: "TEST UNIT READY", need: 6, got: 3 })
        );
        assert_eq!(
            StartStopUnit::parse(&[0x1E, 0, 0, 0, 0, 0]),
            Err(CdbError::Opcode { command: "START STOP UNIT", expected: 0x1B, got: 0x1E })
        );
    }
}
