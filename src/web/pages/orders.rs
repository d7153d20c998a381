//! "Add subscription" (添加订阅): an order of new subscriptions for one customer, on the pages.
//! The form is the catalog as a cart: licenses (and a friendly name) for each offer to buy. Its
//! Submit shows the review: each new subscription, what it costs by 21Vianet's rules (free until
//! the next billing date, then the advance), and what the reseller should know (the customer
//! already holds the offer). Its Confirm places the order through the change engine: all its
//! subscriptions or none, exactly once (the form's one-time key: a double click, a Back and
//! Confirm again; the customer's holdings version reviewed: another tab's order since is shown
//! as a new review).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;

use super::layout::Layout;
use super::paths::CustomerPath;
use crate::clock::Clock;
use crate::domain::billing::{Amount, Billing, Timeline};
use crate::domain::catalog::{self, Offer};
use crate::domain::change::Via;
use crate::domain::order::{self, HeldBy, LineError, Order, OrderError, Placed, RawLine};
use crate::domain::{ChangeKey, Customer, FormKey, OfferId, SubscriptionStatus};
use crate::store::billing::{PriceCache, PricesVersion};
use crate::store::changes::{self, ChangeError, OrderSubmission, Reply};
use crate::store::{self, Db};
use crate::web::explain;
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::{render, see_other};

/// One offer of the cart, as the form shows it.
pub struct CartRow {
    pub offer: &'static Offer,
    pub quantity: String,
    pub name: String,
    pub error: Option<String>,
    pub price: Option<Amount>,
}

#[derive(Template)]
#[template(path = "orders/form.html")]
pub struct OrderForm {
    l: Locale,
    layout: Layout,
    customer: Customer,
    rows: Vec<CartRow>,
    /// A message about the order as a whole (no line).
    error: Option<String>,
    key: String,
}

/// A new subscription as the review shows it.
pub struct ReviewLine {
    pub offer: OfferId,
    pub name: String,
    pub quantity: u32,
    /// Its first advance, on the next billing date; `None` without a price.
    pub advance: Option<Amount>,
}

#[derive(Template)]
#[template(path = "orders/review.html")]
pub struct OrderReview {
    l: Locale,
    layout: Layout,
    customer: Customer,
    lines: Vec<ReviewLine>,
    /// The next billing date: free until then.
    next_billing_date: NaiveDate,
    /// The advances added up, over the lines with a price.
    total: Amount,
    /// What the reseller should know, in words.
    notes: Vec<String>,
    /// The notice of a review shown again (another order since).
    notice: Option<String>,
    action: String,
    key: String,
    version: i64,
    prices: i64,
    fields: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "orders/placed.html")]
pub struct PlacedPage {
    l: Locale,
    layout: Layout,
    customer: Customer,
    order: Placed,
}

/// The fields of the cart as posted: `q-{offer}` licenses, `n-{offer}` friendly name, and the
/// guard's `key`, `version`, `prices`, `confirm` (and `csrf`, which the middleware reads).
struct Posted {
    fields: Vec<(String, String)>,
}

impl Posted {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The cart's lines: each offer with licenses typed, in catalog order, numbered from 0.
    fn lines(&self) -> Vec<RawLine> {
        catalog::offers()
            .iter()
            .filter_map(|o| {
                let quantity = self.get(&format!("q-{}", o.id))?.trim();
                (!quantity.is_empty()).then(|| (o, quantity.to_owned()))
            })
            .enumerate()
            .map(|(i, (o, quantity))| RawLine {
                number: i as i64,
                offer: o.id.as_str().to_owned(),
                quantity,
                friendly_name: self.get(&format!("n-{}", o.id)).map(str::to_owned),
            })
            .collect()
    }

    /// The cart's own fields, as a Confirm carries them again.
    fn cart(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .filter(|(n, _)| n.starts_with("q-") || n.starts_with("n-"))
            .cloned()
            .collect()
    }
}

fn new_href(customer: &Customer) -> String {
    format!("/customers/{}/orders/new", customer.id)
}

