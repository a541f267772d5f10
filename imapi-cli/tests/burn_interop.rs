//! `imapi burn` on a simulated recorder, and what real readers make of the result: the disc
//! is taken out with `imapi sim export` (CUE + BIN) and handed to isoinfo, xorriso, 7zz,
//! bsdtar, pycdlib (data), cd-info and bchunk (audio).
//!
//! Every test has its own folder: its recorders, its XDG_CACHE_HOME (the stash) and
//! XDG_DATA_HOME (the default recorder). The test process itself never opens a recorder, so
//! no lock of it can leak into another test's child between fork and exec.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::check::{self, Options};
use common::readers::{self, Names};
use common::{available, command, hashes_diff, listing_diff, run, Expected, Scratch};

/// One test's folder and the `imapi` runs in it.
struct Bench {
    s: Scratch,
}

impl Bench {
    fn new() -> Bench {
        let s = Scratch::new();
        s.mkdir("cache");
        s.mkdir("data");
        Bench { s }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.s.path(rel)
    }

    /// `imapi ARGS` with this test's cache and data folders; never a recorder from outside.
    fn imapi(&self, args: &[&str]) -> Output {
        let mut c = common::imapi();
        c.args(args)
            .env("XDG_CACHE_HOME", self.path("cache"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env_remove("IMAPI_RECORDER");
        run(&mut c)
    }

    /// `imapi ARGS`, asserted to exit 0; its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let o = self.imapi(args);
        assert!(
            o.status.success(),
            "imapi {} exited {:?}:\n{}",
            args.join(" "),
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// `imapi ARGS`, asserted to exit 1 naming `code`; its stderr.
    fn fails(&self, args: &[&str], code: &str) -> String {
        let o = self.imapi(args);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(1), "imapi {}: {err}", args.join(" "));
        assert!(err.contains(&format!("error: {code}: ")), "imapi {}: {err}", args.join(" "));
        err
    }

    /// A new simulated recorder `name` with a blank 80-minute CD-R; its `sim:` name.
    fn recorder(&self, name: &str) -> String {
        let dir = self.path(name);
        self.ok(&["sim", "create", dir.to_str().unwrap(), "--media", "cd-r80"]);
        format!("sim:{}", dir.display())
    }

    /// `imapi sim export NAME -o NAME.cue`: the CUE text and the BIN's path.
    fn export(&self, name: &str) -> (String, PathBuf) {
        let cue = self.path(&format!("{name}.cue"));
        self.ok(&["sim", "export", self.path(name).to_str().unwrap(), "-o", cue.to_str().unwrap()]);
        (fs::read_to_string(&cue).unwrap(), self.path(&format!("{name}.bin")))
    }

    /// `imapi media -r REC --json`.
    fn media(&self, rec: &str) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["media", "-r", rec, "--json"])).unwrap()
    }

    /// `imapi ls REC` as a listing (directory sizes as 0).
    fn ls(&self, rec: &str) -> common::Listing {
        self.ok(&["ls", rec])
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.splitn(3, '\t').collect();
                assert_eq!(f.len(), 3, "not TYPE<TAB>SIZE<TAB>PATH: {l:?}");
                let entry = match f[0] {
                    "d" => common::Entry::dir(),
                    "f" => common::Entry::file(f[1].parse().unwrap()),
                    other => panic!("type {other:?} in {l:?}"),
                };
                (f[2].to_string(), entry)
            })
            .collect()
    }
}

/// A tree with a nested folder, a long Unicode name, an empty file and a 1 MB file.
fn first_tree(b: &Bench, rel: &str) -> PathBuf {
    b.s.file(&format!("{rel}/readme.txt"));
    b.s.write(&format!("{rel}/empty.dat"), b"");
    b.s.write(&format!("{rel}/media/big.bin"), &common::pattern(1_000_000, 11));
    b.s.file(&format!("{rel}/media/deeper/nested/leaf.txt"));
    b.s.file(&format!(
        "{rel}/media/deeper/Ünïcödé — ein ziemlich langer Dateiname mit Umlauten äöü.txt"
    ));
    b.path(rel)
}

