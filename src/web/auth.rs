//! Signing in and out, and the [`SignedIn`] extractor that every page but sign-in requires.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use askama::Template;

use super::error::PageError;
use super::i18n::{Locale, is_local_path};
use super::layout::Layout;
use super::render;
use crate::domain::Account;
use crate::password;
use crate::store::{self, Db};

const USER_ID: &str = "user_id";

/// The signed-in reseller user. Extracting it from a request without a session redirects to
/// the sign-in page.
pub struct SignedIn(pub Account);

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let db = req.app_data::<web::Data<Db>>().cloned();
        let next = match req.query_string() {
            "" => req.path().to_owned(),
            q => format!("{}?{q}", req.path()),
        };
        Box::pin(async move {
            let db = db.ok_or_else(|| PageError::Internal(anyhow::anyhow!("no database")))?;
            let user_id = session.get::<i32>(USER_ID).unwrap_or(None);
            let account = match user_id {
                Some(id) => store::users::account(&db, id).await?,
                None => None,
            };
            match account {
                Some(account) => Ok(SignedIn(account)),
                None => {
                    session.purge();
                    Err(PageError::SignInRequired { next })
                }
            }
        })
    }
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    l: Locale,
    layout: Layout,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| is_local_path(n)).unwrap_or("/").to_owned()
}

/// The sign-in page.
pub async fn form(l: Locale, query: web::Query<NextQuery>) -> Result<HttpResponse, PageError> {
    render(
        StatusCode::OK,
        &SignInPage {
            l,
            layout: Layout::bare(l, "/sign-in"),
            email: String::new(),
            next: safe_next(query.next.as_deref()),
            error: None,
        },
    )
}

#[derive(serde::Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// Checks the credentials; on success starts a new session and goes to `next`.
pub async fn submit(
    l: Locale,
    db: web::Data<Db>,
    session: Session,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let credentials = store::users::credentials(&db, &form.email).await?;
    // Verify against a dummy hash when the email is unknown, so both failures take as long.
    let (hash, user_id) = match &credentials {
        Some(c) => (c.password_hash.as_str(), Some(c.user_id)),
        None => (password::dummy_hash(), None),
    };
    let password = form.password;
    let hash = hash.to_owned();
    let matches = web::block(move || password::verify(&password, &hash))
        .await
        .map_err(|e| PageError::Internal(e.into()))?;
    match user_id.filter(|_| matches) {
        Some(id) => {
            session.renew();
            session
                .insert(USER_ID, id)
                .map_err(|e| PageError::Internal(anyhow::anyhow!("session: {e}")))?;
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, next))
                .finish())
        }
        None => render(
            StatusCode::UNAUTHORIZED,
            &SignInPage {
                l,
                layout: Layout::bare(l, "/sign-in"),
                email: form.email.chars().take(254).collect(),
                next,
                error: Some(l.t("sign-in-failed")),
            },
        ),
    }
}

/// Ends the session on the server and forgets the cookie.
pub async fn sign_out(session: Session) -> HttpResponse {
    session.purge();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/sign-in"))
        .finish()
}
