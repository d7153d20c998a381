//! The job runner: a background task of every instance that claims rows of confirmed bulk
//! change jobs from the database and makes each row's change through the same change machinery
//! as the pages (one transaction, the row's own one-time key, the subscription's version at the
//! review, the rules judging it again as it runs), then records how each row ended.
//!
//! Nothing of a job lives in memory: an instance killed at any moment leaves its claimed rows to
//! be taken over when their lease runs out, and a row whose change was made before the kill
//! replays that change's answer instead of making it again. On stop the runner finishes the row
//! in hand and gives back the rest of its claim at once.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures_util::StreamExt as _;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::domain::bulk::{LineProblem, Problem};
use crate::domain::change::Via;
use crate::domain::{Account, ChangeKey, SubscriptionId};
use crate::store::changes::{self, ChangeError, Done, Reply, Submission};
use crate::store::jobs::{self, Claimed, RowEnd};
use crate::store::{self, Db, DbErr};

/// How the runner is tuned (`PORTAL_JOB_LEASE`: the seconds a claim lasts).
#[derive(Debug, Clone, Copy)]
pub struct RunnerSettings {
    /// How long a claim on rows lasts: rows of an instance that died are taken over after it.
    pub lease: Duration,
    /// Rows claimed at a time.
    pub batch: u32,
    /// How often an idle runner looks for work (it is woken at once by a job confirmed here).
    pub idle: Duration,
}

impl Default for RunnerSettings {
    fn default() -> Self {
        RunnerSettings {
            lease: Duration::from_secs(30),
            batch: 20,
            idle: Duration::from_secs(1),
        }
    }
}

/// The running runner: wake it when a job is confirmed, stop it on shutdown.
#[derive(Clone)]
pub struct Jobs {
    wake: Arc<Notify>,
    stop: watch::Sender<bool>,
    task: Arc<std::sync::Mutex<Option<JoinHandle<()>>>>,
}

impl Jobs {
    /// Starts the runner on the current Tokio runtime.
    pub fn spawn(db: Db, clock: Clock, settings: RunnerSettings) -> Jobs {
        let wake = Arc::new(Notify::new());
        let (stop, stopped) = watch::channel(false);
        let runner = Runner {
            db,
            clock,
            settings,
            owner: uuid::Uuid::new_v4().to_string(),
            wake: wake.clone(),
            stopped,
        };
        let task = tokio::spawn(runner.run());
        Jobs {
            wake,
            stop,
            task: Arc::new(std::sync::Mutex::new(Some(task))),
        }
    }

    /// No runner on this instance (`PORTAL_JOB_RUNNER=false`): other instances run the jobs.
    pub fn none() -> Jobs {
        let (stop, _) = watch::channel(true);
        Jobs {
            wake: Arc::new(Notify::new()),
            stop,
            task: Arc::new(std::sync::Mutex::new(None)),
        }
    }

    /// A job was confirmed: look for work now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Finishes the row in hand, gives back the rest of the claim, and ends the runner.
    pub async fn stop(&self) {
        let _ = self.stop.send(true);
        let task = self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

struct Runner {
    db: Db,
    clock: Clock,
    settings: RunnerSettings,
    /// This instance's name on its claims.
    owner: String,
    wake: Arc<Notify>,
    stopped: watch::Receiver<bool>,
}

/// What became of a claimed row.
enum Step {
    Ended(RowEnd),
    /// Not run (the database is out of reach, or the runner is stopping): claim it again later.
    Again,
}

impl Runner {
    async fn run(mut self) {
        tracing::info!(owner = %self.owner, "the job runner is running");
        loop {
            if *self.stopped.borrow() {
                break;
            }
            let worked = match self.round().await {
                Ok(worked) => worked,
                Err(e) => {
                    if store::is_outage(&e) {
                        tracing::warn!(error = %e, "jobs wait: the database is out of reach");
                    } else {
                        tracing::error!(error = %e, "the job runner failed a round");
                    }
                    self.pause(Duration::from_secs(2)).await;
                    false
                }
            };
            if !worked {
                let idle = self.settings.idle;
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(idle) => {}
                    _ = self.stopped.changed() => {}
                }
            }
        }
        tracing::info!(owner = %self.owner, "the job runner stopped");
    }

    async fn pause(&mut self, pause: Duration) {
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            _ = self.stopped.changed() => {}
        }
    }

