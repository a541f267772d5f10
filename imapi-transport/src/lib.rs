//! How MMC commands reach a CD recorder.
//!
//! # Brief overview
//!
//! - [`Transport`]: executes one CDB with a data phase and a timeout, and returns a
//!   [`Completion`] (SCSI status, decoded sense, residual) — a CHECK CONDITION is an answer,
//!   kept apart from an OS failure ([`TransportError`]). [`Completion::check`] turns the
//!   answer into a [`CommandError`] for the layers above.
//! - `SgDevice` (Linux SG_IO) and `SptiDevice` (Windows SPTI) talk to real drives;
//!   [`recorders`] finds them.
//! - [`sim::SimRecorder`]: a simulated CD-R/CD-RW drive whose disc lives in a folder, with
//!   injected faults ([`sim::Faults`]) — what tests and `imapi sim` burn to.
//! - [`tcmu`]: the virtual burner, the simulated recorder served to the Linux kernel as
//!   `/dev/srN` through its SCSI target (TCMU and tcm_loop).
//! - [`ops`] runs imapi-mmc's typed requests over any transport, each with the timeout of its
//!   [`CommandClass`].
//!
//! ```
//! use std::time::Duration;
//! use imapi_mmc::{sense::codes, Request, TestUnitReady};
//! use imapi_transport::{Completion, CommandError, Data, Transport, TransportError};
//!
//! /// A drive with an empty tray.
//! struct Empty;
//! impl Transport for Empty {
//!     fn execute(&mut self, _: &[u8], _: Data<'_>, _: Duration) -> Result<Completion, TransportError> {
//!         Ok(Completion::check_condition(codes::MEDIUM_NOT_PRESENT))
//!     }
//! }
//!
//! let err = imapi_transport::ops::command(&mut Empty, &TestUnitReady).unwrap_err();
//! assert_eq!(err.sense().map(|s| s.triple()), Some((0x02, 0x3A, 0x00)));
//! let done = Empty.execute(TestUnitReady.encode().as_bytes(), Data::None, Duration::from_secs(1))?;
//! assert!(matches!(done.check(), Err(CommandError::CheckCondition(_))));
//! # Ok::<(), TransportError>(())
//! ```
#![deny(missing_docs)]

mod access;
pub mod block_reader;
pub mod discover;
pub mod ops;
#[cfg(windows)]
mod setupapi;
#[cfg(target_os = "linux")]
pub mod sg;
pub mod sim;
#[cfg(windows)]
pub mod spti;
pub mod tcmu;
pub mod transport;

pub use access::Access;
pub use block_reader::BlockReader;
pub use discover::{recorders, RecorderInfo};
#[cfg(target_os = "linux")]
pub use sg::SgDevice;
#[cfg(windows)]
pub use spti::SptiDevice;
pub use transport::{
    timeout_for, CommandClass, CommandError, Completion, Data, Transport, TransportError,
    STATUS_BUSY, STATUS_CHECK_CONDITION, STATUS_GOOD,
};
