//! "Add customer" (添加客户) on the customer list: the form Partner Center asks of a 21Vianet
//! customer (company, domain prefix with its availability, contact, Chinese address, language);
//! its Submit holds what was typed as a draft and redirects to its review at its own address
//! (`/reviews/{id}`, as every change's: `review::held`), whose Confirm makes the customer through
//! the change engine, once.
//!
//! The first admin's generated password is shown once, and kept nowhere in clear: the Confirm
//! stores only its hash with the customer, and hands the password to the next page in a cookie
//! of its own, sealed (`crate::sealed`) and bound to the draft and the session, sent to the
//! review's address only, opening for five minutes; the review's address, requested right after
//! its Confirm, opens it, removes the cookie, records in the session that it was shown, and shows
//! it (not cached). A reload, Back, another Confirm, or the cookie sent again finds no password
//! there: the review says the customer was made ("already done") and links to it. The Confirm
//! writes nothing for it, and takes one turn to write, as the API's new customer does.

use actix_session::Session;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::layout::Layout;
use super::review::held::{self, Again, Held, Settled};
use crate::clock::Clock;
use crate::domain::change::Via;
use crate::domain::signup::{DomainPrefix, Field, NewCustomer, PROVINCES, RawCustomer};
use crate::domain::{ChangeKey, CustomerId, FormKey, Version};
use crate::sealed::Sealer;
use crate::store::changes::{self, ChangeError, CustomerSubmission, Reply, Settles};
use crate::store::drafts::{self, NewDraft};
use crate::store::{self, Db};
use crate::web::middleware::csrf::CsrfToken;
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::{render, see_other};

/// The form's path.
pub const PATH: &str = "/customers/new";

/// The form's name, as its held draft keeps it.
pub const FORM: &str = "customer";

/// The cookie of a password just generated, for the page after the Confirm, once.
const NEW_PASSWORD: &str = "portal_new_password";

/// How long the cookie opens after its Confirm (and the browser keeps it): the redirect after
/// the Confirm, with time to spare.
const NEW_PASSWORD_FOR: i64 = 5 * 60;

/// The session's record of the drafts whose password was shown (the last few), so that the
/// cookie, sent again, opens once.
const PASSWORDS_SHOWN: &str = "new_customer_passwords_shown";

/// Where the form's script asks whether a prefix is free as it is typed.
pub const AVAILABILITY: &str = "/customers/new/availability";

/// The form's fields, in order: its name, and the field it is.
const FIELDS: [(&str, Field); 11] = [
    ("company_name", Field::CompanyName),
    ("prefix", Field::Prefix),
    ("last_name", Field::LastName),
    ("first_name", Field::FirstName),
    ("email", Field::Email),
    ("phone", Field::Phone),
    ("province", Field::Province),
    ("city", Field::City),
    ("address_line", Field::AddressLine),
    ("postal_code", Field::PostalCode),
    ("language", Field::Language),
];

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Posted {
    #[serde(default)]
    company_name: String,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    address_line: String,
    #[serde(default)]
    postal_code: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    key: String,
    /// The availability check's button, without script.
    check: Option<String>,
    /// The review's Back: the form again, with what was typed.
    edit: Option<String>,
}

impl Posted {
    fn raw(&self) -> RawCustomer {
        RawCustomer {
            company_name: self.company_name.clone(),
            prefix: self.prefix.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            province: self.province.clone(),
            city: self.city.clone(),
            address_line: self.address_line.clone(),
            postal_code: self.postal_code.clone(),
            language: self.language.clone(),
        }
    }

    fn value(&self, name: &str) -> &str {
        match name {
            "company_name" => &self.company_name,
            "prefix" => &self.prefix,
            "first_name" => &self.first_name,
            "last_name" => &self.last_name,
            "email" => &self.email,
            "phone" => &self.phone,
            "province" => &self.province,
            "city" => &self.city,
            "address_line" => &self.address_line,
            "postal_code" => &self.postal_code,
            "language" => &self.language,
            _ => "",
        }
    }

    /// The fields as a Confirm carries them again.
    fn carried(&self) -> Vec<(&'static str, String)> {
        FIELDS
            .iter()
            .map(|(name, _)| (*name, self.value(name).to_owned()))
            .collect()
    }
}

/// One field of the form as it shows.
pub struct FormField {
    pub name: &'static str,
    pub label: String,
    pub value: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "customers/new.html")]
pub struct NewCustomerForm {
    l: Locale,
    layout: Layout,
    fields: Vec<FormField>,
    provinces: Vec<(&'static str, &'static str)>,
    /// What the availability check said, when asked.
    availability: Option<(bool, String)>,
    key: String,
}

