//! Who calls the API: the `Authorization: Bearer` token, checked against its hash, acting as the
//! user it was issued to; each user's request rate (all their tokens together); and addresses
//! that made up too many tokens, held back before their next lookup. The session cookie plays no
//! part here.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::ApiError;
use crate::config::TrustedProxies;
use crate::domain::Account;
use crate::domain::api_token::TokenSecret;
use crate::store::{self, Db};
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::throttle::AddressFailures;
use crate::web::middleware::{client, roles};

/// How often a token's last use is written: at most once a minute per token and instance.
const TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

#[derive(Clone)]
struct Known {
    account: Account,
    token_id: i32,
    checked: Instant,
    /// When it was looked up (unix milliseconds, the wall's clock): a deactivation since (its user's
    /// sessions ended) may have revoked it, so it is looked up again.
    looked_up_at: i64,
}

/// The tokens this instance checked lately, every user's rate, and the addresses that sent
/// tokens nobody holds. A token is looked up in the database at most once per cache window
/// (`PORTAL_SESSION_CACHE_SECONDS`, as sessions are): a token revoked on another instance stops
/// working here within that time, one revoked here at once.
pub struct ApiTokens {
    known: RwLock<HashMap<String, Known>>,
    window: Duration,
    last_touch: RwLock<HashMap<i32, chrono::DateTime<chrono::Utc>>>,
    /// Keyed by user: a user's tokens share one rate.
    rate: Option<DefaultKeyedRateLimiter<i32>>,
    clock: DefaultClock,
    /// Tokens that were malformed or found nobody, per client address (as wrong passwords are
    /// counted for sign-in): past the limit, the address waits before its next lookup.
    failures: AddressFailures,
}

impl ApiTokens {
    /// `per_minute` requests a minute per user (0: no limit), with a cache window of `window`.
    pub fn new(per_minute: u32, window: Duration) -> ApiTokens {
        ApiTokens {
            known: RwLock::new(HashMap::new()),
            window,
            last_touch: RwLock::new(HashMap::new()),
            rate: NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n))),
            clock: DefaultClock::default(),
            failures: AddressFailures::default(),
        }
    }

    /// Forgets a token at once on this instance (it was revoked).
    pub fn forget(&self, token_id: i32) {
        if let Ok(mut known) = self.known.write() {
            known.retain(|_, k| k.token_id != token_id);
        }
    }

    fn cached(&self, hash: &str) -> Option<Known> {
        let known = self.known.read().ok()?;
        known
            .get(hash)
            .filter(|k| k.checked.elapsed() < self.window)
            .cloned()
    }

    /// The caller of a token as sent (`None`: not a token at all), from `address`.
    async fn authenticate(
        &self,
        db: &Db,
        secret: Option<&TokenSecret>,
        address: Option<IpAddr>,
    ) -> Result<Known, ApiError> {
        let hash = secret.map(TokenSecret::hash);
        if let Some(mut known) = hash.as_deref().and_then(|hash| self.cached(hash)) {
            // The token is known; its user is read at each request: a deactivated user's
            // tokens stop at once, on every instance, and a new role counts at once.
            let user = known.account.user_id;
            match store::users::session_account(db, user, known.looked_up_at).await? {
                Some(account) => {
                    known.account = account;
                    return Ok(known);
                }
                None => {
                    // Deactivated (and maybe reactivated since, the token staying revoked).
                    self.forget(known.token_id);
                    if store::users::account(db, user).await?.is_none() {
                        return Err(ApiError::unauthorized());
                    }
                }
            }
        }
        // Any other token costs a lookup: an address that sent too many nobody holds waits
        // first, without one.
        if let Some(wait) = address.and_then(|a| self.failures.wait(a, Instant::now())) {
            metrics::counter!("portal_api_token_throttled_total").increment(1);
            return Err(ApiError::held_back(seconds(wait)));
        }
        let looked_up_at = chrono::Utc::now().timestamp_millis();
        let found = match secret {
            Some(secret) => store::api_tokens::authenticate(db, secret).await?,
            None => None,
        };
        let Some((account, token_id)) = found else {
            metrics::counter!("portal_api_token_failures_total").increment(1);
            if let Some(address) = address {
                self.failures.failed(address, Instant::now());
            }
            return Err(ApiError::unauthorized());
        };
        let now = chrono::Utc::now();
        // Claimed in the map before the write, so that of the requests arriving at once when it
        // is due one writes (each write takes the turn to write on SQLite, committing the open
        // batch of changes first: thirty-two at once stalled the changes behind them).
        let due = self.last_touch.write().is_ok_and(|mut touched| {
            let due = touched
                .get(&token_id)
                .is_none_or(|at| now - *at >= TOUCH_EVERY);
            if due {
                touched.insert(token_id, now);
            }
            due
        });
        if due {
            store::api_tokens::touch(db, token_id, now).await?;
        }
        let known = Known {
            account,
            token_id,
            checked: Instant::now(),
            looked_up_at,
        };
        if !self.window.is_zero()
            && let Some(hash) = hash
            && let Ok(mut cache) = self.known.write()
        {
            // Entries past the window are dropped as new ones come: the cache holds at most the
            // tokens used within one window.
            cache.retain(|_, k| k.checked.elapsed() < self.window);
            cache.insert(hash, known.clone());
        }
        Ok(known)
    }

    /// Counts a request of `user` against their rate.
    fn count(&self, user: i32) -> Result<(), ApiError> {
        let Some(rate) = &self.rate else {
            return Ok(());
        };
        rate.check_key(&user).map_err(|not_until| {
            ApiError::too_many(seconds(not_until.wait_time_from(self.clock.now())))
        })
    }
}

