//! Requests for a second person's approval (issue 32), held on the record of the draft that was
//! reviewed (`store::drafts`): a change above the reseller's thresholds is held `pending`,
//! exactly as reviewed (its form's fields, the subscription's version and the price list's), and
//! nothing is written to the subscription. An approver takes it (`approving`: one approver, one
//! take), the change engine makes it, and it is `approved` with where the change led; or it is
//! `rejected` with a note, `withdrawn` by the one who asked, or `stale` when the subscription or
//! the price list changed since. Each step is recorded in the activity log in its transaction.
//! The reseller's thresholds are kept on its row.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder, TransactionTrait,
};

use super::activity::Action;
use super::drafts::{Draft, DraftState, corrupt, from_row};
use super::turn::write_turn;
use super::{Db, DbErr};
use crate::domain::approval::{
    Cost, CostThreshold, EXPIRES, RowThreshold, TAKEN_FOR, Thresholds, expires_at, lapsed,
};
use crate::domain::billing::{Amount, Billing, Planned};
use crate::domain::{
    Account, BillingCycle, CustomerId, DraftId, ResellerId, Subscription, SubscriptionId, Version,
};
use crate::entities::{activity, draft, reseller, user};

/// The form a change held through the API keeps its fields under, an edit (`Edit::fields`)…
pub const API_EDIT: &str = "api-edit";
/// …or an upgrade (`Upgrade::fields`).
pub const API_UPGRADE: &str = "api-upgrade";

/// The reseller's thresholds (both off unless its global admins set them).
pub async fn thresholds(db: &Db, reseller: &ResellerId) -> Result<Thresholds, DbErr> {
    let Some(row) = reseller::Entity::find_by_id(reseller.as_str())
        .one(db)
        .await?
    else {
        return Ok(Thresholds::default());
    };
    let cost = match row.approval_cost.as_deref() {
        Some(raw) => CostThreshold::parse(raw).map_err(corrupt)?,
        None => None,
    };
    let rows = match row.approval_rows {
        Some(n) => RowThreshold::parse(&n.to_string()).map_err(corrupt)?,
        None => None,
    };
    Ok(Thresholds { cost, rows })
}

/// Sets the reseller's thresholds.
pub async fn set_thresholds(db: &Db, reseller: &ResellerId, t: Thresholds) -> Result<(), DbErr> {
    let _turn = write_turn(db).await;
    let rows = t.rows.map(|r| i32::try_from(r.get()).unwrap_or(i32::MAX));
    reseller::Entity::update_many()
        .col_expr(
            reseller::Column::ApprovalCost,
            Expr::val(t.cost.map(|c| c.to_string())),
        )
        .col_expr(reseller::Column::ApprovalRows, Expr::val(rows))
        .filter(reseller::Column::Id.eq(reseller.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// A request for approval, as the Approvals pages read it.
#[derive(Debug, Clone)]
pub struct Approval {
    /// The draft it holds (its id is the request's).
    pub draft: Draft,
    pub requester: i32,
    pub requester_email: String,
    pub requested_at: DateTime<Utc>,
    /// The review's figure for this period, when it had one.
    pub cost: Option<Amount>,
    pub prices: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

/// Where a request stands, as its page, the lists and the API say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Pending,
    /// An approver is making its change right now.
    Approving,
    Approved,
    Rejected,
    Withdrawn,
    /// The subscription or the price list changed before it was approved.
    Stale,
    Expired,
}

impl Standing {
    fn of(approval: &Approval, now: DateTime<Utc>) -> Standing {
        match approval.draft.state {
            _ if approval.draft.expired(now) => Standing::Expired,
            DraftState::Approving if approval.taken_lapsed(now) => Standing::Pending,
            DraftState::Approving => Standing::Approving,
            DraftState::Approved | DraftState::Confirmed => Standing::Approved,
            DraftState::Rejected => Standing::Rejected,
            DraftState::Withdrawn => Standing::Withdrawn,
            DraftState::Stale => Standing::Stale,
            DraftState::Pending | DraftState::Reviewing => Standing::Pending,
        }
    }

    /// Its name, in the page's `data-state` and in message keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Pending => "pending",
            Standing::Approving => "approving",
            Standing::Approved => "approved",
            Standing::Rejected => "rejected",
            Standing::Withdrawn => "withdrawn",
            Standing::Stale => "stale",
            Standing::Expired => "expired",
        }
    }
}

impl Approval {
    pub fn id(&self) -> i32 {
        self.draft.id
    }

    /// Its address's id: the draft's random public id, never the row's sequential one.
    pub fn public_id(&self) -> &DraftId {
        &self.draft.public_id
    }

    /// Where it stands at `now`.
    pub fn standing(&self, now: DateTime<Utc>) -> Standing {
        Standing::of(self, now)
    }

    /// Whether it waits for a decision at `now` (pending, or taken and lapsed; not expired).
    pub fn open(&self, now: DateTime<Utc>) -> bool {
        (self.draft.state == DraftState::Pending || self.taken_lapsed(now))
            && !self.draft.expired(now)
    }

    /// Taken to make its change, and held longer than an approver holds one ([`TAKEN_FOR`]).
    fn taken_lapsed(&self, now: DateTime<Utc>) -> bool {
        self.draft.state == DraftState::Approving && self.decided_at.is_some_and(|t| lapsed(t, now))
    }
}

async fn emails(
    db: &impl ConnectionTrait,
    ids: impl Iterator<Item = i32>,
) -> Result<Vec<(i32, String)>, DbErr> {
    let ids: Vec<i32> = ids.collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect())
}

