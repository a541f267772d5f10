//! Moves bytes through a stash, for `benches/scripts/stash_vs_cat.sh`.
//!
//! `stash_roundtrip roundtrip SRC DIR [range|reader]`: stages the file SRC as one data track
//! of a stash in DIR (by default with the kernel's copy, `append_file_range`; `reader`
//! streams it through `append_reader`), finishes it (checksums, fsync, rename), opens it,
//! and reads the track back through a `TrackReader` with every segment checksum checked.
//! Prints the seconds each half took. The stash stays in DIR (the caller removes it, as it
//! removes `cat`'s output, outside the timing).
//!
//! `stash_roundtrip segments DIR MIB SEGMENT_BLOCKS RUNS`: builds two stashes of MIB MiB,
//! one track each: one segment, and segments of SEGMENT_BLOCKS blocks; reads each RUNS
//! times, alternating, and prints the median times and their ratio.

use imapi_stash::{DiscKind, Overflow, Stash, StashOptions, StashWriter, TrackInfo};
use std::error::Error;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::time::Instant;

type Res<T> = Result<T, Box<dyn Error>>;

fn read_track(path: &Path) -> Res<u64> {
    let mut stash = Stash::open(path)?;
    let mut r = stash.track_reader(0)?;
    if std::env::var_os("STASH_NO_VERIFY").is_some() {
        r.set_verify(false);
    }
    let mut buf = vec![0u8; 128 << 10];
    let mut n = 0u64;
    loop {
        let k = r.read(&mut buf)?;
        if k == 0 {
            return Ok(n);
        }
        n += k as u64;
    }
}

fn roundtrip(src: &Path, dir: &Path, how: &str) -> Res<()> {
    let t0 = Instant::now();
    let mut w = StashWriter::create(dir, &StashOptions::new(DiscKind::Data))?;
    w.begin_track(TrackInfo::data())?;
    let f = File::open(src)?;
    let len = f.metadata()?.len();
    match how {
        "range" => w.append_file_range(&f, 0, len, Overflow::AllOrNothing)?,
        "reader" => w.append_reader(&f, Overflow::AllOrNothing)?,
        other => return Err(format!("unknown way {other:?}: range or reader").into()),
    };
    w.end_track()?;
    let ta = Instant::now();
    let path = w.finish()?;
    let t1 = Instant::now();
    let n = read_track(&path)?;
    let t2 = Instant::now();
    if n != len.div_ceil(2048) * 2048 {
        return Err(format!("read {n} bytes back, wrote {len}").into());
    }
    println!(
        "write {:.3} (finish {:.3}) read {:.3}",
        (t1 - t0).as_secs_f64(),
        (t1 - ta).as_secs_f64(),
        (t2 - t1).as_secs_f64()
    );
    Ok(())
}

/// A stash of `mib` MiB in one track, written in pieces of `segment_blocks` blocks: as
/// reservations (one segment each) when `many`, else as appends (merged into one segment).
/// Both ways make the same writes, so the page cache holds both files alike.
fn build(dir: &Path, mib: usize, segment_blocks: u32, many: bool) -> Res<()> {
    let mut w = StashWriter::create(dir, &StashOptions::new(DiscKind::Data))?;
    w.begin_track(TrackInfo::data())?;
    let data = imapi_benches::pseudo_random_bytes(7, mib << 20);
    for piece in data.chunks(segment_blocks as usize * 2048) {
        if many {
            let r = w.reserve((piece.len() / 2048) as u32)?;
            w.fill(&r, piece)?;
        } else {
            w.append_blocks(piece, Overflow::AllOrNothing)?;
        }
    }
    w.end_track()?;
    w.finish()?;
    Ok(())
}

/// Nanoseconds this thread has spent on a CPU (`/proc/thread-self/schedstat`), a measure
/// that other processes' load disturbs far less than wall time; 0 where unavailable.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn segments(dir: &Path, mib: usize, segment_blocks: u32, runs: usize) -> Res<()> {
    let one = dir.join("one");
    let many = dir.join("many");
    std::fs::create_dir_all(&one)?;
    std::fs::create_dir_all(&many)?;
    build(&one, mib, segment_blocks, false)?;
    build(&many, mib, segment_blocks, true)?;
    let segs = Stash::open_in(&many)?.tracks()[0].segments.len();
    assert_eq!(Stash::open_in(&one)?.tracks()[0].segments.len(), 1);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let (mut ca, mut cb) = (Vec::new(), Vec::new());
    let one_path = one.join(imapi_stash::STASH_FILE_NAME);
    let many_path = many.join(imapi_stash::STASH_FILE_NAME);
    // One warm-up read each, then alternate.
    read_track(&one_path)?;
    read_track(&many_path)?;
    // Alternate, swapping the order every run so that neither always follows the other.
    for run in 0..runs {
        for pick in [run % 2, 1 - run % 2] {
            let (path, wall, cpu) = if pick == 0 {
                (&one_path, &mut a, &mut ca)
            } else {
                (&many_path, &mut b, &mut cb)
            };
            let (t, c) = (Instant::now(), cpu_ns());
            read_track(path)?;
            wall.push(t.elapsed().as_secs_f64());
            cpu.push((cpu_ns() - c) as f64 / 1e9);
        }
    }
    let (ma, mb) = (median(&mut a), median(&mut b));
    let (mca, mcb) = (median(&mut ca), median(&mut cb));
    println!(
        "read {mib} MiB, 1 segment vs {segs} segments of {segment_blocks} blocks: wall median {ma:.4} s vs {mb:.4} s (ratio {:.4}); CPU median {mca:.4} s vs {mcb:.4} s (ratio {:.4})",
        mb / ma,
        mcb / mca
    );
    if std::env::var_os("STASH_KEEP").is_none() {
        std::fs::remove_dir_all(&one)?;
        std::fs::remove_dir_all(&many)?;
    }
    Ok(())
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).ok_or("missing argument");
    match arg(0)? {
        "roundtrip" => roundtrip(
            Path::new(arg(1)?),
            Path::new(arg(2)?),
            args.get(3).map_or("range", String::as_str),
        ),
        "segments" => segments(
            Path::new(arg(1)?),
            arg(2)?.parse()?,
            arg(3)?.parse()?,
            arg(4)?.parse()?,
        ),
        _ => Err("usage: stash_roundtrip roundtrip SRC DIR [range|reader] | segments DIR MIB SEGMENT_BLOCKS RUNS".into()),
    }
}
