//! `imapi inspect STASH`: the header, the track table and the result of a full verification
//! pass of a stash file.

use std::fmt::Write as _;
use std::fs::File;
use std::path::Path;

use imapi_codes::ImapiCode;
use imapi_stash::{SessionClose, Stash, StashError};

use crate::error::coded;

/// Segments listed per track before the rest are summed up in one line.
const SEGMENTS_SHOWN: usize = 16;

fn stash_error(path: &Path, e: &StashError) -> anyhow::Error {
    coded(e.imapi_code().unwrap_or(ImapiCode::InvalidImage), format!("{}: {e}", path.display()))
}

/// The header and track table of the stash at `path`, as text.
pub fn describe(path: &Path, stash: &Stash<File>) -> String {
    let h = stash.header();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: imapi stash, format {}.{}, {} disc, {} track(s), {} segment(s), {} block(s)",
        path.display(),
        h.major,
        h.minor,
        h.disc_kind,
        h.track_count,
        h.segment_count,
        h.total_blocks
    );
    let _ = writeln!(
        s,
        "payload {}..{} ({} bytes), table at {} ({} bytes, crc32c {:#010x})",
        h.payload_offset,
        h.table_offset,
        h.table_offset - h.payload_offset,
        h.table_offset,
        h.table_len,
        h.table_crc
    );
    let d = stash.disc_info();
    let _ = write!(s, "disc: first track {}", d.first_track);
    if let Some(mcn) = &d.mcn {
        let _ = write!(s, ", catalog {mcn}");
    }
    if let Some(start) = d.session_start {
        let _ = write!(s, ", session start LBA {start}");
    }
    let close = match d.close {
        SessionClose::Finalize => "finalize",
        SessionClose::LeaveAppendable => "leave appendable",
    };
    let _ = writeln!(s, ", {close}, {} CD-Text pack(s)", d.cd_text.len());
    for t in stash.tracks() {
        let i = &t.info;
        let _ = write!(
            s,
            "track {:02} {} {} control {:#x} pregap {} blocks {} ({} bytes) segments {}",
            t.number,
            i.mode,
            i.block_size,
            i.control.bits(),
            i.pregap,
            t.blocks,
            t.len(),
            t.segments.len()
        );
        if let Some(lba) = i.start_lba {
            let _ = write!(s, " start LBA {lba}");
        }
        if let Some(isrc) = &i.isrc {
            let _ = write!(s, " isrc {isrc}");
        }
        s.push('\n');
        for (k, seg) in t.segments.iter().enumerate().take(SEGMENTS_SHOWN) {
            let _ = writeln!(
                s,
                "  segment {k}: block {} offset {} blocks {} crc32c {:#010x}",
                seg.first_block, seg.offset, seg.blocks, seg.crc32c
            );
        }
        if t.segments.len() > SEGMENTS_SHOWN {
            let _ = writeln!(s, "  ... {} more segment(s)", t.segments.len() - SEGMENTS_SHOWN);
        }
    }
    s
}

/// Prints the summary of the stash at `path` and verifies every segment. A stash that does
/// not open, or fails verification, is exit 1 with IMAPI_E_INVALIDIMAGE (the summary is
/// printed first when the table could be read).
pub fn run(path: &Path, quiet: bool) -> anyhow::Result<()> {
    let mut stash = Stash::open(path).map_err(|e| stash_error(path, &e))?;
    print!("{}", describe(path, &stash));
    let total = stash.header().table_offset - stash.header().payload_offset;
    let bar = crate::progress::bytes_bar(total, quiet, "verifying");
    let result = stash.verify_with_progress(|done, _| {
        bar.set_position(done);
        true
    });
    bar.finish_and_clear();
    match result {
        Ok(v) => {
            println!("verify: ok, {} segment(s), {} bytes checked", v.segments, v.bytes);
            Ok(())
        }
        Err(e) => {
            println!("verify: FAILED: {e}");
            Err(coded(ImapiCode::InvalidImage, format!("{}: {e}", path.display())))
        }
    }
}
