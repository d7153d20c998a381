//! Bulk changes (批量更改): a change of many subscriptions at once, started from a selection on
//! the page or from rows of a spreadsheet, reviewed row by row, then run as a job in the
//! background with a live progress bar, per-row results, a results file and a Cancel button.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use super::auth::SignedIn;
use super::error::PageError;
use super::explain;
use super::exports;
use super::i18n::Locale;
use super::layout::Layout;
use super::paths::details_href;
use super::{render, see_other};
use crate::clock::Clock;
use crate::domain::billing::{Billing, Effect};
use crate::domain::bulk::{
    self, Action, Cost, FileError, LineProblem, Problem, Request, RowChange,
};
use crate::domain::catalog::{self, Offer};
use crate::domain::spreadsheet::CsvWriter;
use crate::domain::{
    CustomerId, CustomerQuery, OfferId, ResellerId, StatusAction, SubscriptionId,
    SubscriptionStatus,
};
use crate::jobs::Jobs;
use crate::store::jobs::{
    self as job_store, CreateError, Job, JobState, NewJob, NewRow, Origin, Progress, Row, Rows,
};
use crate::store::subscriptions::{Among, SubscriptionView};
use crate::store::{self, Db};

/// The rows a job page lists at a time.
const ROWS_SHOWN: u64 = 200;

/// A reseller's reviews are written one at a time on an instance: changes asked at once wait
/// their turn, and once the reseller has [`bulk::MAX_REVIEWS`] waiting they are refused at once,
/// instead of all reading and judging their rows side by side first (40 files of 50,000 rows at
/// once took a server to 3 GB and ran out of database connections). Across instances, the count
/// taken as a review is written holds the bound.
#[derive(Default)]
pub struct ReviewTurns(Mutex<HashMap<ResellerId, Arc<tokio::sync::Mutex<()>>>>);

impl ReviewTurns {
    async fn take(&self, reseller: &ResellerId) -> tokio::sync::OwnedMutexGuard<()> {
        let turn = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(reseller.clone())
            .or_default()
            .clone();
        turn.lock_owned().await
    }
}

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
    /// The reseller's jobs waiting in review, newest first.
    waiting: Vec<Job>,
}

