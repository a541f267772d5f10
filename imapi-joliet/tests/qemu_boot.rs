//! QEMU boots a no-emulation El Torito image from one of our ISO images: SeaBIOS loads the
//! 512-byte boot sector this test writes (real-mode code that prints a marker on COM1 and
//! halts) and the marker shows up on the emulated serial port.
//!
//! Needs qemu-system-x86_64; without it the test is skipped, or fails when
//! IMAPI_INTEROP_REQUIRED=1.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use imapi_joliet::{BootEntry, BootOptions, BytesSource, PlanOptions, Tree};

const MARKER: &str = "IMAPI-RS EL TORITO BOOT OK";

/// A boot sector printing `text` on COM1 (port 0x3F8), then halting. Every instruction is
/// position independent, so it runs whatever segment the BIOS loads it at.
fn boot_sector(text: &str) -> Vec<u8> {
    let mut code = vec![0xBA, 0xF8, 0x03]; // mov dx, 0x3F8
    for b in text.bytes().chain(*b"\r\n") {
        code.extend_from_slice(&[0xB0, b, 0xEE]); // mov al, b; out dx, al
    }
    code.extend_from_slice(&[0xFA, 0xF4, 0xEB, 0xFD]); // cli; hlt; jmp back to hlt
    assert!(code.len() <= 510);
    code.resize(512, 0);
    code[510] = 0x55;
    code[511] = 0xAA;
    code
}

#[test]
fn qemu_boots_a_no_emulation_image() {
    if !common::have("qemu-system-x86_64") {
        return;
    }
    let mut tree = Tree::new();
    let boot = tree.add_dir(tree.root(), "boot").unwrap();
    let bin = tree.add_file(boot, "boot.bin", BytesSource::new(boot_sector(MARKER))).unwrap();
    tree.add_file(tree.root(), "readme.txt", BytesSource::new(&b"bootable"[..])).unwrap();
    let opts = PlanOptions {
        boot: Some(BootOptions { entries: vec![BootEntry::new(bin)], ..BootOptions::default() }),
        ..PlanOptions::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let iso = dir.path().join("boot.iso");
    tree.plan(&opts).unwrap().write_to_path(&iso, Default::default()).unwrap();

    let mut child = Command::new("qemu-system-x86_64")
        .args(["-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot"])
        .args(["-m", "64", "-boot", "d", "-cdrom"])
        .arg(&iso)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("qemu-system-x86_64 starts");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut seen = Vec::new();
    let found = loop {
        if String::from_utf8_lossy(&seen).contains(MARKER) {
            break true;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left.min(Duration::from_millis(500))) {
            Ok(bytes) => seen.extend_from_slice(&bytes),
            Err(mpsc::RecvTimeoutError::Timeout) if !left.is_zero() => {}
            Err(_) => break false,
        }
    };
    let _ = child.kill();
    let status = child.wait();
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    assert!(
        found,
        "no {MARKER:?} on the serial port ({status:?}); it printed {:?}; stderr {err}",
        String::from_utf8_lossy(&seen)
    );
}
