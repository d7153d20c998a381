//! HTTP: the route table. What every request passes through is in [`middleware`]; what answers
//! it, in [`pages`] (one module per page or resource) and [`api`] (the Partner Center door),
//! both turning their input into domain types at the edge and asking the same rules of `domain`
//! and the same change engine of `store`. [`explain`] says the rules' refusals in words for both.

pub mod api;
pub mod explain;
pub mod middleware;
pub mod pages;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;

use middleware::error::PageError;
use middleware::{file_guard, metrics, session_store, static_files};
use pages::{
    activity, api_access, approvals, billing, bulk, catalog, customers, delegated_admin, details,
    exports, language, new_customer, notifications, orders, reviews, security, set_password,
    sign_in, subscriptions, upgrade, users,
};

/// The routes that need no session: a request for them never touches the database.
pub fn open_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health))
        .route("/ready", web::get().to(ready))
        .route("/metrics", web::get().to(metrics::serve))
        .route("/static/{path:.*}", web::get().to(static_files::serve));
}

/// Every other route of the portal, top to bottom: these run with a session and CSRF checks.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/language/{tag}", web::get().to(language::switch))
        .route("/sign-in", web::get().to(sign_in::form))
        .route("/sign-in", web::post().to(sign_in::submit))
        .route("/sign-out", web::post().to(sign_in::sign_out))
        .route("/", web::get().to(customers::list))
        .route("/activity", web::get().to(activity::list))
        .route("/activity/export.csv", web::get().to(exports::activity))
        // Before the customer scope, which would take `export` for a customer id.
        .route(
            "/customers/export/customers.csv",
            web::get().to(exports::customers),
        )
        .route(
            "/customers/export/subscriptions.csv",
            web::get().to(exports::subscriptions),
        )
        // issue 31 (before the customer scope, which would take `new` for a customer id)
        .route(new_customer::PATH, web::get().to(new_customer::form))
        .route(new_customer::PATH, web::post().to(new_customer::submit))
        .route(
            new_customer::AVAILABILITY,
            web::get().to(new_customer::availability),
        )
        .route("/bulk", web::get().to(bulk::index))
        .route("/bulk/selection", web::post().to(bulk::from_selection))
        .service(
            web::resource(bulk::FILE_PATH)
                .app_data(web::FormConfig::default().limit(middleware::limits::BULK_FORM))
                .route(web::post().to(bulk::from_file))
                // issue 30
                .route(web::get().to(reviews::to("/bulk"))),
        )
        .route("/bulk/jobs/{job}", web::get().to(bulk::job::job_page))
        .route("/bulk/jobs/{job}/start", web::post().to(bulk::job::start))
        .route("/bulk/jobs/{job}/cancel", web::post().to(bulk::job::cancel))
        .route(
            "/bulk/jobs/{job}/progress",
            web::get().to(bulk::job::progress),
        )
        .route(
            "/bulk/jobs/{job}/results.csv",
            web::get().to(bulk::review::results_csv),
        )
        // issue 30
        .route(
            "/bulk/jobs/{job}/review.csv",
            web::get().to(bulk::review::review_csv),
        )
        .route("/bulk/template.csv", web::get().to(bulk::template_csv))
        .route("/prices", web::get().to(billing::prices))
        .route("/charges", web::get().to(billing::charges))
        .route("/charges.csv", web::get().to(billing::charges_csv))
        .route("/settings", web::get().to(billing::settings))
        .route(
            "/settings/billing-day",
            web::post().to(billing::set_billing_day),
        )
        // issue 31
        .route("/catalog", web::get().to(catalog::page))
        .route("/api-access", web::get().to(api_access::show))
        .route("/api-access/tokens", web::post().to(api_access::issue))
        .route(
            "/api-access/tokens/{token}/revoke",
            web::post().to(api_access::revoke),
        )
        .route(
            "/api-access/reference",
            web::get().to(api_access::reference_page),
        )
        // issue 32 (what each route needs of a role: middleware/roles.rs)
        .route("/users", web::get().to(users::list))
        .route("/users", web::post().to(users::invite))
        .route("/users/{user}/role", web::post().to(users::change_role))
        .route("/users/{user}/reset", web::post().to(users::reset))
        .route(
            "/users/{user}/deactivate",
            web::post().to(users::deactivate),
        )
        .route(
            "/users/{user}/reactivate",
            web::post().to(users::reactivate),
        )
        .route(
            "/users/{user}/two-step-reset",
            web::post().to(users::reset_two_step),
        )
        .route(
            "/settings/two-step",
            web::post().to(users::set_two_step_roles),
        )
        // issue 32: a second person's approval
        .route("/approvals", web::get().to(approvals::list))
        .route("/approvals/{approval}", web::get().to(approvals::show))
        .route(
            "/approvals/{approval}/approve",
            web::post().to(approvals::approve),
        )
        .route(
            "/approvals/{approval}/reject",
            web::post().to(approvals::reject),
        )
        .route(
            "/approvals/{approval}/withdraw",
            web::post().to(approvals::withdraw),
        )
        .route(
            "/settings/approvals",
            web::post().to(approvals::set_thresholds),
        )
        .route(
            "/bulk/jobs/{job}/approve",
            web::post().to(approvals::approve_job),
        )
        .route(
            "/bulk/jobs/{job}/reject",
            web::post().to(approvals::reject_job),
        )
        .route("/security", web::get().to(security::show))
        .route("/security/two-step", web::post().to(security::start))
        .route(
            "/security/two-step/confirm",
            web::post().to(security::confirm),
        )
        .route("/set-password/{secret}", web::get().to(set_password::form))
        .route(
            "/set-password/{secret}",
            web::post().to(set_password::submit),
        )
        // issue 30
        .route(
            "/api-access/tokens/{token}/revoke",
            web::get().to(api_access::confirm_revoke),
        )
        // issue 33
        .route("/notifications", web::get().to(notifications::show))
        .route(
            "/notifications/registration",
            web::post().to(notifications::save),
        )
        .route(
            "/notifications/registration/remove",
            web::post().to(notifications::remove),
        )
        .route("/notifications/test", web::post().to(notifications::test))
        .route(
            "/notifications/deliveries/{delivery}/resend",
            web::post().to(notifications::resend),
        )
        .service(
            web::scope("/customers/{customer}")
                .route("/subscriptions", web::get().to(subscriptions::list))
                // issue 31
                .route("/orders/new", web::get().to(orders::form))
                .route("/orders/new", web::post().to(orders::submit))
                .route("/orders/{order}", web::get().to(orders::placed))
                .route("/delegated-admin", web::get().to(delegated_admin::page))
                .route("/upgrades/{upgrade}", web::get().to(upgrade::result))
                .service(
                    web::scope("/subscriptions/{subscription}")
                        .route("", web::get().to(details::page))
                        .route("/licenses", web::post().to(details::change_licenses))
                        .route("/status", web::post().to(details::change_status))
                        .route("/upgrade", web::get().to(upgrade::form))
                        .route("/upgrade", web::post().to(upgrade::submit))
                        // issue 30
                        .route("/licenses", web::get().to(reviews::to_details))
                        .route("/status", web::get().to(reviews::to_details)),
                ),
        )
        // issue 30: reviews at their own address, and a GET of a form's action
        .route("/reviews/{draft}", web::get().to(reviews::show))
        .route("/reviews/{draft}", web::post().to(reviews::confirm))
        .route("/bulk/selection", web::get().to(reviews::to("/bulk")))
        .route("/bulk/jobs/{job}/start", web::get().to(reviews::to_job))
        .route("/bulk/jobs/{job}/cancel", web::get().to(reviews::to_job))
        .route(
            "/settings/billing-day",
            web::get().to(reviews::to("/settings")),
        )
        .route(
            "/api-access/tokens",
            web::get().to(reviews::to("/api-access")),
        )
        .route("/sign-out", web::get().to(reviews::to("/")))
        .route(
            "/settings/approvals",
            web::get().to(reviews::to("/settings")),
        )
        .route("/bulk/jobs/{job}/approve", web::get().to(reviews::to_job))
        .route("/bulk/jobs/{job}/reject", web::get().to(reviews::to_job))
        .route(
            "/approvals/{approval}/approve",
            web::get().to(reviews::to_approval),
        )
        .route(
            "/approvals/{approval}/reject",
            web::get().to(reviews::to_approval),
        )
        .route(
            "/approvals/{approval}/withdraw",
            web::get().to(reviews::to_approval),
        )
        .default_service(web::to(not_found));
}

