//! The rows of running jobs, as the job runner of each instance takes them: claimed with a lease
//! (on PostgreSQL `FOR UPDATE SKIP LOCKED`, so instances never take the same rows; on SQLite in
//! the process's turn to write), their ends recorded, or given back after an outage.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement, TransactionTrait,
};

use super::super::turn::write_turn;
use super::{JobState, Row, RowState, complete, corrupt, to_row};
use crate::domain::SubscriptionId;
use crate::domain::bulk::{Outcome, Problem};
use crate::entities::{job, job_row};
use crate::store::{Db, DbErr};

/// A row claimed to run: the row, its job's state and who made the job.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub job: i32,
    pub row: Row,
    /// The job was cancelled after this row was claimed by an instance that died: the row is
    /// done only if its change was already made.
    pub job_cancelled: bool,
    pub user_id: i32,
    pub language: String,
    pub attempts: u32,
}

/// Claims up to `limit` rows to run for `owner` until `until` (milliseconds since the epoch):
/// rows of running jobs not claimed by anyone, or whose claim ran out (their instance died),
/// oldest job first, in line order. Rows of a cancelled job whose claim ran out are taken too,
/// to learn whether their change was made.
pub async fn claim(
    db: &Db,
    owner: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<Claimed>, DbErr> {
    let backend = db.get_database_backend();
    let lock = match backend {
        DbBackend::Postgres => " FOR UPDATE OF r SKIP LOCKED",
        _ => "",
    };
    let sql = format!(
        "UPDATE job_rows SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
         WHERE (job_id, line) IN (\
           SELECT r.job_id, r.line FROM job_rows r JOIN jobs j ON j.id = r.job_id \
           WHERE r.state = 'pending' AND (r.lease_until IS NULL OR r.lease_until < $3) \
           AND (j.state = 'running' OR (j.state = 'cancelled' AND r.lease_until IS NOT NULL)) \
           ORDER BY r.job_id, r.line LIMIT {limit}{lock}) \
         RETURNING *"
    );
    let _turn = write_turn(db).await;
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [
                owner.into(),
                until.timestamp_millis().into(),
                now.timestamp_millis().into(),
            ],
        ))
        .await?;
    drop(_turn);
    let mut models: Vec<job_row::Model> = rows
        .iter()
        .map(|r| sea_orm::FromQueryResult::from_query_result(r, ""))
        .collect::<Result<_, _>>()?;
    models.sort_by_key(|m| (m.job_id, m.line));
    let mut job_ids: Vec<i32> = models.iter().map(|m| m.job_id).collect();
    job_ids.dedup();
    let jobs: Vec<job::Model> = job::Entity::find()
        .filter(job::Column::Id.is_in(job_ids))
        .all(db)
        .await?;
    models
        .into_iter()
        .map(|m| {
            let job = jobs
                .iter()
                .find(|j| j.id == m.job_id)
                .ok_or_else(|| corrupt(format!("row of no job {}", m.job_id)))?;
            Ok(Claimed {
                job: m.job_id,
                attempts: u32::try_from(m.attempts).unwrap_or(u32::MAX),
                job_cancelled: job.state == JobState::Cancelled.as_str(),
                // The one who confirmed it, whose role it runs with (a job confirmed before
                // roles: its maker).
                user_id: job.confirmed_by.unwrap_or(job.user_id),
                language: job.language.clone(),
                row: to_row(m)?,
            })
        })
        .collect()
}

/// Whether the job has been cancelled (a running instance asks before each row).
pub async fn is_cancelled(db: &Db, id: i32) -> Result<bool, DbErr> {
    Ok(job::Entity::find_by_id(id)
        .one(db)
        .await?
        .is_none_or(|j| j.state == JobState::Cancelled.as_str()))
}

/// How a row ended, to record.
#[derive(Debug, Clone)]
pub struct RowEnd {
    pub job: i32,
    pub line: u32,
    pub result: Result<Option<SubscriptionId>, Problem>,
}

