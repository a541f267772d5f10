//! The full check of one image: every available reader lists the tree and reads the bytes,
//! and each must agree with the expected tree; pycdlib's raw view is held to the layout rules
//! of ECMA-119 and Joliet; the ISO 9660 tree must describe the same files as the Joliet tree.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::probe::{Probe, ProbeTree};
use super::readers::{self, Names, Row};
use super::{
    available, hashes_diff, listing_diff, sha256, Entry, Expected, Hashes, Kind, Listing, Scratch,
};

/// What the image is expected to hold besides its files.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The image has a Joliet tree (else the expected names are ISO 9660 names, compared in
    /// the readers' common normal form, see [`readers::iso_norm`]).
    pub joliet: bool,
    /// The ISO level its ISO 9660 names must follow.
    pub level: u8,
}

impl Default for Options {
    fn default() -> Self {
        Self { joliet: true, level: 3 }
    }
}

/// What the check saw, for tests that look further.
pub struct Seen {
    /// pycdlib's view, when pycdlib is installed.
    pub probe: Option<Probe>,
    /// `isoinfo -l` rows of the ISO 9660 tree, in recorded order, when isoinfo is installed.
    pub isoinfo_iso: Option<Vec<Row>>,
}

/// Failures of one image, gathered so a single run names every reader that disagrees.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    /// Records how a reader's listing differs from the expected one.
    fn compare(&mut self, reader: &str, got: &Listing, want: &Listing) {
        if let Some(d) = listing_diff(got, want) {
            self.0.push(format!("{reader}: listing differs from the source tree\n{d}"));
        }
    }

    /// Records how a reader's entries (paths may repeat) differ from the expected ones.
    fn compare_entries(&mut self, reader: &str, got: &[(String, Entry)], want: &[(String, Entry)]) {
        if let Some(d) = super::entries_diff(got, want) {
            self.0.push(format!("{reader}: listing differs from the source tree\n{d}"));
        }
    }

    /// Records how a reader's file hashes differ from the expected ones.
    fn compare_bytes(&mut self, reader: &str, got: &Hashes, want: &Hashes) {
        if let Some(d) = hashes_diff(got, want) {
            self.0.push(format!("{reader}: file bytes differ from the source tree\n{d}"));
        }
    }

    /// Records several failures.
    fn extend(&mut self, more: Vec<String>) {
        self.0.extend(more);
    }

    /// Records one failure.
    fn push(&mut self, s: String) {
        self.0.push(s);
    }
}

/// A listing in the readers' common form of ISO 9660 names ([`readers::iso_norm`]).
fn norm_listing(l: &Listing) -> Listing {
    l.iter().map(|(k, v)| (super::per_component(k, readers::iso_norm), *v)).collect()
}

/// Hashes keyed the same way.
fn norm_hashes(h: &Hashes) -> Hashes {
    h.iter().map(|(k, v)| (super::per_component(k, readers::iso_norm), *v)).collect()
}

/// Rows as (path, entry) pairs, directory sizes as 0.
fn row_entries(rows: &[Row]) -> Vec<(String, Entry)> {
    rows.iter()
        .map(|r| (r.path(), if r.kind == Kind::Dir { Entry::dir() } else { Entry::file(r.size) }))
        .collect()
}

/// Rows as a listing; a path listed twice is recorded as a failure.
fn rows_listing(f: &mut Failures, reader: &str, rows: &[Row]) -> Listing {
    readers::rows_to_listing(reader, rows).unwrap_or_else(|e| {
        f.push(e);
        Listing::new()
    })
}

