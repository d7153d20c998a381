//! What every request passes through, before a page or the API answers it: the CSRF check, the
//! session and its store, the sign-in throttle, the request id, the metrics, the client's
//! address, the guard on a replaced database file, the static files, the language, the signed-in
//! user, the sealing of what the portal hands out, and the pages' error type. Nothing here
//! imports a page or the API.

pub mod client;
pub mod csrf;
pub mod device;
pub mod error;
pub mod file_guard;
pub mod i18n;
pub mod limits;
pub mod metrics;
pub mod request_id;
pub mod roles;
pub mod session;
pub mod session_store;
pub mod signed_in;
pub mod static_files;
pub mod throttle;
