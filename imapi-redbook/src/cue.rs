//! CUE sheets (the CDRWIN text format): the model, a parser over untrusted bytes, a writer,
//! and the mapping to and from a [`Layout`].
//!
//! INDEX times are positions in the current FILE; `PREGAP` and `POSTGAP` are silence that no
//! file holds; the 150-frame pause before track 1 is implied and never in a file.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use crate::cdtext::TextFields;
use crate::isrc::{CodeError, Isrc, Mcn};
use crate::layout::{Capacity, Layout, LayoutError, Track, TrackFlags};
use crate::msf::{format_frames, parse_frames, LEAD_IN_GAP};
use std::fmt::Write as _;

/// The data kind of a FILE.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FileType {
    /// Raw data, samples little-endian.
    Binary,
    /// Raw data, samples big-endian.
    Motorola,
    /// A WAV file.
    Wave,
    /// An AIFF file.
    Aiff,
    /// An MP3 file.
    Mp3,
    /// Another word (FLAC, ...), kept as written.
    Other(String),
}

impl FileType {
    fn parse(word: &str) -> FileType {
        match word.to_ascii_uppercase().as_str() {
            "BINARY" => FileType::Binary,
            "MOTOROLA" => FileType::Motorola,
            "WAVE" => FileType::Wave,
            "AIFF" => FileType::Aiff,
            "MP3" => FileType::Mp3,
            _ => FileType::Other(word.to_string()),
        }
    }

    /// The keyword.
    pub fn as_str(&self) -> &str {
        match self {
            FileType::Binary => "BINARY",
            FileType::Motorola => "MOTOROLA",
            FileType::Wave => "WAVE",
            FileType::Aiff => "AIFF",
            FileType::Mp3 => "MP3",
            FileType::Other(s) => s,
        }
    }
}

/// A track's data mode and sector size.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TrackMode {
    /// CD-DA, 2352 bytes.
    Audio,
    /// Mode 1, 2048 user bytes.
    Mode1_2048,
    /// Mode 1, raw 2352 bytes.
    Mode1_2352,
    /// Mode 2, 2336 bytes.
    Mode2_2336,
    /// Mode 2, raw 2352 bytes.
    Mode2_2352,
    /// Another mode word (CDG, CDI/2336, ...), kept as written.
    Other(String),
}

impl TrackMode {
    fn parse(word: &str) -> TrackMode {
        match word.to_ascii_uppercase().as_str() {
            "AUDIO" => TrackMode::Audio,
            "MODE1/2048" => TrackMode::Mode1_2048,
            "MODE1/2352" => TrackMode::Mode1_2352,
            "MODE2/2336" => TrackMode::Mode2_2336,
            "MODE2/2352" => TrackMode::Mode2_2352,
            _ => TrackMode::Other(word.to_string()),
        }
    }

    /// The keyword.
    pub fn as_str(&self) -> &str {
        match self {
            TrackMode::Audio => "AUDIO",
            TrackMode::Mode1_2048 => "MODE1/2048",
            TrackMode::Mode1_2352 => "MODE1/2352",
            TrackMode::Mode2_2336 => "MODE2/2336",
            TrackMode::Mode2_2352 => "MODE2/2352",
            TrackMode::Other(s) => s,
        }
    }

    /// Bytes per sector in the file (2352 for modes this crate does not know).
    pub fn sector_size(&self) -> usize {
        match self {
            TrackMode::Mode1_2048 => 2048,
            TrackMode::Mode2_2336 => 2336,
            _ => 2352,
        }
    }
}

/// The FLAGS of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CueFlags {
    /// `DCP`: digital copy permitted.
    pub dcp: bool,
    /// `4CH`: four-channel audio.
    pub four_channel: bool,
    /// `PRE`: pre-emphasis.
    pub pre_emphasis: bool,
    /// `SCMS`: serial copy management.
    pub scms: bool,
}

impl CueFlags {
    fn any(&self) -> bool {
        self.dcp || self.four_channel || self.pre_emphasis || self.scms
    }
}

/// A FILE line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CueFile {
    /// The name as written.
    pub name: String,
    /// Its type.
    pub kind: FileType,
}

/// An INDEX line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CueIndex {
    /// The index number (0–99).
    pub number: u8,
    /// The FILE it is in (an index into [`CueSheet::files`]).
    pub file: usize,
    /// Frames from the start of that file.
    pub at: u32,
}

