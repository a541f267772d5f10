//! pycdlib's view of an image, through `pycdlib_probe.py`: both trees with the bytes pycdlib
//! streams for every file (hashed in Python, never written to disk), the raw directory records
//! and path tables at the places pycdlib reports, and the volume descriptors.

use std::path::Path;

use serde::Deserialize;

use super::{command, run, Entry, Hash, Hashes, Kind, Listing};

/// The probe script, run with `python3 -c`.
const SCRIPT: &str = include_str!("pycdlib_probe.py");

/// Bytes from lower-case hex.
fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap_or(0)).collect()
}

/// Deserializes a hex string into bytes.
fn de_hex<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let s = String::deserialize(d)?;
    Ok(unhex(&s))
}

/// Deserializes a list of hex strings.
fn de_hex_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
    let v = Vec::<String>::deserialize(d)?;
    Ok(v.iter().map(|s| unhex(s)).collect())
}

/// One entry of a tree, as pycdlib lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct ProbeEntry {
    /// Path from the root with a leading `/` (ISO names keep their `;1`).
    pub path: String,
    /// `d` or `f`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Bytes pycdlib streamed (0 for directories).
    pub size: u64,
    /// SHA-256 of those bytes, in hex (files only).
    #[serde(default)]
    pub sha256: Option<String>,
    /// First block of the entry.
    pub extent: u32,
}

/// One directory record, raw.
#[derive(Debug, Clone, Deserialize)]
pub struct RawRecord {
    /// Offset in the directory's extent.
    pub offset: u32,
    /// LEN_DR.
    pub len: u32,
    /// Extent, little-endian half.
    pub extent_le: u32,
    /// Extent, big-endian half.
    pub extent_be: u32,
    /// Data length, little-endian half.
    pub size_le: u32,
    /// Data length, big-endian half.
    pub size_be: u32,
    /// The 7-byte recording date.
    pub date: Vec<u8>,
    /// File flags.
    pub flags: u8,
    /// The identifier bytes.
    #[serde(deserialize_with = "de_hex")]
    pub id: Vec<u8>,
}

/// A run of bytes after the last record of a sector.
#[derive(Debug, Clone, Deserialize)]
pub struct Gap {
    /// Where it starts in the extent.
    pub from: u32,
    /// Where it ends (the next sector).
    pub to: u32,
    /// Whether it is all zero.
    pub zero: bool,
}

/// A directory with its raw records in recorded order.
#[derive(Debug, Clone, Deserialize)]
pub struct ProbeDir {
    /// Path from the root (`/` for the root).
    pub path: String,
    /// First block.
    pub extent: u32,
    /// Data length of the directory.
    pub size: u32,
    /// The records, `.` and `..` included.
    pub records: Vec<RawRecord>,
    /// Unused tails of sectors.
    pub gaps: Vec<Gap>,
    /// Bytes the probe could read of the extent.
    pub read: u32,
}

/// One path table record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PtRow {
    /// Extent of the directory.
    pub extent: u32,
    /// Number of the parent directory (1-based).
    pub parent: u16,
    /// Directory identifier bytes.
    #[serde(deserialize_with = "de_hex")]
    pub id: Vec<u8>,
}

/// A path table as recorded.
#[derive(Debug, Clone, Deserialize)]
pub struct PathTable {
    /// Its first block.
    pub location: u32,
    /// Its size in bytes, from the descriptor.
    pub size: u32,
    /// Its records.
    pub rows: Vec<PtRow>,
}

/// One tree: entries, directories, path tables.
#[derive(Debug, Clone, Deserialize)]
pub struct ProbeTree {
    /// Every entry below the root, in pycdlib's walk order.
    pub entries: Vec<ProbeEntry>,
    /// Every directory, the root first.
    pub dirs: Vec<ProbeDir>,
    /// The type L path table.
    pub path_table_l: PathTable,
    /// The type M path table.
    pub path_table_m: PathTable,
}

/// A volume descriptor's raw fields.
#[derive(Debug, Clone, Deserialize)]
pub struct Descriptor {
    /// Its block.
    pub sector: u32,
    /// Descriptor type (1 primary, 2 supplementary, 255 terminator).
    #[serde(rename = "type")]
    pub kind: u8,
    /// The 32 bytes of the volume identifier.
    #[serde(deserialize_with = "de_hex")]
    pub volume_id: Vec<u8>,
    /// Volume space size, little-endian half.
    pub space_le: u32,
    /// Volume space size, big-endian half.
    pub space_be: u32,
    /// The 32 bytes of escape sequences.
    #[serde(deserialize_with = "de_hex")]
    pub escapes: Vec<u8>,
    /// Creation, modification, expiration and effective dates (17 bytes each).
    #[serde(deserialize_with = "de_hex_list")]
    pub dates: Vec<Vec<u8>>,
    /// Extent of the root directory record.
    pub root_extent: u32,
}

/// Everything the probe reports.
#[derive(Debug, Clone, Deserialize)]
pub struct Probe {
    /// The descriptors from block 16 to the terminator.
    pub descriptors: Vec<Descriptor>,
    /// `iso` and, when pycdlib found it, `joliet`.
    pub trees: std::collections::BTreeMap<String, ProbeTree>,
}

impl Probe {
    /// Runs the probe on `img`; panics with pycdlib's message when it refuses the image.
    pub fn run(img: &Path) -> Self {
        let out = run(command("python3").arg("-c").arg(SCRIPT).arg(img));
        assert!(
            out.status.success(),
            "pycdlib could not read {}:\n{}",
            img.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("pycdlib probe printed something unexpected: {e}"))
    }

    /// The ISO 9660 tree.
    pub fn iso(&self) -> &ProbeTree {
        &self.trees["iso"]
    }

    /// The Joliet tree, if pycdlib found one.
    pub fn joliet(&self) -> Option<&ProbeTree> {
        self.trees.get("joliet")
    }
}

impl ProbeTree {
    /// The listing, paths without the leading `/`.
    pub fn listing(&self) -> Listing {
        self.entries
            .iter()
            .map(|e| {
                let entry = if e.kind == "d" { Entry::dir() } else { Entry::file(e.size) };
                (e.path.trim_start_matches('/').to_string(), entry)
            })
            .collect()
    }

    /// The hashes of every file.
    pub fn hashes(&self) -> Hashes {
        self.entries
            .iter()
            .filter_map(|e| {
                let h = e.sha256.as_deref()?;
                let bytes: Hash = unhex(h).try_into().ok()?;
                Some((e.path.trim_start_matches('/').to_string(), bytes))
            })
            .collect()
    }

    /// Every file entry.
    pub fn files(&self) -> impl Iterator<Item = &ProbeEntry> {
        self.entries.iter().filter(|e| e.kind == "f")
    }

    /// The directory at `path` (`/` for the root).
    pub fn dir(&self, path: &str) -> Option<&ProbeDir> {
        self.dirs.iter().find(|d| d.path == path)
    }
}

impl ProbeEntry {
    /// Directory or file.
    pub fn kind(&self) -> Kind {
        if self.kind == "d" {
            Kind::Dir
        } else {
            Kind::File
        }
    }
}
