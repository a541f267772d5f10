//! Reading back what a burn wrote: the same [`Piece`]s produced again from their input and
//! compared, buffer by buffer, with the disc (READ(10) for 2048-byte blocks, READ CD for
//! CD-DA); or, for a stream that cannot be read twice, the CRC-32C of the disc's blocks
//! against the one taken as the stream passed. Generated silence (gaps) is not compared.

use imapi_codes::ImapiCode;
use imapi_mmc::{ReadCd, SectorType};
use imapi_redbook::Lba;
use imapi_transport::{ops, Data, Transport};

use crate::error::{ImapiError, Result};
use crate::sense_map::Operation;

use super::pipeline::{blocks_per_write, produce_each, Input, Piece};

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
    device: &str,
    input: Input<'_>,
    pieces: &[Piece],
    start: i32,
    what: &str,
) -> Result<()> {
    let mut lba = start;
    let mut got = Vec::new();
    let mut failure = None;
    produce_each(input, pieces, None, &mut |chunk| {
        let at = lba;
        lba += chunk.blocks() as i32;
        if chunk.generated {
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
        }
        true
    })?;
    failure.map_or(Ok(()), Err)
}

/// Compares the CRC-32C of the disc's blocks of `pieces` (payload only) from `start` with
/// `crc`, the one of the stream written; `what` names the stream.
pub(crate) fn verify_digest(
    t: &mut dyn Transport,
    device: &str,
    pieces: &[Piece],
    start: i32,
    crc: u32,
    what: &str,
) -> Result<()> {
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
