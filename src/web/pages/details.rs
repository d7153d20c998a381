//! A subscription's Details page (详细信息): the subscription ID with the Upgrade now notice just
//! under it when eligible, the details, why it can't be upgraded (rule by rule, with the fix),
//! the license and status forms, and the change history.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::layout::Layout;
use super::paths::{SubscriptionPath, details_href};
use super::review::{self, Notice, Review, Touched};
use crate::clock::Clock;
use crate::domain::SubscriptionView;
use crate::domain::billing::Planned;
use crate::domain::change::{Change, Refusal};
use crate::domain::{
    ChangeKey, Customer, FormKey, LicenseCount, StatusAction, Subscription, SubscriptionStatus,
    Version,
};
use crate::store::activity::Entry;
use crate::store::changes::{self, ChangeError, Reply};
use crate::store::{self, Db};
use crate::web::explain::{self, ReasonView, TargetView};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::{render, see_other};

/// How many history records the page shows.
const HISTORY: u64 = 50;

#[derive(Template)]
#[template(path = "subscriptions/details.html")]
pub struct DetailsPage {
    l: Locale,
    layout: Layout,
    customer: Customer,
    s: Subscription,
    eligible: bool,
    subscription_reasons: Vec<ReasonView>,
    targets: Vec<TargetView>,
    history: Vec<Entry>,
    /// A change that just succeeded, to confirm.
    done: Option<String>,
    /// A change refused because the page was stale.
    conflict: bool,
    licenses_value: String,
    licenses_error: Option<String>,
    status_error: Option<String>,
    /// One-time keys of the two forms.
    licenses_key: FormKey,
    status_key: FormKey,
}

impl DetailsPage {
    fn upgrade_href(&self) -> String {
        format!("{}/upgrade", details_href(&self.customer.id, &self.s.id))
    }

    fn href(&self, suffix: &str) -> String {
        format!("{}{suffix}", details_href(&self.customer.id, &self.s.id))
    }

    fn is_active(&self) -> bool {
        self.s.status == SubscriptionStatus::Active
    }

    fn is_suspended(&self) -> bool {
        self.s.status == SubscriptionStatus::Suspended
    }

    fn range_hint(&self) -> String {
        let range = crate::domain::licenses::allowed(&self.s);
        self.l.t2(
            "licenses-hint",
            "min",
            self.l.num(range.min),
            "max",
            self.l.num(range.max),
        )
    }
}

/// What a form submission left to show on the page.
#[derive(Default)]
struct FormState {
    done: Option<String>,
    conflict: bool,
    licenses_value: Option<String>,
    licenses_error: Option<String>,
    status_error: Option<String>,
}

fn build(
    l: Locale,
    req: &HttpRequest,
    user: &SignedIn,
    (view, history): (SubscriptionView, Vec<Entry>),
    state: FormState,
) -> DetailsPage {
    let eligibility = view.eligibility(&user.account.reseller);
    let SubscriptionView {
        customer,
        subscription: s,
        ..
    } = view;
    let layout = user
        .layout(l, req.path())
        .customer(l, &customer)
        .crumb(s.friendly_name.clone(), None);
    DetailsPage {
        l,
        layout,
        eligible: eligibility.is_eligible(),
        subscription_reasons: explain::subscription_reasons(l, &eligibility, &customer.id),
        targets: explain::targets(l, &eligibility, &customer.id),
        history,
        done: state.done,
        conflict: state.conflict,
        licenses_value: state
            .licenses_value
            .unwrap_or_else(|| s.quantity.to_string()),
        licenses_error: state.licenses_error,
        status_error: state.status_error,
        licenses_key: FormKey::generate(),
        status_key: FormKey::generate(),
        customer,
        s,
    }
}

/// The subscription the path names, as the signed-in reseller may see it; 404 otherwise.
pub(super) async fn load(
    db: &Db,
    user: &SignedIn,
    path: &SubscriptionPath,
) -> Result<SubscriptionView, PageError> {
    store::views::view(
        db,
        &user.account.reseller,
        &path.customer,
        &path.subscription,
    )
    .await?
    .ok_or(PageError::NotFound)
}

/// [`load`], with the subscription's latest changes for the Details page.
async fn load_with_history(
    db: &Db,
    user: &SignedIn,
    path: &SubscriptionPath,
) -> Result<(SubscriptionView, Vec<Entry>), PageError> {
    store::views::view_with_history(
        db,
        &user.account.reseller,
        &path.customer,
        &path.subscription,
        HISTORY,
    )
    .await?
    .ok_or(PageError::NotFound)
}

#[derive(serde::Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
    /// Licenses entered before going to the review and coming back.
    licenses: Option<String>,
}

