//! Volume descriptor rules: versions, both-endian pairs, dates, reserved fields, the volume
//! identifier, the terminator, and a UDF bridge after it.

use zerocopy::FromBytes;

use super::{Findings, Rule};
use crate::format::date::IsoDateTime;
use crate::format::raw::{DirRecordHeader, EndianMismatch};
use crate::read::{Image, ReadAt, TreeKind, Volume};

/// Checks the descriptor set of `image`.
pub(crate) fn check<S: ReadAt>(image: &Image<S>, f: &mut Findings) {
    volume(image.primary(), f);
    if let Some(j) = image.joliet() {
        volume(j, f);
    }
    if !image.is_terminated() {
        f.push(Rule::Terminator, "the volume descriptor set has no terminator");
    }
    for e in image.recognition_sequence() {
        if &e.id == b"NSR02" || &e.id == b"NSR03" {
            let id = String::from_utf8_lossy(&e.id);
            let msg = format!(
                "{id} at block {}: a UDF bridge image; the UDF file system is authoritative, the \
                 ISO 9660 and Joliet trees may hold only part of it",
                e.block
            );
            f.push(Rule::UdfBridge, msg);
        }
    }
}

fn volume(vol: &Volume, f: &mut Findings) {
    let vd = vol.raw();
    let what = match vol.tree() {
        TreeKind::Iso => format!("primary volume descriptor (block {})", vol.block()),
        TreeKind::Joliet => format!("Joliet volume descriptor (block {})", vol.block()),
    };
    if vd.version != 1 {
        f.push(Rule::DescriptorVersion, format!("{what}: version {}", vd.version));
    }
    if vd.file_structure_version != 1 {
        let msg = format!("{what}: file structure version {}", vd.file_structure_version);
        f.push(Rule::FileStructureVersion, msg);
    }
    let widen = |r: Result<u16, EndianMismatch>| r.map(u32::from);
    let mut pairs = vec![
        ("volume space size", vd.volume_space_size.get()),
        ("volume set size", widen(vd.volume_set_size.get())),
        ("volume sequence number", widen(vd.volume_seq.get())),
        ("logical block size", widen(vd.block_size.get())),
        ("path table size", vd.path_table_size.get()),
    ];
    if let Ok((root, _)) = DirRecordHeader::read_from_prefix(&vd.root_record) {
        pairs.push(("root record extent", root.extent.get()));
        pairs.push(("root record data length", root.data_len.get()));
        pairs.push(("root record volume sequence number", widen(root.vol_seq.get())));
    }
    for (field, r) in pairs {
        if let Err(e) = r {
            let msg =
                format!("{what}: {field}: little-endian half {}, big-endian half {}", e.le, e.be);
            f.push(Rule::EndianPair, msg);
        }
    }
    let dates = [
        ("creation", &vd.creation_date),
        ("modification", &vd.modification_date),
        ("expiration", &vd.expiration_date),
        ("effective", &vd.effective_date),
    ];
    for (field, bytes) in dates {
        match IsoDateTime::from_bytes17(bytes) {
            Err(e) => f.push(Rule::DescriptorDates, format!("{what}: {field} date: {e}")),
            Ok(Some(d)) if d.to_chrono().is_none() => {
                f.push(Rule::DescriptorDates, format!("{what}: {field} date is no calendar date"))
            }
            Ok(_) => {}
        }
    }
    let mut reserved = vec![
        ("bytes 72–79", vd.unused1.iter().any(|&b| b != 0)),
        ("byte 882", vd.unused2 != 0),
        ("bytes 1395–2047", vd.reserved.iter().any(|&b| b != 0)),
    ];
    if vol.tree() == TreeKind::Iso {
        reserved.push(("byte 7", vd.flags != 0));
        reserved.push(("bytes 88–119", vd.escapes.iter().any(|&b| b != 0)));
        volume_id(&vd.volume_id, &what, f);
    }
    for (field, nonzero) in reserved {
        if nonzero {
            f.push(Rule::Reserved, format!("{what}: reserved {field} are not zero"));
        }
    }
}

/// The primary volume identifier holds d-characters, padded with spaces; lower case is a
/// named relaxation (cloud-init needs `cidata`).
fn volume_id(field: &[u8; 32], what: &str, f: &mut Findings) {
    let id = field.iter().rposition(|&b| b != b' ').map_or(&field[..0], |i| &field[..=i]);
    let shown = String::from_utf8_lossy(id);
    if id.iter().any(u8::is_ascii_lowercase) {
        let msg = format!("{what}: volume identifier {shown:?} is in lower case");
        f.push(Rule::VolumeIdLowercase, msg);
    }
    let d_or_lower = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    if let Some(&b) = id.iter().find(|b| !d_or_lower(b)) {
        let msg = format!(
            "{what}: volume identifier {shown:?} holds {:?}, not a d-character",
            char::from(b)
        );
        f.push(Rule::VolumeId, msg);
    }
}
