//! Webhooks as Partner Center sends them (issue 33): the events the portal announces, a
//! registration's URL and events as a reseller gives them, the body of an event, and how a
//! delivery is retried. Which addresses may never be called is [`address`].

pub mod address;

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

/// An event the portal sends, with what it announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventKind {
    /// `EventName`, in Partner Center's `{resource}-{action}` form.
    pub name: &'static str,
    /// `ResourceName`.
    pub resource: &'static str,
    /// Whether Partner Center itself sends it (else the portal's own, of the same form).
    pub partner_center: bool,
    /// What it announces.
    pub about: &'static str,
}

/// The events the portal sends (`GET /webhooks/v1/registration/events`), in this order.
pub const EVENTS: &[EventKind] = &[
    EventKind {
        name: "subscription-updated",
        resource: "subscription",
        partner_center: true,
        about: "a subscription changed: its licenses, status or name, an upgrade (for the \
                subscription upgraded and for the one it created)",
    },
    EventKind {
        name: "test-created",
        resource: "test",
        partner_center: true,
        about: "a test event asked for with POST /webhooks/v1/registration/validationEvents \
                or the Notifications page",
    },
    EventKind {
        name: "customer-created",
        resource: "customer",
        partner_center: false,
        about: "a new customer was created",
    },
    EventKind {
        name: "order-created",
        resource: "order",
        partner_center: false,
        about: "an order of new subscriptions was placed (each subscription it creates is \
                announced as subscription-updated too)",
    },
    EventKind {
        name: "bulk-job-completed",
        resource: "bulkjob",
        partner_center: false,
        about: "a bulk change job ran its last row",
    },
];

/// The test event's name.
pub const TEST_CREATED: &str = "test-created";

/// The event of a bulk change job that ended.
pub const BULK_JOB_COMPLETED: &str = "bulk-job-completed";

/// The kind of an event named `name`, if the portal sends it.
pub fn kind(name: &str) -> Option<&'static EventKind> {
    EVENTS.iter().find(|k| k.name == name)
}

/// Attempts made to deliver an event before it is marked failed (as Partner Center's 10).
pub const MAX_ATTEMPTS: u32 = 10;

/// How long an attempt may take, from connecting to the receiver's answer.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// The most of a receiver's answer that is read.
pub const MAX_ANSWER: usize = 64 * 1024;

/// The wait before the next attempt after `attempts` failed ones: `base`, doubled after each
/// further failure (30 s, 1 min, 2 min, … with the default base), at most a day.
pub fn backoff(base: Duration, attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(20);
    base.saturating_mul(1 << doublings)
        .min(Duration::from_secs(24 * 3600))
}

/// What is wrong with a registration as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationProblem {
    #[error("WebhookUrl: expected an http or https address, such as https://example.com/webhooks")]
    Url,
    #[error("WebhookUrl: only http and https addresses are called")]
    Scheme,
    #[error("WebhookUrl: an address with a user name or password is not accepted")]
    Credentials,
    #[error("WebhookUrl: longer than 2,000 characters")]
    TooLong,
    #[error("WebhookEvents: name at least one event")]
    NoEvents,
    #[error("WebhookEvents: {0:?} is not an event the portal sends")]
    UnknownEvent(String),
}

/// A receiver's address: an absolute `http` or `https` URL with a host, without credentials or a
/// fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(url::Url);

impl WebhookUrl {
    pub fn parse(raw: &str) -> Result<WebhookUrl, RegistrationProblem> {
        let raw = raw.trim();
        if raw.len() > 2000 {
            return Err(RegistrationProblem::TooLong);
        }
        let url = url::Url::parse(raw).map_err(|_| RegistrationProblem::Url)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(RegistrationProblem::Scheme);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(RegistrationProblem::Credentials);
        }
        if url.host().is_none() || url.fragment().is_some() {
            return Err(RegistrationProblem::Url);
        }
        Ok(WebhookUrl(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn is_https(&self) -> bool {
        self.0.scheme() == "https"
    }

    /// The host as the URL names it: a name, or an address (IPv6 without brackets).
    pub fn host(&self) -> Host<'_> {
        match self.0.host() {
            Some(url::Host::Ipv4(a)) => Host::Address(a.into()),
            Some(url::Host::Ipv6(a)) => Host::Address(a.into()),
            Some(url::Host::Domain(name)) => Host::Name(name),
            None => Host::Name(""),
        }
    }

    /// The port, the scheme's default when none is given.
    pub fn port(&self) -> u16 {
        self.0.port_or_known_default().unwrap_or(80)
    }

    /// The `Host` header's value.
    pub fn authority(&self) -> String {
        match self.0.port() {
            Some(port) => format!("{}:{port}", self.0.host_str().unwrap_or_default()),
            None => self.0.host_str().unwrap_or_default().to_owned(),
        }
    }

    /// The path and query, as the request line carries them.
    pub fn target(&self) -> String {
        match self.0.query() {
            Some(q) => format!("{}?{q}", self.0.path()),
            None => self.0.path().to_owned(),
        }
    }
}

/// A URL's host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host<'a> {
    Name(&'a str),
    Address(std::net::IpAddr),
}

/// A registration as a reseller gives it: where, and which events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub url: WebhookUrl,
    /// Each once, in the order of [`EVENTS`].
    pub events: Vec<&'static str>,
}

