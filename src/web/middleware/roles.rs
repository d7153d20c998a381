//! What each route asks of the user's role (issue 32), in one table: the signed-in user's
//! extractor (`SignedIn`) and the API's (`ApiCaller`) look up the matched route here and refuse
//! a role that may not (a 403 page, Partner Center's 403 body), recording the refusal in the
//! activity log. A handler needs nothing: guarding a new route is one line below.
//!
//! A route missing from the table is refused to every role but global admins (and logged), so
//! a forgotten line closes a door rather than opening one.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage as _, HttpRequest, ResponseError as _, web};

use super::error::PageError;
use super::signed_in::{Checked, SignedIn};
use crate::domain::{Account, Permission};
use crate::store::{self, Db};

use Permission::{Approve, Billing, Change, Prices, Tokens, Users, View};

/// One route and what it needs: the method, the route's pattern as registered (with the
/// scopes' prefixes), the permission.
pub type Guard = (&'static str, &'static str, Permission);

/// The pages' routes that every visitor has: no signed-in user, no role.
pub const OPEN: &[(&str, &str)] = &[
    ("GET", "/language/{tag}"),
    ("GET", "/sign-in"),
    ("POST", "/sign-in"),
    ("POST", "/sign-out"),
    ("GET", "/sign-out"),
    ("GET", "/set-password/{secret}"),
    ("POST", "/set-password/{secret}"),
];

/// The pages' routes that need a signed-in user.
pub const PAGES: &[Guard] = &[
    ("GET", "/", View),
    ("GET", "/activity", View),
    ("GET", "/activity/export.csv", View),
    ("GET", "/customers/export/customers.csv", View),
    ("GET", "/customers/export/subscriptions.csv", View),
    ("GET", "/bulk", Change),
    ("POST", "/bulk/selection", Change),
    ("POST", "/bulk/file", Change),
    ("GET", "/bulk/jobs/{job}", Change),
    ("POST", "/bulk/jobs/{job}/start", Change),
    ("POST", "/bulk/jobs/{job}/cancel", Change),
    ("GET", "/bulk/jobs/{job}/progress", Change),
    ("GET", "/bulk/jobs/{job}/results.csv", Change),
    ("GET", "/prices", Prices),
    ("GET", "/charges", Billing),
    ("GET", "/charges.csv", Billing),
    ("GET", "/settings", View),
    ("POST", "/settings/billing-day", Billing),
    ("GET", "/api-access", Tokens),
    ("POST", "/api-access/tokens", Tokens),
    ("GET", "/api-access/tokens/{token}/revoke", Tokens),
    ("POST", "/api-access/tokens/{token}/revoke", Tokens),
    ("GET", "/api-access/reference", Tokens),
    ("GET", "/customers/{customer}/subscriptions", View),
    ("GET", "/customers/{customer}/delegated-admin", View),
    ("GET", "/customers/{customer}/upgrades/{upgrade}", View),
    (
        "GET",
        "/customers/{customer}/subscriptions/{subscription}",
        View,
    ),
    (
        "POST",
        "/customers/{customer}/subscriptions/{subscription}/licenses",
        Change,
    ),
    (
        "POST",
        "/customers/{customer}/subscriptions/{subscription}/status",
        Change,
    ),
    (
        "GET",
        "/customers/{customer}/subscriptions/{subscription}/upgrade",
        Change,
    ),
    (
        "POST",
        "/customers/{customer}/subscriptions/{subscription}/upgrade",
        Change,
    ),
    // issue 30: reviews at their own address; a GET of a form's action leads to its page, which
    // is guarded itself
    ("GET", "/reviews/{draft}", Change),
    ("POST", "/reviews/{draft}", Change),
    ("GET", "/bulk/template.csv", Change),
    ("GET", "/bulk/jobs/{job}/review.csv", Change),
    ("GET", "/bulk/file", View),
    ("GET", "/bulk/selection", View),
    ("GET", "/bulk/jobs/{job}/start", View),
    ("GET", "/bulk/jobs/{job}/cancel", View),
    ("GET", "/settings/billing-day", View),
    ("GET", "/api-access/tokens", View),
    (
        "GET",
        "/customers/{customer}/subscriptions/{subscription}/licenses",
        View,
    ),
    (
        "GET",
        "/customers/{customer}/subscriptions/{subscription}/status",
        View,
    ),
    // issue 31: the catalog (with this reseller's prices), new customers and orders
    ("GET", "/catalog", Prices),
    ("GET", "/customers/new", Change),
    ("POST", "/customers/new", Change),
    ("GET", "/customers/new/availability", Change),
    ("GET", "/customers/{customer}/orders/new", Change),
    ("POST", "/customers/{customer}/orders/new", Change),
    ("GET", "/customers/{customer}/orders/{order}", View),
    // issue 33: webhooks, registered by those who may make changes
    ("GET", "/notifications", Change),
    ("POST", "/notifications/registration", Change),
    ("POST", "/notifications/registration/remove", Change),
    ("POST", "/notifications/test", Change),
    (
        "POST",
        "/notifications/deliveries/{delivery}/resend",
        Change,
    ),
    // issue 32
    ("GET", "/users", Users),
    ("POST", "/users", Users),
    ("POST", "/users/{user}/role", Users),
    ("POST", "/users/{user}/reset", Users),
    ("POST", "/users/{user}/deactivate", Users),
    ("POST", "/users/{user}/reactivate", Users),
    ("POST", "/users/{user}/two-step-reset", Users),
    ("POST", "/settings/two-step", Users),
    // issue 32: a second person's approval (a request is its requester's or an approver's)
    ("GET", "/approvals", Change),
    ("GET", "/approvals/{approval}", Change),
    ("POST", "/approvals/{approval}/approve", Approve),
    ("POST", "/approvals/{approval}/reject", Approve),
    ("POST", "/approvals/{approval}/withdraw", Change),
    ("POST", "/settings/approvals", Users),
    ("POST", "/bulk/jobs/{job}/approve", Approve),
    ("POST", "/bulk/jobs/{job}/reject", Approve),
    ("GET", "/bulk/jobs/{job}/approve", View),
    ("GET", "/bulk/jobs/{job}/reject", View),
    ("GET", "/settings/approvals", View),
    ("GET", "/approvals/{approval}/approve", View),
    ("GET", "/approvals/{approval}/reject", View),
    ("GET", "/approvals/{approval}/withdraw", View),
    ("GET", "/security", View),
    ("POST", "/security/two-step", View),
    ("POST", "/security/two-step/confirm", View),
];