    /// Claims rows and runs them; `false` when there was nothing to do.
    async fn round(&mut self) -> Result<bool, DbErr> {
        let now = Utc::now();
        let until = now
            + chrono::TimeDelta::from_std(self.settings.lease).unwrap_or(chrono::TimeDelta::MAX);
        let claimed = jobs::claim(&self.db, &self.owner, now, until, self.settings.batch).await?;
        if claimed.is_empty() {
            return Ok(false);
        }
        let mut accounts: Vec<(i32, Option<Account>)> = Vec::new();
        for row in &claimed {
            if !accounts.iter().any(|(id, _)| *id == row.user_id) {
                let who = store::users::account(&self.db, row.user_id).await?;
                accounts.push((row.user_id, who));
            }
        }
        // PostgreSQL locks rows, so rows of different customers run side by side; SQLite writes
        // one transaction at a time, so its rows run one after another.
        let side_by_side = match self.db.get_database_backend() {
            sea_orm::DbBackend::Postgres => 4,
            _ => 1,
        };
        let this = &*self;
        let mut runs = Vec::with_capacity(claimed.len());
        for row in &claimed {
            let who = accounts
                .iter()
                .find(|(id, _)| *id == row.user_id)
                .and_then(|(_, who)| who.as_ref());
            runs.push(async move {
                if *this.stopped.borrow() {
                    return (row, Step::Again);
                }
                (row, this.run_row(row, who).await)
            });
        }
        let steps: Vec<(&Claimed, Step)> = futures_util::stream::iter(runs)
            .buffered(side_by_side)
            .collect()
            .await;
        let mut ends = Vec::with_capacity(claimed.len());
        let mut again = Vec::new();
        for (row, step) in steps {
            match step {
                Step::Ended(end) => {
                    let result = match &end.result {
                        Ok(_) => "succeeded",
                        Err(p) => p.outcome().as_str(),
                    };
                    metrics::counter!("portal_job_rows_total", "result" => result).increment(1);
                    ends.push(end);
                }
                Step::Again => again.push((row.job, row.row.line)),
            }
        }
        jobs::finish(&self.db, &self.owner, &ends, self.clock.now()).await?;
        if !again.is_empty() {
            // Taken up again soon, by this instance or another.
            let retry = Utc::now() + chrono::TimeDelta::seconds(2);
            let retry = if *self.stopped.borrow() {
                Utc::now()
            } else {
                retry
            };
            jobs::release(&self.db, &self.owner, &again, retry).await?;
        }
        Ok(true)
    }

