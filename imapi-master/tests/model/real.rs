//! The real side: a DiscMaster over a simulated recorder in a temporary folder, the outside
//! events done with the simulator's library calls, and the disc read back after a burn.

use std::path::{Path, PathBuf};

use imapi_joliet::{BytesSource, Image};
use imapi_master::properties::{PropertyBag, PropertyValue};
use imapi_master::{
    DiscMaster, DiscRecorder, Format, ImapiCode, MasterOptions, RecordOptions, RecorderPath,
    RecorderSources,
};
use imapi_mmc::{ReadCd, SectorType, StartStopUnit, TestUnitReady};
use imapi_redbook::Lba;
use imapi_transport::sim::{self, FaultSettings, Faults, Media, SimRecorder};
use imapi_transport::{ops, BlockReader, Data};

use crate::ops::{content, pcm, Blocks, Fmt, Kind, Op, RecProp, Start, FIRST_SESSION, LENS, PATHS};
use crate::spec::Files;

/// What a call gave: Ok or its IMAPI code.
pub type Outcome = Result<(), ImapiCode>;

fn media(k: Kind) -> Media {
    match k {
        Kind::CdR => Media::CdR80,
        Kind::CdRw => Media::CdRw80,
    }
}

fn format(f: Fmt) -> Format {
    match f {
        Fmt::Joliet => Format::Joliet,
        Fmt::Redbook => Format::Redbook,
    }
}

fn code<T>(r: imapi_master::Result<T>) -> Outcome {
    r.map(|_| ()).map_err(|e| e.code())
}

/// The work folder, the drive in it and the master under test.
pub struct Real {
    work: tempfile::TempDir,
    drive: PathBuf,
    /// The master under test.
    pub m: DiscMaster,
}

fn options(work: &Path, stash: &str, drive: &Path) -> MasterOptions {
    let mut o = MasterOptions::new(work.join(stash));
    o.recorders = RecorderSources::simulated_only([drive.to_path_buf()]);
    o.pnp_poll = None;
    o.date = chrono::DateTime::parse_from_rfc3339("2024-01-02T03:04:05Z").ok();
    o
}

impl Real {
    /// A drive holding the disc `start` asks for (written by a master of its own), and a
    /// master not yet opened.
    pub fn new(start: Start) -> Real {
        let work = tempfile::tempdir().expect("a temporary folder");
        let drive = work.path().join("drive");
        let (kind, close) = match start {
            Start::Blank(k) => (k, None),
            Start::Appendable(k) => (k, Some(false)),
            Start::Closed(k) => (k, Some(true)),
        };
        SimRecorder::create(&drive, media(kind), 0).expect("a simulated recorder");
        if let Some(close_disc) = close {
            let mut setup = DiscMaster::new(options(work.path(), "setup-stash", &drive));
            setup.open().expect("open");
            let rec = setup.enum_disc_recorders().expect("recorders").remove(0);
            setup.set_active_disc_recorder(&rec).expect("active");
            let mut j = setup.joliet().expect("joliet");
            for (path, byte, len) in FIRST_SESSION {
                j.add_source(path, BytesSource::new(vec![byte; len]), false).expect("staged");
            }
            setup
                .record_disc_with(&RecordOptions { close_disc, ..Default::default() })
                .expect("burned");
            setup.close();
        }
        let m = DiscMaster::new(options(work.path(), "stash", &drive));
        Real { work, drive, m }
    }

    fn recorder_path(&self) -> RecorderPath {
        RecorderPath::Simulated(self.drive.clone())
    }

