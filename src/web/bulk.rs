//! Bulk changes (批量更改): a change of many subscriptions at once, started from a selection on
//! the page or from rows of a spreadsheet, reviewed row by row, then run as a job in the
//! background with a live progress bar, per-row results, a results file and a Cancel button.

use std::collections::HashMap;

use chrono::NaiveDate;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use super::auth::SignedIn;
use super::error::PageError;
use super::explain;
use super::i18n::Locale;
use super::layout::Layout;
use super::paths::details_href;
use super::{render, see_other};
use crate::clock::Clock;
use crate::domain::billing::{Billing, Effect, NoPrice};
use crate::domain::bulk::{self, Action, FileError, LineProblem, Problem, Request, RowChange};
use crate::domain::catalog::{self, Offer};
use crate::domain::{
    CustomerId, CustomerQuery, OfferId, StatusAction, SubscriptionId, SubscriptionStatus,
};
use crate::jobs::Jobs;
use crate::store::jobs::{
    self as job_store, Job, JobState, NewJob, NewRow, Origin, Progress, Row, Rows,
};
use crate::store::subscriptions::{Among, SubscriptionView};
use crate::store::{self, Db};

/// The rows a job page lists at a time.
const ROWS_SHOWN: u64 = 200;

/// What the selection form asked, as typed, to show again beside its messages.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SelectionForm {
    #[serde(default)]
    offer: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    quantity: String,
}

/// The rows form: a file's text (read by the page's script from the chosen file, or pasted).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct FileForm {
    #[serde(default)]
    rows: String,
    #[serde(default)]
    file_name: String,
}

/// The messages beside the fields of the page's two forms.
#[derive(Debug, Default)]
struct Messages {
    offer: Option<String>,
    status: Option<String>,
    action: Option<String>,
    target: Option<String>,
    quantity: Option<String>,
    /// About the selection as a whole (it matches nothing, or too much).
    selection: Option<String>,
    rows: Option<String>,
}

impl Messages {
    fn any(&self) -> bool {
        self.offer.is_some()
            || self.status.is_some()
            || self.action.is_some()
            || self.target.is_some()
            || self.quantity.is_some()
            || self.selection.is_some()
            || self.rows.is_some()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "bulk/index.html")]
pub struct BulkPage {
    l: Locale,
    layout: Layout,
    offers: &'static [Offer],
    selection: SelectionForm,
    file: FileForm,
    messages: Messages,
    jobs: Vec<(Job, Progress)>,
}

impl BulkPage {
    /// The file's columns, as its header names them (the same in every language).
    fn columns(&self) -> String {
        bulk::COLUMNS.join(",")
    }

    /// The file's actions, as its `Action` column writes them.
    fn actions(&self) -> impl Iterator<Item = &'static str> {
        Action::ALL.into_iter().map(Action::as_str)
    }

    fn selected(&self, field: &str, value: &str) -> bool {
        let chosen = match field {
            "offer" => &self.selection.offer,
            "status" => &self.selection.status,
            "action" => &self.selection.action,
            "target" => &self.selection.target,
            _ => return false,
        };
        chosen == value
    }
}

fn page(
    l: Locale,
    req: &HttpRequest,
    user: &SignedIn,
    jobs: Vec<(Job, Progress)>,
    selection: SelectionForm,
    file: FileForm,
    messages: Messages,
) -> BulkPage {
    let mut layout = user.layout(l, &req.uri().to_string()).in_section("bulk");
    layout.crumbs.clear();
    let layout = layout.crumb(l.t("bulk-title"), None);
    BulkPage {
        l,
        layout,
        offers: catalog::offers(),
        selection,
        file,
        messages,
        jobs,
    }
}

