//! [`TextFields`]: the CD-Text fields of the album or of one track, as plain values. A leaf:
//! the layout carries them, the CD-Text encoder and decoder ([`crate::cdtext`]) turn them
//! into packs and back.

/// The pack types that carry text.
pub(crate) const TEXT_TYPES: [(u8, &str); 8] = [
    (0x80, "title"),
    (0x81, "performer"),
    (0x82, "songwriter"),
    (0x83, "composer"),
    (0x84, "arranger"),
    (0x85, "message"),
    (0x86, "disc id"),
    (0x8E, "UPC/EAN or ISRC"),
];

/// The CD-Text fields of the album or of one track.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TextFields {
    /// Pack 0x80.
    pub title: Option<String>,
    /// Pack 0x81.
    pub performer: Option<String>,
    /// Pack 0x82.
    pub songwriter: Option<String>,
    /// Pack 0x83.
    pub composer: Option<String>,
    /// Pack 0x84.
    pub arranger: Option<String>,
    /// Pack 0x85.
    pub message: Option<String>,
    /// Pack 0x86 (album only in practice).
    pub disc_id: Option<String>,
    /// Pack 0x8E: the UPC/EAN for the album, the ISRC for a track.
    pub code: Option<String>,
}

impl TextFields {
    /// The field carried by pack type `kind` (0x80–0x86, 0x8E).
    pub fn get(&self, kind: u8) -> Option<&str> {
        self.slot(kind).and_then(|s| s.as_deref())
    }

    fn slot(&self, kind: u8) -> Option<&Option<String>> {
        Some(match kind {
            0x80 => &self.title,
            0x81 => &self.performer,
            0x82 => &self.songwriter,
            0x83 => &self.composer,
            0x84 => &self.arranger,
            0x85 => &self.message,
            0x86 => &self.disc_id,
            0x8E => &self.code,
            _ => return None,
        })
    }

    /// Sets the field carried by pack type `kind`; other kinds are ignored.
    pub fn set(&mut self, kind: u8, value: Option<String>) {
        let slot = match kind {
            0x80 => &mut self.title,
            0x81 => &mut self.performer,
            0x82 => &mut self.songwriter,
            0x83 => &mut self.composer,
            0x84 => &mut self.arranger,
            0x85 => &mut self.message,
            0x86 => &mut self.disc_id,
            0x8E => &mut self.code,
            _ => return,
        };
        *slot = value;
    }

    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        TEXT_TYPES.iter().all(|&(k, _)| self.get(k).is_none())
    }
}
