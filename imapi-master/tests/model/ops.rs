//! The calls a case is made of, the disc a case starts with, and their strategies.

use proptest::prelude::*;

/// Image paths the files of every add are drawn from: few, so that adds overlap.
pub const PATHS: [&str; 5] = ["a.txt", "b.txt", "d/c.txt", "d/a.txt", "e/f/g.txt"];

/// File lengths: empty, under a block, a block, across blocks.
pub const LENS: [usize; 6] = [0, 1, 100, 2048, 5000, 10_000];

/// The kind of blank disc the simulated drive gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// CD-R, 80 minutes.
    CdR,
    /// CD-RW, 80 minutes.
    CdRw,
}

/// What the drive holds when a case starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// A blank disc.
    Blank(Kind),
    /// A disc holding one appendable data session ([`FIRST_SESSION`]).
    Appendable(Kind),
    /// A disc holding one data session, finalized.
    Closed(Kind),
}

/// The files of the session an appendable or closed starting disc holds.
pub const FIRST_SESSION: [(&str, u8, usize); 2] = [("a.txt", b'A', 10_000), ("d/c.txt", b'C', 700)];

/// The format argument of SetActiveDiscMasterFormat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fmt {
    /// IJolietDiscMaster.
    Joliet,
    /// IRedbookDiscMaster.
    Redbook,
}

/// A recorder property set through the active recorder's bag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecProp {
    /// WriteSpeed, a valid value (1).
    SpeedOne,
    /// WriteSpeed 0: out of range.
    SpeedZero,
    /// AudioGapSize within 0..=225.
    Gap(i32),
    /// AudioGapSize 300: out of range.
    GapTooBig,
    /// MaxWriteSpeed: read-only, skipped.
    MaxSpeed,
}

/// How many blocks an AddAudioTrackBlocks call passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocks {
    /// 100 whole blocks (a track needs 300 to be 4 seconds long).
    Hundred,
    /// 300 whole blocks: 4 seconds.
    FourSeconds,
    /// A whole number of blocks and 100 bytes more: refused.
    Partial,
}

impl Blocks {
    /// The number of bytes passed.
    pub fn bytes(self) -> usize {
        match self {
            Blocks::Hundred => 100 * 2352,
            Blocks::FourSeconds => 300 * 2352,
            Blocks::Partial => 2 * 2352 + 100,
        }
    }
}

/// One call on the master, or one event on the simulated drive between calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// DiscMaster::open.
    Open,
    /// DiscMaster::close.
    Close,
    /// DiscMaster::close_keeping_stash.
    CloseKeepingStash,
    /// DiscMaster::adopt_stash.
    AdoptStash,
    /// set_active_disc_master_format.
    SetFormat(Fmt),
    /// enum_disc_recorders.
    EnumRecorders,
    /// set_active_disc_recorder with the simulated drive (from the enumeration when open).
    SetActive,
    /// joliet().add_data of a fresh host folder holding `files` (indices into [`PATHS`] and
    /// [`LENS`]).
    AddData { files: Vec<(usize, usize)>, overwrite: bool },
    /// joliet().add_source of a BytesSource.
    AddSource { path: usize, len: usize, overwrite: bool },
    /// clear_format_content.
    Clear,
    /// set_joliet_properties with VolumeName.
    Volume(&'static str),
    /// set_recorder_properties on active_disc_recorder_mut.
    RecorderProp(RecProp),
    /// redbook().create_audio_track.
    CreateTrack,
    /// redbook().add_audio_track_blocks.
    AddBlocks(Blocks),
    /// redbook().close_audio_track.
    CloseTrack,
    /// record_disc_with.
    Record { simulate: bool, eject: bool, close_disc: bool, verify: bool },
    /// Outside: a new blank disc in the drive (its faults cleared).
    Insert(Kind),
    /// Outside: the tray opens (the disc stays in the tray, unreadable).
    Eject,
    /// IDiscRecorder::Eject through a recorder object (OpenExclusive, Eject, Close).
    RecorderEject,
    /// Outside: the tray closes on the disc it holds.
    Load,
    /// Outside: a quick erase through a recorder object (its faults cleared).
    Erase,
    /// Outside: the next WRITE covering the disc's next writable address fails.
    ArmFault,
}

/// The volume names tried: two valid, the empty one (back to the default), one too long.
pub const VOLUMES: [&str; 4] = ["VOL_A", "VOL_B", "", "A_VOLUME_NAME_TOO_LONG"];

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![Just(Kind::CdR), Just(Kind::CdRw)]
}

/// The disc a case starts with.
pub fn start() -> impl Strategy<Value = Start> {
    prop_oneof![
        2 => kind().prop_map(Start::Blank),
        3 => kind().prop_map(Start::Appendable),
        1 => kind().prop_map(Start::Closed),
    ]
}

