//! `imapi audio` and `imapi inspect` as a user runs them.

use std::path::Path;
use std::process::{Command, Output};

fn imapi(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imapi")).args(args).current_dir(dir).output().unwrap()
}

fn write_wav(path: &Path, frames: usize, extra: usize, seed: u8) -> Vec<u8> {
    let pcm: Vec<u8> =
        (0..frames * 2352 + extra).map(|i| (i as u8).wrapping_mul(seed) | 1).collect();
    let mut bytes = imapi_redbook::wav::wav_header(pcm.len() as u32).to_vec();
    bytes.extend_from_slice(&pcm);
    std::fs::write(path, bytes).unwrap();
    pcm
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn audio_writes_bin_cue_toc_and_cdtext() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_wav(&dir.path().join("a.wav"), 300, 100, 3);
    let b = write_wav(&dir.path().join("b.wav"), 320, 0, 7);
    let out = imapi(
        dir.path(),
        &[
            "audio",
            "-o",
            "out.bin",
            "--cue",
            "out.cue",
            "--toc",
            "out.toc",
            "--cd-text",
            "--catalog",
            "0123456789012",
            "--title",
            "Album",
            "--performer",
            "Band",
            "a.wav:isrc=USRC17607839:title=One",
            "b.wav:title=Two",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let bin = std::fs::read(dir.path().join("out.bin")).unwrap();
    assert_eq!(bin.len(), (301 + 150 + 320) * 2352);
    assert_eq!(&bin[..a.len()], &a[..]);
    assert!(bin[a.len()..451 * 2352].iter().all(|&x| x == 0));
    assert_eq!(&bin[451 * 2352..], &b[..]);
    let cue = std::fs::read_to_string(dir.path().join("out.cue")).unwrap();
    assert!(cue.contains("FILE \"out.bin\" BINARY"), "{cue}");
    assert!(cue.contains("CDTEXTFILE \"out.cdt\""), "{cue}");
    assert!(cue.contains("ISRC USRC17607839") && cue.contains("CATALOG 0123456789012"), "{cue}");
    assert!(cue.contains("INDEX 00 00:04:01") && cue.contains("INDEX 01 00:06:01"), "{cue}");
    let toc = std::fs::read_to_string(dir.path().join("out.toc")).unwrap();
    assert!(toc.contains("CD_TEXT") && toc.contains("SWAP"), "{toc}");
    let cdt = std::fs::read(dir.path().join("out.cdt")).unwrap();
    let text = imapi_redbook::cdtext::read_cdt(&cdt).unwrap();
    assert_eq!(text.blocks[0].album.title.as_deref(), Some("Album"));
    assert_eq!(text.blocks[0].tracks[1].title.as_deref(), Some("Two"));

    for file in ["out.cue", "out.toc"] {
        let out = imapi(dir.path(), &["inspect", file]);
        assert!(out.status.success(), "{}", stderr(&out));
        let s = String::from_utf8_lossy(&out.stdout);
        assert!(
            s.contains("track 01 AUDIO start 00:02:00 (LBA 0) length 00:04:01 (301 frames)"),
            "{s}"
        );
        assert!(
            s.contains(
                "track 02 AUDIO start 00:08:01 (LBA 451) length 00:04:20 (320 frames) pregap 150"
            ),
            "{s}"
        );
        assert!(s.contains("lead-out 00:12:21 (LBA 771), 771 blocks"), "{s}");
    }
}

#[test]
fn failures_name_the_code_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_wav(&dir.path().join("short.wav"), 299, 0, 1);
    let out = imapi(dir.path(), &["audio", "-o", "out.bin", "--cue", "out.cue", "short.wav"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("error: IMAPI_E_TRACK_NOT_BIG_ENOUGH: short.wav"),
        "{}",
        stderr(&out)
    );
    let left: Vec<_> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("short.wav")]);

    let mut mono = imapi_redbook::wav::wav_header(4 * 2352 * 300).to_vec();
    mono[22] = 1; // one channel
    mono.resize(44 + 4 * 2352 * 300, 0);
    std::fs::write(dir.path().join("mono.wav"), mono).unwrap();
    let out = imapi(dir.path(), &["audio", "-o", "out.bin", "mono.wav"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("mono.wav") && stderr(&out).contains("1 channel(s)"),
        "{}",
        stderr(&out)
    );

    write_wav(&dir.path().join("ok.wav"), 300, 0, 1);
    let many: Vec<&str> = std::iter::repeat_n("ok.wav", 100).collect();
    let out = imapi(dir.path(), &[&["audio", "-o", "out.bin", "--gap", "0"][..], &many].concat());
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("IMAPI_E_DISCFULL"), "{}", stderr(&out));
    assert!(!dir.path().join("out.bin").exists());

    // A gap past IMAPI's 225 frames is a flag value out of its range: a usage error, as in
    // `imapi burn`.
    let out = imapi(dir.path(), &["audio", "-o", "out.bin", "--gap", "226", "ok.wav"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    std::fs::write(dir.path().join("x.iso"), [0u8; 64]).unwrap();
    let out = imapi(dir.path(), &["inspect", "x.iso"]);
    assert_eq!(out.status.code(), Some(1));
    std::fs::write(
        dir.path().join("bad.cue"),
        "FILE a BINARY\nTRACK 01 AUDIO\nINDEX 01 00:99:00\n",
    )
    .unwrap();
    let out = imapi(dir.path(), &["inspect", "bad.cue"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("CUE line 3"), "{}", stderr(&out));
}
