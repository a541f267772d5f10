//! `imapi ls`, `imapi extract` and `imapi verify` as a user runs them, on images built by the
//! library and on images whose names or records were made hostile on purpose.

use std::path::Path;
use std::process::{Command, Output};

use chrono::DateTime;
use imapi_joliet::{BytesSource, PlanOptions, Tree};

fn imapi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imapi")).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// 2024-01-02T03:04:05+13:00.
const DATE: &str = "2024-01-02T03:04:05+13:00";
const DATE_UNIX: i64 = 1_704_117_845;

/// An image of `files` (path, bytes) with every date fixed to [`DATE`].
fn build(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut t = Tree::new();
    for (path, data) in files {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let parent = if dir.is_empty() { t.root() } else { t.add_dirs(dir).unwrap() };
        t.add_file(parent, name, BytesSource::new(data.to_vec())).unwrap();
    }
    let opts = PlanOptions {
        date: Some(DateTime::parse_from_rfc3339(DATE).unwrap()),
        volume_name: Some("READCMDS".into()),
        ..PlanOptions::default()
    };
    let mut iso = Vec::new();
    t.plan(&opts).unwrap().emit(&mut iso).unwrap();
    iso
}

const FILES: &[(&str, &[u8])] = &[
    ("readme.txt", b"read me"),
    ("docs/guide.md", b"# guide"),
    ("docs/deep/notes.txt", b"notes"),
    ("empty", b""),
];

fn sample(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("sample.iso");
    std::fs::write(&p, build(FILES)).unwrap();
    p
}

