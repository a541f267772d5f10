//! [`JolietDiscMaster`]: IJolietDiscMaster, a data disc staged by capturing every added
//! file's bytes into the stash at once.
//!
//! # How a data disc is staged
//! Add data walks the host files into a scratch tree, copies each file's bytes into the
//! stash's data track (the kernel's copy for host files), one file after another: the
//! *data area*. The staged tree records each file as *placed* at its block in that area, so a
//! file changed or removed after the add does not change the disc. Only at
//! [`crate::DiscMaster::seal`] is the file system planned: its metadata (descriptors, path
//! tables, directories) goes into the stash as the track's *first* segment although written
//! last, so the burn reads metadata, then the data area, then the padding, and no data byte
//! is copied twice.
//!
//! An add is all-or-nothing: a name clash (IMAPI_E_FILEEXISTS), a bad name
//! (IMAPI_E_BADJOLIETNAME), a read failure, a cancel from QueryCancel (IMAPI_E_USERABORT) or
//! a disc too small (IMAPI_E_DISCFULL) leaves the tree and the stash as they were.
//!
//! A file replaced with the overwrite flag keeps its old bytes in the data area, and they are
//! burned, unreachable, as IMAPI v1 does: the capture already paid for them, and dropping
//! them would mean copying the data area again.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use imapi_codes::ImapiCode;
use imapi_joliet::tree::FileOrigin;
use imapi_joliet::{BootEntry, BootOptions, Emulation, Platform};
use imapi_joliet::{HostOptions, NodeId, NodeType, Overwrite, PlanOptions, Source, Tree, Warning};
use imapi_stash::{DiscInfo, DiscKind, SessionClose, StashWriter, TrackInfo};
use imapi_transport::Transport;

use crate::error::{ImapiError, Result};
use crate::file_check::FileCheck;
use crate::master::{DiscMaster, Format, StagedDisc};
use crate::media::Media;
use crate::progress::{long, Sinks};
use crate::properties::{JolietProperties, PropertyBag, PropertyValue, SetOutcome};
use crate::staging::Sealed;

/// Bytes in a data block.
pub const DATA_BLOCK_SIZE: u32 = 2048;

/// Blocks a Track-at-Once track needs after its data (the run-out), kept out of the space
/// offered for staging.
const TAO_RUN_OUT: u32 = 2;

/// Where this session starts on a disc that holds earlier ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionBase {
    /// The next writable address: the new session's first block.
    pub(crate) first_block: u32,
    /// The number of the track the session becomes.
    pub(crate) first_track: u8,
    /// Entries (directories and files) imported from the last session.
    pub(crate) imported: usize,
    /// The disc as it was seen (to notice another disc at burn time).
    pub(crate) fingerprint: (bool, u8, u32, u32, Option<i32>),
}

/// The Joliet format's staged state.
#[derive(Debug)]
pub(crate) struct JolietState {
    tree: Tree,
    area_blocks: u64,
    props: JolietProperties,
    base: Option<SessionBase>,
    /// Blocks the disc offers for this session (`None`: no recorder, no limit).
    capacity: Option<u64>,
    /// Whether the active recorder's disc can take a session (`None`: no recorder).
    writable: Option<bool>,
    /// Files imported from an earlier session, re-added after a clear.
    imported_tree: Option<Tree>,
    /// CRC-32C of each captured content's bytes, by its block in the data area.
    sums: HashMap<u64, u32>,
    /// What the read-back after a burn checks file by file, made at the seal (`None`: not
    /// sealed here, or adopted).
    checks: Option<Vec<FileCheck>>,
}

impl JolietState {
    pub(crate) fn new() -> JolietState {
        JolietState {
            tree: Tree::new(),
            area_blocks: 0,
            props: JolietProperties::default(),
            base: None,
            capacity: None,
            writable: None,
            imported_tree: None,
            sums: HashMap::new(),
            checks: None,
        }
    }

    pub(crate) fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Forgets the staged files (the imported ones come back).
    pub(crate) fn clear_content(&mut self) {
        self.area_blocks = 0;
        self.sums.clear();
        self.checks = None;
        self.tree = self.imported_tree.as_ref().map_or_else(Tree::new, clone_imported);
    }

    /// Leaves multisession mode.
    pub(crate) fn drop_base(&mut self) {
        self.base = None;
        self.imported_tree = None;
        self.tree = Tree::new();
        self.area_blocks = 0;
        self.sums.clear();
        self.checks = None;
    }

    /// The files the read-back after a burn checks against their sources (see
    /// [`crate::burn`]'s verify), when this master sealed the staged image.
    pub(crate) fn file_checks(&self) -> Option<Vec<FileCheck>> {
        self.checks.clone()
    }

