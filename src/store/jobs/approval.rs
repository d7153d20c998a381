//! A bulk job held for a second person's approval (issue 32): confirmed by the one who made it,
//! but of more rows than the reseller's threshold, it waits in the state `approval` (nothing
//! runs) until a global admin or an admin agent other than its maker approves it (it then runs
//! with the approver's role) or rejects it with a note (its rows are never done); its maker may
//! withdraw it (a cancel). A request not decided within 7 days expires. Each step is in the
//! activity log, in its transaction.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};

use super::{Job, JobState, cancel_rows, complete, to_job};
use crate::domain::Account;
use crate::domain::approval::EXPIRES;
use crate::entities::{activity, job};
use crate::store::activity::Action;
use crate::store::turn::write_turn;
use crate::store::{Db, DbErr};

/// Holds the job `id`, in review, for approval: `false` when it was not in review.
pub async fn hold(db: &Db, who: &Account, id: i32, at: DateTime<Utc>) -> Result<bool, DbErr> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let held = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::val(JobState::Approval.as_str()))
        .col_expr(job::Column::RequestedAt, Expr::val(at))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::ResellerId.eq(who.reseller.as_str()))
        .filter(job::Column::State.eq(JobState::Review.as_str()))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if held {
        record(&txn, who, Action::ApprovalRequested, id, None, at).await?;
    }
    txn.commit().await?;
    Ok(held)
}

/// The reseller's jobs waiting for approval at `now`, oldest first.
pub async fn waiting_approval(
    db: &Db,
    who: &Account,
    now: DateTime<Utc>,
) -> Result<Vec<Job>, DbErr> {
    job::Entity::find()
        .filter(job::Column::ResellerId.eq(who.reseller.as_str()))
        .filter(job::Column::State.eq(JobState::Approval.as_str()))
        .filter(job::Column::RequestedAt.gt(now - EXPIRES))
        .order_by_asc(job::Column::RequestedAt)
        .all(db)
        .await?
        .into_iter()
        .map(to_job)
        .collect()
}

/// Approves the job `job` (waiting, not expired): it runs from now on, with `who`'s role. `false`
/// when it no longer waits (decided, withdrawn, expired): of two approvals at once, one.
pub async fn approve(db: &Db, who: &Account, job: &Job, at: DateTime<Utc>) -> Result<bool, DbErr> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let approved = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::val(JobState::Running.as_str()))
        .col_expr(job::Column::StartedAt, Expr::val(at))
        .col_expr(job::Column::ConfirmedBy, Expr::val(who.user_id))
        .col_expr(job::Column::DecidedBy, Expr::val(who.user_id))
        .filter(job::Column::Id.eq(job.id))
        .filter(job::Column::ResellerId.eq(who.reseller.as_str()))
        .filter(job::Column::State.eq(JobState::Approval.as_str()))
        .filter(job::Column::RequestedAt.gt(at - EXPIRES))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if approved {
        complete(&txn, job.id, at).await?;
        let detail = Some(job.by.as_str());
        record(&txn, who, Action::ApprovalApproved, job.id, detail, at).await?;
    }
    txn.commit().await?;
    Ok(approved)
}

/// Rejects the waiting job with `note`: its rows are never done. `false` when it no longer waits.
pub async fn reject(
    db: &Db,
    who: &Account,
    job: &Job,
    note: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let rejected = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::val(JobState::Cancelled.as_str()))
        .col_expr(job::Column::DecidedBy, Expr::val(who.user_id))
        .col_expr(job::Column::Note, Expr::val(note))
        .filter(job::Column::Id.eq(job.id))
        .filter(job::Column::ResellerId.eq(who.reseller.as_str()))
        .filter(job::Column::State.eq(JobState::Approval.as_str()))
        .filter(job::Column::RequestedAt.gt(at - EXPIRES))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if rejected {
        cancel_rows(&txn, job.id, at).await?;
        let detail = format!("{} · {note}", job.by);
        record(
            &txn,
            who,
            Action::ApprovalRejected,
            job.id,
            Some(&detail),
            at,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(rejected)
}

/// The activity record of `who` withdrawing the job `id`'s request for approval (a cancel while
/// it waits), in the cancel's transaction.
pub(super) async fn withdrawn(
    conn: &impl sea_orm::ConnectionTrait,
    who: &Account,
    id: i32,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    record(conn, who, Action::ApprovalWithdrawn, id, None, at).await
}

async fn record(
    conn: &impl sea_orm::ConnectionTrait,
    who: &Account,
    action: Action,
    job: i32,
    detail: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    activity::ActiveModel {
        reseller_id: Set(who.reseller.to_string()),
        user_email: Set(who.email.clone()),
        user_role: Set(Some(who.role.as_str().to_owned())),
        job_id: Set(Some(job)),
        detail: Set(detail.map(|d| d.chars().take(300).collect())),
        at: Set(at),
        action: Set(action.as_str().to_owned()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}
