//! The one review and confirm of every change made on the pages. A change form (the Details
//! page's license and status forms, the upgrade form, and any form to come) says how its fields
//! read into a [`Change`] and how its page shows a message ([`ChangeForm`]); [`submit`] does the
//! rest for all of them: the form's Submit holds the change as a draft and redirects to its
//! review at its own address ([`held`]: the plan, before and after, and what it does to the
//! bill); the review's Confirm hands the change to the change engine, under the draft's one-time
//! key, bound to what was reviewed (the subscription's version and the price list's). A Confirm
//! on anything else shows the review again, with a notice and new figures; a change the rule
//! refuses shows the form again, with why beside the field; a draft confirmed says so, and links
//! to where its change led.

pub mod held;
mod page;

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};

pub use page::{Money, Notice, Review, Side, Touched, period_words, show_request, title};

use super::approvals;
use super::paths::SubscriptionPath;
use crate::clock::Clock;
use crate::domain::approval::{Cost, Thresholds};
use crate::domain::change::{self, Change, Refusal, Via};
use crate::domain::eligibility::check_unchanged;
use crate::domain::{ChangeKey, DraftId, FormKey, SubscriptionView, Version};
use crate::store::approvals::Requested;
use crate::store::billing::PricesVersion;
use crate::store::changes::{self, Applied, ChangeError, Reply, Settles, Submission};
use crate::store::drafts::{self, Draft, NewDraft};
use crate::store::{self, Db};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::see_other;

/// Who asks for a change to which subscription, and what answering needs: the request of every
/// change form, extracted once.
pub struct Asking {
    pub req: HttpRequest,
    pub l: Locale,
    pub user: SignedIn,
    pub path: SubscriptionPath,
    pub db: web::Data<Db>,
    pub clock: web::Data<Clock>,
}

impl FromRequest for Asking {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        // The signed-in user first: a visitor without a session is sent to sign in, whatever the
        // path names.
        let user = SignedIn::from_request(&req, payload);
        Box::pin(async move {
            let user = user.await?;
            let path = SubscriptionPath::extract(&req).await?;
            let missing = || PageError::Internal(anyhow::anyhow!("the app lacks its data"));
            Ok(Asking {
                l: Locale::of(&req),
                db: req
                    .app_data::<web::Data<Db>>()
                    .cloned()
                    .ok_or_else(missing)?,
                clock: req
                    .app_data::<web::Data<Clock>>()
                    .cloned()
                    .ok_or_else(missing)?,
                user,
                path,
                req,
            })
        })
    }
}

impl Asking {
    /// The subscription the path names, as the signed-in reseller may see it; 404 otherwise.
    pub async fn load(&self) -> Result<SubscriptionView, PageError> {
        store::views::view(
            self.db.get_ref(),
            &self.user.account.reseller,
            &self.path.customer,
            &self.path.subscription,
        )
        .await?
        .ok_or(PageError::NotFound)
    }
}

/// A change form as posted: its own fields, and what every change form carries besides them.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Guarded<F> {
    #[serde(flatten)]
    pub form: F,
    #[serde(flatten)]
    pub guard: Guard,
}

/// What every change form carries besides its own fields: the subscription's version it was
/// shown at, and its one-time key.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Guard {
    version: String,
    key: String,
}

impl Guard {
    /// The version and the one-time key; a form without them was not ours.
    fn read(&self) -> Result<(Version, FormKey), PageError> {
        let version = Version::parse(&self.version)
            .ok_or_else(|| PageError::BadRequest("version is not a number".into()))?;
        let key = FormKey::parse(&self.key)
            .ok_or_else(|| PageError::BadRequest("no idempotency key".into()))?;
        Ok((version, key))
    }
}

/// What a review's Confirm carries: the subscription's (or the customer's holdings') version and
/// the price list's the review showed. A new customer's review carries neither; a change's
/// Confirm without them is refused when read.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    prices: String,
}

impl ConfirmForm {
    pub(crate) fn read(&self) -> Result<(Version, PricesVersion), PageError> {
        let version = Version::parse(&self.version)
            .ok_or_else(|| PageError::BadRequest("version is not a number".into()))?;
        let prices = self
            .prices
            .trim()
            .parse::<i64>()
            .map_err(|_| PageError::BadRequest("prices version is not a number".into()))?;
        Ok((version, PricesVersion(prices)))
    }
}

/// Why a form is shown again instead of its review or its change.
#[derive(Debug)]
pub enum Why<'a> {
    /// The change's rule refuses it.
    Refused(&'a Refusal),
    /// The subscription changed since the form was shown, and the change no longer applies.
    Conflict,
}

