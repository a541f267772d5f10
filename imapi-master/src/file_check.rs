//! [`FileCheck`]: what the read-back after a burn checks of one staged file (see the burn
//! engine's verify). A leaf: the Joliet master makes them at the seal, the engine reads them.

/// One staged file as the seal planned it, with the checksum of its source bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileCheck {
    /// Its ISO 9660 path (`/DIR/FILE.TXT;1`).
    pub(crate) iso_path: String,
    /// The absolute block its data starts at.
    pub(crate) extent: u32,
    /// Its length in bytes.
    pub(crate) size: u64,
    /// CRC-32C of its bytes as AddData read them.
    pub(crate) crc: u32,
}
