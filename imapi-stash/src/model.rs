//! The values a stash records about its disc and tracks, each holding only valid values.

use crate::error::StashError;
use core::fmt;

/// Bytes in a cooked data block (Mode 1 or Mode 2 Form 1 user data).
pub const DATA_BLOCK_SIZE: u32 = 2048;
/// Bytes in an audio block, or in a raw data sector.
pub const AUDIO_BLOCK_SIZE: u32 = 2352;
/// Highest track number on a CD.
pub const MAX_TRACK_NUMBER: u8 = 99;
/// Most CD-Text packs a disc can carry (8 blocks of 256 packs).
pub const MAX_CD_TEXT_PACKS: usize = 2048;
/// Bytes in one CD-Text pack (4 header bytes, 12 payload bytes, 2 CRC bytes).
pub const CD_TEXT_PACK_LEN: usize = 18;

/// What the disc as a whole is: it decides which track modes the stash accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiscKind {
    /// Data tracks only (an ISO 9660 + Joliet disc). Stored as 1.
    Data,
    /// Audio tracks only (a Red Book CD-DA disc). Stored as 2.
    Audio,
    /// Audio and data tracks together (for example CD-Extra). Stored as 3.
    Mixed,
}

impl DiscKind {
    /// The byte stored in the header.
    pub const fn code(self) -> u8 {
        match self {
            Self::Data => 1,
            Self::Audio => 2,
            Self::Mixed => 3,
        }
    }

    /// The kind a header byte names, if any.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::Data),
            2 => Some(Self::Audio),
            3 => Some(Self::Mixed),
            _ => None,
        }
    }

    /// Whether a track of `mode` may be on a disc of this kind.
    pub const fn accepts(self, mode: TrackMode) -> bool {
        match self {
            Self::Data => !matches!(mode, TrackMode::Audio),
            Self::Audio => matches!(mode, TrackMode::Audio),
            Self::Mixed => true,
        }
    }
}

impl fmt::Display for DiscKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Data => "data",
            Self::Audio => "audio",
            Self::Mixed => "mixed",
        })
    }
}

/// How a track's sectors are recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackMode {
    /// Red Book CD-DA: 2352-byte frames of 16-bit stereo samples. Stored as 0.
    Audio,
    /// Mode 1 data: 2048 bytes of user data per block, or 2352-byte raw sectors. Stored as 1.
    Mode1,
    /// Mode 2 (CD-ROM XA) data: 2048-byte Form 1 user data, or 2352-byte raw sectors. Stored as 2.
    Mode2,
}

impl TrackMode {
    /// The byte stored in a track record.
    pub const fn code(self) -> u8 {
        match self {
            Self::Audio => 0,
            Self::Mode1 => 1,
            Self::Mode2 => 2,
        }
    }

    /// The mode a track-record byte names, if any.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Audio),
            1 => Some(Self::Mode1),
            2 => Some(Self::Mode2),
            _ => None,
        }
    }

    /// Whether blocks of `size` bytes are valid for this mode: audio takes 2352 only, data
    /// modes take 2048 (user data) or 2352 (raw sectors).
    pub const fn accepts_block_size(self, size: u32) -> bool {
        match self {
            Self::Audio => size == AUDIO_BLOCK_SIZE,
            Self::Mode1 | Self::Mode2 => size == DATA_BLOCK_SIZE || size == AUDIO_BLOCK_SIZE,
        }
    }
}

impl fmt::Display for TrackMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Audio => "audio",
            Self::Mode1 => "mode1",
            Self::Mode2 => "mode2",
        })
    }
}

/// The four control bits (CTL) of a track's Q subchannel, as in the TOC.
///
/// Bit 0 pre-emphasis (audio), bit 1 digital copy permitted, bit 2 data track, bit 3
/// four-channel audio. The data bit always matches the track's mode, and audio-only bits are
/// clear on data tracks: [`TrackInfo::validate`] checks both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Control(u8);

impl Control {
    /// Pre-emphasis (audio only).
    pub const PRE_EMPHASIS: u8 = 0x1;
    /// Digital copy permitted.
    pub const COPY_PERMITTED: u8 = 0x2;
    /// Data track.
    pub const DATA: u8 = 0x4;
    /// Four-channel audio (audio only).
    pub const FOUR_CHANNEL: u8 = 0x8;

    /// The control bits for `bits`, if only the low four bits are set.
    pub const fn new(bits: u8) -> Option<Self> {
        if bits & 0xF0 == 0 {
            Some(Self(bits))
        } else {
            None
        }
    }

    /// The usual control bits for a track of `mode`: the data bit on data tracks, nothing else.
    pub const fn for_mode(mode: TrackMode) -> Self {
        match mode {
            TrackMode::Audio => Self(0),
            TrackMode::Mode1 | TrackMode::Mode2 => Self(Self::DATA),
        }
    }

