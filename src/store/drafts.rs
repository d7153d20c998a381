//! Held drafts: a change a form asked for, kept so that its review has an address of its own
//! (`/reviews/{public id}`: random, never the row's sequential id). A draft belongs to the user who made it and to its form's one-time key (the
//! same form posted twice is one draft); it holds what was entered (the form's fields), the
//! subscription's version the form was shown at, and its state: `reviewing` until its Confirm
//! makes the change, then `confirmed`, with where the change led (`result`). A change above the
//! reseller's thresholds is held for a second person's approval on the same record (issue 32,
//! `store::approvals`): `pending`, then `approved` (with its `result`), `rejected`, `withdrawn`
//! or `stale` (the subscription or the price list changed before it was approved), with who
//! decided it and when.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::turn::write_turn;
use super::{Db, DbErr};
use crate::domain::{Account, CustomerId, DraftId, FormKey, SubscriptionId, Version};
use crate::entities::draft;

/// How long a draft can be confirmed after it was last asked for.
pub const KEPT: Duration = Duration::hours(24);

/// Where a draft is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftState {
    /// Its review is shown; nothing was changed yet.
    Reviewing,
    /// Its Confirm made the change (or found it made): `result` is where it led.
    Confirmed,
    /// Held for a second person's approval; nothing was changed yet.
    Pending,
    /// An approver took it and the engine is making its change.
    Approving,
    /// Approved, and its change made: `result` is where it led.
    Approved,
    /// Rejected by an approver (with their note); nothing was changed.
    Rejected,
    /// Withdrawn by the one who asked; nothing was changed.
    Withdrawn,
    /// The subscription or the price list changed before it was approved; nothing was changed,
    /// and the change must be reviewed again.
    Stale,
}

impl DraftState {
    pub fn as_str(self) -> &'static str {
        match self {
            DraftState::Reviewing => "reviewing",
            DraftState::Confirmed => "confirmed",
            DraftState::Pending => "pending",
            DraftState::Approving => "approving",
            DraftState::Approved => "approved",
            DraftState::Rejected => "rejected",
            DraftState::Withdrawn => "withdrawn",
            DraftState::Stale => "stale",
        }
    }

    pub(super) fn parse(raw: &str) -> Option<DraftState> {
        [
            DraftState::Reviewing,
            DraftState::Confirmed,
            DraftState::Pending,
            DraftState::Approving,
            DraftState::Approved,
            DraftState::Rejected,
            DraftState::Withdrawn,
            DraftState::Stale,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }

    /// Whether the draft is held for approval, or was decided there.
    pub fn is_approval(self) -> bool {
        !matches!(self, DraftState::Reviewing | DraftState::Confirmed)
    }
}

/// A held draft, as its review reads it.
#[derive(Debug, Clone)]
pub struct Draft {
    pub id: i32,
    /// What its review's address names it by.
    pub public_id: DraftId,
    pub key: FormKey,
    /// Which form asked for it (the form's name: `licenses`, `status`, `upgrade`, `order`,
    /// `customer`).
    pub form: String,
    /// The customer it changes: none for a new customer (its form makes one).
    pub customer: Option<CustomerId>,
    /// The subscription it changes: none for an order or a new customer.
    pub subscription: Option<SubscriptionId>,
    /// The form's fields, as entered (once read into a change).
    pub fields: Vec<(String, String)>,
    /// The subscription's version the form was shown at.
    pub version: Version,
    pub state: DraftState,
    pub expires_at: DateTime<Utc>,
    /// Where the change led, once confirmed.
    pub result: Option<String>,
}

impl Draft {
    /// Whether it can no longer be confirmed (or approved): a review or a request for approval
    /// past its expiry.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        matches!(self.state, DraftState::Reviewing | DraftState::Pending) && now >= self.expires_at
    }

    /// The customer and the subscription a change to a subscription is to (every request for
    /// approval's); `None` for a draft of an order or of a new customer.
    pub fn target(&self) -> Option<(&CustomerId, &SubscriptionId)> {
        self.customer.as_ref().zip(self.subscription.as_ref())
    }
}

