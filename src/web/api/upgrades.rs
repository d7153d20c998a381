//! A subscription's upgrades: every target of its offer's upgrade paths with the one eligibility
//! rule's verdict (`GET`), and the upgrade itself (`POST`), re-checked inside the transaction that
//! makes it, exactly as the upgrade form's Submit.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::ApiCaller;
use super::error::{ApiError, ErrorBody};
use super::model::{
    Link, UpgradeCollection, UpgradeError, UpgradeResource, UpgradeResult, UpgradeType,
};
use super::openapi::{Guarded, Localized, NotFound, Refusals, Stale, SubscriptionPath};
use super::{change_key, json, kept, parse_body, reply};
use crate::clock::Clock;
use crate::domain::change::{Change, Refusal, Upgrade, Via};
use crate::domain::eligibility::Reason;
use crate::domain::{ChangeKey, LicenseCount, OfferId, Version};
use crate::store::Db;
use crate::store::changes::{self, ChangeError, Submission};
use crate::web::explain;

/// The subscription's possible upgrades, eligible or not.
///
/// Every target of the subscription's upgrade paths; for each one that is not eligible,
/// every reason (`upgradeErrors`), explained with the fix in the request's language. A
/// subscription whose offer has no upgrade paths has no items.
#[utoipa::path(
    get,
    path = "/v1/customers/{customer-id}/subscriptions/{subscription-id}/upgrades",
    tag = "upgrades",
    params(SubscriptionPath, Localized),
    responses(
        (status = 200, description = "The subscription's upgrades", body = UpgradeCollection),
        NotFound,
        Refusals,
    )
)]
pub async fn list(
    req: HttpRequest,
    caller: ApiCaller,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let view = super::subscriptions::load(&req, &caller, &db).await?;
    let eligibility = view.eligibility(&caller.account.reseller);
    let customer = &view.customer.id;
    let items = eligibility
        .targets
        .iter()
        .map(|t| UpgradeResource::new(caller.locale, customer, t, view.subscription.quantity))
        .collect();
    let self_ = Link::get(format!(
        "/v1/customers/{customer}/subscriptions/{}/upgrades",
        view.subscription.id
    ));
    json(StatusCode::OK, &UpgradeCollection::new(items, self_, None))
}

/// The offer an upgrade asks for.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TargetOfferRequest {
    /// The target offer's id, e.g. `O365_E3`.
    #[schema(example = "O365_E3")]
    pub id: String,
}

/// An upgrade as `POST …/upgrades` takes it: one item of the `GET`, as read, or just the target
/// offer. Field names in any letter case; fields not listed here are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeRequest {
    pub target_offer: TargetOfferRequest,
    /// The new subscription's licenses, within the target offer's range: by default, the
    /// source's.
    #[schema(minimum = 1, maximum = 10_000_000)]
    pub quantity: Option<i64>,
    /// `upgrade_with_license_transfer` (or 2), the default; `none` (or 0), as an item that is
    /// not eligible reads, is taken alike. The portal makes no `upgrade_only` upgrades.
    #[schema(value_type = Option<UpgradeType>)]
    pub upgrade_type: Option<serde_json::Value>,
}

const UPGRADE_FIELDS: &[&str] = &["targetOffer", "id", "quantity", "upgradeType"];

