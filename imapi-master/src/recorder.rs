//! [`DiscRecorder`]: IDiscRecorder, one CD recorder.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use imapi_codes::ImapiCode;
use imapi_mmc::{
    Blank, BlankType, Configuration, ModePage, PreventAllowMediumRemoval, RequestSense, SenseClass,
    StartStopUnit, TestUnitReady,
};
use imapi_transport::{ops, Access, CommandError, Transport};

use crate::device::RecorderPath;
use crate::error::{ImapiError, Result};
use crate::media::{read_media, MediaFlags, MediaInfo, MediaType};
use crate::progress::Sinks;
use crate::properties::{PropertyBag, RecorderProperties, SetOutcome};
use crate::sense_map::Operation;

/// The last data session of a disc in a recorder, as [`DiscRecorder::read_disc`] reads it.
pub type DiscImage = imapi_joliet::Image<
    imapi_joliet::read::SeekReader<imapi_transport::BlockReader<Box<dyn Transport + Send>>>,
>;

/// IMAPI's RECORDER_TYPES: what the drive can write (not what medium is in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum RecorderType {
    /// RECORDER_CDR: writes CD-R.
    Cdr = 1,
    /// RECORDER_CDRW: writes CD-R and CD-RW.
    Cdrw = 2,
}

/// IMAPI's recorder states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum RecorderState {
    /// RECORDER_DOING_NOTHING.
    DoingNothing = 0,
    /// RECORDER_OPENED: opened exclusively.
    Opened = 1,
    /// RECORDER_BURNING.
    Burning = 2,
}

/// 1× CD speed in kB/s as MMC counts it (rounded down; 176.4 exactly).
const KBPS_1X: u32 = 176;

/// Who a drive is, asked once when the recorder object is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// INQUIRY vendor.
    pub vendor: String,
    /// INQUIRY product.
    pub product: String,
    /// INQUIRY revision (usually the firmware's).
    pub revision: String,
    /// The unit serial number (INQUIRY VPD page 80h), when the drive has one.
    pub serial: Option<String>,
    /// What the drive writes, `None` for a drive that writes nothing (a CD-ROM reader).
    pub recorder_type: Option<RecorderType>,
    /// The fastest write speed, in × (0 when unknown).
    pub max_write_speed: i32,
    /// Buffer-underrun protection.
    pub buffer_underrun_free: bool,
    /// Test writes (IMAPI's simulate).
    pub test_write: bool,
    /// Whether the drive answered these questions itself; false when only the system's list
    /// named it (the drive was held by another process, or not permitted).
    pub answered: bool,
}

impl Identity {
    /// What is known of a drive that could not be asked: its names from the system.
    pub fn unanswered(vendor: String, product: String, revision: String) -> Identity {
        Identity {
            vendor,
            product,
            revision,
            serial: None,
            recorder_type: None,
            max_write_speed: 0,
            buffer_underrun_free: false,
            test_write: false,
            answered: false,
        }
    }
}

/// One CD recorder (IDiscRecorder). Made by [`crate::DiscMaster::enum_disc_recorders`] or
/// [`DiscRecorder::open_path`]; every method works whether or not the recorder is the
/// master's active one.
///
/// One recorder object, many handles: a clone is another handle to the *same* object, as a
/// copied IDiscRecorder pointer is (its properties, its state and its exclusive access are
/// shared), and [`crate::DiscMaster::set_active_disc_recorder`] keeps such a handle. So a
/// property set through the caller's handle or through
/// [`crate::DiscMaster::active_disc_recorder_mut`], before or after the recorder is made
/// active, is the one staging and the burn use, and RECORDER_BURNING shows on every handle
/// (from another thread, or from a progress callback) while [`crate::DiscMaster::record_disc`]
/// runs. A second, independent object for the same drive comes from
/// [`DiscRecorder::open_path`] or from enumerating the recorders again.
///
/// Opening: [`DiscRecorder::open_exclusive`] keeps the drive to this object (another process,
/// or another object of this one, gets IMAPI_E_DEVICE_NOTACCESSIBLE) until
/// [`DiscRecorder::close`]; the media queries, eject and erase need it, as in IMAPI. A burn
/// through the master needs the recorder *not* held open here (IMAPI_E_DEVICE_NOTACCESSIBLE
/// otherwise, as IMAPI's RecordDisc after an OpenExclusive without Close).
#[derive(Clone)]
pub struct DiscRecorder {
    path: RecorderPath,
    identity: Identity,
    guid: Vec<u8>,
    shared: Arc<Shared>,
    sinks: Sinks,
}

