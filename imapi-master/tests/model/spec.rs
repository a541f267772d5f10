//! The plain model: what the drive holds, what the master has staged, and for each call the
//! result it must give (Ok or the IMAPI code) and the state after it.

use std::collections::BTreeMap;

use imapi_master::ImapiCode;

use crate::ops::{Blocks, Fmt, Kind, RecProp, Start, FIRST_SESSION};

/// Files by image path (no leading slash), with their bytes.
pub type Files = BTreeMap<String, Vec<u8>>;

/// A 4-second track: the shortest CloseAudioTrack accepts.
const MIN_TRACK_BYTES: usize = 300 * 2352;

/// What a disc holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disc {
    /// Nothing written.
    Blank,
    /// Data sessions, each with its file tree; `closed` when finalized.
    Data { sessions: Vec<Files>, closed: bool },
    /// A finalized audio disc, PCM per track.
    Audio(Vec<Vec<u8>>),
    /// A write failed on it: a damaged track, no session can follow.
    Damaged,
}

/// Which disc the master sees: what IMAPI's disc fingerprint tells apart. Two blank discs
/// of one kind are the same to it; any written state is a disc of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscId {
    /// No disc in the drive.
    Absent,
    /// A blank disc of this kind.
    Blank(Kind),
    /// A written disc, numbered by the write that made it.
    Written(u64),
}

/// The simulated drive.
#[derive(Debug, Clone)]
pub struct Drive {
    /// CD-R or CD-RW.
    pub kind: Kind,
    /// What the disc holds.
    pub disc: Disc,
    /// Whether the tray is closed on the disc.
    pub loaded: bool,
    /// Bumped at every write to the disc.
    pub generation: u64,
    /// A write error is armed at the disc's next writable address.
    pub fault: bool,
}

impl Drive {
    /// The disc a case starts with.
    pub fn new(start: Start) -> Drive {
        let first: Files =
            FIRST_SESSION.iter().map(|(p, b, n)| ((*p).to_string(), vec![*b; *n])).collect();
        let (kind, disc) = match start {
            Start::Blank(k) => (k, Disc::Blank),
            Start::Appendable(k) => (k, Disc::Data { sessions: vec![first], closed: false }),
            Start::Closed(k) => (k, Disc::Data { sessions: vec![first], closed: true }),
        };
        Drive { kind, disc, loaded: true, generation: 1, fault: false }
    }

    /// The disc as the master tells it from another.
    pub fn id(&self) -> DiscId {
        match (&self.disc, self.loaded) {
            (_, false) => DiscId::Absent,
            (Disc::Blank, true) => DiscId::Blank(self.kind),
            (_, true) => DiscId::Written(self.generation),
        }
    }

    fn writable(&self) -> bool {
        matches!(self.disc, Disc::Blank | Disc::Data { closed: false, .. })
    }

    /// The last session's files when a session can follow it.
    fn appendable(&self) -> Option<&Files> {
        match &self.disc {
            Disc::Data { sessions, closed: false } => sessions.last(),
            _ => None,
        }
    }

    /// What the master reads of it when it makes the recorder active.
    fn seen(&self) -> Seen {
        if !self.loaded {
            return Seen::ABSENT;
        }
        Seen {
            id: self.id(),
            blank: self.disc == Disc::Blank,
            writable: self.writable(),
            appendable: self.appendable().is_some(),
        }
    }

    fn written(&mut self, disc: Disc) {
        self.disc = disc;
        self.generation += 1;
    }

    /// Outside: a new blank disc (faults cleared).
    pub fn insert(&mut self, kind: Kind) {
        self.kind = kind;
        self.written(Disc::Blank);
        self.loaded = true;
        self.fault = false;
    }

    /// Outside: a quick erase (faults cleared first).
    pub fn erase(&mut self) -> Result<(), ImapiCode> {
        self.fault = false;
        if !self.loaded {
            return Err(ImapiCode::MediumNotPresent);
        }
        if self.kind != Kind::CdRw {
            return Err(ImapiCode::MediumInvalidType);
        }
        self.written(Disc::Blank);
        Ok(())
    }

    /// Outside: arms a write error when the disc can be written (else nothing happens; a
    /// fault armed before stays).
    pub fn arm_fault(&mut self) -> bool {
        let armed = self.loaded && self.writable();
        self.fault |= armed;
        armed
    }
}

/// The active recorder's disc as read when it was made active.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    id: DiscId,
    blank: bool,
    writable: bool,
    appendable: bool,
}

impl Seen {
    const ABSENT: Seen =
        Seen { id: DiscId::Absent, blank: false, writable: false, appendable: false };
}

