//! Bulk changes (批量更改): a change of many subscriptions at once, started from a selection on
//! the page or from rows of a spreadsheet, reviewed row by row, then run as a job in the
//! background with a live progress bar, per-row results, a results file and a Cancel button
//! ([`job`]). Each row's change is judged by the change's own rule at review, and run through the
//! change engine.

pub mod job;
pub mod review;
pub mod title;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use super::layout::Layout;
use crate::clock::Clock;
use crate::domain::SubscriptionView;
use crate::domain::billing::Billing;
use crate::domain::bulk::{self, Cost, FileError, LineProblem, Problem, Request};
use crate::domain::catalog::{self, Offer};
use crate::domain::change::Kind;
use crate::domain::{CustomerQuery, OfferId, ResellerId, SubscriptionId, SubscriptionStatus};
use crate::store::jobs::{self as job_store, CreateError, Job, NewJob, NewRow, Origin, Progress};
use crate::store::views::Among;
use crate::store::{self, Db};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::{render, see_other};

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

/// What the selection form asked, as typed, to show again beside its messages (and, as a job's
/// title, to put into each viewer's words).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
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

    /// What a job does, in the viewer's words.
    fn what(&self, job: &Job) -> String {
        title::what(self.l, job)
    }

    /// The offers the 升级到 list offers: every offer some offer upgrades to, each with the
    /// offers it is a target of (the page's script narrows the list to the chosen offer's upgrade
    /// paths; without script, a target off them is refused beside the field).
    fn targets(&self) -> Vec<(OfferId, String)> {
        self.offers
            .iter()
            .map(|t| {
                let from: Vec<&str> = self
                    .offers
                    .iter()
                    .filter(|o| o.upgrades.contains(&t.id))
                    .map(|o| o.id.as_str())
                    .collect();
                (t.id, from)
            })
            .filter(|(_, from)| !from.is_empty())
            .map(|(id, from)| (id, from.join(" ")))
            .collect()
    }

    /// The file's actions, as its `Action` column writes them.
    fn actions(&self) -> impl Iterator<Item = &'static str> {
        bulk::KINDS.into_iter().map(Kind::as_str)
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
            // Only a target of the chosen offer's upgrade paths.
            Ok(target) if offer.is_some_and(|o| !o.offer().upgrades.contains(&target)) => {
                let from = offer.map(|o| l.offer(o)).unwrap_or_default();
                messages.target = Some(l.t1("bulk-error-target-path", "offer", from));
                None
            }
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
        "suspend" => Some(Request::Suspend),
        "reactivate" => Some(Request::Reactivate),
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
        Request::Suspend => l.t("bulk-does-suspend"),
        Request::Reactivate => l.t("bulk-does-reactivate"),
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
    let views = store::views::views_where(
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
                l,
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
        title: Some(title::Title::Selection(form.clone()).json()),
        at: clock.now(),
        cost: cost(&db, reseller, &rows, l, clock.today()).await?,
    };
    match job_store::create(&db, new, rows).await {
        Ok(id) => Ok(see_other(job_href(id))),
        Err(CreateError::TooManyReviews) => refuse(full, form).await,
        Err(CreateError::Db(e)) => Err(e.into()),
    }
}

/// A row judged against its subscription as the review reads it.
fn planned(
    l: Locale,
    line: u32,
    request: Request,
    view: &SubscriptionView,
    reseller: &ResellerId,
) -> NewRow {
    let plan = bulk::resolve(request, view, reseller, l.tag());
    NewRow {
        line,
        subscription: view.subscription.id.to_string(),
        customer: Some(view.customer.id.clone()),
        names: Some((
            view.customer.company_name.clone(),
            view.subscription.friendly_name.clone(),
        )),
        kind: Some(request.kind()),
        target: request.target(),
        plan,
        expected: Some(view.subscription.version),
    }
}

