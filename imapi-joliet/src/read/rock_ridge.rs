//! The System Use Sharing Protocol (SUSP 1.12) and the Rock Ridge Interchange Protocol (RRIP
//! 1.12, and the 1.09/1.10 forms still met) as a reader sees them: pure parsing of system use
//! areas, no I/O.
//!
//! [`SuspEntries`] walks the entries of one area and says why it stopped ([`AreaEnd`]);
//! [`RockRidgeParser`] takes the areas of one record in turn (the record's own, then each
//! continuation area its `CE` entries name) and gathers what they say into a [`RockRidge`],
//! noting every departure from the protocols as a [`Problem`] (the verifier reports them; the
//! reader reads past them, as Linux does).
//!
//! # Hostile input
//!
//! Work is bounded by the area's length; a name is capped at [`MAX_NAME_LEN`] bytes and a link
//! target at [`MAX_TARGET_LEN`] (further bytes are dropped and noted). Following `CE` entries
//! is the caller's job: it is capped at [`MAX_CONTINUATIONS`] areas per record.

use crate::format::date::IsoDateTime;
use crate::format::susp;

/// The most continuation areas read for one record (Linux stops at 32 too).
pub const MAX_CONTINUATIONS: usize = 32;
/// The longest POSIX name kept, in bytes.
pub const MAX_NAME_LEN: usize = 1024;
/// The longest symbolic link target kept, in bytes.
pub const MAX_TARGET_LEN: usize = 4096;

/// One entry of a system use area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuspEntry<'a> {
    /// The two signature bytes (`PX`, `NM`, ...).
    pub signature: [u8; 2],
    /// The version byte.
    pub version: u8,
    /// The bytes after the four-byte header.
    pub data: &'a [u8],
    /// The entry's byte within its area.
    pub offset: usize,
}

impl SuspEntry<'_> {
    /// The whole entry's length, header included.
    pub fn len(&self) -> usize {
        self.data.len() + susp::HEADER_LEN
    }
    /// Whether the entry holds only its header.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// Why a walk over an area stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaEnd {
    /// Not yet stopped.
    Open,
    /// Fewer than four bytes were left (normally none).
    Exhausted,
    /// A zero byte where an entry would start: padding to the record's end.
    Padding,
    /// An `ST` entry.
    Terminator,
    /// An entry whose length is below 4 or runs past the area.
    BadLength {
        /// The entry's byte in its area.
        offset: usize,
        /// Its length byte.
        len: u8,
    },
}

/// The entries of one system use area, in recorded order; stops at `ST`, at padding, and at an
/// entry whose length does not fit (see [`SuspEntries::end`]).
#[derive(Debug, Clone)]
pub struct SuspEntries<'a> {
    area: &'a [u8],
    pos: usize,
    end: AreaEnd,
}

impl<'a> SuspEntries<'a> {
    /// The entries of `area`, starting at byte `skip` (the `LEN_SKP` of the volume's `SP`).
    pub fn new(area: &'a [u8], skip: usize) -> Self {
        Self { area, pos: skip, end: AreaEnd::Open }
    }

    /// Why the walk stopped ([`AreaEnd::Open`] until it has).
    pub fn end(&self) -> AreaEnd {
        self.end
    }
}

