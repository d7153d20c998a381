//! Reviews at their own address (`/reviews/{draft}`), and what a GET of a form's action answers.
//!
//! A held draft names the form it came from; each change form is named here once, so that its
//! draft's fields read back into its change (`review::held` does the rest, for every form). An
//! order's and a new customer's review (issue 31) are their pages' own, held the same way.

use actix_session::Session;
use actix_web::{HttpResponse, web};

use super::details::{LicensesForm, StatusForm};
use super::paths::{SubscriptionPath, details_href};
use super::review::held::{self, Held};
use super::review::{ChangeForm, ConfirmForm};
use super::upgrade::SubmitForm;
use super::{new_customer, orders};
use crate::sealed::Sealer;
use crate::web::middleware::error::PageError;
use crate::web::see_other;

// permission: view
/// A held draft's review, rendered in the viewer's language.
pub async fn show(
    held: Held,
    session: Session,
    sealer: web::Data<Sealer>,
) -> Result<HttpResponse, PageError> {
    match held.draft.form.as_str() {
        new_customer::FORM => new_customer::show(held, session, sealer).await,
        orders::FORM => orders::show(held).await,
        LicensesForm::FORM => held::show::<LicensesForm>(held).await,
        StatusForm::FORM => held::show::<StatusForm>(held).await,
        SubmitForm::FORM => held::show::<SubmitForm>(held).await,
        _ => Err(PageError::NotFound),
    }
}

// permission: change
/// A held draft's Confirm.
pub async fn confirm(
    held: Held,
    form: web::Form<ConfirmForm>,
    session: Session,
    sealer: web::Data<Sealer>,
) -> Result<HttpResponse, PageError> {
    match held.draft.form.as_str() {
        new_customer::FORM => new_customer::confirm(held, session, sealer).await,
        orders::FORM => orders::confirm(held, form).await,
        LicensesForm::FORM => held::confirm::<LicensesForm>(held, form).await,
        StatusForm::FORM => held::confirm::<StatusForm>(held, form).await,
        SubmitForm::FORM => held::confirm::<SubmitForm>(held, form).await,
        _ => Err(PageError::NotFound),
    }
}

// permission: view
/// A GET of a subscription form's action (a bookmarked or reloaded review of before, a typed
/// address): the Details page that holds the form.
pub async fn to_details(path: SubscriptionPath) -> HttpResponse {
    see_other(details_href(&path.customer, &path.subscription))
}

// permission: view
/// A GET of a form's action: the page that holds the form (`to`).
pub fn to(page: &'static str) -> impl Fn() -> std::future::Ready<HttpResponse> + Clone {
    move || std::future::ready(see_other(page.to_owned()))
}

// permission: view
/// A GET of a bulk job's Start or Cancel: the job's page.
pub async fn to_job(job: web::Path<String>) -> HttpResponse {
    match job.parse::<i32>() {
        Ok(id) => see_other(crate::web::pages::bulk::job_href(id)),
        Err(_) => see_other("/bulk".to_owned()),
    }
}

// permission: view
/// A GET of a request's Approve, Reject or Withdraw: the request's page.
pub async fn to_approval(approval: web::Path<String>) -> HttpResponse {
    match crate::domain::DraftId::parse(&approval) {
        Some(id) => see_other(super::approvals::href(&id)),
        None => see_other("/approvals".to_owned()),
    }
}
