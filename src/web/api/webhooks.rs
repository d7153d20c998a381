//! `/webhooks/v1`: Partner Center's webhook registration API with the same bearer tokens as
//! `/v1`: the events the portal sends, one registration per reseller (`POST`, `GET`, `PUT`,
//! `DELETE /webhooks/v1/registration`, its body in PascalCase or camelCase), test events and
//! their delivery attempts (`validationEvents`), and the certificate events are signed with.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};

use super::auth::ApiCaller;
use super::error::ApiError;
use super::json;
use crate::clock::Clock;
use crate::domain::webhook::{EVENTS, Registration, RegistrationProblem, TEST_WINDOW};
use crate::store::Db;
use crate::store::webhooks::deliveries::{self, State, TestEvent};
use crate::store::webhooks::{self, Registered, Written};
use crate::webhooks::{Webhooks, send};

#[derive(Deserialize)]
struct RegistrationBody {
    #[serde(rename = "WebhookUrl")]
    url: String,
    #[serde(rename = "WebhookEvents", default)]
    events: Vec<String>,
}

/// A registration as Partner Center answers it.
#[derive(Debug, Serialize, Deserialize)]
pub struct RegistrationAnswer {
    #[serde(rename = "SubscriberId")]
    pub subscriber_id: String,
    #[serde(rename = "WebhookUrl")]
    pub url: String,
    #[serde(rename = "WebhookEvents")]
    pub events: Vec<String>,
}

impl From<&Registered> for RegistrationAnswer {
    fn from(r: &Registered) -> Self {
        RegistrationAnswer {
            subscriber_id: r.subscriber_id.clone(),
            url: r.registration.url.as_str().to_owned(),
            events: r
                .registration
                .events
                .iter()
                .map(|e| (*e).to_owned())
                .collect(),
        }
    }
}

fn problem(p: RegistrationProblem) -> ApiError {
    ApiError::invalid(p.to_string())
}

/// The body read into a registration whose receiver may be called: a URL whose host is or
/// resolves to a loopback, private, link-local, multicast or unspecified address is refused
/// (unless `PORTAL_WEBHOOK_ALLOW` lists its network); so is a host that does not resolve.
async fn registration(body: &[u8], hooks: &Webhooks) -> Result<Registration, ApiError> {
    let body: RegistrationBody = super::parse_body(body, &["WebhookUrl", "WebhookEvents"])?;
    let registration = Registration::parse(&body.url, &body.events).map_err(problem)?;
    checked(&registration, hooks).await?;
    Ok(registration)
}

/// Refuses a registration whose receiver's address is never called.
pub async fn checked(registration: &Registration, hooks: &Webhooks) -> Result<(), ApiError> {
    send::resolve(&registration.url, &hooks.settings.allow)
        .await
        .map(|_| ())
        .map_err(|e| ApiError::invalid(format!("WebhookUrl: {e}")))
}

// permission: view
/// `GET /webhooks/v1/registration/events`: the names of the events the portal sends.
pub async fn events(_caller: ApiCaller) -> Result<HttpResponse, ApiError> {
    let names: Vec<&str> = EVENTS.iter().map(|k| k.name).collect();
    json(StatusCode::OK, &names)
}

// permission: view
/// `GET /webhooks/v1/registration`.
pub async fn get(caller: ApiCaller, db: web::Data<Db>) -> Result<HttpResponse, ApiError> {
    let found = webhooks::registration(&db, &caller.account.reseller)
        .await?
        .ok_or_else(ApiError::not_found)?;
    json(StatusCode::OK, &RegistrationAnswer::from(&found))
}

// permission: change
/// `POST /webhooks/v1/registration`: one registration per reseller (a second is a 409: `PUT`
/// changes it).
pub async fn create(
    caller: ApiCaller,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    hooks: web::Data<Webhooks>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let registration = registration(&body, &hooks).await?;
    match webhooks::register(&db, &caller.account.reseller, &registration, clock.now()).await? {
        Written::Done(r) => json(StatusCode::OK, &RegistrationAnswer::from(&r)),
        Written::AlreadyRegistered => Err(ApiError::conflict(
            "This reseller has a webhook registration already: change it with PUT, or DELETE it \
             first.",
        )),
        Written::NotRegistered => Err(ApiError::not_found()),
    }
}

// permission: change
/// `PUT /webhooks/v1/registration`: the URL and events replaced, the `SubscriberId` kept.
pub async fn update(
    caller: ApiCaller,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    hooks: web::Data<Webhooks>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let registration = registration(&body, &hooks).await?;
    match webhooks::update(&db, &caller.account.reseller, &registration, clock.now()).await? {
        Written::Done(r) => json(StatusCode::OK, &RegistrationAnswer::from(&r)),
        _ => Err(ApiError::not_found()),
    }
}

// permission: change
/// `DELETE /webhooks/v1/registration`: no more events; those not yet sent are dropped.
pub async fn delete(caller: ApiCaller, db: web::Data<Db>) -> Result<HttpResponse, ApiError> {
    if webhooks::unregister(&db, &caller.account.reseller).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found())
    }
}

/// `POST …/validationEvents`'s answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct CorrelationAnswer {
    #[serde(rename = "correlationId")]
    pub correlation_id: String,
}

