//! Reading back what a burn wrote: the same [`Piece`]s produced again from their input and
//! compared, buffer by buffer, with the disc (READ(10) for 2048-byte blocks, READ CD for
//! CD-DA); or, for a stream that cannot be read twice, the CRC-32C of the disc's blocks
//! against the one taken as the stream passed. Generated silence (gaps) is not compared.
//!
//! For a data disc staged in this master, each file is also checked against its source. A
//! disc equal to the stash proves the burn; it says nothing of whether the stash holds each
//! file's bytes under that file's name. So AddData records a CRC-32C of each file's bytes as
//! they are captured ([`imapi_stash::StashWriter::last_append_crc`]), the seal records where
//! the plan put each file ([`FileCheck`]), and here, while the data track streams back from
//! the disc, each file's blocks are summed again and compared; then the disc's ISO 9660
//! directories are read, and each file's record must name the planned extent and size. A
//! stash adopted from an earlier run has no such sums (they lived in that run): it is
//! checked block for block only.

use imapi_codes::ImapiCode;
use imapi_mmc::{ReadCd, SectorType};
use imapi_redbook::Lba;
use imapi_transport::{ops, Data, Transport};

use std::path::Path;

use imapi_joliet::read::{Options, TreeKind};
use imapi_transport::BlockReader;

use crate::error::{ImapiError, Result};
use crate::file_check::FileCheck;
use crate::progress::Sinks;
use crate::sense_map::Operation;

use super::pipeline::{blocks_per_write, produce_each, Input, Piece};
use super::writer::Throttle;
use super::DATA_BLOCK;

/// What a read-back needs besides the drive: the device's name for errors, and the sinks told
/// of its progress (NotifyVerifyProgress) over `total` blocks, counted as the writes were.
pub(crate) struct ReadBack<'a> {
    pub(crate) device: &'a str,
    pub(crate) sinks: &'a Sinks,
    pub(crate) total: u64,
}

impl ReadBack<'_> {
    fn throttle(&self) -> Throttle {
        Throttle::verifying(self.total)
    }
}

/// Reads `out.len()` bytes of `block_len`-byte blocks from `lba`.
fn read_back(
    t: &mut dyn Transport,
    device: &str,
    lba: i32,
    block_len: usize,
    out: &mut [u8],
) -> Result<()> {
    let blocks = u32::try_from(out.len() / block_len.max(1)).unwrap_or(u32::MAX);
    let read = if block_len == 2352 {
        let req = ReadCd {
            sector_type: SectorType::CdDa,
            sync: false,
            header_codes: 0,
            edc_ecc: false,
            ..ReadCd::raw(Lba(lba), blocks)
        };
        ops::run(t, &req, Data::FromDevice(out))
    } else {
        ops::read10(t, u32::try_from(lba).unwrap_or(0), out)
    };
    read.map(|_| ()).map_err(|e| ImapiError::command(device, Operation::Read, e))
}

/// Compares the disc from `start` with `pieces` of `input`; `what` names the input.
pub(crate) fn verify_pieces(
    t: &mut dyn Transport,
    rb: &ReadBack<'_>,
    input: Input<'_>,
    pieces: &[Piece],
    start: i32,
    what: &str,
) -> Result<()> {
    verify_pieces_with(t, rb, input, pieces, start, what, &mut |_, _, _| Ok(()))
}

/// Compares the disc from `start` with `pieces` of the stash `stash`, and with `checks`
/// each staged file with the sum of its source bytes and its directory record with the
/// plan (see the module docs).
pub(crate) fn verify_staged(
    t: &mut dyn Transport,
    rb: &ReadBack<'_>,
    stash: &Path,
    pieces: &[Piece],
    start: i32,
    checks: Option<&[FileCheck]>,
) -> Result<()> {
    let what = format!("the stash {}", stash.display());
    let input = Input::Stash(stash);
    let Some(checks) = checks else {
        return verify_pieces(t, rb, input, pieces, start, &what);
    };
    let device = rb.device;
    let mut sums = Sums::new(checks);
    verify_pieces_with(t, rb, input, pieces, start, &what, &mut |lba, block_len, got| {
        if block_len == DATA_BLOCK {
            sums.feed(u64::try_from(lba).unwrap_or(0), got, device)
        } else {
            Ok(())
        }
    })?;
    sums.finish(device)?;
    records_match(t, device, u32::try_from(start).unwrap_or(0), checks)
}

/// Told of each stretch read back that equals the input: its first block, block length and
/// bytes.
type Seen<'a> = dyn FnMut(i32, usize, &[u8]) -> Result<()> + 'a;

