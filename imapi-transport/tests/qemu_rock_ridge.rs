//! Linux's own isofs reads our Rock Ridge images: boots Debian's kernel under QEMU (TCG) with
//! a busybox initramfs and a `scsi-cd` whose medium is an ISO made by imapi-joliet with Rock
//! Ridge from a host tree of varied POSIX files (permission bits, owners, symbolic links of
//! every sort, a FIFO, devices, a hard-linked pair, long and non-ASCII names, fixed times and a
//! 12-level chain of directories that ISO 9660 makes us relocate). The init script mounts the
//! medium with Rock Ridge (isofs's default) and prints `stat`, `readlink`, `crc32` and
//! `ls --full-time -lnR` of every entry on the serial console; the test compares them with
//! `lstat` of the source tree and with the same busybox `ls` run on the host.
//!
//! When xorriso is installed, a second `scsi-cd` holds xorriso's image of the same tree, read
//! and compared the same way: a reference for what isofs shows of a libisofs image.
//!
//! Needs qemu-system-x86_64, a `/boot/vmlinuz-*` with its `/lib/modules`, and a static
//! busybox. Missing pieces skip the test, or fail it when IMAPI_INTEROP_REQUIRED=1.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use imapi_joliet::{HostOptions, PlanOptions, Tree};

mod qemu_guest;
#[path = "qemu_rock_ridge/source.rs"]
mod source;

use qemu_guest::{boot_media, initramfs, tools, which, Booted, ONE_GUEST};

/// Mounts each medium with Rock Ridge and lists it under the label of its volume identifier:
/// `stat` of every entry, each link's target, each file's CRC-32, `ls -lnR`, and what the
/// kernel logged of it (isofs names the extension of the `ER` entry it found); then mounts it
/// without Rock Ridge and prints how deep its ISO 9660 tree goes and whether `rr_moved` is
/// there.
const INIT: &str = r#"#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin TZ=UTC0 LANG=C.UTF-8
mkdir -p /proc /sys /dev /tmp /mnt
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules.order); do
  insmod "/modules/$m" || echo "IMAPI insmod-failed $m"
done
echo
want=$(cat /drives)
i=0
while [ ! -e /dev/sr$((want-1)) ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
list() {
  cd "$2" || return
  find . -exec stat -c "IMAPI $1 stat %f|%h|%u|%g|%s|%Y|%t|%T|%n" {} +
  find . -type l | while IFS= read -r l; do echo "IMAPI $1 link $l|$(readlink "$l")"; done
  find . -type f -exec crc32 {} + | sed "s/^/IMAPI $1 crc /"
  ls --full-time -lnR . | sed "s/^/IMAPI $1 ls /"
  cd /
}
n=0
while [ $n -lt "$want" ]; do
  dev=/dev/sr$n
  label=$(dd if=$dev bs=2048 skip=16 count=1 2>/dev/null | dd bs=1 skip=40 count=32 2>/dev/null | tr -d ' ')
  echo "IMAPI medium $dev $label"
  mkdir -p "/mnt/$label"
  start=$(cat /proc/uptime)
  dmesg -c > /dev/null
  if mount -t iso9660 -o ro $dev "/mnt/$label"; then
    list "$label" "/mnt/$label"
    umount "/mnt/$label"
  else
    echo "IMAPI mount-failed $label"
  fi
  dmesg -c | grep -i -e isofs -e iso9660 -e rock -e extensions | sed "s/^/IMAPI $label dmesg /"
  echo "IMAPI timing $label ${start%% *} $(cut -d' ' -f1 /proc/uptime)"
  if mount -t iso9660 -o ro,norock,nojoliet $dev "/mnt/$label"; then
    cd "/mnt/$label"
    deepest=$(find . -type d | awk -F/ '{ if (NF - 1 > m) m = NF - 1 } END { print m }')
    echo "IMAPI $label plain $deepest $(ls -d rr_moved 2>/dev/null)"
    cd /
    umount "/mnt/$label"
  else
    echo "IMAPI mount-failed $label plain"
  fi
  n=$((n+1))
done
echo "IMAPI done"
poweroff -f
"#;

/// Differences of our image from the source that are known and not resolved yet: a text the
/// difference's line contains, and why. Each is printed, and must still be seen; any other
/// difference fails the test.
const KNOWN: &[(&str, &str)] = &[];

/// One entry as `stat` shows it: mode (type and permission bits), links, owner, group, size,
/// modification time (seconds), device major and minor.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stat {
    mode: u32,
    links: u64,
    uid: u32,
    gid: u32,
    size: u64,
    mtime: i64,
    rdev: (u64, u64),
}

