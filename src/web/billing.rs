//! The bill's pages: the price list (价格), the reseller's settings (its billing day), and the
//! charges (费用) of an invoice date with the next invoice's estimate, and their CSV.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;

use super::auth::SignedIn;
use super::error::PageError;
use super::i18n::Locale;
use super::layout::Layout;
use super::{render, see_other};
use crate::charges::{self, Invoice};
use crate::clock::Clock;
use crate::domain::billing::{Amount, BillingDay, ChargeType, PriceList};
use crate::domain::catalog::{self, Offer};
use crate::store::{self, Db};

fn frame(
    l: Locale,
    req: &HttpRequest,
    user: &SignedIn,
    section: &'static str,
    title: String,
) -> Layout {
    let mut layout = user.layout(l, req.path()).in_section(section);
    layout.crumbs.clear();
    layout.crumb(title, None)
}

/// One offer's price as the Prices page shows it.
pub struct PriceRow {
    pub offer: &'static Offer,
    pub current: Option<Amount>,
    /// Prices of the offer that start later, and when.
    pub upcoming: Vec<(NaiveDate, Amount)>,
}

#[derive(Template)]
#[template(path = "billing/prices.html")]
pub struct PricesPage {
    l: Locale,
    layout: Layout,
    today: NaiveDate,
    rows: Vec<PriceRow>,
}

fn price_rows(prices: &PriceList, today: NaiveDate) -> Vec<PriceRow> {
    catalog::offers()
        .iter()
        .map(|offer| PriceRow {
            offer,
            current: prices.on(offer.id, today),
            upcoming: prices.upcoming(offer.id, today),
        })
        .collect()
}

/// The price list: every offer with its unit price today (read-only).
pub async fn prices(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let (prices, _) = store::billing::prices(db.get_ref()).await?;
    let today = clock.today();
    let page = PricesPage {
        l,
        layout: frame(l, &req, &user, "prices", l.t("prices-title")),
        today,
        rows: price_rows(&prices, today),
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "billing/settings.html")]
pub struct SettingsPage {
    l: Locale,
    layout: Layout,
    day: BillingDay,
    is_admin: bool,
    day_value: String,
    day_error: Option<String>,
    saved: bool,
    next_billing_date: NaiveDate,
}

#[derive(serde::Deserialize)]
pub struct SettingsQuery {
    done: Option<String>,
}

async fn settings_page(
    l: Locale,
    req: &HttpRequest,
    user: &SignedIn,
    db: &Db,
    clock: &Clock,
) -> Result<SettingsPage, PageError> {
    let day = store::billing::billing_day(db, &user.account.reseller).await?;
    Ok(SettingsPage {
        l,
        layout: frame(l, req, user, "settings", l.t("settings-title")),
        day,
        is_admin: user.account.is_admin,
        day_value: day.to_string(),
        day_error: None,
        saved: false,
        next_billing_date: day.after(clock.today()),
    })
}

/// The reseller's settings: its billing day, which its administrators may change.
pub async fn settings(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    query: web::Query<SettingsQuery>,
) -> Result<HttpResponse, PageError> {
    let mut page = settings_page(l, &req, &user, &db, &clock).await?;
    page.saved = query.done.as_deref() == Some("saved");
    render(StatusCode::OK, &page)
}

#[derive(serde::Deserialize)]
pub struct BillingDayForm {
    day: String,
}

pub async fn set_billing_day(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    form: web::Form<BillingDayForm>,
) -> Result<HttpResponse, PageError> {
    if !user.account.is_admin {
        return Err(PageError::Forbidden);
    }
    let Some(day) = BillingDay::parse(&form.day) else {
        let mut page = settings_page(l, &req, &user, &db, &clock).await?;
        page.day_value = form.day.chars().take(20).collect();
        page.day_error = Some(l.t("settings-day-error"));
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    store::billing::set_billing_day(&db, &user.account.reseller, day).await?;
    Ok(see_other("/settings?done=saved".to_owned()))
}

#[derive(Template)]
#[template(path = "billing/charges.html")]
pub struct ChargesPage {
    l: Locale,
    layout: Layout,
    invoice: Invoice,
    /// The next invoice, from what happened so far in the current period.
    estimate: Invoice,
    dates: Vec<NaiveDate>,
}

impl ChargesPage {
    fn csv_href(&self) -> String {
        format!("/charges.csv?date={}", self.invoice.date)
    }

    fn date_href(&self, date: &NaiveDate) -> String {
        format!("/charges?date={date}")
    }
}

#[derive(serde::Deserialize)]
pub struct ChargesQuery {
    date: Option<String>,
}

/// The invoice date a request asks for: one of the reseller's billing dates, by default the
/// latest on or before today. Anything else is no such page.
fn invoice_date(
    raw: Option<&str>,
    day: BillingDay,
    today: NaiveDate,
) -> Result<NaiveDate, PageError> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(day.on_or_before(today)),
        Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .filter(|d| day.is_billing_date(*d))
            .ok_or(PageError::NotFound),
    }
}

/// The charges of an invoice date, per customer and subscription, with the total; and the next
/// invoice as it stands.
pub async fn charges(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    query: web::Query<ChargesQuery>,
) -> Result<HttpResponse, PageError> {
    let reseller = &user.account.reseller;
    let day = store::billing::billing_day(db.get_ref(), reseller).await?;
    let today = clock.today();
    let date = invoice_date(query.date.as_deref(), day, today)?;
    let (prices, _) = store::billing::prices(db.get_ref()).await?;
    let billed = store::billing::billed(db.get_ref(), reseller, None).await?;
    let next = day.after(today);
    let mut dates = vec![next];
    let mut d = day.on_or_before(today);
    for _ in 0..12 {
        dates.push(d);
        d = day.on_or_before(d.pred_opt().unwrap_or(d));
    }
    let page = ChargesPage {
        l,
        layout: frame(l, &req, &user, "charges", l.t("charges-title")),
        invoice: charges::invoice_of(&billed, &prices, day, date),
        estimate: charges::invoice_of(&billed, &prices, day, next),
        dates,
    };
    render(StatusCode::OK, &page)
}

/// The charges of an invoice date as CSV.
pub async fn charges_csv(
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    query: web::Query<ChargesQuery>,
) -> Result<HttpResponse, PageError> {
    let reseller = &user.account.reseller;
    let day = store::billing::billing_day(db.get_ref(), reseller).await?;
    let date = invoice_date(query.date.as_deref(), day, clock.today())?;
    let invoice = charges::invoice(&db, reseller, date)
        .await
        .map_err(|e| match e {
            charges::InvoiceError::NotABillingDate { .. } => PageError::NotFound,
            charges::InvoiceError::Db(e) => e.into(),
        })?;
    let body = charges::csv(&invoice).map_err(|e| PageError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"charges-{}-{date}.csv\"",
                reseller.as_str()
            ),
        ))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invoice_date_is_a_billing_date() {
        let day = BillingDay::new(15).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 8, 20).unwrap();
        assert_eq!(
            invoice_date(None, day, today).unwrap(),
            NaiveDate::from_ymd_opt(2026, 8, 15).unwrap()
        );
        assert_eq!(
            invoice_date(Some("2026-07-15"), day, today).unwrap(),
            NaiveDate::from_ymd_opt(2026, 7, 15).unwrap()
        );
        for bad in ["2026-07-14", "2026-13-15", "yesterday", "2026-07-15x"] {
            assert!(invoice_date(Some(bad), day, today).is_err(), "{bad}");
        }
    }
}