impl Registration {
    pub fn parse<S: AsRef<str>>(
        url: &str,
        events: &[S],
    ) -> Result<Registration, RegistrationProblem> {
        let url = WebhookUrl::parse(url)?;
        let mut named = Vec::new();
        for event in events {
            let event = event.as_ref().trim();
            let kind = EVENTS
                .iter()
                .find(|k| k.name.eq_ignore_ascii_case(event))
                .ok_or_else(|| RegistrationProblem::UnknownEvent(event.to_owned()))?;
            named.push(kind.name);
        }
        if named.is_empty() {
            return Err(RegistrationProblem::NoEvents);
        }
        let events = EVENTS
            .iter()
            .map(|k| k.name)
            .filter(|n| named.contains(n))
            .collect();
        Ok(Registration { url, events })
    }

    pub fn hears(&self, event: &str) -> bool {
        self.events.contains(&event)
    }
}

/// An event's body, exactly as Partner Center sends it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Payload {
    pub event_name: String,
    pub resource_uri: String,
    pub resource_name: String,
    pub audit_uri: Option<String>,
    pub resource_change_utc_date: String,
}

/// A time as Partner Center writes `ResourceChangeUtcDate`: `2017-11-16T16:19:06.3520276+00:00`.
pub fn utc_date(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// A resource an event is about, as the outbox records it.
pub struct Resource<'a> {
    pub kind: &'a str,
    pub id: &'a str,
    pub customer: Option<&'a str>,
}

/// The `/v1` address (after the portal's base) that reads `resource` with the same token; a bulk
/// job, which the API has no address for, is its page.
pub fn resource_path(resource: &Resource<'_>) -> String {
    let customer = resource.customer.unwrap_or_default();
    match resource.kind {
        "subscription" => format!("/v1/customers/{customer}/subscriptions/{}", resource.id),
        "customer" => format!("/v1/customers/{}", resource.id),
        "order" => format!("/v1/customers/{customer}/orders/{}", resource.id),
        "bulkjob" => format!("/bulk/jobs/{}", resource.id),
        other => format!("/v1/{other}s/{}", resource.id),
    }
}

/// The audit records of the moment a change was made: `GET /v1/auditrecords` of that
/// millisecond.
pub fn audit_path(at: DateTime<Utc>) -> String {
    let end = at + chrono::TimeDelta::milliseconds(1);
    format!(
        "/v1/auditrecords?startDate={}&endDate={}",
        at.to_rfc3339_opts(SecondsFormat::Millis, true),
        end.to_rfc3339_opts(SecondsFormat::Millis, true)
    )
}

/// The span a reseller's test events are counted over: at most a burst of them (a setting,
/// `PORTAL_WEBHOOK_TEST_BURST`, by default 2, as Partner Center's "2 requests per minute when
/// posting a validation event") within it, so that a script in a loop can't make the portal
/// post to a receiver as fast as it asks.
pub const TEST_WINDOW: Duration = Duration::from_secs(60);

