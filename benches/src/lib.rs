//! Shared helpers for the imapi-rs benchmarks: synthetic inputs built the same way for every
//! bench and for the side-by-side scripts in `benches/scripts/`.
#![deny(missing_docs)]

use imapi_joliet::{BytesSource, Tree};

/// Deterministic pseudo-random bytes (xorshift64*), so every run benches the same input.
pub fn pseudo_random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// How many entries the benches build: `IMAPI_BENCH_FILES`, else `default`. The test suite
/// sets it low so the benches run once, quickly, as tests.
pub fn bench_files(default: usize) -> usize {
    std::env::var("IMAPI_BENCH_FILES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A tree of `files` files of 1–4 KiB in folders of 500, as the peer script builds on disk.
/// The contents share one buffer, so the tree costs little memory.
pub fn synthetic_tree(files: usize) -> Tree {
    let pool: std::sync::Arc<[u8]> = pseudo_random_bytes(42, 4096).into();
    let mut tree = Tree::new();
    let mut dir = tree.root();
    for i in 0..files {
        if i % 500 == 0 {
            dir = tree.add_dir(tree.root(), &format!("dir{:03}", i / 500)).expect("fresh name");
        }
        let len = 1024 + (i * 7919) % 3073;
        let source = BytesSource::new(pool[..len].to_vec());
        tree.add_file(dir, &format!("file-{:04}.dat", i % 500), source).expect("fresh name");
    }
    tree
}

/// Writes the files of [`synthetic_tree`] under `root` on disk (folders of 500, 1–4 KiB
/// each), for the benches that read host files.
pub fn write_host_tree(root: &std::path::Path, files: usize) -> std::io::Result<()> {
    let pool = pseudo_random_bytes(42, 4096);
    for i in 0..files {
        let dir = root.join(format!("dir{:03}", i / 500));
        if i % 500 == 0 {
            std::fs::create_dir_all(&dir)?;
        }
        let len = 1024 + (i * 7919) % 3073;
        std::fs::write(dir.join(format!("file-{:04}.dat", i % 500)), &pool[..len])?;
    }
    Ok(())
}

/// A tree of `files` files in one folder whose names all map to the same ISO 9660 level-1
/// name stem: the worst case of collision numbering.
pub fn colliding_tree(files: usize) -> Tree {
    let mut tree = Tree::new();
    for i in 0..files {
        tree.add_file(
            tree.root(),
            &format!("collide-{i:06}-name.dat"),
            BytesSource::new(Vec::new()),
        )
        .expect("fresh name");
    }
    tree
}

#[cfg(test)]
mod tests {
    #[test]
    fn pseudo_random_bytes_are_deterministic_and_sized() {
        let a = super::pseudo_random_bytes(7, 1001);
        assert_eq!(a.len(), 1001);
        assert_eq!(a, super::pseudo_random_bytes(7, 1001));
        assert_ne!(a, super::pseudo_random_bytes(8, 1001));
    }

    #[test]
    fn synthetic_trees_have_the_asked_size() {
        let t = super::synthetic_tree(1001);
        assert_eq!(t.len(), 1 + 3 + 1001);
        let c = super::colliding_tree(10);
        assert_eq!(c.children(c.root()).len(), 10);
    }
}