/// Where a user the reseller requires to enroll in two-step sign-in may go before enrolling.
const ENROLLING: &[&str] = &[
    "/security",
    "/security/two-step",
    "/security/two-step/confirm",
];

/// The API's routes (`/v1`) that need a token.
pub const API: &[Guard] = &[
    ("GET", "/v1/customers", View),
    ("GET", "/v1/customers/{customer}", View),
    ("GET", "/v1/customers/{customer}/subscriptions", View),
    (
        "GET",
        "/v1/customers/{customer}/subscriptions/{subscription}",
        View,
    ),
    (
        "PATCH",
        "/v1/customers/{customer}/subscriptions/{subscription}",
        Change,
    ),
    (
        "GET",
        "/v1/customers/{customer}/subscriptions/{subscription}/upgrades",
        View,
    ),
    (
        "POST",
        "/v1/customers/{customer}/subscriptions/{subscription}/upgrades",
        Change,
    ),
    ("GET", "/v1/offers/{offer}", View),
    // issue 31: the catalog, new customers, orders, domains
    ("GET", "/v1/offers", View),
    ("POST", "/v1/customers", Change),
    ("GET", "/v1/customers/{customer}/orders", View),
    ("POST", "/v1/customers/{customer}/orders", Change),
    ("GET", "/v1/customers/{customer}/orders/{order}", View),
    ("HEAD", "/v1/domains/{domain}", View),
    (
        "GET",
        "/v1/validations/checkdomainavailability/{prefix}",
        View,
    ),
    // issue 32: a change held for approval (its requester's, or an approver's, to read)
    ("GET", "/v1/approvals/{approval}", View),
    // issue 33: the activity's records, and webhooks, registered by those who may make changes
    ("GET", "/v1/auditrecords", View),
    ("GET", "/webhooks/v1/registration/events", View),
    ("GET", "/webhooks/v1/registration", View),
    ("POST", "/webhooks/v1/registration", Change),
    ("PUT", "/webhooks/v1/registration", Change),
    ("DELETE", "/webhooks/v1/registration", Change),
    ("POST", "/webhooks/v1/registration/validationEvents", Change),
    (
        "GET",
        "/webhooks/v1/registration/validationEvents/{correlation}",
        View,
    ),
];

