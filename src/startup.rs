//! The composition root: the one place where the App is wired (database, sessions, middleware,
//! routes).

use std::net::TcpListener;
use std::sync::Arc;

use actix_session::SessionMiddleware;
use actix_session::config::{PersistentSession, SessionLifecycle, TtlExtensionPolicy};
use actix_web::cookie::{SameSite, time::Duration};
use actix_web::dev::Server;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers, from_fn};
use actix_web::{App, HttpServer};
use anyhow::Context as _;

use crate::clock::Clock;
use crate::config::Settings;
use crate::jobs::{Jobs, RunnerSettings};
use crate::store::{self, Db};
use crate::web::api::auth::ApiTokens;
use crate::web::middleware::session::SessionLimits;
use crate::web::middleware::session_store::{self, SessionCache, SharedSessions};
use crate::web::middleware::throttle::SignInThrottle;
use crate::web::middleware::{self, csrf, file_guard, limits};
use crate::web::pages::error::render_error_pages;
use crate::web::{self, pages};
use actix_web::web::{Data, FormConfig, PayloadConfig};

/// The demo book loaded into an empty database: see the README for its sign-ins.
pub const DEMO_BOOK: &str = include_str!("../demo/demo.json");
/// The demo book's price list (Skype for Business has none, to show a change without a price).
pub const DEMO_PRICES: &str = include_str!("../demo/prices.csv");

