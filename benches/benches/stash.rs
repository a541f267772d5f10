//! The stash: staging then reading 64 MiB (checksums and fsync included), and reading one
//! track held in one segment against the same bytes in many small segments.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use imapi_stash::{DiscKind, Overflow, Stash, StashOptions, StashWriter, TrackInfo};
use std::io::Read;
use std::path::Path;

const MIB: usize = 1 << 20;

fn read_all(path: &Path, buf: &mut [u8]) -> u64 {
    let mut stash = Stash::open(path).unwrap();
    let mut r = stash.track_reader(0).unwrap();
    let mut n = 0;
    loop {
        match r.read(buf).unwrap() {
            0 => return n,
            k => n += k as u64,
        }
    }
}

/// Stages `data` as one track written in pieces of `step_blocks` blocks: reservations (a
/// segment each) when `many`, appends (one segment) otherwise: the same writes either way.
fn stage(dir: &Path, data: &[u8], step_blocks: usize, many: bool) -> std::path::PathBuf {
    let mut w = StashWriter::create(dir, &StashOptions::new(DiscKind::Data)).unwrap();
    w.begin_track(TrackInfo::data()).unwrap();
    for piece in data.chunks(step_blocks * 2048) {
        if many {
            let r = w.reserve((piece.len() / 2048) as u32).unwrap();
            w.fill(&r, piece).unwrap();
        } else {
            w.append_blocks(piece, Overflow::AllOrNothing).unwrap();
        }
    }
    w.end_track().unwrap();
    w.finish().unwrap()
}

fn write_then_read(c: &mut Criterion) {
    let data = imapi_benches::pseudo_random_bytes(1, 64 * MIB);
    let dir = tempfile::tempdir().unwrap();
    let mut buf = vec![0u8; 128 << 10];
    let mut g = c.benchmark_group("stash");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.bench_function("write_finish_read_64MiB", |b| {
        b.iter(|| {
            let path = stage(dir.path(), &data, 512, false);
            assert_eq!(read_all(&path, &mut buf), data.len() as u64);
        })
    });
    g.finish();
}

fn segments(c: &mut Criterion) {
    let data = imapi_benches::pseudo_random_bytes(2, 64 * MIB);
    let mut buf = vec![0u8; 128 << 10];
    let mut g = c.benchmark_group("stash_read");
    g.throughput(Throughput::Bytes(data.len() as u64));
    for step in [16usize, 256] {
        for many in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let path = stage(dir.path(), &data, step, many);
            let label = if many {
                format!("segments_of_{step}_blocks")
            } else {
                format!("one_segment_written_by_{step}_blocks")
            };
            g.bench_with_input(BenchmarkId::new("64MiB", label), &path, |b, path| {
                b.iter(|| assert_eq!(read_all(path, &mut buf), data.len() as u64))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, write_then_read, segments);
criterion_main!(benches);
