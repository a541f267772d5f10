//! RawCD on the simulated recorder: BIN/CUE files burned Session-at-Once, read back and
//! compared (PCM through READ CD, data through READ(10)), the TOC and the lead-in's CD-Text as
//! the drive returns them; a disc too small, a simulation and a write fault.

mod common;

use std::path::{Path, PathBuf};

use common::Bench;
use imapi_master::{ImapiCode, MediaFlags, RecordOptions};
use imapi_mmc::{CdTextPacks, ReadCd, ReadToc, SectorType, TocFormat};
use imapi_redbook::cdtext::CdText;
use imapi_redbook::Lba;
use imapi_transport::sim::{self, FaultSettings, Faults, Media, SimRecorder};
use imapi_transport::{ops, Data};

fn verified() -> RecordOptions {
    RecordOptions { verify: true, ..RecordOptions::default() }
}

fn pcm(frames: usize, seed: u8) -> Vec<u8> {
    (0..frames * 2352).map(|i| (i as u8).wrapping_mul(31) ^ seed).collect()
}

/// Writes `files` beside `cue` (with its text) in the bench's folder; the CUE's path.
fn write_cue(b: &Bench, cue: &str, files: &[(&str, &[u8])]) -> PathBuf {
    for (name, bytes) in files {
        std::fs::write(b.work.path().join(name), bytes).unwrap();
    }
    let path = b.work.path().join("disc.cue");
    std::fs::write(&path, cue).unwrap();
    path
}

/// `blocks` CD-DA frames from `lba`, through READ CD.
fn read_audio(drive: &Path, lba: i32, blocks: usize) -> Vec<u8> {
    let mut sim = SimRecorder::open(drive).unwrap();
    let mut out = vec![0u8; blocks * 2352];
    for (k, chunk) in out.chunks_mut(27 * 2352).enumerate() {
        let n = (chunk.len() / 2352) as u32;
        let req = ReadCd::user_data(SectorType::CdDa, Lba(lba + k as i32 * 27), n);
        ops::run(&mut sim, &req, Data::FromDevice(chunk)).unwrap();
    }
    out
}

fn cd_text(drive: &Path) -> CdText {
    let mut sim = SimRecorder::open(drive).unwrap();
    let req = ReadToc::new(TocFormat::CdText, 8192);
    let packs: CdTextPacks = ops::query(&mut sim, &req).unwrap();
    let bytes: Vec<u8> = packs.packs.iter().flat_map(|p| p.0).collect();
    CdText::decode(&bytes).unwrap()
}

fn is_blank(m: &mut imapi_master::DiscMaster) -> bool {
    let mut r = m.enum_disc_recorders().unwrap().remove(0);
    r.open_exclusive().unwrap();
    let blank = r.query_media_type().unwrap().1.has(MediaFlags::BLANK);
    r.close().unwrap();
    blank
}

const TWO_TRACKS: &str = "CATALOG 0123456789012\nPERFORMER \"The Band\"\nTITLE \"The Album\"\n\
FILE \"audio.bin\" BINARY\n  TRACK 01 AUDIO\n    TITLE \"One\"\n    PERFORMER \"Singer A\"\n\
    ISRC USRC17607839\n    INDEX 01 00:00:00\n  TRACK 02 AUDIO\n    TITLE \"Two\"\n\
    PERFORMER \"Singer B\"\n    ISRC GBAYE6700149\n    INDEX 00 00:06:00\n    INDEX 01 00:08:00\n\
    INDEX 02 00:10:00\n";

