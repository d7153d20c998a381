//! The bill's pages: the price list (价格), the reseller's settings (its billing day), and the
//! charges (费用) of an invoice date with the next invoice's estimate, and their CSV.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;

use super::exports;
use super::layout::Layout;
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::{render, see_other};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::charges::{self, Invoice, Totals};
use crate::clock::Clock;
use crate::domain::billing::{Amount, BillingDay, ChargeLine, ChargeType, PriceList};
use crate::domain::catalog::{self, Offer};
use crate::domain::{ResellerId, SubscriptionId};
use crate::store::billing::PriceCache;
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

impl PricesPage {
    /// Some offer has a later price loaded: only then has the page a column for them.
    fn any_upcoming(&self) -> bool {
        self.rows.iter().any(|r| !r.upcoming.is_empty())
    }
}

/// Every offer's prices, in the order of their names in the page's language.
fn price_rows(l: Locale, prices: &PriceList, today: NaiveDate) -> Vec<PriceRow> {
    let mut rows: Vec<PriceRow> = catalog::offers()
        .iter()
        .map(|offer| PriceRow {
            offer,
            current: prices.on(offer.id, today),
            upcoming: prices.upcoming(offer.id, today),
        })
        .collect();
    rows.sort_by_key(|r| l.offer(r.offer.id));
    rows
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
        rows: price_rows(l, &prices, today),
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "billing/settings.html")]
pub struct SettingsPage {
    l: Locale,
    layout: Layout,
    day: BillingDay,
    day_value: String,
    day_error: Option<String>,
    saved: bool,
    next_billing_date: NaiveDate,
    /// The thresholds of a second person's approval (issue 32), as typed, and their errors.
    pub(super) approval: super::approvals::ThresholdsForm,
}

#[derive(serde::Deserialize)]
pub struct SettingsQuery {
    done: Option<String>,
}

pub(super) async fn settings_page(
    l: Locale,
    req: &HttpRequest,
    user: &SignedIn,
    db: &Db,
    clock: &Clock,
) -> Result<SettingsPage, PageError> {
    let day = store::billing::billing_day(db, &user.account.reseller).await?;
    let thresholds = store::approvals::thresholds(db, &user.account.reseller).await?;
    Ok(SettingsPage {
        l,
        layout: frame(l, req, user, "settings", l.t("settings-title")),
        day,
        day_value: day.to_string(),
        day_error: None,
        saved: false,
        next_billing_date: day.after(clock.today()),
        approval: super::approvals::ThresholdsForm::of(thresholds),
    })
}

// permission: view
/// The reseller's settings: its billing day (the roles that may see billing change it) and the
/// thresholds of approval (global admins change them).
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
    page.approval.saved = query.done.as_deref() == Some("approvals");
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
    /// The invoice's lines of this page's subscriptions: an invoice dated, or the next one as
    /// it stands.
    invoice: Invoice,
    /// The next invoice's date: the invoice shown is an estimate when it is dated so.
    next_date: NaiveDate,
    /// The latest invoice's date (on or before today), beside the estimate.
    dated: NaiveDate,
    /// The invoice and the next one over the whole book; `None` while they are first worked
    /// out.
    totals: Option<Arc<Totals>>,
    /// The totals were worked out before the latest change; new ones are on their way.
    stale: bool,
    /// The invoice dates to choose from: the next one, then the latest first.
    dates: Vec<NaiveDate>,
    /// This page starts after this subscription (the first page without one).
    after: Option<SubscriptionId>,
    /// The next page starts after this subscription.
    next: Option<SubscriptionId>,
}

impl ChargesPage {
    fn csv_href(&self) -> String {
        format!("/charges.csv?date={}", self.invoice.date)
    }

    fn next_href(&self) -> Option<String> {
        let next = self.next.as_ref()?;
        Some(format!("/charges?date={}&after={next}", self.invoice.date))
    }

    fn first_href(&self) -> Option<String> {
        self.after
            .as_ref()
            .map(|_| format!("/charges?date={}", self.invoice.date))
    }

    fn paged(&self) -> bool {
        self.after.is_some() || self.next.is_some()
    }

    /// The dated invoice's total: the table's own sum when the page holds all of it (exact, and
    /// never behind a change), else the whole book's as last worked out.
    fn invoice_total(&self) -> Option<Amount> {
        if !self.paged() && !self.is_estimate() {
            return Some(self.invoice.total());
        }
        self.totals.as_ref().map(|t| t.invoice)
    }

