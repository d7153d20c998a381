//! Approvals (审批, issue 32): the changes held for a second person's approval. A global admin
//! or an admin agent sees the requests of others that wait, each with its review's figures, and
//! approves one (the change engine makes it once, bound to what was reviewed) or rejects it with
//! a note; everyone who may make changes sees their own requests and how they ended, and may
//! withdraw one that waits. A request whose subscription or price list changed since its review
//! is refused with the concurrency notice: its requester reviews the change again.

mod decide;
mod jobs;
mod settings;

pub use decide::{approve, reject, withdraw};
pub use jobs::{JobDecide, approve_job, reject_job};
pub use settings::{ThresholdsForm, set_thresholds};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};

use super::details::{LicensesForm, StatusForm};
use super::layout::Layout;
use super::paths::{SubscriptionPath, details_href};
use super::review::held;
use super::review::{self, ChangeForm, Notice, Review};
use super::upgrade::SubmitForm;
use crate::clock::Clock;
use crate::domain::approval::{DecideRefusal, may_decide};
use crate::domain::billing::Amount;
use crate::domain::change::{self, Change, Upgrade};
use crate::domain::edit::Edit;
use crate::domain::{Account, DraftId, Permission, SubscriptionView};
use crate::store::approvals::{self, Approval, Standing};
use crate::store::drafts::Draft;
use crate::store::{self, Db};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::render;

/// The address of the request of public id `id` (the held draft's: random, never its row's
/// sequential id, which would tell how many there are).
pub fn href(id: &DraftId) -> String {
    format!("/approvals/{id}")
}

/// A request's standing in the page's words.
pub trait StandingWords {
    fn words(self, l: &Locale) -> String;
}

impl StandingWords for Standing {
    fn words(self, l: &Locale) -> String {
        l.t(&format!("approvals-state-{}", self.as_str()))
    }
}

/// A request as its page shows it, and the forms that decide it.
pub struct Decide {
    pub id: DraftId,
    pub standing: Standing,
    pub requester: String,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The review's figure for this period when it was requested.
    pub cost: Option<Amount>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    /// Where its change led, once approved.
    pub result: Option<String>,
    /// The signed-in user may approve or reject it (another's request, waiting, and their role
    /// approves).
    pub may_decide: bool,
    /// The signed-in user asked for it, and it waits: they may withdraw it.
    pub may_withdraw: bool,
    /// Their own request, which their role could otherwise decide: the page says why it offers
    /// no decision.
    pub own: bool,
    /// The note as typed, and why it can't be taken.
    pub note_value: String,
    pub note_error: Option<String>,
}

impl Decide {
    fn of(approval: &Approval, who: &Account, now: DateTime<Utc>) -> Decide {
        let standing = approval.standing(now);
        let waits = standing == Standing::Pending;
        let decides = may_decide(who.role, who.user_id, approval.requester);
        Decide {
            id: approval.public_id().clone(),
            standing,
            requester: approval.requester_email.clone(),
            requested_at: approval.requested_at,
            expires_at: approval.draft.expires_at,
            cost: approval.cost,
            decided_by: approval.decided_by.clone(),
            decided_at: approval.decided_at,
            note: approval.note.clone(),
            result: approval.draft.result.clone(),
            may_decide: waits && decides.is_ok(),
            may_withdraw: waits && approval.requester == who.user_id,
            own: decides == Err(DecideRefusal::OwnRequest),
            note_value: String::new(),
            note_error: None,
        }
    }

    /// The request's name.
    pub fn heading(&self, l: &Locale) -> String {
        l.t("approvals-request-title")
    }

    /// What the page says under its title: where the request stands.
    pub fn lede(&self, l: &Locale) -> String {
        l.t2(
            "approvals-request-lede",
            "who",
            &self.requester,
            "state",
            self.standing.words(l),
        )
    }

    pub fn state_words(&self, l: &Locale) -> String {
        self.standing.words(l)
    }

    pub fn action(&self, what: &str) -> String {
        format!("{}/{what}", href(&self.id))
    }
}

