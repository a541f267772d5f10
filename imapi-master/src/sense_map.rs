//! From what a drive answers to the IMAPI result code a caller sees.
//!
//! One table for every command the master and the burn engine send. A CHECK CONDITION is
//! classified by imapi-mmc ([`SenseClass`]); the class and, where it says more, the exact
//! ASC/ASCQ pick the code. Where the sense alone is not enough, the [`Operation`] in progress
//! decides, as IMAPI's codes are phrased by phase (set up the write, write, close).
//!
//! | drive answer | code |
//! |---|---|
//! | no medium (any key, ASC 3Ah) | IMAPI_E_MEDIUM_NOTPRESENT |
//! | incompatible or unknown medium (ASC 30h), illegal mode for this track (64h/00h) | IMAPI_E_MEDIUM_INVALIDTYPE |
//! | write protected (ASC 27h, key 7) | IMAPI_E_CANNOT_WRITE_TO_MEDIA |
//! | loss of streaming (0Ch/09h), buffer underrun (21h/02h during a write is not this) | IMAPI_E_LOSS_OF_STREAMING |
//! | other medium errors (key 3, ASC 0Ch/72h/73h) while writing or closing | IMAPI_E_CANNOT_WRITE_TO_MEDIA |
//! | invalid command operation code (20h/00h) | IMAPI_E_DEVICE_INVALIDTYPE |
//! | not ready, becoming ready, long write in progress, reset (after the caller's retries) | IMAPI_E_DEVICE_NOTACCESSIBLE |
//! | unit attention: medium may have changed (28h) while a burn is set up | IMAPI_E_WRONGDISC |
//! | any other refusal while reading disc information | IMAPI_E_DISCINFO |
//! | any other refusal while setting up a write (mode page, OPC, cue sheet, speed) | IMAPI_E_INITIALIZE_WRITE |
//! | any other refusal while closing a track or session | IMAPI_E_INITIALIZE_ENDWRITE |
//! | anything else (hardware error, a refused erase, eject or read) | IMAPI_E_GENERIC |
//!
//! A command that got no SCSI answer at all ([`TransportError`]): a device that is gone
//! (`ENODEV`, `ENOENT`, `ENXIO`, a simulated recorder that lost power) is
//! IMAPI_E_DEVICE_NOTPRESENT; one held elsewhere (`EBUSY`, `EACCES`, `EPERM`) is
//! IMAPI_E_DEVICE_NOTACCESSIBLE; a time-out is IMAPI_E_DEVICE_NOTACCESSIBLE; anything else
//! IMAPI_E_GENERIC. A BUSY or RESERVATION CONFLICT status is IMAPI_E_DEVICE_STILL_IN_USE.

use std::io;

use imapi_codes::ImapiCode;
use imapi_mmc::{Sense, SenseClass, SenseKey};
use imapi_transport::{CommandError, TransportError};

/// What the master was doing when a command failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Asking who the drive is (INQUIRY, GET CONFIGURATION, MODE SENSE).
    Identify,
    /// Reading disc information (READ DISC INFORMATION, READ TOC, READ TRACK INFORMATION).
    DiscInfo,
    /// Setting up a write (MODE SELECT, SET CD SPEED, OPC, SEND CUE SHEET).
    PrepareWrite,
    /// Writing blocks.
    Write,
    /// Flushing, closing a track or a session.
    Close,
    /// Blanking a CD-RW.
    Erase,
    /// Ejecting, loading, locking the tray.
    Tray,
    /// Reading blocks.
    Read,
}

impl Operation {
    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Identify => "identifying the drive",
            Operation::DiscInfo => "reading disc information",
            Operation::PrepareWrite => "preparing the write",
            Operation::Write => "writing",
            Operation::Close => "closing",
            Operation::Erase => "erasing",
            Operation::Tray => "moving the tray",
            Operation::Read => "reading",
        }
    }
}

/// The IMAPI code for a CHECK CONDITION with `sense` during `op` (the module's table).
pub fn code_for_sense(op: Operation, sense: &Sense) -> ImapiCode {
    let (_, asc, ascq) = sense.triple();
    match (asc, ascq) {
        (0x30, _) | (0x64, 0x00) => return ImapiCode::MediumInvalidType,
        (0x0C, 0x09) => return ImapiCode::LossOfStreaming,
        (0x20, 0x00) => return ImapiCode::DeviceInvalidType,
        _ => {}
    }
    match sense.class() {
        SenseClass::NoMedium => ImapiCode::MediumNotPresent,
        SenseClass::WriteProtected => ImapiCode::CannotWriteToMedia,
        SenseClass::MediumError
            if matches!(op, Operation::Write | Operation::Close)
                && sense.key != SenseKey::IllegalRequest =>
        {
            ImapiCode::CannotWriteToMedia
        }
        SenseClass::RetryLater if asc == 0x28 && op == Operation::PrepareWrite => {
            ImapiCode::WrongDisc
        }
        SenseClass::RetryLater | SenseClass::LongWriteInProgress | SenseClass::NotReady => {
            ImapiCode::DeviceNotAccessible
        }
        _ => match op {
            Operation::DiscInfo => ImapiCode::DiscInfo,
            Operation::PrepareWrite => ImapiCode::InitializeWrite,
            Operation::Close => ImapiCode::InitializeEndWrite,
            _ => ImapiCode::Generic,
        },
    }
}