impl NewCustomerForm {
    /// What follows the prefix: `.partner.onmschina.cn`.
    fn suffix(&self) -> String {
        format!(".{}", crate::domain::signup::SUFFIX)
    }
}

#[derive(Template)]
#[template(path = "customers/new_review.html")]
pub struct NewCustomerReview {
    l: Locale,
    layout: Layout,
    customer: NewCustomer,
    key: String,
    carried: Vec<(&'static str, String)>,
    /// Where its Confirm posts: the review's own address.
    action: String,
}

#[derive(Template)]
#[template(path = "customers/created.html")]
pub struct CreatedPage {
    l: Locale,
    layout: Layout,
    made: changes::CustomerMade,
    password: String,
}

fn frame(l: Locale, req: &HttpRequest, user: &SignedIn) -> Layout {
    user.layout(l, req.path()).crumb(l.t("signup-title"), None)
}

fn form_page(
    l: Locale,
    layout: Layout,
    posted: &Posted,
    errors: &[(Field, String)],
    availability: Option<(bool, String)>,
    key: String,
) -> NewCustomerForm {
    NewCustomerForm {
        l,
        layout,
        fields: FIELDS
            .iter()
            .map(|(name, field)| FormField {
                name,
                label: l.t(&format!("signup-{}", name.replace('_', "-"))),
                value: posted.value(name).to_owned(),
                error: errors
                    .iter()
                    .find(|(f, _)| f == field)
                    .map(|(_, e)| e.clone()),
            })
            .collect(),
        provinces: PROVINCES.to_vec(),
        availability,
        key,
    }
}

// permission: change
pub async fn form(req: HttpRequest, l: Locale, user: SignedIn) -> Result<HttpResponse, PageError> {
    let posted = Posted {
        language: l.tag().to_owned(),
        ..Posted::default()
    };
    let page = form_page(
        l,
        frame(l, &req, &user),
        &posted,
        &[],
        None,
        FormKey::generate().to_string(),
    );
    render(StatusCode::OK, &page)
}

/// A prefix asked of [`availability`].
#[derive(Debug, serde::Deserialize)]
pub struct Asked {
    #[serde(default)]
    prefix: String,
}

/// Whether a prefix is free, and in the words the check button's answer says it
/// (static/js/signup.js shows them as the prefix is typed): `code` is `domain_free`,
/// `domain_taken` or `prefix_invalid`.
async fn availability_of(
    l: Locale,
    db: &Db,
    raw: &str,
) -> Result<(&'static str, String), PageError> {
    Ok(match DomainPrefix::parse(raw) {
        Err(e) => ("prefix_invalid", l.t(e.message_key())),
        Ok(prefix) => match store::orders::domain_taken(db, &prefix.domain()).await? {
            true => (
                "domain_taken",
                l.t1("signup-taken", "domain", prefix.domain()),
            ),
            false => (
                "domain_free",
                l.t1("signup-free", "domain", prefix.domain()),
            ),
        },
    })
}

// permission: change
pub async fn availability(
    l: Locale,
    _user: SignedIn,
    db: web::Data<Db>,
    asked: web::Query<Asked>,
) -> Result<HttpResponse, PageError> {
    let (code, words) = availability_of(l, db.get_ref(), &asked.prefix).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "code": code, "words": words })))
}

/// The words of the form's fields that can't be taken.
fn wrong_fields(l: Locale, posted: &Posted) -> Result<NewCustomer, Vec<(Field, String)>> {
    NewCustomer::parse(&posted.raw()).map_err(|wrong| {
        wrong
            .iter()
            .map(|(field, why)| {
                let key = why.map_or(field.message_key(), |e| e.message_key());
                (*field, l.t(key))
            })
            .collect()
    })
}

