//! SQLite's turn to write, and the batches the portal's changes are committed in.
//!
//! SQLite lets one transaction write at a time. The portal's writes take turns for it in the
//! process, first come first served, rather than in SQLite's busy handler, which sleeps in steps
//! of up to 100 ms. A change that finds others waiting behind it leaves its transaction open for
//! them: the next change goes on in the same transaction, each change inside a savepoint of its
//! own (a refused or failed change is undone alone), and the change that finds nobody behind it
//! (or the [`MOST`]th) commits the batch. Every change of a batch answers once the batch is
//! committed, and a change that read what earlier changes of its batch wrote answers only then
//! too: nobody is told of a write, or judged on one, that could still be lost. A change's turn
//! was four calls to SQLite's thread (begin, claim, writes, commit; the commit writing the
//! write-ahead log); in a batch it is two, the claim and the writes, and a batch's changes share
//! one begin and one commit. What a change can leave to its batch's end (a new customer's row of
//! the search's trigram table, its terms' counts) is written once, just before the commit
//! ([`Member::before_commit`]).
//!
//! Writes that are not changes (sessions, sign-ins, tokens, jobs' bookkeeping, price lists) take
//! the turn with [`exclusive`]: the open batch is committed first, then they write on a
//! connection of their own while they hold the turn.
//!
//! PostgreSQL locks rows and needs none of this.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, PoisonError};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement, TransactionTrait};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

use super::{Db, DbErr};

/// The most changes a batch holds: the first of them waits for the rest before it answers.
const MOST: usize = 32;

/// How long a change waits for its batch's commit before it takes the turn to commit it
/// itself: only when the change that should have committed it was cancelled meanwhile.
const PATIENCE: Duration = Duration::from_millis(100);

/// The savepoint a change's claim opens, and its writes release (one change at a time).
const SAVEPOINT: &str = "SAVEPOINT change";
pub(crate) const RELEASE: &str = "RELEASE change";
const UNDO: &str = "ROLLBACK TO change; RELEASE change";

/// What a batch's commit came to, once it is known: the error's text when it failed.
type Committed = Option<Result<(), String>>;

/// One database's turn: the batch open on it, and how many are waiting for the turn.
struct Line {
    batch: Arc<Mutex<Batch>>,
    waiting: AtomicUsize,
}

#[derive(Default)]
struct Batch {
    open: Option<Open>,
    /// A change left the turn without closing its savepoint (it was cancelled): the next to take
    /// the turn undoes it first.
    dirty: bool,
}

struct Open {
    txn: DatabaseTransaction,
    /// Changes kept in the batch.
    kept: usize,
    /// What the batch's changes left to its end: statements run once, just before it commits
    /// ([`Member::before_commit`]).
    before_commit: Vec<&'static str>,
    committed: watch::Sender<Committed>,
}

/// The line of the database `db` is on (SQLite). Keyed by the pool, whose options stay put as
/// long as it lives, so that tests running several portals in one process keep them apart.
fn line(db: &Db) -> Arc<Line> {
    static LINES: LazyLock<std::sync::Mutex<HashMap<usize, Arc<Line>>>> =
        LazyLock::new(Default::default);
    let key = Arc::as_ptr(&db.get_sqlite_connection_pool().connect_options()) as usize;
    LINES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(key)
        .or_insert_with(|| {
            Arc::new(Line {
                batch: Arc::default(),
                waiting: AtomicUsize::new(0),
            })
        })
        .clone()
}

/// Counted as waiting for the turn until dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Takes the turn, first undoing what a cancelled change left.
async fn take(line: &Line) -> OwnedMutexGuard<Batch> {
    line.waiting.fetch_add(1, Ordering::SeqCst);
    let waiting = Waiting(&line.waiting);
    let mut batch = line.batch.clone().lock_owned().await;
    drop(waiting);
    if std::mem::take(&mut batch.dirty) {
        // A failure gave up the batch, and its changes were told.
        let _ = undo_savepoint(&mut batch).await;
    }
    batch
}