    /// Runs one claimed row.
    async fn run_row(&self, claimed: &Claimed, who: Option<&Account>) -> Step {
        let row = &claimed.row;
        let end = |result| {
            Step::Ended(RowEnd {
                job: claimed.job,
                line: row.line,
                result,
            })
        };
        // The job's maker is gone (the account was removed): nobody may make its changes.
        let Some(who) = who else {
            return end(Err(Problem::Failed));
        };
        // The role is read as the row runs: one that may no longer change refuses the rest.
        if !who.may(crate::domain::Permission::Change) {
            return end(Err(Problem::NotAllowed));
        }
        let key = ChangeKey::job_row(claimed.job, row.line);
        let cancelled = if claimed.job_cancelled {
            true
        } else {
            match jobs::is_cancelled(&self.db, claimed.job).await {
                Ok(c) => c,
                Err(_) => return Step::Again,
            }
        };
        if cancelled {
            // Not started, unless an instance that died made its change already.
            return match changes::replayed(&self.db, who, &key).await {
                Ok(Some(reply)) => end(Ok(target_of(&reply))),
                Ok(None) => end(Err(Problem::Cancelled)),
                Err(_) => Step::Again,
            };
        }
        let (Some(change), Some(customer), Ok(subscription)) = (
            row.change.and_then(|c| c.change(&claimed.language)),
            row.customer.as_ref(),
            SubscriptionId::parse(&row.subscription),
        ) else {
            return end(Err(Problem::Failed));
        };
        let sub = Submission {
            who,
            via: Via::Job(claimed.job),
            customer,
            subscription: &subscription,
            key: Some(&key),
            expected: row.expected,
            settles: None,
            at: self.clock.now(),
        };
        let made = changes::apply(&self.db, &sub, &change, |applied| {
            let target = applied.created.as_ref().map(|c| &c.subscription);
            Reply(serde_json::json!({ "target": target }).to_string())
        })
        .await;
        let result = match made {
            Ok(Done { reply, .. }) => Ok(Ok(target_of(&reply))),
            Err(ChangeError::Refused(refusal)) => Ok(Err(Problem::from(refusal))),
            Err(ChangeError::Conflict) => Ok(Err(Problem::Changed)),
            Err(ChangeError::NotFound) => Ok(Err(Problem::Line {
                problem: LineProblem::UnknownSubscription,
                value: row.subscription.clone(),
            })),
            Err(ChangeError::Db(e)) => Err(e),
        };
        match result {
            Ok(result) => end(result),
            Err(e) if store::is_outage(&e) || claimed.attempts < 3 => {
                tracing::warn!(job = claimed.job, line = row.line, error = %e, "a job row will be tried again");
                Step::Again
            }
            Err(e) => {
                tracing::error!(job = claimed.job, line = row.line, error = %e, "a job row failed");
                end(Err(Problem::Failed))
            }
        }
    }
}

/// How much of the portal's clock passes between two looks for abandoned reviews.
const SWEEP_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// The portal's sweep, on a timer, on every instance (whether it runs jobs or not): drops the
/// bulk change reviews nobody confirmed or discarded within [`jobs::REVIEW_KEPT`] (a review
/// holds up to 50,000 rows, and one left behind would otherwise stay until its reseller starts
/// another), the held drafts a day after they could last be confirmed, and (issue 33) the events
/// of the outbox older than `events_kept` that the webhooks are done with. Looks once a minute of
/// the portal's clock (a test's fixed clock moved on a day is looked at within a second); a look
/// that finds nothing only reads.
pub fn sweep(db: Db, clock: Clock, events_kept: chrono::TimeDelta) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last: Option<chrono::DateTime<Utc>> = None;
        loop {
            tick.tick().await;
            let now = clock.now();
            if last.is_some_and(|last| (now - last).abs() < SWEEP_EVERY) {
                continue;
            }
            last = Some(now);
            match jobs::drop_abandoned(&db, now).await {
                Ok(0) => {}
                Ok(dropped) => {
                    metrics::counter!("portal_jobs_total", "event" => "dropped").increment(dropped);
                    tracing::info!(dropped, "dropped bulk change reviews nobody confirmed");
                }
                Err(e) => tracing::warn!(error = %e, "looking for abandoned bulk change reviews"),
            }
            // Held drafts of single changes, a day after they could last be confirmed.
            if let Err(e) = crate::store::drafts::sweep(&db, now).await {
                tracing::warn!(error = %e, "sweeping expired drafts");
            }
            let Some(before) = now.checked_sub_signed(events_kept) else {
                continue;
            };
            match crate::store::events::trim(&db, before).await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "trimmed the events outbox"),
                Err(e) => tracing::warn!(error = %e, "trimming the events outbox"),
            }
        }
    });
}

/// The subscription a row's reply names, if its change made one.
fn target_of(reply: &Reply) -> Option<SubscriptionId> {
    let body: serde_json::Value = serde_json::from_str(&reply.0).ok()?;
    SubscriptionId::parse(body.get("target")?.as_str()?).ok()
}
