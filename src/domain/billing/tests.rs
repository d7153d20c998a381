//! The billing rules, worked through DOMAIN.md's examples and their edges.

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

    // Share by share: the source's unused days credited, the new subscription free until the
    // billing date and then its advance; together the review's figures.
    let shares = billing.review_shares(&t, planned, day(7, 25)).unwrap();
    let [source, created] = shares.as_slice() else {
        panic!("{shares:?}")
    };
    assert!(!source.created && created.created);
    assert_eq!(
        (source.rest.start, source.rest.end),
        (day(7, 25), day(8, 14))
    );
    assert_eq!(source.licenses, (31, 0));
    assert_eq!(source.effect.period_change, money("-210.00"));
    assert_eq!(
        (source.effect.advance_before, source.effect.advance_after),
        (money("310.00"), money("0.00"))
    );
    assert_eq!(created.licenses, (0, 31));
    assert_eq!(created.effect.period_change, money("0.00"));
    assert_eq!(created.effect.advance_after, money("930.00"));
    assert_eq!(
        (created.advance_licenses, created.advance_price),
        (31, Some(money("30")))
    );
    assert_eq!(source.effect.plus(created.effect), effect);
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
