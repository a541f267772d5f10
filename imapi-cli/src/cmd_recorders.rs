//! `imapi recorders [--json]`: every recorder found, with path, vendor, product, revision and
//! type.

use imapi_transport::sim::SimRecorder;
use imapi_transport::{ops, recorders};

/// Arguments of `imapi recorders`.
#[derive(clap::Args, Debug)]
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
    kind: String,
}

/// The peripheral type as a word.
fn type_name(t: u8) -> String {
    match t {
        5 => "cd/dvd".to_string(),
        other => format!("type {other}"),
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut rows: Vec<Row> = recorders()?
        .into_iter()
        .map(|r| Row {
            path: r.path.display().to_string(),
            vendor: r.vendor,
            product: r.product,
            revision: r.revision,
            kind: type_name(r.device_type),
        })
        .collect();
    // The simulated recorder named by IMAPI_RECORDER, asked through INQUIRY like a drive.
    if let Some(dir) =
        std::env::var("IMAPI_RECORDER").ok().and_then(|v| v.strip_prefix("sim:").map(String::from))
    {
        match SimRecorder::open(std::path::Path::new(&dir)) {
            Ok(mut sim) => {
                let q = ops::inquiry(&mut sim)?;
                rows.push(Row {
                    path: format!("sim:{dir}"),
                    vendor: q.vendor_str(),
                    product: q.product_str(),
                    revision: q.revision_str(),
                    kind: "simulated cd-r/rw".to_string(),
                });
            }
            Err(e) => eprintln!("warning: sim:{dir}: {e}"),
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        for r in &rows {
            println!("{}\t{}\t{}\t{}\t{}", r.path, r.vendor, r.product, r.revision, r.kind);
        }
    }
    Ok(())
}
