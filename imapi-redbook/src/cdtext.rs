//! CD-Text: the album's and the tracks' texts as 18-byte packs for the lead-in (or a `.cdt`
//! file), and the decoder that reads them back.
//!
//! A pack is a 4-byte header (type, track, sequence, block/position), 12 bytes of text and a
//! CRC-16. Each text kind (title, performer, ...) is one stream of NUL-terminated strings, the
//! album's first and then every track's, cut into 12-byte payloads. Each language block ends
//! with three size-information packs (type 0x8F).

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use crate::crc::crc16;
use crate::layout::Layout;
pub use crate::text_fields::TextFields;
use crate::text_fields::TEXT_TYPES;
use std::io::{self, Write};

/// Bytes in a pack.
pub const PACK_LEN: usize = 18;
/// The language code of English in the size information.
pub const LANGUAGE_ENGLISH: u8 = 0x09;
/// The most packs a block can number (the sequence byte).
pub const MAX_PACKS_PER_BLOCK: usize = 256;
/// The most blocks (languages).
pub const MAX_BLOCKS: usize = 8;

/// A CD-Text encoding or decoding failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CdTextError {
    /// A text holds a character the block's character code cannot express.
    #[error("{field} of {item}: {text:?} has characters outside {charset:?}")]
    Unencodable {
        /// The field (title, performer, ...).
        field: &'static str,
        /// `album` or `track N`.
        item: String,
        /// The text (cut to 40 characters).
        text: String,
        /// The block's character code.
        charset: Charset,
    },
    /// Encoding into a character code this crate does not write.
    #[error("character code {0:#04x} is not supported for writing")]
    UnsupportedCharset(u8),
    /// A block would need more packs than its sequence numbers count.
    #[error("block {block} needs {packs} packs, at most {MAX_PACKS_PER_BLOCK}")]
    TooManyPacks {
        /// The block number.
        block: usize,
        /// Packs it needs.
        packs: usize,
    },
    /// More than 8 blocks, or more than 99 tracks.
    #[error("{what}: {count} given, at most {max}")]
    TooMany {
        /// What there are too many of.
        what: &'static str,
        /// How many were given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The bytes are not a whole number of packs.
    #[error("{len} bytes of CD-Text is not a whole number of {PACK_LEN}-byte packs")]
    Length {
        /// The byte count (after any header).
        len: usize,
    },
    /// A pack's CRC does not match its content.
    #[error("pack {pack}: CRC {found:04X}, computed {computed:04X}")]
    Crc {
        /// The pack's index.
        pack: usize,
        /// The CRC stored.
        found: u16,
        /// The CRC of the content.
        computed: u16,
    },
}

/// The character code of a block (size-information byte 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Charset {
    /// ISO-8859-1 (Latin-1), code 0x00.
    #[default]
    Iso8859_1,
    /// 7-bit ASCII, code 0x01.
    Ascii,
    /// MS-JIS (Shift_JIS), double-byte, code 0x80.
    MsJis,
    /// Another code (Korean 0x82, Mandarin 0x83, ...): read as bytes, not written.
    Other(u8),
}

impl Charset {
    /// The code byte.
    pub const fn code(self) -> u8 {
        match self {
            Charset::Iso8859_1 => 0x00,
            Charset::Ascii => 0x01,
            Charset::MsJis => 0x80,
            Charset::Other(c) => c,
        }
    }

    /// The charset a code byte names.
    pub const fn from_code(code: u8) -> Charset {
        match code {
            0x00 => Charset::Iso8859_1,
            0x01 => Charset::Ascii,
            0x80 => Charset::MsJis,
            c => Charset::Other(c),
        }
    }

    /// Whether characters take two bytes (and strings end with two NULs).
    pub const fn double_byte(self) -> bool {
        matches!(self, Charset::MsJis | Charset::Other(0x81..=0x8F))
    }

    fn encode(self, text: &str) -> Option<Vec<u8>> {
        match self {
            Charset::Iso8859_1 => text.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect(),
            Charset::Ascii => {
                text.chars().map(|c| u8::try_from(c).ok().filter(u8::is_ascii)).collect()
            }
            Charset::MsJis => {
                let (bytes, _, bad) = encoding_rs::SHIFT_JIS.encode(text);
                if bad {
                    return None;
                }
                let mut v = bytes.into_owned();
                // Strings are counted in 2-byte characters: pad an odd length with a NUL is not
                // possible (it would end the string), so pad with a space.
                if v.len() % 2 == 1 {
                    v.push(b' ');
                }
                Some(v)
            }
            Charset::Other(_) => None,
        }
    }

