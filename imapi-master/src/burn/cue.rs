//! Burning a BIN/CUE: IMAPI v2's RawCD. The CUE is read with imapi-redbook's parser, its
//! layout ([`CueSheet::to_layout`]) gives the SEND CUE SHEET entries, and the disc is written
//! Session-at-Once from LBA −150 through the same engine as a staged audio disc.
//!
//! What a CUE may hold:
//! - FILEs of type BINARY, named relative to the CUE's folder (or absolute). A file's last
//!   sector may be short: it is completed with zeros. WAVE, MOTOROLA and other types are
//!   IMAPI_E_INVALIDIMAGE (convert them to a BINARY file first).
//! - Tracks of mode AUDIO (2352 bytes), MODE1/2048 and MODE1/2352. A MODE1/2352 sector's
//!   sync, header, EDC and ECC are not sent: the drive is given the 2048 user bytes (DATA FORM
//!   10h) and makes the rest itself, as it does for a MODE1/2048 track. MODE2 and CD-i tracks
//!   are IMAPI_E_INVALIDIMAGE. The tracks of one FILE share one sector size.
//! - INDEX 00 in the file (pregap data), PREGAP and POSTGAP (silence the engine generates),
//!   INDEX 02 and later, ISRC, CATALOG, FLAGS (DCP, 4CH, PRE).
//! - CD-Text: the packs of the CDTEXTFILE when there is one (checked, decoded and encoded
//!   again), else the album's and tracks' TITLE, PERFORMER and SONGWRITER lines (with the
//!   ISRCs and the CATALOG in their UPC/EAN packs), written in the lead-in.
//!
//! The disc must be blank (IMAPI_E_MEDIUM_INVALIDTYPE otherwise) and hold the whole layout up
//! to its lead-out (IMAPI_E_DISCFULL, before anything is written). The files are only read: a
//! failed burn leaves them as they were, and the same call tries again on a new disc. With
//! verification, every payload block is read back (READ CD for audio, READ(10) for data) and
//! compared with the files; generated silence is not compared.

use std::path::{Path, PathBuf};

use imapi_codes::ImapiCode;
use imapi_redbook::cdtext::{read_cdt, CdText, Pack};
use imapi_redbook::cue::{CueSheet, FileType, TrackMode};
use imapi_redbook::layout::{Capacity, Layout};
use imapi_redbook::msf::LEAD_IN_GAP;
use imapi_redbook::Lba;

use crate::error::{ImapiError, Result};
use crate::master::DiscMaster;
use crate::progress::Sinks;

use super::pipeline::{Input, Piece, Source};
use super::session::{write_sao, Ctx};
use super::verify::{verify_pieces, ReadBack};
use super::{RecordOptions, AUDIO_BLOCK, DATA_BLOCK};

impl DiscMaster {
    /// RawCD: records the BIN/CUE `cue` Session-at-Once on the blank disc in the active
    /// recorder (see the module's docs for what the CUE may hold and the codes). Progress
    /// goes to the sinks as for an audio [`DiscMaster::record_disc`] (blocks and tracks), a
    /// sink's QueryCancel stops it (IMAPI_E_USERABORT); `opts` simulate, eject and verify as
    /// for a staged disc (a Session-at-Once disc is always closed). Nothing is staged, and
    /// what is staged stays as it was.
    pub fn record_cue(&mut self, cue: &Path, opts: &RecordOptions) -> Result<()> {
        let parsed = ParsedCue::read(cue)?;
        self.burn_frame(opts, false, |m, sinks| m.record_cue_inner(&parsed, opts, sinks))
    }

