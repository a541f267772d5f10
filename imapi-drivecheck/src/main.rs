//! `imapi-drivecheck`: runs the identify, query and refusal path of an MMC drive over SG_IO
//! and prints what it found, one `IMAPI ...` line per fact, for a reader on a serial console.
//!
//! - `imapi-drivecheck probe [DEVICE]`: the first CD/DVD device found in sysfs, or DEVICE.
//! - `imapi-drivecheck list LABEL DIR`: every entry under DIR (sorted), with its size and the
//!   CRC-32C of a file's bytes.
//! - `imapi-drivecheck access LABEL DEVICE`: whether DEVICE opens shared (and answers
//!   INQUIRY) and whether it opens exclusive, as `IMAPI access LABEL shared=.. exclusive=..`.
//! - `imapi-drivecheck sim-write DIR`: writes one Track-at-Once data track to the simulated
//!   recorder at DIR, 16 blocks per WRITE, without end, printing `IMAPI wrote N` after each
//!   WRITE: a writer to kill.
//! - `imapi-drivecheck reload DEVICE`: the tray out and in again over SG_IO (PREVENT ALLOW
//!   MEDIUM REMOVAL allow, START STOP UNIT eject, then load), as growisofs does after a burn
//!   so that the kernel sees the new disc; prints `IMAPI reload ok`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The usage line: every subcommand with its arguments.
const USAGE: &str = "usage: imapi-drivecheck probe [DEVICE] | list LABEL DIR | \
                     access LABEL DEVICE | sim-write DIR | reload DEVICE";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["probe"] => probe(None),
        ["probe", dev] => probe(Some(PathBuf::from(dev))),
        ["list", label, dir] => list(label, Path::new(dir)),
        ["sim-write", dir] => sim_write(Path::new(dir)),
        ["access", label, dev] => access(label, Path::new(dev)),
        ["reload", dev] => reload(Path::new(dev)),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("IMAPI error {e}");
            ExitCode::FAILURE
        }
    }
}

