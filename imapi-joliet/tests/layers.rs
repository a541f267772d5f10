//! The layer rule of `src/lib.rs`, kept: each layer imports only the layers below it.
//!
//! `format/` imports nothing else of the crate; `read/` imports `format`; `verify/` imports
//! `read` and `format`; `build/` imports `format`, and `read` only where an earlier session
//! is imported (and its read errors reported). Paths are read from the source text, comments
//! left out, as `crate::<layer>`.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layers a file names through `crate::<layer>` paths, comments left out.
fn layers_named(text: &str) -> Vec<String> {
    let mut named = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String =
                after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            named.push(name);
            rest = after;
        }
    }
    named
}

#[test]
fn each_layer_imports_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    // build/ may read an image only to import an earlier session and report its errors.
    let build_reads = ["build/tree/import.rs", "build/error.rs"];
    let mut faults = Vec::new();
    let mut checked = 0;
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src").to_string_lossy().replace('\\', "/");
        let Some((layer, _)) = rel.split_once('/') else { continue };
        let allowed: &[&str] = match layer {
            "format" => &["format"],
            "read" => &["format", "read"],
            "verify" => &["format", "read", "verify"],
            "build" if build_reads.contains(&rel.as_str()) => &["format", "read", "build"],
            "build" => &["format", "build"],
            _ => continue,
        };
        checked += 1;
        let text = fs::read_to_string(file).expect("read source");
        // Unit tests may build images to read; the rule is about the library.
        let text = text.split("#[cfg(test)]\nmod tests {").next().unwrap_or("");
        for name in layers_named(text) {
            if !allowed.contains(&name.as_str()) {
                faults.push(format!("{rel} names crate::{name}"));
            }
        }
    }
    assert!(checked > 40, "only {checked} files found under {}", src.display());
    assert!(faults.is_empty(), "imports across the layers:\n{}", faults.join("\n"));
}
