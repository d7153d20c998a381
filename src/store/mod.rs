//! Everything that touches the database. Functions take the connection, speak in domain types,
//! and run each change in one transaction: the change engine ([`changes`]) for every change a
//! reseller makes, the read models ([`views`]) apart from it.

pub mod activity;
pub mod api_tokens;
pub mod approvals;
pub mod audit;
pub mod billing;
pub mod changes;
pub mod customers;
pub mod drafts;
pub mod events;
pub mod exports;
pub mod import;
pub mod jobs;
pub mod orders;
pub mod sessions;
pub mod team;
mod turn;
pub mod two_step;
pub mod upgrades;
pub mod users;
pub mod views;
pub mod webhooks;

use std::time::Duration;

use anyhow::Context as _;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

pub use sea_orm::DbErr;

/// The database the portal runs on: SQLite by default, PostgreSQL for bigger installations.
pub type Db = DatabaseConnection;

/// Connections per pool at the least, unless configured (`PORTAL_DATABASE_POOL`).
pub const DEFAULT_POOL: u32 = 8;

/// Connections per pool at the most, unless configured: PostgreSQL's default `max_connections`
/// is 100, and a few are kept for its superusers and for a second instance's start.
pub const MOST_POOL: u32 = 64;

/// The pool for `workers` HTTP workers, unless configured: two connections a worker, at least
/// [`DEFAULT_POOL`] and at most [`MOST_POOL`]. A SQLite connection is a thread of its own that
/// runs its statements, and a PostgreSQL connection a process: with fewer connections than
/// cores, the statements of every worker queue for them while cores stand idle (issue 30,
/// item 20: on a machine of many cores the search “科技” and the Charges page ran slower than on
/// two; docs/PERFORMANCE.md). Two cores: 8, as before.
pub fn default_pool(workers: usize) -> u32 {
    u32::try_from(workers.saturating_mul(2))
        .unwrap_or(u32::MAX)
        .clamp(DEFAULT_POOL, MOST_POOL)
}

/// Connects with a pool of `pool` connections, creating the SQLite file and its folder if
/// needed, and migrates the schema.
pub async fn connect(url: &str, pool: u32) -> anyhow::Result<Db> {
    if let Some(path) = sqlite_path(url) {
        let path = std::path::Path::new(path);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("creating the database folder {}", dir.display()))?;
        }
        owners_alone(path)?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(pool.max(1))
        .min_connections(1)
        // A request waits this long for a connection before it answers "unavailable, retry":
        // an outage is told within seconds, not after a long hang.
        .acquire_timeout(Duration::from_secs(3))
        // A connection is pinged before use only after sitting idle (one that a server, proxy or
        // firewall may have dropped); pinging on every checkout doubled each query's round trips.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o: SqliteConnectOptions| {
            // WAL lets readers go on while one writer writes; writers wait for each other (up to
            // the busy timeout) instead of failing.
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // The log is copied into the database file by a task of its own (see
                // `keep_checkpointing`), not by whichever change commits past 1,000 pages.
                .pragma("wal_autocheckpoint", "0")
                // A change's savepoint keeps the pages it changes in a journal of its own, to
                // undo it alone: in memory, rather than spilt to a temporary file past 64 KiB
                // (a new customer's wrote dozens of pages there, each a system call, while its
                // batch held the turn to write).
                .pragma("temp_store", "memory")
                // A statement's rows are handed from the connection's thread through a channel;
                // at sqlx's default of 50 the thread stops at every fiftieth row until the page
                // has taken them (the API's page of 200 customers: 2,099/2,136 -> 2,475/2,347
                // req/s with room for 1,024). The channel grows only as rows wait in it.
                .row_buffer_size(1024)
        })
        // PostgreSQL plans each prepared statement once, for any values, instead of again for
        // each run's values: the search's statements (several trigram `LIKE`s over the GIN
        // indexes) took 1-2 ms to plan and under 0.5 ms to run, and their generic plans read the
        // same indexes (a whole domain: 649 -> 419 µs of PostgreSQL a search; docs/PERFORMANCE.md).
        .map_sqlx_postgres_opts(|o: PgConnectOptions| {
            o.options([("plan_cache_mode", "force_generic_plan")])
        });
    // SQLite: instances starting at once take turns from before they connect, so that the
    // first creates the file and switches it to write-ahead logging alone (two connections doing
    // that at once on a new file could fail at once with "database is locked", their busy
    // timeout not consulted), then migrates; the second finds the work done.
    let _turn = match sqlite_path(url) {
        Some(path) => Some(sqlite_turn(path).await?),
        None => None,
    };
    if sqlite_path(url).is_some() {
        // SQLite is migrated on one connection of its own: spread over the pool's connections,
        // a statement could be prepared on a connection whose copy of the schema predated the
        // migration before (a test's fresh database once failed with "table
        // customer_search_terms may not be modified": the table was still the vocabulary view
        // migration 7 made, on that connection). The pool then starts on the migrated schema.
        let mut one = options.clone();
        one.max_connections(1).min_connections(1);
        let migrating = Database::connect(one)
            .await
            .with_context(|| format!("connecting to {}", redact(url)))?;
        migrate(&migrating).await?;
        migrating
            .close()
            .await
            .context("closing the migration's connection")?;
    }
    let db = Database::connect(options)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))?;
    if sqlite_path(url).is_none() {
        migrate(&db).await?;
    }
    Ok(db)
}