/// The MSF of a CUE line `INDEX nn MM:SS:FF`, in frames.
fn cue_frames(msf: &str) -> u64 {
    let p: Vec<u64> = msf.split(':').map(|x| x.parse().unwrap()).collect();
    assert_eq!(p.len(), 3, "not MM:SS:FF: {msf}");
    (p[0] * 60 + p[1]) * 75 + p[2]
}

/// (track number, mode, INDEX 01 offset in frames) of every TRACK of a CUE.
fn cue_tracks(cue: &str) -> Vec<(u32, String, u64)> {
    let mut out: Vec<(u32, String, u64)> = Vec::new();
    for line in cue.lines().map(str::trim) {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.as_slice() {
            ["TRACK", n, mode] => out.push((n.parse().unwrap(), mode.to_string(), u64::MAX)),
            ["INDEX", "01", msf] => out.last_mut().expect("INDEX before TRACK").2 = cue_frames(msf),
            _ => {}
        }
    }
    out
}

#[test]
fn a_data_burn_reads_back_in_the_real_readers() {
    let b = Bench::new();
    let src = first_tree(&b, "src");
    let rec = b.recorder("drive");
    b.ok(&["burn", "-r", &rec, "--data", src.to_str().unwrap(), "-V", "BURNT_DATA"]);

    let want = Expected::from_host(&src);
    assert_eq!(want.listing.len(), 8, "the source tree as built");
    let (cue, bin) = b.export("drive");
    assert_eq!(
        cue_tracks(&cue),
        [(1, "MODE1/2048".to_string(), 0)],
        "one data track, cooked, at the start of the BIN:\n{cue}"
    );
    assert!(cue.contains("FILE \"drive.bin\" BINARY"), "{cue}");
    let bin_len = fs::metadata(&bin).unwrap().len();
    assert_eq!(bin_len % 2048, 0);
    assert!(bin_len > 1_000_000, "the BIN holds the 1 MB file: {bin_len}");

    // Every reader in the harness (isoinfo -J -l and -x, isovfy, xorriso -find and -extract,
    // 7zz l and x, bsdtar, iso-info, iso-read, pycdlib) against the host tree.
    check::image(&bin, &want, Options::default());

    if available("isoinfo") {
        let d = readers::isoinfo_descriptor(&bin);
        assert!(d.contains("Volume id: BURNT_DATA"), "{d}");
        // The Unicode name, as isoinfo shows Joliet names (ISO-8859-1, `_` above U+00FF).
        let rows = readers::isoinfo_rows(&bin, Names::Joliet);
        assert!(
            rows.iter()
                .any(|r| r.name == "Ünïcödé _ ein ziemlich langer Dateiname mit Umlauten äöü.txt"
                    && r.dir == "media/deeper"),
            "{rows:?}"
        );
    }
    if available("7zz") {
        let (l, h) = readers::sevenzip(&bin, Some(&b.path("7zz-out")));
        assert_eq!(listing_diff(&l, &want.listing), None);
        assert_eq!(hashes_diff(&h.unwrap(), &want.hashes), None);
    }
    // And the recorder's own view agrees.
    assert_eq!(listing_diff(&b.ls(&rec), &want.listing), None);
}

