//! The dates of directory records: a fixed date for every record, or each node's
//! modification time at the local offset of that instant, or the volume's date.

use chrono::{DateTime, FixedOffset, Local, Offset, TimeZone};

use crate::build::error::Error;
use crate::build::tree::{NodeId, Tree, NO_MTIME};
use crate::format::date::IsoDateTime;

/// The recording date of a modification time, at the local offset of that instant.
pub(super) fn mtime_date(secs: i64) -> Result<[u8; 7], Error> {
    Ok(record_date(&date_at(secs, None)?))
}

fn date_at(secs: i64, fixed: Option<&DateTime<FixedOffset>>) -> Result<IsoDateTime, Error> {
    if let Some(d) = fixed {
        return Ok(IsoDateTime::from_chrono(d)?);
    }
    let local = match Local.timestamp_opt(secs, 0).single() {
        Some(t) => t.fixed_offset(),
        None => Local::now().fixed_offset(),
    };
    // Some historic zones are not whole quarter hours: show those in UTC.
    Ok(IsoDateTime::from_chrono(&local)
        .or_else(|_| IsoDateTime::from_chrono(&local.with_timezone(&chrono::Utc.fix())))?)
}

pub(super) fn record_date(d: &IsoDateTime) -> [u8; 7] {
    // Years outside 1900–2155 cannot be recorded: clamp to the nearest end of the range.
    let mut d = *d;
    if d.year < 1900 {
        d = IsoDateTime {
            year: 1900,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            centisecond: 0,
            gmt_offset: 0,
        };
    } else if d.year > 2155 {
        d = IsoDateTime {
            year: 2155,
            month: 12,
            day: 31,
            hour: 23,
            minute: 59,
            second: 59,
            centisecond: 0,
            gmt_offset: 0,
        };
    }
    d.to_bytes7().unwrap_or([0; 7])
}

/// How records are dated: what [`Dates::of`] needs, and nothing of the plan besides.
#[derive(Debug, Clone, Copy)]
pub(super) struct Dates {
    /// The date every record carries when [`PlanOptions::date`](crate::PlanOptions::date) is
    /// set.
    fixed: Option<[u8; 7]>,
    /// The date of records of nodes without a modification time: the volume's.
    default: [u8; 7],
}

impl Dates {
    pub(super) fn new(fixed: Option<[u8; 7]>, default: [u8; 7]) -> Self {
        Self { fixed, default }
    }

    /// Whether every record carries one fixed date.
    pub(super) fn is_fixed(&self) -> bool {
        self.fixed.is_some()
    }

    /// The recording date of a node (7-byte form): the fixed date when one is set, else its
    /// modification time at the local offset of that instant, else the volume's date.
    pub(super) fn of(&self, tree: &Tree, node: NodeId, cache: &mut DateCache) -> [u8; 7] {
        if let Some(fixed) = self.fixed {
            return fixed;
        }
        let mtime = tree.node(node).mtime;
        if mtime == NO_MTIME {
            return self.default;
        }
        match cache.last {
            Some((secs, bytes)) if secs == mtime => bytes,
            _ => {
                // Checked for every node when planning: this cannot fail.
                let bytes = mtime_date(mtime).unwrap_or(self.default);
                cache.last = Some((mtime, bytes));
                bytes
            }
        }
    }
}

/// The last date made, kept because neighbouring entries mostly share a modification time.
#[derive(Default)]
pub(super) struct DateCache {
    last: Option<(i64, [u8; 7])>,
}