/// What a stash holds, to be burned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    /// Data or audio.
    pub format: Fmt,
    /// The session's files (data).
    pub files: Files,
    /// The tracks' PCM (audio).
    pub tracks: Vec<Vec<u8>>,
    /// The volume name set when it was sealed.
    pub volume: Option<&'static str>,
    /// The disc the session continues (multisession), as the master saw it.
    session: Option<DiscId>,
}

/// The disc a multisession image continues, and the files its last session brought.
#[derive(Debug, Clone)]
struct Base {
    disc: DiscId,
}

/// The master's state.
#[derive(Debug, Clone)]
pub struct Model {
    /// The drive.
    pub drive: Drive,
    opened: bool,
    format: Fmt,
    active: Option<Seen>,
    base: Option<Base>,
    /// Files imported from the continued session.
    imported: Files,
    /// Files staged by adds, laid over the imported ones.
    own: Files,
    tracks: Vec<Vec<u8>>,
    open_track: Option<Vec<u8>>,
    volume: Option<&'static str>,
    /// The kind of stash writer the master holds (it holds one from its first staging).
    writer: Option<Fmt>,
    /// The finished stash in the stash folder.
    file: Option<Content>,
    /// The stash sealed for a burn: `true` when this master sealed it from its own staging
    /// (staging again reopens it), `false` when adopted.
    sealed: Option<(Content, bool)>,
}

/// The result of a successful real burn: what the disc's new session or tracks hold.
pub type Burned = Content;

impl Model {
    /// A master not yet opened, beside `drive`.
    pub fn new(drive: Drive) -> Model {
        Model {
            drive,
            opened: false,
            format: Fmt::Joliet,
            active: None,
            base: None,
            imported: Files::new(),
            own: Files::new(),
            tracks: Vec::new(),
            open_track: None,
            volume: None,
            writer: None,
            file: None,
            sealed: None,
        }
    }

    /// The staged files: the imported session with the added files over it.
    pub fn staged(&self) -> Files {
        let mut all = self.imported.clone();
        all.extend(self.own.clone());
        all
    }

    /// Whether the master is open.
    pub fn opened(&self) -> bool {
        self.opened
    }

    /// The active format.
    pub fn format(&self) -> Fmt {
        self.format
    }

    /// Whether staging continues an earlier session.
    pub fn multisession(&self) -> bool {
        self.base.is_some()
    }

    fn need_open(&self) -> Result<(), ImapiCode> {
        if self.opened {
            Ok(())
        } else {
            Err(ImapiCode::NotOpened)
        }
    }

    fn need(&self, format: Fmt) -> Result<(), ImapiCode> {
        self.need_open()?;
        if self.format == format {
            Ok(())
        } else {
            Err(ImapiCode::WrongFormat)
        }
    }

    /// The stash writer of `kind` is taken: one of another kind is dropped (and its
    /// finished stash removed); a stash this master sealed is reopened for more staging.
    fn writer(&mut self, kind: Fmt) {
        if self.writer.is_some_and(|k| k != kind) {
            self.drop_writer();
        }
        // Staging again reopens a stash sealed here, and starts afresh after an adopted one:
        // either way no finished stash is left in the folder.
        if self.sealed.take().is_some() {
            self.file = None;
        }
        self.writer.get_or_insert(kind);
    }

    fn drop_writer(&mut self) {
        if self.writer.take().is_some() {
            self.file = None;
        }
        self.sealed = None;
    }

    fn clear_staged(&mut self) {
        self.sealed = None;
        if self.writer.is_some() {
            self.file = None;
        }
        self.own.clear();
        self.tracks.clear();
        self.open_track = None;
    }

    fn drop_base(&mut self) {
        self.base = None;
        self.imported.clear();
    }

    /// DiscMaster::open.
    pub fn open(&mut self) -> Result<(), ImapiCode> {
        if self.opened {
            return Err(ImapiCode::AlreadyOpen);
        }
        self.opened = true;
        self.format = Fmt::Joliet;
        Ok(())
    }

    /// DiscMaster::close and close_keeping_stash.
    pub fn close(&mut self, keep: bool) {
        if keep && self.sealed.is_some() {
            self.writer = None;
            self.sealed = None;
        }
        self.drop_writer();
        let drive = self.drive.clone();
        let file = self.file.take();
        *self = Model::new(drive);
        self.file = file;
    }

    /// set_active_disc_master_format.
    pub fn set_format(&mut self, f: Fmt) -> Result<(), ImapiCode> {
        self.need_open()?;
        self.clear_staged();
        self.format = f;
        Ok(())
    }

