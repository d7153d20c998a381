//! The one review and confirm of every change made on the pages. A change form (the Details
//! page's license and status forms, the upgrade form, and any form to come) says how its fields
//! read into a [`Change`] and how its page shows a message ([`ChangeForm`]); [`submit`] does the
//! rest for all of them: the form's Submit shows the review of the change (its plan, before and
//! after, and what it does to the bill); the review's Confirm hands the change to the change
//! engine, bound to what was reviewed (the subscription's version and the price list's). A
//! Confirm on anything else shows the review again, with a notice and new figures; a change the
//! rule refuses shows the form again, with why beside the field.

mod page;

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};

pub use page::{Money, Notice, Review, Side, Touched, period_words};

use super::paths::SubscriptionPath;
use crate::clock::Clock;
use crate::domain::change::{self, Change, Refusal, Via};
use crate::domain::eligibility::check_unchanged;
use crate::domain::{ChangeKey, FormKey, SubscriptionView, Version};
use crate::store::billing::PricesVersion;
use crate::store::changes::{self, Applied, ChangeError, Reply, Submission};
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
/// shown at, its one-time key, and, on the review's Confirm, the price list's version reviewed.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Guard {
    version: String,
    key: String,
    /// Set by the review's Confirm: make the change. Without it, the form asks for the review.
    confirm: Option<String>,
    /// The price list's version the review showed.
    prices: Option<String>,
}

impl Guard {
    /// The version and the one-time key; a form without them was not ours.
    fn read(&self) -> Result<(Version, ChangeKey), PageError> {
        let version = Version::parse(&self.version)
            .ok_or_else(|| PageError::BadRequest("version is not a number".into()))?;
        let key = FormKey::parse(&self.key)
            .ok_or_else(|| PageError::BadRequest("no idempotency key".into()))?;
        Ok((version, ChangeKey::form(&key)))
    }

    /// The price list's version a Confirm carries, if this is one (a form asking for its review
    /// carries neither); a Confirm without it was not ours.
    fn confirmed(&self) -> Result<Option<PricesVersion>, PageError> {
        match (&self.confirm, &self.prices) {
            (None, _) => Ok(None),
            (Some(_), Some(raw)) => raw
                .trim()
                .parse::<i64>()
                .map(|v| Some(PricesVersion(v)))
                .map_err(|_| PageError::BadRequest("prices version is not a number".into())),
            (Some(_), None) => Err(PageError::BadRequest(
                "a confirm without its prices version".into(),
            )),
        }
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
pub(crate) trait ChangeForm {
    /// What the form's page shows again.
    type Again: Again;

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

    /// The fields a review's Confirm carries again for `change`, and the way back to the form
    /// with them.
    fn carried(path: &SubscriptionPath, change: &Change) -> (Vec<(&'static str, String)>, String);

    /// What the form shows again when its change can't be made.
    fn again(&self, l: Locale, path: &SubscriptionPath, why: Why<'_>) -> Self::Again;
}

/// A change form's Submit or its review's Confirm.
pub(crate) async fn submit<F: ChangeForm>(
    asking: Asking,
    Guarded { form, guard }: Guarded<F>,
) -> Result<HttpResponse, PageError> {
    let (expected, key) = guard.read()?;
    let confirmed = guard.confirmed()?;
    let l = asking.l;
    // The subscription is read where the answer shows it (and to read the fields, where they
    // need it): a Confirm that goes through needs only the change's own reading, in its
    // transaction.
    let mut seen = match F::READS {
        true => Some(asking.load().await?),
        false => None,
    };
    let change = match form.change(l, seen.as_ref())? {
        Ok(change) => change,
        Err(again) => return again.page(&asking, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let Some(prices) = confirmed else {
        let view = match seen.take() {
            Some(view) => view,
            None => asking.load().await?,
        };
        let stale = check_unchanged(expected, view.subscription.version).is_err();
        let notice = stale.then(|| Notice::changed(l));
        return review(&asking, &form, view, &change, notice).await;
    };
    if store::billing::prices_version(asking.db.get_ref()).await? != prices {
        let view = match seen.take() {
            Some(view) => view,
            None => asking.load().await?,
        };
        let notice = Some(Notice::prices_changed(l));
        return review(&asking, &form, view, &change, notice).await;
    }
    // Confirm: the engine decides in one transaction; a repeated click gets the first answer.
    let path = &asking.path;
    let sub = Submission {
        who: &asking.user.account,
        via: Via::Page,
        customer: &path.customer,
        subscription: &path.subscription,
        key: Some(&key),
        expected: Some(expected),
        at: asking.clock.now(),
    };
    let done = changes::apply(&asking.db, &sub, &change, |applied| {
        done(path, &change, applied)
    })
    .await;
    match done {
        Ok(done) => Ok(see_other(done.reply.0)),
        Err(ChangeError::NotFound) => Err(PageError::NotFound),
        Err(ChangeError::Db(e)) => Err(e.into()),
        Err(ChangeError::Conflict) => {
            let fresh = asking.load().await?;
            review(&asking, &form, fresh, &change, Some(Notice::changed(l))).await
        }
        Err(ChangeError::Refused(refusal)) => {
            let again = form.again(l, path, Why::Refused(&refusal));
            again.page(&asking, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// The review of `change` on the subscription as it is now, with `notice` when it is shown
/// again; or the form with why the rule refuses the change (on a subscription changed since,
/// that change's conflict: rule 7).
async fn review<F: ChangeForm>(
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
fn done(path: &SubscriptionPath, change: &Change, applied: &Applied) -> Reply {
    Reply(match &applied.created {
        Some(created) => format!("/customers/{}/upgrades/{}", path.customer, created.upgrade),
        None => format!("{}?done={}", path.details_href(), change.name()),
    })
}
