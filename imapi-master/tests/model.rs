//! A model-based test of [`DiscMaster`]: random sequences of public calls, each run against
//! the real master over a simulated recorder and against a plain model ([`spec::Model`]),
//! which says for every call whether it succeeds or which IMAPI code it gives, and what is
//! staged and on the disc afterwards.
//!
//! # Shape
//! A case is a starting disc ([`ops::Start`]: blank, one appendable data session, or one
//! finalized session, on a CD-R or a CD-RW, in one simulated drive) and a `Vec<Op>` made of
//! 1 to 30 runs of operations (mostly single calls, sometimes calls that often go together,
//! each of which shrinking can drop), run in order on both sides. A plain vector strategy
//! rather than `proptest-state-machine`: the
//! model already decides every call's outcome, so operations need no precondition to be
//! generated, any sequence is a valid case, and proptest's shrinking of a vector (dropping
//! operations, simplifying each one) gives short sequences without a transition strategy
//! to keep consistent; it needs no further dependency.
//!
//! After every call: the code (`e.code()`) or Ok must match the model's; whether the master
//! is open, its format, whether it is in multisession mode and the file paths of its staged
//! tree must match too. After every successful real burn, the disc is read back through
//! the recorder (the last session from READ TOC, as an ISO 9660/Joliet image; audio tracks
//! with READ CD from their TOC starts) and compared, file by file and byte by byte, with
//! what the model says the session holds. Every added file gets bytes naming its path and
//! the operation that added it, so a file holding another file's bytes shows.
//!
//! # Running it
//! `PROPTEST_CASES` sets the number of cases (64 when unset; CI sets 64 through
//! scripts/test.sh). A long run by hand: `PROPTEST_CASES=20000 cargo test -p imapi-master
//! --test model`. On a failure the case number of the first failing case is printed
//! (`model: first failure at case N`) before proptest shrinks it; failures are not persisted
//! to a regressions file, so every run starts from fresh random cases.
//!
//! # What the model assumes where IMAPI leaves a choice (as the code documents it)
//! - Open sets the format to Joliet; close clears everything (staged files, tracks, the
//!   active recorder, multisession mode, the Joliet properties) and may be repeated.
//! - SetActiveDiscMasterFormat clears what was added and every track, even for the same
//!   format; multisession mode and the imported session stay.
//! - SetActiveDiscRecorder with no disc is IMAPI_E_MEDIUM_NOTPRESENT and changes nothing. In
//!   Joliet format the staged files stay staged, each with its own bytes, over the base the
//!   disc gives: its last session when it is appendable (multisession), else none; a staged
//!   file at a path that session holds is IMAPI_E_FILEEXISTS and nothing changes. The same
//!   disc again (by IMAPI's disc fingerprint) keeps the base as it is. A stash sealed here
//!   stays sealed unless the base moves (then it is planned again at the burn); an adopted
//!   one stays as it is.
//! - Adding to a disc that cannot take a session (finalized, damaged, or none known since a
//!   burn ejected it) is IMAPI_E_MEDIUM_INVALIDTYPE; so is creating an audio track on a disc
//!   that is not blank. With no recorder active, adding is allowed.
//! - A duplicate path without the overwrite flag is IMAPI_E_FILEEXISTS for the whole add
//!   (all or nothing); with it, the new file replaces the old one (an imported one too).
//! - AddAudioTrackBlocks with a partial block is IMAPI_E_GENERIC, checked before the track;
//!   CloseAudioTrack under 300 blocks (4 s) is IMAPI_E_TRACK_NOT_BIG_ENOUGH, the track open.
//! - RecordDisc: IMAPI_E_NOACTIVERECORDER, then the image (IMAPI_E_INVALIDIMAGE when empty,
//!   IMAPI_E_TRACKOPEN), then no disc (IMAPI_E_MEDIUM_NOTPRESENT), then for a data session
//!   sealed to continue a disc (here or in an adopted stash) another disc than that one, or
//!   than the one seen at SetActiveDiscRecorder, is IMAPI_E_WRONGDISC, else a disc that is
//!   not blank is IMAPI_E_MEDIUM_INVALIDTYPE; a write error is IMAPI_E_CANNOT_WRITE_TO_MEDIA and leaves
//!   the disc damaged (a simulated burn meets the armed fault too, the disc unchanged). A
//!   simulated burn keeps the staged image (and ejects when asked). After a real burn the
//!   image is cleared, multisession mode ends, and the recorder is made active again: an
//!   appendable disc's new session is imported; with the disc ejected the recorder stays
//!   active with no disc known.
//! - A stash sealed for a burn stays in the stash folder through close_keeping_stash;
//!   staging again, clearing or a plain close removes it. adopt_stash takes it (after
//!   IMAPI_E_NOACTIVERECORDER, IMAPI_E_INVALIDIMAGE with none, IMAPI_E_WRONGFORMAT for the
//!   other format; a session for another disc state is IMAPI_E_WRONGDISC; each of these
//!   leaves what is staged as it was) and the next burn writes it.
//! - Outside events: a new disc (and an erase) clears the drive's faults; an armed fault
//!   fails the next WRITE at the disc's next writable address. Erase of a CD-R is
//!   IMAPI_E_MEDIUM_INVALIDTYPE, with no disc IMAPI_E_MEDIUM_NOTPRESENT.
//! - Recorder properties: WriteSpeed 0 and AudioGapSize 300 are IMAPI_E_GENERIC; a
//!   read-only name is skipped. VolumeName over 16 characters is IMAPI_E_BADJOLIETNAME; a
//!   name set is the burned session's Joliet volume name.
//! - IDiscRecorder::Eject through a recorder object succeeds whenever the drive is there,
//!   also as the first command after a disc change.
//!
//! # Not modeled
//! One drive only; IMAPI_E_DISCFULL (the files are small); progress sinks and cancel; where
//! AudioGapSize puts the tracks (the tracks are read from their TOC starts); boot images,
//! Rock Ridge and the other Joliet properties.

