//! Walking a whole tree, and finding an entry by its path.

use std::collections::HashSet;

use super::dir::Extent;
use super::entry::{Entry, EntryCursor};
use super::rr_read::RockRidgeVolume;
use super::{text, Ctx, ReadError, TreeKind};

/// One entry met by a [`Walk`].
#[derive(Debug, Clone)]
pub struct WalkEntry<'a> {
    /// The path from the root, names joined by `/`, with no leading `/`.
    pub path: String,
    /// How deep the entry is: 1 for the root's children.
    pub depth: u32,
    /// The entry.
    pub entry: Entry<'a>,
}

struct Frame<'a> {
    cursor: EntryCursor<'a>,
    path_len: usize,
    depth: u32,
}

/// Every entry of a tree, depth first: a directory comes just before its contents, the
/// entries of a directory in recorded order. The root itself is not given.
///
/// The walk keeps an explicit stack (no recursion) and stops with an error at a directory
/// met twice (a cycle), at one nested deeper than [`Limits::max_depth`](super::Limits), or
/// once [`Limits::max_records`](super::Limits) records have been read. After an error it
/// gives `None`.
pub struct Walk<'a> {
    ctx: Ctx<'a>,
    tree: TreeKind,
    root: Option<Extent>,
    stack: Vec<Frame<'a>>,
    path: String,
    budget: u64,
    visited: HashSet<u64>,
    done: bool,
    rr: Option<RockRidgeVolume>,
}

impl<'a> Walk<'a> {
    /// A walk below the directory at `root`, whose paths start with `prefix`; in the Rock
    /// Ridge view of `rr` when given.
    pub(crate) fn new(
        ctx: Ctx<'a>,
        tree: TreeKind,
        root: Extent,
        prefix: String,
        rr: Option<RockRidgeVolume>,
    ) -> Self {
        Self {
            ctx,
            tree,
            root: Some(root),
            stack: Vec::new(),
            path: prefix,
            budget: ctx.opts.limits.max_records,
            visited: HashSet::new(),
            done: false,
            rr,
        }
    }

    fn step(&mut self) -> Option<Result<WalkEntry<'a>, ReadError>> {
        if let Some(root) = self.root.take() {
            self.visited.insert(root.data_block());
            let cursor = EntryCursor::new(self.ctx, self.tree, root).rock_ridge(self.rr);
            self.stack.push(Frame { cursor, path_len: self.path.len(), depth: 0 });
        }
        loop {
            let frame = self.stack.last_mut()?;
            let entry = match frame.cursor.next_entry(&mut self.budget) {
                None => {
                    self.stack.pop();
                    continue;
                }
                Some(Err(e)) => return Some(Err(e)),
                Some(Ok(entry)) => entry,
            };
            self.path.truncate(frame.path_len);
            if !self.path.is_empty() {
                self.path.push('/');
            }
            self.path.push_str(entry.name());
            let depth = frame.depth + 1;
            if let (true, Some(&dir)) = (entry.is_dir(), entry.sections().first()) {
                let limit = self.ctx.opts.limits.max_depth;
                if depth > limit {
                    return Some(Err(ReadError::TooDeep { path: self.path.clone(), limit }));
                }
                if !self.visited.insert(dir.data_block()) {
                    return Some(Err(ReadError::Cycle {
                        path: self.path.clone(),
                        block: dir.block,
                    }));
                }
                let cursor = EntryCursor::new(self.ctx, self.tree, dir).rock_ridge(self.rr);
                self.stack.push(Frame { cursor, path_len: self.path.len(), depth });
            }
            return Some(Ok(WalkEntry { path: self.path.clone(), depth, entry }));
        }
    }
}

impl<'a> Iterator for Walk<'a> {
    type Item = Result<WalkEntry<'a>, ReadError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let r = self.step();
        if !matches!(r, Some(Ok(_))) {
            self.done = true;
        }
        r
    }
}

/// Finds the entry at `path` (components split on `/`; empty and `.` components ignored).
/// Names match as recorded, or without their version (`;1`), so `A.TXT` finds `A.TXT;1` and
/// a Joliet `a.txt;1` is found as `a.txt` and the other way round. In the Rock Ridge view
/// (`root` read through Rock Ridge) names match exactly.
pub(crate) fn lookup<'a>(
    ctx: Ctx<'a>,
    tree: TreeKind,
    root: Entry<'a>,
    path: &str,
) -> Result<Entry<'a>, ReadError> {
    let rr = root.rock_ridge_volume();
    let mut current = root;
    let mut walked = String::new();
    let mut budget = ctx.opts.limits.max_records;
    for comp in path.split('/').filter(|c| !c.is_empty() && *c != ".") {
        let dir = match (current.is_dir(), current.sections().first()) {
            (true, Some(&dir)) => dir,
            _ => return Err(ReadError::NotADirectory { path: format!("/{walked}") }),
        };
        if !walked.is_empty() {
            walked.push('/');
        }
        walked.push_str(comp);
        let key = text::lookup_key(tree, comp);
        let mut cursor = EntryCursor::new(ctx, tree, dir).rock_ridge(rr);
        let mut found = None;
        while let Some(entry) = cursor.next_entry(&mut budget) {
            let entry = entry?;
            let loose = rr.is_none() && text::lookup_key(tree, entry.name()) == key;
            if entry.name() == comp || loose {
                found = Some(entry);
                break;
            }
        }
        current = found.ok_or_else(|| ReadError::NotFound { path: format!("/{walked}") })?;
    }
    Ok(current)
}