/// Records how rows ended, in one transaction, for rows still claimed by `owner` (a row whose
/// claim another instance took over is recorded by that instance, with the same result: its
/// change replays); then marks their jobs ended where no row is left.
pub async fn finish(db: &Db, owner: &str, ends: &[RowEnd], at: DateTime<Utc>) -> Result<(), DbErr> {
    if ends.is_empty() {
        return Ok(());
    }
    let mut jobs: Vec<i32> = ends.iter().map(|e| e.job).collect();
    jobs.sort_unstable();
    jobs.dedup();
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    // PostgreSQL: the jobs' rows locked first, in the order every instance takes them. Two
    // instances finishing a job's last rows at once otherwise each looked for pending rows in
    // a snapshot taken before the other committed, each saw the other's rows still pending,
    // and the job was left running with nothing left to run
    // (`bulk::two_instances_share_a_job_and_do_each_row_once` waited for it in vain now and
    // then). Locked, the second waits for the first to commit, and its statements then see what
    // the first finished. SQLite's writes take turns already.
    if db.get_database_backend() == DbBackend::Postgres {
        job::Entity::find()
            .select_only()
            .column(job::Column::Id)
            .filter(job::Column::Id.is_in(jobs.iter().copied()))
            .order_by_asc(job::Column::Id)
            .lock_exclusive()
            .into_tuple::<i32>()
            .all(&txn)
            .await?;
    }
    for end in ends {
        let (state, problem, target) = match &end.result {
            Ok(target) => (RowState::Succeeded, None, target.as_ref()),
            Err(Problem::Cancelled) => (RowState::Cancelled, Some(&Problem::Cancelled), None),
            Err(p) => (
                match p.outcome() {
                    Outcome::Failed => RowState::Failed,
                    _ => RowState::Refused,
                },
                Some(p),
                None,
            ),
        };
        job_row::Entity::update_many()
            .col_expr(job_row::Column::State, Expr::val(state.as_str()))
            .col_expr(
                job_row::Column::Code,
                Expr::val(problem.map(|p| p.code().to_owned())),
            )
            .col_expr(
                job_row::Column::Detail,
                Expr::val(problem.and_then(Problem::detail)),
            )
            .col_expr(
                job_row::Column::TargetSubscriptionId,
                Expr::val(target.map(|t| t.to_string())),
            )
            .col_expr(job_row::Column::FinishedAt, Expr::val(at))
            .col_expr(job_row::Column::LeaseUntil, Expr::val(Option::<i64>::None))
            .filter(job_row::Column::JobId.eq(end.job))
            .filter(job_row::Column::Line.eq(i64::from(end.line)))
            .filter(job_row::Column::State.eq(RowState::Pending.as_str()))
            .filter(job_row::Column::LeaseOwner.eq(owner))
            .exec(&txn)
            .await?;
    }
    for job in jobs {
        complete(&txn, job, at).await?;
    }
    txn.commit().await
}

/// Gives rows back unfinished (an outage kept them from running): they are claimed again once
/// `retry_at` has passed.
pub async fn release(
    db: &Db,
    owner: &str,
    rows: &[(i32, u32)],
    retry_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let _turn = write_turn(db).await;
    for (job, line) in rows {
        job_row::Entity::update_many()
            .col_expr(
                job_row::Column::LeaseUntil,
                Expr::val(retry_at.timestamp_millis()),
            )
            .filter(job_row::Column::JobId.eq(*job))
            .filter(job_row::Column::Line.eq(i64::from(*line)))
            .filter(job_row::Column::LeaseOwner.eq(owner))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The line up to which every row of job `id` has ended (none still to run at or below it): the
/// live results' cursor. Rows end out of line order (rows refused at review have ended before
/// the first runs; instances run rows side by side), so a cursor at the highest line ended
/// would skip a row that ends after a higher one; a row only ever goes from pending to ended,
/// so every row after this line that has ended is still to be shown, and none at or below it is.
/// `u32::MAX` once no row is pending.
pub async fn settled(db: &Db, id: i32) -> Result<u32, DbErr> {
    let first_pending = job_row::Entity::find()
        .select_only()
        .column_as(job_row::Column::Line.min(), "first")
        .filter(job_row::Column::JobId.eq(id))
        .filter(job_row::Column::State.eq(RowState::Pending.as_str()))
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten();
    Ok(match first_pending {
        Some(line) => u32::try_from(line.saturating_sub(1)).unwrap_or(0),
        None => u32::MAX,
    })
}