/// What every handle of one recorder object sees: properties and state (locked briefly),
/// and the exclusive handle to the drive (locked for the length of a command or an erase).
struct Shared {
    status: Mutex<Status>,
    handle: Mutex<Option<Box<dyn Transport + Send>>>,
}

/// The recorder object's properties and state.
struct Status {
    properties: RecorderProperties,
    state: RecorderState,
}

/// A lock that a panicking holder did not spoil: the values behind it are plain data, valid
/// whatever line the panic came from.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl std::fmt::Debug for DiscRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscRecorder")
            .field("path", &self.path)
            .field("identity", &self.identity)
            .field("state", &self.recorder_state())
            .finish()
    }
}

/// Asks the drive who it is.
pub(crate) fn identify(t: &mut dyn Transport, device: &str) -> Result<Identity> {
    let inq = ops::inquiry(t).map_err(|e| ImapiError::query(device, Operation::Identify, e))?;
    let serial = ops::unit_serial(t).ok().flatten().filter(|s| !s.trim().is_empty());
    let config: Option<Configuration> = ops::configuration(t).ok();
    let (mut cdr, mut cdrw, mut buf, mut test) = (false, false, false, false);
    if let Some(c) = &config {
        if let Some(tao) = c.track_at_once() {
            cdr = true;
            cdrw |= tao.cd_rw;
            buf |= tao.buf;
            test |= tao.test_write;
        }
        if let Some(m) = c.mastering() {
            cdr = true;
            cdrw |= m.cd_rw;
            buf |= m.buf;
            test |= m.test_write;
        }
    }
    let mut max_kbps = 0u32;
    if let Ok(mode) = ops::mode_sense(t, imapi_mmc::pages::CAPABILITIES) {
        for p in &mode.pages {
            if let ModePage::Capabilities(c) = p {
                cdr |= c.write_cd_r();
                cdrw |= c.write_cd_rw();
                buf |= c.buf();
                test |= c.test_write();
                max_kbps = u32::from(c.max_write_speed);
            }
        }
    }
    let recorder_type = if cdrw {
        Some(RecorderType::Cdrw)
    } else if cdr {
        Some(RecorderType::Cdr)
    } else {
        None
    };
    Ok(Identity {
        vendor: inq.vendor_str(),
        product: inq.product_str(),
        revision: inq.revision_str(),
        serial,
        recorder_type,
        max_write_speed: i32::try_from(max_kbps / KBPS_1X).unwrap_or(0),
        buffer_underrun_free: buf,
        test_write: test,
        answered: true,
    })
}

/// The stable identifier of a drive: its serial where it has one, else where the system
/// attaches it, else its node; a simulated recorder's folder.
fn guid_of(path: &RecorderPath, id: &Identity) -> Vec<u8> {
    let text = match path {
        RecorderPath::Simulated(dir) => {
            let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
            format!("sim:{}", dir.display())
        }
        RecorderPath::Device(node) => match &id.serial {
            Some(s) => format!("serial:{}:{}:{}", id.vendor, id.product, s.trim()),
            None => format!("attach:{}", attach_point(node)),
        },
    };
    text.into_bytes()
}

/// Where the system attaches a device node: its sysfs device folder on Linux, else the node.
fn attach_point(node: &std::path::Path) -> String {
    #[cfg(target_os = "linux")]
    if let Some(name) = node.file_name() {
        for class in ["block", "class/scsi_generic"] {
            let dev = std::path::Path::new("/sys").join(class).join(name).join("device");
            if let Ok(real) = std::fs::canonicalize(&dev) {
                return real.display().to_string();
            }
        }
    }
    node.display().to_string()
}

impl DiscRecorder {
    /// A recorder object for the drive at `path`: asks the drive who it is through a shared
    /// open (IMAPI_E_DEVICE_NOTACCESSIBLE while another process holds it exclusively,
    /// IMAPI_E_DEVICE_NOTPRESENT when there is no such drive).
    pub fn open_path(path: RecorderPath) -> Result<DiscRecorder> {
        let device = path.to_string();
        let mut t = path.open(Access::Shared)?;
        let identity = identify(t.as_mut(), &device)?;
        drop(t);
        Ok(DiscRecorder::with_identity(path, identity))
    }