    fn decode(self, bytes: &[u8]) -> String {
        match self {
            Charset::MsJis => {
                encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes).0.into_owned()
            }
            // Latin-1 by hand: every byte is the code point of the same value.
            _ => bytes.iter().map(|&b| char::from(b)).collect(),
        }
    }
}

/// One language block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CdTextBlock {
    /// The language code (0x09 English).
    pub language: u8,
    /// The character code of every text in the block.
    pub charset: Charset,
    /// Whether the texts are copyrighted (size-information byte 3).
    pub copyright: bool,
    /// The album's fields.
    pub album: TextFields,
    /// The tracks' fields, from the first track on.
    pub tracks: Vec<TextFields>,
}

/// CD-Text of a disc: up to 8 language blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdText {
    /// The number of the disc's first track.
    pub first_track: u8,
    /// The blocks, block 0 first.
    pub blocks: Vec<CdTextBlock>,
}

/// One 18-byte pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pack(pub [u8; PACK_LEN]);

impl Pack {
    /// A pack from its header and payload, with its CRC computed.
    pub fn new(header: [u8; 4], payload: [u8; 12]) -> Pack {
        let mut b = [0u8; PACK_LEN];
        b[..4].copy_from_slice(&header);
        b[4..16].copy_from_slice(&payload);
        let crc = crc16(&b[..16]);
        b[16..].copy_from_slice(&crc.to_be_bytes());
        Pack(b)
    }

    /// The pack type (0x80–0x8F).
    pub fn kind(&self) -> u8 {
        self.0[0]
    }

    /// The track number (0 = album), or the part (0–2) of a size-information pack.
    pub fn track(&self) -> u8 {
        self.0[1]
    }

    /// The sequence number within its block.
    pub fn sequence(&self) -> u8 {
        self.0[2]
    }

    /// The block number (0–7).
    pub fn block(&self) -> u8 {
        (self.0[3] >> 4) & 0x07
    }

    /// Whether the text is double-byte.
    pub fn double_byte(&self) -> bool {
        self.0[3] & 0x80 != 0
    }

    /// Characters of the current string already carried by earlier packs (15 = 15 or more).
    pub fn char_position(&self) -> u8 {
        self.0[3] & 0x0F
    }

    /// The 12 payload bytes.
    pub fn payload(&self) -> &[u8] {
        &self.0[4..16]
    }

    /// The stored CRC.
    pub fn crc(&self) -> u16 {
        u16::from_be_bytes([self.0[16], self.0[17]])
    }

    /// Whether the stored CRC matches the content.
    pub fn crc_ok(&self) -> bool {
        self.crc() == crc16(&self.0[..16])
    }
}

impl CdText {
    /// One English ISO-8859-1 block from a layout's album and track fields, or `None` when no
    /// text is set. A track's ISRC goes into pack 0x8E; the MCN into the album's.
    pub fn from_layout(layout: &Layout) -> Option<CdText> {
        let mut album = layout.text.clone();
        if album.code.is_none() {
            album.code = layout.mcn.map(|m| m.to_string());
        }
        let tracks: Vec<TextFields> = layout
            .tracks()
            .iter()
            .map(|t| {
                let mut f = t.text.clone();
                if f.code.is_none() {
                    f.code = t.isrc.map(|i| i.to_string());
                }
                f
            })
            .collect();
        let has_text = |f: &TextFields| TEXT_TYPES[..6].iter().any(|&(k, _)| f.get(k).is_some());
        if !has_text(&album) && !tracks.iter().any(has_text) {
            return None;
        }
        Some(CdText {
            first_track: layout.first_track_number(),
            blocks: vec![CdTextBlock {
                language: LANGUAGE_ENGLISH,
                charset: Charset::Iso8859_1,
                copyright: false,
                album,
                tracks,
            }],
        })
    }

