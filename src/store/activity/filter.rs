//! Which records of a reseller's log to read: the activity page's filter, and the export's.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};

use super::Action;
use crate::domain::change::Kind;
use crate::domain::dates::DayRange;
use crate::domain::{CustomerId, ResellerId};
use crate::entities::activity;

/// Which records of a reseller's log to read: those of one customer, of some days, of some
/// actions, or all.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub customer: Option<CustomerId>,
    /// Days in China Standard Time.
    pub days: DayRange,
    pub actions: Actions,
}

/// Which actions of the log to read: all, the changes alone (sign-ins hidden), the sign-ins
/// alone, or the changes of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Actions {
    #[default]
    All,
    Changes,
    SignIns,
    Kind(Kind),
}

impl Actions {
    /// Every choice, in the order the filter offers them.
    pub fn all() -> impl Iterator<Item = Actions> {
        [Actions::All, Actions::Changes, Actions::SignIns]
            .into_iter()
            .chain(Kind::ALL.into_iter().map(Actions::Kind))
    }

    /// The choice as a link and a file name say it: `changes`, `sign_ins`, a kind's name; empty
    /// for all.
    pub fn as_str(self) -> &'static str {
        match self {
            Actions::All => "",
            Actions::Changes => "changes",
            Actions::SignIns => "sign_ins",
            Actions::Kind(kind) => kind.as_str(),
        }
    }

    /// A choice by its name (empty: all); `None` for anything else.
    pub fn parse(raw: &str) -> Option<Actions> {
        let raw = raw.trim();
        Actions::all().find(|a| a.as_str() == raw)
    }

    /// The stored actions of sign-ins: the rest are changes.
    const SIGN_INS: [Action; 2] = [Action::SignIn, Action::SignInThrottled];

    fn select(self, select: Select<activity::Entity>) -> Select<activity::Entity> {
        let names = |actions: &[Action]| -> Vec<&'static str> {
            actions.iter().map(|a| a.as_str()).collect()
        };
        match self {
            Actions::All => select,
            Actions::Changes => {
                select.filter(activity::Column::Action.is_not_in(names(&Self::SIGN_INS)))
            }
            Actions::SignIns => {
                select.filter(activity::Column::Action.is_in(names(&Self::SIGN_INS)))
            }
            // An upgrade's two records: the source's and the subscription it created.
            Actions::Kind(Kind::Upgrade) => {
                select.filter(activity::Column::Action.is_in(names(&[
                    Action::Change(Kind::Upgrade),
                    Action::Created(Kind::Upgrade),
                ])))
            }
            // A purchase only creates: its records are the subscriptions it made.
            Actions::Kind(Kind::Purchase) => select
                .filter(activity::Column::Action.is_in(names(&[Action::Created(Kind::Purchase)]))),
            Actions::Kind(kind) => {
                select.filter(activity::Column::Action.is_in(names(&[Action::Change(kind)])))
            }
        }
    }
}

impl Filter {
    /// The reseller's records this filter keeps.
    pub(in crate::store) fn select(&self, reseller: &ResellerId) -> Select<activity::Entity> {
        let mut select =
            activity::Entity::find().filter(activity::Column::ResellerId.eq(reseller.as_str()));
        if let Some(c) = &self.customer {
            select = select.filter(activity::Column::CustomerId.eq(c.as_str()));
        }
        if let Some(starts) = self.days.starts() {
            select = select.filter(activity::Column::At.gte(starts));
        }
        if let Some(ends) = self.days.ends() {
            select = select.filter(activity::Column::At.lt(ends));
        }
        self.actions.select(select)
    }
}
