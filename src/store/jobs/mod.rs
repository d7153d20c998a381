//! Bulk change jobs and their rows. A job is written whole at its review (state `review`), runs
//! once confirmed (`running`) until no row is left (`done`), or is cancelled (`cancelled`): the
//! rows not yet started are then never done. Rows are claimed by the instance that runs them
//! with a lease (on PostgreSQL `FOR UPDATE SKIP LOCKED`, so instances never take the same rows;
//! on SQLite in the process's turn to write); a lease that runs out (its instance died) lets
//! another claim take the rows over. Each row's change carries a one-time key of its own, so a
//! row taken over after its change was made replays that change's answer instead of making it
//! again: every row is done exactly once.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
};

mod approval;
mod rows;
mod run;

pub use approval::{approve, hold, reject, waiting_approval};
use rows::to_row;
pub use rows::{Row, Rows, reasons, rows, target_names};
pub use run::{Claimed, RowEnd, claim, finish, is_cancelled, release, settled};

use super::turn::write_turn;
use super::{Db, DbErr};
use crate::domain::billing::Effect;
use crate::domain::bulk::{Cost, MAX_REVIEWS, Outcome, Problem, RowChange};
use crate::domain::change::Kind;
use crate::domain::{Account, CustomerId, OfferId, ResellerId, Version};
use crate::entities::{job, job_row};

pub(super) fn corrupt(what: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("unexpected value in a job: {what}"))
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Written for its review: nothing runs until it is confirmed.
    Review,
    /// Confirmed, but of more rows than the reseller's threshold: nothing runs until a second
    /// person approves it (issue 32, `approval.rs`).
    Approval,
    Running,
    Cancelled,
    Done,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Review => "review",
            JobState::Approval => "approval",
            JobState::Running => "running",
            JobState::Cancelled => "cancelled",
            JobState::Done => "done",
        }
    }

    fn parse(raw: &str) -> Result<JobState, DbErr> {
        Ok(match raw {
            "review" => JobState::Review,
            "approval" => JobState::Approval,
            "running" => JobState::Running,
            "cancelled" => JobState::Cancelled,
            "done" => JobState::Done,
            other => return Err(corrupt(other)),
        })
    }
}

/// Where a job's change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A selection on the Bulk changes page.
    Selection,
    /// An uploaded file.
    File,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Selection => "selection",
            Origin::File => "file",
        }
    }
}

/// A job as its pages show it.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i32,
    pub reseller: ResellerId,
    pub user_id: i32,
    pub by: String,
    /// The language of the person who made it: the new subscriptions' names are in it.
    pub language: String,
    pub origin: Origin,
    /// What the job does, in the words of its maker's page (the selection, or the file's name).
    pub summary: String,
    /// The same as its parts (the page's own JSON), to be read in each viewer's language.
    pub title: Option<String>,
    pub state: JobState,
    pub total: u32,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// What its rows do to the bill, as its review worked it out (none without a row to run).
    pub cost: Option<Cost>,
    /// When it was held for approval, who decided it, and their note.
    pub requested_at: Option<DateTime<Utc>>,
    pub decided_by: Option<i32>,
    pub note: Option<String>,
}

pub(super) fn to_job(m: job::Model) -> Result<Job, DbErr> {
    Ok(Job {
        id: m.id,
        reseller: ResellerId::parse(&m.reseller_id).map_err(corrupt)?,
        user_id: m.user_id,
        by: m.user_email,
        language: m.language,
        origin: match m.origin.as_str() {
            "file" => Origin::File,
            _ => Origin::Selection,
        },
        summary: m.summary,
        title: m.title,
        state: JobState::parse(&m.state)?,
        total: u32::try_from(m.total).map_err(corrupt)?,
        created_at: m.created_at,
        started_at: m.started_at,
        finished_at: m.finished_at,
        cost: m.review_cost.as_deref().map(cost_of).transpose()?,
        requested_at: m.requested_at,
        decided_by: m.decided_by,
        note: m.note,
    })
}