/// A lock on a file beside a SQLite database (`….migrate-lock`), held until dropped: an instance's
/// turn to create, set up and migrate the database.
async fn sqlite_turn(path: &str) -> anyhow::Result<std::fs::File> {
    let path = std::path::PathBuf::from(format!("{path}.migrate-lock"));
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    tokio::task::spawn_blocking(move || file.lock().map(|()| file))
        .await
        .context("waiting for the migration lock")?
        .context("taking the migration lock")
}

/// SQLite: copies the write-ahead log into the database file every second, beside the changes.
/// Left to SQLite, the change whose commit passed 1,000 pages of log copied them, scattered over
/// a large file, and synced it, while every other change waited for its turn to write (upgrade
/// submits at 100,000 customers ran at half their rate at 1,000). A passive checkpoint waits for
/// no reader or writer; the last connection to close checkpoints whatever is left. Nothing to do
/// on PostgreSQL.
pub fn keep_checkpointing(db: &Db) {
    use sea_orm::{ConnectionTrait, DbBackend};
    if db.get_database_backend() != DbBackend::Sqlite {
        return;
    }
    let db = db.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = db
                .execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)")
                .await
            {
                tracing::warn!(error = %e, "checkpointing the write-ahead log");
            }
        }
    });
}

/// Migrates the schema. Instances starting at once take turns, the second finding the work done:
/// on PostgreSQL through an advisory lock held by one connection while the migrations run, on
/// SQLite through the lock on a file beside the database its caller holds (see `connect`).
async fn migrate(db: &Db) -> anyhow::Result<()> {
    use sea_orm::DbBackend;
    // "portal migrations", as a number.
    const LOCK: i64 = 0x706f_7274_616c_6d67;
    if db.get_database_backend() != DbBackend::Postgres {
        return Migrator::up(db, None)
            .await
            .context("migrating the database");
    }
    let mut holder = db
        .get_postgres_connection_pool()
        .acquire()
        .await
        .context("a connection to hold the migration lock")?;
    sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(LOCK)
        .execute(&mut *holder)
        .await
        .context("taking the migration lock")?;
    let migrated = Migrator::up(db, None).await;
    sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(LOCK)
        .execute(&mut *holder)
        .await
        .context("releasing the migration lock")?;
    migrated.context("migrating the database")
}

/// Writes a consistent copy of a SQLite database to `file` while the portal runs (SQLite's
/// `VACUUM INTO`: one read transaction, the copy compacted). The file must not exist yet.
pub async fn backup(db: &Db, file: &std::path::Path) -> anyhow::Result<()> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    if db.get_database_backend() != DbBackend::Sqlite {
        anyhow::bail!(
            "portal backup copies a SQLite database; back up PostgreSQL with pg_dump (see the README)"
        );
    }
    let path = file
        .to_str()
        .with_context(|| format!("{} is not a UTF-8 path", file.display()))?;
    // The copy holds what the database holds: made the owner's alone before SQLite writes into
    // it (an empty file is one `VACUUM INTO` takes).
    {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(file)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => {
                    anyhow::anyhow!("{} exists already; name a new file", file.display())
                }
                _ => anyhow::Error::new(e).context(format!("creating {}", file.display())),
            })?;
    }
    let copied = db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "VACUUM INTO ?",
            [path.into()],
        ))
        .await;
    if let Err(e) = copied {
        let _ = std::fs::remove_file(file);
        return Err(
            anyhow::Error::new(e).context(format!("writing the backup to {}", file.display()))
        );
    }
    Ok(())
}

