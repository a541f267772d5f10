//! cdrdao's `.toc` files: the model, a parser over untrusted bytes, a writer, and the mapping
//! to and from a [`Layout`].
//!
//! cdrdao reads raw audio files big-endian unless `SWAP` follows the file name; `.wav` files
//! little-endian. Lengths are samples (1/44100 s) for audio, bytes for data, or `MM:SS:FF`
//! blocks. Track 1's 150-frame pause is implied; `START`/`PREGAP` give a track's pregap.

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
use crate::cue::decode_text;
use crate::isrc::{CodeError, Isrc, Mcn};
use crate::layout::{Capacity, Layout, LayoutError, Track, TrackFlags};
use crate::msf::{format_frames, LEAD_IN_GAP, SAMPLES_PER_FRAME};
use std::fmt::Write as _;

/// The session type of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SessionType {
    /// `CD_DA`: audio only.
    #[default]
    CdDa,
    /// `CD_ROM`: Mode 1, possibly with audio.
    CdRom,
    /// `CD_ROM_XA`: Mode 2.
    CdRomXa,
    /// `CD_I`.
    CdI,
}

impl SessionType {
    fn as_str(self) -> &'static str {
        match self {
            SessionType::CdDa => "CD_DA",
            SessionType::CdRom => "CD_ROM",
            SessionType::CdRomXa => "CD_ROM_XA",
            SessionType::CdI => "CD_I",
        }
    }
}

/// A TRACK's mode word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TocTrackMode {
    /// `AUDIO`, 2352 bytes.
    Audio,
    /// `MODE1`, 2048 bytes.
    Mode1,
    /// `MODE1_RAW`, 2352 bytes.
    Mode1Raw,
    /// `MODE2`, 2336 bytes.
    Mode2,
    /// `MODE2_FORM1`, 2048 bytes.
    Mode2Form1,
    /// `MODE2_FORM2`, 2324 bytes.
    Mode2Form2,
    /// `MODE2_FORM_MIX`, 2336 bytes.
    Mode2FormMix,
    /// `MODE2_RAW`, 2352 bytes.
    Mode2Raw,
}

const MODES: [(TocTrackMode, &str, u32); 8] = [
    (TocTrackMode::Audio, "AUDIO", 2352),
    (TocTrackMode::Mode1, "MODE1", 2048),
    (TocTrackMode::Mode1Raw, "MODE1_RAW", 2352),
    (TocTrackMode::Mode2, "MODE2", 2336),
    (TocTrackMode::Mode2Form1, "MODE2_FORM1", 2048),
    (TocTrackMode::Mode2Form2, "MODE2_FORM2", 2324),
    (TocTrackMode::Mode2FormMix, "MODE2_FORM_MIX", 2336),
    (TocTrackMode::Mode2Raw, "MODE2_RAW", 2352),
];

impl TocTrackMode {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        MODES.iter().find(|m| m.0 == self).map_or("AUDIO", |m| m.1)
    }

    /// Bytes per block in the input files.
    pub fn block_len(self) -> u32 {
        MODES.iter().find(|m| m.0 == self).map_or(2352, |m| m.2)
    }
}

/// A length or position: samples (audio) or bytes (data), or whole blocks written `MM:SS:FF`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Length {
    /// A plain number: samples for audio, bytes for data.
    Units(u64),
    /// `MM:SS:FF`: blocks.
    Frames(u32),
}

impl Length {
    /// Samples (audio) or bytes (data) for a block of `per_block` units.
    pub fn units(self, per_block: u64) -> u64 {
        match self {
            Length::Units(u) => u,
            Length::Frames(f) => u64::from(f) * per_block,
        }
    }

    fn write(self, s: &mut String) {
        let _ = match self {
            Length::Units(u) => write!(s, "{u}"),
            Length::Frames(f) => write!(s, "{}", format_frames(f)),
        };
    }
}

/// A data statement of a track.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DataItem {
    /// `SILENCE len`: zero audio.
    Silence(Length),
    /// `ZERO len`: zero data.
    Zero(Length),
    /// `FILE`/`AUDIOFILE "name" [SWAP] [#offset] start [len]`.
    AudioFile {
        /// The file name.
        name: String,
        /// `SWAP`: the file's samples are little-endian (raw files are read big-endian).
        swap: bool,
        /// `#offset`: bytes to skip at the file's start.
        offset: Option<u64>,
        /// Where the audio starts in the file.
        start: Length,
        /// How much to take (to the end of the file when absent or zero).
        length: Option<Length>,
    },
    /// `DATAFILE "name" [#offset] [len]`.
    DataFile {
        /// The file name.
        name: String,
        /// `#offset`.
        offset: Option<u64>,
        /// The length (the whole file when absent).
        length: Option<Length>,
    },
    /// `FIFO "path" len`.
    Fifo {
        /// The path.
        name: String,
        /// The length.
        length: Length,
    },
}

