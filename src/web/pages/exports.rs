//! CSV exports: the customers the customer list shows (following its search) and their
//! subscriptions, and the activity log as filtered. Files for machines and spreadsheets: header
//! names in English whatever the page's language, values as the pages show them, UTF-8 with a
//! byte-order mark (so that Excel reads Chinese names right), RFC 4180 quoting and line ends, and
//! no cell a spreadsheet would run as a formula (all through [`CsvWriter`]).
//!
//! Each file is streamed: read from the store one batch at a time in the list's own order and
//! written out as it comes, so that the whole book exports in constant memory. The response is
//! only polled for more while the connection takes it. A database error half-way breaks the
//! connection off (the chunked body never ends), so a client never takes a cut file for a
//! whole one.

use std::future::Future;

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset, Utc};
use futures_util::stream::{self, Stream};

use super::activity::{ActivityQuery, filter_of};
use crate::clock::Clock;
use crate::domain::spreadsheet::CsvWriter;
use crate::domain::{CustomerId, CustomerQuery, ResellerId};
use crate::store::exports::BATCH;
use crate::store::{self, Db, DbErr};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;

/// The columns of the customers file, exactly.
pub const CUSTOMERS_HEADER: [&str; 5] = [
    "Customer ID",
    "Company name",
    "Primary domain name",
    "Relationship",
    "Delegated admin",
];

/// The columns of the subscriptions file, exactly.
pub const SUBSCRIPTIONS_HEADER: [&str; 11] = [
    "Customer ID",
    "Company name",
    "Subscription ID",
    "Friendly name",
    "Offer ID",
    "Offer",
    "Quantity",
    "Assigned",
    "Status",
    "Billing cycle",
    "Created",
];

/// The columns of the activity file, exactly.
pub const ACTIVITY_HEADER: [&str; 14] = [
    "At",
    "User",
    "Action",
    "Customer ID",
    "Company name",
    "Subscription ID",
    "Friendly name",
    "Before quantity",
    "Before status",
    "After quantity",
    "After status",
    "API token",
    "Attempts",
    "Bulk job",
];

/// The relationship every customer of the list has with the reseller: the reseller's own (the
/// Relationship column of Partner Center's customer export).
const RELATIONSHIP: &str = "Reseller";