async fn approvals(
    db: &impl ConnectionTrait,
    rows: Vec<draft::Model>,
) -> Result<Vec<Approval>, DbErr> {
    let people = emails(
        db,
        rows.iter()
            .flat_map(|r| std::iter::once(r.user_id).chain(r.decided_by)),
    )
    .await?;
    let email = |id: i32| {
        people
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, e)| e.clone())
            .unwrap_or_default()
    };
    rows.into_iter()
        .map(|r| {
            let cost = match r.cost.as_deref() {
                Some(raw) => Some(raw.parse::<Amount>().map_err(corrupt)?),
                None => None,
            };
            Ok(Approval {
                requester: r.user_id,
                requester_email: email(r.user_id),
                requested_at: r.requested_at.unwrap_or(r.created_at),
                cost,
                prices: r.prices_version.unwrap_or_default(),
                decided_by: r.decided_by.map(email),
                decided_at: r.decided_at,
                note: r.note.clone(),
                draft: from_row(r)?,
            })
        })
        .collect()
}

fn of_reseller(reseller: &ResellerId) -> sea_orm::Select<draft::Entity> {
    draft::Entity::find()
        .filter(draft::Column::ResellerId.eq(reseller.as_str()))
        .filter(draft::Column::RequestedAt.is_not_null())
}

