//! `imapi media`, `imapi erase`, `imapi recorders`, the choice of recorder (`-r`,
//! IMAPI_RECORDER, the default simulated recorder), and `ls`/`extract`/`verify`/`inspect` on
//! the disc in a simulated recorder. Every run gets its own XDG_DATA_HOME and no
//! IMAPI_RECORDER, so nothing outside the test's folder is touched.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use imapi_master::{DiscMaster, DiscRecorder, MasterOptions, RecorderPath, RecorderSources};
use imapi_mmc::{
    CloseTrackSession, ModeData, ModePage, ModeSelect10, MultiSession, ReadTrackInformation,
    SynchronizeCache, WriteParameters,
};
use imapi_redbook::Lba;
use imapi_transport::sim::{Media, SimRecorder};
use imapi_transport::{ops, Data};

/// One test at a time. A simulated recorder's lock is a flock on an open file: a child
/// process spawned by another test thread holds a copy of every descriptor between its fork
/// and its exec, so a lock this process just released can look held by "another process" for
/// that moment. The tests are short; running them one by one costs nothing.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A folder for one test: the data folder, recorders, sources; holds [`SERIAL`].
struct Work {
    dir: tempfile::TempDir,
    _serial: std::sync::MutexGuard<'static, ()>,
}

impl Work {
    fn new() -> Work {
        let serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Work { dir: tempfile::tempdir().unwrap(), _serial: serial }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A simulated recorder named `name` with a blank `media`; its `sim:` name.
    fn sim(&self, name: &str, media: Media) -> (PathBuf, String) {
        let dir = self.path(name);
        SimRecorder::create(&dir, media, 0).unwrap();
        let arg = format!("sim:{}", dir.display());
        (dir, arg)
    }

    /// `imapi ARGS` with this test's data folder and `env` set.
    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_imapi"));
        c.args(args).env("XDG_DATA_HOME", self.path("data")).env_remove("IMAPI_RECORDER");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    /// Host files below a new folder `name`.
    fn folder(&self, name: &str, files: &[(&str, &[u8])]) -> PathBuf {
        let root = self.path(name);
        std::fs::create_dir_all(&root).unwrap();
        for (p, bytes) in files {
            let at = root.join(p);
            std::fs::create_dir_all(at.parent().unwrap()).unwrap();
            std::fs::write(at, bytes).unwrap();
        }
        root
    }

    /// Stages `source` with the master (multisession on an appendable disc) and records it
    /// on the simulated recorder at `drive` as one Track-at-Once session left open.
    fn record(&self, drive: &Path, source: &Path) {
        let mut opts = MasterOptions::new(self.path("stash"));
        opts.recorders = RecorderSources::simulated_only([drive.to_path_buf()]);
        opts.pnp_poll = None;
        let mut master = DiscMaster::new(opts);
        master.open().unwrap();
        let recorders = master.enum_disc_recorders().unwrap();
        master.set_active_disc_recorder(&recorders[0]).unwrap();
        master.joliet().unwrap().add_data(source, false).unwrap();
        let staged = master.seal().unwrap();
        burn_track(drive, &staged.stash);
        master.close();
    }
}

/// The first track of a finished stash, written to the simulated recorder with raw MMC
/// commands: write parameters for a TAO data track in an open multisession disc, WRITE(10)
/// from the next writable address, SYNCHRONIZE CACHE, CLOSE SESSION.
fn burn_track(drive: &Path, stash: &Path) {
    let mut sim = SimRecorder::open(drive).unwrap();
    let params = ModeData::with_page(ModePage::WriteParameters(WriteParameters::tao_data(
        MultiSession::Open,
    )))
    .to_select_vec()
    .unwrap();
    let select = ModeSelect10::new(u16::try_from(params.len()).unwrap());
    ops::run(&mut sim, &select, Data::ToDevice(&params)).unwrap();
    let invisible = ops::track_information(&mut sim, &ReadTrackInformation::invisible()).unwrap();
    assert!(invisible.nwa_valid, "the disc takes another track");
    let mut stash = imapi_stash::Stash::open(stash).unwrap();
    let mut track = stash.track_reader(0).unwrap();
    let mut lba = invisible.nwa.0;
    let mut buf = vec![0u8; 16 * 2048];
    loop {
        let mut filled = 0;
        while filled < buf.len() {
            let n = track.read(&mut buf[filled..]).unwrap();
            if n == 0 {
                break;
            }
            filled += n;
        }
        if filled == 0 {
            break;
        }
        assert_eq!(filled % 2048, 0, "a data track is whole blocks");
        ops::write10(&mut sim, Lba(lba), &buf[..filled], 2048).unwrap();
        lba += (filled / 2048) as i32;
    }
    ops::command(&mut sim, &SynchronizeCache::default()).unwrap();
    ops::command(&mut sim, &CloseTrackSession::session()).unwrap();
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "exit {:?}: {}", o.status.code(), stderr(o));
    stdout(o)
}