/// What a form's Submit holds.
pub struct NewDraft<'a> {
    pub who: &'a Account,
    pub key: &'a FormKey,
    pub form: &'a str,
    pub customer: Option<&'a CustomerId>,
    pub subscription: Option<&'a SubscriptionId>,
    pub fields: &'a [(&'a str, String)],
    pub version: Version,
    pub at: DateTime<Utc>,
}

pub(super) fn corrupt(what: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("unexpected value in a draft: {what}"))
}

/// The column keeps "none" as an empty string (the columns came before drafts without them).
fn optional<T, E: std::fmt::Display>(
    raw: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<Option<T>, DbErr> {
    match raw {
        "" => Ok(None),
        raw => parse(raw).map(Some).map_err(corrupt),
    }
}

fn column<T: std::fmt::Display>(id: Option<&T>) -> String {
    id.map(ToString::to_string).unwrap_or_default()
}

pub(super) fn from_row(r: draft::Model) -> Result<Draft, DbErr> {
    let fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&r.fields).map_err(corrupt)?;
    Ok(Draft {
        id: r.id,
        public_id: DraftId::parse(&r.public_id).ok_or_else(|| corrupt("public id"))?,
        key: FormKey::parse(&r.key).ok_or_else(|| corrupt("key"))?,
        form: r.form,
        customer: optional(&r.customer_id, CustomerId::parse)?,
        subscription: optional(&r.subscription_id, SubscriptionId::parse)?,
        fields: fields
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned()))
            .collect(),
        version: Version(r.version),
        state: DraftState::parse(&r.state).ok_or_else(|| corrupt(&r.state))?,
        expires_at: r.expires_at,
        result: r.result,
    })
}

async fn by_key(db: &Db, user_id: i32, key: &FormKey) -> Result<Option<draft::Model>, DbErr> {
    draft::Entity::find()
        .filter(draft::Column::UserId.eq(user_id))
        .filter(draft::Column::Key.eq(key.as_str()))
        .one(db)
        .await
}

/// `who`'s draft made with `key` that is no longer being reviewed (held for approval, decided,
/// or confirmed): its public id. An API request sent again with its `MS-RequestId` finds the
/// request for approval it made the first time.
pub async fn decided_by_key(
    db: &Db,
    who: &Account,
    key: &FormKey,
) -> Result<Option<DraftId>, DbErr> {
    by_key(db, who.user_id, key)
        .await?
        .filter(|row| row.state != DraftState::Reviewing.as_str())
        .map(|row| DraftId::parse(&row.public_id).ok_or_else(|| corrupt("public id")))
        .transpose()
}

/// Holds what a form asked for, and answers the draft's public id. The same form posted again (its
/// one-time key) is the same draft: while it is reviewed, with what was entered this time; once
/// confirmed, as it is (its review says it is done).
pub async fn hold(db: &Db, new: &NewDraft<'_>) -> Result<DraftId, DbErr> {
    let fields = serde_json::Value::Object(
        new.fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
            .collect(),
    )
    .to_string();
    let _turn = write_turn(db).await;
    for _ in 0..2 {
        if let Some(row) = by_key(db, new.who.user_id, new.key).await? {
            let id = DraftId::parse(&row.public_id).ok_or_else(|| corrupt("public id"))?;
            if row.state != DraftState::Reviewing.as_str() {
                return Ok(id);
            }
            let mut row: draft::ActiveModel = row.into();
            row.form = Set(new.form.to_owned());
            row.customer_id = Set(column(new.customer));
            row.subscription_id = Set(column(new.subscription));
            row.fields = Set(fields.clone());
            row.version = Set(new.version.0);
            row.expires_at = Set(new.at + KEPT);
            row.update(db).await?;
            return Ok(id);
        }
        let public_id = DraftId::generate();
        let inserted = draft::ActiveModel {
            public_id: Set(public_id.as_str().to_owned()),
            reseller_id: Set(new.who.reseller.as_str().to_owned()),
            user_id: Set(new.who.user_id),
            key: Set(new.key.as_str().to_owned()),
            form: Set(new.form.to_owned()),
            customer_id: Set(column(new.customer)),
            subscription_id: Set(column(new.subscription)),
            fields: Set(fields.clone()),
            version: Set(new.version.0),
            state: Set(DraftState::Reviewing.as_str().to_owned()),
            created_at: Set(new.at),
            expires_at: Set(new.at + KEPT),
            ..Default::default()
        }
        .insert(db)
        .await;
        match inserted {
            Ok(_) => return Ok(public_id),
            // The same form posted twice at once: the other post's draft is this one.
            Err(_) if by_key(db, new.who.user_id, new.key).await?.is_some() => continue,
            Err(e) => return Err(e),
        }
    }
    Err(DbErr::Custom("a draft neither inserted nor found".into()))
}