/// A TRACK and its commands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CueTrack {
    /// The track number (1–99).
    pub number: u8,
    /// The FILE in effect at the TRACK line.
    pub file: usize,
    /// The mode.
    pub mode: Option<TrackMode>,
    /// FLAGS.
    pub flags: CueFlags,
    /// ISRC.
    pub isrc: Option<Isrc>,
    /// TITLE, PERFORMER, SONGWRITER, ... of the track.
    pub text: TextFields,
    /// PREGAP: frames of silence before INDEX 01 that no file holds.
    pub pregap: u32,
    /// POSTGAP: frames of silence after the track that no file holds.
    pub postgap: u32,
    /// INDEX lines in order.
    pub indexes: Vec<CueIndex>,
}

impl CueTrack {
    /// The INDEX with this number.
    pub fn index(&self, number: u8) -> Option<&CueIndex> {
        self.indexes.iter().find(|i| i.number == number)
    }
}

/// A parsed or built CUE sheet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CueSheet {
    /// REM lines of the sheet's head (text after `REM `).
    pub rems: Vec<String>,
    /// CATALOG.
    pub catalog: Option<Mcn>,
    /// CDTEXTFILE.
    pub cdtextfile: Option<String>,
    /// TITLE, PERFORMER, SONGWRITER, ... of the album.
    pub text: TextFields,
    /// FILE lines in order.
    pub files: Vec<CueFile>,
    /// TRACKs in order.
    pub tracks: Vec<CueTrack>,
}

/// What is wrong with a CUE sheet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CueErrorKind {
    /// A command this parser does not know.
    #[error("unknown command {0:?}")]
    UnknownCommand(String),
    /// A command lacks an argument.
    #[error("{0} needs {1}")]
    Missing(&'static str, &'static str),
    /// A quoted string does not end on its line.
    #[error("unterminated quoted string")]
    Unterminated,
    /// A time is not `mm:ss:ff`.
    #[error("{0:?} is not a time mm:ss:ff")]
    BadTime(String),
    /// A number out of range or not a number.
    #[error("{what} {text:?} is not a number in {min}..={max}")]
    BadNumber {
        /// What was expected.
        what: &'static str,
        /// The text found.
        text: String,
        /// Smallest allowed.
        min: u8,
        /// Largest allowed.
        max: u8,
    },
    /// TRACK numbers must rise by one.
    #[error("track {found} follows track {previous}")]
    TrackOrder {
        /// The previous number.
        previous: u8,
        /// The number found.
        found: u8,
    },
    /// A TRACK before any FILE.
    #[error("TRACK before any FILE")]
    TrackBeforeFile,
    /// A track command outside a track.
    #[error("{0} outside a TRACK")]
    OutsideTrack(&'static str),
    /// INDEX numbers must rise, and times must not fall within a file.
    #[error("INDEX {number:02} out of order")]
    IndexOrder {
        /// The index number.
        number: u8,
    },
    /// A track ended without INDEX 01.
    #[error("track {0} has no INDEX 01")]
    NoIndex01(u8),
    /// Bad ISRC or CATALOG.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// An unknown FLAGS word.
    #[error("unknown flag {0:?}")]
    Flag(String),
    /// No TRACK at all.
    #[error("no TRACK")]
    NoTracks,
}

/// A CUE parse error: the line (1-based) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("CUE line {line}: {kind}")]
pub struct CueError {
    /// The line, from 1 (0 for errors about the whole sheet).
    pub line: usize,
    /// What is wrong.
    pub kind: CueErrorKind,
}

/// Decodes a text file: UTF-8 (a BOM is dropped) or, when not valid UTF-8, ISO-8859-1.
pub(crate) fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match core::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// Splits a line into words and quoted strings.
fn tokens(line: &str) -> Result<Vec<String>, CueErrorKind> {
    let mut out = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let rest = &line[i + 1..];
            let end = rest.find('"').ok_or(CueErrorKind::Unterminated)?;
            out.push(rest[..end].to_string());
            let stop = i + 1 + end;
            while chars.next_if(|&(j, _)| j <= stop).is_some() {}
        } else {
            let mut end = line.len();
            while let Some(&(j, c)) = chars.peek() {
                if c.is_whitespace() {
                    end = j;
                    break;
                }
                chars.next();
            }
            out.push(line[i..end].to_string());
        }
    }
    Ok(out)
}