/// Where the rows of a file are sent: a form larger than others (its limit is
/// [`crate::web::middleware::limits::BULK_FORM`], about 50,000 lines of a subscriptions export).
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
        store::views::views_where(db.get_ref(), reseller, Among::Ids(&ids))
            .await?
            .into_iter()
            .map(|v| (v.subscription.id.clone(), v))
            .collect();
    let rows = lines
        .into_iter()
        .map(|line| match line {
            Ok(line) => match views.get(&line.subscription) {
                Some(view) => planned(l, line.line, line.request, view, reseller),
                // Not the reseller's, or no such subscription: the same to the reseller.
                None => NewRow {
                    line: line.line,
                    subscription: line.subscription.to_string(),
                    customer: None,
                    names: None,
                    kind: Some(line.request.kind()),
                    target: line.request.target(),
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
                kind: bad.kind,
                target: None,
                plan: Err(bad.problem),
                expected: None,
            },
        })
        .collect::<Vec<_>>();
    // A file with no line to run is no job: its problems are said beside the rows, and no job
    // number is used.
    if rows.iter().all(|row| row.plan.is_err()) {
        return refuse(nothing_to_do(l, &rows), form).await;
    }
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
    let title = title::Title::File {
        name: name.chars().take(200).collect(),
        rows: u32::try_from(rows.len()).unwrap_or(u32::MAX),
    };
    let new = NewJob {
        who: &user.account,
        language: l.tag(),
        origin: Origin::File,
        summary,
        title: Some(title.json()),
        at: clock.now(),
        cost: cost(&db, reseller, &rows, l, clock.today()).await?,
    };
    match job_store::create(&db, new, rows).await {
        Ok(id) => Ok(see_other(job_href(id))),
        Err(CreateError::TooManyReviews) => refuse(reviews_full(l), form).await,
        Err(CreateError::Db(e)) => Err(e.into()),
    }
}

/// Why no row of a file can be changed: how many rows, and the first few rows' problems.
fn nothing_to_do(l: Locale, rows: &[NewRow]) -> String {
    let mut words = vec![l.t1("bulk-file-nothing", "n", l.num(rows.len() as u64))];
    for row in rows.iter().take(5) {
        if let Err(problem) = &row.plan {
            let why = job::problem_message(l, problem, row.customer.as_ref(), row.target);
            words.push(l.t2("bulk-file-line", "line", row.line, "why", why));
        }
    }
    words.join(" ")
}

/// What the rows a review will run do to the reseller's bill on `today`, added up by the billing
/// rules (as each single change's review shows it); `None` when no row will run. Worked out once,
/// as the review is written: its page shows it on every view.
async fn cost(
    db: &Db,
    reseller: &ResellerId,
    rows: &[NewRow],
    l: Locale,
    today: chrono::NaiveDate,
) -> Result<Option<Cost>, PageError> {
    let changes: HashMap<SubscriptionId, crate::domain::change::Change> = rows
        .iter()
        .filter_map(|row| {
            let change = row.plan.as_ref().ok()?.change(l.tag())?;
            Some((SubscriptionId::parse(&row.subscription).ok()?, change))
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
        let (Some(change), Some((quantity, status))) =
            (changes.get(&b.subscription), b.timeline.on(today))
        else {
            continue;
        };
        cost.add(billing.review(&b.timeline, change.billed(quantity, status), today));
    }
    Ok(Some(cost))
}

// permission: view
/// A file to start from: the header a file needs, and an example line for each action.
pub async fn template_csv(_user: SignedIn) -> Result<HttpResponse, PageError> {
    let file = (|| {
        let mut w = crate::domain::spreadsheet::CsvWriter::file(&bulk::COLUMNS)?;
        for row in bulk::TEMPLATE {
            w.record(row)?;
        }
        w.into_bytes()
    })()
    .map_err(|e| PageError::Internal(anyhow::Error::new(e).context("the bulk template")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"bulk-change-template.csv\"",
        ))
        .body(file))
}

/// A bulk job's page.
pub fn job_href(id: i32) -> String {
    format!("/bulk/jobs/{id}")
}