/// The request `id` of the signed-in user's reseller, if they may see it: their own, or any
/// when their role approves; anyone else's is no request to them.
async fn visible(db: &Db, who: &Account, id: &str) -> Result<Approval, PageError> {
    let id = DraftId::parse(id).ok_or(PageError::NotFound)?;
    let approval = approvals::get(db, &who.reseller, &id)
        .await?
        .ok_or(PageError::NotFound)?;
    if approval.requester != who.user_id && !who.may(Permission::Approve) {
        return Err(PageError::NotFound);
    }
    Ok(approval)
}

/// The change a held draft asks, read back through its form, on the subscription as it is now;
/// `None` when its fields no longer read into one.
fn change_of(
    draft: &Draft,
    l: Locale,
    view: &SubscriptionView,
) -> Result<Option<Change>, PageError> {
    fn read<F: ChangeForm>(
        draft: &Draft,
        l: Locale,
        view: &SubscriptionView,
    ) -> Result<Option<Change>, PageError> {
        Ok(held::form::<F>(draft)?.change(l, Some(view))?.ok())
    }
    match draft.form.as_str() {
        approvals::API_EDIT => {
            Ok(Edit::from_fields(&draft.fields, view.subscription.offer).map(Change::Edit))
        }
        approvals::API_UPGRADE => Ok(Upgrade::from_fields(&draft.fields).map(Change::Upgrade)),
        LicensesForm::FORM => read::<LicensesForm>(draft, l, view),
        StatusForm::FORM => read::<StatusForm>(draft, l, view),
        SubmitForm::FORM => read::<SubmitForm>(draft, l, view),
        _ => Ok(None),
    }
}

/// What a request changes, in one line (the review's title), and the names of its customer and
/// subscription; `None` once the subscription is gone or the change no longer reads.
async fn summary(
    db: &Db,
    l: Locale,
    who: &Account,
    approval: &Approval,
) -> Result<Option<(String, SubscriptionView)>, PageError> {
    let d = &approval.draft;
    let Some((customer, subscription)) = d.target() else {
        return Ok(None);
    };
    let Some(view) = store::views::view(db, &who.reseller, customer, subscription).await? else {
        return Ok(None);
    };
    let Some(change) = change_of(d, l, &view)? else {
        return Ok(None);
    };
    Ok(change::plan(&view, &change, &who.reseller)
        .ok()
        .map(|plan| (review::title(l, &plan, &change), view)))
}

/// One request in a list.
pub struct Row {
    pub id: DraftId,
    pub title: String,
    pub company: String,
    pub subscription: String,
    pub requester: String,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub cost: Option<Amount>,
    pub standing: Standing,
    pub decided_by: Option<String>,
    pub note: Option<String>,
}

async fn row(
    db: &Db,
    l: Locale,
    who: &Account,
    a: &Approval,
    now: DateTime<Utc>,
) -> Result<Row, PageError> {
    let (title, company, subscription) = match summary(db, l, who, a).await? {
        Some((title, view)) => (
            title,
            view.customer.company_name,
            view.subscription.friendly_name,
        ),
        None => (
            l.t("approvals-request-title"),
            a.draft
                .customer
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            a.draft
                .subscription
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        ),
    };
    Ok(Row {
        id: a.public_id().clone(),
        title,
        company,
        subscription,
        requester: a.requester_email.clone(),
        requested_at: a.requested_at,
        expires_at: a.draft.expires_at,
        cost: a.cost,
        standing: a.standing(now),
        decided_by: a.decided_by.clone(),
        note: a.note.clone(),
    })
}

#[derive(Template)]
#[template(path = "approvals/list.html")]
struct ListPage {
    l: Locale,
    layout: Layout,
    /// Others' requests that wait for the signed-in user's decision (their role approves).
    waiting: Vec<Row>,
    approver: bool,
    /// The signed-in user's own requests.
    mine: Vec<Row>,
    /// Others' bulk jobs that wait for the signed-in user's decision.
    jobs: Vec<JobRow>,
    /// The signed-in user's own bulk jobs that wait for approval.
    own_jobs: Vec<JobRow>,
}

/// A bulk job held for approval, in a list.
pub struct JobRow {
    pub id: i32,
    pub title: String,
    pub by: String,
    pub rows: u32,
    pub requested_at: DateTime<Utc>,
}

impl ListPage {
    fn cost_words(&self, cost: &Option<Amount>) -> String {
        match cost {
            Some(amount) => self.l.money(*amount),
            None => self.l.t("approvals-cost-unknown"),
        }
    }
}

