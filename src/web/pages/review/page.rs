//! The review page: every subscription a change touches, before and after, and what it does to
//! the bill, computed by the same billing rules as the invoice; its Confirm carries the change's
//! fields, the subscription's version and the price list's.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::super::layout::Layout;
use super::super::paths::details_href;
use crate::domain::approval::Cost;
use crate::domain::billing::{Billing, Effect, NoPrice, Planned, Share};
use crate::domain::change::{Change, Plan};
use crate::domain::{BillingCycle, Customer, OfferId, Subscription, SubscriptionStatus};
use crate::store::billing::PricesVersion;
use crate::store::{self, Db};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::render;

/// A subscription as the review shows it, before or after.
#[derive(Debug, Clone)]
pub struct Side {
    pub offer: OfferId,
    pub licenses: u32,
    pub assigned: u32,
    pub status: SubscriptionStatus,
}

impl From<&Subscription> for Side {
    fn from(s: &Subscription) -> Self {
        Side {
            offer: s.offer,
            licenses: s.quantity,
            assigned: s.assigned_licenses,
            status: s.status,
        }
    }
}

/// One subscription the change touches.
#[derive(Debug, Clone)]
pub struct Touched {
    pub name: String,
    /// `None` for a subscription the change creates.
    pub before: Option<Side>,
    pub after: Side,
}

/// What the change does to the bill, or why the review can't say.
#[derive(Debug, Clone)]
pub enum Money {
    /// The figures, and the subscriptions' shares of them line by line.
    Priced(Effect, Vec<Share>),
    /// An offer has no price on a day the change needs one: the change can still be made.
    NoPrice(OfferId),
    /// The subscription is billed annually, which the billing rules (license-based, monthly in
    /// advance) don't cover: the review shows no figure rather than a monthly one that is not
    /// what is billed. The change can still be made.
    Annual,
}

impl Money {
    /// The change's cost this period, as a threshold of approval judges it.
    pub fn cost(&self) -> Cost {
        match self {
            Money::Priced(e, _) => Cost::Figure(e.period_change),
            Money::NoPrice(_) | Money::Annual => Cost::Unknown,
        }
    }
}

/// What the review's form offers: Confirm (which reads **Request approval** when the change is
/// above the reseller's threshold), or, on a request for approval, its decision.
pub enum Ask {
    Confirm,
    /// The change needs a second person's approval: Confirm holds it for them.
    Request,
    Decide(Box<super::super::approvals::Decide>),
}

/// Why a review is shown again instead of the change being made.
#[derive(Debug, Clone)]
pub struct Notice {
    pub code: &'static str,
    pub text: String,
}

impl Notice {
    /// The subscription changed since it was shown (rule 7).
    pub fn changed(l: Locale) -> Notice {
        Notice {
            code: "concurrency_conflicts",
            text: l.t("review-changed"),
        }
    }

    /// The price list changed since the review.
    pub fn prices_changed(l: Locale) -> Notice {
        Notice {
            code: "prices_changed",
            text: l.t("review-prices-changed"),
        }
    }
}

