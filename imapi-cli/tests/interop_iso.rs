//! Interop tests: images written by `imapi mkiso` are read by real tools — isoinfo, isovfy,
//! xorriso, 7-Zip, bsdtar, libcdio's iso-info and iso-read, pycdlib — and each must list and
//! read the same tree, with the same bytes, as the host folder it was made from. The cases
//! follow the pitfalls of reference/iso9660-joliet.md §2 (numbers in the test docs).
//!
//! Every test builds its own tree in its own temporary folder, so cargo runs them in parallel.
//! A reader that is not installed is skipped with a note unless `IMAPI_INTEROP_REQUIRED=1`.
//!
//! Disagreements found while writing these tests, and who was right:
//! - libcdio (`iso-info`) cuts Joliet names whose UTF-8 form is longer than their UCS-2 form
//!   (`日本語` shows as `日本`); genisoimage's images show the same, so the reader is wrong. The
//!   listing is compared through [`readers::libcdio_joliet_view`].
//! - libarchive (`bsdtar`) applies the GMT offset only when −48 < offset < 52, so it reads
//!   times recorded at +13:00 or −12:00 (both valid, §9.1.5) 13 or 12 hours off; modelled in
//!   the date tests. It also lists a file sharing another's extent (a hard link) as
//!   `NAME link to OTHER`, which the adapter resolves.
//! - isoinfo has no UTF-8 output: `-J` shows characters above U+00FF as `_`.
//! - 7-Zip drops one trailing dot of an entry's name (`FILE.` lists as `FILE`; xorriso's and
//!   genisoimage's images too), and extracts a file named `...` as `_`.
//! - isovfy counts flag bit 7 (multi-extent) as a fault, and never checks the path tables (its
//!   path table dump is compiled out); the path tables are checked through pycdlib and
//!   `isoinfo -p` instead.
//! - Ours, fixed: `-o` naming a symbolic link, a FIFO or a device renamed the image over it
//!   (`-o /dev/stdout` run as root replaced /dev/stdout); see `output_through_a_fifo_or_a_link`.
//! - Ours, fixed: `--follow-links` skipped a link to a directory that is not an ancestor (no
//!   loop) as a "link loop": see `follow_links_reaches_a_sibling_directory`.

mod common;

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::check::{self, Options};
use common::probe::Probe;
use common::readers::{self, Names};
use common::spec;
use common::{available, content_of, mkiso, mkiso_ok, run_ok, sha256, Entry, Expected, Scratch};

/// The date every image is built with unless a test says otherwise.
const DATE: &str = "2024-01-02T03:04:05Z";

/// `imapi mkiso -o DIR/out.iso --date DATE EXTRA... DIR/src`; returns the image path and the
/// warnings printed.
fn build(s: &Scratch, extra: &[&str]) -> (PathBuf, String) {
    let img = s.path("out.iso");
    let mut args: Vec<OsString> =
        vec!["-o".into(), img.clone().into(), "--date".into(), DATE.into()];
    args.extend(extra.iter().map(OsString::from));
    args.push(s.path("src").into());
    let warnings = mkiso_ok(&args);
    (img, warnings)
}

/// The path of every file of the Joliet tree, keyed by the SHA-256 of its bytes (files are
/// written with distinct contents), as pycdlib reads it.
fn joliet_paths_by_content(probe: &Probe) -> std::collections::BTreeMap<common::Hash, String> {
    let j = probe.joliet().expect("a Joliet tree");
    j.hashes().into_iter().map(|(p, h)| (h, p)).collect()
}

/// The names in the Joliet directory `dir` (`/` for the root), in recorded order.
fn joliet_record_order(probe: &Probe, dir: &str) -> Vec<String> {
    let d = probe.joliet().and_then(|j| j.dir(dir)).expect("directory in the Joliet tree");
    d.records.iter().skip(2).map(|r| spec::ucs2(&r.id)).collect()
}

/// `YYYY-MM-DD HH:MM:SS` of a 7-Zip time, whatever fraction of a second its version prints.
fn seconds_of(t: &str) -> &str {
    t.get(..19).unwrap_or(t)
}

/// Whether the tests can use pycdlib (else they note it and skip the part that needs it).
fn pycdlib() -> bool {
    available("pycdlib")
}

// ------------------------------------------------------------------------------------------
// Trees of every kind (pitfalls 1, 16, 20)
// ------------------------------------------------------------------------------------------

/// Nested folders, empty files and folders, spaces, quotes, brackets, several dots, a dot
/// file, accents, a file of many blocks: every reader lists it and reads the same bytes;
/// the ISO 9660 tree holds the same files (pitfall 1); directories come before file data
/// (pitfall 16); Joliet is read through Joliet-only paths (isoinfo -J, 7-Zip; pitfall 20).
#[test]
fn mixed_tree_reads_the_same_everywhere() {
    let s = Scratch::new();
    for rel in [
        "src/readme.txt",
        "src/.hidden",
        "src/no extension",
        "src/many.dots.in.name.tar.gz",
        "src/dir one/sub/it's [x].txt",
        "src/dir one/sub/deeper/file.bin",
        "src/café.txt",
        "src/UPPER.TXT",
        "src/mixed.Case",
        "src/equals=sign.txt",
        "src/#hash & (parens) {braces} + $dollar.txt",
        // Spaces around and alone, doubled dots, case twins, a name like a Joliet counter.
        "src/ ",
        "src/  leading",
        "src/trailing ",
        "src/a..b",
        "src/README.txt",
        "src/x/ . /y",
        "src/~1",
        "src/back`tick-%41%",
    ] {
        s.file(rel);
    }
    s.write("src/big.bin", &common::pattern(70_000, 7));
    s.write("src/exactly one block.bin", &common::pattern(2048, 8));
    s.write("src/empty.dat", b"");
    s.write("src/dir one/empty too", b"");
    s.mkdir("src/empty dir");
    s.mkdir("src/dir one/empty sub");
    // Directory names that collide once cut to 31 characters.
    s.file(&format!("src/{}1/f", "d".repeat(40)));
    s.file(&format!("src/{}2/f", "d".repeat(40)));
    // A hard link: two names, one extent.
    fs::hard_link(s.path("src/readme.txt"), s.path("src/dir one/readme link.txt")).unwrap();
    let (img, _) = build(&s, &[]);
    check::image(&img, &Expected::from_host(&s.path("src")), Options::default());
}

/// An empty source folder gives an image with an empty root that every reader accepts.
#[test]
fn empty_source_gives_an_empty_root() {
    let s = Scratch::new();
    s.mkdir("src");
    let (img, _) = build(&s, &[]);
    check::image(&img, &Expected::default(), Options::default());
}

/// Only empty files and empty folders, nested: nothing to read but names and zero sizes.
#[test]
fn empty_files_and_empty_directories() {
    let s = Scratch::new();
    for rel in ["src/a", "src/b.txt", "src/d/e/f", "src/d/e/g.dat", "src/d/h"] {
        s.write(rel, b"");
    }
    for rel in ["src/empty", "src/d/e/empty", "src/d/x/y/z"] {
        s.mkdir(rel);
    }
    let (img, _) = build(&s, &[]);
    check::image(&img, &Expected::from_host(&s.path("src")), Options::default());
}

// ------------------------------------------------------------------------------------------
// Names (pitfalls 2, 4, 9, 12, 13)
// ------------------------------------------------------------------------------------------

