//! A bulk change job's page: its review before it runs (the rows that will go ahead, those that
//! can't, what they do to the bill), then its progress and results; its Confirm and Cancel, its
//! live progress and its results file.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use super::super::exports;
use super::super::layout::Layout;
use super::super::paths::details_href;
use super::job_href;
use crate::clock::Clock;
use crate::domain::billing::Effect;
use crate::domain::bulk::{Cost, LineProblem, Problem, RowChange};
use crate::domain::change::Kind;
use crate::domain::spreadsheet::CsvWriter;
use crate::domain::{CustomerId, OfferId, SubscriptionId};
use crate::jobs::Jobs;
use crate::store::Db;
use crate::store::jobs::{self as job_store, Job, JobState, Progress, Row, Rows};
use crate::web::explain;
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::see_other;

/// The rows a job page lists at a time.
const ROWS_SHOWN: u64 = 200;

/// One row as a page (and the results file) shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RowView {
    line: u32,
    subscription: String,
    /// The customer's and the subscription's names, when the row names one of the reseller's.
    company_name: String,
    friendly_name: String,
    /// The Details page of the row's subscription, when it is the reseller's.
    href: Option<String>,
    action: String,
    /// What the row will do (at review) or did.
    does: String,
    /// `pending`, `succeeded`, `refused`, `failed`, `cancelled`.
    state: &'static str,
    /// `succeeded`, `refused`, `failed`; empty while the row is still to run.
    result: &'static str,
    result_label: String,
    code: String,
    message: String,
    target: String,
    target_href: Option<String>,
}

fn row_view(l: Locale, row: &Row) -> RowView {
    let customer = row.customer.as_ref();
    let href = customer.and_then(|c| {
        SubscriptionId::parse(&row.subscription)
            .ok()
            .map(|s| details_href(c, &s))
    });
    let does = match row.change {
        Some(RowChange {
            kind: Kind::Upgrade,
            target: Some(target),
            quantity: Some(n),
        }) => l.t2(
            "bulk-does-upgrade-n",
            "target",
            l.offer(target),
            "n",
            l.num(n),
        ),
        Some(RowChange {
            kind: Kind::Licenses,
            quantity: Some(n),
            ..
        }) => l.t1("bulk-does-set", "n", l.num(n)),
        Some(RowChange {
            kind: Kind::Suspend,
            ..
        }) => l.t("bulk-does-suspend"),
        Some(RowChange {
            kind: Kind::Reactivate,
            ..
        }) => l.t("bulk-does-reactivate"),
        _ => String::new(),
    };
    let outcome = row.state.outcome();
    RowView {
        line: row.line,
        href,
        action: row.kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
        does,
        state: row.state.as_str(),
        result: outcome.map_or("", |o| o.as_str()),
        result_label: l.t(&format!("bulk-state-{}", row.state.as_str())),
        code: row
            .problem
            .as_ref()
            .map(|p| p.code().to_owned())
            .unwrap_or_default(),
        message: row
            .problem
            .as_ref()
            .map(|p| problem_message(l, p, customer, row.change.and_then(|c| c.target)))
            .unwrap_or_default(),
        target: row
            .target
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        target_href: match (customer, &row.target) {
            (Some(c), Some(t)) => Some(details_href(c, t)),
            _ => None,
        },
        subscription: row.subscription.clone(),
        company_name: row
            .names
            .as_ref()
            .map(|(c, _)| c.clone())
            .unwrap_or_default(),
        friendly_name: row
            .names
            .as_ref()
            .map(|(_, s)| s.clone())
            .unwrap_or_default(),
    }
}

/// Why a row can't be done, or was not, in words: for the eligibility rules, the Details page's
/// own explanation and its fix.
fn problem_message(
    l: Locale,
    problem: &Problem,
    customer: Option<&CustomerId>,
    target: Option<OfferId>,
) -> String {
    match problem {
        Problem::Ineligible(reason) => match customer {
            Some(customer) => {
                let view = explain::reason(l, reason, customer, target);
                format!("{} {}", view.text, view.fix)
            }
            None => reason.code().to_owned(),
        },
        Problem::Licenses(e) => explain::licenses_message(l, *e),
        Problem::Status(e) => l.t(e.message_key()),
        Problem::Changed => format!("{} {}", l.t("reason-concurrency"), l.t("fix-concurrency")),
        Problem::Line { problem, value } => match problem {
            LineProblem::Duplicate { first } => l.t1("bulk-line-duplicate", "first", first),
            LineProblem::Columns => l.t("bulk-line-columns"),
            other => l.t1(
                &format!("bulk-line-{}", other.code().replace('_', "-")),
                "value",
                value,
            ),
        },
        Problem::Cancelled => l.t("bulk-row-cancelled"),
        Problem::NotAllowed => l.t("bulk-row-not-allowed"),
        Problem::Failed => l.t("bulk-row-failed"),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "bulk/job.html")]
