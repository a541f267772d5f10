//! Writes a few small valid stashes into a folder, as seeds for the `stash_open` fuzz target:
//! `cargo run -p imapi-stash --example stash_seeds -- imapi-stash/tests/corpus/stash_open`.

use imapi_stash::{
    CdTextPack, DiscInfo, DiscKind, Overflow, SessionClose, StashOptions, StashWriter, TrackInfo,
};
use std::error::Error;
use std::path::Path;

fn stage(
    out: &Path,
    name: &str,
    kind: DiscKind,
    build: impl FnOnce(&mut StashWriter) -> Result<(), Box<dyn Error>>,
) -> Result<(), Box<dyn Error>> {
    let work = tempfile::tempdir()?;
    let mut w = StashWriter::create(work.path(), &StashOptions::new(kind))?;
    build(&mut w)?;
    let path = w.finish()?;
    std::fs::copy(path, out.join(name))?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args().nth(1).ok_or("usage: stash_seeds OUTDIR")?;
    let out = Path::new(&out);
    std::fs::create_dir_all(out)?;
    stage(out, "data-one-block", DiscKind::Data, |w| {
        w.begin_track(TrackInfo::data())?;
        w.append_blocks(&[0x41; 2048], Overflow::AllOrNothing)?;
        w.end_track()?;
        Ok(())
    })?;
    stage(out, "data-reserved-metadata", DiscKind::Data, |w| {
        w.begin_track(TrackInfo::data())?;
        let meta = w.reserve(2)?;
        w.append_reader(&b"file contents"[..], Overflow::AllOrNothing)?;
        w.fill(&meta, &[0x20; 4096])?;
        w.end_track()?;
        w.set_disc_info(DiscInfo {
            session_start: Some(11_702),
            close: SessionClose::LeaveAppendable,
            ..DiscInfo::default()
        })?;
        Ok(())
    })?;
    stage(out, "audio-two-tracks", DiscKind::Audio, |w| {
        let mut t = TrackInfo::audio(150);
        t.isrc = Some("USRC17607839".parse()?);
        w.begin_track(t)?;
        w.append_blocks(&[1; 2352], Overflow::KeepWhatFits)?;
        w.end_track()?;
        w.begin_track(TrackInfo::audio(0))?;
        w.append_blocks(&[2; 2 * 2352], Overflow::KeepWhatFits)?;
        w.end_track()?;
        let mut pack = [0u8; 18];
        pack[0] = 0x80;
        pack[4..8].copy_from_slice(b"Disc");
        w.set_disc_info(DiscInfo {
            first_track: 3,
            mcn: Some("0123456789012".parse()?),
            cd_text: vec![CdTextPack::new(pack).ok_or("pack")?],
            ..DiscInfo::default()
        })?;
        Ok(())
    })?;
    stage(out, "mixed-raw", DiscKind::Mixed, |w| {
        let mut t = TrackInfo::data();
        t.block_size = 2352;
        t.start_lba = Some(0);
        w.begin_track(t)?;
        let a = w.reserve(1)?;
        let b = w.reserve(1)?;
        w.fill(&b, &[0xBB; 2352])?;
        w.fill(&a, &[0xAA; 2352])?;
        w.end_track()?;
        w.begin_track(TrackInfo::audio(150))?;
        w.append_blocks(&[3; 2352], Overflow::AllOrNothing)?;
        w.end_track()?;
        Ok(())
    })?;
    Ok(())
}
