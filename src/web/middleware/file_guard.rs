//! Writes only into the database file the portal opened: when the SQLite file is deleted or
//! replaced under a running portal, every change is refused with a 503 (and a loud log line)
//! instead of being confirmed into a file nobody will open again; `/ready` fails too. Wrapped
//! around the pages and the API alike, inside their error handlers.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};

use super::error::PageError;
use crate::store::DatabaseFile;

/// Whether the database file the portal opened is still there (always, for PostgreSQL).
pub fn intact(file: Option<&DatabaseFile>) -> bool {
    match file {
        Some(file) if !file.unchanged() => {
            tracing::error!(
                path = %file.path().display(),
                "THE DATABASE FILE WAS DELETED OR REPLACED under the running portal: changes are \
                 refused until it is restarted on the right file"
            );
            false
        }
        _ => true,
    }
}

pub async fn guard_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let reads = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let file = req.app_data::<web::Data<DatabaseFile>>().cloned();
    if !reads && !intact(file.as_ref().map(|f| f.get_ref())) {
        // A bare 503 with its `Retry-After`: the door's error handler gives it the door's body
        // (the error page, or the API's error body).
        return Ok(req.into_response(PageError::Unavailable.error_response()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}
