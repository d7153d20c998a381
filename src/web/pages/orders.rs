//! "Add subscription" (添加订阅): an order of new subscriptions for one customer, on the pages.
//! The form is the catalog as a cart: licenses (and a friendly name) for each offer to buy. Its
//! Submit holds the cart as a draft and redirects to its review at its own address
//! (`/reviews/{id}`, as every change's: `review::held`): each new subscription, what it costs by
//! 21Vianet's rules (free until the next billing date, then the advance), and what the reseller
//! should know (the customer already holds the offer). Its Confirm places the order through the
//! change engine: all its subscriptions or none, exactly once (the draft's one-time key: a
//! double click, a Back and Confirm again, a reload; once placed, the review says so and links
//! to the order; the customer's holdings version reviewed: another tab's order since is shown
//! as a new review).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;

use super::layout::Layout;
use super::paths::CustomerPath;
use super::review::ConfirmForm;
use super::review::held::{self, Again, Held, Settled};
use crate::clock::Clock;
use crate::domain::billing::{Amount, Billing, Timeline};
use crate::domain::catalog::{self, Offer};
use crate::domain::change::Via;
use crate::domain::order::{self, HeldBy, LineError, Order, OrderError, Placed, RawLine};
use crate::domain::{ChangeKey, Customer, FormKey, OfferId, SubscriptionStatus, Version};
use crate::store::billing::PriceCache;
use crate::store::changes::{self, ChangeError, OrderSubmission, Reply, Settles};
use crate::store::drafts::{self, NewDraft};
use crate::store::{self, Db};
use crate::web::explain;
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::{render, see_other};

/// The form's name, as its held draft keeps it.
pub const FORM: &str = "order";

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
    /// Where its Confirm posts (the review's own address), and its Back (the cart).
    action: String,
    back: String,
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

/// Why a cart can't be ordered, in words: about the order as a whole, and beside each offer.
type Words = (Option<String>, Vec<(OfferId, String)>);

/// What answering the order's form or its review needs.
struct Answering<'a> {
    req: &'a HttpRequest,
    l: Locale,
    user: &'a SignedIn,
    db: &'a Db,
    price_lists: &'a PriceCache,
    clock: &'a Clock,
}

impl Answering<'_> {
    /// The cart again, with what was typed, and the messages beside it (`errors`, and `error`
    /// about the order as a whole).
    async fn cart_page(
        &self,
        customer: Customer,
        posted: &Posted,
        (error, errors): Words,
        key: &FormKey,
        status: StatusCode,
    ) -> Result<HttpResponse, PageError> {
        let l = self.l;
        let prices_version = store::billing::prices_version(self.db).await?;
        let prices = self.price_lists.get(self.db, prices_version).await?;
        let page = OrderForm {
            l,
            layout: frame(l, self.req, self.user, &customer),
            rows: cart(Some(posted), &prices, self.clock.today(), &errors),
            customer,
            error,
            key: key.to_string(),
        };
        render(status, &page)
    }

    /// The review: the order as it would be placed now, with `notice` when it is shown again.
    /// Its Confirm posts to `action` (the review's own address).
    async fn review(
        &self,
        customer: Customer,
        order: &Order,
        posted: &Posted,
        key: &FormKey,
        action: String,
        notice: Option<String>,
    ) -> Result<HttpResponse, PageError> {
        let (l, db, user) = (self.l, self.db, self.user);
        let prices_version = store::billing::prices_version(db).await?;
        let prices = self.price_lists.get(db, prices_version).await?;
        let today = self.clock.today();
        let version = store::orders::holdings_version(db, &customer.id)
            .await?
            .ok_or(PageError::NotFound)?;
        let day = store::billing::billing_day(db, &user.account.reseller).await?;
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
        let holdings = store::orders::holdings(db, &customer.id).await?;
        let notes = order::already_held(order, &holdings, &user.account.reseller)
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
            layout: frame(l, self.req, user, &customer),
            back: new_href(&customer),
            action,
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
}

/// The cart's order; or its words, when it can't be placed.
fn order_of(l: Locale, posted: &Posted) -> Result<Order, Words> {
    let lines = posted.lines();
    Order::parse(&lines, |offer| l.offer(offer)).map_err(|e| refusal_words(l, &lines, &e))
}

// permission: change
/// The cart's Submit: the order held as a draft (the same form posted again is the same draft),
/// and a redirect to its review at its own address; or the cart again, with why.
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
    let answering = Answering {
        req: &req,
        l,
        user: &user,
        db: db.get_ref(),
        price_lists: price_lists.get_ref(),
        clock: clock.get_ref(),
    };
    // The review's Back: the cart again, with what was typed.
    if posted.get("edit").is_some() {
        let none = (None, Vec::new());
        return answering
            .cart_page(customer, &posted, none, &key, StatusCode::OK)
            .await;
    }
    if let Err(words) = order_of(l, &posted) {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return answering
            .cart_page(customer, &posted, words, &key, status)
            .await;
    }
    let version = store::orders::holdings_version(db.get_ref(), &customer.id)
        .await?
        .ok_or(PageError::NotFound)?;
    let cart = posted.cart();
    let fields: Vec<(&str, String)> = cart.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
    let id = drafts::hold(
        db.get_ref(),
        &NewDraft {
            who: &user.account,
            key: &key,
            form: FORM,
            customer: Some(&customer.id),
            subscription: None,
            fields: &fields,
            version: Version(version),
            at: clock.now(),
        },
    )
    .await?;
    Ok(see_other(held::href(&id)))
}

