//! The Catalog page (产品目录): every offer of the catalog with the services it includes, the
//! licenses a subscription to it may hold, its upgrade paths and its price today (the offer's
//! price per license per month, from the price list the Prices page shows).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;

use super::layout::Layout;
use crate::clock::Clock;
use crate::domain::billing::Amount;
use crate::domain::catalog::{self, Offer};
use crate::store::Db;
use crate::store::billing::{PriceCache, prices_version};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::render;

/// One offer as the Catalog page shows it.
pub struct CatalogRow {
    pub offer: &'static Offer,
    /// The services it includes, in the page's language.
    pub services: Vec<String>,
    /// Its price per license per month today; `None` when the price list has none.
    pub price: Option<Amount>,
}

#[derive(Template)]
#[template(path = "catalog.html")]
pub struct CatalogPage {
    l: Locale,
    layout: Layout,
    today: NaiveDate,
    rows: Vec<CatalogRow>,
}

// permission: view
pub async fn page(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    price_lists: web::Data<PriceCache>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let version = prices_version(db.get_ref()).await?;
    let prices = price_lists.get(db.get_ref(), version).await?;
    let today = clock.today();
    let rows = catalog::offers()
        .iter()
        .map(|offer| CatalogRow {
            offer,
            services: offer
                .services
                .iter()
                .map(|s| l.t(s.message_key()))
                .collect(),
            price: prices.on(offer.id, today),
        })
        .collect();
    let mut layout = user.layout(l, req.path()).in_section("catalog");
    layout.crumbs.clear();
    let layout = layout.crumb(l.t("catalog-title"), None);
    render(
        StatusCode::OK,
        &CatalogPage {
            l,
            layout,
            today,
            rows,
        },
    )
}