#[test]
fn two_audio_tracks_with_isrc_catalog_and_cd_text() {
    let b = Bench::new(Media::CdR80);
    // 450 frames for track 1, 150 of pregap (INDEX 00) and 400 more for track 2; the last
    // sector short by 1000 bytes.
    let mut bin = pcm(1000, 7);
    bin.truncate(bin.len() - 1000);
    let cue = write_cue(&b, TWO_TRACKS, &[("audio.bin", &bin)]);
    let mut m = b.master();
    m.record_cue(&cue, &verified()).unwrap();

    let mut sim = SimRecorder::open(&b.drive).unwrap();
    let toc = ops::track_toc(&mut sim).unwrap();
    drop(sim);
    assert_eq!((toc.first_track, toc.last_track), (1, 2));
    assert_eq!(toc.descriptors[0].start.0, 0);
    assert_eq!(toc.descriptors[1].start.0, 600, "INDEX 01 of track 2 at 00:08:00");
    assert!(toc.descriptors.iter().take(2).all(|d| d.control & 0x4 == 0), "audio");
    let mut want = bin.clone();
    want.resize(1000 * 2352, 0);
    assert!(read_audio(&b.drive, 0, 1000) == want, "the disc's PCM is the BIN's");

    let text = cd_text(&b.drive);
    let block = &text.blocks[0];
    assert_eq!(block.album.title.as_deref(), Some("The Album"));
    assert_eq!(block.album.performer.as_deref(), Some("The Band"));
    assert_eq!(block.album.code.as_deref(), Some("0123456789012"), "CATALOG as UPC/EAN");
    assert_eq!(block.tracks[0].title.as_deref(), Some("One"));
    assert_eq!(block.tracks[1].performer.as_deref(), Some("Singer B"));
    assert_eq!(block.tracks[0].code.as_deref(), Some("USRC17607839"), "ISRC");
    assert_eq!(block.tracks[1].code.as_deref(), Some("GBAYE6700149"), "ISRC");
    // The BIN is as it was.
    assert_eq!(std::fs::read(b.work.path().join("audio.bin")).unwrap(), bin);
}

#[test]
fn cd_text_from_a_cdtextfile() {
    let b = Bench::new(Media::CdR80);
    let cue0 = "FILE \"a.bin\" BINARY\nTRACK 01 AUDIO\nTITLE \"From CUE\"\nINDEX 01 00:00:00\n";
    let sheet = imapi_redbook::CueSheet::parse(cue0.as_bytes()).unwrap();
    let mut layout = sheet.to_layout(imapi_redbook::Capacity::Minutes80, |_| 400).unwrap();
    layout.text.title = Some("From CDT".into());
    let mut text = CdText::from_layout(&layout).unwrap();
    text.blocks[0].tracks[0].title = Some("Track From CDT".into());
    let mut cdt = Vec::new();
    imapi_redbook::cdtext::write_cdt(&text.encode().unwrap(), &mut cdt).unwrap();
    let cue = format!("CDTEXTFILE \"disc.cdt\"\n{cue0}");
    let path = write_cue(&b, &cue, &[("a.bin", &pcm(400, 1)), ("disc.cdt", &cdt)]);
    let mut m = b.master();
    m.record_cue(&path, &verified()).unwrap();
    let got = cd_text(&b.drive);
    assert_eq!(got.blocks[0].album.title.as_deref(), Some("From CDT"));
    assert_eq!(got.blocks[0].tracks[0].title.as_deref(), Some("Track From CDT"));
}

#[test]
fn mixed_mode_data_then_audio() {
    let b = Bench::new(Media::CdR80);
    let data: Vec<u8> = (0..400 * 2048u32).map(|i| (i % 253) as u8).collect();
    let audio = pcm(500, 3);
    let cue = "FILE \"data.iso\" BINARY\nTRACK 01 MODE1/2048\nINDEX 01 00:00:00\n\
FILE \"audio.bin\" BINARY\nTRACK 02 AUDIO\nPREGAP 00:02:00\nINDEX 01 00:00:00\n";
    let path = write_cue(&b, cue, &[("data.iso", &data), ("audio.bin", &audio)]);
    let mut m = b.master();
    m.record_cue(&path, &verified()).unwrap();
    let mut sim = SimRecorder::open(&b.drive).unwrap();
    let toc = ops::track_toc(&mut sim).unwrap();
    assert_eq!(toc.descriptors[0].control & 0x4, 0x4, "track 1 is data");
    assert_eq!(toc.descriptors[1].control & 0x4, 0, "track 2 is audio");
    assert_eq!(toc.descriptors[1].start.0, 400 + 150);
    let mut got = vec![0u8; data.len()];
    for (k, chunk) in got.chunks_mut(32 * 2048).enumerate() {
        ops::read10(&mut sim, k as u32 * 32, chunk).unwrap();
    }
    drop(sim);
    assert!(got == data, "the data track is the file");
    assert!(read_audio(&b.drive, 550, 500) == audio, "the audio track is the BIN");
}

