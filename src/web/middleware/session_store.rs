//! Where actix-session keeps session state: on the server, shared by every portal instance —
//! in the portal's database (the `sessions` table) by default, or in Redis when
//! `PORTAL_REDIS_URL` is set — with a short per-instance cache in front.
//!
//! The cache spares the round trip that loading the session would cost on every request. What
//! it may serve is at most [`SessionCache`]'s `fresh_for` old: this instance's own changes
//! (sign-in, sign-out, a saved session) update it at once, and a session ended on another
//! instance stops working here within that time.
//!
//! The shared store going away and coming back is an outage to ride out, not a restart: a
//! connection to Redis that fails is replaced once Redis answers again ([`RedisLink`]), and
//! meanwhile a page that needs the session answers the localized "briefly unavailable" page
//! (503, `Retry-After`) at once ([`store_failures_as_pages`]). actix-session's own Redis store
//! did neither: its connection manager (redis's, with its default backoff) tries again after 1
//! to 2 s, then only after 60 to 120 s, every command waiting on that attempt meanwhile (pages
//! came back 110 s after Redis did), and a store's error became the session middleware's bare
//! 500, which the error pages never see.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration as StdDuration, Instant};

use actix_session::storage::{
    LoadError, SaveError, SessionKey, SessionStore, UpdateError, generate_session_key,
};
use actix_web::body::MessageBody;
use actix_web::cookie::time::Duration;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError as _};
use chrono::Utc;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Cmd, FromRedisValue, RedisError, Value};

use super::error::PageError;
use crate::store::{self, Db, is_outage};

type SessionState = HashMap<String, String>;

/// The store the session middleware uses: the shared backend behind this instance's cache.
#[derive(Clone)]
pub struct SharedSessions {
    backend: Backend,
    cache: Arc<SessionCache>,
}

#[derive(Clone)]
enum Backend {
    Database(Db),
    Redis(Arc<RedisLink>),
}

impl SharedSessions {
    /// Sessions in the portal's database.
    pub fn database(db: Db, cache: Arc<SessionCache>) -> Self {
        SharedSessions {
            backend: Backend::Database(db),
            cache,
        }
    }

    /// Sessions in Redis at `url` (`redis://host:port/db`); fails when Redis can't be reached
    /// now. Later, Redis may go away and come back: see [`RedisLink`].
    pub async fn redis(url: &str, cache: Arc<SessionCache>) -> anyhow::Result<Self> {
        let link = RedisLink::new(url)?;
        link.query::<String>(&redis::cmd("PING"))
            .await
            .map_err(|e| e.error)?;
        Ok(SharedSessions {
            backend: Backend::Redis(Arc::new(link)),
            cache,
        })
    }

    /// Whether the shared store answers: Redis, when sessions live there; the database is asked
    /// by the caller.
    pub async fn answers(&self) -> bool {
        match &self.backend {
            Backend::Database(_) => true,
            Backend::Redis(redis) => redis.query::<String>(&redis::cmd("PING")).await.is_ok(),
        }
    }
}

fn expiry(ttl: &Duration) -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::seconds(ttl.whole_seconds())
}

/// Where a session lives in Redis: keys of their own, should the Redis database be shared
/// with other programs (the keys actix-session's Redis store used, so sessions outlive the
/// change of store).
fn redis_key(key: &SessionKey) -> String {
    format!("portal:session:{}", key.as_ref())
}

impl Backend {
    async fn get(&self, key: &SessionKey) -> Result<Option<String>, StoreError> {
        match self {
            Backend::Redis(redis) => redis.query(redis::cmd("GET").arg(redis_key(key))).await,
            Backend::Database(db) => store::sessions::load(db, key.as_ref(), Utc::now())
                .await
                .map_err(StoreError::database),
        }
    }

    /// Stores a session under a key nobody has (a fresh random one).
    async fn put_new(
        &self,
        key: &SessionKey,
        json: String,
        ttl: &Duration,
    ) -> Result<(), StoreError> {
        self.set(key, json, ttl, "NX").await.map(drop)
    }