#[test]
fn a_bootable_burn_gives_xorriso_its_boot_entry_on_a_blank_disc_only() {
    let b = Bench::new();
    let src = first_tree(&b, "src");
    let boot = common::pattern(4096, 5);
    let boot_path = b.s.write("boot.bin", &boot);
    let rec = b.recorder("drive");
    let missing = b.path("missing.bin");
    let err = b.fails(
        &["burn", "-r", &rec, "--boot", missing.to_str().unwrap(), "--data", src.to_str().unwrap()],
        "IMAPI_E_FILEACCESS",
    );
    assert!(err.contains("missing.bin"), "{err}");
    assert_eq!(b.media(&rec)["sessions"], 0, "nothing written");

    let boot_arg = boot_path.to_str().unwrap();
    let args = ["burn", "-r", &rec, "--boot", boot_arg, "--boot-id", "ACME", "--data"];
    b.ok(&[&args[..], &[src.to_str().unwrap()]].concat());
    let (_, bin) = b.export("drive");
    let data = fs::read(&bin).unwrap();
    let image = imapi_joliet::Image::parse(&data).unwrap();
    let catalog = image.boot_catalog().unwrap().expect("a boot catalog");
    assert_eq!(catalog.manufacturer_id(), "ACME");
    let entry = image.lookup_view(image.default_view(), "/boot.img").unwrap();
    assert_eq!(catalog.default.lba, entry.sections()[0].block);
    assert_eq!(image.read_path("/boot.img").unwrap(), boot);
    assert_eq!(catalog.default.sector_count, 4);
    // The rest of the tree is there as staged.
    let mut want = Expected::from_host(&src);
    want.listing.insert("boot.img".into(), common::Entry::file(4096));
    assert_eq!(listing_diff(&b.ls(&rec), &want.listing), None);
    if available("xorriso") {
        let out =
            run(command("xorriso").arg("-indev").arg(&bin).args(["-report_el_torito", "plain"]));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("El Torito img path :   1  /boot.img"), "{text}");
        let line = text.lines().find(|l| l.starts_with("El Torito boot img :")).unwrap_or("");
        let fields: Vec<&str> = line.split_whitespace().skip(5).collect();
        assert_eq!(fields[..4], ["1", "BIOS", "y", "none"], "{text}");
        assert_eq!(fields[7], catalog.default.lba.to_string(), "{text}");
    }

    // A second session cannot boot: the disc is not blank.
    let more = b.s.file("more/next.txt").parent().unwrap().to_path_buf();
    let err = b.fails(
        &["burn", "-r", &rec, "--boot", boot_arg, "--data", more.to_str().unwrap()],
        "IMAPI_E_BOOTIMAGE_AND_NONBLANK_DISC",
    );
    assert!(err.contains("blank"), "{err}");
    assert_eq!(b.media(&rec)["sessions"], 1, "the disc as it was");
}

// ---------------------------------------------------------------------------------------------
// Audio

/// A PCM WAV file (44.1 kHz, 16-bit, stereo) with a header written here, field by field, from
/// the RIFF layout; its samples, `frames` whole CD frames and `extra` bytes more.
fn write_wav(path: &Path, frames: usize, extra: usize, seed: u64) -> Vec<u8> {
    let pcm = common::pattern(frames * 2352 + extra, seed);
    let mut f = Vec::with_capacity(44 + pcm.len());
    f.extend_from_slice(b"RIFF");
    f.extend_from_slice(&(36 + pcm.len() as u32).to_le_bytes());
    f.extend_from_slice(b"WAVEfmt ");
    f.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    f.extend_from_slice(&1u16.to_le_bytes()); // PCM
    f.extend_from_slice(&2u16.to_le_bytes()); // channels
    f.extend_from_slice(&44_100u32.to_le_bytes()); // sample rate
    f.extend_from_slice(&(44_100u32 * 4).to_le_bytes()); // byte rate
    f.extend_from_slice(&4u16.to_le_bytes()); // block align
    f.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    f.extend_from_slice(b"data");
    f.extend_from_slice(&(pcm.len() as u32).to_le_bytes());
    f.extend_from_slice(&pcm);
    fs::write(path, f).unwrap();
    pcm
}

/// `cd-info`'s track list: track number → (LSN, type), the lead-out as 170.
fn cd_info_tracks(text: &str) -> BTreeMap<u32, (u64, String)> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let Some((num, rest)) = line.trim_start().split_once(": ") else { continue };
        let Ok(num) = num.parse::<u32>() else { continue };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() < 3 || !f[0].contains(':') {
            continue;
        }
        out.insert(num, (f[1].parse().unwrap(), f[2].to_string()));
    }
    out
}

/// The samples of a WAV as bchunk writes it: after a 44-byte header with a `data` chunk.
fn wav_samples(path: &Path) -> Vec<u8> {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[..4], b"RIFF", "{}", path.display());
    assert_eq!(&bytes[36..40], b"data", "{}", path.display());
    let len = u32::from_le_bytes(bytes[40..44].try_into().unwrap()) as usize;
    assert_eq!(bytes.len(), 44 + len, "{}", path.display());
    bytes[44..].to_vec()
}

/// Tracks of the audio tests: (file, whole frames, extra bytes, seed, title).
const TRACKS: [(&str, usize, usize, u64, &str); 3] = [
    ("one.wav", 300, 1000, 1, "First Song"),
    ("two.wav", 320, 0, 2, "Second Song"),
    ("three.wav", 305, 4, 3, "Third Song"),
];

