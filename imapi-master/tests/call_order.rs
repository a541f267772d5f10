//! Files staged before the base of the image changes keep their own bytes: a recorder made
//! active after AddData (its disc appendable, blank or another one), and a stash adopted
//! after AddData. Each disc is read back through the recorder, file by file.

mod common;

use common::Bench;
use imapi_joliet::{read, BytesSource, Image};
use imapi_master::{DiscMaster, Format, ImapiCode, RecordOptions};
use imapi_transport::sim::{Media, SimRecorder};
use imapi_transport::BlockReader;

/// The last session of the disc in `drive`: each file's path and its bytes as runs
/// (`10000×A`), short enough to read in a failure.
fn last_session(drive: &std::path::Path, start: u32) -> Vec<(String, String)> {
    let sim = SimRecorder::open(drive).unwrap();
    let image = Image::from_reader_with(
        BlockReader::new(sim).unwrap(),
        read::Options::new().session_start(start),
    )
    .unwrap();
    let mut files = Vec::new();
    for item in image.walk_view(image.default_view()).unwrap() {
        let item = item.unwrap();
        if !item.entry.is_dir() {
            files.push((item.path.clone(), runs(&image.read_path(&item.path).unwrap())));
        }
    }
    files.sort();
    files
}

fn filled(byte: u8) -> Vec<u8> {
    vec![byte; 10_000]
}

/// `bytes` as runs of one byte: `10000×A`, or `2×A 1×B`.
fn runs(bytes: &[u8]) -> String {
    let mut out = Vec::new();
    for chunk in bytes.chunk_by(|a, b| a == b) {
        out.push(format!("{}×{}", chunk.len(), chunk[0] as char));
    }
    out.join(" ")
}

fn file(path: &str, byte: u8) -> (String, String) {
    (path.to_string(), format!("10000×{}", byte as char))
}

/// Burns `a.txt` (10 000 × 'A') as session 1, the documented way.
fn first_session(b: &Bench) {
    let s1 = b.folder("s1", &[("a.txt", &filled(b'A'))]);
    let mut m = b.master();
    m.joliet().unwrap().add_data(&s1, false).unwrap();
    m.record_disc(false, false).unwrap();
    m.close();
}

/// An open master in Joliet format with no recorder active.
fn master_without_recorder(b: &Bench) -> DiscMaster {
    let mut m = DiscMaster::new(b.options());
    m.open().unwrap();
    m.set_active_disc_master_format(Format::Joliet).unwrap();
    m
}

fn activate(m: &mut DiscMaster) -> imapi_master::Result<()> {
    let rec = m.enum_disc_recorders().unwrap().remove(0);
    m.set_active_disc_recorder(&rec)
}

#[test]
fn a_file_added_before_an_appendable_disc_is_made_active_keeps_its_bytes() {
    let b = Bench::new(Media::CdR80);
    first_session(&b);
    let s2 = b.folder("s2", &[("b.txt", &filled(b'B'))]);
    let s3 = b.folder("s3", &[("c.txt", &filled(b'C'))]);
    let mut m = master_without_recorder(&b);
    m.joliet().unwrap().add_data(&s2, false).unwrap();
    activate(&mut m).unwrap();
    let (_, imported) = m.joliet().unwrap().multisession().expect("multisession mode");
    assert_eq!(imported, 1, "a.txt comes from session 1");
    m.joliet().unwrap().add_data(&s3, false).unwrap();
    m.record_disc(false, false).unwrap();
    let start = m.active_media().unwrap().last_session_start.unwrap() as u32;
    m.close();
    assert_eq!(
        last_session(&b.drive, start),
        vec![file("a.txt", b'A'), file("b.txt", b'B'), file("c.txt", b'C')]
    );
}

