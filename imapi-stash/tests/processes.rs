//! Two processes: a writer killed in the middle leaves nothing that opens as a stash (and its
//! lock dies with it); a second process gets IMAPI_E_STASHINUSE while the first holds the
//! folder, across finish and reopen too.
//!
//! The child is this test binary itself, running `child_process` with `STASH_CHILD` set.

use imapi_codes::ImapiCode;
use imapi_stash::{
    DiscKind, Overflow, Stash, StashError, StashOptions, StashWriter, TrackInfo, PARTIAL_FILE_NAME,
    STASH_FILE_NAME,
};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const ROLE: &str = "STASH_CHILD";
const DIR: &str = "STASH_CHILD_DIR";

/// The child's side: does nothing in a normal test run.
#[test]
fn child_process() {
    let (Ok(role), Ok(dir)) = (std::env::var(ROLE), std::env::var(DIR)) else {
        return;
    };
    if role == "try-create" {
        match StashWriter::create(&dir, &StashOptions::new(DiscKind::Data)) {
            Err(StashError::InUse { .. }) => println!("\nin-use"),
            Ok(_) => println!("\nfree"),
            Err(e) => println!("\nfailed: {e}"),
        }
        return;
    }
    let mut w = StashWriter::create(&dir, &StashOptions::new(DiscKind::Data)).unwrap();
    match role.as_str() {
        "write-forever" => {
            w.begin_track(TrackInfo::data()).unwrap();
            let block = vec![0x5A; 2048 * 64];
            // 4 MiB, then the signal, then slow writing (bounded: 256 MiB, or a minute) until
            // the parent kills this process.
            for _ in 0..32 {
                w.append_blocks(&block, Overflow::AllOrNothing).unwrap();
            }
            println!("\nwriting");
            for _ in 0..2048 {
                w.append_blocks(&block, Overflow::AllOrNothing).unwrap();
                std::thread::sleep(std::time::Duration::from_millis(30));
            }
            panic!("the parent never killed this writer");
        }
        "hold" => {
            println!("\nlocked");
            // Hold the lock until the parent closes our stdin.
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        }
        other => panic!("unknown role {other}"),
    }
}

fn spawn(role: &str, dir: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_process", "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .env(DIR, dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits for the child to print `word` at the end of a line (the test harness may print its
/// own words before it on the same line).
fn wait_for(child: &mut Child, word: &str) {
    let out = child.stdout.take().unwrap();
    let mut lines = BufReader::new(out).lines();
    loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("the child ended before saying {word:?}"))
            .unwrap();
        if line.trim_end().ends_with(word) {
            break;
        }
    }
    // Keep draining in the background so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
}

#[test]
fn a_writer_killed_while_writing_leaves_nothing_valid() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn("write-forever", dir.path());
    wait_for(&mut child, "writing");
    // Let it write some more, then kill it (SIGKILL: no destructor runs).
    std::thread::sleep(std::time::Duration::from_millis(100));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());

    // No finished stash; the partial one is there, big, and does not open as valid.
    assert!(!dir.path().join(STASH_FILE_NAME).exists());
    let partial = dir.path().join(PARTIAL_FILE_NAME);
    let len = std::fs::metadata(&partial).unwrap().len();
    assert!(len > 4 * 1024 * 1024, "the child wrote {len} bytes");
    let e = Stash::open(&partial).unwrap_err();
    assert_eq!(e.imapi_code(), Some(ImapiCode::InvalidImage), "{e}");
    assert!(Stash::open_in(dir.path()).is_err());
    // Every file in the folder fails to open.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        assert!(Stash::open(entry.unwrap().path()).is_err());
    }

    // The lock died with the process: a new writer gets the folder and replaces the
    // leftover.
    let mut w = StashWriter::create(dir.path(), &StashOptions::new(DiscKind::Data)).unwrap();
    assert!(std::fs::metadata(&partial).unwrap().len() < len);
    w.begin_track(TrackInfo::data()).unwrap();
    w.append_blocks(&[1; 2048], Overflow::AllOrNothing).unwrap();
    w.end_track().unwrap();
    w.finish().unwrap();
    Stash::open_in(dir.path()).unwrap().verify().unwrap();
}

#[test]
fn the_second_process_gets_stash_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn("hold", dir.path());
    wait_for(&mut child, "locked");

    let e = StashWriter::create(dir.path(), &StashOptions::new(DiscKind::Data)).unwrap_err();
    assert!(matches!(e, StashError::InUse { .. }), "{e}");
    assert_eq!(e.imapi_code(), Some(ImapiCode::StashInUse));
    assert_eq!(
        e.to_string(),
        format!(
            "the stash locked by {} is in use by another writer",
            dir.path().join(imapi_stash::LOCK_FILE_NAME).display()
        )
    );

    // Once the first process ends, the folder is free.
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    assert!(StashWriter::create(dir.path(), &StashOptions::new(DiscKind::Data)).is_ok());
}

/// What a second process gets when it tries to create a writer in `dir`.
fn second_process(dir: &Path) -> String {
    let out = spawn("try-create", dir).wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let said =
        ["in-use", "free"].into_iter().find(|w| text.lines().any(|l| l.trim_end().ends_with(w)));
    said.map_or_else(|| text.into_owned(), str::to_owned)
}

#[test]
fn the_folder_stays_locked_from_finish_to_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = StashWriter::create(dir.path(), &StashOptions::new(DiscKind::Data)).unwrap();
    w.begin_track(TrackInfo::data()).unwrap();
    w.append_blocks(&[1; 2048], Overflow::AllOrNothing).unwrap();
    let staged = w.checkpoint();
    w.prepend_blocks(&[2; 2048]).unwrap();
    w.end_track().unwrap();
    w.finish().unwrap();
    assert_eq!(second_process(dir.path()), "in-use");
    Stash::open_in(dir.path()).unwrap().verify().unwrap();

    w.reopen(staged).unwrap();
    assert!(Stash::open_in(dir.path()).is_err());
    assert_eq!(second_process(dir.path()), "in-use");

    w.append_blocks(&[3; 2048], Overflow::AllOrNothing).unwrap();
    w.prepend_blocks(&[4; 2048]).unwrap();
    w.end_track().unwrap();
    w.finish().unwrap();
    assert_eq!(second_process(dir.path()), "in-use");
    let mut s = Stash::open_in(dir.path()).unwrap();
    s.verify().unwrap();
    assert_eq!(s.tracks()[0].blocks, 3);

    drop(w);
    assert_eq!(second_process(dir.path()), "free");
}