/// A wait in whole seconds, at least one (for `Retry-After`).
fn seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

/// The caller of an API request: the account its token acts as, the token, and the language of
/// its explanations (`X-Locale`, default en-US).
pub struct ApiCaller {
    pub account: Account,
    pub token_id: i32,
    pub locale: Locale,
    /// The request's `MS-CorrelationId` (made up when it sent none; see `api::Correlation`).
    pub correlation: Option<uuid::Uuid>,
}

impl FromRequest for ApiCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let authorization = req.headers().get(header::AUTHORIZATION);
        let sent = authorization.is_some();
        let secret = authorization.and_then(|v| v.to_str().ok()).and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| TokenSecret::parse(token.trim()))
                .flatten()
        });
        let trusted = req.app_data::<web::Data<TrustedProxies>>();
        let address = client::address(req, trusted.map(|t| t.get_ref()));
        let locale = req
            .headers()
            .get("X-Locale")
            .and_then(|v| v.to_str().ok())
            .and_then(Locale::parse)
            .unwrap_or(Locale::EnUs);
        let db = req.app_data::<web::Data<Db>>().cloned();
        let tokens = req.app_data::<web::Data<ApiTokens>>().cloned();
        let clock = req.app_data::<web::Data<crate::clock::Clock>>().cloned();
        let correlation = actix_web::HttpMessage::extensions(req)
            .get::<super::Correlation>()
            .map(|c| c.0);
        let req = req.clone();
        Box::pin(async move {
            let (Some(db), Some(tokens)) = (db, tokens) else {
                return Err(ApiError::internal("the API is not wired"));
            };
            if !sent {
                return Err(ApiError::unauthorized());
            }
            let known = tokens.authenticate(&db, secret.as_ref(), address).await?;
            tokens.count(known.account.user_id)?;
            // Required to enroll and not enrolled: the pages lead such a user to the Security
            // page; their tokens wait too, saying why (read at each request, as the role is).
            if known.account.must_enroll {
                return Err(ApiError::must_enroll(known.account.role));
            }
            if let Some(needs) = roles::refused(roles::API, &req, &known.account) {
                let at = clock.map_or_else(chrono::Utc::now, |c| c.now());
                let what = roles::refusal_text(needs, &req);
                store::activity::record_refused(&db, &known.account, &what, at).await?;
                return Err(ApiError::not_allowed(known.account.role));
            }
            Ok(ApiCaller {
                account: known.account,
                token_id: known.token_id,
                locale,
                correlation,
            })
        })
    }
}
