//! [`DiscMaster`]: IDiscMaster, the state machine every other call goes through.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use imapi_codes::ImapiCode;
use imapi_joliet::Tree;
use imapi_transport::Access;

use crate::device::RecorderPath;
use crate::discovery::{PnpWatcher, RecorderSources};
use crate::error::{ImapiError, Result};
use crate::joliet::{JolietDiscMaster, JolietState};
use crate::media::{read_media, Media};
use crate::progress::{Cookie, ProgressEvents, Sinks};
use crate::recorder::{DiscRecorder, Identity};
use crate::redbook::{RedbookDiscMaster, RedbookState};
use crate::staging::Staging;

/// A format a disc can be staged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// IJolietDiscMaster: one Track-at-Once data track, ISO 9660 + Joliet.
    Joliet,
    /// IRedbookDiscMaster: a Red Book audio disc.
    Redbook,
}

impl Format {
    /// The interface IID IMAPI names the format by.
    pub const fn iid(self) -> &'static str {
        match self {
            Format::Joliet => "E3BC42CE-4E5C-11D3-9144-00104BA11C5E",
            Format::Redbook => "E3BC42CD-4E5C-11D3-9144-00104BA11C5E",
        }
    }
}

/// How a [`DiscMaster`] is set up.
#[derive(Debug, Clone)]
pub struct MasterOptions {
    /// The stash folder: one stash per folder, locked while a master stages into it.
    pub stash_dir: PathBuf,
    /// Where recorders are looked for.
    pub recorders: RecorderSources,
    /// Poll the recorders this often while open and call NotifyPnPActivity on a change
    /// (`None`: no watcher).
    pub pnp_poll: Option<Duration>,
    /// One date for every time stamp of a data disc (reproducible images).
    pub date: Option<DateTime<FixedOffset>>,
}

impl MasterOptions {
    /// Options with the stash in `stash_dir`, the system's recorders, PnP polled every
    /// two seconds.
    pub fn new(stash_dir: impl Into<PathBuf>) -> MasterOptions {
        MasterOptions {
            stash_dir: stash_dir.into(),
            recorders: RecorderSources::default(),
            pnp_poll: Some(Duration::from_secs(2)),
            date: None,
        }
    }

    /// The per-user stash folder: `$XDG_CACHE_HOME/imapi/stash`, else
    /// `~/.cache/imapi/stash`, else (no home) the temporary folder's `imapi-stash`.
    pub fn default_stash_dir() -> PathBuf {
        if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
            return PathBuf::from(d).join("imapi").join("stash");
        }
        if let Some(h) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
            return PathBuf::from(h).join(".cache").join("imapi").join("stash");
        }
        std::env::temp_dir().join("imapi-stash")
    }
}

impl Default for MasterOptions {
    fn default() -> Self {
        MasterOptions::new(MasterOptions::default_stash_dir())
    }
}

/// The active recorder and what was in it when it was made active.
#[derive(Debug)]
pub(crate) struct Active {
    pub(crate) recorder: DiscRecorder,
    pub(crate) media: Media,
}

/// IDiscMaster: opens IMAPI for this client, lists formats and recorders, stages through the
/// format masters ([`DiscMaster::joliet`], [`DiscMaster::redbook`]) into the stash.
///
/// The state machine of IMAPI v1: every call but `open` and `close` needs an open master
/// (IMAPI_E_NOTOPENED); a second `open` is IMAPI_E_ALREADYOPEN; `close` clears everything and
/// may be called any number of times. After `open` the active format is Joliet, IMAPI's
/// default, so a format is always active and IMAPI_E_NOACTIVEFORMAT does not arise.
pub struct DiscMaster {
    pub(crate) opts: MasterOptions,
    opened: bool,
    pub(crate) format: Format,
    pub(crate) sinks: Sinks,
    pnp: Option<PnpWatcher>,
    pub(crate) active: Option<Active>,
    pub(crate) staging: Staging,
    pub(crate) joliet: JolietState,
    pub(crate) redbook: RedbookState,
    /// The eject after the last burn failed, the burn itself having succeeded.
    pub(crate) eject_failure: Option<ImapiError>,
}

impl std::fmt::Debug for DiscMaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscMaster")
            .field("opened", &self.opened)
            .field("format", &self.format)
            .field("active", &self.active.as_ref().map(|a| a.recorder.path()))
            .finish()
    }
}

impl DiscMaster {
    /// A master, not yet opened.
    pub fn new(opts: MasterOptions) -> DiscMaster {
        let staging = Staging::new(opts.stash_dir.clone());
        DiscMaster {
            opts,
            opened: false,
            format: Format::Joliet,
            sinks: Sinks::default(),
            pnp: None,
            active: None,
            staging,
            joliet: JolietState::new(),
            redbook: RedbookState::new(),
            eject_failure: None,
        }
    }

