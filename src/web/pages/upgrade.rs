//! The upgrade form (choose a new offer, enter the number of licenses, Submit), its submit, and
//! the result page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use super::details::load;
use super::layout::Layout;
use super::paths::{CustomerPath, SubscriptionPath, details_href};
use super::review::{self, Notice, Review, Side, Touched};
use crate::clock::Clock;
use crate::domain::SubscriptionView;
use crate::domain::catalog::{self, Offer};
use crate::domain::change::{self, Change, Plan, Refusal, Upgrade};
use crate::domain::eligibility::Reason;
use crate::domain::{Customer, FormKey, LicenseCount, OfferId, Subscription, SubscriptionStatus};
use crate::store::changes::{self, ChangeError, Reply};
use crate::store::upgrades::UpgradeOutcome;
use crate::store::{self, Db};
use crate::web::explain::{self, ReasonView, TargetView};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::{render, see_other};

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

#[derive(Default)]
struct FormState {
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

#[derive(serde::Deserialize)]
pub struct SubmitForm {
    /// Absent when no offer was chosen.
    offer: Option<String>,
    licenses: String,
    version: String,
    key: String,
    /// Set by the review's Confirm: make the upgrade. Without it, the form asks for the review.
    confirm: Option<String>,
    /// The price list's version the review showed.
    prices: Option<String>,
}

/// The review of an upgrade: the source before and after, and the subscription it creates.
fn upgrade_review(l: Locale, path: &SubscriptionPath, plan: &Plan, change: &Change) -> Review {
    let source = &plan.before;
    let after = plan.after();
    let (target, quantity, assigned) = match &plan.created {
        Some(new) => (new.offer, new.quantity, new.assigned),
        None => (source.offer, 0, 0),
    };
    Review {
        title: l.t2(
            "review-upgrade-title",
            "from",
            l.offer(source.offer),
            "to",
            l.offer(target),
        ),
        touched: vec![
            Touched {
                name: source.friendly_name.clone(),
                before: Some(source.into()),
                after: after.into(),
            },
            Touched {
                name: l.offer(target).to_owned(),
                before: None,
                after: Side {
                    offer: target,
                    licenses: quantity,
                    assigned,
                    status: SubscriptionStatus::Active,
                },
            },
        ],
        planned: change.billed(source.quantity, source.status),
        action: format!("{}/upgrade", path.details_href()),
        fields: vec![
            ("offer", target.as_str().to_owned()),
            ("licenses", quantity.to_string()),
        ],
        back: format!(
            "{}/upgrade?offer={}&licenses={}",
            path.details_href(),
            target.as_str(),
            quantity
        ),
    }
}

pub async fn submit(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    path: SubscriptionPath,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    form: web::Form<SubmitForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let (expected, key) = super::details::form_guard(&form.version, &form.key)?;
    // The subscription is read where the answer shows it: a Confirm that goes through needs
    // only the change's own reading of it, in its transaction.
    let mut state = FormState {
        licenses_value: Some(form.licenses.chars().take(40).collect()),
        ..Default::default()
    };

    // Parse every field, so that each gets its message at once.
    let target = match form.offer.as_deref().map(str::trim) {
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
    state.chosen = target;
    let quantity =
        target.and_then(
            |t| match LicenseCount::parse(&form.licenses, t.offer().licenses) {
                Ok(q) => Some(q),
                Err(e) => {
                    state.licenses_error = Some(explain::licenses_message(l, e));
                    None
                }
            },
        );
    let (Some(target), Some(quantity)) = (target, quantity) else {
        let view = load(&db, &user, &path).await?;
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &build(l, &req, &user, view, state),
        );
    };

    // The review of the upgrade on the subscription as it is now (with `notice` when shown
    // again), or the form with why the rule refuses it; refused on a subscription changed
    // meanwhile, that change's conflict (rule 7).
    let today = clock.today();
    let upgrade = Change::Upgrade(Upgrade {
        target,
        quantity,
        name: explain::new_subscription_name(l, target)
            .map_err(|e| PageError::Internal(e.into()))?,
    });
    let review_of =
        |view: SubscriptionView, stale: bool, notice: Option<Notice>, state: FormState| {
            let (req, user, db, path, upgrade) = (&req, &user, &db, &path, &upgrade);
            async move {
                match change::plan(&view, upgrade, &user.account.reseller) {
                    Ok(plan) => {
                        let review = upgrade_review(l, path, &plan, upgrade);
                        let notice = notice.or_else(|| stale.then(|| Notice::changed(l)));
                        let (customer, s) = (view.customer, view.subscription);
                        review::show(l, req, user, db, customer, &s, review, today, notice).await
                    }
                    Err(_) if stale || notice.is_some() => {
                        conflict(l, req, user, db, path, state).await
                    }
                    Err(Refusal::Ineligible(reasons)) => {
                        refused_upgrade(l, req, user, db, path, state, &reasons, target).await
                    }
                    Err(other) => Err(PageError::Internal(other.into())),
                }
            }
        };
    let Some(prices) = review::confirmed(form.confirm.as_deref(), form.prices.as_deref())? else {
        let view = load(&db, &user, &path).await?;
        let stale = view.subscription.version != expected;
        return review_of(view, stale, None, state).await;
    };
    // Confirm: the store decides in one transaction; a repeated click gets the first answer.
    if !review::prices_unchanged(&db, prices).await? {
        let view = load(&db, &user, &path).await?;
        return review_of(view, false, Some(Notice::prices_changed(l)), state).await;
    }
    let sub = path.submission(&user.account, &key, expected, clock.now());
    let result = changes::apply(&db, &sub, &upgrade, |applied| {
        let upgrade = applied.created.as_ref().map_or(0, |c| c.upgrade);
        Reply(format!("/customers/{}/upgrades/{upgrade}", path.customer))
    })
    .await;
    match result {
        Ok(done) => Ok(see_other(done.reply.0)),
        Err(ChangeError::NotFound) => Err(PageError::NotFound),
        Err(ChangeError::Db(e)) => Err(e.into()),
        Err(ChangeError::Conflict) => {
            let fresh = load(&db, &user, &path).await?;
            review_of(fresh, true, None, state).await
        }
        Err(ChangeError::Refused(Refusal::Ineligible(reasons))) => {
            refused_upgrade(l, &req, &user, &db, &path, state, &reasons, target).await
        }
        Err(ChangeError::Refused(other)) => Err(PageError::Internal(other.into())),
    }
}

/// The form again, with why the chosen upgrade can't be made: nothing was written.
#[allow(clippy::too_many_arguments)]
async fn refused_upgrade(
    l: Locale,
    req: &HttpRequest,
    user: &SignedIn,
    db: &Db,
    path: &SubscriptionPath,
    mut state: FormState,
    reasons: &[Reason],
    target: OfferId,
) -> Result<HttpResponse, PageError> {
    let words: Vec<String> = reasons
        .iter()
        .map(|r| explain::reason(l, r, &path.customer, Some(target)).text)
        .collect();
    state.offer_error = Some(words.join(" "));
    let view = load(db, user, path).await?;
    render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &build(l, req, user, view, state),
    )
}

/// The subscription changed since the form was shown: show the fresh form, with the message.
async fn conflict(
    l: Locale,
    req: &HttpRequest,
    user: &SignedIn,
    db: &Db,
    path: &SubscriptionPath,
    mut state: FormState,
) -> Result<HttpResponse, PageError> {
    let view = load(db, user, path).await?;
    state.conflict = true;
    render(StatusCode::CONFLICT, &build(l, req, user, view, state))
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
