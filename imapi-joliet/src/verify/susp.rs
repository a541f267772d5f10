//! Just enough of the System Use Sharing Protocol to know what Rock Ridge says a record is:
//! a symbolic link (`SL`), the placeholder of a relocated directory (`CL`), or a relocated
//! directory (`RE`). Continuation areas are not followed.

/// What the Rock Ridge entries of one system use area say.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RockRidge {
    /// An `SL` entry: the file is a symbolic link (Joliet cannot hold it).
    pub symlink: bool,
    /// A `CL` entry: the file stands for a directory relocated elsewhere.
    pub child_link: bool,
    /// An `RE` entry: the directory was relocated here from a deeper place.
    pub relocated: bool,
}

/// Reads the entries of `area` (each: two signature bytes, a length, a version, data).
pub(crate) fn rock_ridge(area: &[u8]) -> RockRidge {
    let mut rr = RockRidge::default();
    let mut pos = 0usize;
    while let Some(&[s0, s1, len, _]) = area.get(pos..pos.saturating_add(4)) {
        let len = usize::from(len);
        if len < 4 || area.len() - pos < len {
            break;
        }
        match &[s0, s1] {
            b"SL" => rr.symlink = true,
            b"CL" => rr.child_link = true,
            b"RE" => rr.relocated = true,
            b"ST" => break,
            _ => {}
        }
        pos += len;
    }
    rr
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_links_and_stops_at_bad_lengths() {
        let area = b"PX\x0c\x01\0\0\0\0\0\0\0\0SL\x05\x01\0CL\x0c\x01\0\0\0\0\0\0\0\0";
        let rr = rock_ridge(area);
        assert!(rr.symlink && rr.child_link && !rr.relocated);
        assert_eq!(rock_ridge(b"SL\x02\x01"), RockRidge::default());
        assert_eq!(rock_ridge(b"SL\xff\x01"), RockRidge::default());
        assert_eq!(rock_ridge(b"ST\x04\x01RE\x04\x01"), RockRidge::default());
    }
}
