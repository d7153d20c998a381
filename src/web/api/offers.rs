//! The catalog: `GET /v1/offers?country=CN` (every offer of the market) and
//! `GET /v1/offers/{id}`, in Partner Center's `Offer` shape, its words in the `X-Locale`
//! language. The limits an offer states are the ones the portal enforces: its license range
//! (each order line, each license change), its upgrade paths (the eligibility rule), its billing
//! cycle (an order's).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::ApiCaller;
use super::error::{ApiError, ErrorBody};
use super::json;
use super::model::{Attributes, Link, offer_href};
use super::openapi::{Localized, Refusals};
use crate::domain::{Offer, OfferId, catalog};
use crate::web::middleware::i18n::Locale;

/// The one market of Partner Center operated by 21Vianet.
pub const COUNTRY: &str = "CN";

/// The billing cycles an offer is sold with (an order asking for another is refused).
pub const BILLING_CYCLES: [&str; 1] = ["monthly"];

/// The offer's category: small business (up to 300 licenses) or enterprise.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OfferCategory {
    /// `SmallBusiness` or `Enterprise`.
    pub id: &'static str,
    pub name: String,
    pub rank: u32,
    pub locale: &'static str,
    pub country: &'static str,
    pub attributes: Attributes,
}

/// The product an offer sells.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OfferProduct {
    pub id: &'static str,
    pub name: &'static str,
    /// Always `Licenses`.
    pub unit: &'static str,
}

/// An offer's links: itself.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferLinks {
    #[serde(rename = "self")]
    pub self_: Link,
}

/// An offer of the catalog, as Partner Center's `Offer`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Offer)]
pub struct OfferResource {
    /// The offer's id, e.g. `O365_E3`.
    pub id: &'static str,
    /// The offer's published name, in the request's language (`X-Locale`).
    pub name: &'static str,
    /// The services the offer includes, in the request's language.
    pub description: String,
    /// The fewest licenses a subscription to it holds.
    pub minimum_quantity: u32,
    /// The most licenses a subscription to it holds.
    pub maximum_quantity: u32,
    /// The offer's place in the catalog, from 1.
    pub rank: u32,
    pub uri: String,
    /// The language of the words (`zh-CN` or `en-US`).
    pub locale: &'static str,
    /// Always `CN`.
    pub country: &'static str,
    pub category: OfferCategory,
    /// Always `None`: a customer may hold any number of subscriptions to an offer.
    pub limit_unit_of_measure: &'static str,
    /// Always 0 (no limit).
    pub limit: u32,
    /// Always empty: no offer of the catalog needs another first.
    pub prerequisite_offers: Vec<&'static str>,
    /// Always false.
    pub is_add_on: bool,
    /// Always false.
    pub has_add_ons: bool,
    /// Always true: every offer of the catalog can be ordered.
    pub is_available_for_purchase: bool,
    /// Always `license`.
    pub billing: &'static str,
    /// Always `["monthly"]`.
    pub supported_billing_cycles: Vec<&'static str>,
    /// Always true.
    pub is_auto_renewable: bool,
    /// The offers a subscription to this one can be upgraded to (the source document's paths).
    pub upgrade_target_offers: Vec<&'static str>,
    /// Always empty.
    pub conversion_target_offers: Vec<&'static str>,
    /// Always empty.
    pub resellee_qualifications: Vec<&'static str>,
    /// Always empty.
    pub reseller_qualifications: Vec<&'static str>,
    /// Always false.
    pub is_trial: bool,
    pub product: OfferProduct,
    /// Always `Licenses`.
    pub unit_type: &'static str,
    pub links: OfferLinks,
    pub attributes: Attributes,
}

/// Whether the offer is one of the small business offers (up to 300 licenses).
fn small_business(offer: &Offer) -> bool {
    offer.licenses.max <= 300
}

