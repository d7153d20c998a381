//! What a job's review sums up, and its files: how many rows each reason refuses (the file's own
//! problems apart from the rules' refusals, each a filter of the review's lists), every row with
//! its verdict as CSV before Confirm, and every row that ended as CSV after.

use actix_web::{HttpResponse, web};

use super::super::exports;
use super::job::{ReasonCount, row_views};
use crate::domain::bulk::LineProblem;
use crate::domain::spreadsheet::CsvWriter;
use crate::store::Db;
use crate::store::jobs::{self as job_store, Rows};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;

/// A reason's name, short, for the review's summary (its code, for a reason without one).
fn reason_label(l: Locale, code: &str) -> String {
    let key = format!("bulk-reason-{}", code.replace('_', "-"));
    if l.has(&key) {
        l.t(&key)
    } else {
        code.to_owned()
    }
}

/// How many rows of job `id` each reason refuses: the file's own problems first, then the rules'
/// refusals, most first within each.
pub(super) async fn reasons(db: &Db, l: Locale, id: i32) -> Result<Vec<ReasonCount>, PageError> {
    let mut reasons: Vec<ReasonCount> = job_store::reasons(db, id)
        .await?
        .into_iter()
        .map(|(code, n)| ReasonCount {
            label: reason_label(l, &code),
            own: LineProblem::CODES.contains(&code.as_str()),
            code,
            n,
        })
        .collect();
    reasons.sort_by_key(|r| !r.own);
    Ok(reasons)
}

/// The codes the review's two lists of refused rows read: the file's own problems, and the
/// rules' refusals; with a filter, only its reason, in its list.
pub(super) fn codes<'a>(
    reasons: &'a [ReasonCount],
    reason: Option<&str>,
) -> (Vec<&'a str>, Vec<&'a str>) {
    let chosen = reasons
        .iter()
        .filter(|r| reason.is_none_or(|code| r.code == code));
    let (own, rules): (Vec<&ReasonCount>, Vec<&ReasonCount>) = chosen.partition(|r| r.own);
    (
        own.iter().map(|r| r.code.as_str()).collect(),
        rules.iter().map(|r| r.code.as_str()).collect(),
    )
}

/// The columns of a job's review file, exactly.
const REVIEW_HEADER: [&str; 9] = [
    "Line",
    "Subscription ID",
    "Action",
    "Target offer ID",
    "Quantity",
    "Verdict",
    "Code",
    "Message",
    "Does",
];

/// The columns of a job's results file, exactly.
const RESULTS_HEADER: [&str; 6] = [
    "Subscription ID",
    "Action",
    "Result",
    "Code",
    "Message",
    "Target subscription ID",
];

/// Rows the files read at a time.
const BATCH: u64 = 1000;

async fn owned(db: &Db, user: &SignedIn, id: i32) -> Result<job_store::Job, PageError> {
    job_store::get(db, &user.account.reseller, id)
        .await?
        .ok_or(PageError::NotFound)
}

// permission: view
/// Every row of a job with its verdict, as CSV, before (or after) Confirm: `Line,Subscription
/// ID,Action,Target offer ID,Quantity,Verdict,Code,Message,Does` (English headers, the codes and
/// actions as a file writes them; the messages in the page's language). The verdict is `change`
/// for a row that will go ahead (or went), `refused` for one that can't, and the row's result
/// once it ended.
pub async fn review_csv(
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    let job = owned(&db, &user, path.into_inner()).await?;
    let rows = move |after: Option<u32>| {
        let db = db.clone();
        async move {
            let rows = job_store::rows(&db, job.id, Rows::All, after.unwrap_or(0), BATCH).await?;
            let next = (rows.len() as u64 == BATCH)
                .then(|| rows.last().map(|r| r.line))
                .flatten();
            let views = row_views(&db, l, &rows).await?;
            let mut w = CsvWriter::rows();
            for (row, v) in rows.iter().zip(&views) {
                let verdict = match (row.state.as_str(), v.result) {
                    ("pending", _) => "change",
                    (_, "") => "refused",
                    (_, result) => result,
                };
                let target = row.target_offer.map(|o| o.as_str()).unwrap_or_default();
                let quantity = row.quantity.map(|n| n.to_string()).unwrap_or_default();
                w.record([
                    v.line.to_string().as_str(),
                    v.subscription.as_str(),
                    v.action.as_str(),
                    target,
                    quantity.as_str(),
                    verdict,
                    v.code.as_str(),
                    v.message.as_str(),
                    v.does.as_str(),
                ])?;
            }
            Ok((w.into_bytes()?, next))
        }
    };
    let name = format!("bulk-change-{}-review.csv", job.id);
    Ok(exports::attachment(
        &name,
        exports::csv_stream(&REVIEW_HEADER, rows),
    ))
}

// permission: view
/// Every row that ended, as CSV: `Subscription ID,Action,Result,Code,Message,Target
/// subscription ID` (English headers; messages in the page's language), streamed as the exports
/// are, through the same writer.
pub async fn results_csv(
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    let job = owned(&db, &user, path.into_inner()).await?;
    let rows = move |after: Option<u32>| {
        let db = db.clone();
        async move {
            let rows =
                job_store::rows(&db, job.id, Rows::Finished, after.unwrap_or(0), BATCH).await?;
            let next = (rows.len() as u64 == BATCH)
                .then(|| rows.last().map(|r| r.line))
                .flatten();
            let views = row_views(&db, l, &rows).await?;
            let mut w = CsvWriter::rows();
            for v in &views {
                w.record([
                    v.subscription.as_str(),
                    v.action.as_str(),
                    v.result,
                    v.code.as_str(),
                    v.message.as_str(),
                    v.target.as_str(),
                ])?;
            }
            Ok((w.into_bytes()?, next))
        }
    };
    let name = format!("bulk-change-{}-results.csv", job.id);
    Ok(exports::attachment(
        &name,
        exports::csv_stream(&RESULTS_HEADER, rows),
    ))
}
