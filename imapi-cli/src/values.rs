//! Parsers of structured flag values, called by clap as it reads the command line: a malformed
//! value is a usage error (exit 2, with clap's hint) before any work starts, as CLI.md asks.
//! Values that are well formed but refused later (a name too long, a file missing) stay
//! run-time errors (exit 1).

use chrono::{DateTime, FixedOffset};
use globset::Glob;
use imapi_redbook::{Mcn, TrackInput};

/// `--date`: an RFC 3339 date with its offset.
pub fn rfc3339(s: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(s)
        .map_err(|e| format!("not an RFC 3339 date such as 2024-05-01T12:00:00Z ({e})"))
}

/// `--exclude`: a glob pattern.
pub fn glob(s: &str) -> Result<Glob, String> {
    Glob::new(s).map_err(|e| format!("not a valid pattern ({e})"))
}

/// `--catalog`: a Media Catalogue Number, 13 digits.
pub fn mcn(s: &str) -> Result<Mcn, String> {
    Mcn::parse(s).map_err(|e| e.to_string())
}

const KEYS: [&str; 3] = [":isrc=", ":title=", ":performer="];

/// TRACK: `FILE.wav[:isrc=CCOOOYYSSSSS][:title=...][:performer=...]` split into the file and
/// its options; a malformed ISRC is refused here (the file itself is opened later).
pub fn track(arg: &str) -> Result<TrackInput, String> {
    let starts: Vec<usize> = {
        let mut v: Vec<usize> =
            KEYS.iter().flat_map(|k| arg.match_indices(k).map(|(i, _)| i)).collect();
        v.sort_unstable();
        v
    };
    let path_end = starts.first().copied().unwrap_or(arg.len());
    let mut input = TrackInput::wav(&arg[..path_end]);
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(arg.len());
        let part = &arg[start + 1..end];
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        match key {
            "isrc" => {
                input.isrc = Some(imapi_redbook::Isrc::parse(value).map_err(|e| e.to_string())?)
            }
            "title" => input.text.title = Some(value.to_string()),
            _ => input.text.performer = Some(value.to_string()),
        }
    }
    Ok(input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn track_options() {
        let t = track("a:b.wav:isrc=USRC17607839:title=Hi: there:performer=X").unwrap();
        assert_eq!(t.path, PathBuf::from("a:b.wav"));
        assert_eq!(t.isrc.unwrap().as_str(), "USRC17607839");
        assert_eq!(t.text.title.as_deref(), Some("Hi: there"));
        assert_eq!(t.text.performer.as_deref(), Some("X"));
        assert!(track("a.wav:isrc=XX").unwrap_err().contains("ISRC"));
        assert_eq!(track("plain.wav").unwrap().path, PathBuf::from("plain.wav"));
    }

    #[test]
    fn dates_globs_and_catalogue_numbers() {
        let d = rfc3339("2024-05-01T12:00:00+02:00").unwrap();
        assert_eq!(d.offset().local_minus_utc(), 7200);
        assert!(rfc3339("2024-05-01").unwrap_err().contains("RFC 3339"));
        assert!(glob("*.log").unwrap().compile_matcher().is_match("a.log"));
        assert!(glob("a[").unwrap_err().contains("pattern"));
        assert_eq!(mcn("0123456789012").unwrap().to_string(), "0123456789012");
        assert!(mcn("12345").unwrap_err().contains("13 decimal digits"));
    }
}
