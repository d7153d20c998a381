//! A reseller's team (issue 32): its users and their roles, adding and deactivating them, and
//! the one-time links that set a password. Every change that could leave a reseller without an
//! active global admin is refused in the transaction that would make it.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Statement, TransactionTrait,
};

use super::turn::write_turn;
use super::users::role_of;
use super::{Db, DbErr};
use crate::domain::billing::BillingDay;
use crate::domain::role::{TeamError, may_step_down};
use crate::domain::team::{LinkSecret, PersonName, UserEmail, link_expiry};
use crate::domain::{ResellerId, Role};
use crate::entities::{api_token, reseller, user, user_link};

/// A user as the Users page lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: i32,
    pub email: String,
    pub name: Option<String>,
    pub role: Role,
    pub active: bool,
    /// Whether the user has set a password yet (an invited user has not).
    pub has_password: bool,
    /// Whether the user signs in with a code after the password.
    pub two_step: bool,
}

/// Why a change to the team was not made.
#[derive(Debug, thiserror::Error)]
pub enum TeamChangeError {
    /// Another user (of any reseller) has this e-mail address.
    #[error("the e-mail address is taken")]
    EmailTaken,
    /// A reseller of this id exists already.
    #[error("the reseller exists already")]
    ResellerTaken,
    /// No such user of this reseller (or of any, from the command line).
    #[error("no such user")]
    NotFound,
    #[error(transparent)]
    Rule(#[from] TeamError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn member(u: user::Model) -> Result<Member, DbErr> {
    Ok(Member {
        role: role_of(&u)?,
        active: u.deactivated_at.is_none(),
        has_password: !u.password_hash.is_empty(),
        two_step: u.totp_secret.is_some(),
        id: u.id,
        email: u.email,
        name: u.name,
    })
}

/// The reseller's users, by e-mail address.
pub async fn members(db: &Db, reseller: &ResellerId) -> Result<Vec<Member>, DbErr> {
    user::Entity::find()
        .filter(user::Column::ResellerId.eq(reseller.as_str()))
        .order_by_asc(user::Column::Email)
        .all(db)
        .await?
        .into_iter()
        .map(member)
        .collect()
}

/// A user of any reseller by e-mail address (for the command line), with their reseller.
pub async fn by_email(db: &Db, email: &UserEmail) -> Result<Option<(ResellerId, Member)>, DbErr> {
    let Some(u) = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let reseller = ResellerId::parse(&u.reseller_id).map_err(|e| DbErr::Custom(e.to_string()))?;
    Ok(Some((reseller, member(u)?)))
}

/// Makes a link for `user_id` to set their password, valid for seven days from `at`; the
/// user's earlier unused links stop working.
async fn new_link(
    txn: &DatabaseTransaction,
    user_id: i32,
    at: DateTime<Utc>,
) -> Result<LinkSecret, DbErr> {
    user_link::Entity::update_many()
        .col_expr(user_link::Column::UsedAt, Expr::val(at))
        .filter(user_link::Column::UserId.eq(user_id))
        .filter(user_link::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    let secret = LinkSecret::generate();
    user_link::ActiveModel {
        user_id: Set(user_id),
        hash: Set(secret.hash()),
        created_at: Set(at),
        expires_at: Set(link_expiry(at)),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(secret)
}

async fn email_taken(txn: &DatabaseTransaction, email: &UserEmail) -> Result<bool, DbErr> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .count(txn)
        .await?
        > 0)
}

async fn insert_user(
    txn: &DatabaseTransaction,
    reseller: &ResellerId,
    email: &UserEmail,
    name: Option<&PersonName>,
    role: Role,
) -> Result<i32, DbErr> {
    let u = user::ActiveModel {
        reseller_id: Set(reseller.to_string()),
        email: Set(email.as_str().to_owned()),
        // No password until the link sets one: an empty hash never matches.
        password_hash: Set(String::new()),
        is_admin: Set(role == Role::GlobalAdmin),
        role: Set(role.as_str().to_owned()),
        name: Set(name.map(|n| n.as_str().to_owned())),
        deactivated_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(u.id)
}

/// Adds a user to the reseller with `role`, without a password, and makes their link to set
/// one.
pub async fn add(
    db: &Db,
    reseller: &ResellerId,
    email: &UserEmail,
    name: Option<&PersonName>,
    role: Role,
    at: DateTime<Utc>,
) -> Result<(i32, LinkSecret), TeamChangeError> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let known = reseller::Entity::find_by_id(reseller.as_str())
        .one(&txn)
        .await?;
    if known.is_none() {
        return Err(TeamChangeError::NotFound);
    }
    if email_taken(&txn, email).await? {
        return Err(TeamChangeError::EmailTaken);
    }
    let id = insert_user(&txn, reseller, email, name, role).await?;
    let secret = new_link(&txn, id, at).await?;
    txn.commit().await?;
    Ok((id, secret))
}

/// Creates a reseller with an empty book and its first global admin, with the link to set
/// their password.
pub async fn create_reseller(
    db: &Db,
    id: &ResellerId,
    name: &str,
    billing_day: BillingDay,
    admin: &UserEmail,
    at: DateTime<Utc>,
) -> Result<LinkSecret, TeamChangeError> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    if reseller::Entity::find_by_id(id.as_str())
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(TeamChangeError::ResellerTaken);
    }
    if email_taken(&txn, admin).await? {
        return Err(TeamChangeError::EmailTaken);
    }
    reseller::ActiveModel {
        id: Set(id.to_string()),
        name: Set(name.to_owned()),
        billing_day: Set(i32::try_from(billing_day.get()).unwrap_or(1)),
        customers: Set(0),
        two_step_roles: Set(None),
        approval_cost: Set(None),
        approval_rows: Set(None),
    }
    .insert(&txn)
    .await?;
    let user_id = insert_user(&txn, id, admin, None, Role::GlobalAdmin).await?;
    let secret = new_link(&txn, user_id, at).await?;
    txn.commit().await?;
    Ok(secret)
}