/// Everything the guest prints of one entry.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Seen {
    stat: Option<Stat>,
    target: Option<String>,
    crc: Option<u32>,
}

/// The guest's view of medium `label`: `./PATH` → what it printed; the `ls` lines; what the
/// kernel logged.
type GuestView = (BTreeMap<String, Seen>, Vec<String>, Vec<String>);

/// The guest's view of medium `label`.
fn parse_guest(lines: &[String], label: &str) -> GuestView {
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    let mut ls = Vec::new();
    let mut dmesg = Vec::new();
    let prefix = format!("IMAPI {label} ");
    for line in lines.iter().filter_map(|l| l.strip_prefix(&prefix)) {
        if let Some(rest) = line.strip_prefix("stat ") {
            let f: Vec<&str> = rest.splitn(9, '|').collect();
            assert_eq!(f.len(), 9, "not a stat line: {line}");
            let hex = |s: &str| u64::from_str_radix(s, 16).unwrap_or_else(|_| panic!("{line}"));
            let dec = |s: &str| s.parse::<i64>().unwrap_or_else(|_| panic!("{line}"));
            let stat = Stat {
                mode: hex(f[0]) as u32,
                links: dec(f[1]) as u64,
                uid: dec(f[2]) as u32,
                gid: dec(f[3]) as u32,
                size: dec(f[4]) as u64,
                mtime: dec(f[5]),
                rdev: (hex(f[6]), hex(f[7])),
            };
            seen.entry(f[8].to_string()).or_default().stat = Some(stat);
        } else if let Some(rest) = line.strip_prefix("link ") {
            let (path, target) = rest.split_once('|').unwrap_or_else(|| panic!("{line}"));
            seen.entry(path.to_string()).or_default().target = Some(target.to_string());
        } else if let Some(rest) = line.strip_prefix("crc ") {
            let (crc, path) = rest.split_once(' ').unwrap_or_else(|| panic!("{line}"));
            let crc = u32::from_str_radix(crc, 16).unwrap_or_else(|_| panic!("{line}"));
            seen.entry(path.to_string()).or_default().crc = Some(crc);
        } else if let Some(rest) = line.strip_prefix("ls ") {
            ls.push(rest.to_string());
        } else if line == "ls" {
            ls.push(String::new());
        } else if let Some(rest) = line.strip_prefix("dmesg ") {
            dmesg.push(rest.to_string());
        }
    }
    (seen, ls, dmesg)
}

/// CRC-32 (the zlib and busybox `crc32` one: reflected 0x04C11DB7, all ones in and out).
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// The device number isofs shows for `(major, minor)` when the image records the C library's
/// `dev_t` (high and low 32 bits in `PN`, as RRIP says): with nothing in the high word and more
/// than 8 bits in the low one, Linux takes the low word for an old 8:8 number and keeps the
/// major and the minor's low 8 bits only.
fn isofs_rdev(major: u64, minor: u64) -> (u64, u64) {
    if minor > 0xff && major < 0x1000 {
        (major, minor & 0xff)
    } else {
        (major, minor)
    }
}

