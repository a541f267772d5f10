//! Turning identifiers into text: d-/a-characters for ISO 9660, UCS-2 big-endian for Joliet.

use super::TreeKind;

/// The UCS-2 code units of big-endian bytes; an odd last byte is dropped.
pub(crate) fn ucs2_units(bytes: &[u8]) -> impl Iterator<Item = u16> + '_ {
    bytes.chunks_exact(2).map(|c| match *c {
        [hi, lo] => u16::from_be_bytes([hi, lo]),
        _ => 0,
    })
}

/// Decodes UCS-2 big-endian bytes; a lone surrogate becomes U+FFFD and an odd last byte is
/// dropped.
pub(crate) fn ucs2be(bytes: &[u8]) -> String {
    char::decode_utf16(ucs2_units(bytes))
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// The text of an identifier of tree `tree`.
pub(crate) fn decode(tree: TreeKind, bytes: &[u8]) -> String {
    match tree {
        TreeKind::Iso => String::from_utf8_lossy(bytes).into_owned(),
        TreeKind::Joliet => ucs2be(bytes),
    }
}

/// The text of a descriptor field, without its padding (spaces, or zeros some writers leave).
pub(crate) fn field(tree: TreeKind, bytes: &[u8]) -> String {
    let text = decode(tree, bytes);
    text.trim_end_matches([' ', '\0']).to_owned()
}

/// A name as lookups compare it: without a version `;N`, and for ISO 9660 without the `.`
/// that ends a name with no extension (`FILE.;1` is found as `FILE`).
pub(crate) fn lookup_key(tree: TreeKind, name: &str) -> &str {
    let stem = match name.rsplit_once(';') {
        Some((stem, v)) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => stem,
        _ => name,
    };
    match tree {
        TreeKind::Iso => stem.strip_suffix('.').unwrap_or(stem),
        TreeKind::Joliet => stem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joliet_names_decode_from_ucs2be() {
        assert_eq!(ucs2be(&[0, b'a', 0x00, 0xE9]), "aé");
        assert_eq!(ucs2be(&[0xD8, 0x00, 0, b'x']), "\u{FFFD}x");
        assert_eq!(ucs2be(&[0, b'a', 0]), "a");
    }

    #[test]
    fn lookup_keys_drop_versions() {
        assert_eq!(lookup_key(TreeKind::Iso, "FILE.TXT;1"), "FILE.TXT");
        assert_eq!(lookup_key(TreeKind::Iso, "FILE.;1"), "FILE");
        assert_eq!(lookup_key(TreeKind::Iso, "DIR"), "DIR");
        assert_eq!(lookup_key(TreeKind::Joliet, "a.txt;1"), "a.txt");
        assert_eq!(lookup_key(TreeKind::Joliet, "a;b"), "a;b");
        assert_eq!(lookup_key(TreeKind::Joliet, "a.;1"), "a.");
    }

    #[test]
    fn fields_lose_their_padding() {
        assert_eq!(field(TreeKind::Iso, b"CDROM   \0\0"), "CDROM");
        assert_eq!(field(TreeKind::Joliet, &[0, b'c', 0, b'd', 0, b' ']), "cd");
    }
}
