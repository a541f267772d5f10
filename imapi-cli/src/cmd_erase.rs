//! `imapi erase [-r REC] [--full]`: blanks the CD-RW in a recorder through the master's
//! [`DiscRecorder::erase`].

use imapi_master::DiscRecorder;

use crate::progress;
use crate::recorder_arg::{self, imapi_error};

/// Arguments of `imapi erase`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
A CD-R, or any disc that is not rewritable, is exit 1 with IMAPI_E_MEDIUM_INVALIDTYPE; no disc \
is IMAPI_E_MEDIUM_NOTPRESENT; a recorder held by another process is \
IMAPI_E_DEVICE_NOTACCESSIBLE.")]
pub struct Args {
    #[command(flatten)]
    recorder: recorder_arg::RecorderFlag,
    /// Blank every block, not only the TOC, the PMA and the first pregap (slow: up to an hour
    /// and more on a real drive).
    #[arg(long)]
    full: bool,
    /// No progress spinner.
    #[arg(short, long)]
    quiet: bool,
}

/// Runs `imapi erase`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let path = args.recorder.resolve()?;
    let mut rec = DiscRecorder::open_path(path).map_err(imapi_error)?;
    rec.open_exclusive().map_err(imapi_error)?;
    let what = if args.full { "erasing (full)" } else { "erasing" };
    let bar = progress::spinner(args.quiet, what);
    let result = rec.erase(args.full);
    bar.finish_and_clear();
    let _ = rec.close();
    result.map_err(imapi_error)
}