/// How long a reseller must wait at `now` before another test event, given when its recent
/// ones were made (any order; those older than [`TEST_WINDOW`] don't count) and the `burst`
/// allowed within the window: none if it may send one now. Whole seconds, at least one, as
/// `Retry-After` says it.
pub fn test_event_wait(recent: &[DateTime<Utc>], now: DateTime<Utc>, burst: u32) -> Option<u64> {
    let window = chrono::TimeDelta::from_std(TEST_WINDOW).unwrap_or_default();
    let mut counted: Vec<DateTime<Utc>> = recent
        .iter()
        .copied()
        .filter(|at| *at > now - window)
        .collect();
    // A burst of none would refuse every test event for ever: one at least.
    let burst = usize::try_from(burst.max(1)).unwrap_or(usize::MAX);
    if counted.len() < burst {
        return None;
    }
    // Newest first: the window frees a place when the burst-th newest leaves it.
    counted.sort_unstable_by(|a, b| b.cmp(a));
    let freed = counted[burst - 1] + window;
    let millis = (freed - now).num_milliseconds().max(1);
    Some(u64::try_from(millis).unwrap_or(1).div_ceil(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_and_stops_at_a_day() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 1), Duration::from_secs(30));
        assert_eq!(backoff(base, 2), Duration::from_secs(60));
        assert_eq!(backoff(base, 3), Duration::from_secs(120));
        assert_eq!(backoff(base, 9), Duration::from_secs(30 * 256));
        assert_eq!(backoff(base, 40), Duration::from_secs(24 * 3600));
    }

    #[test]
    fn a_registration_takes_http_and_https_and_known_events_only() {
        let r = Registration::parse(
            "https://example.com/hooks?x=1",
            &["TEST-CREATED", "subscription-updated", "test-created"],
        )
        .unwrap();
        assert_eq!(r.events, ["subscription-updated", "test-created"]);
        assert_eq!(r.url.target(), "/hooks?x=1");
        assert_eq!(r.url.port(), 443);
        for (url, problem) in [
            ("ftp://example.com/", RegistrationProblem::Scheme),
            ("file:///etc/passwd", RegistrationProblem::Scheme),
            ("https://u:p@example.com/", RegistrationProblem::Credentials),
            ("example.com/hooks", RegistrationProblem::Url),
            ("https://example.com/#x", RegistrationProblem::Url),
        ] {
            assert_eq!(
                Registration::parse(url, &["test-created"]),
                Err(problem),
                "{url}"
            );
        }
        assert_eq!(
            Registration::parse("https://example.com/", &["invoice-ready"]),
            Err(RegistrationProblem::UnknownEvent("invoice-ready".into()))
        );
        assert_eq!(
            Registration::parse::<&str>("https://example.com/", &[]),
            Err(RegistrationProblem::NoEvents)
        );
    }

    #[test]
    fn hosts_are_names_or_addresses() {
        let u = WebhookUrl::parse("http://[::1]:8080/x").unwrap();
        assert_eq!(u.host(), Host::Address("::1".parse().unwrap()));
        assert_eq!(u.authority(), "[::1]:8080");
        let u = WebhookUrl::parse("http://LocalHost/x").unwrap();
        assert_eq!(u.host(), Host::Name("localhost"));
        let u = WebhookUrl::parse("http://2130706433/").unwrap();
        assert_eq!(u.host(), Host::Address("127.0.0.1".parse().unwrap()));
    }

    #[test]
    fn the_payload_has_partner_centers_names_and_addresses() {
        let at = DateTime::parse_from_rfc3339("2026-12-04T10:00:00.123Z")
            .unwrap()
            .with_timezone(&Utc);
        let body = serde_json::to_value(Payload {
            event_name: "subscription-updated".into(),
            resource_uri: resource_path(&Resource {
                kind: "subscription",
                id: "s1",
                customer: Some("c1"),
            }),
            resource_name: "subscription".into(),
            audit_uri: Some(audit_path(at)),
            resource_change_utc_date: utc_date(at),
        })
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "EventName": "subscription-updated",
                "ResourceUri": "/v1/customers/c1/subscriptions/s1",
                "ResourceName": "subscription",
                "AuditUri": "/v1/auditrecords?startDate=2026-12-04T10:00:00.123Z&endDate=2026-12-04T10:00:00.124Z",
                "ResourceChangeUtcDate": "2026-12-04T10:00:00.123000+00:00",
            })
        );
    }

    #[test]
    fn test_events_come_in_a_small_burst_then_wait_for_the_window() {
        let now = DateTime::parse_from_rfc3339("2026-12-05T10:01:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let ago = |s: i64| now - chrono::TimeDelta::seconds(s);
        assert_eq!(test_event_wait(&[], now, 2), None);
        assert_eq!(test_event_wait(&[ago(1)], now, 2), None);
        // The second within a minute fills the burst: the older of them (55 s ago) leaves in 5 s.
        assert_eq!(test_event_wait(&[ago(1), ago(55)], now, 2), Some(5));
        // Those older than the window don't count.
        assert_eq!(test_event_wait(&[ago(1), ago(60), ago(61)], now, 2), None);
        // More than the burst (two instances at once): the burst-th newest decides.
        assert_eq!(
            test_event_wait(&[ago(1), ago(3), ago(2), ago(40)], now, 3),
            Some(57)
        );
        // Never less than a second; whole seconds rounded up.
        let just = now - chrono::TimeDelta::milliseconds(59_999);
        assert_eq!(test_event_wait(&[just], now, 1), Some(1));
        let half = now - chrono::TimeDelta::milliseconds(10_500);
        assert_eq!(test_event_wait(&[half], now, 1), Some(50));
        assert_eq!(test_event_wait(&[ago(0)], now, 1), Some(60));
        // A burst of 0 is taken as 1.
        assert_eq!(test_event_wait(&[], now, 0), None);
        assert_eq!(test_event_wait(&[ago(10)], now, 0), Some(50));
    }
}
