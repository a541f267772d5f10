//! Shared by the interop tests: synthetic WAV tracks, an image built from them, and finding
//! the external tools.
#![allow(dead_code)]

use imapi_redbook::{AudioImage, Capacity, Isrc, Mcn, TrackInput};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The external tool `name`, or `None` (with a note) when it is missing and
/// IMAPI_INTEROP_REQUIRED is not 1; panics when it is missing but required.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file())
    });
    if found.is_none() {
        if std::env::var("IMAPI_INTEROP_REQUIRED").as_deref() == Ok("1") {
            panic!("{name} is required (IMAPI_INTEROP_REQUIRED=1) but not installed");
        }
        eprintln!("note: {name} is not installed; skipping this interop test");
    }
    found
}

/// Runs a command in `dir`, panicking with its output when it fails.
pub fn run(dir: &Path, program: &Path, args: &[&str]) -> Output {
    let out = Command::new(program).args(args).current_dir(dir).output().unwrap();
    assert!(
        out.status.success(),
        "{} {args:?} failed: {}\n{}",
        program.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Deterministic PCM of `len` bytes that differs per track and never is all zero.
pub fn pcm(seed: u8, len: usize) -> Vec<u8> {
    let mut x = u32::from(seed).wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 8) as u8
        })
        .collect()
}

/// A CD-audio WAV file.
pub fn write_wav(path: &Path, pcm: &[u8]) {
    let mut bytes = imapi_redbook::wav::wav_header(pcm.len() as u32).to_vec();
    bytes.extend_from_slice(pcm);
    std::fs::write(path, bytes).unwrap();
}

/// An image of three tracks in `dir`: disc.bin, disc.cue, disc.toc (SWAP), and the inputs.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub pcm: Vec<Vec<u8>>,
    pub image: AudioImage,
}

pub fn fixture(gap: u32) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let sizes = [300 * 2352 + 1000, 400 * 2352, 350 * 2352 + 4];
    let mut inputs = Vec::new();
    let mut pcms = Vec::new();
    for (i, size) in sizes.into_iter().enumerate() {
        let data = pcm(i as u8 + 1, size);
        let path = dir.path().join(format!("in{}.wav", i + 1));
        write_wav(&path, &data);
        let mut input = TrackInput::wav(&path);
        input.text.title = Some(format!("Song {}", i + 1));
        input.text.performer = Some("The Band".into());
        if i == 1 {
            input.isrc = Some(Isrc::parse("USRC17607839").unwrap());
        }
        inputs.push(input);
        pcms.push(data);
    }
    let mut image = AudioImage::plan(inputs, gap, Capacity::Minutes80).unwrap();
    image.layout_mut().mcn = Some(Mcn::parse("0123456789012").unwrap());
    image.layout_mut().text.title = Some("Album".into());
    image.layout_mut().text.performer = Some("The Band".into());
    let bin = dir.path().join("disc.bin");
    image.write_bin_file(&bin, |_, _| ControlFlow::Continue(())).unwrap();
    let cue = image.cue_sheet("disc.bin", None).to_text().unwrap();
    std::fs::write(dir.path().join("disc.cue"), cue).unwrap();
    std::fs::write(dir.path().join("disc.toc"), image.toc_file("disc.bin", false).to_text())
        .unwrap();
    Fixture { dir, pcm: pcms, image }
}

/// `mm:ss:ff` to frames.
pub fn frames(msf: &str) -> i64 {
    let p: Vec<i64> = msf.split(':').map(|x| x.trim().parse().unwrap()).collect();
    (p[0] * 60 + p[1]) * 75 + p[2]
}
