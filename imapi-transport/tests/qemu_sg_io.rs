//! A real kernel and a real MMC device: boots Debian's Linux kernel under QEMU (TCG) with a
//! busybox initramfs, its SCSI, CD-ROM, virtio and isofs modules, and a `scsi-cd` whose
//! medium is an ISO made by imapi-joliet. Inside, `imapi-drivecheck` (built static) talks to
//! the drive over SG_IO with imapi-transport and imapi-mmc; then the init script mounts the
//! medium with isofs, with Joliet and without, and lists it; the `imapi` command (built
//! static too) asks the drive for its media, lists the disc and lists the recorders. The
//! results come back on the serial console and are checked here against the host's own view
//! of the image.
//!
//! Needs qemu-system-x86_64, a `/boot/vmlinuz-*` with its `/lib/modules`, and a static
//! busybox. Missing pieces skip the test, or fail it when IMAPI_INTEROP_REQUIRED=1.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use imapi_joliet::{HostOptions, PlanOptions, Tree};

mod qemu_guest;

use qemu_guest::{boot, initramfs, tools, Booted, ONE_GUEST};

const TARGET: &str = "x86_64-unknown-linux-gnu";

/// Builds `imapi-drivecheck` and `imapi` (package imapi-cli) static for the guest, in one
/// cargo run; their paths, in that order.
fn build_guest() -> (PathBuf, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let target_dir = root.join("target/qemu-guest");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args(["build", "--quiet", "-p", "imapi-drivecheck", "-p", "imapi-cli", "--target", TARGET])
        .arg("--target-dir")
        .arg(&target_dir)
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .expect("cargo build of imapi-drivecheck and imapi-cli");
    assert!(status.success(), "building the static guest binaries failed");
    let bin = target_dir.join(TARGET).join("debug");
    (bin.join("imapi-drivecheck"), bin.join("imapi"))
}

