//! The records of changes to the team (issue 32): made on the Users page by a signed-in global
//! admin, or through the command line by no one signed in.

use chrono::{DateTime, Utc};
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;

use super::{Action, record_account_event};
use crate::domain::{Account, ResellerId};
use crate::entities::activity;
use crate::store::turn::write_turn;
use crate::store::{Db, DbErr};

/// Records a change to the team (`action`: one of the user actions) made by `who` to the user
/// `detail` names.
pub async fn record_team_change(
    db: &Db,
    who: &Account,
    action: Action,
    detail: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    record_account_event(db, who, action, Some(detail), at).await
}

/// The door of the records the command line writes.
pub(super) const COMMAND_LINE: &str = "command_line";

/// Records a change to the team made through the command line (`portal reseller create`,
/// `portal user ...`): of the reseller `reseller`, by no signed-in user (the record's user is
/// empty, its door the command line), to the user `detail` names.
pub async fn record_team_change_by_command_line(
    db: &Db,
    reseller: &ResellerId,
    action: Action,
    detail: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let _turn = write_turn(db).await;
    activity::ActiveModel {
        reseller_id: Set(reseller.to_string()),
        user_email: Set(String::new()),
        user_role: Set(None),
        detail: Set(Some(detail.chars().take(300).collect())),
        door: Set(Some(COMMAND_LINE.to_owned())),
        at: Set(at),
        action: Set(action.as_str().to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
