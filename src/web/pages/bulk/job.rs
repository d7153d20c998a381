//! A bulk change job's page: its review before it runs (the rows that will go ahead, those that
//! can't, what they do to the bill), then its progress and results; its Confirm and Cancel, its
//! live progress and its results file.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use super::super::layout::Layout;
use super::super::paths::details_href;
use super::job_href;
use crate::clock::Clock;
use crate::domain::billing::Effect;
use crate::domain::bulk::{Cost, LineProblem, Problem, RowChange};
use crate::domain::change::Kind;
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
    pub(super) line: u32,
    pub(super) subscription: String,
    /// The customer's and the subscription's names, when the row names one of the reseller's.
    pub(super) company_name: String,
    pub(super) friendly_name: String,
    /// The Details page of the row's subscription, when it is the reseller's.
    pub(super) href: Option<String>,
    /// The row's action as a file writes it (`upgrade`), for the CSV files.
    pub(super) action: String,
    /// What the row will do (at review) or did, in words; a row that can't be done, what it
    /// asked (its action, at least).
    pub(super) does: String,
    /// `pending`, `succeeded`, `refused`, `failed`, `cancelled`.
    pub(super) state: &'static str,
    /// `succeeded`, `refused`, `failed`; empty while the row is still to run.
    pub(super) result: &'static str,
    pub(super) result_label: String,
    pub(super) code: String,
    pub(super) message: String,
    pub(super) target: String,
    /// The subscription an upgrade made, by its name (its id until it is known).
    pub(super) target_name: String,
    pub(super) target_href: Option<String>,
}

/// A row's action in words, as the selection form says it.
fn action_words(l: Locale, kind: Kind) -> String {
    match kind {
        Kind::Licenses => l.t("bulk-action-licenses-set"),
        other => {
            let key = format!("bulk-action-{}", other.as_str());
            if l.has(&key) {
                l.t(&key)
            } else {
                other.as_str().to_owned()
            }
        }
    }
}

/// Rows as pages show them, the subscriptions their upgrades made named.
pub(super) async fn row_views(
    db: &Db,
    l: Locale,
    rows: &[Row],
) -> Result<Vec<RowView>, crate::store::DbErr> {
    let names = job_store::target_names(db, rows).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let mut v = row_view(l, r);
            if let Some(name) = r.target.as_ref().and_then(|t| names.get(t)) {
                v.target_name = name.clone();
            }
            v
        })
        .collect())
}

