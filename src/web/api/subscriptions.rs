//! A customer's subscriptions: list, read, and change (`PATCH`: licenses, suspend or reactivate,
//! rename) through the same rules and the same transaction as the Details page's forms.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::ApiCaller;
use super::error::{ApiError, ErrorBody};
use super::model::{Link, SubscriptionCollection, SubscriptionResource};
use super::openapi::{
    CustomerPath, Guarded, Localized, NotFound, Refusals, Stale, SubscriptionPath,
};
use super::{change_key, customer_id, json, kept, parse_body, reply, subscription_id};
use crate::clock::Clock;
use crate::domain::change::{Change, Refusal, Via};
use crate::domain::edit::{Edit, FriendlyName};
use crate::domain::licenses::LicenseCountError;
use crate::domain::status::StatusChangeError;
use crate::domain::{LicenseCount, SubscriptionStatus, SubscriptionView};
use crate::store::changes::{self, ChangeError, Submission};
use crate::store::{self, Db};
use crate::web::explain;
use crate::web::middleware::i18n::Locale;

/// The customer's subscriptions sold by this reseller.
///
/// Newest first; cancelled ones included, as `deleted`.
#[utoipa::path(
    get,
    path = "/v1/customers/{customer-id}/subscriptions",
    tag = "subscriptions",
    params(CustomerPath, Localized),
    responses(
        (status = 200, description = "The customer's subscriptions", body = SubscriptionCollection),
        NotFound,
        Refusals,
    )
)]
pub async fn list(
    req: HttpRequest,
    caller: ApiCaller,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let id = customer_id(&req)?;
    let reseller = &caller.account.reseller;
    let customer = store::customers::get(db.get_ref(), reseller, &id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let today = clock.today();
    let items = store::views::sold_to(db.get_ref(), reseller, &customer.id)
        .await?
        .iter()
        .map(|s| SubscriptionResource::new(caller.locale, &customer.id, s, today))
        .collect();
    let self_ = Link::get(format!("/v1/customers/{}/subscriptions", customer.id));
    json(
        StatusCode::OK,
        &SubscriptionCollection::new(items, self_, None),
    )
}

/// The subscription of the path as the caller may see it; 404 otherwise.
pub(super) async fn load(
    req: &HttpRequest,
    caller: &ApiCaller,
    db: &Db,
) -> Result<SubscriptionView, ApiError> {
    let customer = customer_id(req)?;
    let subscription = subscription_id(req)?;
    store::views::view(db, &caller.account.reseller, &customer, &subscription)
        .await?
        .ok_or_else(ApiError::not_found)
}

fn with_etag(mut response: HttpResponse, resource: &SubscriptionResource) -> HttpResponse {
    if let Some(etag) = &resource.attributes.etag
        && let Ok(value) = header::HeaderValue::from_str(&format!("\"{etag}\""))
    {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// One subscription.
///
/// Its etag is also in the `ETag` header.
#[utoipa::path(
    get,
    path = "/v1/customers/{customer-id}/subscriptions/{subscription-id}",
    tag = "subscriptions",
    params(SubscriptionPath, Localized),
    responses(
        (status = 200, description = "The subscription", body = SubscriptionResource),
        NotFound,
        Refusals,
    )
)]
pub async fn get(
    req: HttpRequest,
    caller: ApiCaller,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let view = load(&req, &caller, &db).await?;
    let resource = SubscriptionResource::new(
        caller.locale,
        &view.customer.id,
        &view.subscription,
        clock.today(),
    );
    Ok(with_etag(json(StatusCode::OK, &resource)?, &resource))
}

/// A subscription as a `PATCH` sends it: the whole resource as read, or only the fields to
/// change. Field names in any letter case; fields not listed here are ignored.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionPatch {
    /// If given, the subscription's own id.
    pub id: Option<String>,
    /// If given, the subscription's own offer: an edit does not change the offer (upgrade it).
    pub offer_id: Option<String>,
    /// A new number of licenses, within the offer's range and not below the assigned licenses.
    #[schema(minimum = 1, maximum = 10_000_000)]
    pub quantity: Option<i64>,
    /// `suspended` to suspend an active subscription, `active` to reactivate a suspended one.
    #[schema(value_type = Option<PatchStatus>)]
    pub status: Option<String>,
    /// A new name, 1 to 100 characters on one line.
    #[schema(min_length = 1, max_length = 100)]
    pub friendly_name: Option<String>,
    /// `etag`: the subscription's etag as read (or send `If-Match`).
    pub attributes: Option<PatchAttributes>,
}

