//! Images made by other tools read back with the same tree and bytes as their source folder.

mod common;

use std::fs::File;
use std::process::Command;

use common::{have, host_tree, image_tree, paths, run, sample_tree};
use imapi_joliet::read::{Image, Namespace};

#[test]
fn xorriso_joliet_without_rock_ridge() {
    if !have("xorriso") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    sample_tree(&src);
    let iso = tmp.path().join("x.iso");
    run(Command::new("xorriso")
        .args(["-as", "mkisofs", "-J", "--norock", "-quiet", "-o"])
        .arg(&iso)
        .arg(&src));
    let data = std::fs::read(&iso).unwrap();
    let image = Image::parse(&data).unwrap();
    assert_eq!(image.default_namespace(), Namespace::Joliet);
    let want = host_tree(&src);
    let got = image_tree(&image, Namespace::Joliet);
    assert_eq!(paths(&got), paths(&want));
    assert_eq!(got, want);
    // The same image through a `Read + Seek`.
    let streamed = Image::from_reader(File::open(&iso).unwrap()).unwrap();
    assert_eq!(image_tree(&streamed, Namespace::Joliet), want);
}