/// The request of public id `id` of the reseller, whoever made it.
pub async fn get(db: &Db, reseller: &ResellerId, id: &DraftId) -> Result<Option<Approval>, DbErr> {
    let Some(row) = of_reseller(reseller)
        .filter(draft::Column::PublicId.eq(id.as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(approvals(db, vec![row]).await?.pop())
}

/// A request that waits for a decision at `now`: pending, or taken and lapsed; not expired.
fn waits(now: DateTime<Utc>) -> Condition {
    Condition::all()
        // The two states first, alone: what `ix_drafts_reseller_state` finds them by (with only
        // the `OR` below, SQLite read every draft of the reseller, on every page of an approver).
        .add(
            draft::Column::State
                .is_in([DraftState::Pending.as_str(), DraftState::Approving.as_str()]),
        )
        // Taken (approving) only when its taker's hold has lapsed.
        .add(
            Condition::any()
                .add(draft::Column::State.eq(DraftState::Pending.as_str()))
                .add(draft::Column::DecidedAt.lte(now - TAKEN_FOR)),
        )
        .add(draft::Column::ExpiresAt.gt(now))
}

/// The requests that wait for a decision at `now`, oldest first: those another user made (what
/// `who` may decide) and `who`'s own.
pub async fn waiting(db: &Db, who: &Account, now: DateTime<Utc>) -> Result<Vec<Approval>, DbErr> {
    let rows = of_reseller(&who.reseller)
        .filter(waits(now))
        .order_by_asc(draft::Column::RequestedAt)
        .all(db)
        .await?;
    approvals(db, rows).await
}

/// How many requests of other users (changes and bulk jobs) wait for a decision at `now` (the
/// navigation's count).
///
/// One statement for both kinds (every page of an approver shows the count; each statement is
/// a hand-off to a SQLite connection's thread or a round trip to PostgreSQL: issue 30, item 20).
pub async fn waiting_count(db: &Db, who: &Account, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let sql = "SELECT (SELECT COUNT(*) FROM drafts WHERE reseller_id = $1 \
               AND requested_at IS NOT NULL AND expires_at > $3 AND user_id <> $4 \
               AND state IN ($2, $6) AND (state = $2 OR decided_at <= $7)) \
               + (SELECT COUNT(*) FROM jobs WHERE reseller_id = $1 AND state = 'approval' \
               AND requested_at > $5 AND user_id <> $4) AS n";
    let sql = match backend {
        sea_orm::DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    };
    let row = db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [
                who.reseller.as_str().into(),
                DraftState::Pending.as_str().into(),
                now.into(),
                who.user_id.into(),
                (now - EXPIRES).into(),
                // A request taken and lapsed waits again, as `waits` says.
                DraftState::Approving.as_str().into(),
                (now - TAKEN_FOR).into(),
            ],
        ))
        .await?;
    let n: i64 = match row {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// `who`'s own requests, in any state, the latest first (as long as their drafts are kept).
pub async fn mine(db: &Db, who: &Account) -> Result<Vec<Approval>, DbErr> {
    let rows = of_reseller(&who.reseller)
        .filter(draft::Column::UserId.eq(who.user_id))
        .order_by_desc(draft::Column::RequestedAt)
        .all(db)
        .await?;
    approvals(db, rows).await
}

/// What a request holds besides its draft: the review's figures.
pub struct Requested {
    /// The subscription's version the review showed.
    pub version: Version,
    /// The price list's version the review showed.
    pub prices: i64,
    /// The review's figure for this period, when it had one.
    pub cost: Option<Amount>,
    pub at: DateTime<Utc>,
}

/// Holds `who`'s draft `id` for approval, exactly as reviewed; nothing is written to the
/// subscription. `false` when the draft is no longer being reviewed (held already, or confirmed).
pub async fn request(db: &Db, who: &Account, id: i32, r: &Requested) -> Result<bool, DbErr> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let held = draft::Entity::update_many()
        .col_expr(
            draft::Column::State,
            Expr::val(DraftState::Pending.as_str()),
        )
        .col_expr(draft::Column::Version, Expr::val(r.version.0))
        .col_expr(draft::Column::PricesVersion, Expr::val(r.prices))
        .col_expr(
            draft::Column::Cost,
            Expr::val(r.cost.map(|c| c.to_string())),
        )
        .col_expr(draft::Column::RequestedAt, Expr::val(r.at))
        .col_expr(draft::Column::ExpiresAt, Expr::val(expires_at(r.at)))
        .filter(draft::Column::Id.eq(id))
        .filter(draft::Column::UserId.eq(who.user_id))
        .filter(draft::Column::State.eq(DraftState::Reviewing.as_str()))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if held {
        let row = draft::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| corrupt("a draft held and gone"))?;
        let d = from_row(row)?;
        record(&txn, who, Action::ApprovalRequested, &d, None, r.at).await?;
    }
    txn.commit().await?;
    Ok(held)
}

/// Moves the request `id` from one state to another, if it is in `from` (and, for a pending one,
/// not expired at `at`): one statement, so that of two deciders at once one moves it. `true` when
/// this call moved it.
async fn step(
    conn: &impl ConnectionTrait,
    reseller: &ResellerId,
    id: i32,
    from: DraftState,
    to: DraftState,
    decided: Option<(i32, Option<&str>)>,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = draft::Entity::update_many()
        .col_expr(draft::Column::State, Expr::val(to.as_str()))
        .filter(draft::Column::Id.eq(id))
        .filter(draft::Column::ResellerId.eq(reseller.as_str()))
        .filter(draft::Column::State.eq(from.as_str()));
    if from == DraftState::Pending {
        update = update.filter(draft::Column::ExpiresAt.gt(at));
    }
    if let Some((by, note)) = decided {
        update = update
            .col_expr(draft::Column::DecidedBy, Expr::val(by))
            .col_expr(draft::Column::DecidedAt, Expr::val(at))
            .col_expr(draft::Column::Note, Expr::val(note.map(str::to_owned)));
    }
    Ok(update.exec(conn).await?.rows_affected == 1)
}

