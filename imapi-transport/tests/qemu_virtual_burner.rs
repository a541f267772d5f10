//! The virtual burner on a real kernel: boots Debian's Linux kernel under QEMU (TCG) with
//! its SCSI target modules (target_core_user, tcm_loop), runs `imapi sim attach` inside, and
//! burns the simulated recorder through the kernel's `/dev/srN` and `/dev/sgN`: with `imapi
//! burn`, and with independent burners (wodim, xorriso, cdrdao) when the host has them. Each
//! data disc is read back by the kernel's own isofs mount and compared with its source files;
//! the audio discs of wodim (TAO) and cdrdao (SAO) are exported with `imapi sim export` after
//! the detach and their samples compared with the source's.
//! Several scenarios run in one boot; the results come back on the serial console.
//!
//! Needs qemu-system-x86_64, a `/boot/vmlinuz-*` with its `/lib/modules`, and a static
//! busybox; wodim, xorriso and cdrdao for their scenarios. Missing pieces skip the test (or
//! the scenario), or fail it when IMAPI_INTEROP_REQUIRED=1.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use imapi_joliet::{HostOptions, PlanOptions, Tree};

mod qemu_guest;

use qemu_guest::{boot_with, initramfs_with, required, tools, which, Booted, ONE_GUEST};

const TARGET: &str = "x86_64-unknown-linux-gnu";

/// Builds `imapi-drivecheck` and `imapi` static for the guest (as the SG_IO test does, so the
/// build is shared); their paths, in that order.
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

/// A dynamically linked program with its loader and shared libraries (as `ldd` finds them),
/// each at its host path in the guest.
fn with_libraries(program: &Path) -> Vec<(String, PathBuf)> {
    let out = Command::new("ldd").arg(program).output().expect("ldd runs");
    let mut files = vec![(program.to_string_lossy().into_owned(), program.to_path_buf())];
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let path = match line.split_once("=>") {
            Some((_, rest)) => rest.split_whitespace().next(),
            None => line.split_whitespace().next(),
        };
        if let Some(p) = path.filter(|p| p.starts_with('/')) {
            files.push((p.to_string(), PathBuf::from(p)));
        }
    }
    files
}