    /// The next invoice's estimate, likewise.
    fn estimate_total(&self) -> Option<Amount> {
        if !self.paged() && self.is_estimate() {
            return Some(self.invoice.total());
        }
        self.totals.as_ref().map(|t| t.estimate)
    }

    /// Some figure shown is behind (or not yet worked out): the page updates itself.
    fn waiting(&self) -> bool {
        self.stale || self.totals.is_none()
    }

    /// This page's own address, to load it again.
    fn here(&self) -> String {
        match &self.after {
            Some(after) => format!("/charges?date={}&after={after}", self.invoice.date),
            None => format!("/charges?date={}", self.invoice.date),
        }
    }

    fn date_href(&self, date: &NaiveDate) -> String {
        format!("/charges?date={date}")
    }

    /// One stretch of prorated usage in words: its days, licenses, price and amount.
    fn usage_line(&self, line: &ChargeLine) -> String {
        let l = self.l;
        l.t_with(
            "charges-usage-line",
            &[
                ("from", l.date(&line.start)),
                ("to", l.date(&line.end)),
                ("quantity", l.num(line.quantity)),
                ("price", l.money(line.unit_price)),
                ("amount", l.money(line.amount)),
            ],
        )
    }

    /// The invoice shown is the next one, as it stands so far.
    fn is_estimate(&self) -> bool {
        self.invoice.date == self.next_date
    }
}

#[derive(serde::Deserialize)]
pub struct ChargesQuery {
    date: Option<String>,
    /// The page starts after this subscription.
    after: Option<String>,
}

/// The totals of the Charges page, worked out once per reseller, invoice and state of its book:
/// adding up a whole book (a million subscriptions at 100,000 customers) takes seconds, so a
/// page shows the totals last worked out while new ones are worked out, once, in the background.
#[derive(Default)]
pub struct ChargeTotals {
    known: Mutex<HashMap<TotalsKey, (TotalsState, Arc<Totals>)>>,
    /// One reseller's totals are worked out one at a time.
    working: Mutex<HashMap<ResellerId, Arc<tokio::sync::Mutex<()>>>>,
}

/// Which totals: the reseller, the two invoice dates and its billing day.
type TotalsKey = (ResellerId, NaiveDate, NaiveDate, u32);

/// What the totals were worked out from: the latest activity record (every change writes one)
/// and the price list's version.
type TotalsState = (i32, i64);

impl ChargeTotals {
    fn known(&self, key: &TotalsKey) -> Option<(TotalsState, Arc<Totals>)> {
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(key)
            .cloned()
    }

    fn turn(&self, reseller: &ResellerId) -> Arc<tokio::sync::Mutex<()>> {
        self.working
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(reseller.clone())
            .or_default()
            .clone()
    }

    /// Works the totals out (unless another request just did) and keeps them.
    async fn work_out(
        &self,
        db: &Db,
        key: &TotalsKey,
        state: TotalsState,
        prices: &PriceList,
        day: BillingDay,
    ) -> Result<Arc<Totals>, sea_orm::DbErr> {
        let turn = self.turn(&key.0);
        let _turn = turn.lock().await;
        if let Some((known, totals)) = self.known(key)
            && known == state
        {
            return Ok(totals);
        }
        let totals = Arc::new(charges::totals(db, &key.0, (prices, day), (key.1, key.2)).await?);
        let mut known = self
            .known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Only the reseller's latest totals are kept.
        known.retain(|k, _| k.0 != key.0 || (k.1, k.2, k.3) == (key.1, key.2, key.3));
        known.insert(key.clone(), (state, totals.clone()));
        Ok(totals)
    }

    /// The totals for the book as it is: at once when known; otherwise worked out in the
    /// background, waited for a moment (a small book's are ready by then), else the last ones
    /// (marked stale), or none yet.
    async fn get(
        self: &Arc<Self>,
        db: &Db,
        key: TotalsKey,
        state: TotalsState,
        prices: Arc<PriceList>,
        day: BillingDay,
    ) -> (Option<Arc<Totals>>, bool) {
        let last = match self.known(&key) {
            Some((known, totals)) if known == state => return (Some(totals), false),
            other => other.map(|(_, totals)| totals),
        };
        let (this, db, for_key) = (self.clone(), db.clone(), key.clone());
        let work =
            tokio::spawn(async move { this.work_out(&db, &for_key, state, &prices, day).await });
        // With earlier totals to show, none of the page's time goes to waiting.
        let wait = if last.is_some() { 0 } else { 500 };
        match tokio::time::timeout(std::time::Duration::from_millis(wait), work).await {
            Ok(Ok(Ok(totals))) => (Some(totals), false),
            Ok(Ok(Err(e))) => {
                tracing::warn!(error = %e, "working out the charges' totals");
                (last, true)
            }
            // Still working (or the task failed): the last totals, if any, marked.
            _ => (last, true),
        }
    }
}

