//! Every writer against its parser: CUE and cdrdao TOC files of random layouts.

use imapi_redbook::{
    Capacity, CueSheet, Isrc, Layout, Mcn, TextFields, TocFile, Track, TrackFlags,
};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("[A-Za-z0-9 ,.'!&()\u{e9}\u{fc}-]{1,24}")
}

fn track(first: bool, data_allowed: bool) -> impl Strategy<Value = Track> {
    let pregap = if first { 150u32..400 } else { 0u32..226 };
    (
        pregap,
        300u32..6000,
        proptest::collection::vec(1u32..300, 0..3),
        proptest::option::of("[A-Z]{2}[A-Z0-9]{3}[0-9]{7}"),
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        (text(), text()),
    )
        .prop_map(
            move |(pregap, length, steps, isrc, (pre, copy, four, data), (title, performer))| {
                let mut at = 0;
                let indexes = steps
                    .into_iter()
                    .filter_map(|s| {
                        at += s;
                        (at < length).then_some(at)
                    })
                    .collect();
                Track {
                    pregap,
                    length,
                    indexes,
                    isrc: isrc.map(|s| Isrc::parse(&s).unwrap()),
                    flags: TrackFlags {
                        pre_emphasis: pre,
                        copy_permitted: copy,
                        data: data && data_allowed,
                        four_channel: four,
                    },
                    text: TextFields { title, performer, ..TextFields::default() },
                }
            },
        )
}

fn layout(data_allowed: bool) -> impl Strategy<Value = Layout> {
    (
        track(true, data_allowed),
        proptest::collection::vec(track(false, data_allowed), 0..8),
        proptest::option::of("[0-9]{13}"),
        (text(), text()),
    )
        .prop_map(|(first, rest, mcn, (title, performer))| {
            let mut l = Layout::new(Capacity::Minutes80);
            l.mcn = mcn.map(|m| Mcn::parse(&m).unwrap());
            l.text = TextFields { title, performer, ..TextFields::default() };
            l.push(first).unwrap();
            for t in rest {
                l.push(t).unwrap();
            }
            l
        })
}

proptest! {
    #[test]
    fn cue_round_trip(l in layout(true)) {
        let text = CueSheet::from_layout(&l, "disc.bin").to_text().unwrap();
        let sheet = CueSheet::parse(text.as_bytes()).unwrap();
        let bin_frames = l.used_blocks() - (l.tracks()[0].pregap - 150);
        let back = sheet.to_layout(Capacity::Minutes80, |_| bin_frames).unwrap();
        prop_assert_eq!(back, l, "{}", text);
    }

    #[test]
    fn toc_round_trip(l in layout(false), cd_text in any::<bool>()) {
        let toc = TocFile::from_layout(&l, "disc.bin", cd_text);
        let text = toc.to_text();
        let parsed = TocFile::parse(text.as_bytes()).unwrap();
        prop_assert_eq!(&parsed, &toc, "{}", text);
        if !cd_text {
            let back = parsed.to_layout(Capacity::Minutes80, |_| None).unwrap();
            let mut expect = l.clone();
            expect.text = TextFields::default();
            let expect_tracks: Vec<Track> = expect.tracks().iter().cloned().map(|mut t| { t.text = TextFields::default(); t }).collect();
            let mut e2 = Layout::new(Capacity::Minutes80);
            e2.mcn = l.mcn;
            for t in expect_tracks { e2.push(t).unwrap(); }
            prop_assert_eq!(back, e2, "{}", text);
        }
    }
}
