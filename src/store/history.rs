//! The change history of subscriptions: who, when, what, before and after.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{Db, DbErr, count};
use crate::domain::{ResellerId, SubscriptionId, SubscriptionStatus};
use crate::entities::history;

/// What a history record says changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Licenses,
    Suspend,
    Reactivate,
    /// The subscription was upgraded to another one.
    UpgradeFrom,
    /// The subscription was created by upgrading another one.
    UpgradeTo,
}

impl Action {
    fn parse(raw: &str) -> Option<Action> {
        Some(match raw {
            "licenses" => Action::Licenses,
            "suspend" => Action::Suspend,
            "reactivate" => Action::Reactivate,
            "upgrade_from" => Action::UpgradeFrom,
            "upgrade_to" => Action::UpgradeTo,
            _ => return None,
        })
    }

    /// The key of the action's name in the message catalogs.
    pub fn message_key(self) -> &'static str {
        match self {
            Action::Licenses => "history-licenses",
            Action::Suspend => "history-suspend",
            Action::Reactivate => "history-reactivate",
            Action::UpgradeFrom => "history-upgrade-from",
            Action::UpgradeTo => "history-upgrade-to",
        }
    }
}

/// A subscription's licenses and status at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    pub quantity: u32,
    pub assigned: u32,
    pub status: SubscriptionStatus,
}

/// One change of a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub by: String,
    pub action: Action,
    pub before: Option<State>,
    pub after: State,
    pub upgrade_id: Option<i32>,
}

fn state(q: i64, a: i64, s: &str) -> Result<State, DbErr> {
    Ok(State {
        quantity: count(q)?,
        assigned: count(a)?,
        status: s
            .parse()
            .map_err(|e| DbErr::Custom(format!("history status: {e}")))?,
    })
}

/// The latest changes `reseller` made to a subscription, newest first.
pub async fn of_subscription(
    db: &Db,
    reseller: &ResellerId,
    id: &SubscriptionId,
    limit: u64,
) -> Result<Vec<Entry>, DbErr> {
    history::Entity::find()
        .filter(history::Column::SubscriptionId.eq(id.as_str()))
        .filter(history::Column::ResellerId.eq(reseller.as_str()))
        .order_by_desc(history::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|h| {
            let before = match (
                h.before_quantity,
                h.before_assigned,
                h.before_status.as_deref(),
            ) {
                (Some(q), Some(a), Some(s)) => Some(state(q, a, s)?),
                _ => None,
            };
            Ok(Entry {
                at: h.at,
                by: h.user_email,
                action: Action::parse(&h.action)
                    .ok_or_else(|| DbErr::Custom(format!("history action {:?}", h.action)))?,
                before,
                after: state(h.after_quantity, h.after_assigned, &h.after_status)?,
                upgrade_id: h.upgrade_id,
            })
        })
        .collect()
}
