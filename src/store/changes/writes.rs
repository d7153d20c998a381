//! What a change writes: its plan's statements (the subscriptions, the upgrade's record, the
//! activity records, the events), sent to the database as one.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryTrait, Statement, Value,
};

use super::super::activity::{self, Action, Record, State};
use super::super::{events, upgrades};
use super::{Applied, Created, Submission};
use crate::domain::billing::china_date;
use crate::domain::change::Plan;
use crate::domain::{SubscriptionId, SubscriptionStatus};
use crate::entities::subscription;
use crate::store::DbErr;

/// Statements a change writes one after the other, sent as one: on SQLite as one text of
/// several statements, which sqlx runs in one call on the connection's thread (binding each
/// statement's `?` in turn); on PostgreSQL as one statement, the first ones in `WITH` (a
/// data-modifying `WITH` runs each to completion; the constraints are checked at the end of the
/// whole). On SQLite a change holds the process's turn to write while it waits for each call, and
/// a call costs about 100 µs of hand-over under load whatever the statement does
/// (docs/PERFORMANCE.md); on PostgreSQL each is a round trip. Only statements built by sea-query
/// go in (SQLite's unnumbered `?`, PostgreSQL's `$n` numbered from 1 in each), and on SQLite the
/// release of the change's savepoint, which binds nothing.
pub(super) struct Writes {
    backend: DbBackend,
    statements: Vec<Statement>,
}

impl Writes {
    pub fn new(backend: DbBackend) -> Writes {
        Writes {
            backend,
            statements: Vec::new(),
        }
    }

    pub fn backend(&self) -> DbBackend {
        self.backend
    }

    pub fn push(&mut self, statement: Statement) {
        debug_assert!(
            statement.db_backend != DbBackend::Sqlite || !statement.sql.contains("?1"),
            "numbered placeholders would bind another statement's values: {}",
            statement.sql
        );
        self.statements.push(statement);
    }

