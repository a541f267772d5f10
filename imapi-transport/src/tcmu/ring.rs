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
pub(crate) mod build {
    //! Hand-built shared areas for the tests.
    use super::*;

    /// A shared area under construction: mailbox, ring, data area.
    pub struct Builder {
        pub area: Vec<u8>,
        pub ring_off: u32,
        pub ring_size: u32,
        pub head: u32,
        pub data_next: usize,
    }

    impl Builder {
        /// A ring of `ring_size` bytes at 128, then `data` bytes of data area.
        pub fn new(ring_size: u32, data: usize) -> Builder {
            let ring_off = 128u32;
            let mut area = vec![0u8; ring_off as usize + ring_size as usize + data];
            let m = Mailbox {
                version: U16::new(2),
                flags: U16::new(CAP_READ_LEN),
                cmdr_off: U32::new(ring_off),
                cmdr_size: U32::new(ring_size),
                cmd_head: U32::new(0),
                reserved: [0; 48],
                cmd_tail: U32::new(0),
            };
            m.write_to_prefix(&mut area).unwrap();
            Builder {
                area,
                ring_off,
                ring_size,
                head: 0,
                data_next: (ring_off + ring_size) as usize,
            }
        }

        /// Puts head and tail at `pos`, as after answering everything before it.
        pub fn start_at(&mut self, pos: u32) {
            self.head = pos;
            self.set_head();
            self.area[64..68].copy_from_slice(&pos.to_ne_bytes());
        }

        fn set_head(&mut self) {
            self.area[12..16].copy_from_slice(&self.head.to_ne_bytes());
        }

        /// Places bytes in the data area; their offset in the shared area.
        pub fn data(&mut self, bytes: &[u8]) -> u64 {
            let at = self.data_next;
            self.area[at..at + bytes.len()].copy_from_slice(bytes);
            self.data_next += bytes.len().div_ceil(8) * 8;
            at as u64
        }

        /// Appends a raw entry of `len` bytes with opcode `op`.
        pub fn raw(&mut self, op: u8, len: u32, body: &[u8]) {
            let at = (self.ring_off + self.head) as usize;
            self.area[at..at + 4].copy_from_slice(&(len | u32::from(op)).to_ne_bytes());
            self.area[at + 4..at + 6].copy_from_slice(&7u16.to_ne_bytes());
            self.area[at + 8..at + 8 + body.len()].copy_from_slice(body);
            self.head = (self.head + len) % self.ring_size;
            self.set_head();
        }

        /// Appends a command: the CDB in the data area, a data buffer of `data_len` bytes
        /// holding `out` (zeros after it) in pieces of at most `piece` bytes.
        pub fn cmd(&mut self, cdb: &[u8], out: &[u8], data_len: usize, piece: usize) {
            let cdb_off = self.data(cdb);
            let mut buf = out.to_vec();
            buf.resize(data_len, 0);
            let mut iovs = Vec::new();
            for c in buf.chunks(piece.max(1)) {
                iovs.push((self.data(c), c.len() as u64));
            }
            let mut body = Vec::new();
            body.extend_from_slice(&(iovs.len() as u32).to_ne_bytes());
            body.extend_from_slice(&[0; 12]);
            body.extend_from_slice(&cdb_off.to_ne_bytes());
            body.extend_from_slice(&[0; 16]);
            for (b, l) in &iovs {
                body.extend_from_slice(&b.to_ne_bytes());
                body.extend_from_slice(&l.to_ne_bytes());
            }
            let len = ((HEADER_LEN + body.len()).max(MIN_CMD_ENTRY)).div_ceil(8) * 8;
            if self.head + len as u32 > self.ring_size {
                let pad = self.ring_size - self.head;
                self.raw(OP_PAD, pad, &[]);
            }
            self.raw(OP_CMD, len as u32, &body);
        }

