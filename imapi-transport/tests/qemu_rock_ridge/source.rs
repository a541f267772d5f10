//! The source tree of the Rock Ridge guest test: what POSIX file systems hold and ISO 9660
//! cannot, each with a fixed modification time.

use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use std::process::Command;

/// What [`make`] made that the test looks for by name.
pub struct Made {
    /// `./d1/d2/…/d12/file.txt`: below the eighth level, so relocated in the image.
    pub deep_file: String,
    /// Whether device nodes and other owners could be made (as root).
    pub privileged: bool,
    /// A name of NAME_MAX (255) bytes, in `./names`.
    pub name_max: String,
}

/// Sets the permission bits of `p`.
fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Writes `data` to `root/rel` (making its folders) with permission bits `mode`.
fn file(root: &Path, rel: &str, data: &[u8], mode: u32) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, data).unwrap();
    chmod(&p, mode);
}

/// Runs a coreutils command on `path` (after `before`, before `after`); whether it succeeded.
fn run(cmd: &str, before: &[&str], path: &Path, after: &[&str]) -> bool {
    let out = Command::new(cmd)
        .args(before)
        .arg(path)
        .args(after)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    out.status.success()
}

/// Sets the modification (and access) time of `p` itself, links included.
fn set_mtime(p: &Path, secs: i64) {
    let at = format!("@{secs}");
    assert!(run("touch", &["-h", "-d", &at], p, &[]), "touch -h {}", p.display());
}

