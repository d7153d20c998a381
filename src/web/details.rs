//! A subscription's Details page (详细信息): the subscription ID with the Upgrade now notice just
//! under it when eligible, the details, why it can't be upgraded (rule by rule, with the fix),
//! the license and status forms, and the change history.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::auth::SignedIn;
use super::error::PageError;
use super::explain::{self, ReasonView, TargetView};
use super::i18n::Locale;
use super::layout::Layout;
use super::paths::{SubscriptionPath, details_href, subscriptions_href};
use super::{render, see_other};
use crate::domain::{
    Account, Customer, LicenseCount, StatusAction, Subscription, SubscriptionStatus, Version,
};
use crate::store::history::Entry;
use crate::store::subscriptions::{ChangeError, SubscriptionView};
use crate::store::{self, Db};

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
        let range = self.s.offer.offer().licenses;
        let min = range.min.max(self.s.assigned_licenses);
        self.l.t2(
            "licenses-hint",
            "min",
            self.l.num(min),
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

async fn build(
    l: Locale,
    req: &HttpRequest,
    account: &Account,
    db: &Db,
    view: SubscriptionView,
    state: FormState,
) -> Result<DetailsPage, PageError> {
    let eligibility = view.eligibility(&account.reseller);
    let history =
        store::history::of_subscription(db, &account.reseller, &view.subscription.id, HISTORY)
            .await?;
    let SubscriptionView {
        customer,
        subscription: s,
        ..
    } = view;
    let layout = Layout::new(l, account, req.path())
        .crumb(
            customer.company_name.clone(),
            Some(subscriptions_href(&customer.id)),
        )
        .crumb(l.t("subscriptions"), Some(subscriptions_href(&customer.id)))
        .crumb(s.friendly_name.clone(), None);
    Ok(DetailsPage {
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
        customer,
        s,
    })
}

async fn load(
    db: &Db,
    account: &Account,
    path: &SubscriptionPath,
) -> Result<SubscriptionView, PageError> {
    store::subscriptions::view(db, &account.reseller, &path.customer, &path.subscription)
        .await?
        .ok_or(PageError::NotFound)
}

#[derive(serde::Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn page(
    req: HttpRequest,
    l: Locale,
    SignedIn(account): SignedIn,
    path: SubscriptionPath,
    db: web::Data<Db>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    let view = load(&db, &account, &path).await?;
    let done = match query.done.as_deref() {
        Some(d @ ("licenses" | "suspend" | "reactivate")) => Some(l.t(&format!("done-{d}"))),
        _ => None,
    };
    let page = build(
        l,
        &req,
        &account,
        &db,
        view,
        FormState {
            done,
            ..Default::default()
        },
    )
    .await?;
    render(StatusCode::OK, &page)
}

fn parse_version(raw: &str) -> Result<Version, PageError> {
    Version::parse(raw).ok_or_else(|| PageError::BadRequest("version is not a number".into()))
}

/// Re-renders the page after a refused change: nothing was written.
async fn refused(
    l: Locale,
    req: &HttpRequest,
    account: &Account,
    db: &Db,
    path: &SubscriptionPath,
    status: StatusCode,
    state: FormState,
) -> Result<HttpResponse, PageError> {
    let view = load(db, account, path).await?;
    render(status, &build(l, req, account, db, view, state).await?)
}

#[derive(serde::Deserialize)]
pub struct LicensesForm {
    licenses: String,
    version: String,
}

pub async fn change_licenses(
    req: HttpRequest,
    l: Locale,
    SignedIn(account): SignedIn,
    path: SubscriptionPath,
    db: web::Data<Db>,
    form: web::Form<LicensesForm>,
) -> Result<HttpResponse, PageError> {
    let version = parse_version(&form.version)?;
    let view = load(&db, &account, &path).await?;
    let range = view.subscription.offer.offer().licenses;
    let echo: String = form.licenses.chars().take(40).collect();
    let result = match LicenseCount::parse(&form.licenses, range) {
        Err(e) => Err(ChangeError::Refused(e)),
        Ok(count) => {
            store::subscriptions::change_licenses(
                &db,
                &account,
                &path.customer,
                &path.subscription,
                version,
                count,
            )
            .await
        }
    };
    let state = match result {
        Ok(_) => return Ok(see_other(format!("{}?done=licenses", path.details_href()))),
        Err(ChangeError::NotFound) => return Err(PageError::NotFound),
        Err(ChangeError::Db(e)) => return Err(e.into()),
        Err(ChangeError::Conflict) => (
            StatusCode::CONFLICT,
            FormState {
                conflict: true,
                ..Default::default()
            },
        ),
        Err(ChangeError::Refused(e)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormState {
                licenses_value: Some(echo),
                licenses_error: Some(explain::licenses_message(l, e)),
                ..Default::default()
            },
        ),
    };
    refused(l, &req, &account, &db, &path, state.0, state.1).await
}

#[derive(serde::Deserialize)]
pub struct StatusForm {
    action: String,
    version: String,
}

pub async fn change_status(
    req: HttpRequest,
    l: Locale,
    SignedIn(account): SignedIn,
    path: SubscriptionPath,
    db: web::Data<Db>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, PageError> {
    let version = parse_version(&form.version)?;
    let action = StatusAction::parse(&form.action)
        .ok_or_else(|| PageError::BadRequest("unknown status action".into()))?;
    let result = store::subscriptions::change_status(
        &db,
        &account,
        &path.customer,
        &path.subscription,
        version,
        action,
    )
    .await;
    let state = match result {
        Ok(_) => {
            return Ok(see_other(format!(
                "{}?done={}",
                path.details_href(),
                action.as_str()
            )));
        }
        Err(ChangeError::NotFound) => return Err(PageError::NotFound),
        Err(ChangeError::Db(e)) => return Err(e.into()),
        Err(ChangeError::Conflict) => (
            StatusCode::CONFLICT,
            FormState {
                conflict: true,
                ..Default::default()
            },
        ),
        Err(ChangeError::Refused(e)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormState {
                status_error: Some(l.t(e.message_key())),
                ..Default::default()
            },
        ),
    };
    refused(l, &req, &account, &db, &path, state.0, state.1).await
}
