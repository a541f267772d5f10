//! Command dispatch and the state changes of the simulated recorder.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use imapi_mmc::config::{feature_code, Feature, FeatureBody, Mastering, ProfileEntry, TrackAtOnce};
use imapi_mmc::sense::codes;
use imapi_mmc::{
    AddressField, BlankType, BufferCapacity, Capabilities, CdbError, CloseFunction, Command,
    Configuration, CueSheet, DataBlockType, DiscInformation, DiscStatus, EventData, EventStatus,
    InquiryData, MediaEvent, MediaEventCode, ModeData, ModePage, MultiSession, Profile, Reply,
    Sense, SenseFormat, SenseKey, SessionState, WriteParameters, WriteSpeed, WriteSpeeds,
    WriteType,
};
use imapi_mmc::{DeviceType, SupportedVpdPages, UnitSerialNumber};
use imapi_redbook::cuesheet::CueSheetEntry;
use imapi_redbook::lead_in::{packs_of_lead_in, PW_LEN};
use imapi_redbook::Lba;

use serde::{Deserialize, Serialize};

use super::disc::{Disc, Media, SaoState, SessionRec, TrackKind, TrackRec, TrackState};
use super::store::{SimError, Store};
use crate::access::Access;
use crate::transport::{Completion, Data, Transport, TransportError};

/// Faults to inject into the next writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// A WRITE covering this LBA records the blocks before it, then fails with 03/0C/00 and
    /// leaves the track damaged.
    pub write_error_at: Option<i32>,
    /// The next this many WRITEs answer 02/04/08 (long write in progress) and record nothing.
    pub busy_writes: u32,
    /// After this many more blocks the medium is pulled: 02/3A/00, the track left damaged.
    pub remove_after_blocks: Option<u32>,
    /// After this many more blocks the power fails: the command gets no answer, the device
    /// answers nothing more, and the folder holds an open track that the next process finds
    /// incomplete.
    pub power_loss_after_blocks: Option<u32>,
    /// START STOP UNIT ejecting answers 05/53/02 MEDIUM REMOVAL PREVENTED (a drive that cannot
    /// eject); the disc stays in.
    pub refuse_eject: bool,
}

/// What `faults.json` in a recorder's folder holds: the faults to inject and whether writes
/// take real time. Every process that opens the recorder loads it; a fault that fires or counts
/// down is written back, so that the next process does not see it again (see
/// [`SimRecorder::open_with`] for when).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultSettings {
    /// The faults.
    pub faults: Faults,
    /// Sleep as long as the current write speed takes for each WRITE.
    pub throttle: bool,
}

/// The fault settings of the recorder at `dir` (none when it has no fault file).
pub fn faults(dir: &Path) -> Result<FaultSettings, SimError> {
    if !Store::state_path(dir).exists() {
        return Err(SimError::Missing(dir.to_path_buf()));
    }
    Store::load_faults(dir)
}

/// Replaces the fault settings of the recorder at `dir`. Refused with [`SimError::InUse`] while
/// a process has the recorder open: it loaded its faults when it opened the recorder and
/// would write its own back.
pub fn set_faults(dir: &Path, settings: &FaultSettings) -> Result<(), SimError> {
    let (_store, _) = Store::open(dir, Access::Exclusive)?;
    Store::save_faults(dir, settings)
}

/// Removes every fault and the throttle from the recorder at `dir` (as [`set_faults`]).
pub fn clear_faults(dir: &Path) -> Result<(), SimError> {
    set_faults(dir, &FaultSettings::default())
}

/// Why a command did not complete.
pub(super) enum Fail {
    Sense(Sense),
    PowerLoss,
}

impl From<Sense> for Fail {
    fn from(s: Sense) -> Self {
        Fail::Sense(s)
    }
}

impl From<SimError> for Fail {
    fn from(_: SimError) -> Self {
        // The folder failed under the drive: a hardware error as a real drive would report.
        Fail::Sense(Sense::new(SenseKey::HardwareError, 0x08, 0x00))
    }
}

pub(super) type Outcome = Result<usize, Fail>;

/// 1× in kB/s.
const KBPS_1X: u16 = 177;
/// The drive's buffer, 2 MiB.
const BUFFER_BYTES: u32 = 2 << 20;

/// A simulated CD recorder.
#[derive(Debug)]
pub struct SimRecorder {
    dir: PathBuf,
    pub(super) store: Store,
    pub(super) disc: Disc,
    locked: bool,
    attention: Option<Sense>,
    new_media: bool,
    last_sense: Option<Sense>,
    params: WriteParameters,
    write_kbps: u16,
    throttle: bool,
    faults: Faults,
    /// The fault settings as `faults.json` last held them (by this process's knowledge).
    faults_on_file: FaultSettings,
    dead: bool,
    /// During test write: the disc as recorded, while `disc` is the drive's dry-run copy.
    recorded: Option<Disc>,
    serial: String,
    /// The lead-in's subchannel units received so far in a Session-at-Once write.
    lead_in_units: Vec<[u8; PW_LEN]>,
    /// Throttling's schedule: when it started and the blocks written since.
    pace_from: Option<(Instant, u64)>,
}

fn with_info(s: Sense, lba: i32) -> Sense {
    s.with_information(u64::from(lba as u32))
}

impl SimRecorder {
    /// Puts a blank disc of `media` in a new simulated recorder at `dir`, writing at most
    /// `max_speed`× (0: 48× for CD-R, 24× for CD-RW).
    pub fn create(dir: &Path, media: Media, max_speed: u16) -> Result<SimRecorder, SimError> {
        let speed = if max_speed > 0 {
            max_speed
        } else if media.erasable() {
            24
        } else {
            48
        };
        let disc = Disc::blank(media, speed);
        let store = Store::create(dir, &disc)?;
        let serial = store.serial()?;
        Ok(Self::with(dir, store, disc, serial))
    }

