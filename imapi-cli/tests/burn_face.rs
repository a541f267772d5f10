//! What `imapi burn` shows, as CLI.md says: without a terminal one summary line on stderr for
//! every form (`--data`, `--audio`, `--image`, `--cue`) telling what was written, where, how
//! many blocks and MB, the speed as × and MB/s, and the verify result; nothing with `--quiet`;
//! under a pseudo-terminal (`script` from util-linux) the bar with its phases, speeds written
//! as `N×` and `N MB/s`, then the same line. A later session naming a file the disc already
//! holds fails with IMAPI_E_FILEEXISTS and a hint at `--overwrite`, and only then.
//!
//! Every test has its own folder, XDG_CACHE_HOME and XDG_DATA_HOME; the test process never
//! opens a recorder itself.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{available, run, Scratch};

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

    /// `imapi ARGS`, asserted to succeed; its stderr.
    fn ok(&self, args: &[&str]) -> String {
        let o = self.imapi(args);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(o.status.success(), "imapi {} exited {:?}:\n{err}", args.join(" "), o.status);
        err
    }

    /// `imapi ARGS`, asserted to exit 1; its stderr.
    fn fails(&self, args: &[&str]) -> String {
        let o = self.imapi(args);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(1), "imapi {}: {err}", args.join(" "));
        err
    }

    fn recorder(&self, name: &str, media: &str) -> String {
        let dir = self.path(name);
        self.ok(&["sim", "create", dir.to_str().unwrap(), "--media", media]);
        format!("sim:{}", dir.display())
    }
}

/// A WAV of `frames` CD frames of noise.
fn write_wav(path: &Path, frames: usize, seed: u64) {
    let pcm = common::pattern(frames * 2352, seed);
    let mut f = Vec::with_capacity(44 + pcm.len());
    f.extend_from_slice(b"RIFF");
    f.extend_from_slice(&(36 + pcm.len() as u32).to_le_bytes());
    f.extend_from_slice(b"WAVEfmt ");
    f.extend_from_slice(&16u32.to_le_bytes());
    f.extend_from_slice(&1u16.to_le_bytes()); // PCM
    f.extend_from_slice(&2u16.to_le_bytes()); // channels
    f.extend_from_slice(&44_100u32.to_le_bytes());
    f.extend_from_slice(&(44_100u32 * 4).to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    f.extend_from_slice(&16u16.to_le_bytes());
    f.extend_from_slice(b"data");
    f.extend_from_slice(&(pcm.len() as u32).to_le_bytes());
    f.extend_from_slice(&pcm);
    fs::write(path, f).unwrap();
}

/// Whether `s` is a figure as the speeds and sizes are written: digits, with one decimal
/// below 10 (`0.2`, `8.5`) and none from 10 on (`52`, `20951`); never a separator.
fn is_figure(s: &str) -> bool {
    match s.split_once('.') {
        Some((whole, dec)) => {
            whole.len() == 1
                && whole.bytes().all(|b| b.is_ascii_digit())
                && dec.len() == 1
                && dec.bytes().all(|b| b.is_ascii_digit())
        }
        // Whole from 10 on, or nothing at all.
        None => {
            s.bytes().all(|b| b.is_ascii_digit())
                && (s == "0" || (s.len() > 1 && !s.starts_with('0')))
        }
    }
}

/// The parts of a summary line.
#[derive(Debug)]
struct Line {
    what: String,
    device: String,
    blocks: u64,
    mb: String,
    times: String,
    mbps: String,
    result: String,
}

/// Reads `burned WHAT to DEVICE: N blocks (M MB) in T at S× (R MB/s), RESULT`, checking
/// each figure's form.
fn parse_line(line: &str) -> Line {
    let fail = || -> ! { panic!("not a summary line: {line:?}") };
    let cut = |s: &'_ str, at: &str| -> (String, String) {
        let (a, b) = s.split_once(at).unwrap_or_else(|| fail());
        (a.to_string(), b.to_string())
    };
    let rest = line.strip_prefix("burned ").unwrap_or_else(|| fail());
    let (what, rest) = cut(rest, " to ");
    let (device, rest) = cut(&rest, ": ");
    let (blocks, rest) = cut(&rest, " blocks (");
    let (mb, rest) = cut(&rest, " MB) in ");
    let (_took, rest) = cut(&rest, " at ");
    let (times, rest) = cut(&rest, "× (");
    let (mbps, result) = cut(&rest, " MB/s), ");
    for figure in [&mb, &times, &mbps] {
        assert!(is_figure(figure), "{figure:?} in {line:?}");
    }
    let blocks = blocks.parse().unwrap_or_else(|_| fail());
    Line { what, device, blocks, mb, times, mbps, result }
}

/// The one line on stderr, checked to be alone and free of a bar's control characters.
fn only_line(err: &str) -> Line {
    assert!(!err.contains('\r') && !err.contains('\x1b'), "no bar without a terminal: {err:?}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one summary line: {err:?}");
    parse_line(lines[0])
}

