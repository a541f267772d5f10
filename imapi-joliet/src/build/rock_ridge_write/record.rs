//! The Rock Ridge entries of one ISO 9660 directory record, in the order they are written:
//! what the plan sizes ([`RecordSua::lens`]) and the writer builds ([`RecordSua::write`]) from
//! one description, so the two cannot disagree.
//!
//! - The root's `.`: `SP` first (SUSP requires it there), `PX`, `TF`, then `ER` naming RRIP
//!   1.12, which does not fit in the record and goes to a continuation area.
//! - Any other `.` and every `..`: `PX`, `TF` (and `PL` in a relocated directory's `..`).
//! - Other records: `PX`, `TF`, `PN` for a device, `CL` for a relocated directory's stand-in,
//!   `RE` for a relocated directory, `NM` with the full name, `SL` for a link: the entries
//!   that may be long come last, so they are the ones moved to a continuation area.

use crate::build::tree::posix::{NodeType, PosixAttrs};
use crate::format::susp::{LINK_LEN, PN_LEN, PX_LEN, RE_LEN, SP_LEN, S_IFDIR, S_IFLNK, S_IFREG};

use super::entries::{self, Px, ER_RRIP_LEN, NM_MAX_CHUNK, TF_MODIFY_LEN};

/// Permission bits of a directory with no attributes recorded: `r-xr-xr-x`.
pub const DEFAULT_DIR_MODE: u32 = 0o555;
/// Permission bits of a file or special file with no attributes recorded: `r--r--r--`.
pub const DEFAULT_FILE_MODE: u32 = 0o444;
/// Permission bits of a symbolic link with no attributes recorded: `rwxrwxrwx`, as every
/// link has on Linux.
pub const DEFAULT_LINK_MODE: u32 = 0o777;

/// The full `PX` mode of a node: its type's bits and its permission bits (recorded, or the
/// defaults above). Owner and group default to 0.
pub fn mode_of(node: NodeType<'_>, attrs: Option<PosixAttrs>) -> (u32, u32, u32) {
    let (type_bits, default) = match node {
        NodeType::Dir => (S_IFDIR, DEFAULT_DIR_MODE),
        NodeType::File => (S_IFREG, DEFAULT_FILE_MODE),
        NodeType::Symlink(_) => (S_IFLNK, DEFAULT_LINK_MODE),
        NodeType::Special { kind, .. } => (kind.type_bits(), DEFAULT_FILE_MODE),
    };
    match attrs {
        Some(a) => {
            (type_bits | (a.mode & crate::build::tree::posix::PERMISSION_BITS), a.uid, a.gid)
        }
        None => (type_bits | default, 0, 0),
    }
}

/// The attributes `mkisofs -r` records for `attrs` (rationalized Rock Ridge,
/// [`crate::PlanOptions::rationalize`]): owner and group 0, every read bit set, every write
/// bit and the set-id and sticky bits cleared, and every execute (search) bit set when any
/// is; links too (`r-xr-xr-x`), as genisoimage and xorriso record them.
pub fn rationalized(node: NodeType<'_>, attrs: Option<PosixAttrs>) -> PosixAttrs {
    let (mode, _, _) = mode_of(node, attrs);
    let mut perm = (mode & 0o777 | 0o444) & !0o222;
    if perm & 0o111 != 0 {
        perm |= 0o111;
    }
    PosixAttrs { mode: perm, uid: 0, gid: 0 }
}

/// The part a record plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role<'a> {
    /// The root directory's `.` record.
    RootDot,
    /// The `.` record of another directory.
    Dot,
    /// A `..` record; `Some(block)` in a relocated directory: its original parent's extent
    /// (`PL`).
    DotDot(Option<u32>),
    /// A named record.
    Child {
        /// The full name, bytes as given (`NM`).
        name: &'a [u8],
        /// The node's kind: a link gets `SL`, a device `PN`.
        node: NodeType<'a>,
        /// The stand-in of a relocated directory: the directory's extent (`CL`).
        relocated_to: Option<u32>,
        /// A relocated directory's record in the relocation directory (`RE`).
        relocated: bool,
    },
}

/// The system use of one directory record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordSua<'a> {
    /// What the record stands for.
    pub role: Role<'a>,
    /// The `PX` entry.
    pub px: Px,
    /// The modification time of the record's node, 7-byte form (`TF`).
    pub modified: [u8; 7],
}

