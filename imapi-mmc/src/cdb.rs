//! What every command shares: the CDB buffer, the request and reply traits, byte helpers.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use crate::error::{CdbError, ReplyError};

/// An encoded command descriptor block of 6, 10, 12 or 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cdb {
    bytes: [u8; 16],
    len: u8,
}

impl Cdb {
    /// A CDB of `N` bytes. `N` from 1 to 16 is checked as the program is built: an array of
    /// another length does not compile, so nothing is ever cut off.
    ///
    /// ```compile_fail
    /// let _ = imapi_mmc::Cdb::new([0u8; 17]);
    /// ```
    ///
    /// Bytes whose count is known only at run time go through [`Cdb::from_slice`].
    // A const fn: slice copies and `try_from` are not const at the MSRV. Every index is in
    // range: `i < N`, and `N <= 16` is asserted at compile time, which also makes `N as u8`
    // exact.
    #[allow(clippy::indexing_slicing, clippy::cast_possible_truncation)]
    pub const fn new<const N: usize>(bytes: [u8; N]) -> Cdb {
        const { assert!(N >= 1 && N <= 16, "a CDB holds 1 to 16 bytes") };
        let mut b = [0u8; 16];
        let mut i = 0;
        while i < N {
            b[i] = bytes[i];
            i += 1;
        }
        Cdb { bytes: b, len: N as u8 }
    }

    /// A CDB of `bytes`, refused when empty ([`CdbError::Truncated`]) or longer than 16
    /// ([`CdbError::TooLong`]).
    pub fn from_slice(bytes: &[u8]) -> Result<Cdb, CdbError> {
        if bytes.is_empty() {
            return Err(CdbError::Truncated { command: "CDB", need: 1, got: 0 });
        }
        let too_long = CdbError::TooLong(bytes.len());
        let len = u8::try_from(bytes.len()).ok().filter(|&l| l <= 16).ok_or(too_long)?;
        let mut b = [0u8; 16];
        b.get_mut(..bytes.len()).ok_or(too_long)?.copy_from_slice(bytes);
        Ok(Cdb { bytes: b, len })
    }

    /// The bytes of the CDB.
    pub fn as_bytes(&self) -> &[u8] {
        // `len` is at most 16 (both constructors check it).
        self.bytes.get(..usize::from(self.len)).unwrap_or(&self.bytes)
    }

    /// The operation code.
    pub fn opcode(&self) -> u8 {
        self.bytes[0]
    }
}

impl TryFrom<&[u8]> for Cdb {
    type Error = CdbError;

    fn try_from(bytes: &[u8]) -> Result<Cdb, CdbError> {
        Cdb::from_slice(bytes)
    }
}

impl AsRef<[u8]> for Cdb {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

/// Which way a command moves data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// No data phase.
    None,
    /// From the device to the host (a reply).
    In,
    /// From the host to the device (parameter data or blocks to write).
    Out,
}

/// A command: its CDB encodes from typed fields and parses back into them.
pub trait Request: Sized {
    /// The operation code.
    const OPCODE: u8;
    /// The CDB length.
    const CDB_LEN: usize;
    /// The command's name, as errors give it.
    const NAME: &'static str;
    /// The CDB bytes.
    fn encode(&self) -> Cdb;
    /// The fields back from CDB bytes (for a device that receives them).
    fn parse(cdb: &[u8]) -> Result<Self, CdbError>;
    /// Which way the data phase goes.
    fn direction(&self) -> Direction;
    /// Bytes in the data phase: the allocation length of a query, the parameter length of a
    /// data-out command, 0 for none (blocks of a READ or WRITE are not counted here).
    fn transfer_len(&self) -> usize;
}

/// A reply or a parameter list: parsed strictly from bytes and emitted into them.
pub trait Reply: Sized {
    /// The structure's name, as errors give it.
    const WHAT: &'static str;
    /// Parses untrusted bytes.
    fn parse(buf: &[u8]) -> Result<Self, ReplyError>;
    /// The bytes [`Reply::emit`] writes.
    fn buffer_len(&self) -> usize;
    /// Writes the structure into the start of `buf`; returns the bytes written.
    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError>;
    /// The structure as a new vector.
    fn to_vec(&self) -> Result<Vec<u8>, ReplyError> {
        let mut v = vec![0; self.buffer_len()];
        let n = self.emit(&mut v)?;
        v.truncate(n);
        Ok(v)
    }
}

/// The first `N` bytes of a CDB after checking its length and opcode.
pub(crate) fn cdb_bytes<const N: usize>(
    cdb: &[u8],
    command: &'static str,
    opcode: u8,
) -> Result<[u8; N], CdbError> {
    let b: [u8; N] = cdb.get(..N).and_then(|s| s.try_into().ok()).ok_or(CdbError::Truncated {
        command,
        need: N,
        got: cdb.len(),
    })?;
    if b[0] != opcode {
        return Err(CdbError::Opcode { command, expected: opcode, got: b[0] });
    }
    Ok(b)
}

