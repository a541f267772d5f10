//! `imapi sim create`, `imapi sim export` and `imapi recorders`: a disc written through the
//! simulated recorder's MMC commands comes out as CUE + BIN that libcdio's cd-info reads with
//! the right tracks.

use std::path::Path;
use std::process::{Command, Output};

use imapi_joliet::{PlanOptions, Tree};
use imapi_mmc::{
    CloseTrackSession, CueSheet, ModeData, ModePage, ModeSelect10, MultiSession,
    ReadTrackInformation, Reply, SynchronizeCache, WriteParameters,
};
use imapi_redbook::cuesheet::{cue_sheet, CueSheetOptions};
use imapi_redbook::layout::{Capacity, Layout, Track};
use imapi_redbook::Lba;
use imapi_transport::ops;
use imapi_transport::sim::SimRecorder;
use imapi_transport::Data;

fn imapi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imapi")).args(args).output().expect("imapi runs")
}

fn cd_info(cue: &Path) -> Option<String> {
    match Command::new("cd-info")
        .args(["--no-header", "--no-device-info", "--cue-file"])
        .arg(cue)
        .output()
    {
        Ok(o) => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        Err(_) if std::env::var("IMAPI_INTEROP_REQUIRED").is_ok_and(|v| v == "1") => {
            panic!("IMAPI_INTEROP_REQUIRED=1 and cd-info (libcdio-utils) is missing")
        }
        Err(_) => {
            eprintln!("note: cd-info (libcdio-utils) is not installed: its checks are skipped");
            None
        }
    }
}

fn select(t: &mut SimRecorder, page: WriteParameters) {
    let list = ModeData::with_page(ModePage::WriteParameters(page)).to_select_vec().unwrap();
    ops::run(t, &ModeSelect10::new(list.len() as u16), Data::ToDevice(&list)).unwrap();
}

fn iso(label: &str, files: usize) -> Vec<u8> {
    let mut tree = Tree::new();
    let root = tree.root();
    for k in 0..files {
        let data: Vec<u8> = (0..300_000).map(|i| ((i + k * 7) % 251) as u8).collect();
        tree.add_file(root, &format!("{label}{k}.DAT"), imapi_joliet::BytesSource::new(data))
            .unwrap();
    }
    let mut out = Vec::new();
    tree.plan(&PlanOptions::default()).unwrap().emit(&mut out).unwrap();
    out
}

fn write_data_track(t: &mut SimRecorder, image: &[u8]) -> i32 {
    let nwa = ops::track_information(t, &ReadTrackInformation::invisible()).unwrap().nwa.0;
    for (k, chunk) in image.chunks(16 * 2048).enumerate() {
        ops::write10(t, Lba(nwa + 16 * k as i32), chunk, 2048).unwrap();
    }
    ops::command(t, &SynchronizeCache::default()).unwrap();
    nwa
}

/// (track, LSN, type) from cd-info's track list; the lead-out is track 170.
fn track_list(info: &str) -> Vec<(u32, i64, String)> {
    info.lines()
        .filter_map(|l| {
            let (num, rest) = l.trim().split_once(':')?;
            let num: u32 = num.trim().parse().ok()?;
            let mut words = rest.split_whitespace();
            let _msf = words.next()?;
            let lsn: i64 = words.next()?.parse().ok()?;
            Some((num, lsn, words.next()?.to_string()))
        })
        .collect()
}

