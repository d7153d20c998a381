//! Reseller users and their sign-in.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{Db, DbErr};
use crate::domain::{Account, ResellerId, Role};
use crate::entities::{reseller, user};

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

async fn account_since(
    db: &Db,
    user_id: i32,
    signed_in_at: Option<i64>,
) -> Result<Option<Account>, DbErr> {
    let Some((u, Some(r))) = user::Entity::find_by_id(user_id)
        .filter(user::Column::DeactivatedAt.is_null())
        .find_also_related(reseller::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if let (Some(at), Some(ended)) = (signed_in_at, u.sessions_ended_at)
        && at <= ended
    {
        return Ok(None);
    }
    let reseller = ResellerId::parse(&u.reseller_id).map_err(|e| DbErr::Custom(e.to_string()))?;
    let role = role_of(&u)?;
    let must_enroll = u.totp_secret.is_none()
        && Role::parse_list(r.two_step_roles.as_deref().unwrap_or_default()).contains(&role);
    Ok(Some(Account {
        must_enroll,
        user_id: u.id,
        email: u.email,
        reseller,
        reseller_name: r.name,
        role,
    }))
}

/// A user's role as stored.
pub(crate) fn role_of(u: &user::Model) -> Result<Role, DbErr> {
    Role::parse(&u.role).map_err(|e| DbErr::Custom(e.to_string()))
}
