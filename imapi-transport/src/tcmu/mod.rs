//! The virtual burner: the simulated recorder served to the Linux kernel through its in-tree
//! SCSI target (target_core_user's UIO ring, tcm_loop's local SCSI host), so that it appears
//! as `/dev/srN` and `/dev/sgN` to every burning program.
//!
//! - [`ring`]: the shared area's layout and a parser of its command ring (no I/O).
//! - [`handler`]: answers the ring's commands with any [`crate::Transport`].
//! - `serve` (Linux): maps `/dev/uioN` and runs the handler whenever the kernel kicks.
//! - `attach` (Linux): makes the configfs entries that create the drive, and removes them.
//! - [`fuzzing`]: the body of the `tcmu_ring` fuzz target.

#[cfg(target_os = "linux")]
pub mod attach;
pub mod fuzzing;
pub mod handler;
pub mod ring;
#[cfg(target_os = "linux")]
pub mod serve;
