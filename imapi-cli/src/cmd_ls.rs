//! `imapi ls IMAGE [--iso9660] [--json] [PATH]`: one line per entry, `TYPE<TAB>SIZE<TAB>PATH`,
//! or a JSON array of `{"type","size","path","lba"}`.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use imapi_joliet::{Entry, TreeKind};
use serde::Serialize;

use crate::image_file::{self, read_error};

/// Arguments of `imapi ls`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The image file, or a recorder (`sim:PATH`, `/dev/sr0`): then the disc in it is read
    /// from its last session.
    #[arg(value_name = "IMAGE")]
    image: PathBuf,
    /// List the ISO 9660 tree, names with their version (`NAME.EXT;1`), instead of Joliet's.
    #[arg(long)]
    iso9660: bool,
    /// Print one JSON array of {"type","size","path","lba"}.
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
}

/// Writes rows as text lines as they come, or gathers them for one JSON array.
struct Lister<W: Write> {
    out: W,
    json: Option<Vec<Row>>,
}

impl<W: Write> Lister<W> {
    fn row(&mut self, path: &str, entry: &Entry<'_>) -> anyhow::Result<()> {
        let kind = if entry.is_dir() { "d" } else { "f" };
        match &mut self.json {
            Some(rows) => rows.push(Row {
                kind,
                size: entry.size(),
                path: path.to_owned(),
                lba: entry.block(),
            }),
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
    let tree = if args.iso9660 { TreeKind::Iso } else { image.default_tree() };
    let out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut lister = Lister { out, json: args.json.then(Vec::new) };
    let path = args.path.as_deref().map(|p| p.trim_matches('/')).unwrap_or("");
    let walk = if path.is_empty() {
        image.walk(tree).map_err(fail)?
    } else {
        let entry = image.lookup(tree, path).map_err(fail)?;
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
        let row = Row { kind: "f", size: 7, path: "a/b \"c\"".into(), lba: 23 };
        let text = serde_json::to_string(&[row]).unwrap();
        assert_eq!(text, r#"[{"type":"f","size":7,"path":"a/b \"c\"","lba":23}]"#);
        assert_eq!(serde_json::to_string(&Vec::<Row>::new()).unwrap(), "[]");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("a/b c"), "a/b c");
        assert_eq!(printable("a\tb\nc"), "a\\tb\\nc");
    }
}