/// Where a track's pregap ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pregap {
    /// `START` after `after_items` data statements: at the given offset, or (when `None`)
    /// at the length of those statements.
    Start {
        /// Data statements before the `START`.
        after_items: usize,
        /// The pregap length, when given.
        at: Option<u32>,
    },
    /// `PREGAP MM:SS:FF`: silence before the data statements.
    Silence(u32),
}

/// One TRACK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TocTrack {
    /// The mode.
    pub mode: TocTrackMode,
    /// The sub-channel mode word (`RW`, `RW_RAW`), if any.
    pub subchannel: Option<String>,
    /// `COPY`.
    pub copy: bool,
    /// `PRE_EMPHASIS`.
    pub pre_emphasis: bool,
    /// `FOUR_CHANNEL_AUDIO`.
    pub four_channel: bool,
    /// `ISRC`.
    pub isrc: Option<Isrc>,
    /// CD-Text per language number.
    pub cd_text: Vec<(u8, TextFields)>,
    /// Data statements.
    pub items: Vec<DataItem>,
    /// `START` or `PREGAP`.
    pub pregap: Option<Pregap>,
    /// `INDEX` positions in frames from the track start.
    pub indexes: Vec<u32>,
}

impl TocTrack {
    /// An audio track with no statements.
    pub fn audio() -> TocTrack {
        TocTrack {
            mode: TocTrackMode::Audio,
            subchannel: None,
            copy: false,
            pre_emphasis: false,
            four_channel: false,
            isrc: None,
            cd_text: Vec::new(),
            items: Vec::new(),
            pregap: None,
            indexes: Vec::new(),
        }
    }
}

/// A whole `.toc` file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TocFile {
    /// `CATALOG`.
    pub catalog: Option<Mcn>,
    /// The session type.
    pub session: SessionType,
    /// `LANGUAGE_MAP` of the global CD_TEXT: (language number, language code).
    pub language_map: Vec<(u8, u8)>,
    /// Global CD-Text per language number.
    pub cd_text: Vec<(u8, TextFields)>,
    /// The tracks.
    pub tracks: Vec<TocTrack>,
}

/// What is wrong with a `.toc` file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TocErrorKind {
    /// A token where another was expected.
    #[error("expected {expected}, found {found:?}")]
    Expected {
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// A string runs past the end of the input.
    #[error("unterminated string")]
    Unterminated,
    /// A character that starts no token.
    #[error("unexpected character {0:?}")]
    Char(char),
    /// A number out of range.
    #[error("number {0} out of range")]
    Range(String),
    /// More than 99 tracks.
    #[error("more than 99 tracks")]
    TooManyTracks,
    /// Bad ISRC or CATALOG.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// Blocks nested too deep or too long.
    #[error("CD_TEXT block too large")]
    TooLarge,
}

/// A `.toc` parse error: the line (1-based) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("TOC line {line}: {kind}")]
pub struct TocFileError {
    /// The line.
    pub line: usize,
    /// What is wrong.
    pub kind: TocErrorKind,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(u64),
    Msf(u32),
    Sym(char),
}

impl Tok {
    fn show(&self) -> String {
        match self {
            Tok::Word(w) => w.chars().take(24).collect(),
            Tok::Str(s) => format!("\"{}\"", s.chars().take(24).collect::<String>()),
            Tok::Num(n) => n.to_string(),
            Tok::Msf(f) => format_frames(*f),
            Tok::Sym(c) => c.to_string(),
        }
    }
}