/// Runs every available reader on `img` and panics with all disagreements with `want`.
pub fn image(img: &Path, want: &Expected, opts: Options) -> Seen {
    let mut f = Failures::default();
    let work = Scratch::new();
    let image_len = std::fs::metadata(img).map(|m| m.len()).unwrap_or(0);
    if image_len % 2048 != 0 {
        f.push(format!("image size {image_len} is not whole 2048-byte blocks"));
    }
    // In the no-Joliet case the readers show ISO 9660 names, each in its own style.
    let want_norm = want.viewed(readers::iso_norm);
    let (want_view, names) =
        if opts.joliet { (want, Names::Joliet) } else { (&want_norm, Names::Iso) };
    let fix = |l: Listing| if opts.joliet { l } else { norm_listing(&l) };
    let fix_h = |h: Hashes| if opts.joliet { h } else { norm_hashes(&h) };

    let mut seen = Seen { probe: None, isoinfo_iso: None };

    if available("pycdlib") {
        let probe = Probe::run(img);
        pycdlib_checks(&mut f, &probe, want, opts, image_len);
        seen.probe = Some(probe);
    }

    if available("isoinfo") {
        let d = readers::isoinfo_descriptor(img);
        let joliet_line = d.contains("Joliet with UCS level 3 found");
        if opts.joliet != joliet_line {
            f.push(format!(
                "isoinfo -d: Joliet level 3 {}found:\n{d}",
                if joliet_line { "" } else { "not " }
            ));
        }
        let size_line = format!("Volume size is: {}", image_len / 2048);
        if !d.contains(&size_line) {
            f.push(format!("isoinfo -d: expected {size_line:?} (the whole file):\n{d}"));
        }
        let iso_rows = readers::isoinfo_rows(img, Names::Iso);
        if opts.joliet {
            let rows = readers::isoinfo_rows(img, Names::Joliet);
            let shown = want.viewed_entries(readers::isoinfo_joliet_view);
            f.compare_entries("isoinfo -J -l", &row_entries(&rows), &shown);
            // Bytes through `-x`, for the files whose shown path is unambiguous.
            let mut got = Hashes::new();
            let mut want_h = Hashes::new();
            for (p, h) in &want.hashes {
                let view = super::per_component(p, readers::isoinfo_joliet_view);
                if shown.iter().filter(|(q, _)| *q == view).count() == 1 {
                    got.insert(
                        view.clone(),
                        sha256(&readers::isoinfo_extract(img, Names::Joliet, &view)),
                    );
                    want_h.insert(view, *h);
                }
            }
            f.compare_bytes("isoinfo -J -x", &got, &want_h);
        } else {
            let l = norm_listing(&rows_listing(&mut f, "isoinfo -l", &iso_rows));
            f.compare("isoinfo -l", &l, &want_norm.listing);
        }
        if let Some(probe) = &seen.probe {
            isoinfo_vs_probe(&mut f, img, &iso_rows, probe);
        }
        seen.isoinfo_iso = Some(iso_rows);
    }

    if available("isovfy") {
        let lines = readers::isovfy(img);
        let faults = readers::isovfy_faults(&lines);
        if !faults.is_empty() || !lines.iter().any(|l| l == "No errors found") {
            f.push(format!("isovfy reports faults:\n{}", lines.join("\n")));
        }
    }

    if available("xorriso") {
        let dir = work.path("xorriso");
        let (l, h) = readers::xorriso(img, Names::Joliet, Some(&dir));
        f.compare("xorriso", &fix(l), &want_view.listing);
        f.compare_bytes("xorriso -extract", &fix_h(h.unwrap_or_default()), &want_view.hashes);
        if let Some(probe) = &seen.probe {
            let (iso, _) = readers::xorriso(img, Names::Iso, None);
            let wanted = probe.iso().listing();
            if let Some(d) = listing_diff(&iso, &wanted) {
                f.push(format!(
                    "xorriso -read_fs ecma119: ISO 9660 tree differs from pycdlib's\n{d}"
                ));
            }
        }
    }

    if available("7zz") {
        let (l, h) = readers::sevenzip(img, Some(&work.path("7zz")));
        let shown =
            if opts.joliet { want.viewed_paths(readers::sevenzip_view) } else { want_norm.clone() };
        f.compare("7zz l", &fix(l), &shown.listing);
        f.compare_bytes("7zz x", &fix_h(h.unwrap_or_default()), &shown.hashes);
    }

    if available("bsdtar") {
        let (l, h) = readers::bsdtar(img, Some(&work.path("bsdtar")));
        f.compare("bsdtar -tvf", &fix(l), &want_view.listing);
        f.compare_bytes("bsdtar -x", &fix_h(h.unwrap_or_default()), &want_view.hashes);
    }

    if available("iso-info") {
        let rows = readers::iso_info_rows(img, names);
        if opts.joliet {
            let shown = want.viewed_entries(readers::libcdio_joliet_view);
            f.compare_entries("iso-info -l", &row_entries(&rows), &shown);
        } else {
            let l = rows_listing(&mut f, "iso-info -l", &rows);
            f.compare("iso-info -l", &norm_listing(&l), &want_norm.listing);
        }
        if opts.joliet {
            if let Some(probe) = &seen.probe {
                let rows = readers::iso_info_rows(img, Names::Iso);
                let l = norm_listing(&rows_listing(&mut f, "iso-info --no-joliet -l", &rows));
                if let Some(d) = listing_diff(&l, &norm_listing(&probe.iso().listing())) {
                    f.push(format!(
                        "iso-info --no-joliet: ISO 9660 tree differs from pycdlib's\n{d}"
                    ));
                }
            }
        }
    }

    if available("iso-read") {
        if let Some(probe) = &seen.probe {
            // libcdio's bytes for every file of the ISO 9660 tree, against pycdlib's hashes of
            // the same paths (which the tree correspondence ties to the source files).
            let want_h = probe.iso().hashes();
            let got: Hashes = want_h
                .keys()
                .map(|p| (p.clone(), sha256(&readers::iso_read(img, p, work.root()))))
                .collect();
            if let Some(d) = hashes_diff(&got, &want_h) {
                f.push(format!("iso-read: bytes differ from pycdlib's\n{d}"));
            }
        }
    }

    super::assert_no_failures(&format!("readers of {}", img.display()), &f.0);
    seen
}