fn number(text: &str, what: &'static str, min: u8, max: u8) -> Result<u8, CueErrorKind> {
    let bad = || CueErrorKind::BadNumber { what, text: text.chars().take(16).collect(), min, max };
    if text.is_empty() || text.len() > 3 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    text.parse::<u8>().ok().filter(|n| (min..=max).contains(n)).ok_or_else(bad)
}

fn time(text: &str) -> Result<u32, CueErrorKind> {
    parse_frames(text).ok_or_else(|| CueErrorKind::BadTime(text.chars().take(16).collect()))
}

/// The pack type of a CD-Text command word.
fn text_kind(word: &str) -> Option<u8> {
    Some(match word {
        "TITLE" => 0x80,
        "PERFORMER" => 0x81,
        "SONGWRITER" => 0x82,
        "COMPOSER" => 0x83,
        "ARRANGER" => 0x84,
        "MESSAGE" => 0x85,
        "DISC_ID" => 0x86,
        "UPC_EAN" => 0x8E,
        _ => return None,
    })
}

const TEXT_WORDS: [(u8, &str); 8] = [
    (0x81, "PERFORMER"),
    (0x80, "TITLE"),
    (0x82, "SONGWRITER"),
    (0x83, "COMPOSER"),
    (0x84, "ARRANGER"),
    (0x85, "MESSAGE"),
    (0x86, "DISC_ID"),
    (0x8E, "UPC_EAN"),
];

impl CueSheet {
    /// Parses a CUE sheet from untrusted bytes (UTF-8 or ISO-8859-1).
    pub fn parse(bytes: &[u8]) -> Result<CueSheet, CueError> {
        let text = decode_text(bytes);
        let mut sheet = CueSheet::default();
        let mut line_no = 0;
        for line in text.lines() {
            line_no += 1;
            sheet.parse_line(line).map_err(|kind| CueError { line: line_no, kind })?;
        }
        if let Some(t) = sheet.tracks.last() {
            if t.index(1).is_none() {
                return Err(CueError { line: line_no, kind: CueErrorKind::NoIndex01(t.number) });
            }
        } else {
            return Err(CueError { line: line_no, kind: CueErrorKind::NoTracks });
        }
        Ok(sheet)
    }