/// Burns [`TRACKS`] (with CD-Text when `text`), exports the disc and checks it with cd-info
/// and bchunk; the CUE and cd-info's output.
fn audio_disc(text: bool) -> (String, String) {
    let b = Bench::new();
    let mut pcms = Vec::new();
    let mut args: Vec<String> = Vec::new();
    for (name, frames, extra, seed, title) in TRACKS {
        pcms.push(write_wav(&b.path(name), frames, extra, seed));
        let p = b.path(name).display().to_string();
        args.push(if text { format!("{p}:title={title}:performer=Player {seed}") } else { p });
    }
    let rec = b.recorder("drive");
    let mut burn: Vec<&str> = vec!["burn", "-r", &rec, "--audio"];
    burn.extend(args.iter().map(String::as_str));
    if text {
        burn.extend(["--title", "ALBUM", "--performer", "ME"]);
    }
    b.ok(&burn);

    let (cue, bin) = b.export("drive");
    let tracks = cue_tracks(&cue);
    assert_eq!(tracks.len(), 3, "{cue}");
    // Lengths in whole frames, the last one padded.
    let lens: Vec<u64> = pcms.iter().map(|p| p.len().div_ceil(2352) as u64).collect();
    let gap = 150;
    let mut want_starts = vec![0u64];
    for k in 1..lens.len() {
        want_starts.push(want_starts[k - 1] + lens[k - 1] + gap);
    }
    for (k, (n, mode, at)) in tracks.iter().enumerate() {
        assert_eq!((*n, mode.as_str()), (k as u32 + 1, "AUDIO"), "{cue}");
        // The BIN holds the pregaps of tracks 2 and 3 (INDEX 00): offsets are disc LBAs.
        assert_eq!(*at, want_starts[k], "INDEX 01 of track {n}:\n{cue}");
    }
    let total = want_starts[2] + lens[2];
    assert_eq!(fs::metadata(&bin).unwrap().len(), total * 2352);

    let mut info = String::new();
    if available("cd-info") {
        let cue_path = b.path("drive.cue");
        let out = common::run_ok(
            command("cd-info").arg("--no-device-info").arg("--cue-file").arg(&cue_path),
        );
        info = String::from_utf8_lossy(&out.stdout).into_owned();
        let got = cd_info_tracks(&info);
        let mut want: BTreeMap<u32, (u64, String)> = (0..3)
            .map(|k| (k as u32 + 1, (want_starts[k as usize], "audio".to_string())))
            .collect();
        want.insert(170, (total, "leadout".to_string()));
        assert_eq!(got, want, "cd-info:\n{info}");
        assert!(info.contains("Disc mode is listed as: CD-DA"), "{info}");
    }
    if available("bchunk") {
        let out_dir = b.s.mkdir("bchunk");
        let mut cmd = command("bchunk");
        cmd.current_dir(&out_dir).arg("-w").arg(&bin).arg(b.path("drive.cue")).arg("track");
        common::run_ok(&mut cmd);
        for (k, pcm) in pcms.iter().enumerate() {
            let mut want = pcm.clone();
            want.resize(pcm.len().div_ceil(2352) * 2352, 0);
            let got = wav_samples(&out_dir.join(format!("track{:02}.wav", k + 1)));
            assert_eq!(got.len(), want.len(), "track {} length", k + 1);
            assert!(got == want, "track {}: bchunk's samples differ from the WAV's", k + 1);
        }
    }
    if text {
        check_cd_text(&b, &cue);
    }
    (cue, info)
}

