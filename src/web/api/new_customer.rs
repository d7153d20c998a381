//! `POST /v1/customers` (Partner Center's "Create a customer"): a new customer of the reseller,
//! with delegated admin privileges (the reseller creates the tenant), and the tenant's first
//! admin, whose generated password the answer shows once (a replay of the request answers
//! without it; only its Argon2id hash is kept).

use actix_web::{HttpRequest, HttpResponse, web};
use rand::Rng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::ApiCaller;
use super::change_key;
use super::error::{ApiError, ErrorBody};
use super::model::CustomerResource;
use super::openapi::{Localized, Refusals};
use super::parse_body;
use crate::clock::Clock;
use crate::domain::change::Via;
use crate::domain::signup::{NewCustomer, RawCustomer, SUFFIX};
use crate::store::Db;
use crate::store::changes::{self, ChangeError, CustomerSubmission, Reply};

/// The company, as a request sends it.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct CompanyProfileRequest {
    /// `{prefix}.partner.onmschina.cn`, or the prefix alone.
    pub domain: String,
}

/// The customer's address, as a request sends it.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct AddressRequest {
    /// `CN` (or left out).
    pub country: String,
    pub city: String,
    /// The province, municipality or region, by its Chinese or English name.
    pub state: String,
    pub address_line1: String,
    /// Six digits.
    pub postal_code: String,
    pub first_name: String,
    pub last_name: String,
    pub phone_number: String,
}

/// The billing profile, as a request sends it.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct BillingProfileRequest {
    pub email: String,
    /// `zh-CN` or `en-US`.
    pub culture: String,
    /// `zh` or `en`.
    pub language: String,
    pub company_name: String,
    pub default_address: AddressRequest,
}

/// Partner Center's `Customer`, as a request to create one sends it (PascalCase or camelCase).
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct NewCustomerRequest {
    pub company_profile: CompanyProfileRequest,
    pub billing_profile: BillingProfileRequest,
}

const FIELDS: &[&str] = &[
    "companyProfile",
    "domain",
    "billingProfile",
    "email",
    "culture",
    "language",
    "companyName",
    "defaultAddress",
    "country",
    "city",
    "state",
    "addressLine1",
    "postalCode",
    "firstName",
    "lastName",
    "phoneNumber",
];

/// The tenant's first admin, as Partner Center answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserCredentials {
    pub user_name: String,
    /// Shown in the first answer only: a replay of the request answers without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// A customer just made.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewCustomerResource {
    #[serde(flatten)]
    pub customer: CustomerResource,
    pub user_credentials: UserCredentials,
}

/// A generated password: 16 characters of upper and lower case letters, digits and symbols,
/// one of each at least, none that reads like another.
pub fn generated_password() -> String {
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const DIGITS: &[u8] = b"23456789";
    const SYMBOLS: &[u8] = b"!#$%*+-=?@";
    let mut rng = rand::rng();
    let all: Vec<u8> = [UPPER, LOWER, DIGITS, SYMBOLS].concat();
    let mut chars: Vec<u8> = [UPPER, LOWER, DIGITS, SYMBOLS]
        .iter()
        .map(|set| set[rng.random_range(0..set.len())])
        .collect();
    while chars.len() < 16 {
        chars.push(all[rng.random_range(0..all.len())]);
    }
    chars.shuffle(&mut rng);
    String::from_utf8_lossy(&chars).into_owned()
}