    /// Replaces a session's state; false when it is gone (expired meanwhile) and nothing was
    /// written.
    async fn replace(
        &self,
        key: &SessionKey,
        json: String,
        ttl: &Duration,
    ) -> Result<bool, StoreError> {
        self.set(key, json, ttl, "XX").await
    }

    /// Writes a session's state for `ttl`: in Redis only under a key nobody has (`NX`) or over a
    /// session still there (`XX`), saying whether it wrote; in the database, either way.
    async fn set(
        &self,
        key: &SessionKey,
        json: String,
        ttl: &Duration,
        only: &'static str,
    ) -> Result<bool, StoreError> {
        match self {
            Backend::Redis(redis) => redis
                .query::<Value>(
                    redis::cmd("SET")
                        .arg(redis_key(key))
                        .arg(json)
                        .arg(only)
                        .arg("EX")
                        .arg(ttl.whole_seconds()),
                )
                .await
                .map(|set| set != Value::Nil),
            Backend::Database(db) => store::sessions::save(db, key.as_ref(), json, expiry(ttl))
                .await
                .map(|()| true)
                .map_err(StoreError::database),
        }
    }

    async fn touch(&self, key: &SessionKey, ttl: &Duration) -> Result<(), StoreError> {
        match self {
            Backend::Redis(redis) => redis
                .query::<Value>(
                    redis::cmd("EXPIRE")
                        .arg(redis_key(key))
                        .arg(ttl.whole_seconds()),
                )
                .await
                .map(drop),
            Backend::Database(db) => store::sessions::touch(db, key.as_ref(), expiry(ttl))
                .await
                .map_err(StoreError::database),
        }
    }

    async fn remove(&self, key: &SessionKey) -> Result<(), StoreError> {
        match self {
            Backend::Redis(redis) => redis
                .query::<Value>(redis::cmd("DEL").arg(redis_key(key)))
                .await
                .map(drop),
            Backend::Database(db) => store::sessions::delete(db, key.as_ref(), Utc::now())
                .await
                .map_err(StoreError::database),
        }
    }
}

impl SessionStore for SharedSessions {
    async fn load(&self, key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        if let Some(state) = self.cache.get(key.as_ref()) {
            return Ok(Some(state));
        }
        let json = match self.backend.get(key).await {
            Ok(json) => json,
            // No session, for actix-session; the request is answered with the error page
            // before its handler runs.
            Err(e) => e.told_or(None).map_err(LoadError::Other)?,
        };
        let state: Option<SessionState> = json
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|e| LoadError::Deserialization(e.into()))?;
        if let Some(state) = &state {
            self.cache.put(key.as_ref(), state);
        }
        Ok(state)
    }

    async fn save(&self, state: SessionState, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let json = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let key = generate_session_key();
        if let Err(e) = self.backend.put_new(&key, json, ttl).await {
            // A key never stored: the error page takes the place of the answer, and of the
            // cookie it would have carried.
            return e.told_or(key).map_err(SaveError::Other);
        }
        self.cache.put(key.as_ref(), &state);
        Ok(key)
    }

    async fn update(
        &self,
        key: SessionKey,
        state: SessionState,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        // Whatever happens next, this instance must not serve the old state.
        self.cache.forget(key.as_ref());
        let json =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        match self.backend.replace(&key, json, ttl).await {
            Ok(true) => {}
            // Expired since it was loaded: saved afresh, under a new key.
            Ok(false) => {
                return self.save(state, ttl).await.map_err(|e| match e {
                    SaveError::Serialization(e) => UpdateError::Serialization(e),
                    SaveError::Other(e) => UpdateError::Other(e),
                });
            }
            Err(e) => return e.told_or(key).map_err(UpdateError::Other),
        }
        self.cache.put(key.as_ref(), &state);
        Ok(key)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        self.backend
            .touch(key, ttl)
            .await
            .or_else(|e| e.told_or(()))
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        self.cache.forget(key.as_ref());
        self.backend.remove(key).await.or_else(|e| e.told_or(()))
    }
}

