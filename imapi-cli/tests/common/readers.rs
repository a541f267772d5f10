//! One adapter per real reader: run the tool on an image and turn what it prints into
//! [`Row`]s / a [`Listing`] and, where the tool can give file bytes, [`Hashes`].
//!
//! Quirks of the readers that the adapters model rather than hide:
//! - `isoinfo -J` prints Joliet names in ISO-8859-1 and shows every character above U+00FF as
//!   `_` (it knows no UTF-8 output charset): see [`isoinfo_joliet_view`].
//! - libcdio (`iso-info`) converts a Joliet name to UTF-8 and then keeps only as many bytes as
//!   the UCS-2 identifier had (`strncpy(p_stat->filename, p_psz_out, i_fname)` in
//!   `lib/iso9660/iso9660_fs.c`), so a name whose UTF-8 form is longer than its UCS-2 form
//!   (CJK, most non-Latin scripts) loses its end: see [`libcdio_joliet_view`].
//! - isoinfo, iso-info and isovfy list each section of a multi-extent file as its own entry.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use super::{command, describe, run, run_ok, scan_host, sha256, Entry, Hashes, Kind, Listing};

/// Which tree of the image a reader is asked to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// The Joliet tree (what readers pick by default when it is there).
    Joliet,
    /// The ISO 9660 tree of the primary descriptor.
    Iso,
}

/// One entry as a listing tool prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The parent directory, from the root, no leading or trailing `/` (empty for the root).
    pub dir: String,
    /// The name as printed.
    pub name: String,
    /// Directory or file.
    pub kind: Kind,
    /// The size printed (for a directory, whatever the tool prints).
    pub size: u64,
    /// The extent printed, when the tool prints one.
    pub extent: Option<u32>,
    /// The date and time printed, when the tool prints one.
    pub time: Option<String>,
}

impl Row {
    /// The entry's path from the root.
    pub fn path(&self) -> String {
        if self.dir.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.dir, self.name)
        }
    }
}

/// Turns rows into a listing (directory sizes as 0); a path printed twice is an error.
pub fn rows_to_listing(reader: &str, rows: &[Row]) -> Result<Listing, String> {
    let mut listing = Listing::new();
    for r in rows {
        let entry = match r.kind {
            Kind::Dir => Entry::dir(),
            Kind::File => Entry::file(r.size),
        };
        if listing.insert(r.path(), entry).is_some() {
            return Err(format!("{reader} lists {:?} more than once", r.path()));
        }
    }
    Ok(listing)
}

/// How `isoinfo -J` shows a Joliet name: ISO-8859-1, `_` for every other character.
pub fn isoinfo_joliet_view(name: &str) -> String {
    name.chars().map(|c| if u32::from(c) <= 0xFF { c } else { '_' }).collect()
}

/// How libcdio shows a Joliet name: its UTF-8 form cut to the byte length of its UCS-2 form.
pub fn libcdio_joliet_view(name: &str) -> String {
    let ucs2_len = 2 * name.encode_utf16().count();
    let utf8 = name.as_bytes();
    String::from_utf8_lossy(&utf8[..utf8.len().min(ucs2_len)]).into_owned()
}

/// How 7-Zip shows a Joliet path: the entry's own name loses one trailing dot (a Windows
/// habit; genisoimage's and xorriso's images show the same), the folders above it do not.
pub fn sevenzip_view(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, name)) => format!("{dir}/{}", name.strip_suffix('.').unwrap_or(name)),
        None => path.strip_suffix('.').unwrap_or(path).to_string(),
    }
}

/// An ISO 9660 name the way most readers normalise it: without `;1`, without a trailing dot,
/// upper case (libcdio shows lower case, xorriso strips the version).
pub fn iso_norm(name: &str) -> String {
    let n = name.strip_suffix(";1").unwrap_or(name);
    let n = n.strip_suffix('.').unwrap_or(n);
    n.to_ascii_uppercase()
}

/// Bytes read as ISO-8859-1 (every byte one character), as isoinfo and isovfy print.
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

#[cfg(unix)]
fn latin1_arg(s: &str) -> OsString {
    use std::os::unix::ffi::OsStringExt;
    OsString::from_vec(s.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect())
}