/// The CD-Text of an exported disc: its CDTEXTFILE holds the packs alone (the form libcdio
/// reads), and cd-info, given the CUE as written, shows every title and performer.
fn check_cd_text(b: &Bench, cue: &str) {
    let name = cue
        .lines()
        .find_map(|l| l.trim().strip_prefix("CDTEXTFILE "))
        .unwrap_or_else(|| panic!("no CDTEXTFILE in\n{cue}"));
    let name = name.trim_matches('"');
    let cdt = fs::read(b.path(name)).unwrap_or_else(|e| panic!("CDTEXTFILE {name}: {e}"));
    assert!(!cdt.is_empty() && cdt.len() % 18 == 0, "{name}: {} bytes, not whole packs", cdt.len());
    assert!(imapi_redbook::cdtext::read_cdt(&cdt).is_ok());
    if !available("cd-info") {
        return;
    }
    // libcdio opens the BIN named after the CUE (X.cue, X.bin): both writers name them so.
    let bin = cue
        .lines()
        .find_map(|l| l.trim().strip_prefix("FILE \""))
        .and_then(|l| l.split('"').next())
        .unwrap_or_else(|| panic!("no FILE in\n{cue}"));
    let stem = bin.strip_suffix(".bin").unwrap_or_else(|| panic!("FILE {bin:?} is no .bin"));
    let cue_path = b.path(&format!("{stem}.cue"));
    let out =
        common::run_ok(command("cd-info").arg("--no-device-info").arg("--cue-file").arg(&cue_path));
    let info = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("failed to parse CD-TEXT"), "{err}");
    let album = info.split("CD-TEXT for Disc:").nth(1).unwrap_or_else(|| panic!("{info}"));
    assert!(album.contains("TITLE: ALBUM") && album.contains("PERFORMER: ME"), "{info}");
    for (k, (_, _, _, seed, title)) in TRACKS.iter().enumerate() {
        let head = format!("CD-TEXT for Track {:2}:", k + 1);
        let block = info.split(&head).nth(1).unwrap_or_else(|| panic!("no {head}:\n{info}"));
        let block = block.split("CD-TEXT for").next().unwrap();
        assert!(block.contains(&format!("TITLE: {title}")), "{head}\n{block}");
        assert!(block.contains(&format!("PERFORMER: Player {seed}")), "{head}\n{block}");
    }
}

#[test]
fn an_audio_burn_gives_the_tracks_back_to_cd_info_and_bchunk() {
    let (cue, _) = audio_disc(false);
    assert!(!cue.contains("CDTEXTFILE"), "no CD-Text was given:\n{cue}");
}

#[test]
fn an_audio_burn_with_cd_text_shows_the_titles() {
    audio_disc(true);
}

// ---------------------------------------------------------------------------------------------
// Sessions

/// The exported tracks laid out at their disc addresses: `(LBA, bytes)` pieces of 2048-byte
/// blocks written into a sparse file, zeros elsewhere.
fn flat_image(path: &Path, pieces: &[(u64, &[u8])]) {
    let f = fs::File::create(path).unwrap();
    let end = pieces.iter().map(|(lba, b)| lba * 2048 + b.len() as u64).max().unwrap_or(0);
    f.set_len(end).unwrap();
    use std::os::unix::fs::FileExt;
    for (lba, bytes) in pieces {
        f.write_all_at(bytes, lba * 2048).unwrap();
    }
}

