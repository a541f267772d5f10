//! Building images: the emitted bytes, the seekable view, changed sources, sparse output,
//! hard links, merges, determinism and cancellation.

use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use chrono::DateTime;
use imapi_joliet::raw::{DirRecordHeader, BLOCK, FLAG_MULTI_EXTENT, MAX_SECTION};
use imapi_joliet::{
    BytesSource, EmitOptions, Error, HostOptions, Overwrite, PlanOptions, Source, Tree, Warning,
};
use zerocopy::FromBytes;

mod common;

fn fixed() -> PlanOptions {
    PlanOptions {
        date: Some(DateTime::parse_from_rfc3339("2024-01-02T03:04:05+13:00").unwrap()),
        volume_name: Some("TEST".into()),
        ..PlanOptions::default()
    }
}

fn sample_tree() -> Tree {
    let mut t = Tree::new();
    let a = t.add_dir(t.root(), "alpha").unwrap();
    t.add_file(a, "one.txt", BytesSource::new(&b"one"[..])).unwrap();
    t.add_file(a, "big.bin", BytesSource::new(vec![7u8; 5000])).unwrap();
    t.add_file(t.root(), "empty", BytesSource::new(Vec::new())).unwrap();
    let b = t.add_dirs("beta/gamma").unwrap();
    t.add_file(b, "deep.txt", BytesSource::new(&b"deep"[..])).unwrap();
    t
}

#[test]
fn seekable_view_equals_the_emitted_image() {
    let tree = sample_tree();
    let plan = tree.plan(&fixed()).unwrap();
    let mut emitted = Vec::new();
    assert_eq!(plan.emit(&mut emitted).unwrap(), plan.image_len());
    assert_eq!(emitted.len() as u64, plan.image_len());

    let mut viewed = Vec::new();
    plan.reader().read_to_end(&mut viewed).unwrap();
    assert_eq!(viewed, emitted);

    let mut r = plan.reader();
    for &pos in &[0u64, 16 * 2048 + 40, emitted.len() as u64 - 10, 12345, 2048 * 30 + 1] {
        let pos = pos.min(emitted.len() as u64 - 1);
        r.seek(SeekFrom::Start(pos)).unwrap();
        let mut buf = [0u8; 7];
        let n = r.read(&mut buf).unwrap();
        assert!(n > 0);
        assert_eq!(&buf[..n], &emitted[pos as usize..pos as usize + n], "at {pos}");
    }
}

#[test]
fn file_data_lands_at_the_planned_extent() {
    let tree = sample_tree();
    let plan = tree.plan(&fixed()).unwrap();
    let mut iso = Vec::new();
    plan.emit(&mut iso).unwrap();
    let node = tree.lookup("/alpha/big.bin").unwrap();
    let at = plan.extent(node) as usize * BLOCK;
    assert_eq!(&iso[at..at + 5000], &[7u8; 5000][..]);
    assert!(iso[at + 5000..at + 6144].iter().all(|&b| b == 0));
    let deep = tree.lookup("/beta/gamma/deep.txt").unwrap();
    let at = plan.extent(deep) as usize * BLOCK;
    assert_eq!(&iso[at..at + 4], b"deep");
    assert_eq!(plan.iso_name(deep), b"DEEP.TXT;1");
    assert_eq!(String::from_utf16(&plan.joliet_name(deep)).unwrap(), "deep.txt");
}

#[test]
fn output_is_reproducible_whatever_the_insertion_order() {
    let names = ["zeta.txt", "Alpha.TXT", "mid dle.doc", "a.b", "ab", "a_b"];
    let build = |order: &[usize]| {
        let mut t = Tree::new();
        for &i in order {
            t.add_file(t.root(), names[i], BytesSource::new(names[i].as_bytes().to_vec())).unwrap();
        }
        let mut out = Vec::new();
        t.plan(&fixed()).unwrap().emit(&mut out).unwrap();
        out
    };
    assert_eq!(build(&[0, 1, 2, 3, 4, 5]), build(&[5, 3, 1, 0, 4, 2]));
}

/// A source whose length can change between planning and writing.
#[derive(Debug, Clone)]
struct Shifting(Arc<Mutex<Vec<u8>>>);