impl BulkPage {
    /// What the list of the reviews waiting says about them.
    fn waiting_hint(&self) -> String {
        self.l.t2(
            "bulk-waiting-hint",
            "max",
            self.l.num(bulk::MAX_REVIEWS as u64),
            "hours",
            self.l
                .num(u64::try_from(job_store::REVIEW_KEPT.num_hours()).unwrap_or_default()),
        )
    }

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

/// The Bulk changes page with the reseller's jobs: those waiting in review, and the latest
/// others.
async fn page(
    db: &Db,
    l: Locale,
    req: &HttpRequest,
    user: &SignedIn,
    selection: SelectionForm,
    file: FileForm,
    messages: Messages,
) -> Result<BulkPage, PageError> {
    let reseller = &user.account.reseller;
    let jobs = job_store::latest(db, reseller, 50).await?;
    let waiting = job_store::waiting(db, reseller).await?;
    let mut layout = user.layout(l, &req.uri().to_string()).in_section("bulk");
    layout.crumbs.clear();
    let layout = layout.crumb(l.t("bulk-title"), None);
    Ok(BulkPage {
        l,
        layout,
        offers: catalog::offers(),
        selection,
        file,
        messages,
        jobs,
        waiting,
    })
}

/// The selection form as the page first shows it.
fn first_selection() -> SelectionForm {
    SelectionForm {
        status: "active".to_owned(),
        action: "upgrade".to_owned(),
        ..SelectionForm::default()
    }
}

/// The Bulk changes page: the two ways to start one, and the reseller's jobs.
pub async fn index(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
) -> Result<BulkPage, PageError> {
    page(
        &db,
        l,
        &req,
        &user,
        first_selection(),
        FileForm::default(),
        Messages::default(),
    )
    .await
}

/// The message of a change refused because the reseller has [`bulk::MAX_REVIEWS`] waiting in
/// review: the page lists them, to confirm or discard one.
fn reviews_full(l: Locale) -> String {
    l.t1(
        "bulk-error-reviews-full",
        "max",
        l.num(bulk::MAX_REVIEWS as u64),
    )
}

/// Whether the reseller has as many jobs waiting in review as it may: checked before a
/// selection is read or a file parsed (the count that holds is taken again as the job is
/// written).
async fn reviews_are_full(db: &Db, user: &SignedIn) -> Result<bool, PageError> {
    Ok(job_store::waiting(db, &user.account.reseller).await?.len() >= bulk::MAX_REVIEWS)
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
    turns: web::Data<ReviewTurns>,
    form: web::Form<SelectionForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let reseller = &user.account.reseller;
    let refuse = |messages: Messages, form: SelectionForm| async {
        let page = page(&db, l, &req, &user, form, FileForm::default(), messages).await?;
        render(StatusCode::UNPROCESSABLE_ENTITY, &page)
    };
    let selection = match parse_selection(l, &form) {
        Ok(s) => s,
        Err(messages) => return refuse(*messages, form).await,
    };
    let full = Messages {
        selection: Some(reviews_full(l)),
        ..Messages::default()
    };
    let _turn = turns.take(reseller).await;
    if reviews_are_full(&db, &user).await? {
        return refuse(full, form).await;
    }
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
        .collect::<Vec<_>>();
    let new = NewJob {
        who: &user.account,
        language: l.tag(),
        origin: Origin::Selection,
        summary: describe(l, &selection),
        at: clock.now(),
        cost: cost(&db, reseller, &rows, clock.today()).await?,
    };
    match job_store::create(&db, new, rows).await {
        Ok(id) => Ok(see_other(job_href(id))),
        Err(CreateError::TooManyReviews) => refuse(full, form).await,
        Err(CreateError::Db(e)) => Err(e.into()),
    }
}

/// A row judged against its subscription as the review reads it.
fn planned(line: u32, request: Request, view: &SubscriptionView, reseller: &ResellerId) -> NewRow {
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
    turns: web::Data<ReviewTurns>,
    form: web::Form<FileForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let reseller = &user.account.reseller;
    let refuse = |message: String, form: FileForm| async {
        let messages = Messages {
            rows: Some(message),
            ..Messages::default()
        };
        let page = page(&db, l, &req, &user, first_selection(), form, messages).await?;
        render(StatusCode::UNPROCESSABLE_ENTITY, &page)
    };
    let _turn = turns.take(reseller).await;
    if reviews_are_full(&db, &user).await? {
        return refuse(reviews_full(l), form).await;
    }
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
            return refuse(message, form).await;
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
    let new = NewJob {
        who: &user.account,
        language: l.tag(),
        origin: Origin::File,
        summary,
        at: clock.now(),
        cost: cost(&db, reseller, &rows, clock.today()).await?,
    };
    match job_store::create(&db, new, rows).await {
        Ok(id) => Ok(see_other(job_href(id))),
        Err(CreateError::TooManyReviews) => refuse(reviews_full(l), form).await,
        Err(CreateError::Db(e)) => Err(e.into()),
    }
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

/// What the rows a review will run do to the reseller's bill on `today`, added up by the billing
/// rules (as each single change's review shows it); `None` when no row will run. Worked out once,
/// as the review is written: its page shows it on every view.
async fn cost(
    db: &Db,
    reseller: &ResellerId,
    rows: &[NewRow],
    today: NaiveDate,
) -> Result<Option<Cost>, PageError> {
    let changes: HashMap<SubscriptionId, RowChange> = rows
        .iter()
        .filter_map(|row| {
            let change = row.plan.as_ref().ok()?;
            Some((SubscriptionId::parse(&row.subscription).ok()?, *change))
        })
        .collect();
    if changes.is_empty() {
        return Ok(None);
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
        cost.add(billing.review(&b.timeline, bulk::planned(*change, quantity), today));
    }
    Ok(Some(cost))
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
        super::review::period_words(self.l, e)
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
