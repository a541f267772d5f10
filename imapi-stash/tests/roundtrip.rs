//! Property tests: random layouts written, finished, opened and read back; random damage
//! never makes the reader panic. Case count: `PROPTEST_CASES` (default 32).

mod common;

use common::pattern;
use imapi_stash::{
    CdTextPack, Control, DiscInfo, DiscKind, Isrc, Mcn, Overflow, SessionClose, Stash,
    StashOptions, StashWriter, TrackInfo, TrackMode,
};
use proptest::prelude::*;
use std::io::{Cursor, Read, Seek, SeekFrom};

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(32);
    ProptestConfig::with_cases(cases)
}

#[derive(Debug, Clone)]
enum Op {
    Blocks { blocks: usize, seed: u8 },
    Reader { bytes: usize, seed: u8 },
    Reserve { blocks: u32, seed: u8 },
}

#[derive(Debug, Clone)]
struct TrackPlan {
    info: TrackInfo,
    ops: Vec<Op>,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1usize..6, any::<u8>()).prop_map(|(blocks, seed)| Op::Blocks { blocks, seed }),
        (1usize..12_000, any::<u8>()).prop_map(|(bytes, seed)| Op::Reader { bytes, seed }),
        (1u32..4, any::<u8>()).prop_map(|(blocks, seed)| Op::Reserve { blocks, seed }),
    ]
}

fn isrc() -> impl Strategy<Value = Isrc> {
    "[A-Z0-9]{5}[0-9]{7}".prop_map(|s| s.parse().unwrap())
}

fn track() -> impl Strategy<Value = TrackPlan> {
    let mode = prop_oneof![Just(TrackMode::Audio), Just(TrackMode::Mode1), Just(TrackMode::Mode2)];
    (
        mode,
        any::<bool>(),
        0u8..16,
        0u32..300,
        proptest::option::of(isrc()),
        proptest::option::of(-150i32..400_000),
        proptest::collection::vec(op(), 1..6),
    )
        .prop_map(|(mode, raw, bits, pregap, isrc, start_lba, ops)| {
            let audio = mode == TrackMode::Audio;
            let block_size = if audio || raw { 2352 } else { 2048 };
            let mut ctl = bits & Control::COPY_PERMITTED;
            if audio {
                ctl |= bits & (Control::PRE_EMPHASIS | Control::FOUR_CHANNEL);
            } else {
                ctl |= Control::DATA;
            }
            let info = TrackInfo {
                mode,
                block_size,
                control: Control::new(ctl).unwrap(),
                pregap,
                isrc: if audio { isrc } else { None },
                start_lba,
            };
            TrackPlan { info, ops }
        })
}

fn disc(tracks: usize) -> impl Strategy<Value = DiscInfo> {
    let last_first = 100 - tracks as u8;
    (
        1u8..=last_first,
        proptest::option::of("[0-9]{13}".prop_map(|s| s.parse::<Mcn>().unwrap())),
        proptest::collection::vec((0x80u8..=0x8F, any::<[u8; 17]>()), 0..5),
        proptest::option::of(any::<i32>()),
        any::<bool>(),
    )
        .prop_map(|(first_track, mcn, packs, session_start, open)| DiscInfo {
            first_track,
            mcn,
            cd_text: packs
                .into_iter()
                .map(|(t, rest)| {
                    let mut p = [0u8; 18];
                    p[0] = t;
                    p[1..].copy_from_slice(&rest);
                    CdTextPack::new(p).unwrap()
                })
                .collect(),
            session_start,
            close: if open { SessionClose::LeaveAppendable } else { SessionClose::Finalize },
        })
}

fn layout() -> impl Strategy<Value = (Vec<TrackPlan>, DiscInfo, u64)> {
    proptest::collection::vec(track(), 1..5).prop_flat_map(|tracks| {
        let n = tracks.len();
        (Just(tracks), disc(n), any::<u64>())
    })
}

