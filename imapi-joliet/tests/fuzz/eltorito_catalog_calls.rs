//! What the `eltorito_catalog` target does with each input: the fuzz target
//! (`fuzz/fuzz_targets/eltorito_catalog.rs`) and the corpus replay test on stable Rust
//! (`tests/fuzz_corpus.rs`) both include this file.

use imapi_joliet::eltorito::Catalog;

/// Parses `data` as a boot catalog, strictly and without the validation checks; whatever
/// parses is written again and must parse back to the same catalog. Returns whether the
/// strict parse succeeded.
pub fn run(data: &[u8]) -> bool {
    let strict = Catalog::parse(data);
    for check in [true, false] {
        let Ok(cat) = Catalog::parse_with(data, check) else { continue };
        let _ = cat.manufacturer_id();
        let _ = cat.entries().count();
        // A section made only of extensions is written with no entry, which is no catalog.
        if cat.sections.iter().any(|s| s.entries.is_empty()) {
            continue;
        }
        if let Some(bytes) = cat.to_bytes() {
            assert_eq!(Catalog::parse(&bytes).as_ref(), Ok(&cat), "written catalog differs");
        }
    }
    strict.is_ok()
}
