//! "Now", for the server and for every command: the system's clock, or a fixed instant
//! (`PORTAL_CLOCK`, RFC 3339) for tests and demonstrations. Handlers and commands read it and
//! hand the instant down; nothing below them reads a clock of its own.

use std::sync::{Arc, RwLock};

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::billing::china_date;

#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Option<Arc<RwLock<DateTime<Utc>>>>,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that stays at `at` until moved.
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock {
            fixed: Some(Arc::new(RwLock::new(at))),
        }
    }

    /// `PORTAL_CLOCK`'s value: an RFC 3339 instant such as `2026-07-20T09:00:00+08:00`.
    pub fn parse(raw: &str) -> anyhow::Result<Clock> {
        let at = DateTime::parse_from_rfc3339(raw.trim())
            .with_context(|| format!("{raw:?} is not an RFC 3339 instant"))?;
        Ok(Clock::fixed(at.with_timezone(&Utc)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.fixed {
            Some(at) => *at.read().unwrap_or_else(std::sync::PoisonError::into_inner),
            None => Utc::now(),
        }
    }

    /// Today in China Standard Time: the calendar day billing counts in.
    pub fn today(&self) -> NaiveDate {
        china_date(self.now())
    }

    /// Moves a fixed clock (tests walking through a billing period); the system's clock can't be
    /// moved: `false`.
    pub fn set(&self, at: DateTime<Utc>) -> bool {
        match &self.fixed {
            Some(fixed) => {
                *fixed
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = at;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_stays_and_moves_when_told() {
        let clock = Clock::parse("2026-07-20T23:30:00+08:00").unwrap();
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 7, 20).unwrap());
        assert_eq!(clock.now(), clock.now());
        let other = clock.clone();
        assert!(
            clock.set(
                DateTime::parse_from_rfc3339("2026-07-20T16:30:00Z")
                    .unwrap()
                    .into()
            )
        );
        // Shared by its clones; half past midnight in China is the next day.
        assert_eq!(other.today(), NaiveDate::from_ymd_opt(2026, 7, 21).unwrap());
        assert!(Clock::parse("tomorrow").is_err());
        assert!(!Clock::system().set(Utc::now()));
    }
}