pub struct JobPage {
    l: Locale,
    layout: Layout,
    job: Job,
    progress: Progress,
    /// At review: a page of the rows that can't be done; once running: of the rows that ended.
    problems: Vec<RowView>,
    /// At review: a page of the rows that will go ahead.
    rows: Vec<RowView>,
    /// The line after which the next page of rows starts, if there is one.
    next_after: Option<u32>,
    after: u32,
    /// At review: the line after which the next page of the rows that can't be done starts, if
    /// there is one, and where this page started.
    problems_next: Option<u32>,
    problems_after: u32,
    /// At review: what the rows do to the bill.
    cost: Option<Cost>,
}

impl JobPage {
    fn in_review(&self) -> bool {
        self.job.state == JobState::Review
    }

    fn running(&self) -> bool {
        self.job.state == JobState::Running
    }

    fn state_label(&self) -> String {
        self.l.t(&format!("bulk-job-{}", self.job.state.as_str()))
    }

    fn percent(&self) -> u32 {
        self.progress.percent()
    }

    fn will_go(&self) -> u32 {
        self.progress.left
    }

    fn period_words(&self, e: &Effect) -> String {
        super::super::review::period_words(self.l, e)
    }

    /// The review's links for its list of the rows that can't be changed (`problems`) or of
    /// those that will (`rows`).
    fn pager(&self, which: &str) -> Pager {
        let href = |problems_after: u32, after: u32| {
            format!(
                "/bulk/jobs/{}?problems_after={problems_after}&after={after}",
                self.job.id
            )
        };
        let (at, next) = match which {
            "problems" => (self.problems_after, self.problems_next),
            _ => (self.after, self.next_after),
        };
        let to = |line: u32| match which {
            "problems" => href(line, self.after),
            _ => href(self.problems_after, line),
        };
        Pager {
            first: (at > 0).then(|| to(0)),
            next: next.map(to),
        }
    }

    fn unpriced_words(&self, cost: &Cost) -> String {
        let offers: Vec<&str> = cost.unpriced.iter().map(|o| self.l.offer(*o)).collect();
        self.l.t2(
            "bulk-cost-unpriced",
            "n",
            self.l.num(cost.unpriced_rows),
            "offers",
            offers.join(match self.l {
                Locale::ZhCn => "、",
                Locale::EnUs => ", ",
            }),
        )
    }
}

