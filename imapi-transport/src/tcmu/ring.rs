//! The layout of a TCMU shared area (linux `include/uapi/linux/target_core_user.h`, mailbox
//! version 2) and a parser of its command ring. No I/O: the parser reads and writes byte
//! slices, which [`super::serve`] maps from `/dev/uioN` and tests build by hand.
//!
//! The shared area holds, from offset 0: the mailbox ([`Mailbox`]); at `cmdr_off` the
//! command ring, `cmdr_size` bytes; after it the data area. The kernel appends entries at
//! `cmd_head`; the handler completes them in order from `cmd_tail` and moves `cmd_tail` past
//! them. An entry never wraps: the kernel fills the end of the ring with a PAD entry instead.
//! Every offset the kernel writes (`cdb_off`, an iovec's base) counts from the start of the
//! shared area. Numbers are in the host's byte order.
//!
//! The parser works on the *area* from `cmdr_off` on (the ring and the data area), never on
//! the mailbox, whose `cmd_head` the kernel changes at any time: the caller reads the mailbox
//! on its own (a copy of its first [`MAILBOX_LEN`] bytes) and hands the area over.

use core::ops::Range;

use zerocopy::byteorder::native_endian::{U16, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// The mailbox version this parser knows.
pub const MAILBOX_VERSION: u16 = 2;
/// Mailbox flag: the kernel completes commands out of order.
pub const CAP_OOOC: u16 = 1 << 0;
/// Mailbox flag: the kernel takes `read_len` for a short data-in.
pub const CAP_READ_LEN: u16 = 1 << 1;
/// Mailbox flag: the kernel sends task management entries.
pub const CAP_TMR: u16 = 1 << 2;
/// Mailbox flag: the kernel keeps the data buffer after completion when asked.
pub const CAP_KEEP_BUF: u16 = 1 << 3;

/// Entry opcode: padding to the end of the ring.
pub const OP_PAD: u8 = 0;
/// Entry opcode: a SCSI command.
pub const OP_CMD: u8 = 1;
/// Entry opcode: a task management notification.
pub const OP_TMR: u8 = 2;
/// The low bits of `len_op` that hold the opcode; the rest is the entry's length.
const OP_MASK: u32 = 0x7;

/// Response flag (`uflags`): the handler did not know the entry's opcode.
pub const UFLAG_UNKNOWN_OP: u8 = 0x1;
/// Response flag: `read_len` holds the bytes of data-in actually returned.
pub const UFLAG_READ_LEN: u8 = 0x2;

/// Bytes of sense data a response holds.
pub const SENSE_LEN: usize = 96;

/// The mailbox at the start of the shared area.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct Mailbox {
    /// Layout version (2).
    pub version: U16,
    /// `CAP_*` flags: what the kernel supports.
    pub flags: U16,
    /// Where the command ring starts.
    pub cmdr_off: U32,
    /// The ring's length in bytes.
    pub cmdr_size: U32,
    /// Where the kernel writes its next entry, from the ring's start (kernel-owned).
    pub cmd_head: U32,
    /// Up to the next cache line, where `cmd_tail` sits alone.
    pub reserved: [u8; 48],
    /// The first entry not completed yet, from the ring's start (handler-owned).
    pub cmd_tail: U32,
}
/// Bytes of the mailbox.
pub const MAILBOX_LEN: usize = size_of::<Mailbox>();
/// Where `cmd_tail` sits in the mailbox.
pub const TAIL_OFFSET: usize = 64;
const _: () = assert!(MAILBOX_LEN == 68);

/// The header of every ring entry.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct EntryHeader {
    /// The entry's length (a multiple of 8) with the opcode in its low 3 bits.
    pub len_op: U32,
    /// The command's tag.
    pub cmd_id: U16,
    /// Flags from the kernel.
    pub kflags: u8,
    /// Flags from the handler (`UFLAG_*`).
    pub uflags: u8,
}
const HEADER_LEN: usize = size_of::<EntryHeader>();

