//! The neutral command record: one CDB, a data phase, a timeout; a SCSI answer or an OS
//! failure, kept apart.

use std::time::Duration;

use imapi_mmc::{Command, Sense};

/// The data phase of a command.
#[derive(Debug)]
pub enum Data<'a> {
    /// No data.
    None,
    /// The device fills this buffer.
    FromDevice(&'a mut [u8]),
    /// The device receives these bytes.
    ToDevice(&'a [u8]),
}

impl Data<'_> {
    /// Bytes in the data phase.
    pub fn len(&self) -> usize {
        match self {
            Data::None => 0,
            Data::FromDevice(b) => b.len(),
            Data::ToDevice(b) => b.len(),
        }
    }

    /// No bytes to move.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// GOOD.
pub const STATUS_GOOD: u8 = 0x00;
/// CHECK CONDITION: sense data describes the failure.
pub const STATUS_CHECK_CONDITION: u8 = 0x02;
/// BUSY.
pub const STATUS_BUSY: u8 = 0x08;

/// The SCSI answer to a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// SCSI status byte.
    pub status: u8,
    /// Decoded sense data, when the device sent some that parses.
    pub sense: Option<Sense>,
    /// Bytes of the data phase not transferred.
    pub residual: usize,
}

impl Completion {
    /// GOOD with nothing left over.
    pub const fn good() -> Completion {
        Completion { status: STATUS_GOOD, sense: None, residual: 0 }
    }

    /// CHECK CONDITION with this sense.
    pub const fn check_condition(sense: Sense) -> Completion {
        Completion { status: STATUS_CHECK_CONDITION, sense: Some(sense), residual: 0 }
    }

    /// `Ok(residual)` for GOOD; the CHECK CONDITION or other status as an error.
    pub fn check(self) -> Result<usize, CommandError> {
        match (self.status, self.sense) {
            (STATUS_GOOD, _) => Ok(self.residual),
            (STATUS_CHECK_CONDITION, Some(s)) => Err(CommandError::CheckCondition(s)),
            (status, _) => Err(CommandError::Status(status)),
        }
    }
}

/// The command got no SCSI answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The system call failed.
    #[error("SG_IO failed")]
    Os(#[source] std::io::Error),
    /// The host adapter or its driver reported a failure.
    #[error("host adapter status {host:#04x}, driver status {driver:#04x}")]
    Adapter {
        /// host_status.
        host: u16,
        /// driver_status.
        driver: u16,
    },
    /// No answer in time.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The CDB or the buffer cannot be sent as given (length, direction).
    #[error("cannot send: {0}")]
    Invalid(&'static str),
}

/// What the layers above match on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// No SCSI answer.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// CHECK CONDITION with decoded sense.
    #[error("CHECK CONDITION, {0}")]
    CheckCondition(Sense),
    /// Another status (BUSY, RESERVATION CONFLICT, or CHECK CONDITION without sense).
    #[error("SCSI status {0:#04x}")]
    Status(u8),
}

impl CommandError {
    /// The sense, for a CHECK CONDITION.
    pub fn sense(&self) -> Option<&Sense> {
        match self {
            CommandError::CheckCondition(s) => Some(s),
            _ => None,
        }
    }
}

/// Something that executes CDBs: an OS pass-through or the simulated recorder.
pub trait Transport {
    /// Executes one command. A CHECK CONDITION is an `Ok` completion; `Err` means the command
    /// got no SCSI answer.
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError>;
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        (**self).execute(cdb, data, timeout)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        (**self).execute(cdb, data, timeout)
    }
}

/// How long a command class may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandClass {
    /// Queries and state changes that answer at once.
    Query,
    /// READ(10), READ CD.
    Read,
    /// WRITE(10), SEND CUE SHEET, SEND OPC.
    Write,
    /// START STOP UNIT: load, eject, spin up.
    Mechanical,
    /// SYNCHRONIZE CACHE or CLOSE TRACK/SESSION; `immed` when the drive answers before
    /// the work ends.
    Close {
        /// IMMED was set.
        immed: bool,
    },
    /// BLANK.
    Blank {
        /// IMMED was set.
        immed: bool,
    },
}