    /// The four bits, as a nibble.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether every bit of `mask` is set.
    pub const fn contains(self, mask: u8) -> bool {
        self.0 & mask == mask
    }
}

/// An International Standard Recording Code: 12 characters `CCOOOYYSSSSS`, country and owner
/// (5 characters, `0-9` or `A-Z`), then year and serial (7 digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Isrc([u8; 12]);

impl Isrc {
    /// Checks and wraps 12 ASCII bytes.
    pub fn from_bytes(bytes: [u8; 12]) -> Option<Self> {
        let (head, tail) = bytes.split_at(5);
        let ok = head.iter().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            && tail.iter().all(u8::is_ascii_digit);
        ok.then_some(Self(bytes))
    }

    /// The 12 ASCII bytes.
    pub const fn as_bytes(&self) -> &[u8; 12] {
        &self.0
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and capitals pass `from_bytes`.
        core::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl core::str::FromStr for Isrc {
    type Err = StashError;

    fn from_str(s: &str) -> Result<Self, StashError> {
        let bytes: [u8; 12] =
            s.as_bytes().try_into().map_err(|_| StashError::BadIsrc(s.to_owned()))?;
        Self::from_bytes(bytes).ok_or_else(|| StashError::BadIsrc(s.to_owned()))
    }
}

impl fmt::Display for Isrc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Media Catalog Number (UPC/EAN): 13 ASCII digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mcn([u8; 13]);

impl Mcn {
    /// Checks and wraps 13 ASCII digits.
    pub fn from_bytes(bytes: [u8; 13]) -> Option<Self> {
        bytes.iter().all(u8::is_ascii_digit).then_some(Self(bytes))
    }

    /// The 13 ASCII digits.
    pub const fn as_bytes(&self) -> &[u8; 13] {
        &self.0
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl core::str::FromStr for Mcn {
    type Err = StashError;

    fn from_str(s: &str) -> Result<Self, StashError> {
        let bytes: [u8; 13] =
            s.as_bytes().try_into().map_err(|_| StashError::BadMcn(s.to_owned()))?;
        Self::from_bytes(bytes).ok_or_else(|| StashError::BadMcn(s.to_owned()))
    }
}

impl fmt::Display for Mcn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One 18-byte CD-Text pack, kept as bytes: the stash carries packs, it does not build them.
///
/// The only check is the pack type in byte 0 (`0x80..=0x8F`); the pack's own CRC is the
/// concern of whoever made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CdTextPack([u8; CD_TEXT_PACK_LEN]);

impl CdTextPack {
    /// Wraps 18 bytes whose pack type is `0x80..=0x8F`.
    pub fn new(bytes: [u8; CD_TEXT_PACK_LEN]) -> Option<Self> {
        (0x80..=0x8F).contains(&bytes[0]).then_some(Self(bytes))
    }

    /// The 18 bytes.
    pub const fn as_bytes(&self) -> &[u8; CD_TEXT_PACK_LEN] {
        &self.0
    }
}

/// What a track is, as set when it begins: everything but its blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TrackInfo {
    /// Audio or data, and which data mode.
    pub mode: TrackMode,
    /// Bytes per block: 2048 or 2352 (see [`TrackMode::accepts_block_size`]).
    pub block_size: u32,
    /// Control bits for the TOC and Q subchannel.
    pub control: Control,
    /// Blocks of pregap (INDEX 00) before the track's first block. They are *not* stored in
    /// the payload: the burn engine generates them (silence or empty data blocks).
    pub pregap: u32,
    /// The track's ISRC, if it has one (audio tracks only).
    pub isrc: Option<Isrc>,
    /// Where the track's first payload block (INDEX 01) must be on the disc, when fixed.
    pub start_lba: Option<i32>,
}

impl TrackInfo {
    /// A Mode 1 data track of 2048-byte blocks, no pregap.
    pub const fn data() -> Self {
        Self {
            mode: TrackMode::Mode1,
            block_size: DATA_BLOCK_SIZE,
            control: Control::for_mode(TrackMode::Mode1),
            pregap: 0,
            isrc: None,
            start_lba: None,
        }
    }

    /// An audio track of 2352-byte frames with a pregap of `pregap` blocks.
    pub const fn audio(pregap: u32) -> Self {
        Self {
            mode: TrackMode::Audio,
            block_size: AUDIO_BLOCK_SIZE,
            control: Control::for_mode(TrackMode::Audio),
            pregap,
            isrc: None,
            start_lba: None,
        }
    }

    /// Checks that the fields agree with each other; returns what is wrong.
    pub fn validate(&self) -> Result<(), &'static str> {
        if !self.mode.accepts_block_size(self.block_size) {
            return Err("block size does not suit the track mode");
        }
        let data = self.mode != TrackMode::Audio;
        if self.control.contains(Control::DATA) != data {
            return Err("control data bit does not match the track mode");
        }
        if data && self.control.bits() & (Control::PRE_EMPHASIS | Control::FOUR_CHANNEL) != 0 {
            return Err("pre-emphasis or four-channel bit on a data track");
        }
        if data && self.isrc.is_some() {
            return Err("ISRC on a data track");
        }
        Ok(())
    }
}

/// What to do with the disc after this session is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SessionClose {
    /// Close the session and finalize the disc: nothing can be added later.
    #[default]
    Finalize,
    /// Close the session but leave the disc appendable for another session (multisession).
    LeaveAppendable,
}

/// Disc-wide metadata: numbering, MCN, CD-Text and the session this stash becomes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DiscInfo {
    /// Number of the first track (1 on a blank disc; later on a disc with earlier sessions).
    pub first_track: u8,
    /// The disc's Media Catalog Number, if any.
    pub mcn: Option<Mcn>,
    /// CD-Text packs for the lead-in, in order (at most [`MAX_CD_TEXT_PACKS`]).
    pub cd_text: Vec<CdTextPack>,
    /// The LBA where this session's first track starts, when the disc already holds sessions
    /// (the file system's extents are relative to it).
    pub session_start: Option<i32>,
    /// Multisession intent: finalize, or leave the disc open for another session.
    pub close: SessionClose,
}