/// Security headers on every response, error pages included: no inline script or style, no
/// framing, no MIME sniffing, no referrer outside the portal.
fn security_headers(https: bool) -> DefaultHeaders {
    let headers = if https {
        // Served over HTTPS: browsers keep to it for a year.
        DefaultHeaders::new().add(("Strict-Transport-Security", "max-age=31536000"))
    } else {
        DefaultHeaders::new()
    };
    headers
        .add((
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
}

pub struct Application {
    port: u16,
    server: Server,
    db: Db,
    clock: Clock,
    jobs: Jobs,
    webhooks: crate::webhooks::Webhooks,
}

impl Application {
    /// Connects and migrates the database, loads the demo book into an empty one if asked, and
    /// binds the listener (port 0 picks a free port: see [`Application::port`]).
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let db = store::connect(&settings.database_url, settings.database_pool).await?;
        if settings.demo_data && store::import::is_empty(&db).await? {
            let book =
                crate::import::parse(DEMO_BOOK, settings.clock.today()).context("the demo book")?;
            store::import::load(&db, &book)
                .await
                .context("loading the demo book")?;
            let prices =
                crate::domain::prices::parse(DEMO_PRICES).context("the demo price list")?;
            store::billing::load_prices(&db, &prices, settings.clock.now())
                .await
                .context("loading the demo price list")?;
            tracing::info!("loaded the demo book and its price list into the empty database");
        }
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("binding {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let cache = Arc::new(SessionCache::new(settings.session_cache));
        let sessions = match &settings.redis_url {
            Some(url) => SharedSessions::redis(url, cache)
                .await
                .with_context(|| format!("connecting to Redis at {}", store::redact(url)))?,
            None => SharedSessions::database(db.clone(), cache),
        };
        let clock = settings.clock.clone();
        let jobs = if settings.job_runner {
            Jobs::spawn(
                db.clone(),
                clock.clone(),
                RunnerSettings {
                    lease: std::time::Duration::from_secs(settings.job_lease),
                    ..RunnerSettings::default()
                },
            )
        } else {
            Jobs::none()
        };
        // Two-step secrets kept in clear by an earlier version: sealed now, before any sign-in.
        let sealer = crate::sealed::Sealer::new(&settings.session_key);
        let sealed = store::two_step::seal_in_clear(&db, &sealer)
            .await
            .context("sealing the two-step secrets kept in clear")?;
        if sealed > 0 {
            tracing::info!(users = sealed, "sealed the two-step secrets kept in clear");
        }
        store::keep_checkpointing(&db);
        crate::jobs::sweep(
            db.clone(),
            clock.clone(),
            chrono::TimeDelta::from_std(settings.webhooks.events_kept)
                .unwrap_or(chrono::TimeDelta::days(7)),
        );
        // issue 33: the webhooks' worker, beside the requests.
        let base = match &settings.public_url {
            Some(url) => url.as_str().to_owned(),
            None => {
                let local = listener.local_addr()?;
                let ip = match local.ip() {
                    ip if ip.is_unspecified() => std::net::IpAddr::from([127, 0, 0, 1]),
                    ip => ip,
                };
                format!("http://{}", std::net::SocketAddr::new(ip, port))
            }
        };
        let webhooks = crate::webhooks::Webhooks::spawn(
            db.clone(),
            clock.clone(),
            settings.webhooks.clone(),
            base,
        );
        if settings.webhooks.key_file.is_some() {
            // A key file that can't be read stops the start, not the first delivery.
            if let Err(e) = webhooks.keys.signer().await {
                webhooks.stop().await;
                return Err(e.context("PORTAL_WEBHOOK_KEY"));
            }
        }
        let server = run(
            listener,
            db.clone(),
            sessions,
            jobs.clone(),
            webhooks.clone(),
            settings,
        )?;
        Ok(Application {
            port,
            server,
            db,
            clock,
            jobs,
            webhooks,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The portal's clock: a fixed one (`PORTAL_CLOCK`) can be moved, as tests walking through a
    /// billing period do.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Serves until stopped (SIGTERM, SIGINT), then stops the job runner: the row in hand is
    /// finished and the rest of its claim given back for another instance to take over.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.jobs.stop().await;
        self.webhooks.stop().await;
        served
    }
}

fn run(
    listener: TcpListener,
    db: Db,
    sessions: SharedSessions,
    jobs: Jobs,
    webhooks: crate::webhooks::Webhooks,
    settings: Settings,
) -> anyhow::Result<Server> {
    let jobs = Data::new(jobs);
    let webhooks = Data::new(webhooks);
    let data = Data::new(db.clone());
    let throttle = Data::new(SignInThrottle::default());
    let charge_totals = Data::new(pages::billing::ChargeTotals::default());
    let review_turns = Data::new(pages::bulk::ReviewTurns::default());
    let price_lists = Data::new(store::billing::PriceCache::default());
    let api_tokens = Data::new(ApiTokens::new(settings.api_rate, settings.session_cache));
    let clock = Data::new(settings.clock.clone());
    let metrics_allow = Data::new(settings.metrics_allow.clone());
    let trusted_proxies = Data::new(settings.trusted_proxies.clone());
    let public_url = settings.public_url.clone().map(Data::new);
    let mailer = settings
        .smtp_url
        .as_deref()
        .map(|url| crate::mail::Mailer::new(url, &settings.smtp_from))
        .transpose()?
        .map(Data::new);
    let database_file = store::DatabaseFile::of(&settings.database_url).map(Data::new);
    middleware::metrics::handle();
    middleware::metrics::keep_up();
    let device_key = Data::new(middleware::device::DeviceKey(settings.session_key.clone()));
    let sealer = Data::new(crate::sealed::Sealer::new(&settings.session_key));
    // The forms that may be larger than 16 KiB: a bulk change's rows.
    let large_forms = Data::new(csrf::LargeForms::new(
        &[pages::bulk::FILE_PATH],
        csrf::LargeForms::AT_ONCE,
    ));
    let limits = Data::new(SessionLimits {
        absolute: settings.session_max,
    });
    let key = settings.session_key.clone();
    let https = settings.https;
    let idle = Duration::seconds(settings.session_idle.num_seconds());
    let server = HttpServer::new(move || {
        let session_middleware = SessionMiddleware::builder(sessions.clone(), key.clone())
            .cookie_name("portal_session".to_owned())
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_secure(https)
            .session_lifecycle(SessionLifecycle::PersistentSession(
                // The idle expiry moves whenever the session is saved; `SignedIn` saves it at
                // most once a minute.
                PersistentSession::default()
                    .session_ttl(idle)
                    .session_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
            ))
            .build();
        // The last `wrap` runs first: headers, log, error pages; then, for every route but
        // /health, /static (which never load a session) and the API (its own token, its own
        // JSON errors), the session (its store's failures as pages), the CSRF check and the
        // error pages in the signed-in frame.
        let mut app = App::new();
        if let Some(file) = &database_file {
            app = app.app_data(file.clone());
        }
        if let Some(url) = &public_url {
            app = app.app_data(url.clone());
        }
        if let Some(mailer) = &mailer {
            app = app.app_data(mailer.clone());
        }
        app.wrap(ErrorHandlers::new().default_handler(render_error_pages))
            .wrap(from_fn(middleware::request_id::request_id))
            .wrap(security_headers(https))
            .app_data(data.clone())
            .app_data(throttle.clone())
            .app_data(charge_totals.clone())
            .app_data(review_turns.clone())
            .app_data(price_lists.clone())
            .app_data(jobs.clone())
            .app_data(webhooks.clone())
            .app_data(api_tokens.clone())
            .app_data(clock.clone())
            .app_data(Data::new(crate::config::Https(https)))
            .app_data(device_key.clone())
            .app_data(sealer.clone())
            .app_data(large_forms.clone())
            .app_data(metrics_allow.clone())
            .app_data(trusted_proxies.clone())
            .app_data(Data::new(sessions.clone()))
            .app_data(limits.clone())
            .app_data(FormConfig::default().limit(limits::DEFAULT))
            .app_data(PayloadConfig::default().limit(limits::DEFAULT))
            .configure(web::open_routes)
            .configure(web::api::routes)
            .service(
                actix_web::web::scope("")
                    // Error pages are drawn here too, while the session is at hand: a signed-in
                    // visitor's error keeps the signed-in frame.
                    // Writes into a replaced database file are refused here, as an error page.
                    // What the user's role may not do is refused before any handler reads
                    // a form (issue 32).
                    .wrap(from_fn(middleware::roles::guard_pages))
                    .wrap(from_fn(file_guard::guard_writes))
                    .wrap(ErrorHandlers::new().default_handler(render_error_pages))
                    // Pages with a reseller's data stay out of the browser's cache, so that
                    // nothing of them is left to read after sign-out.
                    .wrap(
                        DefaultHeaders::new()
                            .add((actix_web::http::header::CACHE_CONTROL, "no-store")),
                    )
                    .wrap(from_fn(csrf::verify))
                    .wrap(from_fn(session_store::unread_sessions_stop_here))
                    .wrap(session_middleware)
                    // The session store failing (Redis or the database out of reach) answers
                    // the error page: "briefly unavailable", not the session middleware's
                    // bare 500.
                    .wrap(from_fn(session_store::store_failures_as_pages))
                    .configure(web::routes),
            )
    })
    .workers(settings.workers)
    // SIGTERM: stop accepting, let the requests in flight finish (up to the grace), then exit.
    .shutdown_timeout(settings.shutdown_grace)
    .listen(listener)?
    .run();
    Ok(server)
}