/// Takes the reseller's row for the rest of the transaction (PostgreSQL locks it; SQLite writes
/// one transaction at a time), so that two admins stepping down at once can't both be the one
/// that leaves another.
async fn hold_reseller(txn: &DatabaseTransaction, reseller: &ResellerId) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "SELECT id FROM resellers WHERE id = $1 FOR UPDATE",
        _ => "SELECT id FROM resellers WHERE id = ?",
    };
    txn.query_one_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [reseller.as_str().into()],
    ))
    .await?;
    Ok(())
}

/// The user of this reseller, and how many active global admins it has, in `txn`.
async fn standing(
    txn: &DatabaseTransaction,
    reseller: &ResellerId,
    user_id: i32,
) -> Result<(user::Model, u64), TeamChangeError> {
    hold_reseller(txn, reseller).await?;
    let u = user::Entity::find_by_id(user_id)
        .filter(user::Column::ResellerId.eq(reseller.as_str()))
        .one(txn)
        .await?
        .ok_or(TeamChangeError::NotFound)?;
    let admins = user::Entity::find()
        .filter(user::Column::ResellerId.eq(reseller.as_str()))
        .filter(user::Column::Role.eq(Role::GlobalAdmin.as_str()))
        .filter(user::Column::DeactivatedAt.is_null())
        .count(txn)
        .await?;
    Ok((u, admins))
}

/// Gives a user of the reseller another role; refused for the last active global admin.
/// Returns the user's e-mail address.
pub async fn set_role(
    db: &Db,
    reseller: &ResellerId,
    user_id: i32,
    role: Role,
) -> Result<String, TeamChangeError> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let (u, admins) = standing(&txn, reseller, user_id).await?;
    let was = role_of(&u)?;
    if was != role {
        may_step_down(was, u.deactivated_at.is_none(), admins)?;
    }
    user::Entity::update_many()
        .col_expr(user::Column::Role, Expr::val(role.as_str()))
        .col_expr(user::Column::IsAdmin, Expr::val(role == Role::GlobalAdmin))
        .filter(user::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(u.email)
}