/// Splits `line` into its first `n` whitespace-separated fields and the rest (after exactly
/// one separating space, so a name's own leading spaces are kept).
fn fields(line: &str, n: usize) -> Option<(Vec<&str>, &str)> {
    let mut out = Vec::with_capacity(n);
    let mut rest = line;
    for _ in 0..n {
        rest = rest.trim_start_matches(' ');
        let end = rest.find(' ').unwrap_or(rest.len());
        if end == 0 {
            return None;
        }
        out.push(&rest[..end]);
        rest = &rest[end..];
    }
    Some((out, rest.strip_prefix(' ').unwrap_or(rest)))
}

/// `isoinfo [-J] -l`: every entry in recorded order (`.` and `..` left out).
pub fn isoinfo_rows(img: &Path, names: Names) -> Vec<Row> {
    isoinfo_rows_with(img, names, &[])
}

/// `isoinfo [-J] -l EXTRA...`: as [`isoinfo_rows`], with more options (`-T SECTOR` to read the
/// session starting at SECTOR of a whole-disc image).
pub fn isoinfo_rows_with(img: &Path, names: Names, extra: &[&str]) -> Vec<Row> {
    let mut cmd = command("isoinfo");
    cmd.arg("-i").arg(img);
    if names == Names::Joliet {
        cmd.arg("-J");
    }
    cmd.arg("-l").args(extra);
    let out = run_ok(&mut cmd);
    let text = latin1(&out.stdout);
    let mut rows = Vec::new();
    let mut dir = String::new();
    for line in text.lines() {
        if let Some(d) = line.strip_prefix("Directory listing of ") {
            dir = d.trim_matches('/').to_string();
            continue;
        }
        let Some(open) = line.find('[') else { continue };
        let Some((f, _)) = fields(line, 5) else { continue };
        let kind = if line.starts_with('d') { Kind::Dir } else { Kind::File };
        let size: u64 = f[4].parse().unwrap_or(u64::MAX);
        // "[ extent flags]  NAME " -- isoinfo garbles the flags of a multi-extent record
        // ("[     25 FFFF NAME"), so parse by hand.
        let inner = line[open + 1..].trim_start();
        let digits = inner.find(|c: char| !c.is_ascii_digit()).unwrap_or(inner.len());
        let extent = inner[..digits].parse().ok();
        let after = inner[digits..].trim_start_matches(' ');
        let flag_end = after.find([']', ' ']).unwrap_or(after.len());
        let rest = &after[flag_end..];
        let name = rest.strip_prefix("]  ").or_else(|| rest.strip_prefix(' ')).unwrap_or(rest);
        let name = name.strip_suffix(' ').unwrap_or(name);
        if name == "." || name == ".." {
            continue;
        }
        rows.push(Row { dir: dir.clone(), name: name.to_string(), kind, size, extent, time: None });
    }
    rows
}

/// `isoinfo [-J] -x PATH`: the bytes of one file (PATH as isoinfo shows it).
pub fn isoinfo_extract(img: &Path, names: Names, path: &str) -> Vec<u8> {
    let mut cmd = command("isoinfo");
    cmd.arg("-i").arg(img);
    if names == Names::Joliet {
        cmd.arg("-J");
    }
    cmd.arg("-x").arg(latin1_arg(&format!("/{path}")));
    run_ok(&mut cmd).stdout
}

/// `isoinfo -d`: the descriptor report, one line each.
pub fn isoinfo_descriptor(img: &Path) -> String {
    let out = run_ok(command("isoinfo").arg("-d").arg("-i").arg(img));
    latin1(&out.stdout)
}

/// One record of a path table as `isoinfo -p` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PtLine {
    /// 1-based number.
    pub number: u32,
    /// Parent number.
    pub parent: u32,
    /// Extent.
    pub extent: u32,
    /// Identifier as printed.
    pub name: String,
}

/// `isoinfo [-J] -p`: the type L path table.
pub fn isoinfo_path_table(img: &Path, names: Names) -> Vec<PtLine> {
    let mut cmd = command("isoinfo");
    cmd.arg("-i").arg(img);
    if names == Names::Joliet {
        cmd.arg("-J");
    }
    cmd.arg("-p");
    let text = latin1(&run_ok(&mut cmd).stdout);
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((num, rest)) = line.trim_start().split_once(": ") else { continue };
        let Ok(number) = num.parse() else { continue };
        let Some((f, name)) = fields(rest, 2) else { continue };
        out.push(PtLine {
            number,
            parent: f[0].parse().unwrap_or(0),
            extent: u32::from_str_radix(f[1], 16).unwrap_or(0),
            name: name.to_string(),
        });
    }
    out
}