/// Makes a SQLite database the owner's alone (0600), before SQLite opens it: customers, password
/// hashes and sessions are nobody else's to read on a shared machine. A new file is created so
/// (SQLite creates its write-ahead log and shared memory with the database's mode); an existing
/// one readable by others is made so, and the log says it was, its log and shared memory too.
fn owners_alone(path: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!("creating {}", path.display())));
        }
    }
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        let Ok(metadata) = std::fs::metadata(&file) else {
            continue;
        };
        let mode = metadata.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode & 0o700))
                .with_context(|| format!("making {} the owner's alone", file.display()))?;
            tracing::warn!(
                file = %file.display(),
                was = format!("{:o}", mode & 0o777),
                "the database file was readable by others: it is the owner's alone now"
            );
        }
    }
    Ok(())
}

/// The SQLite file a running portal opened, by its identity on disk (device and inode): a file
/// deleted or replaced under the portal is noticed, instead of changes being confirmed into a
/// file nobody will open again.
#[derive(Debug, Clone)]
pub struct DatabaseFile {
    path: std::path::PathBuf,
    identity: (u64, u64),
}

impl DatabaseFile {
    fn identity(path: &std::path::Path) -> Option<(u64, u64)> {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }

    /// The file of a `sqlite:` URL as it is now; `None` for PostgreSQL or an in-memory database.
    pub fn of(url: &str) -> Option<DatabaseFile> {
        let path = std::path::PathBuf::from(sqlite_path(url)?);
        let identity = Self::identity(&path)?;
        Some(DatabaseFile { path, identity })
    }

    /// Whether the file at the path is still the one opened.
    pub fn unchanged(&self) -> bool {
        Self::identity(&self.path) == Some(self.identity)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

/// The file path of a `sqlite:` URL, if it names a file.
pub fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A number from the database that the schema keeps non-negative and within `u32`.
pub(crate) fn count(n: i64) -> Result<u32, DbErr> {
    u32::try_from(n).map_err(|_| DbErr::Custom(format!("license count {n} out of range")))
}

/// A column that may be NULL, read from the driver's row. sea-orm reads a NULL through an error
/// whose message it formats (the column's name, quoted, in a new string) before it turns it into
/// `None`: five NULL columns in most records of the activity log made that 8% of the log page's
/// instructions.
pub(crate) fn nullable<T>(row: &sea_orm::QueryResult, column: &str) -> Result<Option<T>, DbErr>
where
    T: sea_orm::TryGetable
        + sea_orm::sqlx::Type<sea_orm::sqlx::Sqlite>
        + for<'r> sea_orm::sqlx::Decode<'r, sea_orm::sqlx::Sqlite>
        + sea_orm::sqlx::Type<sea_orm::sqlx::Postgres>
        + for<'r> sea_orm::sqlx::Decode<'r, sea_orm::sqlx::Postgres>,
{
    use sea_orm::sqlx::Row as _;
    let read = if let Some(row) = row.try_as_sqlite_row() {
        row.try_get(column)
    } else if let Some(row) = row.try_as_pg_row() {
        row.try_get(column)
    } else {
        return row.try_get("", column);
    };
    read.map_err(|e| DbErr::Custom(format!("reading {column}: {e}")))
}

/// Whether a database error is the database being out of reach (no connection to be had, or
/// one lost), rather than a fault of the request.
pub fn is_outage(e: &sea_orm::DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{DbErr, RuntimeErr};
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        // A connection lost in the middle of a statement (the server restarted or went away).
        DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e)) => {
            match e.as_ref() {
                Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
                // PostgreSQL's connection exceptions (08…) and operator intervention (57P…:
                // shutting down, restarting).
                Sqlx::Database(d) => d
                    .code()
                    .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
                _ => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_path("sqlite://data/portal.sqlite?mode=rwc"),
            Some("data/portal.sqlite")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://localhost/portal"), None);
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
