//! The Users page (用户, issue 32), for global admins: the reseller's users and their roles;
//! invite a user (a one-time link to set a password, valid 7 days), change a role, make a new
//! link (reset a password), deactivate. The last active global admin stays one. Every change is
//! in the activity log.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::layout::Layout;
use crate::clock::Clock;
use crate::config::{Https, PublicUrl, TrustedProxies};
use crate::domain::Role;
use crate::domain::team::{LinkSecret, PersonName, UserEmail};
use crate::store::Db;
use crate::store::activity::{self, Action};
use crate::store::team::{self, Member, TeamChangeError};
use crate::web::middleware::client;
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::{render, see_other};

/// The session's key for a link just made, shown once by the next page.
const NEW_LINK: &str = "new_user_link";

#[derive(Template)]
#[template(path = "team/users.html")]
pub struct UsersPage {
    l: Locale,
    layout: Layout,
    members: Vec<Member>,
    roles: [Role; 5],
    /// A link just made: whose, and the link.
    link: Option<(String, String)>,
    done: Option<String>,
    error: Option<String>,
    email_value: String,
    name_value: String,
    role_value: Role,
    email_error: Option<String>,
    name_error: Option<String>,
    me: i32,
    /// The roles the reseller requires to enroll in two-step sign-in.
    two_step_roles: Vec<Role>,
}

impl UsersPage {
    fn role_name(&self, role: &Role) -> String {
        self.l.t(&role.message_key())
    }
}

async fn page(
    l: Locale,
    req: &HttpRequest,
    user: &SignedIn,
    db: &Db,
) -> Result<UsersPage, PageError> {
    let mut layout = user.layout(l, req.path()).in_section("users");
    layout.crumbs.clear();
    Ok(UsersPage {
        l,
        layout: layout.crumb(l.t("users-title"), None),
        members: team::members(db, &user.account.reseller).await?,
        roles: Role::ALL,
        link: None,
        done: None,
        error: None,
        email_value: String::new(),
        name_value: String::new(),
        role_value: Role::SalesAgent,
        email_error: None,
        name_error: None,
        me: user.account.user_id,
        two_step_roles: crate::store::two_step::required(db, &user.account.reseller).await?,
    })
}

fn link_of(req: &HttpRequest, secret: &LinkSecret) -> String {
    let base = client::base_url(
        req,
        req.app_data::<web::Data<PublicUrl>>().map(|u| u.get_ref()),
        req.app_data::<web::Data<TrustedProxies>>()
            .map(|t| t.get_ref()),
        req.app_data::<web::Data<Https>>().is_some_and(|h| h.0),
    );
    format!("{base}{}", secret.path())
}

fn no_store(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    response
}

#[derive(serde::Deserialize)]
pub struct UsersQuery {
    done: Option<String>,
}