impl<'a> Iterator for SuspEntries<'a> {
    type Item = SuspEntry<'a>;
    fn next(&mut self) -> Option<SuspEntry<'a>> {
        if self.end != AreaEnd::Open {
            return None;
        }
        let rest = self.area.get(self.pos..).unwrap_or_default();
        let Some(&[s0, s1, len, version]) = rest.get(..susp::HEADER_LEN) else {
            self.end = match rest.first() {
                None => AreaEnd::Exhausted,
                Some(0) => AreaEnd::Padding,
                Some(_) => {
                    AreaEnd::BadLength { offset: self.pos, len: rest.get(2).copied().unwrap_or(0) }
                }
            };
            return None;
        };
        if s0 == 0 {
            self.end = AreaEnd::Padding;
            return None;
        }
        let n = usize::from(len);
        if n < susp::HEADER_LEN || n > rest.len() {
            self.end = AreaEnd::BadLength { offset: self.pos, len };
            return None;
        }
        let entry = SuspEntry {
            signature: [s0, s1],
            version,
            data: rest.get(susp::HEADER_LEN..n).unwrap_or_default(),
            offset: self.pos,
        };
        self.pos += n;
        if entry.signature == susp::ST {
            self.end = AreaEnd::Terminator;
            return None;
        }
        Some(entry)
    }
}

/// A continuation area named by a `CE` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Continuation {
    /// Its block.
    pub block: u32,
    /// Its first byte in the block.
    pub offset: u32,
    /// Its length in bytes.
    pub len: u32,
}

/// What kind of file a `PX` mode names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileType {
    /// A regular file.
    Regular,
    /// A directory.
    Directory,
    /// A symbolic link.
    Symlink,
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A FIFO (named pipe).
    Fifo,
    /// A socket.
    Socket,
    /// Type bits that name none of these.
    Unknown,
}

impl FileType {
    /// The type of a POSIX mode's `S_IFMT` bits.
    pub fn from_mode(mode: u32) -> Self {
        match mode & susp::S_IFMT {
            susp::S_IFREG => Self::Regular,
            susp::S_IFDIR => Self::Directory,
            susp::S_IFLNK => Self::Symlink,
            susp::S_IFCHR => Self::CharDevice,
            susp::S_IFBLK => Self::BlockDevice,
            susp::S_IFIFO => Self::Fifo,
            susp::S_IFSOCK => Self::Socket,
            _ => Self::Unknown,
        }
    }

    /// The one-letter type `ls` shows: `-`, `d`, `l`, `c`, `b`, `p`, `s` (`?` for unknown).
    pub fn letter(self) -> char {
        match self {
            Self::Regular => '-',
            Self::Directory => 'd',
            Self::Symlink => 'l',
            Self::CharDevice => 'c',
            Self::BlockDevice => 'b',
            Self::Fifo => 'p',
            Self::Socket => 's',
            Self::Unknown => '?',
        }
    }
}

/// Which RRIP an `ER` entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RripVersion {
    /// `RRIP_1991A` (RRIP 1.09 and 1.10).
    Rrip1991A,
    /// `IEEE_P1282` (RRIP 1.12 as its own text names it; what mkisofs, libisofs and imapi
    /// write for 1.12).
    IeeeP1282,
    /// `IEEE_1282` (the name RRIP 1.12 gives for after its adoption).
    Ieee1282,
}

impl RripVersion {
    /// The version named by an `ER` identifier, if it is an RRIP one.
    pub fn from_id(id: &[u8]) -> Option<Self> {
        match id {
            _ if id == susp::RRIP_1991A_ID => Some(Self::Rrip1991A),
            _ if id == susp::RRIP_P1282_ID => Some(Self::IeeeP1282),
            _ if id == susp::RRIP_1282_ID => Some(Self::Ieee1282),
            _ => None,
        }
    }
}

/// A device number from a `PN` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeviceNumber {
    /// The high 32 bits (the major number, as mkisofs and libisofs write it).
    pub high: u32,
    /// The low 32 bits (the minor number).
    pub low: u32,
}