    /// Opens the simulated recorder at `dir` exclusively ([`SimRecorder::open_with`]).
    pub fn open(dir: &Path) -> Result<SimRecorder, SimError> {
        Self::open_with(dir, Access::Exclusive)
    }

    /// Opens the simulated recorder at `dir`.
    ///
    /// [`Access::Exclusive`] takes the folder's lock alone, [`Access::Shared`] beside other
    /// shared openers; either is refused with [`SimError::InUse`] while the other kind holds
    /// it. A shared opener queries and reads; the commands that would change the disc (WRITE,
    /// SEND CUE SHEET, SYNCHRONIZE CACHE, CLOSE TRACK/SESSION, BLANK) answer 07/27/00 WRITE
    /// PROTECTED, as a drive does for a medium it may not change (and as burn engines already
    /// expect from read-only drives); those that would change the drive's state for everyone
    /// (MODE SELECT, PREVENT ALLOW MEDIUM REMOVAL, START STOP UNIT with LoEj) answer 05/2C/00
    /// COMMAND SEQUENCE ERROR: not allowed now.
    ///
    /// The model (`disc.json`) is saved at the drive's sync points only: when a track gets its
    /// first blocks (the PMA entry a drive records), at SYNCHRONIZE CACHE, CLOSE TRACK/SESSION,
    /// SEND CUE SHEET, BLANK, eject and load, and when a fault fires; the blocks go to
    /// `blocks.bin` as they are written. So a process that ends without SYNCHRONIZE CACHE (a
    /// killed writer, a power loss, or one that just stops) leaves an open track: the next
    /// opener finds it incomplete (damaged), holding the blocks that reached `blocks.bin`.
    /// The fault settings (`faults.json`) are loaded here; a fault that fires (a busy write, a
    /// write error, a removal, a power loss) is written back at once, and the countdowns of
    /// the others at the sync points. A disc inserted with [`SimRecorder::insert`] since the
    /// last exclusive opener is announced by a unit attention (06/28/00) and a NewMedia event.
    pub fn open_with(dir: &Path, access: Access) -> Result<SimRecorder, SimError> {
        let (store, mut disc) = Store::open(dir, access)?;
        let mut changed = false;
        let end = store.written_end()?;
        for t in disc.tracks.iter_mut().filter(|t| t.state == TrackState::Open) {
            if t.tao {
                // The blocks that reached the folder after the last save.
                let reached = u32::try_from(end.saturating_sub(t.start)).unwrap_or(0);
                t.written = t.written.max(reached);
            }
            t.state = TrackState::Damaged;
            changed = true;
        }
        if disc.sao.take().is_some() {
            changed = true;
        }
        if changed && access == Access::Exclusive {
            store.save(&disc)?;
        }
        let settings = Store::load_faults(dir)?;
        let media_changed = store.take_media_changed()?;
        let serial = store.serial()?;
        let mut sim = Self::with(dir, store, disc, serial);
        sim.faults = settings.faults;
        sim.throttle = settings.throttle;
        sim.faults_on_file = settings;
        if media_changed {
            sim.attention = Some(codes::MEDIUM_MAY_HAVE_CHANGED);
            sim.new_media = true;
        }
        Ok(sim)
    }

    /// Swaps a new blank disc of `media` into the recorder at `dir` (the old disc and its
    /// blocks are gone; the drive, its speed, serial number and faults stay). The next opener
    /// sees the media change: 06/28/00 and a NewMedia event. Refused with
    /// [`SimError::InUse`] while a process has the recorder open.
    pub fn insert(dir: &Path, media: Media) -> Result<(), SimError> {
        let (mut store, old) = Store::open(dir, Access::Exclusive)?;
        store.set_media_changed()?;
        store.clear()?;
        store.save(&old.fresh(media))
    }

    /// Gives the recorder at `dir` test write or takes it away (`false`: a drive that cannot
    /// simulate a burn). Refused with [`SimError::InUse`] while a process has it open.
    pub fn set_test_write(dir: &Path, available: bool) -> Result<(), SimError> {
        let (store, mut disc) = Store::open(dir, Access::Exclusive)?;
        disc.no_test_write = !available;
        store.save(&disc)
    }