/// A canonical description of a tree's shape and contents, names left out: two trees with the
/// same signature hold the same files (size and bytes) in the same directory structure.
fn signature(tree: &ProbeTree) -> String {
    let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut kinds: BTreeMap<String, String> = BTreeMap::new();
    for e in &tree.entries {
        let parent = e.path.rsplit_once('/').map(|(p, _)| p).unwrap_or("").to_string();
        children.entry(parent).or_default().push(e.path.clone());
        if e.kind() == Kind::File {
            kinds.insert(
                e.path.clone(),
                format!("f{}:{}", e.size, e.sha256.as_deref().unwrap_or("")),
            );
        }
    }
    /// The signature of the entry at `path`.
    fn sig(
        path: &str,
        children: &BTreeMap<String, Vec<String>>,
        kinds: &BTreeMap<String, String>,
    ) -> String {
        if let Some(k) = kinds.get(path) {
            return k.clone();
        }
        let mut parts: Vec<String> = children
            .get(path)
            .map(|c| c.iter().map(|p| sig(p, children, kinds)).collect())
            .unwrap_or_default();
        parts.sort();
        format!("d({})", parts.join(","))
    }
    sig("", &children, &kinds)
}

/// pycdlib's trees against the expected tree and each other, and its raw view against
/// ECMA-119: identifiers, record layout, path tables, layout order, descriptors.
fn pycdlib_checks(f: &mut Failures, probe: &Probe, want: &Expected, opts: Options, image_len: u64) {
    let iso = probe.iso();
    match (opts.joliet, probe.joliet()) {
        (true, Some(j)) => {
            f.compare("pycdlib (Joliet)", &j.listing(), &want.listing);
            f.compare_bytes("pycdlib (Joliet)", &j.hashes(), &want.hashes);
            // Pitfall 1: both trees describe the same files in the same structure.
            if signature(iso) != signature(j) {
                f.push(
                    "pycdlib: the ISO 9660 and Joliet trees do not hold the same files in the \
                     same directories"
                        .to_string(),
                );
            }
        }
        (true, None) => f.push("pycdlib finds no Joliet tree".to_string()),
        (false, Some(_)) => {
            f.push("pycdlib finds a Joliet tree in a --no-joliet image".to_string())
        }
        (false, None) => {
            let want = want.viewed(readers::iso_norm);
            f.compare("pycdlib (ISO 9660)", &norm_listing(&iso.listing()), &want.listing);
            f.compare_bytes("pycdlib (ISO 9660)", &norm_hashes(&iso.hashes()), &want.hashes);
        }
    }
    // Identifiers of the ISO 9660 tree.
    for e in &iso.entries {
        let name = e.path.rsplit('/').next().unwrap_or("").as_bytes();
        let ok = match e.kind() {
            Kind::Dir => super::spec::valid_iso_dir_id(name, opts.level),
            Kind::File => super::spec::valid_iso_file_id(name, opts.level),
        };
        if !ok {
            f.push(format!(
                "ISO 9660 identifier {:?} is not valid at level {}",
                e.path, opts.level
            ));
        }
    }
    // Layout of every directory, path tables, and directories before file data (pitfall 16).
    let mut trees: Vec<(&str, &ProbeTree, bool)> = vec![("ISO 9660", iso, false)];
    if let Some(j) = probe.joliet() {
        trees.push(("Joliet", j, true));
    }
    let mut dir_end = 0u64;
    let mut first_file = u64::MAX;
    for (name, tree, joliet) in &trees {
        for d in &tree.dirs {
            f.extend(super::spec::check_dir(d, *joliet, name));
            dir_end = dir_end.max(u64::from(d.extent) + u64::from(d.size).div_ceil(2048));
        }
        f.extend(super::spec::check_path_table(tree, *joliet, &format!("{name} path table")));
        for e in tree.files().filter(|e| e.size > 0) {
            first_file = first_file.min(u64::from(e.extent));
        }
    }
    if first_file < dir_end {
        f.push(format!(
            "file data starts at block {first_file}, before the end of the directories ({dir_end})"
        ));
    }
    // Volume descriptors: primary at 16, Joliet supplementary (UCS-2 level 3, `%/E`) when
    // asked, a terminator, and a volume space size that covers the whole file.
    let kinds: Vec<u8> = probe.descriptors.iter().map(|d| d.kind).collect();
    let want_kinds: &[u8] = if opts.joliet { &[1, 2, 255] } else { &[1, 255] };
    if kinds != want_kinds {
        f.push(format!("volume descriptors {kinds:?}, expected {want_kinds:?}"));
    }
    for d in probe.descriptors.iter().filter(|d| d.kind != 255) {
        if u64::from(d.space_le) * 2048 != image_len || d.space_le != d.space_be {
            f.push(format!(
                "descriptor at {}: volume space size {}/{} blocks, the file has {}",
                d.sector,
                d.space_le,
                d.space_be,
                image_len / 2048
            ));
        }
        if d.kind == 2 && !d.escapes.starts_with(b"%/E") {
            f.push(format!("Joliet descriptor escape sequences {:?}", d.escapes));
        }
    }
}

