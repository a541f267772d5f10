//! What is in the drive: IMAPI's QueryMediaType and QueryMediaInfo, read through MMC.
//!
//! The order of questions: TEST UNIT READY (a unit attention after a disc change is
//! answered and asked again; no medium ends here), GET CONFIGURATION for the current
//! profile, READ DISC INFORMATION for the status, sessions and capacity, READ TOC formats 0
//! and 1 for the tracks and the last complete session (not on a blank disc), and READ TRACK
//! INFORMATION of the invisible track for the next writable address and the free blocks
//! (blank and appendable discs).

use imapi_mmc::{
    DiscInformation, DiscStatus, Profile, ReadTrackInformation, SenseClass, SessionState,
    TestUnitReady,
};
use imapi_transport::{ops, CommandError, Transport};

use crate::error::{ImapiError, Result};
use crate::sense_map::Operation;

/// IMAPI's MEDIA_TYPES.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum MediaType {
    /// MEDIA_CDDA_CDROM: CD-DA or CD-ROM (also a blank CD-R/RW).
    CddaCdrom = 1,
    /// MEDIA_CD_ROM_XA.
    CdRomXa = 2,
    /// MEDIA_CD_I.
    CdI = 3,
    /// MEDIA_CD_EXTRA: audio in the first session, data in a later one.
    CdExtra = 4,
    /// MEDIA_CD_OTHER.
    CdOther = 5,
    /// MEDIA_SPECIAL.
    Special = 6,
}

/// IMAPI's MEDIA_FLAGS, a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MediaFlags(pub i32);

impl MediaFlags {
    /// MEDIA_BLANK.
    pub const BLANK: i32 = 0x1;
    /// MEDIA_RW: rewritable.
    pub const RW: i32 = 0x2;
    /// MEDIA_WRITABLE: a session can be added.
    pub const WRITABLE: i32 = 0x4;
    /// MEDIA_FORMAT_UNUSABLE_BY_IMAPI: appendable, but left in a state IMAPI cannot continue
    /// (an open or damaged track).
    pub const UNUSABLE_BY_IMAPI: i32 = 0x8;

    /// Whether `flag` is set.
    pub fn has(self, flag: i32) -> bool {
        self.0 & flag != 0
    }
}

/// IMAPI's QueryMediaInfo outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MediaInfo {
    /// Complete sessions on the disc.
    pub sessions: u8,
    /// The last track of the last complete session.
    pub last_track: u8,
    /// Where that track starts.
    pub start_address: u32,
    /// Where the next session's data would start.
    pub next_writable: u32,
    /// Blocks free from there. Capacity = next_writable + free_blocks.
    pub free_blocks: u32,
}

/// Everything read about the disc in the drive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Media {
    /// Whether a disc is in the drive. Without one the rest is zero.
    pub present: bool,
    /// The disc's kind (`None` with no disc).
    pub media_type: Option<MediaType>,
    /// The flags.
    pub flags: MediaFlags,
    /// QueryMediaInfo's values.
    pub info: MediaInfo,
    /// The drive's current profile.
    pub profile: Option<Profile>,
    /// Blank, appendable or complete.
    pub status: Option<DiscStatus>,
    /// Where the first track of the last complete session starts (its file system's
    /// session start).
    pub last_session_start: Option<i32>,
    /// Whether the last complete session starts with a data track.
    pub last_session_is_data: bool,
    /// Whether any track holds audio.
    pub has_audio: bool,
    /// The number the next track would get.
    pub next_track: u8,
    /// The last possible start of the lead-out (the disc's capacity), when known.
    pub last_lead_out: Option<i32>,
}

impl Media {
    /// Blank and writable by this drive.
    pub fn is_blank(&self) -> bool {
        self.flags.has(MediaFlags::BLANK)
    }

    /// A session can be added.
    pub fn is_writable(&self) -> bool {
        self.flags.has(MediaFlags::WRITABLE)
    }

    /// Appendable and holding at least one complete session.
    pub fn is_appendable(&self) -> bool {
        self.status == Some(DiscStatus::Appendable) && self.info.sessions > 0
    }

    /// What identifies this disc between staging and the burn: a different disc, or the same
    /// disc written meanwhile, gives a different value.
    pub fn fingerprint(&self) -> (bool, u8, u32, u32, Option<i32>) {
        (
            self.present,
            self.info.sessions,
            self.info.next_writable,
            self.info.free_blocks,
            self.last_session_start,
        )
    }
}

/// TEST UNIT READY until the drive answers without a unit attention: `Ok(false)` when there
/// is no disc.
fn ready(t: &mut dyn Transport, device: &str) -> Result<bool> {
    for _ in 0..4 {
        match ops::command(t, &TestUnitReady) {
            Ok(()) => return Ok(true),
            Err(CommandError::CheckCondition(s)) => match s.class() {
                SenseClass::NoMedium => return Ok(false),
                SenseClass::RetryLater | SenseClass::UnitAttention => continue,
                _ => {
                    return Err(ImapiError::command(
                        device,
                        Operation::DiscInfo,
                        CommandError::CheckCondition(s),
                    ))
                }
            },
            Err(e) => return Err(ImapiError::command(device, Operation::DiscInfo, e)),
        }
    }
    Ok(true)
}