/// Pitfall 2: names beyond 64 UCS-2 units. Two 70-character names that differ only in their
/// extension, and one that differs after the cut, get unique Joliet names of at most 64 units
/// that keep their extension; the build does not abort. A name of exactly 64 units is kept.
#[test]
fn long_names_keep_their_extension() {
    let s = Scratch::new();
    let n70 = "n".repeat(70);
    let names = [
        format!("{n70}.txt"),
        format!("{n70}.dat"),
        format!("{n70}x.txt"),
        format!("{}.txt", "e".repeat(60)), // 64 units: kept as it is
        format!("{}.txt", "f".repeat(61)), // 65 units
        format!("{}.txt", "漢".repeat(70)), // 74 units, 214 UTF-8 bytes
        format!("{}.{}", "g".repeat(50), "h".repeat(20)), // extension too long to keep
    ];
    for n in &names {
        s.file(&format!("src/{n}"));
    }
    let long_dir = "d".repeat(80);
    s.file(&format!("src/{long_dir}/inside.txt"));
    let (img, warnings) = build(&s, &[]);
    assert!(warnings.contains("Joliet name"), "no warning about shortened names:\n{warnings}");
    if !pycdlib() {
        return;
    }
    let probe = Probe::run(&img);
    let by_content = joliet_paths_by_content(&probe);
    let mut want = Expected::from_host(&s.path("src"));
    for n in &names {
        let got = &by_content[&sha256(&content_of(&format!("src/{n}")))];
        let units = got.encode_utf16().count();
        assert!(units <= 64, "{got:?} has {units} UCS-2 units");
        let orig_units = n.encode_utf16().count();
        if orig_units <= 64 {
            assert_eq!(got, n, "a name of {orig_units} units must be kept");
            continue;
        }
        let (stem, ext) = n.rsplit_once('.').map(|(a, b)| (a, format!(".{b}"))).unwrap();
        if ext.encode_utf16().count() <= 17 {
            assert!(got.ends_with(&ext), "{got:?} lost the extension {ext:?} of {n:?}");
            let got_stem = &got[..got.len() - ext.len()];
            let base = got_stem.rsplit_once('~').map_or(got_stem, |(b, _)| b);
            assert!(stem.starts_with(base), "{got:?} is not a cut of {n:?}");
        } else {
            assert!(n.starts_with(got.as_str()), "{got:?} is not a cut of {n:?}");
        }
        want.rename(n, got);
    }
    let dir_got = probe
        .joliet()
        .unwrap()
        .entries
        .iter()
        .find(|e| e.kind == "d")
        .map(|e| e.path.trim_start_matches('/').to_string())
        .unwrap();
    assert!(dir_got.encode_utf16().count() <= 64 && long_dir.starts_with(&dir_got));
    want.rename(&long_dir, &dir_got);
    check::image(&img, &want, Options::default());
}

/// Pitfall 9 and §9.3: `FILE.` / `FILE.0`, `FILE.TX` / `FILE.TX1` and `A.B` / `AB` / `A_B`
/// (and directories `DIR` / `DIRA` / `DIR_B`) are recorded in the order of ECMA-119 §9.3 in
/// the ISO 9660 tree (name padded with spaces, then extension), and in code-unit order in the
/// Joliet tree; the path table lists the directories in the same order. The expected orders
/// below are worked out by hand from §9.3; xorriso's and genisoimage's images of the same
/// folder must show the same orders.
#[test]
fn sort_order_follows_ecma_119_9_3() {
    let s = Scratch::new();
    for n in ["FILE.", "FILE.0", "FILE.TX", "FILE.TX1", "A.B", "AB", "A_B"] {
        s.file(&format!("src/{n}"));
    }
    for d in ["DIR", "DIRA", "DIR_B"] {
        s.file(&format!("src/{d}/X"));
    }
    let (img, _) = build(&s, &[]);
    let seen = check::image(&img, &Expected::from_host(&s.path("src")), Options::default());

    let iso_order = [
        "A.B;1",
        "AB.;1",
        "A_B.;1",
        "DIR",
        "DIRA",
        "DIR_B",
        "FILE.;1",
        "FILE.0;1",
        "FILE.TX;1",
        "FILE.TX1;1",
    ];
    let joliet_order =
        ["A.B", "AB", "A_B", "DIR", "DIRA", "DIR_B", "FILE.", "FILE.0", "FILE.TX", "FILE.TX1"];
    if let Some(rows) = &seen.isoinfo_iso {
        let root: Vec<&str> =
            rows.iter().filter(|r| r.dir.is_empty()).map(|r| r.name.as_str()).collect();
        assert_eq!(root, iso_order, "isoinfo -l order of the root");
    }
    if available("isoinfo") {
        let rows = readers::isoinfo_rows(&img, Names::Joliet);
        let root: Vec<&str> =
            rows.iter().filter(|r| r.dir.is_empty()).map(|r| r.name.as_str()).collect();
        assert_eq!(root, joliet_order, "isoinfo -J -l order of the root");
        let pt: Vec<String> =
            readers::isoinfo_path_table(&img, Names::Iso).into_iter().map(|l| l.name).collect();
        assert_eq!(pt, ["", "DIR", "DIRA", "DIR_B"], "isoinfo -p order");
    }
    if let Some(probe) = &seen.probe {
        let raw: Vec<String> = probe.iso().dir("/").unwrap().records[2..]
            .iter()
            .map(|r| String::from_utf8_lossy(&r.id).into_owned())
            .collect();
        assert_eq!(raw, iso_order, "recorded order (pycdlib's extent)");
        assert_eq!(joliet_record_order(probe, "/"), joliet_order);
    }
    // The same folder through xorriso and genisoimage: same Joliet order; same ISO 9660 order
    // for the names all writers spell alike.
    if !available("isoinfo") {
        return;
    }
    let mut peers: Vec<(&str, PathBuf)> = Vec::new();
    if available("xorriso") {
        let out = s.path("xorriso.iso");
        run_ok(
            common::command("xorriso")
                .args(["-as", "mkisofs", "-J", "-iso-level", "3", "-quiet", "-o"])
                .arg(&out)
                .arg(s.path("src")),
        );
        peers.push(("xorriso", out));
    }
    if available("genisoimage") {
        let out = s.path("genisoimage.iso");
        run_ok(
            common::command("genisoimage")
                .args(["-J", "-iso-level", "3", "-quiet", "-o"])
                .arg(&out)
                .arg(s.path("src")),
        );
        peers.push(("genisoimage", out));
    }
    let root_names = |img: &Path, names: Names| -> Vec<String> {
        readers::isoinfo_rows(img, names)
            .into_iter()
            .filter(|r| r.dir.is_empty())
            .map(|r| r.name)
            .collect()
    };
    let ours = root_names(&img, Names::Iso);
    for (peer, peer_img) in &peers {
        assert_eq!(root_names(peer_img, Names::Joliet), joliet_order, "{peer}'s Joliet order");
        let theirs = root_names(peer_img, Names::Iso);
        let common_ours: Vec<&String> = ours.iter().filter(|n| theirs.contains(n)).collect();
        let common_theirs: Vec<&String> = theirs.iter().filter(|n| ours.contains(n)).collect();
        assert_eq!(common_ours, common_theirs, "ISO 9660 order against {peer}");
    }
}

/// Pitfall 12 at level 1: forty names that all map to `COLLISIO.TEX` and ten directories that
/// map to `DIRECTOR` get unique, valid 8.3 names; the name that maps exactly keeps it (it sorts
/// first, as the name policy says); the result does not depend on the order the files were
/// created in (two folders created in opposite orders give identical images).
#[test]
fn level_1_collisions_are_unique_and_deterministic() {
    let mut names: Vec<String> = (0..40).map(|i| format!("collision-name-{i:02}.text")).collect();
    names.push("collisio.tex".to_string());
    let dirs: Vec<String> = (0..10).map(|i| format!("directory-{i}")).collect();
    let make = |s: &Scratch, reverse: bool| {
        let mut order: Vec<String> = names.iter().map(|n| format!("src/{n}")).collect();
        order.extend(dirs.iter().map(|d| format!("src/{d}/f.txt")));
        if reverse {
            order.reverse();
        }
        for rel in &order {
            s.write(rel, &content_of(rel.trim_start_matches("src/")));
        }
    };
    let (a, b) = (Scratch::new(), Scratch::new());
    make(&a, false);
    make(&b, true);
    let (img_a, _) = build(&a, &["--iso-level", "1"]);
    let (img_b, _) = build(&b, &["--iso-level", "1"]);
    assert_eq!(
        sha256(&fs::read(&img_a).unwrap()),
        sha256(&fs::read(&img_b).unwrap()),
        "creation order changed the image"
    );
    let want = Expected::from_host(&a.path("src"));
    let seen = check::image(&img_a, &want, Options { level: 1, ..Options::default() });
    if let Some(probe) = &seen.probe {
        let iso = probe.iso();
        let root: Vec<String> = iso.dir("/").unwrap().records[2..]
            .iter()
            .map(|r| String::from_utf8_lossy(&r.id).into_owned())
            .collect();
        assert_eq!(root.len(), names.len() + dirs.len());
        let exact = iso
            .files()
            .find(|e| {
                e.sha256.as_deref() == Some(&common::hex(&sha256(&content_of("collisio.tex"))))
            })
            .unwrap();
        assert_eq!(exact.path, "/COLLISIO.TEX;1");
    }
}

