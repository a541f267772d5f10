//! Moves bytes through a stash, for `benches/scripts/stash_vs_cat.sh`.
//!
//! `stash_roundtrip roundtrip SRC DIR [range|reader]`: stages the file SRC as one data track
//! of a stash in DIR (by default with the kernel's copy, `append_file_range`; `reader`
//! streams it through `append_reader`), finishes it (checksums, fsync, rename), opens it,
//! and reads the track back through a `TrackReader` with every segment checksum checked.
//! Prints the seconds each half took. The stash is removed at the end.
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
    let mut buf = vec![0u8; 1 << 20];
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
    let path = w.finish()?;
    let t1 = Instant::now();
    let n = read_track(&path)?;
    let t2 = Instant::now();
    if n != len.div_ceil(2048) * 2048 {
        return Err(format!("read {n} bytes back, wrote {len}").into());
    }
    w.clear()?;
    println!("write {:.3} read {:.3}", (t1 - t0).as_secs_f64(), (t2 - t1).as_secs_f64());
    Ok(())
}

fn build(dir: &Path, mib: usize, segment_blocks: u32) -> Res<()> {
    let mut w = StashWriter::create(dir, &StashOptions::new(DiscKind::Data))?;
    w.begin_track(TrackInfo::data())?;
    let data = imapi_benches::pseudo_random_bytes(7, mib << 20);
    if segment_blocks == 0 {
        w.append_blocks(&data, Overflow::AllOrNothing)?;
    } else {
        // Reservations are segments of their own; fill them as the master fills metadata.
        let step = segment_blocks as usize * 2048;
        for piece in data.chunks(step) {
            let r = w.reserve((piece.len() / 2048) as u32)?;
            w.fill(&r, piece)?;
        }
    }
    w.end_track()?;
    w.finish()?;
    Ok(())
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
    build(&one, mib, 0)?;
    build(&many, mib, segment_blocks)?;
    let segs = Stash::open_in(&many)?.tracks()[0].segments.len();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    // One warm-up read each, then alternate.
    read_track(&one.join(imapi_stash::STASH_FILE_NAME))?;
    read_track(&many.join(imapi_stash::STASH_FILE_NAME))?;
    for _ in 0..runs {
        let t = Instant::now();
        read_track(&one.join(imapi_stash::STASH_FILE_NAME))?;
        a.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        read_track(&many.join(imapi_stash::STASH_FILE_NAME))?;
        b.push(t.elapsed().as_secs_f64());
    }
    let (ma, mb) = (median(&mut a), median(&mut b));
    println!(
        "read {mib} MiB: 1 segment median {ma:.4} s, {segs} segments of {segment_blocks} blocks median {mb:.4} s, ratio {:.4}",
        mb / ma
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