#[test]
fn data_disc_in_two_sessions_exports_for_cd_info() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("drive");
    let s = sim.to_str().unwrap();
    let o = imapi(&["sim", "create", s, "--media", "cd-r80", "--speed", "16"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A second create on the same folder is refused.
    let o = imapi(&["sim", "create", s, "--media", "cd-r80"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("IMAPI_E_FILEEXISTS"));
    // Exporting a blank disc is a wrong-media error.
    let o = imapi(&["sim", "export", s, "-o", dir.path().join("blank.cue").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("IMAPI_E_MEDIUM_INVALIDTYPE"));

    let first = iso("A", 3);
    let second = iso("B", 3);
    {
        let mut t = SimRecorder::open(&sim).unwrap();
        select(&mut t, WriteParameters::tao_data(MultiSession::Open));
        assert_eq!(write_data_track(&mut t, &first), 0);
        ops::command(&mut t, &CloseTrackSession::session()).unwrap();
        let start = write_data_track(&mut t, &second);
        assert_eq!(start, (first.len() / 2048) as i32 + 2 + 11_400);
        ops::command(&mut t, &CloseTrackSession::session()).unwrap();
    }

    let cue = dir.path().join("out.cue");
    for raw in [false, true] {
        let mut args = vec!["sim", "export", s, "-o", cue.to_str().unwrap()];
        if raw {
            args.push("--raw");
        }
        let o = imapi(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = std::fs::read_to_string(&cue).unwrap();
        assert!(text.contains("REM SESSION 01") && text.contains("REM SESSION 02"), "{text}");
        let bin = std::fs::read(dir.path().join("out.bin")).unwrap();
        let block = if raw { 2352 } else { 2048 };
        let (bin1, bin2) = bin.split_at(first.len() / 2048 * block);
        if raw {
            assert!(text.contains("TRACK 01 MODE1/2352"), "{text}");
            // Every sector checks out (sync, header address, EDC, ECC) and holds the image.
            for (k, s) in bin2.chunks(2352).enumerate() {
                let m = imapi_redbook::sector::parse_mode1(s).unwrap();
                assert_eq!(m.data, &second[k * 2048..(k + 1) * 2048]);
            }
            assert_eq!(bin1.len() / 2352, first.len() / 2048);
        } else {
            assert!(text.contains("TRACK 01 MODE1/2048"), "{text}");
            assert_eq!(bin1, &first[..]);
            assert_eq!(bin2, &second[..]);
        }
        if let Some(info) = cd_info(&cue) {
            let tracks = track_list(&info);
            let kinds: Vec<(u32, &str)> = tracks.iter().map(|t| (t.0, t.2.as_str())).collect();
            assert_eq!(kinds, vec![(1, "data"), (2, "data"), (170, "leadout")], "{info}");
            assert_eq!(tracks[0].1, 0, "{info}");
            let (n1, n2) = ((first.len() / 2048) as i64, (second.len() / 2048) as i64);
            assert_eq!(tracks[1].1, n1, "{info}");
            if raw {
                // libcdio sizes a BIN in 2352-byte blocks: with MODE1/2352 the lead-out is
                // exact and it finds the file system of each session.
                assert_eq!(tracks[2].1, n1 + n2, "{info}");
                assert!(info.contains("CD-ROM with ISO 9660 filesystem"), "{info}");
                assert!(
                    info.contains(&format!("session #2 starts at track  2, LSN: {n1}")),
                    "{info}"
                );
            }
        }
    }
}

#[test]
fn audio_disc_exports_for_cd_info() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("drive");
    let s = sim.to_str().unwrap();
    assert!(imapi(&["sim", "create", s, "--media", "cd-rw74"]).status.success());
    let mut layout = Layout::new(Capacity::Minutes74);
    layout.push(Track::audio(150, 450)).unwrap();
    layout.push(Track::audio(150, 300)).unwrap();
    layout.push(Track::audio(75, 375)).unwrap();
    let total = 150 + 450 + 150 + 300 + 75 + 375;
    let audio: Vec<u8> = (0..total * 2352).map(|i| (i * 7 % 253) as u8).collect();
    {
        let mut t = SimRecorder::open(&sim).unwrap();
        select(&mut t, WriteParameters::sao(MultiSession::Final));
        let sheet = CueSheet { entries: cue_sheet(&layout, &CueSheetOptions::default()).unwrap() };
        let bytes = sheet.to_vec().unwrap();
        ops::run(&mut t, &sheet.request(), Data::ToDevice(&bytes)).unwrap();
        for (k, chunk) in audio.chunks(20 * 2352).enumerate() {
            ops::write10(&mut t, Lba(-150 + 20 * k as i32), chunk, 2352).unwrap();
        }
        ops::command(&mut t, &SynchronizeCache::default()).unwrap();
    }
    let cue = dir.path().join("audio.cue");
    let o = imapi(&["sim", "export", s, "-o", cue.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&cue).unwrap();
    assert!(text.contains("TRACK 03 AUDIO") && text.contains("INDEX 00 00:12:00"), "{text}");
    assert!(text.contains("INDEX 01 00:13:00"), "{text}");
    // The BIN holds the disc from LBA 0: every track with the pregaps between them.
    let bin = std::fs::read(dir.path().join("audio.bin")).unwrap();
    assert_eq!(bin, audio[150 * 2352..]);
    if let Some(info) = cd_info(&cue) {
        // The disc's own addresses: tracks at 0, 600 and 975, the lead-out at 1350.
        let tracks = track_list(&info);
        let expected: Vec<(u32, i64, String)> =
            [(1, 0, "audio"), (2, 600, "audio"), (3, 975, "audio"), (170, 1350, "leadout")]
                .into_iter()
                .map(|(n, l, k)| (n, l, k.to_string()))
                .collect();
        assert_eq!(tracks, expected, "{info}");
    }
}

#[test]
fn recorders_lists_the_simulated_recorder() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("drive");
    assert!(imapi(&["sim", "create", sim.to_str().unwrap(), "--media", "cd-r74"]).status.success());
    let o = Command::new(env!("CARGO_BIN_EXE_imapi"))
        .args(["recorders", "--json"])
        .env("IMAPI_RECORDER", format!("sim:{}", sim.display()))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let sim_row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == format!("sim:{}", sim.display()))
        .unwrap();
    assert_eq!(sim_row["vendor"], "IMAPI-RS");
    assert_eq!(sim_row["product"], "SIM CD-RW");
    assert!(sim_row["type"].as_str().unwrap().contains("cd-r"));
    // A bad medium name is a usage error.
    let o = imapi(&["sim", "create", dir.path().join("x").to_str().unwrap(), "--media", "dvd"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn sim_fault_sets_what_the_next_process_injects() {
    use imapi_mmc::{StartStopUnit, TestUnitReady};
    use imapi_transport::sim::{self, Faults};

    let dir = tempfile::tempdir().unwrap();
    let sim_dir = dir.path().join("drive");
    let s = sim_dir.to_str().unwrap();
    assert!(imapi(&["sim", "create", s, "--media", "cd-r80"]).status.success());
    // Nothing set: every setting printed as none.
    let o = imapi(&["sim", "fault", s]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(text.contains("busy-writes 0") && text.contains("throttle off"), "{text}");

    let o = imapi(&["sim", "fault", s, "--busy-writes", "2", "--write-error-at", "40"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Options given later add to what is there.
    assert!(imapi(&["sim", "fault", s, "--throttle", "on", "--remove-after", "500"])
        .status
        .success());
    let set = sim::faults(&sim_dir).unwrap();
    assert_eq!(
        set.faults,
        Faults {
            write_error_at: Some(40),
            busy_writes: 2,
            remove_after_blocks: Some(500),
            power_loss_after_blocks: None,
            refuse_eject: false
        }
    );
    assert!(set.throttle);
    let text = String::from_utf8_lossy(&imapi(&["sim", "fault", s]).stdout).into_owned();
    assert!(text.contains("write-error-at 40") && text.contains("throttle on"), "{text}");

    // --clear first, then the rest.
    assert!(imapi(&["sim", "fault", s, "--clear", "--busy-writes", "1"]).status.success());
    let set = sim::faults(&sim_dir).unwrap();
    assert_eq!((set.faults.busy_writes, set.faults.write_error_at, set.throttle), (1, None, false));

    // A process that opens the recorder injects it, and uses it up.
    {
        let mut t = SimRecorder::open(&sim_dir).unwrap();
        select(&mut t, WriteParameters::tao_data(MultiSession::Open));
        let e = ops::write10(&mut t, Lba(0), &[0u8; 2048], 2048).unwrap_err();
        assert_eq!(e.sense().map(|s| s.triple()), Some((2, 0x04, 0x08)));
        ops::write10(&mut t, Lba(0), &[0u8; 2048], 2048).unwrap();
        // While the recorder is open, its faults cannot change.
        let o = imapi(&["sim", "fault", s, "--clear"]);
        assert_eq!(o.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&o.stderr).contains("IMAPI_E_DEVICE_NOTACCESSIBLE"));
        ops::command(&mut t, &StartStopUnit::EJECT).unwrap();
        ops::command(&mut t, &StartStopUnit::LOAD).unwrap();
        let _ = ops::command(&mut t, &TestUnitReady);
    }
    assert_eq!(sim::faults(&sim_dir).unwrap().faults.busy_writes, 0);
    assert!(imapi(&["sim", "fault", s, "--clear"]).status.success());
    assert_eq!(sim::faults(&sim_dir).unwrap(), Default::default());

    // Usage errors and a missing recorder.
    assert_eq!(imapi(&["sim", "fault", s, "--throttle", "maybe"]).status.code(), Some(2));
    let o = imapi(&["sim", "fault", dir.path().join("none").to_str().unwrap(), "--clear"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("IMAPI_E_DEVICE_NOTPRESENT"));
}

#[test]
fn sim_insert_swaps_in_a_blank_disc() {
    use imapi_mmc::{DiscStatus, TestUnitReady};

    let dir = tempfile::tempdir().unwrap();
    let sim_dir = dir.path().join("drive");
    let s = sim_dir.to_str().unwrap();
    assert!(imapi(&["sim", "create", s, "--media", "cd-r80"]).status.success());
    let image = iso("A", 1);
    {
        let mut t = SimRecorder::open(&sim_dir).unwrap();
        select(&mut t, WriteParameters::tao_data(MultiSession::Open));
        write_data_track(&mut t, &image);
        ops::command(&mut t, &CloseTrackSession::session()).unwrap();
        // In use: refused.
        let o = imapi(&["sim", "insert", s, "--media", "cd-rw74"]);
        assert_eq!(o.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&o.stderr).contains("IMAPI_E_DEVICE_NOTACCESSIBLE"));
    }
    let o = imapi(&["sim", "insert", s, "--media", "cd-rw74"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut t = SimRecorder::open(&sim_dir).unwrap();
    let e = ops::command(&mut t, &TestUnitReady).unwrap_err();
    assert_eq!(e.sense().map(|s| s.triple()), Some((6, 0x28, 0)));
    let di = ops::disc_information(&mut t).unwrap();
    assert_eq!((di.status, di.erasable), (DiscStatus::Blank, true));
    drop(t);
    // The old disc is gone: nothing to export.
    let o = imapi(&["sim", "export", s, "-o", dir.path().join("x.cue").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("IMAPI_E_MEDIUM_INVALIDTYPE"));
    // A bad medium is a usage error; no recorder there is exit 1.
    assert_eq!(imapi(&["sim", "insert", s, "--media", "dvd"]).status.code(), Some(2));
    let o =
        imapi(&["sim", "insert", dir.path().join("none").to_str().unwrap(), "--media", "cd-r74"]);
    assert_eq!(o.status.code(), Some(1));
}

/// `imapi sim attach` where it cannot attach (not root, or without the kernel's SCSI target
/// modules): exit 1 and a message naming what is missing, before the folder is looked at.
/// Skipped where it could attach (root with every module loaded): the QEMU test covers that.
#[cfg(target_os = "linux")]
#[test]
fn sim_attach_names_what_is_missing() {
    let root = std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
    });
    let modules = ["target_core_user", "tcm_loop", "sr_mod", "sg"];
    let missing: Vec<&str> =
        modules.into_iter().filter(|m| !Path::new("/sys/module").join(m).exists()).collect();
    if root && missing.is_empty() {
        eprintln!("skipping: this machine could attach");
        return;
    }
    let out = imapi(&["sim", "attach", "/nonexistent/recorder"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    if !root {
        assert!(err.contains("needs root"), "{err}");
    } else {
        let named = format!("kernel modules not loaded: {}", missing.join(", "));
        assert!(err.contains(&named), "{err}");
    }
}