/// What the Rock Ridge entries of one directory record (and its continuation areas) say.
/// Every field is `None` (or `false`) when its entry is missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RockRidge {
    /// The POSIX name (`NM`, its pieces joined), decoded as UTF-8 with `U+FFFD` for bad bytes;
    /// `.` or `..` for an `NM` flagged CURRENT or PARENT.
    pub name: Option<String>,
    /// The POSIX mode, file type bits included (`PX`).
    pub mode: Option<u32>,
    /// The link count (`PX`).
    pub nlink: Option<u32>,
    /// The owner's user id (`PX`).
    pub uid: Option<u32>,
    /// The group id (`PX`).
    pub gid: Option<u32>,
    /// The file serial number (`PX` of RRIP 1.12 only).
    pub serial: Option<u32>,
    /// Modification time (`TF`).
    pub mtime: Option<IsoDateTime>,
    /// Access time (`TF`).
    pub atime: Option<IsoDateTime>,
    /// Attribute change time (`TF`).
    pub ctime: Option<IsoDateTime>,
    /// Creation time (`TF`).
    pub crtime: Option<IsoDateTime>,
    /// The symbolic link's target (`SL`), components joined by `/`, a leading `/` for ROOT.
    pub symlink: Option<String>,
    /// The device number of a device file (`PN`).
    pub rdev: Option<DeviceNumber>,
    /// `CL`: the block of the relocated directory this record stands for.
    pub child_link: Option<u32>,
    /// `PL`: in a relocated directory's `..`, the block of its original parent.
    pub parent_link: Option<u32>,
    /// `RE`: this is a relocated directory, hidden in its relocation parent.
    pub relocated: bool,
    /// The RRIP named by an `ER` entry of the area, if any.
    pub rrip: Option<RripVersion>,
    /// Whether an `SP` entry was met (only the root's `.` has one).
    pub sp_skip: Option<u8>,
    /// Whether some RRIP entry (`RR`, `PX`, `PN`, `SL`, `NM`, `CL`, `PL`, `RE`, `TF`, `SF`)
    /// was met.
    pub has_rrip_entries: bool,
}

impl RockRidge {
    /// The file type of the `PX` mode; `None` without `PX`.
    pub fn file_type(&self) -> Option<FileType> {
        self.mode.map(FileType::from_mode)
    }

    /// The modification time in seconds since 1970 UTC, when recorded and valid.
    pub fn mtime_unix(&self) -> Option<i64> {
        self.mtime.and_then(|t| t.to_unix())
    }
}

/// A departure from SUSP or RRIP met while parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// An entry's length is below 4 or runs past its area (the area is read no further).
    EntryLength {
        /// The entry's byte in its area.
        offset: usize,
        /// Its length byte.
        len: u8,
    },
    /// An entry whose fixed length is wrong (`SP`, `CE`, `PN`, `CL`, `PL`, `RE`).
    FixedLength {
        /// The signature.
        signature: [u8; 2],
        /// The length found.
        len: usize,
    },
    /// An `SP` whose check bytes are not `BE EF`.
    SpCheck,
    /// An `SP` anywhere but at the start of the root's `.` record.
    SpMisplaced,
    /// A `PX` of a length other than 36 or 44.
    PxLength {
        /// The length found.
        len: usize,
    },
    /// An `NM` with reserved flag bits, or CURRENT/PARENT with a name or with CONTINUE.
    NmFlags {
        /// The flags found.
        flags: u8,
    },
    /// An `SL` or one of its components with reserved or conflicting flag bits.
    SlFlags {
        /// The flags found.
        flags: u8,
    },
    /// An `SL` component record that runs past its entry.
    SlOverflow,
    /// A `TF` whose length does not match the times its flags announce.
    TfLength {
        /// The length found.
        len: usize,
        /// The length the flags call for.
        expected: usize,
    },
    /// A name longer than [`MAX_NAME_LEN`] or a target longer than [`MAX_TARGET_LEN`].
    TooLong,
    /// An entry too short for its content (`NM`, `SL`, `TF` without a flag byte, `ER`).
    Truncated {
        /// The signature.
        signature: [u8; 2],
    },
    /// A `NM` or `SL` sequence flagged CONTINUE that never goes on.
    Unterminated {
        /// The signature.
        signature: [u8; 2],
    },
}

