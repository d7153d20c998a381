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

/// One subscription's share of a review's figures, so that a reseller can follow them: what the
/// rest of the current period costs before and after the change, and the next advance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub offer: OfferId,
    /// The subscription is the one the change creates (an upgrade's target).
    pub created: bool,
    /// The rest of the current period, from the day of the change to its last day.
    pub rest: Period,
    /// The licenses over the rest of the period, before and after the change (0 when not
    /// active).
    pub licenses: (u32, u32),
    /// Its effect: the change to this period's usage, and its advance before and after.
    pub effect: Effect,
    /// The unit price of its next advance, where it has one.
    pub advance_price: Option<Amount>,
    /// The licenses of its next advance.
    pub advance_licenses: u32,
}

impl Billing<'_> {
    /// A review's figures share by share (one for the subscription changed, one more for the
    /// subscription an upgrade creates); their effects add up to [`Billing::review`]'s.
    pub fn review_shares(
        &self,
        t: &Timeline,
        planned: Planned,
        today: NaiveDate,
    ) -> Result<Vec<Share>, NoPrice> {
        let period = self.day.period_of(today);
        let rest = Period {
            start: today,
            end: period.end,
        };
        let next = period.invoice_date();
        let share =
            |before: &Timeline, after: &Timeline, created: bool| -> Result<Share, NoPrice> {
                let effect = if created {
                    self.effect_of_new(after, today)?
                } else {
                    self.effect(before, after, today)?
                };
                let advance = self.advance(after, next)?;
                Ok(Share {
                    offer: after.offer,
                    created,
                    rest,
                    licenses: (
                        if created {
                            0
                        } else {
                            before.active_on(today).unwrap_or(0)
                        },
                        after.active_on(today).unwrap_or(0),
                    ),
                    effect,
                    advance_price: advance.as_ref().map(|a| a.unit_price),
                    advance_licenses: advance.as_ref().map_or(0, |a| a.quantity),
                })
            };
        match planned {
            Planned::State(quantity, status) => Ok(vec![share(
                t,
                &t.with_change(today, quantity, status),
                false,
            )?]),
            Planned::Upgrade {
                source_after: (quantity, status),
                target,
                quantity: new,
            } => {
                let created =
                    Timeline::new(target, today, (new, SubscriptionStatus::Active), vec![]);
                Ok(vec![
                    share(t, &t.with_change(today, quantity, status), false)?,
                    share(&created, &created, true)?,
                ])
            }
        }
    }

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
mod tests;