    pub(crate) fn set_capacity(&mut self, media: Option<&Media>) {
        self.writable = media.map(Media::is_writable);
        self.capacity = media.map(|m| {
            if m.is_writable() {
                u64::from(m.info.free_blocks.saturating_sub(TAO_RUN_OUT))
            } else {
                0
            }
        });
    }

    /// Sets the image's base from the disc `media` in the active recorder: an appendable
    /// disc continues its last session (multisession mode: that session's tree is imported
    /// and the new session starts at the next writable address); any other disc starts a
    /// single-session image. The files staged so far stay staged, each with its own bytes,
    /// laid over the new base: a staged entry whose path the imported session already holds
    /// is IMAPI_E_FILEEXISTS, and then nothing changes. (Staged data the disc cannot hold
    /// is found by the burn, IMAPI_E_DISCFULL, as for a disc made active first.) Returns
    /// whether the base changed (a sealed image must then be planned again).
    pub(crate) fn set_base(
        &mut self,
        t: &mut dyn Transport,
        device: &str,
        media: &Media,
    ) -> Result<bool> {
        let fingerprint = media.fingerprint();
        if self.base.as_ref().is_some_and(|b| b.fingerprint == fingerprint) {
            return Ok(false);
        }
        let appendable = media.is_appendable() && media.is_writable();
        if self.base.is_none() && !appendable {
            // Single-session before and after: the staged image does not move.
            return Ok(false);
        }
        let (imported, base) = if appendable {
            let (tree, count) = import_last_session(t, device, media)?;
            let base = SessionBase {
                first_block: media.info.next_writable,
                first_track: media.next_track,
                imported: count,
                fingerprint,
            };
            (Some(tree), Some(base))
        } else {
            (None, None)
        };
        self.tree = rebase(&self.tree, self.imported_tree.as_ref(), imported.as_ref(), device)?;
        self.imported_tree = imported;
        self.base = base;
        self.checks = None;
        Ok(true)
    }

    /// The session base of an adopted stash: where it was staged to start, checked against
    /// the disc in the drive.
    pub(crate) fn adopt_base(
        &mut self,
        session_start: Option<i32>,
        first_track: u8,
        media: &Media,
    ) -> Result<()> {
        check_adoptable(session_start, media)?;
        self.drop_base();
        if let Some(start) = session_start {
            self.base = Some(SessionBase {
                first_block: u32::try_from(start).unwrap_or(u32::MAX),
                first_track,
                imported: 0,
                fingerprint: media.fingerprint(),
            });
        }
        Ok(())
    }

    fn plan_options(&self, date: Option<chrono::DateTime<chrono::FixedOffset>>) -> PlanOptions {
        PlanOptions {
            volume_name: self.props.volume_name.clone(),
            date,
            first_block: self.base.as_ref().map_or(0, |b| b.first_block),
            placed_area_blocks: self.area_blocks,
            rock_ridge: self.props.rock_ridge,
            ..PlanOptions::default()
        }
    }
}

/// IMAPI_E_WRONGDISC unless a stash's data session planned to start at `session_start`
/// (none: a blank disc) can go on `media`: an appendable disc whose next writable block is
/// that start. A session for a blank disc is checked at the burn.
pub(crate) fn check_adoptable(session_start: Option<i32>, media: &Media) -> Result<()> {
    let Some(start) = session_start else { return Ok(()) };
    let first_block = u32::try_from(start).unwrap_or(u32::MAX);
    if !media.is_appendable() || media.info.next_writable != first_block {
        return Err(ImapiError::new(
            ImapiCode::WrongDisc,
            format!(
                "the stash holds a session for block {start}; the disc's next writable block is {}",
                media.info.next_writable
            ),
        ));
    }
    Ok(())
}

/// What sealing takes from the plan: the metadata blocks, the session's and the metadata's
/// length in blocks, and with a boot image, every byte after the placed-data area.
struct Planned {
    meta: Vec<u8>,
    session_blocks: u64,
    metadata_blocks: u64,
    tail: Option<Vec<u8>>,
    checks: Vec<FileCheck>,
}

/// Name of the file the `BootImage` stream is recorded as, at the root (a number is added
/// when the name is taken): an El Torito boot image is a file of the disc, as mkisofs writes
/// one.
const BOOT_IMAGE_NAME: (&str, &str) = ("boot", ".img");