    fn parse_line(&mut self, line: &str) -> Result<(), CueErrorKind> {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            return Ok(());
        }
        let words = tokens(trimmed)?;
        let Some(cmd) = words.first() else { return Ok(()) };
        let cmd = cmd.to_ascii_uppercase();
        let arg = |n: usize, what: &'static str| -> Result<&str, CueErrorKind> {
            words.get(n).map(String::as_str).ok_or(CueErrorKind::Missing(static_cmd(&cmd), what))
        };
        let rest = || words.get(1..).map(|w| w.join(" ")).unwrap_or_default();
        match cmd.as_str() {
            "REM" => {
                let text = trimmed.get(3..).unwrap_or("").trim().to_string();
                if self.tracks.is_empty() {
                    self.rems.push(text);
                }
            }
            "CATALOG" => self.catalog = Some(Mcn::parse(arg(1, "a 13-digit number")?)?),
            "CDTEXTFILE" => self.cdtextfile = Some(arg(1, "a file name")?.to_string()),
            "FILE" => {
                let name = arg(1, "a file name")?.to_string();
                // The type is the last word: tolerate unquoted names with spaces.
                let kind = if words.len() >= 3 {
                    FileType::parse(words.last().map_or("", String::as_str))
                } else {
                    return Err(CueErrorKind::Missing("FILE", "a type"));
                };
                let name = match words.get(1..words.len().saturating_sub(1)) {
                    Some(middle) if words.len() > 3 => middle.join(" "),
                    _ => name,
                };
                self.files.push(CueFile { name, kind });
            }
            "TRACK" => {
                if self.files.is_empty() {
                    return Err(CueErrorKind::TrackBeforeFile);
                }
                let number = number(arg(1, "a number")?, "track number", 1, 99)?;
                let mode = TrackMode::parse(arg(2, "a mode")?);
                if let Some(prev) = self.tracks.last() {
                    if prev.index(1).is_none() {
                        return Err(CueErrorKind::NoIndex01(prev.number));
                    }
                    if prev.number.checked_add(1) != Some(number) {
                        return Err(CueErrorKind::TrackOrder {
                            previous: prev.number,
                            found: number,
                        });
                    }
                }
                self.tracks.push(CueTrack {
                    number,
                    file: self.files.len() - 1,
                    mode: Some(mode),
                    ..CueTrack::default()
                });
            }
            "INDEX" => {
                let file = self.files.len().saturating_sub(1);
                let track = self.tracks.last_mut().ok_or(CueErrorKind::OutsideTrack("INDEX"))?;
                let n = number(arg(1, "a number")?, "index number", 0, 99)?;
                let at = time(arg(2, "a time")?)?;
                if let Some(last) = track.indexes.last() {
                    if n <= last.number || (last.file == file && at < last.at) {
                        return Err(CueErrorKind::IndexOrder { number: n });
                    }
                }
                track.indexes.push(CueIndex { number: n, file, at });
            }
            "PREGAP" | "POSTGAP" => {
                let t = time(arg(1, "a time")?)?;
                let track =
                    self.tracks.last_mut().ok_or(CueErrorKind::OutsideTrack(static_cmd(&cmd)))?;
                if cmd == "PREGAP" {
                    track.pregap = t;
                } else {
                    track.postgap = t;
                }
            }
            "ISRC" => {
                let isrc = Isrc::parse(arg(1, "a code")?)?;
                self.tracks.last_mut().ok_or(CueErrorKind::OutsideTrack("ISRC"))?.isrc = Some(isrc);
            }
            "FLAGS" => {
                let track = self.tracks.last_mut().ok_or(CueErrorKind::OutsideTrack("FLAGS"))?;
                for w in words.iter().skip(1) {
                    match w.to_ascii_uppercase().as_str() {
                        "DCP" => track.flags.dcp = true,
                        "4CH" => track.flags.four_channel = true,
                        "PRE" => track.flags.pre_emphasis = true,
                        "SCMS" => track.flags.scms = true,
                        "DATA" => {}
                        other => return Err(CueErrorKind::Flag(other.chars().take(16).collect())),
                    }
                }
            }
            "GENRE" => {}
            word => {
                let kind = text_kind(word)
                    .ok_or_else(|| CueErrorKind::UnknownCommand(word.chars().take(32).collect()))?;
                let value = rest();
                match self.tracks.last_mut() {
                    Some(t) if kind == 0x8E => t.isrc = Some(Isrc::parse(&value)?),
                    Some(t) => t.text.set(kind, Some(value)),
                    None => self.text.set(kind, Some(value)),
                }
            }
        }
        Ok(())
    }

    /// The CUE text. Fails with [`CueWriteError`] when a string holds a double quote or a line
    /// break, which the format cannot express.
    pub fn to_text(&self) -> Result<String, CueWriteError> {
        let mut s = String::new();
        let q = |v: &str| -> Result<String, CueWriteError> {
            if v.contains(['"', '\n', '\r']) {
                return Err(CueWriteError { text: v.chars().take(40).collect() });
            }
            Ok(format!("\"{v}\""))
        };
        // Writing into a String cannot fail.
        for r in &self.rems {
            if r.contains(['\n', '\r']) {
                return Err(CueWriteError { text: r.chars().take(40).collect() });
            }
            let _ = writeln!(s, "REM {r}");
        }
        if let Some(c) = &self.catalog {
            let _ = writeln!(s, "CATALOG {c}");
        }
        if let Some(f) = &self.cdtextfile {
            let _ = writeln!(s, "CDTEXTFILE {}", q(f)?);
        }
        for (kind, word) in TEXT_WORDS {
            if let Some(v) = self.text.get(kind) {
                let _ = writeln!(s, "{word} {}", q(v)?);
            }
        }
        // FILE lines go out in order, each just before the first line that needs it; files
        // no track or index uses still get their line.
        let mut emitted = 0usize;
        let mut file_line = |s: &mut String, upto: usize| -> Result<(), CueWriteError> {
            while emitted <= upto {
                let Some(file) = self.files.get(emitted) else { break };
                let _ = writeln!(s, "FILE {} {}", q(&file.name)?, word(file.kind.as_str())?);
                emitted += 1;
            }
            Ok(())
        };
        for t in &self.tracks {
            file_line(&mut s, t.file)?;
            let mode = word(t.mode.as_ref().map_or("AUDIO", TrackMode::as_str))?;
            let _ = writeln!(s, "  TRACK {:02} {mode}", t.number);
            // A track's UPC_EAN line is its ISRC, written below.
            for (kind, word) in TEXT_WORDS.into_iter().filter(|w| w.0 != 0x8E) {
                if let Some(v) = t.text.get(kind) {
                    let _ = writeln!(s, "    {word} {}", q(v)?);
                }
            }
            if t.flags.any() {
                let mut words = Vec::new();
                for (on, w) in [
                    (t.flags.dcp, "DCP"),
                    (t.flags.four_channel, "4CH"),
                    (t.flags.pre_emphasis, "PRE"),
                    (t.flags.scms, "SCMS"),
                ] {
                    if on {
                        words.push(w);
                    }
                }
                let _ = writeln!(s, "    FLAGS {}", words.join(" "));
            }
            if let Some(isrc) = &t.isrc {
                let _ = writeln!(s, "    ISRC {isrc}");
            }
            if t.pregap > 0 {
                let _ = writeln!(s, "    PREGAP {}", format_frames(t.pregap));
            }
            for i in &t.indexes {
                file_line(&mut s, i.file)?;
                let _ = writeln!(s, "    INDEX {:02} {}", i.number, format_frames(i.at));
            }
            if t.postgap > 0 {
                let _ = writeln!(s, "    POSTGAP {}", format_frames(t.postgap));
            }
        }
        file_line(&mut s, usize::MAX)?;
        Ok(s)
    }

    /// The sheet of a layout whose audio is one BINARY file, `bin_name`, starting at track 1's
    /// INDEX 01: later pregaps are in the file as INDEX 00; track 1's pregap beyond the
    /// mandatory 150 frames becomes a PREGAP.
    pub fn from_layout(layout: &Layout, bin_name: &str) -> CueSheet {
        let mut sheet = CueSheet {
            catalog: layout.mcn,
            text: TextFields {
                title: layout.text.title.clone(),
                performer: layout.text.performer.clone(),
                songwriter: layout.text.songwriter.clone(),
                ..TextFields::default()
            },
            files: vec![CueFile { name: bin_name.to_string(), kind: FileType::Binary }],
            ..CueSheet::default()
        };
        let mut base = None;
        for (t, pos) in layout.tracks().iter().zip(layout.positions()) {
            let base = *base.get_or_insert(pos.start.0);
            // Positions never fall before track 1's INDEX 01 except its own pregap.
            let at = |lba: i32| lba.saturating_sub(base).max(0).unsigned_abs();
            let mut track = CueTrack {
                number: pos.number,
                mode: Some(if t.flags.data { TrackMode::Mode1_2352 } else { TrackMode::Audio }),
                flags: CueFlags {
                    dcp: t.flags.copy_permitted,
                    four_channel: t.flags.four_channel,
                    pre_emphasis: t.flags.pre_emphasis,
                    scms: false,
                },
                isrc: t.isrc,
                text: TextFields {
                    title: t.text.title.clone(),
                    performer: t.text.performer.clone(),
                    songwriter: t.text.songwriter.clone(),
                    ..TextFields::default()
                },
                ..CueTrack::default()
            };
            if pos.number == layout.first_track_number() {
                track.pregap = t.pregap.saturating_sub(LEAD_IN_GAP);
            } else if t.pregap > 0 {
                track.indexes.push(CueIndex { number: 0, file: 0, at: at(pos.pregap_start.0) });
            }
            track.indexes.push(CueIndex { number: 1, file: 0, at: at(pos.start.0) });
            // A layout holds at most 98 such indexes (Layout::push): INDEX 02 to 99.
            for (number, off) in (2u8..=99).zip(&t.indexes) {
                track.indexes.push(CueIndex { number, file: 0, at: at(pos.start.0) + off });
            }
            sheet.tracks.push(track);
        }
        sheet
    }

    /// The layout this sheet describes, given the frames each FILE holds (`file_frames(i)`
    /// for [`CueSheet::files`]`[i]`). The 150-frame pause before track 1 is added to its
    /// pregap, as every CUE reader does.
    pub fn to_layout(
        &self,
        capacity: Capacity,
        file_frames: impl Fn(usize) -> u32,
    ) -> Result<Layout, LayoutError> {
        let mut bases = Vec::with_capacity(self.files.len());
        let mut total: u64 = 0;
        for i in 0..self.files.len() {
            bases.push(total);
            total += u64::from(file_frames(i));
        }
        let base = |f: usize| bases.get(f).copied().unwrap_or(total);
        // Disc frames counted from track 1's pregap start in the files, plus inserted silence.
        let mut shift: u64 = 0;
        let mut spans: Vec<(u64, u64, Vec<u32>)> = Vec::new(); // (pregap start, INDEX 01, indexes)
        for (n, t) in self.tracks.iter().enumerate() {
            let i01 =
                t.index(1).ok_or(LayoutError::Index { track: t.number, index: 1, offset: 0 })?;
            let pregap_start = match t.index(0) {
                Some(i0) => base(i0.file) + u64::from(i0.at) + shift,
                None if n == 0 => 0,
                None => base(i01.file) + u64::from(i01.at) + shift,
            };
            shift += u64::from(t.pregap);
            let start = base(i01.file) + u64::from(i01.at) + shift;
            let extra = t
                .indexes
                .iter()
                .filter(|i| i.number >= 2)
                .map(|i| (base(i.file) + u64::from(i.at) + shift).saturating_sub(start))
                .map(|d| u32::try_from(d).unwrap_or(u32::MAX))
                .collect();
            spans.push((pregap_start.min(start), start, extra));
            shift += u64::from(t.postgap);
        }
        let end = total + shift;
        let mut layout =
            Layout::new(capacity).with_first_track(self.tracks.first().map_or(1, |t| t.number))?;
        layout.mcn = self.catalog;
        layout.text = self.text.clone();
        for (n, (t, (pregap_start, start, extra))) in self.tracks.iter().zip(&spans).enumerate() {
            let next = spans.get(n + 1).map_or(end, |s| s.0);
            let clamp = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
            let mut pregap = clamp(start - pregap_start);
            if n == 0 {
                pregap = pregap.saturating_add(LEAD_IN_GAP);
            }
            let data = !matches!(t.mode, Some(TrackMode::Audio) | None);
            layout.push(Track {
                pregap,
                length: clamp(next.saturating_sub(*start)),
                indexes: extra.clone(),
                isrc: t.isrc,
                flags: TrackFlags {
                    pre_emphasis: t.flags.pre_emphasis,
                    copy_permitted: t.flags.dcp,
                    data,
                    four_channel: t.flags.four_channel,
                },
                text: t.text.clone(),
            })?;
        }
        Ok(layout)
    }
}

