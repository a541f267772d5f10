//! How a failure reaches the user: one line on stderr naming the input and the IMAPI code.

use std::io;
use std::process::ExitCode;

use imapi_codes::ImapiCode;

/// A user-facing failure that carries an IMAPI result code.
#[derive(Debug)]
pub struct CodedError {
    /// The IMAPI code, printed first.
    pub code: ImapiCode,
    /// What went wrong, naming the input.
    pub message: String,
}

impl std::fmt::Display for CodedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for CodedError {}

/// A simulated recorder's error at `path`, with its code from the master's table.
pub fn sim_error(path: &std::path::Path, e: imapi_transport::sim::SimError) -> anyhow::Error {
    coded(imapi_master::code_for_sim_error(&e), format!("sim:{}: {e}", path.display()))
}

/// Wraps `message` with `code` as an `anyhow::Error`.
pub fn coded(code: ImapiCode, message: impl Into<String>) -> anyhow::Error {
    CodedError { code, message: message.into() }.into()
}

/// Prints the error chain and picks the exit status: 0 for a closed pipe, else 1.
pub fn report(e: &anyhow::Error) -> ExitCode {
    for cause in e.chain() {
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            if io.kind() == io::ErrorKind::BrokenPipe {
                return ExitCode::SUCCESS;
            }
        }
    }
    eprintln!("error: {e:#}");
    ExitCode::from(1)
}