/// Deactivates a user of the reseller: they can't sign in, their sessions end at their next
/// request, their API tokens are revoked and their links stop working. Refused for the last
/// active global admin. Returns the user's e-mail address.
pub async fn deactivate(
    db: &Db,
    reseller: &ResellerId,
    user_id: i32,
    at: DateTime<Utc>,
) -> Result<String, TeamChangeError> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let (u, admins) = standing(&txn, reseller, user_id).await?;
    may_step_down(role_of(&u)?, u.deactivated_at.is_none(), admins)?;
    user::Entity::update_many()
        .col_expr(user::Column::DeactivatedAt, Expr::val(at))
        // On the sessions' own clock (the wall's, as a sign-in stamps them), not the portal's
        // (which a demo or a test may set): every session signed in until now is ended.
        .col_expr(
            user::Column::SessionsEndedAt,
            Expr::val(Utc::now().timestamp_millis()),
        )
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::DeactivatedAt.is_null())
        .exec(&txn)
        .await?;
    api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::val(at))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    user_link::Entity::update_many()
        .col_expr(user_link::Column::UsedAt, Expr::val(at))
        .filter(user_link::Column::UserId.eq(user_id))
        .filter(user_link::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(u.email)
}

/// Reactivates a deactivated user of the reseller: they can sign in again with their password
/// (and their two-step sign-in, if they had it). What deactivation ended stays ended: their
/// sessions (see `users::session_account`), their API tokens (revoked) and their links (used).
/// Returns the user's e-mail address, or `None` when the user was active already.
pub async fn reactivate(
    db: &Db,
    reseller: &ResellerId,
    user_id: i32,
) -> Result<Option<String>, TeamChangeError> {
    let _turn = write_turn(db).await;
    let done = user::Entity::update_many()
        .col_expr(
            user::Column::DeactivatedAt,
            Expr::val(Option::<DateTime<Utc>>::None),
        )
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::ResellerId.eq(reseller.as_str()))
        .filter(user::Column::DeactivatedAt.is_not_null())
        .exec(db)
        .await?;
    let u = user::Entity::find_by_id(user_id)
        .filter(user::Column::ResellerId.eq(reseller.as_str()))
        .one(db)
        .await?
        .ok_or(TeamChangeError::NotFound)?;
    Ok((done.rows_affected == 1).then_some(u.email))
}

/// A new link for an active user of the reseller to set their password (their earlier links
/// stop working; the password they have still works until they use it). Returns the user's
/// e-mail address and the link.
pub async fn reset_link(
    db: &Db,
    reseller: &ResellerId,
    user_id: i32,
    at: DateTime<Utc>,
) -> Result<(String, LinkSecret), TeamChangeError> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let u = user::Entity::find_by_id(user_id)
        .filter(user::Column::ResellerId.eq(reseller.as_str()))
        .filter(user::Column::DeactivatedAt.is_null())
        .one(&txn)
        .await?
        .ok_or(TeamChangeError::NotFound)?;
    let secret = new_link(&txn, user_id, at).await?;
    txn.commit().await?;
    Ok((u.email, secret))
}

/// The e-mail address of the active user whose usable link this is, if any.
pub async fn link_holder(
    db: &Db,
    secret: &LinkSecret,
    now: DateTime<Utc>,
) -> Result<Option<String>, DbErr> {
    let Some(link) = user_link::Entity::find()
        .filter(user_link::Column::Hash.eq(secret.hash()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if !crate::domain::team::link_usable(link.expires_at, link.used_at, now) {
        return Ok(None);
    }
    Ok(user::Entity::find_by_id(link.user_id)
        .filter(user::Column::DeactivatedAt.is_null())
        .one(db)
        .await?
        .map(|u| u.email))
}

/// Uses a link: sets its user's password (`hash`) if the link is usable at `now`, and marks it
/// used, in one transaction. Returns the user's id, or `None` when the link was unknown, used,
/// expired or its user deactivated (nothing written).
pub async fn use_link(
    db: &Db,
    secret: &LinkSecret,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<i32>, DbErr> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let Some(link) = user_link::Entity::find()
        .filter(user_link::Column::Hash.eq(secret.hash()))
        .one(&txn)
        .await?
    else {
        return Ok(None);
    };
    // Used once: the update that marks it is the one that may go on.
    let marked = user_link::Entity::update_many()
        .col_expr(user_link::Column::UsedAt, Expr::val(now))
        .filter(user_link::Column::Id.eq(link.id))
        .filter(user_link::Column::UsedAt.is_null())
        .filter(user_link::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    let set = marked
        && user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::val(hash))
            .filter(user::Column::Id.eq(link.user_id))
            .filter(user::Column::DeactivatedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
    if !set {
        return Ok(None);
    }
    txn.commit().await?;
    Ok(Some(link.user_id))
}