#[test]
fn raw_mode1_sectors_give_their_user_data() {
    let b = Bench::new(Media::CdR80);
    let user: Vec<u8> = (0..300 * 2048u32).map(|i| (i % 241) as u8).collect();
    let raw: Vec<u8> = user
        .chunks(2048)
        .enumerate()
        .flat_map(|(k, u)| {
            let mut s = [0u8; 2048];
            s.copy_from_slice(u);
            imapi_redbook::sector::mode1_sector(Lba(k as i32), &s).unwrap().to_vec()
        })
        .collect();
    let cue = "FILE \"raw.bin\" BINARY\nTRACK 01 MODE1/2352\nINDEX 01 00:00:00\n";
    let path = write_cue(&b, cue, &[("raw.bin", &raw)]);
    let mut m = b.master();
    m.record_cue(&path, &verified()).unwrap();
    let mut sim = SimRecorder::open(&b.drive).unwrap();
    let mut got = vec![0u8; user.len()];
    for (k, chunk) in got.chunks_mut(32 * 2048).enumerate() {
        ops::read10(&mut sim, k as u32 * 32, chunk).unwrap();
    }
    assert!(got == user);
}

#[test]
fn too_big_is_disc_full_and_the_disc_stays_blank() {
    let b = Bench::new(Media::CdR74);
    let path = write_cue(&b, "FILE \"big.bin\" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\n", &[]);
    std::fs::File::create(b.work.path().join("big.bin"))
        .unwrap()
        .set_len(76 * 60 * 75 * 2352)
        .unwrap();
    let mut m = b.master();
    let e = m.record_cue(&path, &verified()).unwrap_err();
    assert_eq!(e.code(), ImapiCode::DiscFull, "{e}");
    assert!(e.message().contains("disc.cue"), "{e}");
    assert!(is_blank(&mut m));
}

#[test]
fn bad_inputs_are_named() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    let path = write_cue(&b, "FILE \"gone.bin\" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\n", &[]);
    let e = m.record_cue(&path, &verified()).unwrap_err();
    assert_eq!(e.code(), ImapiCode::FileAccess, "{e}");
    assert!(e.message().contains("gone.bin"), "{e}");
    let path = write_cue(&b, "FILE \"a.bin\" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:61:00\n", &[]);
    let e = m.record_cue(&path, &verified()).unwrap_err();
    assert_eq!(e.code(), ImapiCode::InvalidImage, "{e}");
    assert!(e.message().contains("disc.cue") && e.message().contains("line 3"), "{e}");
    let path = write_cue(
        &b,
        "FILE \"a.bin\" BINARY\nTRACK 01 MODE2/2352\nINDEX 01 00:00:00\n",
        &[("a.bin", &pcm(400, 0))],
    );
    let e = m.record_cue(&path, &verified()).unwrap_err();
    assert_eq!(e.code(), ImapiCode::InvalidImage, "{e}");
    assert!(e.message().contains("MODE2/2352"), "{e}");
    assert!(is_blank(&mut m));
}

#[test]
fn simulate_leaves_the_disc_blank() {
    let b = Bench::new(Media::CdRw80);
    let path = write_cue(&b, TWO_TRACKS, &[("audio.bin", &pcm(1000, 2))]);
    let mut m = b.master();
    m.record_cue(&path, &RecordOptions { simulate: true, ..verified() }).unwrap();
    assert!(is_blank(&mut m));
}

#[test]
fn a_write_fault_gives_its_code_and_the_files_stay() {
    let b = Bench::new(Media::CdR80);
    let bin = pcm(1000, 9);
    let path = write_cue(&b, TWO_TRACKS, &[("audio.bin", &bin)]);
    let mut m = b.master();
    let faults = Faults { write_error_at: Some(300), ..Faults::default() };
    sim::set_faults(&b.drive, &FaultSettings { faults, throttle: false }).unwrap();
    let e = m.record_cue(&path, &verified()).unwrap_err();
    assert_eq!(e.code(), ImapiCode::CannotWriteToMedia, "{e}");
    assert_eq!(std::fs::read(b.work.path().join("audio.bin")).unwrap(), bin);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), TWO_TRACKS);
    // Again, on a new disc.
    sim::clear_faults(&b.drive).unwrap();
    SimRecorder::insert(&b.drive, Media::CdR80).unwrap();
    let recs = m.enum_disc_recorders().unwrap();
    m.set_active_disc_recorder(&recs[0]).unwrap();
    m.record_cue(&path, &verified()).unwrap();
    assert!(read_audio(&b.drive, 0, 1000) == bin);
}
