//! A reseller's charges on an invoice date: every subscription's lines, derived from its history
//! and the price list by the billing rules, and their CSV (the columns of Partner Center's
//! license-based reconciliation file where it has one). The Charges page, its CSV and
//! `portal charges` all ask here.

use chrono::NaiveDate;

use crate::domain::billing::{Amount, Billing, BillingDay, ChargeLine, ChargeType, PriceList};
use crate::domain::spreadsheet::CsvWriter;
use crate::domain::{CustomerId, OfferId, ResellerId, SubscriptionId};
use crate::store::billing::{Billed, BillingState};
use crate::store::{self, Db, DbErr};

/// The columns of the CSV, exactly.
pub const CSV_HEADER: [&str; 14] = [
    "CustomerId",
    "CustomerName",
    "DomainName",
    "SubscriptionId",
    "SubscriptionName",
    "OfferId",
    "OfferName",
    "ChargeType",
    "ChargeStartDate",
    "ChargeEndDate",
    "Quantity",
    "UnitPrice",
    "Amount",
    "Currency",
];

/// One subscription's lines on the invoice.
#[derive(Debug, Clone)]
pub struct SubscriptionCharges {
    pub customer: CustomerId,
    pub company_name: String,
    pub domain: String,
    pub subscription: SubscriptionId,
    pub friendly_name: String,
    pub offer: OfferId,
    pub lines: Vec<ChargeLine>,
}

impl SubscriptionCharges {
    pub fn total(&self) -> Amount {
        self.lines.iter().map(|l| l.amount).sum()
    }

    /// The sum of the lines of one type.
    pub fn sum(&self, charge_type: ChargeType) -> Amount {
        self.lines
            .iter()
            .filter(|l| l.charge_type == charge_type)
            .map(|l| l.amount)
            .sum()
    }

    /// The prorated usage lines: one per stretch of days with the same licenses.
    pub fn usage(&self) -> impl Iterator<Item = &ChargeLine> {
        self.lines
            .iter()
            .filter(|l| l.charge_type == ChargeType::ProratedUsage)
    }
}

/// A reseller's invoice on a billing date.
#[derive(Debug, Clone)]
pub struct Invoice {
    pub date: NaiveDate,
    pub day: BillingDay,
    pub subscriptions: Vec<SubscriptionCharges>,
    /// Offers charged for that have no price on a day they need one: their lines are left out.
    pub missing_prices: Vec<OfferId>,
}

impl Invoice {
    pub fn total(&self) -> Amount {
        self.subscriptions
            .iter()
            .map(SubscriptionCharges::total)
            .sum()
    }
}

/// Why there is no invoice on a date.
#[derive(Debug, thiserror::Error)]
pub enum InvoiceError {
    #[error("{date} is not a billing date: the reseller's invoices are dated the {day}th")]
    NotABillingDate { date: NaiveDate, day: BillingDay },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The invoice dated `date` from the subscriptions' histories and the price list.
pub fn invoice_of(
    billed: &[Billed],
    prices: &PriceList,
    day: BillingDay,
    date: NaiveDate,
) -> Invoice {
    let billing = Billing { day, prices };
    let mut missing = Vec::new();
    let mut subscriptions = Vec::new();
    for b in billed {
        match billing.invoice(&b.timeline, date) {
            Ok(lines) if lines.is_empty() => {}
            Ok(lines) => subscriptions.push(SubscriptionCharges {
                customer: b.customer.clone(),
                company_name: b.company_name.clone(),
                domain: b.domain.clone(),
                subscription: b.subscription.clone(),
                friendly_name: b.friendly_name.clone(),
                offer: b.timeline.offer,
                lines,
            }),
            Err(no_price) => {
                if !missing.contains(&no_price.0) {
                    missing.push(no_price.0);
                }
            }
        }
    }
    missing.sort();
    Invoice {
        date,
        day,
        subscriptions,
        missing_prices: missing,
    }
}

/// Subscriptions the Charges page shows at a time: a page costs the same whether its customers
/// hold ten subscriptions or hundreds.
pub const PAGE_SUBSCRIPTIONS: usize = 50;

/// Subscriptions the charges file reads at a time: it is written a stretch at a time, in the
/// bill's order, in the same memory whatever the book's size. (Read whole, a 10,000-customer
/// book's file of 34.8 MB took about 118 MB more per download, and 16 at once 1.2 GB.)
const CSV_STRETCH: usize = 500;

/// A page of the bill: up to [`PAGE_SUBSCRIPTIONS`] subscriptions after one (in the bill's
/// order: the customers as the customer list orders them, then each one's as they were
/// created), read with the reseller's [`BillingState`] (whose billing day and price lists make
/// the page's invoice: [`invoice_of`]).
pub struct Page {
    pub state: BillingState,
    pub billed: Vec<Billed>,
    /// The subscription the next page starts after, if there is one.
    pub next: Option<SubscriptionId>,
}

/// The reseller's [`Page`] after `after` (from the first without one).
pub async fn page(
    db: &Db,
    reseller: &ResellerId,
    after: Option<&SubscriptionId>,
) -> Result<Page, DbErr> {
    subscriptions_after(db, reseller, after, PAGE_SUBSCRIPTIONS).await
}

/// Up to `size` of the reseller's subscriptions after `after`, in the bill's order.
async fn subscriptions_after(
    db: &Db,
    reseller: &ResellerId,
    after: Option<&SubscriptionId>,
    size: usize,
) -> Result<Page, DbErr> {
    let (state, mut billed) =
        store::billing::billed_page(db, reseller, after, size as u64 + 1).await?;
    let next = (billed.len() > size).then(|| {
        billed.truncate(size);
        billed[size - 1].subscription.clone()
    });
    Ok(Page {
        state,
        billed,
        next,
    })
}

/// The charges file of one invoice: its header, then its lines a stretch of subscriptions at a
/// time, each stretch read when the one before has been written (by the page's download, which
/// asks for the next while the connection takes the last, and by `portal charges`).
pub struct ChargesFile {
    reseller: ResellerId,
    date: NaiveDate,
    day: BillingDay,
    prices: PriceList,
}

/// A stretch of the charges file: the invoice's lines of its subscriptions.
pub struct Stretch {
    pub invoice: Invoice,
    /// The subscription the next stretch starts after, if there is one.
    pub next: Option<SubscriptionId>,
}

impl ChargesFile {
    /// The file of the reseller's invoice dated `date`, which must be one of its billing dates.
    pub async fn open(
        db: &Db,
        reseller: &ResellerId,
        date: NaiveDate,
    ) -> Result<ChargesFile, InvoiceError> {
        let day = store::billing::billing_day(db, reseller).await?;
        if !day.is_billing_date(date) {
            return Err(InvoiceError::NotABillingDate { date, day });
        }
        let (prices, _) = store::billing::prices(db).await?;
        Ok(ChargesFile {
            reseller: reseller.clone(),
            date,
            day,
            prices,
        })
    }

