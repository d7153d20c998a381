//! The webhooks' worker: a background task of every instance, beside the requests (a slow or
//! dead receiver never slows a change). It turns the events of the outbox into deliveries,
//! claims the deliveries due with a lease, sends each signed ([`signing`]) to the address
//! checked ([`send`]), and records each attempt: sent, tried again after a backoff doubling from
//! `PORTAL_WEBHOOK_RETRY_SECONDS`, or failed after ten. Nothing of a delivery lives in memory:
//! one whose instance died (SIGKILL) mid-attempt is claimed again when its lease runs out.

pub mod send;
pub mod signing;
pub mod tls;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::config::Networks;
use crate::domain::webhook::{ATTEMPT_TIMEOUT, WebhookUrl};
use crate::store::webhooks::deliveries::{self, Claimed, Delivery, Ended, Tried};
use crate::store::{self, Db};
use signing::Keys;

/// How deliveries are made.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// `PORTAL_WEBHOOK_RETRY_SECONDS` (default 30): the wait after the first failed attempt,
    /// doubled after each further one.
    pub retry: Duration,
    /// `PORTAL_WEBHOOK_LEASE_SECONDS` (default 30, at least 6): how long an instance's claim on
    /// a delivery lasts; longer than an attempt, so that no two instances send it at once.
    pub lease: Duration,
    /// `PORTAL_WEBHOOK_ALLOW` (none by default): networks receivers may be in although they are
    /// loopback, private, link-local…
    pub allow: Networks,
    /// `PORTAL_WEBHOOK_KEY`: the signing key's PEM file (else one is made and kept in the
    /// database).
    pub key_file: Option<std::path::PathBuf>,
    /// `PORTAL_WEBHOOK_WORKER` (default true): whether this instance sends deliveries.
    pub worker: bool,
    /// How often an idle worker looks for events.
    pub idle: Duration,
    /// `PORTAL_WEBHOOK_EVENTS_DAYS` (default 7, the Notifications log's span): how long the
    /// events outbox keeps an event the webhooks are done with (taken, and none of its
    /// deliveries pending); the portal's sweep (`crate::jobs::sweep`) removes it after that.
    pub events_kept: Duration,
    /// `PORTAL_WEBHOOK_TEST_BURST` (default 2, at least 1, as Partner Center's two a minute): the
    /// test events a reseller may ask for within [`crate::domain::webhook::TEST_WINDOW`].
    pub test_burst: u32,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            retry: Duration::from_secs(30),
            lease: Duration::from_secs(30),
            allow: Networks::default(),
            key_file: None,
            worker: true,
            idle: Duration::from_millis(500),
            events_kept: Duration::from_secs(7 * 86_400),
            test_burst: 2,
        }
    }
}

/// What pages and handlers need of webhooks: the settings, the keys, the portal's base address,
/// and a way to wake the worker.
#[derive(Clone)]
pub struct Webhooks {
    pub settings: Arc<WebhookSettings>,
    pub keys: Arc<Keys>,
    /// The portal's address the events' URIs start with (`PORTAL_PUBLIC_URL`, else the address
    /// it listens on).
    pub base: Arc<str>,
    wake: Arc<Notify>,
    stop: watch::Sender<bool>,
    task: Arc<std::sync::Mutex<Option<JoinHandle<()>>>>,
}

impl Webhooks {
    /// Starts the worker (unless `settings.worker` is off) on the current Tokio runtime.
    pub fn spawn(db: Db, clock: Clock, settings: WebhookSettings, base: String) -> Webhooks {
        let keys = Arc::new(Keys::new(
            db.clone(),
            clock.clone(),
            settings.key_file.clone(),
        ));
        let settings = Arc::new(settings);
        let wake = Arc::new(Notify::new());
        let (stop, stopped) = watch::channel(false);
        let base: Arc<str> = Arc::from(base);
        let task = settings.worker.then(|| {
            let worker = Worker {
                db,
                settings: settings.clone(),
                keys: keys.clone(),
                base: base.clone(),
                owner: uuid::Uuid::new_v4().to_string(),
                wake: wake.clone(),
                stopped,
                tls: tls::Tls::new(),
            };
            tokio::spawn(worker.run())
        });
        Webhooks {
            settings,
            keys,
            base,
            wake,
            stop,
            task: Arc::new(std::sync::Mutex::new(task)),
        }
    }