    pub(crate) fn with_identity(path: RecorderPath, identity: Identity) -> DiscRecorder {
        let guid = guid_of(&path, &identity);
        let properties =
            RecorderProperties::new(identity.max_write_speed.max(1), identity.buffer_underrun_free);
        let status = Status { properties, state: RecorderState::DoingNothing };
        let shared = Shared { status: Mutex::new(status), handle: Mutex::new(None) };
        DiscRecorder { path, identity, guid, shared: Arc::new(shared), sinks: Sinks::default() }
    }

    pub(crate) fn set_sinks(&mut self, sinks: Sinks) {
        self.sinks = sinks;
    }

    /// Where the recorder is.
    pub fn recorder_path(&self) -> &RecorderPath {
        &self.path
    }

    /// What the drive said of itself.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// GetRecorderGUID: bytes that name this physical drive, the same across runs (the unit
    /// serial number with vendor and product; without one, the sysfs device folder; for a
    /// simulated recorder, its folder).
    pub fn recorder_guid(&self) -> &[u8] {
        &self.guid
    }

    /// GetRecorderType: CD-R or CD-RW writer; IMAPI_E_DEVICE_INVALIDTYPE for a drive that
    /// writes neither.
    pub fn recorder_type(&self) -> Result<RecorderType> {
        self.identity.recorder_type.ok_or_else(|| {
            ImapiError::new(
                ImapiCode::DeviceInvalidType,
                format!("{}: not a CD recorder", self.path),
            )
        })
    }

    /// GetDisplayNames: vendor, product, revision.
    pub fn display_names(&self) -> (&str, &str, &str) {
        (&self.identity.vendor, &self.identity.product, &self.identity.revision)
    }

    /// GetBasePnPID: vendor, product and revision run together, a make-and-model key.
    pub fn base_pnp_id(&self) -> String {
        format!("{}{}{}", self.identity.vendor, self.identity.product, self.identity.revision)
            .replace(' ', "")
    }

    /// GetPath: the OS device path, or `sim:PATH`.
    pub fn path(&self) -> String {
        self.path.to_string()
    }

    /// GetRecorderProperties: every property and its value.
    pub fn recorder_properties(&self) -> PropertyBag {
        lock(&self.shared.status).properties.to_bag()
    }

    /// The properties as a typed value: a copy of the values in force now.
    pub fn properties(&self) -> RecorderProperties {
        lock(&self.shared.status).properties.clone()
    }

    /// SetRecorderProperties: applies a sparse bag; read-only and unknown names are skipped
    /// (IMAPI_S_PROPERTIESIGNORED in the outcome). Every handle of this recorder object sees
    /// the new values at once, the master's active recorder included. A drive that could not
    /// be asked ([`Identity::answered`] false: its speeds and capabilities are unknown) has no
    /// properties to set: IMAPI_E_DEVICE_NOPROPERTIES.
    pub fn set_recorder_properties(&mut self, bag: &PropertyBag) -> Result<SetOutcome> {
        if !self.identity.answered {
            return Err(ImapiError::new(
                ImapiCode::DeviceNoProperties,
                format!("{}: the drive did not answer: it has no properties to set", self.path),
            ));
        }
        lock(&self.shared.status).properties.apply(bag)
    }

    /// GetRecorderState: RECORDER_OPENED while a handle holds the drive open,
    /// RECORDER_BURNING while the master burns to it.
    pub fn recorder_state(&self) -> RecorderState {
        lock(&self.shared.status).state
    }

    pub(crate) fn set_state(&self, s: RecorderState) {
        lock(&self.shared.status).state = s;
    }

    /// OpenExclusive: keeps the drive to this recorder object until [`DiscRecorder::close`]
    /// (opening it again through any of its handles succeeds and changes nothing).
    pub fn open_exclusive(&mut self) -> Result<()> {
        let mut handle = lock(&self.shared.handle);
        if handle.is_some() {
            return Ok(());
        }
        *handle = Some(self.path.open(Access::Exclusive)?);
        self.set_state(RecorderState::Opened);
        Ok(())
    }