impl Source for Shifting {
    fn len(&self) -> io::Result<u64> {
        Ok(self.0.lock().unwrap().len() as u64)
    }
    fn open_at(&self, offset: u64) -> io::Result<Box<dyn Read + Send + '_>> {
        let data = self.0.lock().unwrap().clone();
        Ok(Box::new(io::Cursor::new(data[offset as usize..].to_vec())))
    }
}

#[test]
fn a_source_that_changed_size_is_an_error_naming_the_file() {
    for new_len in [10usize, 4000] {
        let data = Arc::new(Mutex::new(vec![1u8; 3000]));
        let mut t = Tree::new();
        t.add_file(t.root(), "moving.bin", Shifting(data.clone())).unwrap();
        let plan = t.plan(&fixed()).unwrap();
        data.lock().unwrap().resize(new_len, 2);
        match plan.emit(io::sink()) {
            Err(Error::SourceChanged { path, planned, found }) => {
                assert_eq!(path, "/moving.bin");
                assert_eq!(planned, 3000);
                assert!(if new_len < 3000 { found == new_len as u64 } else { found > 3000 });
            }
            other => panic!("expected SourceChanged, got {other:?}"),
        }
    }
}

#[test]
fn a_host_file_that_changed_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir(&src).unwrap();
    fs::write(src.join("small"), vec![3u8; 100]).unwrap();
    fs::write(src.join("large"), vec![4u8; 3 << 20]).unwrap();
    for (name, new_len) in [("small", 50usize), ("small", 150), ("large", 1 << 20)] {
        let mut t = Tree::new();
        t.add_host(t.root(), &src, &HostOptions::default()).unwrap();
        let plan = t.plan(&fixed()).unwrap();
        let original = fs::read(src.join(name)).unwrap();
        fs::write(src.join(name), vec![5u8; new_len]).unwrap();
        let out = dir.path().join("out.iso");
        let err = plan.write_to_path(&out, EmitOptions::default()).unwrap_err();
        assert!(
            matches!(&err, Error::SourceChanged { path, .. } if path == &format!("/{name}")),
            "{err:?}"
        );
        assert!(!out.exists());
        let leftovers: Vec<_> =
            fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("src")]);
        fs::write(src.join(name), original).unwrap();
    }
}

#[test]
fn host_files_are_copied_small_and_large() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(src.join("sub")).unwrap();
    let big: Vec<u8> = (0..(3 << 20) + 17).map(|i| (i % 251) as u8).collect();
    fs::write(src.join("sub/big"), &big).unwrap();
    fs::write(src.join("tiny"), b"tiny").unwrap();
    let mut t = Tree::new();
    let warnings = t.add_host(t.root(), &src, &HostOptions::default()).unwrap();
    assert!(warnings.is_empty());
    let plan = t.plan(&fixed()).unwrap();
    let out = dir.path().join("out.iso");
    plan.write_to_path(&out, EmitOptions::default()).unwrap();
    let iso = fs::read(&out).unwrap();
    assert_eq!(iso.len() as u64, plan.image_len());
    let mut viewed = Vec::new();
    plan.reader().read_to_end(&mut viewed).unwrap();
    assert!(viewed == iso, "file output and the seekable view differ");
    let at = plan.extent(t.lookup("/sub/big").unwrap()) as usize * BLOCK;
    assert!(iso[at..at + big.len()] == big[..]);
}

#[cfg(target_os = "linux")]
#[test]
fn holes_of_a_sparse_source_stay_holes() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir(&src).unwrap();
    let f = fs::File::create(src.join("sparse")).unwrap();
    f.set_len(64 << 20).unwrap();
    use std::os::unix::fs::FileExt;
    f.write_all_at(b"head", 0).unwrap();
    f.write_all_at(b"middle", 32 << 20).unwrap();
    drop(f);
    let mut t = Tree::new();
    t.add_host(t.root(), &src, &HostOptions::default()).unwrap();
    let plan = t.plan(&fixed()).unwrap();
    let out = dir.path().join("out.iso");
    plan.write_to_path(&out, EmitOptions::default()).unwrap();
    let meta = fs::metadata(&out).unwrap();
    assert_eq!(meta.len(), plan.image_len());
    assert!(meta.blocks() * 512 < 8 << 20, "output allocates {} bytes", meta.blocks() * 512);
    let iso = fs::read(&out).unwrap();
    let at = plan.extent(t.lookup("/sparse").unwrap()) as usize * BLOCK;
    assert_eq!(&iso[at..at + 4], b"head");
    assert_eq!(&iso[at + (32 << 20)..at + (32 << 20) + 6], b"middle");
    assert!(iso[at + 4..at + (32 << 20)].iter().all(|&b| b == 0));
}