        /// The ring info, head and tail, and the area after the mailbox.
        pub fn split(&mut self) -> (RingInfo, u32, u32, &mut [u8]) {
            let len = self.area.len();
            let (info, head, tail) = RingInfo::parse(&self.area[..MAILBOX_LEN], len).unwrap();
            (info, head, tail, &mut self.area[self.ring_off as usize..])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::build::Builder;
    use super::*;

    #[test]
    fn mailbox_layout() {
        let mut b = Builder::new(1024, 4096);
        b.cmd(&[0x12, 0, 0, 0, 36, 0], &[], 36, 4096);
        let (info, head, tail, _) = b.split();
        assert_eq!(info.cmdr_off, 128);
        assert_eq!(info.cmdr_size, 1024);
        assert_eq!(info.flags, CAP_READ_LEN);
        assert_eq!((head, tail), (112, 0));
    }

    #[test]
    fn command_entry() {
        let mut b = Builder::new(1024, 8192);
        let write = [0x2A, 0, 0, 0, 0, 0, 0, 0, 2, 0];
        let blocks: Vec<u8> = (0..4096u32).map(|i| i as u8).collect();
        b.cmd(&write, &blocks, 4096, 3000);
        let (info, _, tail, area) = b.split();
        let e = info.entry(area, tail).unwrap();
        assert_eq!(e.cmd_id, 7);
        let EntryKind::Cmd(c) = e.kind else { panic!("{e:?}") };
        assert_eq!(&area[c.cdb.clone()], &write);
        assert_eq!(c.data.len(), 2);
        assert_eq!(c.data_len(), 4096);
        let got: Vec<u8> = c.data.iter().flat_map(|r| area[r.clone()].to_vec()).collect();
        assert_eq!(got, blocks);
        assert!(c.bidi.is_empty());
    }

    #[test]
    fn cdb_lengths() {
        assert_eq!(cdb_len(0x00), 6);
        assert_eq!(cdb_len(0x1A), 6);
        assert_eq!(cdb_len(0x25), 10);
        assert_eq!(cdb_len(0x46), 10);
        assert_eq!(cdb_len(0x5D), 10);
        assert_eq!(cdb_len(0x88), 16);
        assert_eq!(cdb_len(0xAA), 12);
        assert_eq!(cdb_len(0xBE), 12);
    }

    #[test]
    fn pad_then_wrap() {
        let mut b = Builder::new(256, 4096);
        // Everything before 224 answered: the next entry does not fit in the 32 bytes left,
        // so a PAD fills them and the entry starts at 0.
        b.start_at(224);
        b.cmd(&[0x00; 6], &[], 0, 1);
        b.cmd(&[0x00; 6], &[], 0, 1);
        let (info, head, mut tail, area) = b.split();
        assert_eq!((tail, head), (224, 224));
        let mut kinds = Vec::new();
        loop {
            let e = info.entry(area, tail).unwrap();
            kinds.push(match e.kind {
                EntryKind::Pad => "pad",
                EntryKind::Cmd(_) => "cmd",
                _ => "other",
            });
            tail = info.advance(e.at, e.len);
            if tail == head {
                break;
            }
        }
        assert_eq!(kinds, ["pad", "cmd", "cmd"]);
    }

    #[test]
    fn response_overwrites_request() {
        let mut b = Builder::new(1024, 4096);
        b.cmd(&[0x12, 0, 0, 0, 96, 0], &[], 96, 4096);
        let (info, _, tail, area) = b.split();
        complete(area, tail, 2, &[0x70, 0, 5, 0, 0, 0, 0, 10], Some(36)).unwrap();
        assert_eq!(area[7], UFLAG_READ_LEN);
        assert_eq!(area[8], 2);
        assert_eq!(&area[12..16], &36u32.to_ne_bytes());
        assert_eq!(&area[16..24], &[0x70, 0, 5, 0, 0, 0, 0, 10]);
        // The header keeps its length and opcode; the request is gone.
        assert_eq!(&area[0..4], &(112u32 | 1).to_ne_bytes());
        assert!(info.entry(area, tail).is_err());
    }

    #[test]
    fn unknown_opcode_flagged() {
        let mut b = Builder::new(1024, 0);
        b.raw(5, 16, &[]);
        let (info, _, tail, area) = b.split();
        let e = info.entry(area, tail).unwrap();
        assert_eq!(e.kind, EntryKind::Unknown(5));
        flag_unknown(area, tail);
        assert_eq!(area[7], UFLAG_UNKNOWN_OP);
    }

    #[test]
    fn rejects_bad_mailbox() {
        let mut b = Builder::new(1024, 0);
        let len = b.area.len();
        assert!(matches!(
            RingInfo::parse(&b.area[..40], len),
            Err(RingError::Truncated { what: "mailbox", .. })
        ));
        b.area[0] = 1;
        assert_eq!(RingInfo::parse(&b.area, len), Err(RingError::Version(1)));
        b.area[0] = 2;
        assert!(matches!(RingInfo::parse(&b.area, len - 8), Err(RingError::BadRing { .. })));
        b.area[4..8].copy_from_slice(&8u32.to_ne_bytes());
        assert!(matches!(RingInfo::parse(&b.area, len), Err(RingError::BadRing { .. })));
        b.area[4..8].copy_from_slice(&128u32.to_ne_bytes());
        b.area[12..16].copy_from_slice(&1024u32.to_ne_bytes());
        assert_eq!(RingInfo::parse(&b.area, len), Err(RingError::BadPosition(1024)));
        b.area[12..16].copy_from_slice(&4u32.to_ne_bytes());
        assert_eq!(RingInfo::parse(&b.area, len), Err(RingError::BadPosition(4)));
    }

    #[test]
    fn rejects_bad_entry_length() {
        let mut b = Builder::new(256, 0);
        b.raw(OP_CMD, 0, &[]);
        let (info, _, _, area) = b.split();
        assert!(matches!(info.entry(area, 0), Err(RingError::BadEntryLength { len: 0, .. })));
        area[0..4].copy_from_slice(&(264u32 | 1).to_ne_bytes());
        assert!(matches!(info.entry(area, 0), Err(RingError::BadEntryLength { len: 264, .. })));
    }

    #[test]
    fn rejects_short_command() {
        let mut b = Builder::new(1024, 4096);
        b.cmd(&[0x12, 0, 0, 0, 36, 0], &[], 36, 4096);
        let (info, _, _, area) = b.split();
        // Five iovecs declared, room for one.
        area[8..12].copy_from_slice(&5u32.to_ne_bytes());
        assert!(matches!(info.entry(area, 0), Err(RingError::ShortCommand { iovs: 5, .. })));
        area[8..12].copy_from_slice(&1u32.to_ne_bytes());
        area[0..4].copy_from_slice(&(64u32 | 1).to_ne_bytes());
        assert!(matches!(info.entry(area, 0), Err(RingError::ShortCommand { len: 64, .. })));
    }

    #[test]
    fn rejects_buffers_outside() {
        let mut b = Builder::new(1024, 4096);
        b.cmd(&[0x12, 0, 0, 0, 36, 0], &[], 36, 4096);
        let (info, _, _, area) = b.split();
        let good = area[24..32].to_vec();
        // A CDB in the mailbox.
        area[24..32].copy_from_slice(&16u64.to_ne_bytes());
        assert!(matches!(info.entry(area, 0), Err(RingError::OutOfArea { what: "CDB", .. })));
        // A CDB past the end.
        area[24..32].copy_from_slice(&(128 + 1024 + 4094u64).to_ne_bytes());
        assert!(matches!(info.entry(area, 0), Err(RingError::OutOfArea { what: "CDB", .. })));
        area[24..32].copy_from_slice(&good);
        // An iovec whose end overflows.
        area[48..56].copy_from_slice(&u64::MAX.to_ne_bytes());
        assert!(matches!(info.entry(area, 0), Err(RingError::OutOfArea { what: "iovec", .. })));
    }
}