    /// Something is due now (a test event): look at once.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Lets the attempts in hand finish, gives back the rest of the claim, and ends the worker.
    pub async fn stop(&self) {
        let _ = self.stop.send(true);
        self.wake.notify_one();
        let task = self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    /// The URL of the certificate receivers verify signatures with.
    pub fn certificate_url(&self) -> String {
        format!("{}{}", self.base, signing::CERTIFICATE_PATH)
    }
}

struct Worker {
    db: Db,
    settings: Arc<WebhookSettings>,
    keys: Arc<Keys>,
    base: Arc<str>,
    owner: String,
    wake: Arc<Notify>,
    stopped: watch::Receiver<bool>,
    tls: tls::Tls,
}

/// How much a round takes on: events of the outbox turned into deliveries, deliveries claimed,
/// and of those at most `run` of one resource (sent one after the other; the resources' runs at
/// once, each to its receiver).
#[derive(Debug, Clone, Copy)]
struct Pace {
    fan_out: u64,
    claim: u32,
    run: u32,
}

/// While nobody is making changes: as fast as the receivers take them.
const FULL: Pace = Pace {
    fan_out: 1000,
    claim: 256,
    run: 32,
};
/// While changes are being made (events come faster than [`BUSY_EVENTS`] a second): a small
/// round every [`TRICKLE_EVERY`], so that the worker's writes, signatures and connections
/// don't take the changes' turn to write and their CPU; what waits is sent once they slow.
const TRICKLE: Pace = Pace {
    fan_out: 100,
    claim: 16,
    run: 4,
};
const BUSY_EVENTS: f64 = 20.0;
const TRICKLE_EVERY: Duration = Duration::from_secs(1);
/// How often the rate of events is read again.
const LOOK_EVERY: Duration = Duration::from_millis(250);
/// Sent and failed deliveries are kept (and shown) this long.
const KEPT: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// How fast changes come: the newest event's id when last read, and when.
struct Pressure {
    head: Option<(i64, Instant)>,
    busy: bool,
}

impl Pressure {
    /// Whether changes are being made (read again at most every [`LOOK_EVERY`]).
    async fn busy(&mut self, db: &Db) -> bool {
        let now = Instant::now();
        if let Some((_, at)) = self.head
            && now - at < LOOK_EVERY
        {
            return self.busy;
        }
        let Ok(head) = store::webhooks::events_head(db).await else {
            return self.busy;
        };
        if let Some((before, at)) = self.head {
            #[allow(clippy::cast_precision_loss)]
            let rate = (head - before) as f64 / (now - at).as_secs_f64();
            self.busy = rate > BUSY_EVENTS;
        }
        self.head = Some((head, now));
        self.busy
    }
}

impl Worker {
    async fn run(mut self) {
        let mut purged = Utc::now() - chrono::TimeDelta::hours(1);
        let mut pressure = Pressure {
            head: None,
            busy: false,
        };
        let mut last_round: Option<Instant> = None;
        loop {
            if *self.stopped.borrow() {
                break;
            }
            let busy = pressure.busy(&self.db).await;
            if busy
                && let Some(wait) =
                    last_round.and_then(|at| TRICKLE_EVERY.checked_sub(at.elapsed()))
            {
                tokio::select! {
                    _ = tokio::time::sleep(wait.min(LOOK_EVERY)) => {}
                    _ = self.stopped.changed() => {}
                }
                continue;
            }
            last_round = Some(Instant::now());
            let pace = if busy { TRICKLE } else { FULL };
            let worked = match self.round(pace).await {
                Ok(worked) => worked,
                Err(e) => {
                    if !store::is_outage(&e) {
                        tracing::warn!(error = %e, "webhooks: a round failed");
                    }
                    false
                }
            };
            if Utc::now() - purged > chrono::TimeDelta::hours(1) {
                purged = Utc::now();
                if let Err(e) = store::webhooks::purge(&self.db, purged - KEPT).await {
                    tracing::warn!(error = %e, "webhooks: forgetting old deliveries failed");
                }
            }
            if worked || busy {
                continue;
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.settings.idle) => {}
                _ = self.stopped.changed() => {}
            }
        }
        if let Err(e) = deliveries::release(&self.db, &self.owner).await {
            tracing::warn!(error = %e, "webhooks: giving back the claim failed");
        }
    }

    /// One round: new events into deliveries, then the deliveries due, each resource's in
    /// order; whether there was work.
    async fn round(&self, pace: Pace) -> Result<bool, store::DbErr> {
        let taken = deliveries::fan_out(&self.db, &self.base, Utc::now(), pace.fan_out).await?;
        let now = Utc::now();
        let until = now + chrono::TimeDelta::from_std(self.settings.lease).unwrap_or_default();
        let claimed =
            deliveries::claim(&self.db, &self.owner, now, until, pace.claim, pace.run).await?;
        let sent = claimed.len();
        let mut runs: Vec<Vec<Claimed>> = Vec::new();
        let mut by_resource: std::collections::HashMap<(String, String), usize> =
            std::collections::HashMap::new();
        for c in claimed {
            let key = (c.delivery.reseller.clone(), c.delivery.ordering.clone());
            match by_resource.get(&key) {
                Some(&i) => runs[i].push(c),
                None => {
                    by_resource.insert(key, runs.len());
                    runs.push(vec![c]);
                }
            }
        }
        let started = Instant::now();
        let done =
            futures_util::future::join_all(runs.into_iter().map(|run| self.send_run(run, started)))
                .await;
        let (mut tried, mut untried) = (Vec::with_capacity(sent), Vec::new());
        for (t, u) in done {
            tried.extend(t);
            untried.extend(u);
        }
        let ends = deliveries::finish(
            &self.db,
            &self.owner,
            &tried,
            &untried,
            Utc::now(),
            self.settings.retry,
        )
        .await?;
        for ((delivery, tried), ended) in tried.iter().zip(ends) {
            counted(delivery, tried, ended);
        }
        self.gauge().await?;
        Ok(taken > 0 || sent > 0)
    }