fn to_u32(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// Reads the disc in the drive behind `t` (named `device` in errors).
pub fn read_media(t: &mut dyn Transport, device: &str) -> Result<Media> {
    if !ready(t, device)? {
        return Ok(Media::default());
    }
    let q = |e| ImapiError::query(device, Operation::DiscInfo, e);
    let profile = ops::configuration(t).ok().map(|c| c.current_profile);
    let di: DiscInformation = match ops::disc_information(t) {
        Ok(d) => d,
        Err(e) if e.sense().map(|s| s.class()) == Some(SenseClass::NoMedium) => {
            return Ok(Media::default())
        }
        Err(e) => return Err(q(e)),
    };
    let mut m = Media {
        present: true,
        profile,
        status: Some(di.status),
        last_lead_out: di.last_lead_out.msf().map(|m| m.to_lba().0),
        ..Media::default()
    };
    let recorder_media = matches!(profile, Some(Profile::CdR) | Some(Profile::CdRw));
    let mut flags = 0;
    if di.erasable {
        flags |= MediaFlags::RW;
    }
    let mut last_track_of_disc = 0u8;
    match di.status {
        DiscStatus::Blank => {
            flags |= MediaFlags::BLANK;
            m.info.sessions = 0;
            m.next_track = 1;
        }
        _ => {
            let complete = if di.status == DiscStatus::Appendable {
                di.sessions.saturating_sub(1)
            } else {
                di.sessions
            };
            m.info.sessions = u8::try_from(complete).unwrap_or(u8::MAX);
            if let Ok(toc) = ops::track_toc(t) {
                last_track_of_disc = toc.last_track;
                let tracks: Vec<_> = toc.descriptors.iter().filter(|d| d.track != 0xAA).collect();
                m.has_audio = tracks.iter().any(|d| d.control & 0x4 == 0);
                if let Ok(s) = ops::session_toc(t) {
                    let first = s.info.first_track_of_last;
                    m.last_session_start = Some(first.start.0);
                    // The track TOC has that track's control too; some drives (QEMU's
                    // scsi-cd) leave format 1's descriptor zero but for its start: then the
                    // track is the one starting there.
                    let described = tracks
                        .iter()
                        .find(|d| d.track == first.track)
                        .or_else(|| tracks.iter().find(|d| d.start.0 == first.start.0));
                    let first_track = described.map_or(first.track, |d| d.track);
                    let control = described.map_or(first.control, |d| d.control);
                    m.last_session_is_data = control & 0x4 != 0;
                    // The last track of that session: the last track before the next
                    // session's first, or the disc's last.
                    let last = tracks
                        .iter()
                        .filter(|d| d.track >= first_track)
                        .map(|d| d.track)
                        .max()
                        .unwrap_or(first.track);
                    m.info.last_track = last;
                    m.info.start_address =
                        tracks.iter().find(|d| d.track == last).map_or(0, |d| to_u32(d.start.0));
                    let first_is_audio = tracks.first().is_some_and(|d| d.control & 0x4 == 0);
                    m.media_type =
                        Some(if first_is_audio && m.last_session_is_data && complete > 1 {
                            MediaType::CdExtra
                        } else {
                            disc_type(di.disc_type)
                        });
                }
            }
            m.next_track = last_track_of_disc.saturating_add(1).max(1);
        }
    }
    if m.media_type.is_none() {
        m.media_type = Some(disc_type(di.disc_type));
    }
    if matches!(di.status, DiscStatus::Blank | DiscStatus::Appendable) {
        match ops::track_information(t, &ReadTrackInformation::invisible()) {
            Ok(ti) if ti.nwa_valid && ti.blank => {
                m.info.next_writable = to_u32(ti.nwa.0);
                m.info.free_blocks = ti.free_blocks;
                if u16::from(m.next_track) < ti.track {
                    m.next_track = u8::try_from(ti.track).unwrap_or(m.next_track);
                }
                if recorder_media {
                    flags |= MediaFlags::WRITABLE;
                }
            }
            Ok(_) => {
                // An open or damaged track: the drive gives no writable address for a new one.
                if di.status == DiscStatus::Appendable {
                    flags |= MediaFlags::UNUSABLE_BY_IMAPI;
                }
            }
            Err(e) => return Err(q(e)),
        }
        if di.status == DiscStatus::Appendable && di.last_session == SessionState::Incomplete {
            flags |= MediaFlags::UNUSABLE_BY_IMAPI;
            flags &= !MediaFlags::WRITABLE;
        }
    }
    m.flags = MediaFlags(flags);
    Ok(m)
}

fn disc_type(byte: u8) -> MediaType {
    match byte {
        0x00 => MediaType::CddaCdrom,
        0x10 => MediaType::CdI,
        0x20 => MediaType::CdRomXa,
        _ => MediaType::CdOther,
    }
}