    /// Runs `f` on the drive held open by [`DiscRecorder::open_exclusive`]
    /// (IMAPI_E_NOTOPENED when it is not).
    fn with_opened<T>(&self, f: impl FnOnce(&mut dyn Transport, &str) -> Result<T>) -> Result<T> {
        let device = self.path.to_string();
        let mut handle = lock(&self.shared.handle);
        match handle.as_mut() {
            Some(t) => f(t.as_mut(), &device),
            None => Err(ImapiError::new(
                ImapiCode::NotOpened,
                format!("{device}: the recorder is not opened (open_exclusive first)"),
            )),
        }
    }

    /// The disc's file system as a mounted drive shows it (beyond IMAPI): the ISO 9660 /
    /// Joliet / Rock Ridge tree of its **last** data session, read through the drive's
    /// READ(10) from that session's start. (An [`imapi_joliet::Image`] read from block 0
    /// sees the first session only: a later session's files would be missed.) Opens the
    /// drive for reading while the image lives, so another program's exclusive hold (or
    /// this object's [`DiscRecorder::open_exclusive`]) is IMAPI_E_DEVICE_NOTACCESSIBLE; no
    /// disc is IMAPI_E_MEDIUM_NOTPRESENT; a disc with no data session (blank, or audio) is
    /// IMAPI_E_MEDIUM_INVALIDTYPE; a session that does not read as ISO 9660 is
    /// IMAPI_E_DISCINFO.
    pub fn read_disc(&self) -> Result<DiscImage> {
        let device = self.path.to_string();
        let mut t = self.path.open(Access::Shared)?;
        let media = read_media(t.as_mut(), &device)?;
        if !media.present {
            return Err(ImapiError::new(ImapiCode::MediumNotPresent, format!("{device}: no disc")));
        }
        let start = match media.last_session_start {
            Some(start) if media.last_session_is_data => u32::try_from(start).unwrap_or(0),
            _ => {
                return Err(ImapiError::new(
                    ImapiCode::MediumInvalidType,
                    format!("{device}: the disc holds no data session"),
                ))
            }
        };
        let reader = imapi_transport::BlockReader::new(t)
            .map_err(|e| ImapiError::query(&device, Operation::Read, e))?;
        let opts = imapi_joliet::read::Options::new().session_start(start);
        imapi_joliet::Image::from_reader_with(reader, opts).map_err(|e| {
            ImapiError::new(
                ImapiCode::DiscInfo,
                format!("{device}: the last session (block {start}) does not read as ISO 9660"),
            )
            .with_source(e)
        })
    }

    /// QueryMediaType: the disc's type and flags; `(None, 0)` with no disc.
    pub fn query_media_type(&mut self) -> Result<(Option<MediaType>, MediaFlags)> {
        let m = self.with_opened(read_media)?;
        Ok((m.media_type, m.flags))
    }

    /// QueryMediaInfo: sessions, last track, its start, next writable address, free blocks
    /// (IMAPI_E_MEDIUM_NOTPRESENT with no disc).
    pub fn query_media_info(&mut self) -> Result<MediaInfo> {
        let m = self.with_opened(read_media)?;
        if !m.present {
            return Err(ImapiError::new(
                ImapiCode::MediumNotPresent,
                format!("{}: no disc", self.path),
            ));
        }
        Ok(m.info)
    }

    /// Everything read about the disc (beyond IMAPI: the two queries' common source).
    pub fn query_media(&mut self) -> Result<crate::media::Media> {
        self.with_opened(read_media)
    }

    /// Eject: unlocks the tray and ejects the disc.
    pub fn eject(&mut self) -> Result<()> {
        self.with_opened(eject)
    }

    /// Erase: blanks a CD-RW, quickly (the TOC, the PMA and the first pregap) or fully (every
    /// block; can take over an hour on a real drive). Sends BLANK with IMMED and polls the
    /// drive until it is ready again; NotifyEraseComplete carries the result.
    pub fn erase(&mut self, full: bool) -> Result<()> {
        let result = self.erase_inner(full);
        let status = result.as_ref().err().map(ImapiError::code);
        self.sinks.each(|s| s.notify_erase_complete(status));
        result
    }

