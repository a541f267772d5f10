//! What the QEMU tests share: finding QEMU, Debian's kernel with its modules and a static
//! busybox; a newc cpio writer for the initramfs; booting a guest with a `scsi-cd` medium and
//! reading its serial console.
#![allow(dead_code)]

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub fn required() -> bool {
    std::env::var("IMAPI_INTEROP_REQUIRED").is_ok_and(|v| v == "1")
}

/// Skips (or fails, when required) for a missing piece.
pub fn missing(what: &str) {
    if required() {
        panic!("IMAPI_INTEROP_REQUIRED=1 and {what} is missing");
    }
    eprintln!("skipping the QEMU test: {what} is missing");
}

pub fn which(cmd: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(cmd))
        .find(|p| p.is_file())
}

/// The newest `/boot/vmlinuz-VERSION` with a `/lib/modules/VERSION/modules.dep`.
pub fn kernel() -> Option<(PathBuf, PathBuf)> {
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir("/boot")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let version = name.strip_prefix("vmlinuz-")?.to_string();
            Path::new("/lib/modules")
                .join(&version)
                .join("modules.dep")
                .is_file()
                .then(|| (version, e.path()))
        })
        .collect();
    found.sort();
    let (version, vmlinuz) = found.pop()?;
    Some((vmlinuz, Path::new("/lib/modules").join(version)))
}

pub fn static_busybox() -> Option<PathBuf> {
    for p in ["/bin/busybox", "/usr/bin/busybox"] {
        let p = Path::new(p);
        if let Ok(bytes) = std::fs::read(p) {
            // A static executable has no PT_INTERP program header: look for the loader path.
            if !bytes.windows(14).any(|w| w == b"/lib64/ld-linu")
                && !bytes.windows(11).any(|w| w == b"/lib/ld-lin")
            {
                return Some(p.to_path_buf());
            }
        }
    }
    None
}

/// The modules to load, dependencies first, from modules.dep; those built in are left out.
pub fn module_order(moddir: &Path, wanted: &[&str]) -> Vec<PathBuf> {
    let dep = std::fs::read_to_string(moddir.join("modules.dep")).expect("modules.dep");
    let mut deps: HashMap<String, Vec<String>> = HashMap::new();
    let mut by_name: HashMap<String, String> = HashMap::new();
    for line in dep.lines() {
        let Some((m, rest)) = line.split_once(':') else { continue };
        deps.insert(m.to_string(), rest.split_whitespace().map(str::to_string).collect());
        let base = Path::new(m).file_name().unwrap().to_string_lossy().into_owned();
        let name = base.split(".ko").next().unwrap().replace('-', "_");
        by_name.insert(name, m.to_string());
    }
    fn visit(
        m: &str,
        deps: &HashMap<String, Vec<String>>,
        seen: &mut BTreeSet<String>,
        out: &mut Vec<String>,
    ) {
        if !seen.insert(m.to_string()) {
            return;
        }
        for d in deps.get(m).into_iter().flatten() {
            visit(d, deps, seen, out);
        }
        out.push(m.to_string());
    }
    let builtin = std::fs::read_to_string(moddir.join("modules.builtin")).unwrap_or_default();
    let (mut seen, mut out) = (BTreeSet::new(), Vec::new());
    for w in wanted {
        match by_name.get(&w.replace('-', "_")) {
            Some(m) => visit(m, &deps, &mut seen, &mut out),
            None => assert!(
                builtin.contains(&format!("/{w}.ko")),
                "module {w} is neither in modules.dep nor built in"
            ),
        }
    }
    out.into_iter().map(|m| moddir.join(m)).collect()
}

/// A module's bytes, decompressed when it is `.ko.xz` or `.ko.zst`.
pub fn module_bytes(path: &Path) -> Vec<u8> {
    let name = path.to_string_lossy();
    let tool = if name.ends_with(".xz") {
        Some("xz")
    } else if name.ends_with(".zst") {
        Some("zstd")
    } else {
        None
    };
    match tool {
        None => std::fs::read(path).unwrap(),
        Some(t) => {
            let out = Command::new(t)
                .arg("-dc")
                .arg(path)
                .output()
                .unwrap_or_else(|e| panic!("{t}: {e}"));
            assert!(out.status.success(), "{t} -dc {}", path.display());
            out.stdout
        }
    }
}