// permission: change
/// `POST /webhooks/v1/registration/validationEvents`: a `test-created` event, sent at once.
pub async fn send_test(
    caller: ApiCaller,
    db: web::Data<Db>,
    hooks: web::Data<Webhooks>,
) -> Result<HttpResponse, ApiError> {
    let burst = hooks.settings.test_burst;
    let sent = deliveries::send_test(
        &db,
        &caller.account.reseller,
        &hooks.base,
        chrono::Utc::now(),
        burst,
    )
    .await?;
    let correlation_id = match sent {
        TestEvent::Sent(correlation_id) => correlation_id,
        TestEvent::NotHeard => {
            return Err(ApiError::invalid(
                "Register for the test-created event (POST or PUT /webhooks/v1/registration) \
                 before sending a test event.",
            ));
        }
        TestEvent::Wait(seconds) => {
            return Err(ApiError::test_events_wait(
                seconds,
                burst,
                TEST_WINDOW.as_secs(),
            ));
        }
    };
    hooks.wake();
    json(StatusCode::OK, &CorrelationAnswer { correlation_id })
}

/// One delivery attempt, as Partner Center reports it (with how long it took).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptAnswer {
    /// The receiver's status by its .NET name (`OK`, `InternalServerError`, …), or what kept it
    /// from answering (`Timeout`, `ConnectionFailed`, `AddressRefused`, …).
    pub response_code: String,
    /// The receiver's status as a number, if it answered.
    pub status_code: Option<u16>,
    /// The portal's words about the attempt; never the receiver's answer.
    pub response_message: String,
    /// Whether the receiver did not answer at all.
    pub system_error: bool,
    pub date_time_utc: String,
    pub duration_milliseconds: u32,
}

/// `GET …/validationEvents/{correlationId}`'s answer.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationAnswer {
    pub correlation_id: String,
    pub partner_id: String,
    /// `completed`, `inProgress` or `failed`.
    pub status: String,
    pub callback_url: Option<String>,
    pub results: Vec<AttemptAnswer>,
}

/// An attempt's status code and message, as the API and the Notifications page tell it.
pub fn described(status: Option<u16>, outcome: &str) -> (String, String) {
    match status {
        Some(s) => (
            status_name(s).map_or_else(|| s.to_string(), str::to_owned),
            if (200..300).contains(&s) {
                String::new()
            } else {
                format!("The receiver answered {s}.")
            },
        ),
        None => {
            let (code, message) = match outcome {
                "timeout" => ("Timeout", "No answer within 5 seconds."),
                "connect" => ("ConnectionFailed", "The receiver could not be reached."),
                "tls" => (
                    "TlsFailed",
                    "The receiver's certificate could not be verified.",
                ),
                "refused-address" => (
                    "AddressRefused",
                    "The receiver's address is loopback, private, link-local or otherwise not \
                     public: nothing was sent.",
                ),
                "unresolved" => (
                    "NameNotResolved",
                    "The receiver's host name did not resolve.",
                ),
                "no-key" => ("SigningFailed", "The portal could not sign the event."),
                _ => ("ProtocolError", "The receiver's answer was not HTTP."),
            };
            (code.to_owned(), message.to_owned())
        }
    }
}

fn status_name(status: u16) -> Option<&'static str> {
    Some(match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "NoContent",
        301 => "MovedPermanently",
        302 => "Found",
        303 => "SeeOther",
        307 => "TemporaryRedirect",
        308 => "PermanentRedirect",
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        408 => "RequestTimeout",
        413 => "RequestEntityTooLarge",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => return None,
    })
}

// permission: view
/// `GET /webhooks/v1/registration/validationEvents/{correlationId}`: the event's state and
/// every attempt to deliver it.
pub async fn validation(
    caller: ApiCaller,
    db: web::Data<Db>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let correlation_id = req
        .match_info()
        .get("correlation")
        .and_then(crate::domain::ids::guid)
        .map(|u| u.to_string())
        .ok_or_else(ApiError::not_found)?;
    let reseller = &caller.account.reseller;
    let (delivery, attempts) = deliveries::by_correlation(&db, reseller, &correlation_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let registered = webhooks::registration(&db, reseller).await?;
    let answer = ValidationAnswer {
        correlation_id: delivery.correlation_id,
        partner_id: reseller.to_string(),
        status: match delivery.state {
            State::Sent => "completed",
            State::Pending => "inProgress",
            State::Failed | State::Dropped => "failed",
        }
        .to_owned(),
        callback_url: registered.map(|r| r.registration.url.as_str().to_owned()),
        results: attempts
            .iter()
            .map(|a| {
                let (response_code, response_message) = described(a.status, &a.outcome);
                AttemptAnswer {
                    response_code,
                    status_code: a.status,
                    response_message,
                    system_error: a.status.is_none(),
                    date_time_utc: a.at.to_rfc3339_opts(SecondsFormat::Millis, true),
                    duration_milliseconds: a.millis,
                }
            })
            .collect(),
    };
    json(StatusCode::OK, &answer)
}

/// `GET /webhooks/v1/certificate`: the certificate (DER) whose key signs the events; open to
/// anyone, as receivers fetch it from `X-MS-Certificate-Url`.
pub async fn certificate(hooks: web::Data<Webhooks>) -> Result<HttpResponse, ApiError> {
    let signer = hooks.keys.signer().await.map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/pkix-cert")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(signer.certificate().to_vec()))
}
