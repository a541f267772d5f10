//! [`ImapiError`]: an IMAPI result code, what it is about, and the lower layer's cause.

use std::error::Error as StdError;
use std::fmt;

use imapi_codes::ImapiCode;
use imapi_mmc::Sense;

use crate::sense_map::{code_for_command_error, Operation};

/// A failed IMAPI call: its result code (with its HRESULT), a message naming the input or the
/// device, and the error of the layer below that caused it, if any.
pub struct ImapiError {
    code: ImapiCode,
    message: String,
    sense: Option<Sense>,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl ImapiError {
    /// An error with `code` and a message.
    pub fn new(code: ImapiCode, message: impl Into<String>) -> ImapiError {
        ImapiError { code, message: message.into(), sense: None, source: None }
    }

    /// The same error with `source` as its cause.
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> ImapiError {
        self.source = Some(Box::new(source));
        self
    }

    /// The same error carrying the sense data the drive answered.
    pub fn with_sense(mut self, sense: Sense) -> ImapiError {
        self.sense = Some(sense);
        self
    }

    /// The IMAPI result code.
    pub fn code(&self) -> ImapiCode {
        self.code
    }

    /// The HRESULT value of the code (`0x8004020B` for IMAPI_E_NOTOPENED, ...).
    pub fn hresult(&self) -> u32 {
        self.code.hresult()
    }

    /// The message, naming the input or the device.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The drive's sense data, when a command was refused.
    pub fn sense(&self) -> Option<&Sense> {
        self.sense.as_ref()
    }

    /// A state-machine error: the code and a fixed message.
    pub(crate) fn state(code: ImapiCode, what: &str) -> ImapiError {
        ImapiError::new(code, what.to_string())
    }

    /// A failed command on `device` during `op`, with its code from the sense table.
    pub(crate) fn command(
        device: &str,
        op: Operation,
        e: imapi_transport::CommandError,
    ) -> ImapiError {
        let code = code_for_command_error(op, &e);
        let sense = e.sense().copied();
        let what = match &sense {
            Some(s) => format!(
                "{device}: {} failed: sense {:02X}/{:02X}/{:02X}{}",
                op.name(),
                s.triple().0,
                s.triple().1,
                s.triple().2,
                s.description().map(|d| format!(" ({d})")).unwrap_or_default()
            ),
            None => format!("{device}: {} failed", op.name()),
        };
        let mut err = ImapiError::new(code, what).with_source(e);
        err.sense = sense;
        err
    }

    /// A failed typed query on `device` during `op`.
    pub(crate) fn query(
        device: &str,
        op: Operation,
        e: imapi_transport::ops::QueryError,
    ) -> ImapiError {
        match e {
            imapi_transport::ops::QueryError::Command(c) => ImapiError::command(device, op, c),
            other => ImapiError::new(
                ImapiCode::DiscInfo,
                format!("{device}: {}: the drive's reply does not parse", op.name()),
            )
            .with_source(other),
        }
    }
}

impl fmt::Debug for ImapiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapiError")
            .field("code", &self.code)
            .field("message", &self.message)
            .field("sense", &self.sense)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for ImapiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.name(), self.message)
    }
}

impl StdError for ImapiError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn StdError + 'static))
    }
}

impl From<imapi_stash::StashError> for ImapiError {
    fn from(e: imapi_stash::StashError) -> Self {
        let code = e.imapi_code().unwrap_or(ImapiCode::Generic);
        ImapiError::new(code, format!("stash: {e}")).with_source(e)
    }
}

impl From<imapi_joliet::Error> for ImapiError {
    fn from(e: imapi_joliet::Error) -> Self {
        let code = e.imapi_code().unwrap_or(ImapiCode::Generic);
        ImapiError::new(code, e.to_string()).with_source(e)
    }
}

impl From<imapi_redbook::layout::LayoutError> for ImapiError {
    fn from(e: imapi_redbook::layout::LayoutError) -> Self {
        let code = e.imapi_code().unwrap_or(ImapiCode::Generic);
        ImapiError::new(code, e.to_string()).with_source(e)
    }
}

/// What a call returns: a value or an [`ImapiError`].
pub type Result<T, E = ImapiError> = std::result::Result<T, E>;
