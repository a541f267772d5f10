//! Rules across trees: both trees hold the same files, directories come before file data,
//! the volume space covers every extent.

use std::collections::HashMap;

use super::scan::Scan;
use super::{Findings, Rule};
use crate::format::raw::BLOCK_U64;
use crate::read::{Image, ReadAt, Volume};

/// Runs every cross-tree rule.
pub(crate) fn check<S: ReadAt>(
    image: &Image<S>,
    iso: &Scan,
    joliet: Option<&Scan>,
    f: &mut Findings,
) {
    if let Some(j) = joliet {
        if iso.complete && j.complete {
            same_files(iso, j, f);
        }
    }
    let session = u64::from(image.options().session_start);
    let scans: Vec<&Scan> = core::iter::once(iso).chain(joliet).collect();
    dirs_first(&scans, session, f);
    let mut vss = volume_space(image.primary(), iso, session, f);
    if let (Some(vol), Some(j)) = (image.joliet(), joliet) {
        vss = vss.max(volume_space(vol, j, session, f));
    }
    let blocks = image.len() / BLOCK_U64;
    if blocks < vss {
        let msg = format!("the image holds {blocks} blocks, fewer than its volume space of {vss}");
        f.push(Rule::ImageLength, msg);
    }
}

/// Files match by first block and size. What Rock Ridge marks as ISO-only (symbolic links,
/// devices, FIFOs, sockets, relocation placeholders) needs no Joliet counterpart; a Joliet
/// file that matches one (writers that put links in Joliet as empty files) is accepted.
fn same_files(iso: &Scan, joliet: &Scan, f: &mut Findings) {
    let key = |s: &super::scan::FileInfo| (s.sections.first().map_or(0, |e| e.block), s.size);
    let mut left: HashMap<(u32, u64), Vec<&str>> = HashMap::new();
    let mut iso_only: HashMap<(u32, u64), usize> = HashMap::new();
    for file in &iso.files {
        if file.iso_only {
            *iso_only.entry(key(file)).or_default() += 1;
        } else {
            left.entry(key(file)).or_default().push(&file.path);
        }
    }
    for file in &joliet.files {
        match left.get_mut(&key(file)).and_then(Vec::pop) {
            Some(_) => {}
            None if iso_only.get(&key(file)).is_some_and(|&n| n > 0) => {
                if let Some(n) = iso_only.get_mut(&key(file)) {
                    *n -= 1;
                }
            }
            None => {
                let msg = format!(
                    "{} (Joliet) has no ISO 9660 counterpart at block {} of {} bytes",
                    file.path,
                    key(file).0,
                    file.size
                );
                f.push(Rule::SameFiles, msg);
            }
        }
    }
    let mut rest: Vec<(&str, (u32, u64))> =
        left.iter().flat_map(|(k, paths)| paths.iter().map(move |p| (*p, *k))).collect();
    rest.sort_unstable();
    for (path, (block, size)) in rest {
        let msg =
            format!("{path} (ISO 9660) has no Joliet counterpart at block {block} of {size} bytes");
        f.push(Rule::SameFiles, msg);
    }
}

/// Every directory extent lies before the first block of file data (pitfall 16: libarchive
/// and other streaming readers need it). Data of earlier sessions (before `session`) is left
/// out: it precedes the last session's directories by nature.
fn dirs_first(scans: &[&Scan], session: u64, f: &mut Findings) {
    let last_dir = scans.iter().flat_map(|s| s.dirs.iter()).max_by_key(|d| d.extent.end_block());
    let first_file = scans
        .iter()
        .flat_map(|s| s.files.iter())
        .flat_map(|x| x.sections.iter().map(move |e| (x, e)))
        .filter(|(_, e)| e.len > 0 && e.data_block() >= session)
        .min_by_key(|(_, e)| e.data_block());
    if let (Some(d), Some((file, e))) = (last_dir, first_file) {
        if d.extent.end_block() > e.data_block() {
            let dir = if d.path.is_empty() { "/" } else { &d.path };
            let msg = format!(
                "directory {dir} (blocks {}..{}) lies after the data of {} (block {})",
                d.extent.data_block(),
                d.extent.end_block(),
                file.path,
                e.data_block()
            );
            f.push(Rule::DirsBeforeFiles, msg);
        }
    }
}

/// Checks that `vol`'s volume space covers its tree and path tables; gives the size.
///
/// In a later session (`session` > 0) writers record either the whole disc's size or the
/// session's own (mkisofs does the latter), so the space is taken to end at the session's
/// start plus the size: an absolute size never ends before that.
fn volume_space(vol: &Volume, scan: &Scan, session: u64, f: &mut Findings) -> u64 {
    let vss = u64::from(vol.volume_space_size());
    let end_of_space = vss + session;
    let pt_blocks = u64::from(vol.path_table_size()).div_ceil(BLOCK_U64);
    let tables = [("L path table", vol.l_path_table()), ("M path table", vol.m_path_table())]
        .map(|(what, b)| (what.to_owned(), u64::from(b) + pt_blocks));
    let dirs = scan.dirs.iter().map(|d| (d.path.clone(), d.extent.end_block()));
    let files = scan
        .files
        .iter()
        .flat_map(|x| x.sections.iter().map(move |e| (x.path.clone(), e.end_block())));
    let last = tables.into_iter().chain(dirs).chain(files).max_by_key(|(_, end)| *end);
    if let Some((what, end)) = last {
        if end > end_of_space {
            let shown = if what.is_empty() { "/".to_owned() } else { what };
            let msg = format!(
                "{shown} ends at block {end}, past the volume space size of {vss} blocks (descriptor at block {})",
                vol.block()
            );
            f.push(Rule::VolumeSpace, msg);
        }
    }
    vss
}
