//! The Security page (安全, issue 32): any user enrolls an authenticator app for two-step
//! sign-in. The secret is shown as a QR code drawn on the server (SVG: no script, no outside
//! service) and as text; a first code confirms it; ten recovery codes are shown once.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::layout::Layout;
use crate::clock::Clock;
use crate::domain::totp::TotpSecret;
use crate::sealed::Sealer;
use crate::store::{Db, two_step};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::{render, see_other};

#[derive(Template)]
#[template(path = "team/security.html")]
pub struct SecurityPage {
    l: Locale,
    layout: Layout,
    enrolled: bool,
    /// The enrollment under way: the QR code (SVG) and the secret as text.
    pending: Option<(String, String)>,
    recovery_left: u64,
    /// The recovery codes of an enrollment just confirmed, shown this once.
    codes: Vec<String>,
    error: Option<String>,
    /// The reseller requires the user's role to enroll.
    required: bool,
}

/// The secret as a QR code an authenticator app scans: an SVG drawn here.
fn qr_svg(secret: &TotpSecret, issuer: &str, account: &str) -> Result<String, PageError> {
    let code = qrcode::QrCode::new(secret.uri(issuer, account).as_bytes())
        .map_err(|e| PageError::Internal(anyhow::anyhow!("QR code: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Inside HTML, without the XML prolog of a file of its own.
    Ok(svg
        .find("<svg")
        .map_or(svg.as_str(), |at| &svg[at..])
        .to_owned())
}

async fn page(
    l: Locale,
    req: &HttpRequest,
    user: &SignedIn,
    db: &Db,
    sealer: &Sealer,
) -> Result<SecurityPage, PageError> {
    let mut layout = user.layout(l, req.path()).in_section("security");
    layout.crumbs.clear();
    let state = two_step::state(db, sealer, user.account.user_id).await?;
    let pending = match &state.pending {
        Some(secret) => {
            let issuer = format!("{} · {}", l.t("portal-name"), user.account.reseller_name);
            Some((
                qr_svg(secret, &issuer, &user.account.email)?,
                secret.to_base32(),
            ))
        }
        None => None,
    };
    Ok(SecurityPage {
        l,
        layout: layout.crumb(l.t("security-title"), None),
        enrolled: state.enrolled,
        pending,
        recovery_left: state.recovery_left,
        codes: Vec::new(),
        error: None,
        required: user.account.must_enroll,
    })
}

fn no_store(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    response
}

/// The Security page.
// permission: view (every user's own)
pub async fn show(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    sealer: web::Data<Sealer>,
) -> Result<HttpResponse, PageError> {
    let page = page(l, &req, &user, &db, &sealer).await?;
    Ok(no_store(render(StatusCode::OK, &page)?))
}

/// Starts an enrollment (again): a new secret, shown until a first code confirms it.
// permission: view (every user's own)
pub async fn start(
    user: SignedIn,
    db: web::Data<Db>,
    sealer: web::Data<Sealer>,
) -> Result<HttpResponse, PageError> {
    two_step::start(&db, &sealer, user.account.user_id).await?;
    Ok(see_other("/security".to_owned()))
}

#[derive(serde::Deserialize)]
pub struct ConfirmForm {
    code: String,
}

/// Confirms the enrollment with a first code; shows the recovery codes once.
// permission: view (every user's own)
pub async fn confirm(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    sealer: web::Data<Sealer>,
    clock: web::Data<Clock>,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, PageError> {
    match two_step::confirm(&db, &sealer, user.account.user_id, &form.code, clock.now()).await? {
        Some(codes) => {
            let mut page = page(l, &req, &user, &db, &sealer).await?;
            // Enrolled now: no longer required to.
            page.required = false;
            page.codes = codes;
            Ok(no_store(render(StatusCode::OK, &page)?))
        }
        None => {
            let mut page = page(l, &req, &user, &db, &sealer).await?;
            page.error = Some(l.t("two-step-wrong"));
            Ok(no_store(render(StatusCode::UNPROCESSABLE_ENTITY, &page)?))
        }
    }
}