/// `isovfy`: the lines it prints. It checks the primary tree only and prints
/// "No errors found" when it counted no fault; a fault is a line `EXTENT: ...`.
pub fn isovfy(img: &Path) -> Vec<String> {
    let out = run_ok(command("isovfy").arg(img));
    latin1(&out.stdout).lines().map(str::to_string).collect()
}

/// The fault lines among isovfy's output.
pub fn isovfy_faults(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| {
            let head = l.split(':').next().unwrap_or("");
            (!head.is_empty() && head.chars().all(|c| c.is_ascii_hexdigit()) && l.contains(':'))
                || l.contains("***")
        })
        .cloned()
        .collect()
}

/// Undoes xorriso's shell quoting (`'it'"'"'s'`).
fn shell_unquote(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => out.extend(chars.by_ref().take_while(|&c| c != '\'')),
            '"' => out.extend(chars.by_ref().take_while(|&c| c != '"')),
            c => out.push(c),
        }
    }
    out
}

/// `xorriso` loading `img`, from the Joliet tree or (with `Names::Iso`) the ISO 9660 names.
fn xorriso_base(img: &Path, names: Names) -> Command {
    let mut cmd = command("xorriso");
    // Any SORRY event (a file it could not read, a tree it could not load) makes the exit
    // status 32, so problems cannot pass unnoticed.
    cmd.args(["-return_with", "SORRY", "32"]);
    if names == Names::Iso {
        cmd.args(["-read_fs", "ecma119", "-ecma119_map", "unmapped"]);
    }
    cmd.arg("-indev").arg(img);
    cmd
}

/// `xorriso -indev IMG -find / -exec lsdl` and, with `extract_to`, `-osirrox on -extract / DIR`
/// in the same run: the listing, and the hashes of the extracted files.
pub fn xorriso(img: &Path, names: Names, extract_to: Option<&Path>) -> (Listing, Option<Hashes>) {
    xorriso_run(xorriso_base(img, names), extract_to)
}

/// As [`xorriso`] on the Joliet tree, but loading the session whose volume descriptors start
/// at `sbsector` (`-load sbsector N`): the last session of a whole-disc image.
pub fn xorriso_session(
    img: &Path,
    sbsector: u32,
    extract_to: Option<&Path>,
) -> (Listing, Option<Hashes>) {
    let mut cmd = command("xorriso");
    cmd.args(["-return_with", "SORRY", "32"]);
    cmd.args(["-load", "sbsector"]).arg(sbsector.to_string());
    cmd.arg("-indev").arg(img);
    xorriso_run(cmd, extract_to)
}

fn xorriso_run(mut cmd: Command, extract_to: Option<&Path>) -> (Listing, Option<Hashes>) {
    cmd.args(["-find", "/", "-exec", "lsdl", "--"]);
    if let Some(dir) = extract_to {
        cmd.args(["-osirrox", "on", "-extract", "/"]).arg(dir);
    }
    let out = run_ok(&mut cmd);
    let text = String::from_utf8_lossy(&out.stdout);
    let mut listing = Listing::new();
    for line in text.lines() {
        let Some(at) = line.find(" '/") else { continue };
        let Some((f, _)) = fields(line, 5) else { continue };
        let path = shell_unquote(&line[at + 1..]);
        let path = path.trim_start_matches('/');
        if path.is_empty() {
            continue;
        }
        let entry = if line.starts_with('d') {
            Entry::dir()
        } else {
            Entry::file(f[4].parse().unwrap_or(u64::MAX))
        };
        listing.insert(path.to_string(), entry);
    }
    let hashes = extract_to.map(|dir| scan_host(dir).1);
    (listing, hashes)
}

/// `7zz l -slt IMG`: one map of `Key = value` fields per entry.
pub fn sevenzip_fields(img: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let out = run_ok(command("7zz").arg("l").arg("-slt").arg(img));
    let text = String::from_utf8_lossy(&out.stdout);
    let (head, body) = text.split_once("\n----------\n").unwrap_or((&text, ""));
    for bad in ["ERROR", "Error", "WARNING", "Warning"] {
        assert!(!head.contains(bad), "7zz l {}: reports a problem:\n{head}", img.display());
    }
    body.split("\n\n")
        .map(|block| {
            block
                .lines()
                .filter_map(|l| l.split_once(" = ").map(|(k, v)| (k.to_string(), v.to_string())))
                .collect::<std::collections::BTreeMap<_, _>>()
        })
        .filter(|m| m.contains_key("Path"))
        .collect()
}