/// Pitfall 4 and the Joliet policy: accented, Greek and CJK names are kept in Joliet; a
/// character outside the BMP becomes `_`, and when that makes the name collide with an
/// existing one (`a_b.txt`), the later name in byte order gets `~1`.
#[test]
fn unicode_names_follow_the_documented_policy() {
    let s = Scratch::new();
    for rel in [
        "src/café.txt",
        "src/Ünïcödé dir/ñandú.txt",
        "src/日本語のファイル.txt",
        "src/中文目录/文件.txt",
        "src/Ελληνικά.txt",
        "src/a😀b.txt",
        "src/a_b.txt",
        "src/📁dir/inside.txt",
    ] {
        s.file(rel);
    }
    let (img, warnings) = build(&s, &[]);
    assert!(warnings.contains("a_b~1.txt"), "no warning for the renamed emoji name:\n{warnings}");
    let mut want = Expected::from_host(&s.path("src"));
    want.rename("a😀b.txt", "a_b~1.txt");
    want.rename("📁dir", "_dir");
    check::image(&img, &want, Options::default());
}

/// Pitfall 13: `-V cidata` stays lower case in the primary descriptor (isoinfo -d, pycdlib's
/// raw field, blkid's LABEL) and is `cidata` in UCS-2 in the Joliet descriptor.
#[test]
fn volume_id_cidata_stays_lower_case() {
    let s = Scratch::new();
    s.file("src/user-data");
    s.file("src/meta-data");
    let (img, warnings) = build(&s, &["-V", "cidata"]);
    assert!(warnings.contains("cidata"), "relaxed volume name not reported:\n{warnings}");
    check::image(&img, &Expected::from_host(&s.path("src")), Options::default());
    if available("isoinfo") {
        let d = readers::isoinfo_descriptor(&img);
        assert!(d.lines().any(|l| l == "Volume id: cidata"), "{d}");
    }
    if pycdlib() {
        let probe = Probe::run(&img);
        let pvd = &probe.descriptors[0];
        assert_eq!(pvd.volume_id, format!("{:<32}", "cidata").as_bytes());
        let svd = &probe.descriptors[1];
        let joliet: Vec<u8> =
            format!("{:<16}", "cidata").encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(svd.volume_id, joliet);
    }
    if let Some(blkid) = readers::blkid(&img) {
        assert!(blkid.lines().any(|l| l == "LABEL=cidata"), "blkid -p:\n{blkid}");
    }
}

/// `-V` longer than the fields hold is exit 1 naming the value, never cut: 17 characters with
/// Joliet (16 UCS-2 units), 33 bytes without (32 in the primary descriptor); the limits
/// themselves are accepted and recorded whole.
#[test]
fn volume_name_too_long_is_refused() {
    let s = Scratch::new();
    s.file("src/f");
    let src = s.path("src");
    let img = s.path("v.iso");
    let try_name = |name: &str, joliet: bool| {
        let mut args: Vec<OsString> =
            vec!["-o".into(), img.clone().into(), "-V".into(), name.into()];
        if !joliet {
            args.push("--no-joliet".into());
        }
        args.push(src.clone().into());
        let _ = fs::remove_file(&img);
        mkiso(&args)
    };
    for (name, joliet) in [("ABCDEFGHIJKLMNOPQ", true), (&*"V".repeat(33), false)] {
        let out = try_name(name, joliet);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "-V {name}: {err}");
        assert!(err.contains(name), "the message does not name {name:?}: {err}");
        assert!(!img.exists(), "an image was written for -V {name}");
    }
    for (name, joliet) in [("ABCDEFGHIJKLMNOP", true), (&*"V".repeat(32), false)] {
        let out = try_name(name, joliet);
        assert!(out.status.success(), "-V {name}: {}", String::from_utf8_lossy(&out.stderr));
        if available("isoinfo") {
            let d = readers::isoinfo_descriptor(&img);
            assert!(d.lines().any(|l| l == format!("Volume id: {name}")), "{d}");
        }
    }
}

/// An image without Joliet (`--no-joliet`): every reader falls back to the ISO 9660 names
/// (upper case d-characters, `_` for anything else, `;1` on files), and reads the bytes.
#[test]
fn no_joliet_image_reads_everywhere() {
    let s = Scratch::new();
    for rel in [
        "src/readme.txt",
        "src/noext",
        "src/dir/sub/file.dat",
        "src/UPPER.TXT",
        "src/Mixed Case.md",
    ] {
        s.file(rel);
    }
    s.write("src/empty", b"");
    s.mkdir("src/emptydir");
    let (img, _) = build(&s, &["--no-joliet"]);
    let mut want = Expected::from_host(&s.path("src"));
    want.rename("Mixed Case.md", "MIXED_CASE.MD");
    check::image(&img, &want, Options { joliet: false, level: 3 });
}

/// `--iso-level 1` and `2`: every ISO 9660 name is 8.3 d-characters with `;1` and
/// directories 8 at most (level 1), or 30 characters plus the dot and 31 for directories
/// (level 2), checked for every entry by the full check; Joliet keeps the long names.
#[test]
fn iso_levels_1_and_2_names() {
    for level in ["1", "2"] {
        let s = Scratch::new();
        for rel in [
            "src/Long File Name.html",
            "src/readme.markdown",
            "src/a very long directory name indeed, longer than 31/another long file name.text",
            "src/x.y.z",
            "src/.profile",
            "src/an extension that is long.abcdefghijklmnopqrstuvwxyz",
        ] {
            s.file(rel);
        }
        let (img, _) = build(&s, &["--iso-level", level]);
        let opts = Options { level: level.parse().unwrap(), ..Options::default() };
        check::image(&img, &Expected::from_host(&s.path("src")), opts);
    }
}