/// The Bulk changes page: the two ways to start one, and the reseller's jobs.
pub async fn index(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
) -> Result<BulkPage, PageError> {
    let jobs = job_store::latest(&db, &user.account.reseller, 50).await?;
    let selection = SelectionForm {
        status: "active".to_owned(),
        action: "upgrade".to_owned(),
        ..SelectionForm::default()
    };
    Ok(page(
        l,
        &req,
        &user,
        jobs,
        selection,
        FileForm::default(),
        Messages::default(),
    ))
}

/// A selection parsed: which subscriptions, and what to ask of each.
struct Selection {
    offer: Option<OfferId>,
    status: Option<SubscriptionStatus>,
    search: CustomerQuery,
    request: Request,
}

fn parse_selection(l: Locale, form: &SelectionForm) -> Result<Selection, Box<Messages>> {
    let mut messages = Messages::default();
    let offer = match form.offer.trim() {
        "" => None,
        raw => match raw.parse::<OfferId>() {
            Ok(o) => Some(o),
            Err(_) => {
                messages.offer = Some(l.t("bulk-error-offer"));
                None
            }
        },
    };
    let status = match form.status.trim() {
        "" => None,
        raw => match raw.parse::<SubscriptionStatus>() {
            Ok(s) => Some(s),
            Err(_) => {
                messages.status = Some(l.t("bulk-error-status"));
                None
            }
        },
    };
    // A whole number of licenses, when the action takes one.
    let mut quantity = |required: bool| -> Option<u32> {
        let raw = form.quantity.trim();
        if raw.is_empty() && !required {
            return None;
        }
        match raw.parse::<u32>() {
            Ok(n) if n > 0 && raw.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => {
                messages.quantity = Some(l.t("bulk-error-quantity"));
                None
            }
        }
    };
    let request = match form.action.as_str() {
        "upgrade" => match form.target.trim().parse::<OfferId>() {
            Ok(target) => Some(Request::Upgrade {
                target,
                quantity: quantity(false),
            }),
            Err(_) => {
                messages.target = Some(l.t("bulk-error-target"));
                None
            }
        },
        "licenses-set" => quantity(true).map(Request::SetLicenses),
        "licenses-add" => quantity(true).map(Request::AddLicenses),
        "suspend" => Some(Request::Status(StatusAction::Suspend)),
        "reactivate" => Some(Request::Status(StatusAction::Reactivate)),
        _ => {
            messages.action = Some(l.t("bulk-error-action"));
            None
        }
    };
    match request {
        Some(request) if !messages.any() => Ok(Selection {
            offer,
            status,
            search: CustomerQuery::parse(&form.q),
            request,
        }),
        _ => Err(Box::new(messages)),
    }
}

/// What a selection does, in words, for the job's list.
fn describe(l: Locale, s: &Selection) -> String {
    let what = match s.request {
        Request::Upgrade { target, quantity } => match quantity {
            Some(n) => l.t2(
                "bulk-does-upgrade-n",
                "target",
                l.offer(target),
                "n",
                l.num(n),
            ),
            None => l.t1("bulk-does-upgrade", "target", l.offer(target)),
        },
        Request::SetLicenses(n) => l.t1("bulk-does-set", "n", l.num(n)),
        Request::AddLicenses(n) => l.t1("bulk-does-add", "n", l.num(n)),
        Request::Status(StatusAction::Suspend) => l.t("bulk-does-suspend"),
        Request::Status(StatusAction::Reactivate) => l.t("bulk-does-reactivate"),
    };
    let mut which = vec![match s.offer {
        Some(o) => l.offer(o).to_owned(),
        None => l.t("bulk-any-offer"),
    }];
    if let Some(status) = s.status {
        which.push(l.status(status));
    }
    if !s.search.is_empty() {
        which.push(format!("“{}”", s.search.as_str()));
    }
    format!("{what} · {}", which.join(" · "))
}