    /// The packs of every block, ready for the lead-in or a `.cdt` file.
    pub fn encode(&self) -> Result<Vec<Pack>, CdTextError> {
        if self.blocks.len() > MAX_BLOCKS {
            return Err(CdTextError::TooMany {
                what: "blocks",
                count: self.blocks.len(),
                max: MAX_BLOCKS,
            });
        }
        // At most 8 blocks (checked above): block numbers 0 to 7.
        let numbered = || (0u8..=u8::MAX).zip(&self.blocks);
        let mut per_block = Vec::with_capacity(self.blocks.len());
        for (b, block) in numbered() {
            per_block.push(self.encode_text(b, block)?);
        }
        let mut last_seq = [0u8; 8];
        let mut languages = [0u8; 8];
        let slots = last_seq.iter_mut().zip(&mut languages);
        for (b, ((packs, block), (seq, language))) in
            per_block.iter().zip(&self.blocks).zip(slots).enumerate()
        {
            let total = packs.len() + 3;
            let too_many = || CdTextError::TooManyPacks { block: b, packs: total };
            if total > MAX_PACKS_PER_BLOCK {
                return Err(too_many());
            }
            *seq = u8::try_from(total - 1).map_err(|_| too_many())?;
            *language = block.language;
        }
        let mut out = Vec::new();
        for ((b, block), packs) in numbered().zip(per_block) {
            let mut info = [0u8; 36];
            info[0] = block.charset.code();
            info[1] = self.first_track;
            let last = usize::from(self.first_track) + block.tracks.len().saturating_sub(1);
            info[2] = u8::try_from(last).map_or(99, |l| l.min(99));
            info[3] = if block.copyright { 0x03 } else { 0 };
            for p in &packs {
                // Slots 4 to 19: one per pack type 0x80 to 0x8F.
                if let Some(count) = info.get_mut(usize::from(p.kind() & 0x0F) + 4) {
                    *count = count.saturating_add(1);
                }
            }
            info[4 + 15] = 3;
            info[20..28].copy_from_slice(&last_seq);
            info[28..36].copy_from_slice(&languages);
            let seq0 = packs.len();
            out.extend(packs);
            for (part, chunk) in (0u8..3).zip(info.chunks_exact(12)) {
                let mut payload = [0u8; 12];
                payload.copy_from_slice(chunk);
                // seq0 + part < 256: checked above.
                let seq = u8::try_from(seq0 + usize::from(part)).map_err(|_| {
                    CdTextError::TooManyPacks { block: usize::from(b), packs: seq0 + 3 }
                })?;
                let header = [0x8F, part, seq, b << 4];
                out.push(Pack::new(header, payload));
            }
        }
        Ok(out)
    }

    /// The text packs of one block (without its size information).
    fn encode_text(&self, b: u8, block: &CdTextBlock) -> Result<Vec<Pack>, CdTextError> {
        if block.tracks.len() > 99 {
            return Err(CdTextError::TooMany {
                what: "tracks",
                count: block.tracks.len(),
                max: 99,
            });
        }
        if let Charset::Other(c) = block.charset {
            return Err(CdTextError::UnsupportedCharset(c));
        }
        let double = block.charset.double_byte();
        let width = if double { 2 } else { 1 };
        let flags = (if double { 0x80 } else { 0 }) | (b << 4);
        let mut packs = Vec::new();
        for &(kind, field) in &TEXT_TYPES {
            let items = core::iter::once(&block.album).chain(&block.tracks);
            if !items.clone().any(|f| f.get(kind).is_some()) {
                continue;
            }
            let mut payload = [0u8; 12];
            let mut fill = 0;
            let mut header = [0u8; 4];
            // The album, then at most 99 tracks (checked above).
            for (i, fields) in (0u8..=u8::MAX).zip(items) {
                let track = if i == 0 { 0 } else { self.first_track.saturating_add(i - 1) };
                let text = fields.get(kind).unwrap_or("");
                let mut bytes =
                    block.charset.encode(text).ok_or_else(|| CdTextError::Unencodable {
                        field,
                        item: if i == 0 { "album".into() } else { format!("track {track}") },
                        text: text.chars().take(40).collect(),
                        charset: block.charset,
                    })?;
                bytes.resize(bytes.len() + width, 0);
                for (n, byte) in bytes.into_iter().enumerate() {
                    if fill == 0 {
                        let pos = u8::try_from(n / width).map_or(15, |p| p.min(15));
                        let seq = u8::try_from(packs.len()).unwrap_or(u8::MAX);
                        header = [kind, track, seq, flags | pos];
                    }
                    // `fill` is below 12: the pack goes out when it reaches 12.
                    if let Some(slot) = payload.get_mut(fill) {
                        *slot = byte;
                    }
                    fill += 1;
                    if fill == 12 {
                        packs.push(Pack::new(header, payload));
                        payload = [0; 12];
                        fill = 0;
                    }
                }
            }
            if fill > 0 {
                packs.push(Pack::new(header, payload));
            }
        }
        Ok(packs)
    }

