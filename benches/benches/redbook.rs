//! WAV tracks into a BIN (`AudioImage::write_bin` to a file), next to a plain copy of the same
//! WAV files: the floor the conversion is measured against; and the checksums of the Red Book
//! structures (the CRC-16 of Q frames and CD-Text packs, the EDC of raw Mode 1 sectors).

// criterion_group! and criterion_main! generate items without doc comments.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use imapi_benches::pseudo_random_bytes;
use imapi_redbook::sector::{edc, mode1_sector, parse_mode1, MODE1_DATA_LEN};
use imapi_redbook::subchannel::QData;
use imapi_redbook::{AudioImage, Capacity, Lba, Msf, Pack, QFrame, TrackInput};
use std::hint::black_box;
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

/// The checksums alone and the structures that carry them, one unit per iteration.
fn checksums(c: &mut Criterion) {
    let mut group = c.benchmark_group("redbook");
    let q = QFrame {
        control: 0,
        data: QData::Position {
            track: 1,
            index: 1,
            relative: Msf::new(0, 2, 0).expect("msf"),
            absolute: Msf::new(0, 4, 0).expect("msf"),
        },
    };
    let encoded = q.encode();
    group.throughput(Throughput::Elements(1));
    group.bench_function("subchannel/q_encode", |b| b.iter(|| black_box(&q).encode()));
    group.bench_function("subchannel/q_decode", |b| {
        b.iter(|| QFrame::decode(black_box(&encoded)).expect("decode"))
    });
    let header = [0x80, 0, 0, 0];
    let payload = *b"Twelve bytes";
    group.bench_function("cdtext/pack_new", |b| {
        b.iter(|| Pack::new(black_box(header), black_box(payload)))
    });
    let pack = Pack::new(header, payload);
    group.bench_function("cdtext/pack_crc_ok", |b| b.iter(|| black_box(&pack).crc_ok()));

    let data: [u8; MODE1_DATA_LEN] =
        pseudo_random_bytes(7, MODE1_DATA_LEN).try_into().expect("2048 bytes");
    let raw = mode1_sector(Lba(16), &data).expect("sector");
    group.throughput(Throughput::Bytes(2064));
    group.bench_function("sector/edc_2064", |b| b.iter(|| edc(black_box(&raw[..2064]))));
    group.throughput(Throughput::Bytes(raw.len() as u64));
    group.bench_function("sector/mode1_sector", |b| {
        b.iter(|| mode1_sector(Lba(16), black_box(&data)).expect("sector"))
    });
    group.bench_function("sector/parse_mode1", |b| {
        b.iter(|| parse_mode1(black_box(&raw)).expect("parse").address)
    });
    group.finish();
}

criterion_group!(benches, wav_to_bin, checksums);
criterion_main!(benches);
