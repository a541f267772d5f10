//! `imapi`: the command-line front door of imapi-rs. Glue only: every subcommand is a thin layer
//! over the library crates. The forms are a contract (see CLI.md in the design notes).

mod burn_progress;
mod error;
mod image_file;
mod output;
mod posix_mode;
mod progress;
mod recorder_arg;
mod safe_dir;
mod tree_arg;
mod values;

mod cmd_audio;
mod cmd_burn;
mod cmd_erase;
mod cmd_extract;
mod cmd_inspect;
mod cmd_ls;
mod cmd_media;
mod cmd_mkiso;
mod cmd_recorders;
mod cmd_sim;
mod cmd_sim_attach;
mod cmd_verify;
mod inspect_iso;
mod inspect_stash;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// How a recorder is named, shown at the end of `imapi --help`.
const RECORDERS_HELP: &str = "\
A recorder is a device path (/dev/sr0, /dev/sg1) or sim:PATH, a simulated CD recorder whose disc \
lives in the folder PATH. Commands taking -r REC default to IMAPI_RECORDER, else to the default \
simulated recorder in $XDG_DATA_HOME/imapi/sim-recorder (~/.local/share/imapi/sim-recorder), made \
with a blank 80-minute CD-RW on first use. ls, extract, verify and inspect take a recorder in \
place of an image: the disc in it is read from its last session.";

/// Build, read and burn CD images: ISO 9660 + Joliet data discs and Red Book audio discs.
#[derive(Parser)]
#[command(name = "imapi", version, about, long_about = None, after_help = RECORDERS_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build an ISO 9660 + Joliet image from host files and folders.
    Mkiso(cmd_mkiso::Args),
    /// Build a BIN audio image (and its CUE, TOC, CD-Text) from WAV tracks.
    Audio(cmd_audio::Args),
    /// Summarise an .iso, .cue or .toc file or a stash.
    Inspect(cmd_inspect::Args),
    /// List an ISO 9660 + Joliet image (or the disc in a recorder): `TYPE<TAB>SIZE<TAB>PATH` per
    /// entry, through Rock Ridge when the image has it.
    Ls(cmd_ls::Args),
    /// Write an image's files below a folder, never outside it; from Rock Ridge with their
    /// modes, times, symbolic links and FIFOs.
    Extract(cmd_extract::Args),
    /// Check an image against ECMA-119, Joliet and SUSP/RRIP (Rock Ridge); exit 1 on violations.
    Verify(cmd_verify::Args),
    /// List the recorders found: path, vendor, product, revision, type.
    Recorders(cmd_recorders::Args),
    /// Record folders (a data session) or WAV files (an audio disc) on a recorder.
    Burn(cmd_burn::Args),
    /// Create or export a simulated CD recorder.
    Sim(cmd_sim::Args),
    /// The disc in a recorder: QueryMediaType and QueryMediaInfo.
    Media(cmd_media::Args),
    /// Blank the CD-RW in a recorder (quickly, or every block with --full).
    Erase(cmd_erase::Args),
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Mkiso(args) => cmd_mkiso::run(args),
        Command::Audio(args) => cmd_audio::run(args),
        Command::Inspect(args) => cmd_inspect::run(args),
        Command::Ls(args) => cmd_ls::run(args),
        Command::Extract(args) => cmd_extract::run(args),
        Command::Verify(args) => cmd_verify::run(args),
        Command::Recorders(args) => cmd_recorders::run(args),
        Command::Burn(args) => cmd_burn::run(args),
        Command::Sim(args) => cmd_sim::run(args),
        Command::Media(args) => cmd_media::run(args),
        Command::Erase(args) => cmd_erase::run(args),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => error::report(&e),
    }
}
