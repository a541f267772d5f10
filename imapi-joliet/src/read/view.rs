//! Which tree of an image to read: ISO 9660, Joliet, or the ISO 9660 tree as Rock Ridge
//! shows it.

use core::fmt;
use core::str::FromStr;

use super::TreeKind;

/// A way to see an image's files.
///
/// [`View::RockRidge`] is the ISO 9660 tree read through its Rock Ridge entries, as Linux
/// shows it: POSIX names, modes, owners, times, symbolic links and device files; a directory
/// relocated for depth (`CL`/`RE`) appears at its original place and not in the relocation
/// directory. [`Image::default_view`](super::Image::default_view) picks Rock Ridge when the
/// image has it, else Joliet, else ISO 9660.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// The ISO 9660 tree with its Rock Ridge entries.
    RockRidge,
    /// The Joliet tree.
    Joliet,
    /// The ISO 9660 tree as recorded (`NAME.EXT;1`).
    Iso9660,
}

impl View {
    /// The directory tree the view reads.
    pub fn tree(self) -> TreeKind {
        match self {
            Self::Joliet => TreeKind::Joliet,
            Self::RockRidge | Self::Iso9660 => TreeKind::Iso,
        }
    }

    /// The view's name: `rock-ridge`, `joliet` or `iso9660`.
    pub fn name(self) -> &'static str {
        match self {
            Self::RockRidge => "rock-ridge",
            Self::Joliet => "joliet",
            Self::Iso9660 => "iso9660",
        }
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A view name that is none of `rock-ridge`, `joliet`, `iso9660`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown tree {0:?}: expected rock-ridge, joliet or iso9660")]
pub struct UnknownView(pub String);

impl FromStr for View {
    type Err = UnknownView;
    fn from_str(s: &str) -> Result<Self, UnknownView> {
        match s {
            "rock-ridge" | "rockridge" | "rr" => Ok(Self::RockRidge),
            "joliet" => Ok(Self::Joliet),
            "iso9660" | "iso" => Ok(Self::Iso9660),
            _ => Err(UnknownView(s.to_owned())),
        }
    }
}

impl From<TreeKind> for View {
    fn from(tree: TreeKind) -> Self {
        match tree {
            TreeKind::Iso => Self::Iso9660,
            TreeKind::Joliet => Self::Joliet,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_unknown_ones_are_refused() {
        for view in [View::RockRidge, View::Joliet, View::Iso9660] {
            assert_eq!(view.name().parse::<View>(), Ok(view));
            assert_eq!(view.to_string(), view.name());
        }
        assert_eq!(View::RockRidge.tree(), TreeKind::Iso);
        assert_eq!(View::Joliet.tree(), TreeKind::Joliet);
        assert_eq!(View::from(TreeKind::Iso), View::Iso9660);
        let err = "udf".parse::<View>().unwrap_err();
        assert_eq!(err.to_string(), "unknown tree \"udf\": expected rock-ridge, joliet or iso9660");
    }
}