/// A change's review.
pub struct Review {
    pub title: String,
    pub touched: Vec<Touched>,
    pub planned: Planned,
    /// Where Confirm posts, and the fields it carries (besides the CSRF token, the one-time key,
    /// the version and the price list's version).
    pub action: String,
    pub fields: Vec<(&'static str, String)>,
    /// Back to the form, with what was entered.
    pub back: String,
}

impl Review {
    /// The review of `change`, as `plan` works it out: Confirm posts the form's `fields` to
    /// `action` again; `back` returns to the form.
    pub fn of(
        l: Locale,
        plan: &Plan,
        change: &Change,
        action: String,
        (fields, back): (Vec<(&'static str, String)>, String),
    ) -> Review {
        let before = &plan.before;
        let mut touched = vec![Touched {
            name: before.friendly_name.clone(),
            before: Some(before.into()),
            after: plan.after().into(),
        }];
        if let Some(new) = &plan.created {
            touched.push(Touched {
                name: new.friendly_name.as_str().to_owned(),
                before: None,
                after: Side {
                    offer: new.offer,
                    licenses: new.quantity,
                    assigned: new.assigned,
                    status: SubscriptionStatus::Active,
                },
            });
        }
        Review {
            title: title(l, plan, change),
            touched,
            planned: change.billed(before.quantity, before.status),
            action,
            fields,
            back,
        }
    }
}

/// The review's title: what the change does, in its kind's words.
pub fn title(l: Locale, plan: &Plan, change: &Change) -> String {
    let before = &plan.before;
    match change {
        Change::Licenses(n) => l.t2(
            "review-licenses-title",
            "from",
            l.num(before.quantity),
            "to",
            l.num(n.get()),
        ),
        Change::Suspend => l.t("review-suspend-title"),
        Change::Reactivate => l.t("review-reactivate-title"),
        Change::Rename(name) => l.t2(
            "review-rename-title",
            "from",
            &before.friendly_name,
            "to",
            name.as_str(),
        ),
        Change::Upgrade(u) => l.t2(
            "review-upgrade-title",
            "from",
            l.offer(before.offer),
            "to",
            l.offer(u.target),
        ),
        Change::Edit(_) => l.t("review-edit-title"),
    }
}

#[derive(Template)]
#[template(path = "review.html")]
pub struct ReviewPage {
    l: Locale,
    layout: Layout,
    customer: Customer,
    review: Review,
    money: Money,
    version: i64,
    prices: i64,
    /// Why the review is shown again instead of the change made.
    notice: Option<Notice>,
    ask: Ask,
}

impl ReviewPage {
    fn needs_approval(&self) -> bool {
        matches!(self.ask, Ask::Request)
    }

    fn no_price(&self, offer: &OfferId) -> String {
        self.l.t1("review-no-price", "offer", self.l.offer(*offer))
    }

    fn change_words(&self, e: &Effect) -> String {
        period_words(self.l, e)
    }

    /// A subscription's share of the figures in words: the rest of the period, and the next
    /// advance (a new subscription's free days, then its first advance).
    fn share_lines(&self, s: &Share) -> Vec<String> {
        let l = self.l;
        let offer = l.offer(s.offer).to_owned();
        let date = l.date(&s.effect.next_billing_date);
        let mut lines = Vec::new();
        if s.created {
            lines.push(l.t_with(
                "review-line-free",
                &[
                    ("offer", offer.clone()),
                    ("from", l.date(&s.rest.start)),
                    ("to", l.date(&s.rest.end)),
                ],
            ));
            if let Some(price) = s.advance_price {
                lines.push(l.t_with(
                    "review-line-advance-new",
                    &[
                        ("offer", offer),
                        ("date", date),
                        ("licenses", l.num(s.advance_licenses)),
                        ("price", l.money(price)),
                        ("amount", l.money(s.effect.advance_after)),
                    ],
                ));
            }
            return lines;
        }
        let change = s.effect.period_change;
        let key = if change.is_zero() {
            "review-line-same"
        } else if change.is_sign_negative() {
            "review-line-unused"
        } else {
            "review-line-extra"
        };
        lines.push(l.t_with(
            key,
            &[
                ("offer", offer.clone()),
                ("days", l.num(s.rest.days().max(0) as u64)),
                ("from", l.date(&s.rest.start)),
                ("to", l.date(&s.rest.end)),
                ("before", l.num(s.licenses.0)),
                ("after", l.num(s.licenses.1)),
                ("amount", l.money(change.abs())),
            ],
        ));
        lines.push(l.t_with(
            "review-line-advance",
            &[
                ("offer", offer),
                ("date", date),
                ("before", l.money(s.effect.advance_before)),
                ("after", l.money(s.effect.advance_after)),
            ],
        ));
        lines
    }
}

/// What a change does to the current period's bill, in words: more, less, or nothing, settled
/// on the next billing date.
pub fn period_words(l: Locale, e: &Effect) -> String {
    let date = l.date(&e.next_billing_date);
    let credit = e.period_change.is_sign_negative() && !e.period_change.is_zero();
    if e.period_change.is_zero() {
        l.t1("review-period-none", "date", date)
    } else if credit {
        l.t2(
            "review-period-credit",
            "amount",
            l.money(-e.period_change),
            "date",
            date,
        )
    } else {
        l.t2(
            "review-period-charge",
            "amount",
            l.money(e.period_change),
            "date",
            date,
        )
    }
}

/// The review's figures: the subscription's history and the price list, by the billing rules.
pub async fn money(
    db: &Db,
    user: &SignedIn,
    customer: &Customer,
    subscription: &Subscription,
    planned: Planned,
    today: NaiveDate,
) -> Result<(Money, PricesVersion), PageError> {
    let reseller = &user.account.reseller;
    let day = store::billing::billing_day(db, reseller).await?;
    let (prices, version) = store::billing::prices(db).await?;
    let billed =
        store::billing::billed(db, reseller, Some((&customer.id, Some(&subscription.id)))).await?;
    let Some(b) = billed.first() else {
        return Err(PageError::NotFound);
    };
    let billing = Billing {
        day,
        prices: &prices,
    };
    if subscription.billing_cycle == BillingCycle::Annual {
        return Ok((Money::Annual, version));
    }
    let money = match (
        billing.review(&b.timeline, planned, today),
        billing.review_shares(&b.timeline, planned, today),
    ) {
        (Ok(effect), Ok(shares)) => Money::Priced(effect, shares),
        (Err(NoPrice(offer, _)), _) | (_, Err(NoPrice(offer, _))) => Money::NoPrice(offer),
    };
    Ok((money, version))
}

/// Renders a review of a change to `subscription`, with a notice when it is shown again; its
/// Confirm reads **Request approval** when the change's cost is above the reseller's threshold.
#[allow(clippy::too_many_arguments)]
pub async fn show(
    l: Locale,
    req: &HttpRequest,
    user: &SignedIn,
    db: &Db,
    customer: Customer,
    subscription: &Subscription,
    review: Review,
    today: NaiveDate,
    notice: Option<Notice>,
) -> Result<HttpResponse, PageError> {
    let (money, prices) = money(db, user, &customer, subscription, review.planned, today).await?;
    let thresholds = store::approvals::thresholds(db, &user.account.reseller).await?;
    let ask = match thresholds.needs_for_cost(money.cost()) {
        true => Ask::Request,
        false => Ask::Confirm,
    };
    let layout = user
        .layout(l, req.path())
        .customer(l, &customer)
        .crumb(
            subscription.friendly_name.clone(),
            Some(details_href(&customer.id, &subscription.id)),
        )
        .crumb(l.t("review-title"), None);
    let status = if notice.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let prices = prices.0;
    let page = ReviewPage {
        l,
        layout,
        customer,
        review,
        money,
        version: subscription.version.0,
        prices,
        notice,
        ask,
    };
    render(status, &page)
}

/// Renders a request for approval: the review of its change on `subscription` as it is now, and
/// its decision (or the forms that make it).
#[allow(clippy::too_many_arguments)]
pub async fn show_request(
    l: Locale,
    req: &HttpRequest,
    user: &SignedIn,
    db: &Db,
    customer: Customer,
    subscription: &Subscription,
    review: Review,
    today: NaiveDate,
    notice: Option<Notice>,
    decide: super::super::approvals::Decide,
) -> Result<HttpResponse, PageError> {
    let (money, prices) = money(db, user, &customer, subscription, review.planned, today).await?;
    let mut layout = user.layout(l, req.path()).in_section("approvals");
    layout.crumbs.clear();
    let layout = layout
        .crumb(l.t("approvals-title"), Some("/approvals".to_owned()))
        .crumb(decide.heading(&l), None);
    let status = if notice.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    render(
        status,
        &ReviewPage {
            l,
            layout,
            customer,
            review,
            money,
            version: subscription.version.0,
            prices: prices.0,
            notice,
            ask: Ask::Decide(Box::new(decide)),
        },
    )
}