    /// The options in force.
    pub fn options(&self) -> &MasterOptions {
        &self.opts
    }

    pub(crate) fn require_open(&self) -> Result<()> {
        if self.opened {
            Ok(())
        } else {
            Err(ImapiError::state(ImapiCode::NotOpened, "the disc master is not opened"))
        }
    }

    /// Open: makes the master usable. IMAPI_E_ALREADYOPEN when it is open already.
    pub fn open(&mut self) -> Result<()> {
        if self.opened {
            return Err(ImapiError::state(
                ImapiCode::AlreadyOpen,
                "the disc master is open already",
            ));
        }
        self.opened = true;
        self.format = Format::Joliet;
        if let Some(every) = self.opts.pnp_poll {
            self.pnp =
                Some(PnpWatcher::start(self.opts.recorders.clone(), self.sinks.clone(), every));
        }
        Ok(())
    }

    /// Close: drops everything staged and not burned, the stash's lock, the active
    /// recorder and the progress sinks. Closing a closed master succeeds.
    pub fn close(&mut self) {
        self.pnp = None;
        self.staging.drop_writer();
        self.joliet = JolietState::new();
        self.redbook = RedbookState::new();
        self.active = None;
        self.sinks.clear();
        self.opened = false;
    }

    /// Close, but a stash sealed for a burn stays in its folder (a burn that failed can be
    /// tried again by a later run with [`DiscMaster::adopt_stash`]); the rest is as
    /// [`DiscMaster::close`].
    pub fn close_keeping_stash(&mut self) {
        self.staging.release_keeping_sealed();
        self.close();
    }

    /// Takes the finished stash an earlier run left in the stash folder (sealed, not burned)
    /// as the staged image, to burn it with [`DiscMaster::record_disc`]. Needs the active
    /// recorder: a data session for a later session of a disc must meet that disc at its next
    /// writable address (IMAPI_E_WRONGDISC otherwise); an image of another format than the
    /// active one is IMAPI_E_WRONGFORMAT; no finished stash is IMAPI_E_INVALIDIMAGE; each of
    /// these leaves what is staged as it was. Staging more afterwards starts a new image.
    pub fn adopt_stash(&mut self) -> Result<StagedDisc> {
        self.require_open()?;
        let media = self.active_media()?.clone();
        let path = self.staging.dir().join(imapi_stash::STASH_FILE_NAME);
        let stash = imapi_stash::Stash::open(&path).map_err(|e| {
            ImapiError::new(
                ImapiCode::InvalidImage,
                format!("{}: no stash to burn", path.display()),
            )
            .with_source(e)
        })?;
        let kind = stash.disc_kind();
        if kind != self.format.disc_kind() {
            return Err(ImapiError::new(
                ImapiCode::WrongFormat,
                format!(
                    "{}: a {kind} stash, the active format is {:?}",
                    path.display(),
                    self.format
                ),
            ));
        }
        let blocks = stash.total_blocks();
        let info = stash.disc_info().clone();
        drop(stash);
        // Refused before anything changes: what is staged stays staged.
        if self.format == Format::Joliet {
            crate::joliet::check_adoptable(info.session_start, &media)?;
        }
        // What was staged here goes (not through the stash, which would remove the file).
        self.joliet.clear_content();
        self.redbook.clear();
        if self.format == Format::Joliet {
            self.joliet.adopt_base(info.session_start, info.first_track, &media)?;
        }
        let path = self.staging.adopt(kind)?;
        Ok(StagedDisc { stash: path, blocks, format: self.format })
    }

    /// Whether the master is open.
    pub fn is_open(&self) -> bool {
        self.opened
    }

    /// EnumDiscMasterFormats: Joliet and Redbook.
    pub fn enum_disc_master_formats(&self) -> Result<Vec<Format>> {
        self.require_open()?;
        Ok(vec![Format::Joliet, Format::Redbook])
    }

    /// GetActiveDiscMasterFormat.
    pub fn active_disc_master_format(&self) -> Result<Format> {
        self.require_open()?;
        Ok(self.format)
    }

    /// SetActiveDiscMasterFormat: selects the format and clears the staged image (even when
    /// the format does not change). A recorder that cannot write the format stops being
    /// active.
    pub fn set_active_disc_master_format(&mut self, format: Format) -> Result<()> {
        self.require_open()?;
        self.clear_staged()?;
        self.format = format;
        if self.active.as_ref().is_some_and(|a| a.recorder.identity().recorder_type.is_none()) {
            self.active = None;
        }
        self.refresh_capacity();
        Ok(())
    }