fn lex(text: &str) -> Result<Vec<(usize, Tok)>, TocFileError> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    let mut line = 1;
    let err = |line, kind| TocFileError { line, kind };
    while let Some(&c) = b.get(i) {
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            c if c.is_ascii_whitespace() => i += 1,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while b.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                let mut s = Vec::new();
                loop {
                    match b.get(i) {
                        None => return Err(err(line, TocErrorKind::Unterminated)),
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') => {
                            let digits: Vec<u8> = b
                                .get(i + 1..i + 4)
                                .unwrap_or(&[])
                                .iter()
                                .copied()
                                .take_while(|d| (b'0'..=b'7').contains(d))
                                .collect();
                            if digits.len() == 3 {
                                let v =
                                    digits.iter().fold(0u32, |a, d| a * 8 + u32::from(d - b'0'));
                                // As in C, an escape above \377 keeps its low byte.
                                s.push((v & 0xFF) as u8);
                                i += 4;
                            } else {
                                s.push(*b.get(i + 1).ok_or(err(line, TocErrorKind::Unterminated))?);
                                i += 2;
                            }
                        }
                        Some(&c) => {
                            if c == b'\n' {
                                line += 1;
                            }
                            s.push(c);
                            i += 1;
                        }
                    }
                }
                out.push((
                    line,
                    Tok::Str(String::from_utf8(s.clone()).unwrap_or_else(|_| decode_text(&s))),
                ));
            }
            b'0'..=b'9' => {
                let start = i;
                while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b':') {
                    i += 1;
                }
                let word = &text[start..i];
                let tok = if word.contains(':') {
                    let parts: Vec<&str> = word.split(':').collect();
                    let nums: Option<Vec<u32>> = parts
                        .iter()
                        .map(|p| if p.is_empty() || p.len() > 4 { None } else { p.parse().ok() })
                        .collect();
                    match nums.as_deref() {
                        Some(&[m, s, f]) if s < 60 && f < 75 => Tok::Msf(m * 4500 + s * 75 + f),
                        // `0:9` in a LANGUAGE_MAP written without spaces.
                        Some(&[a, b]) => {
                            out.push((line, Tok::Num(u64::from(a))));
                            out.push((line, Tok::Sym(':')));
                            Tok::Num(u64::from(b))
                        }
                        _ => {
                            return Err(err(
                                line,
                                TocErrorKind::Range(word.chars().take(16).collect()),
                            ))
                        }
                    }
                } else {
                    Tok::Num(word.parse().map_err(|_| {
                        err(line, TocErrorKind::Range(word.chars().take(24).collect()))
                    })?)
                };
                out.push((line, tok));
            }
            b'{' | b'}' | b',' | b'#' => {
                out.push((line, Tok::Sym(char::from(c))));
                i += 1;
            }
            b':' => {
                out.push((line, Tok::Sym(':')));
                i += 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while b.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
                    i += 1;
                }
                out.push((line, Tok::Word(text[start..i].to_string())));
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or('?');
                return Err(err(line, TocErrorKind::Char(ch)));
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.1)
    }

    fn line(&self) -> usize {
        self.toks.get(self.pos).or(self.toks.last()).map_or(1, |t| t.0)
    }

    fn err(&self, expected: &'static str) -> TocFileError {
        let found = self.peek().map_or_else(|| "end of file".to_string(), Tok::show);
        TocFileError { line: self.line(), kind: TocErrorKind::Expected { expected, found } }
    }

    fn fail(&self, kind: TocErrorKind) -> TocFileError {
        TocFileError { line: self.line(), kind }
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|t| t.1.clone());
        self.pos += 1;
        t
    }

    fn word_is(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }

    fn sym(&mut self, c: char, what: &'static str) -> Result<(), TocFileError> {
        if self.peek() == Some(&Tok::Sym(c)) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(what))
        }
    }

    fn string(&mut self, what: &'static str) -> Result<String, TocFileError> {
        match self.peek() {
            Some(Tok::Str(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.err(what)),
        }
    }

    fn small(&mut self, what: &'static str) -> Result<u8, TocFileError> {
        match self.peek() {
            Some(&Tok::Num(n)) => {
                self.pos += 1;
                u8::try_from(n).map_err(|_| self.fail(TocErrorKind::Range(n.to_string())))
            }
            _ => Err(self.err(what)),
        }
    }

    fn length(&mut self) -> Option<Length> {
        match self.peek() {
            Some(&Tok::Num(n)) => {
                self.pos += 1;
                Some(Length::Units(n))
            }
            Some(&Tok::Msf(f)) => {
                self.pos += 1;
                Some(Length::Frames(f))
            }
            _ => None,
        }
    }

    fn need_length(&mut self) -> Result<Length, TocFileError> {
        self.length().ok_or_else(|| self.err("a length"))
    }

    fn msf(&mut self) -> Result<u32, TocFileError> {
        match self.peek() {
            Some(&Tok::Msf(f)) => {
                self.pos += 1;
                Ok(f)
            }
            Some(&Tok::Num(0)) => {
                self.pos += 1;
                Ok(0)
            }
            _ => Err(self.err("MM:SS:FF")),
        }
    }

    fn offset(&mut self) -> Result<Option<u64>, TocFileError> {
        if self.peek() == Some(&Tok::Sym('#')) {
            self.pos += 1;
            match self.next() {
                Some(Tok::Num(n)) => Ok(Some(n)),
                _ => Err(self.err("a byte offset")),
            }
        } else {
            Ok(None)
        }
    }

    /// `{ LANGUAGE_MAP { n : code ... } LANGUAGE n { ITEM data ... } ... }`
    fn cd_text(&mut self, map: &mut Vec<(u8, u8)>) -> Result<Vec<(u8, TextFields)>, TocFileError> {
        self.sym('{', "{")?;
        let mut langs = Vec::new();
        loop {
            match self.next() {
                Some(Tok::Sym('}')) => return Ok(langs),
                Some(Tok::Word(w)) if w == "LANGUAGE_MAP" => {
                    self.sym('{', "{")?;
                    while self.peek() != Some(&Tok::Sym('}')) {
                        let n = self.small("a language number")?;
                        self.sym(':', ":")?;
                        let code = match self.next() {
                            Some(Tok::Num(c)) => u8::try_from(c)
                                .map_err(|_| self.fail(TocErrorKind::Range(c.to_string())))?,
                            Some(Tok::Word(w)) if w == "EN" => 9,
                            _ => return Err(self.err("a language code")),
                        };
                        if map.len() >= 8 {
                            return Err(self.fail(TocErrorKind::TooLarge));
                        }
                        map.push((n, code));
                    }
                    self.pos += 1;
                }
                Some(Tok::Word(w)) if w == "LANGUAGE" => {
                    let n = self.small("a language number")?;
                    self.sym('{', "{")?;
                    let mut fields = TextFields::default();
                    while self.peek() != Some(&Tok::Sym('}')) {
                        let item = match self.next() {
                            Some(Tok::Word(w)) => w,
                            _ => {
                                self.pos -= 1;
                                return Err(self.err("a CD-Text item"));
                            }
                        };
                        let kind = text_kind(&item);
                        match self.peek() {
                            Some(Tok::Str(_)) => {
                                let s = self.string("a string")?;
                                if let Some(k) = kind {
                                    fields.set(k, Some(s));
                                }
                            }
                            Some(Tok::Sym('{')) => self.binary()?,
                            _ => return Err(self.err("a string or { bytes }")),
                        }
                    }
                    self.pos += 1;
                    if langs.len() >= 8 {
                        return Err(self.fail(TocErrorKind::TooLarge));
                    }
                    langs.push((n, fields));
                }
                _ => {
                    self.pos -= 1;
                    return Err(self.err("LANGUAGE_MAP, LANGUAGE or }"));
                }
            }
        }
    }

    /// `{ n, n, ... }`: binary CD-Text data, checked and dropped.
    fn binary(&mut self) -> Result<(), TocFileError> {
        self.sym('{', "{")?;
        loop {
            match self.next() {
                Some(Tok::Sym('}')) => return Ok(()),
                Some(Tok::Num(n)) if n <= 255 => {}
                Some(Tok::Sym(',')) => {}
                _ => {
                    self.pos -= 1;
                    return Err(self.err("a byte or }"));
                }
            }
        }
    }
}

