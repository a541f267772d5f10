//! Plan and emit of ISO 9660 + Joliet images on a synthetic 50 000-entry tree, the emit of
//! the same tree written as host files (open, read and close per file), and collision numbering of 50 000 names in one folder at level 1.

// criterion_group! and criterion_main! generate items without doc comments.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use imapi_benches::{bench_files, colliding_tree, synthetic_tree, write_host_tree};
use imapi_joliet::{HostOptions, IsoLevel, PlanOptions, Tree};

fn plan_and_emit(c: &mut Criterion) {
    let files = bench_files(50_000);
    let tree = synthetic_tree(files);
    let opts = PlanOptions::default();
    let mut group = c.benchmark_group("joliet");
    group.sample_size(10);
    group.throughput(Throughput::Elements(files as u64));
    group.bench_function(format!("plan/{files}"), |b| b.iter(|| tree.plan(&opts).expect("plan")));
    let plan = tree.plan(&opts).expect("plan");
    group.throughput(Throughput::Bytes(plan.image_len()));
    group.bench_function(format!("emit/{files}"), |b| {
        b.iter(|| plan.emit(std::io::sink()).expect("emit"))
    });
    let host = tempfile::tempdir().expect("temp dir");
    write_host_tree(host.path(), files).expect("host tree");
    let mut walked = Tree::new();
    walked.add_host(walked.root(), host.path(), &HostOptions::default()).expect("walk");
    let plan = walked.plan(&opts).expect("plan");
    group.throughput(Throughput::Bytes(plan.image_len()));
    group.bench_function(format!("emit_host/{files}"), |b| {
        b.iter(|| plan.emit(std::io::sink()).expect("emit"))
    });
    let collide = colliding_tree(files);
    let level1 = PlanOptions { level: IsoLevel::L1, ..PlanOptions::default() };
    group.throughput(Throughput::Elements(files as u64));
    group.bench_function(format!("collisions_level1/{files}"), |b| {
        b.iter(|| collide.plan(&level1).expect("plan"))
    });
    group.finish();
}

criterion_group!(benches, plan_and_emit);
criterion_main!(benches);