/// A keyword as written: quoted when it is empty or holds white space (as it was read).
fn word(w: &str) -> Result<String, CueWriteError> {
    if w.contains(['"', '\n', '\r']) {
        return Err(CueWriteError { text: w.chars().take(40).collect() });
    }
    if w.is_empty() || w.contains(char::is_whitespace) {
        Ok(format!("\"{w}\""))
    } else {
        Ok(w.to_string())
    }
}

/// A string the CUE format cannot hold (a double quote or a line break).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("CUE cannot hold the text {text:?} (double quote or line break)")]
pub struct CueWriteError {
    /// The text (cut to 40 characters).
    pub text: String,
}

fn static_cmd(cmd: &str) -> &'static str {
    match cmd {
        "CATALOG" => "CATALOG",
        "CDTEXTFILE" => "CDTEXTFILE",
        "FILE" => "FILE",
        "TRACK" => "TRACK",
        "INDEX" => "INDEX",
        "PREGAP" => "PREGAP",
        "POSTGAP" => "POSTGAP",
        "ISRC" => "ISRC",
        _ => "command",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msf::Lba;

    const EAC_STYLE: &str = "REM GENRE Rock\r\nPERFORMER \"The Band\"\r\nTITLE \"Album\"\r\n\
FILE \"01.wav\" WAVE\r\n  TRACK 01 AUDIO\r\n    TITLE \"One\"\r\n    ISRC USRC17607839\r\n    INDEX 01 00:00:00\r\n\
  TRACK 02 AUDIO\r\n    TITLE \"Two\"\r\n    INDEX 00 00:10:00\r\nFILE \"02.wav\" WAVE\r\n    INDEX 01 00:00:00\r\n    INDEX 02 00:05:00\r\n";

    #[test]
    fn parses_several_files_and_gaps_across_them() {
        let s = CueSheet::parse(EAC_STYLE.as_bytes()).unwrap();
        assert_eq!(s.rems, vec!["GENRE Rock".to_string()]);
        assert_eq!(s.text.performer.as_deref(), Some("The Band"));
        assert_eq!(s.files.len(), 2);
        assert_eq!(
            s.tracks[1].indexes,
            vec![
                CueIndex { number: 0, file: 0, at: 750 },
                CueIndex { number: 1, file: 1, at: 0 },
                CueIndex { number: 2, file: 1, at: 375 },
            ]
        );
        let layout = s.to_layout(Capacity::Minutes80, |f| [1000, 2000][f]).unwrap();
        let p: Vec<_> = layout.positions().collect();
        assert_eq!((p[0].start, p[0].end), (Lba(0), Lba(750)));
        assert_eq!((p[1].pregap_start, p[1].start, p[1].end), (Lba(750), Lba(1000), Lba(3000)));
        assert_eq!(layout.tracks()[1].indexes, vec![375]);
        assert_eq!(layout.tracks()[0].isrc.unwrap().as_str(), "USRC17607839");
    }

    #[test]
    fn pregap_and_postgap_are_inserted_silence() {
        let cue = "FILE \"a.bin\" BINARY\nTRACK 01 AUDIO\nPREGAP 00:01:00\nINDEX 01 00:00:00\nPOSTGAP 00:02:00\n\
TRACK 02 AUDIO\nINDEX 01 00:10:00\n";
        let s = CueSheet::parse(cue.as_bytes()).unwrap();
        let layout = s.to_layout(Capacity::Minutes80, |_| 1500).unwrap();
        let p: Vec<_> = layout.positions().collect();
        assert_eq!(layout.tracks()[0].pregap, 225);
        assert_eq!((p[0].start, p[0].end), (Lba(75), Lba(75 + 750 + 150)));
        assert_eq!((p[1].start, p[1].end), (Lba(975), Lba(975 + 750)));
    }

    #[test]
    fn rejections_name_the_line() {
        let e = |s: &str| CueSheet::parse(s.as_bytes()).unwrap_err();
        assert_eq!(e("TRACK 01 AUDIO\n").kind, CueErrorKind::TrackBeforeFile);
        assert_eq!(
            e("FILE a BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nTRACK 03 AUDIO\n").kind,
            CueErrorKind::TrackOrder { previous: 1, found: 3 }
        );
        assert_eq!(
            e("FILE a BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nTRACK 02 AUDIO\n").kind,
            CueErrorKind::NoIndex01(2)
        );
        assert_eq!(e("FILE a BINARY\nTRACK 01 AUDIO\nINDEX 01 00:61:00\n").line, 3);
        assert_eq!(e("FILE a BINARY\nTRACK 100 AUDIO\n").line, 2);
        assert_eq!(
            e("FILE a BINARY\nTRACK 01 AUDIO\nINDEX 01 00:02:00\nINDEX 02 00:01:00\n").kind,
            CueErrorKind::IndexOrder { number: 2 }
        );
        assert_eq!(e("TITLE \"open\n").kind, CueErrorKind::Unterminated);
        assert_eq!(e("BOGUS 1\n").kind, CueErrorKind::UnknownCommand("BOGUS".into()));
        assert!(matches!(e("CATALOG 123\n").kind, CueErrorKind::Code(_)));
        assert_eq!(e("REM nothing\n").kind, CueErrorKind::NoTracks);
        assert_eq!(e("FILE a\n").kind, CueErrorKind::Missing("FILE", "a type"));
    }

    #[test]
    fn latin1_text_is_decoded() {
        let mut cue =
            b"TITLE \"Caf\xe9\"\nFILE \"a\" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\n".to_vec();
        let s = CueSheet::parse(&cue).unwrap();
        assert_eq!(s.text.title.as_deref(), Some("Café"));
        cue.splice(0..0, b"\xEF\xBB\xBF".iter().copied());
        assert_eq!(CueSheet::parse(&cue).unwrap().text.title.as_deref(), Some("Café"));
    }
}
