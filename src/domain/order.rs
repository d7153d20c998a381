//! An order of new subscriptions for one customer (Partner Center's "Create an order"): its
//! lines, each an offer of the catalog, its licenses and a friendly name. Parsed at the door
//! (a page's cart, the API's `Order`) by [`Order::parse`], which holds every rule an order keeps
//! by itself; the store then makes all its subscriptions or none ([`plan`]).
//!
//! The rules: at least one line and at most [`MAX_LINES`]; line numbers 0 to n-1, each once; each
//! line's offer in the catalog and available for purchase, its licenses within the offer's range
//! (the limits `GET /v1/offers` states), its friendly name a name the portal keeps (the offer's
//! name when none is given); billed monthly.

use super::change::{Kind, NewSubscription};
use super::edit::{FriendlyName, FriendlyNameError};
use super::licenses::{LicenseCount, LicenseCountError};
use chrono::{DateTime, Utc};

use super::{
    BillingCycle, CustomerId, Holding, OfferId, ResellerId, SubscriptionId, SubscriptionStatus,
};

/// The event an order announces itself with (the outbox's name for it).
pub const ORDER_CREATED: &str = "order-created";

/// The most lines an order holds.
pub const MAX_LINES: usize = 50;

/// One line of an order as the door read it, before its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLine {
    pub number: i64,
    pub offer: String,
    pub quantity: String,
    /// `None`, or an empty one: the offer's name.
    pub friendly_name: Option<String>,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    pub number: u32,
    pub offer: OfferId,
    pub quantity: LicenseCount,
    pub friendly_name: FriendlyName,
}

/// An order that keeps its rules, its lines in line number order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    lines: Vec<OrderLine>,
}

/// What is wrong with one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("no offer {0:?} in the catalog")]
    UnknownOffer(String),
    #[error(transparent)]
    Quantity(LicenseCountError),
    #[error(transparent)]
    FriendlyName(FriendlyNameError),
}

/// Why an order can't be placed. Nothing of it is made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error("an order needs at least one line")]
    NoLines,
    #[error("an order holds at most {MAX_LINES} lines")]
    TooManyLines,
    #[error("line numbers must count up from 0 to the number of lines less one, each once")]
    LineNumbers,
    /// Every line that is wrong, by its place in the request, with what is wrong.
    #[error("{}", .0.iter().map(|(i, e)| format!("line {i}: {e}")).collect::<Vec<_>>().join("; "))]
    Lines(Vec<(usize, LineError)>),
}

impl LineError {
    /// The key of the message shown beside the field.
    pub fn message_key(&self) -> &'static str {
        match self {
            LineError::UnknownOffer(_) => "order-error-offer",
            LineError::Quantity(e) => e.message_key(),
            LineError::FriendlyName(_) => "order-error-name",
        }
    }
}

impl Order {
    /// The order of these lines, or every reason it is wrong. A line without a friendly name
    /// takes `default_name` of its offer (its name in the language of the person who asks).
    pub fn parse(
        lines: &[RawLine],
        default_name: impl Fn(OfferId) -> &'static str,
    ) -> Result<Order, OrderError> {
        if lines.is_empty() {
            return Err(OrderError::NoLines);
        }
        if lines.len() > MAX_LINES {
            return Err(OrderError::TooManyLines);
        }
        let mut numbers: Vec<i64> = lines.iter().map(|l| l.number).collect();
        numbers.sort_unstable();
        if numbers.iter().enumerate().any(|(i, n)| *n != i as i64) {
            return Err(OrderError::LineNumbers);
        }
        let mut parsed = Vec::with_capacity(lines.len());
        let mut wrong = Vec::new();
        for (i, raw) in lines.iter().enumerate() {
            match line(raw, &default_name) {
                Ok(l) => parsed.push(l),
                Err(e) => wrong.push((i, e)),
            }
        }
        if !wrong.is_empty() {
            return Err(OrderError::Lines(wrong));
        }
        parsed.sort_by_key(|l| l.number);
        Ok(Order { lines: parsed })
    }

    pub fn lines(&self) -> &[OrderLine] {
        &self.lines
    }
}

fn line(
    raw: &RawLine,
    default_name: &dyn Fn(OfferId) -> &'static str,
) -> Result<OrderLine, LineError> {
    let offer: OfferId = raw
        .offer
        .trim()
        .parse()
        .map_err(|_| LineError::UnknownOffer(raw.offer.chars().take(64).collect()))?;
    let quantity =
        LicenseCount::parse(&raw.quantity, offer.offer().licenses).map_err(LineError::Quantity)?;
    let friendly_name = match raw.friendly_name.as_deref().map(str::trim) {
        None | Some("") => FriendlyName::parse(default_name(offer)),
        Some(name) => FriendlyName::parse(name),
    }
    .map_err(LineError::FriendlyName)?;
    Ok(OrderLine {
        number: raw.number as u32,
        offer,
        quantity,
        friendly_name,
    })
}

/// Whether a billing cycle an order asks for is one it can have: monthly (Partner Center's
/// `monthly`, in any letter case). An order that names none is monthly.
pub fn billing_cycle(raw: Option<&str>) -> Option<BillingCycle> {
    match raw.map(str::trim) {
        None | Some("") => Some(BillingCycle::Monthly),
        Some(c) if c.eq_ignore_ascii_case("monthly") => Some(BillingCycle::Monthly),
        Some(_) => None,
    }
}

/// The subscriptions an order makes, one a line, in line order: active, its licenses, none
/// assigned, billed monthly, renewing by itself.
pub fn plan(order: &Order) -> Vec<NewSubscription> {
    order
        .lines
        .iter()
        .map(|l| NewSubscription {
            kind: Kind::Purchase,
            offer: l.offer,
            friendly_name: l.friendly_name.clone(),
            quantity: l.quantity.get(),
            assigned: 0,
            billing_cycle: BillingCycle::Monthly,
            auto_renew: true,
        })
        .collect()
}

