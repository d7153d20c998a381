//! `/metrics` in Prometheus's text format (the `metrics` facade and its Prometheus exporter):
//! request durations by route template and status, sign-in failures and throttles, changes by
//! kind and result, and the database pool. Served on the portal's own listener, only to clients
//! of the networks `PORTAL_METRICS_ALLOW` names (loopback by default).

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::client;
use crate::config::{MetricsAllow, TrustedProxies};
use sea_orm::{DatabaseConnection, DbBackend};

/// The process's recorder, installed once (several test portals may share a process).
pub fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ])
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            at_zero();
            Some(handle)
        })
        .as_ref()
}

/// The counters a dashboard or an alert reads, registered at zero at start (Prometheus's "avoid
/// missing metrics"): a rate over a series that appears only with its first event reads as no
/// data, not as none. Every change's kind (and `edit`) with each outcome, and the sign-ins'.
fn at_zero() {
    let kinds = crate::domain::change::Kind::ALL
        .iter()
        .map(|k| k.as_str())
        .chain(["edit"]);
    for kind in kinds {
        for result in crate::store::changes::OUTCOMES {
            metrics::counter!("portal_changes_total", "kind" => kind, "result" => result)
                .increment(0);
        }
    }
    for name in [
        "portal_sign_in_failures_total",
        "portal_sign_in_throttled_total",
        "portal_api_token_failures_total",
        "portal_api_token_throttled_total",
    ] {
        metrics::counter!(name).increment(0);
    }
}

/// Every few seconds, drains the histograms' samples into their buckets: the exporter keeps
/// each sample until then, so without a scraper (or between slow scrapes) they piled up — a
/// 13-minute soak grew by 5 MiB a minute, about 22 bytes a request.
pub fn keep_up() {
    if let Some(handle) = handle() {
        // On the Tokio runtime the server runs on (not a worker's local set).
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
            loop {
                tick.tick().await;
                handle.run_upkeep();
            }
        });
    }
}

/// Sets the pool's gauges from what it holds now.
fn pool_gauges(db: &DatabaseConnection) {
    let (size, idle) = match db.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => return,
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    metrics::gauge!("portal_db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("portal_db_pool_connections", "state" => "in_use")
        .set(f64::from(size.saturating_sub(idle)));
}

/// The metrics, to a client of the allowed networks. Behind a trusted proxy the client is the
/// one the proxy forwards ([`client::address`]), not the proxy: a proxy on the same host would
/// otherwise hand every outside client the loopback's right to read them.
pub async fn serve(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    allow: Option<web::Data<MetricsAllow>>,
    trusted: Option<web::Data<TrustedProxies>>,
) -> HttpResponse {
    let client = client::address(&req, trusted.as_ref().map(|t| t.get_ref()));
    let allowed = client.is_some_and(|client| {
        allow.map_or_else(
            || MetricsAllow::default().allows(client),
            |a| a.allows(client),
        )
    });
    if !allowed {
        return HttpResponse::Forbidden()
            .content_type("text/plain; charset=utf-8")
            .body("metrics are not served to this address\n");
    }
    pool_gauges(&db);
    let Some(handle) = handle() else {
        return HttpResponse::ServiceUnavailable().finish();
    };
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Networks;

    #[test]
    fn networks_allowed() {
        let default = MetricsAllow::default();
        assert!(default.allows("127.0.0.1".parse().unwrap()));
        assert!(default.allows("::1".parse().unwrap()));
        assert!(!default.allows("10.1.2.3".parse().unwrap()));
        let named = MetricsAllow(Networks::parse("10.0.0.0/8, 192.168.1.5").unwrap());
        assert!(named.allows("10.1.2.3".parse().unwrap()));
        assert!(named.allows("192.168.1.5".parse().unwrap()));
        assert!(!named.allows("127.0.0.1".parse().unwrap()));
    }
}
