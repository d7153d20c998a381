//! The stylesheet and images, compiled into the binary so the portal runs from any folder.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::error::PageError;

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "css/portal.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../static/css/portal.css"),
    ),
    (
        "js/customers.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../static/js/customers.js"),
    ),
    (
        "js/bulk.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../static/js/bulk.js"),
    ),
    (
        "js/charges.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../static/js/charges.js"),
    ),
    (
        "js/copy.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../static/js/copy.js"),
    ),
    (
        "js/signup.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../static/js/signup.js"),
    ),
    (
        "js/once.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../static/js/once.js"),
    ),
    (
        "img/logo.svg",
        "image/svg+xml",
        include_bytes!("../../../static/img/logo.svg"),
    ),
];

pub async fn serve(path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let (_, content_type, body) = FILES
        .iter()
        .find(|(name, _, _)| *name == path.as_str())
        .ok_or(PageError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, *content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(*body))
}