#[test]
fn figures_are_checked_as_they_should_be() {
    for good in ["0", "0.2", "8.5", "52", "20951"] {
        assert!(is_figure(good), "{good}");
    }
    for bad in ["20,951", "20950.7889", "52.0", "1,000", "", "8.55", "05", "8"] {
        assert!(!is_figure(bad), "{bad}");
    }
}

#[test]
fn a_data_burn_ends_with_its_summary_line_and_quiet_silences_it() {
    let b = Bench::new();
    b.s.write("one/big.bin", &common::pattern(700_000, 1));
    b.s.write("two/more.txt", b"more\n");
    let rec = b.recorder("drive", "cd-rw80");
    let err = b.ok(&["burn", "-r", &rec, "--data", b.path("one").to_str().unwrap()]);
    let l = only_line(&err);
    assert_eq!((l.what.as_str(), l.device.as_str()), ("data session 1", rec.as_str()), "{l:?}");
    assert_eq!(l.result, "verified", "{l:?}");
    // 700 000 bytes are 342 blocks; the session holds them and its file system (about 175
    // blocks, as a session of one small file shows).
    assert!(l.blocks > 342 && l.blocks < 342 + 200, "{l:?}");
    assert_eq!(l.mb, format!("{:.1}", l.blocks as f64 * 2048.0 / 1e6), "{l:?}");
    // A second session, not read back.
    let err = b.ok(&["burn", "-r", &rec, "--no-verify", "--data", b.path("two").to_str().unwrap()]);
    let l = only_line(&err);
    assert_eq!((l.what.as_str(), l.result.as_str()), ("data session 2", "not verified"), "{l:?}");
    // --quiet: nothing at all.
    b.s.write("three/last.txt", b"last\n");
    let three = b.path("three");
    let err = b.ok(&["burn", "-r", &rec, "--quiet", "--close", "--data", three.to_str().unwrap()]);
    assert_eq!(err, "", "--quiet");
    // A simulation says so and that nothing was written.
    let rec2 = b.recorder("drive2", "cd-rw80");
    let err = b.ok(&["burn", "-r", &rec2, "--simulate", "--data", three.to_str().unwrap()]);
    assert!(
        err.starts_with(&format!("simulated data session 1 on {rec2}: "))
            && err.trim_end().ends_with(", nothing written (test write)")
            && err.lines().count() == 1,
        "{err:?}"
    );
}

#[test]
fn an_audio_burn_and_a_cue_burn_end_with_their_summary_lines() {
    let b = Bench::new();
    write_wav(&b.path("a.wav"), 300, 1);
    write_wav(&b.path("b.wav"), 320, 2);
    let (a, w) = (b.path("a.wav"), b.path("b.wav"));
    let (a, w) = (a.to_str().unwrap(), w.to_str().unwrap());
    let rec = b.recorder("drive", "cd-r80");
    let err = b.ok(&["burn", "-r", &rec, "--audio", a, w]);
    let l = only_line(&err);
    assert_eq!(l.what, "audio disc of 2 tracks", "{l:?}");
    assert_eq!((l.device.as_str(), l.result.as_str()), (rec.as_str(), "verified"), "{l:?}");
    // From −150: the first pregap, track 1, the 2-second gap, track 2.
    assert_eq!(l.blocks, 150 + 300 + 150 + 320, "{l:?}");
    assert_eq!(l.mb, format!("{:.1}", l.blocks as f64 * 2352.0 / 1e6), "{l:?}");

    let bin = b.path("album.bin");
    let cue = b.path("album.cue");
    b.ok(&["audio", "-o", bin.to_str().unwrap(), "--cue", cue.to_str().unwrap(), a, w]);
    let rec = b.recorder("drive2", "cd-r80");
    let err = b.ok(&["burn", "-r", &rec, "--cue", cue.to_str().unwrap()]);
    let l = only_line(&err);
    assert_eq!(l.what, format!("cue {}", cue.display()), "{l:?}");
    assert_eq!(l.blocks, 150 + 300 + 150 + 320, "{l:?}");
    assert_eq!(l.result, "verified", "{l:?}");
    let rec = b.recorder("drive3", "cd-r80");
    let err = b.ok(&["burn", "-r", &rec, "--quiet", "--cue", cue.to_str().unwrap()]);
    assert_eq!(err, "", "--quiet");
}

#[test]
fn an_image_burn_ends_with_its_summary_line() {
    let b = Bench::new();
    b.s.write("src/big.bin", &common::pattern(900_000, 3));
    let iso = b.path("in.iso");
    b.ok(&["mkiso", "-o", iso.to_str().unwrap(), b.path("src").to_str().unwrap()]);
    let rec = b.recorder("drive", "cd-r80");
    let err = b.ok(&["burn", "-r", &rec, "--no-verify", "--image", iso.to_str().unwrap()]);
    let l = only_line(&err);
    assert_eq!(l.what, format!("image {}", iso.display()), "{l:?}");
    assert_eq!(l.blocks, fs::metadata(&iso).unwrap().len() / 2048, "{l:?}");
    assert_eq!(l.result, "not verified", "{l:?}");
}