#[test]
fn two_data_sessions_are_read_from_the_last_one() {
    let b = Bench::new();
    let one = first_tree(&b, "one");
    b.s.file("two/later/added.txt");
    b.s.write("two/top level.bin", &common::pattern(70_000, 5));
    let two = b.path("two");
    let rec = b.recorder("drive");
    b.ok(&["burn", "-r", &rec, "--data", one.to_str().unwrap(), "-V", "FIRST"]);
    let after_one = b.media(&rec);
    b.ok(&["burn", "-r", &rec, "--data", two.to_str().unwrap(), "-V", "SECOND"]);

    let mut want = Expected::from_host(&one);
    let second = Expected::from_host(&two);
    want.listing.extend(second.listing.clone());
    want.hashes.extend(second.hashes.clone());
    assert_eq!(listing_diff(&b.ls(&rec), &want.listing), None, "imapi ls {rec}");

    let media = b.media(&rec);
    assert_eq!(media["sessions"], 2, "{media}");
    assert_eq!(media["last_track"], 2, "{media}");
    let msc1 = media["start_address"].as_u64().unwrap();
    // The second session starts past the first one's lead-out and the next lead-in.
    assert!(msc1 >= after_one["next_writable"].as_u64().unwrap(), "{after_one} {media}");
    assert!(msc1 > 11_000, "{media}");

    let (cue, bin) = b.export("drive");
    let tracks = cue_tracks(&cue);
    assert_eq!(tracks.len(), 2, "{cue}");
    assert!(tracks.iter().all(|t| t.1 == "MODE1/2048"), "{cue}");
    let s1 = cue.find("REM SESSION 01").unwrap_or_else(|| panic!("{cue}"));
    let s2 = cue.find("REM SESSION 02").unwrap_or_else(|| panic!("{cue}"));
    let t2 = cue.find("TRACK 02").unwrap();
    assert!(s1 < s2 && s2 < t2, "track 2 is in session 2:\n{cue}");
    let bytes = fs::read(&bin).unwrap();
    let split = tracks[1].2 as usize * 2048;
    assert!(split > 0 && split < bytes.len(), "{cue}");
    let (track1, track2) = bytes.split_at(split);

    // The first track alone is the first session, as the readers see it.
    fs::write(b.path("track1.iso"), track1).unwrap();
    if available("isoinfo") {
        let d = readers::isoinfo_descriptor(&b.path("track1.iso"));
        assert!(d.contains("Volume id: FIRST"), "{d}");
    }

    // The disc as one file: each track at its LBA, the gap between the sessions zeros.
    let flat = b.path("disc.img");
    flat_image(&flat, &[(0, track1), (msc1, track2)]);
    let want_isoinfo = want.viewed_entries(readers::isoinfo_joliet_view);
    if available("isoinfo") {
        let msc = msc1.to_string();
        let rows = readers::isoinfo_rows_with(&flat, Names::Joliet, &["-T", &msc]);
        let got: Vec<(String, common::Entry)> = rows
            .iter()
            .map(|r| {
                let e = match r.kind {
                    common::Kind::Dir => common::Entry::dir(),
                    common::Kind::File => common::Entry::file(r.size),
                };
                (r.path(), e)
            })
            .collect();
        assert_eq!(common::entries_diff(&got, &want_isoinfo), None, "isoinfo -T {msc}");
        // The files of the first session keep their addresses there; the new ones are in the
        // second session.
        let extent = |name: &str| rows.iter().find(|r| r.name == name).unwrap().extent.unwrap();
        assert!(u64::from(extent("big.bin")) < msc1, "{rows:?}");
        assert!(u64::from(extent("added.txt")) > msc1, "{rows:?}");
        // And the second track read as if written alone at its address (`-N`).
        fs::write(b.path("track2.iso"), track2).unwrap();
        let rows = readers::isoinfo_rows_with(&b.path("track2.iso"), Names::Joliet, &["-N", &msc]);
        let names: Vec<String> = rows.iter().map(|r| r.path()).collect();
        for p in ["readme.txt", "media/big.bin", "later/added.txt", "top level.bin"] {
            assert!(names.iter().any(|n| n == p), "isoinfo -N {msc}: no {p} in {names:?}");
        }
        let d = run(command("isoinfo").arg("-d").arg("-T").arg(&msc).arg("-i").arg(&flat));
        let d = String::from_utf8_lossy(&d.stdout).into_owned();
        assert!(d.contains("Volume id: SECOND"), "{d}");
    }
    if available("xorriso") {
        let (l, h) = readers::xorriso_session(
            &flat,
            u32::try_from(msc1).unwrap(),
            Some(&b.path("xorriso-out")),
        );
        assert_eq!(listing_diff(&l, &want.listing), None, "xorriso -load sbsector {msc1}");
        assert_eq!(hashes_diff(&h.unwrap(), &want.hashes), None, "xorriso -extract");
        // The same image from its first session holds the first tree only.
        let (l, _) = readers::xorriso(&flat, Names::Joliet, None);
        assert_eq!(listing_diff(&l, &Expected::from_host(&one).listing), None, "session 1");
    }
}

