//! The upgrade form (choose a new offer, enter the number of licenses, Submit), its submit, and
//! the result page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use super::details::load;
use super::layout::Layout;
use super::paths::{CustomerPath, SubscriptionPath, details_href};
use super::review::{self, Again, Asking, ChangeForm, Guarded, Why};
use crate::domain::catalog::{self, Offer};
use crate::domain::change::{Change, Upgrade};
use crate::domain::{Customer, FormKey, LicenseCount, OfferId, Subscription, SubscriptionView};
use crate::store::upgrades::UpgradeOutcome;
use crate::store::{self, Db};
use crate::web::explain::{self, ReasonView, TargetView};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::render;

#[derive(Template)]
#[template(path = "upgrade/form.html")]
pub struct UpgradeForm {
    l: Locale,
    layout: Layout,
    customer: Customer,
    s: Subscription,
    subscription_reasons: Vec<ReasonView>,
    targets: Vec<TargetView>,
    any_eligible: bool,
    chosen: Option<OfferId>,
    licenses_value: String,
    offer_error: Option<String>,
    licenses_error: Option<String>,
    conflict: bool,
    /// The source document's table of upgrade paths, for reference.
    table: Vec<&'static Offer>,
    /// The form's one-time key.
    key: FormKey,
}

impl UpgradeForm {
    fn action(&self) -> String {
        format!("{}/upgrade", details_href(&self.customer.id, &self.s.id))
    }

    fn details_href(&self) -> String {
        details_href(&self.customer.id, &self.s.id)
    }

    fn is_chosen(&self, t: &TargetView) -> bool {
        self.chosen == Some(t.offer)
    }
}

/// What the form shows again: the fields as typed, their messages, the conflict notice.
#[derive(Default)]
pub struct FormState {
    chosen: Option<OfferId>,
    licenses_value: Option<String>,
    offer_error: Option<String>,
    licenses_error: Option<String>,
    conflict: bool,
}

fn build(
    l: Locale,
    req: &HttpRequest,
    user: &SignedIn,
    view: SubscriptionView,
    state: FormState,
) -> UpgradeForm {
    let eligibility = view.eligibility(&user.account.reseller);
    let SubscriptionView {
        customer,
        subscription: s,
        ..
    } = view;
    let layout = user
        .layout(l, req.path())
        .customer(l, &customer)
        .crumb(
            s.friendly_name.clone(),
            Some(details_href(&customer.id, &s.id)),
        )
        .crumb(l.t("upgrade-now"), None);
    // With one eligible target, it is the natural choice.
    let mut eligible = eligibility.eligible_targets();
    let only = match (eligible.next(), eligible.next()) {
        (Some(t), None) => Some(t.offer),
        _ => None,
    };
    UpgradeForm {
        l,
        layout,
        subscription_reasons: explain::subscription_reasons(l, &eligibility, &customer.id),
        targets: explain::targets(l, &eligibility, &customer.id),
        any_eligible: eligibility.is_eligible(),
        chosen: state.chosen.or(only),
        licenses_value: state
            .licenses_value
            .unwrap_or_else(|| s.quantity.to_string()),
        offer_error: state.offer_error,
        licenses_error: state.licenses_error,
        conflict: state.conflict,
        table: catalog::upgradable_offers().collect(),
        key: FormKey::generate(),
        customer,
        s,
    }
}

/// What was entered, when coming back from the review.
#[derive(serde::Deserialize)]
pub struct FormQuery {
    offer: Option<String>,
    licenses: Option<String>,
}

pub async fn form(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    path: SubscriptionPath,
    db: web::Data<Db>,
    query: web::Query<FormQuery>,
) -> Result<HttpResponse, PageError> {
    let view = load(&db, &user, &path).await?;
    let state = FormState {
        chosen: query.offer.as_deref().and_then(|o| o.parse().ok()),
        licenses_value: query
            .licenses
            .as_deref()
            .map(|v| v.chars().take(40).collect()),
        ..Default::default()
    };
    render(StatusCode::OK, &build(l, &req, &user, view, state))
}

/// The upgrade form: the offer chosen, and the licenses.
#[derive(serde::Deserialize)]
pub struct SubmitForm {
    /// Absent when no offer was chosen.
    offer: Option<String>,
    licenses: String,
}