#[path = "model/ops.rs"]
mod ops;
#[path = "model/real.rs"]
mod real;
#[path = "model/spec.rs"]
mod spec;

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use ops::{Fmt, Op, Start, LENS, PATHS};
use real::{blocks_pcm, host_files, Real};
use spec::{Drive, Files, Model};

/// Cases run so far in this process (shrinking steps included).
static CASES: AtomicUsize = AtomicUsize::new(0);
/// The case number of the first failing case (0: none yet).
static FIRST_FAILURE: AtomicUsize = AtomicUsize::new(0);

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)
}

/// A few bytes of `b` as text, to show whose bytes a file holds.
fn show(b: &[u8]) -> String {
    format!("{} bytes {:?}", b.len(), String::from_utf8_lossy(&b[..b.len().min(24)]))
}

/// The files missing, different or unexpected in `got` against `want`, one a line.
fn diff(got: &Files, want: &Files) -> String {
    let mut out = String::new();
    for (p, w) in want {
        match got.get(p) {
            None => out += &format!("\n  missing {p} ({})", show(w)),
            Some(g) if g != w => out += &format!("\n  {p}: {} instead of {}", show(g), show(w)),
            Some(_) => {}
        }
    }
    for (p, g) in got {
        if !want.contains_key(p) {
            out += &format!("\n  unexpected {p} ({})", show(g));
        }
    }
    out
}

/// Runs `op` on the model, returning its outcome and, for a real burn, what to read back.
fn expect(model: &mut Model, index: usize, op: &Op) -> (real::Outcome, Option<spec::Burned>) {
    let none = |r| (r, None);
    match op {
        Op::Open => none(model.open()),
        Op::Close | Op::CloseKeepingStash => {
            model.close(*op == Op::CloseKeepingStash);
            none(Ok(()))
        }
        Op::AdoptStash => none(model.adopt()),
        Op::SetFormat(f) => none(model.set_format(*f)),
        Op::EnumRecorders => none(model.enum_recorders().map(|_| ())),
        Op::SetActive => none(model.set_active()),
        Op::AddData { files, overwrite } => none(model.add(&host_files(index, files), *overwrite)),
        Op::AddSource { path, len, overwrite } => {
            let bytes = ops::content(index, PATHS[*path], LENS[*len]);
            let files = Files::from([(PATHS[*path].to_string(), bytes)]);
            none(model.add(&files, *overwrite))
        }
        Op::Clear => none(model.clear()),
        Op::Volume(name) => none(model.volume(name)),
        Op::RecorderProp(p) => none(model.recorder_prop(*p)),
        Op::CreateTrack => none(model.create_track()),
        Op::AddBlocks(b) => none(model.add_blocks(*b, &blocks_pcm(index, *b))),
        Op::CloseTrack => none(model.close_track()),
        Op::Record { simulate, eject, close_disc, .. } => {
            match model.record(*simulate, *eject, *close_disc) {
                Ok(burned) => (Ok(()), burned),
                Err(e) => (Err(e), None),
            }
        }
        Op::Insert(k) => {
            model.drive.insert(*k);
            none(Ok(()))
        }
        Op::Eject | Op::RecorderEject | Op::Load => {
            model.drive.loaded = *op == Op::Load;
            none(Ok(()))
        }
        Op::Erase => none(model.drive.erase()),
        Op::ArmFault => none(Ok(())),
    }
}

