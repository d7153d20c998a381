//! Slows down guessing passwords without locking anyone out (OWASP ASVS V2.2.1, and OWASP's
//! "device cookies"): only failed sign-ins count. A browser that signed in to an account before
//! carries a device cookie for it and is never held back by what others did to that account;
//! its own failures slow it alone. Any other browser is slowed after repeated failures for the
//! account, by growing delays that stop growing at a minute: never a lockout. An address is held
//! back only after many failures (an office of thirty behind one address signs in freely);
//! the API holds back an address that made up too many tokens alike ([`AddressFailures`]).
//! Counts live in memory, per instance.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures an account (or a device) may have before each attempt waits.
const FREE_FAILURES: u32 = 5;
/// The first wait after them, doubling with each failure…
const FIRST_DELAY: Duration = Duration::from_secs(2);
/// …up to this.
const MAX_DELAY: Duration = Duration::from_secs(60);
/// Failures are forgotten after this long without another.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Failures one address may have within [`ADDRESS_WINDOW`] before it waits.
const ADDRESS_FAILURES: usize = 100;
const ADDRESS_WINDOW: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// How long an attempt must still wait at `now`, if at all.
    fn wait(&self, now: Instant) -> Option<Duration> {
        let over = self.count.checked_sub(FREE_FAILURES)?;
        let delay = FIRST_DELAY
            .checked_mul(1u32 << over.min(16))
            .map_or(MAX_DELAY, |d| d.min(MAX_DELAY));
        let ready = self.last + delay;
        (ready > now).then(|| ready - now)
    }
}

/// Who is knocking: a browser with the account's device cookie (its id), or any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Browser<'a> {
    Known(&'a str),
    Unknown,
}

#[derive(Default)]
pub struct SignInThrottle {
    accounts: Mutex<HashMap<String, Failures>>,
    devices: Mutex<HashMap<String, Failures>>,
    addresses: AddressFailures,
}