/// [`verify_pieces`], handing each stretch read back (its first block, block length and
/// bytes) to `seen` once it equals the input.
fn verify_pieces_with(
    t: &mut dyn Transport,
    rb: &ReadBack<'_>,
    input: Input<'_>,
    pieces: &[Piece],
    start: i32,
    what: &str,
    seen: &mut Seen<'_>,
) -> Result<()> {
    let device = rb.device;
    let mut throttle = rb.throttle();
    let mut done = 0u64;
    throttle.report(rb.sinks, 0);
    let mut lba = start;
    let mut got = Vec::new();
    let mut failure = None;
    produce_each(input, pieces, None, &mut |chunk| {
        let at = lba;
        lba += chunk.blocks() as i32;
        if chunk.generated {
            done += chunk.blocks() as u64;
            throttle.report(rb.sinks, done);
            return true;
        }
        let per = blocks_per_write(chunk.block_len);
        for (k, want) in chunk.bytes.chunks(per * chunk.block_len).enumerate() {
            let from = at + (k * per) as i32;
            got.resize(want.len(), 0);
            if let Err(e) = read_back(t, device, from, chunk.block_len, &mut got) {
                failure = Some(e);
                return false;
            }
            if got != want {
                failure = Some(differs(device, from, what));
                return false;
            }
            if let Err(e) = seen(from, chunk.block_len, &got) {
                failure = Some(e);
                return false;
            }
            done += (want.len() / chunk.block_len.max(1)) as u64;
            throttle.report(rb.sinks, done);
        }
        true
    })?;
    failure.map_or(Ok(()), Err)
}

/// Compares the CRC-32C of the disc's blocks of `pieces` (payload only) from `start` with
/// `crc`, the one of the stream written; `what` names the stream.
pub(crate) fn verify_digest(
    t: &mut dyn Transport,
    rb: &ReadBack<'_>,
    pieces: &[Piece],
    start: i32,
    crc: u32,
    what: &str,
) -> Result<()> {
    let device = rb.device;
    let mut throttle = rb.throttle();
    throttle.report(rb.sinks, 0);
    let mut lba = start;
    let mut sum = 0u32;
    let mut buf = Vec::new();
    for piece in pieces {
        let (blocks, block_len, payload) = match *piece {
            Piece::Zeros { blocks, block_len } => (blocks, block_len, false),
            Piece::Read { blocks, block_len, .. } => (blocks, block_len, true),
            Piece::Track { .. } => {
                return Err(ImapiError::new(ImapiCode::Generic, "a stash piece in a stream"))
            }
        };
        if !payload {
            lba += i32::try_from(blocks).unwrap_or(i32::MAX);
            throttle.report(rb.sinks, u64::try_from(lba - start).unwrap_or(0));
            continue;
        }
        let per = blocks_per_write(block_len) as u64;
        let mut left = blocks;
        while left > 0 {
            let n = left.min(per);
            buf.resize(n as usize * block_len, 0);
            read_back(t, device, lba, block_len, &mut buf)?;
            sum = crc32c::crc32c_append(sum, &buf);
            lba += n as i32;
            left -= n;
            throttle.report(rb.sinks, u64::try_from(lba - start).unwrap_or(0));
        }
    }
    if sum != crc {
        return Err(ImapiError::new(
            ImapiCode::Generic,
            format!(
                "{device}: verification failed: the disc's blocks from {start} do not match \
                 {what} (CRC-32C {sum:08x}, written {crc:08x})"
            ),
        ));
    }
    Ok(())
}

fn differs(device: &str, lba: i32, what: &str) -> ImapiError {
    ImapiError::new(
        ImapiCode::Generic,
        format!("{device}: verification failed: blocks from {lba} differ from {what}"),
    )
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
                return Err(file_differs(device, f, "its bytes on the disc"));
            }
            self.next += 1;
            self.running = 0;
        }
        Ok(())
    }

    /// Every file was summed whole.
    fn finish(self, device: &str) -> Result<()> {
        match self.files.get(self.next) {
            Some(f) => Err(file_differs(device, f, "the written track, which ends before it")),
            None => Ok(()),
        }
    }
}

fn file_differs(device: &str, f: &FileCheck, what: &str) -> ImapiError {
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
                return Err(file_differs(
                    device,
                    c,
                    &format!("its directory record names {size} bytes at block {block}, which"),
                ))
            }
            None => return Err(file_differs(device, c, "no directory record; its bytes")),
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