fn read(body: &[u8]) -> Result<NewCustomer, ApiError> {
    let request: NewCustomerRequest = parse_body(body, FIELDS)?;
    let b = &request.billing_profile;
    let a = &b.default_address;
    if !a.country.trim().is_empty() && !a.country.trim().eq_ignore_ascii_case("CN") {
        return Err(ApiError::not_onboarded(&a.country));
    }
    let domain = request.company_profile.domain.trim();
    let lower = domain.to_ascii_lowercase();
    let prefix = match lower.strip_suffix(SUFFIX) {
        Some(prefix) => prefix.strip_suffix('.').unwrap_or(prefix),
        None => domain,
    };
    let raw = RawCustomer {
        company_name: b.company_name.clone(),
        prefix: prefix.to_owned(),
        first_name: a.first_name.clone(),
        last_name: a.last_name.clone(),
        email: b.email.clone(),
        phone: a.phone_number.clone(),
        province: a.state.clone(),
        city: a.city.clone(),
        address_line: a.address_line1.clone(),
        postal_code: a.postal_code.clone(),
        language: if b.language.trim().is_empty() {
            b.culture.clone()
        } else {
            b.language.clone()
        },
    };
    NewCustomer::parse(&raw).map_err(|wrong| {
        let fields: Vec<String> = wrong
            .iter()
            .map(|(field, why)| match why {
                Some(e) => format!("{}: {e}", field.wire()),
                None => format!("{}: missing or not valid", field.wire()),
            })
            .collect();
        ApiError::invalid(fields.join("; "))
    })
}

/// Creates a customer.
///
/// The customer, this reseller's relationship with it with delegated admin privileges, and the
/// tenant's first admin (`admin@{prefix}.partner.onmschina.cn`), whose generated password this
/// answer shows once. The domain must be free in the whole portal (compared without case: check
/// it first with `GET /v1/validations/checkdomainavailability/{prefix}`). The address is Chinese:
/// `state` a province, municipality or region (Chinese or English name), a six-digit
/// `postalCode`. With `MS-RequestId`, the same request again is the same customer (answered
/// without the password).
#[utoipa::path(
    post,
    path = "/v1/customers",
    tag = "customers",
    params(Localized,
        ("MS-RequestId" = Option<String>, Header, description = "A GUID that makes the call idempotent")),
    request_body(content = NewCustomerRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The customer and its first admin's credentials", body = NewCustomerResource),
        (status = 400, description = "A field missing or not valid, or the domain taken (800002); nothing written", body = ErrorBody),
        (status = 403, description = "A country other than CN (2030)", body = ErrorBody),
        Refusals,
    )
)]
// permission: change
pub async fn create(
    req: HttpRequest,
    caller: ApiCaller,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = change_key(&req)?;
    let new = read(&body)?;
    let password = generated_password();
    let hash = crate::password::hash_generated(&password).map_err(ApiError::internal)?;
    let sub = CustomerSubmission {
        who: &caller.account,
        via: Via::Token(caller.token_id, caller.correlation),
        key: key.as_ref(),
        settles: None,
        at: clock.now(),
    };
    let answer = |made: &changes::CustomerMade, password: Option<String>| NewCustomerResource {
        customer: CustomerResource::new(&made.customer),
        user_credentials: UserCredentials {
            user_name: made.admin.clone(),
            password,
        },
    };
    // What a replay answers: the same, without the password.
    let done = changes::create_customer(&db, &sub, &new, &hash, |made| {
        super::kept(&answer(made, None))
    })
    .await;
    let body = match done {
        Ok(changes::CustomerDone {
            made: Some(made), ..
        }) => serde_json::to_string(&answer(&made, Some(password))).map_err(ApiError::internal)?,
        Ok(changes::CustomerDone {
            reply: Reply(kept),
            made: None,
        }) => kept,
        Err(ChangeError::Conflict) => {
            return Err(ApiError::invalid(format!(
                "companyProfile.domain: {} is taken",
                new.prefix.domain()
            )));
        }
        Err(ChangeError::Db(e)) => return Err(e.into()),
        Err(other) => return Err(ApiError::internal(other)),
    };
    Ok(super::answer(
        actix_web::http::StatusCode::CREATED,
        Reply(body),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_password_has_every_kind_of_character() {
        for _ in 0..50 {
            let p = generated_password();
            assert_eq!(p.len(), 16);
            assert!(p.bytes().any(|b| b.is_ascii_uppercase()));
            assert!(p.bytes().any(|b| b.is_ascii_lowercase()));
            assert!(p.bytes().any(|b| b.is_ascii_digit()));
            assert!(p.bytes().any(|b| !b.is_ascii_alphanumeric()));
        }
        assert_ne!(generated_password(), generated_password());
    }
}
