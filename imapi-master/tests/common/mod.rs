//! Shared setup of the master's tests: a simulated recorder, a master over it, a recording
//! progress sink, and a Track-at-Once session written with raw MMC commands.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use imapi_master::{DiscMaster, ImapiCode, MasterOptions, ProgressEvents, RecorderSources};
use imapi_mmc::{
    CloseTrackSession, ModeData, ModePage, ModeSelect10, MultiSession, ReadTrackInformation,
    SynchronizeCache, WriteParameters,
};
use imapi_redbook::Lba;
use imapi_transport::sim::{Media, SimRecorder};
use imapi_transport::{ops, Data};

/// A work folder with a simulated recorder holding a blank disc of `media`.
pub struct Bench {
    pub work: tempfile::TempDir,
    pub drive: PathBuf,
}

impl Bench {
    pub fn new(media: Media) -> Bench {
        let work = tempfile::tempdir().unwrap();
        let drive = work.path().join("drive");
        SimRecorder::create(&drive, media, 0).unwrap();
        Bench { work, drive }
    }

    pub fn stash_dir(&self) -> PathBuf {
        self.work.path().join("stash")
    }

    pub fn options(&self) -> MasterOptions {
        let mut o = MasterOptions::new(self.stash_dir());
        o.recorders = RecorderSources::simulated_only([self.drive.clone()]);
        o.pnp_poll = None;
        o.date = Some(chrono::DateTime::parse_from_rfc3339("2024-01-02T03:04:05Z").unwrap());
        o
    }

    /// An open master with the simulated recorder active.
    pub fn master(&self) -> DiscMaster {
        let mut m = DiscMaster::new(self.options());
        m.open().unwrap();
        let recs = m.enum_disc_recorders().unwrap();
        assert_eq!(recs.len(), 1);
        m.set_active_disc_recorder(&recs[0]).unwrap();
        m
    }

    /// A host folder with files.
    pub fn folder(&self, name: &str, files: &[(&str, &[u8])]) -> PathBuf {
        let dir = self.work.path().join(name);
        for (path, bytes) in files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}

/// Every callback, counted; a cancel after `cancel_after` polls (never when `None`).
#[derive(Default)]
pub struct Recorder {
    pub polls: AtomicUsize,
    pub cancel_after: Mutex<Option<usize>>,
    pub add_progress: Mutex<Vec<(i32, i32)>>,
    pub pnp: AtomicUsize,
    pub erase_complete: Mutex<Vec<Option<ImapiCode>>>,
    pub last_block: AtomicI32,
    /// The last NotifyVerifyProgress, as (completed, total); `None` before any.
    pub last_verify: Mutex<Option<(i32, i32)>>,
}

impl ProgressEvents for Recorder {
    fn query_cancel(&self) -> bool {
        let n = self.polls.fetch_add(1, Ordering::SeqCst) + 1;
        matches!(*self.cancel_after.lock().unwrap(), Some(k) if n > k)
    }
    fn notify_pnp_activity(&self) {
        self.pnp.fetch_add(1, Ordering::SeqCst);
    }
    fn notify_add_progress(&self, completed: i32, total: i32) {
        self.add_progress.lock().unwrap().push((completed, total));
    }
    fn notify_block_progress(&self, completed: i32, _total: i32) {
        self.last_block.store(completed, Ordering::SeqCst);
    }
    fn notify_erase_complete(&self, status: Option<ImapiCode>) {
        self.erase_complete.lock().unwrap().push(status);
    }
    fn notify_verify_progress(&self, completed: i32, total: i32) {
        *self.last_verify.lock().unwrap() = Some((completed, total));
    }
}

pub fn sink() -> Arc<Recorder> {
    Arc::new(Recorder::default())
}

/// Waits until `f` holds, up to two seconds.
pub fn eventually(mut f: impl FnMut() -> bool) -> bool {
    for _ in 0..200 {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// Writes the first track of a finished stash to the simulated recorder as one
/// Track-at-Once session left appendable, with raw MMC commands. Returns its start.
pub fn write_session(drive: &Path, stash: &Path) -> i32 {
    let mut t = SimRecorder::open(drive).unwrap();
    let page = WriteParameters::tao_data(MultiSession::Open);
    let list = ModeData::with_page(ModePage::WriteParameters(page)).to_select_vec().unwrap();
    ops::run(&mut t, &ModeSelect10::new(list.len() as u16), Data::ToDevice(&list)).unwrap();
    let nwa = ops::track_information(&mut t, &ReadTrackInformation::invisible()).unwrap();
    assert!(nwa.nwa_valid);
    let mut s = imapi_stash::Stash::open(stash).unwrap();
    let mut data = Vec::new();
    s.track_reader(0).unwrap().read_to_end(&mut data).unwrap();
    for (k, chunk) in data.chunks(27 * 2048).enumerate() {
        ops::write10(&mut t, Lba(nwa.nwa.0 + k as i32 * 27), chunk, 2048).unwrap();
    }
    ops::command(&mut t, &SynchronizeCache::default()).unwrap();
    ops::command(&mut t, &CloseTrackSession::session()).unwrap();
    nwa.nwa.0
}

/// The data track of a finished stash, as an image to read.
pub fn stash_image(stash: &Path) -> Vec<u8> {
    let mut s = imapi_stash::Stash::open(stash).unwrap();
    let mut data = Vec::new();
    s.track_reader(0).unwrap().read_to_end(&mut data).unwrap();
    data
}

/// Stages in-memory files at their image paths through the Joliet master.
pub fn stage(m: &mut DiscMaster, files: &[(&str, &[u8])]) {
    let mut j = m.joliet().unwrap();
    for (p, b) in files {
        j.add_source(p, imapi_joliet::BytesSource::new(b.to_vec()), false).unwrap();
    }
}