/// The IMAPI code for a command that got no SCSI answer.
pub fn code_for_transport_error(e: &TransportError) -> ImapiCode {
    match e {
        TransportError::Os(io) => code_for_io(io),
        TransportError::Timeout(_) => ImapiCode::DeviceNotAccessible,
        _ => ImapiCode::Generic,
    }
}

/// The IMAPI code for an OS error met opening or using a device.
pub fn code_for_io(e: &io::Error) -> ImapiCode {
    match e.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::NotConnected => ImapiCode::DeviceNotPresent,
        io::ErrorKind::PermissionDenied => ImapiCode::DeviceNotAccessible,
        _ => match e.raw_os_error() {
            // ENXIO 6, ENODEV 19: the device is gone. EBUSY 16, EACCES 13, EPERM 1: held.
            Some(6 | 19) => ImapiCode::DeviceNotPresent,
            Some(1 | 13 | 16) => ImapiCode::DeviceNotAccessible,
            _ => ImapiCode::Generic,
        },
    }
}

/// The IMAPI code for any failed command during `op`.
pub fn code_for_command_error(op: Operation, e: &CommandError) -> ImapiCode {
    match e {
        CommandError::CheckCondition(s) => code_for_sense(op, s),
        CommandError::Transport(t) => code_for_transport_error(t),
        CommandError::Status(_) => ImapiCode::DeviceStillInUse,
        _ => ImapiCode::Generic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imapi_mmc::sense::codes;

    #[test]
    fn the_table() {
        let s = |k, a, q| Sense::new(k, a, q);
        use Operation::*;
        use SenseKey::*;
        let rows: &[(Operation, Sense, ImapiCode)] = &[
            (DiscInfo, codes::MEDIUM_NOT_PRESENT, ImapiCode::MediumNotPresent),
            (Write, codes::MEDIUM_NOT_PRESENT, ImapiCode::MediumNotPresent),
            (PrepareWrite, codes::INCOMPATIBLE_MEDIUM, ImapiCode::MediumInvalidType),
            (Write, codes::ILLEGAL_MODE_FOR_TRACK, ImapiCode::MediumInvalidType),
            (Write, s(MediumError, 0x0C, 0x09), ImapiCode::LossOfStreaming),
            (Write, codes::WRITE_ERROR, ImapiCode::CannotWriteToMedia),
            (Close, s(MediumError, 0x72, 0x00), ImapiCode::CannotWriteToMedia),
            (Read, s(MediumError, 0x11, 0x00), ImapiCode::Generic),
            (Identify, codes::INVALID_OPCODE, ImapiCode::DeviceInvalidType),
            (Write, codes::LONG_WRITE_IN_PROGRESS, ImapiCode::DeviceNotAccessible),
            (DiscInfo, s(NotReady, 0x04, 0x01), ImapiCode::DeviceNotAccessible),
            (PrepareWrite, codes::MEDIUM_MAY_HAVE_CHANGED, ImapiCode::WrongDisc),
            (DiscInfo, codes::INVALID_FIELD_IN_CDB, ImapiCode::DiscInfo),
            (PrepareWrite, codes::INVALID_FIELD_IN_PARAMETERS, ImapiCode::InitializeWrite),
            (Close, codes::INCOMPLETE_TRACK_IN_SESSION, ImapiCode::InitializeEndWrite),
            (Erase, codes::INVALID_FIELD_IN_CDB, ImapiCode::Generic),
            (Write, s(DataProtect, 0x27, 0x00), ImapiCode::CannotWriteToMedia),
            (Write, s(HardwareError, 0x08, 0x00), ImapiCode::Generic),
        ];
        for (op, sense, code) in rows {
            assert_eq!(code_for_sense(*op, sense), *code, "{op:?} {:?}", sense.triple());
        }
    }

    #[test]
    fn no_answer() {
        let os = |k| TransportError::Os(io::Error::from(k));
        assert_eq!(
            code_for_transport_error(&os(io::ErrorKind::NotFound)),
            ImapiCode::DeviceNotPresent
        );
        assert_eq!(
            code_for_transport_error(&TransportError::Os(io::Error::from_raw_os_error(16))),
            ImapiCode::DeviceNotAccessible
        );
        assert_eq!(
            code_for_transport_error(&TransportError::Timeout(std::time::Duration::from_secs(1))),
            ImapiCode::DeviceNotAccessible
        );
        assert_eq!(
            code_for_command_error(Operation::Write, &CommandError::Status(0x18)),
            ImapiCode::DeviceStillInUse
        );
    }
}