/// Lengths of the `NM` entries of a name of `len` bytes.
fn nm_entry_lens(len: usize) -> impl Iterator<Item = usize> + Clone {
    let full = len / NM_MAX_CHUNK;
    let rest = len % NM_MAX_CHUNK;
    let last = (rest > 0 || len == 0).then_some(rest + 5);
    std::iter::repeat_n(NM_MAX_CHUNK + 5, full).chain(last)
}

impl RecordSua<'_> {
    fn device(&self) -> Option<u64> {
        match self.role {
            Role::Child { node: NodeType::Special { kind, rdev }, .. } if kind.is_device() => {
                Some(rdev)
            }
            _ => None,
        }
    }

    fn parts(&self) -> Parts<'_> {
        let mut p = Parts::default();
        match self.role {
            Role::RootDot => (p.sp, p.er) = (true, true),
            Role::Dot => {}
            Role::DotDot(pl) => p.pl = pl,
            Role::Child { name, node, relocated_to, relocated } => {
                p.name = Some(name);
                p.cl = relocated_to;
                p.re = relocated;
                if let NodeType::Symlink(target) = node {
                    p.link = Some(target.as_bytes());
                }
            }
        }
        p.pn = self.device();
        p
    }

    /// The length of each entry [`RecordSua::write`] writes, in order, without building them.
    pub fn lens(&self) -> impl Iterator<Item = usize> + Clone {
        let p = self.parts();
        p.sp.then_some(SP_LEN)
            .into_iter()
            .chain([PX_LEN, TF_MODIFY_LEN])
            .chain(p.pn.map(|_| PN_LEN))
            .chain(p.cl.map(|_| LINK_LEN))
            .chain(p.pl.map(|_| LINK_LEN))
            .chain(p.re.then_some(RE_LEN))
            .chain(p.name.map(|n| nm_entry_lens(n.len())).into_iter().flatten())
            .chain(p.link.map(entries::sl_lens).into_iter().flatten())
            .chain(p.er.then_some(ER_RRIP_LEN))
    }

    /// Appends the record's entries to `out`, back to back.
    pub fn write(&self, out: &mut Vec<u8>) {
        let p = self.parts();
        if p.sp {
            entries::sp(out);
        }
        entries::px(out, &self.px);
        entries::tf_modify(out, self.modified);
        if let Some(rdev) = p.pn {
            entries::pn(out, rdev);
        }
        if let Some(block) = p.cl {
            entries::cl(out, block);
        }
        if let Some(block) = p.pl {
            entries::pl(out, block);
        }
        if p.re {
            entries::re(out);
        }
        if let Some(name) = p.name {
            entries::nm(out, name);
        }
        if let Some(target) = p.link {
            entries::sl(out, target);
        }
        if p.er {
            entries::er_rrip(out);
        }
    }
}