#[test]
fn a_staged_name_that_the_disc_already_holds_refuses_the_recorder_and_changes_nothing() {
    let b = Bench::new(Media::CdR80);
    first_session(&b);
    let mut m = master_without_recorder(&b);
    m.joliet().unwrap().add_source("a.txt", BytesSource::new(filled(b'Z')), false).unwrap();
    let err = activate(&mut m).unwrap_err();
    assert_eq!(err.code(), ImapiCode::FileExists, "{err}");
    assert!(err.to_string().contains("a.txt"), "the clash is named: {err}");
    assert_eq!(m.active_disc_recorder().unwrap_err().code(), ImapiCode::NoActiveRecorder);
    assert_eq!(m.joliet().unwrap().multisession(), None);
    let tree = m.staged_tree();
    let a = tree.lookup("a.txt").expect("the staged file stays");
    assert_eq!(tree.file_size(a), 10_000);
    // The staged image still burns as staged: to a blank disc in another drive.
    let other = b.work.path().join("other");
    SimRecorder::create(&other, Media::CdR80, 0).unwrap();
    let rec = m.recorder(imapi_master::RecorderPath::Simulated(other.clone())).unwrap();
    m.set_active_disc_recorder(&rec).unwrap();
    m.record_disc(false, false).unwrap();
    let start = m.active_media().unwrap().last_session_start.unwrap() as u32;
    m.close();
    assert_eq!(last_session(&other, start), vec![file("a.txt", b'Z')]);
}

#[test]
fn switching_from_an_appendable_disc_to_a_blank_one_keeps_the_staged_files() {
    let b = Bench::new(Media::CdR80);
    first_session(&b);
    let mut m = b.master();
    assert!(m.joliet().unwrap().multisession().is_some());
    m.joliet().unwrap().add_source("b.txt", BytesSource::new(filled(b'B')), false).unwrap();
    // A blank disc in a second drive: session 1's files go, b.txt stays.
    let blank = b.work.path().join("blank");
    SimRecorder::create(&blank, Media::CdR80, 0).unwrap();
    let rec = m.recorder(imapi_master::RecorderPath::Simulated(blank.clone())).unwrap();
    m.set_active_disc_recorder(&rec).unwrap();
    assert_eq!(m.joliet().unwrap().multisession(), None);
    m.joliet().unwrap().add_source("c.txt", BytesSource::new(filled(b'C')), false).unwrap();
    m.record_disc(false, false).unwrap();
    let start = m.active_media().unwrap().last_session_start.unwrap() as u32;
    m.close();
    assert_eq!(last_session(&blank, start), vec![file("b.txt", b'B'), file("c.txt", b'C')]);
}

#[test]
fn adopting_a_stash_after_adding_data_starts_the_next_add_afresh() {
    let b = Bench::new(Media::CdR80);
    // An earlier run seals a stash and keeps it.
    let mut m = b.master();
    m.joliet().unwrap().add_source("kept.txt", BytesSource::new(filled(b'K')), false).unwrap();
    m.seal().unwrap();
    m.close_keeping_stash();
    // This run stages, adopts the kept stash (what was staged goes), then stages anew.
    let mut m = b.master();
    m.joliet().unwrap().add_source("b.txt", BytesSource::new(filled(b'B')), false).unwrap();
    m.adopt_stash().unwrap();
    m.joliet().unwrap().add_source("c.txt", BytesSource::new(filled(b'C')), false).unwrap();
    m.record_disc(false, false).unwrap();
    let start = m.active_media().unwrap().last_session_start.unwrap() as u32;
    m.close();
    assert_eq!(last_session(&b.drive, start), vec![file("c.txt", b'C')]);
}

