//! Billing of license-based subscriptions, monthly in advance, as Partner Center operated by
//! 21Vianet bills them (DOMAIN.md, "Billing"): pure functions of a subscription's history, a
//! price list and the reseller's billing day. The review before a change and the invoice after it
//! ask the same functions, line by line, so that their figures agree to the cent.

use std::collections::HashMap;
use std::fmt;

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use super::{OfferId, SubscriptionStatus};

/// The calendar day of an instant in China Standard Time (UTC+8), where billing dates are.
pub fn china_date(at: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    (at + chrono::TimeDelta::hours(8)).date_naive()
}

/// The day of the month a reseller's invoices are dated: 1 to 28, so that every month has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct BillingDay(u32);

impl BillingDay {
    pub const MAX: u32 = 28;

    pub fn parse(raw: &str) -> Option<BillingDay> {
        raw.trim().parse::<u32>().ok().and_then(BillingDay::new)
    }

    pub fn new(day: u32) -> Option<BillingDay> {
        (1..=Self::MAX).contains(&day).then_some(BillingDay(day))
    }

    /// A new reseller's billing day: the day of the month it starts, capped at 28.
    pub fn starting(on: NaiveDate) -> BillingDay {
        BillingDay(on.day().min(Self::MAX))
    }

    pub fn get(self) -> u32 {
        self.0
    }

    fn in_month_of(self, d: NaiveDate) -> NaiveDate {
        d.with_day(self.0).unwrap_or(d)
    }

    /// The latest billing date on or before `d`.
    pub fn on_or_before(self, d: NaiveDate) -> NaiveDate {
        let this = self.in_month_of(d);
        if this <= d {
            this
        } else {
            self.in_month_of(d.checked_sub_months(Months::new(1)).unwrap_or(d))
        }
    }

    /// The first billing date after `d`.
    pub fn after(self, d: NaiveDate) -> NaiveDate {
        let this = self.in_month_of(d);
        if this > d {
            this
        } else {
            self.in_month_of(d.checked_add_months(Months::new(1)).unwrap_or(d))
        }
    }

    /// The billing period `d` falls in: from the billing date on or before it to the day before
    /// the next.
    pub fn period_of(self, d: NaiveDate) -> Period {
        Period {
            start: self.on_or_before(d),
            end: self.after(d).pred_opt().unwrap_or(d),
        }
    }

    pub fn is_billing_date(self, d: NaiveDate) -> bool {
        d.day() == self.0
    }
}

impl fmt::Display for BillingDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A billing period: its first and last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    pub fn days(self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// The billing date that settles this period: the day after it.
    pub fn invoice_date(self) -> NaiveDate {
        self.end.succ_opt().unwrap_or(self.end)
    }

    fn each_day(self) -> impl Iterator<Item = NaiveDate> {
        self.start.iter_days().take_while(move |d| *d <= self.end)
    }
}

/// Money: a decimal amount in CNY, never a float.
pub type Amount = Decimal;

/// Rounds an amount half-up to cents, once per charge line; always two decimals (`132.00`).
pub fn cents(amount: Amount) -> Amount {
    let mut rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    rounded
}

/// The unit prices of the offers over time: a price per license per month, valid from a day
/// until a later price of the same offer. Later lists add to earlier ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceList {
    by_offer: HashMap<OfferId, Vec<(NaiveDate, Amount)>>,
}

impl PriceList {
    /// From `(offer, valid from, unit price)` in the order they were loaded: of two prices of an
    /// offer valid from the same day, the later loaded counts.
    pub fn new(prices: impl IntoIterator<Item = (OfferId, NaiveDate, Amount)>) -> PriceList {
        let mut by_offer: HashMap<OfferId, Vec<(NaiveDate, Amount)>> = HashMap::new();
        for (offer, from, price) in prices {
            by_offer.entry(offer).or_default().push((from, price));
        }
        for list in by_offer.values_mut() {
            // Stable: the later loaded of one day stays after the earlier.
            list.sort_by_key(|(from, _)| *from);
        }
        PriceList { by_offer }
    }

