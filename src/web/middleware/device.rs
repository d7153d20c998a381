//! The device cookie (OWASP's "device cookies"): a browser that signed in to an account carries,
//! for a year, a cookie naming that account and the device, which only the portal can make or
//! read (encrypted and signed with the session key). Sign-in throttling trusts it.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};

pub const COOKIE: &str = "portal_device";

/// The key that seals device cookies.
#[derive(Clone)]
pub struct DeviceKey(pub Key);

/// The id of the request's device, when it carries a valid device cookie for `email`.
pub fn read(req: &HttpRequest, key: &DeviceKey, email: &str) -> Option<String> {
    let cookie = req.cookie(COOKIE)?;
    let mut jar = CookieJar::new();
    jar.add_original(cookie);
    let value = jar.private(&key.0).get(COOKIE)?.value().to_owned();
    let (who, id) = value.split_once('|')?;
    (who == email.trim().to_lowercase()).then(|| id.to_owned())
}

/// A new device cookie for `email`, sent back to sign-in only.
pub fn issue(key: &DeviceKey, email: &str, secure: bool) -> Option<Cookie<'static>> {
    let value = format!("{}|{}", email.trim().to_lowercase(), uuid::Uuid::new_v4());
    let mut jar = CookieJar::new();
    jar.private_mut(&key.0).add(
        Cookie::build(COOKIE, value)
            .path("/sign-in")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish(),
    );
    jar.get(COOKIE).cloned()
}