fn add_data() -> impl Strategy<Value = Op> {
    (
        proptest::sample::subsequence((0..PATHS.len()).collect::<Vec<_>>(), 1..=3),
        proptest::collection::vec(0..LENS.len(), 3),
        any::<bool>(),
    )
        .prop_map(|(paths, lens, overwrite)| Op::AddData {
            files: paths.into_iter().zip(lens).collect(),
            overwrite,
        })
}

/// One operation; Joliet staging and the recorder calls weigh most.
pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Open),
        1 => Just(Op::Close),
        1 => Just(Op::CloseKeepingStash),
        2 => Just(Op::AdoptStash),
        2 => prop_oneof![Just(Fmt::Joliet), Just(Fmt::Redbook)].prop_map(Op::SetFormat),
        1 => Just(Op::EnumRecorders),
        4 => Just(Op::SetActive),
        6 => add_data(),
        4 => (0..PATHS.len(), 0..LENS.len(), any::<bool>())
            .prop_map(|(path, len, overwrite)| Op::AddSource { path, len, overwrite }),
        1 => Just(Op::Clear),
        1 => proptest::sample::select(VOLUMES.to_vec()).prop_map(Op::Volume),
        1 => prop_oneof![
            Just(RecProp::SpeedOne),
            Just(RecProp::SpeedZero),
            prop_oneof![Just(0), Just(150), Just(225)].prop_map(RecProp::Gap),
            Just(RecProp::GapTooBig),
            Just(RecProp::MaxSpeed),
        ]
        .prop_map(Op::RecorderProp),
        2 => Just(Op::CreateTrack),
        3 => prop_oneof![
            2 => Just(Blocks::Hundred),
            2 => Just(Blocks::FourSeconds),
            1 => Just(Blocks::Partial),
        ]
        .prop_map(Op::AddBlocks),
        2 => Just(Op::CloseTrack),
        6 => (
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.15),
            any::<bool>(),
        )
            .prop_map(|(simulate, eject, close_disc, verify)| Op::Record {
                simulate,
                eject,
                close_disc,
                verify,
            }),
        1 => kind().prop_map(Op::Insert),
        1 => Just(Op::Eject),
        1 => Just(Op::RecorderEject),
        1 => Just(Op::Load),
        1 => Just(Op::Erase),
        1 => Just(Op::ArmFault),
    ]
}

/// The bytes file `path` gets from the operation at `index`: a tag naming both, repeated to
/// `len` bytes, so that bytes read back under a wrong name or from a wrong add show.
pub fn content(index: usize, path: &str, len: usize) -> Vec<u8> {
    let tag = format!("<{path}@{index}>");
    tag.bytes().cycle().take(len).collect()
}

/// PCM of the audio blocks added by the operation at `index`.
pub fn pcm(index: usize, bytes: usize) -> Vec<u8> {
    (0..bytes).map(|i| (i as u8).wrapping_mul(31) ^ (index as u8).wrapping_mul(97)).collect()
}

/// A run of calls that often go together, each kept (shrinking can drop any of them).
fn together(calls: Vec<Op>) -> impl Strategy<Value = Vec<Op>> {
    // A union simplifies towards its first option: "drop".
    let keep = prop_oneof![1 => Just(false), 1000 => Just(true)];
    proptest::collection::vec(keep, calls.len()).prop_map(move |keep| {
        calls.iter().zip(keep).filter(|(_, k)| *k).map(|(o, _)| o.clone()).collect()
    })
}

/// A run of calls: mostly one operation, sometimes a few that often go together (a whole
/// audio track, a switch to Redbook with the recorder made active, an open with the
/// recorder made active before or after a first add, a stash kept by one master and adopted by the next), so that long
/// paths are reached; shrinking removes whole runs or calls from them.
fn run_of_ops() -> impl Strategy<Value = Vec<Op>> {
    let record = |simulate| Op::Record { simulate, eject: false, close_disc: false, verify: false };
    prop_oneof![
        12 => op().prop_map(|o| vec![o]),
        2 => together(vec![Op::CreateTrack, Op::AddBlocks(Blocks::FourSeconds), Op::CloseTrack]),
        1 => together(vec![Op::SetFormat(Fmt::Redbook), Op::SetActive]),
        1 => together(vec![Op::Open, Op::SetActive]),
        // Staging before a recorder is chosen, then choosing it.
        1 => add_data().prop_flat_map(|add| together(vec![Op::Open, add, Op::SetActive])),
        1 => together(vec![
            record(true),
            Op::CloseKeepingStash,
            Op::Open,
            Op::SetActive,
            Op::AdoptStash,
        ]),
    ]
}

/// A case's calls: 1 to 30 runs, flattened.
pub fn sequence() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(run_of_ops(), 1..30)
        .prop_map(|runs| runs.into_iter().flatten().collect())
}
