//! Calendar days as the portal's resellers live them, in China Standard Time (UTC+8): the days a
//! reseller types to filter its activity log, and the instants where they begin and end.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::billing::china_date;

/// Why a typed date is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DayError {
    /// Not a date of the form YYYY-MM-DD (or a year before 1970).
    #[error("not a date of the form YYYY-MM-DD")]
    NotADate,
    /// The last day of a range comes before its first.
    #[error("the last day comes before the first")]
    BeforeFirst,
}

impl DayError {
    /// The key of the message shown beside the field.
    pub fn message_key(self) -> &'static str {
        match self {
            DayError::NotADate => "date-invalid",
            DayError::BeforeFirst => "date-before-first",
        }
    }
}

/// A day typed in a form: exactly YYYY-MM-DD (what a date input sends), a real calendar day,
/// 1970 to 9999; surrounding spaces are ignored and an empty field is no day.
pub fn parse_day(raw: &str) -> Result<Option<NaiveDate>, DayError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let shape = raw.len() == 10
        && raw.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        });
    if !shape {
        return Err(DayError::NotADate);
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .filter(|d| *d >= NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN))
        .map(Some)
        .ok_or(DayError::NotADate)
}

/// The days from `first` to `last`, both included, in China Standard Time; either end may be
/// open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayRange {
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
}

/// What is wrong with each end of a typed range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayRangeErrors {
    pub first: Option<DayError>,
    pub last: Option<DayError>,
}

impl DayRange {
    /// Parses the two fields of a range (see [`parse_day`]); a last day before the first is an
    /// error of the last.
    pub fn parse(first: &str, last: &str) -> Result<DayRange, DayRangeErrors> {
        match (parse_day(first), parse_day(last)) {
            (Ok(first), Ok(last)) => {
                if let (Some(f), Some(l)) = (first, last)
                    && l < f
                {
                    return Err(DayRangeErrors {
                        first: None,
                        last: Some(DayError::BeforeFirst),
                    });
                }
                Ok(DayRange { first, last })
            }
            (first, last) => Err(DayRangeErrors {
                first: first.err(),
                last: last.err(),
            }),
        }
    }

    pub fn first(&self) -> Option<NaiveDate> {
        self.first
    }

    pub fn last(&self) -> Option<NaiveDate> {
        self.last
    }

    /// Whether the range leaves out nothing.
    pub fn is_open(&self) -> bool {
        self.first.is_none() && self.last.is_none()
    }

    /// The range's first instant: midnight in China at the start of the first day.
    pub fn starts(&self) -> Option<DateTime<Utc>> {
        self.first.map(china_midnight)
    }

    /// The first instant after the range: midnight in China at the end of the last day.
    pub fn ends(&self) -> Option<DateTime<Utc>> {
        self.last
            .map(|d| china_midnight(d.succ_opt().unwrap_or(NaiveDate::MAX)))
    }

    /// Whether an instant falls on one of the range's days in China.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        let day = china_date(at);
        self.first.is_none_or(|f| f <= day) && self.last.is_none_or(|l| day <= l)
    }
}

/// The instant a day begins in China Standard Time.
fn china_midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc() - TimeDelta::hours(8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().into()
    }

    #[test]
    fn a_day_is_exactly_yyyy_mm_dd() {
        assert_eq!(parse_day(" 2026-07-20 "), Ok(Some(day(2026, 7, 20))));
        assert_eq!(parse_day(""), Ok(None));
        assert_eq!(parse_day("  "), Ok(None));
        for bad in [
            "2026-7-20",
            "2026-02-30",
            "2026/07/20",
            "20260720",
            "2026-07-20T00:00",
            "２０２６-07-20",
            "1969-12-31",
            "+2026-07-20",
            "yesterday",
            "0000-00-00",
        ] {
            assert_eq!(parse_day(bad), Err(DayError::NotADate), "{bad}");
        }
    }

    #[test]
    fn a_range_names_what_is_wrong_with_each_end() {
        assert_eq!(
            DayRange::parse("x", "2026-07-20"),
            Err(DayRangeErrors {
                first: Some(DayError::NotADate),
                last: None
            })
        );
        assert_eq!(
            DayRange::parse("2026-07-21", "2026-07-20"),
            Err(DayRangeErrors {
                first: None,
                last: Some(DayError::BeforeFirst)
            })
        );
        assert!(DayRange::parse("", "").unwrap().is_open());
        assert!(!DayRange::parse("2026-07-20", "").unwrap().is_open());
    }

    #[test]
    fn days_begin_and_end_at_midnight_in_china() {
        let range = DayRange::parse("2026-07-20", "2026-07-21").unwrap();
        assert_eq!(range.starts(), Some(at("2026-07-19T16:00:00Z")));
        assert_eq!(range.ends(), Some(at("2026-07-21T16:00:00Z")));
        assert!(range.contains(at("2026-07-20T00:00:00+08:00")));
        assert!(!range.contains(at("2026-07-19T23:59:59+08:00")));
        assert!(range.contains(at("2026-07-21T23:59:59+08:00")));
        assert!(!range.contains(at("2026-07-22T00:00:00+08:00")));
        // The same UTC day, two China days.
        let one = DayRange::parse("2026-07-21", "2026-07-21").unwrap();
        assert!(!one.contains(at("2026-07-20T15:30:00Z")));
        assert!(one.contains(at("2026-07-20T16:30:00Z")));
        // The bounds a query uses say the same as the days.
        for t in [
            "2026-07-20T15:59:59Z",
            "2026-07-20T16:00:00Z",
            "2026-07-21T15:59:59Z",
            "2026-07-21T16:00:00Z",
        ] {
            let t = at(t);
            let within = one.starts().is_none_or(|s| s <= t) && one.ends().is_none_or(|e| t < e);
            assert_eq!(within, one.contains(t), "{t}");
        }
    }
}