/// Adds the `BootImage` stream to `tree` as a root file and returns the boot options the
/// properties ask for. The caller rolls the tree back after planning.
fn add_boot_image(tree: &mut Tree, props: &JolietProperties) -> Result<BootOptions> {
    let Some(PropertyValue::Stream(source)) = &props.boot_image else {
        return Err(ImapiError::new(
            ImapiCode::InvalidImage,
            "PlaceBootImageOnDisc is set but no BootImage stream was given",
        ));
    };
    let emulation = match props.boot_image_emulation_type {
        1 => Emulation::Floppy12,
        2 => Emulation::Floppy144,
        3 => Emulation::Floppy288,
        4 => Emulation::HardDisk,
        _ => Emulation::NoEmulation,
    };
    let (stem, ext) = BOOT_IMAGE_NAME;
    let name = (0..1000)
        .map(|i| if i == 0 { format!("{stem}{ext}") } else { format!("{stem}{i}{ext}") })
        .find(|n| tree.child(tree.root(), n).is_none())
        .ok_or_else(|| ImapiError::new(ImapiCode::FileExists, "no free name for the boot image"))?;
    let image = tree.add_file_with(
        tree.root(),
        &name,
        Box::new(SharedSource(source.clone())),
        Overwrite::Deny,
    )?;
    let entry = BootEntry {
        platform: Platform(props.boot_image_platform),
        emulation,
        ..BootEntry::new(image)
    };
    Ok(BootOptions { manufacturer: props.boot_image_manufacturer_id.clone(), entries: vec![entry] })
}

/// A source shared with the property bag.
#[derive(Debug)]
struct SharedSource(std::sync::Arc<dyn Source>);

impl Source for SharedSource {
    fn len(&self) -> std::io::Result<u64> {
        self.0.len()
    }
    fn open_at(&self, offset: u64) -> std::io::Result<Box<dyn Read + Send + '_>> {
        self.0.open_at(offset)
    }
    fn host_file(&self) -> Option<(&Path, u64)> {
        self.0.host_file()
    }
    fn describe(&self) -> String {
        self.0.describe()
    }
}

/// The imported tree again: its nodes are all imported files and directories, which carry
/// no source, so a copy is made by walking it.
fn clone_imported(t: &Tree) -> Tree {
    let mut out = Tree::new();
    let root = out.root();
    carry_posix(t, t.root(), &mut out, root);
    for (id, path) in t.walk() {
        let (dir, name) = split(&path);
        let node = if t.is_dir(id) {
            out.add_dirs(&path).ok()
        } else {
            let Ok(parent) = out.add_dirs(dir) else { continue };
            match (t.node_type(id), t.file_origin(id)) {
                (Some(NodeType::Symlink(target)), _) => {
                    out.add_symlink(parent, name, target, Overwrite::Replace).ok()
                }
                (Some(NodeType::Special { kind, rdev }), _) => {
                    out.add_special(parent, name, kind, rdev, Overwrite::Replace).ok()
                }
                (_, Some(FileOrigin::Imported { extent })) => {
                    out.add_imported_file(parent, name, extent, t.file_size(id)).ok()
                }
                _ => None,
            }
        };
        if let Some(n) = node {
            carry_posix(t, id, &mut out, n);
        }
    }
    out
}

/// Why the last session of a disc could not be read as ISO 9660.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SessionReadError {
    /// The session would start before the disc's first block.
    #[error("the last session starts at block {0}, before the disc")]
    NegativeStart(i32),
    /// The drive did not tell its capacity.
    #[error("the drive's capacity cannot be read")]
    Capacity(#[source] imapi_transport::ops::QueryError),
    /// The session's volume descriptors or directories cannot be read.
    #[error("the last session's file system cannot be read")]
    Read(#[source] imapi_joliet::read::ReadError),
}

type SessionImage<'t> = imapi_joliet::Image<
    imapi_joliet::read::SeekReader<imapi_transport::BlockReader<&'t mut dyn Transport>>,
>;

/// Reads the ISO 9660 session starting at `start` through the drive's READ(10).
fn read_session(
    t: &mut dyn Transport,
    start: i32,
) -> std::result::Result<SessionImage<'_>, SessionReadError> {
    let start = u32::try_from(start).map_err(|_| SessionReadError::NegativeStart(start))?;
    let reader = imapi_transport::BlockReader::new(t).map_err(SessionReadError::Capacity)?;
    imapi_joliet::Image::from_reader_with(
        reader,
        imapi_joliet::read::Options::new().session_start(start),
    )
    .map_err(SessionReadError::Read)
}

/// The tree of the disc's last session and how many entries it holds. A last session that
/// holds no data track, or no ISO 9660 volume, brings nothing (the new session stands
/// alone); one that cannot be read, or is damaged, is IMAPI_E_DISCINFO: a new session
/// without the earlier files would hide them.
fn import_last_session(
    t: &mut dyn Transport,
    device: &str,
    media: &Media,
) -> Result<(Tree, usize)> {
    let mut imported = Tree::new();
    let start = match media.last_session_start {
        Some(start) if media.last_session_is_data => start,
        _ => return Ok((imported, 0)),
    };
    let image = match read_session(t, start) {
        Ok(image) => image,
        Err(SessionReadError::Read(imapi_joliet::read::ReadError::NotIso { .. })) => {
            return Ok((imported, 0))
        }
        Err(e) => {
            return Err(ImapiError::new(
                ImapiCode::DiscInfo,
                format!("{device}: the last session (block {start}) cannot be imported"),
            )
            .with_source(e))
        }
    };
    let count = imported.import_image_view(&image, image.default_view()).map_err(|e| {
        ImapiError::new(
            ImapiCode::DiscInfo,
            format!("{device}: the last session's file system cannot be imported"),
        )
        .with_source(e)
    })?;
    Ok((imported, count))
}

