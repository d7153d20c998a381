//! Property tests over the rules and the parsers: for any input, parsing never panics; "eligible"
//! implies every rule holds; an upgrade's plan conserves licenses for any customer holdings.

use proptest::prelude::*;

use super::change::{Change, Upgrade, plan};
use super::eligibility::{Context, evaluate};
use super::test_support::{subscription, view};
use super::*;

fn offer() -> impl Strategy<Value = OfferId> {
    prop::sample::select(OfferId::ALL.to_vec())
}

fn status() -> impl Strategy<Value = SubscriptionStatus> {
    prop::sample::select(vec![
        SubscriptionStatus::Active,
        SubscriptionStatus::Suspended,
        SubscriptionStatus::Cancelled,
    ])
}

fn seller() -> impl Strategy<Value = Option<ResellerId>> {
    prop::sample::select(vec![Some("contoso"), Some("northwind"), None])
        .prop_map(|s| s.map(|s| ResellerId::parse(s).unwrap_or_else(|e| panic!("{e}"))))
}

/// A source subscription and the customer's other holdings.
fn case() -> impl Strategy<Value = (Subscription, Vec<Holding>, bool)> {
    (
        offer(),
        status(),
        seller(),
        1u32..=300,
        prop::collection::vec((offer(), status()), 0..6),
        any::<bool>(),
    )
        .prop_flat_map(|(o, st, sold_by, quantity, others, dap)| {
            (0..=quantity).prop_map(move |assigned| {
                let mut source = subscription("s-source", o, quantity, assigned);
                source.status = st;
                source.sold_by = sold_by.clone();
                let mut holdings = vec![Holding::from(&source)];
                holdings.extend(
                    others
                        .iter()
                        .enumerate()
                        .map(|(i, (offer, status))| Holding {
                            subscription: SubscriptionId::parse(&format!("s-{i}"))
                                .unwrap_or_else(|e| panic!("{e}")),
                            offer: *offer,
                            status: *status,
                            sold_by: None,
                        }),
                );
                (source, holdings, dap)
            })
        })
}

proptest! {
    #[test]
    fn parsers_never_panic(raw in ".{0,200}", bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let lossy = String::from_utf8_lossy(&bytes);
        for input in [raw.as_str(), lossy.as_ref()] {
            let _ = LicenseCount::parse(input, OfferId::O365E3.offer().licenses);
            let _ = CustomerId::parse(input);
            let _ = SubscriptionId::parse(input);
            let _ = FormKey::parse(input);
            let _ = Version::parse(input);
            let _ = input.parse::<OfferId>();
            let _ = input.parse::<SubscriptionStatus>();
            let _ = change::Kind::parse(input);
            let _ = CustomerQuery::parse(input);
            let _ = PageRequest::parse(Some(input));
            let _ = customer::sort_key(input);
        }
    }

    #[test]
    fn license_counts_are_exactly_the_whole_numbers_in_range(n in any::<u64>(), pad in "[ \t]{0,3}") {
        let range = OfferId::O365Business.offer().licenses;
        let parsed = LicenseCount::parse(&format!("{pad}{n}{pad}"), range);
        prop_assert_eq!(parsed.is_ok(), (1..=300).contains(&n));
        if let Ok(count) = parsed {
            prop_assert_eq!(u64::from(count.get()), n);
        }
    }

    #[test]
    fn eligible_implies_every_rule_holds((source, holdings, dap) in case()) {
        let reseller = ResellerId::parse("contoso").unwrap_or_else(|e| panic!("{e}"));
        let e = evaluate(&source, &Context { reseller: &reseller, delegated_admin: dap, holdings: &holdings });
        let from = source.offer.offer();
        for target in &e.targets {
            let additional = target.offer.offer().services.without(from.services);
            let others = holdings.iter().filter(|h| h.subscription != source.id && h.status != SubscriptionStatus::Cancelled);
            let rules = [
                from.upgrades.contains(&target.offer),
                source.status == SubscriptionStatus::Active,
                dap,
                others.clone().all(|h| h.offer.offer().services.intersection(additional).is_empty()),
                others.clone().all(|h| h.offer != target.offer),
                source.sold_by.as_ref() == Some(&reseller),
            ];
            prop_assert_eq!(target.is_eligible(), rules.iter().all(|r| *r), "{:?} {:?}", target, rules);
            // And each failure names a rule that does not hold.
            for reason in &target.failures {
                let n = usize::from(reason.rule().number()) - 1;
                prop_assert!(!rules[n], "{:?} failed but rule {} holds", reason, n + 1);
            }
        }
        prop_assert_eq!(e.is_eligible(), e.targets.iter().any(|t| t.is_eligible()));
        prop_assert_eq!(e.targets.len(), from.upgrades.len());
    }

    #[test]
    fn an_upgrade_conserves_licenses_for_any_holdings((source, holdings, _) in case(), wanted in 1u32..=1000) {
        let mut source = source;
        source.status = SubscriptionStatus::Active;
        source.sold_by = Some(ResellerId::parse("contoso").unwrap_or_else(|e| panic!("{e}")));
        let reseller = ResellerId::parse("contoso").unwrap_or_else(|e| panic!("{e}"));
        let e = evaluate(&source, &Context { reseller: &reseller, delegated_admin: true, holdings: &holdings });
        for target in e.eligible_targets() {
            let range = target.offer.offer().licenses;
            let wanted = wanted.min(range.max);
            let quantity = LicenseCount::parse(&wanted.to_string(), range)
                .unwrap_or_else(|e| panic!("{e}"));
            let mut v = view(source.clone());
            v.holdings = holdings.clone();
            let name = FriendlyName::parse(target.offer.offer().name_en).unwrap_or_else(|e| panic!("{e}"));
            let upgrade = Change::Upgrade(Upgrade { target: target.offer, quantity, name });
            let p = plan(&v, &upgrade, &reseller).unwrap_or_else(|r| panic!("{r:?}"));
            let (after, created) = (p.after(), p.created.as_ref().unwrap_or_else(|| panic!("no new subscription")));
            prop_assert_eq!(after.assigned_licenses + created.assigned, source.assigned_licenses);
            prop_assert!(created.assigned <= wanted && after.assigned_licenses <= after.quantity);
            prop_assert_eq!(created.quantity, wanted);
            match after.status {
                SubscriptionStatus::Active => prop_assert_eq!(after.quantity + wanted, source.quantity),
                _ => prop_assert!(wanted >= source.quantity && after.assigned_licenses == 0),
            }
        }
    }
}