/// The first `N` bytes of a reply.
pub(crate) fn head<const N: usize>(buf: &[u8], what: &'static str) -> Result<[u8; N], ReplyError> {
    buf.get(..N).and_then(|s| s.try_into().ok()).ok_or(ReplyError::Truncated {
        what,
        need: N,
        got: buf.len(),
    })
}

/// `buf`'s first `N` bytes, to fill, or [`ReplyError::Truncated`].
pub(crate) fn head_mut<'a, const N: usize>(
    buf: &'a mut [u8],
    what: &'static str,
) -> Result<&'a mut [u8; N], ReplyError> {
    let got = buf.len();
    buf.first_chunk_mut::<N>().ok_or(ReplyError::Truncated { what, need: N, got })
}

/// The bytes `r` of `buf`, to fill, or [`ReplyError::Truncated`].
pub(crate) fn span_mut<'a>(
    buf: &'a mut [u8],
    r: core::ops::Range<usize>,
    what: &'static str,
) -> Result<&'a mut [u8], ReplyError> {
    let got = buf.len();
    let need = r.end;
    buf.get_mut(r).ok_or(ReplyError::Truncated { what, need, got })
}

/// The first `n` bytes of `buf`, to fill: the `N`-byte header as an array, and the rest.
pub(crate) fn split_mut<'a, const N: usize>(
    buf: &'a mut [u8],
    n: usize,
    what: &'static str,
) -> Result<(&'a mut [u8; N], &'a mut [u8]), ReplyError> {
    let got = buf.len();
    buf.get_mut(..n).and_then(<[u8]>::split_first_chunk_mut::<N>).ok_or(ReplyError::Truncated {
        what,
        need: n.max(N),
        got,
    })
}

/// Writes `bytes` at the start of `out` and moves `out` past them, or
/// [`ReplyError::Truncated`].
pub(crate) fn put(out: &mut &mut [u8], bytes: &[u8], what: &'static str) -> Result<(), ReplyError> {
    let got = out.len();
    let (head, tail) = core::mem::take(out)
        .split_at_mut_checked(bytes.len())
        .ok_or(ReplyError::Truncated { what, need: bytes.len(), got })?;
    head.copy_from_slice(bytes);
    *out = tail;
    Ok(())
}

/// The `N` bytes of field `r` of `b`, a reply already cut to a length that holds the field
/// (were it shorter, the bytes it lacks would read as zeros).
pub(crate) fn array<const N: usize>(b: &[u8], r: core::ops::Range<usize>) -> [u8; N] {
    b.get(r).and_then(|s| s.try_into().ok()).unwrap_or([0; N])
}

/// Checks that `buf` holds at least `need` bytes for emitting.
pub(crate) fn room(buf: &[u8], need: usize, what: &'static str) -> Result<(), ReplyError> {
    if buf.len() < need {
        return Err(ReplyError::Truncated { what, need, got: buf.len() });
    }
    Ok(())
}

pub(crate) fn be16(b: [u8; 2]) -> u16 {
    u16::from_be_bytes(b)
}

pub(crate) fn be24(b: [u8; 3]) -> u32 {
    u32::from_be_bytes([0, b[0], b[1], b[2]])
}

pub(crate) fn be32(b: [u8; 4]) -> u32 {
    u32::from_be_bytes(b)
}

pub(crate) fn to_be24(v: u32) -> [u8; 3] {
    let b = v.to_be_bytes();
    [b[1], b[2], b[3]]
}

pub(crate) fn bit(byte: u8, n: u8) -> bool {
    byte & (1 << n) != 0
}

pub(crate) fn flag(on: bool, n: u8) -> u8 {
    u8::from(on) << n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_one_to_sixteen_are_kept_whole() {
        assert_eq!(Cdb::new([0x00; 6]).as_bytes().len(), 6);
        let sixteen: [u8; 16] = core::array::from_fn(|i| i as u8 + 1);
        assert_eq!(Cdb::new(sixteen).as_bytes(), &sixteen);
        assert_eq!(Cdb::from_slice(&sixteen).unwrap(), Cdb::new(sixteen));
        assert_eq!(Cdb::try_from(&[0x25u8, 0, 0][..]).unwrap().as_bytes(), &[0x25, 0, 0]);
    }

    #[test]
    fn too_long_or_empty_is_refused_not_cut() {
        assert_eq!(Cdb::from_slice(&[0u8; 17]), Err(CdbError::TooLong(17)));
        assert!(matches!(Cdb::from_slice(&[]), Err(CdbError::Truncated { got: 0, .. })));
    }
}