    /// enum_disc_recorders: the one simulated drive.
    pub fn enum_recorders(&self) -> Result<usize, ImapiCode> {
        self.need_open().map(|()| 1)
    }

    /// set_active_disc_recorder. In Joliet format the staged files stay staged over the
    /// base the disc gives (its last session when it is appendable, else none); a staged
    /// file at a path that session holds is IMAPI_E_FILEEXISTS, and nothing changes.
    pub fn set_active(&mut self) -> Result<(), ImapiCode> {
        self.need_open()?;
        self.activate()
    }

    fn activate(&mut self) -> Result<(), ImapiCode> {
        if !self.drive.loaded {
            return Err(ImapiCode::MediumNotPresent);
        }
        // The stash's lock is taken; what is sealed stays sealed unless the base moves.
        if self.writer.is_some_and(|k| k != self.format) {
            self.drop_writer();
        }
        self.writer.get_or_insert(self.format);
        if self.format == Fmt::Joliet {
            let id = self.drive.id();
            let same = self.base.as_ref().is_some_and(|b| b.disc == id);
            let last = self.drive.appendable().cloned();
            if !same && (self.base.is_some() || last.is_some()) {
                let imported = last.clone().unwrap_or_default();
                if self.own.keys().any(|p| imported.contains_key(p)) {
                    return Err(ImapiCode::FileExists);
                }
                self.imported = imported;
                self.base = last.map(|_| Base { disc: id });
                // A stash sealed here is planned again; an adopted one stays as it is.
                if let Some((_, true)) = self.sealed {
                    self.sealed = None;
                    self.file = None;
                }
            }
        }
        self.active = Some(self.drive.seen());
        Ok(())
    }

    /// joliet().add_data / add_source of `files`.
    pub fn add(&mut self, files: &Files, overwrite: bool) -> Result<(), ImapiCode> {
        self.need(Fmt::Joliet)?;
        if self.active.is_some_and(|s| !s.writable) {
            return Err(ImapiCode::MediumInvalidType);
        }
        self.writer(Fmt::Joliet);
        let staged = self.staged();
        if !overwrite && files.keys().any(|p| staged.contains_key(p)) {
            return Err(ImapiCode::FileExists);
        }
        self.own.extend(files.clone());
        Ok(())
    }

    /// clear_format_content: staged files, imported ones and tracks go; multisession ends.
    pub fn clear(&mut self) -> Result<(), ImapiCode> {
        self.need_open()?;
        self.clear_staged();
        self.drop_base();
        Ok(())
    }

    /// set_joliet_properties with VolumeName.
    pub fn volume(&mut self, name: &'static str) -> Result<(), ImapiCode> {
        self.need(Fmt::Joliet)?;
        if name.len() > 16 {
            return Err(ImapiCode::BadJolietName);
        }
        self.volume = (!name.is_empty()).then_some(name);
        Ok(())
    }

    /// set_recorder_properties on the active recorder.
    pub fn recorder_prop(&self, p: RecProp) -> Result<(), ImapiCode> {
        self.need_open()?;
        if self.active.is_none() {
            return Err(ImapiCode::NoActiveRecorder);
        }
        match p {
            RecProp::SpeedZero | RecProp::GapTooBig => Err(ImapiCode::Generic),
            RecProp::SpeedOne | RecProp::Gap(_) | RecProp::MaxSpeed => Ok(()),
        }
    }

    /// redbook().create_audio_track.
    pub fn create_track(&mut self) -> Result<(), ImapiCode> {
        self.need(Fmt::Redbook)?;
        if self.active.is_some_and(|s| !(s.blank && s.writable)) {
            return Err(ImapiCode::MediumInvalidType);
        }
        self.writer(Fmt::Redbook);
        if self.open_track.is_some() {
            return Err(ImapiCode::TrackOpen);
        }
        self.open_track = Some(Vec::new());
        Ok(())
    }

    /// redbook().add_audio_track_blocks.
    pub fn add_blocks(&mut self, b: Blocks, pcm: &[u8]) -> Result<(), ImapiCode> {
        self.need(Fmt::Redbook)?;
        if b == Blocks::Partial {
            return Err(ImapiCode::Generic);
        }
        if self.open_track.is_none() {
            return Err(ImapiCode::TrackNotOpen);
        }
        self.writer(Fmt::Redbook);
        if let Some(t) = self.open_track.as_mut() {
            t.extend_from_slice(pcm);
        }
        Ok(())
    }

