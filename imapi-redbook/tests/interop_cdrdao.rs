//! cdrdao accepts our TOC (toc-info, show-toc) with our track count, starts and length, and
//! our parsers read what cdrdao's toc2cue writes.

mod common;

use common::{fixture, frames, run, tool};
use imapi_redbook::{Capacity, CueSheet, TocFile};

#[test]
fn toc_info_and_show_toc_accept_our_toc() {
    let Some(cdrdao) = tool("cdrdao") else { return };
    for gap in [150, 0] {
        let f = fixture(gap);
        let layout = f.image.layout();
        let out = run(f.dir.path(), &cdrdao, &["toc-info", "disc.toc"]);
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        let want = format!(
            "disc.toc: 3 tracks, length {}, {} blocks",
            imapi_redbook::msf::format_frames(layout.used_blocks()),
            layout.used_blocks()
        );
        assert!(text.contains(&want), "want {want:?} in\n{text}");

        let out = run(f.dir.path(), &cdrdao, &["show-toc", "disc.toc"]);
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        let starts: Vec<i64> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("START"))
            .map(|rest| frames(rest.trim().split('(').next().unwrap()))
            .collect();
        let ours: Vec<i64> = layout.positions().map(|p| i64::from(p.start.0)).collect();
        assert_eq!(starts, ours, "{text}");
        let pregaps = text.lines().filter(|l| l.trim().starts_with("PREGAP")).count();
        assert_eq!(pregaps, if gap == 0 { 0 } else { 2 }, "{text}");
        assert!(text.contains("ISRC") || text.contains("USRC17607839"), "{text}");
    }
}

#[test]
fn we_read_what_toc2cue_writes() {
    let Some(toc2cue) = tool("toc2cue") else { return };
    let f = fixture(150);
    run(f.dir.path(), &toc2cue, &["disc.toc", "fromtoc.cue"]);
    let bytes = std::fs::read(f.dir.path().join("fromtoc.cue")).unwrap();
    let sheet = CueSheet::parse(&bytes).unwrap();
    let bin_frames = f.image.layout().used_blocks();
    let layout = sheet.to_layout(Capacity::Minutes80, |_| bin_frames).unwrap();
    let got: Vec<_> = layout.positions().collect();
    let want: Vec<_> = f.image.layout().positions().collect();
    assert_eq!(got, want);
}

#[test]
fn we_read_the_toc_we_wrote_as_cdrdao_does() {
    let f = fixture(75);
    let toc = TocFile::parse(&std::fs::read(f.dir.path().join("disc.toc")).unwrap()).unwrap();
    let layout = toc.to_layout(Capacity::Minutes80, |_| None).unwrap();
    let got: Vec<_> = layout.positions().collect();
    assert_eq!(got, f.image.layout().positions().collect::<Vec<_>>());
}