    /// Runs the call `op`, the `index`th of its case, on the master or the drive.
    pub fn exec(&mut self, index: usize, op: &Op) -> Outcome {
        let path = self.recorder_path();
        let m = &mut self.m;
        match op {
            Op::Open => code(m.open()),
            Op::Close => {
                m.close();
                Ok(())
            }
            Op::CloseKeepingStash => {
                m.close_keeping_stash();
                Ok(())
            }
            Op::AdoptStash => code(m.adopt_stash()),
            Op::SetFormat(f) => code(m.set_active_disc_master_format(format(*f))),
            Op::EnumRecorders => match m.enum_disc_recorders() {
                Ok(v) if v.len() == 1 => Ok(()),
                Ok(v) => panic!("{} recorders listed, one expected", v.len()),
                Err(e) => Err(e.code()),
            },
            Op::SetActive => {
                let rec = match m.enum_disc_recorders() {
                    Ok(mut v) if !v.is_empty() => v.remove(0),
                    _ => DiscRecorder::open_path(path).expect("the recorder"),
                };
                code(m.set_active_disc_recorder(&rec))
            }
            Op::AddData { files, overwrite } => {
                let dir = self.work.path().join(format!("src{index}"));
                std::fs::create_dir_all(&dir).expect("a host folder");
                for (path, bytes) in host_files(index, files) {
                    let p = dir.join(&path);
                    std::fs::create_dir_all(p.parent().expect("a parent")).expect("a folder");
                    std::fs::write(p, bytes).expect("a host file");
                }
                code(m.joliet().and_then(|mut j| j.add_data(&dir, *overwrite)))
            }
            Op::AddSource { path, len, overwrite } => {
                let bytes = content(index, PATHS[*path], LENS[*len]);
                code(m.joliet().and_then(|mut j| {
                    j.add_source(PATHS[*path], BytesSource::new(bytes), *overwrite)
                }))
            }
            Op::Clear => code(m.clear_format_content()),
            Op::Volume(name) => {
                let mut bag = PropertyBag::new();
                bag.insert("VolumeName".into(), PropertyValue::Str((*name).into()));
                code(m.joliet().and_then(|mut j| j.set_joliet_properties(&bag)))
            }
            Op::RecorderProp(p) => {
                let (name, value) = match p {
                    RecProp::SpeedOne => ("WriteSpeed", 1),
                    RecProp::SpeedZero => ("WriteSpeed", 0),
                    RecProp::Gap(g) => ("AudioGapSize", *g),
                    RecProp::GapTooBig => ("AudioGapSize", 300),
                    RecProp::MaxSpeed => ("MaxWriteSpeed", 5),
                };
                let mut bag = PropertyBag::new();
                bag.insert(name.into(), PropertyValue::I4(value));
                code(m.active_disc_recorder_mut().and_then(|r| r.set_recorder_properties(&bag)))
            }
            Op::CreateTrack => code(m.redbook().and_then(|mut r| r.create_audio_track(0))),
            Op::AddBlocks(b) => {
                let data = pcm(index, b.bytes());
                code(m.redbook().and_then(|mut r| r.add_audio_track_blocks(&data)))
            }
            Op::CloseTrack => code(m.redbook().and_then(|mut r| r.close_audio_track())),
            Op::Record { simulate, eject, close_disc, verify } => {
                code(m.record_disc_with(&RecordOptions {
                    simulate: *simulate,
                    eject_after: *eject,
                    close_disc: *close_disc,
                    verify: *verify,
                }))
            }
            Op::Insert(k) => {
                sim::clear_faults(&self.drive).expect("faults cleared");
                SimRecorder::insert(&self.drive, media(*k)).expect("a disc inserted");
                Ok(())
            }
            Op::Eject => {
                let mut t = SimRecorder::open(&self.drive).expect("the recorder");
                // A disc change is announced once (06/28/00) before the drive takes commands.
                let _ = ops::command(&mut t, &TestUnitReady);
                ops::command(&mut t, &StartStopUnit::EJECT).expect("ejected");
                Ok(())
            }
            Op::RecorderEject => {
                let mut r = DiscRecorder::open_path(path).expect("the recorder");
                r.open_exclusive().expect("opened");
                let out = code(r.eject());
                r.close().expect("closed");
                out
            }
            Op::Load => {
                let mut t = SimRecorder::open(&self.drive).expect("the recorder");
                let _ = ops::command(&mut t, &TestUnitReady);
                ops::command(&mut t, &StartStopUnit::LOAD).expect("loaded");
                Ok(())
            }
            Op::Erase => {
                sim::clear_faults(&self.drive).expect("faults cleared");
                let mut r = DiscRecorder::open_path(self.recorder_path()).expect("the recorder");
                r.open_exclusive().expect("opened");
                let out = code(r.erase(false));
                r.close().expect("closed");
                out
            }
            Op::ArmFault => Ok(()),
        }
    }

    /// Arms a write error at the next writable address of the disc in the drive.
    pub fn arm_fault(&self) -> Result<(), String> {
        let nwa = SimRecorder::open(&self.drive).map_err(|e| e.to_string())?.disc().nwa();
        let at = nwa.ok_or("the disc has no next writable address")?;
        let faults = Faults { write_error_at: Some(at), ..Faults::default() };
        sim::set_faults(&self.drive, &FaultSettings { faults, throttle: false })
            .map_err(|e| e.to_string())
    }

