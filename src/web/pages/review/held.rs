//! A review at its own address: a change form's Submit holds its change as a draft
//! (`store::drafts`) and redirects to `/reviews/{id}`, whose GET renders the review in the
//! viewer's language (again after a language switch, a reload, or Back), and whose POST is its
//! Confirm. Once confirmed, the review says so ("already done") and links to where the change
//! led, instead of making or refusing it again; an expired draft says nothing was changed.
//!
//! Which form a draft came from decides how its fields read back into a change: the route's
//! handlers (`pages/reviews.rs`) name each form once, and hand over to [`show`] and [`confirm`]
//! (a subscription's change forms), or to the order's and the new customer's own review, which
//! share [`settled`] and [`settled_page`] with them.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use askama::Template;

use super::super::approvals;
use super::super::layout::Layout;
use super::super::paths::{SubscriptionPath, details_href};
use super::{Asking, ChangeForm, ConfirmForm, Notice, review};
use crate::clock::Clock;
use crate::domain::{ChangeKey, DraftId};
use crate::store::Db;
use crate::store::changes::{self, Reply};
use crate::store::drafts::{self, Draft, DraftState};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::{render, see_other};

/// The address of the draft `id`'s review.
pub fn href(id: &DraftId) -> String {
    format!("/reviews/{id}")
}

/// The held draft the path names (`/reviews/{draft}`), the signed-in user's own; and what
/// answering needs, whatever its form.
pub struct Held {
    pub req: HttpRequest,
    pub l: Locale,
    pub user: SignedIn,
    pub db: web::Data<Db>,
    pub clock: web::Data<Clock>,
    pub draft: Draft,
}

impl Held {
    /// What answering needs as for a change form of a subscription; a draft of no subscription
    /// (an order's, a new customer's) is no such review.
    fn asking(self) -> Result<(Asking, Draft), PageError> {
        let Held {
            req,
            l,
            user,
            db,
            clock,
            draft,
        } = self;
        let (customer, subscription) = draft.target().ok_or(PageError::NotFound)?;
        let path = SubscriptionPath {
            customer: customer.clone(),
            subscription: subscription.clone(),
        };
        let asking = Asking {
            req,
            l,
            user,
            path,
            db,
            clock,
        };
        Ok((asking, draft))
    }
}

impl FromRequest for Held {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let user = SignedIn::from_request(&req, payload);
        Box::pin(async move {
            let user = user.await?;
            let id = req
                .match_info()
                .get("draft")
                .and_then(DraftId::parse)
                .ok_or(PageError::NotFound)?;
            let missing = || PageError::Internal(anyhow::anyhow!("the app lacks its data"));
            let db = req
                .app_data::<web::Data<Db>>()
                .cloned()
                .ok_or_else(missing)?;
            let clock = req
                .app_data::<web::Data<Clock>>()
                .cloned()
                .ok_or_else(missing)?;
            let draft = drafts::get(db.get_ref(), &user.account, &id)
                .await?
                .ok_or(PageError::NotFound)?;
            Ok(Held {
                l: Locale::of(&req),
                req,
                user,
                db,
                clock,
                draft,
            })
        })
    }
}

/// Where a draft stands, before its review is shown or confirmed.
pub(crate) enum Settled {
    /// Its change was made: where it led.
    Done(String),
    /// It can no longer be confirmed, and nothing was changed.
    Expired,
    /// It was held for approval: the request says where it stands.
    Approval,
}

/// Whether the draft's change was made (its state, or the reply kept under its one-time key,
/// should the draft's own record of it have been lost), or it expired.
pub(crate) async fn settled(held: &Held) -> Result<Option<Settled>, PageError> {
    if let Some(decided) = decided(held) {
        return Ok(Some(decided));
    }
    let (db, draft) = (held.db.get_ref(), &held.draft);
    let key = ChangeKey::form(&draft.key);
    if let Some(reply) = changes::replayed(db, &held.user.account, &key).await? {
        settle_replayed(held, &reply).await?;
        return Ok(Some(Settled::Done(reply.0)));
    }
    Ok(expired(held))
}

/// Where the draft stands by its own record, for its Confirm: the change engine finds a change
/// already made under the draft's key itself, in the change's first statement (the Confirm then
/// settles the draft: [`settle_replayed`]), so a Confirm reads no more than the draft.
pub(crate) fn on_record(held: &Held) -> Option<Settled> {
    decided(held).or_else(|| expired(held))
}