pub async fn page(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    path: SubscriptionPath,
    db: web::Data<Db>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    let loaded = load_with_history(&db, &user, &path).await?;
    let done = match query.done.as_deref() {
        Some(d @ ("licenses" | "suspend" | "reactivate")) => Some(l.t(&format!("done-{d}"))),
        _ => None,
    };
    let state = FormState {
        done,
        licenses_value: query
            .licenses
            .as_deref()
            .map(|v| v.chars().take(40).collect()),
        ..Default::default()
    };
    render(StatusCode::OK, &build(l, &req, &user, loaded, state))
}

/// The version and one-time key every change form carries; a form without them was not ours.
pub(super) fn form_guard(version: &str, key: &str) -> Result<(Version, ChangeKey), PageError> {
    let version = Version::parse(version)
        .ok_or_else(|| PageError::BadRequest("version is not a number".into()))?;
    let key =
        FormKey::parse(key).ok_or_else(|| PageError::BadRequest("no idempotency key".into()))?;
    Ok((version, ChangeKey::form(&key)))
}

/// Re-renders the page after a refused change: nothing was written.
async fn refused(
    l: Locale,
    req: &HttpRequest,
    user: &SignedIn,
    db: &Db,
    path: &SubscriptionPath,
    (status, state): (StatusCode, FormState),
) -> Result<HttpResponse, PageError> {
    let loaded = load_with_history(db, user, path).await?;
    render(status, &build(l, req, user, loaded, state))
}

fn conflict() -> (StatusCode, FormState) {
    (
        StatusCode::CONFLICT,
        FormState {
            conflict: true,
            ..Default::default()
        },
    )
}

#[derive(serde::Deserialize)]
pub struct LicensesForm {
    licenses: String,
    version: String,
    key: String,
    /// Set by the review's Confirm: make the change. Without it, the form asks for the review.
    confirm: Option<String>,
    /// The price list's version the review showed.
    prices: Option<String>,
}

/// The review of a license change.
fn licenses_review(l: Locale, path: &SubscriptionPath, s: &Subscription, new: u32) -> Review {
    let after = Subscription {
        quantity: new,
        ..s.clone()
    };
    Review {
        title: l.t2(
            "review-licenses-title",
            "from",
            l.num(s.quantity),
            "to",
            l.num(new),
        ),
        touched: vec![Touched {
            name: s.friendly_name.clone(),
            before: Some(s.into()),
            after: (&after).into(),
        }],
        planned: Planned::State(new, s.status),
        action: path.details_href() + "/licenses",
        fields: vec![("licenses", new.to_string())],
        back: format!("{}?licenses={new}", path.details_href()),
    }
}

/// Changes the number of licenses: the form asks for the review; the review's Confirm makes the
/// change, if the subscription and the price list are still as reviewed.
pub async fn change_licenses(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    path: SubscriptionPath,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    form: web::Form<LicensesForm>,
) -> Result<HttpResponse, PageError> {
    let (expected, key) = form_guard(&form.version, &form.key)?;
    let view = load(&db, &user, &path).await?;
    let echo: String = form.licenses.chars().take(40).collect();
    let refused_with = |e| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormState {
                licenses_value: Some(echo.clone()),
                licenses_error: Some(explain::licenses_message(l, e)),
                ..Default::default()
            },
        )
    };
    let count = match LicenseCount::parse(&form.licenses, view.subscription.offer.offer().licenses)
    {
        Ok(count) => count,
        Err(e) => return refused(l, &req, &user, &db, &path, refused_with(e)).await,
    };
    // The review of the change on the subscription as it is now, with `notice` when shown again;
    // a change that no longer applies to a subscription changed meanwhile is a conflict (rule 7).
    let today = clock.today();
    let review_of = |view: SubscriptionView, stale: bool, notice: Option<Notice>| {
        let (req, user, db, path) = (&req, &user, &db, &path);
        async move {
            match crate::domain::licenses::change(&view.subscription, count) {
                Ok(change) => {
                    let review = licenses_review(l, path, &view.subscription, change.after.get());
                    let notice = notice.or_else(|| stale.then(|| Notice::changed(l)));
                    let (customer, s) = (view.customer, view.subscription);
                    review::show(l, req, user, db, customer, &s, review, today, notice).await
                }
                Err(_) if stale || notice.is_some() => {
                    refused(l, req, user, db, path, conflict()).await
                }
                Err(e) => refused(l, req, user, db, path, refused_with(e)).await,
            }
        }
    };
    let Some(prices) = review::confirmed(form.confirm.as_deref(), form.prices.as_deref())? else {
        let stale = view.subscription.version != expected;
        return review_of(view, stale, None).await;
    };
    // Confirm: the store decides in one transaction; a repeated click gets the first answer.
    if !review::prices_unchanged(&db, prices).await? {
        return review_of(view, false, Some(Notice::prices_changed(l))).await;
    }
    let sub = path.submission(&user.account, &key, expected, clock.now());
    let result = changes::apply(&db, &sub, &Change::Licenses(count), |_| {
        Reply(format!("{}?done=licenses", path.details_href()))
    })
    .await;
    match result {
        Ok(done) => Ok(see_other(done.reply.0)),
        Err(ChangeError::NotFound) => Err(PageError::NotFound),
        Err(ChangeError::Db(e)) => Err(e.into()),
        Err(ChangeError::Conflict) => {
            let fresh = load(&db, &user, &path).await?;
            review_of(fresh, true, None).await
        }
        Err(ChangeError::Refused(Refusal::Licenses(e))) => {
            refused(l, &req, &user, &db, &path, refused_with(e)).await
        }
        Err(ChangeError::Refused(other)) => Err(PageError::Internal(other.into())),
    }
}

