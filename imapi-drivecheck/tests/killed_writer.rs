//! A writer killed in the middle of a Track-at-Once track: the simulated disc keeps an
//! incomplete track that reads back as such, never as a complete one.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use imapi_mmc::{CloseTrackSession, DiscStatus, ReadTrackInformation, SessionState};
use imapi_transport::ops;
use imapi_transport::sim::{Media, SimRecorder, TrackState};

#[test]
fn a_killed_writer_leaves_an_incomplete_track() {
    let dir = tempfile::tempdir().unwrap();
    drop(SimRecorder::create(dir.path(), Media::CdR80, 0).unwrap());

    let mut child = Command::new(env!("CARGO_BIN_EXE_imapi-drivecheck"))
        .arg("sim-write")
        .arg(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut written = 0;
    while written < 160 {
        let line = lines.next().expect("the writer reports").unwrap();
        written =
            line.strip_prefix("IMAPI wrote ").unwrap_or_else(|| panic!("{line}")).parse().unwrap();
    }
    // While the writer holds the recorder, nobody else gets it.
    assert!(SimRecorder::open(dir.path()).is_err());
    child.kill().unwrap();
    child.wait().unwrap();

    let mut t = SimRecorder::open(dir.path()).unwrap();
    let track = &t.disc().tracks[0];
    assert_eq!(track.state, TrackState::Damaged);
    assert!(track.written >= 160, "{track:?}");
    let ti = ops::track_information(&mut t, &ReadTrackInformation::track(1)).unwrap();
    assert!(ti.damage && !ti.nwa_valid && !ti.blank, "{ti:?}");
    let di = ops::disc_information(&mut t).unwrap();
    assert_eq!((di.status, di.last_session), (DiscStatus::Appendable, SessionState::Incomplete));
    // Not in any TOC, not readable, and the session cannot be closed over it.
    assert_eq!(ops::track_toc(&mut t).unwrap_err().sense().map(|s| s.triple()), Some((5, 0x24, 0)));
    let mut b = vec![0u8; 2048];
    assert_eq!(
        ops::read10(&mut t, 0, &mut b).unwrap_err().sense().map(|s| s.triple()),
        Some((3, 0x11, 0))
    );
    let e = ops::command(&mut t, &CloseTrackSession::session()).unwrap_err();
    assert_eq!(e.sense().map(|s| s.triple()), Some((5, 0x72, 0x03)));
}