/// The source tree of the ISO: names that differ between Joliet and ISO 9660.
fn source_tree(dir: &Path) {
    let files: &[(&str, Vec<u8>)] = &[
        ("README.TXT", b"read me\n".to_vec()),
        ("Mixed Case Name.text", b"mixed".repeat(1000)),
        ("docs/manual-chapter-one.html", (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect()),
        ("docs/deep/deeper/café.txt", "unicode name\n".as_bytes().to_vec()),
        ("docs/empty.bin", Vec::new()),
        ("data/blocks.dat", (0..300_000u32).map(|i| (i % 253) as u8).collect()),
    ];
    for (path, data) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
}

const INIT: &str = r#"#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /mnt/joliet /mnt/iso
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
for m in $(/bin/busybox cat /modules.order); do
  /bin/busybox insmod "/modules/$m" || echo "IMAPI insmod-failed $m"
done
echo
i=0
while [ ! -e /dev/sr0 ] && [ $i -lt 200 ]; do /bin/busybox sleep 0.05; i=$((i+1)); done
/imapi-drivecheck probe
/imapi-drivecheck access unmounted /dev/sr0
/bin/busybox mkdir -p /tmp
for c in "media -r /dev/sr0" "ls /dev/sr0" "recorders"; do
  set -- $c
  /imapi "$@" > /tmp/cli.out 2>&1
  echo "IMAPI cli-rc $1 $?"
  /bin/busybox tr '\t' '|' < /tmp/cli.out | /bin/busybox sed "s/^/IMAPI cli-$1 /"
done
if /bin/busybox mount -t iso9660 -o ro,norock,utf8 /dev/sr0 /mnt/joliet; then
  /imapi-drivecheck access mounted /dev/sr0
  /imapi-drivecheck list joliet /mnt/joliet
  /bin/busybox umount /mnt/joliet
else
  echo "IMAPI mount-failed joliet"
fi
if /bin/busybox mount -t iso9660 -o ro,norock,nojoliet,map=off /dev/sr0 /mnt/iso; then
  /imapi-drivecheck list iso /mnt/iso
  /bin/busybox umount /mnt/iso
else
  echo "IMAPI mount-failed iso"
fi
echo "IMAPI done"
/bin/busybox poweroff -f
"#;

fn parse_listing(lines: &[String], label: &str) -> BTreeMap<String, (char, u64, String)> {
    let prefix = format!("IMAPI list {label} ");
    lines
        .iter()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(|rest| {
            let mut it = rest.splitn(4, ' ');
            let kind = it.next().unwrap().chars().next().unwrap();
            let size = it.next().unwrap().parse().unwrap();
            let crc = it.next().unwrap().to_string();
            (it.next().unwrap().to_string(), (kind, size, crc))
        })
        .collect()
}

/// EBUSY on Linux.
fn libc_ebusy() -> i32 {
    16
}

#[test]
fn qemu_scsi_cd_over_sg_io() {
    let Some(tools) = tools() else { return };
    let _one_guest = ONE_GUEST.lock().unwrap_or_else(|p| p.into_inner());
    let started = Instant::now();

    // The medium: an ISO of a known tree, and the host's view of it.
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    source_tree(&src);
    let mut tree = Tree::new();
    let root = tree.root();
    tree.add_host(root, &src, &HostOptions::default()).unwrap();
    let plan = tree.plan(&PlanOptions::default()).unwrap();
    let iso = work.path().join("medium.iso");
    plan.write_to_path(&iso, Default::default()).unwrap();
    let image = std::fs::read(&iso).unwrap();
    let mut joliet_expected = BTreeMap::new();
    let mut iso_expected = BTreeMap::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        for &c in tree.children(id) {
            let (kind, size, crc) = if tree.is_dir(c) {
                stack.push(c);
                ('d', 0, "0".to_string())
            } else {
                let host = src.join(tree.path(c).trim_start_matches('/'));
                let data = std::fs::read(host).unwrap();
                ('f', data.len() as u64, format!("{:08x}", crc32c::crc32c(&data)))
            };
            joliet_expected.insert(tree.path(c), (kind, size, crc.clone()));
            iso_expected.insert(plan.iso_path(c), (kind, size, crc));
        }
    }

    // The initramfs, and a boot with the ISO as the medium.
    let (guest, cli) = build_guest();
    let initrd =
        initramfs(&tools, work.path(), INIT, &[("imapi-drivecheck", &guest), ("imapi", &cli)], &[]);
    let Booted { lines, console, ran } = boot(&tools, &initrd, &iso);
    eprintln!("test {:?} in all", started.elapsed());
    assert!(
        !lines.iter().any(|l| l.starts_with("IMAPI error") || l.contains("failed")),
        "{}",
        lines.join("\n")
    );

    let value = |key: &str| -> String {
        let prefix = format!("IMAPI {key} ");
        lines
            .iter()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no {key} in\n{console}"))
            .to_string()
    };
    // sysfs discovery found the drive as the kernel saw its INQUIRY data.
    let recorder = value("recorder");
    assert!(
        recorder.starts_with("/dev/sr0 QEMU|QEMU CD-ROM|") && recorder.ends_with("|5"),
        "{recorder}"
    );
    // Shared access works beside a mounted file system; exclusive access only without one.
    assert_eq!(value("access unmounted"), "shared=ok exclusive=ok");
    assert_eq!(value("access mounted"), format!("shared=ok exclusive=errno{}", libc_ebusy()));
    let blocks = image.len() as u64 / 2048;
    // Identify: INQUIRY and GET CONFIGURATION.
    assert_eq!(value("inquiry-vendor"), "QEMU");
    assert_eq!(value("inquiry-product"), "QEMU CD-ROM");
    assert_eq!(value("inquiry-type"), "5");
    assert_eq!(value("profile"), "0008");
    assert!(value("profiles").split(',').any(|p| p == "0008*"), "{}", value("profiles"));
    assert_eq!(value("has-tao"), "false");
    // Query: one data track at 0, the lead-out at the image's end.
    assert_eq!(value("toc"), "1 1");
    let entries: Vec<&String> =
        lines.iter().filter(|l| l.starts_with("IMAPI toc-entry ")).collect();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0], "IMAPI toc-entry 01 1 4 0");
    assert_eq!(*entries[1], format!("IMAPI toc-entry aa 1 6 {blocks}"));
    assert_eq!(value("full-toc"), "1 1 a0,a1,a2,01");
    assert!(
        value("disc-info").starts_with("Complete Complete sessions=1 tracks=1..1"),
        "{}",
        value("disc-info")
    );
    assert_eq!(value("capacity"), format!("{} 2048", blocks - 1));
    assert!(value("caps").contains("write-cd-r=false"), "{}", value("caps"));
    // Every block read back through SG_IO equals the image.
    assert_eq!(value("read"), format!("{} {:08x}", image.len(), crc32c::crc32c(&image)));
    // Refusals, decoded from the device's sense data.
    assert_eq!(value("refused WRITE10"), "07/27/00 WriteProtected");
    assert_eq!(value("refused SEND_CUE_SHEET"), "05/20/00 IllegalRequest");
    assert_eq!(value("refused READ_TRACK_INFORMATION"), "05/20/00 IllegalRequest");
    // isofs sees the source tree through Joliet and the planned names without it.
    assert_eq!(parse_listing(&lines, "joliet"), joliet_expected);
    assert_eq!(parse_listing(&lines, "iso"), iso_expected);

    // The `imapi` command over the same drive, through imapi-master.
    for cmd in ["media", "ls", "recorders"] {
        assert_eq!(value(&format!("cli-rc {cmd}")), "0", "imapi {cmd}:\n{}", lines.join("\n"));
    }
    let media: BTreeMap<&str, &str> =
        lines.iter().filter_map(|l| l.strip_prefix("IMAPI cli-media ")?.split_once(": ")).collect();
    assert_eq!(media.get("recorder"), Some(&"/dev/sr0"), "{media:?}");
    assert_eq!(media.get("vendor"), Some(&"QEMU"), "{media:?}");
    // Profile 0008: a pressed CD-ROM, complete, neither blank nor writable.
    assert_eq!(media.get("type"), Some(&"cd-rom"), "{media:?}");
    assert_eq!(media.get("flags"), Some(&"none"), "{media:?}");
    assert_eq!(media.get("sessions"), Some(&"1"), "{media:?}");
    assert_eq!(media.get("last track"), Some(&"1"), "{media:?}");
    assert_eq!(media.get("start address"), Some(&"0"), "{media:?}");
    // `imapi ls /dev/sr0` lists the source tree (directory sizes are their extents').
    let cli_ls: BTreeMap<String, (char, u64)> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("IMAPI cli-ls "))
        .map(|row| {
            let mut f = row.splitn(3, '|');
            let kind = f.next().unwrap().chars().next().unwrap();
            let size: u64 = f.next().unwrap().parse().unwrap();
            let path = f.next().unwrap_or_else(|| panic!("not TYPE|SIZE|PATH: {row}"));
            (format!("/{path}"), (kind, if kind == 'd' { 0 } else { size }))
        })
        .collect();
    let want_ls: BTreeMap<String, (char, u64)> = joliet_expected
        .iter()
        .map(|(p, (kind, size, _))| (format!("/{}", p.trim_start_matches('/')), (*kind, *size)))
        .collect();
    assert_eq!(cli_ls, want_ls);
    // `imapi recorders` finds the drive through sysfs; it writes nothing.
    let rows: Vec<&str> =
        lines.iter().filter_map(|l| l.strip_prefix("IMAPI cli-recorders ")).collect();
    assert!(
        rows.iter().any(|r| r.starts_with("/dev/sr0|QEMU|QEMU CD-ROM|") && r.ends_with("|cd-rom")),
        "{rows:?}"
    );
    assert!(ran < Duration::from_secs(120), "the guest took {ran:?}");
}