// permission: change
/// The form's Submit: what was typed, held as a draft (the same form posted again is the same
/// draft), and a redirect to its review; or the form again, with why beside the fields.
pub async fn submit(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    posted: web::Form<Posted>,
) -> Result<HttpResponse, PageError> {
    let posted = posted.into_inner();
    let key = FormKey::parse(&posted.key)
        .ok_or_else(|| PageError::BadRequest("no idempotency key".into()))?;
    let again = |errors: &[(Field, String)], availability, status| {
        let page = form_page(
            l,
            frame(l, &req, &user),
            &posted,
            errors,
            availability,
            key.to_string(),
        );
        render(status, &page)
    };
    if posted.edit.is_some() {
        return again(&[], None, StatusCode::OK);
    }
    if posted.check.is_some() {
        return match availability_of(l, db.get_ref(), &posted.prefix).await? {
            ("prefix_invalid", words) => again(&[(Field::Prefix, words)], None, StatusCode::OK),
            (code, words) => again(&[], Some((code == "domain_free", words)), StatusCode::OK),
        };
    }
    let customer = match wrong_fields(l, &posted) {
        Ok(customer) => customer,
        Err(errors) => return again(&errors, None, StatusCode::UNPROCESSABLE_ENTITY),
    };
    if store::orders::domain_taken(db.get_ref(), &customer.prefix.domain()).await? {
        let taken = l.t1("signup-taken", "domain", customer.prefix.domain());
        return again(
            &[(Field::Prefix, taken)],
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let fields = posted.carried();
    let id = drafts::hold(
        db.get_ref(),
        &NewDraft {
            who: &user.account,
            key: &key,
            form: FORM,
            customer: None,
            subscription: None,
            fields: &fields,
            version: Version(0),
            at: clock.now(),
        },
    )
    .await?;
    Ok(see_other(held::href(&id)))
}

/// What the held draft's fields read back into.
fn posted_of(held: &Held) -> Result<Posted, PageError> {
    let mut posted = held::form::<Posted>(&held.draft)?;
    posted.key = held.draft.key.to_string();
    Ok(posted)
}

/// Where an expired review starts again.
fn again() -> Again {
    Again {
        href: PATH.to_owned(),
        text: "signup-review-expired-text",
        link: "signup-review-expired-link",
    }
}

/// The form again, from the held draft, with why beside the fields (`errors`).
fn held_form(
    held: &Held,
    posted: &Posted,
    errors: &[(Field, String)],
) -> Result<HttpResponse, PageError> {
    let l = held.l;
    let page = form_page(
        l,
        frame(l, &held.req, &held.user),
        posted,
        errors,
        None,
        posted.key.clone(),
    );
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// A customer just made and its first admin's password, as the cookie holds them (sealed) until
/// the next page.
#[derive(serde::Serialize, serde::Deserialize)]
struct NewPassword {
    customer: String,
    admin: String,
    password: String,
    /// The Confirm's time: the cookie opens for [`NEW_PASSWORD_FOR`] seconds after it.
    at: chrono::DateTime<chrono::Utc>,
}

/// What the cookie is sealed for: the draft whose Confirm made the customer, in this session
/// (its token): another draft's page, or another browser, can't open it.
fn purpose(held: &Held, session: &Session) -> String {
    format!(
        "a new customer's first password: {} {}",
        held.draft.public_id,
        CsrfToken::of(session).as_str()
    )
}

/// The cookie holding `sealed` for the draft's review; `None`: its removal.
fn new_password_cookie(held: &Held, sealed: Option<String>) -> Cookie<'static> {
    let removal = sealed.is_none();
    let mut cookie = Cookie::build(NEW_PASSWORD, sealed.unwrap_or_default())
        .path(held::href(&held.draft.public_id))
        .http_only(true)
        .secure(crate::web::https(&held.req))
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::seconds(NEW_PASSWORD_FOR))
        .finish();
    if removal {
        cookie.make_removal();
    }
    cookie
}

/// The review of a held new customer, in the viewer's language; once confirmed, the customer
/// made with its first admin's password (the first time after the Confirm only), then "already
/// done".
pub(crate) async fn show(
    held: Held,
    session: Session,
    sealer: web::Data<Sealer>,
) -> Result<HttpResponse, PageError> {
    match held::settled(&held).await? {
        Some(Settled::Done(result)) => {
            if held.req.cookie(NEW_PASSWORD).is_some() {
                let page = created(&held, &session, &sealer).await?;
                let mut response = match page {
                    Some(page) => no_store(render(StatusCode::OK, &page)?),
                    None => held::settled_page(&held, Settled::Done(result), again())?,
                };
                response
                    .add_cookie(&new_password_cookie(&held, None))
                    .map_err(|e| PageError::Internal(e.into()))?;
                return Ok(response);
            }
            return held::settled_page(&held, Settled::Done(result), again());
        }
        Some(settled) => return held::settled_page(&held, settled, again()),
        None => {}
    }
    let posted = posted_of(&held)?;
    let customer = match wrong_fields(held.l, &posted) {
        Ok(customer) => customer,
        Err(errors) => return held_form(&held, &posted, &errors),
    };
    let l = held.l;
    if store::orders::domain_taken(held.db.get_ref(), &customer.prefix.domain()).await? {
        let taken = l.t1("signup-taken", "domain", customer.prefix.domain());
        return held_form(&held, &posted, &[(Field::Prefix, taken)]);
    }
    let page = NewCustomerReview {
        l,
        layout: frame(l, &held.req, &held.user),
        carried: posted.carried(),
        customer,
        key: posted.key,
        action: held::href(&held.draft.public_id),
    };
    render(StatusCode::OK, &page)
}

/// The customer the draft's Confirm made, with its password, if the request's cookie holds them
/// for this draft in this session, and they were not shown yet (the first request after the
/// Confirm; the answer removes the cookie, and the session records that it was shown).
async fn created(
    held: &Held,
    session: &Session,
    sealer: &Sealer,
) -> Result<Option<CreatedPage>, PageError> {
    let Some(new) = held
        .req
        .cookie(NEW_PASSWORD)
        .and_then(|c| sealer.open(&purpose(held, session), c.value()))
        .and_then(|json| serde_json::from_slice::<NewPassword>(&json).ok())
        .filter(|new| (held.clock.now() - new.at).num_seconds() <= NEW_PASSWORD_FOR)
    else {
        return Ok(None);
    };
    let draft = held.draft.public_id.to_string();
    let mut shown: Vec<String> = session
        .get(PASSWORDS_SHOWN)
        .ok()
        .flatten()
        .unwrap_or_default();
    if shown.contains(&draft) {
        return Ok(None);
    }
    // More drafts than this are not confirmed in one session within the cookie's minutes.
    if shown.len() >= 16 {
        shown.remove(0);
    }
    shown.push(draft);
    session
        .insert(PASSWORDS_SHOWN, shown)
        .map_err(|e| PageError::Internal(anyhow::anyhow!("session: {e}")))?;
    let Ok(id) = CustomerId::parse(&new.customer) else {
        return Ok(None);
    };
    let reseller = &held.user.account.reseller;
    let Some(customer) = store::customers::get(held.db.get_ref(), reseller, &id).await? else {
        return Ok(None);
    };
    let l = held.l;
    Ok(Some(CreatedPage {
        l,
        layout: frame(l, &held.req, &held.user),
        made: changes::CustomerMade {
            customer,
            admin: new.admin,
        },
        password: new.password,
    }))
}

fn no_store(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    response
}

/// The held new customer's Confirm: the customer made through the change engine under the
/// draft's one-time key, and its password handed, sealed, to the review's address, which shows
/// it once. A Confirm of a draft already confirmed goes to the customer.
pub(crate) async fn confirm(
    held: Held,
    session: Session,
    sealer: web::Data<Sealer>,
) -> Result<HttpResponse, PageError> {
    let href = held::href(&held.draft.public_id);
    match held::on_record(&held) {
        Some(Settled::Done(result)) => return Ok(see_other(result)),
        Some(_) => return Ok(see_other(href)),
        None => {}
    }
    let posted = posted_of(&held)?;
    let customer = match wrong_fields(held.l, &posted) {
        Ok(customer) => customer,
        Err(errors) => return held_form(&held, &posted, &errors),
    };
    // Checked again in the transaction that makes the customer.
    let password = crate::web::api::new_customer::generated_password();
    let hash = crate::password::hash_generated(&password).map_err(PageError::Internal)?;
    let sub = CustomerSubmission {
        who: &held.user.account,
        via: Via::Page,
        key: Some(&ChangeKey::form(&held.draft.key)),
        settles: Some(Settles {
            draft: held.draft.id,
            prices: None,
        }),
        at: held.clock.now(),
    };
    let done = changes::create_customer(&held.db, &sub, &customer, &hash, |made| {
        Reply(format!("/customers/{}/subscriptions", made.customer.id))
    })
    .await;
    match done {
        Ok(changes::CustomerDone { reply, made }) => {
            let Some(made) = made else {
                // The same Confirm again: the customer, without the password.
                held::settle_replayed(&held, &reply).await?;
                return Ok(see_other(reply.0));
            };
            let new = NewPassword {
                customer: made.customer.id.to_string(),
                admin: made.admin,
                password,
                at: held.clock.now(),
            };
            let json = serde_json::to_vec(&new).map_err(|e| PageError::Internal(e.into()))?;
            let sealed = sealer.seal(&purpose(&held, &session), &json);
            let mut response = see_other(href);
            response
                .add_cookie(&new_password_cookie(&held, Some(sealed)))
                .map_err(|e| PageError::Internal(e.into()))?;
            Ok(response)
        }
        Err(ChangeError::Conflict) => {
            let taken = held
                .l
                .t1("signup-taken", "domain", customer.prefix.domain());
            held_form(&held, &posted, &[(Field::Prefix, taken)])
        }
        Err(ChangeError::Db(e)) => Err(e.into()),
        Err(other) => Err(PageError::Internal(anyhow::anyhow!(
            "a new customer: {other}"
        ))),
    }
}
