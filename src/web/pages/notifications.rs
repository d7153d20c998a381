//! Notifications (通知): the reseller's webhook registration as people manage it (the same
//! registration as `/webhooks/v1/registration`): where events are sent and which, a test event,
//! and the deliveries of the last 7 days with each one's attempts; a failed one can be sent again.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, TimeDelta, Utc};

use super::layout::Layout;
use crate::clock::Clock;
use crate::domain::webhook::{EVENTS, Registration, RegistrationProblem};
use crate::store::Db;
use crate::store::webhooks::deliveries::{self, Delivery, State, TestEvent};
use crate::store::webhooks::{self, Registered, Written};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::{render, see_other};
use crate::webhooks::{Webhooks, send};

/// The deliveries the log shows at most.
const LOG_ROWS: u32 = 200;

/// A delivery as the log shows it.
pub struct LogRow {
    pub id: i32,
    pub at: DateTime<Utc>,
    pub event: String,
    pub resource: String,
    pub state: State,
    pub attempts: u32,
    pub last: Option<String>,
}

#[derive(Template)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    l: Locale,
    layout: Layout,
    registered: Option<Registered>,
    url_value: String,
    events_checked: Vec<&'static str>,
    url_error: Option<String>,
    events_error: Option<String>,
    done: Option<&'static str>,
    /// Why what was asked was not done (a test event too soon).
    refused: Option<String>,
    log: Vec<LogRow>,
    certificate_url: String,
}

impl NotificationsPage {
    fn checked(&self, event: &str) -> bool {
        self.events_checked.contains(&event)
    }

    fn hears_tests(&self) -> bool {
        self.registered
            .as_ref()
            .is_some_and(|r| r.registration.hears(crate::domain::webhook::TEST_CREATED))
    }

    fn events(&self) -> Vec<(&'static str, String)> {
        EVENTS
            .iter()
            .map(|k| (k.name, self.l.t(&format!("notifications-event-{}", k.name))))
            .collect()
    }

    fn state_label(&self, state: &State) -> String {
        self.l.t(&format!("notifications-state-{}", state.as_str()))
    }
}

fn row(base: &str, d: Delivery) -> LogRow {
    let payload: Option<crate::domain::webhook::Payload> = serde_json::from_str(&d.body).ok();
    let resource = payload
        .map(|p| {
            p.resource_uri
                .strip_prefix(base)
                .map_or(p.resource_uri.clone(), str::to_owned)
        })
        .unwrap_or_default();
    LogRow {
        id: d.id,
        at: d.created_at,
        event: d.name,
        resource,
        state: d.state,
        attempts: d.attempts,
        last: (d.attempts > 0).then(|| match d.last_status {
            Some(s) => s.to_string(),
            None => "—".to_owned(),
        }),
    }
}