/// A cpio archive in the "newc" format.
pub struct Cpio {
    out: Vec<u8>,
    ino: u32,
}

impl Cpio {
    /// An empty archive.
    pub fn new() -> Cpio {
        Cpio { out: Vec::new(), ino: 1 }
    }

    /// An entry of any type: `mode` holds the type bits, `rdev` a device's (major, minor).
    pub fn entry(&mut self, name: &str, mode: u32, rdev: (u32, u32), data: &[u8]) {
        let fields = [
            self.ino,
            mode,
            0,
            0,
            1,
            0,
            data.len() as u32,
            0,
            0,
            rdev.0,
            rdev.1,
            name.len() as u32 + 1,
            0,
        ];
        self.ino += 1;
        self.out.extend_from_slice(b"070701");
        for f in fields {
            self.out.extend_from_slice(format!("{f:08X}").as_bytes());
        }
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(0);
        self.pad();
        self.out.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while self.out.len() % 4 != 0 {
            self.out.push(0);
        }
    }

    /// A directory, mode 0755.
    pub fn dir(&mut self, name: &str) {
        self.entry(name, 0o040755, (0, 0), &[]);
    }

    /// A regular file with permission bits `mode`.
    pub fn file(&mut self, name: &str, mode: u32, data: &[u8]) {
        self.entry(name, 0o100000 | mode, (0, 0), data);
    }

    /// The archive with its trailer.
    pub fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, (0, 0), &[]);
        self.out
    }
}

/// The host pieces a guest needs.
pub struct Tools {
    /// `qemu-system-x86_64`.
    pub qemu: PathBuf,
    /// The kernel.
    pub vmlinuz: PathBuf,
    /// Its `/lib/modules/VERSION`.
    pub moddir: PathBuf,
    /// A static busybox.
    pub busybox: PathBuf,
}

/// The host pieces, or `None` (after [`missing`]) when one is not there.
pub fn tools() -> Option<Tools> {
    let Some(qemu) = which("qemu-system-x86_64") else {
        missing("qemu-system-x86_64 (qemu-system-x86)");
        return None;
    };
    let Some((vmlinuz, moddir)) = kernel() else {
        missing("a /boot/vmlinuz-* kernel (linux-image-amd64)");
        return None;
    };
    let Some(busybox) = static_busybox() else {
        missing("a static busybox (busybox-static)");
        return None;
    };
    Some(Tools { qemu, vmlinuz, moddir, busybox })
}

/// One guest at a time: two TCG guests on a small machine would each run past the deadline.
/// (A lock per test binary: cargo runs the binaries one after another.)
pub static ONE_GUEST: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The modules every guest loads: SCSI, the CD-ROM drivers, virtio-scsi, isofs.
pub const BASE_MODULES: &[&str] = &[
    "scsi_mod",
    "cdrom",
    "sr_mod",
    "sg",
    "virtio_ring",
    "virtio",
    "virtio_pci",
    "virtio_scsi",
    "isofs",
];

/// The initramfs in `dir`: busybox, `init`, the executables `bins` (name at the root, host
/// path), the modules in load order, and `extra` files at the root.
pub fn initramfs(
    tools: &Tools,
    dir: &Path,
    init: &str,
    bins: &[(&str, &Path)],
    extra: &[(&str, &[u8])],
) -> PathBuf {
    initramfs_with(tools, dir, init, bins, extra, BASE_MODULES, &[])
}

