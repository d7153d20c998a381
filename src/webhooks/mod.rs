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
use std::time::Duration;

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

/// Deliveries claimed at a time (sent at once, each to its own receiver).
const BATCH: u32 = 16;
/// Events of the outbox taken at a time.
const FAN_OUT: u64 = 500;
/// Sent and failed deliveries are kept (and shown) this long.
const KEPT: chrono::TimeDelta = chrono::TimeDelta::days(7);

impl Worker {
    async fn run(mut self) {
        let mut purged = Utc::now() - chrono::TimeDelta::hours(1);
        loop {
            if *self.stopped.borrow() {
                break;
            }
            let busy = match self.round().await {
                Ok(busy) => busy,
                Err(e) => {
                    if !store::is_outage(&e) {
                        tracing::warn!(error = %e, "webhooks: a round failed");
                    }
                    false
                }
            };
            if Utc::now() - purged > chrono::TimeDelta::hours(1) {
                purged = Utc::now();
                if let Err(e) = deliveries::purge(&self.db, purged - KEPT).await {
                    tracing::warn!(error = %e, "webhooks: forgetting old deliveries failed");
                }
            }
            if busy {
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

    /// One round: new events into deliveries, then the deliveries due; whether there was work.
    async fn round(&self) -> Result<bool, store::DbErr> {
        let taken = deliveries::fan_out(&self.db, &self.base, Utc::now(), FAN_OUT).await?;
        let now = Utc::now();
        let until = now + chrono::TimeDelta::from_std(self.settings.lease).unwrap_or_default();
        let claimed = deliveries::claim(&self.db, &self.owner, now, until, BATCH).await?;
        let sent = claimed.len();
        let attempts = claimed.into_iter().map(|c| self.deliver(c));
        let tried = futures_util::future::join_all(attempts).await;
        let ends = deliveries::finish(
            &self.db,
            &self.owner,
            &tried,
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

    async fn gauge(&self) -> Result<(), store::DbErr> {
        let oldest = deliveries::oldest_pending(&self.db).await?;
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
        let headers = [
            (
                "Authorization",
                format!("Signature {}", signer.sign(body.as_bytes())),
            ),
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
