//! A second person's approval through the API (issue 32): a change whose cost this period is
//! above the reseller's threshold is not made; it is held, as asked, for a global admin or an
//! admin agent other than the token's user to approve on the portal's Approvals page, and the
//! call answers 202 with the request's location (`Location: /v1/approvals/{id}`), whose `GET`
//! tells where it stands.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::ApiCaller;
use super::error::ApiError;
use super::json;
use super::model::Link;
use super::openapi::{Localized, NotFound, Refusals};
use crate::clock::Clock;
use crate::domain::approval::Cost;
use crate::domain::change::{self, Change};
use crate::domain::{DraftId, FormKey, Permission, SubscriptionView, Version};
use crate::store::Db;
use crate::store::approvals::{self, Approval, Requested, Standing};
use crate::store::drafts::{self, NewDraft};

pub use crate::store::approvals::{API_EDIT as EDIT, API_UPGRADE as UPGRADE};

/// A request for approval, as the API tells it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalResource {
    pub id: String,
    /// `pending`, `approved`, `rejected`, `withdrawn`, `stale` (the subscription or the price
    /// list changed before it was approved: review it again) or `expired` (7 days)
    pub status: &'static str,
    pub customer_id: String,
    pub subscription_id: String,
    pub requested_by: String,
    pub requested_at: String,
    pub expires_at: String,
    /// What the change adds to this period's bill, as its review works it out (yuan); absent
    /// when it can't be priced
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    /// The decider's note (a rejection's reason)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub links: ApprovalLinks,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalLinks {
    #[serde(rename = "self")]
    pub self_: Link,
    pub subscription: Link,
}

fn href(id: &DraftId) -> String {
    format!("/v1/approvals/{id}")
}

/// Its `status`: as the pages say it, except that one being approved right now still waits.
fn status(a: &Approval, now: chrono::DateTime<chrono::Utc>) -> &'static str {
    match a.standing(now) {
        Standing::Approving => "pending",
        standing => standing.as_str(),
    }
}

fn resource(a: &Approval, now: chrono::DateTime<chrono::Utc>) -> ApprovalResource {
    let d = &a.draft;
    ApprovalResource {
        id: a.public_id().to_string(),
        status: status(a, now),
        customer_id: d
            .customer
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        subscription_id: d
            .subscription
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        requested_by: a.requester_email.clone(),
        requested_at: a.requested_at.to_rfc3339(),
        expires_at: d.expires_at.to_rfc3339(),
        cost: a.cost.map(|c| c.to_string()),
        decided_by: a.decided_by.clone(),
        decided_at: a.decided_at.map(|t| t.to_rfc3339()),
        note: a.note.clone(),
        links: ApprovalLinks {
            self_: Link::get(href(a.public_id())),
            subscription: Link::get(format!(
                "/v1/customers/{}/subscriptions/{}",
                d.customer
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                d.subscription
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            )),
        },
    }
}

/// What the call itself says of a change it may hold: the version the client read (`If-Match` or
/// the body's etag), and the key of its `MS-RequestId` ([`super::held_key`]).
pub(super) struct Asked {
    pub expected: Option<Version>,
    pub key: Option<FormKey>,
}

/// A change through the API, held for approval when its cost this period is above the
/// reseller's threshold: the 202 answer; `None` when it is to be made at once (below the
/// threshold, none set, or refused by its rule: the engine says why).
pub(super) async fn held(
    caller: &ApiCaller,
    db: &Db,
    clock: &Clock,
    view: &SubscriptionView,
    change: &Change,
    (form, fields): (&'static str, Vec<(&'static str, String)>),
    asked: Asked,
) -> Result<Option<HttpResponse>, ApiError> {
    let Asked {
        expected,
        key: request,
    } = asked;
    let who = &caller.account;
    // The same request again (its `MS-RequestId`): the request for approval it made the first
    // time, as it stands now; nothing held twice.
    if let Some(key) = &request
        && let Some(id) = drafts::decided_by_key(db, who, key).await?
    {
        return accepted(db, who, &id, clock.now()).await.map(Some);
    }
    let thresholds = approvals::thresholds(db, &who.reseller).await?;
    if thresholds.cost.is_none() {
        return Ok(None);
    }
    let Ok(plan) = change::plan(view, change, &who.reseller) else {
        return Ok(None);
    };
    let planned = change.billed(plan.before.quantity, plan.before.status);
    let (s, customer) = (&view.subscription, &view.customer.id);
    let (cost, prices) =
        approvals::cost(db, &who.reseller, customer, s, planned, clock.today()).await?;
    if !thresholds.needs_for_cost(cost) {
        return Ok(None);
    }
    // Held at the version the client saw: another is a stale etag, as for the change itself.
    let version = expected.unwrap_or(s.version);
    if version != s.version {
        return Err(ApiError::stale());
    }
    let at = clock.now();
    let key = request.unwrap_or_else(FormKey::generate);
    let new = NewDraft {
        who,
        key: &key,
        form,
        customer: Some(customer),
        subscription: Some(&s.id),
        fields: &fields,
        version,
        at,
    };
    let held = drafts::hold(db, &new).await?;
    let id = drafts::get(db, who, &held)
        .await?
        .ok_or_else(|| ApiError::internal("a draft held and gone"))?
        .id;
    let cost = match cost {
        Cost::Figure(amount) => Some(amount),
        Cost::Unknown => None,
    };
    let requested = Requested {
        version,
        prices,
        cost,
        at,
    };
    approvals::request(db, who, id, &requested).await?;
    accepted(db, who, &held, at).await.map(Some)
}

/// The 202 of a change held for approval: the request as it stands at `at`, and its address.
async fn accepted(
    db: &Db,
    who: &crate::domain::Account,
    id: &DraftId,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<HttpResponse, ApiError> {
    let approval = approvals::get(db, &who.reseller, id)
        .await?
        .ok_or_else(|| ApiError::internal("a request held and gone"))?;
    let mut response = json(StatusCode::ACCEPTED, &resource(&approval, at))?;
    if let Ok(location) = header::HeaderValue::from_str(&href(id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// A request for approval: where it stands.
///
/// A change above the reseller's threshold answers 202 with this address; the request is
/// decided on the portal's Approvals page by a global admin or an admin agent other than the one
/// who asked. Its requester's tokens, and an approver's, may read it.
#[utoipa::path(
    get,
    path = "/v1/approvals/{approval-id}",
    tag = "subscriptions",
    params(
        ("approval-id" = String, Path, description = "The request's id (32 hexadecimal digits, from the 202's `Location`)"),
        Localized
    ),
    responses(
        (status = 200, description = "The request", body = ApprovalResource),
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
    let who = &caller.account;
    let id = req
        .match_info()
        .get("approval")
        .and_then(DraftId::parse)
        .ok_or_else(ApiError::not_found)?;
    let approval = approvals::get(&db, &who.reseller, &id)
        .await?
        .filter(|a| a.requester == who.user_id || who.may(Permission::Approve))
        .ok_or_else(ApiError::not_found)?;
    json(StatusCode::OK, &resource(&approval, clock.now()))
}
