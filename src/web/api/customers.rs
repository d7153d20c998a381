//! `GET /v1/customers` (paged, filtered as Partner Center filters) and `GET /v1/customers/{id}`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::auth::ApiCaller;
use super::error::{ApiError, ErrorBody};
use super::json;
use super::model::{CustomerCollection, CustomerResource, KeyValue, Link};
use super::openapi::{CustomerPath, NotFound, Refusals};
use crate::domain::{CustomerId, CustomerPrefix, PrefixField};
use crate::store::{self, Db};

/// The header that carries where the next page starts.
pub const CONTINUATION: &str = "MS-ContinuationToken";
const DEFAULT_SIZE: u64 = 200;
const MAX_SIZE: u64 = 500;

/// What `GET /v1/customers` asks: a page size, a filter, and where the page starts.
#[derive(Debug, PartialEq, Eq)]
struct ListRequest {
    size: u64,
    filter: Option<CustomerPrefix>,
    after: Option<CustomerId>,
}

/// Partner Center's filter: `{"Field":"CompanyName"|"Domain","Value":"…","Operator":"starts_with"}`.
#[derive(serde::Deserialize)]
struct Filter {
    #[serde(rename = "field")]
    field: String,
    #[serde(rename = "value")]
    value: String,
    #[serde(rename = "operator")]
    operator: String,
}

fn parse_filter(raw: &str) -> Result<CustomerPrefix, ApiError> {
    let filter: Filter = super::parse_body(raw.as_bytes(), &["field", "value", "operator"])
        .map_err(|_| {
            ApiError::invalid(
                "filter: expected {\"Field\":\"CompanyName\" or \"Domain\",\"Value\":\"…\",\
                 \"Operator\":\"starts_with\"}",
            )
        })?;
    // Partner Center's SDK also spells them StartsWith, DisplayName and DefaultDomainName.
    let is = |raw: &str, names: &[&str]| names.iter().any(|n| raw.eq_ignore_ascii_case(n));
    if !is(&filter.operator, &["starts_with", "StartsWith"]) {
        return Err(ApiError::invalid(format!(
            "filter.Operator: {:?} is not supported; use starts_with",
            filter.operator
        )));
    }
    let field = if is(&filter.field, &["CompanyName", "DisplayName"]) {
        PrefixField::CompanyName
    } else if is(&filter.field, &["Domain", "DefaultDomainName"]) {
        PrefixField::Domain
    } else {
        return Err(ApiError::invalid(format!(
            "filter.Field: {:?} is not supported; use CompanyName or Domain",
            filter.field
        )));
    };
    CustomerPrefix::parse(field, &filter.value).ok_or_else(|| {
        ApiError::invalid(format!(
            "filter.Value: expected 1 to {} characters",
            CustomerPrefix::MAX
        ))
    })
}

/// The continuation token: where the next page starts and what it filters, opaque to clients.
fn token(after: &CustomerId, filter: Option<&CustomerPrefix>) -> String {
    let state = serde_json::json!({
        "a": after.as_str(),
        "f": filter.map(|f| match f.field {
            PrefixField::CompanyName => "CompanyName",
            PrefixField::Domain => "Domain",
        }),
        "v": filter.map(CustomerPrefix::as_str),
    });
    state
        .to_string()
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn parse_token(raw: &str) -> Option<(CustomerId, Option<CustomerPrefix>)> {
    let bytes = (0..raw.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(raw.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    let state: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let after = CustomerId::parse(state.get("a")?.as_str()?).ok()?;
    let filter = match (state.get("f")?.as_str(), state.get("v")?.as_str()) {
        (Some("CompanyName"), Some(v)) => Some(CustomerPrefix::parse(PrefixField::CompanyName, v)?),
        (Some("Domain"), Some(v)) => Some(CustomerPrefix::parse(PrefixField::Domain, v)?),
        (None, None) => None,
        _ => return None,
    };
    Some((after, filter))
}

fn parse_list(req: &HttpRequest) -> Result<ListRequest, ApiError> {
    let mut size = DEFAULT_SIZE;
    let mut filter = None;
    let mut next = false;
    for (name, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
        match name.to_ascii_lowercase().as_str() {
            "size" => {
                size = value
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=MAX_SIZE).contains(n))
                    .ok_or_else(|| {
                        ApiError::invalid(format!(
                            "size: {value:?} is not a whole number from 1 to {MAX_SIZE}"
                        ))
                    })?;
            }
            "filter" => filter = Some(parse_filter(&value)?),
            "seekoperation" => {
                if !value.eq_ignore_ascii_case("next") {
                    return Err(ApiError::invalid(format!(
                        "seekOperation: {value:?} is not supported; use Next"
                    )));
                }
                next = true;
            }
            _ => {}
        }
    }
    let mut after = None;
    if next {
        let raw = req
            .headers()
            .get(CONTINUATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "seekOperation=Next needs the {CONTINUATION} header of links.next"
                ))
            })?;
        let (id, token_filter) = parse_token(raw.trim()).ok_or_else(|| {
            ApiError::invalid(format!("{CONTINUATION}: not a token this API gave"))
        })?;
        after = Some(id);
        filter = filter.or(token_filter);
    }
    Ok(ListRequest {
        size,
        filter,
        after,
    })
}

