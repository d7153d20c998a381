//! Reseller users and their sign-in.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};

use super::{Db, DbErr};
use crate::domain::{Account, ResellerId, Role};
use crate::entities::user;

/// What sign-in needs of a user: the account and its password hash.
pub struct Credentials {
    pub user_id: i32,
    pub password_hash: String,
}

/// Finds a user by email, compared case-insensitively (emails are stored lowercased).
pub async fn credentials(db: &Db, email: &str) -> Result<Option<Credentials>, DbErr> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?
        .map(|u| Credentials {
            user_id: u.id,
            password_hash: u.password_hash,
        }))
}

/// The signed-in account of a user id kept in the session (or a token's user), if the user still
/// exists and is not deactivated: a deactivated user's sessions, tokens and jobs end here.
pub async fn account(db: &Db, user_id: i32) -> Result<Option<Account>, DbErr> {
    account_since(db, user_id, None).await
}

/// The account of a session signed in at `signed_in_at` (unix milliseconds; a token looked up
/// then): [`account`], unless the
/// user's sessions were ended since (a deactivation, even one undone by a reactivation since).
pub async fn session_account(
    db: &Db,
    user_id: i32,
    signed_in_at: i64,
) -> Result<Option<Account>, DbErr> {
    account_since(db, user_id, Some(signed_in_at)).await
}

/// Read at every signed-in request (a session's, a token's): one statement of the columns an
/// account is made of, not the user's and reseller's whole rows (their hashes and sealed secrets
/// it never needs, built into models by sea-orm: 123,000 instructions of a pages' Confirm in
/// `bench/callgrind.py`).
async fn account_since(
    db: &Db,
    user_id: i32,
    signed_in_at: Option<i64>,
) -> Result<Option<Account>, DbErr> {
    let Some(row) = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT u.email, u.reseller_id, u.role, u.totp_secret IS NULL AS not_enrolled, \
             u.sessions_ended_at, r.name AS reseller_name, r.two_step_roles \
             FROM users u JOIN resellers r ON r.id = u.reseller_id \
             WHERE u.id = $1 AND u.deactivated_at IS NULL",
            [user_id.into()],
        ))
        .await?
    else {
        return Ok(None);
    };
    let ended: Option<i64> = row.try_get("", "sessions_ended_at")?;
    if let (Some(at), Some(ended)) = (signed_in_at, ended)
        && at <= ended
    {
        return Ok(None);
    }
    let reseller = ResellerId::parse(&row.try_get::<String>("", "reseller_id")?)
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    let role = Role::parse(&row.try_get::<String>("", "role")?)
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    let two_step: Option<String> = row.try_get("", "two_step_roles")?;
    let must_enroll = row.try_get::<bool>("", "not_enrolled")?
        && Role::parse_list(two_step.as_deref().unwrap_or_default()).contains(&role);
    Ok(Some(Account {
        must_enroll,
        user_id,
        email: row.try_get("", "email")?,
        reseller,
        reseller_name: row.try_get("", "reseller_name")?,
        role,
    }))
}

/// A user's role as stored.
pub(crate) fn role_of(u: &user::Model) -> Result<Role, DbErr> {
    Role::parse(&u.role).map_err(|e| DbErr::Custom(e.to_string()))
}