/// Starts a change from a selection: reads every matching subscription, judges each, and writes
/// the job for its review.
pub async fn from_selection(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    form: web::Form<SelectionForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let reseller = &user.account.reseller;
    let refuse = |messages: Messages, form: SelectionForm| async {
        let jobs = job_store::latest(&db, reseller, 50).await?;
        render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(l, &req, &user, jobs, form, FileForm::default(), messages),
        )
    };
    let selection = match parse_selection(l, &form) {
        Ok(s) => s,
        Err(messages) => return refuse(*messages, form).await,
    };
    let views = store::subscriptions::views_where(
        db.get_ref(),
        reseller,
        Among::Selection {
            offer: selection.offer,
            status: selection.status,
            search: selection.search.as_str(),
            limit: bulk::MAX_ROWS + 1,
        },
    )
    .await?;
    if views.is_empty() || views.len() > bulk::MAX_ROWS {
        let message = if views.is_empty() {
            l.t("bulk-error-none")
        } else {
            l.t1("bulk-error-too-many", "max", l.num(bulk::MAX_ROWS as u64))
        };
        let messages = Messages {
            selection: Some(message),
            ..Messages::default()
        };
        return refuse(messages, form).await;
    }
    let rows = views
        .iter()
        .enumerate()
        .map(|(i, view)| {
            planned(
                u32::try_from(i + 1).unwrap_or(u32::MAX),
                selection.request,
                view,
                reseller,
            )
        })
        .collect();
    let id = job_store::create(
        &db,
        NewJob {
            who: &user.account,
            language: l.tag(),
            origin: Origin::Selection,
            summary: describe(l, &selection),
            at: clock.now(),
        },
        rows,
    )
    .await?;
    Ok(see_other(job_href(id)))
}

/// A row judged against its subscription as the review reads it.
fn planned(
    line: u32,
    request: Request,
    view: &SubscriptionView,
    reseller: &crate::domain::ResellerId,
) -> NewRow {
    let eligibility = view.eligibility(reseller);
    let plan = bulk::resolve(request, &view.subscription, &eligibility);
    NewRow {
        line,
        subscription: view.subscription.id.to_string(),
        customer: Some(view.customer.id.clone()),
        names: Some((
            view.customer.company_name.clone(),
            view.subscription.friendly_name.clone(),
        )),
        action: Some(request.action()),
        plan,
        expected: Some(view.subscription.version),
    }
}

/// Where the rows of a file are sent: a form larger than others (its limit is
/// [`super::csrf::LARGE_FORM_LIMIT`], about 50,000 lines of a subscriptions export).
pub const FILE_PATH: &str = "/bulk/file";

/// Starts a change from a file's rows: reads each line, judges each subscription, and writes the
/// job for its review; the lines that can't be done are named with their line and value.
pub async fn from_file(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    form: web::Form<FileForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let reseller = &user.account.reseller;
    let lines = match bulk::parse_file(&form.rows) {
        Ok(lines) if lines.is_empty() => Err(FileError::Empty),
        other => other,
    };
    let lines = match lines {
        Ok(lines) => lines,
        Err(e) => {
            let message = match e {
                FileError::Empty => l.t("bulk-file-empty"),
                FileError::MissingColumn(column) => l.t1("bulk-file-column", "column", column),
                FileError::TooManyRows => {
                    l.t1("bulk-error-too-many", "max", l.num(bulk::MAX_ROWS as u64))
                }
                FileError::NotCsv(why) => l.t1("bulk-file-not-csv", "why", why),
            };
            let jobs = job_store::latest(&db, reseller, 50).await?;
            let messages = Messages {
                rows: Some(message),
                ..Messages::default()
            };
            let selection = SelectionForm {
                status: "active".to_owned(),
                action: "upgrade".to_owned(),
                ..SelectionForm::default()
            };
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(l, &req, &user, jobs, selection, form, messages),
            );
        }
    };
    let ids: Vec<SubscriptionId> = lines
        .iter()
        .filter_map(|l| l.as_ref().ok().map(|l| l.subscription.clone()))
        .collect();
    let views: HashMap<SubscriptionId, SubscriptionView> =
        store::subscriptions::views_where(db.get_ref(), reseller, Among::Ids(&ids))
            .await?
            .into_iter()
            .map(|v| (v.subscription.id.clone(), v))
            .collect();
    let rows = lines
        .into_iter()
        .map(|line| match line {
            Ok(line) => match views.get(&line.subscription) {
                Some(view) => planned(line.line, line.request, view, reseller),
                // Not the reseller's, or no such subscription: the same to the reseller.
                None => NewRow {
                    line: line.line,
                    subscription: line.subscription.to_string(),
                    customer: None,
                    names: None,
                    action: Some(line.request.action()),
                    plan: Err(Problem::Line {
                        problem: LineProblem::UnknownSubscription,
                        value: line.subscription.to_string(),
                    }),
                    expected: None,
                },
            },
            Err(bad) => NewRow {
                line: bad.line,
                subscription: bad.subscription,
                customer: None,
                names: None,
                action: None,
                plan: Err(bad.problem),
                expected: None,
            },
        })
        .collect::<Vec<_>>();
    let name = form.file_name.trim();
    let summary = if name.is_empty() {
        l.t1("bulk-from-pasted", "n", l.num(rows.len() as u64))
    } else {
        l.t2(
            "bulk-from-file",
            "name",
            name,
            "n",
            l.num(rows.len() as u64),
        )
    };
    let id = job_store::create(
        &db,
        NewJob {
            who: &user.account,
            language: l.tag(),
            origin: Origin::File,
            summary,
            at: clock.now(),
        },
        rows,
    )
    .await?;
    Ok(see_other(job_href(id)))
}