#[cfg(unix)]
#[test]
fn hard_links_share_one_extent_and_links_are_skipped_or_followed() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(src.join("d")).unwrap();
    fs::write(src.join("a"), b"linked").unwrap();
    fs::hard_link(src.join("a"), src.join("d/b")).unwrap();
    std::os::unix::fs::symlink("..", src.join("d/loop")).unwrap();
    std::os::unix::fs::symlink("a", src.join("ln")).unwrap();

    let mut t = Tree::new();
    let warnings = t.add_host(t.root(), &src, &HostOptions::default()).unwrap();
    assert_eq!(warnings.iter().filter(|w| matches!(w, Warning::SymlinkSkipped { .. })).count(), 2);
    let plan = t.plan(&fixed()).unwrap();
    let (a, b) = (t.lookup("/a").unwrap(), t.lookup("/d/b").unwrap());
    assert_eq!(plan.extent(a), plan.extent(b));
    assert!(t.lookup("/ln").is_none());

    let mut t = Tree::new();
    let opts = HostOptions { follow_links: true, ..HostOptions::default() };
    let warnings = t.add_host(t.root(), &src, &opts).unwrap();
    assert!(warnings.iter().any(|w| matches!(w, Warning::SymlinkLoop { .. })), "{warnings:?}");
    assert_eq!(t.file_size(t.lookup("/ln").unwrap()), 6);
}

#[test]
fn a_file_added_twice_needs_overwrite() {
    let mut t = Tree::new();
    t.add_file(t.root(), "x", BytesSource::new(&b"1"[..])).unwrap();
    let err = t.add_file(t.root(), "x", BytesSource::new(&b"2"[..])).unwrap_err();
    assert!(matches!(&err, Error::FileExists { path } if path == "/x"));
    assert_eq!(err.imapi_code(), Some(imapi_codes::ImapiCode::FileExists));
    t.add_file_with(t.root(), "x", Box::new(BytesSource::new(&b"22"[..])), Overwrite::Replace)
        .unwrap();
    assert_eq!(t.file_size(t.lookup("/x").unwrap()), 2);
    assert!(matches!(t.add_dir(t.root(), "x"), Err(Error::FileExists { .. })));
    let d1 = t.add_dir(t.root(), "d").unwrap();
    assert_eq!(t.add_dir(t.root(), "d").unwrap(), d1, "directories merge");
    assert!(matches!(t.add_dir(t.root(), ".."), Err(Error::InvalidPath { .. })));
}

#[test]
fn forbidden_joliet_characters_name_the_path() {
    let mut t = Tree::new();
    let d = t.add_dir(t.root(), "dir").unwrap();
    t.add_file(d, "a:b", BytesSource::new(&b"x"[..])).unwrap();
    let err = t.plan(&fixed()).unwrap_err();
    assert!(matches!(&err, Error::BadJolietName { path, .. } if path == "/dir/a:b"), "{err:?}");
    assert_eq!(err.imapi_code(), Some(imapi_codes::ImapiCode::BadJolietName));
    let opts = PlanOptions { joliet: false, ..fixed() };
    assert!(t.plan(&opts).is_ok(), "no Joliet tree, no Joliet rule");
}

#[test]
fn volume_names_are_never_cut() {
    let t = Tree::new();
    let opts = PlanOptions { volume_name: Some("A".repeat(17)), ..fixed() };
    assert!(matches!(t.plan(&opts), Err(Error::VolumeName { .. })));
    let opts = PlanOptions { volume_name: Some("cidata".into()), ..fixed() };
    let plan = t.plan(&opts).unwrap();
    assert!(plan.warnings().iter().any(|w| matches!(w, Warning::RelaxedVolumeName { .. })));
    let mut iso = Vec::new();
    plan.emit(&mut iso).unwrap();
    assert_eq!(&iso[16 * BLOCK + 40..16 * BLOCK + 46], b"cidata");
}