/// The request half of a command entry's union, after the header. The union itself is not
/// packed: `cdb_off` sits on its 8-byte boundary, after 4 bytes of padding.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct RequestHead {
    /// Iovecs of the data buffer.
    pub iov_cnt: U32,
    /// Iovecs of a bidirectional command's data-in, after the others.
    pub iov_bidi_cnt: U32,
    /// Iovecs of protection information, after those.
    pub iov_dif_cnt: U32,
    /// Alignment padding.
    pub pad0: U32,
    /// Where the CDB is.
    pub cdb_off: U64,
    /// Unused.
    pub pad1: U64,
    /// Unused.
    pub pad2: U64,
}
const REQUEST_LEN: usize = size_of::<RequestHead>();
const _: () = assert!(REQUEST_LEN == 40);

/// One data buffer piece: an offset into the shared area and a length.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct IoVec {
    /// Offset from the start of the shared area.
    pub base: U64,
    /// Bytes.
    pub len: U64,
}
const IOVEC_LEN: usize = size_of::<IoVec>();

/// The response half of a command entry's union: it overwrites the request.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct Response {
    /// SCSI status.
    pub scsi_status: u8,
    /// Unused.
    pub pad1: u8,
    /// Unused.
    pub pad2: U16,
    /// Bytes of data-in returned, with [`UFLAG_READ_LEN`].
    pub read_len: U32,
    /// Sense data for CHECK CONDITION.
    pub sense: [u8; SENSE_LEN],
}
/// The smallest command entry: the header and the larger half of the union.
pub const MIN_CMD_ENTRY: usize = HEADER_LEN + size_of::<Response>();
const _: () = assert!(MIN_CMD_ENTRY == 112);

/// What is wrong with the shared area or an entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RingError {
    /// The area is shorter than a structure that must fit.
    #[error("{what} needs {need} bytes at offset {at}, the area has {len}")]
    Truncated {
        /// The structure.
        what: &'static str,
        /// Its offset in the shared area.
        at: usize,
        /// Its length.
        need: usize,
        /// The shared area's length.
        len: usize,
    },
    /// The mailbox has another version.
    #[error("mailbox version {0}, expected 2")]
    Version(u16),
    /// The ring does not lie inside the area after the mailbox.
    #[error("ring at {off} of {size} bytes does not fit after the mailbox in {len} bytes")]
    BadRing {
        /// `cmdr_off`.
        off: u32,
        /// `cmdr_size`.
        size: u32,
        /// The shared area's length.
        len: usize,
    },
    /// `cmd_head` or `cmd_tail` lies outside the ring or off the 8-byte grid.
    #[error("ring position {0} is outside the ring or not 8-byte aligned")]
    BadPosition(u32),
    /// An entry's length is zero, not a multiple of 8, or runs past the ring's end.
    #[error("entry at {at} has length {len}, the ring has {size} bytes")]
    BadEntryLength {
        /// Its position in the ring.
        at: u32,
        /// Its length.
        len: u32,
        /// `cmdr_size`.
        size: u32,
    },
    /// A command entry is too short for its iovecs or for the response.
    #[error("command entry at {at} of {len} bytes cannot hold {iovs} iovecs and a response")]
    ShortCommand {
        /// Its position in the ring.
        at: u32,
        /// Its length.
        len: u32,
        /// The iovecs it declares.
        iovs: u64,
    },
    /// A CDB or an iovec points outside the data area.
    #[error("{what} at {off} of {len} bytes lies outside the shared area")]
    OutOfArea {
        /// "CDB" or "iovec".
        what: &'static str,
        /// Its offset.
        off: u64,
        /// Its length.
        len: u64,
    },
}

/// The mailbox's fields, as read once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingInfo {
    /// `CAP_*` flags.
    pub flags: u16,
    /// Where the ring starts in the shared area.
    pub cmdr_off: u32,
    /// The ring's length.
    pub cmdr_size: u32,
    /// The shared area's length.
    pub area_len: usize,
}