/// The Users page.
// permission: users
pub async fn list(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    session: Session,
    db: web::Data<Db>,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, PageError> {
    let mut page = page(l, &req, &user, &db).await?;
    page.link = session
        .remove_as::<(String, String)>(NEW_LINK)
        .and_then(Result::ok);
    page.done = match query.done.as_deref() {
        Some("role") => Some(l.t("users-done-role")),
        Some("deactivated") => Some(l.t("users-done-deactivated")),
        Some("reactivated") => Some(l.t("users-done-reactivated")),
        Some("two-step") => Some(l.t("users-done-two-step")),
        Some("mailed") => Some(l.t("users-done-mailed")),
        Some("not-mailed") => Some(l.t("users-done-not-mailed")),
        Some("two-step-roles") => Some(l.t("users-done-two-step-roles")),
        _ => None,
    };
    Ok(no_store(render(StatusCode::OK, &page)?))
}

#[derive(serde::Deserialize)]
pub struct InviteForm {
    email: String,
    #[serde(default)]
    name: String,
    role: String,
}

/// Invites a user: adds them with the role and shows the link that sets their password once.
// permission: users
pub async fn invite(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    session: Session,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, PageError> {
    let role = Role::parse(&form.role).map_err(|e| PageError::BadRequest(e.to_string()))?;
    let email = UserEmail::parse(&form.email);
    let name = PersonName::parse(&form.name);
    let again = |email_error: Option<&'static str>, name_error: Option<&'static str>| {
        let (req, user, db) = (&req, &user, &db);
        let (email_value, name_value) = (
            form.email.chars().take(254).collect::<String>(),
            form.name.chars().take(200).collect::<String>(),
        );
        async move {
            let mut page = page(l, req, user, db).await?;
            page.email_value = email_value;
            page.name_value = name_value;
            page.role_value = role;
            page.email_error = email_error.map(|k| l.t(k));
            page.name_error = name_error.map(|k| l.t(k));
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    };
    let (email, name) = match (email, name) {
        (Ok(email), Ok(name)) => (email, name),
        (email, name) => {
            return again(
                email.err().map(|_| "users-email-error"),
                name.err().map(|_| "users-name-error"),
            )
            .await;
        }
    };
    let at = clock.now();
    let added = team::add(&db, &user.account.reseller, &email, name.as_ref(), role, at).await;
    let secret = match added {
        Ok((_, secret)) => secret,
        Err(TeamChangeError::EmailTaken) => return again(Some("users-email-taken"), None).await,
        Err(e) => return Err(internal(e)),
    };
    let detail = format!("{} ({})", email.as_str(), role.as_str());
    activity::record_team_change(&db, &user.account, Action::UserInvited, &detail, at).await?;
    let link = link_of(&req, &secret);
    let mailed = match req.app_data::<web::Data<crate::mail::Mailer>>() {
        Some(mailer) => {
            let body = l.t2(
                "users-mail-body",
                "reseller",
                user.account.reseller_name.as_str(),
                "link",
                link.as_str(),
            );
            match mailer
                .send(email.as_str(), &l.t("users-mail-subject"), body)
                .await
            {
                Ok(()) => Some(true),
                Err(e) => {
                    tracing::warn!(error = %e, "an invitation could not be e-mailed");
                    Some(false)
                }
            }
        }
        None => None,
    };
    keep_link(&session, email.as_str(), link)?;
    let done = match mailed {
        Some(true) => "/users?done=mailed",
        Some(false) => "/users?done=not-mailed",
        None => "/users",
    };
    Ok(see_other(done.to_owned()))
}

fn keep_link(session: &Session, email: &str, link: String) -> Result<(), PageError> {
    session
        .insert(NEW_LINK, (email, link))
        .map_err(|e| PageError::Internal(anyhow::anyhow!("session: {e}")))
}

fn internal(e: TeamChangeError) -> PageError {
    match e {
        TeamChangeError::Db(e) => PageError::from(e),
        TeamChangeError::NotFound => PageError::NotFound,
        other => PageError::Internal(anyhow::anyhow!("{other}")),
    }
}

/// The last active global admin stays one: the page says so (409).
async fn last_admin(
    l: Locale,
    req: &HttpRequest,
    user: &SignedIn,
    db: &Db,
) -> Result<HttpResponse, PageError> {
    let mut page = page(l, req, user, db).await?;
    page.error = Some(l.t("users-last-admin"));
    render(StatusCode::CONFLICT, &page)
}

#[derive(serde::Deserialize)]
pub struct RoleForm {
    role: String,
}

/// Gives a user another role.
// permission: users
pub async fn change_role(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    path: web::Path<i32>,
    form: web::Form<RoleForm>,
) -> Result<HttpResponse, PageError> {
    let role = Role::parse(&form.role).map_err(|e| PageError::BadRequest(e.to_string()))?;
    match team::set_role(&db, &user.account.reseller, path.into_inner(), role).await {
        Ok(email) => {
            let detail = format!("{email} ({})", role.as_str());
            activity::record_team_change(
                &db,
                &user.account,
                Action::UserRoleChanged,
                &detail,
                clock.now(),
            )
            .await?;
            Ok(see_other("/users?done=role".to_owned()))
        }
        Err(TeamChangeError::Rule(_)) => last_admin(l, &req, &user, &db).await,
        Err(e) => Err(internal(e)),
    }
}

/// Makes a new link for a user to set their password; the next page shows it once.
// permission: users
pub async fn reset(
    req: HttpRequest,
    user: SignedIn,
    session: Session,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    path: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    let at = clock.now();
    let (email, secret) = team::reset_link(&db, &user.account.reseller, path.into_inner(), at)
        .await
        .map_err(internal)?;
    activity::record_team_change(&db, &user.account, Action::PasswordReset, &email, at).await?;
    keep_link(&session, &email, link_of(&req, &secret))?;
    Ok(see_other("/users".to_owned()))
}

/// Deactivates a user: out at their next request, their tokens revoked.
// permission: users
pub async fn deactivate(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    path: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    let at = clock.now();
    match team::deactivate(&db, &user.account.reseller, path.into_inner(), at).await {
        Ok(email) => {
            activity::record_team_change(&db, &user.account, Action::UserDeactivated, &email, at)
                .await?;
            Ok(see_other("/users?done=deactivated".to_owned()))
        }
        Err(TeamChangeError::Rule(_)) => last_admin(l, &req, &user, &db).await,
        Err(e) => Err(internal(e)),
    }
}

/// Reactivates a deactivated user: they sign in again with their password; the sessions ended
/// and the tokens revoked at deactivation stay so (the page says it). Logged.
// permission: users
pub async fn reactivate(
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    path: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    match team::reactivate(&db, &user.account.reseller, path.into_inner()).await {
        Ok(Some(email)) => {
            activity::record_team_change(
                &db,
                &user.account,
                Action::UserReactivated,
                &email,
                clock.now(),
            )
            .await?;
            Ok(see_other("/users?done=reactivated".to_owned()))
        }
        // Active already (a second click): nothing to do, nothing logged.
        Ok(None) => Ok(see_other("/users".to_owned())),
        Err(TeamChangeError::NotFound) => Err(PageError::NotFound),
        Err(e) => Err(internal(e)),
    }
}

/// Resets a user's two-step sign-in (a lost phone): they sign in with their password alone
/// until they enroll again. Logged.
// permission: users
pub async fn reset_two_step(
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    path: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    let email = crate::store::two_step::reset(&db, &user.account.reseller, path.into_inner())
        .await?
        .ok_or(PageError::NotFound)?;
    activity::record_team_change(
        &db,
        &user.account,
        Action::TwoStepReset,
        &email,
        clock.now(),
    )
    .await?;
    Ok(see_other("/users?done=two-step".to_owned()))
}

/// Sets the roles whose users must enroll in two-step sign-in: the form's checked boxes, each a
/// `role` field (none checked: none required).
// permission: users
pub async fn set_two_step_roles(
    user: SignedIn,
    db: web::Data<Db>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let mut roles = Vec::new();
    for (key, value) in form_urlencoded::parse(&body) {
        if key == "role" {
            roles.push(Role::parse(&value).map_err(|e| PageError::BadRequest(e.to_string()))?);
        }
    }
    crate::store::two_step::set_required(&db, &user.account.reseller, &roles).await?;
    Ok(see_other("/users?done=two-step-roles".to_owned()))
}