#[test]
fn a_closed_disc_takes_no_third_session() {
    let b = Bench::new();
    let one = first_tree(&b, "one");
    b.s.file("two/second.txt");
    b.s.file("three/third.txt");
    let rec = b.recorder("drive");
    b.ok(&["burn", "-r", &rec, "--data", one.to_str().unwrap()]);
    assert!(b.media(&rec)["flags"].as_array().unwrap().iter().any(|f| f == "writable"));
    b.ok(&["burn", "-r", &rec, "--close", "--data", b.path("two").to_str().unwrap()]);
    let media = b.media(&rec);
    assert_eq!(media["sessions"], 2, "{media}");
    assert_eq!(media["flags"], serde_json::json!([]), "finalized: neither blank nor writable");

    let three = b.path("three");
    let err = b.fails(
        &["burn", "-r", &rec, "--data", three.to_str().unwrap()],
        "IMAPI_E_MEDIUM_INVALIDTYPE",
    );
    assert!(err.contains("finalized"), "{err}");
    // Nothing changed: both sessions, and not the third tree.
    assert_eq!(b.media(&rec)["sessions"], 2);
    let ls = b.ls(&rec);
    assert!(ls.contains_key("second.txt") && ls.contains_key("media/big.bin"), "{ls:?}");
    assert!(!ls.contains_key("third.txt"), "{ls:?}");
}

#[test]
fn a_simulated_burn_leaves_the_disc_blank() {
    let b = Bench::new();
    let src = first_tree(&b, "src");
    let rec = b.recorder("drive");
    b.ok(&["burn", "-r", &rec, "--simulate", "--data", src.to_str().unwrap()]);
    let text = b.ok(&["media", "-r", &rec]);
    assert!(text.lines().any(|l| l == "flags: blank writable"), "{text}");
    assert!(text.lines().any(|l| l == "sessions: 0"), "{text}");
    assert!(text.lines().any(|l| l == "next writable: 0"), "{text}");
    b.fails(&["ls", &rec], "IMAPI_E_MEDIUM_INVALIDTYPE");
    // The disc is still good for a real burn.
    b.ok(&["burn", "-r", &rec, "--data", src.to_str().unwrap()]);
    assert_eq!(listing_diff(&b.ls(&rec), &Expected::from_host(&src).listing), None);
}

// ---------------------------------------------------------------------------------------------
// Faults

#[test]
fn a_write_error_fails_the_burn_and_a_new_disc_takes_it() {
    let b = Bench::new();
    let src = first_tree(&b, "src");
    let rec = b.recorder("drive");
    let dir = b.path("drive");
    let dir = dir.to_str().unwrap();
    b.ok(&["sim", "fault", dir, "--write-error-at", "40"]);
    assert!(b.ok(&["sim", "fault", dir]).contains("write-error-at 40\n"));
    let burn = ["burn", "-r", &rec, "--data", src.to_str().unwrap()];
    let err = b.fails(&burn, "IMAPI_E_CANNOT_WRITE_TO_MEDIA");
    assert!(err.contains(&rec), "names the recorder: {err}");
    // The failed run leaves no half-written stash behind.
    let stash_dir = b.path("cache/imapi/stash");
    assert!(stash_dir.is_dir(), "the stash lives in XDG_CACHE_HOME");
    assert!(!stash_dir.join("imapi.stash.partial").exists());
    // The ruined CD-R takes nothing more.
    let media = b.media(&rec);
    assert_eq!(media["sessions"], 0, "{media}");
    assert!(!media["flags"].as_array().unwrap().iter().any(|f| f == "writable"), "{media}");
    b.fails(&burn, "IMAPI_E_MEDIUM_INVALIDTYPE");

    b.ok(&["sim", "insert", dir, "--media", "cd-r80"]);
    b.ok(&burn);
    assert_eq!(listing_diff(&b.ls(&rec), &Expected::from_host(&src).listing), None);
    let media = b.media(&rec);
    assert_eq!(media["sessions"], 1, "{media}");
}

#[test]
fn busy_writes_are_waited_out() {
    let b = Bench::new();
    let src = first_tree(&b, "src");
    let rec = b.recorder("drive");
    let dir = b.path("drive");
    let dir = dir.to_str().unwrap();
    b.ok(&["sim", "fault", dir, "--busy-writes", "5"]);
    b.ok(&["burn", "-r", &rec, "--data", src.to_str().unwrap()]);
    // All five were answered "long write in progress", and the burn went on.
    assert!(b.ok(&["sim", "fault", dir]).contains("busy-writes 0\n"));
    assert_eq!(listing_diff(&b.ls(&rec), &Expected::from_host(&src).listing), None);
    let (_, bin) = b.export("drive");
    if available("7zz") {
        let want = Expected::from_host(&src);
        let (l, h) = readers::sevenzip(&bin, Some(&b.path("7zz-out")));
        assert_eq!(listing_diff(&l, &want.listing), None);
        assert_eq!(hashes_diff(&h.unwrap(), &want.hashes), None);
    }
}

