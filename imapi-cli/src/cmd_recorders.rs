//! `imapi recorders [--json]`: every recorder found, with path, vendor, product, revision and
//! type, listed through the master.

use imapi_master::{
    DiscMaster, DiscRecorder, MasterOptions, RecorderPath, RecorderSources, RecorderType,
};

use crate::recorder_arg;

/// Arguments of `imapi recorders`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Lists the system's CD drives, the simulated recorder IMAPI_RECORDER names (if any) and the \
default simulated recorder, $XDG_DATA_HOME/imapi/sim-recorder (~/.local/share/imapi/sim-recorder), \
when it exists. TYPE is what the drive writes, from GET CONFIGURATION: cd-rw, cd-r, or cd-rom for \
a drive that writes nothing. A drive that cannot be opened (held by another process, not \
permitted) is left out.")]
pub struct Args {
    /// One JSON document: an array of {"path","vendor","product","revision","type"}.
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct Row {
    path: String,
    vendor: String,
    product: String,
    revision: String,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// What a drive writes, as a word.
fn type_name(t: Option<RecorderType>) -> &'static str {
    match t {
        Some(RecorderType::Cdrw) => "cd-rw",
        Some(RecorderType::Cdr) => "cd-r",
        None => "cd-rom",
    }
}

/// The simulated recorders to look at: IMAPI_RECORDER's, then the default one.
fn simulated() -> Vec<std::path::PathBuf> {
    let mut dirs = Vec::new();
    if let Some(RecorderPath::Simulated(dir)) = recorder_arg::from_env() {
        dirs.push(dir);
    }
    if let Some(dir) = recorder_arg::default_sim_dir() {
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    dirs
}

fn row(r: &DiscRecorder) -> Row {
    let (vendor, product, revision) = r.display_names();
    Row {
        path: r.path(),
        vendor: vendor.to_string(),
        product: product.to_string(),
        revision: revision.to_string(),
        // A drive that could not be asked (held by another process, not permitted).
        kind: if r.identity().answered { type_name(r.identity().recorder_type) } else { "unknown" },
    }
}

/// Runs `imapi recorders`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let mut opts = MasterOptions::new(MasterOptions::default_stash_dir());
    opts.recorders =
        RecorderSources { system: Some(("/sys".into(), "/dev".into())), simulated: simulated() };
    opts.pnp_poll = None;
    // Listing needs no open master: the stash is not touched.
    let master = DiscMaster::new(opts);
    let rows: Vec<Row> = master.all_recorders().iter().map(row).collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        for r in &rows {
            println!("{}\t{}\t{}\t{}\t{}", r.path, r.vendor, r.product, r.revision, r.kind);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_words() {
        assert_eq!(type_name(Some(RecorderType::Cdrw)), "cd-rw");
        assert_eq!(type_name(Some(RecorderType::Cdr)), "cd-r");
        assert_eq!(type_name(None), "cd-rom");
    }
}