/// What was staged in `tree` (all but what `old_base`, the session it continued, brought)
/// laid over `new_base`, the session the image continues now (none: a single-session
/// image). Staged files keep their blocks in the placed-data area, so their bytes in the
/// stash are theirs still; hard links stay links. A staged entry at a path `new_base`
/// holds is IMAPI_E_FILEEXISTS, naming the path.
fn rebase(
    tree: &Tree,
    old_base: Option<&Tree>,
    new_base: Option<&Tree>,
    device: &str,
) -> Result<Tree> {
    let mut out = new_base.map_or_else(Tree::new, clone_imported);
    if old_base.is_none() {
        // The root's attributes came from what was added at the root.
        let root = out.root();
        carry_posix(tree, tree.root(), &mut out, root);
    }
    let clash = |path: &str| {
        ImapiError::new(
            ImapiCode::FileExists,
            format!(
                "{path}: staged before the recorder was made active, and the last session of \
                 the disc in {device} holds it too (clear the staged content, or burn to \
                 another disc)"
            ),
        )
    };
    let mut links: HashMap<u32, NodeId> = HashMap::new();
    for (id, path) in tree.walk() {
        if from_base(tree, id, &path, old_base) {
            continue;
        }
        let existing = out.lookup(&path);
        if tree.is_dir(id) {
            let dir = match existing {
                Some(n) if out.is_dir(n) => n,
                Some(_) => return Err(clash(&path)),
                None => out.add_dirs(&path).map_err(|_| clash(&path))?,
            };
            carry_posix(tree, id, &mut out, dir);
            continue;
        }
        if existing.is_some() {
            return Err(clash(&path));
        }
        let (dir, name) = split(&path);
        let parent = out.add_dirs(dir).map_err(|_| clash(dir))?;
        let node = match (tree.node_type(id), tree.file_origin(id)) {
            (Some(NodeType::Symlink(target)), _) => {
                out.add_symlink(parent, name, target, Overwrite::Deny)?
            }
            (Some(NodeType::Special { kind, rdev }), _) => {
                out.add_special(parent, name, kind, rdev, Overwrite::Deny)?
            }
            (_, Some(FileOrigin::Placed { block })) => {
                let first = tree.content_key(id).and_then(|k| links.get(&k).copied());
                match first {
                    Some(first) => out.add_hard_link(parent, name, first, Overwrite::Deny)?,
                    None => {
                        let node = out.add_placed_file(
                            parent,
                            name,
                            block,
                            tree.file_size(id),
                            Overwrite::Deny,
                        )?;
                        if let Some(k) = tree.content_key(id) {
                            links.insert(k, node);
                        }
                        node
                    }
                }
            }
            _ => {
                return Err(ImapiError::new(
                    ImapiCode::Generic,
                    format!("{path}: a staged file whose bytes are not in the stash"),
                ))
            }
        };
        carry_posix(tree, id, &mut out, node);
    }
    Ok(out)
}

/// Whether entry `id` at `path` of the staged tree came with the session it continues
/// (`base`), rather than from an add: files imported from it, and its directories, links
/// and special files still as it holds them.
fn from_base(tree: &Tree, id: NodeId, path: &str, base: Option<&Tree>) -> bool {
    if matches!(tree.file_origin(id), Some(FileOrigin::Imported { .. })) {
        return true;
    }
    let Some(b) = base.and_then(|b| b.lookup(path).map(|n| (b, n))) else { return false };
    let (base, n) = b;
    if tree.is_dir(id) {
        return base.is_dir(n);
    }
    match (tree.node_type(id), base.node_type(n)) {
        (Some(NodeType::Symlink(a)), Some(NodeType::Symlink(b))) => a == b,
        (
            Some(NodeType::Special { kind: ka, rdev: ra }),
            Some(NodeType::Special { kind: kb, rdev: rb }),
        ) => ka == kb && ra == rb,
        _ => false,
    }
}

/// `a/b/c` → (`a/b`, `c`); a name alone → (``, name).
fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}