/// Makes the tree at `root`.
pub fn make(root: &Path) -> Made {
    std::fs::create_dir_all(root).unwrap();
    // Permission bits of files.
    for (name, mode) in [
        ("perm/owner-rw", 0o600),
        ("perm/group-read", 0o640),
        ("perm/tool.sh", 0o755),
        ("perm/read-only", 0o444),
        ("perm/private-exec", 0o700),
        ("perm/set-user-id", 0o4755),
        ("perm/world-writable", 0o666),
    ] {
        file(root, name, format!("{name} {mode:o}\n").as_bytes(), mode);
    }
    file(root, "perm/empty", b"", 0o644);
    file(
        root,
        "perm/big.bin",
        &(0..150_000u32).map(|i| (i * 13 % 251) as u8).collect::<Vec<_>>(),
        0o644,
    );
    // Directories with their own bits (set after their content is in place).
    file(root, "dirs/private/inside", b"private\n", 0o644);
    file(root, "dirs/public/inside", b"public\n", 0o644);
    file(root, "dirs/sealed/inside", b"sealed\n", 0o644);
    file(root, "dirs/group-shared/inside", b"setgid\n", 0o664);
    std::fs::create_dir_all(root.join("dirs/sticky")).unwrap();
    std::fs::create_dir_all(root.join("dirs/empty")).unwrap();
    for (name, mode) in [
        ("dirs/private", 0o700),
        ("dirs/public", 0o755),
        ("dirs/sealed", 0o555),
        ("dirs/group-shared", 0o2775),
        ("dirs/sticky", 0o1777),
    ] {
        chmod(&root.join(name), mode);
    }
    // Symbolic links: relative, absolute, to a directory, dangling, with `.` and `..`, and
    // one whose target is longer than 255 bytes over many components.
    let links = root.join("links");
    std::fs::create_dir_all(&links).unwrap();
    symlink("../perm/tool.sh", links.join("relative")).unwrap();
    symlink("/etc/hostname", links.join("absolute")).unwrap();
    symlink("../dirs/public", links.join("to-dir")).unwrap();
    symlink("does/not/exist", links.join("dangling")).unwrap();
    symlink("./.././perm/../perm/tool.sh", links.join("dots")).unwrap();
    symlink("/", links.join("to-root")).unwrap();
    let long_target: String =
        (1..=20).map(|i| format!("component-number-{i:02}")).collect::<Vec<_>>().join("/");
    assert!(long_target.len() > 255 && long_target.split('/').count() >= 20);
    symlink(&long_target, links.join("long-target")).unwrap();
    let one_long_component = format!("/{}", "c".repeat(250));
    symlink(&one_long_component, links.join("long-component")).unwrap();
    // A component longer than one SL component record holds (255 bytes).
    let huge_component = format!("../{}/end", "h".repeat(300));
    symlink(&huge_component, links.join("huge-component")).unwrap();
    symlink("../dirs/public/", links.join("trailing-slash")).unwrap();
    symlink("café/ñandú", links.join("non-ascii-target")).unwrap();
    // A FIFO, and (as root) devices.
    std::fs::create_dir_all(root.join("special")).unwrap();
    let fifo = root.join("special/pipe");
    assert!(run("mkfifo", &["-m", "620"], &fifo, &[]), "mkfifo");
    // Devices need root (so do other owners): a small minor and one above 255.
    let privileged = run("mknod", &["-m", "640"], &root.join("special/char-dev"), &["c", "1", "3"]);
    if privileged {
        let block = root.join("special/block-dev");
        assert!(run("mknod", &["-m", "660"], &block, &["b", "259", "70000"]), "mknod");
    }
    // Hard links.
    file(root, "hard/one", b"two names, one file\n", 0o644);
    std::fs::hard_link(root.join("hard/one"), root.join("hard/two")).unwrap();
    file(root, "hard/three-a", b"three names\n", 0o640);
    std::fs::hard_link(root.join("hard/three-a"), root.join("hard/three-b")).unwrap();
    std::fs::hard_link(root.join("hard/three-a"), root.join("dirs/public/three-c")).unwrap();
    // Long and non-ASCII names.
    let long_name = format!("{}.txt", "a-long-file-name-".repeat(14));
    assert!(long_name.len() > 230 && long_name.len() <= 255);
    file(root, &format!("names/{long_name}"), b"long name\n", 0o644);
    // The longest name isofs shows whole (253 bytes), and one of NAME_MAX bytes.
    file(root, &format!("names/{}", "x".repeat(253)), b"253\n", 0o644);
    let name_max = "y".repeat(255);
    file(root, &format!("names/{name_max}"), b"NAME_MAX\n", 0o644);
    // A directory whose records fill many sectors, each with a long name.
    for i in 0..150 {
        let name = format!("many/entry-{i:03}-{}", "n".repeat(60 + i % 50));
        file(root, &name, format!("{i}\n").as_bytes(), 0o600 + (i as u32 % 4) * 0o10);
    }
    file(root, "names/café ñandú 日本語.txt", "unicode\n".as_bytes(), 0o644);
    file(root, "names/Ελληνικά/Κείμενο.txt", "greek\n".as_bytes(), 0o644);
    file(root, "names/lower.txt", b"lower\n", 0o644);
    file(root, "names/LOWER.TXT", b"upper\n", 0o644);
    file(root, "names/two  spaces, 'quotes' & more", b"spaces\n", 0o644);
    file(root, "names/.hidden", b"dot\n", 0o644);
    // Twelve directories deep, below ISO 9660's eight levels.
    let chain: Vec<String> = (1..=12).map(|i| format!("d{i}")).collect();
    let deep_rel = format!("{}/file.txt", chain.join("/"));
    file(root, &deep_rel, b"twelve levels down\n", 0o644);
    file(root, "d1/d2/d3/d4/d5/d6/d7/beside-d8", b"not relocated\n", 0o644);
    std::fs::create_dir_all(root.join("d1/d2/d3/d4/d5/d6/d7/d8/d9/sibling")).unwrap();
    // Owners and groups (as root).
    if privileged {
        for (rel, uid, gid) in [
            ("perm/owner-rw", 1000, 100),
            ("perm/group-read", 4242, 4343),
            ("dirs/private", 1000, 1000),
            ("links/relative", 65534, 65534),
            ("special/pipe", 0, 5),
            ("d1/d2/d3/d4/d5/d6/d7/d8", 7, 8),
        ] {
            std::os::unix::fs::lchown(root.join(rel), Some(uid), Some(gid)).unwrap();
        }
        // chown clears set-user-ID and set-group-ID bits: set them again.
        chmod(&root.join("dirs/group-shared"), 0o2775);
    }
    // Fixed times, one per entry, deepest first (children do not change their parent's).
    let mut all = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        all.push(dir.clone());
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                all.push(e.path());
            }
        }
    }
    all.sort();
    for (i, p) in all.iter().enumerate() {
        // From 2001 on, an hour and a few seconds apart.
        set_mtime(p, 1_000_000_000 + i as i64 * 3_607);
    }
    Made { deep_file: format!("./{deep_rel}"), privileged, name_max }
}