/// Rolls the open batch back to before the change whose savepoint is open, if one is (its
/// statement may not have been sent). Failing that, gives up the whole batch.
async fn undo_savepoint(batch: &mut Batch) -> Result<(), DbErr> {
    let Some(open) = &batch.open else {
        return Ok(());
    };
    match open.txn.execute_unprepared(UNDO).await {
        Err(e) if !e.to_string().contains("no such savepoint") => {
            fail(batch, &e);
            Err(e)
        }
        _ => Ok(()),
    }
}

/// Takes the turn only to leave it: commits the open batch, unless others are on their way.
async fn flush(line: &Line) {
    let mut batch = take(line).await;
    leave(line, &mut batch).await;
}

/// Gives up the open batch: its transaction rolled back, its changes told why.
fn fail(batch: &mut Batch, e: &DbErr) {
    if let Some(open) = batch.open.take() {
        tracing::error!(error = %e, changes = open.kept, "a batch of changes was rolled back");
        open.committed.send_replace(Some(Err(e.to_string())));
    }
}

/// Commits the open batch, while the turn is held, after the statements its changes left to its
/// end (the batch rolled back, should one fail). The commit runs in a task of its own, so that
/// it completes even if the change that started it is cancelled.
async fn commit(batch: &mut Batch) {
    let Some(Open {
        txn,
        committed,
        kept,
        before_commit,
    }) = batch.open.take()
    else {
        return;
    };
    // For `/metrics`: the changes per batch, on average, is the second over the first.
    metrics::counter!("portal_sqlite_batches_total").increment(1);
    metrics::counter!("portal_sqlite_batched_changes_total").increment(kept as u64);
    let done = tokio::spawn(async move {
        let result = match last_statements(&txn, before_commit).await {
            Ok(()) => txn.commit().await,
            Err(e) => {
                tracing::error!(error = %e, changes = kept, "a batch's last statements failed");
                let _ = txn.rollback().await;
                Err(e)
            }
        };
        committed.send_replace(Some(result.map_err(|e| e.to_string())));
    });
    let _ = done.await;
}

/// Runs the statements a batch's changes left to its end, in order: each prepared once per
/// connection (they bind nothing).
async fn last_statements(
    txn: &DatabaseTransaction,
    statements: Vec<&'static str>,
) -> Result<(), DbErr> {
    for sql in statements {
        txn.execute_raw(Statement::from_string(DbBackend::Sqlite, sql))
            .await?;
    }
    Ok(())
}

/// Before leaving the turn: commits the open batch if nobody waits for the turn or the batch
/// is full.
async fn leave(line: &Line, batch: &mut Batch) {
    let full = batch.open.as_ref().is_some_and(|open| open.kept >= MOST);
    if full || line.waiting.load(Ordering::SeqCst) == 0 {
        commit(batch).await;
    }
}

/// Waits until a batch is committed. A batch whose last change was cancelled before it could
/// commit is committed by whoever of its changes runs out of patience first.
async fn committed(line: &Line, mut outcome: watch::Receiver<Committed>) -> Result<(), DbErr> {
    loop {
        let waited = tokio::time::timeout(PATIENCE, outcome.wait_for(Option::is_some))
            .await
            .map(|seen| seen.map(|result| result.clone()));
        match waited {
            Ok(Ok(result)) => {
                return result
                    .unwrap_or(Ok(()))
                    .map_err(|e| DbErr::Custom(format!("committing a batch of changes: {e}")));
            }
            Ok(Err(_)) => {
                return Err(DbErr::Custom(
                    "a batch of changes ended without being committed".into(),
                ));
            }
            Err(_) => flush(line).await,
        }
    }
}

/// This process's turn to write, on SQLite (`None` on PostgreSQL, which needs none), for writes
/// that are not changes (sessions, sign-ins, tokens, jobs' bookkeeping, price lists): they take
/// it rather than sleeping in SQLite's busy handler while a batch of changes writes.
pub(crate) async fn write_turn(db: &Db) -> Option<Exclusive> {
    match db.get_database_backend() {
        DbBackend::Sqlite => Some(exclusive(db).await),
        _ => None,
    }
}

/// The turn held for writes that are not changes; the batch that was open is committed.
pub(crate) struct Exclusive {
    _batch: OwnedMutexGuard<Batch>,
}