/// Which optional entries a record has.
#[derive(Default)]
struct Parts<'a> {
    sp: bool,
    er: bool,
    pn: Option<u64>,
    cl: Option<u32>,
    pl: Option<u32>,
    re: bool,
    name: Option<&'a [u8]>,
    link: Option<&'a [u8]>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::tree::posix::SpecialKind;

    fn px() -> Px {
        Px { mode: 0o100444, links: 1, uid: 0, gid: 0, serial: 5 }
    }

    fn sigs(bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = 0;
        while at + 4 <= bytes.len() {
            out.push(String::from_utf8_lossy(&bytes[at..at + 2]).into_owned());
            at += usize::from(bytes[at + 2]);
        }
        out
    }

    fn check(sua: RecordSua<'_>, want: &[&str]) {
        let mut out = Vec::new();
        sua.write(&mut out);
        assert_eq!(sigs(&out), want);
        assert_eq!(sua.lens().sum::<usize>(), out.len());
        assert_eq!(sua.lens().count(), want.len());
    }

    #[test]
    fn entries_per_role() {
        let m = [0; 7];
        check(RecordSua { role: Role::RootDot, px: px(), modified: m }, &["SP", "PX", "TF", "ER"]);
        check(RecordSua { role: Role::Dot, px: px(), modified: m }, &["PX", "TF"]);
        check(RecordSua { role: Role::DotDot(None), px: px(), modified: m }, &["PX", "TF"]);
        check(
            RecordSua { role: Role::DotDot(Some(9)), px: px(), modified: m },
            &["PX", "TF", "PL"],
        );
        let child = |node, relocated_to, relocated| Role::Child {
            name: b"name",
            node,
            relocated_to,
            relocated,
        };
        check(
            RecordSua { role: child(NodeType::File, None, false), px: px(), modified: m },
            &["PX", "TF", "NM"],
        );
        check(
            RecordSua {
                role: child(NodeType::Symlink("../a"), None, false),
                px: px(),
                modified: m,
            },
            &["PX", "TF", "NM", "SL"],
        );
        let dev = NodeType::Special { kind: SpecialKind::CharDevice, rdev: 0x0501 };
        check(
            RecordSua { role: child(dev, None, false), px: px(), modified: m },
            &["PX", "TF", "PN", "NM"],
        );
        let fifo = NodeType::Special { kind: SpecialKind::Fifo, rdev: 0 };
        check(
            RecordSua { role: child(fifo, None, false), px: px(), modified: m },
            &["PX", "TF", "NM"],
        );
        check(
            RecordSua { role: child(NodeType::File, Some(40), false), px: px(), modified: m },
            &["PX", "TF", "CL", "NM"],
        );
        check(
            RecordSua { role: child(NodeType::Dir, None, true), px: px(), modified: m },
            &["PX", "TF", "RE", "NM"],
        );
    }

    #[test]
    fn long_names_and_links_have_matching_lengths() {
        let name = vec![b'n'; 255];
        let target = "../".repeat(100) + &"t".repeat(700);
        let sua = RecordSua {
            role: Role::Child {
                name: &name,
                node: NodeType::Symlink(&target),
                relocated_to: None,
                relocated: false,
            },
            px: px(),
            modified: [0; 7],
        };
        let mut out = Vec::new();
        sua.write(&mut out);
        let mut at = 0;
        let mut lens = Vec::new();
        while at < out.len() {
            lens.push(usize::from(out[at + 2]));
            at += usize::from(out[at + 2]);
        }
        assert_eq!(sua.lens().collect::<Vec<_>>(), lens);
        for len in [0, 1, 250, 251, 500, 501] {
            assert_eq!(nm_entry_lens(len).sum::<usize>(), entries::nm_len(len), "{len}");
        }
    }

    #[test]
    fn modes_and_defaults() {
        assert_eq!(mode_of(NodeType::Dir, None), (0o040555, 0, 0));
        assert_eq!(mode_of(NodeType::File, None), (0o100444, 0, 0));
        assert_eq!(mode_of(NodeType::Symlink("x"), None), (0o120777, 0, 0));
        let attrs = PosixAttrs { mode: 0o4755, uid: 7, gid: 8 };
        assert_eq!(mode_of(NodeType::File, Some(attrs)), (0o104755, 7, 8));
        let fifo = NodeType::Special { kind: SpecialKind::Fifo, rdev: 0 };
        assert_eq!(mode_of(fifo, Some(attrs)).0, 0o014755);
    }

    #[test]
    fn rationalized_modes_are_what_mkisofs_r_records() {
        let r = |node, mode, uid| rationalized(node, Some(PosixAttrs { mode, uid, gid: uid }));
        let root = PosixAttrs { mode: 0, uid: 0, gid: 0 };
        assert_eq!(r(NodeType::File, 0o4750, 1000), PosixAttrs { mode: 0o555, ..root });
        assert_eq!(r(NodeType::File, 0o600, 1000), PosixAttrs { mode: 0o444, ..root });
        assert_eq!(r(NodeType::File, 0o1777, 5), PosixAttrs { mode: 0o555, ..root });
        assert_eq!(r(NodeType::Dir, 0o2700, 5), PosixAttrs { mode: 0o555, ..root });
        assert_eq!(r(NodeType::Dir, 0o640, 5), PosixAttrs { mode: 0o444, ..root });
        assert_eq!(r(NodeType::Symlink("x"), 0o777, 5), PosixAttrs { mode: 0o555, ..root });
        assert_eq!(rationalized(NodeType::File, None), PosixAttrs { mode: 0o444, ..root });
        let fifo = NodeType::Special { kind: SpecialKind::Fifo, rdev: 0 };
        assert_eq!(r(fifo, 0o620, 5), PosixAttrs { mode: 0o444, ..root });
    }
}
