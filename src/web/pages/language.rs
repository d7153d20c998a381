//! The language switch: remembers the choice for a year and goes back to the page it came from.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::paths::ReturnPath;
use crate::config::Https;
use crate::web::middleware::i18n::{COOKIE, Locale};

#[derive(serde::Deserialize)]
pub struct SwitchQuery {
    back: Option<String>,
}

/// Switches to the language `tag` names.
pub async fn switch(
    tag: web::Path<String>,
    query: web::Query<SwitchQuery>,
    https: Option<web::Data<Https>>,
) -> HttpResponse {
    let back = ReturnPath::or_home(query.back.as_deref());
    let mut response = HttpResponse::SeeOther();
    response.insert_header((header::LOCATION, back.as_str()));
    if let Some(locale) = Locale::parse(&tag) {
        response.cookie(
            Cookie::build(COOKIE, locale.tag())
                .path("/")
                .same_site(SameSite::Lax)
                .http_only(true)
                .secure(https.is_some_and(|h| h.0))
                .max_age(actix_web::cookie::time::Duration::days(365))
                .finish(),
        );
    }
    response.finish()
}