    /// EnumDiscRecorders: the recorders that can write the active format (drives that write
    /// CD-R or CD-RW), each asked who it is now (so MaxWriteSpeed is fresh). A drive another
    /// process holds exclusively cannot be asked and is left out.
    pub fn enum_disc_recorders(&self) -> Result<Vec<DiscRecorder>> {
        self.require_open()?;
        Ok(self
            .recorders_found()
            .into_iter()
            .filter(|r| r.identity().recorder_type.is_some())
            .collect())
    }

    /// Every drive found, writers or not (beyond IMAPI: `imapi recorders` lists readers too).
    /// A system drive that cannot be asked now (held by another process, or not permitted) is
    /// listed with the names the system knows and [`Identity::answered`] false.
    pub fn all_recorders(&self) -> Vec<DiscRecorder> {
        self.opts
            .recorders
            .found()
            .into_iter()
            .filter_map(|f| match DiscRecorder::open_path(f.path.clone()) {
                Ok(r) => Some(r),
                Err(_) => f.names.map(|(vendor, product, revision)| {
                    DiscRecorder::with_identity(
                        f.path,
                        Identity::unanswered(vendor, product, revision),
                    )
                }),
            })
            .map(|mut r| {
                r.set_sinks(self.sinks.clone());
                r
            })
            .collect()
    }

    fn recorders_found(&self) -> Vec<DiscRecorder> {
        self.all_recorders().into_iter().filter(|r| r.identity().answered).collect()
    }

    /// A recorder object for `path` (a device or `sim:PATH`), whether or not the sources
    /// list it, tied to this master's progress sinks.
    pub fn recorder(&self, path: RecorderPath) -> Result<DiscRecorder> {
        let mut r = DiscRecorder::open_path(path)?;
        r.set_sinks(self.sinks.clone());
        Ok(r)
    }

    /// GetActiveDiscRecorder (IMAPI_E_NOACTIVERECORDER when none was set).
    pub fn active_disc_recorder(&self) -> Result<&DiscRecorder> {
        self.require_open()?;
        self.active.as_ref().map(|a| &a.recorder).ok_or_else(no_recorder)
    }

    /// The active recorder, to change its properties (WriteSpeed, AudioGapSize, ...).
    pub fn active_disc_recorder_mut(&mut self) -> Result<&mut DiscRecorder> {
        self.require_open()?;
        self.active.as_mut().map(|a| &mut a.recorder).ok_or_else(no_recorder)
    }

    /// What was in the active recorder when it was made active.
    pub fn active_media(&self) -> Result<&Media> {
        self.require_open()?;
        self.active.as_ref().map(|a| &a.media).ok_or_else(no_recorder)
    }

    /// SetActiveDiscRecorder: the recorder to burn to. Reads its disc (the drive is opened
    /// exclusively for that moment: IMAPI_E_DEVICE_NOTACCESSIBLE when it is held, also by a
    /// recorder object of this process; IMAPI_E_MEDIUM_NOTPRESENT without a disc) and takes
    /// the stash (IMAPI_E_STASHINUSE). In Joliet format, an appendable disc whose last session
    /// is ISO 9660 switches to multisession: that session's tree is imported and the new
    /// session starts at the next writable address. IMAPI asks for this call before the
    /// first AddData; made later (or again, with another disc), every file staged so far
    /// stays staged with its own bytes, over the new disc's last session or alone on a
    /// blank disc. A staged path that the imported session holds too is IMAPI_E_FILEEXISTS,
    /// and leaves the master as it was (the recorder not made active, the staged image
    /// unchanged). Staged data the disc cannot hold is IMAPI_E_DISCFULL at the burn.
    pub fn set_active_disc_recorder(&mut self, recorder: &DiscRecorder) -> Result<()> {
        self.require_open()?;
        let path = recorder.recorder_path().clone();
        let device = path.to_string();
        let mut t = path.open(Access::Exclusive)?;
        let media = read_media(t.as_mut(), &device)?;
        if !media.present {
            return Err(ImapiError::new(ImapiCode::MediumNotPresent, format!("{device}: no disc")));
        }
        let mut rec = recorder.clone();
        rec.set_sinks(self.sinks.clone());
        if let Ok(id) = crate::recorder::identify(t.as_mut(), &device) {
            rec.refresh_speed(id.max_write_speed);
        }
        // Take the stash now, so that another process staging is found here.
        self.staging.lock(self.format.disc_kind())?;
        if self.format == Format::Joliet && self.joliet.set_base(t.as_mut(), &device, &media)? {
            self.staging.unseal()?;
        }
        drop(t);
        self.active = Some(Active { recorder: rec, media });
        self.refresh_capacity();
        Ok(())
    }