    /// A resource's claimed deliveries, one after the other, in order: after one that does not
    /// go through, or once the lease has no room left for another whole attempt, the rest are
    /// left untried (their claim is given back). What was tried, and the ids left.
    async fn send_run(
        &self,
        run: Vec<Claimed>,
        started: Instant,
    ) -> (Vec<(Delivery, Tried)>, Vec<i32>) {
        // An attempt is a lookup and a post, each at most ATTEMPT_TIMEOUT; a second spare.
        let room = self
            .settings
            .lease
            .saturating_sub(2 * ATTEMPT_TIMEOUT + Duration::from_secs(1));
        let (mut tried, mut untried) = (Vec::with_capacity(run.len()), Vec::new());
        let mut go = true;
        for claimed in run {
            if go && !tried.is_empty() && started.elapsed() > room {
                go = false;
            }
            if !go {
                untried.push(claimed.delivery.id);
                continue;
            }
            let (delivery, attempt) = self.deliver(claimed).await;
            go = attempt.succeeded() || attempt.outcome == "dropped";
            tried.push((delivery, attempt));
        }
        (tried, untried)
    }

    async fn gauge(&self) -> Result<(), store::DbErr> {
        let oldest = store::webhooks::oldest_pending(&self.db).await?;
        let age = oldest.map_or(0.0, |at| (Utc::now() - at).as_seconds_f64().max(0.0));
        metrics::gauge!("portal_webhook_oldest_pending_seconds").set(age);
        Ok(())
    }

    /// One attempt of a claimed delivery (none if its registration no longer hears it).
    async fn deliver(&self, claimed: Claimed) -> (Delivery, Tried) {
        let Claimed {
            delivery,
            url,
            hears,
        } = claimed;
        let tried = match url.as_deref().map(WebhookUrl::parse) {
            Some(Ok(url)) if hears => self.attempt(&url, &delivery.body).await,
            _ => Tried {
                status: None,
                outcome: "dropped",
                millis: 0,
            },
        };
        (delivery, tried)
    }

    /// One attempt: the address checked, the body signed and sent.
    async fn attempt(&self, url: &WebhookUrl, body: &str) -> Tried {
        let started = std::time::Instant::now();
        let to =
            match tokio::time::timeout(ATTEMPT_TIMEOUT, send::resolve(url, &self.settings.allow))
                .await
            {
                Ok(Ok(to)) => to,
                Ok(Err(problem)) => {
                    tracing::warn!(url = %url.as_str(), %problem, "webhooks: receiver refused");
                    return Tried {
                        status: None,
                        outcome: match problem {
                            send::AddressProblem::Refused { .. } => "refused-address",
                            send::AddressProblem::Unresolved(_) => "unresolved",
                        },
                        millis: elapsed(started),
                    };
                }
                Err(_) => {
                    return Tried {
                        status: None,
                        outcome: "timeout",
                        millis: elapsed(started),
                    };
                }
            };
        let signer = match self.keys.signer().await {
            Ok(signer) => signer,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "webhooks: no signing key");
                return Tried {
                    status: None,
                    outcome: "no-key",
                    millis: 0,
                };
            }
        };
        let Ok(signature) = signer.sign(body.as_bytes()) else {
            tracing::error!("webhooks: signing failed");
            return Tried {
                status: None,
                outcome: "no-key",
                millis: elapsed(started),
            };
        };
        let headers = [
            ("Authorization", format!("Signature {signature}")),
            (
                "X-MS-Certificate-Url",
                format!("{}{}", self.base, signing::CERTIFICATE_PATH),
            ),
            ("X-MS-Signature-Algorithm", signing::ALGORITHM.to_owned()),
        ];
        send::post(to, url, &headers, body.as_bytes(), &self.tls).await
    }
}

/// An attempt in the metrics and the log.
fn counted(delivery: &Delivery, tried: &Tried, ended: Ended) {
    let event = delivery.name.clone();
    if tried.outcome != "dropped" {
        metrics::counter!("portal_webhook_attempts_total", "event" => event.clone(), "outcome" => tried.outcome)
            .increment(1);
    }
    let result = match ended {
        Ended::Sent => Some("sent"),
        Ended::Failed => Some("failed"),
        Ended::Dropped => Some("dropped"),
        Ended::Retry(_) | Ended::Lost => None,
    };
    if let Some(result) = result {
        metrics::counter!("portal_webhook_deliveries_total", "event" => event, "result" => result)
            .increment(1);
    }
    tracing::info!(
        delivery = delivery.id,
        correlation_id = %delivery.correlation_id,
        event = %delivery.name,
        status = ?tried.status,
        outcome = tried.outcome,
        millis = tried.millis,
        ended = ?ended,
        "webhook attempt"
    );
}

fn elapsed(started: std::time::Instant) -> u32 {
    u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX)
}