// permission: change
/// The requests that wait for the signed-in user's decision, and their own.
pub async fn list(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let (db, who, now) = (db.get_ref(), &user.account, clock.now());
    let approver = who.may(Permission::Approve);
    let mut waiting = Vec::new();
    if approver {
        for a in approvals::waiting(db, who, now).await? {
            if a.requester != who.user_id {
                waiting.push(row(db, l, who, &a, now).await?);
            }
        }
    }
    let mut mine = Vec::new();
    for a in approvals::mine(db, who).await? {
        mine.push(row(db, l, who, &a, now).await?);
    }
    // Bulk jobs held for approval: others' to decide, one's own to follow.
    let (mut jobs, mut own_jobs) = (Vec::new(), Vec::new());
    for job in store::jobs::waiting_approval(db, who, now).await? {
        let item = JobRow {
            id: job.id,
            title: super::bulk::title::full(l, &job),
            by: job.by.clone(),
            rows: job.total,
            requested_at: job.requested_at.unwrap_or(job.created_at),
        };
        match job.user_id == who.user_id {
            true => own_jobs.push(item),
            false if approver => jobs.push(item),
            false => {}
        }
    }
    let mut layout = user.layout(l, req.path()).in_section("approvals");
    layout.crumbs.clear();
    let layout = layout.crumb(l.t("approvals-title"), None);
    render(
        StatusCode::OK,
        &ListPage {
            l,
            layout,
            waiting,
            approver,
            mine,
            jobs,
            own_jobs,
        },
    )
}

#[derive(Template)]
#[template(path = "approvals/request.html")]
struct RequestPage {
    l: Locale,
    layout: Layout,
    d: Decide,
    /// The customer and the subscription, when they are still there.
    names: Option<(String, String, String)>,
    notice: Option<Notice>,
}

// permission: change
/// A request: while it waits, the review of its change with its figures and the forms that
/// decide it (or withdraw it); once decided, how it ended.
pub async fn show(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let approval = visible(&db, &user.account, &id).await?;
    let d = Decide::of(&approval, &user.account, clock.now());
    page(&req, l, &user, &db, &clock, &approval, d, None).await
}

/// The request's page with `d` (a note's error, a standing just reached) and a `notice`.
#[allow(clippy::too_many_arguments)]
async fn page(
    req: &HttpRequest,
    l: Locale,
    user: &SignedIn,
    db: &Db,
    clock: &Clock,
    approval: &Approval,
    d: Decide,
    notice: Option<Notice>,
) -> Result<HttpResponse, PageError> {
    let status = match (&notice, &d.note_error) {
        (Some(_), _) => StatusCode::CONFLICT,
        (None, Some(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        (None, None) => StatusCode::OK,
    };
    let draft = &approval.draft;
    let (customer, subscription) = draft.target().ok_or(PageError::NotFound)?;
    let found = store::views::view(db, &user.account.reseller, customer, subscription).await?;
    let waits = matches!(d.standing, Standing::Pending);
    if let (true, Some(view)) = (waits, found.as_ref())
        && let Some(change) = change_of(draft, l, view)?
        && let Ok(plan) = change::plan(view, &change, &user.account.reseller)
        && notice.is_none()
    {
        let path = SubscriptionPath {
            customer: customer.clone(),
            subscription: subscription.clone(),
        };
        let back = (Vec::new(), path.details_href());
        let review = Review::of(l, &plan, &change, href(&d.id), back);
        let view = found.clone().ok_or(PageError::NotFound)?;
        let (customer, s) = (view.customer, view.subscription);
        let today = clock.today();
        let mut res =
            review::show_request(l, req, user, db, customer, &s, review, today, None, d).await?;
        *res.status_mut() = status;
        return Ok(res);
    }
    let names = found.map(|v| {
        let href = details_href(&v.customer.id, &v.subscription.id);
        (v.customer.company_name, v.subscription.friendly_name, href)
    });
    let mut layout = user.layout(l, req.path()).in_section("approvals");
    layout.crumbs.clear();
    let layout = layout
        .crumb(l.t("approvals-title"), Some("/approvals".to_owned()))
        .crumb(d.heading(&l), None);
    render(
        status,
        &RequestPage {
            l,
            layout,
            d,
            names,
            notice,
        },
    )
}
