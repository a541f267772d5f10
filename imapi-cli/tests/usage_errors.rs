//! Exit status 2 for a usage error, 1 for a failure at run time (CLI.md): every flag that takes
//! a structured value refuses a malformed one while the command line is read, with clap's
//! usage hint, before any file is touched; well-formed values that the work then refuses stay
//! exit 1.

use std::path::Path;
use std::process::{Command, Output};

/// `{d}` in an argument stands for the test's folder.
struct Row {
    args: &'static [&'static str],
    code: i32,
    /// A word stderr must contain.
    word: &'static str,
}

const fn row(args: &'static [&'static str], code: i32, word: &'static str) -> Row {
    Row { args, code, word }
}

const ROWS: &[Row] = &[
    // mkiso
    row(&["mkiso", "-o", "{d}/o.iso", "--date", "garbage", "{d}/src"], 2, "RFC 3339"),
    row(&["mkiso", "-o", "{d}/o.iso", "--date", "2024-05-01", "{d}/src"], 2, "--date"),
    row(&["mkiso", "-o", "{d}/o.iso", "--iso-level", "4", "{d}/src"], 2, "--iso-level"),
    row(&["mkiso", "-o", "{d}/o.iso", "--iso-level", "two", "{d}/src"], 2, "--iso-level"),
    row(&["mkiso", "-o", "{d}/o.iso", "--exclude", "a[", "{d}/src"], 2, "pattern"),
    row(&["mkiso", "-o", "{d}/o.iso"], 2, "SOURCE"),
    row(&["mkiso", "-o", "{d}/o.iso", "--bogus", "{d}/src"], 2, "--bogus"),
    // ls, extract, verify, inspect
    row(&["ls", "{d}/junk.iso", "--bogus"], 2, "--bogus"),
    row(&["extract", "{d}/junk.iso"], 2, "DESTDIR"),
    row(&["verify"], 2, "IMAGE"),
    row(&["inspect"], 2, "FILE"),
    // audio
    row(&["audio", "-o", "{d}/o.bin", "--gap", "abc", "{d}/a.wav"], 2, "--gap"),
    row(&["audio", "-o", "{d}/o.bin", "--gap=-1", "{d}/a.wav"], 2, "--gap"),
    row(&["audio", "-o", "{d}/o.bin", "--gap", "226", "{d}/a.wav"], 2, "--gap"),
    row(&["audio", "-o", "{d}/o.bin", "--catalog", "12345", "{d}/a.wav"], 2, "13 decimal digits"),
    row(&["audio", "-o", "{d}/o.bin", "{d}/a.wav:isrc=XX"], 2, "ISRC"),
    row(&["audio", "-o", "{d}/o.bin", "{d}/a.wav:isrc=US-RC1-76-07839X"], 2, "ISRC"),
    // burn (refused before any recorder is opened)
    row(&["burn", "-r", "sim:{d}/rec", "--speed", "0", "--data", "{d}/src"], 2, "--speed"),
    row(&["burn", "-r", "sim:{d}/rec", "--speed", "fast", "--data", "{d}/src"], 2, "--speed"),
    row(&["burn", "-r", "sim:{d}/rec", "--gap", "226", "--audio", "{d}/a.wav"], 2, "--gap"),
    row(&["burn", "-r", "sim:{d}/rec", "--date", "yesterday", "--data", "{d}/src"], 2, "RFC 3339"),
    row(&["burn", "-r", "sim:{d}/rec", "--exclude", "{a,b", "--data", "{d}/src"], 2, "pattern"),
    row(&["burn", "-r", "sim:{d}/rec", "--catalog", "ABC", "--audio", "{d}/a.wav"], 2, "MCN"),
    row(&["burn", "-r", "sim:{d}/rec", "--audio", "{d}/a.wav:isrc=X"], 2, "ISRC"),
    row(&["burn", "-r", "sim:{d}/rec"], 2, "--data"),
    row(&["burn", "-r", "sim:{d}/rec", "--boot-id", "X", "--data", "{d}/src"], 2, "--boot"),
    row(&["burn", "-r", "sim:{d}/rec", "--boot", "{d}/b", "--audio", "{d}/a.wav"], 2, "--audio"),
    row(
        &[
            "burn",
            "-r",
            "sim:{d}/rec",
            "--boot",
            "{d}/b",
            "--boot-platform",
            "arm",
            "--data",
            "{d}/src",
        ],
        2,
        "arm",
    ),
    // sim
    row(&["sim", "create", "{d}/rec", "--media", "floppy"], 2, "--media"),
    row(&["sim", "create", "{d}/rec"], 2, "--media"),
    row(&["sim", "create", "{d}/rec", "--media", "cd-r80", "--speed", "99"], 2, "--speed"),
    row(&["sim", "insert", "{d}/rec", "--media", "dvd"], 2, "--media"),
    row(&["sim", "fault", "{d}/rec", "--write-error-at", "here"], 2, "--write-error-at"),
    row(&["sim", "fault", "{d}/rec", "--busy-writes=-1"], 2, "--busy-writes"),
    row(&["sim", "fault", "{d}/rec", "--remove-after", "x"], 2, "--remove-after"),
    row(&["sim", "fault", "{d}/rec", "--power-loss-after", "1.5"], 2, "--power-loss-after"),
    row(&["sim", "fault", "{d}/rec", "--throttle", "maybe"], 2, "--throttle"),
    row(&["sim", "export", "{d}/rec"], 2, "--output"),
    // recorders, media, erase
    row(&["recorders", "--bogus"], 2, "--bogus"),
    row(&["media", "-r"], 2, "--recorder"),
    row(&["erase", "--full=yes"], 2, "--full"),
    row(&["nosuchcommand"], 2, "nosuchcommand"),
    // Well formed, refused at run time: exit 1.
    row(&["mkiso", "-o", "{d}/o.iso", "{d}/missing"], 1, "missing"),
    row(
        &["mkiso", "-o", "{d}/o.iso", "x.txt={d}/src/a.txt", "x.txt={d}/src/a.txt"],
        1,
        "IMAPI_E_FILEEXISTS",
    ),
    row(
        &["mkiso", "-o", "{d}/o.iso", "-V", "VOLUME_NAME_LONGER_THAN_THIRTY_TWO", "{d}/src"],
        1,
        "VOLUME",
    ),
    row(&["ls", "{d}/junk.iso"], 1, "junk.iso"),
    row(&["audio", "-o", "{d}/o.bin", "--catalog", "0123456789012", "{d}/a.wav"], 1, "a.wav"),
    row(&["sim", "fault", "{d}/no-recorder", "--busy-writes", "1"], 1, "no-recorder"),
];