impl Default for DiscInfo {
    fn default() -> Self {
        Self {
            first_track: 1,
            mcn: None,
            cd_text: Vec::new(),
            session_start: None,
            close: SessionClose::Finalize,
        }
    }
}

/// A run of blocks at one place in the stash file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Segment {
    /// Byte offset of the first block in the stash file.
    pub offset: u64,
    /// Number of blocks (at least 1).
    pub blocks: u32,
    /// CRC-32C (Castagnoli) of the segment's bytes.
    pub crc32c: u32,
    /// Index, within its track, of the segment's first block (the blocks of the segments
    /// before it).
    pub first_block: u64,
}

/// One track of a stash: its description and its segments in disc order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Track {
    /// Track number on the disc (1..=99).
    pub number: u8,
    /// Mode, block size, control bits, pregap, ISRC, start LBA.
    pub info: TrackInfo,
    /// Blocks of payload (the sum over the segments).
    pub blocks: u64,
    /// The segments, in disc order.
    pub segments: Vec<Segment>,
}

impl Track {
    /// Bytes of payload (`blocks × block_size`).
    pub fn len(&self) -> u64 {
        self.blocks.saturating_mul(u64::from(self.info.block_size))
    }

    /// Whether the track has no payload block.
    pub fn is_empty(&self) -> bool {
        self.blocks == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isrc_and_mcn_validation() {
        assert!("USRC17607839".parse::<Isrc>().is_ok());
        assert!("usRC17607839".parse::<Isrc>().is_err());
        assert!("USRC1760783A".parse::<Isrc>().is_err());
        assert!("USRC1760783".parse::<Isrc>().is_err());
        assert_eq!(
            "USRC17607839".parse::<Isrc>().map(|i| i.to_string()).ok(),
            Some("USRC17607839".to_owned())
        );
        assert!("0123456789012".parse::<Mcn>().is_ok());
        assert!("012345678901".parse::<Mcn>().is_err());
        assert!("012345678901X".parse::<Mcn>().is_err());
    }

    #[test]
    fn track_info_consistency() {
        assert_eq!(TrackInfo::data().validate(), Ok(()));
        assert_eq!(TrackInfo::audio(150).validate(), Ok(()));
        let mut t = TrackInfo::audio(0);
        t.block_size = DATA_BLOCK_SIZE;
        assert!(t.validate().is_err());
        let mut t = TrackInfo::data();
        t.control = Control::for_mode(TrackMode::Audio);
        assert!(t.validate().is_err());
        let mut t = TrackInfo::data();
        t.control = Control::new(Control::DATA | Control::PRE_EMPHASIS).unwrap_or_default();
        assert!(t.validate().is_err());
        assert!(Control::new(0x10).is_none());
        assert!(CdTextPack::new([0x7F; 18]).is_none());
        assert!(CdTextPack::new([0x80; 18]).is_some());
    }

    #[test]
    fn kinds_accept_modes() {
        assert!(DiscKind::Data.accepts(TrackMode::Mode1));
        assert!(!DiscKind::Data.accepts(TrackMode::Audio));
        assert!(DiscKind::Audio.accepts(TrackMode::Audio));
        assert!(!DiscKind::Audio.accepts(TrackMode::Mode2));
        assert!(DiscKind::Mixed.accepts(TrackMode::Audio));
        for k in [DiscKind::Data, DiscKind::Audio, DiscKind::Mixed] {
            assert_eq!(DiscKind::from_code(k.code()), Some(k));
        }
        assert_eq!(DiscKind::from_code(0), None);
    }
}