impl RingInfo {
    /// Reads the mailbox from the first bytes of a shared area of `area_len` bytes and checks
    /// that the ring lies after it inside the area.
    pub fn parse(mailbox: &[u8], area_len: usize) -> Result<(RingInfo, u32, u32), RingError> {
        let (m, _) = Mailbox::read_from_prefix(mailbox).map_err(|_| RingError::Truncated {
            what: "mailbox",
            at: 0,
            need: MAILBOX_LEN,
            len: mailbox.len(),
        })?;
        if m.version.get() != MAILBOX_VERSION {
            return Err(RingError::Version(m.version.get()));
        }
        let (off, size) = (m.cmdr_off.get(), m.cmdr_size.get());
        let end = u64::from(off) + u64::from(size);
        if (off as usize) < MAILBOX_LEN || end > area_len as u64 || size == 0 || size % 8 != 0 {
            return Err(RingError::BadRing { off, size, len: area_len });
        }
        let info = RingInfo { flags: m.flags.get(), cmdr_off: off, cmdr_size: size, area_len };
        let head = info.position(m.cmd_head.get())?;
        let tail = info.position(m.cmd_tail.get())?;
        Ok((info, head, tail))
    }

    /// Checks a ring position (`cmd_head`, `cmd_tail`).
    pub fn position(&self, p: u32) -> Result<u32, RingError> {
        if p >= self.cmdr_size || p % 8 != 0 {
            return Err(RingError::BadPosition(p));
        }
        Ok(p)
    }

    /// The position after an entry of `len` bytes at `at`.
    pub fn advance(&self, at: u32, len: u32) -> u32 {
        ((u64::from(at) + u64::from(len)) % u64::from(self.cmdr_size)) as u32
    }

    /// The ring entry at `at` in `area`, the shared area from `cmdr_off` on.
    pub fn entry(&self, area: &[u8], at: u32) -> Result<Entry, RingError> {
        let at = self.position(at)?;
        let ring = area.get(..self.cmdr_size as usize).ok_or(RingError::Truncated {
            what: "ring",
            at: self.cmdr_off as usize,
            need: self.cmdr_size as usize,
            len: self.cmdr_off as usize + area.len(),
        })?;
        let bytes = &ring[at as usize..];
        let (h, _) = EntryHeader::read_from_prefix(bytes).map_err(|_| RingError::Truncated {
            what: "entry header",
            at: self.cmdr_off as usize + at as usize,
            need: HEADER_LEN,
            len: self.cmdr_off as usize + area.len(),
        })?;
        let len = h.len_op.get() & !OP_MASK;
        let op = (h.len_op.get() & OP_MASK) as u8;
        if len == 0 || len as usize > bytes.len() {
            return Err(RingError::BadEntryLength { at, len, size: self.cmdr_size });
        }
        let kind = match op {
            OP_PAD => EntryKind::Pad,
            OP_TMR => EntryKind::Tmr,
            OP_CMD => EntryKind::Cmd(self.command(area, at, len, &bytes[..len as usize])?),
            other => EntryKind::Unknown(other),
        };
        Ok(Entry { at, len, cmd_id: h.cmd_id.get(), kind })
    }

    fn command(&self, area: &[u8], at: u32, len: u32, e: &[u8]) -> Result<Command, RingError> {
        let short = |iovs| RingError::ShortCommand { at, len, iovs };
        let (r, rest) = RequestHead::read_from_prefix(&e[HEADER_LEN..]).map_err(|_| short(0))?;
        let n = [r.iov_cnt.get(), r.iov_bidi_cnt.get(), r.iov_dif_cnt.get()];
        let total: u64 = n.iter().map(|&c| u64::from(c)).sum();
        if e.len() < MIN_CMD_ENTRY || (rest.len() as u64) < total * IOVEC_LEN as u64 {
            return Err(short(total));
        }
        let mut iovs = rest.chunks_exact(IOVEC_LEN).map(|c| {
            let v = IoVec::read_from_bytes(c).map_err(|_| short(total))?;
            self.range("iovec", v.base.get(), v.len.get(), area.len())
        });
        let data = iovs.by_ref().take(n[0] as usize).collect::<Result<Vec<_>, _>>()?;
        let bidi = iovs.take(n[1] as usize).collect::<Result<Vec<_>, _>>()?;
        let cdb_off = r.cdb_off.get();
        let first = self.range("CDB", cdb_off, 1, area.len())?;
        let cdb_len = cdb_len(area[first.start]);
        let cdb = self.range("CDB", cdb_off, cdb_len as u64, area.len())?;
        Ok(Command { cdb, data, bidi })
    }