fn text_kind(word: &str) -> Option<u8> {
    Some(match word {
        "TITLE" => 0x80,
        "PERFORMER" => 0x81,
        "SONGWRITER" => 0x82,
        "COMPOSER" => 0x83,
        "ARRANGER" => 0x84,
        "MESSAGE" => 0x85,
        "DISC_ID" => 0x86,
        "UPC_EAN" | "ISRC" => 0x8E,
        _ => return None,
    })
}

const TEXT_ITEMS: [(u8, &str); 7] = [
    (0x80, "TITLE"),
    (0x81, "PERFORMER"),
    (0x82, "SONGWRITER"),
    (0x83, "COMPOSER"),
    (0x84, "ARRANGER"),
    (0x85, "MESSAGE"),
    (0x86, "DISC_ID"),
];

impl TocFile {
    /// Parses a `.toc` file from untrusted bytes.
    pub fn parse(bytes: &[u8]) -> Result<TocFile, TocFileError> {
        let text = decode_text(bytes);
        let mut p = Parser { toks: lex(&text)?, pos: 0 };
        let mut toc = TocFile::default();
        while let Some(tok) = p.peek().cloned() {
            let Tok::Word(w) = tok else { return Err(p.err("a header item or TRACK")) };
            match w.as_str() {
                "CATALOG" => {
                    p.pos += 1;
                    let s = p.string("a 13-digit string")?;
                    toc.catalog = Some(Mcn::parse(&s).map_err(|e| p.fail(e.into()))?);
                }
                "CD_DA" | "CD_ROM" | "CD_ROM_XA" | "CD_I" => {
                    p.pos += 1;
                    toc.session = match w.as_str() {
                        "CD_DA" => SessionType::CdDa,
                        "CD_ROM" => SessionType::CdRom,
                        "CD_ROM_XA" => SessionType::CdRomXa,
                        _ => SessionType::CdI,
                    };
                }
                "CD_TEXT" => {
                    p.pos += 1;
                    toc.cd_text = p.cd_text(&mut toc.language_map)?;
                }
                "TRACK" => {
                    p.pos += 1;
                    if toc.tracks.len() >= 99 {
                        return Err(p.fail(TocErrorKind::TooManyTracks));
                    }
                    let track = parse_track(&mut p)?;
                    toc.tracks.push(track);
                }
                _ => return Err(p.err("a header item or TRACK")),
            }
        }
        Ok(toc)
    }