fn sim_write(dir: &Path) -> Result<(), String> {
    use std::io::Write;

    use imapi_mmc::{
        ModeData, ModePage, ModeSelect10, MultiSession, ReadTrackInformation, WriteParameters,
    };
    use imapi_transport::sim::SimRecorder;
    use imapi_transport::{ops, Data};

    let mut sim = SimRecorder::open(dir).map_err(|e| e.to_string())?;
    let page = ModeData::with_page(ModePage::WriteParameters(WriteParameters::tao_data(
        MultiSession::Open,
    )));
    let list = page.to_select_vec().map_err(|e| e.to_string())?;
    ops::run(&mut sim, &ModeSelect10::new(list.len() as u16), Data::ToDevice(&list))
        .map_err(|e| e.to_string())?;
    let nwa = ops::track_information(&mut sim, &ReadTrackInformation::invisible())
        .map_err(|e| e.to_string())?
        .nwa;
    let mut written = 0i32;
    let mut out = std::io::stdout();
    loop {
        let block: Vec<u8> = (0..16 * 2048).map(|i: i32| (i + written) as u8).collect();
        ops::write10(&mut sim, imapi_redbook::Lba(nwa.0 + written), &block, 2048)
            .map_err(|e| e.to_string())?;
        written += 16;
        writeln!(out, "IMAPI wrote {written}")
            .and_then(|_| out.flush())
            .map_err(|e| e.to_string())?;
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

fn list(label: &str, dir: &Path) -> Result<(), String> {
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    let mut lines = Vec::new();
    while let Some((host, rel)) = stack.pop() {
        let rd = std::fs::read_dir(&host).map_err(|e| format!("{}: {e}", host.display()))?;
        for entry in rd {
            let entry = entry.map_err(|e| e.to_string())?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = format!("{rel}/{name}");
            let meta = entry.metadata().map_err(|e| e.to_string())?;
            if meta.is_dir() {
                lines.push(format!("d 0 0 {path}"));
                stack.push((entry.path(), path));
            } else {
                let bytes = std::fs::read(entry.path()).map_err(|e| format!("{path}: {e}"))?;
                lines.push(format!("f {} {:08x} {path}", bytes.len(), crc32c::crc32c(&bytes)));
            }
        }
    }
    lines.sort();
    for l in &lines {
        println!("IMAPI list {label} {l}");
    }
    println!("IMAPI list-end {label} {}", lines.len());
    Ok(())
}

#[cfg(target_os = "linux")]
fn probe(dev: Option<PathBuf>) -> Result<(), String> {
    use imapi_mmc::{ModePage, ReadTrackInformation, Reply, TestUnitReady};
    use imapi_redbook::cuesheet::{CueSheetEntry, DataForm, TimeEntry};
    use imapi_redbook::Msf;
    use imapi_transport::{ops, recorders, Access, SgDevice};

    let found = recorders().map_err(|e| format!("sysfs: {e}"))?;
    for r in &found {
        println!(
            "IMAPI recorder {} {}|{}|{}|{}",
            r.path.display(),
            r.vendor,
            r.product,
            r.revision,
            r.device_type
        );
    }
    let path = dev.or_else(|| found.first().map(|r| r.path.clone())).ok_or("no recorder found")?;
    let mut d =
        SgDevice::open(&path, Access::Shared).map_err(|e| format!("{}: {e}", path.display()))?;

    // A fresh device reports power-on and medium changes first.
    let mut attentions = 0;
    while let Err(e) = ops::command(&mut d, &TestUnitReady) {
        attentions += 1;
        if attentions > 20 {
            return Err(format!("TEST UNIT READY: {e}"));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    println!("IMAPI ready after {attentions}");

    let q = ops::inquiry(&mut d).map_err(|e| format!("INQUIRY: {e}"))?;
    println!("IMAPI inquiry-vendor {}", q.vendor_str());
    println!("IMAPI inquiry-product {}", q.product_str());
    println!("IMAPI inquiry-type {}", u8::from(q.device_type));

    let c = ops::configuration(&mut d).map_err(|e| format!("GET CONFIGURATION: {e}"))?;
    println!("IMAPI profile {:04x}", u16::from(c.current_profile));
    let profiles: Vec<String> = c
        .profiles()
        .iter()
        .map(|p| format!("{:04x}{}", u16::from(p.profile), if p.current { "*" } else { "" }))
        .collect();
    println!("IMAPI profiles {}", profiles.join(","));
    println!("IMAPI has-tao {}", c.track_at_once().is_some());

    let toc = ops::track_toc(&mut d).map_err(|e| format!("READ TOC: {e}"))?;
    println!("IMAPI toc {} {}", toc.first_track, toc.last_track);
    for t in &toc.descriptors {
        println!("IMAPI toc-entry {:02x} {} {} {}", t.track, t.adr, t.control, t.start.0);
    }
    let full = ops::full_toc(&mut d).map_err(|e| format!("READ TOC format 2: {e}"))?;
    let points: Vec<String> = full.entries.iter().map(|e| format!("{:02x}", e.point)).collect();
    println!("IMAPI full-toc {} {} {}", full.first_session, full.last_session, points.join(","));

    let di = ops::disc_information(&mut d).map_err(|e| format!("READ DISC INFORMATION: {e}"))?;
    println!(
        "IMAPI disc-info {:?} {:?} sessions={} tracks={}..{} erasable={}",
        di.status,
        di.last_session,
        di.sessions,
        di.first_track_last_session,
        di.last_track_last_session,
        di.erasable
    );

    let cap = ops::capacity(&mut d).map_err(|e| format!("READ CAPACITY: {e}"))?;
    println!("IMAPI capacity {} {}", cap.last_lba, cap.block_len);

    match ops::mode_sense(&mut d, imapi_mmc::pages::CAPABILITIES) {
        Ok(m) => match m.page(imapi_mmc::pages::CAPABILITIES) {
            Some(ModePage::Capabilities(p)) => println!(
                "IMAPI caps read-cd-r={} write-cd-r={} write-cd-rw={} eject={}",
                p.read_cd_r(),
                p.write_cd_r(),
                p.write_cd_rw(),
                p.eject()
            ),
            other => println!("IMAPI caps raw {other:?}"),
        },
        Err(e) => println!("IMAPI caps error {e}"),
    }

    // Every block, in 32-block READ(10)s.
    let blocks = cap.blocks();
    let mut crc = 0u32;
    let mut bytes = 0u64;
    let mut lba = 0u64;
    let mut buf = vec![0u8; 32 * 2048];
    while lba < blocks {
        let n = (blocks - lba).min(32) as usize;
        let chunk = &mut buf[..n * 2048];
        let got = ops::read10(&mut d, lba as u32, chunk)
            .map_err(|e| format!("READ(10) at {lba}: {e}"))?;
        crc = crc32c::crc32c_append(crc, &chunk[..got]);
        bytes += got as u64;
        lba += n as u64;
    }
    println!("IMAPI read {bytes} {crc:08x}");

    let refusal = |name: &str, e: Option<&imapi_mmc::Sense>| match e {
        Some(s) => {
            let (k, a, q) = s.triple();
            println!("IMAPI refused {name} {k:02x}/{a:02x}/{q:02x} {:?}", s.class());
        }
        None => println!("IMAPI refused {name} no-sense"),
    };
    match ops::write10(&mut d, imapi_redbook::Lba(0), &buf[..2048], 2048) {
        Ok(n) => println!("IMAPI accepted WRITE10 {n}"),
        Err(e) => refusal("WRITE10", e.sense()),
    }
    let sheet = imapi_mmc::CueSheet {
        entries: vec![CueSheetEntry::Time(TimeEntry {
            control: 4,
            track: 1,
            index: 1,
            data_form: DataForm::MODE1,
            scms: 0,
            at: Msf::new(0, 2, 0).map_err(|e| e.to_string())?,
        })],
    };
    let bytes = sheet.to_vec().map_err(|e| e.to_string())?;
    match ops::run(&mut d, &sheet.request(), imapi_transport::Data::ToDevice(&bytes)) {
        Ok(_) => println!("IMAPI accepted SEND_CUE_SHEET"),
        Err(e) => refusal("SEND_CUE_SHEET", e.sense()),
    }
    match ops::track_information(&mut d, &ReadTrackInformation::invisible()) {
        Ok(t) => println!("IMAPI accepted READ_TRACK_INFORMATION {t:?}"),
        Err(e) => refusal("READ_TRACK_INFORMATION", e.sense()),
    }
    println!("IMAPI probe-end");
    Ok(())
}

#[cfg(target_os = "linux")]
fn access(label: &str, dev: &Path) -> Result<(), String> {
    use imapi_transport::{ops, Access, SgDevice};
    let word = |r: std::io::Result<SgDevice>, query: bool| match r {
        Ok(mut d) if query => match ops::inquiry(&mut d) {
            Ok(_) => "ok".to_string(),
            Err(e) => format!("inquiry-failed:{e}"),
        },
        Ok(_) => "ok".to_string(),
        Err(e) => format!("errno{}", e.raw_os_error().unwrap_or(0)),
    };
    let shared = word(SgDevice::open(dev, Access::Shared), true);
    let exclusive = word(SgDevice::open(dev, Access::Exclusive), false);
    println!("IMAPI access {label} shared={shared} exclusive={exclusive}");
    Ok(())
}

#[cfg(target_os = "linux")]
fn reload(dev: &Path) -> Result<(), String> {
    use imapi_mmc::{PreventAllowMediumRemoval, StartStopUnit};
    use imapi_transport::{ops, Access, SgDevice};
    let mut d = SgDevice::open(dev, Access::Shared).map_err(|e| e.to_string())?;
    for cmd in [StartStopUnit::EJECT, StartStopUnit::LOAD] {
        ops::command(&mut d, &PreventAllowMediumRemoval::UNLOCK).map_err(|e| e.to_string())?;
        ops::command(&mut d, &cmd).map_err(|e| e.to_string())?;
    }
    println!("IMAPI reload ok");
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn reload(_dev: &Path) -> Result<(), String> {
    Err("SG_IO exists on Linux only".to_string())
}

#[cfg(not(target_os = "linux"))]
fn access(_label: &str, _dev: &Path) -> Result<(), String> {
    Err("SG_IO exists on Linux only".to_string())
}

#[cfg(not(target_os = "linux"))]
fn probe(_dev: Option<PathBuf>) -> Result<(), String> {
    Err("SG_IO exists on Linux only".to_string())
}

#[cfg(test)]
mod tests {
    /// The subcommands `main` dispatches, as the module documentation lists them.
    const FORMS: [&str; 5] = [
        "probe [DEVICE]",
        "list LABEL DIR",
        "access LABEL DEVICE",
        "sim-write DIR",
        "reload DEVICE",
    ];

    #[test]
    fn usage_names_every_subcommand() {
        for form in FORMS {
            assert!(super::USAGE.contains(form), "{form:?} missing from {:?}", super::USAGE);
            let doc = include_str!("main.rs");
            assert!(doc.contains(&format!("`imapi-drivecheck {form}`")), "{form:?} not documented");
        }
    }
}