    fn record_cue_inner(
        &mut self,
        cue: &ParsedCue,
        opts: &RecordOptions,
        sinks: &Sinks,
    ) -> Result<()> {
        let estimate = cue.files.iter().map(|f| f.len / AUDIO_BLOCK as u64).sum::<u64>();
        let mut o = self.open_for_burn(estimate, opts, sinks)?;
        let device = o.device.clone();
        let media = &o.media;
        if !media.is_blank() || !media.is_writable() {
            let why = if media.is_writable() {
                "a BIN/CUE needs a blank disc"
            } else {
                "the disc is finalized or cannot be written"
            };
            return Err(ImapiError::new(
                ImapiCode::MediumInvalidType,
                format!("{device}: {why} ({})", cue.path.display()),
            ));
        }
        let capacity =
            media.last_lead_out.map_or(Capacity::Minutes80, |l| Capacity::LastLeadOut(Lba(l)));
        let (layout, pieces) = plan(&cue.sheet, &cue.files, capacity).map_err(|e| cue.error(e))?;
        let packs = cue.cd_text(&layout)?;
        o.set_speed();
        let t = o.t.as_mut();
        let ctx = Ctx { device: &device, sinks, opts, buf: o.buf };
        let bad = |why: String| cue.error(Planning::Invalid(why));
        let total = write_sao(t, &ctx, &layout, &packs, cue.input(), pieces.clone(), &bad)?;
        if opts.verify && !opts.simulate {
            let what = cue.path.display().to_string();
            let rb = ReadBack { device: &device, sinks, total };
            verify_pieces(t, &rb, cue.input(), &pieces, -150, &what)?;
        }
        if opts.eject_after {
            self.eject_failure = crate::recorder::eject(t, &device).err();
        }
        Ok(())
    }
}

/// A FILE of the CUE, found on disk.
#[derive(Debug, Clone)]
struct BinFile {
    path: PathBuf,
    len: u64,
}

/// A CUE read and its files found.
struct ParsedCue {
    path: PathBuf,
    sheet: CueSheet,
    files: Vec<BinFile>,
}

/// What is wrong with a CUE's plan: a layout rule (its own code) or anything else.
#[derive(Debug)]
enum Planning {
    Layout(imapi_redbook::layout::LayoutError),
    Invalid(String),
}

impl ParsedCue {
    /// Reads `path`, parses it and finds its files (IMAPI_E_FILEACCESS when one is missing,
    /// IMAPI_E_INVALIDIMAGE for a CUE that does not parse or holds what cannot be burned).
    fn read(path: &Path) -> Result<ParsedCue> {
        let access = |p: &Path, e: std::io::Error| {
            ImapiError::new(ImapiCode::FileAccess, format!("{}: cannot read", p.display()))
                .with_source(e)
        };
        let bytes = std::fs::read(path).map_err(|e| access(path, e))?;
        let sheet = CueSheet::parse(&bytes).map_err(|e| {
            ImapiError::new(ImapiCode::InvalidImage, format!("{}: {e}", path.display()))
                .with_source(e)
        })?;
        let mut files = Vec::new();
        for f in &sheet.files {
            if f.kind != FileType::Binary {
                return Err(ImapiError::new(
                    ImapiCode::InvalidImage,
                    format!(
                        "{}: FILE {:?} is {}; only BINARY files can be burned",
                        path.display(),
                        f.name,
                        f.kind.as_str()
                    ),
                ));
            }
            let p = beside(path, &f.name);
            let len = std::fs::metadata(&p).map_err(|e| access(&p, e))?.len();
            files.push(BinFile { path: p, len });
        }
        Ok(ParsedCue { path: path.to_path_buf(), sheet, files })
    }

    fn error(&self, e: Planning) -> ImapiError {
        match e {
            Planning::Layout(l) => {
                let code = l.imapi_code().unwrap_or(ImapiCode::InvalidImage);
                ImapiError::new(code, format!("{}: {l}", self.path.display())).with_source(l)
            }
            Planning::Invalid(why) => {
                ImapiError::new(ImapiCode::InvalidImage, format!("{}: {why}", self.path.display()))
            }
        }
    }