/// Swaps the data of two equally long runs of bytes in a finished stash and makes its
/// checksums agree again (segment, table, header): a stash that reads as valid, but holds
/// each file's bytes under the other's name, as a staging defect would leave it.
fn swap_runs_in_stash(stash: &std::path::Path, x: u8, y: u8, len: usize) {
    let mut bytes = std::fs::read(stash).unwrap();
    let find = |b: &[u8], byte: u8| b.windows(len).position(|w| w.iter().all(|&c| c == byte));
    let (i, j) = (find(&bytes, x).unwrap(), find(&bytes, y).unwrap());
    let (first, second) = (bytes[i..i + len].to_vec(), bytes[j..j + len].to_vec());
    bytes[i..i + len].copy_from_slice(&second);
    bytes[j..j + len].copy_from_slice(&first);
    let opened = imapi_stash::Stash::open(stash).unwrap();
    for track in opened.tracks() {
        for seg in &track.segments {
            let from = seg.offset as usize;
            let to = from + seg.blocks as usize * 2048;
            let crc = crc32c::crc32c(&bytes[from..to]);
            if crc != seg.crc32c {
                let old = seg.crc32c.to_le_bytes();
                // The track table follows the payload: the old sum is found there.
                let k = to + bytes[to..].windows(4).position(|w| w == old).unwrap();
                bytes[k..k + 4].copy_from_slice(&crc.to_le_bytes());
            }
        }
    }
    imapi_stash::fuzzing::fix_checksums(&mut bytes);
    std::fs::write(stash, &bytes).unwrap();
    let mut reopened = imapi_stash::Stash::open(stash).unwrap();
    reopened.verify().expect("the forged stash passes its own checks");
}

#[test]
fn the_read_back_checks_each_file_against_its_source() {
    let b = Bench::new(Media::CdR80);
    let tree = b.folder(
        "tree",
        &[
            ("b.txt", &filled(b'B')),
            ("dir/c.txt", &filled(b'C')),
            ("dir/deeper/empty", b""),
            ("odd size.bin", &[7u8; 2049]),
        ],
    );
    let record = RecordOptions { verify: true, ..RecordOptions::default() };
    let mut m = b.master();
    m.joliet().unwrap().add_data(&tree, false).unwrap();
    m.joliet().unwrap().add_source("linked/a", BytesSource::new(filled(b'A')), false).unwrap();
    m.record_disc_with(&record).expect("the disc holds what was added");
    m.close();

    // The same files, the stash forged after the seal so that b.txt's name holds c.txt's
    // bytes: disc and stash agree block for block, the source sums do not.
    let b = Bench::new(Media::CdR80);
    let tree = b.folder("tree", &[("b.txt", &filled(b'B')), ("dir/c.txt", &filled(b'C'))]);
    let mut m = b.master();
    m.joliet().unwrap().add_data(&tree, false).unwrap();
    let staged = m.seal().unwrap();
    swap_runs_in_stash(&staged.stash, b'B', b'C', 10_000);
    let err = m.record_disc_with(&record).unwrap_err();
    assert_eq!(err.code(), ImapiCode::Generic, "{err}");
    let text = err.to_string();
    assert!(text.contains("verification failed") && text.contains("B.TXT"), "{text}");
    assert!(text.contains("not the bytes added"), "{text}");
}

#[test]
fn a_refused_adopt_leaves_what_is_staged() {
    let b = Bench::new(Media::CdR80);
    first_session(&b);
    // A stash sealed for session 2 of that disc, kept.
    let mut m = b.master();
    m.joliet().unwrap().add_source("kept.txt", BytesSource::new(filled(b'K')), false).unwrap();
    m.seal().unwrap();
    m.close_keeping_stash();
    // Another (blank) disc: the kept stash is for another disc, and staging goes on.
    SimRecorder::insert(&b.drive, Media::CdR80).unwrap();
    let mut m = b.master();
    m.joliet().unwrap().add_source("b.txt", BytesSource::new(filled(b'B')), false).unwrap();
    let err = m.adopt_stash().unwrap_err();
    assert_eq!(err.code(), ImapiCode::WrongDisc, "{err}");
    m.joliet().unwrap().add_source("c.txt", BytesSource::new(filled(b'C')), false).unwrap();
    m.record_disc_with(&RecordOptions { verify: true, ..RecordOptions::default() }).unwrap();
    let start = m.active_media().unwrap().last_session_start.unwrap() as u32;
    m.close();
    assert_eq!(last_session(&b.drive, start), vec![file("b.txt", b'B'), file("c.txt", b'C')]);
}