/// How the shared store failed a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// Out of reach (gone, not answering in time, starting, failing over): an outage to wait
    /// out.
    OutOfReach,
    Other,
}

impl Failure {
    /// The answer in place of the page; the error pages draw it.
    fn response(self) -> HttpResponse {
        match self {
            Failure::OutOfReach => PageError::Unavailable.error_response(),
            Failure::Other => HttpResponse::InternalServerError().finish(),
        }
    }
}

struct StoreError {
    failure: Failure,
    error: anyhow::Error,
}

impl StoreError {
    fn database(e: sea_orm::DbErr) -> Self {
        StoreError {
            failure: if is_outage(&e) {
                Failure::OutOfReach
            } else {
                Failure::Other
            },
            error: anyhow::Error::new(e).context("the sessions table"),
        }
    }

    fn redis(e: RedisError) -> Self {
        StoreError {
            failure: if is_redis_outage(&e) {
                Failure::OutOfReach
            } else {
                Failure::Other
            },
            error: anyhow::Error::new(e).context("Redis"),
        }
    }

    /// While a request is served: tells it (it answers the error page in place of its own) and
    /// gives `instead`, so that actix-session carries on rather than failing the request with
    /// an error of its own that the error pages never see. Outside a request: the error.
    fn told_or<T>(self, instead: T) -> anyhow::Result<T> {
        if FAILED.try_with(|f| f.set(Some(self.failure))).is_err() {
            return Err(self.error);
        }
        match self.failure {
            Failure::OutOfReach => {
                let error = self.error.root_cause();
                tracing::warn!(error, "the session store is out of reach: 503");
            }
            Failure::Other => tracing::error!(error = ?self.error, "the session store failed"),
        }
        Ok(instead)
    }
}

tokio::task_local! {
    /// How the shared store failed the request being served, if it did; set within
    /// [`store_failures_as_pages`].
    static FAILED: Cell<Option<Failure>>;
}

/// Middleware around the session middleware: a request the session store failed (reading the
/// session, or saving it after the handler) answers "briefly unavailable" (503, `Retry-After`)
/// when the store is out of reach, "something went wrong" (500) otherwise — in place of its
/// own answer and cookie, as a response the error pages draw in the visitor's language.
pub async fn store_failures_as_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let (response, failed) = FAILED
        .scope(Cell::new(None), async {
            let response = next.call(req).await;
            (response, FAILED.with(Cell::get))
        })
        .await;
    let response = response?;
    Ok(match failed {
        None => response.map_into_left_body(),
        Some(failure) => {
            let (req, _) = response.into_parts();
            ServiceResponse::new(req, failure.response()).map_into_right_body()
        }
    })
}