fn run(dir: &Path, args: &[&str]) -> Output {
    let d = dir.to_str().expect("a UTF-8 temporary folder");
    Command::new(env!("CARGO_BIN_EXE_imapi"))
        .args(args.iter().map(|a| a.replace("{d}", d)))
        .env_remove("IMAPI_RECORDER")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run imapi")
}

#[test]
fn malformed_values_are_usage_errors_and_refusals_at_run_time_are_not() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir(d.join("src")).unwrap();
    std::fs::write(d.join("src/a.txt"), b"a").unwrap();
    std::fs::write(d.join("junk.iso"), [0u8; 64]).unwrap();
    // Not a WAV file: a run that got past the command line would fail on it (exit 1).
    std::fs::write(d.join("a.wav"), b"not a wav").unwrap();

    let mut wrong = Vec::new();
    for r in ROWS {
        let out = run(d, r.args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let usage_hint = stderr.contains("--help");
        let ok = out.status.code() == Some(r.code)
            && stderr.contains(r.word)
            && usage_hint == (r.code == 2);
        if !ok {
            wrong.push(format!("{:?}: exit {:?}, stderr: {stderr}", r.args, out.status.code()));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} rows of {} wrong:\n{}",
        wrong.len(),
        ROWS.len(),
        wrong.join("\n")
    );
    assert!(!d.join("o.iso").exists() && !d.join("o.bin").exists(), "no output left behind");
    assert!(!d.join("rec").exists(), "no recorder touched by a usage error");
}

#[test]
fn a_date_from_the_environment_is_checked_at_run_time() {
    // SOURCE_DATE_EPOCH is not a flag: clap does not read it, so a bad one is exit 1.
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir(d.join("src")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_imapi"))
        .arg("mkiso")
        .arg("-o")
        .arg(d.join("o.iso"))
        .arg(d.join("src"))
        .env("SOURCE_DATE_EPOCH", "soon")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SOURCE_DATE_EPOCH"));
}