/// The init of the two-session guest: mounts the disc from the session at `/msc1` (isofs's
/// `sbsector`) and as the kernel picks it (QEMU's drive reports one session, at 0), lists both.
const INIT_SESSIONS: &str = r#"#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /mnt/last /mnt/first
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
for m in $(/bin/busybox cat /modules.order); do
  /bin/busybox insmod "/modules/$m" || echo "IMAPI insmod-failed $m"
done
echo
i=0
while [ ! -e /dev/sr0 ] && [ $i -lt 200 ]; do /bin/busybox sleep 0.05; i=$((i+1)); done
msc=$(/bin/busybox cat /msc1)
echo "IMAPI sbsector $msc"
if /bin/busybox mount -t iso9660 -o ro,norock,utf8,sbsector=$msc /dev/sr0 /mnt/last; then
  /imapi-drivecheck list last /mnt/last
  /bin/busybox umount /mnt/last
else
  echo "IMAPI mount-failed last"
fi
if /bin/busybox mount -t iso9660 -o ro,norock,utf8 /dev/sr0 /mnt/first; then
  /imapi-drivecheck list first /mnt/first
  /bin/busybox umount /mnt/first
else
  echo "IMAPI mount-failed first"
fi
echo "IMAPI done"
/bin/busybox poweroff -f
"#;

/// A host folder as `imapi-drivecheck list` shows a mounted tree: `/PATH` → (kind, size,
/// CRC-32C).
fn host_entries(root: &Path) -> BTreeMap<String, (char, u64, String)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let path = format!("{rel}/{}", e.file_name().to_string_lossy());
            if e.file_type().unwrap().is_dir() {
                out.insert(path.clone(), ('d', 0, "0".to_string()));
                stack.push((e.path(), path));
            } else {
                let data = std::fs::read(e.path()).unwrap();
                out.insert(
                    path,
                    ('f', data.len() as u64, format!("{:08x}", crc32c::crc32c(&data))),
                );
            }
        }
    }
    out
}

