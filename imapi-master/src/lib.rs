//! The Image Mastering API (IMAPI v1) in Rust: stage a data disc (ISO 9660 + Joliet) or an
//! audio disc (Red Book) into a stash, and reach CD recorders, through the interfaces IMAPI
//! names.
//!
//! # Brief overview
//! - [`DiscMaster`] (IDiscMaster): open and close, the two formats, the recorders, the active
//!   recorder, clearing the staged image, progress sinks, sealing the stash for a burn.
//! - [`JolietDiscMaster`] (IJolietDiscMaster): add host folders, files or in-memory sources;
//!   their bytes are captured into the stash at once (see the [`joliet`] module).
//! - [`RedbookDiscMaster`] (IRedbookDiscMaster): audio tracks of 2352-byte blocks.
//! - [`DiscMaster::record_disc`] (RecordDisc): the burn engine ([`burn`]): Track-at-Once
//!   data sessions (multisession), Session-at-Once audio, simulate, cancel, verify.
//! - [`DiscMaster::record_image`] and [`DiscMaster::record_stream`] (IMAPI v2's
//!   IDiscFormat2Data::Write): an existing image or stream as one data track;
//!   [`DiscMaster::record_cue`] (RawCD): a BIN/CUE, Session-at-Once.
//! - [`DiscRecorder`] (IDiscRecorder): identity, properties, exclusive access, media queries,
//!   eject, erase.
//! - [`ProgressEvents`] (IDiscMasterProgressEvents): the nine callbacks.
//! - [`ImapiError`]: every failure carries its IMAPI result code and HRESULT; the table from
//!   drive answers to codes is in [`sense_map`].
//!
//! COM plumbing becomes ownership and `Result`: the format masters are borrowed from the
//! master (so they cannot outlive it or the format switch), enumerators are `Vec`s, property
//! storages are [`PropertyBag`]s.
//!
//! # The IMAPI walk-through
//! ```
//! use imapi_master::{DiscMaster, Format, MasterOptions, RecorderPath, RecorderSources};
//! use imapi_transport::sim::{Media, SimRecorder};
//!
//! let work = tempfile::tempdir()?;
//! let drive = work.path().join("drive");
//! SimRecorder::create(&drive, Media::CdR80, 0)?; // a blank CD-R in a simulated recorder
//! let photos = work.path().join("photos");
//! std::fs::create_dir(&photos)?;
//! std::fs::write(photos.join("beach.jpg"), b"not really a jpeg")?;
//!
//! let mut opts = MasterOptions::new(work.path().join("stash"));
//! opts.recorders = RecorderSources::simulated_only([drive.clone()]);
//! let mut master = DiscMaster::new(opts);
//! master.open()?;                                        // IDiscMaster::Open
//! master.set_active_disc_master_format(Format::Joliet)?; // SetActiveDiscMasterFormat
//! let recorders = master.enum_disc_recorders()?;         // EnumDiscRecorders
//! assert_eq!(recorders[0].path(), format!("sim:{}", drive.display()));
//! master.set_active_disc_recorder(&recorders[0])?;       // SetActiveDiscRecorder
//! let mut joliet = master.joliet()?;
//! joliet.add_data(&photos, false)?;                      // AddData: bytes captured now
//! assert!(joliet.used_data_blocks()? < joliet.total_data_blocks()?);
//! master.record_disc(false, false)?;                     // RecordDisc: TAO, appendable
//! master.close();                                        // IDiscMaster::Close
//!
//! // The disc now holds the folder, read back through the recorder's READ(10).
//! let disc = imapi_transport::BlockReader::new(SimRecorder::open(&drive)?)?;
//! let image = imapi_joliet::Image::from_reader(disc)?;
//! assert_eq!(image.read_path("/beach.jpg")?, b"not really a jpeg");
//! # let _ = RecorderPath::parse("sim:x");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod burn;
mod device;
pub mod discovery;
mod error;
pub mod joliet;
mod master;
pub mod media;
pub mod progress;
pub mod properties;
mod recorder;
pub mod redbook;
pub mod sense_map;
mod staging;

pub use burn::RecordOptions;
pub use device::{code_for_sim_error, RecorderPath};
pub use discovery::{Found, PnpWatcher, RecorderSources};
pub use error::{ImapiError, Result};
pub use imapi_codes::ImapiCode;
pub use joliet::{AddOptions, JolietDiscMaster};
pub use master::{DiscMaster, Format, MasterOptions, StagedDisc};
pub use media::{Media, MediaFlags, MediaInfo, MediaType};
pub use progress::{Cookie, ProgressEvents};
pub use properties::{
    JolietProperties, PropertyBag, PropertyValue, RecorderProperties, SetOutcome,
};
pub use recorder::{DiscRecorder, Identity, RecorderState, RecorderType};
pub use redbook::{AudioTrackInfo, RedbookDiscMaster};