    /// The files as the producer's sources.
    fn input(&self) -> Input<'static> {
        Input::Sources(
            self.files.iter().map(|f| Source::File { path: f.path.clone(), len: f.len }).collect(),
        )
    }

    /// The CD-Text packs: the CDTEXTFILE's, else made from the CUE's texts (none without).
    fn cd_text(&self, layout: &Layout) -> Result<Vec<Pack>> {
        let text = match &self.sheet.cdtextfile {
            Some(name) => {
                let p = beside(&self.path, name);
                let bytes = std::fs::read(&p).map_err(|e| {
                    ImapiError::new(ImapiCode::FileAccess, format!("{}: cannot read", p.display()))
                        .with_source(e)
                })?;
                Some(read_cdt(&bytes).map_err(|e| {
                    ImapiError::new(ImapiCode::InvalidImage, format!("{}: {e}", p.display()))
                        .with_source(e)
                })?)
            }
            None => CdText::from_layout(layout),
        };
        match text {
            Some(t) => t.encode().map_err(|e| self.error(Planning::Invalid(e.to_string()))),
            None => Ok(Vec::new()),
        }
    }
}

/// A file named in a CUE: relative names from the CUE's folder.
fn beside(cue: &Path, name: &str) -> PathBuf {
    let p = Path::new(name);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    cue.parent().unwrap_or(Path::new(".")).join(p)
}

/// How a track's sectors are read from its file and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SectorFormat {
    /// Bytes per sector in the file.
    sector: usize,
    /// Bytes skipped at the start of each.
    skip: usize,
    /// Bytes written per block.
    block_len: usize,
}

fn sector_format(mode: Option<&TrackMode>) -> std::result::Result<SectorFormat, String> {
    match mode {
        None | Some(TrackMode::Audio) => {
            Ok(SectorFormat { sector: AUDIO_BLOCK, skip: 0, block_len: AUDIO_BLOCK })
        }
        Some(TrackMode::Mode1_2048) => {
            Ok(SectorFormat { sector: DATA_BLOCK, skip: 0, block_len: DATA_BLOCK })
        }
        Some(TrackMode::Mode1_2352) => {
            Ok(SectorFormat { sector: AUDIO_BLOCK, skip: 16, block_len: DATA_BLOCK })
        }
        Some(other) => Err(format!(
            "{} tracks cannot be burned (AUDIO, MODE1/2048 and MODE1/2352 can)",
            other.as_str()
        )),
    }
}