/// The invoice date a request asks for: one of the reseller's billing dates up to the next one,
/// by default the latest on or before today. Anything else is no such page.
fn invoice_date(
    raw: Option<&str>,
    day: BillingDay,
    today: NaiveDate,
) -> Result<NaiveDate, PageError> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(day.on_or_before(today)),
        Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .filter(|d| day.is_billing_date(*d) && *d <= day.after(today))
            .ok_or(PageError::NotFound),
    }
}

/// The charges of an invoice date (or of the next invoice so far), a page of subscriptions at a
/// time, with the totals of both over the whole book.
#[allow(clippy::too_many_arguments)]
pub async fn charges(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    totals: web::Data<ChargeTotals>,
    price_lists: web::Data<PriceCache>,
    query: web::Query<ChargesQuery>,
) -> Result<HttpResponse, PageError> {
    let reseller = &user.account.reseller;
    let after = query
        .after
        .as_deref()
        .map(SubscriptionId::parse)
        .transpose()
        .map_err(|_| PageError::NotFound)?;
    // The page is read with what its invoice is worked out from (the billing day, the price
    // lists' version, the latest change), in one statement.
    let charges::Page {
        state,
        billed,
        next,
    } = charges::page(db.get_ref(), reseller, after.as_ref()).await?;
    let day = state.day;
    let today = clock.today();
    let date = invoice_date(query.date.as_deref(), day, today)?;
    let prices = price_lists.get(db.get_ref(), state.prices).await?;
    let next_date = day.after(today);
    let invoice = charges::invoice_of(&billed, &prices, day, date);
    // The totals of the invoice shown (the latest, beside the next one's estimate) and the next.
    let dated = if date == next_date {
        day.on_or_before(today)
    } else {
        date
    };
    let key = (reseller.clone(), dated, next_date, day.get());
    let (totals, stale) = totals
        .into_inner()
        .get(
            db.get_ref(),
            key,
            (state.last_change, state.prices.0),
            prices,
            day,
        )
        .await;
    let mut dates = vec![next_date];
    let mut d = day.on_or_before(today);
    for _ in 0..12 {
        dates.push(d);
        d = day.on_or_before(d.pred_opt().unwrap_or(d));
    }
    let page = ChargesPage {
        l,
        layout: frame(l, &req, &user, "charges", l.t("charges-title")),
        invoice,
        next_date,
        dated,
        totals,
        stale,
        dates,
        after,
        next,
    };
    render(StatusCode::OK, &page)
}

/// The charges of an invoice date as CSV, streamed a stretch of subscriptions at a time as the
/// other exports are.
pub async fn charges_csv(
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    query: web::Query<ChargesQuery>,
) -> Result<HttpResponse, PageError> {
    let reseller = &user.account.reseller;
    let day = store::billing::billing_day(db.get_ref(), reseller).await?;
    let date = invoice_date(query.date.as_deref(), day, clock.today())?;
    let file = charges::ChargesFile::open(&db, reseller, date)
        .await
        .map_err(|e| match e {
            charges::InvoiceError::NotABillingDate { .. } => PageError::NotFound,
            charges::InvoiceError::Db(e) => e.into(),
        })?;
    let file = Arc::new(file);
    let rows = move |after: Option<SubscriptionId>| {
        let (db, file) = (db.clone(), file.clone());
        async move {
            let stretch = file.stretch(&db, after.as_ref()).await?;
            Ok((charges::csv_lines(&stretch.invoice, l.tag())?, stretch.next))
        }
    };
    let name = format!("charges-{}-{date}.csv", reseller.as_str());
    Ok(exports::attachment(
        &name,
        exports::csv_stream(&charges::CSV_HEADER, rows),
    ))
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
        // The next invoice (an estimate so far), but none after it.
        assert_eq!(
            invoice_date(Some("2026-09-15"), day, today).unwrap(),
            NaiveDate::from_ymd_opt(2026, 9, 15).unwrap()
        );
        for bad in [
            "2026-07-14",
            "2026-13-15",
            "yesterday",
            "2026-07-15x",
            "2026-10-15",
        ] {
            assert!(invoice_date(Some(bad), day, today).is_err(), "{bad}");
        }
    }
}