    /// Reads packs back: every CRC is checked; blocks, character codes and the first track
    /// come from the size information when present. A lone TAB means "same as the previous
    /// track". Empty strings read as absent fields.
    pub fn decode(bytes: &[u8]) -> Result<CdText, CdTextError> {
        if bytes.len() % PACK_LEN != 0 {
            return Err(CdTextError::Length { len: bytes.len() });
        }
        let mut packs = Vec::with_capacity(bytes.len() / PACK_LEN);
        for (i, chunk) in bytes.chunks_exact(PACK_LEN).enumerate() {
            let mut a = [0u8; PACK_LEN];
            a.copy_from_slice(chunk);
            let p = Pack(a);
            if !p.crc_ok() {
                return Err(CdTextError::Crc {
                    pack: i,
                    found: p.crc(),
                    computed: crc16(&a[..16]),
                });
            }
            packs.push(p);
        }
        let mut first_track = None;
        let mut blocks = Vec::new();
        for b in (0u8..=u8::MAX).take(MAX_BLOCKS) {
            let in_block: Vec<&Pack> = packs.iter().filter(|p| p.block() == b).collect();
            if in_block.is_empty() {
                continue;
            }
            let mut info = [0u8; 36];
            let mut parts = 0;
            for p in in_block.iter().filter(|p| p.kind() == 0x8F) {
                if let Some(dst) =
                    info.get_mut(usize::from(p.track()) * 12..usize::from(p.track()) * 12 + 12)
                {
                    dst.copy_from_slice(p.payload());
                    parts |= 1u8 << p.track();
                }
            }
            let (charset, language, copyright, range) = if parts == 0b111 {
                let first = info[1].clamp(1, 99);
                let last = info[2].clamp(first, 99);
                (
                    Charset::from_code(info[0]),
                    info.get(28 + usize::from(b)).copied().unwrap_or(0),
                    info[3] != 0,
                    Some((first, last)),
                )
            } else {
                let double = in_block.first().is_some_and(|p| p.double_byte());
                (if double { Charset::MsJis } else { Charset::Iso8859_1 }, 0, false, None)
            };
            let first = range.map_or_else(
                || in_block.iter().map(|p| p.track()).filter(|&t| t > 0).min().unwrap_or(1).min(99),
                |r| r.0,
            );
            first_track.get_or_insert(first);
            let mut block = CdTextBlock {
                language,
                charset,
                copyright,
                album: TextFields::default(),
                tracks: Vec::new(),
            };
            if let Some((first, last)) = range {
                block.tracks = vec![TextFields::default(); usize::from(last - first) + 1];
            }
            for &(kind, _) in &TEXT_TYPES {
                let of_kind: Vec<&&Pack> = in_block.iter().filter(|p| p.kind() == kind).collect();
                let Some(start) = of_kind.first().map(|p| p.track()) else { continue };
                let stream: Vec<u8> =
                    of_kind.iter().flat_map(|p| p.payload().iter().copied()).collect();
                let strings = split_strings(&stream, charset.double_byte());
                let mut track = start;
                let mut previous: Option<String> = None;
                for raw in strings {
                    let text = if raw == b"\t" || raw == b"\t\t" {
                        previous.clone().unwrap_or_default()
                    } else {
                        charset.decode(raw)
                    };
                    previous = Some(text.clone());
                    let value = (!text.is_empty()).then_some(text);
                    if track == 0 {
                        block.album.set(kind, value);
                    } else if track >= first && track <= 99 {
                        let idx = usize::from(track - first);
                        if idx >= block.tracks.len() {
                            if range.is_some() {
                                break;
                            }
                            block.tracks.resize(idx + 1, TextFields::default());
                        }
                        if let Some(t) = block.tracks.get_mut(idx) {
                            t.set(kind, value);
                        }
                    }
                    if track >= 99 {
                        break;
                    }
                    track = if track == 0 { first } else { track + 1 };
                }
            }
            if range.is_none() {
                // Without size information the padding of the last pack reads as empty tracks.
                while block.tracks.last().is_some_and(TextFields::is_empty) {
                    block.tracks.pop();
                }
            }
            blocks.push(block);
        }
        Ok(CdText { first_track: first_track.unwrap_or(1), blocks })
    }
}

