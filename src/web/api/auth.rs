//! Who calls the API: the `Authorization: Bearer` token, checked against its hash, acting as the
//! user it was issued to; and each token's request rate. The session cookie plays no part here.

use std::collections::HashMap;
use std::future::Future;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::ApiError;
use crate::domain::Account;
use crate::domain::api_token::TokenSecret;
use crate::store::{self, Db};
use crate::web::middleware::i18n::Locale;

/// How often a token's last use is written: at most once a minute per token and instance.
const TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

#[derive(Clone)]
struct Known {
    account: Account,
    token_id: i32,
    checked: Instant,
}

/// The tokens this instance checked lately, and every token's rate. A token is looked up in the
/// database at most once per cache window (`PORTAL_SESSION_CACHE_SECONDS`, as sessions are): a
/// token revoked on another instance stops working here within that time, one revoked here at
/// once.
pub struct ApiTokens {
    known: RwLock<HashMap<String, Known>>,
    window: Duration,
    last_touch: RwLock<HashMap<i32, chrono::DateTime<chrono::Utc>>>,
    rate: Option<DefaultKeyedRateLimiter<i32>>,
    clock: DefaultClock,
}

impl ApiTokens {
    /// `per_minute` requests a minute per token (0: no limit), with a cache window of `window`.
    pub fn new(per_minute: u32, window: Duration) -> ApiTokens {
        ApiTokens {
            known: RwLock::new(HashMap::new()),
            window,
            last_touch: RwLock::new(HashMap::new()),
            rate: NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n))),
            clock: DefaultClock::default(),
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

    async fn authenticate(&self, db: &Db, secret: &TokenSecret) -> Result<Known, ApiError> {
        let hash = secret.hash();
        if let Some(known) = self.cached(&hash) {
            return Ok(known);
        }
        let (account, token_id) = store::api_tokens::authenticate(db, secret)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let now = chrono::Utc::now();
        let due = self
            .last_touch
            .read()
            .ok()
            .and_then(|t| t.get(&token_id).copied())
            .is_none_or(|at| now - at >= TOUCH_EVERY);
        if due {
            store::api_tokens::touch(db, token_id, now).await?;
            if let Ok(mut touched) = self.last_touch.write() {
                touched.insert(token_id, now);
            }
        }
        let known = Known {
            account,
            token_id,
            checked: Instant::now(),
        };
        if !self.window.is_zero()
            && let Ok(mut cache) = self.known.write()
        {
            // Entries past the window are dropped as new ones come: the cache holds at most the
            // tokens used within one window.
            cache.retain(|_, k| k.checked.elapsed() < self.window);
            cache.insert(hash, known.clone());
        }
        Ok(known)
    }

    fn count(&self, token_id: i32) -> Result<(), ApiError> {
        let Some(rate) = &self.rate else {
            return Ok(());
        };
        rate.check_key(&token_id).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            ApiError::too_many(wait.as_secs_f64().ceil().max(1.0) as u64)
        })
    }
}

/// The caller of an API request: the account its token acts as, the token, and the language of
/// its explanations (`X-Locale`, default en-US).
pub struct ApiCaller {
    pub account: Account,
    pub token_id: i32,
    pub locale: Locale,
}

impl FromRequest for ApiCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let secret = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("bearer")
                    .then(|| TokenSecret::parse(token.trim()))
                    .flatten()
            });
        let locale = req
            .headers()
            .get("X-Locale")
            .and_then(|v| v.to_str().ok())
            .and_then(Locale::parse)
            .unwrap_or(Locale::EnUs);
        let db = req.app_data::<web::Data<Db>>().cloned();
        let tokens = req.app_data::<web::Data<ApiTokens>>().cloned();
        Box::pin(async move {
            let (Some(db), Some(tokens)) = (db, tokens) else {
                return Err(ApiError::internal("the API is not wired"));
            };
            let secret = secret.ok_or_else(ApiError::unauthorized)?;
            let known = tokens.authenticate(&db, &secret).await?;
            tokens.count(known.token_id)?;
            Ok(ApiCaller {
                account: known.account,
                token_id: known.token_id,
                locale,
            })
        })
    }
}
