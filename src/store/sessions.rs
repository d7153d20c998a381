//! Server-side session state, keyed by the session cookie's random key. Shared by every portal
//! instance on the same database; signing out deletes the row.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use super::turn::write_turn;
use super::{Db, DbErr};
use crate::entities::session;

/// The state saved under `key`, unless it has expired.
pub async fn load(db: &Db, key: &str, now: DateTime<Utc>) -> Result<Option<String>, DbErr> {
    Ok(session::Entity::find_by_id(key)
        .filter(session::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
        .map(|s| s.state))
}

/// Saves (inserting or replacing) the state under `key`.
pub async fn save(
    db: &Db,
    key: &str,
    state: String,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let _turn = write_turn(db).await;
    session::Entity::insert(session::ActiveModel {
        key: Set(key.to_owned()),
        state: Set(state),
        expires_at: Set(expires_at),
    })
    .on_conflict(
        OnConflict::column(session::Column::Key)
            .update_columns([session::Column::State, session::Column::ExpiresAt])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// Moves the expiry of a session.
pub async fn touch(db: &Db, key: &str, expires_at: DateTime<Utc>) -> Result<(), DbErr> {
    let _turn = write_turn(db).await;
    session::Entity::update_many()
        .col_expr(
            session::Column::ExpiresAt,
            sea_orm::sea_query::Expr::val(expires_at),
        )
        .filter(session::Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes a session, and sessions that expired before `now` with it.
pub async fn delete(db: &Db, key: &str, now: DateTime<Utc>) -> Result<(), DbErr> {
    let _turn = write_turn(db).await;
    session::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(session::Column::Key.eq(key))
                .add(session::Column::ExpiresAt.lte(now)),
        )
        .exec(db)
        .await?;
    Ok(())
}