/// An order as it was placed: its lines with the subscriptions they made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub id: String,
    pub customer: CustomerId,
    pub billing_cycle: BillingCycle,
    pub created_at: DateTime<Utc>,
    pub lines: Vec<PlacedLine>,
}

/// A line of a placed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedLine {
    pub number: u32,
    pub offer: OfferId,
    pub subscription: SubscriptionId,
    pub friendly_name: String,
    pub quantity: u32,
}

/// A subscription the customer already holds, by who sold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub holding: HeldBy,
    pub offer: OfferId,
}

/// Who sold a subscription the customer already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldBy {
    /// The reseller placing the order.
    You,
    /// Another reseller, or Microsoft directly.
    AnotherChannel,
}

/// What the reseller should know before ordering: each offer of the order the customer already
/// holds (not cancelled), once for each channel it holds it from.
pub fn already_held(order: &Order, holdings: &[Holding], reseller: &ResellerId) -> Vec<Held> {
    let mut held = Vec::new();
    for line in &order.lines {
        for h in holdings {
            if h.offer != line.offer || h.status == SubscriptionStatus::Cancelled {
                continue;
            }
            let by = if h.sold_by.as_ref() == Some(reseller) {
                HeldBy::You
            } else {
                HeldBy::AnotherChannel
            };
            let note = Held {
                holding: by,
                offer: line.offer,
            };
            if !held.contains(&note) {
                held.push(note);
            }
        }
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(o: OfferId) -> &'static str {
        o.offer().name_en
    }

    fn raw(number: i64, offer: &str, quantity: &str) -> RawLine {
        RawLine {
            number,
            offer: offer.into(),
            quantity: quantity.into(),
            friendly_name: None,
        }
    }

    #[test]
    fn an_order_needs_lines_numbered_from_zero() {
        assert_eq!(Order::parse(&[], name), Err(OrderError::NoLines));
        assert_eq!(
            Order::parse(&[raw(1, "O365_E3", "5")], name),
            Err(OrderError::LineNumbers)
        );
        assert_eq!(
            Order::parse(&[raw(0, "O365_E3", "5"), raw(0, "O365_E1", "5")], name),
            Err(OrderError::LineNumbers)
        );
        let many: Vec<_> = (0..=MAX_LINES as i64)
            .map(|i| raw(i, "O365_E3", "1"))
            .collect();
        assert_eq!(Order::parse(&many, name), Err(OrderError::TooManyLines));
    }

    #[test]
    fn lines_come_in_line_number_order_with_the_offer_name_by_default() {
        let order = Order::parse(&[raw(1, "O365_E1", "3"), raw(0, "O365_E3", "5")], name).unwrap();
        let lines = order.lines();
        assert_eq!(
            (lines[0].offer, lines[0].quantity.get()),
            (OfferId::O365E3, 5)
        );
        assert_eq!(lines[0].friendly_name.as_str(), "Office 365 Enterprise E3");
        assert_eq!(lines[1].offer, OfferId::O365E1);
        let planned = plan(&order);
        assert_eq!(planned.len(), 2);
        assert_eq!(planned[0].kind, Kind::Purchase);
        assert_eq!((planned[0].quantity, planned[0].assigned), (5, 0));
    }

    #[test]
    fn every_wrong_line_is_named() {
        let mut named = raw(2, "O365_E3", "1");
        named.friendly_name = Some("a\u{7}b".into());
        let e = Order::parse(
            &[
                raw(0, "O365_E5", "1"),
                raw(1, "O365_BUSINESS", "301"),
                named,
            ],
            name,
        )
        .unwrap_err();
        let OrderError::Lines(lines) = e else {
            panic!("{e:?}")
        };
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].1, LineError::UnknownOffer("O365_E5".into()));
        assert_eq!(
            lines[1].1,
            LineError::Quantity(LicenseCountError::OutOfRange { min: 1, max: 300 })
        );
        assert!(matches!(lines[2].1, LineError::FriendlyName(_)));
    }

    #[test]
    fn only_monthly_billing() {
        assert_eq!(billing_cycle(None), Some(BillingCycle::Monthly));
        assert_eq!(billing_cycle(Some("Monthly")), Some(BillingCycle::Monthly));
        assert_eq!(billing_cycle(Some("annual")), None);
        assert_eq!(billing_cycle(Some("one_time")), None);
    }

    #[test]
    fn offers_already_held_by_channel() {
        let contoso = ResellerId::parse("contoso").unwrap();
        let other = ResellerId::parse("fourth-coffee").unwrap();
        let holding = |id: &str, offer, status, sold_by| Holding {
            subscription: SubscriptionId::parse(id).unwrap(),
            offer,
            status,
            sold_by,
        };
        let holdings = vec![
            holding(
                "s-1",
                OfferId::O365E3,
                SubscriptionStatus::Active,
                Some(contoso.clone()),
            ),
            holding(
                "s-2",
                OfferId::O365E3,
                SubscriptionStatus::Suspended,
                Some(other),
            ),
            holding("s-3", OfferId::O365E1, SubscriptionStatus::Cancelled, None),
        ];
        let order = Order::parse(&[raw(0, "O365_E3", "1"), raw(1, "O365_E1", "1")], name).unwrap();
        assert_eq!(
            already_held(&order, &holdings, &contoso),
            [
                Held {
                    holding: HeldBy::You,
                    offer: OfferId::O365E3
                },
                Held {
                    holding: HeldBy::AnotherChannel,
                    offer: OfferId::O365E3
                }
            ]
        );
    }
}