    /// `off..off+len` of the shared area as a range of the area after `cmdr_off`; it may not
    /// reach into the mailbox or past the end.
    fn range(
        &self,
        what: &'static str,
        off: u64,
        len: u64,
        area_len: usize,
    ) -> Result<Range<usize>, RingError> {
        let bad = RingError::OutOfArea { what, off, len };
        let start = off.checked_sub(u64::from(self.cmdr_off)).ok_or(bad.clone())?;
        let end = start.checked_add(len).ok_or(bad.clone())?;
        if end > area_len as u64 {
            return Err(bad);
        }
        Ok(start as usize..end as usize)
    }
}

/// One ring entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its position in the ring.
    pub at: u32,
    /// Its length.
    pub len: u32,
    /// The command's tag.
    pub cmd_id: u16,
    /// What it is.
    pub kind: EntryKind,
}

/// What an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// Padding to the end of the ring: skipped.
    Pad,
    /// A SCSI command to answer.
    Cmd(Command),
    /// A task management notification: skipped.
    Tmr,
    /// An opcode this parser does not know: flagged [`UFLAG_UNKNOWN_OP`] and skipped.
    Unknown(u8),
}

/// A command entry's buffers, as ranges of the area after `cmdr_off`, all inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The CDB, as long as its operation code's group says.
    pub cdb: Range<usize>,
    /// The data buffer's pieces in order (data-out to read, or data-in to fill).
    pub data: Vec<Range<usize>>,
    /// A bidirectional command's data-in pieces.
    pub bidi: Vec<Range<usize>>,
}

impl Command {
    /// Bytes of the data buffer.
    pub fn data_len(&self) -> usize {
        self.data.iter().map(|r| r.len()).sum()
    }
}

/// The length of a CDB from its operation code's group (SPC: 0 → 6, 1 and 2 → 10, 4 → 16,
/// 5 → 12; the reserved and vendor groups 3, 6, 7 as the kernel reads them: 10, except the
/// variable-length 7Fh, read as its fixed 10 bytes here).
pub fn cdb_len(opcode: u8) -> usize {
    match opcode >> 5 {
        0 => 6,
        4 => 16,
        5 => 12,
        _ => 10,
    }
}

/// Writes a command's response over its entry at `at`: SCSI status, sense (cut to
/// [`SENSE_LEN`]) and, when `read_len` is given, the data-in length with [`UFLAG_READ_LEN`].
/// The entry must have parsed as a command ([`RingInfo::entry`]).
pub fn complete(
    area: &mut [u8],
    at: u32,
    status: u8,
    sense: &[u8],
    read_len: Option<u32>,
) -> Result<(), RingError> {
    let at = at as usize;
    let len = area.len();
    let trunc = |need| RingError::Truncated { what: "response", at, need, len };
    let e = area.get_mut(at..at + MIN_CMD_ENTRY).ok_or(trunc(MIN_CMD_ENTRY))?;
    let (h, rest) = e.split_at_mut(HEADER_LEN);
    let mut rsp = Response {
        scsi_status: status,
        pad1: 0,
        pad2: U16::new(0),
        read_len: U32::new(read_len.unwrap_or(0)),
        sense: [0; SENSE_LEN],
    };
    let n = sense.len().min(SENSE_LEN);
    rsp.sense[..n].copy_from_slice(&sense[..n]);
    rsp.write_to_prefix(rest).map_err(|_| trunc(MIN_CMD_ENTRY))?;
    if read_len.is_some() {
        h[HEADER_LEN - 1] |= UFLAG_READ_LEN;
    }
    Ok(())
}

/// Marks the entry at `at` as one whose opcode the handler does not know.
pub fn flag_unknown(area: &mut [u8], at: u32) {
    if let Some(u) = area.get_mut(at as usize + HEADER_LEN - 1) {
        *u |= UFLAG_UNKNOWN_OP;
    }
}

#[cfg(test)]
#[path = "ring_tests.rs"]
pub(crate) mod tests;
