//! The one-time link that sets a user's password (issue 32): an invitation's, a reset's. The
//! link's secret is its own proof, so the form carries no CSRF token (a page that forged the
//! post would need the secret); it works once, within seven days, for an active user.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::layout::Layout;
use crate::clock::Clock;
use crate::domain::team::{BadPassword, LinkSecret, NewPassword};
use crate::password;
use crate::store::{Db, team};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::render;

#[derive(Template)]
#[template(path = "team/set_password.html")]
struct SetPasswordPage {
    l: Locale,
    layout: Layout,
    /// The link's user; none when the link can't be used.
    email: Option<String>,
    action: String,
    error: Option<String>,
    done: bool,
}

fn page(l: Locale, secret: Option<&LinkSecret>, email: Option<String>) -> SetPasswordPage {
    let action = secret.map(LinkSecret::path).unwrap_or_default();
    SetPasswordPage {
        l,
        // The secret stays out of the language switch's link.
        layout: Layout::bare(l, "/sign-in"),
        email,
        action,
        error: None,
        done: false,
    }
}

/// The form, or why the link can't be used (unknown, used, expired, its user deactivated: all
/// alike, 404).
// permission: none (the link is its proof)
pub async fn form(
    l: Locale,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let secret = LinkSecret::parse(&path);
    let email = match &secret {
        Some(secret) => team::link_holder(&db, secret, clock.now()).await?,
        None => None,
    };
    let status = if email.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    render(status, &page(l, secret.as_ref(), email))
}

#[derive(serde::Deserialize)]
pub struct SetPasswordForm {
    password: String,
    again: String,
}

/// Sets the password and uses the link up.
// permission: none (the link is its proof)
pub async fn submit(
    l: Locale,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    path: web::Path<String>,
    form: web::Form<SetPasswordForm>,
) -> Result<HttpResponse, PageError> {
    let Some(secret) = LinkSecret::parse(&path) else {
        return render(StatusCode::NOT_FOUND, &page(l, None, None));
    };
    let Some(email) = team::link_holder(&db, &secret, clock.now()).await? else {
        return render(StatusCode::NOT_FOUND, &page(l, Some(&secret), None));
    };
    let new = match NewPassword::parse(&form.password, &form.again) {
        Ok(new) => new,
        Err(e) => {
            let mut again = page(l, Some(&secret), Some(email));
            again.error = Some(l.t(match e {
                BadPassword::TooShort => "set-password-too-short",
                BadPassword::TooLong => "set-password-too-long",
                BadPassword::Different => "set-password-different",
            }));
            return render(StatusCode::UNPROCESSABLE_ENTITY, &again);
        }
    };
    let raw = new.expose().to_owned();
    let hash = web::block(move || password::hash(&raw))
        .await
        .map_err(|e| PageError::Internal(e.into()))?
        .map_err(PageError::Internal)?;
    match team::use_link(&db, &secret, &hash, clock.now()).await? {
        Some(_) => {
            let mut done = page(l, None, None);
            done.done = true;
            render(StatusCode::OK, &done)
        }
        // Used meanwhile (the same link twice at once): the first one set it.
        None => render(StatusCode::NOT_FOUND, &page(l, Some(&secret), None)),
    }
}
