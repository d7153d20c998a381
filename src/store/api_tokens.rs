//! API tokens: issued to a reseller's user, kept only as a hash, named, revocable.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::turn::write_turn;
use super::{Db, DbErr, users};
use crate::domain::Account;
use crate::domain::api_token::{TokenName, TokenSecret};
use crate::entities::api_token;

/// A token as its owner's list shows it: never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: i32,
    pub name: String,
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<api_token::Model> for TokenInfo {
    fn from(t: api_token::Model) -> Self {
        TokenInfo {
            id: t.id,
            name: t.name,
            hint: t.hint,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// Issues a token to `user_id`. The secret is returned once, here, and kept nowhere.
pub async fn issue(
    db: &Db,
    user_id: i32,
    name: &TokenName,
) -> Result<(TokenInfo, TokenSecret), DbErr> {
    let secret = TokenSecret::generate();
    let _turn = write_turn(db).await;
    let row = api_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.as_str().to_owned()),
        hash: Set(secret.hash()),
        hint: Set(secret.hint()),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((row.into(), secret))
}

/// The user's tokens, newest first, revoked ones included.
pub async fn of_user(db: &Db, user_id: i32) -> Result<Vec<TokenInfo>, DbErr> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(TokenInfo::from)
        .collect())
}

/// Revokes one of the user's tokens; `false` when the user has no such live token.
pub async fn revoke(db: &Db, user_id: i32, token_id: i32) -> Result<bool, DbErr> {
    let _turn = write_turn(db).await;
    let revoked = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::val(Utc::now()))
        .filter(api_token::Column::Id.eq(token_id))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    Ok(revoked > 0)
}

/// The account a live token acts as, and the token's id; `None` for an unknown or revoked one.
pub async fn authenticate(db: &Db, secret: &TokenSecret) -> Result<Option<(Account, i32)>, DbErr> {
    let Some(token) = api_token::Entity::find()
        .filter(api_token::Column::Hash.eq(secret.hash()))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(users::account(db, token.user_id)
        .await?
        .map(|account| (account, token.id)))
}

/// Notes that the token was used at `at`.
pub async fn touch(db: &Db, token_id: i32, at: DateTime<Utc>) -> Result<(), DbErr> {
    let _turn = write_turn(db).await;
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::val(at))
        .filter(api_token::Column::Id.eq(token_id))
        .exec(db)
        .await?;
    Ok(())
}