/// Liveness, without touching the database.
async fn health() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body("ok")
}

/// Readiness: 200 only when the database (and Redis, where sessions live there) answers within
/// two seconds; 503 otherwise, saying which does not.
async fn ready(
    db: web::Data<crate::store::Db>,
    sessions: web::Data<session_store::SharedSessions>,
    file: Option<web::Data<crate::store::DatabaseFile>>,
) -> HttpResponse {
    let within = std::time::Duration::from_secs(2);
    let database = file_guard::intact(file.as_ref().map(|f| f.get_ref()))
        && tokio::time::timeout(within, db.ping())
            .await
            .is_ok_and(|r| r.is_ok());
    let sessions = tokio::time::timeout(within, sessions.answers())
        .await
        .unwrap_or(false);
    let body = format!(
        "database: {}\nsessions: {}\n",
        if database { "ok" } else { "unavailable" },
        if sessions { "ok" } else { "unavailable" }
    );
    let mut response = if database && sessions {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    // Which one failed stays readable when it does.
    response
        .extensions_mut()
        .insert(middleware::error::KeepBody);
    response
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/plain; charset=utf-8")
        .body(body)
}

async fn not_found() -> Result<HttpResponse, PageError> {
    Err(PageError::NotFound)
}

/// Renders a page with a status of our choosing (422 for a form with messages, for instance).
pub fn render(status: StatusCode, page: &impl Template) -> Result<HttpResponse, PageError> {
    let html = page
        .render()
        .map_err(|e| PageError::Internal(anyhow::Error::new(e).context("rendering a page")))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// Whether the portal is served over HTTPS (`PORTAL_HTTPS`): its cookies are then `Secure`.
pub fn https(req: &actix_web::HttpRequest) -> bool {
    req.app_data::<web::Data<crate::config::Https>>()
        .is_some_and(|h| h.0)
}

/// A 303 to `location`, after a change succeeded (post/redirect/get).
pub fn see_other(location: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