/// What a form's page shows again (the fields as typed, the messages beside them), and how.
pub(crate) trait Again {
    /// The form's page, drawn again with this and `status`.
    async fn page(self, asking: &Asking, status: StatusCode) -> Result<HttpResponse, PageError>;
}

/// A page's form that asks for a change.
pub(crate) trait ChangeForm: serde::de::DeserializeOwned {
    /// What the form shows again.
    type Again: Again;

    /// The form's name, as its held draft keeps it (`held::Forms` reads a draft back by it).
    const FORM: &'static str;

    /// Whether reading the fields needs the subscription as it is (a license count is read
    /// within its offer's range).
    const READS: bool;

    /// The change the fields ask (with the subscription as it is, when [`Self::READS`]); or what
    /// the form shows again, a message beside each field that can't be taken. `Err` for a form
    /// that was not ours.
    fn change(
        &self,
        l: Locale,
        view: Option<&SubscriptionView>,
    ) -> Result<Result<Change, Self::Again>, PageError>;

    /// The form's fields for `change` (what its draft holds, and its form reads back), and the
    /// way back to the form with them.
    fn carried(path: &SubscriptionPath, change: &Change) -> (Vec<(&'static str, String)>, String);

    /// What the form shows again when its change can't be made.
    fn again(&self, l: Locale, path: &SubscriptionPath, why: Why<'_>) -> Self::Again;
}

/// A change form's Submit: the change is read from the fields and judged by its rule; one the
/// rule takes is held as a draft, and the answer is a redirect to its review at its own address
/// ([`held`]); one it refuses shows the form again with why.
pub(crate) async fn submit<F: ChangeForm>(
    asking: Asking,
    Guarded { form, guard }: Guarded<F>,
) -> Result<HttpResponse, PageError> {
    let (expected, key) = guard.read()?;
    let l = asking.l;
    let seen = match F::READS {
        true => Some(asking.load().await?),
        false => None,
    };
    let change = match form.change(l, seen.as_ref())? {
        Ok(change) => change,
        Err(again) => return again.page(&asking, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let view = match seen {
        Some(view) => view,
        None => asking.load().await?,
    };
    // Versions only grow: one the subscription never had was never shown.
    if expected > view.subscription.version {
        return Err(PageError::BadRequest("a version never shown".into()));
    }
    if let Err(refusal) = change::plan(&view, &change, &asking.user.account.reseller) {
        // On a subscription changed since the form was shown, that change's conflict (rule 7).
        let (why, status) = match check_unchanged(expected, view.subscription.version) {
            Err(_) => (Why::Conflict, StatusCode::CONFLICT),
            Ok(()) => (Why::Refused(&refusal), StatusCode::UNPROCESSABLE_ENTITY),
        };
        return form.again(l, &asking.path, why).page(&asking, status).await;
    }
    let (fields, _) = F::carried(&asking.path, &change);
    let id = drafts::hold(
        asking.db.get_ref(),
        &NewDraft {
            who: &asking.user.account,
            key: &key,
            form: F::FORM,
            customer: Some(&asking.path.customer),
            subscription: Some(&asking.path.subscription),
            fields: &fields,
            version: expected,
            at: asking.clock.now(),
        },
    )
    .await?;
    Ok(see_other(held::href(&id)))
}

/// A held draft's Confirm: the engine makes its change in one transaction, under the draft's
/// one-time key (a repeated click gets the first answer), bound to what was reviewed.
async fn confirm<F: ChangeForm>(
    asking: &Asking,
    draft: &Draft,
    form: &F,
    confirmed: &ConfirmForm,
) -> Result<HttpResponse, PageError> {
    let (expected, prices) = confirmed.read()?;
    let l = asking.l;
    let mut seen = match F::READS {
        true => Some(asking.load().await?),
        false => None,
    };
    let change = match form.change(l, seen.as_ref())? {
        Ok(change) => change,
        Err(again) => return again.page(asking, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    if store::billing::prices_version(asking.db.get_ref()).await? != prices {
        let view = match seen.take() {
            Some(view) => view,
            None => asking.load().await?,
        };
        let notice = Some(Notice::prices_changed(l));
        return review(asking, form, view, &change, notice).await;
    }
    let reseller = &asking.user.account.reseller;
    let thresholds = store::approvals::thresholds(asking.db.get_ref(), reseller).await?;
    if thresholds.cost.is_some() {
        let view = match seen.take() {
            Some(view) => view,
            None => asking.load().await?,
        };
        let reviewed = (expected, prices, thresholds);
        match held_for_approval(asking, draft, &change, &view, reviewed).await? {
            Held::No => {}
            Held::Yes(id) => return Ok(see_other(approvals::href(&id))),
            Held::Changed => {
                return review(asking, form, view, &change, Some(Notice::changed(l))).await;
            }
        }
    }
    let path = &asking.path;
    let key = ChangeKey::form(&draft.key);
    let sub = Submission {
        who: &asking.user.account,
        via: Via::Page,
        customer: &path.customer,
        subscription: &path.subscription,
        key: Some(&key),
        expected: Some(expected),
        settles: Some(Settles {
            draft: draft.id,
            prices: Some(prices.0),
        }),
        at: asking.clock.now(),
    };
    let done = changes::apply(&asking.db, &sub, &change, |applied| {
        done(path, &change, applied)
    })
    .await;
    match done {
        Ok(done) => {
            if done.applied.is_none() {
                // Made before under the draft's key: the draft says so from now on.
                let settles = Settles {
                    draft: draft.id,
                    prices: Some(prices.0),
                };
                let (db, who, at) = (asking.db.get_ref(), &asking.user.account, sub.at);
                drafts::confirmed(db, who, settles, &done.reply.0, at).await?;
            }
            Ok(see_other(done.reply.0))
        }
        Err(ChangeError::NotFound) => Err(PageError::NotFound),
        Err(ChangeError::Db(e)) => Err(e.into()),
        Err(ChangeError::Conflict) => {
            let fresh = asking.load().await?;
            review(asking, form, fresh, &change, Some(Notice::changed(l))).await
        }
        Err(ChangeError::Refused(refusal)) => {
            let again = form.again(l, path, Why::Refused(&refusal));
            again.page(asking, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// Whether a Confirm held its change for approval instead of making it.
enum Held {
    No,
    Yes(DraftId),
    /// The subscription changed since the review: it is shown again.
    Changed,
}

/// A Confirm of a change whose cost this period is above the reseller's threshold holds it for
/// a second person's approval, exactly as reviewed (the subscription's version and the price
/// list's): nothing is written to the subscription. The cost is worked out again here, as the
/// review did, so that a Confirm posted past the review's button is held all the same.
async fn held_for_approval(
    asking: &Asking,
    draft: &Draft,
    change: &Change,
    view: &SubscriptionView,
    (expected, prices, thresholds): (Version, PricesVersion, Thresholds),
) -> Result<Held, PageError> {
    let (db, who) = (asking.db.get_ref(), &asking.user.account);
    // What the rule refuses is the engine's to refuse, as for any Confirm.
    let Ok(plan) = change::plan(view, change, &who.reseller) else {
        return Ok(Held::No);
    };
    let planned = change.billed(plan.before.quantity, plan.before.status);
    let today = asking.clock.today();
    let (customer, s) = (&view.customer, &view.subscription);
    let (money, _) = page::money(db, &asking.user, customer, s, planned, today).await?;
    if !thresholds.needs_for_cost(money.cost()) {
        return Ok(Held::No);
    }
    if s.version != expected {
        return Ok(Held::Changed);
    }
    let cost = match money.cost() {
        Cost::Figure(amount) => Some(amount),
        Cost::Unknown => None,
    };
    let requested = Requested {
        version: expected,
        prices: prices.0,
        cost,
        at: asking.clock.now(),
    };
    store::approvals::request(db, who, draft.id, &requested).await?;
    Ok(Held::Yes(draft.public_id.clone()))
}

/// The review of `change` on the subscription as it is now, with `notice` when it is shown
/// again; or the form with why the rule refuses the change (on a subscription changed since,
/// that change's conflict: rule 7).
pub(crate) async fn review<F: ChangeForm>(
    asking: &Asking,
    form: &F,
    view: SubscriptionView,
    change: &Change,
    notice: Option<Notice>,
) -> Result<HttpResponse, PageError> {
    let (l, path) = (asking.l, &asking.path);
    match change::plan(&view, change, &asking.user.account.reseller) {
        Ok(plan) => {
            let carried = F::carried(path, change);
            let review = Review::of(l, &plan, change, asking.req.path().to_owned(), carried);
            let (customer, s) = (view.customer, view.subscription);
            let today = asking.clock.today();
            page::show(
                l,
                &asking.req,
                &asking.user,
                &asking.db,
                customer,
                &s,
                review,
                today,
                notice,
            )
            .await
        }
        Err(_) if notice.is_some() => {
            let again = form.again(l, path, Why::Conflict);
            again.page(asking, StatusCode::CONFLICT).await
        }
        Err(refusal) => {
            let again = form.again(l, path, Why::Refused(&refusal));
            again.page(asking, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// Where a change made on a page sends the user: the result of an upgrade, or the Details page
/// saying what was done.
pub(crate) fn done(path: &SubscriptionPath, change: &Change, applied: &Applied) -> Reply {
    Reply(match &applied.created {
        Some(created) => format!("/customers/{}/upgrades/{}", path.customer, created.upgrade),
        None => format!("{}?done={}", path.details_href(), change.name()),
    })
}
