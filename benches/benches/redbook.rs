//! WAV tracks into a BIN (`AudioImage::write_bin` to a file), next to a plain copy of the same
//! WAV files: the floor the conversion is measured against.

// criterion_group! and criterion_main! generate items without doc comments.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use imapi_benches::pseudo_random_bytes;
use imapi_redbook::{AudioImage, Capacity, TrackInput};
use std::io::Write;
use std::ops::ControlFlow;

/// Tracks of 30 s each: 12 tracks = 6 minutes of audio, about 64 MB.
const TRACKS: usize = 12;
const SECONDS: usize = 30;

fn wav_to_bin(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut inputs = Vec::new();
    let mut paths = Vec::new();
    for i in 0..TRACKS {
        let pcm = pseudo_random_bytes(i as u64 + 1, SECONDS * 75 * 2352 + 2 * i);
        let path = dir.path().join(format!("t{i:02}.wav"));
        let mut f = std::fs::File::create(&path).expect("create");
        f.write_all(&imapi_redbook::wav::wav_header(pcm.len() as u32)).expect("write");
        f.write_all(&pcm).expect("write");
        inputs.push(TrackInput::wav(&path));
        paths.push(path);
    }
    let image = AudioImage::plan(inputs, 150, Capacity::Minutes80).expect("plan");
    let out = dir.path().join("out.bin");
    let mut group = c.benchmark_group("redbook");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(image.bin_len()));
    group.bench_function(format!("wav_to_bin/{TRACKS}x{SECONDS}s"), |b| {
        b.iter(|| image.write_bin_file(&out, |_, _| ControlFlow::Continue(())).expect("write"))
    });
    group.bench_function(format!("copy_wavs/{TRACKS}x{SECONDS}s"), |b| {
        b.iter(|| {
            let mut dst = std::fs::File::create(&out).expect("create");
            for p in &paths {
                let mut src = std::fs::File::open(p).expect("open");
                std::io::copy(&mut src, &mut dst).expect("copy");
            }
            dst.sync_all().expect("sync");
        })
    });
    group.finish();
}

criterion_group!(benches, wav_to_bin);
criterion_main!(benches);
