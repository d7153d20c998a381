//! Slows down guessing passwords: sign-in attempts are counted per account and per client
//! address; past the quota, sign-in answers "too many attempts, wait" without checking the
//! password. Counts live in memory, per instance.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct SignInThrottle {
    by_account: DefaultKeyedRateLimiter<String>,
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

fn quota(burst: u32, every: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(every)
        .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl Default for SignInThrottle {
    /// Five attempts at once per account, then one a minute; twenty per address, then one every
    /// ten seconds.
    fn default() -> Self {
        SignInThrottle::new(
            quota(5, Duration::from_secs(60)),
            quota(20, Duration::from_secs(10)),
        )
    }
}

impl SignInThrottle {
    pub fn new(per_account: Quota, per_address: Quota) -> Self {
        SignInThrottle {
            by_account: RateLimiter::keyed(per_account),
            by_address: RateLimiter::keyed(per_address),
            clock: DefaultClock::default(),
        }
    }

    /// Counts an attempt. `Err` holds how long to wait when there were too many.
    pub fn attempt(&self, email: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        let now = self.clock.now();
        let wait = |not_until: governor::NotUntil<_>| not_until.wait_time_from(now);
        if let Some(address) = address {
            self.by_address.check_key(&address).map_err(wait)?;
        }
        self.by_account
            .check_key(&email.trim().to_lowercase())
            .map_err(wait)
    }

    /// Forgets keys whose counts have run out, so memory stays bounded.
    pub fn tidy(&self) {
        self.by_account.retain_recent();
        self.by_address.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_slowed_down_after_its_burst() {
        let t = SignInThrottle::default();
        for _ in 0..5 {
            assert!(t.attempt("a@x.example", None).is_ok());
        }
        let wait = t.attempt("A@x.example ", None).unwrap_err();
        assert!(
            wait > Duration::from_secs(30) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        assert!(
            t.attempt("b@x.example", None).is_ok(),
            "other accounts are not affected"
        );
    }

    #[test]
    fn an_address_is_slowed_down_across_accounts() {
        let t = SignInThrottle::default();
        let ip: IpAddr = [10, 0, 0, 1].into();
        for i in 0..20 {
            assert!(t.attempt(&format!("user{i}@x.example"), Some(ip)).is_ok());
        }
        assert!(t.attempt("fresh@x.example", Some(ip)).is_err());
    }
}
