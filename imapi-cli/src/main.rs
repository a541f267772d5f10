//! `imapi`: the command-line front door of imapi-rs. Glue only: every subcommand is a thin layer
//! over the library crates. The forms are a contract (see CLI.md in the design notes).

mod error;
mod image_file;
mod output;
mod progress;
mod safe_dir;

mod cmd_audio;
mod cmd_extract;
mod cmd_inspect;
mod cmd_ls;
mod cmd_mkiso;
mod cmd_recorders;
mod cmd_sim;
mod cmd_verify;
mod inspect_iso;
mod inspect_stash;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Build, read and burn CD images: ISO 9660 + Joliet data discs and Red Book audio discs.
#[derive(Parser)]
#[command(name = "imapi", version, about, long_about = None)]
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
    /// List an ISO 9660 + Joliet image: `TYPE<TAB>SIZE<TAB>PATH` per entry.
    Ls(cmd_ls::Args),
    /// Write an image's files below a folder, never outside it.
    Extract(cmd_extract::Args),
    /// Check an image against ECMA-119 and Joliet; exit 1 on violations.
    Verify(cmd_verify::Args),
    /// List the recorders found: path, vendor, product, revision, type.
    Recorders(cmd_recorders::Args),
    /// Create or export a simulated CD recorder.
    Sim(cmd_sim::Args),
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
        Command::Sim(args) => cmd_sim::run(args),
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