/// The statuses a `PATCH` may ask for.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)] // a schema only: the status is parsed from the text, to say what was wrong
pub enum PatchStatus {
    Active,
    Suspended,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchAttributes {
    pub etag: Option<String>,
}

const PATCH_FIELDS: &[&str] = &[
    "id",
    "offerId",
    "quantity",
    "status",
    "friendlyName",
    "attributes",
    "etag",
];

/// The edit a patch asks of `s`; what can't be one is invalid input, naming the field.
fn parse_patch(
    l: Locale,
    patch: &SubscriptionPatch,
    view: &SubscriptionView,
) -> Result<Edit, ApiError> {
    let s = &view.subscription;
    if let Some(id) = &patch.id
        && !id.eq_ignore_ascii_case(s.id.as_str())
    {
        return Err(ApiError::invalid(format!(
            "id: {id:?} is not this subscription's id"
        )));
    }
    if let Some(offer) = &patch.offer_id
        && !offer.eq_ignore_ascii_case(s.offer.as_str())
    {
        return Err(ApiError::invalid(format!(
            "offerId: {offer:?}: an edit does not change the offer; upgrade the subscription \
             (POST …/upgrades) instead"
        )));
    }
    let quantity = patch
        .quantity
        .map(|n| {
            LicenseCount::parse(&n.to_string(), s.offer.offer().licenses).map_err(|e| {
                ApiError::quantity(format!(
                    "quantity: {n}: {}",
                    explain::licenses_message(l, e)
                ))
            })
        })
        .transpose()?;
    let status = patch
        .status
        .as_deref()
        .map(|raw| match raw.trim().to_ascii_lowercase().as_str() {
            "active" => Ok(SubscriptionStatus::Active),
            "suspended" => Ok(SubscriptionStatus::Suspended),
            "deleted" => Ok(SubscriptionStatus::Cancelled),
            other => Err(ApiError::invalid(format!(
                "status: {other:?}: expected active or suspended"
            ))),
        })
        .transpose()?;
    let friendly_name = patch
        .friendly_name
        .as_deref()
        .map(|raw| {
            FriendlyName::parse(raw).map_err(|e| ApiError::invalid(format!("friendlyName: {e}")))
        })
        .transpose()?;
    Ok(Edit {
        status,
        quantity,
        friendly_name,
    })
}

/// A refused edit in Partner Center's words.
fn refused(l: Locale, refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::Cancelled | Refusal::Status(StatusChangeError::Cancelled) => ApiError::cancelled(),
        Refusal::Licenses(LicenseCountError::NotActive) => ApiError::suspended(),
        Refusal::CannotCancel => ApiError::invalid(
            "status: deleted: a subscription is cancelled by upgrading it, not by an edit",
        ),
        Refusal::Licenses(e) => {
            ApiError::quantity(format!("quantity: {}", explain::licenses_message(l, e)))
        }
        Refusal::Status(e) => ApiError::invalid(format!("status: {e}")),
        // No edit changes the offer.
        Refusal::Ineligible(_) => ApiError::invalid("offerId: an edit does not change the offer"),
    }
}

/// Changes a subscription's licenses, status or name.
///
/// Its licenses (`quantity`), its status (`suspended` / `active`) or its name (`friendlyName`); fields equal to the subscription's are no change. Everything in one
/// transaction, each change in the activity log. With `If-Match` (or the body's
/// `attributes.etag`) the change is made only to the subscription as read: 412 otherwise. With
/// `MS-RequestId`, the same request again answers as the first time and changes nothing twice.
#[utoipa::path(
    patch,
    path = "/v1/customers/{customer-id}/subscriptions/{subscription-id}",
    tag = "subscriptions",
    params(SubscriptionPath, Guarded, Localized),
    request_body(content = SubscriptionPatch, content_type = "application/json"),
    responses(
        (status = 200, description = "The subscription after the change", body = SubscriptionResource),
        (status = 202, description = "Above the reseller's threshold: held for approval (Location: the request)", body = super::approvals::ApprovalResource),
        (status = 400, description = "Invalid input (800002), quantity out of range (2002), suspended (800091) or cancelled (2011)", body = ErrorBody),
        NotFound,
        Stale,
        Refusals,
    )
)]
pub async fn patch(
    req: HttpRequest,
    caller: ApiCaller,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let l = caller.locale;
    let view = load(&req, &caller, &db).await?;
    let patch: SubscriptionPatch = parse_body(&body, PATCH_FIELDS)?;
    let edit = parse_patch(l, &patch, &view)?;
    let body_etag = patch.attributes.as_ref().and_then(|a| a.etag.as_deref());
    let expected = super::expected_version(&req, body_etag)?;
    let key = change_key(&req)?;
    let customer = &view.customer.id;
    let sub = Submission {
        who: &caller.account,
        via: Via::Token(caller.token_id, caller.correlation),
        customer,
        subscription: &view.subscription.id,
        key: key.as_ref(),
        expected,
        settles: None,
        at: clock.now(),
    };
    // Above the reseller's threshold: held for a second person's approval (202), not made.
    let fields = (super::approvals::EDIT, edit.fields());
    let change = Change::Edit(edit);
    let held = super::approvals::held(
        &caller,
        &db,
        &clock,
        &view,
        &change,
        fields,
        super::approvals::Asked {
            expected,
            key: super::held_key(&req),
        },
    );
    if let Some(held) = held.await? {
        return Ok(held);
    }
    let today = clock.today();
    let done = changes::apply(&db, &sub, &change, |applied| {
        kept(&SubscriptionResource::new(
            l,
            customer,
            &applied.subscription,
            today,
        ))
    })
    .await;
    match done {
        Ok(done) => {
            let mut response = reply(done.reply);
            if let Some(applied) = done.applied
                && let Ok(value) = header::HeaderValue::from_str(&format!(
                    "\"{}\"",
                    super::model::etag(applied.subscription.version)
                ))
            {
                response.headers_mut().insert(header::ETAG, value);
            }
            Ok(response)
        }
        Err(ChangeError::NotFound) => Err(ApiError::not_found()),
        Err(ChangeError::Conflict) => Err(ApiError::stale()),
        Err(ChangeError::Refused(refusal)) => Err(refused(l, refusal)),
        Err(ChangeError::Db(e)) => Err(e.into()),
    }
}