/// How [`JolietDiscMaster::add_data_with`] adds.
#[derive(Debug, Clone, Default)]
pub struct AddOptions {
    /// Replace a file already staged at the same path (IMAPI's lFileOverwrite ≠ 0); else
    /// IMAPI_E_FILEEXISTS.
    pub overwrite: bool,
    /// Follow symbolic links (loops detected); else skip them with a warning.
    pub follow_links: bool,
    /// Leave out entries whose name or relative path matches.
    pub exclude: Option<globset::GlobSet>,
}

/// IJolietDiscMaster: stage a data disc. Borrowed from [`DiscMaster::joliet`].
pub struct JolietDiscMaster<'m> {
    m: &'m mut DiscMaster,
}

impl<'m> JolietDiscMaster<'m> {
    pub(crate) fn new(m: &'m mut DiscMaster) -> Self {
        JolietDiscMaster { m }
    }

    /// GetTotalDataBlocks: the blocks the disc in the active recorder offers for this session
    /// (IMAPI_E_NOACTIVERECORDER without one: the value needs the disc).
    pub fn total_data_blocks(&self) -> Result<u64> {
        self.m.active_disc_recorder()?;
        Ok(self.m.joliet.capacity.unwrap_or(0))
    }

    /// GetUsedDataBlocks: the blocks the staged session takes (file-system metadata,
    /// captured data and padding).
    pub fn used_data_blocks(&self) -> Result<u64> {
        let j = &self.m.joliet;
        let plan = j.tree.plan(&j.plan_options(self.m.opts.date))?;
        Ok(plan.session_blocks())
    }

    /// GetDataBlockSize: 2048.
    pub fn data_block_size(&self) -> u32 {
        DATA_BLOCK_SIZE
    }

    /// GetJolietProperties; VolumeName shows the date it defaults to.
    pub fn joliet_properties(&self) -> PropertyBag {
        let today = match self.m.opts.date {
            Some(d) => d.format("%Y_%m_%d").to_string(),
            None => chrono::Local::now().format("%Y_%m_%d").to_string(),
        };
        self.m.joliet.props.to_bag(&today)
    }

    /// SetJolietProperties: read-only and unknown names are skipped
    /// (IMAPI_S_PROPERTIESIGNORED in the outcome).
    pub fn set_joliet_properties(&mut self, bag: &PropertyBag) -> Result<SetOutcome> {
        self.m.joliet.props.apply(bag)
    }

    /// The properties as a typed value.
    pub fn properties(&self) -> &JolietProperties {
        &self.m.joliet.props
    }

    /// Whether staging continues an earlier session (multisession), and how many files that
    /// session brought.
    pub fn multisession(&self) -> Option<(u32, usize)> {
        self.m.joliet.base.as_ref().map(|b| (b.first_block, b.imported))
    }

    /// AddData: a host folder's *contents* go to the image root (merged with what is
    /// there); a host file goes to the root under its own name. Captures every byte now.
    pub fn add_data(&mut self, host: &Path, overwrite: bool) -> Result<Vec<Warning>> {
        self.add_data_with(host, None, &AddOptions { overwrite, ..AddOptions::default() })
    }

    /// AddData with a graft point and walk options: `at` places a folder (as a directory
    /// holding its contents) or a file at that image path.
    pub fn add_data_with(
        &mut self,
        host: &Path,
        at: Option<&str>,
        opts: &AddOptions,
    ) -> Result<Vec<Warning>> {
        let mut scratch = Tree::new();
        let hopts = HostOptions {
            follow_links: opts.follow_links,
            exclude: opts.exclude.clone(),
            overwrite: if opts.overwrite { Overwrite::Replace } else { Overwrite::Deny },
            posix: self.m.joliet.props.rock_ridge,
        };
        let warnings = match at {
            None => scratch.add_host(scratch.root(), host, &hopts)?,
            Some(path) => {
                let path = path.trim_matches('/');
                let (dir, name) = split(path);
                let parent = scratch.add_dirs(dir)?;
                scratch.add_host_as(parent, name, host, &hopts)?
            }
        };
        self.capture(&scratch, opts.overwrite)?;
        Ok(warnings)
    }

    /// Adds one file from any source (bytes in memory, an embedder's content) at `path`.
    pub fn add_source(
        &mut self,
        path: &str,
        source: impl Source + 'static,
        overwrite: bool,
    ) -> Result<()> {
        let mut scratch = Tree::new();
        let path = path.trim_matches('/');
        let (dir, name) = split(path);
        let parent = scratch.add_dirs(dir)?;
        scratch.add_file_with(parent, name, Box::new(source), Overwrite::Deny)?;
        self.capture(&scratch, overwrite)
    }

    /// Adds an empty directory at `path` (and its parents).
    pub fn add_directory(&mut self, path: &str) -> Result<()> {
        let mut scratch = Tree::new();
        scratch.add_dirs(path.trim_matches('/'))?;
        self.capture(&scratch, false)
    }