impl OfferResource {
    pub fn new(l: Locale, offer: &Offer) -> OfferResource {
        let rank = OfferId::ALL
            .iter()
            .position(|id| *id == offer.id)
            .map_or(0, |i| i as u32 + 1);
        let services: Vec<String> = offer
            .services
            .iter()
            .map(|s| l.t(s.message_key()))
            .collect();
        let separator = match l {
            Locale::ZhCn => "、",
            Locale::EnUs => ", ",
        };
        let (category, category_rank) = if small_business(offer) {
            ("SmallBusiness", 1)
        } else {
            ("Enterprise", 2)
        };
        OfferResource {
            id: offer.id.as_str(),
            name: l.offer(offer.id),
            description: l.t1("offer-description", "services", services.join(separator)),
            minimum_quantity: offer.licenses.min,
            maximum_quantity: offer.licenses.max,
            rank,
            uri: offer_href(offer.id),
            locale: l.tag(),
            country: COUNTRY,
            category: OfferCategory {
                id: category,
                name: l.t(if small_business(offer) {
                    "catalog-small-business"
                } else {
                    "catalog-enterprise"
                }),
                rank: category_rank,
                locale: l.tag(),
                country: COUNTRY,
                attributes: Attributes::of("OfferCategory"),
            },
            limit_unit_of_measure: "None",
            limit: 0,
            prerequisite_offers: Vec::new(),
            is_add_on: false,
            has_add_ons: false,
            is_available_for_purchase: true,
            billing: "license",
            supported_billing_cycles: BILLING_CYCLES.to_vec(),
            is_auto_renewable: true,
            upgrade_target_offers: offer.upgrades.iter().map(|o| o.as_str()).collect(),
            conversion_target_offers: Vec::new(),
            resellee_qualifications: Vec::new(),
            reseller_qualifications: Vec::new(),
            is_trial: false,
            product: OfferProduct {
                id: offer.id.as_str(),
                name: l.offer(offer.id),
                unit: "Licenses",
            },
            unit_type: "Licenses",
            links: OfferLinks {
                self_: Link::get(offer_href(offer.id)),
            },
            attributes: Attributes::of("Offer"),
        }
    }
}

super::model::collection!(
    /// Every offer of a market.
    OfferCollection of OfferResource
);

/// The market a request names: `country` of its query, which must be CN (in any letter case).
/// `required`: the list needs one; one offer takes it when given.
fn market(req: &HttpRequest, required: bool) -> Result<(), ApiError> {
    let country = form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(name, _)| name.eq_ignore_ascii_case("country"))
        .map(|(_, value)| value.into_owned());
    match country {
        None if required => Err(ApiError::invalid(
            "country: required; Partner Center operated by 21Vianet sells in CN",
        )),
        None => Ok(()),
        Some(c) if c.trim().eq_ignore_ascii_case(COUNTRY) => Ok(()),
        Some(c) => Err(ApiError::not_onboarded(&c)),
    }
}

/// Every offer of the market.
///
/// The whole catalog of Partner Center operated by 21Vianet, in its order, with each offer's
/// license range and upgrade paths: the limits the portal enforces.
#[utoipa::path(
    get,
    path = "/v1/offers",
    tag = "offers",
    params(
        ("country" = String, Query, description = "The market: CN"),
        Localized,
    ),
    responses(
        (status = 200, description = "The catalog's offers", body = OfferCollection),
        (status = 400, description = "No country (800002)", body = ErrorBody),
        (status = 403, description = "A country other than CN (2030)", body = ErrorBody),
        Refusals,
    )
)]
// permission: view
pub async fn list(req: HttpRequest, caller: ApiCaller) -> Result<HttpResponse, ApiError> {
    market(&req, true)?;
    let items = catalog::offers()
        .iter()
        .map(|o| OfferResource::new(caller.locale, o))
        .collect();
    let self_ = Link::get(format!("/v1/offers?country={COUNTRY}"));
    json(StatusCode::OK, &OfferCollection::new(items, self_, None))
}

/// An offer of the catalog.
///
/// With its license range and upgrade paths.
#[utoipa::path(
    get,
    path = "/v1/offers/{offer-id}",
    tag = "offers",
    params(
        ("offer-id" = String, Path, description = "The offer's id, e.g. O365_E3"),
        ("country" = Option<String>, Query, description = "The market: CN"),
        Localized,
    ),
    responses(
        (status = 200, description = "The offer", body = OfferResource),
        (status = 403, description = "A country other than CN (2030)", body = ErrorBody),
        (status = 404, description = "No such offer (20003)", body = ErrorBody),
        Refusals,
    )
)]
// permission: view
pub async fn get(req: HttpRequest, caller: ApiCaller) -> Result<HttpResponse, ApiError> {
    market(&req, false)?;
    let offer = req
        .match_info()
        .get("offer")
        .and_then(|raw| raw.parse::<OfferId>().ok())
        .ok_or_else(ApiError::not_found)?;
    json(
        StatusCode::OK,
        &OfferResource::new(caller.locale, offer.offer()),
    )
}