/// A file of 4 GiB or more below `--iso-level 3` is exit 1 naming it (one extent cannot hold
/// it); 4 GiB − 1 byte fits one extent at level 2. Sizes only: `--print-size` writes nothing.
#[test]
fn large_file_below_level_3_is_refused() {
    let s = Scratch::new();
    s.mkdir("src");
    let huge = s.path("src/huge.bin");
    let f = fs::File::create(&huge).unwrap();
    f.set_len(1 << 32).unwrap();
    let img = s.path("out.iso");
    for level in ["1", "2"] {
        let out = mkiso([
            OsStr::new("--print-size"),
            OsStr::new("--iso-level"),
            OsStr::new(level),
            OsStr::new("-o"),
            img.as_os_str(),
            s.path("src").as_os_str(),
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "level {level}: {err}");
        assert!(
            err.contains("huge.bin"),
            "level {level}: the message does not name the file: {err}"
        );
    }
    f.set_len((1 << 32) - 1).unwrap();
    let out = run_ok(
        common::imapi()
            .args(["mkiso", "--print-size", "--iso-level", "2", "-o"])
            .arg(&img)
            .arg(s.path("src")),
    );
    let blocks: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!(blocks > ((1 << 32) - 1) / 2048, "{blocks} blocks cannot hold the file");
    assert!(!img.exists());
}

/// A character Joliet forbids (`a:b`) is exit 1 with `IMAPI_E_BADJOLIETNAME` naming the entry,
/// and no image or temporary file is left; without Joliet the same name is fine (`A_B.;1`).
#[test]
fn forbidden_joliet_character_is_refused() {
    let s = Scratch::new();
    s.file("src/a:b");
    let img = s.path("out/out.iso");
    s.mkdir("out");
    let out = mkiso([OsStr::new("-o"), img.as_os_str(), s.path("src").as_os_str()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("IMAPI_E_BADJOLIETNAME") && err.contains("a:b"), "{err}");
    assert_eq!(fs::read_dir(s.path("out")).unwrap().count(), 0, "files left in the output folder");

    let (img, _) = build(&s, &["--no-joliet"]);
    let mut want = Expected::from_host(&s.path("src"));
    want.rename("a:b", "A_B");
    check::image(&img, &want, Options { joliet: false, level: 3 });
}

// ------------------------------------------------------------------------------------------
// Directory layout (pitfalls 7, 8, 10, 11)
// ------------------------------------------------------------------------------------------

/// Pitfall 8: a Joliet directory of 300 long names spans many sectors; every reader lists all
/// 300 files and reads them.
#[test]
fn directory_over_one_sector() {
    let s = Scratch::new();
    for i in 0..300 {
        s.file(&format!("src/many/long file name number {i:03} with some padding text.txt"));
    }
    let (img, _) = build(&s, &[]);
    let seen = check::image(&img, &Expected::from_host(&s.path("src")), Options::default());
    if let Some(probe) = &seen.probe {
        let j = probe.joliet().unwrap().dir("/many").unwrap();
        assert!(j.size >= 10 * 2048, "the Joliet directory is only {} bytes", j.size);
        assert_eq!(j.records.len(), 302);
    }
}

/// Pitfall 7: records that exactly fill a sector, and records that would straddle one.
/// With records of equal length L after `.` and `..` (34 bytes each), sector 0 holds
/// ⌊(2048 − 68) / L⌋ of them and the next one must start at byte 2048 (§6.8.1.1), with zeros
/// between. The lengths come from §9.1: 33 + LEN_FI + a pad byte when LEN_FI is even.
/// - ISO 9660, LEN_FI 32 (`26 chars.TXT;1`): 66 bytes, 30 × 66 = 1980 fills sector 0 exactly.
/// - ISO 9660, LEN_FI 31: 64 bytes; 30 fit, 60 bytes stay free.
/// - Joliet, 28 units: 90 bytes, 22 × 90 = 1980 fills sector 0 exactly.
/// - Joliet, 27 units: 88 bytes; 22 fit, 44 bytes stay free.
#[test]
fn records_meet_the_sector_edge() {
    let s = Scratch::new();
    let cases: [(&str, usize, usize, Names, u32); 4] = [
        ("iso_exact", 26, 31, Names::Iso, 66),
        ("iso_straddle", 25, 31, Names::Iso, 64),
        ("jol_exact", 24, 23, Names::Joliet, 90),
        ("jol_straddle", 23, 23, Names::Joliet, 88),
    ];
    for (dir, stem_len, count, _, _) in cases {
        for i in 0..count {
            let stem = format!("{dir}_{i:02}_");
            let stem = format!("{stem}{}", "x".repeat(stem_len - stem.len()));
            s.file(&format!("src/{dir}/{stem}.txt"));
        }
    }
    let (img, _) = build(&s, &[]);
    let seen = check::image(&img, &Expected::from_host(&s.path("src")), Options::default());
    let Some(probe) = &seen.probe else { return };
    for (dir, _, count, names, len) in cases {
        let d = match names {
            Names::Iso => probe.iso().dir(&format!("/{}", dir.to_ascii_uppercase())),
            Names::Joliet => probe.joliet().unwrap().dir(&format!("/{dir}")),
        }
        .unwrap();
        let children = &d.records[2..];
        assert_eq!(children.len(), count);
        assert!(
            children.iter().all(|r| r.len == len),
            "{dir}: record lengths {:?}",
            children.iter().map(|r| r.len).collect::<Vec<_>>()
        );
        let fit = ((2048 - 68) / len) as usize;
        let first_outside = &children[fit];
        assert_eq!(
            first_outside.offset,
            2048,
            "{dir}: record {} starts at {}",
            fit + 1,
            first_outside.offset
        );
        let last_inside = &children[fit - 1];
        assert_eq!(last_inside.offset + last_inside.len, 68 + fit as u32 * len);
        assert_eq!(d.size, 4096, "{dir}: directory size");
    }
}

/// Pitfall 10: a tree of 150 directories over three levels, with names whose order needs §9.3,
/// gives path tables (L and M, ISO 9660 and Joliet) of several blocks that pycdlib and isoinfo
/// read back into the walked tree, in the order of §6.9.1 (the full check rebuilds the tree
/// from each table and checks the order).
#[test]
fn path_tables_match_the_tree() {
    let s = Scratch::new();
    for i in 0..50 {
        let top = format!("top directory with a long name {i:02}");
        s.file(&format!("src/{top}/f"));
        s.file(&format!("src/{top}/B/f"));
        s.file(&format!("src/{top}/A_/g"));
    }
    for d in ["src/A/B/C", "src/A.B/x", "src/AB/y", "src/A_B/z"] {
        s.mkdir(d);
    }
    let (img, _) = build(&s, &[]);
    let seen = check::image(&img, &Expected::from_host(&s.path("src")), Options::default());
    if let Some(probe) = &seen.probe {
        let iso = probe.iso();
        assert_eq!(iso.path_table_l.rows.len(), iso.dirs.len());
        assert!(iso.path_table_l.size > 2048, "the path table should span blocks");
        let j = probe.joliet().unwrap();
        assert_eq!(j.path_table_l.rows.len(), j.dirs.len());
    }
}

/// Pitfall 11: a tree 10 levels deep and a Joliet path longer than 240 bytes are kept (the
/// documented policy, with a warning), and every reader finds the deepest file.
#[test]
fn deep_tree_is_kept() {
    let s = Scratch::new();
    let deep: Vec<String> = (1..=10).map(|i| format!("level{i}")).collect();
    s.file(&format!("src/{}/leaf.txt", deep.join("/")));
    let long: Vec<String> = (0..9).map(|i| format!("a rather long folder name {i:02}")).collect();
    let long_path = format!("src/{}/end.txt", long.join("/"));
    // Longer than 240 bytes whether counted in UTF-8 or in UCS-2 (libisofs's limit).
    assert!(long_path.len() - "src".len() > 240);
    s.file(&long_path);
    let (img, warnings) = build(&s, &[]);
    assert!(warnings.contains("deeper than"), "no warning for the deep tree:\n{warnings}");
    check::image(&img, &Expected::from_host(&s.path("src")), Options::default());
}

// ------------------------------------------------------------------------------------------
// Dates (pitfall 14) and reproducibility (pitfall 19)
// ------------------------------------------------------------------------------------------

/// Pitfall 14: `--date` with offsets +13:00, +05:45 and −12:00. Every record holds the local
/// time with offset byte 52, 23 or −48 (§9.1.5, 15-minute units, east positive); the volume
/// descriptors hold the 16 digits and the same offset; libcdio, 7-Zip and libarchive convert it
/// to the same instant in UTC.
#[test]
fn dates_keep_their_gmt_offset() {
    for (date, offset, utc) in [
        ("2024-01-02T03:04:05+13:00", 52i8, "2024-01-01T14:04:05Z"),
        ("2024-01-02T03:04:05+05:45", 23, "2024-01-01T21:19:05Z"),
        ("2024-01-02T03:04:05-12:00", -48, "2024-01-02T15:04:05Z"),
    ] {
        let s = Scratch::new();
        s.file("src/a.txt");
        s.file("src/sub/b.txt");
        let img = s.path("out.iso");
        mkiso_ok([
            OsStr::new("-o"),
            img.as_os_str(),
            OsStr::new("--date"),
            OsStr::new(date),
            s.path("src").as_os_str(),
        ]);
        let instant = chrono::DateTime::parse_from_rfc3339(utc).unwrap();
        if pycdlib() {
            let probe = Probe::run(&img);
            for (name, tree) in &probe.trees {
                for d in &tree.dirs {
                    for r in &d.records {
                        assert_eq!(
                            spec::date7(&r.date),
                            (2024, 1, 2, 3, 4, 5, offset),
                            "{date}: {name} {} record {:?}",
                            d.path,
                            r.id
                        );
                    }
                }
            }
            for d in probe.descriptors.iter().filter(|d| d.kind != 255) {
                for i in [0, 1] {
                    assert_eq!(
                        spec::date17(&d.dates[i]),
                        ("2024010203040500".to_string(), offset),
                        "{date}: descriptor {} date {i}",
                        d.sector
                    );
                }
            }
        }
        if available("iso-info") {
            let shown = instant.format("%b %d %Y %H:%M:%S").to_string();
            for names in [Names::Joliet, Names::Iso] {
                for r in readers::iso_info_rows(&img, names) {
                    assert_eq!(
                        r.time.as_deref(),
                        Some(shown.as_str()),
                        "{date}: iso-info {names:?} {}",
                        r.path()
                    );
                }
            }
        }
        if available("7zz") {
            let shown = instant.format("%Y-%m-%d %H:%M:%S").to_string();
            for m in readers::sevenzip_fields(&img) {
                let t = m.get("Modified").map(|t| seconds_of(t).to_string());
                assert_eq!(t.as_deref(), Some(shown.as_str()), "{date}: 7zz {}", m["Path"]);
            }
        }
        if available("bsdtar") {
            // libarchive applies the offset only when -48 < offset < 52 (`isodate7` in
            // archive_read_support_format_iso9660.c), so at +13:00 and -12:00, both valid
            // (§9.1.5: -48 to +52), it reads the local time as UTC: a reader bug, modelled.
            let want = if offset == 52 || offset == -48 {
                chrono::NaiveDate::from_ymd_opt(2024, 1, 2)
                    .and_then(|d| d.and_hms_opt(3, 4, 5))
                    .map(|t| t.and_utc().timestamp())
                    .unwrap()
            } else {
                instant.timestamp()
            };
            for (p, t) in readers::bsdtar_mtimes(&img) {
                assert_eq!(t, want, "{date}: bsdtar mtime of {p}");
            }
        }
        if available("isoinfo") {
            // isoinfo prints the recorded (local) day as it is.
            let text = String::from_utf8_lossy(
                &run_ok(common::command("isoinfo").arg("-l").arg("-i").arg(&img)).stdout,
            )
            .into_owned();
            assert!(
                text.lines().filter(|l| l.contains('[')).all(|l| l.contains("Jan  2 2024")),
                "{date}: isoinfo -l\n{text}"
            );
        }
    }
}

/// SOURCE_DATE_EPOCH fixes every date in UTC (offset byte 0), whatever the local zone.
#[test]
fn source_date_epoch_is_recorded_in_utc() {
    let s = Scratch::new();
    s.file("src/a.txt");
    s.file("src/d/b.txt");
    let img = s.path("out.iso");
    run_ok(
        common::imapi()
            .env("TZ", "NZST-12NZDT,M9.5.0,M4.1.0/3")
            .env("SOURCE_DATE_EPOCH", "1704164645")
            .arg("mkiso")
            .arg("-o")
            .arg(&img)
            .arg(s.path("src")),
    );
    if !pycdlib() {
        return;
    }
    let probe = Probe::run(&img);
    for (name, tree) in &probe.trees {
        for d in &tree.dirs {
            for r in &d.records {
                assert_eq!(
                    spec::date7(&r.date),
                    (2024, 1, 2, 3, 4, 5, 0),
                    "{name} {} {:?}",
                    d.path,
                    r.id
                );
            }
        }
    }
    for d in probe.descriptors.iter().filter(|d| d.kind != 255) {
        assert_eq!(spec::date17(&d.dates[0]), ("2024010203040500".to_string(), 0));
    }
}

/// Without `--date`, a record carries its file's modification time at the local GMT offset of
/// that instant (the plan's documented policy). Under New Zealand rules (a POSIX TZ string:
/// +12:00, daylight time +13:00 from September to April), a January time is recorded at
/// offset 52 and a July time at 48, a 1960 time too; readers convert each back to the file's
/// instant (libarchive aside at +13:00, see `dates_keep_their_gmt_offset`).
#[test]
fn file_times_without_date_keep_the_local_offset() {
    let s = Scratch::new();
    let cases = [
        ("january.txt", "2024-01-15T12:00:00Z", (2024, 1, 16, 1, 0, 0, 52i8)),
        ("july.txt", "2024-07-15T12:00:00Z", (2024, 7, 16, 0, 0, 0, 48)),
        ("old.txt", "1960-01-01T12:00:00Z", (1960, 1, 2, 1, 0, 0, 52)),
    ];
    for (name, when, _) in cases {
        let p = s.file(&format!("src/{name}"));
        let secs = chrono::DateTime::parse_from_rfc3339(when).unwrap().timestamp();
        let t = if secs >= 0 {
            std::time::UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
        } else {
            std::time::UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
        };
        fs::File::options().write(true).open(&p).and_then(|f| f.set_modified(t)).unwrap();
    }
    let img = s.path("out.iso");
    run_ok(
        common::imapi()
            .env("TZ", "NZST-12NZDT,M9.5.0,M4.1.0/3")
            .arg("mkiso")
            .arg("-o")
            .arg(&img)
            .arg(s.path("src")),
    );
    check::image(&img, &Expected::from_host(&s.path("src")), Options::default());
    if pycdlib() {
        let probe = Probe::run(&img);
        for (tree_name, tree) in &probe.trees {
            let root = tree.dir("/").unwrap();
            for (name, _, fields) in cases {
                let id = if tree_name == "joliet" {
                    name.to_string()
                } else {
                    format!("{};1", name.to_ascii_uppercase())
                };
                let r = root.records.iter().find(|r| {
                    if tree_name == "joliet" {
                        spec::ucs2(&r.id) == id
                    } else {
                        r.id == id.as_bytes()
                    }
                });
                let got = r.map(|r| spec::date7(&r.date));
                assert_eq!(got, Some(fields), "{tree_name} record date of {name}");
            }
        }
    }
    if available("iso-info") {
        let rows = readers::iso_info_rows(&img, Names::Joliet);
        for (name, when, _) in cases {
            let shown = chrono::DateTime::parse_from_rfc3339(when)
                .unwrap()
                .format("%b %d %Y %H:%M:%S")
                .to_string();
            let row = rows.iter().find(|r| r.name == name).unwrap();
            assert_eq!(row.time.as_deref(), Some(shown.as_str()), "iso-info time of {name}");
        }
    }
    if available("7zz") {
        let fields = readers::sevenzip_fields(&img);
        for (name, when, _) in cases {
            let shown = chrono::DateTime::parse_from_rfc3339(when)
                .unwrap()
                .format("%Y-%m-%d %H:%M:%S")
                .to_string();
            let m = fields.iter().find(|m| m["Path"] == name).unwrap();
            assert_eq!(
                m.get("Modified").map(|t| seconds_of(t)),
                Some(shown.as_str()),
                "7zz time of {name}"
            );
        }
    }
    if available("bsdtar") {
        let times = readers::bsdtar_mtimes(&img);
        for (name, when, (y, mo, d, h, mi, se, offset)) in cases {
            let instant = chrono::DateTime::parse_from_rfc3339(when).unwrap().timestamp();
            // libarchive reads offset 52 as no offset (see dates_keep_their_gmt_offset).
            let want = if offset == 52 {
                chrono::NaiveDate::from_ymd_opt(y, u32::from(mo), u32::from(d))
                    .and_then(|t| t.and_hms_opt(u32::from(h), u32::from(mi), u32::from(se)))
                    .map(|t| t.and_utc().timestamp())
                    .unwrap()
            } else {
                instant
            };
            assert_eq!(times.get(name), Some(&want), "bsdtar time of {name}");
        }
    }
}

/// Creates the same tree in `s/src`, files in the given order, each with its own mtime.
fn make_repro_tree(s: &Scratch, reverse: bool, mtime_base: u64) {
    let mut rels: Vec<String> =
        (0..30).map(|i| format!("src/d{}/file {i:02}.txt", i % 4)).collect();
    rels.extend(["src/empty/".to_string(), "src/z.bin".to_string(), "src/a.bin".to_string()]);
    if reverse {
        rels.reverse();
    }
    for (n, rel) in rels.iter().enumerate() {
        let p = if let Some(d) = rel.strip_suffix('/') {
            s.mkdir(d)
        } else {
            s.write(rel, &common::pattern(100 * (rel.len() % 7), rel.len() as u64))
        };
        let t = std::time::UNIX_EPOCH + Duration::from_secs(mtime_base + 977 * n as u64);
        if p.is_file() {
            fs::File::options().write(true).open(&p).and_then(|f| f.set_modified(t)).unwrap();
        }
    }
}

/// Pitfall 19: the same input with the same `--date` gives byte-identical images whatever the
/// time zone (UTC, New Zealand daylight time, Newfoundland's −03:30), the order the files were
/// created in and their modification times; likewise with SOURCE_DATE_EPOCH. Time zones are
/// POSIX TZ strings, which need no zone database.
#[test]
fn reproducible_across_time_zones_and_creation_order() {
    let (a, b) = (Scratch::new(), Scratch::new());
    make_repro_tree(&a, false, 1_600_000_000);
    make_repro_tree(&b, true, 1_000_000_000);
    let build_with = |s: &Scratch, tz: &str, date: Option<&str>, epoch: Option<&str>| {
        let img =
            s.path(&format!("out-{}.iso", sha256(format!("{tz}{date:?}{epoch:?}").as_bytes())[0]));
        let mut cmd = common::imapi();
        cmd.env("TZ", tz).arg("mkiso").arg("-o").arg(&img);
        if let Some(d) = date {
            cmd.args(["--date", d]);
        }
        if let Some(e) = epoch {
            cmd.env("SOURCE_DATE_EPOCH", e);
        }
        run_ok(cmd.arg(s.path("src")));
        sha256(&fs::read(&img).unwrap())
    };
    let zones = ["UTC0", "NZST-12NZDT,M9.5.0,M4.1.0/3", "NST3:30NDT,M3.2.0,M11.1.0"];
    let date = Some("2024-01-02T03:04:05+13:00");
    let with_date: Vec<_> = zones
        .iter()
        .flat_map(|tz| [build_with(&a, tz, date, None), build_with(&b, tz, date, None)])
        .collect();
    assert!(with_date.windows(2).all(|w| w[0] == w[1]), "--date: images differ");
    let with_epoch: Vec<_> = zones
        .iter()
        .flat_map(|tz| {
            [
                build_with(&a, tz, None, Some("1704164645")),
                build_with(&b, tz, None, Some("1704164645")),
            ]
        })
        .collect();
    assert!(with_epoch.windows(2).all(|w| w[0] == w[1]), "SOURCE_DATE_EPOCH: images differ");
    // The epoch is recorded in UTC, so it is not the +13:00 image; and --date wins over it.
    assert_ne!(with_date[0], with_epoch[0]);
    assert_eq!(build_with(&a, "UTC0", date, Some("1")), with_date[0], "--date must win");
}

// ------------------------------------------------------------------------------------------
// The command line: sources, exclusion, errors, outputs
// ------------------------------------------------------------------------------------------

/// `--exclude` leaves out entries whose name or relative path matches, folders with all
/// they hold.
#[test]
fn exclude_leaves_matching_entries_out() {
    let s = Scratch::new();
    for rel in [
        "src/keep.txt",
        "src/drop.log",
        "src/sub/drop.log",
        "src/sub/keep.md",
        "src/skip/a.txt",
        "src/sub/skip/b.txt",
        "src/sub/deep/named.txt",
    ] {
        s.file(rel);
    }
    let (img, _) =
        build(&s, &["--exclude", "*.log", "--exclude", "skip", "--exclude", "sub/deep/named.txt"]);
    let mut want = Expected::from_host(&s.path("src"));
    for gone in [
        "drop.log",
        "sub/drop.log",
        "skip",
        "skip/a.txt",
        "sub/skip",
        "sub/skip/b.txt",
        "sub/deep/named.txt",
    ] {
        want.listing.remove(gone);
        want.hashes.remove(gone);
    }
    check::image(&img, &want, Options::default());
}

/// Graft points `IMAGEPATH=HOSTPATH` place a folder or a file anywhere, creating the folders
/// on the way; `\=` is a literal `=` on either side.
#[test]
fn graft_points_and_escaped_equals() {
    let s = Scratch::new();
    s.file("tree/one.txt");
    s.file("tree/sub/two.txt");
    s.file("e=q/g=h");
    s.file("single.txt");
    s.file("plain/alone.txt");
    let img = s.path("out.iso");
    let arg = |rel: &str| s.path(rel).into_os_string().into_string().unwrap().replace('=', "\\=");
    mkiso_ok([
        "-o".to_string(),
        img.to_string_lossy().into_owned(),
        "--date".into(),
        DATE.into(),
        format!("x/y={}", arg("tree")),
        format!("p\\=q/r={}", arg("e=q/g=h")),
        format!("top.txt={}", arg("single.txt")),
        format!("deep/er/={}", arg("tree/sub")),
        arg("plain/alone.txt"),
    ]);
    let mut want = Expected::default();
    let mut add = |image: &str, host: &str| {
        let data = fs::read(s.path(host)).unwrap();
        want.listing.insert(image.to_string(), Entry::file(data.len() as u64));
        want.hashes.insert(image.to_string(), sha256(&data));
    };
    add("x/y/one.txt", "tree/one.txt");
    add("x/y/sub/two.txt", "tree/sub/two.txt");
    add("p=q/r", "e=q/g=h");
    add("top.txt", "single.txt");
    add("deep/er/two.txt", "tree/sub/two.txt");
    add("alone.txt", "plain/alone.txt");
    for d in ["x", "x/y", "x/y/sub", "p=q", "deep", "deep/er"] {
        want.listing.insert(d.to_string(), Entry::dir());
    }
    check::image(&img, &want, Options::default());
}

/// Two sources with a file at the same image path: exit 1 with IMAPI_E_FILEEXISTS naming the
/// path; with `--overwrite` the later source wins.
#[test]
fn file_exists_unless_overwrite() {
    let s = Scratch::new();
    s.file("src/f.txt");
    s.file("src/g.txt");
    s.write("other/f.txt", b"the later one\n");
    let img = s.path("out.iso");
    let args = |overwrite: bool| {
        let mut v: Vec<OsString> =
            vec!["-o".into(), img.clone().into(), "--date".into(), DATE.into()];
        if overwrite {
            v.push("--overwrite".into());
        }
        v.push(s.path("src").into());
        let mut graft = OsString::from("f.txt=");
        graft.push(s.path("other/f.txt"));
        v.push(graft);
        v
    };
    let out = mkiso(args(false));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("IMAPI_E_FILEEXISTS") && err.contains("/f.txt"), "{err}");
    assert!(!img.exists());
    mkiso_ok(args(true));
    let mut want = Expected::from_host(&s.path("src"));
    want.hashes.insert("f.txt".into(), sha256(b"the later one\n"));
    want.listing.insert("f.txt".into(), Entry::file(14));
    check::image(&img, &want, Options::default());
}

/// A failing run leaves no image and no temporary file, and an existing image is not touched.
#[test]
fn failing_run_leaves_no_output_and_keeps_the_old_image() {
    let s = Scratch::new();
    s.file("src/a:b");
    s.mkdir("out");
    let img = s.path("out/out.iso");
    let old = b"an older image, not to be clobbered".to_vec();
    fs::write(&img, &old).unwrap();
    let out = mkiso([OsStr::new("-o"), img.as_os_str(), s.path("src").as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(fs::read(&img).unwrap(), old, "the existing image was changed");
    let names: Vec<_> =
        fs::read_dir(s.path("out")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, [OsString::from("out.iso")], "temporary files left behind");
}

/// `-o -` writes the same bytes to standard output as `-o FILE` writes to the file.
#[test]
fn stdout_output_equals_file_output() {
    let s = Scratch::new();
    s.file("src/a.txt");
    s.write("src/b.bin", &common::pattern(5000, 3));
    let (img, _) = build(&s, &[]);
    let out = run_ok(common::imapi().args(["mkiso", "-o", "-", "--date", DATE]).arg(s.path("src")));
    assert_eq!(out.stdout, fs::read(&img).unwrap());
}

/// `--print-size` prints the image size in blocks and writes nothing; the image then has
/// exactly that many blocks, which isoinfo reads as the volume size.
#[test]
fn print_size_matches_the_image() {
    let s = Scratch::new();
    s.file("src/a.txt");
    s.write("src/b.bin", &common::pattern(100_000, 4));
    let img = s.path("out.iso");
    let out = run_ok(
        common::imapi()
            .arg("mkiso")
            .arg("--print-size")
            .arg("-o")
            .arg(&img)
            .args(["--date", DATE])
            .arg(s.path("src")),
    );
    let blocks: u64 =
        String::from_utf8_lossy(&out.stdout).trim().parse().expect("a number of blocks");
    assert!(!img.exists(), "--print-size wrote an image");
    let (img, _) = build(&s, &[]);
    assert_eq!(fs::metadata(&img).unwrap().len(), blocks * 2048);
    if available("isoinfo") {
        let d = readers::isoinfo_descriptor(&img);
        assert!(d.contains(&format!("Volume size is: {blocks}")), "{d}");
    }
}

/// `-o` naming a FIFO, or a symbolic link to a file, writes the image through it: the FIFO
/// receives the bytes (a reader gets the image) and stays a FIFO; the link stays a link and its
/// target gets the image. (Before the fix, the output was renamed over the FIFO or the link —
/// and `-o /dev/stdout` run as root replaced /dev/stdout with a regular file.)
#[test]
fn output_through_a_fifo_or_a_link() {
    use std::os::unix::fs::FileTypeExt;
    let s = Scratch::new();
    s.file("src/a.txt");
    // A sparse source of 3 MiB: the writer seeks over holes when its output is a file.
    let sparse = common::sparse::SparseModel {
        len: 3 << 20,
        runs: vec![(0, common::pattern(5000, 9)), ((3 << 20) - 10, vec![7; 10])],
    };
    sparse.create(&s.path("src/sparse.bin"));
    let (img, _) = build(&s, &[]);
    let want = fs::read(&img).unwrap();

    let fifo = s.path("out.fifo");
    run_ok(common::command("mkfifo").arg(&fifo));
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read(fifo).unwrap())
    };
    let mut child = common::imapi()
        .arg("mkiso")
        .arg("-o")
        .arg(&fifo)
        .args(["--date", DATE])
        .arg(s.path("src"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_or_kill(&mut child, Duration::from_secs(60));
    let is_fifo = fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo();
    if is_fifo && !status.is_some_and(|s| s.success()) {
        // imapi may never have opened the FIFO: open (without blocking) and close its write
        // end, so the reader sees the end of the stream instead of waiting forever.
        use std::os::unix::fs::OpenOptionsExt;
        let _ = fs::OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK).open(&fifo);
    }
    assert!(is_fifo, "the FIFO was replaced by a regular file (status {status:?})");
    let got = reader.join().unwrap();
    assert!(status.is_some_and(|s| s.success()), "imapi failed writing to a FIFO");
    assert_eq!(got, want, "bytes read from the FIFO");

    let target = s.path("real.iso");
    fs::write(&target, b"old").unwrap();
    let link = s.path("link.iso");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    mkiso_ok([
        OsStr::new("-o"),
        link.as_os_str(),
        OsStr::new("--date"),
        OsStr::new(DATE),
        s.path("src").as_os_str(),
    ]);
    assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link was replaced");
    assert_eq!(fs::read(&target).unwrap(), want, "the link's target");
}

/// Waits for `child` up to `limit`; kills it past that. Returns its status when it ended.
fn wait_or_kill(
    child: &mut std::process::Child,
    limit: Duration,
) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ------------------------------------------------------------------------------------------
// Symbolic links
// ------------------------------------------------------------------------------------------

/// Links are skipped with a warning naming each (pitfall 1: a link cannot go in Joliet), and
/// the readers see only the real entries.
#[test]
fn symlinks_are_skipped_with_a_warning() {
    let s = Scratch::new();
    s.file("src/real.txt");
    s.file("src/dir/inner.txt");
    for (link, to) in
        [("src/file-link", "real.txt"), ("src/dir-link", "dir"), ("src/dangling", "nowhere")]
    {
        std::os::unix::fs::symlink(to, s.path(link)).unwrap();
    }
    let (img, warnings) = build(&s, &[]);
    for link in ["file-link", "dir-link", "dangling"] {
        assert!(
            warnings.lines().any(|l| l.contains(link) && l.contains("link")),
            "no warning for {link}:\n{warnings}"
        );
    }
    check::image(&img, &Expected::from_host(&s.path("src")), Options::default());
}

/// Runs mkiso with `--follow-links` on `s/src`, failing if it does not end within a minute.
fn build_following_links(s: &Scratch) -> (PathBuf, String) {
    let img = s.path("out.iso");
    let mut child = common::imapi()
        .arg("mkiso")
        .arg("-o")
        .arg(&img)
        .args(["--date", DATE, "--follow-links"])
        .arg(s.path("src"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let err = std::thread::spawn(move || {
        let mut v = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut v);
        v
    });
    let status = wait_or_kill(&mut child, Duration::from_secs(60));
    let warnings = err.join().unwrap();
    assert!(status.is_some(), "--follow-links did not finish within a minute (loop?)");
    assert!(status.unwrap().success(), "{warnings}");
    (img, warnings)
}

/// `--follow-links` with a link back to an ancestor (a loop) ends, warns about the loop, and
/// puts the linked file's bytes under the link's name.
#[test]
fn follow_links_ends_on_a_loop() {
    let s = Scratch::new();
    s.file("src/d/e/f.txt");
    std::os::unix::fs::symlink("../..", s.path("src/d/e/loop")).unwrap();
    std::os::unix::fs::symlink("d/e/f.txt", s.path("src/flink")).unwrap();
    let (img, warnings) = build_following_links(&s);
    assert!(warnings.contains("loop"), "no warning about the loop:\n{warnings}");
    let mut want = Expected::from_host(&s.path("src"));
    let data = content_of("src/d/e/f.txt");
    want.listing.insert("flink".into(), Entry::file(data.len() as u64));
    want.hashes.insert("flink".into(), sha256(&data));
    check::image(&img, &want, Options::default());
}

/// `--follow-links` with a link to a folder that is not an ancestor (no loop) includes that
/// folder's contents under the link's name, as `mkisofs -f` and `tar -h` do.
/// (Found here and fixed: the walk once skipped any second visit of a folder as a loop.)
#[test]
fn follow_links_reaches_a_sibling_directory() {
    let s = Scratch::new();
    s.file("src/d/f.txt");
    s.mkdir("src/other");
    std::os::unix::fs::symlink("../d", s.path("src/other/dlink")).unwrap();
    let (img, _) = build_following_links(&s);
    let mut want = Expected::from_host(&s.path("src"));
    let data = content_of("src/d/f.txt");
    want.listing.insert("other/dlink".into(), Entry::dir());
    want.listing.insert("other/dlink/f.txt".into(), Entry::file(data.len() as u64));
    want.hashes.insert("other/dlink/f.txt".into(), sha256(&data));
    check::image(&img, &want, Options::default());
}

// ------------------------------------------------------------------------------------------
// A sparse file over 4 GiB (pitfall 6)
// ------------------------------------------------------------------------------------------

/// ECMA-119 multi-extent section size used by the writer and xorriso (4 GiB − 2048).
const SECTION: u64 = 0xFFFF_F800;

/// Free bytes in the file system holding `dir` (`df -P -k`), if df can tell.
fn free_bytes(dir: &Path) -> Option<u64> {
    let out = common::run(common::command("df").args(["-P", "-k"]).arg(dir));
    let text = String::from_utf8_lossy(&out.stdout);
    let kb: u64 = text.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()?;
    Some(kb * 1024)
}

/// Pitfall 6: a sparse file of 4500 MiB with data at the start, across the end of the first
/// section (0xFFFFF800), across 4 GiB and at the end. The writer records it as two sections
/// in both trees. isoinfo, iso-info and isovfy list sections as separate entries (isovfy also
/// counts the multi-extent flag as a fault): their listings must show exactly those sections.
/// 7-Zip, bsdtar and xorriso (both trees) stream the file to a pipe and pycdlib streams it into
/// a SHA-256 (both trees): every byte must match, and nothing is extracted to disk.
///
/// Time: about 35 s on 2 cores, all of it reading (the image is written sparse in
/// milliseconds; pycdlib hashing 2 × 4.4 GiB is the longest part). The readers run at once,
/// and the image is deleted as soon as they are done.
#[test]
fn sparse_file_over_4_gib() {
    let start = Instant::now();
    let big_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let free = free_bytes(&big_dir).unwrap_or(0);
    if free < 6 << 30 {
        assert!(
            !common::required(),
            "{} has only {free} bytes free; 6 GiB needed",
            big_dir.display()
        );
        eprintln!(
            "note: sparse_file_over_4_gib skipped: {free} bytes free in {}",
            big_dir.display()
        );
        return;
    }
    let work = tempfile::Builder::new().prefix("imapi-big-").tempdir_in(&big_dir).unwrap();
    let len: u64 = 4500 << 20;
    let model = common::sparse::SparseModel {
        len,
        runs: vec![
            (0, common::pattern(4096, 1)),
            (SECTION - 1000, common::pattern(2000, 2)),
            ((1 << 32) - 500, common::pattern(3000, 3)),
            (len - 4096, common::pattern(4096, 4)),
        ],
    };
    let src = work.path().join("src");
    fs::create_dir_all(src.join("dir")).unwrap();
    model.create(&src.join("big.bin"));
    fs::write(src.join("small.txt"), b"small\n").unwrap();
    fs::write(src.join("dir/x.txt"), b"x\n").unwrap();
    let img = work.path().join("big.iso");
    let t = Instant::now();
    mkiso_ok([
        OsStr::new("-o"),
        img.as_os_str(),
        OsStr::new("--date"),
        OsStr::new(DATE),
        src.as_os_str(),
    ]);
    let write_time = t.elapsed();
    let on_disk = {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(&img).unwrap().blocks() * 512
    };

    let big_hash = std::thread::spawn({
        let model = model.clone();
        move || model.sha256()
    });
    let mut want = Expected::default();
    want.listing.insert("big.bin".into(), Entry::file(len));
    want.listing.insert("small.txt".into(), Entry::file(6));
    want.listing.insert("dir".into(), Entry::dir());
    want.listing.insert("dir/x.txt".into(), Entry::file(2));
    want.hashes.insert("small.txt".into(), sha256(b"small\n"));
    want.hashes.insert("dir/x.txt".into(), sha256(b"x\n"));

    // Streams, all at once: each reader's bytes against the model.
    let t = Instant::now();
    let mut streams = Vec::new();
    if available("7zz") {
        streams.push(readers::sevenzip_stream(&img, "big.bin"));
    }
    if available("bsdtar") {
        streams.push(readers::bsdtar_stream(&img, "big.bin"));
    }
    if available("xorriso") {
        streams.push(readers::xorriso_stream(&img, Names::Joliet, "big.bin"));
        streams.push(readers::xorriso_stream(&img, Names::Iso, "BIG.BIN;1"));
    }
    let checkers: Vec<_> = streams
        .into_iter()
        .map(|mut st| {
            let model = model.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let out = st.child.stdout.take().unwrap();
                let result = model.compare(out);
                let status = st.child.wait().unwrap();
                eprintln!(
                    "sparse_file_over_4_gib: {} streamed in {:?}",
                    st.reader,
                    started.elapsed()
                );
                (st.reader, st.cmd, result, status)
            })
        })
        .collect();
    let probe = pycdlib().then(|| {
        std::thread::spawn({
            let img = img.clone();
            move || {
                let started = Instant::now();
                let probe = Probe::run(&img);
                eprintln!(
                    "sparse_file_over_4_gib: pycdlib hashed both trees in {:?}",
                    started.elapsed()
                );
                probe
            }
        })
    });
    let mut failures = Vec::new();
    for c in checkers {
        let (reader, cmd, result, status) = c.join().unwrap();
        if let Err(e) = result {
            failures.push(format!("{reader} ({cmd}): {e}"));
        } else if !status.success() {
            failures.push(format!("{reader} ({cmd}): exit {status}"));
        }
    }
    want.hashes.insert("big.bin".into(), big_hash.join().unwrap());
    if let Some(p) = probe {
        let probe = p.join().unwrap();
        for (name, tree) in &probe.trees {
            let joliet = name == "joliet";
            let seen = Expected { listing: tree.listing(), hashes: tree.hashes() };
            let (seen, want_n) = if joliet {
                (seen, want.clone())
            } else {
                (seen.viewed(readers::iso_norm), want.viewed(readers::iso_norm))
            };
            let (l, h) = (seen.listing, seen.hashes);
            if let Some(d) = common::listing_diff(&l, &want_n.listing) {
                failures.push(format!("pycdlib {name}: listing\n{d}"));
            }
            if let Some(d) = common::hashes_diff(&h, &want_n.hashes) {
                failures.push(format!("pycdlib {name}: bytes\n{d}"));
            }
            for d in &tree.dirs {
                failures.extend(spec::check_dir(d, joliet, name));
            }
            // The two sections, in order, flag bit 7 on the first only.
            let root = tree.dir("/").unwrap();
            let sections: Vec<(u32, u8)> = root
                .records
                .iter()
                .filter(|r| r.id == b"BIG.BIN;1" || spec::ucs2(&r.id) == "big.bin")
                .map(|r| (r.size_le, r.flags))
                .collect();
            let rest = u32::try_from(len - SECTION).unwrap();
            if sections != [(u32::try_from(SECTION).unwrap(), 0x80), (rest, 0)] {
                failures.push(format!("pycdlib {name}: sections of big.bin {sections:?}"));
            }
        }
    }
    let read_time = t.elapsed();

    // Listings: sections as separate rows where the reader does so, whole file elsewhere.
    let two_sections = |rows: &[readers::Row], name: &str| -> Option<String> {
        let got: Vec<(u64, Option<u32>)> =
            rows.iter().filter(|r| r.name == name).map(|r| (r.size, r.extent)).collect();
        let ok = got.len() == 2
            && got[0].0 == SECTION
            && got[1].0 == len - SECTION
            && got[0].1 < got[1].1;
        (!ok).then(|| format!("sections of {name}: {got:?}"))
    };
    if available("isoinfo") {
        for (names, name) in [(Names::Joliet, "big.bin"), (Names::Iso, "BIG.BIN;1")] {
            let rows = readers::isoinfo_rows(&img, names);
            failures.extend(two_sections(&rows, name).map(|e| format!("isoinfo {names:?}: {e}")));
            let others: Vec<_> = rows.iter().filter(|r| r.name != name).map(|r| r.path()).collect();
            if others.len() != 3 {
                failures.push(format!("isoinfo {names:?}: other entries {others:?}"));
            }
        }
    }
    if available("iso-info") {
        for (names, name) in [(Names::Joliet, "big.bin"), (Names::Iso, "big.bin")] {
            let rows = readers::iso_info_rows(&img, names);
            failures.extend(two_sections(&rows, name).map(|e| format!("iso-info {names:?}: {e}")));
        }
    }
    if available("isovfy") {
        let lines = readers::isovfy(&img);
        let faults = readers::isovfy_faults(&lines);
        if faults.len() != 1 || !faults[0].contains("Flags=(80)") {
            failures.push(format!(
                "isovfy: expected one fault, the multi-extent flag:\n{}",
                lines.join("\n")
            ));
        }
    }
    if available("7zz") {
        let (l, _) = readers::sevenzip(&img, None);
        failures.extend(common::listing_diff(&l, &want.listing).map(|d| format!("7zz l\n{d}")));
    }
    if available("bsdtar") {
        let (l, _) = readers::bsdtar(&img, None);
        failures
            .extend(common::listing_diff(&l, &want.listing).map(|d| format!("bsdtar -tvf\n{d}")));
    }
    if available("xorriso") {
        let (l, _) = readers::xorriso(&img, Names::Joliet, None);
        failures.extend(common::listing_diff(&l, &want.listing).map(|d| format!("xorriso\n{d}")));
    }
    drop(work);
    eprintln!(
        "sparse_file_over_4_gib: image written in {write_time:?} ({} MiB on disk), read in \
         {read_time:?}, {:?} in all",
        on_disk >> 20,
        start.elapsed()
    );
    common::assert_no_failures("the 4500 MiB sparse file", &failures);
}

// ------------------------------------------------------------------------------------------
// Random trees through xorriso
// ------------------------------------------------------------------------------------------

mod random_trees {
    use proptest::prelude::*;

    use super::build;
    use super::common::readers::{self, Names};
    use super::common::{self, available, hashes_diff, listing_diff, Expected, Scratch};

    /// One entry to create: where (the most recent folder, or the n-th folder made so far),
    /// its name, whether it is a folder, and for a file its size and content seed.
    #[derive(Debug, Clone)]
    struct Spec {
        parent: Option<usize>,
        name: String,
        dir: bool,
        size: usize,
        seed: u64,
    }

    /// Entries with names from ASCII (letters, digits, spaces, dots, dashes) or from accented,
    /// Greek and CJK letters, folders 40 % of the time.
    fn spec() -> impl Strategy<Value = Spec> {
        (
            prop_oneof![3 => Just(None), 2 => any::<usize>().prop_map(Some)],
            "[a-zA-Z0-9 ._-]{1,12}|[a-z éüßΩñ日本語.]{1,20}",
            prop::bool::weighted(0.4),
            0usize..5000,
            any::<u64>(),
        )
            .prop_filter("not . or ..", |(_, n, ..)| n != "." && n != "..")
            .prop_map(|(parent, name, dir, size, seed)| Spec {
                parent,
                name,
                dir,
                size,
                seed,
            })
    }

    /// Creates the entries under `s/src`; folders at most 10 levels below the root; a name
    /// already taken in its folder is skipped.
    fn create(s: &Scratch, specs: &[Spec]) {
        let mut dirs: Vec<(String, usize)> = vec![("src".to_string(), 0)];
        s.mkdir("src");
        let mut taken = std::collections::HashSet::new();
        for sp in specs {
            let i = sp.parent.map_or(dirs.len() - 1, |k| k % dirs.len());
            let (parent, depth) = dirs[i].clone();
            let path = format!("{parent}/{}", sp.name);
            if !taken.insert(path.clone()) || (sp.dir && depth >= 10) {
                continue;
            }
            if sp.dir {
                s.mkdir(&path);
                dirs.push((path, depth + 1));
            } else {
                s.write(&path, &common::pattern(sp.size, sp.seed));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        /// Random small trees (ASCII, spaces, dots, accents, CJK; up to 10 levels; files of
        /// 0–5000 bytes) round-trip through `imapi mkiso` and one xorriso run: the same
        /// listing and the same bytes as the host folder.
        #[test]
        fn random_trees_round_trip_through_xorriso(specs in prop::collection::vec(spec(), 0..30)) {
            if !available("xorriso") {
                return Ok(());
            }
            let s = Scratch::new();
            create(&s, &specs);
            let (img, _) = build(&s, &[]);
            let want = Expected::from_host(&s.path("src"));
            let (listing, hashes) = readers::xorriso(&img, Names::Joliet, Some(&s.path("x")));
            if let Some(d) = listing_diff(&listing, &want.listing) {
                prop_assert!(false, "xorriso listing differs:\n{}", d);
            }
            if let Some(d) = hashes_diff(&hashes.unwrap_or_default(), &want.hashes) {
                prop_assert!(false, "xorriso bytes differ:\n{}", d);
            }
        }
    }
}
