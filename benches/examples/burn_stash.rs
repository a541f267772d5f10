//! Burns a staged data disc to a simulated recorder, for `benches/scripts/burn_vs_cat.sh`.
//!
//! `burn_stash SRC WORK RUNS [throttle]`: stages the file SRC once (a master with its stash in
//! WORK/stash), then RUNS times: puts a blank 80-minute CD-R at 52× in a new simulated
//! recorder WORK/drive, makes it active and records the sealed stash (no read-back), timing
//! RecordDisc alone. Prints one line per run: `seconds blocks`. With `throttle` the recorder
//! writes at its real speed (52×, 3900 blocks a second), so the ideal time is blocks / 3900.
//! A successful burn empties the stash, so each run stages the file again, outside the timing.
//! The sealed stash is kept as WORK/stash.snapshot (a hard link) for the baseline to copy.

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use imapi_master::{DiscMaster, MasterOptions, RecordOptions, RecorderSources};
use imapi_transport::sim::{self, FaultSettings, Media, SimRecorder};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (src, work, runs) = match args.as_slice() {
        [_, src, work, runs, ..] => (PathBuf::from(src), PathBuf::from(work), runs.parse::<u32>()?),
        _ => return Err("usage: burn_stash SRC WORK RUNS [throttle]".into()),
    };
    let throttle = args.get(4).is_some_and(|a| a == "throttle");
    let drive = work.join("drive");
    let mut opts = MasterOptions::new(work.join("stash"));
    opts.recorders = RecorderSources::simulated_only([drive.clone()]);
    opts.pnp_poll = None;
    let mut m = DiscMaster::new(opts);
    m.open()?;
    m.joliet()?.add_data(&src, false)?;
    let mut staged = m.seal()?;
    let snapshot = work.join("stash.snapshot");
    for _ in 0..runs {
        let _ = std::fs::remove_file(&snapshot);
        std::fs::hard_link(&staged.stash, &snapshot)?;
        let _ = std::fs::remove_dir_all(&drive);
        SimRecorder::create(&drive, Media::CdR80, 52)?;
        sim::set_faults(&drive, &FaultSettings { throttle, ..FaultSettings::default() })?;
        let recs = m.enum_disc_recorders()?;
        m.set_active_disc_recorder(&recs[0])?;
        let t0 = Instant::now();
        m.record_disc_with(&RecordOptions::default())?;
        let secs = t0.elapsed().as_secs_f64();
        println!("{secs:.4} {}", staged.blocks);
        m.joliet()?.add_data(&src, false)?;
        staged = m.seal()?;
    }
    m.close();
    Ok(())
}