/// Upgrades the subscription to a target offer.
///
/// The subscription of the path is the **source**. The upgrade makes a new subscription with the
/// licenses asked, assigned licenses moved to it, the source cancelled (or, for fewer licenses
/// than it has, reduced). The one eligibility rule decides inside the transaction that makes the
/// upgrade; an ineligible upgrade answers 409 with its `upgradeErrors` and writes nothing.
#[utoipa::path(
    post,
    path = "/v1/customers/{customer-id}/subscriptions/{subscription-id}/upgrades",
    tag = "upgrades",
    params(SubscriptionPath, Guarded, Localized),
    request_body(content = UpgradeRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The upgrade was made", body = UpgradeResult),
        (status = 400, description = "Invalid input (800002) or quantity out of the target's range (2002)", body = ErrorBody),
        (status = 409, description = "Not eligible: the reasons in upgradeErrors; nothing written", body = UpgradeResult),
        NotFound,
        Stale,
        Refusals,
    )
)]
pub async fn create(
    req: HttpRequest,
    caller: ApiCaller,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let l = caller.locale;
    let customer = super::customer_id(&req)?;
    let source = super::subscription_id(&req)?;
    // The subscription is read here only where the answer needs it before the change (the
    // change reads it again, in its transaction, for the rules): an unknown subscription
    // answers 404 whatever else is wrong with the request, a target outside the catalog is told
    // by the source's upgrade paths, and a quantity left out is the source's.
    let asked = match read_request(&req, &body) {
        Ok(asked) => asked,
        Err(e) => return Err(unknown_first(&req, &caller, &db, e).await),
    };
    let refused = |reasons: &[Reason], target: Option<OfferId>| {
        let errors = reasons
            .iter()
            .map(|r| UpgradeError::new(l, r, &customer, target))
            .collect();
        json(
            StatusCode::CONFLICT,
            &UpgradeResult::refused(source.as_str(), errors),
        )
    };
    // An offer outside the catalog is no target of any upgrade path (rule 1).
    let Some(target) = asked.target else {
        let view = super::subscriptions::load(&req, &caller, &db).await?;
        let reason = if view.subscription.offer.offer().upgrades.is_empty() {
            Reason::NoUpgradePaths
        } else {
            Reason::TargetOfferNotFound
        };
        return refused(&[reason], None);
    };
    let quantity = match asked.quantity {
        Some(quantity) => quantity,
        None => i64::from(
            super::subscriptions::load(&req, &caller, &db)
                .await?
                .subscription
                .quantity,
        ),
    };
    let quantity = match LicenseCount::parse(&quantity.to_string(), target.offer().licenses) {
        Ok(quantity) => quantity,
        Err(e) => {
            let e = ApiError::quantity(format!(
                "quantity: {quantity}: {}",
                explain::licenses_message(l, e)
            ));
            return Err(unknown_first(&req, &caller, &db, e).await);
        }
    };
    let name = explain::new_subscription_name(l, target).map_err(ApiError::internal)?;
    let sub = Submission {
        who: &caller.account,
        via: Via::Token(caller.token_id, caller.correlation),
        customer: &customer,
        subscription: &source,
        key: asked.key.as_ref(),
        expected: asked.expected,
        settles: None,
        at: clock.now(),
    };
    let upgrade = Change::Upgrade(Upgrade {
        target,
        quantity,
        name,
    });
    // Above the reseller's threshold: held for a second person's approval (202), not made.
    if let Change::Upgrade(u) = &upgrade {
        let view = super::subscriptions::load(&req, &caller, &db).await?;
        let fields = (super::approvals::UPGRADE, u.fields());
        let held = super::approvals::held(
            &caller,
            &db,
            &clock,
            &view,
            &upgrade,
            fields,
            super::approvals::Asked {
                expected: asked.expected,
                key: super::held_key(&req),
            },
        );
        if let Some(held) = held.await? {
            return Ok(held);
        }
    }
    let done = changes::apply(&db, &sub, &upgrade, |applied| {
        let target = applied.created.as_ref().map(|c| c.subscription.as_str());
        kept(&UpgradeResult::done(
            source.as_str(),
            target.unwrap_or_default(),
        ))
    })
    .await;
    match done {
        Ok(done) => Ok(reply(done.reply)),
        Err(ChangeError::NotFound) => Err(ApiError::not_found()),
        Err(ChangeError::Conflict) => Err(ApiError::stale()),
        Err(ChangeError::Refused(Refusal::Ineligible(reasons))) => refused(&reasons, Some(target)),
        Err(ChangeError::Refused(other)) => Err(ApiError::internal(other)),
        Err(ChangeError::Db(e)) => Err(e.into()),
    }
}

/// What an upgrade's request asks, as far as it can be read without the subscription.
struct Asked {
    /// `None`: not an offer of the catalog.
    target: Option<OfferId>,
    /// `None`: left out (the source's).
    quantity: Option<i64>,
    expected: Option<Version>,
    key: Option<ChangeKey>,
}

fn read_request(req: &HttpRequest, body: &[u8]) -> Result<Asked, ApiError> {
    let request: UpgradeRequest = parse_body(body, UPGRADE_FIELDS)?;
    // An item of the GET posted back as read carries `none` when it is not eligible: the
    // rule then says why, as for any other request.
    match request.upgrade_type.as_ref().map(UpgradeType::parse) {
        None
        | Some(Some(UpgradeType::UpgradeWithLicenseTransfer))
        | Some(Some(UpgradeType::None)) => {}
        Some(Some(UpgradeType::UpgradeOnly)) => {
            return Err(ApiError::invalid(
                "upgradeType: upgrade_only: the portal's upgrades move the assigned licenses \
                 (upgrade_with_license_transfer)",
            ));
        }
        Some(None) => {
            return Err(ApiError::invalid(
                "upgradeType: expected none, upgrade_only or upgrade_with_license_transfer \
                 (or 0, 1, 2)",
            ));
        }
    }
    Ok(Asked {
        target: request.target_offer.id.trim().parse::<OfferId>().ok(),
        quantity: request.quantity,
        expected: super::expected_version(req, None)?,
        key: change_key(req)?,
    })
}

/// `e`, unless the subscription of the path is unknown (or another reseller's): then 404, as for
/// any request about it.
async fn unknown_first(req: &HttpRequest, caller: &ApiCaller, db: &Db, e: ApiError) -> ApiError {
    match super::subscriptions::load(req, caller, db).await {
        Ok(_) => e,
        Err(unknown) => unknown,
    }
}
