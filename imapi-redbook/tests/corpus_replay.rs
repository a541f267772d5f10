//! Replays every seed of the fuzz corpora through the fuzz targets' own bodies, on stable Rust.
//! The corpora live in the crate (`tests/corpus/<target>`), so the packaged crate replays them
//! too.

use std::path::PathBuf;

fn replay(target: &str, body: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        body(&bytes);
        n += 1;
    }
    assert!(n > 0, "no seeds in {}", dir.display());
}

#[test]
fn wav_corpus() {
    replay("redbook_wav", imapi_redbook::fuzzing::wav);
}

#[test]
fn cue_corpus() {
    replay("redbook_cue", imapi_redbook::fuzzing::cue);
}

#[test]
fn toc_corpus() {
    replay("redbook_toc", imapi_redbook::fuzzing::toc);
}

#[test]
fn cdtext_corpus() {
    replay("redbook_cdtext", imapi_redbook::fuzzing::cdtext);
}

#[test]
fn lead_in_corpus() {
    replay("redbook_lead_in", imapi_redbook::fuzzing::lead_in);
}

#[test]
fn subchannel_corpus() {
    replay("redbook_subchannel", imapi_redbook::fuzzing::subchannel);
}

/// The seeds are real files: each one must parse, so the replay exercises the full path.
#[test]
fn seeds_are_valid_files() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    for (dir, check) in [
        (
            "redbook_cue",
            (|b: &[u8]| imapi_redbook::CueSheet::parse(b).map(drop).map_err(|e| e.to_string()))
                as fn(&[u8]) -> Result<(), String>,
        ),
        ("redbook_toc", |b| imapi_redbook::TocFile::parse(b).map(drop).map_err(|e| e.to_string())),
        ("redbook_cdtext", |b| {
            imapi_redbook::cdtext::read_cdt(b).map(drop).map_err(|e| e.to_string())
        }),
    ] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            check(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}