/// Cuts a stream into its NUL-terminated strings (a trailing unterminated part is dropped;
/// the padding of the last pack reads as empty strings).
fn split_strings(stream: &[u8], double: bool) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let width = if double { 2 } else { 1 };
    let mut start = 0;
    let mut i = 0;
    while i + width <= stream.len() {
        let end = stream.get(i..i + width).is_some_and(|c| c.iter().all(|&b| b == 0));
        if end {
            // `start` never passes `i`.
            out.extend(stream.get(start..i));
            start = i + width;
        }
        i += width;
    }
    out
}

/// Writes a `.cdt` file: the packs one after another, 18 bytes each, with nothing before or
/// after them. This is the form libcdio takes from a CUE's CDTEXTFILE (it refuses a file
/// whose length is not a multiple of 18, so the 4-byte header and closing NUL of a READ TOC
/// format 5 reply must go) and cdrecord's `textfile=` accepts; [`read_cdt`] reads both.
pub fn write_cdt<W: Write>(packs: &[Pack], mut out: W) -> io::Result<()> {
    if packs.len() > 2048 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "more than 2048 CD-Text packs"));
    }
    for p in packs {
        out.write_all(&p.0)?;
    }
    Ok(())
}

/// The packs of a `.cdt` file, with or without its 4-byte header and closing NUL.
pub fn read_cdt(bytes: &[u8]) -> Result<CdText, CdTextError> {
    let body = cdt_body(bytes);
    CdText::decode(body)
}