/// What a request for `pattern` with `method` needs, by the table; a route missing from it needs
/// what only global admins have.
pub fn needed(table: &[Guard], method: &Method, pattern: Option<&str>) -> Permission {
    let found = pattern.and_then(|pattern| {
        table
            .iter()
            .find(|(m, p, _)| *p == pattern && *m == method.as_str())
            .map(|(_, _, needs)| *needs)
    });
    found.unwrap_or_else(|| {
        tracing::warn!(
            %method,
            pattern,
            "a route without a line in web/middleware/roles.rs: global admins only"
        );
        Users
    })
}

/// The permission a request needs that `account`'s role lacks, if any.
pub fn refused(table: &[Guard], req: &HttpRequest, account: &Account) -> Option<Permission> {
    let needs = needed(table, req.method(), req.match_pattern().as_deref());
    (!account.may(needs)).then_some(needs)
}

/// Middleware of the pages: a signed-in user's request for a route their role may not is
/// refused here (before the handler reads its form), as the 403 page, and logged. The account
/// read is kept for the handler's [`SignedIn`]. A visitor who is not signed in goes on, to be
/// sent to sign in by the handler.
pub async fn guard_pages(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let pattern = req.match_pattern();
    let open = pattern.as_deref().is_none_or(|p| {
        OPEN.iter()
            .any(|(m, o)| *o == p && *m == req.method().as_str())
    });
    if open {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let user = match req.extract::<SignedIn>().await {
        Ok(user) => user,
        // Nobody signed in: the handler sends them to sign in.
        Err(PageError::SignInRequired { .. }) => {
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_left_body);
        }
        // Who it is can't be read (the database is unavailable): answer now, rather than have
        // the handler wait for the database a second time.
        Err(error) => return Ok(req.error_response(error).map_into_right_body()),
    };
    let enrolling = pattern.as_deref().is_some_and(|p| ENROLLING.contains(&p));
    if user.account.must_enroll && !enrolling {
        // Led to enroll before anything else.
        let response = actix_web::HttpResponse::SeeOther()
            .insert_header((actix_web::http::header::LOCATION, "/security"))
            .finish();
        return Ok(req.into_response(response).map_into_right_body());
    }
    if let Some(needs) = refused(PAGES, req.request(), &user.account) {
        let db = req.app_data::<web::Data<Db>>().cloned();
        let at = req
            .app_data::<web::Data<crate::clock::Clock>>()
            .map_or_else(chrono::Utc::now, |c| c.now());
        let what = refusal_text(needs, req.request());
        let answer = match db {
            Some(db) => store::activity::record_refused(&db, &user.account, &what, at)
                .await
                .map_err(PageError::from)
                .err()
                .unwrap_or(PageError::NotAllowed),
            None => PageError::NotAllowed,
        };
        let response = answer.error_response();
        return Ok(req.into_response(response).map_into_right_body());
    }
    req.extensions_mut()
        .insert(Checked(user.account, user.waiting));
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// What the activity log says was refused: the permission, the method and the path.
pub fn refusal_text(needs: Permission, req: &HttpRequest) -> String {
    let text = format!("{}: {} {}", needs.as_str(), req.method(), req.path());
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_route_needs_its_permission_and_an_unlisted_one_users() {
        assert_eq!(needed(PAGES, &Method::GET, Some("/prices")), Prices);
        assert_eq!(needed(PAGES, &Method::POST, Some("/prices")), Users);
        assert_eq!(needed(PAGES, &Method::GET, Some("/nowhere")), Users);
        assert_eq!(needed(PAGES, &Method::GET, None), Users);
        assert_eq!(
            needed(
                API,
                &Method::PATCH,
                Some("/v1/customers/{customer}/subscriptions/{subscription}")
            ),
            Change
        );
    }

    #[test]
    fn no_route_is_listed_twice() {
        for table in [PAGES, API] {
            for (i, (m, p, _)) in table.iter().enumerate() {
                assert!(
                    !table[i + 1..].iter().any(|(m2, p2, _)| m == m2 && p == p2),
                    "{m} {p}"
                );
            }
        }
    }
}