/// The customer a held order is for, as the signed-in reseller may see it; 404 otherwise.
async fn held_customer(held: &Held) -> Result<Customer, PageError> {
    let id = held.draft.customer.as_ref().ok_or(PageError::NotFound)?;
    store::customers::get(held.db.get_ref(), &held.user.account.reseller, id)
        .await?
        .ok_or(PageError::NotFound)
}

/// Where an expired review starts again: the customer's cart.
fn again(customer: &Customer) -> Again {
    Again {
        href: new_href(customer),
        text: "order-review-expired-text",
        link: "order-review-expired-link",
    }
}

fn price_lists(held: &Held) -> Result<web::Data<PriceCache>, PageError> {
    held.req
        .app_data::<web::Data<PriceCache>>()
        .cloned()
        .ok_or_else(|| PageError::Internal(anyhow::anyhow!("the app lacks its price lists")))
}

/// A held order's review, in the viewer's language, as it would be placed now; once placed,
/// "already done" with a link to the order.
pub(crate) async fn show(held: Held) -> Result<HttpResponse, PageError> {
    let customer = held_customer(&held).await?;
    if let Some(settled) = held::settled(&held).await? {
        return held::settled_page(&held, settled, again(&customer));
    }
    let price_lists = price_lists(&held)?;
    let answering = Answering {
        req: &held.req,
        l: held.l,
        user: &held.user,
        db: held.db.get_ref(),
        price_lists: price_lists.get_ref(),
        clock: held.clock.get_ref(),
    };
    let posted = Posted {
        fields: held.draft.fields.clone(),
    };
    let key = &held.draft.key;
    match order_of(held.l, &posted) {
        Ok(order) => {
            let action = held::href(&held.draft.public_id);
            answering
                .review(customer, &order, &posted, key, action, None)
                .await
        }
        Err(words) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            answering
                .cart_page(customer, &posted, words, key, status)
                .await
        }
    }
}

/// A held order's Confirm: placed through the change engine, all its subscriptions or none,
/// under the draft's one-time key, at the customer's holdings and the price list the review
/// showed (either changed since: the review again, with a notice). A Confirm of a draft already
/// confirmed goes to the order.
pub(crate) async fn confirm(
    held: Held,
    confirmed: web::Form<ConfirmForm>,
) -> Result<HttpResponse, PageError> {
    let customer = held_customer(&held).await?;
    let action = held::href(&held.draft.public_id);
    match held::on_record(&held) {
        Some(Settled::Done(result)) => return Ok(see_other(result)),
        Some(_) => return Ok(see_other(action)),
        None => {}
    }
    let (version, prices_seen) = confirmed.read()?;
    let price_lists = price_lists(&held)?;
    let l = held.l;
    let (db, who) = (held.db.get_ref(), &held.user.account);
    let answering = Answering {
        req: &held.req,
        l,
        user: &held.user,
        db,
        price_lists: price_lists.get_ref(),
        clock: held.clock.get_ref(),
    };
    let posted = Posted {
        fields: held.draft.fields.clone(),
    };
    let key = &held.draft.key;
    let order = match order_of(l, &posted) {
        Ok(order) => order,
        Err(words) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return answering
                .cart_page(customer, &posted, words, key, status)
                .await;
        }
    };
    let prices = store::billing::prices_version(db).await?;
    if prices_seen != prices {
        let notice = Some(l.t("review-prices-changed"));
        return answering
            .review(customer, &order, &posted, key, action, notice)
            .await;
    }
    let sub = OrderSubmission {
        who,
        via: Via::Page,
        customer: &customer.id,
        key: Some(&ChangeKey::form(key)),
        expected: Some(version.0),
        settles: Some(Settles {
            draft: held.draft.id,
            prices: Some(prices.0),
        }),
        at: held.clock.now(),
    };
    let placed = changes::place(&held.db, &sub, &order, |placed| {
        Reply(format!("/customers/{}/orders/{}", customer.id, placed.id))
    })
    .await;
    match placed {
        Ok(done) => {
            if done.placed.is_none() {
                held::settle_replayed(&held, &done.reply).await?;
            }
            Ok(see_other(done.reply.0))
        }
        Err(ChangeError::NotFound) => Err(PageError::NotFound),
        Err(ChangeError::Conflict) => {
            let notice = Some(l.t("order-changed"));
            answering
                .review(customer, &order, &posted, key, action, notice)
                .await
        }
        Err(ChangeError::Db(e)) => Err(e.into()),
        Err(ChangeError::Refused(r)) => Err(PageError::Internal(anyhow::anyhow!(
            "an order refused: {r}"
        ))),
    }
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