/// An approver takes the request `id` that waits (pending, or taken by an approver whose hold
/// lapsed) to make its change: `false` when it does not wait (decided, taken by another approver
/// now, withdrawn) or has expired. One statement, so that of two approvers at once one takes it.
pub async fn take(db: &Db, who: &Account, id: i32, at: DateTime<Utc>) -> Result<bool, DbErr> {
    let _turn = write_turn(db).await;
    let taken = draft::Entity::update_many()
        .col_expr(
            draft::Column::State,
            Expr::val(DraftState::Approving.as_str()),
        )
        .col_expr(draft::Column::DecidedBy, Expr::val(who.user_id))
        .col_expr(draft::Column::DecidedAt, Expr::val(at))
        .col_expr(draft::Column::Note, Expr::val(None::<String>))
        .filter(draft::Column::Id.eq(id))
        .filter(draft::Column::ResellerId.eq(who.reseller.as_str()))
        .filter(waits(at))
        .exec(db)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// Gives back a request taken whose change could not be made for a reason of the database's: it
/// waits again.
pub async fn give_back(db: &Db, who: &Account, id: i32, at: DateTime<Utc>) -> Result<(), DbErr> {
    let _turn = write_turn(db).await;
    let (from, to) = (DraftState::Approving, DraftState::Pending);
    step(db, &who.reseller, id, from, to, None, at).await?;
    Ok(())
}

/// The request taken by `who` was approved and its change made (leading to `result`); or, with
/// `result` `None`, could not be made as reviewed (`stale`: the subscription or the price list
/// changed since, or the rule now refuses it).
pub async fn settle(
    db: &Db,
    who: &Account,
    approval: &Approval,
    result: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let id = approval.id();
    let to = match result {
        Some(_) => DraftState::Approved,
        None => DraftState::Stale,
    };
    let moved = step(&txn, &who.reseller, id, DraftState::Approving, to, None, at).await?;
    if moved && let Some(result) = result {
        draft::Entity::update_many()
            .col_expr(draft::Column::Result, Expr::val(result))
            .filter(draft::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        let detail = approval.requester_email.as_str();
        let d = &approval.draft;
        record(&txn, who, Action::ApprovalApproved, d, Some(detail), at).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Rejects the pending request with `note`: `false` when it no longer waits.
pub async fn reject(
    db: &Db,
    who: &Account,
    approval: &Approval,
    note: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let (from, to) = (DraftState::Pending, DraftState::Rejected);
    let decided = Some((who.user_id, Some(note)));
    let moved = step(&txn, &who.reseller, approval.id(), from, to, decided, at).await?;
    if moved {
        let detail = format!("{} · {note}", approval.requester_email);
        let d = &approval.draft;
        record(&txn, who, Action::ApprovalRejected, d, Some(&detail), at).await?;
    }
    txn.commit().await?;
    Ok(moved)
}

/// The requester withdraws their pending request: `false` when it no longer waits (or is not
/// theirs).
pub async fn withdraw(
    db: &Db,
    who: &Account,
    approval: &Approval,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    if approval.requester != who.user_id {
        return Ok(false);
    }
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let (from, to) = (DraftState::Pending, DraftState::Withdrawn);
    let decided = Some((who.user_id, None));
    let moved = step(&txn, &who.reseller, approval.id(), from, to, decided, at).await?;
    if moved {
        let d = &approval.draft;
        record(&txn, who, Action::ApprovalWithdrawn, d, None, at).await?;
    }
    txn.commit().await?;
    Ok(moved)
}

/// Records a step of a request in the activity log, in the transaction that takes it.
async fn record(
    conn: &impl ConnectionTrait,
    who: &Account,
    action: Action,
    draft: &Draft,
    detail: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let (customer, subscription): (Option<&CustomerId>, Option<&SubscriptionId>) =
        (draft.customer.as_ref(), draft.subscription.as_ref());
    activity::ActiveModel {
        reseller_id: Set(who.reseller.to_string()),
        user_email: Set(who.email.clone()),
        user_role: Set(Some(who.role.as_str().to_owned())),
        customer_id: Set(customer.map(ToString::to_string)),
        subscription_id: Set(subscription.map(ToString::to_string)),
        detail: Set(detail.map(|d| d.chars().take(300).collect())),
        at: Set(at),
        action: Set(action.as_str().to_owned()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// What a change planned as `planned` costs this period, as its review works it out (the
/// subscription's history and the price list, by the billing rules): for a door without a
/// review (the API) to ask of the reseller's threshold. `(cost, the price list's version)`.
pub async fn cost(
    db: &Db,
    reseller: &ResellerId,
    customer: &CustomerId,
    subscription: &Subscription,
    planned: Planned,
    today: NaiveDate,
) -> Result<(Cost, i64), DbErr> {
    let day = super::billing::billing_day(db, reseller).await?;
    let (prices, version) = super::billing::prices(db).await?;
    if subscription.billing_cycle == BillingCycle::Annual {
        return Ok((Cost::Unknown, version.0));
    }
    let only = Some((customer, Some(&subscription.id)));
    let billed = super::billing::billed(db, reseller, only).await?;
    let Some(b) = billed.first() else {
        return Ok((Cost::Unknown, version.0));
    };
    let billing = Billing {
        day,
        prices: &prices,
    };
    let cost = match billing.review(&b.timeline, planned, today) {
        Ok(effect) => Cost::Figure(effect.period_change),
        Err(_) => Cost::Unknown,
    };
    Ok((cost, version.0))
}