async fn page(
    l: Locale,
    req: &HttpRequest,
    user: &SignedIn,
    db: &Db,
    hooks: &Webhooks,
    now: DateTime<Utc>,
) -> Result<NotificationsPage, PageError> {
    let reseller = &user.account.reseller;
    let registered = webhooks::registration(db, reseller).await?;
    let since = now - TimeDelta::days(7);
    let log = deliveries::log(db, reseller, since, LOG_ROWS)
        .await?
        .into_iter()
        .map(|d| row(&hooks.base, d))
        .collect();
    let mut layout = user.layout(l, req.path()).in_section("notifications");
    layout.crumbs.clear();
    Ok(NotificationsPage {
        l,
        layout: layout.crumb(l.t("notifications-title"), None),
        url_value: registered
            .as_ref()
            .map(|r| r.registration.url.as_str().to_owned())
            .unwrap_or_default(),
        events_checked: registered.as_ref().map_or_else(
            || EVENTS.iter().map(|k| k.name).collect(),
            |r| r.registration.events.clone(),
        ),
        registered,
        url_error: None,
        events_error: None,
        done: None,
        refused: None,
        log,
        certificate_url: hooks.certificate_url(),
    })
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

// permission: view
/// The Notifications page.
pub async fn show(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    hooks: web::Data<Webhooks>,
    query: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let mut page = page(l, &req, &user, &db, &hooks, Utc::now()).await?;
    page.done = match query.done.as_deref() {
        Some("saved") => Some("notifications-saved"),
        Some("removed") => Some("notifications-removed"),
        Some("test") => Some("notifications-test-sent"),
        Some("resent") => Some("notifications-resent"),
        _ => None,
    };
    render(StatusCode::OK, &page)
}

// permission: change
/// Saves the registration (made, or changed keeping its SubscriberId): the same rules as the
/// API's, the receiver's address checked alike.
pub async fn save(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    hooks: web::Data<Webhooks>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let url = form
        .iter()
        .find(|(k, _)| k == "url")
        .map_or("", |(_, v)| v.as_str());
    let events: Vec<&str> = form
        .iter()
        .filter(|(k, _)| k == "events")
        .map(|(_, v)| v.as_str())
        .collect();
    let parsed = Registration::parse(url, &events);
    let refused = match &parsed {
        Ok(r) => send::resolve(&r.url, &hooks.settings.allow).await.err(),
        Err(_) => None,
    };
    let registration = match (parsed, refused) {
        (Ok(r), None) => r,
        (parsed, refused) => {
            let mut page = page(l, &req, &user, &db, &hooks, Utc::now()).await?;
            page.url_value = url.chars().take(2000).collect();
            page.events_checked = EVENTS
                .iter()
                .map(|k| k.name)
                .filter(|n| events.contains(n))
                .collect();
            match (parsed, refused) {
                (Err(RegistrationProblem::NoEvents | RegistrationProblem::UnknownEvent(_)), _) => {
                    page.events_error = Some(l.t("notifications-events-error"));
                }
                (Err(_), _) => page.url_error = Some(l.t("notifications-url-error")),
                (Ok(_), Some(send::AddressProblem::Unresolved(host))) => {
                    page.url_error = Some(l.t1("notifications-url-unresolved", "host", host));
                }
                (Ok(_), Some(send::AddressProblem::Refused { address, .. })) => {
                    page.url_error = Some(l.t1("notifications-url-refused", "address", address));
                }
                (Ok(_), None) => {}
            }
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let reseller = &user.account.reseller;
    let now = clock.now();
    match webhooks::update(&db, reseller, &registration, now).await? {
        Written::Done(_) => {}
        _ => {
            webhooks::register(&db, reseller, &registration, now).await?;
        }
    }
    Ok(see_other("/notifications?done=saved".to_owned()))
}

// permission: change
/// Ends the registration: nothing more is sent.
pub async fn remove(user: SignedIn, db: web::Data<Db>) -> Result<HttpResponse, PageError> {
    webhooks::unregister(&db, &user.account.reseller).await?;
    Ok(see_other("/notifications?done=removed".to_owned()))
}

// permission: change
/// Sends a `test-created` event now, unless the reseller sent its burst of them lately: then the
/// page again (429), saying how long to wait.
pub async fn test(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    hooks: web::Data<Webhooks>,
) -> Result<HttpResponse, PageError> {
    let now = Utc::now();
    let burst = hooks.settings.test_burst;
    match deliveries::send_test(&db, &user.account.reseller, &hooks.base, now, burst).await? {
        TestEvent::Sent(_) => {
            hooks.wake();
            Ok(see_other("/notifications?done=test".to_owned()))
        }
        TestEvent::NotHeard => Ok(see_other("/notifications".to_owned())),
        TestEvent::Wait(seconds) => {
            let mut page = page(l, &req, &user, &db, &hooks, now).await?;
            page.refused = Some(l.t2(
                "notifications-test-wait",
                "burst",
                burst,
                "seconds",
                seconds,
            ));
            let mut answer = render(StatusCode::TOO_MANY_REQUESTS, &page)?;
            answer.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(seconds),
            );
            Ok(answer)
        }
    }
}

// permission: change
/// Sends a failed delivery again (ten more attempts).
pub async fn resend(
    user: SignedIn,
    db: web::Data<Db>,
    hooks: web::Data<Webhooks>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id: i32 = path.parse().map_err(|_| PageError::NotFound)?;
    if !deliveries::resend(&db, &user.account.reseller, id, Utc::now()).await? {
        return Err(PageError::NotFound);
    }
    hooks.wake();
    Ok(see_other("/notifications?done=resent".to_owned()))
}