    /// redbook().close_audio_track.
    pub fn close_track(&mut self) -> Result<(), ImapiCode> {
        self.need(Fmt::Redbook)?;
        match &self.open_track {
            None => return Err(ImapiCode::TrackNotOpen),
            Some(t) if t.len() < MIN_TRACK_BYTES => return Err(ImapiCode::TrackNotBigEnough),
            Some(_) => {}
        }
        self.writer(Fmt::Redbook);
        self.tracks.extend(self.open_track.take());
        Ok(())
    }

    /// adopt_stash: the finished stash in the folder becomes the image to burn.
    pub fn adopt(&mut self) -> Result<(), ImapiCode> {
        self.need_open()?;
        let Some(seen) = self.active else { return Err(ImapiCode::NoActiveRecorder) };
        let Some(file) = self.file.clone() else { return Err(ImapiCode::InvalidImage) };
        if file.format != self.format {
            return Err(ImapiCode::WrongFormat);
        }
        if self.format == Fmt::Joliet {
            if let Some(disc) = file.session {
                if disc != seen.id || !seen.appendable {
                    return Err(ImapiCode::WrongDisc);
                }
            }
        }
        self.own.clear();
        self.tracks.clear();
        self.open_track = None;
        if self.format == Fmt::Joliet {
            self.drop_base();
            self.base = file.session.map(|disc| Base { disc });
        }
        self.writer.get_or_insert(self.format);
        self.sealed = Some((file, false));
        Ok(())
    }

    /// Seals the staged image (or takes the sealed one).
    fn seal(&mut self) -> Result<Content, ImapiCode> {
        if let Some((c, _)) = &self.sealed {
            return Ok(c.clone());
        }
        let files = self.staged();
        match self.format {
            Fmt::Joliet if files.is_empty() => return Err(ImapiCode::InvalidImage),
            Fmt::Redbook if self.open_track.is_some() => return Err(ImapiCode::TrackOpen),
            Fmt::Redbook if self.tracks.is_empty() => return Err(ImapiCode::InvalidImage),
            _ => {}
        }
        self.writer(self.format);
        let content = Content {
            format: self.format,
            files: if self.format == Fmt::Joliet { files } else { Files::new() },
            tracks: self.tracks.clone(),
            volume: self.volume,
            session: self.base.as_ref().map(|b| b.disc),
        };
        self.file = Some(content.clone());
        self.sealed = Some((content.clone(), true));
        Ok(content)
    }

    /// record_disc_with. A successful real burn returns what the disc now holds in its new
    /// session (or tracks) to be read back.
    pub fn record(
        &mut self,
        simulate: bool,
        eject: bool,
        close_disc: bool,
    ) -> Result<Option<Burned>, ImapiCode> {
        self.need_open()?;
        let Some(seen) = self.active else { return Err(ImapiCode::NoActiveRecorder) };
        let content = self.seal()?;
        if !self.drive.loaded {
            return Err(ImapiCode::MediumNotPresent);
        }
        let now = self.drive.id();
        // The sealed image says which disc its session was planned for (none: a blank one).
        match (content.format, content.session) {
            (Fmt::Joliet, Some(planned)) => {
                if now != seen.id || now != planned {
                    return Err(ImapiCode::WrongDisc);
                }
            }
            _ => {
                if self.drive.disc != Disc::Blank {
                    return Err(ImapiCode::MediumInvalidType);
                }
            }
        }
        if !self.drive.writable() {
            return Err(ImapiCode::MediumInvalidType);
        }
        if self.drive.fault {
            self.drive.fault = false;
            if !simulate {
                self.drive.written(Disc::Damaged);
            }
            return Err(ImapiCode::CannotWriteToMedia);
        }
        if simulate {
            self.drive.loaded &= !eject;
            return Ok(None);
        }
        let disc = match (content.format, &self.drive.disc) {
            (Fmt::Redbook, _) => Disc::Audio(content.tracks.clone()),
            (Fmt::Joliet, Disc::Data { sessions, .. }) => {
                let mut sessions = sessions.clone();
                sessions.push(content.files.clone());
                Disc::Data { sessions, closed: close_disc }
            }
            (Fmt::Joliet, _) => {
                Disc::Data { sessions: vec![content.files.clone()], closed: close_disc }
            }
        };
        self.drive.written(disc);
        self.drive.loaded &= !eject;
        // The stash is emptied, multisession ends, and the recorder is made active again.
        self.clear_staged();
        self.drop_base();
        self.active = None;
        if self.activate().is_err() {
            self.active = Some(Seen::ABSENT);
        }
        Ok(Some(content))
    }
}