#[test]
fn deep_trees_are_kept_and_reported() {
    let mut t = Tree::new();
    t.add_dirs("1/2/3/4/5/6/7/8/9/10").unwrap();
    let plan = t.plan(&fixed()).unwrap();
    let deep: Vec<_> = plan
        .warnings()
        .iter()
        .filter_map(|w| match w {
            Warning::DeepDirectory { path, level } => Some((path.clone(), *level)),
            _ => None,
        })
        .collect();
    assert_eq!(deep, vec![("/1/2/3/4/5/6/7/8".to_string(), 9)]);
}

#[test]
fn cancelling_stops_the_pass() {
    let mut t = Tree::new();
    t.add_file(t.root(), "f", BytesSource::new(vec![0u8; 4 << 20])).unwrap();
    let plan = t.plan(&fixed()).unwrap();
    let cancel = AtomicBool::new(true);
    let err = plan
        .emit_with(&mut io::sink(), EmitOptions { cancel: Some(&cancel), ..Default::default() });
    assert!(matches!(err, Err(Error::Cancelled)));
    let mut calls = 0;
    let mut last = 0;
    let mut progress = |done: u64, total: u64| {
        calls += 1;
        last = done;
        assert!(done <= total);
    };
    plan.emit_with(
        &mut io::sink(),
        EmitOptions { progress: Some(&mut progress), ..Default::default() },
    )
    .unwrap();
    assert!(calls >= 4);
    assert_eq!(last, plan.image_len());
}

#[test]
fn files_over_4_gib_are_multi_extent_in_both_trees() {
    let size = 2 * MAX_SECTION + 4096;
    let mut t = Tree::new();
    t.add_file(t.root(), "huge.bin", common::Zeros(size)).unwrap();
    t.add_file(t.root(), "small", BytesSource::new(&b"s"[..])).unwrap();
    let plan = t.plan(&fixed()).unwrap();
    let huge = t.lookup("/huge.bin").unwrap();
    // Read the metadata only: everything before the first file extent.
    let meta_len = plan.extent(huge).min(plan.extent(t.lookup("/small").unwrap())) as usize * BLOCK;
    let mut meta = vec![0u8; meta_len];
    plan.reader().read_exact(&mut meta).unwrap();
    for (tree_name, id) in
        [("ISO", &b"HUGE.BIN;1"[..]), ("Joliet", &b"\0h\0u\0g\0e\0.\0b\0i\0n"[..])]
    {
        let mut sections = Vec::new();
        let mut at = 0;
        while let Some(pos) = meta[at..].windows(id.len()).position(|w| w == id) {
            let start = at + pos - 33;
            let (hdr, _) = DirRecordHeader::ref_from_prefix(&meta[start..]).unwrap();
            if hdr.len_fi as usize == id.len() {
                sections.push((hdr.extent.get().unwrap(), hdr.data_len.get().unwrap(), hdr.flags));
            }
            at = at + pos + id.len();
        }
        let first = plan.extent(huge);
        let step = (MAX_SECTION / BLOCK as u64) as u32;
        assert_eq!(
            sections,
            vec![
                (first, MAX_SECTION as u32, FLAG_MULTI_EXTENT),
                (first + step, MAX_SECTION as u32, FLAG_MULTI_EXTENT),
                (first + 2 * step, 4096, 0)
            ],
            "{tree_name} tree"
        );
    }
    let level2 = PlanOptions { level: imapi_joliet::IsoLevel::L2, ..fixed() };
    assert!(matches!(t.plan(&level2), Err(Error::FileTooLarge { .. })));
}

