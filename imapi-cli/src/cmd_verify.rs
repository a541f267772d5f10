//! `imapi verify IMAGE [--strict]`: checks ECMA-119 and Joliet rules; prints every finding and
//! exits 1 on violations.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use imapi_codes::ImapiCode;
use imapi_joliet::verify::{verify, Severity};

use crate::error::coded;
use crate::image_file;

/// Arguments of `imapi verify`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The image file, or a recorder (`sim:PATH`, `/dev/sr0`): then the disc in it is read
    /// from its last session.
    #[arg(value_name = "IMAGE")]
    image: PathBuf,
    /// Fail on every violation of the standard, not only on those that keep the image from
    /// being read; relaxations (a lower-case volume name, a deep tree) never fail.
    #[arg(long)]
    strict: bool,
}

/// Runs `imapi verify`.
pub fn run(args: Args) -> anyhow::Result<()> {
    // Read leniently: the verifier reports what a strict reader would refuse.
    let image = image_file::open(&args.image, true)?;
    let report = verify(&image, args.strict);
    let mut out = BufWriter::new(io::stdout().lock());
    for finding in &report.findings {
        writeln!(out, "{finding}")?;
    }
    let count = |s| report.count(s);
    let violations = count(Severity::Violation);
    writeln!(
        out,
        "{}: {violations} violation(s), {} relaxation(s), {} warning(s); ISO 9660 level {}{}",
        args.image.display(),
        count(Severity::Relaxation),
        count(Severity::Warning),
        report.iso_level,
        if args.strict { ", strict" } else { "" },
    )?;
    out.flush()?;
    if report.passed() {
        Ok(())
    } else {
        let what =
            format!("{}: {violations} violation(s) of ECMA-119/Joliet", args.image.display());
        Err(coded(ImapiCode::InvalidImage, what))
    }
}
