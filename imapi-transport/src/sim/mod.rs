//! A simulated CD-R/CD-RW recorder whose disc lives in a folder and survives the process.
//!
//! It parses every CDB with imapi-mmc and answers as a drive does: identity, profiles
//! 0009h/000Ah with features 002Dh/002Eh, disc and track information, Track-at-Once writes at
//! the NWA only, Session-at-Once from a cue sheet with writes from LBA −150, CLOSE TRACK and
//! CLOSE SESSION (appendable or finalized by page 05h), READ TOC/CAPACITY/(10)/CD of what was
//! written, BLANK on CD-RW, eject/load, locking, buffer capacity, speeds with optional
//! real-time throttling, injected faults ([`Faults`], also from outside the process through
//! `faults.json`: [`set_faults`]), test write (a dry run that records nothing), a unit serial
//! number (INQUIRY page 80h) that stays with the folder, and disc swaps ([`SimRecorder::insert`]).
//! One process holds it exclusively, or any number shared (queries and reads only):
//! [`SimRecorder::open_with`].
//!
//! Served to the Linux kernel as a drive ([`crate::tcmu`]), it answers the kernel's own
//! commands and those of independent burners (wodim, xorriso, cdrdao): `COMMANDS.md` beside
//! this file lists each command, who sends it and how the simulator answers.

mod device;
pub mod disc;
mod read;
pub mod store;

pub use device::{clear_faults, faults, set_faults, FaultSettings, Faults, SimRecorder};
pub use disc::{Disc, Media, SessionRec, TrackKind, TrackRec, TrackState};
pub use store::SimError;