/// isoinfo's view of the ISO 9660 tree (recorded order) and path tables against pycdlib's.
fn isoinfo_vs_probe(f: &mut Failures, img: &Path, rows: &[Row], probe: &Probe) {
    let iso = probe.iso();
    let listing = readers::rows_to_listing("isoinfo -l", rows).unwrap_or_default();
    if let Some(d) = listing_diff(&listing, &iso.listing()) {
        f.push(format!("isoinfo -l: ISO 9660 tree differs from pycdlib's\n{d}"));
    }
    // Recorded order, directory by directory.
    let mut by_dir: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        by_dir.entry(format!("/{}", r.dir)).or_default().push(r.name.clone());
    }
    for d in &iso.dirs {
        let raw: Vec<String> =
            d.records.iter().skip(2).map(|r| String::from_utf8_lossy(&r.id).into_owned()).collect();
        let shown = by_dir.get(d.path.as_str()).cloned().unwrap_or_default();
        if raw != shown {
            f.push(format!("isoinfo -l order of {} is {shown:?}, recorded {raw:?}", d.path));
        }
    }
    // Path tables as isoinfo reads them.
    let mut trees = vec![(Names::Iso, iso, false)];
    if let Some(j) = probe.joliet() {
        trees.push((Names::Joliet, j, true));
    }
    for (names, tree, joliet) in trees {
        let lines = readers::isoinfo_path_table(img, names);
        let expect: Vec<(u32, u32, String)> = tree
            .path_table_l
            .rows
            .iter()
            .map(|r| {
                let name = if r.id == [0] {
                    String::new()
                } else if joliet {
                    readers::isoinfo_joliet_view(&super::spec::ucs2(&r.id))
                } else {
                    String::from_utf8_lossy(&r.id).into_owned()
                };
                (u32::from(r.parent), r.extent, name)
            })
            .collect();
        let got: Vec<(u32, u32, String)> =
            lines.iter().map(|l| (l.parent, l.extent, l.name.clone())).collect();
        let numbers: BTreeSet<u32> = lines.iter().map(|l| l.number).collect();
        if got != expect || numbers.len() != lines.len() {
            f.push(format!("isoinfo -p ({names:?}): {got:?}, pycdlib read {expect:?}"));
        }
    }
}