/// Asserts exit 1 with `code` in the error line; the stderr.
fn fails_with(o: &Output, code: &str) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "stdout {} stderr {err}", stdout(o));
    assert!(err.contains(&format!("error: {code}: ")), "{err}");
    err
}

/// The value of `key: value` in `media`'s text output.
fn field(text: &str, key: &str) -> String {
    let prefix = format!("{key}: ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {key} in\n{text}"))
        .to_string()
}

#[test]
fn media_on_a_blank_cd_r() {
    let w = Work::new();
    let (_, rec) = w.sim("drive", Media::CdR80);
    let text = ok(&w.run(&["media", "-r", &rec]));
    assert_eq!(field(&text, "recorder"), rec);
    assert_eq!(field(&text, "vendor"), "IMAPI-RS");
    assert_eq!(field(&text, "product"), "SIM CD-RW");
    assert_eq!(field(&text, "type"), "cd-r");
    assert_eq!(field(&text, "media"), "MEDIA_CDDA_CDROM");
    assert_eq!(field(&text, "flags"), "blank writable", "a CD-R is not rw");
    assert_eq!(field(&text, "sessions"), "0");
    assert_eq!(field(&text, "next writable"), "0");
    // 80 minutes less the 150-block first pregap: 79:59:74 is the last lead-out start.
    assert_eq!(field(&text, "free blocks"), "359849");
    assert_eq!(field(&text, "capacity"), "359849");
}

