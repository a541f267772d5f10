//! Tests of the ring parser, and the hand-built shared areas they (and the handler's tests)
//! use.

pub(crate) mod build {
    //! Hand-built shared areas.
    use super::super::*;

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

use super::*;
use build::Builder;

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