    /// Merges `scratch` into the staged tree, capturing its files' bytes; all or nothing.
    fn capture(&mut self, scratch: &Tree, overwrite: bool) -> Result<()> {
        let m = &mut *self.m;
        m.require_open()?;
        let sinks = m.sinks.clone();
        let date = m.opts.date;
        let overwrite = if overwrite { Overwrite::Replace } else { Overwrite::Deny };
        if m.joliet.writable == Some(false) {
            return Err(ImapiError::new(
                ImapiCode::MediumInvalidType,
                "the disc in the active recorder is finalized or cannot be written",
            ));
        }
        // Every block the new files need, each content once (hard links share one).
        let mut seen = HashMap::new();
        let mut new_blocks = 0u64;
        for (id, _) in scratch.walk() {
            if let Some(key) = scratch.content_key(id) {
                if seen.insert(key, ()).is_none() {
                    new_blocks += scratch.file_size(id).div_ceil(u64::from(DATA_BLOCK_SIZE));
                }
            }
        }
        if let Some(cap) = m.joliet.capacity {
            if m.joliet.area_blocks + new_blocks > cap {
                return Err(disc_full(m.joliet.area_blocks + new_blocks, cap));
            }
        }
        // The stash's folder must hold the new bytes (IMAPI_E_NOTENOUGHDISKFORSTASH), checked
        // before a byte is copied.
        m.staging.writer(DiscKind::Data)?;
        crate::staging::ensure_room(m.staging.dir(), new_blocks * u64::from(DATA_BLOCK_SIZE))?;
        let writer = m.staging.writer(DiscKind::Data)?;
        if !writer.is_track_open() {
            writer.begin_track(TrackInfo::data())?;
        }
        in_step(m.joliet.area_blocks, writer)?;
        let stash_cp = writer.checkpoint();
        let j = &mut m.joliet;
        let tree_cp = j.tree.checkpoint();
        let area_before = j.area_blocks;
        let mut area = Area { blocks: &mut j.area_blocks, sums: &mut j.sums };
        let result = merge(scratch, &mut j.tree, writer, &mut area, overwrite, new_blocks, &sinks)
            .and_then(|()| match j.capacity {
                Some(cap) => {
                    let used = j.tree.plan(&j.plan_options(date))?.session_blocks();
                    if used > cap {
                        Err(disc_full(used, cap))
                    } else {
                        Ok(())
                    }
                }
                None => Ok(()),
            });
        match result {
            Ok(()) => {
                j.tree.commit(tree_cp);
                Ok(())
            }
            Err(e) => {
                j.tree.rollback(tree_cp);
                j.area_blocks = area_before;
                j.sums.retain(|&block, _| block < area_before);
                writer.rollback(stash_cp)?;
                Err(e)
            }
        }
    }
}

/// The staged data area's length in blocks, checked against the stash's open data track:
/// every placed file names a block of that track, so the two must never part (a file would
/// be burned with another file's bytes). Parted, staging stops with IMAPI_E_GENERIC before
/// anything is placed.
fn in_step(area_blocks: u64, writer: &StashWriter) -> Result<u64> {
    let in_stash = writer.open_track_blocks().unwrap_or(0);
    if in_stash != area_blocks {
        return Err(ImapiError::new(
            ImapiCode::Generic,
            format!(
                "the staged image counts {area_blocks} data blocks, the stash's data track \
                 {in_stash}: clear the staged content (ClearFormatContent) and add again"
            ),
        ));
    }
    Ok(area_blocks)
}

/// Each placed file of the plan with the sum taken when its bytes were captured.
fn file_checks(plan: &imapi_joliet::Plan<'_>, sums: &HashMap<u64, u32>) -> Vec<FileCheck> {
    let tree = plan.tree();
    let mut checks = Vec::new();
    for (id, _) in tree.walk() {
        if let Some(FileOrigin::Placed { block }) = tree.file_origin(id) {
            let size = tree.file_size(id);
            let crc = sums.get(&block).copied().unwrap_or(0);
            checks.push(FileCheck {
                iso_path: plan.iso_path(id),
                extent: plan.extent(id),
                size,
                crc,
            });
        }
    }
    checks
}

fn disc_full(needed: u64, capacity: u64) -> ImapiError {
    ImapiError::new(
        ImapiCode::DiscFull,
        format!("the staged session needs {needed} blocks, the disc offers {capacity}"),
    )
}