/// Gathers the entries of one record's system use areas into a [`RockRidge`].
///
/// Feed the record's own area first ([`RockRidgeParser::area`]), then each continuation area
/// it names, in order; [`RockRidgeParser::finish`] gives the result and the problems.
#[derive(Debug, Default)]
pub struct RockRidgeParser {
    rr: RockRidge,
    problems: Vec<Problem>,
    name: Vec<u8>,
    name_open: bool,
    target: Vec<u8>,
    target_open: bool,
    component_open: bool,
    seen_sl: bool,
    too_long: bool,
    /// Continuation areas named so far, in order.
    pub continuations: Vec<Continuation>,
    /// How each fed area ended, in order.
    pub ends: Vec<AreaEnd>,
}

/// A both-byte 32-bit number at `at` of `data`: the little-endian half.
fn both32(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

impl RockRidgeParser {
    /// A parser with nothing fed yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one area, starting at byte `skip`. `root_dot` tells whether this is the root
    /// directory's `.` record (the only place for `SP`).
    pub fn area(&mut self, area: &[u8], skip: usize, root_dot: bool) {
        let mut entries = SuspEntries::new(area, skip);
        let first = self.ends.is_empty();
        for entry in entries.by_ref() {
            self.entry(&entry, root_dot && first);
        }
        let end = entries.end();
        if let AreaEnd::BadLength { offset, len } = end {
            self.problems.push(Problem::EntryLength { offset, len });
        }
        self.ends.push(end);
    }

    fn fixed(&mut self, e: &SuspEntry<'_>, len: usize) -> bool {
        if e.len() == len {
            true
        } else {
            self.problems.push(Problem::FixedLength { signature: e.signature, len: e.len() });
            false
        }
    }

    fn entry(&mut self, e: &SuspEntry<'_>, root_dot_area: bool) {
        let d = e.data;
        let rrip = susp::RRIP_SIGNATURES.contains(&e.signature);
        self.rr.has_rrip_entries |= rrip;
        match e.signature {
            susp::SP => {
                if !(root_dot_area && e.offset == 0) {
                    self.problems.push(Problem::SpMisplaced);
                }
                if self.fixed(e, susp::SP_LEN) {
                    if d.get(..2) != Some(&susp::SP_CHECK[..]) {
                        self.problems.push(Problem::SpCheck);
                    } else {
                        self.rr.sp_skip = d.get(2).copied();
                    }
                }
            }
            susp::CE => self.ce(e),
            susp::ER => self.er(e),
            susp::PX => self.px(e),
            susp::PN => self.pn(e),
            susp::CL => self.rr.child_link = self.link(e).or(self.rr.child_link),
            susp::PL => self.rr.parent_link = self.link(e).or(self.rr.parent_link),
            susp::RE => {
                self.fixed(e, susp::RE_LEN);
                self.rr.relocated = true;
            }
            susp::NM => self.nm(e),
            susp::SL => self.sl(e),
            susp::TF => self.tf(e),
            _ => {}
        }
    }

    fn ce(&mut self, e: &SuspEntry<'_>) {
        let d = e.data;
        if !self.fixed(e, susp::CE_LEN) {
            return;
        }
        if let (Some(block), Some(offset), Some(len)) = (both32(d, 0), both32(d, 8), both32(d, 16))
        {
            self.continuations.push(Continuation { block, offset, len });
        }
    }

    fn pn(&mut self, e: &SuspEntry<'_>) {
        let d = e.data;
        if !self.fixed(e, susp::PN_LEN) {
            return;
        }
        if let (Some(high), Some(low)) = (both32(d, 0), both32(d, 8)) {
            self.rr.rdev = Some(DeviceNumber { high, low });
        }
    }

    /// The block of a `CL` or `PL` entry.
    fn link(&mut self, e: &SuspEntry<'_>) -> Option<u32> {
        if self.fixed(e, susp::LINK_LEN) {
            both32(e.data, 0)
        } else {
            None
        }
    }

    fn er(&mut self, e: &SuspEntry<'_>) {
        let d = e.data;
        let Some(&[len_id, len_des, len_src, _ext_ver]) = d.get(..4) else {
            self.problems.push(Problem::Truncated { signature: e.signature });
            return;
        };
        let id_end = 4 + usize::from(len_id);
        let total = id_end + usize::from(len_des) + usize::from(len_src);
        match d.get(4..id_end) {
            Some(id) if total <= d.len() => {
                if let Some(v) = RripVersion::from_id(id) {
                    self.rr.rrip = Some(v);
                }
            }
            _ => self.problems.push(Problem::Truncated { signature: e.signature }),
        }
    }

    fn px(&mut self, e: &SuspEntry<'_>) {
        let len = e.len();
        if len != susp::PX_LEN && len != susp::PX_LEN_1_10 {
            self.problems.push(Problem::PxLength { len });
        }
        let d = e.data;
        self.rr.mode = both32(d, 0).or(self.rr.mode);
        self.rr.nlink = both32(d, 8).or(self.rr.nlink);
        self.rr.uid = both32(d, 16).or(self.rr.uid);
        self.rr.gid = both32(d, 24).or(self.rr.gid);
        if len >= susp::PX_LEN {
            self.rr.serial = both32(d, 32);
        }
    }

    fn nm(&mut self, e: &SuspEntry<'_>) {
        let Some((&flags, content)) = e.data.split_first() else {
            self.problems.push(Problem::Truncated { signature: e.signature });
            return;
        };
        let special = flags & (susp::FLAG_CURRENT | susp::FLAG_PARENT);
        let reserved = flags & !(susp::FLAG_CONTINUE | susp::FLAG_CURRENT | susp::FLAG_PARENT);
        let conflict = special != 0
            && (!content.is_empty()
                || flags & susp::FLAG_CONTINUE != 0
                || special == susp::FLAG_CURRENT | susp::FLAG_PARENT);
        if reserved != 0 || conflict {
            self.problems.push(Problem::NmFlags { flags });
        }
        if !self.name_open && self.rr.name.is_some() {
            // A second name: the first one stands, as Linux keeps it.
            return;
        }
        if special & susp::FLAG_CURRENT != 0 {
            self.name = b".".to_vec();
        } else if special & susp::FLAG_PARENT != 0 {
            self.name = b"..".to_vec();
        } else {
            self.push_capped_name(content);
        }
        self.name_open = flags & susp::FLAG_CONTINUE != 0;
        self.rr.name = Some(String::from_utf8_lossy(&self.name).into_owned());
    }

    fn push_capped_name(&mut self, content: &[u8]) {
        let room = MAX_NAME_LEN.saturating_sub(self.name.len());
        if content.len() > room {
            self.too_long = true;
        }
        self.name.extend_from_slice(content.get(..room.min(content.len())).unwrap_or_default());
    }

    fn sl(&mut self, e: &SuspEntry<'_>) {
        let Some((&flags, mut rest)) = e.data.split_first() else {
            self.problems.push(Problem::Truncated { signature: e.signature });
            return;
        };
        if flags & !susp::FLAG_CONTINUE != 0 {
            self.problems.push(Problem::SlFlags { flags });
        }
        if self.seen_sl && !self.target_open {
            // A second link: the first one stands.
            return;
        }
        self.seen_sl = true;
        while !rest.is_empty() {
            let Some(&[cflags, clen]) = rest.get(..2) else {
                self.problems.push(Problem::SlOverflow);
                break;
            };
            let end = 2 + usize::from(clen);
            let Some(content) = rest.get(2..end) else {
                self.problems.push(Problem::SlOverflow);
                break;
            };
            self.component(cflags, content);
            rest = rest.get(end..).unwrap_or_default();
        }
        self.target_open = flags & susp::FLAG_CONTINUE != 0;
        self.rr.symlink = Some(String::from_utf8_lossy(&self.target).into_owned());
    }

    fn component(&mut self, flags: u8, content: &[u8]) {
        let special = flags & (susp::FLAG_CURRENT | susp::FLAG_PARENT | susp::FLAG_ROOT);
        let reserved = flags
            & !(susp::FLAG_CONTINUE | susp::FLAG_CURRENT | susp::FLAG_PARENT | susp::FLAG_ROOT);
        let conflict = special != 0
            && (special.count_ones() > 1
                || !content.is_empty()
                || flags & susp::FLAG_CONTINUE != 0);
        if reserved != 0 || conflict {
            self.problems.push(Problem::SlFlags { flags });
        }
        let part: &[u8] = if special & susp::FLAG_ROOT != 0 {
            if self.target.is_empty() {
                self.push_target(b"/");
            }
            self.component_open = false;
            return;
        } else if special & susp::FLAG_PARENT != 0 {
            b".."
        } else if special & susp::FLAG_CURRENT != 0 {
            b"."
        } else {
            content
        };
        if !self.target.is_empty() && !self.component_open && self.target.last() != Some(&b'/') {
            self.push_target(b"/");
        }
        self.push_target(part);
        self.component_open = flags & susp::FLAG_CONTINUE != 0;
    }

    fn push_target(&mut self, bytes: &[u8]) {
        let room = MAX_TARGET_LEN.saturating_sub(self.target.len());
        if bytes.len() > room {
            self.too_long = true;
        }
        self.target.extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or_default());
    }

    fn tf(&mut self, e: &SuspEntry<'_>) {
        let Some((&flags, stamps)) = e.data.split_first() else {
            self.problems.push(Problem::Truncated { signature: e.signature });
            return;
        };
        let size = if flags & susp::TF_LONG_FORM != 0 { 17 } else { 7 };
        let count = (flags & 0x7f).count_ones() as usize;
        let expected = susp::HEADER_LEN + 1 + count * size;
        if e.len() != expected {
            self.problems.push(Problem::TfLength { len: e.len(), expected });
        }
        let mut at = 0usize;
        for bit in 0..7u8 {
            let flag = 1u8 << bit;
            if flags & flag == 0 {
                continue;
            }
            let Some(bytes) = stamps.get(at..at + size) else { break };
            at += size;
            let time = if size == 7 {
                <&[u8; 7]>::try_from(bytes).ok().and_then(|b| IsoDateTime::from_bytes7(b).ok())
            } else {
                <&[u8; 17]>::try_from(bytes).ok().and_then(|b| IsoDateTime::from_bytes17(b).ok())
            }
            .flatten();
            match flag {
                susp::TF_CREATION => self.rr.crtime = time,
                susp::TF_MODIFY => self.rr.mtime = time,
                susp::TF_ACCESS => self.rr.atime = time,
                susp::TF_ATTRIBUTES => self.rr.ctime = time,
                _ => {}
            }
        }
    }

    /// The result, and every problem met.
    pub fn finish(mut self) -> (RockRidge, Vec<Problem>) {
        if self.too_long {
            self.problems.push(Problem::TooLong);
        }
        if self.name_open {
            self.problems.push(Problem::Unterminated { signature: susp::NM });
        }
        if self.target_open || self.component_open {
            self.problems.push(Problem::Unterminated { signature: susp::SL });
        }
        (self.rr, self.problems)
    }
}

/// Parses one area on its own (no continuation followed): handy for tests and fuzzing.
pub fn parse_area(area: &[u8], skip: usize, root_dot: bool) -> (RockRidge, Vec<Problem>) {
    let mut p = RockRidgeParser::new();
    p.area(area, skip, root_dot);
    p.finish()
}

#[cfg(test)]
#[path = "rock_ridge_tests.rs"]
mod tests;