/// The layout of `sheet` on a disc of `capacity` and the pieces that write it from LBA −150:
/// the lead-in gap, then the files' sectors in order with the PREGAP and POSTGAP silence put
/// where the layout has it.
fn plan(
    sheet: &CueSheet,
    files: &[BinFile],
    capacity: Capacity,
) -> std::result::Result<(Layout, Vec<Piece>), Planning> {
    let invalid = Planning::Invalid;
    let formats = sheet
        .tracks
        .iter()
        .map(|t| sector_format(t.mode.as_ref()).map_err(|e| format!("track {}: {e}", t.number)))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(invalid)?;
    // Each file's sector size, from the tracks with a line in it.
    let mut sector: Vec<Option<usize>> = vec![None; files.len()];
    for (t, f) in sheet.tracks.iter().zip(&formats) {
        for file in std::iter::once(t.file).chain(t.indexes.iter().map(|i| i.file)) {
            let Some(s) = sector.get_mut(file) else { continue };
            if s.is_some_and(|s| s != f.sector) {
                return Err(invalid(format!(
                    "FILE {:?} holds tracks of {} and {}-byte sectors; one size per file",
                    sheet.files.get(file).map_or("", |f| f.name.as_str()),
                    s.unwrap_or(0),
                    f.sector
                )));
            }
            *s = Some(f.sector);
        }
    }
    let mut frames = Vec::with_capacity(files.len());
    let mut sectors = Vec::with_capacity(files.len());
    for (k, f) in files.iter().enumerate() {
        let s = sector.get(k).copied().flatten().unwrap_or(AUDIO_BLOCK);
        sectors.push(s);
        frames.push(f.len.div_ceil(s as u64));
    }
    let frame_count = |i: usize| frames.get(i).map_or(0, |&f| u32::try_from(f).unwrap_or(u32::MAX));
    let layout = sheet.to_layout(capacity, frame_count).map_err(Planning::Layout)?;

    // Where silence goes, in frames of the files laid end to end.
    let mut bases = Vec::with_capacity(files.len());
    let mut total = 0u64;
    for f in &frames {
        bases.push(total);
        total += f;
    }
    let coord = |file: usize, at: u32| bases.get(file).copied().unwrap_or(total) + u64::from(at);
    let mut inserts: Vec<(u64, u64)> = Vec::new();
    for (n, t) in sheet.tracks.iter().enumerate() {
        let Some(i01) = t.index(1) else {
            return Err(invalid(format!("track {} has no INDEX 01", t.number)));
        };
        if t.pregap > 0 {
            inserts.push((coord(i01.file, i01.at), u64::from(t.pregap)));
        }
        if t.postgap > 0 {
            let at = sheet.tracks.get(n + 1).map_or(total, |next| {
                next.index(0).or(next.index(1)).map_or(total, |i| coord(i.file, i.at))
            });
            inserts.push((at, u64::from(t.postgap)));
        }
    }
    if inserts.windows(2).any(|w| w[1].0 < w[0].0) {
        return Err(invalid("the tracks' INDEX points are not in disc order".into()));
    }

    let regions: Vec<i64> = layout.positions().map(|p| i64::from(p.pregap_start.0)).collect();
    let mut e = Emit {
        pieces: Vec::new(),
        lba: -150,
        regions: &regions,
        formats: &formats,
        bases: &bases,
        frames: &frames,
        sectors: &sectors,
    };
    e.silence(u64::from(LEAD_IN_GAP));
    let mut at = 0u64;
    for (x, gap) in inserts {
        e.file(at, x).map_err(invalid)?;
        e.silence(gap);
        at = x;
    }
    e.file(at, total).map_err(invalid)?;
    if e.lba != i64::from(layout.lead_out().0) {
        return Err(invalid(format!(
            "the files end at block {}, the layout's lead-out is at {}",
            e.lba,
            layout.lead_out().0
        )));
    }
    Ok((layout, e.pieces))
}

/// Pieces being laid down from LBA −150.
struct Emit<'a> {
    pieces: Vec<Piece>,
    lba: i64,
    /// Each track's region starts at its pregap.
    regions: &'a [i64],
    formats: &'a [SectorFormat],
    bases: &'a [u64],
    frames: &'a [u64],
    sectors: &'a [usize],
}