pub(super) fn row_view(l: Locale, row: &Row) -> RowView {
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
        _ => match (row.kind, row.target_offer) {
            (Some(Kind::Upgrade), Some(target)) => {
                l.t1("bulk-does-upgrade", "target", l.offer(target))
            }
            (Some(kind), _) => action_words(l, kind),
            (None, _) => String::new(),
        },
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
            .map(|p| {
                let target = row.change.and_then(|c| c.target).or(row.target_offer);
                problem_message(l, p, customer, target)
            })
            .unwrap_or_default(),
        target: row
            .target
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        target_name: row
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
pub(super) fn problem_message(
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
    /// At review: a page of the rows the file itself got wrong (unreadable lines, unknown ids,
    /// bad values).
    file_problems: Listed,
    /// At review: a page of the rows the rules refuse; once running: of the rows that ended.
    problems: Listed,
    /// At review: a page of the rows that will go ahead.
    rows: Listed,
    /// At review: how many rows each reason refuses, each a filter of the lists.
    reasons: Vec<ReasonCount>,
    /// The reason the lists are filtered by, if any.
    reason: Option<String>,
    /// Once running: the live results' cursor (every row up to this line has ended and is shown).
    settled: u32,
    /// At review: what the rows do to the bill.
    cost: Option<Cost>,
    /// Held for approval: the decision, as the viewer may take it.
    pub(crate) decide: Option<crate::web::pages::approvals::JobDecide>,
    /// The job has more rows than the reseller's threshold: its Start requests approval.
    needs_approval: bool,
}

/// A page of one of a job page's lists: its rows, where it started, where the next starts.
#[derive(Default)]
pub struct Listed {
    pub rows: Vec<RowView>,
    pub at: u32,
    pub next: Option<u32>,
}

impl Listed {
    fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// One reason rows are refused for, with how many, as a filter of the review's lists.
pub struct ReasonCount {
    pub code: String,
    pub label: String,
    pub n: u32,
    /// A problem of the file itself, not a refusal of the rules.
    pub own: bool,
}

impl JobPage {
    fn in_review(&self) -> bool {
        matches!(self.job.state, JobState::Review | JobState::Approval)
    }

    fn running(&self) -> bool {
        self.job.state == JobState::Running
    }

    fn title(&self) -> String {
        super::title::full(self.l, &self.job)
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

    fn refused_total(&self) -> u32 {
        self.reasons.iter().map(|r| r.n).sum()
    }

    fn any_own(&self) -> bool {
        self.reasons.iter().any(|r| r.own)
    }

    fn any_rules(&self) -> bool {
        self.reasons.iter().any(|r| !r.own)
    }

    /// The page with these lists' cursors and this filter.
    fn href(&self, (file, problems, rows): (u32, u32, u32), reason: Option<&str>) -> String {
        let mut href = format!(
            "/bulk/jobs/{}?file_after={file}&problems_after={problems}&after={rows}",
            self.job.id
        );
        if let Some(code) = reason {
            href.push_str("&reason=");
            href.push_str(code);
        }
        href
    }

    /// The review filtered by `code` (its lists from their first pages).
    fn reason_href(&self, code: &str) -> String {
        self.href((0, 0, 0), Some(code)) + "#problems-heading"
    }

    /// The review unfiltered.
    fn all_href(&self) -> String {
        self.href((0, 0, 0), None)
    }

    fn is_reason(&self, code: &str) -> bool {
        self.reason.as_deref() == Some(code)
    }

    /// The review's links for one of its lists: the file's problems (`file`), the rules'
    /// refusals (`problems`), the rows that will go ahead (`rows`). The others stay on their
    /// pages.
    fn pager(&self, which: &str) -> Pager {
        let at = (self.file_problems.at, self.problems.at, self.rows.at);
        let list = match which {
            "file" => &self.file_problems,
            "problems" => &self.problems,
            _ => &self.rows,
        };
        let to = |line: u32| {
            let cursors = match which {
                "file" => (line, at.1, at.2),
                "problems" => (at.0, line, at.2),
                _ => (at.0, at.1, line),
            };
            self.href(cursors, self.reason.as_deref())
        };
        Pager {
            first: (list.at > 0).then(|| to(0)),
            next: list.next.map(to),
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
/// next (when there is one). The other lists stay on their pages.
pub struct Pager {
    first: Option<String>,
    next: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct RowsQuery {
    after: Option<u32>,
    /// At review: where the page of the rows the rules refuse starts.
    problems_after: Option<u32>,
    /// At review: where the page of the file's own problems starts.
    file_after: Option<u32>,
    /// At review: the reason the lists are filtered by.
    reason: Option<String>,
    /// Held for approval: a rejection was sent without its note.
    note: Option<String>,
}

/// A page of a job's rows: up to [`ROWS_SHOWN`] of `which` after line `after`, read from the
/// store a page at a time, and the line the next page starts after, if there is one.
async fn rows_page(
    db: &Db,
    l: Locale,
    job: i32,
    which: Rows<'_>,
    after: u32,
) -> Result<Listed, PageError> {
    let mut rows = job_store::rows(db, job, which, after, ROWS_SHOWN + 1).await?;
    let next = (rows.len() as u64 > ROWS_SHOWN).then(|| {
        rows.truncate(ROWS_SHOWN as usize);
        rows.last().map(|r| r.line)
    });
    Ok(Listed {
        rows: row_views(db, l, &rows).await?,
        at: after,
        next: next.flatten(),
    })
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
    clock: web::Data<Clock>,
    path: web::Path<i32>,
    query: web::Query<RowsQuery>,
) -> Result<JobPage, PageError> {
    let job = owned_job(&db, &user, path.into_inner()).await?;
    let thresholds = crate::store::approvals::thresholds(&db, &user.account.reseller).await?;
    let (now, job_for_decide) = (clock.now(), job.clone());
    // The live results' cursor, read before the rows (see `progress`).
    let settled = match job.state {
        JobState::Review | JobState::Approval => 0,
        _ => job_store::settled(&db, job.id).await?,
    };
    let progress = job_store::progress(&db, job.id).await?;
    let progress_left = progress.left;
    let after = query.after.unwrap_or(0);
    let mut reasons = Vec::new();
    let mut reason = None;
    // A page of each kind of row, never all of them: a review of 50,000 rows shows as fast as one
    // of ten. (The cost was worked out when the review was written.)
    let reviewing = matches!(job.state, JobState::Review | JobState::Approval);
    let (file_problems, problems, rows) = if reviewing {
        reasons = super::review::reasons(&db, l, job.id).await?;
        reason = query
            .reason
            .as_deref()
            .filter(|code| reasons.iter().any(|r| r.code == *code))
            .map(str::to_owned);
        let (own, rules) = super::review::codes(&reasons, reason.as_deref());
        let file_problems = match own.is_empty() {
            true => Listed::default(),
            false => {
                let after = query.file_after.unwrap_or(0);
                rows_page(&db, l, job.id, Rows::RefusedFor(&own), after).await?
            }
        };
        let problems = match rules.is_empty() {
            true => Listed::default(),
            false => {
                let after = query.problems_after.unwrap_or(0);
                rows_page(&db, l, job.id, Rows::RefusedFor(&rules), after).await?
            }
        };
        let rows = rows_page(&db, l, job.id, Rows::Pending, after).await?;
        (file_problems, problems, rows)
    } else {
        let finished = rows_page(&db, l, job.id, Rows::Finished, after).await?;
        (Listed::default(), finished, Listed::default())
    };
    let cost = if reviewing && progress.left > 0 {
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
        file_problems,
        problems,
        rows,
        reasons,
        reason,
        settled: settled.max(after),
        cost,
        decide: crate::web::pages::approvals::JobDecide::of(&job_for_decide, &user.account, now)
            .map(|d| d.with_note_error(l, query.note.as_deref())),
        needs_approval: thresholds.needs_for_rows(progress_left as usize),
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
    // More rows than the reseller's threshold: held for a second person's approval instead.
    let thresholds = crate::store::approvals::thresholds(&db, &user.account.reseller).await?;
    if job.state == JobState::Review && thresholds.rows.is_some() {
        let left = job_store::progress(&db, job.id).await?.left;
        if thresholds.needs_for_rows(left as usize) {
            job_store::hold(&db, &user.account, job.id, clock.now()).await?;
            return Ok(see_other(job_href(job.id)));
        }
    }
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
    let cancelled = job_store::cancel(&db, &user.account, job.id, clock.now()).await?;
    if cancelled {
        metrics::counter!("portal_jobs_total", "event" => "cancelled").increment(1);
    }
    if cancelled && job.state == JobState::Review {
        return Ok(see_other("/bulk".to_owned()));
    }
    Ok(see_other(job_href(job.id)))
}

/// A job's progress for the page's script: the counts, the rows that ended after the script's
/// cursor (some it may have shown already), and the cursor to ask after next: the line up to
/// which every row has ended and was sent.
#[derive(serde::Serialize)]
struct ProgressAnswer {
    state: &'static str,
    state_label: String,
    progress: Progress,
    percent: u32,
    settled: u32,
    rows: Vec<RowView>,
}

/// The most rows one answer of the live results carries.
const LIVE_ROWS: u64 = 200;

pub async fn progress(
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    path: web::Path<i32>,
    query: web::Query<RowsQuery>,
) -> Result<HttpResponse, PageError> {
    let job = owned_job(&db, &user, path.into_inner()).await?;
    // Where every row has ended, read before the rows: a row that ends in between is among them
    // or after the cursor, never skipped.
    let settled = job_store::settled(&db, job.id).await?;
    let progress = job_store::progress(&db, job.id).await?;
    let after = query.after.unwrap_or(0);
    let rows = job_store::rows(&db, job.id, Rows::Finished, after, LIVE_ROWS).await?;
    // More rows ended than one answer carries: the cursor stops at the last one sent.
    let settled = match rows.last() {
        Some(last) if rows.len() as u64 == LIVE_ROWS => settled.min(last.line),
        _ => settled,
    }
    .max(after);
    let answer = ProgressAnswer {
        state: job.state.as_str(),
        state_label: l.t(&format!("bulk-job-{}", job.state.as_str())),
        percent: progress.percent(),
        progress,
        settled,
        rows: row_views(&db, l, &rows).await?,
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(answer))
}