/// Runs one case; an error names the operation and what differed.
fn run(start: Start, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut real = Real::new(start);
    let mut model = Model::new(Drive::new(start));
    for (i, op) in ops.iter().enumerate() {
        let at = |what: String| TestCaseError::fail(format!("op {i} {op:?}: {what}"));
        if *op == Op::ArmFault {
            if model.drive.arm_fault() {
                real.arm_fault().map_err(at)?;
            }
            continue;
        }
        let (want, burned) = expect(&mut model, i, op);
        let got = real.exec(i, op);
        if got != want {
            return Err(at(format!("gave {got:?}, the model says {want:?}")));
        }
        if let Some(b) = burned {
            let loaded = model.drive.loaded;
            if b.format == Fmt::Joliet {
                let (files, volume) = real.read_session(loaded).map_err(at)?;
                if files != b.files {
                    return Err(at(format!(
                        "the disc's last session differs:{}",
                        diff(&files, &b.files)
                    )));
                }
                if let Some(v) = b.volume {
                    if volume != v {
                        return Err(at(format!("volume {volume:?}, the model says {v:?}")));
                    }
                }
            } else {
                let lens: Vec<usize> = b.tracks.iter().map(Vec::len).collect();
                let tracks = real.read_tracks(loaded, &lens).map_err(at)?;
                if let Some(k) = (0..lens.len()).find(|&k| tracks[k] != b.tracks[k]) {
                    return Err(at(format!("audio track {} differs from what was staged", k + 1)));
                }
            }
        }
        check_state(&mut real, &model).map_err(at)?;
    }
    Ok(())
}

/// What the master shows after each call against the model.
fn check_state(real: &mut Real, model: &Model) -> Result<(), String> {
    let m = &mut real.m;
    if m.is_open() != model.opened() {
        return Err(format!("is_open {}, the model says {}", m.is_open(), model.opened()));
    }
    let want: Vec<String> = model.staged().into_keys().collect();
    let got = real.staged_paths();
    if got != want {
        return Err(format!("staged files {got:?}, the model says {want:?}"));
    }
    let m = &mut real.m;
    if !model.opened() {
        return Ok(());
    }
    let f = m.active_disc_master_format().map_err(|e| e.to_string())?;
    let mf = match model.format() {
        Fmt::Joliet => imapi_master::Format::Joliet,
        Fmt::Redbook => imapi_master::Format::Redbook,
    };
    if f != mf {
        return Err(format!("format {f:?}, the model says {mf:?}"));
    }
    if mf == imapi_master::Format::Joliet {
        let ms = m.joliet().map_err(|e| e.to_string())?.multisession().is_some();
        if ms != model.multisession() {
            return Err(format!("multisession {ms}, the model says {}", model.multisession()));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Random call sequences agree with the model, call by call and on the disc.
    #[test]
    fn disc_master_follows_the_model(
        start in ops::start(),
        ops in ops::sequence(),
    ) {
        let n = CASES.fetch_add(1, Ordering::SeqCst) + 1;
        let result = run(start, &ops);
        if result.is_err()
            && FIRST_FAILURE.compare_exchange(0, n, Ordering::SeqCst, Ordering::SeqCst).is_ok()
        {
            eprintln!("model: first failure at case {n}");
        }
        result?;
    }
}