    /// The offer's prices that start after `day`, soonest first.
    pub fn upcoming(&self, offer: OfferId, day: NaiveDate) -> Vec<(NaiveDate, Amount)> {
        self.by_offer
            .get(&offer)
            .map(|list| {
                list.iter()
                    .filter(|(from, _)| *from > day)
                    .copied()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The offer's unit price valid on `day`, if it has one.
    pub fn on(&self, offer: OfferId, day: NaiveDate) -> Option<Amount> {
        self.by_offer
            .get(&offer)?
            .iter()
            .rev()
            .find(|(from, _)| *from <= day)
            .map(|(_, price)| *price)
    }
}

/// An offer without a price on the day a charge needs one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} has no price on {1}")]
pub struct NoPrice(pub OfferId, pub NaiveDate);

/// A subscription's licenses and status, day by day, as its history tells: its state when
/// created (or before its first recorded change), and each change from the day it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub offer: OfferId,
    pub created: NaiveDate,
    initial: (u32, SubscriptionStatus),
    /// From the day of each change (in China Standard Time), the state after it, oldest first.
    changes: Vec<(NaiveDate, u32, SubscriptionStatus)>,
}

impl Timeline {
    /// `initial` is the state before the first change; `changes` the state after each, oldest
    /// first (several on one day: the last counts for that day).
    pub fn new(
        offer: OfferId,
        created: NaiveDate,
        initial: (u32, SubscriptionStatus),
        changes: Vec<(NaiveDate, u32, SubscriptionStatus)>,
    ) -> Timeline {
        Timeline {
            offer,
            created,
            initial,
            changes,
        }
    }

    /// The timeline with one more change, made on `day`: what a change under review would make.
    pub fn with_change(&self, day: NaiveDate, quantity: u32, status: SubscriptionStatus) -> Self {
        let mut next = self.clone();
        next.changes.push((day, quantity, status));
        next
    }

    /// Licenses and status on `day`; `None` before the subscription existed.
    pub fn on(&self, day: NaiveDate) -> Option<(u32, SubscriptionStatus)> {
        if day < self.created {
            return None;
        }
        Some(
            self.changes
                .iter()
                .rev()
                .find(|(from, _, _)| *from <= day)
                .map_or(self.initial, |(_, q, s)| (*q, *s)),
        )
    }

    /// Licenses charged for on `day`: the count while active, none otherwise.
    fn active_on(&self, day: NaiveDate) -> Option<u32> {
        match self.on(day)? {
            (q, SubscriptionStatus::Active) => Some(q),
            _ => None,
        }
    }

    /// Licenses active as `day` begins, before any change made that day: what the invoice dated
    /// that day charges in advance.
    fn active_as_day_begins(&self, day: NaiveDate) -> Option<u32> {
        if day < self.created {
            return None;
        }
        let state = self
            .changes
            .iter()
            .rev()
            .find(|(from, _, _)| *from < day)
            .map_or(self.initial, |(_, q, s)| (*q, *s));
        match state {
            (q, SubscriptionStatus::Active) => Some(q),
            _ => None,
        }
    }
}

/// What a line of an invoice charges for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargeType {
    /// The period that starts, in advance.
    Advance,
    /// The advance charged at the start of the period that ended, taken back.
    AdvanceReversal,
    /// What the period that ended used, stretch by stretch of days with the same licenses.
    ProratedUsage,
}

impl ChargeType {
    /// The key of the charge type's name in the message catalogs.
    pub fn message_key(self) -> &'static str {
        match self {
            ChargeType::Advance => "charge-advance",
            ChargeType::AdvanceReversal => "charge-advance_reversal",
            ChargeType::ProratedUsage => "charge-prorated_usage",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChargeType::Advance => "advance",
            ChargeType::AdvanceReversal => "advance_reversal",
            ChargeType::ProratedUsage => "prorated_usage",
        }
    }
}

/// One line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeLine {
    pub charge_type: ChargeType,
    /// The days charged for, first and last.
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub quantity: u32,
    pub unit_price: Amount,
    pub amount: Amount,
}

/// The rules of one reseller's bills: its billing day, and the price list.
#[derive(Debug, Clone, Copy)]
pub struct Billing<'a> {
    pub day: BillingDay,
    pub prices: &'a PriceList,
}