/// Files to burn: `(name, bytes)`.
type Files = Vec<(&'static str, Vec<u8>)>;

/// The files burned, in two trees (the second for xorriso's second session).
fn trees() -> [Files; 2] {
    [
        vec![
            ("README.TXT", b"read me\n".to_vec()),
            ("docs/manual.html", (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect()),
            ("data/blocks.dat", (0..300_000u32).map(|i| (i % 253) as u8).collect()),
        ],
        vec![("SECOND.TXT", b"second session\n".to_vec()), ("more/n.bin", vec![7u8; 5000])],
    ]
}

const INIT: &str = r#"#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin IMAPI_SIM_TRACE=1
QUICK=$(cat /quick 2>/dev/null)
mkdir -p /proc /sys /dev /mnt /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules.order); do
  insmod "/modules/$m" || echo "IMAPI insmod-failed $m"
done
echo
# The recorder's folder $1 attached: SR, SG and APID set.
attach() {
  : > /tmp/attach.out
  /imapi sim attach "$1" > /tmp/attach.out 2> /tmp/attach.err &
  APID=$!
  i=0
  while [ "$(wc -l < /tmp/attach.out)" -lt 2 ] && [ $i -lt 900 ] && kill -0 $APID 2>/dev/null; do
    sleep 0.1; i=$((i+1))
  done
  SR=$(sed -n 1p /tmp/attach.out); SG=$(sed -n 2p /tmp/attach.out)
  echo "IMAPI attach $1 $SR $SG"
  if [ -z "$SG" ]; then
    sed "s/^/IMAPI attach-err /" /tmp/attach.err
    dmesg | tail -n 40 | sed "s/^/IMAPI dmesg /"
    ls /sys/bus/scsi/devices | sed "s/^/IMAPI scsi-devices /"
    [ -n "$QUICK" ] && poweroff -f
  fi
}
detach() {
  kill -TERM $APID; wait $APID
  echo "IMAPI detach-rc $?"
  grep -v "^trace WRITE(10) .* status 00" /tmp/attach.err | sed "s/^/IMAPI detach-err /"
  echo "IMAPI configfs-left $(ls /sys/kernel/config/target/core /sys/kernel/config/target/loopback 2>/dev/null | grep -E 'user_|naa\.' | tr '\n' ' ')"
}
run() {
  label=$1; shift
  timeout -s KILL 120 "$@" > /tmp/o 2>&1
  echo "IMAPI rc $label $?"
  tail -n 25 /tmp/o | sed "s/^/IMAPI out $label /"
}
# What growisofs does after a burn: the tray out and in, so the kernel sees the new disc.
reload() { /imapi-drivecheck reload $SR; }
# The disc mounted by the kernel: its listing, and each file of $2 compared with $3 on it.
check() {
  if mount -t iso9660 -o ro $SR /mnt; then
    (cd /mnt && find . | sort) | sed "s/^/IMAPI ls $1 /"
    for f in $(cd $2 && find . -type f); do
      if cmp -s "$2/$f" "/mnt/$3/$f"; then echo "IMAPI same $1 $f"; else echo "IMAPI differ $1 $f"; fi
    done
    umount /mnt
  else
    echo "IMAPI mount-failed $1"
  fi
}

/imapi sim create /sim --media cd-r74 || echo "IMAPI sim-create-failed"
attach /sim
run second-attach /imapi sim attach /sim
run media /imapi media -r $SR
run burn /imapi burn -r $SR --data /data
reload
check imapi /data .
run media-after /imapi media -r $SR
detach

if [ -x /usr/bin/wodim ]; then
  /imapi sim create /sim-wodim --media cd-r74
  attach /sim-wodim
  run wodim wodim -v -tao gracetime=2 dev=$SR /img.iso
  reload
  check wodim /data .
  detach
fi
if [ -x /usr/bin/xorriso ]; then
  /imapi sim create /sim-xorriso --media cd-r74
  attach /sim-xorriso
  run xorriso xorriso -outdev $SR -map /data /
  reload
  run xorriso-2 xorriso -dev $SR -map /data2 /more
  reload
  check xorriso /data .
  check xorriso-2 /data2 more
  detach
fi
if [ -x /usr/bin/cdrdao ]; then
  /imapi sim create /sim-cdrdao --media cd-r74
  attach /sim-cdrdao
  run cdrdao cdrdao write -n --device $SG /img.toc
  reload
  check cdrdao /data .
  detach
fi
# Audio through the kernel: the disc exported as CUE + BIN after the detach, its samples
# compared with the source's (at the BIN's start, or after a 2-second pregap).
audio_check() {
  /imapi sim export "$1" -o /tmp/$2.cue > /dev/null 2>&1 || echo "IMAPI export-failed $2"
  n=$(wc -c < /tone.pcm)
  if head -c $n /tmp/$2.bin | cmp -s - /tone.pcm; then echo "IMAPI audio-same $2 0"
  elif tail -c +352801 /tmp/$2.bin | head -c $n | cmp -s - /tone.pcm; then echo "IMAPI audio-same $2 150"
  else echo "IMAPI audio-differ $2 $(wc -c < /tmp/$2.bin)"; fi
}
if [ -x /usr/bin/wodim ]; then
  /imapi sim create /sim-wodim-audio --media cd-r74
  attach /sim-wodim-audio
  run wodim-audio wodim -v -tao gracetime=2 dev=$SR -audio /tone.wav
  detach
  audio_check /sim-wodim-audio wodim-audio
fi
if [ -x /usr/bin/cdrdao ]; then
  /imapi sim create /sim-cdrdao-audio --media cd-r74
  attach /sim-cdrdao-audio
  run cdrdao-audio cdrdao write -n --device $SG /tone.toc
  detach
  audio_check /sim-cdrdao-audio cdrdao-audio
fi
echo "IMAPI done"
poweroff -f
"#;

/// The modules of the virtual burner, after those of every guest.
const MODULES: &[&str] = &[
    "scsi_mod",
    "cdrom",
    "sr_mod",
    "sg",
    "isofs",
    "configfs",
    "target_core_mod",
    "uio",
    "target_core_user",
    "tcm_loop",
];

#[test]
fn qemu_virtual_burner() {
    let Some(tools) = tools() else { return };
    let _one_guest = ONE_GUEST.lock().unwrap_or_else(|p| p.into_inner());
    let started = Instant::now();
    let work = tempfile::tempdir().unwrap();

    // The source trees, and the first as an ISO image for wodim and cdrdao.
    let [first, second] = trees();
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for (guest, tree) in [("data", &first), ("data2", &second)] {
        for (name, bytes) in tree {
            let host = work.path().join(guest).join(name);
            std::fs::create_dir_all(host.parent().unwrap()).unwrap();
            std::fs::write(&host, bytes).unwrap();
            files.push((format!("{guest}/{name}"), host));
        }
    }
    let mut tree = Tree::new();
    let root = tree.root();
    tree.add_host(root, &work.path().join("data"), &HostOptions::default()).unwrap();
    let iso = work.path().join("img.iso");
    tree.plan(&PlanOptions::default()).unwrap().write_to_path(&iso, Default::default()).unwrap();
    files.push(("img.iso".to_string(), iso));
    let toc = "CD_ROM\n\nTRACK MODE1\nDATAFILE \"/img.iso\"\n";
    // Five seconds of CD audio (375 sectors), as raw samples and as a WAV file.
    let pcm: Vec<u8> =
        (0..375 * 2352u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + pcm.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&2u16.to_le_bytes()); // stereo
    wav.extend_from_slice(&44_100u32.to_le_bytes());
    wav.extend_from_slice(&176_400u32.to_le_bytes());
    wav.extend_from_slice(&4u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(pcm.len() as u32).to_le_bytes());
    wav.extend_from_slice(&pcm);
    let tone_toc = "CD_DA\n\nTRACK AUDIO\nFILE \"/tone.wav\" 0\n";

    let mut burners = Vec::new();
    for b in ["wodim", "xorriso", "cdrdao"] {
        match which(b) {
            Some(p) => {
                files.extend(with_libraries(&p));
                burners.push(b);
            }
            None if required() => panic!("IMAPI_INTEROP_REQUIRED=1 and {b} is missing"),
            None => eprintln!("{b} is missing: its scenario is left out"),
        }
    }
    // Programs may sit under /usr/bin or /bin on the host; the script runs /usr/bin/NAME.
    for f in &mut files {
        if let Some(name) = f.0.strip_prefix("/bin/") {
            f.0 = format!("/usr/bin/{name}");
        }
    }
    let (drivecheck, imapi) = build_guest();
    // IMAPI_VB_QUICK=1: the guest powers off at the first failed attach (for diagnosis).
    let quick = std::env::var("IMAPI_VB_QUICK").unwrap_or_default();
    let initrd = initramfs_with(
        &tools,
        work.path(),
        INIT,
        &[("imapi", &imapi), ("imapi-drivecheck", &drivecheck)],
        &[
            ("img.toc", toc.as_bytes()),
            ("tone.toc", tone_toc.as_bytes()),
            ("tone.pcm", &pcm),
            ("tone.wav", &wav),
            ("quick", quick.as_bytes()),
        ],
        MODULES,
        &files,
    );
    let Booted { lines, console, ran } =
        boot_with(&tools, &initrd, &[], 1024, Duration::from_secs(400));
    eprintln!("test {:?} in all, the guest {ran:?}", started.elapsed());
    let has = |l: &str| lines.iter().any(|x| x == l);
    let all = || format!("{}\n---\n{console}", lines.join("\n"));
    assert!(!lines.iter().any(|l| l.starts_with("IMAPI insmod-failed")), "{}", all());

    // Attach printed the block device, then the generic one.
    let attach = lines.iter().find(|l| l.starts_with("IMAPI attach /sim ")).expect("attach line");
    let mut it = attach.split(' ').skip(3);
    let (sr, sg) = (it.next().unwrap_or(""), it.next().unwrap_or(""));
    assert!(sr.starts_with("/dev/sr") && sg.starts_with("/dev/sg"), "{}", all());
    // A second attach of the folder is refused while the first holds it.
    assert!(!has("IMAPI rc second-attach 0"), "{}", all());
    assert!(lines.iter().any(|l| l.starts_with("IMAPI out second-attach ")), "{}", all());
    // The drive as `imapi media` sees it through the kernel: a blank CD-R, then one session.
    assert!(has("IMAPI rc media 0"), "{}", all());
    assert!(has("IMAPI out media type: cd-r"), "{}", all());
    assert!(has("IMAPI out media flags: blank writable"), "{}", all());
    assert!(has("IMAPI rc burn 0"), "{}", all());
    assert!(has("IMAPI out media-after sessions: 1"), "{}", all());
    // The kernel's isofs reads back every file.
    let names: BTreeSet<&str> = first.iter().map(|(n, _)| *n).collect();
    for n in &names {
        assert!(has(&format!("IMAPI same imapi ./{n}")), "{n}:\n{}", all());
    }
    // Every detach succeeded and left nothing in configfs.
    let detaches: Vec<&String> =
        lines.iter().filter(|l| l.starts_with("IMAPI detach-rc")).collect();
    // imapi's, one per burner, and the audio ones of wodim and cdrdao.
    let audio = burners.iter().filter(|b| **b != "xorriso").count();
    assert_eq!(detaches.len(), 1 + burners.len() + audio, "{}", all());
    assert!(detaches.iter().all(|l| l.as_str() == "IMAPI detach-rc 0"), "{}", all());
    for l in lines.iter().filter(|l| l.starts_with("IMAPI configfs-left")) {
        assert_eq!(l.trim_end(), "IMAPI configfs-left", "{}", all());
    }

    // Audio through the kernel: the exported BIN holds the source's samples from its start.
    for b in burners.iter().filter(|b| **b != "xorriso") {
        assert!(has(&format!("IMAPI rc {b}-audio 0")), "{b} audio:\n{}", all());
        assert!(has(&format!("IMAPI audio-same {b}-audio 0")), "{b} audio:\n{}", all());
    }

    // The independent burners: each disc read back by the kernel.
    for b in &burners {
        let scenarios: &[(&str, &Files)] = match *b {
            "xorriso" => &[("xorriso", &first), ("xorriso-2", &second)],
            _ => &[(b, &first)],
        };
        for (label, tree) in scenarios {
            assert!(has(&format!("IMAPI rc {label} 0")), "{label}:\n{}", all());
            for (n, _) in tree.iter() {
                assert!(has(&format!("IMAPI same {label} ./{n}")), "{label} {n}:\n{}", all());
            }
        }
    }
}