/// Walks `scratch` and adds each directory and file to `tree`, copying file bytes into the
/// stash; reports progress in blocks and polls for a cancel.
fn merge(
    scratch: &Tree,
    tree: &mut Tree,
    writer: &mut StashWriter,
    area: &mut Area<'_>,
    overwrite: Overwrite,
    total: u64,
    sinks: &Sinks,
) -> Result<()> {
    let bs = u64::from(DATA_BLOCK_SIZE);
    let mut done = 0u64;
    let mut placed: HashMap<u32, NodeId> = HashMap::new();
    sinks.each(|s| s.notify_add_progress(0, long(total)));
    // The walk leaves the root out: the folder added at the root gives it its attributes.
    let root = tree.root();
    carry_posix(scratch, scratch.root(), tree, root);
    for (id, path) in scratch.walk() {
        if scratch.is_dir(id) {
            let dir = if path.is_empty() { tree.root() } else { tree.add_dirs(&path)? };
            carry_posix(scratch, id, tree, dir);
            continue;
        }
        let (dir, name) = split(&path);
        // Links and special files (walked with Rock Ridge on) have no bytes to capture.
        let special = match scratch.node_type(id) {
            Some(NodeType::Symlink(target)) => {
                let parent = tree.add_dirs(dir)?;
                Some(tree.add_symlink(parent, name, target, overwrite)?)
            }
            Some(NodeType::Special { kind, rdev }) => {
                let parent = tree.add_dirs(dir)?;
                Some(tree.add_special(parent, name, kind, rdev, overwrite)?)
            }
            _ => None,
        };
        if let Some(node) = special {
            carry_posix(scratch, id, tree, node);
            continue;
        }
        if sinks.query_cancel() {
            return Err(cancelled());
        }
        let size = scratch.file_size(id);
        let key = scratch.content_key(id);
        let parent = tree.add_dirs(dir)?;
        // A further name of a content already captured (a hard link) links to the first one.
        let node = match key.and_then(|k| placed.get(&k).copied()) {
            Some(first) => tree.add_hard_link(parent, name, first, overwrite)?,
            None => {
                // The file's bytes go where the stash's data track ends now.
                let block = in_step(*area.blocks, writer)?;
                if size > 0 {
                    let base = done;
                    let mut progress = |bytes: u64, _total: u64| -> bool {
                        let now = base + bytes / bs;
                        sinks.each(|s| s.notify_add_progress(long(now), long(total)));
                        !sinks.query_cancel()
                    };
                    copy_file(scratch, id, &path, size, writer, &mut progress)?;
                    area.sums.insert(block, writer.last_append_crc());
                    let blocks = size.div_ceil(bs);
                    *area.blocks += blocks;
                    done += blocks;
                }
                let node = tree.add_placed_file(parent, name, block, size, overwrite)?;
                if let Some(k) = key {
                    placed.insert(k, node);
                }
                node
            }
        };
        carry_posix(scratch, id, tree, node);
    }
    sinks.each(|s| s.notify_add_progress(long(total), long(total)));
    Ok(())
}

/// The placed-data area as an add grows it: its length in blocks and each content's sum.
struct Area<'a> {
    blocks: &'a mut u64,
    sums: &'a mut HashMap<u64, u32>,
}

/// Gives `node` of the staged tree the time and POSIX attributes `id` has in `scratch`
/// (attributes exist only for what was added with Rock Ridge on).
fn carry_posix(scratch: &Tree, id: NodeId, tree: &mut Tree, node: NodeId) {
    if let Some(mtime) = scratch.mtime(id) {
        tree.set_mtime(node, mtime);
    }
    if let Some(attrs) = scratch.posix(id) {
        tree.set_posix(node, attrs);
    }
}

fn cancelled() -> ImapiError {
    ImapiError::new(ImapiCode::UserAbort, "add data cancelled")
}

/// Copies one file's bytes into the stash.
fn copy_file(
    scratch: &Tree,
    id: NodeId,
    path: &str,
    size: u64,
    writer: &mut StashWriter,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Result<()> {
    let read_err = |e: std::io::Error, what: &str| {
        ImapiError::new(ImapiCode::FileAccess, format!("{path}: cannot read {what}")).with_source(e)
    };
    match scratch.file_origin(id) {
        Some(FileOrigin::Host(host)) => {
            let file = File::open(&host).map_err(|e| read_err(e, &host.display().to_string()))?;
            let now = file.metadata().map_err(|e| read_err(e, &host.display().to_string()))?.len();
            if now != size {
                return Err(changed(path, size, now));
            }
            writer.append_file_range_with(
                &file,
                0,
                size,
                imapi_stash::Overflow::AllOrNothing,
                progress,
            )?;
        }
        Some(FileOrigin::Source(source)) => {
            let reader = source.open_at(0).map_err(|e| read_err(e, &source.describe()))?;
            let mut counted = Counted { inner: reader.take(size + 1), n: 0 };
            writer.append_reader_with(
                &mut counted,
                imapi_stash::Overflow::AllOrNothing,
                progress,
            )?;
            if counted.n != size {
                return Err(changed(path, size, counted.n));
            }
        }
        _ => {
            return Err(ImapiError::new(
                ImapiCode::Generic,
                format!("{path}: the file has no content to capture"),
            ))
        }
    }
    Ok(())
}

fn changed(path: &str, planned: u64, found: u64) -> ImapiError {
    ImapiError::new(
        ImapiCode::FileAccess,
        format!("{path}: the file changed while it was added ({planned} bytes, now {found})"),
    )
}

/// Counts the bytes read through it.
struct Counted<R> {
    inner: R,
    n: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n += k as u64;
        Ok(k)
    }
}

