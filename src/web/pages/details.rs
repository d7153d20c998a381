//! A subscription's Details page (详细信息): the subscription ID with the Upgrade now notice just
//! under it when eligible, the details, why it can't be upgraded (rule by rule, with the fix),
//! the license and status forms, and the change history.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::layout::Layout;
use super::paths::{SubscriptionPath, details_href};
use super::review::{self, Again, Asking, ChangeForm, Guarded, Why};
use crate::domain::change::{Change, Kind};
use crate::domain::{
    Customer, FormKey, LicenseCount, LicenseCountError, Subscription, SubscriptionStatus,
    SubscriptionView,
};
use crate::store::activity::{Action, Entry};
use crate::store::{self, Db};
use crate::web::explain::{self, ReasonView, TargetView};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::render;

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
pub struct FormState {
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
    // What was just done, in its kind's words (`done-` and the kind's name); a license change
    // says from what to what, as this user's latest record of one says.
    let done = query
        .done
        .as_deref()
        .and_then(Kind::parse)
        .and_then(|kind| {
            if kind == Kind::Licenses
                && let Some((before, after)) = loaded.1.iter().find_map(|e| {
                    (e.action == Action::Change(Kind::Licenses) && e.by == user.account.email)
                        .then(|| Some((e.before?.quantity, e.after?.quantity)))
                        .flatten()
                })
            {
                return Some(l.t2(
                    "done-licenses-from-to",
                    "from",
                    l.num(before),
                    "to",
                    l.num(after),
                ));
            }
            let key = format!("done-{kind}");
            l.has(&key).then(|| l.t(&key))
        });
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

impl FormState {
    /// The subscription changed since the page was shown: the page as it is now, saying so.
    fn conflict() -> FormState {
        FormState {
            conflict: true,
            ..Default::default()
        }
    }
}

/// The page drawn again after a form of it was refused: nothing was written.
impl Again for FormState {
    async fn page(self, asking: &Asking, status: StatusCode) -> Result<HttpResponse, PageError> {
        let Asking {
            req, l, user, db, ..
        } = asking;
        let loaded = load_with_history(db, user, &asking.path).await?;
        render(status, &build(*l, req, user, loaded, self))
    }
}

/// The license form: a new number of licenses.
#[derive(serde::Deserialize)]
pub struct LicensesForm {
    licenses: String,
}

impl LicensesForm {
    fn typed(&self) -> String {
        self.licenses.chars().take(40).collect()
    }
}

impl ChangeForm for LicensesForm {
    type Again = FormState;
    const FORM: &'static str = "licenses";
    const READS: bool = true;

    fn change(
        &self,
        l: Locale,
        view: Option<&SubscriptionView>,
    ) -> Result<Result<Change, FormState>, PageError> {
        let view = view.ok_or(PageError::NotFound)?;
        let range = view.subscription.offer.offer().licenses;
        Ok(match LicenseCount::parse(&self.licenses, range) {
            Ok(count) => Ok(Change::Licenses(count)),
            Err(e) => {
                // Out of range means out of what the hint beside the field says: the offer's
                // range, never below the licenses assigned to users.
                let e = match e {
                    LicenseCountError::OutOfRange { .. } => {
                        let allowed = crate::domain::licenses::allowed(&view.subscription);
                        LicenseCountError::OutOfRange {
                            min: allowed.min,
                            max: allowed.max,
                        }
                    }
                    other => other,
                };
                Err(FormState {
                    licenses_value: Some(self.typed()),
                    licenses_error: Some(explain::licenses_message(l, e)),
                    ..Default::default()
                })
            }
        })
    }

    fn carried(path: &SubscriptionPath, change: &Change) -> (Vec<(&'static str, String)>, String) {
        let n = match change {
            Change::Licenses(n) => n.get().to_string(),
            _ => String::new(),
        };
        let back = format!("{}?licenses={n}", path.details_href());
        (vec![("licenses", n)], back)
    }

    fn again(&self, l: Locale, path: &SubscriptionPath, why: Why<'_>) -> FormState {
        let refused = |refusal| explain::refusal(l, refusal, &path.customer, None);
        match why {
            Why::Conflict => FormState::conflict(),
            Why::Refused(refusal) => FormState {
                licenses_value: Some(self.typed()),
                licenses_error: Some(refused(refusal)),
                ..Default::default()
            },
        }
    }
}

/// Changes the number of licenses: the form asks for the review; the review's Confirm makes the
/// change, if the subscription and the price list are still as reviewed.
pub async fn change_licenses(
    asking: Asking,
    form: web::Form<Guarded<LicensesForm>>,
) -> Result<HttpResponse, PageError> {
    review::submit(asking, form.into_inner()).await
}

/// The status form: suspend or reactivate.
#[derive(serde::Deserialize)]
pub struct StatusForm {
    action: String,
}

impl ChangeForm for StatusForm {
    type Again = FormState;
    const FORM: &'static str = "status";
    const READS: bool = false;

    fn change(
        &self,
        _: Locale,
        _: Option<&SubscriptionView>,
    ) -> Result<Result<Change, FormState>, PageError> {
        match Kind::parse(&self.action) {
            Some(Kind::Suspend) => Ok(Ok(Change::Suspend)),
            Some(Kind::Reactivate) => Ok(Ok(Change::Reactivate)),
            _ => Err(PageError::BadRequest("unknown status action".into())),
        }
    }

    fn carried(path: &SubscriptionPath, change: &Change) -> (Vec<(&'static str, String)>, String) {
        (
            vec![("action", change.name().to_owned())],
            path.details_href(),
        )
    }

    fn again(&self, l: Locale, path: &SubscriptionPath, why: Why<'_>) -> FormState {
        match why {
            Why::Conflict => FormState::conflict(),
            Why::Refused(refusal) => FormState {
                status_error: Some(explain::refusal(l, refusal, &path.customer, None)),
                ..Default::default()
            },
        }
    }
}

/// Suspends or reactivates: the form asks for the review; Confirm makes the change.
pub async fn change_status(
    asking: Asking,
    form: web::Form<Guarded<StatusForm>>,
) -> Result<HttpResponse, PageError> {
    review::submit(asking, form.into_inner()).await
}