/// Writes the layout; returns the folder and each track's expected bytes.
fn write(
    tracks: &[TrackPlan],
    disc: &DiscInfo,
    fill_order: u64,
) -> (tempfile::TempDir, Vec<Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let mut w = StashWriter::create(dir.path(), &StashOptions::new(DiscKind::Mixed)).unwrap();
    w.set_disc_info(disc.clone()).unwrap();
    let mut expected = Vec::new();
    let mut pending = Vec::new();
    for t in tracks {
        let bs = t.info.block_size as usize;
        w.begin_track(t.info).unwrap();
        let mut bytes = Vec::new();
        for op in &t.ops {
            match *op {
                Op::Blocks { blocks, seed } => {
                    let data = pattern(seed, blocks * bs);
                    assert_eq!(
                        w.append_blocks(&data, Overflow::AllOrNothing).unwrap(),
                        blocks as u64
                    );
                    bytes.extend(data);
                }
                Op::Reader { bytes: n, seed } => {
                    let data = pattern(seed, n);
                    let blocks =
                        w.append_reader(Cursor::new(&data), Overflow::AllOrNothing).unwrap();
                    assert_eq!(blocks as usize, n.div_ceil(bs));
                    bytes.extend(&data);
                    bytes.resize(bytes.len().div_ceil(bs) * bs, 0);
                }
                Op::Reserve { blocks, seed } => {
                    let r = w.reserve(blocks).unwrap();
                    let data = pattern(seed, blocks as usize * bs);
                    bytes.extend(&data);
                    pending.push((r, data));
                }
            }
        }
        w.end_track().unwrap();
        expected.push(bytes);
    }
    // Fill the reservations in a scrambled order.
    let mut k = fill_order;
    while !pending.is_empty() {
        let i = (k % pending.len() as u64) as usize;
        k = k.rotate_right(7) ^ 0x9E37_79B9_7F4A_7C15;
        let (r, data) = pending.swap_remove(i);
        w.fill(&r, &data).unwrap();
    }
    w.finish().unwrap();
    (dir, expected)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_layouts_round_trip((tracks, disc, fill_order) in layout(), probe in any::<(u64, u16)>()) {
        let (dir, expected) = write(&tracks, &disc, fill_order);
        let mut s = Stash::open_in(dir.path()).unwrap();
        prop_assert_eq!(s.disc_info(), &disc);
        prop_assert_eq!(s.disc_kind(), DiscKind::Mixed);
        prop_assert_eq!(s.tracks().len(), tracks.len());
        let total: usize = expected.iter().zip(&tracks).map(|(b, t)| b.len() / t.info.block_size as usize).sum();
        prop_assert_eq!(s.total_blocks(), total as u64);
        for (i, (t, plan)) in s.tracks().iter().zip(&tracks).enumerate() {
            prop_assert_eq!(t.info, plan.info);
            prop_assert_eq!(u32::from(t.number), u32::from(disc.first_track) + i as u32);
            prop_assert_eq!(t.len(), expected[i].len() as u64);
        }
        let v = s.verify().unwrap();
        prop_assert_eq!(v.bytes, expected.iter().map(|b| b.len() as u64).sum::<u64>());
        for (i, want) in expected.iter().enumerate() {
            let mut r = s.track_reader(i).unwrap();
            let mut got = Vec::new();
            r.read_to_end(&mut got).unwrap();
            prop_assert_eq!(&got, want);
            // A random window, after a seek.
            let at = probe.0 % want.len() as u64;
            let len = (usize::from(probe.1)).min(want.len() - at as usize);
            r.seek(SeekFrom::Start(at)).unwrap();
            let mut window = vec![0; len];
            r.read_exact(&mut window).unwrap();
            prop_assert_eq!(&window[..], &want[at as usize..at as usize + len]);
        }
    }

    #[test]
    fn damaged_stashes_never_panic(damage in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), cut in any::<prop::sample::Index>(), truncate in any::<bool>()) {
        let (_dir, path) = common::small_stash();
        let mut bytes = std::fs::read(path).unwrap();
        for (i, v) in damage {
            let i = i.index(bytes.len());
            bytes[i] = v;
        }
        if truncate {
            let n = cut.index(bytes.len());
            bytes.truncate(n);
        }
        if let Ok(mut s) = Stash::from_reader(Cursor::new(&bytes[..])) {
            for i in 0..s.tracks().len() {
                let mut out = Vec::new();
                let _ = s.track_reader(i).unwrap().read_to_end(&mut out);
            }
            let _ = s.verify();
        }
    }
}