/// The host's view of the source tree at `root`, as the guest prints it; a directory's links
/// are 2 and one per subdirectory (whatever the host's file system counts), a device's number
/// is what isofs shows of it ([`isofs_rdev`]).
fn host_view(root: &Path) -> BTreeMap<String, Seen> {
    let mut out = BTreeMap::new();
    let mut stack = vec![(root.to_path_buf(), ".".to_string())];
    while let Some((path, rel)) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let ft = meta.file_type();
        let rdev = meta.rdev();
        let is_device = {
            use std::os::unix::fs::FileTypeExt;
            ft.is_char_device() || ft.is_block_device()
        };
        let stat = Stat {
            mode: meta.mode(),
            links: meta.nlink(),
            uid: meta.uid(),
            gid: meta.gid(),
            size: meta.size(),
            mtime: meta.mtime(),
            rdev: if is_device {
                isofs_rdev(u64::from(libc::major(rdev)), u64::from(libc::minor(rdev)))
            } else {
                (0, 0)
            },
        };
        let mut seen = Seen { stat: Some(stat), ..Seen::default() };
        if ft.is_symlink() {
            let target = std::fs::read_link(&path).unwrap();
            seen.target = Some(target.to_str().unwrap().to_string());
        } else if ft.is_file() {
            seen.crc = Some(crc32(&std::fs::read(&path).unwrap()));
        } else if ft.is_dir() {
            let mut links = 2;
            for e in std::fs::read_dir(&path).unwrap() {
                let e = e.unwrap();
                let name = e.file_name().into_string().unwrap();
                links += u64::from(e.file_type().unwrap().is_dir());
                stack.push((e.path(), format!("{rel}/{name}")));
            }
            if let Some(stat) = seen.stat.as_mut() {
                stat.links = links;
            }
        }
        out.insert(rel, seen);
    }
    out
}