/// A review's cost as `jobs.review_cost` keeps it: `{"total": {"next_billing_date",
/// "period_change", "advance_before", "advance_after"} or null, "unpriced": [offer ids],
/// "unpriced_rows"}`, amounts as decimal text.
fn cost_json(cost: &Cost) -> String {
    let total = cost.total.map(|e| {
        serde_json::json!({
            "next_billing_date": e.next_billing_date.to_string(),
            "period_change": e.period_change.to_string(),
            "advance_before": e.advance_before.to_string(),
            "advance_after": e.advance_after.to_string(),
        })
    });
    let unpriced: Vec<&str> = cost.unpriced.iter().map(|o| o.as_str()).collect();
    serde_json::json!({
        "total": total,
        "unpriced": unpriced,
        "unpriced_rows": cost.unpriced_rows,
    })
    .to_string()
}

fn cost_of(json: &str) -> Result<Cost, DbErr> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(corrupt)?;
    let text = |v: &serde_json::Value, name: &str| {
        v.get(name)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| corrupt(format!("review cost without {name}")))
    };
    let amount = |v: &serde_json::Value, name: &str| -> Result<_, DbErr> {
        text(v, name)?.parse().map_err(corrupt)
    };
    let total = match value.get("total") {
        Some(t) if !t.is_null() => Some(Effect {
            next_billing_date: text(t, "next_billing_date")?
                .parse::<NaiveDate>()
                .map_err(corrupt)?,
            period_change: amount(t, "period_change")?,
            advance_before: amount(t, "advance_before")?,
            advance_after: amount(t, "advance_after")?,
        }),
        _ => None,
    };
    let unpriced = value
        .get("unpriced")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .map(|o| o.as_str().unwrap_or_default().parse().map_err(corrupt))
        .collect::<Result<_, _>>()?;
    let unpriced_rows = value
        .get("unpriced_rows")
        .and_then(serde_json::Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or_default();
    Ok(Cost {
        total,
        unpriced,
        unpriced_rows,
    })
}

/// Where a row is: still to run, or how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    Pending,
    Succeeded,
    Refused,
    Failed,
    /// The job was cancelled before the row started.
    Cancelled,
}

impl RowState {
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Pending => "pending",
            RowState::Succeeded => "succeeded",
            RowState::Refused => "refused",
            RowState::Failed => "failed",
            RowState::Cancelled => "cancelled",
        }
    }

    fn parse(raw: &str) -> Result<RowState, DbErr> {
        Ok(match raw {
            "pending" => RowState::Pending,
            "succeeded" => RowState::Succeeded,
            "refused" => RowState::Refused,
            "failed" => RowState::Failed,
            "cancelled" => RowState::Cancelled,
            other => return Err(corrupt(other)),
        })
    }

    /// The result a results file writes for the row; `None` while it is still to run.
    pub fn outcome(self) -> Option<Outcome> {
        match self {
            RowState::Pending => None,
            RowState::Succeeded => Some(Outcome::Succeeded),
            RowState::Refused | RowState::Cancelled => Some(Outcome::Refused),
            RowState::Failed => Some(Outcome::Failed),
        }
    }
}

/// How far a job has got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    pub total: u32,
    pub succeeded: u32,
    pub refused: u32,
    pub failed: u32,
    pub cancelled: u32,
    /// Rows still to run.
    pub left: u32,
}

impl Progress {
    /// Rows that have ended, however they ended.
    pub fn finished(&self) -> u32 {
        self.total - self.left
    }

    /// How much of the job has ended, in whole percent (all of a job without rows).
    pub fn percent(&self) -> u32 {
        (self.finished() * 100)
            .checked_div(self.total)
            .unwrap_or(100)
    }

    fn add(&mut self, state: &str, n: u32) {
        match state {
            "pending" => self.left += n,
            "succeeded" => self.succeeded += n,
            "refused" => self.refused += n,
            "failed" => self.failed += n,
            "cancelled" => self.cancelled += n,
            _ => {}
        }
        self.total += n;
    }
}