    /// The stretch of subscriptions after `after` (from the first without one), with their
    /// lines on the invoice.
    pub async fn stretch(&self, db: &Db, after: Option<&SubscriptionId>) -> Result<Stretch, DbErr> {
        let page = subscriptions_after(db, &self.reseller, after, CSV_STRETCH).await?;
        Ok(Stretch {
            invoice: invoice_of(&page.billed, &self.prices, self.day, self.date),
            next: page.next,
        })
    }
}

/// An invoice's total and the next invoice's, over the whole book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    /// The invoice's date.
    pub date: NaiveDate,
    pub invoice: Amount,
    pub estimate: Amount,
    /// Offers without a price that either invoice needs.
    pub missing_prices: Vec<OfferId>,
    /// Subscriptions with charges on the invoice.
    pub charged: u64,
}

/// Customers read at a time while totals walk the book: memory stays that of one stretch (at
/// 100,000 customers on SQLite, stretches of 2,000 took the server from 20 to 207 MiB and 7.8 s;
/// of 200, to 49 MiB and 6.5 s).
const TOTALS_STRETCH: u64 = 200;

/// The totals of the invoice dated `dates.0` and of the next, `dates.1`, walking the whole
/// book a stretch of customers at a time.
pub async fn totals(
    db: &Db,
    reseller: &ResellerId,
    billing: (&PriceList, BillingDay),
    dates: (NaiveDate, NaiveDate),
) -> Result<Totals, DbErr> {
    let (prices, day) = billing;
    let mut totals = Totals {
        date: dates.0,
        invoice: Amount::ZERO,
        estimate: Amount::ZERO,
        missing_prices: Vec::new(),
        charged: 0,
    };
    let mut after: Option<CustomerId> = None;
    loop {
        let billed =
            store::billing::billed_after(db, reseller, after.as_ref(), TOTALS_STRETCH).await?;
        let Some(last) = billed.iter().map(|b| &b.customer).max().cloned() else {
            break;
        };
        for (date, total) in [
            (dates.0, &mut totals.invoice),
            (dates.1, &mut totals.estimate),
        ] {
            let invoice = invoice_of(&billed, prices, day, date);
            *total += invoice.total();
            if date == dates.0 {
                totals.charged += invoice.subscriptions.len() as u64;
            }
            for offer in invoice.missing_prices {
                if !totals.missing_prices.contains(&offer) {
                    totals.missing_prices.push(offer);
                }
            }
        }
        after = Some(last);
        // Let the pages served beside this walk have their turn.
        tokio::task::yield_now().await;
    }
    totals.missing_prices.sort();
    Ok(totals)
}

/// An amount as the CSV writes it: `-165.00`.
pub fn plain(amount: Amount) -> String {
    format!("{:.2}", amount)
}

/// A unit price with cents at least: `11.00`, `5.125`.
pub fn unit_price(price: Amount) -> String {
    let price = price.normalize();
    if price.scale() <= 2 {
        format!("{price:.2}")
    } else {
        price.to_string()
    }
}

/// The lines of (a stretch of) an invoice as rows of the charges file, after its header
/// ([`CSV_HEADER`]); offer names in the language `lang` (a tag: `zh-CN`, `en-US`), as the page
/// the file is downloaded from speaks it.
pub fn csv_lines(invoice: &Invoice, lang: &str) -> Result<Vec<u8>, csv::Error> {
    let mut w = CsvWriter::rows();
    for s in &invoice.subscriptions {
        for l in &s.lines {
            w.record([
                s.customer.as_str(),
                &s.company_name,
                &s.domain,
                s.subscription.as_str(),
                &s.friendly_name,
                s.offer.as_str(),
                s.offer.offer().name(lang),
                l.charge_type.as_str(),
                &l.start.to_string(),
                &l.end.to_string(),
                &l.quantity.to_string(),
                &unit_price(l.unit_price),
                &plain(l.amount),
                "CNY",
            ])?;
        }
    }
    w.into_bytes()
}