/// `ls --full-time -lnR` of the source tree by the host's busybox, in UTC.
fn host_ls(busybox: &Path, root: &Path) -> Vec<String> {
    let out = Command::new(busybox)
        .args(["ls", "--full-time", "-lnR", "."])
        .current_dir(root)
        .env_clear()
        .env("TZ", "UTC0")
        .env("LANG", "C.UTF-8")
        .output()
        .expect("busybox ls");
    assert!(out.status.success(), "busybox ls: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
}

/// `ls -lR` lines, each after the heading of its directory (`./dir: line`), with what cannot
/// agree left out: the `total` lines (allocated blocks) and the entries whose name starts with
/// one of `skip` go, and a directory's links and size (the host file system's, against
/// [`host_view`]'s count and an extent's, both compared there) become `-`.
fn ls_comparable(lines: &[String], skip: &[&str]) -> Vec<String> {
    let mut heading = String::new();
    let mut out = Vec::new();
    for l in lines {
        if l.is_empty()
            || l.starts_with("total ")
            || skip.iter().any(|s| l.contains(&format!(" {s}")))
        {
            continue;
        }
        if let Some(dir) = l.strip_suffix(':').filter(|_| l.starts_with('.')) {
            heading = dir.to_string();
            out.push(format!("{heading}:"));
            continue;
        }
        let l = if l.starts_with('d') { blank_fields(l, &[2, 5]) } else { l.clone() };
        out.push(format!("{heading}: {l}"));
    }
    out
}

/// The lines of `want` missing from `got` and those `got` has over `want`.
fn line_differences(want: &[String], got: &[String]) -> Vec<String> {
    let mut out: Vec<String> =
        want.iter().filter(|l| !got.contains(l)).map(|l| format!("host only: {l}")).collect();
    out.extend(got.iter().filter(|l| !want.contains(l)).map(|l| format!("guest only: {l}")));
    if out.is_empty() && want != got {
        out.push("the same lines in another order".to_string());
    }
    out
}

/// `line` with its whitespace-separated fields numbered in `which` (from 1) replaced by `-`.
fn blank_fields(line: &str, which: &[usize]) -> String {
    let mut out = String::new();
    let mut field = 0;
    let mut in_field = false;
    for c in line.chars() {
        if c.is_whitespace() {
            in_field = false;
        } else if !in_field {
            in_field = true;
            field += 1;
            if which.contains(&field) {
                out.push('-');
            }
        }
        if !(in_field && which.contains(&field)) {
            out.push(c);
        }
    }
    out
}

/// Our Rock Ridge image of `src` at `out`, volume identifier `label`: POSIX attributes from
/// the host walk, deep directories relocated.
fn our_image(src: &Path, out: &Path, label: &str) {
    let mut tree = Tree::new();
    let root = tree.root();
    let posix = HostOptions { posix: true, ..HostOptions::default() };
    let warnings = tree.add_host(root, src, &posix).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let opts = PlanOptions {
        rock_ridge: true,
        relocate_deep: true,
        volume_name: Some(label.to_string()),
        ..PlanOptions::default()
    };
    let plan = tree.plan(&opts).unwrap();
    plan.write_to_path(out, Default::default()).unwrap();
}

/// xorriso's Rock Ridge and Joliet image of `src` at `out` (deep directories relocated to
/// `rr_moved`, hard links recorded), without `links/huge-component`: xorriso 1.5.4 aborts on
/// a link target component of 256 bytes or more.
fn xorriso_image(src: &Path, out: &Path, label: &str) {
    let status = Command::new("xorriso")
        .args(["-as", "mkisofs", "-quiet", "-R", "-J", "--hardlinks", "-m", "huge-component"])
        .args(["-rr_reloc_dir", "rr_moved", "-V", label, "-o"])
        .arg(out)
        .arg(src)
        .status()
        .expect("xorriso");
    assert!(status.success(), "xorriso -as mkisofs");
}

/// Renames in `got` the entries isofs shows under a shortened name: it drops the `NM` entry
/// that would make a name 254 bytes or longer, so a name of 254 or 255 bytes comes out as a
/// strict prefix of itself. Notes what it renamed.
fn undo_isofs_truncation(
    want: &BTreeMap<String, Seen>,
    got: &mut BTreeMap<String, Seen>,
) -> Vec<String> {
    let mut notes = Vec::new();
    for path in want.keys() {
        let Some((dir, name)) = path.rsplit_once('/') else { continue };
        if name.len() < 254 || got.contains_key(path) {
            continue;
        }
        let shown = got.keys().find(|g| {
            g.rsplit_once('/')
                .is_some_and(|(d, n)| d == dir && !n.is_empty() && name.starts_with(n))
        });
        if let Some(shown) = shown.cloned() {
            let len = shown.len() - dir.len() - 1;
            notes.push(format!(
                "{dir}/: isofs shows a {}-byte name as its first {len} bytes",
                name.len()
            ));
            let seen = got.remove(&shown).unwrap_or_default();
            got.insert(path.clone(), seen);
        }
    }
    notes
}

/// The differences between the host's view and the guest's, one line each; directories'
/// sizes are not compared, nor their links unless `dir_links`.
fn differences(
    want: &BTreeMap<String, Seen>,
    got: &BTreeMap<String, Seen>,
    dir_links: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for (path, w) in want {
        let Some(g) = got.get(path) else {
            out.push(format!("{path}: missing"));
            continue;
        };
        let (Some(ws), Some(gs)) = (&w.stat, &g.stat) else {
            out.push(format!("{path}: no stat line"));
            continue;
        };
        let is_dir = ws.mode & 0o170000 == 0o040000;
        let mut diff = |what: &str, w: String, g: String| {
            if w != g {
                out.push(format!("{path}: {what} {w} on the host, {g} in the guest"));
            }
        };
        diff("mode", format!("{:o}", ws.mode), format!("{:o}", gs.mode));
        if dir_links || !is_dir {
            diff("links", ws.links.to_string(), gs.links.to_string());
        }
        diff("uid", ws.uid.to_string(), gs.uid.to_string());
        diff("gid", ws.gid.to_string(), gs.gid.to_string());
        if !is_dir {
            diff("size", ws.size.to_string(), gs.size.to_string());
        }
        diff("mtime", ws.mtime.to_string(), gs.mtime.to_string());
        diff("rdev", format!("{:?}", ws.rdev), format!("{:?}", gs.rdev));
        diff("target", format!("{:?}", w.target), format!("{:?}", g.target));
        diff("crc", format!("{:?}", w.crc), format!("{:?}", g.crc));
    }
    for path in got.keys().filter(|p| !want.contains_key(*p)) {
        out.push(format!("{path}: in the guest only"));
    }
    out
}

#[test]
fn qemu_isofs_reads_rock_ridge() {
    let Some(tools) = tools() else { return };
    let _one_guest = ONE_GUEST.lock().unwrap_or_else(|p| p.into_inner());
    let started = Instant::now();

    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    let made = source::make(&src);
    let want = host_view(&src);
    // Left out of `ls`, compared in `stat` only: the block device whose minor isofs cuts to 8
    // bits ([`isofs_rdev`]), the name isofs shortens ([`undo_isofs_truncation`]).
    let ls_skip = ["block-dev", &made.name_max[..64]];
    let want_ls = ls_comparable(&host_ls(&tools.busybox, &src), &ls_skip);

    let mut media: Vec<(&str, PathBuf)> = Vec::new();
    let ours = work.path().join("ours.iso");
    our_image(&src, &ours, "OURS");
    media.push(("OURS", ours));
    if which("xorriso").is_some() {
        let reference = work.path().join("reference.iso");
        xorriso_image(&src, &reference, "REFERENCE");
        media.push(("REFERENCE", reference));
    }
    let drives = media.len().to_string();
    let initrd = initramfs(&tools, work.path(), INIT, &[], &[("drives", drives.as_bytes())]);
    let paths: Vec<&Path> = media.iter().map(|(_, p)| p.as_path()).collect();
    let Booted { lines, console, ran } = boot_media(&tools, &initrd, &paths);
    eprintln!("test {:?} in all", started.elapsed());
    assert!(!lines.iter().any(|l| l.contains("failed")), "{}\n{console}", lines.join("\n"));

    // Our image must agree in every point; the reference's differences are shown only.
    let mut report = Vec::new();
    for (label, _) in &media {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("IMAPI medium ") && l.ends_with(&format!(" {label}"))),
            "medium {label} not found:\n{console}"
        );
        // Without Rock Ridge the tree is at most 8 levels deep (the root and 7 below it), with
        // a relocation directory: what isofs shows in place was relocated.
        let plain = format!("IMAPI {label} plain ");
        let plain = lines.iter().find_map(|l| l.strip_prefix(&plain));
        assert_eq!(plain, Some("7 rr_moved"), "{label}: the ISO 9660 tree's depth");
        let (mut got, ls, dmesg) = parse_guest(&lines, label);
        for note in undo_isofs_truncation(&want, &mut got) {
            eprintln!("{label}: {note}");
        }
        // libisofs records 1 as every directory's link count.
        let mut found = differences(&want, &got, *label == "OURS");
        let got_ls = ls_comparable(&ls, &ls_skip);
        assert!(got_ls.len() > 50, "{label}: too short a listing:\n{}", got_ls.join("\n"));
        found.extend(
            line_differences(&want_ls, &got_ls).into_iter().map(|d| format!("ls -lnR {d}")),
        );
        // isofs found the RRIP 1.12 `ER` of ours and complained of nothing.
        let (extensions, complaints): (Vec<String>, Vec<String>) =
            dmesg.into_iter().partition(|l| l.contains("ISO 9660 Extensions: "));
        found.extend(complaints.iter().map(|l| format!("the kernel logged: {l}")));
        eprintln!("{label}: {extensions:?}");
        if *label == "OURS" && !extensions.iter().any(|l| l.ends_with("Extensions: IEEE_P1282")) {
            found.push(format!("no IEEE_P1282 extension logged: {extensions:?}"));
        }
        let found: Vec<String> = found.into_iter().map(|d| format!("{label}: {d}")).collect();
        eprintln!("{label}: {} differences\n{}", found.len(), found.join("\n"));
        if *label == "OURS" {
            report = found;
        }
    }
    let (known, report): (Vec<String>, Vec<String>) =
        report.into_iter().partition(|d| KNOWN.iter().any(|(text, _)| d.contains(text)));
    for (text, why) in KNOWN {
        let seen = known.iter().filter(|d| d.contains(text)).count();
        eprintln!("known difference \"{text}\" ({why}): seen {seen} times");
        // The list stays exact: a difference resolved leaves it.
        assert!(seen > 0, "known difference \"{text}\" no longer seen: take it out of KNOWN");
    }
    assert!(report.is_empty(), "{} differences:\n{}", report.len(), report.join("\n"));
    // What the source holds, so that a smaller tree cannot pass unnoticed.
    assert!(made.deep_file.split('/').count() > 12, "{}", made.deep_file);
    assert!(want.contains_key(&made.deep_file), "{}", made.deep_file);
    assert_eq!(want.contains_key("./special/char-dev"), made.privileged);
    assert!(ran < Duration::from_secs(100), "the guest took {ran:?}");
}
