//! Golden values from the reference: the two-track cue sheet of §3.3 and the vectors.

use imapi_redbook::{cue_sheet, Capacity, CueSheetEntry, CueSheetOptions, Layout, Lba, Msf, Track};

/// The 8 bytes an entry stands for (ADR 1 only), built from its public fields.
fn bytes(e: &CueSheetEntry) -> [u8; 8] {
    match e {
        CueSheetEntry::Time(t) => {
            let [m, s, f] = t.at.to_binary();
            [t.control << 4 | 1, t.track, t.index, t.data_form.0, t.scms, m, s, f]
        }
        other => panic!("not an ADR 1 entry: {other:?}"),
    }
}

#[test]
fn two_track_cue_sheet_of_the_reference() {
    let mut layout = Layout::new(Capacity::Minutes74);
    layout.push(Track::audio(150, 3000)).unwrap();
    layout.push(Track::audio(0, 4500)).unwrap();
    let entries = cue_sheet(&layout, &CueSheetOptions::default()).unwrap();
    let got: Vec<[u8; 8]> = entries.iter().map(bytes).collect();
    assert_eq!(
        got,
        vec![
            [0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00],
            [0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
            [0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00],
            [0x01, 0x02, 0x01, 0x00, 0x00, 0x00, 0x2A, 0x00],
            [0x01, 0xAA, 0x01, 0x01, 0x00, 0x01, 0x2A, 0x00],
        ]
    );
    assert_eq!(layout.lead_out(), Lba(7500));
}

#[test]
fn msf_vectors() {
    for ((m, s, f), lba) in
        [((0, 0, 0), -150), ((0, 2, 0), 0), ((90, 0, 0), -45150), ((97, 26, 65), -11635)]
    {
        let msf = Msf::new(m, s, f).unwrap();
        assert_eq!(msf.to_lba(), Lba(lba));
        assert_eq!(Lba(lba).to_msf().unwrap(), msf);
    }
}
