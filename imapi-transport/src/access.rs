//! How a recorder is opened, the same on every platform and for the simulated recorder.

/// How a recorder is opened.
///
/// On Linux a shared opener uses `O_RDWR | O_NONBLOCK` and an exclusive one adds `O_EXCL`; on
/// Windows a shared handle lets others read and write, an exclusive one shares nothing. The
/// simulated recorder takes its folder's lock shared or exclusive
/// ([`crate::sim::SimRecorder::open_with`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Queries and reads, beside other shared openers (and a mounted file system).
    Shared,
    /// No other opener: writing, blanking, burning.
    Exclusive,
}
