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
//! // The disc now holds the folder: its last session, as a mounted drive shows it, read
//! // back through the recorder's READ(10).
//! let image = recorders[0].read_disc()?;
//! assert_eq!(image.read_path("/beach.jpg")?, b"not really a jpeg");
//! # let _ = RecorderPath::parse("sim:x");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Result codes callers switch on
//! Where each IMAPI code that is easy to miss arises here, or why it cannot (the drive's
//! answers and their codes are in [`sense_map`]):
//!
//! | code | where |
//! |---|---|
//! | IMAPI_E_NOTINITIALIZED | cannot arise: IDiscRecorder::Init binds a COM object to a device after it is made; a [`DiscRecorder`] is made bound ([`DiscRecorder::open_path`], [`DiscMaster::enum_disc_recorders`]), so there is no unbound one to call |
//! | IMAPI_E_DEVICE_NOPROPERTIES | [`DiscRecorder::set_recorder_properties`] on a drive that could not be asked (listed from the system's names only, [`Identity::answered`] false) |
//! | IMAPI_E_FILESYSTEM | cannot arise: it is Windows failing to lock out or give back the file system (or AutoRun's insert detection) around OpenExclusive. Linux answers an exclusive open of a mounted disc with the same EBUSY as a drive held by another program, so that case is IMAPI_E_DEVICE_NOTACCESSIBLE, and there is no insert detection to switch off |
//! | IMAPI_E_COMPRESSEDSTASH, IMAPI_E_ENCRYPTEDSTASH, IMAPI_E_REMOVABLESTASH | when the master first takes the stash folder (set active recorder, or the first staging call): see [`stash_volume`] |
//! | IMAPI_E_NOTENOUGHDISKFORSTASH | add data whose bytes the stash folder's disk cannot hold (checked before a byte is copied); the disk filling up while the stash is written |
//! | IMAPI_E_FILEACCESS | a file or source that cannot be read (or changed) while its bytes are captured; a stash folder that cannot be made |
//! | IMAPI_E_LOSS_OF_STREAMING | the drive reports it (sense 0C/09), or stays busy for [`burn::writer::BUSY_LIMIT`] during a burn |
//! | IMAPI_E_DEVICE_INVALIDTYPE | a simulated burn on a drive without test write; erase on a drive that does not write CD-RW; a drive that writes neither CD-R nor CD-RW |
//! | IMAPI_E_DEVICE_NOTACCESSIBLE | the drive held by another process, or by [`DiscRecorder::open_exclusive`] (of this recorder object or another) when the master needs it (set active recorder, record disc) |
//! | IMAPI_E_NOACTIVEFORMAT | cannot arise: after open the format is Joliet, IMAPI's default, and it can only be changed to another format |
#![deny(missing_docs)]

pub mod burn;
mod device;
pub mod discovery;
mod error;
mod file_check;
pub mod joliet;
mod master;
pub mod media;
pub mod progress;
pub mod properties;
mod recorder;
pub mod redbook;
pub mod sense_map;
mod staging;
pub mod stash_volume;

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
pub use recorder::{DiscImage, DiscRecorder, Identity, RecorderState, RecorderType};
pub use redbook::{AudioTrackInfo, RedbookDiscMaster};