async fn customer_of(db: &Db, user: &SignedIn, id: &CustomerPath) -> Result<Customer, PageError> {
    store::customers::get(db, &user.account.reseller, &id.0)
        .await?
        .ok_or(PageError::NotFound)
}

fn frame(l: Locale, req: &HttpRequest, user: &SignedIn, customer: &Customer) -> Layout {
    user.layout(l, req.path())
        .customer(l, customer)
        .crumb(l.t("order-title"), None)
}

/// The cart, with what was typed and the messages beside it.
fn cart(
    posted: Option<&Posted>,
    prices: &crate::domain::billing::PriceList,
    today: NaiveDate,
    errors: &[(OfferId, String)],
) -> Vec<CartRow> {
    catalog::offers()
        .iter()
        .map(|offer| {
            let typed = |prefix: &str| {
                posted
                    .and_then(|p| p.get(&format!("{prefix}-{}", offer.id)))
                    .unwrap_or_default()
                    .to_owned()
            };
            CartRow {
                offer,
                quantity: typed("q"),
                name: typed("n"),
                error: errors
                    .iter()
                    .find(|(o, _)| *o == offer.id)
                    .map(|(_, e)| e.clone()),
                price: prices.on(offer.id, today),
            }
        })
        .collect()
}

// permission: change
pub async fn form(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    path: CustomerPath,
    db: web::Data<Db>,
    price_lists: web::Data<PriceCache>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let customer = customer_of(&db, &user, &path).await?;
    let version = store::billing::prices_version(db.get_ref()).await?;
    let prices = price_lists.get(db.get_ref(), version).await?;
    let page = OrderForm {
        l,
        layout: frame(l, &req, &user, &customer),
        rows: cart(None, &prices, clock.today(), &[]),
        customer,
        error: None,
        key: FormKey::generate().to_string(),
    };
    render(StatusCode::OK, &page)
}

/// The words of an order's refusal: the order's, or each line's beside its offer.
fn refusal_words(
    l: Locale,
    lines: &[RawLine],
    e: &OrderError,
) -> (Option<String>, Vec<(OfferId, String)>) {
    match e {
        OrderError::Lines(wrong) => (
            None,
            wrong
                .iter()
                .filter_map(|(i, e)| {
                    let offer = lines.get(*i)?.offer.parse::<OfferId>().ok()?;
                    let words = match e {
                        LineError::Quantity(q) => explain::licenses_message(l, *q),
                        other => l.t(other.message_key()),
                    };
                    Some((offer, words))
                })
                .collect(),
        ),
        OrderError::NoLines => (Some(l.t("order-error-empty")), Vec::new()),
        // The form numbers its lines itself, and holds fewer offers than an order may.
        other => (Some(other.to_string()), Vec::new()),
    }
}