/// Takes the turn for writes that are not changes, once the open batch is committed.
pub(crate) async fn exclusive(db: &Db) -> Exclusive {
    let line = line(db);
    let mut batch = take(&line).await;
    commit(&mut batch).await;
    Exclusive { _batch: batch }
}

/// A change's place in a batch: the turn, and the batch's transaction to make the change in.
/// The change's first statement opens its savepoint ([`Member::savepoint`]); the change then
/// ends with [`Member::kept`] or [`Member::undo`]. Dropped without either (the change was
/// cancelled, or failed on the way), the savepoint is undone by whoever takes the turn next.
pub(crate) struct Member {
    line: Arc<Line>,
    batch: OwnedMutexGuard<Batch>,
    /// The savepoint's statement was sent.
    savepoint: bool,
    /// Changes were kept in the batch before this one: this one read what they wrote.
    after_others: bool,
    /// The change ended, kept or undone.
    ended: bool,
}

impl Member {
    /// Takes the turn, and joins the open batch or opens one.
    pub async fn join(db: &Db) -> Result<Member, DbErr> {
        let line = line(db);
        let mut batch = take(&line).await;
        let after_others = match &batch.open {
            Some(open) => open.kept > 0,
            None => {
                batch.open = Some(Open {
                    txn: db.begin().await?,
                    kept: 0,
                    before_commit: Vec::new(),
                    committed: watch::Sender::new(None),
                });
                false
            }
        };
        Ok(Member {
            line,
            batch,
            savepoint: false,
            after_others,
            ended: false,
        })
    }

    /// The batch's transaction (gone only if undoing a change failed and took the batch with
    /// it).
    pub fn txn(&self) -> Result<&DatabaseTransaction, DbErr> {
        self.batch
            .open
            .as_ref()
            .map(|open| &open.txn)
            .ok_or_else(rolled_back)
    }

    /// Leaves `sql` to the batch's end: run once (however many of its changes leave it), just
    /// before the batch commits, outside every change's savepoint. It must undo nothing of a
    /// change that was undone meanwhile: what it finishes is what the kept changes wrote.
    pub fn before_commit(&mut self, sql: &'static str) -> Result<(), DbErr> {
        let open = self.batch.open.as_mut().ok_or_else(rolled_back)?;
        if !open.before_commit.contains(&sql) {
            open.before_commit.push(sql);
        }
        Ok(())
    }

    /// The statement opening the change's savepoint, to send before its first statement.
    pub fn savepoint(&mut self) -> &'static str {
        self.savepoint = true;
        SAVEPOINT
    }

    /// The change's writes are in and its savepoint released ([`RELEASE`], sent with them):
    /// leaves the turn, and waits until the batch is committed.
    pub async fn kept(mut self) -> Result<(), DbErr> {
        self.savepoint = false;
        self.ended = true;
        let open = self.batch.open.as_mut().ok_or_else(rolled_back)?;
        open.kept += 1;
        let outcome = open.committed.subscribe();
        let line = self.line.clone();
        leave(&line, &mut self.batch).await;
        drop(self);
        committed(&line, outcome).await
    }

    /// Undoes the change (nothing it wrote stays), leaves the turn, and waits until what it
    /// read of the batch's earlier changes is committed.
    pub async fn undo(mut self) -> Result<(), DbErr> {
        self.ended = true;
        let line = self.line.clone();
        if std::mem::take(&mut self.savepoint)
            && let Err(e) = undo_savepoint(&mut self.batch).await
        {
            leave(&line, &mut self.batch).await;
            return Err(e);
        }
        let outcome = match &self.batch.open {
            Some(open) if self.after_others => Some(open.committed.subscribe()),
            _ => None,
        };
        leave(&line, &mut self.batch).await;
        drop(self);
        match outcome {
            Some(outcome) => committed(&line, outcome).await,
            None => Ok(()),
        }
    }
}

fn rolled_back() -> DbErr {
    DbErr::Custom("the batch of changes was rolled back".into())
}

impl Drop for Member {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        self.batch.dirty |= self.savepoint;
        // Somebody must end the batch once this turn is over: commit it, unless others are on
        // their way.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let line = self.line.clone();
            runtime.spawn(async move { flush(&line).await });
        }
    }
}