    /// The writes of `plan`, made by `sub`: the subscription as the plan's last step leaves it
    /// (one write of the row: PostgreSQL runs the writes as one statement), the subscription it
    /// creates and the record of how (under the id the claim reserved, `record`), an activity
    /// record for each step and each subscription created, and an event for each subscription
    /// touched. Returns what the change did.
    pub fn plan(
        &mut self,
        sub: &Submission<'_>,
        plan: &Plan,
        record: Option<i32>,
    ) -> Result<Applied, DbErr> {
        let backend = self.backend;
        let mut after = plan.after().clone();
        let created = match &plan.created {
            Some(new) => {
                let id = record
                    .ok_or_else(|| DbErr::Custom("the change's claim reserved no record".into()))?;
                let target = SubscriptionId::parse(&uuid::Uuid::new_v4().to_string())
                    .map_err(|e| DbErr::Custom(format!("a new subscription id: {e}")))?;
                Some((new, target, id))
            }
            None => None,
        };
        if !plan.steps.is_empty() {
            let mut update = subscription::Entity::update_many()
                .col_expr(
                    subscription::Column::Quantity,
                    Expr::val(i64::from(after.quantity)),
                )
                .col_expr(
                    subscription::Column::AssignedLicenses,
                    Expr::val(i64::from(after.assigned_licenses)),
                )
                .col_expr(
                    subscription::Column::Status,
                    Expr::val(after.status.as_str()),
                )
                .col_expr(
                    subscription::Column::FriendlyName,
                    Expr::val(after.friendly_name.as_str()),
                )
                .col_expr(subscription::Column::Version, Expr::val(after.version.0));
            // A subscription the change cancels in favour of the one it creates points to it.
            if let Some((_, target, _)) = &created
                && after.status == SubscriptionStatus::Cancelled
            {
                after.upgraded_to = Some(target.clone());
                update = update
                    .col_expr(
                        subscription::Column::CancellationReason,
                        Expr::val("upgraded"),
                    )
                    .col_expr(subscription::Column::UpgradedTo, Expr::val(target.as_str()));
            }
            self.push(
                update
                    .filter(subscription::Column::Id.eq(sub.subscription.as_str()))
                    .build(backend),
            );
        }
        if let Some((new, target, id)) = &created {
            self.push(
                subscription::Entity::insert(subscription::ActiveModel {
                    id: Set(target.to_string()),
                    customer_id: Set(sub.customer.to_string()),
                    offer_id: Set(new.offer.as_str().to_owned()),
                    friendly_name: Set(new.friendly_name.as_str().to_owned()),
                    quantity: Set(i64::from(new.quantity)),
                    assigned_licenses: Set(i64::from(new.assigned)),
                    status: Set(SubscriptionStatus::Active.as_str().to_owned()),
                    sold_by: Set(Some(sub.who.reseller.to_string())),
                    billing_cycle: Set(new.billing_cycle.as_str().to_owned()),
                    auto_renew: Set(new.auto_renew),
                    created_on: Set(china_date(sub.at)),
                    cancellation_reason: Set(None),
                    upgraded_to: Set(None),
                    upgraded_from: Set(Some(sub.subscription.to_string())),
                    version: Set(0),
                })
                .build(backend),
            );
            let outcome = upgrades::UpgradeOutcome {
                id: *id,
                customer: sub.customer.clone(),
                source: sub.subscription.clone(),
                target: target.clone(),
                source_offer: plan.before.offer,
                target_offer: new.offer,
                quantity: new.quantity,
                moved_assigned: new.assigned,
                source_status: after.status,
                source_quantity: after.quantity,
                source_assigned: after.assigned_licenses,
                by: sub.who.email.clone(),
                at: sub.at,
            };
            self.push(upgrades::recorded(backend, &sub.who.reseller, &outcome));
        }
        let record_id = created.as_ref().map(|(_, _, id)| *id);
        let record = |subscription, action, before: Option<State>, after: State, names| Record {
            customer: sub.customer,
            subscription,
            action,
            before,
            after,
            upgrade_id: record_id,
            via: sub.via,
            names,
            at: sub.at,
        };
        let mut records = Vec::with_capacity(plan.steps.len() + 1);
        let mut before = &plan.before;
        for step in &plan.steps {
            let renamed = before.friendly_name != step.after.friendly_name;
            records.push(record(
                sub.subscription,
                Action::Change(step.kind),
                Some(before.into()),
                (&step.after).into(),
                renamed.then_some((
                    before.friendly_name.as_str(),
                    step.after.friendly_name.as_str(),
                )),
            ));
            before = &step.after;
        }
        if let Some((new, target, _)) = &created {
            let state = State {
                quantity: new.quantity,
                assigned: new.assigned,
                status: SubscriptionStatus::Active,
            };
            records.push(record(target, Action::Created(new.kind), None, state, None));
        }
        // The records in one statement.
        self.push(activity::recorded(backend, sub.who, records));
        let touched = (!plan.steps.is_empty())
            .then_some(sub.subscription)
            .into_iter()
            .chain(created.as_ref().map(|(_, target, _)| target));
        self.push(events::recorded(
            backend,
            &events::Source {
                who: sub.who,
                via: sub.via,
                customer: sub.customer,
                at: sub.at,
            },
            touched,
        ));
        Ok(Applied {
            subscription: after,
            created: created.map(|(_, subscription, upgrade)| Created {
                subscription,
                upgrade,
            }),
        })
    }

    /// Runs the statements.
    pub async fn run(self, txn: &DatabaseTransaction) -> Result<(), DbErr> {
        for statement in self.sent() {
            txn.execute_raw(statement).await?;
        }
        Ok(())
    }

    /// The statements as they are sent: one.
    fn sent(self) -> Vec<Statement> {
        if self.statements.len() < 2 {
            return self.statements;
        }
        let last = self.statements.len() - 1;
        let mut sql = String::new();
        let mut values: Vec<Value> = Vec::new();
        for (i, statement) in self.statements.into_iter().enumerate() {
            match self.backend {
                DbBackend::Postgres => {
                    let own = renumbered(&statement.sql, values.len());
                    sql.push_str(&if i == 0 {
                        format!("WITH w0 AS ({own})")
                    } else if i == last {
                        format!(" {own}")
                    } else {
                        format!(", w{i} AS ({own})")
                    });
                }
                _ => {
                    if i > 0 {
                        sql.push_str(";\n");
                    }
                    sql.push_str(&statement.sql);
                }
            }
            values.extend(statement.values.map(|v| v.0).unwrap_or_default());
        }
        vec![Statement::from_sql_and_values(self.backend, sql, values)]
    }
}

/// A PostgreSQL statement's `$n` placeholders moved on by `by`, for a statement joined after
/// others (sea-query binds every value, so a `$` followed by digits is a placeholder).
fn renumbered(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + by).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::renumbered;

    #[test]
    fn placeholders_move_on_past_the_statements_before() {
        assert_eq!(
            renumbered("UPDATE t SET a = $1, b = $12 WHERE c = $2", 3),
            "UPDATE t SET a = $4, b = $15 WHERE c = $5"
        );
        assert_eq!(renumbered("SELECT $x, $", 3), "SELECT $x, $");
        assert_eq!(renumbered("SELECT 1", 3), "SELECT 1");
    }
}