impl Emit<'_> {
    /// The track whose region holds the current LBA, and where that region ends.
    fn region(&self) -> (SectorFormat, i64) {
        let k = self.regions.partition_point(|&s| s <= self.lba).saturating_sub(1);
        let end = self.regions.get(k + 1).copied().unwrap_or(i64::MAX);
        let f = self.formats.get(k).copied().unwrap_or(SectorFormat {
            sector: AUDIO_BLOCK,
            skip: 0,
            block_len: AUDIO_BLOCK,
        });
        (f, end)
    }

    fn silence(&mut self, mut left: u64) {
        while left > 0 {
            let (f, end) = self.region();
            let n =
                left.min(u64::try_from(end.saturating_sub(self.lba)).unwrap_or(u64::MAX)).max(1);
            self.pieces.push(Piece::Zeros { blocks: n, block_len: f.block_len });
            self.lba += n as i64;
            left -= n;
        }
    }

    /// The files' frames `from..to` (coordinates of the files laid end to end).
    fn file(&mut self, from: u64, to: u64) -> std::result::Result<(), String> {
        let mut c = from;
        while c < to {
            let i = self.bases.partition_point(|&b| b <= c).saturating_sub(1);
            let file_end =
                self.bases.get(i).copied().unwrap_or(0) + self.frames.get(i).copied().unwrap_or(0);
            if file_end <= c {
                return Err("an INDEX lies beyond the end of its file".into());
            }
            let (f, end) = self.region();
            let n = (to.min(file_end) - c)
                .min(u64::try_from(end.saturating_sub(self.lba)).unwrap_or(u64::MAX))
                .max(1);
            let sector = self.sectors.get(i).copied().unwrap_or(AUDIO_BLOCK);
            if sector != f.sector {
                return Err(format!(
                    "a track of {}-byte sectors reaches into a file of {sector}-byte sectors",
                    f.sector
                ));
            }
            self.pieces.push(Piece::Read {
                source: i,
                blocks: n,
                sector,
                skip: f.skip,
                block_len: f.block_len,
            });
            self.lba += n as i64;
            c += n;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(lens: &[u64]) -> Vec<BinFile> {
        lens.iter().map(|&len| BinFile { path: PathBuf::from("x"), len }).collect()
    }

    fn read(source: usize, blocks: u64) -> Piece {
        Piece::Read { source, blocks, sector: 2352, skip: 0, block_len: 2352 }
    }

    fn zeros(blocks: u64, block_len: usize) -> Piece {
        Piece::Zeros { blocks, block_len }
    }

    #[test]
    fn two_audio_tracks_with_index_00_in_one_bin() {
        let cue =
            "CATALOG 0123456789012\nFILE \"a.bin\" BINARY\nTRACK 01 AUDIO\nISRC USRC17607839\n\
INDEX 01 00:00:00\nTRACK 02 AUDIO\nINDEX 00 00:05:00\nINDEX 01 00:07:00\n";
        let sheet = CueSheet::parse(cue.as_bytes()).unwrap();
        let (layout, pieces) =
            plan(&sheet, &files(&[1000 * 2352 - 100]), Capacity::Minutes80).unwrap();
        assert_eq!(pieces, vec![zeros(150, 2352), read(0, 375), read(0, 625)]);
        assert_eq!(layout.lead_out(), Lba(1000));
        assert_eq!(layout.mcn.unwrap().to_string(), "0123456789012");
        assert_eq!(layout.tracks()[0].isrc.unwrap().as_str(), "USRC17607839");
        let p: Vec<_> = layout.positions().collect();
        assert_eq!((p[1].pregap_start, p[1].start), (Lba(375), Lba(525)));
    }

    #[test]
    fn mixed_mode_with_pregap_and_postgap_silence() {
        let cue =
            "FILE \"d.bin\" BINARY\nTRACK 01 MODE1/2352\nINDEX 01 00:00:00\nPOSTGAP 00:02:00\n\
FILE \"a.bin\" BINARY\nTRACK 02 AUDIO\nPREGAP 00:02:00\nINDEX 01 00:00:00\n";
        let sheet = CueSheet::parse(cue.as_bytes()).unwrap();
        let (layout, pieces) =
            plan(&sheet, &files(&[400 * 2352, 500 * 2352]), Capacity::Minutes80).unwrap();
        let data = Piece::Read { source: 0, blocks: 400, sector: 2352, skip: 16, block_len: 2048 };
        assert_eq!(
            pieces,
            vec![zeros(150, 2048), data, zeros(150, 2048), zeros(150, 2352), read(1, 500)]
        );
        assert_eq!(layout.lead_out(), Lba(400 + 150 + 150 + 500));
        assert!(layout.tracks()[0].flags.data && !layout.tracks()[1].flags.data);
    }

    #[test]
    fn what_cannot_be_burned_is_named() {
        let cue = "FILE \"a.bin\" BINARY\nTRACK 01 MODE2/2352\nINDEX 01 00:00:00\n";
        let sheet = CueSheet::parse(cue.as_bytes()).unwrap();
        let Err(Planning::Invalid(why)) = plan(&sheet, &files(&[1000 * 2352]), Capacity::Minutes80)
        else {
            panic!("planned");
        };
        assert!(why.contains("MODE2/2352"), "{why}");
        let cue = "FILE \"a.bin\" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\n";
        let sheet = CueSheet::parse(cue.as_bytes()).unwrap();
        let big = files(&[81 * 60 * 75 * 2352]);
        let Err(Planning::Layout(e)) = plan(&sheet, &big, Capacity::Minutes80) else {
            panic!("planned");
        };
        assert_eq!(e.imapi_code(), Some(ImapiCode::DiscFull));
    }
}