#[test]
fn a_failed_burn_keeps_its_stash() {
    let b = Bench::new();
    let src = first_tree(&b, "src");
    let rec = b.recorder("drive");
    let dir = b.path("drive");
    b.ok(&["sim", "fault", dir.to_str().unwrap(), "--write-error-at", "40"]);
    b.fails(
        &["burn", "-r", &rec, "--data", src.to_str().unwrap()],
        "IMAPI_E_CANNOT_WRITE_TO_MEDIA",
    );
    let stash = b.path("cache/imapi/stash/imapi.stash");
    assert!(stash.is_file(), "{} after the failure", stash.display());
    let summary = b.ok(&["inspect", stash.to_str().unwrap()]);
    assert!(summary.contains("data"), "{summary}");
    // A fresh disc, and the same staged disc burned again without its sources.
    b.ok(&["sim", "insert", dir.to_str().unwrap(), "--media", "cd-r80"]);
    let want = Expected::from_host(&src);
    fs::remove_dir_all(&src).unwrap();
    b.ok(&["burn", "-r", &rec, "--resume"]);
    assert!(!stash.exists(), "burned, then cleared");
    assert_eq!(listing_diff(&b.ls(&rec), &want.listing), None, "the tree from the stash alone");
}

/// The CD-Text checks above, on the CUE and CDTEXTFILE that `imapi audio --cd-text` writes
/// for the same tracks (what `sim export` is to write once the recorder keeps CD-Text).
#[test]
fn cd_info_shows_the_cd_text_of_an_audio_image() {
    let b = Bench::new();
    let mut args: Vec<String> = vec!["audio".into(), "-o".into()];
    args.push(b.path("disc.bin").display().to_string());
    args.extend(["--cue".into(), b.path("disc.cue").display().to_string(), "--cd-text".into()]);
    args.extend(["--title", "ALBUM", "--performer", "ME"].map(String::from));
    for (name, frames, extra, seed, title) in TRACKS {
        write_wav(&b.path(name), frames, extra, seed);
        args.push(format!("{}:title={title}:performer=Player {seed}", b.path(name).display()));
    }
    b.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let cue = fs::read_to_string(b.path("disc.cue")).unwrap();
    assert!(cue.contains("CDTEXTFILE \"disc.cdt\""), "{cue}");
    check_cd_text(&b, &cue);
}

#[cfg(unix)]
#[test]
fn a_rock_ridge_burn_keeps_modes_and_links() {
    use std::os::unix::fs::PermissionsExt;
    let b = Bench::new();
    let src = b.path("rr");
    fs::create_dir_all(src.join("bin")).unwrap();
    fs::write(src.join("bin/tool"), b"#!/bin/sh\n").unwrap();
    fs::set_permissions(src.join("bin/tool"), fs::Permissions::from_mode(0o750)).unwrap();
    std::os::unix::fs::symlink("bin/tool", src.join("run")).unwrap();
    let rec = b.recorder("drive");
    b.ok(&["burn", "-r", &rec, "--rock-ridge", "--data", src.to_str().unwrap()]);

    // Our reader, through the recorder: Rock Ridge is the default tree of such a disc.
    let long = b.ok(&["ls", "-l", &rec]);
    let line = |name: &str| {
        long.lines().find(|l| l.ends_with(name) || l.contains(&format!("{name} -> "))).unwrap()
    };
    assert!(line("bin/tool").starts_with("-rwxr-x---"), "{long}");
    assert!(line("run").starts_with('l') && line("run").ends_with("run -> bin/tool"), "{long}");
    if available("bsdtar") {
        let (_, bin) = b.export("drive");
        let out = b.path("out");
        fs::create_dir_all(&out).unwrap();
        let mut c = std::process::Command::new("bsdtar");
        c.arg("-xpf").arg(&bin).arg("-C").arg(&out);
        assert!(run(&mut c).status.success());
        let mode = fs::metadata(out.join("bin/tool")).unwrap().permissions().mode();
        assert_eq!(mode & 0o7777, 0o750);
        assert_eq!(fs::read_link(out.join("run")).unwrap(), Path::new("bin/tool"));
    }
}
