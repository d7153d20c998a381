//! A customer's orders: `POST /v1/customers/{id}/orders` (Partner Center's "Create an order":
//! new subscriptions, all of them or none, through the change engine) and the orders placed
//! (`GET …/orders`, `GET …/orders/{id}`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::ApiCaller;
use super::error::{ApiError, ErrorBody};
use super::model::{Attributes, Link, customer_href, offer_href};
use super::openapi::{CustomerPath, Localized, NotFound, Refusals};
use super::{change_key, json, kept, parse_body};
use crate::clock::Clock;
use crate::domain::change::Via;
use crate::domain::order::{self, LineError, Order, OrderError, Placed, RawLine};
use crate::store::changes::{self, ChangeError, OrderSubmission};
use crate::store::{self, Db};
use crate::web::explain;
use crate::web::middleware::i18n::Locale;

/// A line of an order, as Partner Center's `OrderLineItem`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderLineItem {
    /// From 0 to the number of lines less one.
    pub line_item_number: u32,
    pub offer_id: &'static str,
    /// The subscription the line made.
    pub subscription_id: String,
    pub friendly_name: String,
    pub quantity: u32,
    /// Always `P1M`: billed monthly.
    pub term_duration: &'static str,
    /// Always `new`.
    pub transaction_type: &'static str,
    pub links: OrderLineItemLinks,
    pub attributes: Attributes,
}

/// A line's links: the subscription it made, and its offer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderLineItemLinks {
    pub subscription: Link,
    pub product: Link,
}

/// An order's links: itself.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderLinks {
    #[serde(rename = "self")]
    pub self_: Link,
}

/// An order placed for a customer, as Partner Center's `Order`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Order)]
pub struct OrderResource {
    pub id: String,
    /// The same as `id`.
    pub alternate_id: String,
    pub reference_customer_id: String,
    /// Always `monthly`.
    pub billing_cycle: &'static str,
    /// Always `UserPurchase`.
    pub transaction_type: &'static str,
    pub line_items: Vec<OrderLineItem>,
    /// Always `CNY`.
    pub currency_code: &'static str,
    pub currency_symbol: &'static str,
    /// RFC 3339, UTC.
    pub creation_date: String,
    /// Always `completed`: its subscriptions are made with the order.
    pub status: &'static str,
    pub links: OrderLinks,
    pub attributes: Attributes,
}

fn order_href(placed: &Placed) -> String {
    format!("{}/orders/{}", customer_href(&placed.customer), placed.id)
}

impl OrderResource {
    pub fn new(placed: &Placed) -> OrderResource {
        let customer = customer_href(&placed.customer);
        OrderResource {
            id: placed.id.clone(),
            alternate_id: placed.id.clone(),
            reference_customer_id: placed.customer.to_string(),
            billing_cycle: placed.billing_cycle.as_str(),
            transaction_type: "UserPurchase",
            line_items: placed
                .lines
                .iter()
                .map(|l| OrderLineItem {
                    line_item_number: l.number,
                    offer_id: l.offer.as_str(),
                    subscription_id: l.subscription.to_string(),
                    friendly_name: l.friendly_name.clone(),
                    quantity: l.quantity,
                    term_duration: "P1M",
                    transaction_type: "new",
                    links: OrderLineItemLinks {
                        subscription: Link::get(format!(
                            "{customer}/subscriptions/{}",
                            l.subscription
                        )),
                        product: Link::get(offer_href(l.offer)),
                    },
                    attributes: Attributes::of("OrderLineItem"),
                })
                .collect(),
            currency_code: "CNY",
            currency_symbol: "¥",
            creation_date: placed
                .created_at
                .to_rfc3339_opts(SecondsFormat::Millis, true),
            status: "completed",
            links: OrderLinks {
                self_: Link::get(order_href(placed)),
            },
            attributes: Attributes::of("Order"),
        }
    }
}

super::model::collection!(
    /// A customer's orders placed by this reseller, newest first.
    OrderCollection of OrderResource
);

/// A line of an order as a request sends it. Field names in any letter case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderLineRequest {
    /// From 0 to the number of lines less one, each once.
    pub line_item_number: i64,
    /// An offer of the catalog (`GET /v1/offers?country=CN`), e.g. `O365_E3`.
    pub offer_id: String,
    /// The new subscription's name; by default, the offer's name in the `X-Locale` language.
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// Licenses, within the offer's minimumQuantity and maximumQuantity.
    #[schema(value_type = i64)]
    pub quantity: serde_json::Value,
}

/// Partner Center's `Order`, as a request sends it (PascalCase or camelCase).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderRequest {
    /// The customer's id, if sent: the path's.
    #[serde(default)]
    pub reference_customer_id: Option<String>,
    /// `monthly` (the default); any other cycle is refused (900269).
    #[serde(default)]
    pub billing_cycle: Option<String>,
    pub line_items: Vec<OrderLineRequest>,
}

const ORDER_FIELDS: &[&str] = &[
    "referenceCustomerId",
    "billingCycle",
    "lineItems",
    "lineItemNumber",
    "offerId",
    "friendlyName",
    "quantity",
];