    fn erase_inner(&mut self, full: bool) -> Result<()> {
        if self.identity.recorder_type != Some(RecorderType::Cdrw) {
            return Err(ImapiError::new(
                ImapiCode::DeviceInvalidType,
                format!("{}: the drive does not write CD-RW", self.path),
            ));
        }
        self.with_opened(|t, device| erase_disc(t, device, full))
    }

    /// Close: gives the drive back. IMAPI_E_NOTOPENED when the recorder object does not hold
    /// it (never opened, or closed already), as IDiscRecorder::Close answers.
    pub fn close(&mut self) -> Result<()> {
        if lock(&self.shared.handle).take().is_none() {
            return Err(ImapiError::new(
                ImapiCode::NotOpened,
                format!("{}: the recorder is not opened", self.path),
            ));
        }
        self.set_state(RecorderState::DoingNothing);
        Ok(())
    }

    /// Whether this recorder object (through any of its handles) holds the drive open.
    pub fn is_open(&self) -> bool {
        lock(&self.shared.handle).is_some()
    }

    /// Refreshes MaxWriteSpeed (and lowers WriteSpeed to it), as IMAPI does when recorders
    /// are enumerated or one is made active.
    pub(crate) fn refresh_speed(&mut self, max: i32) {
        if max > 0 {
            self.identity.max_write_speed = max;
            let p = &mut lock(&self.shared.status).properties;
            p.max_write_speed = max;
            if p.write_speed > max || p.write_speed < 1 {
                p.write_speed = max;
            }
        }
    }
}

/// Unlocks and ejects the tray.
pub(crate) fn eject(t: &mut dyn Transport, device: &str) -> Result<()> {
    tray_command(t, device, &PreventAllowMediumRemoval::UNLOCK)?;
    tray_command(t, device, &StartStopUnit::EJECT)
}

/// A tray command, sent again after a unit attention: the first command after a disc change
/// (or a reset) is answered with one and not carried out, whatever it asked.
fn tray_command<C: imapi_mmc::Request>(t: &mut dyn Transport, device: &str, cmd: &C) -> Result<()> {
    let mut left = 4;
    loop {
        match ops::command(t, cmd) {
            Err(imapi_transport::CommandError::CheckCondition(s))
                if s.key == imapi_mmc::SenseKey::UnitAttention && left > 0 =>
            {
                left -= 1;
            }
            other => return other.map_err(|e| ImapiError::command(device, Operation::Tray, e)),
        }
    }
}

/// Blanks the CD-RW in the drive (BLANK with IMMED, then waits for the drive).
fn erase_disc(t: &mut dyn Transport, device: &str, full: bool) -> Result<()> {
    let m = read_media(t, device)?;
    if !m.present {
        return Err(ImapiError::new(ImapiCode::MediumNotPresent, format!("{device}: no disc")));
    }
    if !m.flags.has(MediaFlags::RW) {
        return Err(ImapiError::new(
            ImapiCode::MediumInvalidType,
            format!("{device}: the disc is not rewritable"),
        ));
    }
    let kind = if full { BlankType::Full } else { BlankType::Minimal };
    let blank = Blank { immed: true, ..Blank::new(kind) };
    ops::command(t, &blank).map_err(|e| ImapiError::command(device, Operation::Erase, e))?;
    wait_ready(t, device, Operation::Erase, Duration::from_secs(4 * 3600))
}

/// Polls TEST UNIT READY (and REQUEST SENSE for the progress a drive reports) until the drive
/// is ready again after an IMMED command, or `limit` passes.
pub(crate) fn wait_ready(
    t: &mut dyn Transport,
    device: &str,
    op: Operation,
    limit: Duration,
) -> Result<()> {
    let start = Instant::now();
    loop {
        match ops::command(t, &TestUnitReady) {
            Ok(()) => return Ok(()),
            Err(CommandError::CheckCondition(s))
                if matches!(
                    s.class(),
                    SenseClass::RetryLater | SenseClass::LongWriteInProgress | SenseClass::NotReady
                ) && s.class() != SenseClass::NoMedium =>
            {
                let _ = ops::read_reply(t, &RequestSense::default());
            }
            Err(e) => return Err(ImapiError::command(device, op, e)),
        }
        if start.elapsed() > limit {
            return Err(ImapiError::new(
                ImapiCode::DeviceNotAccessible,
                format!("{device}: {} did not end within {limit:?}", op.name()),
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