// permission: change
#[allow(clippy::too_many_arguments)]
pub async fn submit(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    path: CustomerPath,
    db: web::Data<Db>,
    price_lists: web::Data<PriceCache>,
    clock: web::Data<Clock>,
    body: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let posted = Posted {
        fields: body.into_inner(),
    };
    let customer = customer_of(&db, &user, &path).await?;
    let key = posted
        .get("key")
        .and_then(FormKey::parse)
        .ok_or_else(|| PageError::BadRequest("no idempotency key".into()))?;
    let prices_version = store::billing::prices_version(db.get_ref()).await?;
    let prices = price_lists.get(db.get_ref(), prices_version).await?;
    let today = clock.today();
    let lines = posted.lines();
    // The review's Back: the cart again, with what was typed.
    if posted.get("edit").is_some() {
        let page = OrderForm {
            l,
            layout: frame(l, &req, &user, &customer),
            rows: cart(Some(&posted), &prices, today, &[]),
            customer,
            error: None,
            key: key.to_string(),
        };
        return render(StatusCode::OK, &page);
    }
    let order = match Order::parse(&lines, |offer| l.offer(offer)) {
        Ok(order) => order,
        Err(e) => {
            let (error, errors) = refusal_words(l, &lines, &e);
            let page = OrderForm {
                l,
                layout: frame(l, &req, &user, &customer),
                rows: cart(Some(&posted), &prices, today, &errors),
                customer,
                error,
                key: key.to_string(),
            };
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let confirmed = posted.get("confirm").is_some();
    let reviewed = (
        posted
            .get("version")
            .and_then(|v| v.trim().parse::<i64>().ok()),
        posted
            .get("prices")
            .and_then(|v| v.trim().parse::<i64>().ok()),
    );
    let mut notice = None;
    if confirmed {
        let (Some(version), Some(prices_seen)) = reviewed else {
            return Err(PageError::BadRequest(
                "a confirm without its versions".into(),
            ));
        };
        if PricesVersion(prices_seen) != prices_version {
            notice = Some(l.t("review-prices-changed"));
        } else {
            let sub = OrderSubmission {
                who: &user.account,
                via: Via::Page,
                customer: &customer.id,
                key: Some(&ChangeKey::form(&key)),
                expected: Some(version),
                at: clock.now(),
            };
            let placed = changes::place(&db, &sub, &order, |placed| {
                Reply(format!("/customers/{}/orders/{}", customer.id, placed.id))
            })
            .await;
            match placed {
                Ok(done) => return Ok(see_other(done.reply.0)),
                Err(ChangeError::NotFound) => return Err(PageError::NotFound),
                Err(ChangeError::Conflict) => notice = Some(l.t("order-changed")),
                Err(ChangeError::Db(e)) => return Err(e.into()),
                Err(ChangeError::Refused(r)) => {
                    return Err(PageError::Internal(anyhow::anyhow!(
                        "an order refused: {r}"
                    )));
                }
            }
        }
    }
    // The review: the order as it would be placed now.
    let version = store::orders::holdings_version(db.get_ref(), &customer.id)
        .await?
        .ok_or(PageError::NotFound)?;
    let day = store::billing::billing_day(db.get_ref(), &user.account.reseller).await?;
    let billing = Billing {
        day,
        prices: &prices,
    };
    let mut next_billing_date = day.after(today);
    let mut review_lines = Vec::new();
    for line in order.lines() {
        let timeline = Timeline::new(
            line.offer,
            today,
            (line.quantity.get(), SubscriptionStatus::Active),
            Vec::new(),
        );
        let effect = billing.effect_of_new(&timeline, today).ok();
        if let Some(e) = effect {
            next_billing_date = e.next_billing_date;
        }
        review_lines.push(ReviewLine {
            offer: line.offer,
            name: line.friendly_name.as_str().to_owned(),
            quantity: line.quantity.get(),
            advance: effect.map(|e| e.advance_after),
        });
    }
    let total = review_lines.iter().filter_map(|r| r.advance).sum();
    let holdings = store::orders::holdings(db.get_ref(), &customer.id).await?;
    let notes = order::already_held(&order, &holdings, &user.account.reseller)
        .into_iter()
        .map(|h| {
            let key = match h.holding {
                HeldBy::You => "order-held-by-you",
                HeldBy::AnotherChannel => "order-held-elsewhere",
            };
            l.t1(key, "offer", l.offer(h.offer))
        })
        .collect();
    let page = OrderReview {
        l,
        layout: frame(l, &req, &user, &customer),
        action: new_href(&customer),
        customer,
        lines: review_lines,
        next_billing_date,
        total,
        notes,
        notice,
        key: key.to_string(),
        version,
        prices: prices_version.0,
        fields: posted.cart(),
    };
    render(StatusCode::OK, &page)
}

// permission: view
pub async fn placed(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    path: CustomerPath,
    db: web::Data<Db>,
) -> Result<HttpResponse, PageError> {
    let customer = customer_of(&db, &user, &path).await?;
    let id = req.match_info().get("order").unwrap_or_default().to_owned();
    let order = store::orders::get(db.get_ref(), &user.account.reseller, &customer.id, &id)
        .await?
        .ok_or(PageError::NotFound)?;
    let page = PlacedPage {
        l,
        layout: frame(l, &req, &user, &customer),
        customer,
        order,
    };
    render(StatusCode::OK, &page)
}