    /// Runs `read` on the drive with its tray closed, and opens the tray again if it was
    /// open.
    fn with_disc<T>(&self, loaded: bool, read: impl FnOnce(SimRecorder) -> T) -> T {
        let mut t = SimRecorder::open(&self.drive).expect("the recorder");
        let _ = ops::command(&mut t, &TestUnitReady);
        if !loaded {
            ops::command(&mut t, &StartStopUnit::LOAD).expect("loaded");
            let _ = ops::command(&mut t, &TestUnitReady);
        }
        let out = read(t);
        if !loaded {
            let mut t = SimRecorder::open(&self.drive).expect("the recorder");
            let _ = ops::command(&mut t, &TestUnitReady);
            ops::command(&mut t, &StartStopUnit::EJECT).expect("ejected");
        }
        out
    }

    /// The last session of the disc, file by file, and its Joliet volume name.
    pub fn read_session(&self, loaded: bool) -> Result<(Files, String), String> {
        self.with_disc(loaded, |mut t| {
            let toc = ops::session_toc(&mut t).map_err(|e| format!("READ TOC: {e}"))?;
            let start = u32::try_from(toc.info.first_track_of_last.start.0)
                .map_err(|_| "a negative session start".to_string())?;
            let reader = BlockReader::new(t).map_err(|e| format!("block reader: {e}"))?;
            let opts = imapi_joliet::read::Options::new().session_start(start);
            let image = Image::from_reader_with(reader, opts).map_err(|e| format!("image: {e}"))?;
            let tree = image.default_tree();
            let volume = image.volume(tree).map_err(|e| e.to_string())?.volume_id();
            let mut files = Files::new();
            for w in image.walk(tree).map_err(|e| e.to_string())? {
                let w = w.map_err(|e| e.to_string())?;
                if !w.entry.is_dir() {
                    let data =
                        image.read_path(&format!("/{}", w.path)).map_err(|e| e.to_string())?;
                    files.insert(w.path, data);
                }
            }
            Ok((files, volume))
        })
    }

    /// The audio tracks of the disc, `lens[k]` bytes of track k from its start in the TOC.
    pub fn read_tracks(&self, loaded: bool, lens: &[usize]) -> Result<Vec<Vec<u8>>, String> {
        self.with_disc(loaded, |mut t| {
            let toc = ops::track_toc(&mut t).map_err(|e| format!("READ TOC: {e}"))?;
            let starts: Vec<i32> =
                toc.descriptors.iter().filter(|d| d.track != 0xAA).map(|d| d.start.0).collect();
            if starts.len() != lens.len() {
                return Err(format!("{} tracks on the disc, {} staged", starts.len(), lens.len()));
            }
            let mut out = Vec::new();
            for (start, len) in starts.into_iter().zip(lens) {
                let mut track = vec![0u8; *len];
                for (k, chunk) in track.chunks_mut(27 * 2352).enumerate() {
                    let n = (chunk.len() / 2352) as u32;
                    let req = ReadCd {
                        sector_type: SectorType::CdDa,
                        sync: false,
                        header_codes: 0,
                        edc_ecc: false,
                        ..ReadCd::raw(Lba(start + k as i32 * 27), n)
                    };
                    ops::run(&mut t, &req, Data::FromDevice(chunk))
                        .map_err(|e| format!("READ CD at {start}: {e}"))?;
                }
                out.push(track);
            }
            Ok(out)
        })
    }

    /// The file paths of the master's staged tree.
    pub fn staged_paths(&self) -> Vec<String> {
        let t = self.m.staged_tree();
        let mut paths: Vec<String> =
            t.walk().filter(|(id, _)| !t.is_dir(*id)).map(|(_, p)| p).collect();
        paths.sort();
        paths
    }
}

/// The files an AddData of `files` puts in its host folder (the first of a repeated path).
pub fn host_files(index: usize, files: &[(usize, usize)]) -> Files {
    let mut out = Files::new();
    for (path, len) in files {
        out.entry(PATHS[*path].to_string())
            .or_insert_with(|| content(index, PATHS[*path], LENS[*len]));
    }
    out
}

/// The PCM an AddAudioTrackBlocks passes.
pub fn blocks_pcm(index: usize, b: Blocks) -> Vec<u8> {
    pcm(index, b.bytes())
}