/// A row of a job as its review writes it.
#[derive(Debug, Clone)]
pub struct NewRow {
    pub line: u32,
    /// The subscription as the row names it.
    pub subscription: String,
    pub customer: Option<CustomerId>,
    /// The customer's and the subscription's names, for the job's pages.
    pub names: Option<(String, String)>,
    pub kind: Option<Kind>,
    /// The offer the row asks for (an upgrade's target), kept when the row can't be done.
    pub target: Option<OfferId>,
    /// The change to make, or why the row can't be done (it is then never run).
    pub plan: Result<RowChange, Problem>,
    /// The subscription's version at the review: a row whose subscription changed since is
    /// refused when it runs.
    pub expected: Option<Version>,
}

/// A job to write for its review.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub who: &'a Account,
    pub language: &'a str,
    pub origin: Origin,
    pub summary: String,
    /// Its title's parts, as the pages write and read them.
    pub title: Option<String>,
    pub at: DateTime<Utc>,
    /// What its rows do to the bill, worked out once for every view of the review.
    pub cost: Option<Cost>,
}

/// Reviews left unconfirmed this long are abandoned: [`drop_abandoned`] drops them (every
/// instance looks a minute apart), and so does the reseller's next review.
pub const REVIEW_KEPT: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// Why a job was not written.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The reseller has [`MAX_REVIEWS`] jobs waiting in review already.
    #[error("the reseller has {MAX_REVIEWS} bulk changes waiting in review")]
    TooManyReviews,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Writes a job and its rows for their review, in one transaction, unless the reseller has
