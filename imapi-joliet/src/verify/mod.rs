//! Checking an image against ECMA-119, Joliet, and SUSP/RRIP (Rock Ridge).
//!
//! [`verify`] reads every structure of an image — descriptors, both trees record by record,
//! the four path tables, an El Torito boot record and catalog — and returns a [`Report`]: a
//! list of [`Finding`]s, each under a [`Rule`] with a stable id, a [`Severity`] and a
//! message naming the path or block at fault. It reads leniently whatever options the image was opened with, so one broken
//! field does not hide the rest; it stops only where the bytes cannot be followed.
//!
//! In a strict verification every violation fails; in a lenient one only structural
//! violations (the image cannot be read as recorded) fail, the others are reported as
//! warnings. Relaxations (a lower-case volume id, a deep tree) never fail.
//!
//! The verifier imports [`crate::read`] and [`crate::format`] only: it checks what a reader
//! sees, never what the builder meant.
//!
//! ```
//! # fn check(iso: &[u8]) -> Result<(), imapi_joliet::ReadError> {
//! use imapi_joliet::{verify, Image};
//! let image = Image::parse(iso)?;
//! let report = verify::verify(&image, true);
//! for finding in &report.findings {
//!     eprintln!("{finding}");
//! }
//! assert!(report.passed());
//! # Ok(()) }
//! ```

mod cross;
mod descriptors;
mod eltorito;
mod ident;
mod path_tables;
mod rock_ridge_rules;
mod rules;
mod scan;
#[cfg(test)]
mod tests;

use core::fmt;
use std::collections::BTreeMap;

pub use rules::{Rule, Severity};

use crate::read::{Ctx, Image, ReadAt, ReadError};

/// Findings kept per rule; beyond it a report says how many more there were.
pub const MAX_FINDINGS_PER_RULE: usize = 50;

/// One thing the verifier found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// How much it weighs in this verification.
    pub severity: Severity,
    /// What and where.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}] {}", self.severity, self.rule, self.message)
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// Every finding, grouped by rule in [`Rule::ALL`] order.
    pub findings: Vec<Finding>,
    /// The ISO 9660 interchange level the names need: 1 (8.3 names, directories of 8), 2
    /// (30 and 31), or 3 when a file has several sections.
    pub iso_level: u8,
    /// Whether the verification was strict.
    pub strict: bool,
    /// Findings per rule, those beyond [`MAX_FINDINGS_PER_RULE`] included.
    totals: Vec<(Rule, Severity, usize)>,
}

impl Report {
    /// Whether nothing fails: no finding of severity [`Severity::Violation`].
    pub fn passed(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Violation)
    }

    /// The findings of severity `severity`.
    pub fn with_severity(&self, severity: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.severity == severity)
    }

    /// Whether some finding is under `rule`.
    pub fn has(&self, rule: Rule) -> bool {
        self.findings.iter().any(|f| f.rule == rule)
    }

    /// How many findings of severity `severity` there were, those left out of
    /// [`Report::findings`] beyond [`MAX_FINDINGS_PER_RULE`] included.
    pub fn count(&self, severity: Severity) -> usize {
        self.totals.iter().filter(|t| t.1 == severity).map(|t| t.2).sum()
    }
}

/// Collects findings, at most [`MAX_FINDINGS_PER_RULE`] per rule.
#[derive(Default)]
pub(crate) struct Findings {
    by_rule: BTreeMap<Rule, (Vec<String>, usize)>,
}

impl Findings {
    pub fn push(&mut self, rule: Rule, message: impl Into<String>) {
        let (kept, count) = self.by_rule.entry(rule).or_default();
        *count += 1;
        if kept.len() < MAX_FINDINGS_PER_RULE {
            kept.push(message.into());
        }
    }

    /// Adds a reader error met at `place`, under the rule it breaks.
    pub fn read_error(&mut self, place: &str, e: &ReadError) {
        let rule = match e {
            ReadError::RecordCrossesSector { .. } => Rule::RecordSector,
            ReadError::Endian { .. } => Rule::EndianPair,
            _ => Rule::Read,
        };
        self.push(rule, format!("{place}: {e}"));
    }

    /// The findings, and their number per rule, with the severities of this verification.
    fn finish(self, strict: bool) -> (Vec<Finding>, Vec<(Rule, Severity, usize)>) {
        let mut out = Vec::new();
        let mut totals = Vec::new();
        for (rule, (kept, count)) in self.by_rule {
            let severity = match rule.severity() {
                Severity::Violation if !strict && !rule.is_structural() => Severity::Warning,
                s => s,
            };
            totals.push((rule, severity, count));
            let more = count - kept.len();
            out.extend(kept.into_iter().map(|message| Finding { rule, severity, message }));
            if more > 0 {
                let message = format!("{more} more findings like these");
                out.push(Finding { rule, severity, message });
            }
        }
        (out, totals)
    }
}

/// Checks `image` against the rules of ECMA-119 and Joliet. With `strict`, every violation
/// fails the report; without, only structural ones do.
pub fn verify<S: ReadAt>(image: &Image<S>, strict: bool) -> Report {
    let opts = image.options().clone().lenient(true);
    let ctx = Ctx { src: image.source(), opts: &opts };
    let mut f = Findings::default();
    descriptors::check(image, &mut f);
    eltorito::check(image, &mut f);
    let rr_skip = image.rock_ridge().map_or(0, |rr| usize::from(rr.skip));
    let iso = scan::scan(ctx, image.primary(), rr_skip, &mut f);
    path_tables::check(ctx, image.primary(), &iso, &mut f);
    let session = u64::from(image.options().session_start);
    let volume_end = session + u64::from(image.primary().volume_space_size());
    rock_ridge_rules::check(ctx, &iso, volume_end, &mut f);
    let joliet = image.joliet().map(|vol| {
        let s = scan::scan(ctx, vol, 0, &mut f);
        path_tables::check(ctx, vol, &s, &mut f);
        s
    });
    cross::check(image, &iso, joliet.as_ref(), &mut f);
    let iso_level = iso.stats.level();
    let (findings, totals) = f.finish(strict);
    Report { findings, iso_level, strict, totals }
}
