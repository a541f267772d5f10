//! The bodies of the fuzz targets, shared with the tests that replay their corpora on stable
//! Rust. Each takes untrusted bytes, runs a parser and, where it succeeds, the matching
//! writer, and panics only when an invariant breaks.

use crate::cdrdao_toc::TocFile;
use crate::cdtext::{read_cdt, CdText, Pack};
use crate::cue::CueSheet;
use crate::layout::Capacity;
use crate::lead_in::{lead_in_units, packs_of_lead_in, PACKS_PER_BLOCK, PW_LEN};
use crate::sector::parse_mode1;
use crate::subchannel::QFrame;
use crate::wav::WavReader;
use std::io::Read;

/// WAV: the header parser, then the whole data chunk.
pub fn wav(data: &[u8]) {
    if let Ok(mut r) = WavReader::new_any(data) {
        let declared = r.data_len();
        let mut pcm = Vec::new();
        let got = r.read_to_end(&mut pcm).map_or(0, |n| n as u64);
        assert!(got <= declared && got as usize <= data.len());
    }
}

/// CUE: parse, and when it succeeds write it back and parse that to the same sheet.
pub fn cue(data: &[u8]) {
    if let Ok(sheet) = CueSheet::parse(data) {
        let _ = sheet.to_layout(Capacity::Minutes80, |i| (i as u32).wrapping_mul(7919) % 400_000);
        if let Ok(text) = sheet.to_text() {
            let again = CueSheet::parse(text.as_bytes());
            assert_eq!(again.as_ref(), Ok(&sheet), "{text}");
        }
    }
}

/// cdrdao TOC: parse, write back, parse to the same file.
pub fn toc(data: &[u8]) {
    if let Ok(toc) = TocFile::parse(data) {
        let _ = toc.to_layout(Capacity::Minutes80, |name| Some(name.len() as u64 * 100_000));
        let text = toc.to_text();
        let again = TocFile::parse(text.as_bytes());
        assert_eq!(again.as_ref(), Ok(&toc), "{text}");
    }
}

/// CD-Text: decode a `.cdt` or raw packs; what decodes re-encodes, and that decodes again.
pub fn cdtext(data: &[u8]) {
    if let Ok(text) = read_cdt(data) {
        if let Ok(packs) = text.encode() {
            let bytes: Vec<u8> = packs.iter().flat_map(|p| p.0).collect();
            let again = CdText::decode(&bytes);
            assert!(again.is_ok(), "{again:?}");
        }
    }
}

/// CD-Text in the lead-in: the pack list of 96-byte subchannel units; written back as units
/// (cycled), it reads as the same list.
pub fn lead_in(data: &[u8]) {
    let units: Vec<[u8; PW_LEN]> = data
        .chunks_exact(PW_LEN)
        .map(|c| {
            let mut u = [0u8; PW_LEN];
            u.copy_from_slice(c);
            u
        })
        .collect();
    let packs = packs_of_lead_in(&units);
    assert!(packs.iter().all(Pack::crc_ok));
    if !packs.is_empty() {
        let again = lead_in_units(&packs, packs.len().div_ceil(PACKS_PER_BLOCK) + 1);
        assert_eq!(packs_of_lead_in(&again), packs);
    }
}

/// Q frames over every 12 bytes and a Mode 1 sector check over the first 2352.
pub fn subchannel(data: &[u8]) {
    for chunk in data.chunks_exact(12) {
        let mut q = [0u8; 12];
        q.copy_from_slice(chunk);
        if let Ok(frame) = QFrame::decode(&q) {
            let _ = frame.encode();
        }
    }
    if let Some(raw) = data.get(..2352) {
        if let Ok(s) = parse_mode1(raw) {
            assert_eq!(s.data.len(), 2048);
        }
    }
}