/// What a change does to the bill, as the review shows it before the change is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effect {
    /// The billing date that settles the current period.
    pub next_billing_date: NaiveDate,
    /// The current period's usage after the change minus before (both assuming no further
    /// change), charged (or, negative, credited) on the next billing date.
    pub period_change: Amount,
    /// The advance on the next billing date, before and after the change.
    pub advance_before: Amount,
    pub advance_after: Amount,
}

impl Effect {
    /// Two effects on one bill (an upgrade's source and new subscription).
    pub fn plus(self, other: Effect) -> Effect {
        Effect {
            next_billing_date: self.next_billing_date,
            period_change: self.period_change + other.period_change,
            advance_before: self.advance_before + other.advance_before,
            advance_after: self.advance_after + other.advance_after,
        }
    }
}

/// A change under review, as billing sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Planned {
    /// The subscription's licenses and status after the change (a license change, a suspension
    /// or a reactivation).
    State(u32, SubscriptionStatus),
    /// An upgrade: the source's state after it, and a new subscription of `target`.
    Upgrade {
        source_after: (u32, SubscriptionStatus),
        target: OfferId,
        quantity: u32,
    },
}

impl Billing<'_> {
    /// What a planned change made `today` does to the bill: the review's figures.
    pub fn review(
        &self,
        t: &Timeline,
        planned: Planned,
        today: NaiveDate,
    ) -> Result<Effect, NoPrice> {
        match planned {
            Planned::State(quantity, status) => {
                self.effect(t, &t.with_change(today, quantity, status), today)
            }
            Planned::Upgrade {
                source_after: (quantity, status),
                target,
                quantity: new,
            } => {
                let source = self.effect(t, &t.with_change(today, quantity, status), today)?;
                let created =
                    Timeline::new(target, today, (new, SubscriptionStatus::Active), vec![]);
                Ok(source.plus(self.effect_of_new(&created, today)?))
            }
        }
    }

    /// A subscription is free until its first billing date after the day it was created.
    fn first_billing_date(&self, t: &Timeline) -> NaiveDate {
        self.day.after(t.created)
    }

    fn price(&self, offer: OfferId, day: NaiveDate) -> Result<Amount, NoPrice> {
        self.prices.on(offer, day).ok_or(NoPrice(offer, day))
    }

    /// The advance charged on the billing date `date`: the licenses as that day begins (the
    /// invoice is dated before the day's changes, which count in its usage) at that day's price,
    /// for a subscription active then and past its free time.
    pub fn advance(&self, t: &Timeline, date: NaiveDate) -> Result<Option<ChargeLine>, NoPrice> {
        if date < self.first_billing_date(t) {
            return Ok(None);
        }
        let Some(quantity) = t.active_as_day_begins(date) else {
            return Ok(None);
        };
        let unit_price = self.price(t.offer, date)?;
        let next = self.day.after(date).pred_opt().unwrap_or(date);
        Ok(Some(ChargeLine {
            charge_type: ChargeType::Advance,
            start: date,
            end: next,
            quantity,
            unit_price,
            amount: cents(unit_price * Amount::from(quantity)),
        }))
    }

    /// The period's usage: one line per stretch of active days with the same licenses, each
    /// count × the period's first day's price × days ÷ days in the period, rounded to cents.
    /// Days of the free time are lines at no price.
    pub fn usage(&self, t: &Timeline, period: Period) -> Result<Vec<ChargeLine>, NoPrice> {
        let first_billing = self.first_billing_date(t);
        let mut stretches: Vec<(NaiveDate, NaiveDate, u32, bool)> = Vec::new();
        for day in period.each_day() {
            let Some(quantity) = t.active_on(day) else {
                continue;
            };
            let free = day < first_billing;
            match stretches.last_mut() {
                Some((_, end, q, f))
                    if *q == quantity && *f == free && end.succ_opt() == Some(day) =>
                {
                    *end = day;
                }
                _ => stretches.push((day, day, quantity, free)),
            }
        }
        let days_in_period = Amount::from(period.days());
        stretches
            .into_iter()
            .map(|(start, end, quantity, free)| {
                let unit_price = if free {
                    Amount::ZERO
                } else {
                    self.price(t.offer, period.start)?
                };
                let days = Amount::from((end - start).num_days() + 1);
                Ok(ChargeLine {
                    charge_type: ChargeType::ProratedUsage,
                    start,
                    end,
                    quantity,
                    unit_price,
                    amount: cents(unit_price * Amount::from(quantity) * days / days_in_period),
                })
            })
            .collect()
    }

    /// The lines of the invoice dated `date` (a billing date) for one subscription: the reversal
    /// of the advance of the period that ended, its usage, and the advance of the period that
    /// starts. A subscription charged nothing (its free time only) has no lines.
    pub fn invoice(&self, t: &Timeline, date: NaiveDate) -> Result<Vec<ChargeLine>, NoPrice> {
        let ended = self.day.period_of(date.pred_opt().unwrap_or(date));
        let mut lines = Vec::new();
        if let Some(advance) = self.advance(t, ended.start)? {
            lines.push(ChargeLine {
                charge_type: ChargeType::AdvanceReversal,
                amount: -advance.amount,
                ..advance
            });
        }
        lines.extend(self.usage(t, ended)?);
        lines.extend(self.advance(t, date)?);
        if lines
            .iter()
            .all(|l| l.amount.is_zero() && l.unit_price.is_zero())
        {
            lines.clear();
        }
        Ok(lines)
    }

    /// What a subscription created on `today` (an upgrade's target) does to the bill: nothing
    /// in its free time, then its first advance.
    pub fn effect_of_new(&self, new: &Timeline, today: NaiveDate) -> Result<Effect, NoPrice> {
        let next = self.day.period_of(today).invoice_date();
        Ok(Effect {
            next_billing_date: next,
            period_change: cents(Amount::ZERO),
            advance_before: cents(Amount::ZERO),
            advance_after: self
                .advance(new, next)?
                .map_or(cents(Amount::ZERO), |l| l.amount),
        })
    }

    /// What turning `before` into `after` does to the bill, on `today`.
    pub fn effect(
        &self,
        before: &Timeline,
        after: &Timeline,
        today: NaiveDate,
    ) -> Result<Effect, NoPrice> {
        let period = self.day.period_of(today);
        let next = period.invoice_date();
        let usage = |t: &Timeline| -> Result<Amount, NoPrice> {
            Ok(cents(self.usage(t, period)?.iter().map(|l| l.amount).sum()))
        };
        let advance = |t: &Timeline| -> Result<Amount, NoPrice> {
            Ok(cents(
                self.advance(t, next)?.map_or(Amount::ZERO, |l| l.amount),
            ))
        };
        Ok(Effect {
            next_billing_date: next,
            period_change: usage(after)? - usage(before)?,
            advance_before: advance(before)?,
            advance_after: advance(after)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SubscriptionStatus::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn money(s: &str) -> Amount {
        s.parse().unwrap()
    }

    fn prices(price: &str) -> PriceList {
        PriceList::new([(OfferId::O365E3, day(1, 1), money(price))])
    }

    fn fifteen() -> BillingDay {
        BillingDay::new(15).unwrap()
    }

    /// 21Vianet's worked example: an existing subscription at 11 a license a month, billing
    /// day 15; 15 licenses from Jul 15, 12 from Jul 20, 18 from Jul 31, 10 from Aug 10.
    fn worked_example() -> Timeline {
        Timeline::new(
            OfferId::O365E3,
            day(1, 10),
            (15, Active),
            vec![
                (day(7, 20), 12, Active),
                (day(7, 31), 18, Active),
                (day(8, 10), 10, Active),
            ],
        )
    }

    #[test]
    fn billing_dates_and_periods() {
        let d = fifteen();
        assert_eq!(
            d.period_of(day(7, 20)),
            Period {
                start: day(7, 15),
                end: day(8, 14)
            }
        );
        assert_eq!(d.period_of(day(7, 20)).days(), 31);
        assert_eq!(d.period_of(day(7, 15)).start, day(7, 15));
        assert_eq!(
            d.period_of(day(7, 14)),
            Period {
                start: day(6, 15),
                end: day(7, 14)
            }
        );
        assert_eq!(d.after(day(7, 15)), day(8, 15));
        assert_eq!(
            d.after(day(12, 20)),
            NaiveDate::from_ymd_opt(2027, 1, 15).unwrap()
        );
        assert_eq!(
            BillingDay::new(28).unwrap().period_of(day(2, 28)).days(),
            28
        );
        assert_eq!(BillingDay::new(0), None);
        assert_eq!(BillingDay::new(29), None);
        assert_eq!(BillingDay::parse(" 7 "), BillingDay::new(7));
        assert_eq!(
            BillingDay::starting(day(1, 31)),
            BillingDay::new(28).unwrap()
        );
    }

    #[test]
    fn the_worked_example_to_the_cent() {
        let prices = prices("11");
        let billing = Billing {
            day: fifteen(),
            prices: &prices,
        };
        let lines = billing.invoice(&worked_example(), day(8, 15)).unwrap();
        let amounts: Vec<(ChargeType, Amount)> =
            lines.iter().map(|l| (l.charge_type, l.amount)).collect();
        assert_eq!(
            amounts,
            [
                (ChargeType::AdvanceReversal, money("-165.00")),
                (ChargeType::ProratedUsage, money("26.61")),
                (ChargeType::ProratedUsage, money("46.84")),
                (ChargeType::ProratedUsage, money("63.87")),
                (ChargeType::ProratedUsage, money("17.74")),
                (ChargeType::Advance, money("110.00")),
            ]
        );
        assert_eq!(
            (lines[1].start, lines[1].end, lines[1].quantity),
            (day(7, 15), day(7, 19), 15)
        );
        assert_eq!(
            (lines[4].start, lines[4].end, lines[4].quantity),
            (day(8, 10), day(8, 14), 10)
        );
        assert_eq!((lines[5].start, lines[5].end), (day(8, 15), day(9, 14)));
    }

    #[test]
    fn the_reviews_example() {
        // 15 → 12 licenses on Jul 20: 26.61 + 110.71 − 165.00 = −27.68; from Aug 15: 132.00.
        let prices = prices("11");
        let billing = Billing {
            day: fifteen(),
            prices: &prices,
        };
        let before = Timeline::new(OfferId::O365E3, day(1, 10), (15, Active), vec![]);
        let after = before.with_change(day(7, 20), 12, Active);
        let effect = billing.effect(&before, &after, day(7, 20)).unwrap();
        assert_eq!(effect.next_billing_date, day(8, 15));
        assert_eq!(effect.period_change, money("-27.68"));
        assert_eq!(effect.advance_before, money("165.00"));
        assert_eq!(effect.advance_after, money("132.00"));
    }

    #[test]
    fn a_new_subscription_is_free_until_its_first_billing_date() {
        // Created Jul 20 with 5, 8 from Jul 25: free until Aug 15, whose advance is 8 × 11.
        let prices = prices("11");
        let billing = Billing {
            day: fifteen(),
            prices: &prices,
        };
        let new = Timeline::new(
            OfferId::O365E3,
            day(7, 20),
            (5, Active),
            vec![(day(7, 25), 8, Active)],
        );
        let lines = billing.invoice(&new, day(8, 15)).unwrap();
        assert!(
            lines
                .iter()
                .all(|l| l.charge_type != ChargeType::AdvanceReversal)
        );
        let usage: Vec<_> = lines
            .iter()
            .filter(|l| l.charge_type == ChargeType::ProratedUsage)
            .collect();
        assert_eq!(usage.len(), 2);
        assert!(
            usage
                .iter()
                .all(|l| l.amount.is_zero() && l.unit_price.is_zero())
        );
        assert_eq!(
            lines.last().map(|l| (l.charge_type, l.quantity, l.amount)),
            Some((ChargeType::Advance, 8, money("88.00")))
        );
        // The next invoice is an ordinary one.
        let next = billing.invoice(&new, day(9, 15)).unwrap();
        assert_eq!(next[0].amount, money("-88.00"));
        // A license change in the free time costs nothing now, and changes the first advance.
        let effect = billing
            .effect(&new, &new.with_change(day(7, 30), 10, Active), day(7, 30))
            .unwrap();
        assert_eq!(
            (effect.period_change, effect.advance_after),
            (Amount::ZERO, money("110.00"))
        );
    }

    #[test]
    fn one_cancelled_in_its_free_time_never_appears() {
        let prices = prices("11");
        let billing = Billing {
            day: fifteen(),
            prices: &prices,
        };
        let t = Timeline::new(
            OfferId::O365E3,
            day(7, 20),
            (5, Active),
            vec![(day(7, 25), 5, Cancelled)],
        );
        assert_eq!(billing.invoice(&t, day(8, 15)).unwrap(), []);
        assert_eq!(billing.invoice(&t, day(9, 15)).unwrap(), []);
    }

    #[test]
    fn suspended_days_cost_nothing_and_bring_no_advance() {
        let prices = prices("10");
        let billing = Billing {
            day: fifteen(),
            prices: &prices,
        };
        // Suspended Jul 25, for the rest of the period: 10 active days of 31.
        let t = Timeline::new(
            OfferId::O365E3,
            day(1, 1),
            (31, Active),
            vec![(day(7, 25), 31, Suspended)],
        );
        let lines = billing.invoice(&t, day(8, 15)).unwrap();
        let amounts: Vec<Amount> = lines.iter().map(|l| l.amount).collect();
        assert_eq!(amounts, [money("-310.00"), money("100.00")]);
    }

    #[test]
    fn usage_takes_the_periods_first_price_and_an_advance_its_days() {
        let prices = PriceList::new([
            (OfferId::O365E3, day(1, 1), money("10")),
            (OfferId::O365E3, day(8, 1), money("12")),
            // Loaded later, for the same day: it counts.
            (OfferId::O365E3, day(8, 1), money("12.5")),
        ]);
        assert_eq!(prices.on(OfferId::O365E3, day(7, 31)), Some(money("10")));
        assert_eq!(prices.on(OfferId::O365E3, day(8, 1)), Some(money("12.5")));
        assert_eq!(prices.on(OfferId::O365E1, day(8, 1)), None);
        let billing = Billing {
            day: fifteen(),
            prices: &prices,
        };
        let t = Timeline::new(OfferId::O365E3, day(1, 1), (2, Active), vec![]);
        let lines = billing.invoice(&t, day(8, 15)).unwrap();
        let amounts: Vec<Amount> = lines.iter().map(|l| l.amount).collect();
        assert_eq!(amounts, [money("-20.00"), money("20.00"), money("25.00")]);
    }

    #[test]
    fn an_upgrades_review_adds_the_source_and_the_new_subscription() {
        let prices = PriceList::new([
            (OfferId::O365BusinessEssentials, day(1, 1), money("10")),
            (OfferId::O365E3, day(1, 1), money("30")),
        ]);
        let billing = Billing {
            day: fifteen(),
            prices: &prices,
        };
        let t = Timeline::new(
            OfferId::O365BusinessEssentials,
            day(1, 1),
            (31, Active),
            vec![],
        );
        // The whole subscription, on Jul 25: the source charged to the day before, the new one
        // free until Aug 15, then 31 × 30.
        let planned = Planned::Upgrade {
            source_after: (31, Cancelled),
            target: OfferId::O365E3,
            quantity: 31,
        };
        let effect = billing.review(&t, planned, day(7, 25)).unwrap();
        assert_eq!(effect.period_change, money("-210.00"));
        assert_eq!(
            (effect.advance_before, effect.advance_after),
            (money("310.00"), money("930.00"))
        );
    }

    #[test]
    fn a_missing_price_is_said() {
        let prices = PriceList::default();
        let billing = Billing {
            day: fifteen(),
            prices: &prices,
        };
        let t = Timeline::new(OfferId::O365E3, day(1, 1), (2, Active), vec![]);
        assert_eq!(
            billing.invoice(&t, day(8, 15)),
            Err(NoPrice(OfferId::O365E3, day(7, 15)))
        );
    }

    #[test]
    fn rounding_is_half_up_once_per_line() {
        assert_eq!(cents(money("0.005")), money("0.01"));
        assert_eq!(cents(money("0.0049")), money("0.00"));
        assert_eq!(cents(money("-0.005")), money("-0.01"));
    }

    mod properties {
        use chrono::Days;
        use proptest::prelude::*;

        use super::*;

        #[derive(Debug, Clone)]
        enum Change {
            Licenses(u32),
            Suspend,
            Reactivate,
            /// An upgrade of `n` licenses: the source reduced by them, or cancelled when they
            /// cover it, and a new subscription of the target, free until the next billing date.
            Upgrade(u32),
        }

        fn change() -> impl Strategy<Value = Change> {
            prop_oneof![
                (1u32..60).prop_map(Change::Licenses),
                Just(Change::Suspend),
                Just(Change::Reactivate),
                (1u32..60).prop_map(Change::Upgrade),
            ]
        }

        proptest! {
            /// For any sequence of changes over any days, each period's invoice (its reversal
            /// and usage) is the sum of the reviews' "change to this period" of the changes made
            /// in it, and its next advance what the last review said, to the cent.
            #[test]
            fn reviews_and_invoices_agree(
                billing_day in 1u32..=28,
                price_cents in 1i64..100_000,
                new_price_cents in 1i64..100_000,
                price_change_day in 0u64..120,
                start in 1u32..50,
                changes in proptest::collection::vec((0u64..4, change()), 0..25),
            ) {
                let origin = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
                let day = BillingDay::new(billing_day).unwrap();
                let first = day.after(origin);
                let prices = PriceList::new([
                    (OfferId::O365E3, origin, Amount::new(price_cents, 2)),
                    (OfferId::O365E3, first.checked_add_days(Days::new(price_change_day)).unwrap(), Amount::new(new_price_cents, 2)),
                    (OfferId::O365E1, origin, Amount::new(price_cents + 7, 2)),
                ]);
                let billing = Billing { day, prices: &prices };
                // An existing subscription, long past its free time.
                let created = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
                let mut source = Timeline::new(OfferId::O365E3, created, (start, Active), vec![]);
                let mut targets: Vec<Timeline> = Vec::new();
                // (day, effect) of every review, on whichever subscription it changed.
                let mut reviews: Vec<(NaiveDate, Effect, usize)> = Vec::new();
                let mut today = first;
                for (gap, change) in changes {
                    today = today.checked_add_days(Days::new(gap * 3)).unwrap();
                    let (q, s) = source.on(today).unwrap();
                    let after = match change {
                        Change::Licenses(n) if s == Active => source.with_change(today, n, Active),
                        Change::Suspend if s == Active => source.with_change(today, q, Suspended),
                        Change::Reactivate if s == Suspended => source.with_change(today, q, Active),
                        Change::Upgrade(n) if s == Active => {
                            let target = Timeline::new(OfferId::O365E1, today, (n, Active), vec![]);
                            let effect = billing.effect_of_new(&target, today).unwrap();
                            targets.push(target);
                            reviews.push((today, effect, targets.len()));
                            if n >= q { source.with_change(today, q, Cancelled) } else { source.with_change(today, q - n, Active) }
                        }
                        _ => continue,
                    };
                    reviews.push((today, billing.effect(&source, &after, today).unwrap(), 0));
                    source = after;
                }
                // Every period from the first change's to the last's, settled.
                let mut period = day.period_of(first);
                while period.start <= today {
                    let date = period.invoice_date();
                    let in_period: Vec<&(NaiveDate, Effect, usize)> = reviews
                        .iter()
                        .filter(|(d, _, _)| day.period_of(*d) == period)
                        .collect();
                    let settled: Amount = billing
                        .invoice(&source, date)
                        .unwrap()
                        .iter()
                        .filter(|l| l.charge_type != ChargeType::Advance)
                        .map(|l| l.amount)
                        .sum();
                    let reviewed: Amount = in_period.iter().filter(|r| r.2 == 0).map(|r| r.1.period_change).sum();
                    prop_assert_eq!(settled, reviewed, "period from {}", period.start);
                    if let Some(last) = in_period.iter().rev().find(|r| r.2 == 0) {
                        let advance = billing.advance(&source, date).unwrap().map_or(Amount::ZERO, |l| l.amount);
                        prop_assert_eq!(advance, last.1.advance_after, "advance on {}", date);
                    }
                    for (_, effect, target) in in_period.iter().filter(|r| r.2 > 0) {
                        let t = &targets[target - 1];
                        let lines = billing.invoice(t, date).unwrap();
                        let usage: Amount = lines.iter().filter(|l| l.charge_type != ChargeType::Advance).map(|l| l.amount).sum();
                        prop_assert_eq!(usage, Amount::ZERO);
                        let advance = lines.iter().find(|l| l.charge_type == ChargeType::Advance).map_or(Amount::ZERO, |l| l.amount);
                        prop_assert_eq!(advance, effect.advance_after);
                    }
                    period = day.period_of(date);
                }
            }
        }
    }
}
