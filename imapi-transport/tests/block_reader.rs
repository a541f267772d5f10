//! `BlockReader`: an ISO 9660 + Joliet image written Track-at-Once to the simulated recorder
//! reads back file by file through READ(10), as imapi-joliet's reader sees it.

use std::io::{Read, Seek, SeekFrom};

use imapi_joliet::{BytesSource, Image, PlanOptions, Tree};
use imapi_mmc::{
    CloseTrackSession, ModeData, ModePage, ModeSelect10, MultiSession, ReadTrackInformation,
    SynchronizeCache, WriteParameters,
};
use imapi_redbook::Lba;
use imapi_transport::sim::{Media, SimRecorder};
use imapi_transport::{ops, BlockReader, Data};

fn files() -> Vec<(String, Vec<u8>)> {
    [0usize, 1, 2047, 2048, 70_000, 300_001]
        .iter()
        .enumerate()
        .map(|(k, &n)| (format!("F{k}.BIN"), (0..n).map(|i| (i * 13 + k * 5) as u8).collect()))
        .collect()
}

fn image() -> Vec<u8> {
    let mut tree = Tree::new();
    let root = tree.root();
    let dir = tree.add_dir(root, "SUB").unwrap();
    for (k, (name, data)) in files().into_iter().enumerate() {
        let parent = if k % 2 == 0 { root } else { dir };
        tree.add_file(parent, &name, BytesSource::new(data)).unwrap();
    }
    let mut out = Vec::new();
    tree.plan(&PlanOptions::default()).unwrap().emit(&mut out).unwrap();
    out
}

fn path(k: usize, name: &str) -> String {
    if k % 2 == 0 {
        format!("/{name}")
    } else {
        format!("/SUB/{name}")
    }
}

#[test]
fn a_tao_session_reads_back_through_block_reader() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = SimRecorder::create(dir.path(), Media::CdR80, 0).unwrap();
    let page = ModeData::with_page(ModePage::WriteParameters(WriteParameters::tao_data(
        MultiSession::Open,
    )));
    let list = page.to_select_vec().unwrap();
    ops::run(&mut t, &ModeSelect10::new(list.len() as u16), Data::ToDevice(&list)).unwrap();
    let iso = image();
    let n = (iso.len() / 2048) as i32;
    assert!(n >= 300, "the image fills a track without padding: {n} blocks");
    let nwa = ops::track_information(&mut t, &ReadTrackInformation::invisible()).unwrap().nwa;
    assert_eq!(nwa, Lba(0));
    for (k, chunk) in iso.chunks(20 * 2048).enumerate() {
        ops::write10(&mut t, Lba(20 * k as i32), chunk, 2048).unwrap();
    }
    ops::command(&mut t, &SynchronizeCache::default()).unwrap();
    ops::command(&mut t, &CloseTrackSession::session()).unwrap();

    // READ CAPACITY counts the two run-out blocks: the reader's length is the image's + 2.
    let mut r = BlockReader::new(t).unwrap();
    assert_eq!(r.len(), iso.len() as u64 + 2 * 2048);
    let image = Image::from_reader(r).unwrap();
    for (k, (name, data)) in files().into_iter().enumerate() {
        assert_eq!(image.read_path(&path(k, &name)).unwrap(), data, "{name}");
    }

    // Seek anywhere, read across runs; the whole image is the same bytes.
    drop(image);
    let t = SimRecorder::open(dir.path()).unwrap();
    r = BlockReader::new(t).unwrap();
    let mut all = Vec::new();
    r.by_ref().take(iso.len() as u64).read_to_end(&mut all).unwrap();
    assert_eq!(all, iso);
    for at in [0u64, 1, 2047, 2048, 65_535, 65_536, 100_000, iso.len() as u64 - 5] {
        r.seek(SeekFrom::Start(at)).unwrap();
        let mut buf = [0u8; 5000];
        let got = r.read(&mut buf).unwrap();
        assert!(got > 0);
        assert_eq!(&buf[..got], &iso[at as usize..at as usize + got], "at {at}");
    }
    assert_eq!(r.seek(SeekFrom::End(-(2 * 2048))).unwrap(), iso.len() as u64);
    // The run-out does not read: an error with the sense in it, never a panic.
    let mut buf = [0u8; 10];
    let e = r.read(&mut buf).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::Other);
    assert!(e.to_string().contains("sense 05/64/00"), "{e}");
    // The last image block still reads, although its run reaches the run-out.
    r.seek(SeekFrom::Start(iso.len() as u64 - 2048)).unwrap();
    let mut last = vec![0u8; 2048];
    r.read_exact(&mut last).unwrap();
    assert_eq!(last, iso[iso.len() - 2048..]);
    // At the end: nothing more; before the start: an error.
    r.seek(SeekFrom::End(0)).unwrap();
    assert_eq!(r.read(&mut buf).unwrap(), 0);
    assert!(r.seek(SeekFrom::Current(-(r.len() as i64) - 1)).is_err());

    // A range: the image's second half of blocks from its LBA.
    let mut t = r.into_inner();
    let rest = BlockReader::with_range(&mut t, 16, n as u32 - 16);
    let mut got = Vec::new();
    { rest }.read_to_end(&mut got).unwrap();
    assert_eq!(got, iso[16 * 2048..]);
    let mut r = BlockReader::with_range(&mut t, 0, 1);
    r.get_mut();
    assert_eq!(r.start_lba(), 0);
    assert!(!r.is_empty());
}