/// The order a request asks for, or what is wrong with it.
fn read_order(l: Locale, body: &[u8], customer: &str) -> Result<Order, ApiError> {
    let request: OrderRequest = parse_body(body, ORDER_FIELDS)?;
    if let Some(reference) = request.reference_customer_id.as_deref()
        && !reference.trim().is_empty()
        && !reference.trim().eq_ignore_ascii_case(customer)
    {
        return Err(ApiError::invalid(format!(
            "referenceCustomerId: {:?} is not the customer of the path",
            reference.chars().take(64).collect::<String>()
        )));
    }
    if order::billing_cycle(request.billing_cycle.as_deref()).is_none() {
        return Err(ApiError::billing_cycle(
            request.billing_cycle.as_deref().unwrap_or_default(),
        ));
    }
    let mut lines = Vec::with_capacity(request.line_items.len());
    for (i, item) in request.line_items.iter().enumerate() {
        let quantity = match &item.quantity {
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::String(s) => s.clone(),
            _ => {
                return Err(ApiError::invalid(format!(
                    "lineItems[{i}].quantity: expected a whole number"
                )));
            }
        };
        lines.push(RawLine {
            number: item.line_item_number,
            offer: item.offer_id.clone(),
            quantity,
            friendly_name: item.friendly_name.clone(),
        });
    }
    Order::parse(&lines, |offer| l.offer(offer)).map_err(|e| refused(l, &lines, e))
}

/// An order's refusal in Partner Center's error codes: a quantity out of range 2002, anything
/// else 800002; the field and its value named.
fn refused(l: Locale, lines: &[RawLine], e: OrderError) -> ApiError {
    let OrderError::Lines(wrong) = e else {
        return ApiError::invalid(format!("lineItems: {e}"));
    };
    let Some((i, first)) = wrong.first() else {
        return ApiError::invalid("lineItems: invalid");
    };
    let raw = &lines[*i];
    match first {
        LineError::UnknownOffer(offer) => ApiError::invalid(format!(
            "lineItems[{i}].offerId: {offer:?} is no offer of the catalog (GET /v1/offers?country=CN)"
        )),
        LineError::Quantity(q) => ApiError::quantity(format!(
            "lineItems[{i}].quantity: {}: {}",
            raw.quantity.chars().take(32).collect::<String>(),
            explain::licenses_message(l, *q)
        )),
        LineError::FriendlyName(n) => {
            ApiError::invalid(format!("lineItems[{i}].friendlyName: {n}"))
        }
    }
}

/// Places an order of new subscriptions for the customer.
///
/// Every line makes a subscription: active, its licenses, billed monthly from today (free until
/// the reseller's next billing date, then billed in advance). All of them or none: a request
/// with anything wrong writes nothing. With `MS-RequestId`, the same request again (or at once)
/// is the same order, with the same answer.
#[utoipa::path(
    post,
    path = "/v1/customers/{customer-id}/orders",
    tag = "orders",
    params(CustomerPath, Localized,
        ("MS-RequestId" = Option<String>, Header, description = "A GUID that makes the order idempotent: the same value again returns the first answer")),
    request_body(content = OrderRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The order, its line items with their subscriptions", body = OrderResource),
        (status = 400, description = "Invalid input (800002), a quantity out of the offer's range (2002) or a billing cycle other than monthly (900269); nothing written", body = ErrorBody),
        NotFound,
        Refusals,
    )
)]
// permission: change
pub async fn create(
    req: HttpRequest,
    caller: ApiCaller,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let customer = super::customer_id(&req)?;
    let key = change_key(&req)?;
    let order = match read_order(caller.locale, &body, customer.as_str()) {
        Ok(order) => order,
        // Another reseller's customer is unknown, whatever the body.
        Err(e) => {
            return match store::customers::get(db.get_ref(), &caller.account.reseller, &customer)
                .await?
            {
                Some(_) => Err(e),
                None => Err(ApiError::not_found()),
            };
        }
    };
    let sub = OrderSubmission {
        who: &caller.account,
        via: Via::Token(caller.token_id, caller.correlation),
        customer: &customer,
        key: key.as_ref(),
        expected: None,
        settles: None,
        at: clock.now(),
    };
    match changes::place(&db, &sub, &order, |placed| {
        kept(&OrderResource::new(placed))
    })
    .await
    {
        // 201 with the order, the first time and every time the same request comes again.
        Ok(done) => Ok(super::answer(StatusCode::CREATED, done.reply)),
        Err(ChangeError::NotFound) => Err(ApiError::not_found()),
        Err(ChangeError::Db(e)) => Err(e.into()),
        Err(other) => Err(ApiError::internal(other)),
    }
}

/// The customer's orders placed by this reseller.
#[utoipa::path(
    get,
    path = "/v1/customers/{customer-id}/orders",
    tag = "orders",
    params(CustomerPath),
    responses(
        (status = 200, description = "The orders, newest first", body = OrderCollection),
        NotFound,
        Refusals,
    )
)]
// permission: view
pub async fn list(
    req: HttpRequest,
    caller: ApiCaller,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let customer = super::customer_id(&req)?;
    store::customers::get(db.get_ref(), &caller.account.reseller, &customer)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let orders = store::orders::list(db.get_ref(), &caller.account.reseller, &customer).await?;
    let items = orders.iter().map(OrderResource::new).collect();
    let self_ = Link::get(format!("{}/orders", customer_href(&customer)));
    json(StatusCode::OK, &OrderCollection::new(items, self_, None))
}

/// One of the customer's orders.
#[utoipa::path(
    get,
    path = "/v1/customers/{customer-id}/orders/{order-id}",
    tag = "orders",
    params(CustomerPath, ("order-id" = String, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The order", body = OrderResource),
        NotFound,
        Refusals,
    )
)]
// permission: view
pub async fn get(
    req: HttpRequest,
    caller: ApiCaller,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let customer = super::customer_id(&req)?;
    let id = req
        .match_info()
        .get("order")
        .filter(|id| id.len() <= 64)
        .ok_or_else(ApiError::not_found)?;
    let placed = store::orders::get(db.get_ref(), &caller.account.reseller, &customer, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    json(StatusCode::OK, &OrderResource::new(&placed))
}
