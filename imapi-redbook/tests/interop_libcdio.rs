//! libcdio's `cd-info` reads our CUE and cdrdao TOC files and reports our track starts and
//! lead-out.

mod common;

use common::{fixture, frames, run, tool};
use imapi_redbook::{Layout, TrackPosition};

/// (track, LSN) pairs from cd-info's track list; the lead-out is track 170.
fn track_list(stdout: &str) -> Vec<(u32, i64)> {
    stdout
        .lines()
        .filter_map(|l| {
            let (num, rest) = l.trim().split_once(':')?;
            let num: u32 = num.trim().parse().ok()?;
            let mut words = rest.split_whitespace();
            let msf = words.next()?;
            let lsn: i64 = words.next()?.parse().ok()?;
            assert_eq!(frames(msf) - 150, lsn, "MSF and LSN disagree in {l:?}");
            Some((num, lsn))
        })
        .collect()
}

fn ours(layout: &Layout) -> Vec<(u32, i64)> {
    let mut v: Vec<(u32, i64)> = layout
        .positions()
        .map(|p: TrackPosition| (u32::from(p.number), i64::from(p.start.0)))
        .collect();
    v.push((170, i64::from(layout.lead_out().0)));
    v
}

#[test]
fn cd_info_reads_our_cue() {
    let Some(cd_info) = tool("cd-info") else { return };
    for gap in [150, 0, 75] {
        let f = fixture(gap);
        let out = run(
            f.dir.path(),
            &cd_info,
            &["--no-header", "--no-device-info", "--cue-file", "disc.cue"],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(track_list(&stdout), ours(f.image.layout()), "gap {gap}:\n{stdout}");
        assert!(stdout.contains("Media Catalog Number (MCN): 0123456789012"), "{stdout}");
        // Lengths as libcdio derives them: the distance between consecutive starts.
        let list = track_list(&stdout);
        for (w, p) in list.windows(2).zip(f.image.layout().positions()) {
            let next_start = w[1].1;
            let ours = i64::from(p.start.0) + i64::from(p.length());
            let next_gap = next_start - ours;
            assert!(next_gap == 0 || next_gap == i64::from(gap), "track {} length", p.number);
        }
    }
}

#[test]
fn cd_info_reads_our_toc() {
    let Some(cd_info) = tool("cd-info") else { return };
    let f = fixture(150);
    // libcdio's TOC reader does not know SWAP (cdrdao needs it for a little-endian BIN):
    // check the addresses with the keyword removed.
    let toc = std::fs::read_to_string(f.dir.path().join("disc.toc")).unwrap();
    assert!(toc.contains(" SWAP "));
    std::fs::write(f.dir.path().join("plain.toc"), toc.replace(" SWAP ", " ")).unwrap();
    let out = run(
        f.dir.path(),
        &cd_info,
        &["--no-header", "--no-device-info", "--toc-file", "plain.toc"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let got = track_list(&stdout);
    let want = ours(f.image.layout());
    assert_eq!(got[..3], want[..3], "{stdout}");
    // libcdio ends the last track at its START plus the whole FILE length, pregap included.
    let last_pregap = i64::from(f.image.layout().tracks()[2].pregap);
    assert_eq!(got[3], (170, want[3].1 + last_pregap), "{stdout}");
}
