//! What the simulated recorder reads back: READ TOC, READ(10) and READ CD.

use imapi_mmc::sense::codes;
use imapi_mmc::{
    Atip, CdTextPacks, FullToc, ReadCd, ReadToc, Reply, SectorType, SessionToc, TocFormat, TrackToc,
};
use imapi_redbook::toc::C0Pointer;
use imapi_redbook::{Lba, Msf};

use super::device::{Fail, Outcome, SimRecorder};
use super::disc::{TrackKind, TrackState};

/// The ATIP's indicative target writing power (3 bits).
const WRITING_POWER: u8 = 5;
/// The ATIP's reference speed (3 bits).
const REFERENCE_SPEED: u8 = 1;
/// The ATIP's lead-in start, 97:26:65 (LBA −11 635).
const LEAD_IN: [u8; 3] = [97, 26, 65];

/// Where the lead-in starts (the ATIP's lead-in start), as an LBA.
pub(super) fn lead_in_start() -> i32 {
    Msf::new(LEAD_IN[0], LEAD_IN[1], LEAD_IN[2]).map_or(-11_635, |m| m.to_lba().0)
}

fn bytes<R: Reply>(r: &R) -> Result<Vec<u8>, Fail> {
    r.to_vec().map_err(|_| Fail::Sense(codes::INVALID_FIELD_IN_CDB))
}

impl SimRecorder {
    /// READ TOC of the closed sessions. A disc without one (blank, or only an open session)
    /// has no TOC: formats 0, 1 and 2 answer 05/24/00, as the reference's emulated drive does
    /// (format 4, the ATIP, answers on any disc).
    pub(super) fn read_toc(&self, r: &ReadToc) -> Result<Vec<u8>, Fail> {
        let toc = self.disc.toc();
        let none = || Fail::Sense(codes::INVALID_FIELD_IN_CDB);
        match r.effective_format() {
            TocFormat::Tracks => {
                let mut t = TrackToc::from_toc(&toc, r.form).ok_or_else(none)?;
                let from = r.track_or_session.max(1);
                if from != 0xAA && from > t.last_track {
                    return Err(none());
                }
                t.descriptors.retain(|d| d.track >= from);
                bytes(&t)
            }
            TocFormat::SessionInfo => {
                let info = toc.session_info().ok_or_else(none)?;
                bytes(&SessionToc { form: r.form, info })
            }
            TocFormat::FullToc => {
                if toc.sessions.is_empty() {
                    return Err(none());
                }
                let lead_in = Msf::new(LEAD_IN[0], LEAD_IN[1], LEAD_IN[2]).map_err(|_| none())?;
                let c0 = C0Pointer {
                    writing_power: (WRITING_POWER & 0x07) << 4 | REFERENCE_SPEED & 0x07,
                    first_lead_in: lead_in.to_lba(),
                };
                bytes(&FullToc {
                    first_session: toc.sessions.first().map_or(0, |s| s.number),
                    last_session: toc.sessions.last().map_or(0, |s| s.number),
                    entries: toc.full_toc_with_c0(c0),
                })
            }
            TocFormat::CdText => {
                if self.disc.cd_text.is_empty() {
                    return Err(none());
                }
                let packs = self
                    .disc
                    .cd_text
                    .iter()
                    .filter_map(|p| <[u8; 18]>::try_from(p.as_slice()).ok())
                    .map(imapi_redbook::cdtext::Pack)
                    .collect();
                bytes(&CdTextPacks { packs })
            }
            TocFormat::Atip => {
                let last = Lba(self.disc.media.max_lead_out()).to_msf().map_err(|_| none())?;
                bytes(&Atip {
                    writing_power: WRITING_POWER,
                    reference_speed: REFERENCE_SPEED,
                    unrestricted: true,
                    rewritable: self.disc.media.erasable(),
                    subtype: 0,
                    a_valid: [false; 3],
                    lead_in_start: Msf::new(LEAD_IN[0], LEAD_IN[1], LEAD_IN[2])
                        .map_err(|_| none())?,
                    last_lead_out: last,
                    a_values: [[0; 3]; 3],
                })
            }
            _ => Err(none()),
        }
    }