/// A page of the reseller's customers.
///
/// In the customer list's order (company name, Chinese by pinyin). `links.next` is there when
/// more follow: send its URI with its `MS-ContinuationToken` header.
#[utoipa::path(
    get,
    path = "/v1/customers",
    tag = "customers",
    params(
        ("size" = Option<u64>, Query, minimum = 1, maximum = 500, description = "Customers per page, 1 to 500 (default 200)"),
        ("filter" = Option<String>, Query, description = "Partner Center's filter, URL-encoded JSON: {\"Field\":\"CompanyName\" or \"Domain\",\"Value\":\"…\",\"Operator\":\"starts_with\"} (case-insensitive)"),
        ("seekOperation" = Option<String>, Query, description = "Next, with the MS-ContinuationToken header of links.next"),
        ("MS-ContinuationToken" = Option<String>, Header, description = "Where the next page starts, from links.next"),
    ),
    responses(
        (status = 200, description = "A page of customers", body = CustomerCollection),
        (status = 400, description = "Invalid size, filter or token (800002)", body = ErrorBody),
        Refusals,
    )
)]
pub async fn list(
    req: HttpRequest,
    caller: ApiCaller,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let request = parse_list(&req)?;
    let (customers, more) = store::customers::after(
        &db,
        &caller.account.reseller,
        request.filter.as_ref(),
        request.after.as_ref(),
        request.size,
    )
    .await?;
    let self_ = Link::get(format!("/v1/customers?{}", req.query_string()));
    let next = customers.last().filter(|_| more).map(|last| Link {
        uri: format!("/v1/customers?size={}&seekOperation=Next", request.size),
        method: "GET",
        headers: vec![KeyValue {
            key: CONTINUATION.to_owned(),
            value: token(&last.id, request.filter.as_ref()),
        }],
    });
    let items = customers.iter().map(CustomerResource::new).collect();
    json(StatusCode::OK, &CustomerCollection::new(items, self_, next))
}

/// One of the reseller's customers.
#[utoipa::path(
    get,
    path = "/v1/customers/{customer-id}",
    tag = "customers",
    params(CustomerPath),
    responses(
        (status = 200, description = "The customer", body = CustomerResource),
        NotFound,
        Refusals,
    )
)]
pub async fn get(
    req: HttpRequest,
    caller: ApiCaller,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let id = super::customer_id(&req)?;
    let customer = store::customers::get(db.get_ref(), &caller.account.reseller, &id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    json(StatusCode::OK, &CustomerResource::new(&customer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_tokens_round_trip() {
        let id = CustomerId::parse("c-0042").unwrap();
        let filter = CustomerPrefix::parse(PrefixField::Domain, "Fabrikam").unwrap();
        assert_eq!(
            parse_token(&token(&id, Some(&filter))),
            Some((id.clone(), Some(filter)))
        );
        assert_eq!(parse_token(&token(&id, None)), Some((id, None)));
        for bad in ["", "zz", "7b7d", "abc"] {
            assert_eq!(parse_token(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn filters_in_any_letter_case() {
        let f = parse_filter(r#"{"field":"companyname","VALUE":"Con","Operator":"STARTS_WITH"}"#)
            .unwrap();
        assert_eq!(f.field, PrefixField::CompanyName);
        assert_eq!(f.as_str(), "con");
        assert!(parse_filter(r#"{"Field":"Name","Value":"x","Operator":"starts_with"}"#).is_err());
        assert!(parse_filter(r#"{"Field":"Domain","Value":"x","Operator":"contains"}"#).is_err());
        assert!(
            parse_filter(r#"{"Field":"Domain","Value":" ","Operator":"starts_with"}"#).is_err()
        );
        assert!(parse_filter("not json").is_err());
    }
}