/// [`initramfs`] with the modules `modules` (and their dependencies) and host files copied into
/// the guest (`files`: guest path, host path; permission bits kept), their folders made.
pub fn initramfs_with(
    tools: &Tools,
    dir: &Path,
    init: &str,
    bins: &[(&str, &Path)],
    extra: &[(&str, &[u8])],
    modules: &[&str],
    files: &[(String, PathBuf)],
) -> PathBuf {
    let modules = module_order(&tools.moddir, modules);
    let mut cpio = Cpio::new();
    let mut dirs = BTreeSet::new();
    for d in ["bin", "dev", "proc", "sys", "mnt", "modules"] {
        cpio.dir(d);
        dirs.insert(d.to_string());
    }
    cpio.entry("dev/console", 0o020600, (5, 1), &[]);
    let busybox = std::fs::read(&tools.busybox).unwrap();
    cpio.file("bin/busybox", 0o755, &busybox);
    cpio.file("bin/sh", 0o755, &busybox);
    cpio.file("init", 0o755, init.as_bytes());
    for (name, path) in bins {
        cpio.file(name, 0o755, &std::fs::read(path).unwrap());
    }
    for (name, bytes) in extra {
        cpio.file(name, 0o644, bytes);
    }
    for (guest, f) in files {
        let rel = guest.trim_start_matches('/').to_string();
        let mut at = String::new();
        for part in Path::new(&rel).parent().into_iter().flat_map(|p| p.iter()) {
            if !at.is_empty() {
                at.push('/');
            }
            at.push_str(&part.to_string_lossy());
            if dirs.insert(at.clone()) {
                cpio.dir(&at);
            }
        }
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(f).map(|m| m.permissions().mode() & 0o777).unwrap_or(0o644);
        let bytes = std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        cpio.file(&rel, mode, &bytes);
    }
    let mut order = String::new();
    for m in &modules {
        let name = m.file_name().unwrap().to_string_lossy();
        let name = name.trim_end_matches(".xz").trim_end_matches(".zst").to_string();
        cpio.file(&format!("modules/{name}"), 0o644, &module_bytes(m));
        order.push_str(&name);
        order.push('\n');
    }
    cpio.file("modules.order", 0o644, order.as_bytes());
    let initrd = dir.join("initrd.cpio");
    std::fs::write(&initrd, cpio.finish()).unwrap();
    initrd
}

/// What a guest printed.
pub struct Booted {
    /// The console lines from `IMAPI ` on.
    pub lines: Vec<String>,
    /// The whole console, for messages.
    pub console: String,
    /// How long QEMU ran.
    pub ran: Duration,
}

/// Boots the guest with `medium` in a scsi-cd and reads the serial console until power-off;
/// asserts that the init script got to its end (`IMAPI done`).
pub fn boot(tools: &Tools, initrd: &Path, medium: &Path) -> Booted {
    boot_media(tools, initrd, &[medium])
}

/// Boots the guest with one scsi-cd per medium (SCSI ids 0, 1, … in order) and reads the
/// serial console until power-off; asserts that the init script got to its end (`IMAPI done`).
pub fn boot_media(tools: &Tools, initrd: &Path, media: &[&Path]) -> Booted {
    boot_with(tools, initrd, media, 512, Duration::from_secs(110))
}

/// [`boot_media`] with `memory_mb` of guest memory and a deadline for the whole run.
pub fn boot_with(
    tools: &Tools,
    initrd: &Path,
    media: &[&Path],
    memory_mb: u32,
    deadline: Duration,
) -> Booted {
    let boot = Instant::now();
    let memory = memory_mb.to_string();
    let mut child = Command::new(&tools.qemu)
        .args([
            "-accel",
            "tcg",
            "-m",
            &memory,
            "-smp",
            "1",
            "-nographic",
            "-no-reboot",
            "-nodefaults",
        ])
        .args(["-serial", "stdio", "-kernel"])
        .arg(&tools.vmlinuz)
        .arg("-initrd")
        .arg(initrd)
        .args(["-append", "console=ttyS0 panic=-1 loglevel=3 rdinit=/init"])
        .args(["-device", "virtio-scsi-pci,id=scsi0"])
        .args(media.iter().enumerate().flat_map(|(i, medium)| {
            [
                "-drive".to_string(),
                format!(
                    "file={},if=none,media=cdrom,id=cd{i},format=raw,readonly=on",
                    medium.display()
                ),
                "-device".to_string(),
                format!("scsi-cd,drive=cd{i},bus=scsi0.0,scsi-id={i},lun=0"),
            ]
        }))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("qemu-system-x86_64 starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = stdout.read_to_end(&mut all);
        all
    });
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if boot.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let console = String::from_utf8_lossy(&reader.join().unwrap()).replace('\r', "");
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let ran = boot.elapsed();
    let lines: Vec<String> = console
        .lines()
        // The first line may follow early console output that ended without a newline.
        .filter_map(|l| l.find("IMAPI ").map(|at| l[at..].trim_end().to_string()))
        .collect();
    let _ = std::io::stderr().write_all(format!("{}\n", lines.join("\n")).as_bytes());
    eprintln!("qemu ran {ran:?}");
    assert!(
        lines.iter().any(|l| l == "IMAPI done"),
        "the guest did not finish within {deadline:?}:\n{console}\n{err}"
    );
    Booted { lines, console, ran }
}
