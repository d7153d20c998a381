//! `GET /v1/auditrecords?startDate=&endDate=`: the reseller's changes as Partner Center's
//! `AuditRecord`s (the `AuditUri` of a webhook's event points here, at the moment of its change).
//! Dates are `yyyy-mm-dd` (an end date is the whole day) or RFC 3339 instants; without a start,
//! the last 30 days.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, SecondsFormat, TimeDelta, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::ApiCaller;
use super::error::{ApiError, ErrorBody};
use super::json;
use super::model::{Attributes, CollectionLinks, KeyValue, Link};
use super::openapi::Refusals;
use crate::clock::Clock;
use crate::store::Db;
use crate::store::audit::{self, Audited, Values};

/// The most records one answer holds.
const MAX_RECORDS: u64 = 500;

/// An activity record as Partner Center's `AuditRecord`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// Partner Center's form, `{partnerId}_{customerId}_{resourceId}_{operation}_{n}`, whose
    /// last part is the activity record's number (Partner Center's is the moment, in ticks):
    /// the same record has the same id in every answer.
    pub id: String,
    pub partner_id: String,
    pub customer_id: Option<String>,
    pub customer_name: Option<String>,
    pub user_principal_name: String,
    /// The API token a change was made with (`token-{id}`), or the bulk job (`bulk-job-{id}`).
    pub application_id: Option<String>,
    pub resource_type: &'static str,
    pub resource_old_value: String,
    pub resource_new_value: String,
    pub operation_type: &'static str,
    /// The `MS-CorrelationId` of the API request that made the change (none for a change made on
    /// the pages or by a bulk job).
    pub original_correlation_id: Option<String>,
    pub operation_date: String,
    pub operation_status: &'static str,
    pub customized_data: Vec<KeyValue>,
    pub attributes: Attributes,
}

/// The records of a time range.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecordCollection {
    pub total_count: usize,
    pub items: Vec<AuditRecord>,
    pub links: CollectionLinks,
    pub attributes: Attributes,
}

/// The subscription's side of a change, as Partner Center writes a resource's value: JSON text.
fn value(subscription: Option<&str>, v: &Values) -> String {
    serde_json::json!({
        "Id": subscription,
        "FriendlyName": v.name,
        "Quantity": v.quantity,
        "Status": v.status,
    })
    .to_string()
}

fn record(partner: &str, a: Audited) -> AuditRecord {
    let upgrade = a.action.starts_with("upgrade");
    let mut customized = vec![KeyValue {
        key: "SubscriptionId".into(),
        value: a.subscription_id.clone().unwrap_or_default(),
    }];
    customized.push(KeyValue {
        key: "Action".into(),
        value: a.action.clone(),
    });
    let operation_type = if upgrade {
        "upgrade_subscription"
    } else {
        "update_subscription"
    };
    AuditRecord {
        id: format!(
            "{partner}_{}_{}_{}_{}",
            a.customer_id.as_deref().unwrap_or_default(),
            a.subscription_id.as_deref().unwrap_or_default(),
            operation_type.replace('_', ""),
            a.id
        ),
        partner_id: partner.to_owned(),
        customer_name: a.customer_name,
        customer_id: a.customer_id,
        user_principal_name: a.user_email,
        application_id: a
            .token_id
            .map(|t| format!("token-{t}"))
            .or(a.job_id.map(|j| format!("bulk-job-{j}"))),
        resource_type: "subscription",
        resource_old_value: value(a.subscription_id.as_deref(), &a.before),
        resource_new_value: value(a.subscription_id.as_deref(), &a.after),
        operation_type,
        original_correlation_id: a.correlation_id,
        operation_date: a.at.to_rfc3339_opts(SecondsFormat::Millis, true),
        operation_status: "succeeded",
        customized_data: customized,
        attributes: Attributes {
            etag: None,
            object_type: "AuditRecord",
        },
    }
}

/// A date or an instant; a date alone is its first moment (`end`: the moment after its day).
fn moment(raw: &str, name: &str, end: bool) -> Result<DateTime<Utc>, ApiError> {
    let raw = raw.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Ok(at.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        ApiError::invalid(format!(
            "{name}: expected a date as yyyy-mm-dd or an instant as 2026-12-04T10:00:00Z"
        ))
    })?;
    let day = if end {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    Ok(day.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// The reseller's changes, as Partner Center's audit records.
#[utoipa::path(
    get,
    path = "/v1/auditrecords",
    tag = "audit",
    params(
        ("startDate" = Option<String>, Query, description = "From this date (yyyy-mm-dd) or instant (RFC 3339); default: 30 days ago"),
        ("endDate" = Option<String>, Query, description = "Up to this date's end (yyyy-mm-dd) or this instant (RFC 3339); default: now"),
    ),
    responses(
        (status = 200, description = "The reseller's changes in the range, oldest first, at most 500", body = AuditRecordCollection),
        (status = 400, description = "A date that can't be read, or an end not after the start (800002)", body = ErrorBody),
        Refusals,
    )
)]
// permission: view
pub async fn list(
    caller: ApiCaller,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query: Vec<(String, String)> = form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let now = clock.now();
    let start = match get("startDate") {
        Some(raw) => moment(raw, "startDate", false)?,
        None => now - TimeDelta::days(30),
    };
    let end = match get("endDate") {
        Some(raw) => moment(raw, "endDate", true)?,
        None => now + TimeDelta::seconds(1),
    };
    if end <= start {
        return Err(ApiError::invalid(
            "endDate: expected a date after startDate",
        ));
    }
    let partner = caller.account.reseller.to_string();
    let records = audit::records(&db, &caller.account.reseller, start, end, MAX_RECORDS).await?;
    let items: Vec<AuditRecord> = records.into_iter().map(|a| record(&partner, a)).collect();
    let self_uri = format!("/auditrecords?{}", req.query_string());
    json(
        StatusCode::OK,
        &AuditRecordCollection {
            total_count: items.len(),
            items,
            links: CollectionLinks {
                self_: Link::get(self_uri),
                next: None,
            },
            attributes: Attributes {
                etag: None,
                object_type: "Collection",
            },
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_days_or_instants() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            moment("2026-12-04", "startDate", false).unwrap(),
            at("2026-12-04T00:00:00Z")
        );
        assert_eq!(
            moment("2026-12-04", "endDate", true).unwrap(),
            at("2026-12-05T00:00:00Z")
        );
        assert_eq!(
            moment("2026-12-04T10:00:00.123Z", "endDate", true).unwrap(),
            at("2026-12-04T10:00:00.123Z")
        );
        assert!(moment("04/12/2026", "startDate", false).is_err());
    }
}
