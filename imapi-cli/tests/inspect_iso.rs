//! `imapi inspect` on ISO images: descriptor fields, tree counts and the strict verdict.

use std::fs;
use std::process::Command;

fn imapi(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_imapi")).args(args).output().expect("imapi runs")
}

#[test]
fn an_image_is_summarised_with_its_counts_and_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(src.join("sub/deeper")).unwrap();
    fs::write(src.join("a.txt"), b"hello").unwrap();
    fs::write(src.join("sub/deeper/b.bin"), vec![7u8; 3000]).unwrap();
    let iso = dir.path().join("disc.iso");
    let out = imapi(&[
        "mkiso".as_ref(),
        "-q".as_ref(),
        "-o".as_ref(),
        iso.as_os_str(),
        "-V".as_ref(),
        "INSPECTME".as_ref(),
        "--date".as_ref(),
        "2024-01-02T03:04:05+13:00".as_ref(),
        src.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let out = imapi(&["inspect".as_ref(), iso.as_os_str()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("volume id      \"INSPECTME\""), "{text}");
    assert!(text.contains("created        2024-01-02 03:04:05 +13:00"), "{text}");
    assert!(text.contains("Joliet descriptor (UCS-2 level 3)"), "{text}");
    assert!(
        text.contains("Joliet tree: 2 directories, 2 files, 3005 bytes of data, 3 levels deep"),
        "{text}"
    );
    assert!(text.contains("Iso tree: 2 directories, 2 files, 3005 bytes of data"), "{text}");
    assert!(text.contains("verification (strict): 0 violation(s)"), "{text}");

    // Damage the PVD's both-endian volume space size: strict verification fails, exit 1.
    let mut bytes = fs::read(&iso).unwrap();
    bytes[16 * 2048 + 84] ^= 0x01;
    let bad = dir.path().join("bad.iso");
    fs::write(&bad, &bytes).unwrap();
    let out = imapi(&["inspect".as_ref(), bad.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("endian.pair"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("IMAPI_E_INVALIDIMAGE"));
}

#[test]
fn a_file_with_no_descriptor_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.iso");
    fs::write(&junk, b"not an image").unwrap();
    let out = imapi(&["inspect".as_ref(), junk.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("IMAPI_E_INVALIDIMAGE") && err.contains("junk.iso"), "{err}");
}