/// [`MAX_REVIEWS`] waiting already (their abandoned ones dropped first). Returns the job's id.
/// Every row is written, or none: rows must have distinct lines.
pub async fn create(db: &Db, new: NewJob<'_>, rows: Vec<NewRow>) -> Result<i32, CreateError> {
    if let Some(pair) = rows.windows(2).find(|pair| pair[0].line >= pair[1].line) {
        // The rows' lines number them in order (the selection counts, the file's parser numbers
        // its lines): anything else is a bug, and no row may be lost to it.
        return Err(DbErr::Custom(format!(
            "a job's rows must be numbered in order: line {} after {}",
            pair[1].line, pair[0].line
        ))
        .into());
    }
    let reseller = new.who.reseller.as_str();
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    if db.get_database_backend() == DbBackend::Postgres {
        // The reseller's reviews are counted and added to one request at a time (SQLite's writes
        // take turns already): forty uploads at once leave at most MAX_REVIEWS.
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM resellers WHERE id = $1 FOR UPDATE",
            [reseller.into()],
        ))
        .await?;
    }
    job::Entity::delete_many()
        .filter(job::Column::ResellerId.eq(reseller))
        .filter(job::Column::State.eq(JobState::Review.as_str()))
        .filter(job::Column::CreatedAt.lt(new.at - REVIEW_KEPT))
        .exec(&txn)
        .await?;
    let waiting = job::Entity::find()
        .filter(job::Column::ResellerId.eq(reseller))
        .filter(job::Column::State.eq(JobState::Review.as_str()))
        .count(&txn)
        .await?;
    if waiting >= MAX_REVIEWS as u64 {
        txn.rollback().await?;
        return Err(CreateError::TooManyReviews);
    }
    let summary: String = new.summary.chars().take(300).collect();
    let job = job::ActiveModel {
        reseller_id: Set(new.who.reseller.to_string()),
        user_id: Set(new.who.user_id),
        user_email: Set(new.who.email.clone()),
        language: Set(new.language.to_owned()),
        origin: Set(new.origin.as_str().to_owned()),
        summary: Set(summary),
        title: Set(new.title),
        state: Set(JobState::Review.as_str().to_owned()),
        total: Set(i32::try_from(rows.len()).map_err(corrupt)?),
        created_at: Set(new.at),
        review_cost: Set(new.cost.as_ref().map(cost_json)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let models: Vec<job_row::ActiveModel> = rows
        .into_iter()
        .map(|r| {
            let (change, state, problem) = match r.plan {
                Ok(change) => (Some(change), RowState::Pending, None),
                Err(problem) => (None, RowState::Refused, Some(problem)),
            };
            job_row::ActiveModel {
                job_id: Set(job.id),
                line: Set(i32::try_from(r.line).unwrap_or(i32::MAX)),
                subscription_id: Set(r.subscription.chars().take(200).collect()),
                customer_id: Set(r.customer.map(|c| c.to_string())),
                company_name: Set(r.names.as_ref().map(|(c, _)| c.chars().take(200).collect())),
                friendly_name: Set(r.names.map(|(_, s)| s.chars().take(200).collect())),
                action: Set(change
                    .map(|c| c.kind)
                    .or(r.kind)
                    .map(|k| k.as_str().to_owned())),
                target_offer: Set(change
                    .and_then(|c| c.target)
                    .or(r.target)
                    .map(|o| o.as_str().to_owned())),
                quantity: Set(change.and_then(|c| c.quantity).map(i64::from)),
                expected_version: Set(r.expected.map(|v| v.0)),
                state: Set(state.as_str().to_owned()),
                code: Set(problem.as_ref().map(|p| p.code().to_owned())),
                detail: Set(problem.as_ref().and_then(Problem::detail)),
                finished_at: Set(problem.as_ref().map(|_| new.at)),
                attempts: Set(0),
                ..Default::default()
            }
        })
        .collect();
    for chunk in models.chunks(500) {
        job_row::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(job.id)
}

/// The reseller's jobs waiting in review, newest first.
pub async fn waiting(db: &Db, reseller: &ResellerId) -> Result<Vec<Job>, DbErr> {
    job::Entity::find()
        .filter(job::Column::ResellerId.eq(reseller.as_str()))
        .filter(job::Column::State.eq(JobState::Review.as_str()))
        .order_by_desc(job::Column::Id)
        .limit(50)
        .all(db)
        .await?
        .into_iter()
        .map(to_job)
        .collect()
}

/// Drops every review left unconfirmed for [`REVIEW_KEPT`] at `now`, of any reseller, with its
/// rows. Returns how many. Cheap when there are none: only then does it take a turn to write.
pub async fn drop_abandoned(db: &Db, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let any = job::Entity::find()
        .select_only()
        .column(job::Column::Id)
        .filter(job::Column::State.eq(JobState::Review.as_str()))
        .filter(job::Column::CreatedAt.lt(now - REVIEW_KEPT))
        .into_tuple::<i32>()
        .one(db)
        .await?;
    if any.is_none() {
        return Ok(0);
    }
    let _turn = write_turn(db).await;
    let dropped = job::Entity::delete_many()
        .filter(job::Column::State.eq(JobState::Review.as_str()))
        .filter(job::Column::CreatedAt.lt(now - REVIEW_KEPT))
        .exec(db)
        .await?
        .rows_affected;
    Ok(dropped)
}

/// One of the reseller's jobs.
pub async fn get(db: &Db, reseller: &ResellerId, id: i32) -> Result<Option<Job>, DbErr> {
    job::Entity::find_by_id(id)
        .filter(job::Column::ResellerId.eq(reseller.as_str()))
        .one(db)
        .await?
        .map(to_job)
        .transpose()
}

/// The reseller's latest jobs (not those still in review), newest first, with their progress.
pub async fn latest(
    db: &Db,
    reseller: &ResellerId,
    limit: u64,
) -> Result<Vec<(Job, Progress)>, DbErr> {
    let jobs: Vec<Job> = job::Entity::find()
        .filter(job::Column::ResellerId.eq(reseller.as_str()))
        .filter(job::Column::State.ne(JobState::Review.as_str()))
        .order_by_desc(job::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(to_job)
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(jobs.len());
    for job in jobs {
        let progress = progress(db, job.id).await?;
        out.push((job, progress));
    }
    Ok(out)
}

/// How far the job has got: its rows counted by state (from the index of rows by state).
pub async fn progress(db: &Db, id: i32) -> Result<Progress, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT state, COUNT(*) AS n FROM job_rows WHERE job_id = $1 GROUP BY state",
            [id.into()],
        ))
        .await?;
    let mut progress = Progress::default();
    for row in rows {
        let state: String = row.try_get("", "state")?;
        let n: i64 = row.try_get("", "n")?;
        progress.add(&state, u32::try_from(n).map_err(corrupt)?);
    }
    Ok(progress)
}