    /// The `.toc` text. Strings are escaped as cdrdao reads them.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{}", self.session.as_str());
        if let Some(c) = &self.catalog {
            let _ = writeln!(s, "CATALOG \"{c}\"");
        }
        if !self.cd_text.is_empty() || !self.language_map.is_empty() {
            s.push_str("CD_TEXT {\n  LANGUAGE_MAP {\n");
            for (n, code) in &self.language_map {
                let _ = writeln!(s, "    {n} : {code}");
            }
            s.push_str("  }\n");
            write_languages(&mut s, &self.cd_text, "  ");
            s.push_str("}\n");
        }
        for (n, t) in self.tracks.iter().enumerate() {
            let _ = writeln!(s, "\n// Track {}", n + 1);
            let _ = write!(s, "TRACK {}", t.mode.as_str());
            if let Some(sub) = &t.subchannel {
                let _ = write!(s, " {sub}");
            }
            s.push('\n');
            s.push_str(if t.copy { "COPY\n" } else { "NO COPY\n" });
            if t.mode == TocTrackMode::Audio {
                s.push_str(if t.pre_emphasis { "PRE_EMPHASIS\n" } else { "NO PRE_EMPHASIS\n" });
                s.push_str(if t.four_channel {
                    "FOUR_CHANNEL_AUDIO\n"
                } else {
                    "TWO_CHANNEL_AUDIO\n"
                });
            }
            if let Some(isrc) = &t.isrc {
                let _ = writeln!(s, "ISRC \"{isrc}\"");
            }
            if !t.cd_text.is_empty() {
                s.push_str("CD_TEXT {\n");
                write_languages(&mut s, &t.cd_text, "  ");
                s.push_str("}\n");
            }
            if let Some(Pregap::Silence(f)) = t.pregap {
                let _ = writeln!(s, "PREGAP {}", format_frames(f));
            }
            for (i, item) in t.items.iter().enumerate() {
                if let Some(Pregap::Start { after_items, at }) = t.pregap {
                    if after_items == i {
                        write_start(&mut s, at);
                    }
                }
                write_item(&mut s, item);
            }
            if let Some(Pregap::Start { after_items, at }) = t.pregap {
                if after_items >= t.items.len() {
                    write_start(&mut s, at);
                }
            }
            for i in &t.indexes {
                let _ = writeln!(s, "INDEX {}", format_frames(*i));
            }
        }
        s
    }

    /// The `.toc` of a layout whose audio is one raw little-endian file, `bin_name`, starting
    /// at track 1's INDEX 01 (so every statement carries `SWAP`). Each track takes its pregap
    /// and audio from the file; `cd_text` adds one English block from the layout's fields.
    pub fn from_layout(layout: &Layout, bin_name: &str, cd_text: bool) -> TocFile {
        let mut toc = TocFile { catalog: layout.mcn, ..TocFile::default() };
        let text_of = |f: &TextFields| {
            let mut out = TextFields::default();
            for (k, _) in TEXT_ITEMS {
                out.set(k, f.get(k).map(str::to_string));
            }
            out
        };
        if cd_text {
            toc.language_map.push((0, crate::cdtext::LANGUAGE_ENGLISH));
            let mut album = text_of(&layout.text);
            // cdrdao wants an item defined everywhere once it is defined anywhere.
            for (k, _) in TEXT_ITEMS {
                let anywhere = album.get(k).is_some()
                    || layout.tracks().iter().any(|t| t.text.get(k).is_some());
                if anywhere && album.get(k).is_none() {
                    album.set(k, Some(String::new()));
                }
            }
            toc.cd_text.push((0, album));
        }
        let mut base = None;
        for (t, pos) in layout.tracks().iter().zip(layout.positions()) {
            let base = *base.get_or_insert(pos.start.0);
            let first = pos.number == layout.first_track_number();
            let mut track = TocTrack {
                copy: t.flags.copy_permitted,
                pre_emphasis: t.flags.pre_emphasis,
                four_channel: t.flags.four_channel,
                isrc: t.isrc,
                indexes: t.indexes.clone(),
                ..TocTrack::audio()
            };
            if cd_text {
                let mut fields = text_of(&t.text);
                for (k, _) in TEXT_ITEMS {
                    let in_disc = toc.cd_text.first().is_some_and(|(_, f)| f.get(k).is_some());
                    if in_disc && fields.get(k).is_none() {
                        fields.set(k, Some(String::new()));
                    }
                }
                track.cd_text.push((0, fields));
            }
            let (file_start, pregap) = if first {
                (pos.start.0, t.pregap.saturating_sub(LEAD_IN_GAP))
            } else {
                (pos.pregap_start.0, t.pregap)
            };
            let frames = |lba: i32| lba.saturating_sub(base).max(0).unsigned_abs();
            if first && pregap > 0 {
                track.pregap = Some(Pregap::Silence(pregap));
            } else if pregap > 0 {
                track.pregap = Some(Pregap::Start { after_items: 1, at: Some(pregap) });
            }
            let len = if first { t.length } else { t.pregap + t.length };
            track.items.push(DataItem::AudioFile {
                name: bin_name.to_string(),
                swap: true,
                offset: None,
                start: Length::Frames(frames(file_start)),
                length: Some(Length::Frames(len)),
            });
            toc.tracks.push(track);
        }
        toc
    }

    /// The layout this file describes. `file_units(name)` gives the samples (audio) or bytes
    /// (data) a file holds after any `#offset`, for statements that run to the end of a file.
    pub fn to_layout(
        &self,
        capacity: Capacity,
        file_units: impl Fn(&str) -> Option<u64>,
    ) -> Result<Layout, LayoutError> {
        let mut layout = Layout::new(capacity);
        layout.mcn = self.catalog;
        if let Some((_, t)) = self.cd_text.first() {
            layout.text = t.clone();
        }
        for (n, t) in self.tracks.iter().enumerate() {
            let per_block = if t.mode == TocTrackMode::Audio {
                u64::from(SAMPLES_PER_FRAME)
            } else {
                u64::from(t.mode.block_len())
            };
            let item_len = |item: &DataItem| -> u64 {
                match item {
                    DataItem::Silence(l) | DataItem::Zero(l) | DataItem::Fifo { length: l, .. } => {
                        l.units(per_block)
                    }
                    DataItem::AudioFile { name, start, length, .. } => match length {
                        Some(l) if l.units(per_block) > 0 => l.units(per_block),
                        _ => file_units(name).unwrap_or(0).saturating_sub(start.units(per_block)),
                    },
                    DataItem::DataFile { name, length, .. } => match length {
                        Some(l) => l.units(per_block),
                        None => file_units(name).unwrap_or(0),
                    },
                }
            };
            let total: u64 = t.items.iter().map(item_len).sum();
            let mut frames = total.div_ceil(per_block);
            let pregap = match t.pregap {
                None => 0,
                Some(Pregap::Silence(f)) => {
                    frames += u64::from(f);
                    u64::from(f)
                }
                Some(Pregap::Start { at: Some(f), .. }) => u64::from(f),
                Some(Pregap::Start { after_items, at: None }) => {
                    t.items.iter().take(after_items).map(item_len).sum::<u64>().div_ceil(per_block)
                }
            };
            let clamp = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
            let mut gap = clamp(pregap.min(frames));
            let length = clamp(frames.saturating_sub(pregap));
            if n == 0 {
                gap = gap.saturating_add(LEAD_IN_GAP);
            }
            layout.push(Track {
                pregap: gap,
                length,
                indexes: t.indexes.clone(),
                isrc: t.isrc,
                flags: TrackFlags {
                    pre_emphasis: t.pre_emphasis,
                    copy_permitted: t.copy,
                    data: t.mode != TocTrackMode::Audio,
                    four_channel: t.four_channel,
                },
                text: t.cd_text.first().map(|(_, f)| f.clone()).unwrap_or_default(),
            })?;
        }
        Ok(layout)
    }
}