    /// The user data of a recorded block, or the sense a drive gives for that address.
    fn block(&mut self, lba: i32, want: Option<TrackKind>) -> Result<(TrackKind, Vec<u8>), Fail> {
        // What is recorded, not a test write's dry run.
        let t = self
            .disc()
            .track_at(lba)
            .cloned()
            .ok_or(codes::LBA_OUT_OF_RANGE.with_information(lba as u32 as u64))?;
        match t.state {
            TrackState::Complete => {}
            _ => {
                return Err(codes::UNRECOVERED_READ_ERROR
                    .with_information(lba as u32 as u64)
                    .into())
            }
        }
        if lba >= t.start + t.written as i32 {
            // The run-out blocks of a Track-at-Once data track.
            return Err(codes::ILLEGAL_MODE_FOR_TRACK.with_information(lba as u32 as u64).into());
        }
        if want.is_some_and(|k| k != t.kind) {
            return Err(codes::ILLEGAL_MODE_FOR_TRACK.with_information(lba as u32 as u64).into());
        }
        let mut data = vec![0u8; t.kind.block_len()];
        self.store.read_block(lba, &mut data)?;
        Ok((t.kind, data))
    }

    pub(super) fn read10(&mut self, lba: u32, blocks: u16, out: &mut [u8]) -> Outcome {
        let need = usize::from(blocks) * 2048;
        if out.len() < need {
            return Err(codes::INVALID_FIELD_IN_CDB.into());
        }
        let start = i32::try_from(lba).map_err(|_| codes::LBA_OUT_OF_RANGE)?;
        for k in 0..i32::from(blocks) {
            let lba = start.checked_add(k).ok_or(codes::LBA_OUT_OF_RANGE)?;
            let (_, data) = self.block(lba, Some(TrackKind::Data))?;
            let at = k as usize * 2048;
            out[at..at + 2048].copy_from_slice(&data);
        }
        Ok(need)
    }

    pub(super) fn read_cd(&mut self, r: &ReadCd, out: &mut [u8]) -> Outcome {
        if r.c2 != 0 || r.subchannel != 0 {
            return Err(codes::INVALID_FIELD_IN_CDB.into());
        }
        let want = match r.sector_type {
            SectorType::Any => None,
            SectorType::CdDa => Some(TrackKind::Audio),
            SectorType::Mode1 => Some(TrackKind::Data),
            _ => return Err(codes::ILLEGAL_MODE_FOR_TRACK.into()),
        };
        let mut at = 0usize;
        for k in 0..r.blocks {
            let lba = r.lba.0.checked_add(k as i32).ok_or(codes::LBA_OUT_OF_RANGE)?;
            let (kind, data) = self.block(lba, want)?;
            let piece: Vec<u8> = match kind {
                TrackKind::Audio => {
                    if r.sync || r.header_codes != 0 || r.user_data || r.edc_ecc {
                        data
                    } else {
                        Vec::new()
                    }
                }
                TrackKind::Data => {
                    let mut user = [0u8; 2048];
                    user.copy_from_slice(&data);
                    let raw = imapi_redbook::sector::mode1_sector(Lba(lba), &user)
                        .map_err(|_| codes::LBA_OUT_OF_RANGE)?;
                    let mut v = Vec::with_capacity(2352);
                    if r.sync {
                        v.extend_from_slice(&raw[..12]);
                    }
                    if r.header_codes & 1 != 0 {
                        v.extend_from_slice(&raw[12..16]);
                    }
                    if r.user_data {
                        v.extend_from_slice(&raw[16..2064]);
                    }
                    if r.edc_ecc {
                        v.extend_from_slice(&raw[2064..]);
                    }
                    v
                }
            };
            let end = at + piece.len();
            let dst = out.get_mut(at..end).ok_or(codes::INVALID_FIELD_IN_CDB)?;
            dst.copy_from_slice(&piece);
            at = end;
        }
        Ok(at)
    }
}