    /// Sets each format's capacity from the active recorder's disc (none without one).
    pub(crate) fn refresh_capacity(&mut self) {
        let media = self.active.as_ref().map(|a| &a.media);
        self.joliet.set_capacity(media);
        let gap = self.active.as_ref().map(|a| a.recorder.properties().audio_gap_size);
        self.redbook.set_media(media, gap);
    }

    /// The AudioGapSize a new audio disc takes: the active recorder's property as it is now
    /// (set through any handle of the recorder, before or after it was made active), else
    /// the last one known.
    pub(crate) fn audio_gap(&self) -> u32 {
        self.active
            .as_ref()
            .and_then(|a| u32::try_from(a.recorder.properties().audio_gap_size).ok())
            .unwrap_or(self.redbook.gap)
    }

    /// ClearFormatContent: empties the staged image; multisession mode ends (a burn then
    /// needs a blank disc, until a recorder is made active again).
    pub fn clear_format_content(&mut self) -> Result<()> {
        self.require_open()?;
        self.clear_staged()?;
        self.joliet.drop_base();
        self.refresh_capacity();
        Ok(())
    }

    pub(crate) fn clear_staged(&mut self) -> Result<()> {
        self.staging.clear()?;
        self.joliet.clear_content();
        self.redbook.clear();
        Ok(())
    }

    /// ProgressAdvise: registers a sink for the progress callbacks. Several may be
    /// registered; each gets every callback.
    pub fn progress_advise(&mut self, sink: Arc<dyn ProgressEvents>) -> Result<Cookie> {
        self.require_open()?;
        Ok(self.sinks.add(sink))
    }

    /// ProgressUnadvise.
    pub fn progress_unadvise(&mut self, cookie: Cookie) -> Result<()> {
        self.require_open()?;
        if self.sinks.remove(cookie) {
            Ok(())
        } else {
            Err(ImapiError::new(
                ImapiCode::Generic,
                format!("no progress sink has cookie {}", cookie.0),
            ))
        }
    }

    /// The Joliet format master (IMAPI_E_WRONGFORMAT while Redbook is active).
    pub fn joliet(&mut self) -> Result<JolietDiscMaster<'_>> {
        self.require_open()?;
        if self.format != Format::Joliet {
            return Err(ImapiError::state(
                ImapiCode::WrongFormat,
                "the active format is Redbook, not Joliet",
            ));
        }
        Ok(JolietDiscMaster::new(self))
    }

    /// The Redbook format master (IMAPI_E_WRONGFORMAT while Joliet is active).
    pub fn redbook(&mut self) -> Result<RedbookDiscMaster<'_>> {
        self.require_open()?;
        if self.format != Format::Redbook {
            return Err(ImapiError::state(
                ImapiCode::WrongFormat,
                "the active format is Joliet, not Redbook",
            ));
        }
        Ok(RedbookDiscMaster::new(self))
    }

    /// Seals the staged image into a finished stash, ready for the burn engine: for a data
    /// disc the file-system metadata is planned now and placed before the captured data. The
    /// stash stays valid (for a retry) until more is staged or the content is cleared.
    /// IMAPI_E_INVALIDIMAGE when nothing is staged; IMAPI_E_TRACKOPEN while an audio track is
    /// open.
    pub fn seal(&mut self) -> Result<StagedDisc> {
        self.require_open()?;
        match self.format {
            Format::Joliet => crate::joliet::seal(self),
            Format::Redbook => crate::redbook::seal(self),
        }
    }

    /// Leaves multisession mode (the disc it was found on has changed).
    pub(crate) fn drop_session_base(&mut self) {
        self.joliet.drop_base();
    }

    /// The staged tree of the Joliet format (beyond IMAPI: to list what is staged).
    pub fn staged_tree(&self) -> &Tree {
        self.joliet.tree()
    }
}

/// A sealed stash, as [`DiscMaster::seal`] leaves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedDisc {
    /// The finished stash file.
    pub stash: PathBuf,
    /// Blocks the session or disc takes.
    pub blocks: u64,
    /// Data or audio.
    pub format: Format,
}

fn no_recorder() -> ImapiError {
    ImapiError::state(
        ImapiCode::NoActiveRecorder,
        "no recorder is active (set_active_disc_recorder)",
    )
}

impl Format {
    pub(crate) fn disc_kind(self) -> imapi_stash::DiscKind {
        match self {
            Format::Joliet => imapi_stash::DiscKind::Data,
            Format::Redbook => imapi_stash::DiscKind::Audio,
        }
    }
}

impl Drop for DiscMaster {
    fn drop(&mut self) {
        self.close();
    }
}