/// Replaces every occurrence of `from` by `to` (same length), as UCS-2 big-endian when
/// `joliet`, else as bytes: in directory records and path tables alike.
fn patch(img: &mut [u8], from: &str, to: &str, joliet: bool) -> usize {
    let enc = |s: &str| -> Vec<u8> {
        if joliet {
            s.encode_utf16().flat_map(u16::to_be_bytes).collect()
        } else {
            s.as_bytes().to_vec()
        }
    };
    let (from, to) = (enc(from), enc(to));
    assert_eq!(from.len(), to.len());
    let mut n = 0;
    let mut i = 0;
    while i + from.len() <= img.len() {
        if img[i..i + from.len()] == from[..] {
            img[i..i + from.len()].copy_from_slice(&to);
            n += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    n
}

#[test]
fn ls_lists_type_size_and_path() {
    let tmp = tempfile::tempdir().unwrap();
    let iso = sample(tmp.path());
    let iso = iso.to_str().unwrap();
    let out = imapi(&["ls", iso]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "d\t2048\tdocs\nd\t2048\tdocs/deep\nf\t5\tdocs/deep/notes.txt\nf\t7\tdocs/guide.md\n\
         f\t0\tempty\nf\t7\treadme.txt\n"
    );
    let iso_names = imapi(&["ls", "--iso9660", iso]);
    assert!(stdout(&iso_names).contains("f\t5\tDOCS/DEEP/NOTES.TXT;1\n"), "{}", stdout(&iso_names));
    assert!(stdout(&iso_names).contains("f\t0\tEMPTY.;1\n"));
    let sub = imapi(&["ls", iso, "/docs/deep"]);
    assert_eq!(stdout(&sub), "f\t5\tdocs/deep/notes.txt\n");
    let one = imapi(&["ls", "--iso9660", iso, "DOCS/GUIDE.MD"]);
    assert_eq!(stdout(&one), "f\t7\tDOCS/GUIDE.MD;1\n");
}

#[test]
fn ls_json_gives_type_size_path_and_lba() {
    let tmp = tempfile::tempdir().unwrap();
    let iso = sample(tmp.path());
    let out = imapi(&["ls", "--json", iso.to_str().unwrap()]);
    assert!(out.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 6);
    let readme = rows.iter().find(|r| r["path"] == "readme.txt").unwrap();
    assert_eq!(readme["type"], "f");
    assert_eq!(readme["size"], 7);
    let lba = readme["lba"].as_u64().unwrap() as usize;
    let bytes = std::fs::read(&iso).unwrap();
    assert_eq!(&bytes[lba * 2048..lba * 2048 + 7], b"read me");
    let empty = imapi(&["ls", "--json", iso.to_str().unwrap(), "docs/deep/notes.txt/x"]);
    assert_eq!(empty.status.code(), Some(1));
}

#[test]
fn ls_of_a_missing_path_or_a_broken_image_is_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let iso = sample(tmp.path());
    let out = imapi(&["ls", iso.to_str().unwrap(), "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("\"/nope\": no such file or directory"), "{}", stderr(&out));
    let junk = tmp.path().join("junk.iso");
    std::fs::write(&junk, vec![0u8; 40 * 2048]).unwrap();
    let out = imapi(&["ls", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("error: IMAPI_E_INVALIDIMAGE: "), "{}", stderr(&out));
    assert!(stderr(&out).contains("block 16 holds no ISO 9660 volume descriptor"));
    let usage = imapi(&["ls"]);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn extract_writes_the_tree_with_its_dates() {
    let tmp = tempfile::tempdir().unwrap();
    let iso = sample(tmp.path());
    let dest = tmp.path().join("out/nested");
    let out = imapi(&["extract", iso.to_str().unwrap(), dest.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    for (path, data) in FILES {
        assert_eq!(std::fs::read(dest.join(path)).unwrap(), *data, "{path}");
        let t = std::fs::metadata(dest.join(path)).unwrap().modified().unwrap();
        let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        assert_eq!(secs, DATE_UNIX, "{path}");
    }
    let t = std::fs::metadata(dest.join("docs")).unwrap().modified().unwrap();
    assert_eq!(t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64, DATE_UNIX);
    let names: Vec<_> = std::fs::read_dir(&dest).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 3, "no temporary file is left: {names:?}");
}

#[test]
fn extract_takes_paths_and_the_iso_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let iso = sample(tmp.path());
    let iso = iso.to_str().unwrap();
    let dest = tmp.path().join("some");
    let out = imapi(&["extract", iso, dest.to_str().unwrap(), "docs/deep", "readme.txt"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(dest.join("docs/deep/notes.txt")).unwrap(), b"notes");
    assert_eq!(std::fs::read(dest.join("readme.txt")).unwrap(), b"read me");
    assert!(!dest.join("docs/guide.md").exists());
    let iso_dest = tmp.path().join("iso");
    let out = imapi(&["extract", "--iso9660", iso, iso_dest.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(iso_dest.join("DOCS/GUIDE.MD;1")).unwrap(), b"# guide");
}

#[test]
fn extract_never_overwrites_an_existing_file() {
    let tmp = tempfile::tempdir().unwrap();
    let iso = sample(tmp.path());
    let dest = tmp.path().join("out");
    std::fs::create_dir_all(dest.join("docs")).unwrap();
    std::fs::write(dest.join("docs/guide.md"), b"mine").unwrap();
    let out = imapi(&["extract", iso.to_str().unwrap(), dest.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("IMAPI_E_FILEEXISTS"), "{}", stderr(&out));
    assert!(stderr(&out).contains("guide.md exists"), "{}", stderr(&out));
    assert_eq!(std::fs::read(dest.join("docs/guide.md")).unwrap(), b"mine");
    assert!(!dest.join("readme.txt").exists(), "nothing is written once a conflict is found");
}

#[cfg(unix)]
#[test]
fn extract_follows_no_link_in_destdir() {
    let tmp = tempfile::tempdir().unwrap();
    let iso = sample(tmp.path());
    let dest = tmp.path().join("out");
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&dest).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dest.join("docs")).unwrap();
    let out = imapi(&["extract", iso.to_str().unwrap(), dest.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("follows no link"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

/// Images whose names try to climb out of DESTDIR: `..`, `a/../../x`, absolute and drive
/// paths, NUL. Each is refused before anything is written, in the tree where it is.
#[test]
fn extract_refuses_hostile_names() {
    let cases: &[(&str, &str, bool)] = &[
        ("zz", "..", true),
        ("abcdefghi", "a/../../x", true),
        ("etcpasswd", "/etc/pass", true),
        ("cxyz", "C:\\x", true),
        ("nul", "a\0b", true),
        ("ZZ", "..", false),
    ];
    for &(from, to, joliet) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let plain: Vec<(String, &[u8])> = if joliet {
            vec![
                (format!("{from}/inner.txt"), b"x"),
                (format!("{from}.txt"), b"y"),
                ("ok.txt".into(), b"z"),
            ]
        } else {
            vec![(format!("{}/inner.txt", from.to_lowercase()), b"x"), ("ok.txt".into(), b"z")]
        };
        let files: Vec<(&str, &[u8])> = plain.iter().map(|(p, d)| (p.as_str(), *d)).collect();
        let mut img = build(&files);
        assert!(patch(&mut img, from, to, joliet) >= 1, "{from}");
        let iso = tmp.path().join("hostile.iso");
        std::fs::write(&iso, &img).unwrap();
        let dest = tmp.path().join("sub/out");
        let mut args = vec!["extract", iso.to_str().unwrap(), dest.to_str().unwrap()];
        if !joliet {
            args.push("--iso9660");
        }
        let out = imapi(&args);
        assert_eq!(out.status.code(), Some(1), "{to:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("IMAPI_E_INVALIDIMAGE"), "{to:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("nothing was extracted"), "{to:?}: {}", stderr(&out));
        assert!(!dest.exists(), "{to:?}: DESTDIR is not even created");
        let left: Vec<_> =
            std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, ["hostile.iso"], "{to:?}: nothing written beside it");
        assert!(!Path::new("/etc/pass").exists());
    }
}

#[test]
fn extract_refuses_paths_that_climb() {
    let tmp = tempfile::tempdir().unwrap();
    let iso = sample(tmp.path());
    let dest = tmp.path().join("out");
    let out =
        imapi(&["extract", iso.to_str().unwrap(), dest.to_str().unwrap(), "docs/../readme.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("climbs the tree"), "{}", stderr(&out));
    assert!(!dest.exists());
}

#[test]
fn verify_passes_clean_images_and_lists_violations() {
    let tmp = tempfile::tempdir().unwrap();
    let iso = sample(tmp.path());
    let out = imapi(&["verify", "--strict", iso.to_str().unwrap()]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out)
        .ends_with("0 violation(s), 0 relaxation(s), 0 warning(s); ISO 9660 level 1, strict\n"));

    // The big-endian half of the volume space size no longer matches the little-endian one.
    let mut img = std::fs::read(&iso).unwrap();
    img[16 * 2048 + 84..16 * 2048 + 88].copy_from_slice(&7u32.to_be_bytes());
    let bad = tmp.path().join("bad.iso");
    std::fs::write(&bad, &img).unwrap();
    let strict = imapi(&["verify", "--strict", bad.to_str().unwrap()]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(stdout(&strict).contains(
        "violation [endian.pair] primary volume descriptor (block 16): volume space size"
    ));
    assert!(stderr(&strict).starts_with("error: IMAPI_E_INVALIDIMAGE: "), "{}", stderr(&strict));
    let lenient = imapi(&["verify", bad.to_str().unwrap()]);
    assert!(lenient.status.success(), "a lenient verification warns: {}", stdout(&lenient));
    assert!(stdout(&lenient).contains("warning [endian.pair]"));
}

#[test]
fn verify_names_relaxations_without_failing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut t = Tree::new();
    let deep = t.add_dirs("a/b/c/d/e/f/g/h/i").unwrap();
    t.add_file(deep, "leaf", BytesSource::new(&b"leaf"[..])).unwrap();
    let opts = PlanOptions { volume_name: Some("cidata".into()), ..PlanOptions::default() };
    let mut img = Vec::new();
    t.plan(&opts).unwrap().emit(&mut img).unwrap();
    let iso = tmp.path().join("cidata.iso");
    std::fs::write(&iso, img).unwrap();
    let out = imapi(&["verify", "--strict", iso.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("relaxation [vd.volume-id-lowercase]"));
    assert!(stdout(&out).contains("relaxation [path.depth]"));
}

#[test]
fn verify_fails_structural_faults_even_leniently() {
    let tmp = tempfile::tempdir().unwrap();
    let mut img = build(FILES);
    // Make every `docs` directory record point at its tree's root: a cycle.
    let image = imapi_joliet::Image::parse(&img).unwrap();
    let mut patches = Vec::new();
    for (tree, name) in
        [(imapi_joliet::TreeKind::Iso, "DOCS"), (imapi_joliet::TreeKind::Joliet, "docs")]
    {
        let root = image.root(tree).unwrap().block();
        let docs = image.lookup(tree, name).unwrap();
        patches.push((docs.location(), root));
    }
    drop(image);
    for ((block, offset), root) in patches {
        let at = block as usize * 2048 + offset + 2;
        img[at..at + 4].copy_from_slice(&root.to_le_bytes());
        img[at + 4..at + 8].copy_from_slice(&root.to_be_bytes());
    }
    let iso = tmp.path().join("cycle.iso");
    std::fs::write(&iso, img).unwrap();
    let out = imapi(&["verify", iso.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("violation [read]"), "{}", stdout(&out));
    assert!(stdout(&out).contains("already visited"), "{}", stdout(&out));
}