/// `7zz l -slt IMG` and, with `extract_to`, `7zz x -oDIR IMG`: listing and hashes.
pub fn sevenzip(img: &Path, extract_to: Option<&Path>) -> (Listing, Option<Hashes>) {
    let mut listing = Listing::new();
    for m in sevenzip_fields(img) {
        let entry = if m.get("Folder").map(String::as_str) == Some("+") {
            Entry::dir()
        } else {
            Entry::file(m.get("Size").and_then(|s| s.parse().ok()).unwrap_or(u64::MAX))
        };
        listing.insert(m["Path"].clone(), entry);
    }
    let hashes = extract_to.map(|dir| {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
        let mut cmd = command("7zz");
        cmd.arg("x").arg("-y").arg(format!("-o{}", dir.display())).arg(img);
        run_ok(&mut cmd);
        scan_host(dir).1
    });
    (listing, hashes)
}

/// `bsdtar -tvf IMG` and, with `extract_to`, `bsdtar -xf IMG -C DIR`: listing and hashes.
/// libarchive shows a file whose extent another file already has as a hard link
/// (`NAME link to OTHER`, size 0); it gets the size of the file it links to.
pub fn bsdtar(img: &Path, extract_to: Option<&Path>) -> (Listing, Option<Hashes>) {
    let out = run_ok(command("bsdtar").arg("-tvf").arg(img));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut listing = Listing::new();
    let mut links = Vec::new();
    for line in text.lines() {
        let Some((f, name)) = fields(line, 8) else { continue };
        if name == "." {
            continue;
        }
        if let Some((name, target)) = name.split_once(" link to ") {
            links.push((name.to_string(), target.to_string()));
            continue;
        }
        let entry = if f[0].starts_with('d') {
            Entry::dir()
        } else {
            Entry::file(f[4].parse().unwrap_or(u64::MAX))
        };
        listing.insert(name.trim_end_matches('/').to_string(), entry);
    }
    for (name, target) in links {
        let entry = listing.get(&target).copied().unwrap_or(Entry::file(u64::MAX));
        listing.insert(name, entry);
    }
    let hashes = extract_to.map(|dir| {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
        run_ok(command("bsdtar").arg("-xf").arg(img).arg("-C").arg(dir));
        scan_host(dir).1
    });
    (listing, hashes)
}

/// `bsdtar -cf - --format mtree @IMG`: libarchive's modification time (seconds since 1970)
/// of every entry.
pub fn bsdtar_mtimes(img: &Path) -> std::collections::BTreeMap<String, i64> {
    let mut src = OsString::from("@");
    src.push(img);
    let out = run_ok(command("bsdtar").args(["-cf", "-", "--format", "mtree"]).arg(src));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut times = std::collections::BTreeMap::new();
    for line in text.lines() {
        let mut parts = line.split(' ');
        let Some(path) = parts.next() else { continue };
        let Some(t) = parts.find_map(|p| p.strip_prefix("time=")) else { continue };
        let secs = t.split('.').next().and_then(|s| s.parse().ok()).unwrap_or(i64::MIN);
        times.insert(mtree_unescape(path.trim_start_matches("./")), secs);
    }
    times
}

