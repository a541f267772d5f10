//! The one stash a master stages into, its lock held from the first staging call to
//! [`crate::DiscMaster::close`], and its sealing for a burn.

use std::path::PathBuf;

use imapi_stash::{Checkpoint, DiscKind, StashOptions, StashWriter};

use crate::error::Result;

/// A stash sealed for a burn: finished and valid, with the point to reopen it from (none for
/// a stash adopted from an earlier run: it is burned as it is, and staging anew replaces it).
#[derive(Debug)]
pub(crate) struct Sealed {
    pub(crate) path: PathBuf,
    pub(crate) checkpoint: Option<Checkpoint>,
}

/// The stash folder and its writer.
#[derive(Debug)]
pub(crate) struct Staging {
    dir: PathBuf,
    writer: Option<StashWriter>,
    sealed: Option<Sealed>,
}

impl Staging {
    pub(crate) fn new(dir: PathBuf) -> Staging {
        Staging { dir, writer: None, sealed: None }
    }

    /// The stash folder.
    pub(crate) fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// The writer for a disc of `kind`, created (taking the folder's lock:
    /// IMAPI_E_STASHINUSE when another process holds it) or reopened after a seal.
    pub(crate) fn writer(&mut self, kind: DiscKind) -> Result<&mut StashWriter> {
        if self.writer.as_ref().is_some_and(|w| w.disc_kind() != kind) {
            self.drop_writer();
        }
        if let Some(sealed) = self.sealed.take() {
            match (self.writer.as_mut(), sealed.checkpoint) {
                // Sealed here: staging goes on from before the seal.
                (Some(w), Some(cp)) => w.reopen(cp)?,
                // Adopted: staging more starts a new image, which replaces the adopted one.
                (Some(w), None) => w.clear()?,
                (None, _) => {}
            }
        }
        self.ensure_writer(kind)?;
        match self.writer.as_mut() {
            Some(w) => Ok(w),
            None => Err(crate::ImapiError::new(imapi_codes::ImapiCode::Generic, "no stash")),
        }
    }

    /// Takes the folder's lock for a disc of `kind` (IMAPI_E_STASHINUSE when another process
    /// holds it), leaving what is staged or sealed as it is.
    pub(crate) fn lock(&mut self, kind: DiscKind) -> Result<()> {
        if self.writer.as_ref().is_some_and(|w| w.disc_kind() != kind) {
            self.drop_writer();
        }
        self.ensure_writer(kind)
    }

    fn ensure_writer(&mut self, kind: DiscKind) -> Result<()> {
        if self.writer.is_none() {
            std::fs::create_dir_all(&self.dir).map_err(|e| {
                // A full disk is IMAPI_E_NOTENOUGHDISKFORSTASH; anything else (a file in the
                // way, no permission) a failure to write the image file.
                let code = if e.kind() == std::io::ErrorKind::StorageFull {
                    imapi_codes::ImapiCode::NotEnoughDiskForStash
                } else {
                    imapi_codes::ImapiCode::FileAccess
                };
                crate::ImapiError::new(
                    code,
                    format!("{}: cannot create the stash folder", self.dir.display()),
                )
                .with_source(e)
            })?;
            crate::stash_volume::check(&self.dir)?;
            self.writer = Some(StashWriter::create(&self.dir, &StashOptions::new(kind))?);
        }
        Ok(())
    }

    /// Makes a stash sealed here a staging again (its metadata goes; it is planned anew at
    /// the next seal), for a staged image whose base changed. An adopted stash stays as it
    /// is: it is burned only to the disc it was made for.
    pub(crate) fn unseal(&mut self) -> Result<()> {
        if let Some(Sealed { checkpoint: Some(cp), .. }) = &self.sealed {
            let cp = cp.clone();
            if let Some(w) = self.writer.as_mut() {
                w.reopen(cp)?;
            }
            self.sealed = None;
        }
        Ok(())
    }

    /// Whether the staged content is sealed in a finished stash.
    pub(crate) fn sealed(&self) -> Option<&Sealed> {
        self.sealed.as_ref()
    }

    pub(crate) fn set_sealed(&mut self, sealed: Sealed) {
        self.sealed = Some(sealed);
    }

    /// Empties the stash, keeping its lock.
    pub(crate) fn clear(&mut self) -> Result<()> {
        self.sealed = None;
        if let Some(w) = self.writer.as_mut() {
            w.clear()?;
        }
        Ok(())
    }

    /// Takes the folder's lock and the finished stash in it, as sealed, to burn it again.
    /// What was staged and not sealed goes with its partial stash: the adopted stash is the
    /// image now, and nothing staged later may land after blocks no tree names. A stash
    /// this master sealed itself is adopted as it is.
    pub(crate) fn adopt(&mut self, kind: DiscKind) -> Result<PathBuf> {
        let path = self.dir.join(imapi_stash::STASH_FILE_NAME);
        match self.sealed.as_mut() {
            Some(sealed) => sealed.checkpoint = None,
            None => {
                // An unfinished writer removes only its partial stash when dropped.
                self.writer = None;
                self.writer(kind)?;
            }
        }
        imapi_stash::Stash::open(&path)?.verify()?;
        self.sealed = Some(Sealed { path: path.clone(), checkpoint: None });
        Ok(path)
    }

    /// Gives the lock back, leaving a sealed stash in its folder for a later run (anything
    /// staged but not sealed goes).
    pub(crate) fn release_keeping_sealed(&mut self) {
        if self.sealed.take().is_some() {
            // A finished writer leaves its stash when dropped.
            self.writer = None;
        } else {
            self.drop_writer();
        }
    }

    /// Empties the stash and gives its lock back.
    pub(crate) fn drop_writer(&mut self) {
        if let Some(mut w) = self.writer.take() {
            let _ = w.clear();
        }
        self.sealed = None;
    }
}

/// Fails with IMAPI_E_NOTENOUGHDISKFORSTASH unless the stash folder `dir` has `bytes` free.
pub(crate) fn ensure_room(dir: &std::path::Path, bytes: u64) -> Result<()> {
    let available = imapi_stash::available_space(dir)?;
    if available < bytes {
        return Err(imapi_stash::StashError::NotEnoughDisk {
            dir: dir.to_path_buf(),
            needed: bytes,
            available,
        }
        .into());
    }
    Ok(())
}
