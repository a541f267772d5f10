//! `imapi burn --image` and `imapi burn --cue` on a simulated recorder: the disc is taken
//! out with `imapi sim export` and compared byte for byte with the files burned; cd-info reads
//! the exported CUE's CD-Text; a disc too small, a simulation and a write fault leave the
//! disc and the files as CLI.md says.
//!
//! Every test has its own folder, XDG_CACHE_HOME and XDG_DATA_HOME; the test process never
//! opens a recorder itself.

mod common;

use std::fs;
use std::path::PathBuf;
use std::process::Output;

use common::{available, command, run, Scratch};

struct Bench {
    s: Scratch,
}

impl Bench {
    fn new() -> Bench {
        let s = Scratch::new();
        s.mkdir("cache");
        s.mkdir("data");
        Bench { s }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.s.path(rel)
    }

    fn imapi(&self, args: &[&str]) -> Output {
        let mut c = common::imapi();
        c.args(args)
            .env("XDG_CACHE_HOME", self.path("cache"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env_remove("IMAPI_RECORDER");
        run(&mut c)
    }

    fn ok(&self, args: &[&str]) -> Output {
        let o = self.imapi(args);
        assert!(
            o.status.success(),
            "imapi {} exited {:?}:\n{}",
            args.join(" "),
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        );
        o
    }

    /// `imapi ARGS`, asserted to exit 1 naming `code` and `name`; its stderr.
    fn fails(&self, args: &[&str], code: &str, name: &str) -> String {
        let o = self.imapi(args);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(1), "imapi {}: {err}", args.join(" "));
        assert!(err.contains(&format!("error: {code}: ")), "imapi {}: {err}", args.join(" "));
        assert!(err.contains(name), "imapi {}: {err}", args.join(" "));
        err
    }

    fn recorder(&self, name: &str, media: &str) -> String {
        let dir = self.path(name);
        self.ok(&["sim", "create", dir.to_str().unwrap(), "--media", media]);
        format!("sim:{}", dir.display())
    }

    /// `imapi sim export NAME -o NAME.cue`: the CUE text and the BIN's bytes.
    fn export(&self, name: &str) -> (String, Vec<u8>) {
        let cue = self.path(&format!("{name}.cue"));
        self.ok(&["sim", "export", self.path(name).to_str().unwrap(), "-o", cue.to_str().unwrap()]);
        (fs::read_to_string(&cue).unwrap(), fs::read(self.path(&format!("{name}.bin"))).unwrap())
    }

    fn sessions(&self, rec: &str) -> u64 {
        let o = self.ok(&["media", "-r", rec, "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["sessions"].as_u64().unwrap()
    }
}

/// A source tree for the images: a 700 kB file and a small one.
fn tree(b: &Bench) -> PathBuf {
    b.s.write("src/big.bin", &common::pattern(700_000, 3));
    b.s.write("src/docs/readme.txt", b"read me\n");
    b.path("src")
}

/// Burns `iso` with `--image`, exports the disc and checks its one data track holds the
/// image (padded with zero blocks to 300 when shorter).
fn burn_and_compare(b: &Bench, iso: &std::path::Path) {
    let rec = b.recorder("drive", "cd-r80");
    let before = fs::read(iso).unwrap();
    let o = b.ok(&["burn", "-r", &rec, "--image", iso.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("verified") && err.contains("blocks"), "the summary line: {err}");
    let (cue, bin) = b.export("drive");
    assert!(cue.contains("TRACK 01 MODE1/2048") && !cue.contains("TRACK 02"), "{cue}");
    assert!(bin.len() >= before.len(), "{} < {}", bin.len(), before.len());
    assert!(bin[..before.len()] == before[..], "the disc's blocks are the image's");
    assert!(bin[before.len()..].iter().all(|&x| x == 0), "only zero padding after it");
    assert_eq!(fs::read(iso).unwrap(), before, "the image file as it was");
    // The disc stays appendable (no --close), and reads as the image does.
    let ls = b.ok(&["ls", &rec]);
    assert!(String::from_utf8_lossy(&ls.stdout).contains("docs/readme.txt"));
    assert_eq!(b.sessions(&rec), 1);
}

#[test]
fn an_image_made_by_mkiso_is_burned_as_it_is() {
    let b = Bench::new();
    let src = tree(&b);
    let iso = b.path("mine.iso");
    b.ok(&["mkiso", "-o", iso.to_str().unwrap(), src.to_str().unwrap()]);
    burn_and_compare(&b, &iso);
}

#[test]
fn an_image_made_by_xorriso_is_burned_as_it_is() {
    if !available("xorriso") {
        return;
    }
    let b = Bench::new();
    let src = tree(&b);
    let iso = b.path("theirs.iso");
    common::run_ok(
        command("xorriso").args(["-as", "mkisofs", "-J", "-R", "-o"]).arg(&iso).arg(&src),
    );
    burn_and_compare(&b, &iso);
}

#[test]
fn an_image_too_big_is_disc_full_and_the_disc_stays_blank() {
    let b = Bench::new();
    let rec = b.recorder("drive", "cd-r74");
    let iso = b.path("huge.iso");
    fs::File::create(&iso).unwrap().set_len(700 << 20).unwrap();
    b.fails(
        &["burn", "-r", &rec, "--image", iso.to_str().unwrap()],
        "IMAPI_E_DISCFULL",
        "huge.iso",
    );
    assert_eq!(b.sessions(&rec), 0);
    let missing = b.path("missing.iso");
    b.fails(
        &["burn", "-r", &rec, "--image", missing.to_str().unwrap()],
        "IMAPI_E_FILEACCESS",
        "missing.iso",
    );
}

#[test]
fn simulate_leaves_the_disc_blank_and_a_write_fault_leaves_the_file() {
    let b = Bench::new();
    let src = tree(&b);
    let iso = b.path("mine.iso");
    b.ok(&["mkiso", "-o", iso.to_str().unwrap(), src.to_str().unwrap()]);
    let before = fs::read(&iso).unwrap();
    let rec = b.recorder("drive", "cd-rw80");
    let o = b.ok(&["burn", "-r", &rec, "--simulate", "--quiet", "--image", iso.to_str().unwrap()]);
    assert!(o.stderr.is_empty(), "--quiet: {}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(b.sessions(&rec), 0, "a simulation writes nothing");

    let drive = b.path("drive");
    b.ok(&["sim", "fault", drive.to_str().unwrap(), "--write-error-at", "100"]);
    b.fails(
        &["burn", "-r", &rec, "--image", iso.to_str().unwrap()],
        "IMAPI_E_CANNOT_WRITE_TO_MEDIA",
        "mine.iso",
    );
    assert_eq!(fs::read(&iso).unwrap(), before, "the image file as it was");
    // The same command on a new disc.
    b.ok(&["sim", "fault", drive.to_str().unwrap(), "--clear"]);
    b.ok(&["sim", "insert", drive.to_str().unwrap(), "--media", "cd-r80"]);
    b.ok(&["burn", "-r", &rec, "--image", iso.to_str().unwrap()]);
    let (_, bin) = b.export("drive");
    assert!(bin[..before.len()] == before[..]);
}

#[test]
fn a_written_disc_takes_no_image() {
    let b = Bench::new();
    let src = tree(&b);
    let iso = b.path("mine.iso");
    b.ok(&["mkiso", "-o", iso.to_str().unwrap(), src.to_str().unwrap()]);
    let rec = b.recorder("drive", "cd-r80");
    b.ok(&["burn", "-r", &rec, "--image", iso.to_str().unwrap()]);
    let err = b.fails(
        &["burn", "-r", &rec, "--image", iso.to_str().unwrap()],
        "IMAPI_E_MEDIUM_INVALIDTYPE",
        "mine.iso",
    );
    assert!(err.contains("blank"), "{err}");
    assert_eq!(b.sessions(&rec), 1);
}

// ---------------------------------------------------------------------------------------------
// BIN/CUE

const CUE: &str = "CATALOG 0123456789012\nPERFORMER \"The Band\"\nTITLE \"The Album\"\n\
FILE \"album.bin\" BINARY\n  TRACK 01 AUDIO\n    TITLE \"First Song\"\n    PERFORMER \"Singer A\"\n\
    ISRC USRC17607839\n    INDEX 01 00:00:00\n  TRACK 02 AUDIO\n    TITLE \"Second Song\"\n\
    PERFORMER \"Singer B\"\n    ISRC GBAYE6700149\n    INDEX 00 00:06:00\n    INDEX 01 00:08:00\n";

/// 1000 frames: track 1 is 450, then 150 of pregap and 400 of track 2.
fn album(b: &Bench) -> (PathBuf, Vec<u8>) {
    let bin = common::pattern(1000 * 2352, 21);
    b.s.write("in/album.bin", &bin);
    (b.s.write("in/album.cue", CUE.as_bytes()), bin)
}

#[test]
fn a_cue_with_two_audio_tracks_reads_back_with_its_text() {
    let b = Bench::new();
    let (cue_path, bin) = album(&b);
    let rec = b.recorder("drive", "cd-r80");
    b.ok(&["burn", "-r", &rec, "--cue", cue_path.to_str().unwrap()]);
    let (cue, out) = b.export("drive");
    assert!(cue.contains("TRACK 02 AUDIO") && cue.contains("INDEX 01 00:08:00"), "{cue}");
    assert!(out == bin, "the exported PCM is the BIN's ({} vs {} bytes)", out.len(), bin.len());
    assert!(
        cue.contains("TITLE \"Second Song\"") && cue.contains("PERFORMER \"The Band\""),
        "{cue}"
    );
    assert_eq!(fs::read(b.path("in/album.bin")).unwrap(), bin, "the BIN as it was");
    if available("cd-info") {
        let o = common::run_ok(
            command("cd-info").arg("--no-device-info").arg("--cue-file").arg(b.path("drive.cue")),
        );
        let info = String::from_utf8_lossy(&o.stdout);
        for want in [
            "TITLE: The Album",
            "PERFORMER: The Band",
            "TITLE: First Song",
            "PERFORMER: Singer B",
            // The CATALOG and the ISRCs, in the CD-Text's UPC/EAN packs.
            "0123456789012",
            "USRC17607839",
            "GBAYE6700149",
        ] {
            assert!(info.contains(want), "cd-info lacks {want:?}:\n{info}");
        }
    }
}

#[test]
fn a_cue_too_big_a_simulation_and_bad_input() {
    let b = Bench::new();
    let rec = b.recorder("drive", "cd-r74");
    b.s.write("big/big.cue", b"FILE \"big.bin\" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\n");
    fs::File::create(b.path("big/big.bin")).unwrap().set_len(76 * 60 * 75 * 2352).unwrap();
    let big = b.path("big/big.cue");
    b.fails(&["burn", "-r", &rec, "--cue", big.to_str().unwrap()], "IMAPI_E_DISCFULL", "big.cue");
    assert_eq!(b.sessions(&rec), 0);
    let (cue_path, _) = album(&b);
    b.ok(&["burn", "-r", &rec, "--simulate", "--cue", cue_path.to_str().unwrap()]);
    assert_eq!(b.sessions(&rec), 0, "a simulation writes nothing");
    b.s.write("bad/bad.cue", b"FILE \"gone.bin\" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\n");
    let bad = b.path("bad/bad.cue");
    b.fails(
        &["burn", "-r", &rec, "--cue", bad.to_str().unwrap()],
        "IMAPI_E_FILEACCESS",
        "gone.bin",
    );
}

#[test]
fn a_staged_disc_kept_for_resume_survives_an_image_burn() {
    let b = Bench::new();
    let src = tree(&b);
    let iso = b.path("mine.iso");
    b.ok(&["mkiso", "-o", iso.to_str().unwrap(), src.to_str().unwrap()]);
    let first = b.recorder("first", "cd-r80");
    let second = b.recorder("second", "cd-r80");
    let drive = b.path("first");
    b.ok(&["sim", "fault", drive.to_str().unwrap(), "--write-error-at", "50"]);
    b.fails(
        &["burn", "-r", &first, "--data", src.to_str().unwrap()],
        "IMAPI_E_CANNOT_WRITE_TO_MEDIA",
        "--resume",
    );
    let kept = b.path("cache/imapi/stash/imapi.stash");
    assert!(kept.is_file(), "the failed burn keeps its stash");
    b.ok(&["burn", "-r", &second, "--image", iso.to_str().unwrap()]);
    assert!(kept.is_file(), "an image burn leaves the kept stash alone");
    b.ok(&["sim", "fault", drive.to_str().unwrap(), "--clear"]);
    b.ok(&["sim", "insert", drive.to_str().unwrap(), "--media", "cd-r80"]);
    b.ok(&["burn", "-r", &first, "--resume"]);
    assert_eq!(b.sessions(&first), 1);
}