#[test]
fn media_as_json() {
    let w = Work::new();
    let (_, rec) = w.sim("drive", Media::CdRw74);
    let out = ok(&w.run(&["media", "--recorder", &rec, "--json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["recorder"], rec.as_str());
    assert_eq!(v["type"], "cd-rw");
    assert_eq!(v["media"], "MEDIA_CDDA_CDROM");
    assert_eq!(v["flags"], serde_json::json!(["blank", "rw", "writable"]));
    assert_eq!(v["sessions"], 0);
    assert_eq!(v["last_track"], 0);
    assert_eq!(v["start_address"], 0);
    let (nwa, free) = (v["next_writable"].as_u64().unwrap(), v["free_blocks"].as_u64().unwrap());
    assert_eq!(v["capacity"].as_u64().unwrap(), nwa + free);
    assert!(free < 359_849 && free > 300_000, "a 74-minute disc holds less: {free}");
}

#[test]
fn media_without_a_disc_is_a_query_not_a_failure() {
    let w = Work::new();
    let (dir, rec) = w.sim("drive", Media::CdR80);
    let mut r = DiscRecorder::open_path(RecorderPath::Simulated(dir.clone())).unwrap();
    r.open_exclusive().unwrap();
    r.eject().unwrap();
    r.close().unwrap();
    let text = ok(&w.run(&["media", "-r", &rec]));
    assert_eq!(field(&text, "media"), "none");
    assert_eq!(field(&text, "type"), "none");
    assert!(!text.contains("free blocks"), "{text}");
    let v: serde_json::Value =
        serde_json::from_str(&ok(&w.run(&["media", "-r", &rec, "--json"]))).unwrap();
    assert_eq!(v["media"], "none");
    assert!(v["sessions"].is_null());
    // Reading or erasing needs a disc.
    fails_with(&w.run(&["ls", &rec]), "IMAPI_E_MEDIUM_NOTPRESENT");
    fails_with(&w.run(&["erase", "-r", &rec]), "IMAPI_E_MEDIUM_NOTPRESENT");
    let help = ok(&w.run(&["media", "--help"]));
    assert!(help.contains("media: none"), "{help}");
}

#[test]
fn erase_refuses_a_cd_r() {
    let w = Work::new();
    let (_, rec) = w.sim("drive", Media::CdR80);
    let err = fails_with(&w.run(&["erase", "-r", &rec]), "IMAPI_E_MEDIUM_INVALIDTYPE");
    assert!(err.contains(&rec), "names the recorder: {err}");
}

#[test]
fn erase_blanks_a_written_cd_rw() {
    let w = Work::new();
    let (dir, rec) = w.sim("drive", Media::CdRw80);
    let src = w.folder("src", &[("a.txt", b"some bytes")]);
    w.record(&dir, &src);
    let before = ok(&w.run(&["media", "-r", &rec]));
    assert_eq!(field(&before, "sessions"), "1");
    assert_eq!(field(&before, "flags"), "rw writable");
    assert_eq!(field(&before, "last track"), "1");
    assert_ne!(field(&before, "next writable"), "0");
    ok(&w.run(&["erase", "-r", &rec]));
    let after = ok(&w.run(&["media", "-r", &rec]));
    assert_eq!(field(&after, "flags"), "blank rw writable");
    assert_eq!(field(&after, "sessions"), "0");
    assert_eq!(field(&after, "next writable"), "0");
    fails_with(&w.run(&["ls", &rec]), "IMAPI_E_MEDIUM_INVALIDTYPE");
    // A full erase of the blank disc works too.
    ok(&w.run(&["erase", "-r", &rec, "--full", "--quiet"]));
}

#[test]
fn the_recorder_is_r_then_the_variable_then_the_default() {
    let w = Work::new();
    let (_, a) = w.sim("a", Media::CdR74);
    let (_, b) = w.sim("b", Media::CdR80);
    let default_dir = w.path("data").join("imapi").join("sim-recorder");
    let default = format!("sim:{}", default_dir.display());

    let env = [("IMAPI_RECORDER", a.as_str())];
    assert_eq!(field(&ok(&w.run_env(&["media", "-r", &b], &env)), "recorder"), b);
    assert_eq!(field(&ok(&w.run_env(&["media"], &env)), "recorder"), a);
    assert!(!default_dir.exists(), "the default recorder is made only when used");
    // An empty variable counts as unset.
    let text = ok(&w.run_env(&["media"], &[("IMAPI_RECORDER", "")]));
    assert_eq!(field(&text, "recorder"), default);
    // Made on first use: a blank 80-minute CD-RW.
    assert!(default_dir.is_dir());
    assert_eq!(field(&text, "type"), "cd-rw");
    assert_eq!(field(&text, "flags"), "blank rw writable");
    assert_eq!(field(&text, "free blocks"), "359849");
    // And kept: a second run finds it as it is.
    assert_eq!(field(&ok(&w.run(&["media"])), "recorder"), default);
    let help = ok(&w.run(&["erase", "--help"]));
    assert!(help.contains("imapi/sim-recorder"), "{help}");
}

#[test]
fn recorders_lists_the_simulated_ones() {
    let w = Work::new();
    let (_, a) = w.sim("a", Media::CdR80);
    // Not there yet: the default recorder is listed only once it exists.
    let rows = ok(&w.run_env(&["recorders"], &[("IMAPI_RECORDER", &a)]));
    let sims: Vec<&str> = rows.lines().filter(|l| l.starts_with("sim:")).collect();
    assert_eq!(sims, [format!("{a}\tIMAPI-RS\tSIM CD-RW\t0.1\tcd-rw")]);
    ok(&w.run(&["media"]));
    let out = ok(&w.run_env(&["recorders", "--json"], &[("IMAPI_RECORDER", &a)]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let sims: Vec<&serde_json::Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"].as_str().unwrap().starts_with("sim:"))
        .collect();
    assert_eq!(sims.len(), 2, "{out}");
    assert_eq!(sims[0]["path"], a.as_str());
    let default = w.path("data").join("imapi").join("sim-recorder");
    assert_eq!(sims[1]["path"], format!("sim:{}", default.display()).as_str());
    for s in sims {
        assert_eq!(s["type"], "cd-rw");
        assert_eq!(s["vendor"], "IMAPI-RS");
        assert_eq!(s["product"], "SIM CD-RW");
        assert!(s["revision"].is_string());
    }
}

/// `ls` lines as (type, size of files, path).
fn listing(text: &str) -> BTreeSet<(String, Option<u64>, String)> {
    text.lines()
        .map(|l| {
            let mut f = l.split('\t');
            let kind = f.next().unwrap().to_string();
            let size: u64 = f.next().unwrap().parse().unwrap();
            let path = f.next().unwrap().to_string();
            let size = (kind == "f").then_some(size);
            (kind, size, path)
        })
        .collect()
}

/// The same rows for a host folder.
fn host_listing(root: &Path) -> BTreeSet<(String, Option<u64>, String)> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let rel = e.path().strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let meta = e.metadata().unwrap();
            if meta.is_dir() {
                stack.push(e.path());
                out.insert(("d".to_string(), None, rel));
            } else {
                out.insert(("f".to_string(), Some(meta.len()), rel));
            }
        }
    }
    out
}

const SESSION_ONE: &[(&str, &[u8])] = &[
    ("readme.txt", b"read me"),
    ("Mixed Case Name.text", b"mixed case"),
    ("docs/guide.md", b"# guide"),
    ("docs/deep/notes.txt", b"notes"),
    ("empty", b""),
];

#[test]
fn read_commands_take_a_simulated_recorder() {
    let w = Work::new();
    let (dir, rec) = w.sim("drive", Media::CdR80);
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let src = w.folder("src", SESSION_ONE);
    std::fs::write(src.join("docs/big.bin"), &big).unwrap();
    w.record(&dir, &src);

    assert_eq!(listing(&ok(&w.run(&["ls", &rec]))), host_listing(&src));
    let json: serde_json::Value =
        serde_json::from_str(&ok(&w.run(&["ls", &rec, "--json", "docs"]))).unwrap();
    assert!(json.as_array().unwrap().iter().any(|r| r["path"] == "docs/big.bin"));

    let dest = w.path("out");
    ok(&w.run(&["extract", "--quiet", &rec, dest.to_str().unwrap()]));
    assert_eq!(host_listing(&dest), host_listing(&src));
    assert_eq!(std::fs::read(dest.join("docs/big.bin")).unwrap(), big);
    assert_eq!(std::fs::read(dest.join("Mixed Case Name.text")).unwrap(), b"mixed case");

    let verdict = ok(&w.run(&["verify", &rec]));
    assert!(verdict.contains(&format!("{rec}: 0 violation(s)")), "{verdict}");
    let summary = ok(&w.run(&["inspect", &rec]));
    assert!(summary.contains("disc in a recorder"), "{summary}");
    assert!(summary.contains("1 session(s); the last session, read here, starts at block 0"));
    assert!(summary.contains("Joliet tree: 2 directories, 6 files"), "{summary}");
}

#[test]
fn a_multisession_disc_is_read_from_its_last_session() {
    let w = Work::new();
    let (dir, rec) = w.sim("drive", Media::CdR80);
    let one = w.folder("one", SESSION_ONE);
    w.record(&dir, &one);
    let two = w.folder("two", &[("later/added.txt", b"from session two")]);
    w.record(&dir, &two);
    let media = ok(&w.run(&["media", "-r", &rec]));
    assert_eq!(field(&media, "sessions"), "2");
    let mut want = host_listing(&one);
    want.extend(host_listing(&two));
    assert_eq!(listing(&ok(&w.run(&["ls", &rec]))), want);
    let dest = w.path("out");
    ok(&w.run(&["extract", &rec, dest.to_str().unwrap(), "later"]));
    assert_eq!(std::fs::read(dest.join("later/added.txt")).unwrap(), b"from session two");
    let start = field(&media, "start address");
    let summary = ok(&w.run(&["inspect", &rec]));
    assert!(
        summary.contains(&format!(
            "2 session(s); the last session, read here, starts at block {start}"
        )),
        "{summary}"
    );
}

#[test]
fn a_blank_disc_has_nothing_to_read() {
    let w = Work::new();
    let (_, rec) = w.sim("drive", Media::CdRw80);
    for args in [vec!["ls", &rec], vec!["verify", &rec], vec!["inspect", &rec]] {
        fails_with(&w.run(&args), "IMAPI_E_MEDIUM_INVALIDTYPE");
    }
    fails_with(&w.run(&["ls", "sim:/nonexistent/imapi-recorder"]), "IMAPI_E_DEVICE_NOTPRESENT");
}

#[test]
fn two_processes_contend_for_one_recorder() {
    let w = Work::new();
    let (dir, rec) = w.sim("drive", Media::CdRw80);
    let src = w.folder("src", &[("a.txt", b"a")]);
    w.record(&dir, &src);
    let mut held = DiscRecorder::open_path(RecorderPath::Simulated(dir.clone())).unwrap();
    held.open_exclusive().unwrap();
    for args in [vec!["media", "-r", &rec], vec!["erase", "-r", &rec], vec!["ls", &rec]] {
        let err = fails_with(&w.run(&args), "IMAPI_E_DEVICE_NOTACCESSIBLE");
        assert!(err.contains(&rec), "names the recorder: {err}");
    }
    // The held recorder is not listed meanwhile; once given back, all works again.
    let listed = ok(&w.run_env(&["recorders"], &[("IMAPI_RECORDER", &rec)]));
    assert!(!listed.contains(&rec), "{listed}");
    held.close().unwrap();
    assert_eq!(field(&ok(&w.run(&["media", "-r", &rec])), "sessions"), "1");
    assert_eq!(listing(&ok(&w.run(&["ls", &rec]))), host_listing(&src));
}