#[derive(serde::Deserialize)]
pub struct StatusForm {
    action: String,
    version: String,
    key: String,
    confirm: Option<String>,
    prices: Option<String>,
}

/// The review of a suspension or reactivation.
fn status_review(
    l: Locale,
    path: &SubscriptionPath,
    s: &Subscription,
    action: StatusAction,
    status: SubscriptionStatus,
) -> Review {
    let after = Subscription {
        status,
        ..s.clone()
    };
    Review {
        title: l.t(match action {
            StatusAction::Suspend => "review-suspend-title",
            StatusAction::Reactivate => "review-reactivate-title",
        }),
        touched: vec![Touched {
            name: s.friendly_name.clone(),
            before: Some(s.into()),
            after: (&after).into(),
        }],
        planned: Planned::State(s.quantity, status),
        action: path.details_href() + "/status",
        fields: vec![("action", action.as_str().to_owned())],
        back: path.details_href(),
    }
}

/// Suspends or reactivates: the form asks for the review; Confirm makes the change.
pub async fn change_status(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    path: SubscriptionPath,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, PageError> {
    let (expected, key) = form_guard(&form.version, &form.key)?;
    let action = StatusAction::parse(&form.action)
        .ok_or_else(|| PageError::BadRequest("unknown status action".into()))?;
    let view = load(&db, &user, &path).await?;
    let refused_with = |e: crate::domain::status::StatusChangeError| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormState {
                status_error: Some(l.t(e.message_key())),
                ..Default::default()
            },
        )
    };
    let today = clock.today();
    let review_of = |view: SubscriptionView, stale: bool, notice: Option<Notice>| {
        let (req, user, db, path) = (&req, &user, &db, &path);
        async move {
            match action.apply(view.subscription.status) {
                Ok(status) => {
                    let review = status_review(l, path, &view.subscription, action, status);
                    let notice = notice.or_else(|| stale.then(|| Notice::changed(l)));
                    let (customer, s) = (view.customer, view.subscription);
                    review::show(l, req, user, db, customer, &s, review, today, notice).await
                }
                Err(_) if stale || notice.is_some() => {
                    refused(l, req, user, db, path, conflict()).await
                }
                Err(e) => refused(l, req, user, db, path, refused_with(e)).await,
            }
        }
    };
    let Some(prices) = review::confirmed(form.confirm.as_deref(), form.prices.as_deref())? else {
        let stale = view.subscription.version != expected;
        return review_of(view, stale, None).await;
    };
    if !review::prices_unchanged(&db, prices).await? {
        return review_of(view, false, Some(Notice::prices_changed(l))).await;
    }
    let sub = path.submission(&user.account, &key, expected, clock.now());
    let change = match action {
        StatusAction::Suspend => Change::Suspend,
        StatusAction::Reactivate => Change::Reactivate,
    };
    let result = changes::apply(&db, &sub, &change, |_| {
        Reply(format!("{}?done={}", path.details_href(), action.as_str()))
    })
    .await;
    match result {
        Ok(done) => Ok(see_other(done.reply.0)),
        Err(ChangeError::NotFound) => Err(PageError::NotFound),
        Err(ChangeError::Db(e)) => Err(e.into()),
        Err(ChangeError::Conflict) => {
            let fresh = load(&db, &user, &path).await?;
            review_of(fresh, true, None).await
        }
        Err(ChangeError::Refused(Refusal::Status(e))) => {
            refused(l, &req, &user, &db, &path, refused_with(e)).await
        }
        Err(ChangeError::Refused(other)) => Err(PageError::Internal(other.into())),
    }
}