/// Failures per client address (wrong passwords; made-up API tokens), each remembered for
/// [`ADDRESS_WINDOW`]: an address with [`ADDRESS_FAILURES`] of them waits until the oldest is
/// forgotten. A user's mistakes never come near it; a script guessing does.
pub struct AddressFailures {
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

/// Addresses kept before the forgotten ones are dropped as new ones come.
const ADDRESSES_KEPT: usize = 10_000;

impl Default for AddressFailures {
    fn default() -> Self {
        AddressFailures {
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl AddressFailures {
    /// How long `address` must still wait at `now`, if at all.
    pub fn wait(&self, address: IpAddr, now: Instant) -> Option<Duration> {
        let failures = lock(&self.failures);
        let failures = failures.get(&address)?;
        if failures.len() < ADDRESS_FAILURES {
            return None;
        }
        let free = *failures.front()? + ADDRESS_WINDOW;
        (free > now).then(|| free - now)
    }

    /// Counts a failure of `address`.
    pub fn failed(&self, address: IpAddr, now: Instant) {
        let mut addresses = lock(&self.failures);
        if addresses.len() >= ADDRESSES_KEPT && !addresses.contains_key(&address) {
            forget_old(&mut addresses, now);
        }
        let failures = addresses.entry(address).or_default();
        failures.push_back(now);
        while failures.len() > ADDRESS_FAILURES {
            failures.pop_front();
        }
    }

    /// Forgets what no longer counts, so memory stays bounded.
    pub fn tidy(&self, now: Instant) {
        forget_old(&mut lock(&self.failures), now);
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        lock(&self.failures).is_empty()
    }
}

fn forget_old(addresses: &mut HashMap<IpAddr, VecDeque<Instant>>, now: Instant) {
    addresses.retain(|_, failures| {
        while failures
            .front()
            .is_some_and(|t| now.duration_since(*t) > ADDRESS_WINDOW)
        {
            failures.pop_front();
        }
        !failures.is_empty()
    });
}

fn account_key(email: &str) -> String {
    email.trim().to_lowercase()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl SignInThrottle {
    /// Whether an attempt may go ahead now; `Err` holds how long to wait. Nothing is counted:
    /// only [`SignInThrottle::failed`] counts.
    pub fn check(
        &self,
        email: &str,
        browser: Browser<'_>,
        address: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Duration> {
        let own = match browser {
            Browser::Known(device) => lock(&self.devices).get(device).copied(),
            Browser::Unknown => lock(&self.accounts).get(&account_key(email)).copied(),
        };
        if let Some(wait) = own.and_then(|f| f.wait(now)) {
            return Err(wait);
        }
        match address.and_then(|a| self.addresses.wait(a, now)) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// Counts a failed attempt: for the device that made it, or for the account when the browser
    /// is unknown; and for the address.
    pub fn failed(&self, email: &str, browser: Browser<'_>, address: Option<IpAddr>, now: Instant) {
        let count = |map: &mut HashMap<String, Failures>, key: String| {
            let entry = map.entry(key).or_insert(Failures {
                count: 0,
                last: now,
            });
            if now.duration_since(entry.last) > FORGET_AFTER {
                entry.count = 0;
            }
            entry.count += 1;
            entry.last = now;
        };
        match browser {
            Browser::Known(device) => count(&mut lock(&self.devices), device.to_owned()),
            Browser::Unknown => count(&mut lock(&self.accounts), account_key(email)),
        }
        if let Some(address) = address {
            self.addresses.failed(address, now);
        }
    }

    /// A correct password: the failures of this browser's kind for the account are forgotten.
    pub fn succeeded(&self, email: &str, browser: Browser<'_>) {
        match browser {
            Browser::Known(device) => {
                lock(&self.devices).remove(device);
            }
            Browser::Unknown => {
                lock(&self.accounts).remove(&account_key(email));
            }
        }
    }

    /// Forgets what no longer counts, so memory stays bounded.
    pub fn tidy(&self, now: Instant) {
        let stale = |f: &Failures| now.duration_since(f.last) <= FORGET_AFTER;
        lock(&self.accounts).retain(|_, f| stale(f));
        lock(&self.devices).retain(|_, f| stale(f));
        self.addresses.tidy(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VICTIM: &str = "victim@x.example";

    #[test]
    fn correct_sign_ins_never_count() {
        let t = SignInThrottle::default();
        let now = Instant::now();
        for _ in 0..1000 {
            assert!(t.check(VICTIM, Browser::Unknown, None, now).is_ok());
            t.succeeded(VICTIM, Browser::Unknown);
        }
    }

    #[test]
    fn failures_slow_an_unknown_browser_by_growing_bounded_delays() {
        let t = SignInThrottle::default();
        let mut now = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert!(t.check(VICTIM, Browser::Unknown, None, now).is_ok());
            t.failed(VICTIM, Browser::Unknown, None, now);
        }
        let mut waits = Vec::new();
        for _ in 0..12 {
            let wait = t.check(VICTIM, Browser::Unknown, None, now).unwrap_err();
            waits.push(wait.as_secs());
            now += wait;
            assert!(
                t.check(VICTIM, Browser::Unknown, None, now).is_ok(),
                "never locked out"
            );
            t.failed(VICTIM, Browser::Unknown, None, now);
        }
        assert_eq!(waits[..6], [2, 4, 8, 16, 32, 60]);
        assert!(waits.iter().all(|w| *w <= 60));
        // The account's own device is not held back by any of it.
        assert!(
            t.check(VICTIM, Browser::Known("device-1"), None, now)
                .is_ok()
        );
        // Another account neither.
        assert!(
            t.check("other@x.example", Browser::Unknown, None, now)
                .is_ok()
        );
    }

    #[test]
    fn a_device_is_slowed_by_its_own_failures_only() {
        let t = SignInThrottle::default();
        let now = Instant::now();
        for _ in 0..=FREE_FAILURES {
            t.failed(VICTIM, Browser::Known("device-1"), None, now);
        }
        assert!(
            t.check(VICTIM, Browser::Known("device-1"), None, now)
                .is_err()
        );
        assert!(
            t.check(VICTIM, Browser::Known("device-2"), None, now)
                .is_ok()
        );
        assert!(t.check(VICTIM, Browser::Unknown, None, now).is_ok());
    }

    #[test]
    fn an_address_is_held_back_only_after_many_failures() {
        let t = SignInThrottle::default();
        let office: IpAddr = [10, 0, 0, 1].into();
        let now = Instant::now();
        for i in 0..ADDRESS_FAILURES {
            let email = format!("user{}@x.example", i % 30);
            assert!(t.check(&email, Browser::Unknown, Some(office), now).is_ok());
            t.failed(&email, Browser::Unknown, Some(office), now);
        }
        let wait = t
            .check("fresh@x.example", Browser::Unknown, Some(office), now)
            .unwrap_err();
        assert_eq!(wait, ADDRESS_WINDOW);
        assert!(
            t.check(
                "fresh@x.example",
                Browser::Unknown,
                Some(office),
                now + ADDRESS_WINDOW
            )
            .is_ok()
        );
    }

    #[test]
    fn old_failures_are_forgotten() {
        let t = SignInThrottle::default();
        let now = Instant::now();
        for _ in 0..=FREE_FAILURES {
            t.failed(VICTIM, Browser::Unknown, Some([10, 0, 0, 2].into()), now);
        }
        let later = now + FORGET_AFTER + Duration::from_secs(1);
        t.tidy(later);
        assert!(
            t.check(VICTIM, Browser::Unknown, Some([10, 0, 0, 2].into()), later)
                .is_ok()
        );
        assert!(lock(&t.accounts).is_empty() && t.addresses.is_empty());
    }
}