fn job_href(id: i32) -> String {
    format!("/bulk/jobs/{id}")
}

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
        Some(RowChange::Upgrade { target, quantity }) => l.t2(
            "bulk-does-upgrade-n",
            "target",
            l.offer(target),
            "n",
            l.num(quantity.get()),
        ),
        Some(RowChange::Licenses(n)) => l.t1("bulk-does-set", "n", l.num(n.get())),
        Some(RowChange::Status(StatusAction::Suspend)) => l.t("bulk-does-suspend"),
        Some(RowChange::Status(StatusAction::Reactivate)) => l.t("bulk-does-reactivate"),
        None => String::new(),
    };
    let outcome = row.state.outcome();
    RowView {
        line: row.line,
        href,
        action: row
            .action
            .map(|a| a.as_str().to_owned())
            .unwrap_or_default(),
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
            .map(|p| problem_message(l, p, customer, row.change.and_then(RowChange::target)))
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
        Problem::Failed => l.t("bulk-row-failed"),
    }
}

/// What the rows of a job in review do to the reseller's bill, added up by the billing rules (as
/// each single change's review shows it).
#[derive(Debug, Clone, Default)]
pub struct Cost {
    /// The effect of the rows with prices; `None` when no row has one.
    pub total: Option<Effect>,
    /// Offers of rows without a price: their cost is not in the total.
    pub unpriced: Vec<OfferId>,
    /// How many rows have no price.
    pub unpriced_rows: u32,
}

async fn cost(db: &Db, user: &SignedIn, job: i32, today: NaiveDate) -> Result<Cost, PageError> {
    let reseller = &user.account.reseller;
    let mut changes: HashMap<SubscriptionId, RowChange> = HashMap::new();
    let mut after = 0;
    loop {
        let rows = job_store::rows(db, job, Rows::Pending, after, 1000).await?;
        let Some(last) = rows.last() else { break };
        after = last.line;
        for row in rows {
            if let (Some(change), Ok(id)) = (row.change, SubscriptionId::parse(&row.subscription)) {
                changes.insert(id, change);
            }
        }
    }
    let ids: Vec<SubscriptionId> = changes.keys().cloned().collect();
    let billed = store::billing::billed_of(db, reseller, &ids).await?;
    let day = store::billing::billing_day(db, reseller).await?;
    let (prices, _) = store::billing::prices(db).await?;
    let billing = Billing {
        day,
        prices: &prices,
    };
    let mut cost = Cost::default();
    for b in billed {
        let (Some(change), Some((quantity, _))) =
            (changes.get(&b.subscription), b.timeline.on(today))
        else {
            continue;
        };
        match billing.review(&b.timeline, bulk::planned(*change, quantity), today) {
            Ok(effect) => {
                cost.total = Some(cost.total.map_or(effect, |t| t.plus(effect)));
            }
            Err(NoPrice(offer, _)) => {
                cost.unpriced_rows += 1;
                if !cost.unpriced.contains(&offer) {
                    cost.unpriced.push(offer);
                }
            }
        }
    }
    Ok(cost)
}

