//! `imapi media [-r REC] [--json]`: IMAPI's QueryMediaType and QueryMediaInfo of the disc in a
//! recorder, asked through the master's [`DiscRecorder`].

use std::io::{self, Write};

use imapi_master::{DiscRecorder, Media, MediaFlags, MediaType};
use imapi_mmc::Profile;
use serde::Serialize;

use crate::recorder_arg::{self, imapi_error};

/// Arguments of `imapi media`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Without a disc in the recorder, `media` prints `media: none` (type none) and exits 0: it is a \
query, not a failure. A recorder held by another process is exit 1, IMAPI_E_DEVICE_NOTACCESSIBLE.")]
pub struct Args {
    #[command(flatten)]
    recorder: recorder_arg::RecorderFlag,
    /// One JSON object on stdout.
    #[arg(long)]
    json: bool,
}

/// What `media` reports.
#[derive(Serialize, Debug)]
struct Report {
    recorder: String,
    vendor: String,
    product: String,
    revision: String,
    /// The disc: `cd-r`, `cd-rw`, `cd-rom`, `other` or `none`.
    #[serde(rename = "type")]
    kind: &'static str,
    /// `none` or the MEDIA_* name.
    media: &'static str,
    flags: Vec<&'static str>,
    sessions: Option<u8>,
    last_track: Option<u8>,
    start_address: Option<u32>,
    next_writable: Option<u32>,
    free_blocks: Option<u32>,
    capacity: Option<u64>,
}

/// The disc's kind from the drive's current profile (from the flags when the drive has no
/// GET CONFIGURATION).
fn disc_kind(m: &Media) -> &'static str {
    if !m.present {
        return "none";
    }
    match m.profile {
        Some(Profile::CdR) => "cd-r",
        Some(Profile::CdRw) => "cd-rw",
        Some(Profile::CdRom) => "cd-rom",
        Some(_) => "other",
        None if m.flags.has(MediaFlags::RW) => "cd-rw",
        None if m.is_writable() => "cd-r",
        None => "cd-rom",
    }
}

/// IMAPI's name of a MEDIA_TYPES value.
fn media_name(t: Option<MediaType>) -> &'static str {
    match t {
        None => "none",
        Some(MediaType::CddaCdrom) => "MEDIA_CDDA_CDROM",
        Some(MediaType::CdRomXa) => "MEDIA_CD_ROM_XA",
        Some(MediaType::CdI) => "MEDIA_CD_I",
        Some(MediaType::CdExtra) => "MEDIA_CD_EXTRA",
        Some(MediaType::CdOther) => "MEDIA_CD_OTHER",
        Some(MediaType::Special) => "MEDIA_SPECIAL",
    }
}

/// The set flags by name.
fn flag_names(f: MediaFlags) -> Vec<&'static str> {
    [
        (MediaFlags::BLANK, "blank"),
        (MediaFlags::RW, "rw"),
        (MediaFlags::WRITABLE, "writable"),
        (MediaFlags::UNUSABLE_BY_IMAPI, "unusable"),
    ]
    .into_iter()
    .filter(|(bit, _)| f.has(*bit))
    .map(|(_, name)| name)
    .collect()
}

fn report(rec: &DiscRecorder, m: &Media) -> Report {
    let (vendor, product, revision) = rec.display_names();
    let info = m.present.then_some(m.info);
    Report {
        recorder: rec.path(),
        vendor: vendor.to_string(),
        product: product.to_string(),
        revision: revision.to_string(),
        kind: disc_kind(m),
        media: if m.present { media_name(m.media_type) } else { "none" },
        flags: flag_names(m.flags),
        sessions: info.map(|i| i.sessions),
        last_track: info.map(|i| i.last_track),
        start_address: info.map(|i| i.start_address),
        next_writable: info.map(|i| i.next_writable),
        free_blocks: info.map(|i| i.free_blocks),
        capacity: info.map(|i| u64::from(i.next_writable) + u64::from(i.free_blocks)),
    }
}

fn text(r: &Report) -> String {
    let mut lines = vec![
        format!("recorder: {}", r.recorder),
        format!("vendor: {}", r.vendor),
        format!("product: {}", r.product),
        format!("revision: {}", r.revision),
        format!("type: {}", r.kind),
        format!("media: {}", r.media),
    ];
    if r.media != "none" {
        let flags = if r.flags.is_empty() { "none".to_string() } else { r.flags.join(" ") };
        lines.push(format!("flags: {flags}"));
        let fields = [
            ("sessions", r.sessions.map(u64::from)),
            ("last track", r.last_track.map(u64::from)),
            ("start address", r.start_address.map(u64::from)),
            ("next writable", r.next_writable.map(u64::from)),
            ("free blocks", r.free_blocks.map(u64::from)),
            ("capacity", r.capacity),
        ];
        for (key, v) in fields {
            lines.push(format!("{key}: {}", v.unwrap_or(0)));
        }
    }
    lines.join("\n") + "\n"
}

/// Runs `imapi media`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let path = args.recorder.resolve()?;
    let mut rec = DiscRecorder::open_path(path).map_err(imapi_error)?;
    rec.open_exclusive().map_err(imapi_error)?;
    let media = rec.query_media();
    let _ = rec.close();
    let media = media.map_err(imapi_error)?;
    let r = report(&rec, &media);
    let mut out = io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &r)?;
        out.write_all(b"\n")?;
    } else {
        out.write_all(text(&r).as_bytes())?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_by_name() {
        assert_eq!(flag_names(MediaFlags(0)), Vec::<&str>::new());
        assert_eq!(flag_names(MediaFlags(0x7)), ["blank", "rw", "writable"]);
        assert_eq!(flag_names(MediaFlags(0x8)), ["unusable"]);
    }

    #[test]
    fn kinds_from_the_profile() {
        let mut m = Media { present: true, profile: Some(Profile::CdRom), ..Media::default() };
        assert_eq!(disc_kind(&m), "cd-rom");
        m.profile = Some(Profile::CdR);
        assert_eq!(disc_kind(&m), "cd-r");
        m.profile = None;
        m.flags = MediaFlags(MediaFlags::RW);
        assert_eq!(disc_kind(&m), "cd-rw");
        assert_eq!(disc_kind(&Media::default()), "none");
    }
}
