//! The rules the verifier checks, each with a stable id and a severity.

use core::fmt;

/// How much a finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// A rule of ECMA-119 or Joliet is broken. Fails a strict verification; a lenient one
    /// fails only on violations that keep the image from being read as recorded.
    Violation,
    /// A documented departure from the standard that readers accept (a lower-case volume
    /// id, a tree deeper than eight levels). Never fails.
    Relaxation,
    /// Worth knowing, not a rule: a UDF bridge, an image shorter than its volume space.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Violation => "violation",
            Self::Relaxation => "relaxation",
            Self::Warning => "warning",
        })
    }
}

macro_rules! rules {
    ($($(#[doc = $doc:literal])* $name:ident = $id:literal, $sev:ident, $structural:literal;)*) => {
        /// A rule the verifier checks. [`Rule::id`] is stable: scripts may match on it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Rule {
            $($(#[doc = $doc])* $name,)*
        }

        impl Rule {
            /// Every rule, in the order reports list them.
            pub const ALL: &'static [Rule] = &[$(Rule::$name,)*];

            /// The rule's stable id, such as `order.iso`.
            pub const fn id(self) -> &'static str {
                match self { $(Rule::$name => $id,)* }
            }

            /// The severity of a finding under this rule in a strict verification.
            pub const fn severity(self) -> Severity {
                match self { $(Rule::$name => Severity::$sev,)* }
            }

            /// Whether breaking the rule keeps the image from being read as recorded: such
            /// violations fail a lenient verification too.
            pub const fn is_structural(self) -> bool {
                match self { $(Rule::$name => $structural,)* }
            }
        }
    };
}

rules! {
    /// The reader could not read a structure (the message gives the reader's error).
    Read = "read", Violation, true;
    /// A directory record crosses a sector boundary (§6.8.1.1).
    RecordSector = "dir.record-sector", Violation, true;
    /// A primary or Joliet descriptor has a version other than 1.
    DescriptorVersion = "vd.version", Violation, false;
    /// The file structure version is not 1.
    FileStructureVersion = "vd.file-structure-version", Violation, false;
    /// An extent ends past the volume space size.
    VolumeSpace = "vd.volume-space", Violation, false;
    /// The descriptor set has no terminator.
    Terminator = "vd.terminator", Violation, false;
    /// The primary volume identifier holds characters outside the d-characters.
    VolumeId = "vd.volume-id", Violation, false;
    /// The primary volume identifier is in lower case (as `cidata` must be).
    VolumeIdLowercase = "vd.volume-id-lowercase", Relaxation, false;
    /// A descriptor date is malformed (§8.4.26.1).
    DescriptorDates = "vd.dates", Violation, false;
    /// A field the standard reserves is not zero.
    Reserved = "vd.reserved", Violation, false;
    /// The root record of a descriptor differs from the root directory's `.` record.
    RootRecord = "vd.root-record", Violation, false;
    /// The halves of a both-endian field disagree (§7.2.3, §7.3.3).
    EndianPair = "endian.pair", Violation, false;
    /// Bytes after the last record of a sector are not zero (§6.8.1.1).
    ZeroFill = "dir.zero-fill", Violation, false;
    /// A directory's data length is not a whole number of blocks (§6.8.1.3).
    DirectorySize = "dir.size", Violation, false;
    /// `.` and `..` are not the first two records, or point at the wrong directories.
    DotEntries = "dir.dot-entries", Violation, false;
    /// A record's layout is off: odd length, non-zero pad byte, reserved flag bits.
    RecordFormat = "dir.record-format", Violation, false;
    /// ISO 9660 records are not in §9.3 order.
    IsoOrder = "order.iso", Violation, false;
    /// Joliet records are not in code-unit order.
    JolietOrder = "order.joliet", Violation, false;
    /// Two entries of one directory have the same identifier.
    DuplicateName = "name.duplicate", Violation, false;
    /// An ISO 9660 identifier holds characters outside the d-characters and separators.
    IsoChars = "name.iso-chars", Violation, false;
    /// An ISO 9660 identifier is longer than any level allows (30 for files, 31 for
    /// directories).
    IsoLength = "name.iso-length", Violation, false;
    /// An ISO 9660 file identifier without a version `;1..32767`, or a directory with one.
    Version = "name.version", Violation, false;
    /// A Joliet identifier longer than 64 UCS-2 units.
    JolietLength = "name.joliet-length", Violation, false;
    /// A Joliet identifier with a character Joliet forbids (U+0000–U+001F, `* / : ; ? \`)
    /// or an odd byte length.
    JolietChars = "name.joliet-chars", Violation, false;
    /// The L and M path tables are not byte-swapped twins.
    PathTableTwins = "pt.twins", Violation, false;
    /// A path table does not describe the directory tree.
    PathTableTree = "pt.tree", Violation, false;
    /// A path table is not ordered by level, parent number and name (§6.9.1).
    PathTableOrder = "pt.order", Violation, false;
    /// A file is in one tree and not in the other (matched by extent and size).
    SameFiles = "trees.same-files", Violation, false;
    /// A record's date is malformed (§9.1.5).
    RecordDate = "date.record", Violation, false;
    /// A directory extent lies after a file extent (streaming readers need directories first).
    DirsBeforeFiles = "layout.dirs-first", Violation, false;
    /// The ISO 9660 tree is deeper than eight levels (§6.8.2.1).
    Depth = "path.depth", Relaxation, false;
    /// An ISO 9660 path is longer than 255 bytes (§6.8.2.1).
    PathLength = "path.length", Relaxation, false;
    /// The El Torito boot record is not at block 17 of the session.
    ElToritoBlock = "eltorito.boot-record-block", Violation, false;
    /// The El Torito boot catalog cannot be read or parsed.
    ElToritoCatalog = "eltorito.catalog", Violation, false;
    /// The catalog's validation entry does not sum to zero.
    ElToritoChecksum = "eltorito.checksum", Violation, false;
    /// The catalog's validation entry does not end with the key bytes `55 AA`.
    ElToritoKey = "eltorito.key", Violation, false;
    /// The catalog, or a boot image it names, lies outside the volume.
    ElToritoExtent = "eltorito.extent", Violation, false;
    /// A no-emulation boot image's boot-info table gives a length outside the volume or a
    /// checksum its bytes do not sum to.
    ElToritoInfoTable = "eltorito.boot-info-table", Violation, false;
    /// The image holds fewer blocks than its volume space size.
    ImageLength = "image.length", Warning, false;
    /// A UDF volume recognition sequence follows the descriptors: a UDF bridge image.
    UdfBridge = "udf.bridge", Warning, false;
    /// A file is recorded interleaved.
    Interleaved = "file.interleaved", Warning, false;
    /// SUSP entries are used, but the root's `.` record does not start with a valid `SP`
    /// (7 bytes, check bytes `BE EF`), or an `SP` stands elsewhere (SUSP 1.12 §5.3).
    RrSp = "rr.sp", Violation, false;
    /// A SUSP entry's length is below 4 or runs past its area, or an entry of fixed length
    /// (`CE`, `PN`, `CL`, `PL`, `RE`) has another, or one is too short for its content.
    RrEntryLength = "rr.entry-length", Violation, false;
    /// A `CE` names a continuation area outside the volume, running past its block, already
    /// read for the same record (a loop), or one too many.
    RrContinuation = "rr.continuation", Violation, true;
    /// RRIP entries are used without an `ER` entry naming RRIP in the root's `.` record.
    RrEr = "rr.er", Violation, false;
    /// A `PX` entry is neither 36 (RRIP 1.10) nor 44 bytes (RRIP 1.12).
    RrPx = "rr.px", Violation, false;
    /// An `NM` entry has reserved or conflicting flags, is left unterminated, or the name is
    /// too long.
    RrNm = "rr.nm", Violation, false;
    /// An `SL` entry or component has reserved or conflicting flags, a component runs past
    /// its entry, or the link is left unterminated.
    RrSl = "rr.sl", Violation, false;
    /// A `TF` entry's length does not match the time stamps its flags announce.
    RrTf = "rr.tf", Violation, false;
    /// A `CL` or `PL` names a block that does not start a directory, or a `CL` stands on a
    /// directory record.
    RrRelocation = "rr.relocation", Violation, false;
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}
