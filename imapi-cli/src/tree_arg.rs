//! `--tree rock-ridge|joliet|iso9660` (and its older alias `--iso9660`) for `ls` and
//! `extract`: which tree of the image to read.

use imapi_joliet::read::View;

use crate::image_file::ImageFile;

/// The tree flags shared by `ls` and `extract`.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct TreeArgs {
    /// The tree to read: `rock-ridge` (POSIX names, modes, links), `joliet`, or `iso9660`
    /// (names as recorded, `NAME.EXT;1`). Default: Rock Ridge when the image has it, else
    /// Joliet, else ISO 9660.
    #[arg(long, value_name = "TREE", value_parser = parse_view)]
    tree: Option<View>,
    /// Same as `--tree iso9660`.
    #[arg(long, conflicts_with = "tree")]
    iso9660: bool,
}

fn parse_view(s: &str) -> Result<View, String> {
    s.parse::<View>().map_err(|e| e.to_string())
}

impl TreeArgs {
    /// The view asked for, or the image's default.
    pub fn view(&self, image: &ImageFile) -> View {
        match (self.iso9660, self.tree) {
            (true, _) => View::Iso9660,
            (false, Some(view)) => view,
            (false, None) => image.default_view(),
        }
    }
}