/// Why a file stopped half-way.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("reading the export's next batch")]
    Db(#[from] DbErr),
    #[error("writing the export's CSV")]
    Csv(#[from] csv::Error),
}

#[derive(serde::Deserialize)]
pub struct ExportQuery {
    q: Option<String>,
}

/// The customers of the customer list (those of the search `q`), one line each, in the list's
/// order.
pub async fn customers(
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    query: web::Query<ExportQuery>,
) -> HttpResponse {
    let search = CustomerQuery::parse(query.q.as_deref().unwrap_or(""));
    let reseller = user.account.reseller.clone();
    let name = file_name("customers", &reseller, &clock);
    let rows = move |after: Option<CustomerId>| {
        let (db, reseller, search) = (db.clone(), reseller.clone(), search.clone());
        async move {
            let batch =
                store::exports::customers(&db, &reseller, &search, after.as_ref(), BATCH).await?;
            let next = full(&batch).and_then(|b| b.last()).map(|c| c.id.clone());
            let mut w = CsvWriter::rows();
            for c in &batch {
                w.record([
                    c.id.as_str(),
                    &c.company_name,
                    &c.domain,
                    RELATIONSHIP,
                    yes_no(c.delegated_admin),
                ])?;
            }
            Ok((w.into_bytes()?, next))
        }
    };
    attachment(&name, csv_stream(&CUSTOMERS_HEADER, rows))
}

/// The subscriptions the reseller sold to the customers of the customer list (those of the
/// search `q`): customer by customer in the list's order, each customer's newest first, as the
/// list shows them. The offer's name is in the page's language.
pub async fn subscriptions(
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    query: web::Query<ExportQuery>,
) -> HttpResponse {
    let search = CustomerQuery::parse(query.q.as_deref().unwrap_or(""));
    let reseller = user.account.reseller.clone();
    let name = file_name("subscriptions", &reseller, &clock);
    let rows = move |after: Option<CustomerId>| {
        let (db, reseller, search) = (db.clone(), reseller.clone(), search.clone());
        async move {
            let customers =
                store::exports::customers(&db, &reseller, &search, after.as_ref(), BATCH).await?;
            let next = full(&customers)
                .and_then(|b| b.last())
                .map(|c| c.id.clone());
            let batch = store::exports::sold_to_each(&db, &reseller, customers).await?;
            let mut w = CsvWriter::rows();
            for item in &batch {
                let c = &item.customer;
                for s in &item.subscriptions {
                    w.record([
                        c.id.as_str(),
                        &c.company_name,
                        s.id.as_str(),
                        &s.friendly_name,
                        s.offer.as_str(),
                        l.offer(s.offer),
                        &s.quantity.to_string(),
                        &s.assigned_licenses.to_string(),
                        s.status.as_str(),
                        s.billing_cycle.as_str(),
                        &s.created.format("%Y-%m-%d").to_string(),
                    ])?;
                }
            }
            Ok((w.into_bytes()?, next))
        }
    };
    attachment(&name, csv_stream(&SUBSCRIPTIONS_HEADER, rows))
}

/// The activity log as the activity page filters it (a customer, days from `from` to `to` in
/// China Standard Time), newest first. A refused date shows the activity page with its message
/// beside the field, as the page's own filter does.
pub async fn activity(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    query: web::Query<ActivityQuery>,
) -> Result<HttpResponse, PageError> {
    let reseller = user.account.reseller.clone();
    let asked = filter_of(&db, &reseller, &query).await?;
    let Ok(days) = asked.days else {
        return super::activity::list(req, l, user, db, query).await;
    };
    let filter = asked.filter(days);
    // A filtered file says its filter in its name: whose, which days, which actions.
    let mut what = format!("activity-{reseller}");
    if let Some(c) = &filter.customer {
        what.push_str(&format!("-{c}"));
    }
    if let Some(first) = days.first() {
        what.push_str(&format!("-from-{first}"));
    }
    if let Some(last) = days.last() {
        what.push_str(&format!("-to-{last}"));
    }
    if !filter.actions.as_str().is_empty() {
        what.push_str(&format!("-{}", filter.actions.as_str().replace('_', "-")));
    }
    let name = format!("{what}-{}.csv", clock.today());
    let rows = move |before: Option<i32>| {
        let (db, reseller, filter) = (db.clone(), reseller.clone(), filter.clone());
        async move {
            let batch = store::exports::activity(&db, &reseller, &filter, before, BATCH).await?;
            let next = full(&batch).and_then(|b| b.last()).map(|(id, _)| *id);
            let mut w = CsvWriter::rows();
            for (_, e) in &batch {
                let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
                let token = e
                    .token_name
                    .clone()
                    .or_else(|| e.via_token.map(|id| format!("#{id}")))
                    .unwrap_or_default();
                // A record of the command line's names no user: its door says who.
                let by = match e.via_command_line {
                    true => "(command line)",
                    false => e.by.as_str(),
                };
                w.record([
                    china_time(e.at).as_str(),
                    by,
                    e.action.as_str(),
                    e.customer.as_ref().map_or("", |c| c.as_str()),
                    e.company_name.as_deref().unwrap_or(""),
                    e.subscription.as_ref().map_or("", |s| s.as_str()),
                    e.friendly_name.as_deref().unwrap_or(""),
                    &number(e.before.map(|b| b.quantity)),
                    e.before.map_or("", |b| b.status.as_str()),
                    &number(e.after.map(|a| a.quantity)),
                    e.after.map_or("", |a| a.status.as_str()),
                    &token,
                    &number(e.held_back.map(|h| h.attempts)),
                    &e.via_job.map(|j| j.to_string()).unwrap_or_default(),
                ])?;
            }
            Ok((w.into_bytes()?, next))
        }
    };
    Ok(attachment(&name, csv_stream(&ACTIVITY_HEADER, rows)))
}

/// The batch, when it is full: more may follow it.
fn full<T>(batch: &[T]) -> Option<&[T]> {
    (batch.len() as u64 >= BATCH).then_some(batch)
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// An instant as the pages show it, in China Standard Time, in RFC 3339 for machines:
/// `2026-07-20T23:30:00+08:00`.
fn china_time(at: DateTime<Utc>) -> String {
    match FixedOffset::east_opt(8 * 3600) {
        Some(cst) => at
            .with_timezone(&cst)
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        None => at.to_rfc3339(),
    }
}

/// `customers-contoso-2026-07-20.csv`: what, whose, and the day (China Standard Time).
fn file_name(what: &str, reseller: &ResellerId, clock: &Clock) -> String {
    format!("{what}-{reseller}-{}.csv", clock.today())
}

/// A CSV file as a stream of chunks: the byte-order mark and the header, then one chunk per
/// batch. `rows(after)` writes the batch after the key `after` (from the top for `None`) and
/// tells where the next batch starts, `None` after the last. A batch that writes nothing (a
/// stretch of subscriptions with no line on an invoice, of customers with no subscription) is
/// not the end: the next is read into the same chunk, since an empty chunk would end the
/// chunked body early.
pub(super) fn csv_stream<K, F, Fut>(
    header: &'static [&'static str],
    rows: F,
) -> impl Stream<Item = Result<Bytes, ExportError>> + 'static
where
    K: 'static,
    F: FnMut(Option<K>) -> Fut + 'static,
    Fut: Future<Output = Result<(Vec<u8>, Option<K>), ExportError>> + 'static,
{
    enum Next<K> {
        Head,
        After(K),
        Done,
    }
    stream::unfold((Next::Head, rows), move |(next, mut rows)| async move {
        let (mut chunk, mut after) = match next {
            Next::Done => return None,
            Next::Head => match CsvWriter::file(header).and_then(CsvWriter::into_bytes) {
                Ok(head) => (head, None),
                Err(e) => return Some((Err(e.into()), (Next::Done, rows))),
            },
            Next::After(key) => (Vec::new(), Some(key)),
        };
        loop {
            match rows(after).await {
                Ok((batch, following)) => {
                    chunk.extend(batch);
                    match following {
                        Some(key) if chunk.is_empty() => after = Some(key),
                        // The batch after a full last one wrote nothing: nothing more.
                        None if chunk.is_empty() => return None,
                        following => {
                            let next = following.map_or(Next::Done, Next::After);
                            return Some((Ok(Bytes::from(chunk)), (next, rows)));
                        }
                    }
                }
                Err(e) => {
                    tracing::error!(error = ?e, "an export stopped half-way");
                    return Some((Err(e), (Next::Done, rows)));
                }
            }
        }
    })
}

/// A CSV download of `body`.
pub(super) fn attachment(
    name: &str,
    body: impl Stream<Item = Result<Bytes, ExportError>> + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .streaming(body)
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt as _;

    use super::*;

    #[tokio::test]
    async fn batches_that_write_nothing_do_not_end_the_file() {
        // Batch 0 writes a row, 1 and 2 write nothing, 3 writes the last row.
        let rows = |after: Option<u32>| async move {
            let at = after.map_or(0, |a| a + 1);
            let mut w = CsvWriter::rows();
            if at == 0 || at == 3 {
                w.record([at.to_string().as_str()])?;
            }
            Ok((w.into_bytes()?, (at < 3).then_some(at)))
        };
        let chunks: Vec<Bytes> = csv_stream(&["N"], rows)
            .map(|chunk| chunk.unwrap_or_default())
            .collect()
            .await;
        assert!(chunks.iter().all(|c| !c.is_empty()), "{chunks:?}");
        assert_eq!(chunks.concat(), b"\xEF\xBB\xBFN\r\n0\r\n3\r\n");
    }
}
