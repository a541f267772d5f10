//! Helpers shared by the integration tests: host trees, external tools, image trees.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::Command;

use imapi_joliet::read::{Image, ReadAt, TreeKind};

/// A tree as path → contents (`None` for a directory), paths without a leading `/`.
pub type TreeMap = BTreeMap<String, Option<Vec<u8>>>;

/// Whether `tool` can run. When it cannot, the test fails if `IMAPI_INTEROP_REQUIRED=1`, else
/// it prints a note and the caller skips.
pub fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        assert!(
            std::env::var("IMAPI_INTEROP_REQUIRED").as_deref() != Ok("1"),
            "{tool} is required (IMAPI_INTEROP_REQUIRED=1) but not installed"
        );
        eprintln!("note: {tool} is not installed; skipping this interop test");
    }
    found
}

/// Whether python3 can import pycdlib (same policy as [`have`]).
pub fn have_pycdlib() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import pycdlib"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var("IMAPI_INTEROP_REQUIRED").as_deref() != Ok("1"),
            "pycdlib is required (IMAPI_INTEROP_REQUIRED=1) but not importable"
        );
        eprintln!("note: pycdlib is not importable; skipping this interop test");
    }
    ok
}

/// Runs a command, failing the test with its output when it fails.
pub fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `tool` (`xorriso` in its mkisofs emulation, or `genisoimage`) quietly with `args`,
/// writing the image of `src` to `out`.
pub fn mkisofs(tool: &str, args: &[&str], src: &Path, out: &Path) {
    let mut cmd = Command::new(tool);
    if tool == "xorriso" {
        cmd.args(["-as", "mkisofs"]);
    }
    run(cmd.arg("-quiet").args(args).arg("-o").arg(out).arg(src));
}

/// Deterministic bytes: a small xorshift stream seeded by `seed`.
pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Writes a varied tree under `root`: nested directories, an empty one, an empty file, a
/// file spanning several blocks, a long mixed-case name, a name with a non-ASCII letter.
pub fn sample_tree(root: &Path) {
    let files: &[(&str, usize)] = &[
        ("hello.txt", 6),
        ("empty.dat", 0),
        ("docs/Readme With Spaces.md", 1234),
        ("docs/a_rather_long_file_name_for_joliet.text", 4097),
        ("docs/caf\u{e9}.txt", 10),
        ("docs/deep/er/still/file.bin", 70_000),
        ("bin/tool", 2048),
        ("bin/tool.sh", 2049),
    ];
    for (i, (path, len)) in files.iter().enumerate() {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes(i as u64 + 1, *len)).unwrap();
    }
    std::fs::create_dir_all(root.join("empty_dir")).unwrap();
}

/// Reads a host tree into a [`TreeMap`].
pub fn host_tree(root: &Path) -> TreeMap {
    let mut out = TreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let rel = e.path().strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if e.file_type().unwrap().is_dir() {
                out.insert(rel, None);
                stack.push(e.path());
            } else {
                out.insert(rel, Some(std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out
}

/// Reads tree `tree` of an image into a [`TreeMap`], files streamed through
/// [`Image::open`].
pub fn image_tree<S: ReadAt>(image: &Image<S>, tree: TreeKind) -> TreeMap {
    let mut out = TreeMap::new();
    for e in image.walk(tree).unwrap() {
        let e = e.unwrap();
        let content = if e.entry.is_dir() {
            None
        } else {
            let mut v = Vec::new();
            image.open(&e.entry).unwrap().read_to_end(&mut v).unwrap();
            assert_eq!(v.len() as u64, e.entry.size(), "{}", e.path);
            Some(v)
        };
        assert!(out.insert(e.path.clone(), content).is_none(), "{} twice", e.path);
    }
    out
}

/// The paths of a tree, for readable failure messages.
pub fn paths(t: &TreeMap) -> Vec<&str> {
    t.keys().map(String::as_str).collect()
}

/// A two-session disc made with genisoimage: `old/first.txt` in the first session,
/// `second.txt` added by the second, which starts 100 blocks after the first's end. Gives
/// the disc and the second session's first block.
pub fn two_sessions(tmp: &Path) -> (Vec<u8>, u32) {
    let (one, two) = (tmp.join("one"), tmp.join("two"));
    std::fs::create_dir_all(one.join("old")).unwrap();
    std::fs::write(one.join("old/first.txt"), b"first session").unwrap();
    std::fs::create_dir_all(&two).unwrap();
    std::fs::write(two.join("second.txt"), b"second session").unwrap();
    let s1 = tmp.join("s1.iso");
    run(Command::new("genisoimage").args(["-quiet", "-J", "-R", "-o"]).arg(&s1).arg(&one));
    let first = std::fs::read(&s1).unwrap();
    let start = (first.len() / 2048 + 100) as u32;
    let s2 = tmp.join("s2.bin");
    run(Command::new("genisoimage")
        .args(["-quiet", "-J", "-R", "-C", &format!("0,{start}"), "-M"])
        .arg(&s1)
        .arg("-o")
        .arg(&s2)
        .arg(&two));
    let mut disc = first;
    disc.resize(start as usize * 2048, 0);
    disc.extend(std::fs::read(&s2).unwrap());
    (disc, start)
}

pub mod sparse;

/// Writes at `iso` an image made by pycdlib: `/dir1/hello.txt` ("hello pycdlib"), `/big.bin`
/// (0..=255 forty times) and an empty `/empty`, named `DIR1`, `HELLO.TXT;1`, `BIG.BIN;1` and
/// `EMPTY.;1` in the ISO 9660 tree; volume `PYCDLIB`.
pub fn pycdlib_sample(iso: &Path) {
    let script = r#"
import io, sys, pycdlib
iso = pycdlib.PyCdlib()
iso.new(interchange_level=3, joliet=3, vol_ident='PYCDLIB')
iso.add_directory('/DIR1', joliet_path='/dir1')
hello = b'hello pycdlib'
iso.add_fp(io.BytesIO(hello), len(hello), '/DIR1/HELLO.TXT;1', joliet_path='/dir1/hello.txt')
big = bytes(range(256)) * 40
iso.add_fp(io.BytesIO(big), len(big), '/BIG.BIN;1', joliet_path='/big.bin')
iso.add_fp(io.BytesIO(b''), 0, '/EMPTY.;1', joliet_path='/empty')
iso.write(sys.argv[1])
iso.close()
"#;
    run(Command::new("python3").args(["-c", script]).arg(iso));
}

/// A source of `len` zero bytes that never holds them in memory.
#[derive(Debug)]
pub struct Zeros(pub u64);

impl imapi_joliet::Source for Zeros {
    fn len(&self) -> std::io::Result<u64> {
        Ok(self.0)
    }
    fn open_at(&self, offset: u64) -> std::io::Result<Box<dyn Read + Send + '_>> {
        Ok(Box::new(std::io::repeat(0).take(self.0.saturating_sub(offset))))
    }
}