#[test]
fn a_later_session_starts_at_its_first_block_and_keeps_imported_extents() {
    let mut t = Tree::new();
    t.add_imported_file(t.root(), "old.txt", 40, 5).unwrap();
    t.add_file(t.root(), "new.txt", BytesSource::new(&b"fresh"[..])).unwrap();
    let opts = PlanOptions { first_block: 1000, pad_blocks: 0, ..fixed() };
    let plan = t.plan(&opts).unwrap();
    assert_eq!(plan.extent(t.lookup("/old.txt").unwrap()), 40);
    let new = plan.extent(t.lookup("/new.txt").unwrap());
    assert!(new >= 1016);
    assert_eq!(plan.image_blocks(), u64::from(new) + 1, "a flat image of the whole disc");
    assert_eq!(plan.session_blocks(), u64::from(new) + 1 - 1000);
    let mut session = Vec::new();
    plan.emit(&mut session).unwrap();
    assert_eq!(session.len() as u64, plan.session_blocks() * BLOCK as u64);
    // The PVD is the session's 16th block; its volume space size counts this session's blocks,
    // as mkisofs and libisofs record a later session.
    let pvd = &session[16 * BLOCK..17 * BLOCK];
    assert_eq!(&pvd[1..6], b"CD001");
    assert_eq!(u32::from_le_bytes(pvd[80..84].try_into().unwrap()) as u64, plan.session_blocks());
    assert_eq!(plan.volume_space_size(), plan.session_blocks());
    let at = (new as usize - 1000) * BLOCK;
    assert_eq!(&session[at..at + 5], b"fresh");
}

#[test]
fn a_large_file_range_is_copied_from_its_offset() {
    use imapi_joliet::FileRangeSource;
    let dir = tempfile::tempdir().unwrap();
    let host = dir.path().join("host.bin");
    let data: Vec<u8> = (0..5u32 << 20).map(|i| (i % 253) as u8).collect();
    fs::write(&host, &data).unwrap();
    let mut t = Tree::new();
    t.add_file(t.root(), "range.bin", FileRangeSource::new(&host, 1000, 3 << 20)).unwrap();
    let plan = t.plan(&fixed()).unwrap();
    let out = dir.path().join("out.iso");
    plan.write_to_path(&out, EmitOptions::default()).unwrap();
    let iso = fs::read(&out).unwrap();
    let at = plan.extent(t.lookup("/range.bin").unwrap()) as usize * BLOCK;
    assert!(iso[at..at + (3 << 20)] == data[1000..1000 + (3 << 20)]);
    let mut viewed = Vec::new();
    plan.reader().read_to_end(&mut viewed).unwrap();
    assert!(viewed == iso);
}

#[test]
fn large_files_start_aligned_and_the_gaps_are_zeros() {
    let mut t = Tree::new();
    t.add_file(t.root(), "a-small", BytesSource::new(vec![1u8; 3000])).unwrap();
    t.add_file(t.root(), "b-large", BytesSource::new(vec![2u8; 2 << 20])).unwrap();
    t.add_file(t.root(), "c-small", BytesSource::new(vec![3u8; 10])).unwrap();
    t.add_file(t.root(), "d-large", BytesSource::new(vec![4u8; (2 << 20) + 5])).unwrap();
    let opts = PlanOptions { large_file_alignment: 8192, ..fixed() };
    let plan = t.plan(&opts).unwrap();
    let extent = |p: &str| plan.extent(t.lookup(p).unwrap()) as usize;
    assert_eq!(extent("/b-large") % 4, 0);
    assert_eq!(extent("/d-large") % 4, 0);
    assert!(extent("/b-large") >= extent("/a-small") + 2);
    let mut iso = Vec::new();
    plan.emit(&mut iso).unwrap();
    let mut viewed = Vec::new();
    plan.reader().read_to_end(&mut viewed).unwrap();
    assert!(viewed == iso);
    let small_end = extent("/a-small") * BLOCK + 3000;
    assert!(iso[small_end..extent("/b-large") * BLOCK].iter().all(|&b| b == 0));
    assert!(iso[extent("/d-large") * BLOCK..][..(2 << 20) + 5].iter().all(|&b| b == 4));

    let unaligned = PlanOptions { large_file_alignment: 0, ..fixed() };
    let plan = t.plan(&unaligned).unwrap();
    let a = plan.extent(t.lookup("/a-small").unwrap());
    assert_eq!(plan.extent(t.lookup("/b-large").unwrap()), a + 2, "no gap without alignment");
}