/// Runs the host's `imapi` with its cache and data folders in `home`; asserts exit 0 and
/// returns stdout.
fn host_imapi(cli: &Path, home: &Path, args: &[&str]) -> String {
    let out = Command::new(cli)
        .args(args)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("IMAPI_RECORDER")
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", cli.display()));
    assert!(
        out.status.success(),
        "imapi {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The whole disc in the simulated recorder at `dir` as one file: block LBA at LBA × 2048,
/// read with READ(10) through [`imapi_transport::BlockReader`]; zeros where a block cannot be
/// read (the lead-out and lead-in between the sessions, the run-out blocks). The count of
/// blocks read.
fn flat_disc(dir: &Path, out: &Path) -> u64 {
    use std::io::{Seek, SeekFrom};
    let sim = imapi_transport::sim::SimRecorder::open(dir).unwrap();
    let mut reader = imapi_transport::BlockReader::new(sim).unwrap();
    let blocks = reader.len() / 2048;
    let mut image = Vec::with_capacity(reader.len() as usize);
    let mut block = [0u8; 2048];
    let mut readable = 0;
    for lba in 0..blocks {
        reader.seek(SeekFrom::Start(lba * 2048)).unwrap();
        match reader.read_exact(&mut block) {
            Ok(()) => {
                image.extend_from_slice(&block);
                readable += 1;
            }
            Err(_) => image.extend_from_slice(&[0u8; 2048]),
        }
    }
    std::fs::write(out, image).unwrap();
    readable
}

#[test]
fn qemu_isofs_mounts_the_last_of_two_sessions() {
    let Some(tools) = tools() else { return };
    let (guest, cli) = build_guest();
    let _one_guest = ONE_GUEST.lock().unwrap_or_else(|p| p.into_inner());

    // Two sessions burned by the `imapi` command (the static one runs on the host too).
    let work = tempfile::tempdir().unwrap();
    let home = work.path();
    let one = home.join("one");
    source_tree(&one);
    let two = home.join("two");
    std::fs::create_dir_all(two.join("later/deeper")).unwrap();
    std::fs::write(two.join("later/deeper/added.txt"), b"from the second session\n").unwrap();
    std::fs::write(two.join("Second Session.bin"), vec![7u8; 50_000]).unwrap();
    let drive = home.join("drive");
    let rec = format!("sim:{}", drive.display());
    host_imapi(&cli, home, &["sim", "create", drive.to_str().unwrap(), "--media", "cd-r80"]);
    for src in [&one, &two] {
        host_imapi(&cli, home, &["burn", "-r", &rec, "--quiet", "--data", src.to_str().unwrap()]);
    }
    let media = host_imapi(&cli, home, &["media", "-r", &rec]);
    let field = |key: &str| -> u64 {
        let prefix = format!("{key}: ");
        media
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no {key} in\n{media}"))
            .parse()
            .unwrap()
    };
    assert_eq!(field("sessions"), 2, "{media}");
    let msc1 = field("start address");
    assert!(msc1 > 11_000, "the second session follows a lead-out and a lead-in: {media}");

    let flat = home.join("disc.img");
    let readable = flat_disc(&drive, &flat);
    let image = std::fs::read(&flat).unwrap();
    let blocks = image.len() as u64 / 2048;
    assert!(blocks > msc1 + 16, "{blocks} blocks, the last session at {msc1}");
    assert!(readable < blocks - 11_000, "the gap between the sessions reads as zeros");
    // A primary volume descriptor at 16 blocks into each session.
    for start in [0, msc1] {
        let at = (start as usize + 16) * 2048;
        assert_eq!(&image[at..at + 6], b"\x01CD001", "session at {start}");
    }

    let msc = msc1.to_string();
    let initrd = initramfs(
        &tools,
        home,
        INIT_SESSIONS,
        &[("imapi-drivecheck", &guest), ("imapi", &cli)],
        &[("msc1", msc.as_bytes())],
    );
    let Booted { lines, console, ran } = boot(&tools, &initrd, &flat);
    assert!(
        !lines.iter().any(|l| l.starts_with("IMAPI error") || l.contains("failed")),
        "{}",
        lines.join("\n")
    );
    assert!(lines.iter().any(|l| *l == format!("IMAPI sbsector {msc}")), "{console}");

    // From the last session: the files of both.
    let mut both = host_entries(&one);
    both.extend(host_entries(&two));
    assert_eq!(parse_listing(&lines, "last"), both);
    // As the kernel picks the session itself: QEMU's drive reports one session, at 0, so
    // isofs reads the first one only.
    assert_eq!(parse_listing(&lines, "first"), host_entries(&one));
    assert!(ran < Duration::from_secs(120), "the guest took {ran:?}");
}