/// Middleware inside the session middleware: a request whose session could not be read stops
/// here, its handler never run ([`store_failures_as_pages`] answers it).
pub async fn unread_sessions_stop_here(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    match FAILED.try_with(Cell::get).ok().flatten() {
        Some(failure) => Ok(req.into_response(failure.response()).map_into_right_body()),
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}

/// How long a request waits for Redis in all: a Redis that is gone answers "unavailable"
/// within seconds instead of holding the request.
const REDIS_WAIT: StdDuration = StdDuration::from_secs(2);
/// How long opening a connection may take, and then each command.
const REDIS_CONNECT_WAIT: StdDuration = StdDuration::from_secs(1);
const REDIS_RESPONSE_WAIT: StdDuration = StdDuration::from_secs(1);
/// After an attempt to connect failed, requests are refused at once for this long rather than
/// each trying again: one attempt at a time, at most a few a second.
const RECONNECT_PAUSE: StdDuration = StdDuration::from_millis(500);

/// One connection to Redis, multiplexed by every request of this instance, that replaces
/// itself: a connection a command failed on (the server went away, or did not answer in time)
/// is dropped, and the next command opens a new one. While Redis is away, a failed attempt to
/// connect refuses the requests of the next [`RECONNECT_PAUSE`] at once; the first request
/// after Redis is back connects again.
pub struct RedisLink {
    client: redis::Client,
    config: AsyncConnectionConfig,
    state: tokio::sync::Mutex<LinkState>,
}

#[derive(Default)]
struct LinkState {
    /// The open connection, and its number.
    open: Option<(u64, MultiplexedConnection)>,
    opened: u64,
    /// When the last attempt to connect failed, while no connection is open.
    failed_at: Option<Instant>,
    /// Redis is known to be out of reach (the log says so once, not once a request).
    lost: bool,
}

impl RedisLink {
    fn new(url: &str) -> anyhow::Result<Self> {
        Ok(RedisLink {
            client: redis::Client::open(url)?,
            config: AsyncConnectionConfig::new()
                .set_connection_timeout(REDIS_CONNECT_WAIT)
                .set_response_timeout(REDIS_RESPONSE_WAIT),
            state: tokio::sync::Mutex::default(),
        })
    }

    /// `cmd`'s answer, within [`REDIS_WAIT`].
    async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, StoreError> {
        match tokio::time::timeout(REDIS_WAIT, self.try_query(cmd)).await {
            Ok(answer) => answer.map_err(StoreError::redis),
            Err(_) => Err(StoreError {
                failure: Failure::OutOfReach,
                error: anyhow::anyhow!("Redis did not answer within {REDIS_WAIT:?}"),
            }),
        }
    }

    async fn try_query<T: FromRedisValue>(&self, cmd: &Cmd) -> redis::RedisResult<T> {
        let (number, mut connection) = self.connection().await?;
        match cmd.query_async(&mut connection).await {
            Err(e) if replaces_connection(&e) => {
                self.drop_connection(number, &e).await;
                if !e.is_connection_dropped() {
                    return Err(e);
                }
                // A connection found closed when used (Redis restarted, or closed it while
                // idle): once more, on a new one. Each command here may be sent twice.
                let (number, mut connection) = self.connection().await?;
                let again = cmd.query_async(&mut connection).await;
                if let Err(e) = &again
                    && replaces_connection(e)
                {
                    self.drop_connection(number, e).await;
                }
                again
            }
            answer => answer,
        }
    }

    /// The open connection, or a new one; one attempt at a time (the others wait for it).
    async fn connection(&self) -> redis::RedisResult<(u64, MultiplexedConnection)> {
        let mut state = self.state.lock().await;
        if let Some(open) = &state.open {
            return Ok(open.clone());
        }
        if let Some(failed_at) = state.failed_at
            && failed_at.elapsed() < RECONNECT_PAUSE
        {
            return Err(RedisError::from(std::io::Error::new(
                std::io::ErrorKind::NotConnected,
                "Redis was out of reach moments ago (no new attempt yet)",
            )));
        }
        match self
            .client
            .get_multiplexed_async_connection_with_config(&self.config)
            .await
        {
            Ok(connection) => {
                if state.lost {
                    tracing::info!("Redis answers again: sessions are back");
                }
                state.opened += 1;
                state.open = Some((state.opened, connection.clone()));
                state.failed_at = None;
                state.lost = false;
                Ok((state.opened, connection))
            }
            Err(e) => {
                if !state.lost {
                    tracing::error!(
                        error = %e,
                        "Redis is out of reach: pages that need a session answer 503 until it is back"
                    );
                }
                state.failed_at = Some(Instant::now());
                state.lost = true;
                Err(e)
            }
        }
    }

    /// Forgets connection `number`, unless another has replaced it already.
    async fn drop_connection(&self, number: u64, e: &RedisError) {
        let mut state = self.state.lock().await;
        if state.open.as_ref().is_some_and(|(n, _)| *n == number) {
            tracing::warn!(error = %e, "a connection to Redis failed: replacing it");
            state.open = None;
        }
    }
}

/// Whether a command failed because its connection is no longer good: lost, not answering, or
/// to a server that no longer takes writes (a replica, after a failover).
fn replaces_connection(e: &RedisError) -> bool {
    e.is_unrecoverable_error() || e.is_timeout() || e.kind() == redis::ErrorKind::ReadOnly
}

/// Whether a Redis error means Redis is out of reach for now (gone, not answering, loading its
/// data, failing over) rather than a fault of the request.
fn is_redis_outage(e: &RedisError) -> bool {
    e.is_io_error()
        || e.kind() == redis::ErrorKind::ReadOnly
        || !matches!(e.retry_method(), redis::RetryMethod::NoRetry)
}

/// Session states this instance loaded or saved recently, each served for at most `fresh_for`.
pub struct SessionCache {
    fresh_for: StdDuration,
    entries: Mutex<HashMap<String, Cached>>,
}

struct Cached {
    state: SessionState,
    until: Instant,
}

/// Sessions the cache holds at most; past that, stale ones go first, then all.
const CAPACITY: usize = 10_000;

impl SessionCache {
    /// A cache serving states at most `fresh_for` old; zero turns it off.
    pub fn new(fresh_for: StdDuration) -> Self {
        SessionCache {
            fresh_for,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        // A panic elsewhere can't leave a half-written entry: inserts and removals are whole.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self, key: &str) -> Option<SessionState> {
        let mut entries = self.entries();
        match entries.get(key) {
            Some(c) if c.until > Instant::now() => Some(c.state.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    fn put(&self, key: &str, state: &SessionState) {
        if self.fresh_for.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut entries = self.entries();
        if entries.len() >= CAPACITY && !entries.contains_key(key) {
            entries.retain(|_, c| c.until > now);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            key.to_owned(),
            Cached {
                state: state.clone(),
                until: now + self.fresh_for,
            },
        );
    }

    fn forget(&self, key: &str) {
        self.entries().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(value: &str) -> SessionState {
        HashMap::from([("k".to_owned(), value.to_owned())])
    }

    #[test]
    fn redis_gone_or_silent_is_an_outage_that_replaces_the_connection_a_bad_command_is_not() {
        use std::io::{Error, ErrorKind as Io};
        let refused = RedisError::from(Error::from(Io::ConnectionRefused));
        let dropped = RedisError::from(Error::from(Io::BrokenPipe));
        let silent = RedisError::from(Error::from(Io::TimedOut));
        for e in [&refused, &dropped, &silent] {
            assert!(is_redis_outage(e) && replaces_connection(e), "{e}");
        }
        // Loading its data after a restart: wait, on the same connection.
        let loading = RedisError::from((redis::ErrorKind::BusyLoadingError, "loading"));
        assert!(is_redis_outage(&loading) && !replaces_connection(&loading));
        // A replica after a failover: no writes there any more.
        let replica = RedisError::from((redis::ErrorKind::ReadOnly, "read only"));
        assert!(is_redis_outage(&replica) && replaces_connection(&replica));
        let wrong = RedisError::from((redis::ErrorKind::ResponseError, "wrong type"));
        assert!(!is_redis_outage(&wrong) && !replaces_connection(&wrong));
    }

    #[test]
    fn serves_a_state_until_it_is_stale() {
        let cache = SessionCache::new(StdDuration::from_millis(50));
        cache.put("a", &state("1"));
        assert_eq!(cache.get("a"), Some(state("1")));
        std::thread::sleep(StdDuration::from_millis(60));
        assert_eq!(cache.get("a"), None);
    }

    #[test]
    fn forgets_at_once() {
        let cache = SessionCache::new(StdDuration::from_secs(60));
        cache.put("a", &state("1"));
        cache.forget("a");
        assert_eq!(cache.get("a"), None);
    }

    #[test]
    fn zero_keeps_nothing() {
        let cache = SessionCache::new(StdDuration::ZERO);
        cache.put("a", &state("1"));
        assert_eq!(cache.get("a"), None);
    }

    #[test]
    fn stays_within_its_capacity() {
        let cache = SessionCache::new(StdDuration::from_secs(60));
        for i in 0..=CAPACITY {
            cache.put(&i.to_string(), &state("1"));
        }
        assert!(cache.entries().len() <= CAPACITY);
        assert_eq!(cache.get(&CAPACITY.to_string()), Some(state("1")));
    }
}