/// Confirms a job after its review: it runs from now on. `false` when it was not in review
/// (confirmed already, or cancelled), which changes nothing.
/// It runs with the role of `who`, who confirmed it.
pub async fn start(db: &Db, who: &Account, id: i32, at: DateTime<Utc>) -> Result<bool, DbErr> {
    let reseller = &who.reseller;
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let started = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::val(JobState::Running.as_str()))
        .col_expr(job::Column::StartedAt, Expr::val(at))
        .col_expr(job::Column::ConfirmedBy, Expr::val(who.user_id))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::ResellerId.eq(reseller.as_str()))
        .filter(job::Column::State.eq(JobState::Review.as_str()))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if started {
        // A job with nothing to run (every row refused at review) is done at once.
        complete(&txn, id, at).await?;
    }
    txn.commit().await?;
    Ok(started)
}

/// `who` cancels a job: in review, it is dropped; waiting for approval, its request is withdrawn
/// (in the activity log); running, the rows not yet started are never done (a row an instance
/// is running ends as it ends). `false` when the job had already ended.
pub async fn cancel(db: &Db, who: &Account, id: i32, at: DateTime<Utc>) -> Result<bool, DbErr> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let from = |states: &[JobState]| {
        job::Entity::update_many()
            .col_expr(job::Column::State, Expr::val(JobState::Cancelled.as_str()))
            .filter(job::Column::Id.eq(id))
            .filter(job::Column::ResellerId.eq(who.reseller.as_str()))
            .filter(job::Column::State.is_in(states.iter().map(|s| s.as_str())))
    };
    let withdrawn = from(&[JobState::Approval]).exec(&txn).await?.rows_affected == 1;
    let cancelled = withdrawn
        || from(&[JobState::Review, JobState::Running])
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
    if cancelled {
        cancel_rows(&txn, id, at).await?;
    }
    if withdrawn {
        approval::withdrawn(&txn, who, id, at).await?;
    }
    txn.commit().await?;
    Ok(cancelled)
}

/// Marks the job's rows not yet started never to be done, and the job ended if none is running.
pub(super) async fn cancel_rows(
    txn: &impl ConnectionTrait,
    id: i32,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    {
        let now = at.timestamp_millis();
        job_row::Entity::update_many()
            .col_expr(
                job_row::Column::State,
                Expr::val(RowState::Cancelled.as_str()),
            )
            .col_expr(job_row::Column::Code, Expr::val(Problem::Cancelled.code()))
            .col_expr(job_row::Column::FinishedAt, Expr::val(at))
            .filter(job_row::Column::JobId.eq(id))
            .filter(job_row::Column::State.eq(RowState::Pending.as_str()))
            .filter(
                job_row::Column::LeaseUntil
                    .is_null()
                    .or(job_row::Column::LeaseUntil.lt(now)),
            )
            .exec(txn)
            .await?;
        complete(txn, id, at).await?;
    }
    Ok(())
}

/// Marks a job ended once no row is left to run. The caller's transaction holds the job's row
/// locked (it updated it, or locked it in [`finish`]), so that it sees the rows another
/// instance finished meanwhile.
pub(super) async fn complete(
    db: &impl ConnectionTrait,
    id: i32,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE jobs SET state = CASE WHEN state = 'running' THEN 'done' ELSE state END, \
         finished_at = $1 \
         WHERE id = $2 AND state IN ('running', 'cancelled') AND finished_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM job_rows WHERE job_id = $2 AND state = 'pending')",
            [at.into(), id.into()],
        ))
        .await?;
    if done.rows_affected() > 0 {
        super::events::job_completed(db, id, at).await?;
    }
    Ok(())
}