fn cdt_body(bytes: &[u8]) -> &[u8] {
    if let Some(head) = bytes.first_chunk::<4>() {
        let declared = usize::from(u16::from_be_bytes([head[0], head[1]]));
        if declared >= 2 && (declared - 2) % PACK_LEN == 0 {
            let end = 4 + declared - 2;
            if let (Some(body), Some(rest)) = (bytes.get(4..end), bytes.get(end..)) {
                if rest.iter().all(|&b| b == 0) && rest.len() <= 1 {
                    return body;
                }
            }
        }
    }
    if bytes.len() % PACK_LEN == 1 {
        if let Some((&0, body)) = bytes.split_last() {
            return body;
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pack(header: [u8; 4], text: &[u8]) -> Pack {
        let mut payload = [0u8; 12];
        payload[..text.len()].copy_from_slice(text);
        Pack::new(header, payload)
    }

    #[test]
    fn issue_crc_vectors() {
        assert_eq!(pack([0x80, 0, 0, 0], b"Joyful Night").crc().to_be_bytes(), [0xF0, 0xF7]);
        assert_eq!(pack([0x8E, 0, 0x0E, 0], b"123456789012").crc().to_be_bytes(), [0x92, 0x3E]);
        let p = pack([0x8F, 0x02, 0x15, 0x00], &[0, 0, 0, 0, 0x09]);
        assert_eq!(p.crc().to_be_bytes(), [0xDA, 0x77]);
    }

    fn album_of(title: &str, tracks: &[&str]) -> CdText {
        CdText {
            first_track: 1,
            blocks: vec![CdTextBlock {
                language: LANGUAGE_ENGLISH,
                charset: Charset::Iso8859_1,
                copyright: false,
                album: TextFields { title: Some(title.into()), ..Default::default() },
                tracks: tracks
                    .iter()
                    .map(|t| TextFields { title: Some((*t).into()), ..Default::default() })
                    .collect(),
            }],
        }
    }

    #[test]
    fn packs_are_laid_out_as_specified() {
        let packs = album_of("Joyful Nights", &["Song A", "B"]).encode().unwrap();
        // "Joyful Nights\0" + "Song A\0" + "B\0" = 14 + 7 + 2 = 23 bytes: 2 title packs + 3 size info.
        assert_eq!(packs.len(), 5);
        assert_eq!(&packs[0].0[..4], &[0x80, 0, 0, 0]);
        assert_eq!(packs[0].payload(), b"Joyful Night");
        // The second pack starts with the last 's' of the album title: 12 characters before.
        assert_eq!(&packs[1].0[..4], &[0x80, 0, 1, 12]);
        assert_eq!(packs[1].payload(), b"s\0Song A\0B\0\0");
        assert_eq!(&packs[2].0[..4], &[0x8F, 0, 2, 0]);
        let info: Vec<u8> = packs[2..].iter().flat_map(|p| p.payload().to_vec()).collect();
        assert_eq!(&info[..4], &[0x00, 1, 2, 0]);
        assert_eq!(info[4], 2, "two title packs");
        assert_eq!(info[19], 3, "three size-info packs");
        assert_eq!(info[20], 4, "last sequence number of block 0");
        assert_eq!(info[28], LANGUAGE_ENGLISH);
        assert!(packs.iter().all(Pack::crc_ok));
        let bytes: Vec<u8> = packs.iter().flat_map(|p| p.0).collect();
        assert_eq!(CdText::decode(&bytes).unwrap(), album_of("Joyful Nights", &["Song A", "B"]));
    }

    #[test]
    fn rejections() {
        assert_eq!(CdText::decode(&[0; 17]), Err(CdTextError::Length { len: 17 }));
        let mut p = pack([0x80, 0, 0, 0], b"x").0;
        p[5] ^= 1;
        assert!(matches!(CdText::decode(&p), Err(CdTextError::Crc { pack: 0, .. })));
        let bad = CdText {
            blocks: vec![CdTextBlock {
                charset: Charset::Ascii,
                ..album_of("é", &[]).blocks[0].clone()
            }],
            ..album_of("", &[])
        };
        assert!(matches!(bad.encode(), Err(CdTextError::Unencodable { .. })));
        let long = "x".repeat(4000);
        assert!(matches!(album_of(&long, &["a"]).encode(), Err(CdTextError::TooManyPacks { .. })));
    }

    #[test]
    fn tab_repeats_the_previous_track() {
        let mut stream = b"Album\0Same\0\t\0".to_vec();
        stream.resize(24, 0);
        let packs = [pack([0x81, 0, 0, 0], &stream[..12]), pack([0x81, 1, 1, 6], &stream[12..])];
        let bytes: Vec<u8> = packs.iter().flat_map(|p| p.0).collect();
        let t = CdText::decode(&bytes).unwrap();
        assert_eq!(t.blocks[0].tracks[1].performer.as_deref(), Some("Same"));
    }

    #[test]
    fn ms_jis_is_double_byte() {
        let mut t = album_of("日本", &["歌"]);
        t.blocks[0].charset = Charset::MsJis;
        let packs = t.encode().unwrap();
        assert!(packs[0].double_byte());
        let bytes: Vec<u8> = packs.iter().flat_map(|p| p.0).collect();
        assert_eq!(CdText::decode(&bytes).unwrap(), t);
    }

    #[test]
    fn cdt_file_round_trip() {
        let t = album_of("A", &["B", "C"]);
        let mut file = Vec::new();
        let packs = t.encode().unwrap();
        write_cdt(&packs, &mut file).unwrap();
        assert_eq!(file.len(), packs.len() * PACK_LEN, "packs alone, as libcdio reads them");
        assert_eq!(read_cdt(&file).unwrap(), t);
        // The form READ TOC format 5 returns (header, packs, NUL) reads too.
        let mut reply = ((file.len() + 2) as u16).to_be_bytes().to_vec();
        reply.extend_from_slice(&[0, 0]);
        reply.extend_from_slice(&file);
        reply.push(0);
        assert_eq!(read_cdt(&reply).unwrap(), t);
    }

    fn fields() -> impl Strategy<Value = TextFields> {
        let s = || proptest::option::of("[ -~\u{a0}-\u{ff}]{1,30}");
        (s(), s(), s()).prop_map(|(title, performer, message)| TextFields {
            title,
            performer,
            message,
            ..Default::default()
        })
    }

    proptest! {
        #[test]
        fn encode_decode_round_trip(album in fields(), tracks in proptest::collection::vec(fields(), 1..12), first in 1u8..80) {
            let t = CdText { first_track: first, blocks: vec![CdTextBlock {
                language: LANGUAGE_ENGLISH, charset: Charset::Iso8859_1, copyright: false, album, tracks,
            }]};
            let packs = t.encode().unwrap();
            let bytes: Vec<u8> = packs.iter().flat_map(|p| p.0).collect();
            let back = CdText::decode(&bytes).unwrap();
            prop_assert_eq!(back, t);
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = read_cdt(&bytes);
        }
    }
}
