//! The signatures, lengths and flag bits of the System Use Sharing Protocol (SUSP 1.12) and
//! the Rock Ridge Interchange Protocol (RRIP 1.12), shared by the writer, the reader and the
//! verifier. Every entry of a system use area starts with two signature bytes, a length byte
//! (the whole entry, header included) and a version byte (1).
//!
//! Numbers in entries are "both-byte" fields: little-endian then big-endian, 8 bytes for a
//! 32-bit value (ECMA-119 §7.3.3).

/// Length of an entry's header: signature (2), length (1), version (1).
pub const HEADER_LEN: usize = 4;

/// The version byte of every entry written.
pub const VERSION: u8 = 1;

/// `SP`: SUSP is in use; only in the first record (`.`) of the root directory.
pub const SP: [u8; 2] = *b"SP";
/// Length of an `SP` entry.
pub const SP_LEN: usize = 7;
/// The check bytes of an `SP` entry.
pub const SP_CHECK: [u8; 2] = [0xBE, 0xEF];

/// `CE`: the system use area goes on in a continuation area (block, offset, length).
pub const CE: [u8; 2] = *b"CE";
/// Length of a `CE` entry.
pub const CE_LEN: usize = 28;

/// `ER`: names an extension in use (here RRIP); in the root's `.` record or its continuation.
pub const ER: [u8; 2] = *b"ER";
/// `ST`: the system use area ends here.
pub const ST: [u8; 2] = *b"ST";
/// `PD`: padding.
pub const PD: [u8; 2] = *b"PD";

/// `PX`: POSIX mode, link count, owner, group and (RRIP 1.12) serial number.
pub const PX: [u8; 2] = *b"PX";
/// Length of a `PX` entry of RRIP 1.12 (with the serial number).
pub const PX_LEN: usize = 44;
/// Length of a `PX` entry of RRIP 1.10 (without the serial number), which readers meet too.
pub const PX_LEN_1_10: usize = 36;

/// `PN`: the device number of a block or character device.
pub const PN: [u8; 2] = *b"PN";
/// Length of a `PN` entry.
pub const PN_LEN: usize = 20;

/// `SL`: a symbolic link's target, as component records.
pub const SL: [u8; 2] = *b"SL";
/// `NM`: the POSIX name.
pub const NM: [u8; 2] = *b"NM";
/// `TF`: time stamps.
pub const TF: [u8; 2] = *b"TF";
/// `CL`: this file record stands for a directory relocated to the block given.
pub const CL: [u8; 2] = *b"CL";
/// `PL`: in a relocated directory's `..` record, the block of its original parent.
pub const PL: [u8; 2] = *b"PL";
/// Length of a `CL` or `PL` entry.
pub const LINK_LEN: usize = 12;
/// `RE`: this directory record is a relocated directory (hidden from its relocation parent).
pub const RE: [u8; 2] = *b"RE";
/// Length of an `RE` entry.
pub const RE_LEN: usize = 4;
/// `RR`: RRIP 1.09's list of the entries present (read, never written).
pub const RR: [u8; 2] = *b"RR";

/// `NM` and `SL` flag: the name (or link) goes on in the next entry of the same kind.
pub const FLAG_CONTINUE: u8 = 0x01;
/// `NM` and `SL` component flag: the name stands for the current directory (`.`).
pub const FLAG_CURRENT: u8 = 0x02;
/// `NM` and `SL` component flag: the name stands for the parent directory (`..`).
pub const FLAG_PARENT: u8 = 0x04;
/// `SL` component flag: the root directory (`/`).
pub const FLAG_ROOT: u8 = 0x08;

/// `TF` flag: creation time recorded.
pub const TF_CREATION: u8 = 0x01;
/// `TF` flag: modification time recorded.
pub const TF_MODIFY: u8 = 0x02;
/// `TF` flag: access time recorded.
pub const TF_ACCESS: u8 = 0x04;
/// `TF` flag: attribute change time recorded.
pub const TF_ATTRIBUTES: u8 = 0x08;
/// `TF` flag: backup time recorded.
pub const TF_BACKUP: u8 = 0x10;
/// `TF` flag: expiration time recorded.
pub const TF_EXPIRATION: u8 = 0x20;
/// `TF` flag: effective time recorded.
pub const TF_EFFECTIVE: u8 = 0x40;
/// `TF` flag: times are 17-byte long forms (ECMA-119 §8.4.26.1) instead of 7-byte ones.
pub const TF_LONG_FORM: u8 = 0x80;

/// The `ER` identifier RRIP 1.12 gives itself (§4.3): `IEEE_P1282`, the form libisofs and
/// mkisofs write for 1.12 and every reader we test accepts (pycdlib knows `IEEE_P1282` and
/// `RRIP_1991A`, not the `IEEE_1282` the standard says the strings become upon adoption).
pub const RRIP_112_ID: &[u8] = RRIP_P1282_ID;
/// The `ER` descriptor of RRIP 1.12 (§4.3).
pub const RRIP_112_DESCRIPTOR: &[u8] =
    b"THE IEEE P1282 PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS.";
/// The `ER` source of RRIP 1.12 (§4.3).
pub const RRIP_112_SOURCE: &[u8] =
    b"PLEASE CONTACT THE IEEE STANDARDS DEPARTMENT, PISCATAWAY, NJ, USA FOR THE P1282 SPECIFICATION.";
/// The `ER` identifier RRIP 1.12 says its strings become upon adoption as an IEEE standard
/// (each one byte shorter), which readers accept.
pub const RRIP_1282_ID: &[u8] = b"IEEE_1282";
/// The `ER` identifier of RRIP 1.09 and 1.10, which readers accept.
pub const RRIP_1991A_ID: &[u8] = b"RRIP_1991A";
/// The `ER` identifier of the draft of RRIP 1.12, which readers accept.
pub const RRIP_P1282_ID: &[u8] = b"IEEE_P1282";

/// `ES`: extension selector.
pub const ES: [u8; 2] = *b"ES";
/// `SF`: sparse file (RRIP 1.12, read past).
pub const SF: [u8; 2] = *b"SF";
/// Signatures of SUSP's own entries.
pub const SUSP_SIGNATURES: [[u8; 2]; 6] = [CE, PD, SP, ST, ER, ES];
/// Signatures of RRIP entries: an area holding one uses Rock Ridge.
pub const RRIP_SIGNATURES: [[u8; 2]; 10] = [RR, PX, PN, SL, NM, CL, PL, RE, TF, SF];

/// POSIX file type bits of a `PX` mode (`S_IFMT`) and the types.
pub const S_IFMT: u32 = 0o170000;
/// Socket.
pub const S_IFSOCK: u32 = 0o140000;
/// Symbolic link.
pub const S_IFLNK: u32 = 0o120000;
/// Regular file.
pub const S_IFREG: u32 = 0o100000;
/// Block device.
pub const S_IFBLK: u32 = 0o060000;
/// Directory.
pub const S_IFDIR: u32 = 0o040000;
/// Character device.
pub const S_IFCHR: u32 = 0o020000;
/// FIFO.
pub const S_IFIFO: u32 = 0o010000;

/// The name of the directory that holds relocated directories, as mkisofs and libisofs name it.
pub const RELOCATION_DIR: &str = "rr_moved";