/// The links of one of a review's lists: back to its first page (when not on it), and on to its
/// next (when there is one). The other list stays on its page.
pub struct Pager {
    first: Option<String>,
    next: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct RowsQuery {
    after: Option<u32>,
    /// At review: where the page of the rows that can't be done starts.
    problems_after: Option<u32>,
}

/// A page of a job's rows: up to [`ROWS_SHOWN`] of `which` after line `after`, read from the
/// store a page at a time, and the line the next page starts after, if there is one.
async fn rows_page(
    db: &Db,
    l: Locale,
    job: i32,
    which: Rows,
    after: u32,
) -> Result<(Vec<RowView>, Option<u32>), PageError> {
    let mut rows = job_store::rows(db, job, which, after, ROWS_SHOWN + 1).await?;
    let next = (rows.len() as u64 > ROWS_SHOWN).then(|| {
        rows.truncate(ROWS_SHOWN as usize);
        rows.last().map(|r| r.line)
    });
    Ok((
        rows.iter().map(|r| row_view(l, r)).collect(),
        next.flatten(),
    ))
}

async fn owned_job(db: &Db, user: &SignedIn, id: i32) -> Result<Job, PageError> {
    job_store::get(db, &user.account.reseller, id)
        .await?
        .ok_or(PageError::NotFound)
}

/// A job's page: its review before it runs, its progress and results after.
pub async fn job_page(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    path: web::Path<i32>,
    query: web::Query<RowsQuery>,
) -> Result<JobPage, PageError> {
    let job = owned_job(&db, &user, path.into_inner()).await?;
    let progress = job_store::progress(&db, job.id).await?;
    let after = query.after.unwrap_or(0);
    let problems_after = query.problems_after.unwrap_or(0);
    // A page of each kind of row, never all of them: a review of 50,000 rows shows as fast as one
    // of ten. (The cost was worked out when the review was written.)
    let (problems, problems_next, rows, next_after) = if job.state == JobState::Review {
        let (problems, problems_next) =
            rows_page(&db, l, job.id, Rows::Refused, problems_after).await?;
        let (rows, next) = rows_page(&db, l, job.id, Rows::Pending, after).await?;
        (problems, problems_next, rows, next)
    } else {
        let (finished, next) = rows_page(&db, l, job.id, Rows::Finished, after).await?;
        (finished, None, Vec::new(), next)
    };
    let cost = if job.state == JobState::Review && progress.left > 0 {
        job.cost.clone()
    } else {
        None
    };
    let mut layout = user.layout(l, &req.uri().to_string()).in_section("bulk");
    layout.crumbs.clear();
    let layout = layout
        .crumb(l.t("bulk-title"), Some("/bulk".to_owned()))
        .crumb(l.t1("bulk-job-name", "id", job.id), None);
    Ok(JobPage {
        l,
        layout,
        job,
        progress,
        problems,
        rows,
        next_after,
        after,
        problems_next,
        problems_after,
        cost,
    })
}

/// Confirms a job after its review: it runs from now on (a second confirm changes nothing).
pub async fn start(
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    jobs: web::Data<Jobs>,
    path: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    let job = owned_job(&db, &user, path.into_inner()).await?;
    if job_store::start(&db, &user.account, job.id, clock.now()).await? {
        metrics::counter!("portal_jobs_total", "event" => "started").increment(1);
        jobs.wake();
    }
    Ok(see_other(job_href(job.id)))
}

/// Cancels a job: a review is dropped; a running job's rows not yet started are not done.
pub async fn cancel(
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    path: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    let job = owned_job(&db, &user, path.into_inner()).await?;
    let cancelled = job_store::cancel(&db, &user.account.reseller, job.id, clock.now()).await?;
    if cancelled {
        metrics::counter!("portal_jobs_total", "event" => "cancelled").increment(1);
    }
    if cancelled && job.state == JobState::Review {
        return Ok(see_other("/bulk".to_owned()));
    }
    Ok(see_other(job_href(job.id)))
}

/// A job's progress for the page's script: the counts, and the rows that ended after a line.
#[derive(serde::Serialize)]
struct ProgressAnswer {
    state: &'static str,
    state_label: String,
    progress: Progress,
    percent: u32,
    rows: Vec<RowView>,
}

pub async fn progress(
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    path: web::Path<i32>,
    query: web::Query<RowsQuery>,
) -> Result<HttpResponse, PageError> {
    let job = owned_job(&db, &user, path.into_inner()).await?;
    let progress = job_store::progress(&db, job.id).await?;
    let rows = job_store::rows(&db, job.id, Rows::Finished, query.after.unwrap_or(0), 100).await?;
    let answer = ProgressAnswer {
        state: job.state.as_str(),
        state_label: l.t(&format!("bulk-job-{}", job.state.as_str())),
        percent: progress.percent(),
        progress,
        rows: rows.iter().map(|r| row_view(l, r)).collect(),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(answer))
}

/// Every row that ended, as CSV: `Subscription ID,Action,Result,Code,Message,Target
/// subscription ID` (English headers; messages in the page's language), streamed as the exports
/// are, through the same writer.
pub async fn results_csv(
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    let job = owned_job(&db, &user, path.into_inner()).await?;
    let rows = move |after: Option<u32>| {
        let db = db.clone();
        async move {
            let rows = job_store::rows(
                &db,
                job.id,
                Rows::Finished,
                after.unwrap_or(0),
                RESULTS_BATCH,
            )
            .await?;
            let next = (rows.len() as u64 == RESULTS_BATCH)
                .then(|| rows.last().map(|r| r.line))
                .flatten();
            let mut w = CsvWriter::rows();
            for row in &rows {
                let v = row_view(l, row);
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

/// The columns of a job's results file, exactly.
const RESULTS_HEADER: [&str; 6] = [
    "Subscription ID",
    "Action",
    "Result",
    "Code",
    "Message",
    "Target subscription ID",
];

/// Rows the results file reads at a time.
const RESULTS_BATCH: u64 = 1000;
