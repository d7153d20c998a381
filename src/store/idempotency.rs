//! Exactly-once changes: the result of a change made from a form is saved under the form's
//! one-time key, in the same transaction as the change. The same key again gets the saved result.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};

use super::DbErr;
use crate::domain::{Account, FormKey};
use crate::entities::idempotency;

/// What a change made with this key showed, if one was made.
pub(crate) async fn saved(
    db: &impl ConnectionTrait,
    who: &Account,
    key: &FormKey,
) -> Result<Option<String>, DbErr> {
    Ok(
        idempotency::Entity::find_by_id((who.user_id, key.to_string()))
            .one(db)
            .await?
            .map(|row| row.location),
    )
}

/// Saves what a change made with this key shows.
pub(crate) async fn save(
    db: &impl ConnectionTrait,
    who: &Account,
    key: &FormKey,
    shown: &str,
) -> Result<(), DbErr> {
    idempotency::ActiveModel {
        user_id: Set(who.user_id),
        key: Set(key.to_string()),
        location: Set(shown.to_owned()),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}
