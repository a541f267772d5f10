//! The two date forms of ECMA-119: the 7-byte recording date of directory records (§9.1.5) and
//! the 17-byte ASCII date of volume descriptors (§8.4.26.1). Both carry the offset from GMT in
//! 15-minute units, east positive, from −48 to +52.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Timelike};

/// A calendar time with its GMT offset, as ISO 9660 stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IsoDateTime {
    /// Year, 1900–2155 in the 7-byte form, 0–9999 in the 17-byte form.
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
    /// Hour, 0–23.
    pub hour: u8,
    /// Minute, 0–59.
    pub minute: u8,
    /// Second, 0–59.
    pub second: u8,
    /// Hundredths of a second (17-byte form only).
    pub centisecond: u8,
    /// Offset from GMT in 15-minute units, −48 to +52.
    pub gmt_offset: i8,
}

/// Why a date field could not be read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateError {
    /// A field is out of its range (month 13, offset +60, ...).
    #[error("date field {field} is out of range ({value})")]
    OutOfRange {
        /// The field at fault.
        field: &'static str,
        /// Its value.
        value: i32,
    },
    /// A 17-byte date holds a byte that is not an ASCII digit.
    #[error("date digit at offset {0} is not an ASCII digit")]
    NotDigit(usize),
    /// The offset is not a whole number of 15-minute units.
    #[error("offset of {0} seconds from GMT is not a multiple of 15 minutes")]
    OffsetNotQuarterHour(i32),
}

impl IsoDateTime {
    /// The date of a `chrono` time with a fixed offset.
    pub fn from_chrono(t: &DateTime<FixedOffset>) -> Result<Self, DateError> {
        let secs = t.offset().local_minus_utc();
        if secs % 900 != 0 {
            return Err(DateError::OffsetNotQuarterHour(secs));
        }
        let quarter = secs / 900;
        if !(-48..=52).contains(&quarter) {
            return Err(DateError::OutOfRange { field: "gmt offset", value: quarter });
        }
        let year = t.year();
        if !(0..=9999).contains(&year) {
            return Err(DateError::OutOfRange { field: "year", value: year });
        }
        Ok(Self {
            year: year as u16,
            month: t.month() as u8,
            day: t.day() as u8,
            hour: t.hour() as u8,
            minute: t.minute() as u8,
            second: t.second().min(59) as u8,
            centisecond: (t.nanosecond().min(999_999_999) / 10_000_000) as u8,
            gmt_offset: quarter as i8,
        })
    }

    /// The date of a Unix time (seconds since 1970 UTC), shown at `gmt_offset` quarter hours.
    pub fn from_unix(secs: i64, gmt_offset: i8) -> Result<Self, DateError> {
        if !(-48..=52).contains(&gmt_offset) {
            return Err(DateError::OutOfRange { field: "gmt offset", value: gmt_offset.into() });
        }
        let offset = FixedOffset::east_opt(i32::from(gmt_offset) * 900)
            .ok_or(DateError::OutOfRange { field: "gmt offset", value: gmt_offset.into() })?;
        let t = offset
            .timestamp_opt(secs, 0)
            .single()
            .ok_or(DateError::OutOfRange { field: "unix time", value: i32::MAX })?;
        Self::from_chrono(&t)
    }

    /// This date as a `chrono` time, if it names a real instant.
    pub fn to_chrono(&self) -> Option<DateTime<FixedOffset>> {
        let offset = FixedOffset::east_opt(i32::from(self.gmt_offset) * 900)?;
        let naive = NaiveDate::from_ymd_opt(self.year.into(), self.month.into(), self.day.into())?
            .and_hms_milli_opt(
                self.hour.into(),
                self.minute.into(),
                self.second.into(),
                u32::from(self.centisecond) * 10,
            )?;
        offset.from_local_datetime(&naive).single()
    }

    /// Seconds since 1970 UTC, if this date names a real instant.
    pub fn to_unix(&self) -> Option<i64> {
        self.to_chrono().map(|t| t.timestamp())
    }

    fn check(&self) -> Result<(), DateError> {
        let fields: [(&'static str, i32, i32, i32); 7] = [
            ("month", self.month.into(), 1, 12),
            ("day", self.day.into(), 1, 31),
            ("hour", self.hour.into(), 0, 23),
            ("minute", self.minute.into(), 0, 59),
            ("second", self.second.into(), 0, 59),
            ("centisecond", self.centisecond.into(), 0, 99),
            ("gmt offset", self.gmt_offset.into(), -48, 52),
        ];
        for (field, value, lo, hi) in fields {
            if !(lo..=hi).contains(&value) {
                return Err(DateError::OutOfRange { field, value });
            }
        }
        Ok(())
    }

    /// The 7-byte form of a directory record (§9.1.5). The year must be 1900–2155.
    pub fn to_bytes7(&self) -> Result<[u8; 7], DateError> {
        self.check()?;
        let years = i32::from(self.year) - 1900;
        if !(0..=255).contains(&years) {
            return Err(DateError::OutOfRange { field: "year", value: self.year.into() });
        }
        Ok([
            years as u8,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.gmt_offset as u8,
        ])
    }

    /// Reads the 7-byte form, checking every field's range. An all-zero field means "not
    /// recorded" and gives `Ok(None)`.
    pub fn from_bytes7(b: &[u8; 7]) -> Result<Option<Self>, DateError> {
        if b == &[0; 7] {
            return Ok(None);
        }
        let d = Self {
            year: 1900 + u16::from(b[0]),
            month: b[1],
            day: b[2],
            hour: b[3],
            minute: b[4],
            second: b[5],
            centisecond: 0,
            gmt_offset: b[6] as i8,
        };
        d.check()?;
        Ok(Some(d))
    }

    /// The 17-byte form of a volume descriptor (§8.4.26.1).
    pub fn to_bytes17(&self) -> Result<[u8; 17], DateError> {
        self.check()?;
        if self.year > 9999 {
            return Err(DateError::OutOfRange { field: "year", value: self.year.into() });
        }
        let text = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.centisecond
        );
        let mut out = [0u8; 17];
        out[..16].copy_from_slice(text.as_bytes());
        out[16] = self.gmt_offset as u8;
        Ok(out)
    }