impl SubmitForm {
    /// The form as typed: the offer chosen, if it is one, and the licenses.
    fn typed(&self) -> FormState {
        FormState {
            chosen: self.offer.as_deref().and_then(|o| o.trim().parse().ok()),
            licenses_value: Some(self.licenses.chars().take(40).collect()),
            ..Default::default()
        }
    }
}

impl ChangeForm for SubmitForm {
    type Again = FormState;
    const FORM: &'static str = "upgrade";
    const READS: bool = false;

    /// Every field is read, so that each gets its message at once.
    fn change(
        &self,
        l: Locale,
        _: Option<&SubscriptionView>,
    ) -> Result<Result<Change, FormState>, PageError> {
        let mut state = self.typed();
        let target = match self.offer.as_deref().map(str::trim) {
            None | Some("") => {
                state.offer_error = Some(l.t("upgrade-error-no-offer"));
                None
            }
            Some(raw) => match raw.parse::<OfferId>() {
                Ok(offer) => Some(offer),
                Err(_) => {
                    state.offer_error = Some(l.t("upgrade-error-unknown-offer"));
                    None
                }
            },
        };
        let quantity = target.and_then(|t| {
            LicenseCount::parse(&self.licenses, t.offer().licenses)
                .map_err(|e| state.licenses_error = Some(explain::licenses_message(l, e)))
                .ok()
        });
        let (Some(target), Some(quantity)) = (target, quantity) else {
            return Ok(Err(state));
        };
        let name =
            explain::new_subscription_name(l, target).map_err(|e| PageError::Internal(e.into()))?;
        Ok(Ok(Change::Upgrade(Upgrade {
            target,
            quantity,
            name,
        })))
    }

    fn carried(path: &SubscriptionPath, change: &Change) -> (Vec<(&'static str, String)>, String) {
        let Change::Upgrade(u) = change else {
            return (Vec::new(), path.details_href());
        };
        let (offer, licenses) = (u.target.as_str(), u.quantity.get());
        let back = format!(
            "{}/upgrade?offer={offer}&licenses={licenses}",
            path.details_href()
        );
        (
            vec![
                ("offer", offer.to_owned()),
                ("licenses", licenses.to_string()),
            ],
            back,
        )
    }

    fn again(&self, l: Locale, path: &SubscriptionPath, why: Why<'_>) -> FormState {
        let mut state = self.typed();
        match why {
            Why::Conflict => state.conflict = true,
            Why::Refused(refusal) => {
                state.offer_error = Some(explain::refusal(l, refusal, &path.customer, state.chosen))
            }
        }
        state
    }
}

/// The form drawn again, with why the upgrade can't be made: nothing was written.
impl Again for FormState {
    async fn page(self, asking: &Asking, status: StatusCode) -> Result<HttpResponse, PageError> {
        let view = asking.load().await?;
        render(
            status,
            &build(asking.l, &asking.req, &asking.user, view, self),
        )
    }
}

/// The upgrade form's Submit asks for the review; the review's Confirm makes the upgrade.
pub async fn submit(
    asking: Asking,
    form: web::Form<Guarded<SubmitForm>>,
) -> Result<HttpResponse, PageError> {
    review::submit(asking, form.into_inner()).await
}

#[derive(Template, WebTemplate)]
#[template(path = "upgrade/result.html")]
pub struct ResultPage {
    l: Locale,
    layout: Layout,
    customer: Customer,
    o: UpgradeOutcome,
}

impl ResultPage {
    fn target_href(&self) -> String {
        details_href(&self.customer.id, &self.o.target)
    }

    fn source_href(&self) -> String {
        details_href(&self.customer.id, &self.o.source)
    }

    fn source_cancelled(&self) -> bool {
        self.o.source_status == crate::domain::SubscriptionStatus::Cancelled
    }
}

pub async fn result(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    CustomerPath(customer_id): CustomerPath,
    upgrade: web::Path<(String, String)>,
    db: web::Data<Db>,
) -> Result<ResultPage, PageError> {
    let upgrade_id: i32 = upgrade.1.parse().map_err(|_| PageError::NotFound)?;
    let customer = store::customers::get(db.get_ref(), &user.account.reseller, &customer_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let o = store::upgrades::outcome(&db, &user.account.reseller, &customer_id, upgrade_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let layout = user
        .layout(l, req.path())
        .customer(l, &customer)
        .crumb(l.t("upgrade-result-title"), None);
    Ok(ResultPage {
        l,
        layout,
        customer,
        o,
    })
}
