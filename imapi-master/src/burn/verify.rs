//! The read-back after a burn: every written block compared with the stash, and, for a data
//! disc staged in this master, every file compared with what AddData read from its source.
//!
//! The second check is what catches a staging defect. A disc equal to the stash proves the
//! burn; it says nothing of whether the stash holds each file's bytes under that file's name.
//! So AddData records a CRC-32C of each file's bytes as they are captured
//! ([`imapi_stash::StashWriter::last_append_crc`]), the seal records where the plan put each
//! file ([`FileCheck`]), and here, while the data track streams back from the disc, each
//! file's blocks are summed again and compared; then the disc's ISO 9660 directories are
//! read, and each file's record must name the planned extent and size. A stash adopted from
//! an earlier run has no such sums (they lived in that run): it is checked block for block
//! only.

use std::io::Read;

use imapi_codes::ImapiCode;
use imapi_joliet::read::{Options, TreeKind};
use imapi_mmc::{ReadCd, SectorType};
use imapi_redbook::Lba;
use imapi_stash::{Stash, TrackMode};
use imapi_transport::{ops, BlockReader, Transport};

use crate::error::{ImapiError, Result};
use crate::file_check::FileCheck;
use crate::master::StagedDisc;
use crate::progress::Sinks;
use crate::sense_map::Operation;

/// Blocks read back per READ.
const BLOCKS_PER_READ: u64 = 32;

/// Reads every written track back and compares it with the stash block for block; with
/// `checks`, also each file with its source's checksum and its directory record with the
/// plan (see the module docs). A difference is IMAPI_E_GENERIC naming the blocks or the file.
pub(crate) fn against_stash(
    t: &mut dyn Transport,
    device: &str,
    _sinks: &Sinks,
    staged: &StagedDisc,
    starts: &[i32],
    checks: Option<Vec<FileCheck>>,
) -> Result<()> {
    let mut stash = Stash::open(&staged.stash)?;
    let tracks = stash.tracks().to_vec();
    let mut sums = checks.as_deref().map(Sums::new);
    for (k, tr) in tracks.iter().enumerate() {
        let Some(&start) = starts.get(k) else { continue };
        let bs = tr.info.block_size as usize;
        let mut reader = stash.track_reader(k)?;
        let mut want = vec![0u8; BLOCKS_PER_READ as usize * bs];
        let mut got = vec![0u8; BLOCKS_PER_READ as usize * bs];
        let mut lba = start;
        let mut left = tr.blocks;
        while left > 0 {
            let n = left.min(BLOCKS_PER_READ) as usize;
            reader.read_exact(&mut want[..n * bs]).map_err(|e| {
                ImapiError::new(ImapiCode::InvalidImage, "reading the stash to verify")
                    .with_source(e)
            })?;
            let read = if tr.info.mode == TrackMode::Audio {
                let req = ReadCd {
                    sector_type: SectorType::CdDa,
                    sync: false,
                    header_codes: 0,
                    edc_ecc: false,
                    ..ReadCd::raw(Lba(lba), n as u32)
                };
                ops::run(t, &req, imapi_transport::Data::FromDevice(&mut got[..n * bs]))
            } else {
                ops::read10(t, u32::try_from(lba).unwrap_or(0), &mut got[..n * bs])
            };
            read.map_err(|e| ImapiError::command(device, Operation::Read, e))?;
            if want[..n * bs] != got[..n * bs] {
                return Err(ImapiError::new(
                    ImapiCode::Generic,
                    format!(
                        "{device}: verification failed: blocks from {lba} differ from the stash"
                    ),
                ));
            }
            if let (Some(s), TrackMode::Mode1) = (sums.as_mut(), tr.info.mode) {
                s.feed(u64::try_from(lba).unwrap_or(0), &got[..n * bs], device)?;
            }
            lba += n as i32;
            left -= n as u64;
        }
    }
    if let (Some(s), Some(checks)) = (sums, checks.as_deref()) {
        s.finish(device)?;
        let start = starts.first().copied().and_then(|s| u32::try_from(s).ok()).unwrap_or(0);
        records_match(t, device, start, checks)?;
    }
    Ok(())
}

/// The files' checksums computed again as their blocks stream back, in disc order.
struct Sums<'c> {
    /// Distinct extents with data, by increasing extent (hard links share one).
    files: Vec<&'c FileCheck>,
    /// The first file not summed to its end yet, and its running sum.
    next: usize,
    running: u32,
}