/// Held for approval, or confirmed.
fn decided(held: &Held) -> Option<Settled> {
    let draft = &held.draft;
    if draft.state.is_approval() {
        return Some(Settled::Approval);
    }
    match (draft.state, &draft.result) {
        (DraftState::Confirmed, Some(result)) => Some(Settled::Done(result.clone())),
        _ => None,
    }
}

fn expired(held: &Held) -> Option<Settled> {
    held.draft
        .expired(held.clock.now())
        .then_some(Settled::Expired)
}

/// Marks the draft confirmed when its change was found made under its key (before this
/// version settled a draft with its change, or by a second Confirm at once): where it led.
/// Its callers found the draft not settled on record.
pub(crate) async fn settle_replayed(held: &Held, reply: &Reply) -> Result<(), PageError> {
    let settles = drafts::Settles {
        draft: held.draft.id,
        prices: None,
    };
    let (db, who) = (held.db.get_ref(), &held.user.account);
    drafts::confirmed(db, who, settles, &reply.0, held.clock.now()).await?;
    Ok(())
}

/// The form's fields as the draft holds them, read back into the form.
pub(crate) fn form<F: serde::de::DeserializeOwned>(draft: &Draft) -> Result<F, PageError> {
    let fields = draft
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|e| PageError::Internal(anyhow::Error::new(e).context("a draft's fields")))
}

/// The draft's review, in the viewer's language: the change its fields ask, on the subscription
/// as it is now (with a notice when it changed since the form was shown); or "already done".
pub(crate) async fn show<F: ChangeForm>(held: Held) -> Result<HttpResponse, PageError> {
    match settled(&held).await? {
        Some(Settled::Approval) => return Ok(see_other(approvals::href(&held.draft.public_id))),
        Some(settled) => return settled_page(&held, settled, subscription_again(&held)),
        None => {}
    }
    let (asking, draft) = held.asking()?;
    let form = form::<F>(&draft)?;
    let view = asking.load().await?;
    let change = match form.change(asking.l, Some(&view))? {
        Ok(change) => change,
        Err(again) => {
            use super::Again;
            return again.page(&asking, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let notice = (draft.version != view.subscription.version).then(|| Notice::changed(asking.l));
    review(&asking, &form, view, &change, notice).await
}

/// The draft's Confirm: its change, made once; a Confirm of a draft already confirmed goes to
/// where the change led, and one of an expired draft back to its review (which says so).
pub(crate) async fn confirm<F: ChangeForm>(
    held: Held,
    confirmed: web::Form<ConfirmForm>,
) -> Result<HttpResponse, PageError> {
    match on_record(&held) {
        Some(Settled::Done(result)) => Ok(see_other(result)),
        Some(Settled::Expired) => Ok(see_other(href(&held.draft.public_id))),
        Some(Settled::Approval) => Ok(see_other(approvals::href(&held.draft.public_id))),
        None => {
            let (asking, draft) = held.asking()?;
            let form = form::<F>(&draft)?;
            super::confirm(&asking, &draft, &form, &confirmed).await
        }
    }
}

#[derive(Template)]
#[template(path = "review_settled.html")]
struct SettledPage {
    l: Locale,
    layout: Layout,
    done: bool,
    href: String,
    /// What the page says, and its link (message keys).
    text: &'static str,
    link: &'static str,
}

/// Where an expired review of a subscription's change starts again: its Details page.
fn subscription_again(held: &Held) -> Again {
    let href = match held.draft.target() {
        Some((customer, subscription)) => details_href(customer, subscription),
        None => "/".to_owned(),
    };
    Again {
        href,
        text: "review-expired-text",
        link: "review-expired-link",
    }
}

/// Where an expired review starts again, and the words that say so (message keys).
pub(crate) struct Again {
    pub href: String,
    pub text: &'static str,
    pub link: &'static str,
}

/// "Already done", with a link to where the change led; or "expired", with the way back to
/// the form (`again`).
pub(crate) fn settled_page(
    held: &Held,
    settled: Settled,
    again: Again,
) -> Result<HttpResponse, PageError> {
    let l = held.l;
    let layout = held
        .user
        .layout(l, held.req.path())
        .crumb(l.t("review-title"), None);
    let (done, href, text, link) = match settled {
        Settled::Done(result) => (true, result, "review-done-text", "review-done-link"),
        Settled::Expired | Settled::Approval => (false, again.href, again.text, again.link),
    };
    render(
        StatusCode::OK,
        &SettledPage {
            l,
            layout,
            done,
            href,
            text,
            link,
        },
    )
}