/// The draft of public id `id`, if `who` made it; anyone else's is no draft to them.
pub async fn get(db: &Db, who: &Account, id: &DraftId) -> Result<Option<Draft>, DbErr> {
    draft::Entity::find()
        .filter(draft::Column::PublicId.eq(id.as_str()))
        .filter(draft::Column::UserId.eq(who.user_id))
        .filter(draft::Column::ResellerId.eq(who.reseller.as_str()))
        .one(db)
        .await?
        .map(from_row)
        .transpose()
}

/// Marks the draft confirmed by `who`, its change having led to `result`, on its own: for a draft whose change was found made under its key (a Confirm's
/// change settles its draft itself: [`Settles`]).
pub async fn confirmed(
    db: &Db,
    who: &Account,
    settles: Settles,
    result: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let _turn = write_turn(db).await;
    db.execute_raw(settled(db.get_database_backend(), who, settles, result, at))
        .await?;
    Ok(())
}

/// The held draft a review's Confirm settles: its id, and the price list's version its review
/// was drawn at (an order's, a subscription's change; none for a new customer). The change engine
/// marks it confirmed in the change's own transaction (`store::changes`), so that a change made
/// never leaves its draft `reviewing`, and the Confirm takes one turn to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settles {
    pub draft: i32,
    pub prices: Option<i64>,
}

/// The statement marking the draft confirmed by `who` at `at`, its change having led to
/// `result`.
pub(super) fn settled(
    backend: sea_orm::DbBackend,
    who: &Account,
    settles: Settles,
    result: &str,
    at: DateTime<Utc>,
) -> sea_orm::Statement {
    use sea_orm::QueryTrait;
    use sea_orm::sea_query::Expr;
    draft::Entity::update_many()
        .col_expr(
            draft::Column::State,
            Expr::value(DraftState::Confirmed.as_str()),
        )
        .col_expr(draft::Column::DecidedBy, Expr::value(who.user_id))
        .col_expr(draft::Column::DecidedAt, Expr::value(at))
        .col_expr(draft::Column::PricesVersion, Expr::value(settles.prices))
        .col_expr(draft::Column::Result, Expr::value(result))
        .filter(draft::Column::Id.eq(settles.draft))
        .filter(draft::Column::UserId.eq(who.user_id))
        .build(backend)
}

/// Forgets the drafts that were never confirmed and expired before `now`, and the confirmed ones
/// a day after that (their "already done" has served its Back and Reload).
/// A look that finds none only reads.
pub async fn sweep(db: &Db, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let old = draft::Column::ExpiresAt.lt(now - KEPT);
    if draft::Entity::find()
        .filter(old.clone())
        .one(db)
        .await?
        .is_none()
    {
        return Ok(0);
    }
    let _turn = write_turn(db).await;
    Ok(draft::Entity::delete_many()
        .filter(old)
        .exec(db)
        .await?
        .rows_affected)
}