/// Undoes mtree's `\\ooo` escapes (octal bytes) and decodes the result as UTF-8.
fn mtree_unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = b
            .get(i + 1..i + 4)
            .filter(|d| b[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match octal {
            Some(d) => {
                out.push(d.iter().fold(0u8, |acc, c| acc.wrapping_mul(8).wrapping_add(c - b'0')));
                i += 4;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `iso-info --no-header -l` (the Joliet tree unless `Names::Iso`, then `--no-joliet`): every
/// entry, with the time libcdio shows (converted to UTC).
pub fn iso_info_rows(img: &Path, names: Names) -> Vec<Row> {
    let mut cmd = command("iso-info");
    cmd.env("TZ", "UTC").arg("--no-header");
    if names == Names::Iso {
        cmd.arg("--no-joliet");
    }
    cmd.arg("-l").arg(img);
    let out = run_ok(&mut cmd);
    let text = String::from_utf8_lossy(&out.stdout);
    let mut rows = Vec::new();
    let mut dir = String::new();
    for line in text.lines() {
        if line.starts_with('/') && line.ends_with(':') {
            dir = line.trim_end_matches(':').trim_matches('/').to_string();
            continue;
        }
        let Some(rest) = line.strip_prefix("  ") else { continue };
        let kind = match rest.chars().next() {
            Some('d') => Kind::Dir,
            Some('-') => Kind::File,
            _ => continue,
        };
        let Some(close) = rest.find(']') else { continue };
        let lsn = rest[..close].rsplit(' ').next().and_then(|s| s.parse().ok());
        // "SIZE Mon DD YYYY HH:MM:SS  NAME"
        let Some((f, name)) = fields(&rest[close + 1..], 5) else { continue };
        let name = name.strip_prefix(' ').unwrap_or(name);
        if name == "." || name == ".." {
            continue;
        }
        rows.push(Row {
            dir: dir.clone(),
            name: name.to_string(),
            kind,
            size: f[0].parse().unwrap_or(u64::MAX),
            extent: lsn,
            time: Some(f[1..].join(" ")),
        });
    }
    rows
}

/// `iso-read -e PATH`: the bytes libcdio reads for one file of the ISO 9660 tree.
pub fn iso_read(img: &Path, iso_path: &str, scratch: &Path) -> Vec<u8> {
    let out_file = scratch.join(format!("iso-read-{}", sha256(iso_path.as_bytes())[0]));
    let mut cmd = command("iso-read");
    cmd.arg("-i").arg(img).arg("-e").arg(format!("/{iso_path}")).arg("-o").arg(&out_file);
    run_ok(&mut cmd);
    let bytes =
        std::fs::read(&out_file).unwrap_or_else(|e| panic!("{}: no output: {e}", describe(&cmd)));
    let _ = std::fs::remove_file(&out_file);
    bytes
}

/// `blkid -p -o export IMG` as KEY=VALUE lines (`None` when blkid is missing, with a note;
/// a missing blkid fails the test under `IMAPI_INTEROP_REQUIRED=1`, as any reader does).
pub fn blkid(img: &Path) -> Option<String> {
    let Some(tool) = ["blkid", "/sbin/blkid", "/usr/sbin/blkid"]
        .into_iter()
        .find(|t| Command::new(t).arg("-V").output().is_ok())
    else {
        assert!(!super::required(), "blkid is not installed and IMAPI_INTEROP_REQUIRED=1");
        eprintln!("note: blkid is not installed: its checks are skipped");
        return None;
    };
    let out = run(command(tool).args(["-p", "-o", "export"]).arg(img));
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A reader writing one file of the image to its standard output.
pub struct Stream {
    /// Which reader.
    pub reader: &'static str,
    /// The running tool; its stdout is piped.
    pub child: Child,
    /// The command, for messages.
    pub cmd: String,
}

/// Starts `cmd` with its standard output piped.
fn spawn(reader: &'static str, mut cmd: Command) -> Stream {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null());
    let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run {}: {e}", describe(&cmd)));
    Stream { reader, child, cmd: describe(&cmd) }
}

/// `7zz x -so IMG PATH` (Joliet names).
pub fn sevenzip_stream(img: &Path, path: &str) -> Stream {
    let mut cmd = command("7zz");
    cmd.args(["x", "-so"]).arg(img).arg(path);
    spawn("7zz", cmd)
}

/// `bsdtar -xOf IMG PATH` (Joliet names).
pub fn bsdtar_stream(img: &Path, path: &str) -> Stream {
    let mut cmd = command("bsdtar");
    cmd.arg("-xOf").arg(img).arg(path);
    spawn("bsdtar", cmd)
}

/// `xorriso -indev IMG -osirrox on -concat append - /PATH --` (xorriso's way to copy a file
/// of the image to standard output), from either tree.
pub fn xorriso_stream(img: &Path, names: Names, path: &str) -> Stream {
    let mut cmd = xorriso_base(img, names);
    cmd.args(["-osirrox", "on", "-concat", "append", "-"]).arg(format!("/{path}")).arg("--");
    spawn(if names == Names::Iso { "xorriso (ISO 9660 tree)" } else { "xorriso" }, cmd)
}