impl CommandClass {
    /// The class of a CDB (unknown commands are queries).
    pub fn of(cdb: &[u8]) -> CommandClass {
        match Command::parse(cdb) {
            Ok(Command::Read10(_) | Command::ReadCd(_)) => CommandClass::Read,
            Ok(Command::Write10(_) | Command::SendCueSheet(_) | Command::SendOpc(_)) => {
                CommandClass::Write
            }
            Ok(Command::StartStopUnit(_)) => CommandClass::Mechanical,
            Ok(Command::SynchronizeCache(c)) => CommandClass::Close { immed: c.immed },
            Ok(Command::CloseTrackSession(c)) => CommandClass::Close { immed: c.immed },
            Ok(Command::Blank(b)) => CommandClass::Blank { immed: b.immed },
            _ => CommandClass::Query,
        }
    }

    /// The timeout for the class: 30 s for queries, 60 s for reads and mechanics, 200 s for
    /// writes and IMMED closes or blanks, an hour for a close and five hours for a blank that
    /// waits for the end.
    pub fn timeout(self) -> Duration {
        Duration::from_secs(match self {
            CommandClass::Query => 30,
            CommandClass::Read | CommandClass::Mechanical => 60,
            CommandClass::Write
            | CommandClass::Close { immed: true }
            | CommandClass::Blank { immed: true } => 200,
            CommandClass::Close { immed: false } => 3600,
            CommandClass::Blank { immed: false } => 5 * 3600,
        })
    }
}

/// The timeout for a CDB by its class.
pub fn timeout_for(cdb: &[u8]) -> Duration {
    CommandClass::of(cdb).timeout()
}

/// Checks that `cdb` has the 1 to 16 bytes every pass-through interface accepts.
pub(crate) fn check_cdb_len(cdb: &[u8]) -> Result<(), TransportError> {
    if cdb.is_empty() || cdb.len() > 16 {
        return Err(TransportError::Invalid("a CDB has 1 to 16 bytes"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use imapi_mmc::{
        sense::codes, Blank, BlankType, Read10, Request, SynchronizeCache, TestUnitReady, Write10,
    };
    use imapi_redbook::Lba;

    #[test]
    fn check() {
        assert_eq!(Completion { status: 0, sense: None, residual: 12 }.check().unwrap(), 12);
        let e = Completion::check_condition(codes::WRITE_PROTECTED).check().unwrap_err();
        assert_eq!(e.sense().map(|s| s.triple()), Some((7, 0x27, 0)));
        assert_eq!(e.to_string(), "CHECK CONDITION, sense 07/27/00 (write protected)");
        assert!(matches!(
            Completion { status: 0x08, sense: None, residual: 0 }.check(),
            Err(CommandError::Status(8))
        ));
        assert!(matches!(
            Completion { status: 0x02, sense: None, residual: 0 }.check(),
            Err(CommandError::Status(2))
        ));
    }

    #[test]
    fn classes() {
        let t = |c: imapi_mmc::Cdb| timeout_for(c.as_bytes()).as_secs();
        assert_eq!(t(TestUnitReady.encode()), 30);
        assert_eq!(t(Read10::new(0, 1).encode()), 60);
        assert_eq!(t(Write10::new(Lba(0), 1).encode()), 200);
        assert_eq!(t(SynchronizeCache::default().encode()), 3600);
        assert_eq!(t(SynchronizeCache { immed: true, ..Default::default() }.encode()), 200);
        assert_eq!(t(Blank::new(BlankType::Full).encode()), 18_000);
        assert_eq!(timeout_for(&[0xFF, 0, 0, 0, 0, 0]).as_secs(), 30);
    }
}
