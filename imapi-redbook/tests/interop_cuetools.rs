//! cuetools: `cueprint` parses our CUE, and our parsers read what `cueconvert` writes.

mod common;

use common::{fixture, run, tool};
use imapi_redbook::{Capacity, CueSheet, TocFile};

#[test]
fn cueprint_parses_our_cue() {
    let Some(cueprint) = tool("cueprint") else { return };
    let f = fixture(150);
    let out = run(f.dir.path(), &cueprint, &["disc.cue"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("no. of tracks:\t3"), "{text}");
    assert!(text.contains("title:\t\tAlbum"), "{text}");
    assert!(text.contains("ISRC:\t\tUSRC17607839"), "{text}");
    for n in 1..=3 {
        assert!(text.contains(&format!("title:\t\tSong {n}")), "{text}");
    }
}

#[test]
fn we_read_what_cueconvert_writes() {
    let Some(cueconvert) = tool("cueconvert") else { return };
    let f = fixture(150);
    run(f.dir.path(), &cueconvert, &["-i", "cue", "-o", "toc", "disc.cue", "conv.toc"]);
    let toc = TocFile::parse(&std::fs::read(f.dir.path().join("conv.toc")).unwrap()).unwrap();
    assert_eq!(toc.tracks.len(), 3);
    assert_eq!(toc.catalog.map(|m| m.to_string()).as_deref(), Some("0123456789012"));
    assert_eq!(toc.tracks[1].isrc.map(|i| i.to_string()).as_deref(), Some("USRC17607839"));
    assert_eq!(toc.tracks[0].cd_text[0].1.title.as_deref(), Some("Song 1"));
    let bin_samples = u64::from(f.image.layout().used_blocks()) * 588;
    let layout = toc.to_layout(Capacity::Minutes80, |_| Some(bin_samples)).unwrap();
    let got: Vec<_> = layout.positions().collect();
    assert_eq!(got, f.image.layout().positions().collect::<Vec<_>>());

    run(f.dir.path(), &cueconvert, &["-i", "toc", "-o", "cue", "disc.toc", "conv.cue"]);
    let sheet = CueSheet::parse(&std::fs::read(f.dir.path().join("conv.cue")).unwrap()).unwrap();
    let bin_frames = f.image.layout().used_blocks();
    let layout = sheet.to_layout(Capacity::Minutes80, |_| bin_frames).unwrap();
    assert_eq!(
        layout.positions().collect::<Vec<_>>(),
        f.image.layout().positions().collect::<Vec<_>>()
    );
}
