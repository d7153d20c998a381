//! Where actix-session keeps session state: on the server, shared by every portal instance —
//! in the portal's database (the `sessions` table) by default, or in Redis when
//! `PORTAL_REDIS_URL` is set — with a short per-instance cache in front.
//!
//! The cache spares the round trip that loading the session would cost on every request. What
//! it may serve is at most [`SessionCache`]'s `fresh_for` old: this instance's own changes
//! (sign-in, sign-out, a saved session) update it at once, and a session ended on another
//! instance stops working here within that time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration as StdDuration, Instant};

use actix_session::storage::{
    LoadError, RedisSessionStore, SaveError, SessionKey, SessionStore, UpdateError,
    generate_session_key,
};
use actix_web::cookie::time::Duration;
use chrono::Utc;

use crate::store::{self, Db};

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
    Redis(RedisSessionStore),
}

impl SharedSessions {
    /// Sessions in the portal's database.
    pub fn database(db: Db, cache: Arc<SessionCache>) -> Self {
        SharedSessions {
            backend: Backend::Database(db),
            cache,
        }
    }

    /// Sessions in Redis at `url` (`redis://host:port/db`); fails when Redis can't be reached.
    pub async fn redis(url: &str, cache: Arc<SessionCache>) -> anyhow::Result<Self> {
        let redis = RedisSessionStore::builder(url)
            // Keys of their own, should the Redis database be shared with other programs.
            .cache_keygen(|key| format!("portal:session:{key}"))
            .build()
            .await?;
        Ok(SharedSessions {
            backend: Backend::Redis(redis),
            cache,
        })
    }
}

impl SharedSessions {
    /// Whether the shared store answers: Redis, when sessions live there (a lookup of a key no
    /// session has); the database is asked by the caller.
    pub async fn answers(&self) -> bool {
        match &self.backend {
            Backend::Database(_) => true,
            Backend::Redis(redis) => match SessionKey::try_from("0".repeat(64)) {
                Ok(probe) => within(redis.load(&probe), LoadError::Other).await.is_ok(),
                Err(_) => false,
            },
        }
    }
}

/// How long a request waits for Redis: a Redis that is gone answers "unavailable" within
/// seconds instead of holding the request while its client reconnects.
const REDIS_WAIT: StdDuration = StdDuration::from_secs(2);

/// `call`, or an error when Redis does not answer within [`REDIS_WAIT`].
async fn within<T, E>(
    call: impl std::future::Future<Output = Result<T, E>>,
    late: impl FnOnce(anyhow::Error) -> E,
) -> Result<T, E> {
    tokio::time::timeout(REDIS_WAIT, call)
        .await
        .unwrap_or_else(|_| {
            Err(late(anyhow::anyhow!(
                "Redis did not answer within {REDIS_WAIT:?}"
            )))
        })
}

fn expiry(ttl: &Duration) -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::seconds(ttl.whole_seconds())
}

impl SessionStore for SharedSessions {
    async fn load(&self, key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        if let Some(state) = self.cache.get(key.as_ref()) {
            return Ok(Some(state));
        }
        let state = match &self.backend {
            Backend::Redis(redis) => within(redis.load(key), LoadError::Other).await?,
            Backend::Database(db) => {
                match store::sessions::load(db, key.as_ref(), Utc::now())
                    .await
                    .map_err(|e| LoadError::Other(e.into()))?
                {
                    Some(json) => Some(
                        serde_json::from_str(&json)
                            .map_err(|e| LoadError::Deserialization(e.into()))?,
                    ),
                    None => None,
                }
            }
        };
        if let Some(state) = &state {
            self.cache.put(key.as_ref(), state);
        }
        Ok(state)
    }

    async fn save(&self, state: SessionState, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let key = match &self.backend {
            Backend::Redis(redis) => {
                within(redis.save(state.clone(), ttl), SaveError::Other).await?
            }
            Backend::Database(db) => {
                let json = serde_json::to_string(&state)
                    .map_err(|e| SaveError::Serialization(e.into()))?;
                let key = generate_session_key();
                store::sessions::save(db, key.as_ref(), json, expiry(ttl))
                    .await
                    .map_err(|e| SaveError::Other(e.into()))?;
                key
            }
        };
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
        let key = match &self.backend {
            Backend::Redis(redis) => {
                within(redis.update(key, state.clone(), ttl), UpdateError::Other).await?
            }
            Backend::Database(db) => {
                let json = serde_json::to_string(&state)
                    .map_err(|e| UpdateError::Serialization(e.into()))?;
                store::sessions::save(db, key.as_ref(), json, expiry(ttl))
                    .await
                    .map_err(|e| UpdateError::Other(e.into()))?;
                key
            }
        };
        self.cache.put(key.as_ref(), &state);
        Ok(key)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        match &self.backend {
            Backend::Redis(redis) => within(redis.update_ttl(key, ttl), |e| e).await,
            Backend::Database(db) => {
                store::sessions::touch(db, key.as_ref(), expiry(ttl)).await?;
                Ok(())
            }
        }
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        self.cache.forget(key.as_ref());
        match &self.backend {
            Backend::Redis(redis) => within(redis.delete(key), |e| e).await,
            Backend::Database(db) => {
                store::sessions::delete(db, key.as_ref(), Utc::now()).await?;
                Ok(())
            }
        }
    }
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
