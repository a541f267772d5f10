//! `imapi ls IMAGE [--tree TREE | --iso9660] [-l] [--json] [PATH]`: one line per entry,
//! `TYPE<TAB>SIZE<TAB>PATH`, a long listing (`-l`: mode, links, owner, group, size, time,
//! path, link target), or a JSON array of `{"type","size","path","lba"}` with the Rock Ridge
//! fields `"mode","uid","gid","nlink","target"` when known.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use imapi_joliet::Entry;
use serde::Serialize;

use crate::image_file::{self, read_error};
use crate::posix_mode::{mode_of, mode_string, type_letter};
use crate::tree_arg::TreeArgs;

/// Arguments of `imapi ls`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The image file, or a recorder (`sim:PATH`, `/dev/sr0`): then the disc in it is read
    /// from its last session.
    #[arg(value_name = "IMAGE")]
    image: PathBuf,
    #[command(flatten)]
    tree: TreeArgs,
    /// Long listing: mode, link count, owner, group, size (a symbolic link's: its target's
    /// length, as `ls -l`), modification time (UTC), path, and `-> target` for a link.
    #[arg(short, long, conflicts_with = "json")]
    long: bool,
    /// Print one JSON array of {"type","size","path","lba"}, with "mode", "uid", "gid",
    /// "nlink" and "target" when the tree records them (Rock Ridge).
    #[arg(long)]
    json: bool,
    /// List this file, or everything below this directory, instead of the whole tree.
    #[arg(value_name = "PATH")]
    path: Option<String>,
}

/// One entry of `--json`, its fields in the documented order.
#[derive(Serialize)]
struct Row {
    #[serde(rename = "type")]
    kind: &'static str,
    size: u64,
    path: String,
    lba: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nlink: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<String>,
}

/// Writes rows as text lines as they come, or gathers them for one JSON array.
struct Lister<W: Write> {
    out: W,
    json: Option<Vec<Row>>,
    long: bool,
}

impl<W: Write> Lister<W> {
    fn row(&mut self, path: &str, entry: &Entry<'_>) -> anyhow::Result<()> {
        let kind = type_letter(entry);
        let rr = entry.rock_ridge();
        match &mut self.json {
            Some(rows) => rows.push(Row {
                kind,
                size: entry.size(),
                path: path.to_owned(),
                lba: entry.block(),
                mode: rr.and_then(|r| r.mode),
                uid: rr.and_then(|r| r.uid),
                gid: rr.and_then(|r| r.gid),
                nlink: rr.and_then(|r| r.nlink),
                target: rr.and_then(|r| r.symlink.clone()),
            }),
            None if self.long => {
                let mode = mode_string(entry.file_type(), mode_of(entry));
                let field = |v: Option<u32>, default: u32| v.unwrap_or(default);
                let nlink = field(rr.and_then(|r| r.nlink), 1);
                let uid = field(rr.and_then(|r| r.uid), 0);
                let gid = field(rr.and_then(|r| r.gid), 0);
                let time = entry
                    .mtime()
                    .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                    .map_or_else(|| "-".repeat(16), |t| t.format("%Y-%m-%d %H:%M").to_string());
                // As `ls -l`: a link's size is its target's length (its recorded data
                // length, which the other forms show, is 0).
                let target = rr.and_then(|r| r.symlink.as_deref());
                let size = target.map_or(entry.size(), |t| t.len() as u64);
                write!(
                    self.out,
                    "{mode} {nlink:>3} {uid:>5} {gid:>5} {size:>12} {time} {}",
                    printable(path)
                )?;
                if let Some(target) = target {
                    write!(self.out, " -> {}", printable(target))?;
                }
                writeln!(self.out)?;
            }
            None => writeln!(self.out, "{kind}\t{}\t{}", entry.size(), printable(path))?,
        }
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<()> {
        if let Some(rows) = &self.json {
            serde_json::to_writer(&mut self.out, rows)?;
            self.out.write_all(b"\n")?;
        }
        self.out.flush()?;
        Ok(())
    }
}

/// `path` with control characters escaped, so that a name cannot break the line format.
fn printable(path: &str) -> std::borrow::Cow<'_, str> {
    if path.chars().any(char::is_control) {
        path.chars()
            .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
            .collect::<String>()
            .into()
    } else {
        path.into()
    }
}

/// Runs `imapi ls`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let image = image_file::open(&args.image, false)?;
    let fail = |e| read_error(&args.image, e);
    let view = args.tree.view(&image);
    let out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut lister = Lister { out, json: args.json.then(Vec::new), long: args.long };
    let path = args.path.as_deref().map(|p| p.trim_matches('/')).unwrap_or("");
    let walk = if path.is_empty() {
        image.walk_view(view).map_err(fail)?
    } else {
        let entry = image.lookup_view(view, path).map_err(fail)?;
        if !entry.is_dir() {
            let shown = match path.rsplit_once('/') {
                Some((parent, _)) => format!("{parent}/{}", entry.name()),
                None => entry.name().to_owned(),
            };
            lister.row(&shown, &entry)?;
            return lister.finish();
        }
        image.walk_dir(&entry, path).map_err(fail)?
    };
    for e in walk {
        let e = e.map_err(fail)?;
        lister.row(&e.path, &e.entry)?;
    }
    lister.finish()
}

#[cfg(test)]
mod tests {
    use super::{printable, Row};

    #[test]
    fn json_rows_keep_their_field_names_and_order() {
        let row = Row {
            kind: "f",
            size: 7,
            path: "a/b \"c\"".into(),
            lba: 23,
            mode: None,
            uid: None,
            gid: None,
            nlink: None,
            target: None,
        };
        let text = serde_json::to_string(&[row]).unwrap();
        assert_eq!(text, r#"[{"type":"f","size":7,"path":"a/b \"c\"","lba":23}]"#);
        let row = Row {
            kind: "l",
            size: 0,
            path: "l".into(),
            lba: 0,
            mode: Some(0o120777),
            uid: Some(1),
            gid: Some(2),
            nlink: Some(1),
            target: Some("t".into()),
        };
        let text = serde_json::to_string(&row).unwrap();
        let want = r#"{"type":"l","size":0,"path":"l","lba":0,"mode":41471,"uid":1,"gid":2,"nlink":1,"target":"t"}"#;
        assert_eq!(text, want);
        assert_eq!(serde_json::to_string(&Vec::<Row>::new()).unwrap(), "[]");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("a/b c"), "a/b c");
        assert_eq!(printable("a\tb\nc"), "a\\tb\\nc");
    }
}
