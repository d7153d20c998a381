//! A request's decisions: approve (the change engine makes its change once, as reviewed), reject
//! with a note, and the requester's withdrawal. Of two decisions at once (two approvers, two
//! tabs, a double click) the first takes the request and the other finds it decided.

use actix_web::{HttpRequest, HttpResponse, web};

use super::{Decide, change_of, href, page, visible};
use crate::clock::Clock;
use crate::domain::ChangeKey;
use crate::domain::approval::{Note, may_decide};
use crate::domain::change::Via;
use crate::store::approvals::{self, Approval};
use crate::store::changes::{self, ChangeError, Submission};
use crate::store::{self, Db};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::pages::paths::SubscriptionPath;
use crate::web::pages::review::{self, Notice};
use crate::web::see_other;

/// A request the signed-in user may decide: another's (approving one's own is refused, 403, and
/// never offered).
async fn decidable(db: &Db, user: &SignedIn, id: &str) -> Result<Approval, PageError> {
    let approval = visible(db, &user.account, id).await?;
    let who = &user.account;
    may_decide(who.role, who.user_id, approval.requester).map_err(|_| PageError::Forbidden)?;
    Ok(approval)
}

// permission: approve
/// Approves a request: its change, made once through the change engine under the request's own
/// one-time key, at the subscription's version and the price list's that were reviewed; if
/// either changed since, nothing is written and the page says so (the concurrency notice).
pub async fn approve(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let (dbr, who) = (db.get_ref(), &user.account);
    let approval = decidable(dbr, &user, &id).await?;
    let id = approval.id();
    let now = clock.now();
    // Decided, taken by another approver (or this one, a click before), withdrawn or expired:
    // the request says where it stands.
    if !approvals::take(dbr, who, id, now).await? {
        return Ok(see_other(href(approval.public_id())));
    }
    let draft = &approval.draft;
    let (customer, subscription) = draft.target().ok_or(PageError::NotFound)?;
    let found = store::views::view(dbr, &who.reseller, customer, subscription).await?;
    let prices = store::billing::prices_version(dbr).await?;
    let change = match &found {
        Some(view) if prices.0 == approval.prices => change_of(draft, l, view)?,
        _ => None,
    };
    let Some(change) = change else {
        return stale(&req, l, &user, &db, &clock, &approval).await;
    };
    let path = SubscriptionPath {
        customer: customer.clone(),
        subscription: subscription.clone(),
    };
    let key = ChangeKey::approval(id);
    let sub = Submission {
        who,
        via: Via::Page,
        customer: &path.customer,
        subscription: &path.subscription,
        key: Some(&key),
        expected: Some(draft.version),
        settles: None,
        at: now,
    };
    let done = changes::apply(dbr, &sub, &change, |applied| {
        review::done(&path, &change, applied)
    })
    .await;
    match done {
        Ok(done) => {
            approvals::settle(dbr, who, &approval, Some(&done.reply.0), now).await?;
            Ok(see_other(href(approval.public_id())))
        }
        Err(ChangeError::Conflict | ChangeError::Refused(_) | ChangeError::NotFound) => {
            stale(&req, l, &user, &db, &clock, &approval).await
        }
        Err(ChangeError::Db(e)) => {
            approvals::give_back(dbr, who, id, now).await?;
            Err(e.into())
        }
    }
}

/// The request could not be made as reviewed: it is settled so, and its page says so with the
/// concurrency notice (409).
async fn stale(
    req: &HttpRequest,
    l: Locale,
    user: &SignedIn,
    db: &Db,
    clock: &Clock,
    approval: &Approval,
) -> Result<HttpResponse, PageError> {
    let now = clock.now();
    approvals::settle(db, &user.account, approval, None, now).await?;
    let settled = approvals::get(db, &user.account.reseller, approval.public_id())
        .await?
        .ok_or(PageError::NotFound)?;
    let d = Decide::of(&settled, &user.account, now);
    let notice = Notice {
        code: "concurrency_conflicts",
        text: l.t("approvals-stale-notice"),
    };
    page(req, l, user, db, clock, &settled, d, Some(notice)).await
}

#[derive(serde::Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    note: String,
}

// permission: approve
/// Rejects a request with a note; nothing is changed.
pub async fn reject(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    id: web::Path<String>,
    form: web::Form<RejectForm>,
) -> Result<HttpResponse, PageError> {
    let approval = decidable(&db, &user, &id).await?;
    let now = clock.now();
    let note = match Note::parse(&form.note) {
        Ok(note) => note,
        Err(e) => {
            let mut d = Decide::of(&approval, &user.account, now);
            d.note_value = form.note.chars().take(600).collect();
            d.note_error = Some(l.t(e.message_key()));
            return page(&req, l, &user, &db, &clock, &approval, d, None).await;
        }
    };
    approvals::reject(&db, &user.account, &approval, note.as_str(), now).await?;
    Ok(see_other(href(approval.public_id())))
}

// permission: change
/// The requester withdraws a request that waits; nothing is changed.
pub async fn withdraw(
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let approval = visible(&db, &user.account, &id).await?;
    if approval.requester != user.account.user_id {
        return Err(PageError::Forbidden);
    }
    approvals::withdraw(&db, &user.account, &approval, clock.now()).await?;
    Ok(see_other(href(approval.public_id())))
}