impl<'c> Sums<'c> {
    fn new(checks: &'c [FileCheck]) -> Sums<'c> {
        let mut files: Vec<&FileCheck> = checks.iter().filter(|c| c.size > 0).collect();
        files.sort_by_key(|c| c.extent);
        files.dedup_by_key(|c| c.extent);
        Sums { files, next: 0, running: 0 }
    }

    /// Takes the data blocks read back from `lba` on.
    fn feed(&mut self, lba: u64, data: &[u8], device: &str) -> Result<()> {
        let bs = 2048u64;
        let (from, to) = (lba * bs, lba * bs + data.len() as u64);
        while let Some(f) = self.files.get(self.next) {
            let (start, end) = (u64::from(f.extent) * bs, u64::from(f.extent) * bs + f.size);
            if start >= to {
                break;
            }
            let (a, b) = (start.max(from), end.min(to));
            if a < b {
                let slice = &data[(a - from) as usize..(b - from) as usize];
                self.running = crc32c::crc32c_append(self.running, slice);
            }
            if end > to {
                break;
            }
            if self.running != f.crc {
                return Err(differs(device, f, "its bytes on the disc"));
            }
            self.next += 1;
            self.running = 0;
        }
        Ok(())
    }

    /// Every file was summed whole.
    fn finish(self, device: &str) -> Result<()> {
        match self.files.get(self.next) {
            Some(f) => Err(differs(device, f, "the written track, which ends before it")),
            None => Ok(()),
        }
    }
}

fn differs(device: &str, f: &FileCheck, what: &str) -> ImapiError {
    ImapiError::new(
        ImapiCode::Generic,
        format!(
            "{device}: verification failed: {} ({} bytes at block {}): {what} are not the \
             bytes added (CRC-32C {:08x} when added)",
            f.iso_path, f.size, f.extent, f.crc
        ),
    )
}

/// Each staged file's ISO 9660 record on the disc names the planned extent and size, and
/// every staged file has a record.
fn records_match(
    t: &mut dyn Transport,
    device: &str,
    start: u32,
    checks: &[FileCheck],
) -> Result<()> {
    let read_err = |e: &dyn std::fmt::Display| {
        ImapiError::new(
            ImapiCode::Generic,
            format!("{device}: verification failed: the session's directories: {e}"),
        )
    };
    let reader = BlockReader::new(t).map_err(|e| read_err(&e))?;
    let image = imapi_joliet::Image::from_reader_with(reader, Options::new().session_start(start))
        .map_err(|e| read_err(&e))?;
    let mut on_disc = std::collections::HashMap::new();
    for item in image.walk(TreeKind::Iso).map_err(|e| read_err(&e))? {
        let item = item.map_err(|e| read_err(&e))?;
        if !item.entry.is_dir() {
            on_disc.insert(normal(&item.path), (item.entry.block(), item.entry.size()));
        }
    }
    for c in checks {
        match on_disc.get(&normal(&c.iso_path)) {
            Some(&(block, size)) if (block, size) == (c.extent, c.size) => {}
            Some(&(block, size)) => {
                return Err(differs(
                    device,
                    c,
                    &format!("its directory record names {size} bytes at block {block}, which"),
                ))
            }
            None => return Err(differs(device, c, "no directory record; its bytes")),
        }
    }
    Ok(())
}

/// An ISO 9660 path without a leading `/`, versions (`;1`) or a trailing dot in a name, as
/// readers differ in showing them.
fn normal(path: &str) -> String {
    path.trim_start_matches('/')
        .split('/')
        .map(|c| c.split(';').next().unwrap_or(c).trim_end_matches('.'))
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(path: &str, extent: u32, bytes: &[u8]) -> FileCheck {
        FileCheck {
            iso_path: path.into(),
            extent,
            size: bytes.len() as u64,
            crc: crc32c::crc32c(bytes),
        }
    }

    #[test]
    fn files_are_summed_across_reads_and_a_swap_is_named() {
        let a = vec![b'A'; 3000];
        let b = vec![b'B'; 100];
        let checks = vec![check("/A;1", 10, &a), check("/B;1", 12, &b)];
        let mut disc = vec![0u8; 4 * 2048];
        disc[..3000].copy_from_slice(&a);
        disc[2 * 2048..2 * 2048 + 100].copy_from_slice(&b);
        // Read one block at a time: A spans two reads.
        let mut s = Sums::new(&checks);
        for k in 0..4 {
            s.feed(10 + k, &disc[k as usize * 2048..(k as usize + 1) * 2048], "d").unwrap();
        }
        s.finish("d").unwrap();
        // B's bytes where A's should be.
        let mut swapped = disc.clone();
        swapped[..100].copy_from_slice(&b);
        let mut s = Sums::new(&checks);
        let e = s.feed(10, &swapped, "d").unwrap_err();
        assert_eq!(e.code(), ImapiCode::Generic);
        assert!(e.to_string().contains("/A;1"), "{e}");
        // A track that ends before B.
        let mut s = Sums::new(&checks);
        s.feed(10, &disc[..2 * 2048], "d").unwrap();
        assert!(s.finish("d").unwrap_err().to_string().contains("/B;1"));
    }

    #[test]
    fn paths_compare_without_versions_and_trailing_dots() {
        assert_eq!(normal("/DIR/FILE.TXT;1"), "DIR/FILE.TXT");
        assert_eq!(normal("DIR/NOEXT.;1"), "DIR/NOEXT");
        assert_eq!(normal("A/B"), "A/B");
    }
}