    fn with(dir: &Path, store: Store, disc: Disc, serial: String) -> SimRecorder {
        let write_kbps = disc.write_kbps.unwrap_or(disc.max_speed.saturating_mul(KBPS_1X));
        SimRecorder {
            dir: dir.to_path_buf(),
            store,
            disc,
            locked: false,
            attention: None,
            new_media: false,
            last_sense: None,
            params: WriteParameters::tao_data(MultiSession::Open),
            write_kbps,
            throttle: false,
            faults: Faults::default(),
            faults_on_file: FaultSettings::default(),
            dead: false,
            recorded: None,
            serial,
            lead_in_units: Vec::new(),
            pace_from: None,
        }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// How the recorder is held.
    pub fn access(&self) -> Access {
        self.store.access()
    }

    /// The disc as recorded (during a test write, the dry run is not on it).
    pub fn disc(&self) -> &Disc {
        self.recorded.as_ref().unwrap_or(&self.disc)
    }

    /// The serial number INQUIRY page 80h gives: made when the recorder was created (or first
    /// opened, for an older folder), the same for every process and every disc.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// Faults for the next writes (replacing any set before). They are the recorder's fault
    /// settings: saved to `faults.json` with the next sync point, as `imapi sim fault` would
    /// set them, so a later process sees what is left of them.
    pub fn inject(&mut self, faults: Faults) {
        self.faults = faults;
    }

    /// Sleep as long as the current write speed takes for each WRITE (saved as
    /// [`SimRecorder::inject`] is).
    pub fn set_throttle(&mut self, on: bool) {
        self.throttle = on;
    }

    fn settings(&self) -> FaultSettings {
        FaultSettings { faults: self.faults, throttle: self.throttle }
    }

    /// Writes the fault settings back when they changed.
    fn save_faults(&mut self) -> Result<(), Fail> {
        let now = self.settings();
        if now != self.faults_on_file && self.store.access() == Access::Exclusive {
            Store::save_faults(&self.dir, &now)?;
            self.faults_on_file = now;
        }
        Ok(())
    }

    /// A sync point: the model and the fault settings go to the folder. Nothing of a test
    /// write is recorded.
    fn save(&mut self) -> Result<(), Fail> {
        if self.recorded.is_none() {
            self.store.save(&self.disc)?;
        }
        self.save_faults()
    }

    /// Ends a test write's dry run: the drive shows the disc as recorded again.
    fn end_test(&mut self) {
        if let Some(d) = self.recorded.take() {
            self.disc = d;
        }
    }

    /// A closed session of a dry run leaves nothing: the next one starts from the disc as
    /// recorded.
    fn restart_test(&mut self) {
        if self.recorded.is_some() {
            self.end_test();
            self.begin_test();
        }
    }

    /// Starts a dry run when page 05h asks for test write.
    fn begin_test(&mut self) {
        if self.params.test_write && self.recorded.is_none() {
            self.recorded = Some(self.disc.clone());
        }
    }

    fn medium(&self) -> Result<(), Fail> {
        if self.disc.loaded {
            Ok(())
        } else {
            Err(codes::MEDIUM_NOT_PRESENT.into())
        }
    }

    fn dispatch(&mut self, cdb: &[u8], data: Data<'_>) -> Outcome {
        let cmd = match Command::parse(cdb) {
            Ok(c) => c,
            Err(CdbError::UnknownOpcode(_)) => return Err(codes::INVALID_OPCODE.into()),
            Err(_) => return Err(codes::INVALID_FIELD_IN_CDB.into()),
        };
        // A pending unit attention answers the first command that is not a query of identity.
        if !matches!(
            cmd,
            Command::Inquiry(_)
                | Command::RequestSense(_)
                | Command::GetConfiguration(_)
                | Command::GetEventStatus(_)
        ) {
            if let Some(s) = self.attention.take() {
                return Err(s.into());
            }
        }
        if self.store.access() == Access::Shared {
            match cmd {
                Command::Write10(_)
                | Command::SendCueSheet(_)
                | Command::SynchronizeCache(_)
                | Command::CloseTrackSession(_)
                | Command::Blank(_) => return Err(codes::WRITE_PROTECTED.into()),
                Command::ModeSelect10(_) | Command::ModeSelect6(_) | Command::PreventAllow(_) => {
                    return Err(codes::COMMAND_SEQUENCE_ERROR.into())
                }
                Command::StartStopUnit(s) if s.load_eject => {
                    return Err(codes::COMMAND_SEQUENCE_ERROR.into())
                }
                _ => {}
            }
        }
        let mut out: &mut [u8] = &mut [];
        let mut input: &[u8] = &[];
        match data {
            Data::FromDevice(b) => out = b,
            Data::ToDevice(b) => input = b,
            Data::None => {}
        }
        match cmd {
            Command::TestUnitReady(_) => self.medium().map(|_| 0),
            Command::RequestSense(r) => {
                let mut s = self.last_sense.take().unwrap_or(Sense::new(SenseKey::NoSense, 0, 0));
                if r.descriptor {
                    s.format = SenseFormat::Descriptor;
                }
                give(out, &s.to_vec().map_err(|_| codes::INVALID_FIELD_IN_CDB)?)
            }
            Command::Inquiry(q) => {
                if q.evpd {
                    return give(out, &self.vpd(q.page)?);
                }
                if q.page != 0 {
                    return Err(codes::INVALID_FIELD_IN_CDB.into());
                }
                give(out, &reply(&InquiryData::mmc("IMAPI-RS", "SIM CD-RW", "0.1"))?)
            }
            Command::GetConfiguration(g) => {
                give(out, &reply(&self.configuration(g.request_type, g.starting_feature))?)
            }
            Command::GetEventStatus(g) => {
                if !g.polled {
                    return Err(codes::INVALID_FIELD_IN_CDB.into());
                }
                give(out, &reply(&self.event(g.class_mask))?)
            }
            Command::ReadDiscInformation(r) => {
                self.medium()?;
                if r.data_type != 0 {
                    return Err(codes::INVALID_FIELD_IN_CDB.into());
                }
                give(out, &reply(&self.disc_information())?)
            }
            Command::ReadTrackInformation(r) => {
                self.medium()?;
                give(out, &reply(&self.track_information(r)?)?)
            }
            Command::ReadToc(r) => {
                self.medium()?;
                give(out, &self.read_toc(&r)?)
            }
            Command::ReadCapacity(_) => {
                self.medium()?;
                let last = self.disc.readable_end().map_or(0, |e| (e - 1).max(0) as u32);
                give(out, &reply(&imapi_mmc::Capacity { last_lba: last, block_len: 2048 })?)
            }
            Command::Read10(r) => {
                self.medium()?;
                self.read10(r.lba, r.blocks, out)
            }
            Command::ReadCd(r) => {
                self.medium()?;
                self.read_cd(&r, out)
            }
            Command::ModeSense10(m) => give(out, &reply(&self.mode_sense(m.page)?)?),
            Command::ModeSense6(m) => {
                let data = self.mode_sense(m.page)?;
                give(out, &data.to_vec6().map_err(|_| codes::INVALID_FIELD_IN_CDB)?)
            }
            Command::ModeSelect10(m) => {
                let list =
                    input.get(..usize::from(m.param_len)).ok_or(codes::INVALID_FIELD_IN_CDB)?;
                let data = ModeData::parse(list).map_err(|_| codes::INVALID_FIELD_IN_PARAMETERS)?;
                self.mode_select(data).map(|_| 0)
            }
            Command::ModeSelect6(m) => {
                let list =
                    input.get(..usize::from(m.param_len)).ok_or(codes::INVALID_FIELD_IN_CDB)?;
                let data =
                    ModeData::parse6(list).map_err(|_| codes::INVALID_FIELD_IN_PARAMETERS)?;
                self.mode_select(data).map(|_| 0)
            }
            Command::SetCdSpeed(s) => {
                let max = self.disc.max_speed.saturating_mul(KBPS_1X);
                self.write_kbps =
                    if s.write_speed == 0xFFFF { max } else { s.write_speed.clamp(KBPS_1X, max) };
                // Kept by the drive: saved with the disc at the next sync point.
                self.disc.write_kbps = Some(self.write_kbps);
                if let Some(d) = self.recorded.as_mut() {
                    d.write_kbps = Some(self.write_kbps);
                }
                Ok(0)
            }
            Command::GetPerformance(p) => {
                if p.kind != imapi_mmc::speed::WRITE_SPEED_TYPE {
                    return Err(codes::INVALID_FIELD_IN_CDB.into());
                }
                let speeds = WriteSpeeds {
                    write: false,
                    except: false,
                    speeds: vec![WriteSpeed {
                        wrc: 0,
                        rdd: false,
                        exact: true,
                        mrw: false,
                        end_lba: self.disc.media.max_lead_out() as u32,
                        read_speed: u32::from(self.disc.max_speed) * u32::from(KBPS_1X),
                        write_speed: u32::from(self.disc.max_speed) * u32::from(KBPS_1X),
                    }],
                };
                give(out, &reply(&speeds)?)
            }
            Command::SendOpc(_) => self.medium().map(|_| 0),
            Command::ReadBufferCapacity(_) => {
                let free = if self.faults.busy_writes > 0 { 0 } else { BUFFER_BYTES };
                give(out, &reply(&BufferCapacity { length: BUFFER_BYTES, free })?)
            }
            Command::PreventAllow(p) => {
                self.locked = p.prevent & 1 != 0;
                Ok(0)
            }
            Command::StartStopUnit(s) => {
                if !s.load_eject {
                    return Ok(0);
                }
                if !s.start && (self.locked || self.faults.refuse_eject) {
                    return Err(codes::REMOVAL_PREVENTED.into());
                }
                // A dry run ends with the disc leaving or coming back.
                self.end_test();
                let result = if s.start {
                    if self.disc.loaded {
                        Ok(())
                    } else {
                        self.disc.loaded = true;
                        self.attention = Some(codes::MEDIUM_MAY_HAVE_CHANGED);
                        self.new_media = true;
                        self.save()
                    }
                } else {
                    self.disc.loaded = false;
                    self.save()
                };
                self.begin_test();
                result.map(|_| 0)
            }
            Command::SendCueSheet(c) => {
                self.medium()?;
                let sheet = input.get(..c.size as usize).ok_or(codes::INVALID_FIELD_IN_CDB)?;
                self.send_cue_sheet(sheet).map(|_| 0)
            }
            Command::Write10(w) => {
                self.medium()?;
                self.write(w.lba.0, w.blocks, input)
            }
            Command::SynchronizeCache(_) => {
                self.medium()?;
                self.synchronize().map(|_| 0)
            }
            Command::CloseTrackSession(c) => {
                self.medium()?;
                match c.function {
                    CloseFunction::Track => self.synchronize().map(|_| 0),
                    CloseFunction::Session => self.close_session().map(|_| 0),
                    CloseFunction::Unknown(_) => Err(codes::INVALID_FIELD_IN_CDB.into()),
                }
            }
            Command::Blank(b) => {
                self.medium()?;
                // BLANK acts on the disc, test write or not; a dry run starts again after it.
                self.end_test();
                let result = self.blank(b.blank_type);
                self.begin_test();
                result.map(|_| 0)
            }
        }
    }

    /// INQUIRY with EVPD: pages 00h and 80h; others are refused (05/24/00).
    fn vpd(&self, page: u8) -> Result<Vec<u8>, Fail> {
        match page {
            imapi_mmc::vpd::SUPPORTED_PAGES => reply(&SupportedVpdPages {
                qualifier: 0,
                device_type: DeviceType::CdDvd,
                pages: vec![imapi_mmc::vpd::SUPPORTED_PAGES, imapi_mmc::vpd::UNIT_SERIAL_NUMBER],
            }),
            imapi_mmc::vpd::UNIT_SERIAL_NUMBER => reply(&UnitSerialNumber::mmc(&self.serial)),
            _ => Err(codes::INVALID_FIELD_IN_CDB.into()),
        }
    }

    fn configuration(&self, rt: u8, start: u16) -> Configuration {
        let current = if !self.disc.loaded {
            Profile::NoProfile
        } else if self.disc.media.erasable() {
            Profile::CdRw
        } else {
            Profile::CdR
        };
        let loaded = self.disc.loaded;
        let feature = |code, version, current, body| Feature {
            code,
            version,
            persistent: false,
            current,
            body,
        };
        let all = vec![
            Feature {
                persistent: true,
                ..feature(
                    feature_code::PROFILE_LIST,
                    0,
                    true,
                    FeatureBody::ProfileList(vec![
                        ProfileEntry { profile: Profile::CdRw, current: current == Profile::CdRw },
                        ProfileEntry { profile: Profile::CdR, current: current == Profile::CdR },
                    ]),
                )
            },
            Feature {
                persistent: true,
                ..feature(
                    feature_code::CORE,
                    1,
                    true,
                    FeatureBody::Raw(vec![0, 0, 0, 0, 0x01, 0, 0, 0]),
                )
            },
            feature(
                feature_code::CD_TRACK_AT_ONCE,
                2,
                loaded,
                FeatureBody::TrackAtOnce(TrackAtOnce {
                    buf: true,
                    cd_rw: true,
                    test_write: !self.disc.no_test_write,
                    data_types: 1,
                    ..Default::default()
                }),
            ),
            feature(
                feature_code::CD_MASTERING,
                1,
                loaded,
                FeatureBody::Mastering(Mastering {
                    buf: true,
                    sao: true,
                    cd_rw: true,
                    test_write: !self.disc.no_test_write,
                    max_cue_len: 4096,
                    ..Default::default()
                }),
            ),
        ];
        let features = all
            .into_iter()
            .filter(|f| match rt {
                1 => f.current && f.code >= start,
                2 => f.code == start,
                _ => f.code >= start,
            })
            .collect();
        Configuration { current_profile: current, features }
    }

    fn event(&mut self, mask: u8) -> EventStatus {
        if mask & imapi_mmc::event::MEDIA_CLASS_MASK == 0 {
            return EventStatus {
                nea: true,
                class: 0,
                supported: imapi_mmc::event::MEDIA_CLASS_MASK,
                data: EventData::None,
            };
        }
        let event = if std::mem::take(&mut self.new_media) {
            MediaEventCode::NewMedia
        } else {
            MediaEventCode::NoChange
        };
        EventStatus {
            nea: false,
            class: imapi_mmc::event::MEDIA_CLASS,
            supported: imapi_mmc::event::MEDIA_CLASS_MASK,
            data: EventData::Media(MediaEvent {
                event,
                media_present: self.disc.loaded,
                tray_open: !self.disc.loaded,
                start_slot: 0,
                end_slot: 0,
            }),
        }
    }

    fn disc_information(&self) -> DiscInformation {
        let d = &self.disc;
        let closed = d.sessions.len() as u16;
        let open_first = d.open_tracks().next().map(|t| t.number);
        let (status, state, sessions, first, last) = if d.is_blank() {
            (DiscStatus::Blank, SessionState::Empty, 1, 1, 1)
        } else if d.finalized {
            let n = d.sessions.last().map_or(1, |s| s.number);
            let in_last = d.tracks.iter().filter(|t| t.session == n);
            let first = in_last.clone().map(|t| t.number).min().unwrap_or(1);
            let last = in_last.map(|t| t.number).max().unwrap_or(1);
            (
                DiscStatus::Complete,
                SessionState::Complete,
                closed,
                u16::from(first),
                u16::from(last),
            )
        } else if let Some(first) = open_first {
            let complete =
                d.open_tracks().filter(|t| t.state == TrackState::Complete).count() as u16;
            let last = u16::from(first) + complete;
            (DiscStatus::Appendable, SessionState::Incomplete, closed + 1, u16::from(first), last)
        } else {
            let next = u16::from(d.next_track_number());
            (DiscStatus::Appendable, SessionState::Empty, closed + 1, next, next)
        };
        let lead_in = if d.sessions.is_empty() {
            AddressField::from_msf(imapi_redbook::Msf::new(97, 26, 65).unwrap_or_default())
        } else if d.finalized {
            AddressField::NONE
        } else {
            Lba(d.session_start() - 150 - 4500)
                .to_msf()
                .map_or(AddressField::NONE, AddressField::from_msf)
        };
        let lead_out = if d.finalized {
            AddressField::NONE
        } else {
            Lba(d.media.max_lead_out()).to_msf().map_or(AddressField::NONE, AddressField::from_msf)
        };
        DiscInformation {
            erasable: d.media.erasable(),
            last_session: state,
            status,
            first_track: 1,
            sessions,
            first_track_last_session: first,
            last_track_last_session: last,
            did_valid: false,
            bar_code_valid: false,
            unrestricted: true,
            disc_type: 0,
            disc_id: 0,
            last_session_lead_in: lead_in,
            last_lead_out: lead_out,
            bar_code: [0; 8],
            application_code: 0,
            opc_tables: 0,
        }
    }

    fn track_information(
        &self,
        r: imapi_mmc::ReadTrackInformation,
    ) -> Result<imapi_mmc::TrackInformation, Fail> {
        use imapi_mmc::AddressType;
        let d = &self.disc;
        let rec = match r.address_type {
            AddressType::Track if r.number == imapi_mmc::track_info::INVISIBLE_TRACK => None,
            // The invisible track also answers to its number, the one after the last track
            // (track 1 of a blank disc, which the kernel's sr asks for at probe time).
            AddressType::Track
                if r.number == u32::from(d.next_track_number())
                    && d.writing_track().is_none()
                    && d.nwa().is_some() =>
            {
                None
            }
            AddressType::Track => Some(d.tracks.iter().find(|t| u32::from(t.number) == r.number)),
            AddressType::Session => {
                Some(d.tracks.iter().find(|t| u32::from(t.session) == r.number))
            }
            AddressType::Lba => Some(d.track_at(r.number as i32)),
            AddressType::Unknown(_) => return Err(codes::INVALID_FIELD_IN_CDB.into()),
        };
        let info = |t: &TrackRec| imapi_mmc::TrackInformation {
            track: u16::from(t.number),
            session: u16::from(t.session),
            damage: t.state == TrackState::Damaged,
            copy: false,
            track_mode: t.kind.control(),
            reserved: false,
            blank: false,
            packet: false,
            fixed_packet: false,
            data_mode: if t.kind == TrackKind::Data { 1 } else { 0x0F },
            lra_valid: t.written > 0,
            nwa_valid: t.state == TrackState::Open && t.tao,
            start: Lba(t.start),
            nwa: Lba(if t.state == TrackState::Open && t.tao {
                t.start + t.written as i32
            } else {
                0
            }),
            free_blocks: if t.state == TrackState::Open && t.tao {
                (d.media.max_lead_out() - t.start - t.written as i32).max(0) as u32
            } else {
                0
            },
            packet_size: 0,
            size: t.size(),
            last_recorded: Lba(t.start + t.written as i32 - 1),
        };
        match rec {
            Some(Some(t)) => Ok(info(t)),
            Some(None) => Err(codes::INVALID_FIELD_IN_CDB.into()),
            None => {
                if let Some(t) = d.writing_track() {
                    return Ok(info(t));
                }
                match d.nwa() {
                    Some(nwa) => {
                        let free = (d.media.max_lead_out() - nwa).max(0) as u32;
                        Ok(imapi_mmc::TrackInformation {
                            track: u16::from(d.next_track_number()),
                            session: u16::from(d.open_session()),
                            damage: false,
                            copy: false,
                            track_mode: self.params.track_mode,
                            reserved: false,
                            blank: true,
                            packet: false,
                            fixed_packet: false,
                            data_mode: 0x0F,
                            lra_valid: false,
                            nwa_valid: true,
                            start: Lba(nwa),
                            nwa: Lba(nwa),
                            free_blocks: free,
                            packet_size: 0,
                            size: free,
                            last_recorded: Lba(0),
                        })
                    }
                    // No writable address: the last track as it is.
                    None => {
                        d.tracks.last().map(info).ok_or_else(|| codes::INVALID_FIELD_IN_CDB.into())
                    }
                }
            }
        }
    }

    fn mode_sense(&self, page: u8) -> Result<ModeData, Fail> {
        let max = self.disc.max_speed.saturating_mul(KBPS_1X);
        let mut caps = Capabilities::recorder(max, max, self.write_kbps, 2048, self.locked);
        if self.disc.no_test_write {
            caps.flags[1] &= !0x04; // b3.2: test write
        }
        let caps = ModePage::Capabilities(caps);
        let write = ModePage::WriteParameters(self.params.clone());
        let pages = match page {
            imapi_mmc::pages::WRITE_PARAMETERS => vec![write],
            imapi_mmc::pages::CAPABILITIES => vec![caps],
            0x3F => vec![write, caps],
            _ => return Err(codes::INVALID_FIELD_IN_CDB.into()),
        };
        Ok(ModeData { medium_type: 0, device_specific: 0, block_descriptors: Vec::new(), pages })
    }

    fn mode_select(&mut self, data: ModeData) -> Result<(), Fail> {
        let bad = || Fail::Sense(codes::INVALID_FIELD_IN_PARAMETERS);
        for p in data.pages {
            let ModePage::WriteParameters(w) = p else { return Err(bad()) };
            let tao_ok = matches!(
                (w.track_mode, w.data_block_type),
                (4, DataBlockType::Mode1) | (0, DataBlockType::Raw)
            );
            let ok = match w.write_type {
                WriteType::TrackAtOnce => tao_ok,
                WriteType::SessionAtOnce => true,
                _ => false,
            } && !matches!(w.multi_session, MultiSession::Unknown(_));
            if !ok {
                return Err(bad());
            }
            let test = w.test_write;
            if test && self.disc.no_test_write {
                return Err(bad());
            }
            self.params = w;
            // Test write on: a dry run from the disc as it is; off: the dry run is forgotten.
            if !test {
                self.end_test();
            }
            self.begin_test();
        }
        Ok(())
    }

    fn send_cue_sheet(&mut self, bytes: &[u8]) -> Result<(), Fail> {
        let bad = || Fail::Sense(codes::INVALID_FIELD_IN_PARAMETERS);
        if self.params.write_type != WriteType::SessionAtOnce
            || !self.disc.is_blank()
            || self.disc.sao.is_some()
        {
            return Err(codes::COMMAND_SEQUENCE_ERROR.into());
        }
        let sheet = CueSheet::parse(bytes).map_err(|_| bad())?;
        // (number, kind, pregap start, start) per track, then the lead-out.
        let mut tracks: Vec<(u8, TrackKind, Option<i32>, Option<i32>)> = Vec::new();
        let mut lead_out = None;
        let mut lead_in = None;
        let mut last = i32::MIN;
        for e in &sheet.entries {
            let CueSheetEntry::Time(t) = e else { continue };
            let at = t.at.to_lba().0;
            if t.track == 0 {
                // The lead-in: with R–W data (CD-Text) the host writes it from its start.
                if t.data_form.0 & 0x40 != 0 {
                    if at != super::read::lead_in_start() {
                        return Err(bad());
                    }
                    lead_in = Some(at);
                }
                continue;
            }
            if at < last {
                return Err(bad());
            }
            last = at;
            if t.track == 0xAA {
                lead_out = Some(at);
                continue;
            }
            let kind = match t.data_form.0 & 0x3F {
                0x00 => TrackKind::Audio,
                0x10 => TrackKind::Data,
                _ => return Err(bad()),
            };
            if tracks.last().map(|x| x.0) != Some(t.track) {
                if t.track as usize != tracks.len() + 1 {
                    return Err(bad());
                }
                tracks.push((t.track, kind, None, None));
            }
            let Some(cur) = tracks.last_mut() else { return Err(bad()) };
            if cur.1 != kind {
                return Err(bad());
            }
            match t.index {
                0 => cur.2 = Some(at),
                1 => cur.3 = Some(at),
                _ => {}
            }
        }
        let lead_out = lead_out.ok_or_else(bad)?;
        if tracks.is_empty() || lead_out > self.disc.media.max_lead_out() {
            return Err(bad());
        }
        let mut recs = Vec::new();
        let mut pregaps = Vec::new();
        for (k, (number, kind, pregap, start)) in tracks.iter().enumerate() {
            let start = start.ok_or_else(bad)?;
            let pregap_start = pregap.unwrap_or(start);
            let end = tracks.get(k + 1).map_or(Some(lead_out), |n| n.2.or(n.3)).ok_or_else(bad)?;
            if (k == 0 && pregap_start != -150) || end - start < 300 {
                return Err(bad());
            }
            pregaps.push(pregap_start);
            recs.push(TrackRec {
                number: *number,
                session: 1,
                kind: *kind,
                start,
                written: 0,
                pregap: (start - pregap_start) as u32,
                tao: false,
                state: TrackState::Open,
            });
        }
        self.disc.tracks = recs;
        self.disc.sao =
            Some(SaoState { pregaps, lead_out, next: lead_in.unwrap_or(-150), lead_in });
        self.disc.cd_text.clear();
        self.lead_in_units.clear();
        self.save()
    }

    fn write(&mut self, lba: i32, blocks: u16, input: &[u8]) -> Outcome {
        if self.faults.busy_writes > 0 {
            self.faults.busy_writes -= 1;
            self.save_faults()?;
            return Err(codes::LONG_WRITE_IN_PROGRESS.into());
        }
        let blocks = u32::from(blocks);
        let mut new_track = false;
        let (kind, track_index) = match &self.disc.sao {
            Some(sao) => {
                if lba != sao.next {
                    return Err(with_info(codes::INVALID_ADDRESS_FOR_WRITE, lba).into());
                }
                if sao.lead_in.is_some() && lba < -150 {
                    return self.write_lead_in(lba, blocks, input);
                }
                let end = lba + blocks as i32;
                if end > sao.lead_out {
                    return Err(with_info(codes::LBA_OUT_OF_RANGE, lba).into());
                }
                // The cued track whose pregap..end holds the blocks; one kind per WRITE.
                let k = sao
                    .pregaps
                    .iter()
                    .rposition(|&p| p <= lba)
                    .ok_or(codes::INVALID_ADDRESS_FOR_WRITE)?;
                let region_end = sao.pregaps.get(k + 1).copied().unwrap_or(sao.lead_out);
                let kind = self
                    .disc
                    .tracks
                    .get(k)
                    .map(|t| t.kind)
                    .ok_or(codes::INVALID_ADDRESS_FOR_WRITE)?;
                let next_kind = self.disc.tracks.get(k + 1).map(|t| t.kind);
                if end > region_end && next_kind != Some(kind) {
                    return Err(codes::ILLEGAL_MODE_FOR_TRACK.into());
                }
                (kind, None)
            }
            None => {
                if self.params.write_type != WriteType::TrackAtOnce {
                    return Err(codes::COMMAND_SEQUENCE_ERROR.into());
                }
                let nwa =
                    self.disc.nwa().ok_or(with_info(codes::INVALID_ADDRESS_FOR_WRITE, lba))?;
                if lba != nwa {
                    return Err(with_info(codes::INVALID_ADDRESS_FOR_WRITE, lba).into());
                }
                let kind = if self.params.track_mode & 4 != 0 {
                    TrackKind::Data
                } else {
                    TrackKind::Audio
                };
                if lba + blocks as i32 + 2 > self.disc.media.max_lead_out() {
                    return Err(with_info(codes::LBA_OUT_OF_RANGE, lba).into());
                }
                if input.len() != blocks as usize * kind.block_len() {
                    return Err(codes::INVALID_FIELD_IN_CDB.into());
                }
                if let Some(t) = self.disc.writing_track() {
                    if t.kind != kind {
                        return Err(codes::ILLEGAL_MODE_FOR_TRACK.into());
                    }
                } else {
                    new_track = true;
                    let number = self.disc.next_track_number();
                    let session = self.disc.open_session();
                    self.disc.tracks.push(TrackRec {
                        number,
                        session,
                        kind,
                        start: lba,
                        written: 0,
                        pregap: 0,
                        tao: true,
                        state: TrackState::Open,
                    });
                }
                (kind, Some(self.disc.tracks.len() - 1))
            }
        };
        let len = kind.block_len();
        if input.len() != blocks as usize * len {
            return Err(codes::INVALID_FIELD_IN_CDB.into());
        }
        // Faults decide how many blocks reach the disc.
        let mut n = blocks;
        let mut fail: Option<Fail> = None;
        let mut damage = false;
        if let Some(at) = self.faults.write_error_at {
            if at >= lba && at < lba + blocks as i32 {
                n = (at - lba) as u32;
                fail = Some(Fail::Sense(with_info(codes::WRITE_ERROR, at)));
                damage = true;
                self.faults.write_error_at = None;
            }
        }
        if let Some(left) = self.faults.remove_after_blocks {
            if left < n {
                n = left;
                fail = Some(Fail::Sense(codes::MEDIUM_NOT_PRESENT));
                damage = true;
                self.disc.loaded = false;
                self.faults.remove_after_blocks = None;
            } else {
                self.faults.remove_after_blocks = Some(left - n);
            }
        }
        if let Some(left) = self.faults.power_loss_after_blocks {
            if left < n {
                n = left;
                fail = Some(Fail::PowerLoss);
                damage = false;
                self.faults.power_loss_after_blocks = None;
            } else {
                self.faults.power_loss_after_blocks = Some(left - n);
            }
        }
        if self.recorded.is_none() {
            self.store.write_blocks(lba, &input[..n as usize * len], len)?;
        }
        match (track_index, self.disc.sao.as_mut()) {
            (Some(i), _) => {
                if let Some(t) = self.disc.tracks.get_mut(i) {
                    t.written += n;
                    if damage {
                        t.state = TrackState::Damaged;
                    }
                }
            }
            (None, Some(sao)) => {
                sao.next += n as i32;
                if damage {
                    for t in &mut self.disc.tracks {
                        t.state = TrackState::Damaged;
                    }
                    self.disc.sao = None;
                }
            }
            (None, None) => {}
        }
        if let Some(f) = fail {
            if matches!(f, Fail::PowerLoss) {
                // Nothing more reaches the model: the next opener finds the track open.
                self.dead = true;
                self.save_faults()?;
            } else {
                self.save()?;
            }
            return Err(f);
        }
        if new_track {
            // The drive records the new track in the PMA.
            self.save()?;
        }
        if self.throttle && self.write_kbps > 0 {
            self.pace(n);
        }
        Ok(input.len())
    }

    /// Throttling: the drive takes blocks at its write speed on a schedule, so that time
    /// spent between WRITEs (by the host or by this process) is not added to the time a write
    /// takes. The schedule starts again after a pause of over a second (a drive's buffer would
    /// have run empty).
    fn pace(&mut self, blocks: u32) {
        let per_sec = 75.0 * f64::from(self.write_kbps) / f64::from(KBPS_1X);
        let now = Instant::now();
        let (start, done) = match self.pace_from {
            Some((start, done))
                if now.duration_since(start).as_secs_f64() <= done as f64 / per_sec + 1.0 =>
            {
                (start, done)
            }
            _ => (now, 0),
        };
        let done = done + u64::from(blocks);
        self.pace_from = Some((start, done));
        let due = start + Duration::from_secs_f64(done as f64 / per_sec);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }

    /// Lead-in blocks of a Session-at-Once write with CD-Text: 96-byte R–W units, up to LBA
    /// −150. The pack list is taken from them once the lead-in is complete.
    fn write_lead_in(&mut self, lba: i32, blocks: u32, input: &[u8]) -> Outcome {
        let end = lba + blocks as i32;
        if end > -150 {
            return Err(codes::ILLEGAL_MODE_FOR_TRACK.into());
        }
        if input.len() != blocks as usize * PW_LEN {
            return Err(codes::INVALID_FIELD_IN_CDB.into());
        }
        for unit in input.chunks_exact(PW_LEN) {
            let mut u = [0u8; PW_LEN];
            u.copy_from_slice(unit);
            self.lead_in_units.push(u);
        }
        if let Some(sao) = self.disc.sao.as_mut() {
            sao.next = end;
        }
        if end == -150 {
            let packs = packs_of_lead_in(&self.lead_in_units);
            self.disc.cd_text = packs.iter().map(|p| p.0.to_vec()).collect();
            self.lead_in_units = Vec::new();
        }
        Ok(input.len())
    }

    fn synchronize(&mut self) -> Result<(), Fail> {
        if let Some(sao) = self.disc.sao.clone() {
            if sao.next != sao.lead_out {
                return Err(codes::COMMAND_SEQUENCE_ERROR.into());
            }
            let ends: Vec<i32> =
                sao.pregaps.iter().skip(1).copied().chain(Some(sao.lead_out)).collect();
            for (t, end) in self.disc.tracks.iter_mut().zip(ends) {
                t.written = (end - t.start) as u32;
                t.state = TrackState::Complete;
            }
            self.disc.sao = None;
            self.close(sao.lead_out);
            self.save()?;
            self.restart_test();
            return Ok(());
        }
        let Some(i) = self.disc.writing_track().map(|_| self.disc.tracks.len() - 1) else {
            return self.save();
        };
        let Some(t) = self.disc.tracks.get(i).cloned() else { return self.save() };
        if t.written < 300 && self.recorded.is_none() {
            // Too short a track is padded to 4 seconds with zero main data.
            let pad = 300 - t.written;
            let zeros = vec![0u8; pad as usize * t.kind.block_len()];
            self.store.write_blocks(t.start + t.written as i32, &zeros, t.kind.block_len())?;
        }
        if let Some(t) = self.disc.tracks.get_mut(i) {
            t.written = t.written.max(300);
            t.state = TrackState::Complete;
        }
        self.save()
    }

    fn close(&mut self, lead_out: i32) {
        let number = self.disc.open_session();
        let gap = if number == 1 {
            imapi_redbook::toc::FIRST_SESSION_GAP
        } else {
            imapi_redbook::toc::LATER_SESSION_GAP
        };
        let b0 = match self.params.multi_session {
            MultiSession::Open => Some(Some(lead_out + gap)),
            MultiSession::FinalWithB0 => Some(None),
            _ => None,
        };
        self.disc.finalized = !matches!(b0, Some(Some(_)));
        self.disc.sessions.push(SessionRec { number, lead_out, b0 });
    }

    fn close_session(&mut self) -> Result<(), Fail> {
        if self.disc.sao.is_some() {
            return Err(codes::COMMAND_SEQUENCE_ERROR.into());
        }
        if self.disc.open_tracks().any(|t| t.state != TrackState::Complete) {
            return Err(codes::INCOMPLETE_TRACK_IN_SESSION.into());
        }
        let Some(lead_out) = self.disc.open_tracks().last().map(TrackRec::end) else {
            return Ok(());
        };
        self.close(lead_out);
        self.save()?;
        self.restart_test();
        Ok(())
    }

    fn blank(&mut self, kind: BlankType) -> Result<(), Fail> {
        if !self.disc.media.erasable() {
            return Err(codes::INCOMPATIBLE_MEDIUM.into());
        }
        match kind {
            // A minimal blank leaves the old bytes on the disc, but no command reads them
            // again: the block file is cut for both kinds, so that it always ends where the
            // last write ended (how an open track's length is found after a crash).
            BlankType::Full | BlankType::Minimal => self.store.clear()?,
            _ => return Err(codes::INVALID_FIELD_IN_CDB.into()),
        }
        self.disc = self.disc.fresh(self.disc.media);
        self.save()
    }
}

/// Copies a reply into the data-in buffer (cut at the allocation length).
fn give(out: &mut [u8], bytes: &[u8]) -> Outcome {
    let n = bytes.len().min(out.len());
    out[..n].copy_from_slice(&bytes[..n]);
    Ok(n)
}

fn reply<R: Reply>(r: &R) -> Result<Vec<u8>, Fail> {
    r.to_vec().map_err(|_| Fail::Sense(codes::INVALID_FIELD_IN_CDB))
}

impl Transport for SimRecorder {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        _timeout: Duration,
    ) -> Result<Completion, TransportError> {
        if self.dead {
            return Err(TransportError::Os(std::io::Error::new(
                std::io::ErrorKind::NotConnected,
                "the simulated recorder lost power",
            )));
        }
        let len = data.len();
        match self.dispatch(cdb, data) {
            Ok(n) => Ok(Completion { status: 0, sense: None, residual: len.saturating_sub(n) }),
            Err(Fail::Sense(s)) => {
                self.last_sense = Some(s);
                Ok(Completion::check_condition(s))
            }
            Err(Fail::PowerLoss) => Err(TransportError::Os(std::io::Error::new(
                std::io::ErrorKind::NotConnected,
                "the simulated recorder lost power",
            ))),
        }
    }
}