fn parse_track(p: &mut Parser) -> Result<TocTrack, TocFileError> {
    let mode = match p.next() {
        Some(Tok::Word(w)) => MODES.iter().find(|m| m.1 == w).map(|m| m.0),
        _ => None,
    };
    let Some(mode) = mode else {
        p.pos = p.pos.saturating_sub(1);
        return Err(p.err("a track mode"));
    };
    let mut t = TocTrack { mode, ..TocTrack::audio() };
    if p.word_is("RW") || p.word_is("RW_RAW") {
        if let Some(Tok::Word(w)) = p.next() {
            t.subchannel = Some(w);
        }
    }
    let mut unused = Vec::new();
    while let Some(Tok::Word(w)) = p.peek().cloned() {
        match w.as_str() {
            "TRACK" | "CATALOG" | "CD_DA" | "CD_ROM" | "CD_ROM_XA" | "CD_I" => break,
            "NO" => {
                p.pos += 1;
                if p.word_is("COPY") {
                    t.copy = false;
                } else if p.word_is("PRE_EMPHASIS") {
                    t.pre_emphasis = false;
                } else {
                    return Err(p.err("COPY or PRE_EMPHASIS"));
                }
                p.pos += 1;
            }
            "COPY" => {
                p.pos += 1;
                t.copy = true;
            }
            "PRE_EMPHASIS" => {
                p.pos += 1;
                t.pre_emphasis = true;
            }
            "TWO_CHANNEL_AUDIO" | "FOUR_CHANNEL_AUDIO" => {
                p.pos += 1;
                t.four_channel = w == "FOUR_CHANNEL_AUDIO";
            }
            "ISRC" => {
                p.pos += 1;
                let s = p.string("an ISRC string")?;
                t.isrc = Some(Isrc::parse(&s).map_err(|e| p.fail(e.into()))?);
            }
            "CD_TEXT" => {
                p.pos += 1;
                t.cd_text = p.cd_text(&mut unused)?;
            }
            "SILENCE" | "ZERO" => {
                p.pos += 1;
                let l = p.need_length()?;
                t.items.push(if w == "SILENCE" { DataItem::Silence(l) } else { DataItem::Zero(l) });
            }
            "FILE" | "AUDIOFILE" => {
                p.pos += 1;
                let name = p.string("a file name")?;
                let swap = p.word_is("SWAP");
                if swap {
                    p.pos += 1;
                }
                let offset = p.offset()?;
                let start = p.need_length()?;
                let length = p.length();
                t.items.push(DataItem::AudioFile { name, swap, offset, start, length });
            }
            "DATAFILE" => {
                p.pos += 1;
                let name = p.string("a file name")?;
                let offset = p.offset()?;
                let length = p.length();
                t.items.push(DataItem::DataFile { name, offset, length });
            }
            "FIFO" => {
                p.pos += 1;
                let name = p.string("a path")?;
                let length = p.need_length()?;
                t.items.push(DataItem::Fifo { name, length });
            }
            "START" => {
                p.pos += 1;
                let at = match p.peek() {
                    Some(Tok::Msf(_)) | Some(Tok::Num(0)) => Some(p.msf()?),
                    _ => None,
                };
                t.pregap = Some(Pregap::Start { after_items: t.items.len(), at });
            }
            "PREGAP" => {
                p.pos += 1;
                t.pregap = Some(Pregap::Silence(p.msf()?));
            }
            "INDEX" => {
                p.pos += 1;
                let at = p.msf()?;
                if t.indexes.len() >= 98 {
                    return Err(p.fail(TocErrorKind::Range("INDEX".into())));
                }
                t.indexes.push(at);
            }
            _ => return Err(p.err("a track statement")),
        }
    }
    if let Some(tok) = p.peek() {
        if !matches!(tok, Tok::Word(_)) {
            return Err(p.err("a track statement"));
        }
    }
    Ok(t)
}

fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\012"),
            c => out.push(c),
        }
    }
    out
}

fn write_languages(s: &mut String, langs: &[(u8, TextFields)], indent: &str) {
    for (n, f) in langs {
        let _ = writeln!(s, "{indent}LANGUAGE {n} {{");
        for (k, word) in TEXT_ITEMS {
            if let Some(v) = f.get(k) {
                let _ = writeln!(s, "{indent}  {word} \"{}\"", escape(v));
            }
        }
        if let Some(v) = f.get(0x8E) {
            let _ = writeln!(s, "{indent}  UPC_EAN \"{}\"", escape(v));
        }
        let _ = writeln!(s, "{indent}}}");
    }
}

fn write_start(s: &mut String, at: Option<u32>) {
    match at {
        Some(f) => {
            let _ = writeln!(s, "START {}", format_frames(f));
        }
        None => s.push_str("START\n"),
    }
}

fn write_item(s: &mut String, item: &DataItem) {
    match item {
        DataItem::Silence(l) | DataItem::Zero(l) => {
            s.push_str(if matches!(item, DataItem::Silence(_)) { "SILENCE " } else { "ZERO " });
            l.write(s);
        }
        DataItem::AudioFile { name, swap, offset, start, length } => {
            let _ = write!(s, "FILE \"{}\"", escape(name));
            if *swap {
                s.push_str(" SWAP");
            }
            if let Some(o) = offset {
                let _ = write!(s, " #{o}");
            }
            s.push(' ');
            start.write(s);
            if let Some(l) = length {
                s.push(' ');
                l.write(s);
            }
        }
        DataItem::DataFile { name, offset, length } => {
            let _ = write!(s, "DATAFILE \"{}\"", escape(name));
            if let Some(o) = offset {
                let _ = write!(s, " #{o}");
            }
            if let Some(l) = length {
                s.push(' ');
                l.write(s);
            }
        }
        DataItem::Fifo { name, length } => {
            let _ = write!(s, "FIFO \"{}\" ", escape(name));
            length.write(s);
        }
    }
    s.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msf::Lba;

    const MAN_EXAMPLE: &str = r#"CD_DA
CD_TEXT {
  LANGUAGE_MAP {
    0 : EN
  }
  LANGUAGE 0 {
    TITLE "CD Title"
    PERFORMER "Performer"
    DISC_ID "XY12345"
    UPC_EAN ""
    SIZE_INFO { 0, 1, 2 }
  }
}

TRACK AUDIO
ISRC "DEXXX9800001"
CD_TEXT {
  LANGUAGE 0 {
    TITLE "Track \"Title\""
    PERFORMER "Performer"
    ISRC "DE-XXX-98-00001"
  }
}
PREGAP 0:2:0
FILE "data.wav" 0 // comment

TRACK AUDIO
FILE "pregapdata.wav" 0 588
START
FILE "track.cdr" SWAP #16 1:0:0 1:0:0
SILENCE 0:2:0
INDEX 0:30:0
"#;

    #[test]
    fn parses_the_manual_examples() {
        let toc = TocFile::parse(MAN_EXAMPLE.as_bytes()).unwrap();
        assert_eq!(toc.language_map, vec![(0, 9)]);
        assert_eq!(toc.cd_text[0].1.disc_id.as_deref(), Some("XY12345"));
        assert_eq!(toc.tracks.len(), 2);
        assert_eq!(toc.tracks[0].cd_text[0].1.title.as_deref(), Some("Track \"Title\""));
        assert_eq!(toc.tracks[0].pregap, Some(Pregap::Silence(150)));
        assert_eq!(toc.tracks[1].pregap, Some(Pregap::Start { after_items: 1, at: None }));
        assert_eq!(
            toc.tracks[1].items[1],
            DataItem::AudioFile {
                name: "track.cdr".into(),
                swap: true,
                offset: Some(16),
                start: Length::Frames(4500),
                length: Some(Length::Frames(4500)),
            }
        );
        assert_eq!(toc.tracks[1].indexes, vec![30 * 75]);
        let layout = toc.to_layout(Capacity::Minutes80, |_| Some(588 * 1000)).unwrap();
        let p: Vec<_> = layout.positions().collect();
        // Track 1: 150 implied + 150 PREGAP, then the 1000-frame file.
        assert_eq!((p[0].start, p[0].end), (Lba(150), Lba(1150)));
        // Track 2: 1 frame of pregap, then 4500 + 150 frames.
        assert_eq!(
            (p[1].pregap_start, p[1].start, p[1].end),
            (Lba(1150), Lba(1151), Lba(1151 + 4650))
        );
    }

    #[test]
    fn rejections_name_the_line() {
        let e = |s: &str| TocFile::parse(s.as_bytes()).unwrap_err();
        assert_eq!(e("CD_DA\nTRACK FOO\n").line, 2);
        assert_eq!(e("TRACK AUDIO\nFILE \"x").kind, TocErrorKind::Unterminated);
        assert_eq!(e("TRACK AUDIO\nSILENCE 0:60:0\n").kind, TocErrorKind::Range("0:60:0".into()));
        assert!(matches!(e("CATALOG \"12\"\n").kind, TocErrorKind::Code(_)));
        assert_eq!(e("TRACK AUDIO\n@").kind, TocErrorKind::Char('@'));
        assert!(matches!(
            e("TRACK AUDIO\nSILENCE\n").kind,
            TocErrorKind::Expected { expected: "a length", .. }
        ));
        assert!(matches!(
            e("CD_TEXT { LANGUAGE 0 { TITLE 5 } }").kind,
            TocErrorKind::Expected { .. }
        ));
        assert_eq!(e(&"TRACK AUDIO SILENCE 1 ".repeat(100)).kind, TocErrorKind::TooManyTracks);
    }
}