#[test]
fn a_name_the_disc_holds_hints_at_overwrite_and_only_then() {
    let b = Bench::new();
    b.s.write("one/a.txt", b"first\n");
    b.s.write("two/a.txt", b"second\n");
    b.s.write("two/b.txt", b"b\n");
    let rec = b.recorder("drive", "cd-rw80");
    let (one, two) = (b.path("one"), b.path("two"));
    let (one, two) = (one.to_str().unwrap(), two.to_str().unwrap());
    // Two sources of one command at one path: the plain message, no hint.
    let b_txt = b.path("two/b.txt");
    let twice = format!("x.txt={}", b_txt.display());
    let err = b.fails(&["burn", "-r", &rec, "--data", &twice, &twice]);
    assert!(err.contains("error: IMAPI_E_FILEEXISTS: ") && err.contains("x.txt"), "{err}");
    assert!(!err.contains("--overwrite") && !err.contains("on the disc"), "{err}");

    b.ok(&["burn", "-r", &rec, "--data", one]);
    let err = b.fails(&["burn", "-r", &rec, "--data", two]);
    assert_eq!(
        err.trim_end(),
        "error: IMAPI_E_FILEEXISTS: \"/a.txt\" is already on the disc (its last session holds \
         it); --overwrite replaces it",
    );
    let err = b.ok(&["burn", "-r", &rec, "--overwrite", "--data", two]);
    assert_eq!(only_line(&err).what, "data session 2");
    b.ok(&["extract", &rec, b.path("out").to_str().unwrap()]);
    assert_eq!(fs::read(b.path("out/a.txt")).unwrap(), b"second\n");
}

/// A frame of the bar: the text between carriage returns and the terminal's control
/// sequences.
fn frames(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                // CSI: ESC [ parameters, then a final letter.
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for d in chars.by_ref() {
                        if d.is_ascii_alphabetic() {
                            break;
                        }
                    }
                }
                out.push(std::mem::take(&mut cur));
            }
            '\r' | '\n' => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect()
}

#[test]
fn on_a_terminal_the_bar_shows_phases_and_speeds_then_the_summary() {
    if !available("script") {
        return;
    }
    let b = Bench::new();
    b.s.write("src/s.bin", &common::pattern(200_000, 4));
    let slow = b.path("slow");
    let slow = slow.to_str().unwrap();
    b.ok(&["sim", "create", slow, "--media", "cd-r80", "--speed", "2"]);
    let rec = format!("sim:{slow}");
    // The simulated drive takes blocks at its write speed, 2×: writing lasts about 2 s.
    b.ok(&["sim", "fault", slow, "--throttle", "on"]);
    let burn = format!(
        "stty cols 100 rows 30; '{}' burn -r '{rec}' --data '{}'",
        common::IMAPI,
        b.path("src").display()
    );
    let mut c = common::command("script");
    c.args(["-qec", &burn, "/dev/null"])
        .env("XDG_CACHE_HOME", b.path("cache"))
        .env("XDG_DATA_HOME", b.path("data"))
        .env("TERM", "xterm")
        .env_remove("IMAPI_RECORDER");
    let o = run(&mut c);
    let raw = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{raw}\n{}", String::from_utf8_lossy(&o.stderr));
    let frames = frames(&raw);
    let bars: Vec<&String> =
        frames.iter().filter(|f| f.contains("] ") && f.contains(" blocks ")).collect();
    for phase in ["writing", "verifying"] {
        assert!(bars.iter().any(|f| f.starts_with(phase)), "no {phase} frame in {frames:#?}");
    }
    assert!(frames.iter().any(|f| f.starts_with("preparing")), "{frames:#?}");
    assert!(frames.iter().any(|f| f.starts_with("closing")), "{frames:#?}");
    let mut moving = 0;
    for f in &bars {
        assert!(!f.contains(','), "a separator in {f:?}");
        // `PHASE [===>   ] DONE/TOTAL blocks S× R MB/s [T left]`
        let (_, after) = f.split_once("] ").unwrap_or_else(|| panic!("{f:?}"));
        let words: Vec<&str> = after.split_whitespace().collect();
        assert_eq!(words.get(1), Some(&"blocks"), "{f:?}");
        let times = words[2].strip_suffix('×').unwrap_or_else(|| panic!("no × in {f:?}"));
        assert!(is_figure(times), "{times:?} in {f:?}");
        assert!(is_figure(words[3]) && words[4] == "MB/s", "{f:?}");
        if times != "0" && f.starts_with("writing") {
            moving += 1;
            assert!(f.ends_with(" left"), "{f:?}");
        }
    }
    assert!(moving > 0, "a writing frame with a speed: {frames:#?}");
    let last = frames.last().unwrap();
    let l = parse_line(last);
    assert_eq!((l.what.as_str(), l.result.as_str()), ("data session 1", "verified"), "{l:?}");
    assert!(is_figure(&l.times) && is_figure(&l.mbps), "{l:?}");
}