#[derive(Template, WebTemplate)]
#[template(path = "bulk/job.html")]
pub struct JobPage {
    l: Locale,
    layout: Layout,
    job: Job,
    progress: Progress,
    /// At review: the rows that can't be done; once running: the rows that ended.
    problems: Vec<RowView>,
    /// At review: the rows that will go ahead.
    rows: Vec<RowView>,
    /// The line after which the next page of rows starts, if there is one.
    next_after: Option<u32>,
    after: u32,
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
        super::review::period_words(self.l, e)
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

#[derive(serde::Deserialize)]
pub struct RowsQuery {
    after: Option<u32>,
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
    let progress = job_store::progress(&db, job.id).await?;
    let after = query.after.unwrap_or(0);
    let (problems, rows, next_after) = if job.state == JobState::Review {
        let problems = job_store::rows(&db, job.id, Rows::NotDone, 0, ROWS_SHOWN * 5).await?;
        let rows = job_store::rows(&db, job.id, Rows::All, after, ROWS_SHOWN + 1).await?;
        let next = (rows.len() as u64 > ROWS_SHOWN).then(|| rows[ROWS_SHOWN as usize - 1].line);
        (
            problems.iter().map(|r| row_view(l, r)).collect(),
            rows.iter()
                .take(ROWS_SHOWN as usize)
                .filter(|r| r.problem.is_none())
                .map(|r| row_view(l, r))
                .collect(),
            next,
        )
    } else {
        let finished = job_store::rows(&db, job.id, Rows::Finished, after, ROWS_SHOWN + 1).await?;
        let next =
            (finished.len() as u64 > ROWS_SHOWN).then(|| finished[ROWS_SHOWN as usize - 1].line);
        (
            finished
                .iter()
                .take(ROWS_SHOWN as usize)
                .map(|r| row_view(l, r))
                .collect(),
            Vec::new(),
            next,
        )
    };
    let cost = if job.state == JobState::Review && progress.left > 0 {
        Some(cost(&db, &user, job.id, clock.today()).await?)
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
    if job_store::start(&db, &user.account.reseller, job.id, clock.now()).await? {
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
/// subscription ID` (English headers; messages in the page's language), with a byte-order mark
/// for spreadsheets.
pub async fn results_csv(
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    let job = owned_job(&db, &user, path.into_inner()).await?;
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let internal = |e: csv::Error| PageError::Internal(e.into());
    out.write_record([
        "Subscription ID",
        "Action",
        "Result",
        "Code",
        "Message",
        "Target subscription ID",
    ])
    .map_err(internal)?;
    let mut after = 0;
    loop {
        let rows = job_store::rows(&db, job.id, Rows::Finished, after, 1000).await?;
        let Some(last) = rows.last() else { break };
        after = last.line;
        for row in &rows {
            let v = row_view(l, row);
            out.write_record([
                v.subscription.as_str(),
                v.action.as_str(),
                v.result,
                v.code.as_str(),
                v.message.as_str(),
                v.target.as_str(),
            ])
            .map_err(internal)?;
        }
    }
    let body = out
        .into_inner()
        .map_err(|e| PageError::Internal(anyhow::anyhow!("writing the results: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"bulk-change-{}-results.csv\"",
                job.id
            ),
        ))
        .body(body))
}