/// Seals a data disc: plans the tree over the captured data area, puts the metadata first
/// and the padding last, finishes the stash.
pub(crate) fn seal(m: &mut DiscMaster) -> Result<StagedDisc> {
    if let Some(s) = m.staging.sealed() {
        let blocks = imapi_stash::Stash::open(&s.path)?.total_blocks();
        return Ok(StagedDisc { stash: s.path.clone(), blocks, format: Format::Joliet });
    }
    let j = &mut m.joliet;
    if j.tree.len() <= 1 {
        return Err(ImapiError::new(ImapiCode::InvalidImage, "nothing is staged"));
    }
    let boot = j.props.place_boot_image_on_disc;
    if boot && j.base.is_some() {
        return Err(ImapiError::new(
            ImapiCode::BootImageAndNonblankDisc,
            "a boot image goes on a blank disc only: this disc already holds a session",
        ));
    }
    // The boot image joins the tree for this plan only (see `add_boot_image`).
    let cp = j.tree.checkpoint();
    let planned = (|| -> Result<Planned> {
        let mut opts = j.plan_options(m.opts.date);
        if boot {
            opts.boot = Some(add_boot_image(&mut j.tree, &j.props)?);
        }
        let plan = j.tree.plan(&opts)?;
        let mut meta = Vec::new();
        plan.emit_metadata(&mut meta)?;
        let (session, metadata) = (plan.session_blocks(), plan.metadata_blocks());
        // After the placed-data area: the boot image and the padding, made by the plan.
        let tail = if boot {
            let mut r = plan.reader();
            let from = (metadata + j.area_blocks) * u64::from(DATA_BLOCK_SIZE);
            std::io::Seek::seek(&mut r, std::io::SeekFrom::Start(from))
                .map_err(|e| ImapiError::new(ImapiCode::InvalidImage, e.to_string()))?;
            let mut tail = Vec::new();
            r.read_to_end(&mut tail)
                .map_err(|e| ImapiError::new(ImapiCode::InvalidImage, e.to_string()))?;
            Some(tail)
        } else {
            None
        };
        let checks = file_checks(&plan, &j.sums);
        Ok(Planned { meta, session_blocks: session, metadata_blocks: metadata, tail, checks })
    })();
    j.tree.rollback(cp);
    let Planned { meta, session_blocks, metadata_blocks, tail, checks } = planned?;
    let j = &m.joliet;
    let base = j.base.clone();
    let area = j.area_blocks;
    let writer = m.staging.writer(DiscKind::Data)?;
    let checkpoint = writer.checkpoint();
    let result = (|| -> Result<std::path::PathBuf> {
        if !writer.is_track_open() {
            writer.begin_track(TrackInfo::data())?;
        }
        in_step(area, writer)?;
        writer.prepend_blocks(&meta)?;
        let pad = session_blocks.saturating_sub(metadata_blocks + area);
        if let Some(tail) = &tail {
            for chunk in tail.chunks(64 * DATA_BLOCK_SIZE as usize) {
                writer.append_blocks(chunk, imapi_stash::Overflow::AllOrNothing)?;
            }
        }
        let zeros = vec![0u8; 64 * DATA_BLOCK_SIZE as usize];
        let mut left = if tail.is_some() { 0 } else { pad };
        while left > 0 {
            let n = left.min(64);
            writer.append_blocks(
                &zeros[..(n * u64::from(DATA_BLOCK_SIZE)) as usize],
                imapi_stash::Overflow::AllOrNothing,
            )?;
            left -= n;
        }
        writer.end_track()?;
        writer.set_disc_info(DiscInfo {
            first_track: base.as_ref().map_or(1, |b| b.first_track),
            session_start: base.as_ref().and_then(|b| i32::try_from(b.first_block).ok()),
            close: SessionClose::LeaveAppendable,
            ..DiscInfo::default()
        })?;
        Ok(writer.finish()?)
    })();
    match result {
        Ok(path) => {
            m.staging.set_sealed(Sealed { path: path.clone(), checkpoint: Some(checkpoint) });
            m.joliet.checks = Some(checks);
            Ok(StagedDisc { stash: path, blocks: session_blocks, format: Format::Joliet })
        }
        Err(e) => {
            writer.rollback(checkpoint)?;
            Err(e)
        }
    }
}
