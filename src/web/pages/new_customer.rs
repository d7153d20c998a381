//! "Add customer" (添加客户) on the customer list: the form Partner Center asks of a 21Vianet
//! customer (company, domain prefix with its availability, contact, Chinese address, language),
//! its review, and Confirm, which makes the customer through the change engine and shows the
//! first admin's generated password once (a repeated Confirm is sent to the customer instead).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::layout::Layout;
use crate::clock::Clock;
use crate::domain::change::Via;
use crate::domain::signup::{DomainPrefix, Field, NewCustomer, PROVINCES, RawCustomer};
use crate::domain::{ChangeKey, FormKey};
use crate::store::changes::{self, ChangeError, CustomerSubmission, Reply};
use crate::store::{self, Db};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::{render, see_other};

/// The form's path.
pub const PATH: &str = "/customers/new";

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
    confirm: Option<String>,
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

// permission: change
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
    let customer = match NewCustomer::parse(&posted.raw()) {
        Ok(customer) => customer,
        Err(wrong) => {
            let errors: Vec<(Field, String)> = wrong
                .iter()
                .map(|(field, why)| {
                    let key = why.map_or(field.message_key(), |e| e.message_key());
                    (*field, l.t(key))
                })
                .collect();
            return again(&errors, None, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let taken = |domain: String| {
        again(
            &[(Field::Prefix, l.t1("signup-taken", "domain", domain))],
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    if posted.confirm.is_none() {
        if store::orders::domain_taken(db.get_ref(), &customer.prefix.domain()).await? {
            return taken(customer.prefix.domain());
        }
        let page = NewCustomerReview {
            l,
            layout: frame(l, &req, &user),
            carried: posted.carried(),
            customer,
            key: key.to_string(),
        };
        return render(StatusCode::OK, &page);
    }
    // Confirm: checked again in the transaction that makes the customer.
    let password = crate::web::api::new_customer::generated_password();
    let hash = crate::password::hash_generated(&password).map_err(PageError::Internal)?;
    let sub = CustomerSubmission {
        who: &user.account,
        via: Via::Page,
        key: Some(&ChangeKey::form(&key)),
        at: clock.now(),
    };
    let done = changes::create_customer(&db, &sub, &customer, &hash, |made| {
        Reply(format!("/customers/{}/subscriptions", made.customer.id))
    })
    .await;
    match done {
        Ok(changes::CustomerDone {
            made: Some(made), ..
        }) => {
            let page = CreatedPage {
                l,
                layout: frame(l, &req, &user),
                made,
                password,
            };
            render(StatusCode::OK, &page)
        }
        // The same Confirm again: the customer, without the password.
        Ok(changes::CustomerDone { reply, made: None }) => Ok(see_other(reply.0)),
        Err(ChangeError::Conflict) => taken(customer.prefix.domain()),
        Err(ChangeError::Db(e)) => Err(e.into()),
        Err(other) => Err(PageError::Internal(anyhow::anyhow!(
            "a new customer: {other}"
        ))),
    }
}
