//! A subscription as the rules see it.

use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

use super::eligibility::{self, Context, Eligibility};
use super::{Customer, OfferId, ResellerId, SubscriptionId, SubscriptionStatus};

/// The optimistic-concurrency version of a subscription: every change increments it, and a change
/// made from a form carries the version the form was shown with (rule 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub i64);

impl Version {
    /// Parses the hidden form field; anything but a whole number is a tampered form.
    pub fn parse(raw: &str) -> Option<Version> {
        raw.trim()
            .parse::<i64>()
            .ok()
            .filter(|v| *v >= 0)
            .map(Version)
    }

    pub fn next(self) -> Version {
        Version(self.0 + 1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillingCycle {
    Monthly,
    Annual,
}

impl BillingCycle {
    pub fn as_str(self) -> &'static str {
        match self {
            BillingCycle::Monthly => "monthly",
            BillingCycle::Annual => "annual",
        }
    }
}

impl FromStr for BillingCycle {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "monthly" => Ok(BillingCycle::Monthly),
            "annual" => Ok(BillingCycle::Annual),
            other => Err(format!(
                "unknown billing cycle {other:?}: expected monthly or annual"
            )),
        }
    }
}

/// A subscription of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: SubscriptionId,
    pub offer: OfferId,
    pub friendly_name: String,
    pub quantity: u32,
    pub assigned_licenses: u32,
    pub status: SubscriptionStatus,
    /// The reseller of record; `None` when bought directly or through a partner outside the portal.
    pub sold_by: Option<ResellerId>,
    pub billing_cycle: BillingCycle,
    pub auto_renew: bool,
    pub created: NaiveDate,
    /// Set on a subscription cancelled by an upgrade: the subscription it was upgraded to.
    pub upgraded_to: Option<SubscriptionId>,
    /// Set on a subscription created by an upgrade: the subscription it was upgraded from.
    pub upgraded_from: Option<SubscriptionId>,
    pub version: Version,
}

impl Subscription {
    /// The last day of the yearly commitment running on `today`: the day before the first
    /// anniversary of the creation date after `today`.
    pub fn commitment_end(&self, today: NaiveDate) -> NaiveDate {
        let created = self.created;
        let anniversary = |year: i32| {
            NaiveDate::from_ymd_opt(year, created.month(), created.day())
                // 29 February: the 28th in other years.
                .or_else(|| NaiveDate::from_ymd_opt(year, created.month(), created.day() - 1))
                .unwrap_or(created)
        };
        let mut year = created.year() + 1;
        while anniversary(year) <= today {
            year += 1;
        }
        anniversary(year).pred_opt().unwrap_or(created)
    }
}

/// One subscription a customer holds, from any channel: what rules 4 and 5 look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub subscription: SubscriptionId,
    pub offer: OfferId,
    pub status: SubscriptionStatus,
    /// The reseller that sold it; `None` when bought directly.
    pub sold_by: Option<ResellerId>,
}

impl From<&Subscription> for Holding {
    fn from(s: &Subscription) -> Self {
        Holding {
            subscription: s.id.clone(),
            offer: s.offer,
            status: s.status,
            sold_by: s.sold_by.clone(),
        }
    }
}

/// A subscription as the rules judge it: with its customer (and the reseller's relationship with
/// it) and the customer's holdings from every channel. The store reads it (`store::views`) for
/// the pages, the API and the change engine alike.
#[derive(Debug, Clone)]
pub struct SubscriptionView {
    pub customer: Customer,
    pub subscription: Subscription,
    pub holdings: Vec<Holding>,
}

impl SubscriptionView {
    /// Asks the one eligibility rule about this subscription, for `reseller`.
    pub fn eligibility(&self, reseller: &ResellerId) -> Eligibility {
        eligibility::evaluate(
            &self.subscription,
            &Context {
                reseller,
                delegated_admin: self.customer.delegated_admin,
                holdings: &self.holdings,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use crate::domain::OfferId;
    use crate::domain::test_support::subscription;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn commitment_end(created: NaiveDate, today: NaiveDate) -> NaiveDate {
        let mut s = subscription("s-1", OfferId::O365E3, 1, 0);
        s.created = created;
        s.commitment_end(today)
    }

    #[test]
    fn the_commitment_ends_the_day_before_the_next_anniversary() {
        assert_eq!(
            commitment_end(day(2026, 3, 1), day(2026, 11, 25)),
            day(2027, 2, 28)
        );
        assert_eq!(
            commitment_end(day(2024, 3, 1), day(2026, 11, 25)),
            day(2027, 2, 28)
        );
        assert_eq!(
            commitment_end(day(2025, 11, 25), day(2026, 11, 25)),
            day(2027, 11, 24)
        );
        assert_eq!(
            commitment_end(day(2024, 2, 29), day(2025, 1, 1)),
            day(2025, 2, 27)
        );
    }
}