    /// Reads the 17-byte form. Sixteen `'0'` digits with offset 0 (or all zero bytes, which some
    /// writers leave) mean "not specified" and give `Ok(None)`.
    pub fn from_bytes17(b: &[u8; 17]) -> Result<Option<Self>, DateError> {
        if b[..16] == *b"0000000000000000" && b[16] == 0 || b == &[0; 17] {
            return Ok(None);
        }
        let mut digits = [0u16; 16];
        for (i, (d, &c)) in digits.iter_mut().zip(b.iter()).enumerate() {
            if !c.is_ascii_digit() {
                return Err(DateError::NotDigit(i));
            }
            *d = u16::from(c - b'0');
        }
        let num = |r: core::ops::Range<usize>| digits[r].iter().fold(0u16, |a, &d| a * 10 + d);
        let d = Self {
            year: num(0..4),
            month: num(4..6) as u8,
            day: num(6..8) as u8,
            hour: num(8..10) as u8,
            minute: num(10..12) as u8,
            second: num(12..14) as u8,
            centisecond: num(14..16) as u8,
            gmt_offset: b[16] as i8,
        };
        d.check()?;
        Ok(Some(d))
    }
}

/// The 17-byte "not specified" date: sixteen `'0'` digits and offset 0.
pub const UNSPECIFIED_DATE17: [u8; 17] = *b"0000000000000000\0";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_east_are_positive_quarter_hours() {
        // 2024-01-01T00:00:00Z seen in New Zealand summer time (+13:00) and Nepal (+05:45).
        let nz = IsoDateTime::from_unix(1_704_067_200, 52).unwrap();
        assert_eq!((nz.hour, nz.gmt_offset), (13, 52));
        assert_eq!(nz.to_bytes7().unwrap(), [124, 1, 1, 13, 0, 0, 52]);
        let np = IsoDateTime::from_unix(1_704_067_200, 23).unwrap();
        assert_eq!((np.hour, np.minute), (5, 45));
        assert_eq!(&np.to_bytes17().unwrap(), b"2024010105450000\x17");
        let west = IsoDateTime::from_unix(1_704_067_200, -48).unwrap();
        assert_eq!(west.to_bytes7().unwrap()[6], (-48i8) as u8);
        assert_eq!(west.to_unix(), Some(1_704_067_200));
        assert!(IsoDateTime::from_unix(0, 53).is_err());
    }

    #[test]
    fn seven_byte_years_span_1900_to_2155() {
        let mut d = IsoDateTime::from_unix(0, 0).unwrap();
        d.year = 1900;
        assert_eq!(d.to_bytes7().unwrap()[0], 0);
        d.year = 2155;
        assert_eq!(d.to_bytes7().unwrap()[0], 255);
        d.year = 2156;
        assert!(d.to_bytes7().is_err());
        let back = IsoDateTime::from_bytes7(&[255, 12, 31, 23, 59, 59, 0]).unwrap().unwrap();
        assert_eq!(back.year, 2155);
    }

    #[test]
    fn unspecified_and_malformed_dates() {
        assert_eq!(IsoDateTime::from_bytes17(&UNSPECIFIED_DATE17), Ok(None));
        assert_eq!(IsoDateTime::from_bytes7(&[0; 7]), Ok(None));
        let mut bad = *b"2024130100000000\0";
        assert!(matches!(
            IsoDateTime::from_bytes17(&bad),
            Err(DateError::OutOfRange { field: "month", .. })
        ));
        bad[3] = b'x';
        assert_eq!(IsoDateTime::from_bytes17(&bad), Err(DateError::NotDigit(3)));
        assert!(IsoDateTime::from_bytes7(&[100, 1, 1, 0, 0, 0, 60]).is_err());
    }

    #[test]
    fn round_trips_both_forms() {
        let d = IsoDateTime::from_unix(1_234_567_890, -20).unwrap();
        assert_eq!(IsoDateTime::from_bytes17(&d.to_bytes17().unwrap()), Ok(Some(d)));
        assert_eq!(IsoDateTime::from_bytes7(&d.to_bytes7().unwrap()), Ok(Some(d)));
        assert_eq!(d.to_unix(), Some(1_234_567_890));
    }
}
