//! Property test: random staging with a checkpoint, more staging, a rollback and more
//! staging again gives, byte for byte, the stash staged without the rolled-back part.
//! Case count: `PROPTEST_CASES` (default 32).

mod common;

use common::pattern;
use imapi_stash::{
    DiscInfo, DiscKind, Mcn, Overflow, Reservation, Stash, StashError, StashOptions, StashWriter,
    TrackInfo,
};
use proptest::prelude::*;
use proptest::sample::Index;
use std::fs::File;
use std::io::{Cursor, Write};

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(32);
    ProptestConfig::with_cases(cases)
}

#[derive(Debug, Clone)]
enum Op {
    Begin {
        audio: bool,
    },
    End,
    Blocks {
        blocks: usize,
        seed: u8,
    },
    Reader {
        bytes: usize,
        seed: u8,
    },
    Range {
        bytes: usize,
        seed: u8,
    },
    Reserve {
        blocks: u32,
    },
    Fill {
        which: Index,
        seed: u8,
    },
    Prepend {
        blocks: usize,
        seed: u8,
    },
    /// An append past a capacity set for the call: it writes a chunk, then fails.
    Full {
        blocks: usize,
        seed: u8,
    },
    /// An append cancelled after its first chunk.
    Cancel {
        bytes: usize,
        seed: u8,
    },
    Disc {
        seed: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<bool>().prop_map(|audio| Op::Begin { audio }),
        Just(Op::End),
        (1usize..5, any::<u8>()).prop_map(|(blocks, seed)| Op::Blocks { blocks, seed }),
        (1usize..10_000, any::<u8>()).prop_map(|(bytes, seed)| Op::Reader { bytes, seed }),
        (1usize..10_000, any::<u8>()).prop_map(|(bytes, seed)| Op::Range { bytes, seed }),
        (1u32..3).prop_map(|blocks| Op::Reserve { blocks }),
        (any::<Index>(), any::<u8>()).prop_map(|(which, seed)| Op::Fill { which, seed }),
        (1usize..4, any::<u8>()).prop_map(|(blocks, seed)| Op::Prepend { blocks, seed }),
        (66usize..70, any::<u8>()).prop_map(|(blocks, seed)| Op::Full { blocks, seed }),
        (200_000usize..300_000, any::<u8>()).prop_map(|(bytes, seed)| Op::Cancel { bytes, seed }),
        any::<u8>().prop_map(|seed| Op::Disc { seed }),
    ]
}

fn ops(max: usize) -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(op(), 0..max)
}

/// A writer and what the test keeps beside it: the reservations it was given and the block
/// size of the last track begun.
struct Harness {
    _dir: tempfile::TempDir,
    w: StashWriter,
    res: Vec<Reservation>,
    bs: usize,
}

impl Harness {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let w = StashWriter::create(dir.path(), &StashOptions::new(DiscKind::Mixed)).unwrap();
        Self { _dir: dir, w, res: Vec::new(), bs: 2048 }
    }

    /// Applies `op`; a call the writer refuses (no open track, say) must leave no trace, so
    /// its error is not looked at.
    fn apply(&mut self, op: &Op, src: &File) {
        let w = &mut self.w;
        let bs = self.bs;
        match *op {
            Op::Begin { audio } => {
                let info = if audio { TrackInfo::audio(0) } else { TrackInfo::data() };
                if w.begin_track(info).is_ok() {
                    self.bs = info.block_size as usize;
                }
            }
            Op::End => {
                let _ = w.end_track();
            }
            Op::Blocks { blocks, seed } => {
                let _ = w.append_blocks(&pattern(seed, blocks * bs), Overflow::AllOrNothing);
            }
            Op::Reader { bytes, seed } => {
                let _ = w.append_reader(Cursor::new(pattern(seed, bytes)), Overflow::KeepWhatFits);
            }
            Op::Range { bytes, seed } => {
                let _ =
                    w.append_file_range(src, u64::from(seed), bytes as u64, Overflow::AllOrNothing);
            }
            Op::Reserve { blocks } => {
                if let Ok(r) = w.reserve(blocks) {
                    self.res.push(r);
                }
            }
            Op::Fill { which, seed } => {
                if !self.res.is_empty() {
                    let r = &self.res[which.index(self.res.len())];
                    let _ = w.fill(r, &pattern(seed, r.len() as usize));
                }
            }
            Op::Prepend { blocks, seed } => {
                let _ = w.prepend_blocks(&pattern(seed, blocks * bs));
            }
            Op::Full { blocks, seed } => {
                w.set_capacity(Some(w.used_blocks() + 65));
                let r = w
                    .append_reader(Cursor::new(pattern(seed, blocks * bs)), Overflow::AllOrNothing);
                assert!(r.is_err());
                w.set_capacity(None);
            }
            Op::Cancel { bytes, seed } => {
                let r = w.append_reader_with(
                    Cursor::new(pattern(seed, bytes)),
                    Overflow::AllOrNothing,
                    |done, _| done == 0,
                );
                assert!(r.is_err());
            }
            Op::Disc { seed } => {
                let mcn: Mcn = format!("{:013}", u64::from(seed) * 7919).parse().unwrap();
                let _ = w.set_disc_info(DiscInfo { mcn: Some(mcn), ..DiscInfo::default() });
            }
        }
    }

    /// Makes the staging finishable the same way on both sides, finishes, returns the bytes.
    fn close(mut self) -> Vec<u8> {
        for (i, r) in self.res.iter().enumerate() {
            let _ = self.w.fill(r, &pattern(200u8.wrapping_add(i as u8), r.len() as usize));
        }
        if self.w.is_track_open() && self.w.end_track().is_err() {
            self.w.append_blocks(&pattern(99, self.bs), Overflow::AllOrNothing).unwrap();
            self.w.end_track().unwrap();
        }
        if self.w.track_count() == 0 {
            self.w.begin_track(TrackInfo::data()).unwrap();
            self.w.append_blocks(&pattern(98, 2048), Overflow::AllOrNothing).unwrap();
            self.w.end_track().unwrap();
        }
        let path = self.w.finish().unwrap();
        Stash::open(&path).unwrap().verify().unwrap();
        std::fs::read(path).unwrap()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn rollback_restores_the_staging_exactly(before in ops(10), undone in ops(10), after in ops(6)) {
        let mut src = tempfile::tempfile().unwrap();
        src.write_all(&pattern(7, 12_000)).unwrap();
        let mut a = Harness::new();
        let mut b = Harness::new();
        for op in &before {
            a.apply(op, &src);
            b.apply(op, &src);
        }
        let cp = a.w.checkpoint();
        let (kept, bs) = (a.res.len(), a.bs);
        for op in &undone {
            a.apply(op, &src);
        }
        a.w.rollback(cp).unwrap();
        prop_assert_eq!(a.w.used_blocks(), b.w.used_blocks());
        prop_assert_eq!(a.w.track_count(), b.w.track_count());
        prop_assert_eq!(a.w.is_track_open(), b.w.is_track_open());
        prop_assert_eq!(a.w.disc_info(), b.w.disc_info());
        // Reservations made after the checkpoint are stale.
        for r in &a.res[kept..] {
            let e = a.w.fill(r, &vec![0; r.len() as usize]);
            prop_assert!(matches!(e, Err(StashError::StaleReservation { .. })), "{:?}", e);
        }
        a.res.truncate(kept);
        a.bs = bs;
        for op in &after {
            a.apply(op, &src);
            b.apply(op, &src);
        }
        let (a, b) = (a.close(), b.close());
        prop_assert_eq!(a.len(), b.len());
        prop_assert!(a == b, "the stashes differ");
    }
}
