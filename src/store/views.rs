//! The read models: subscriptions as the pages, the API and the change engine read them
//! ([`SubscriptionView`]: a subscription with its customer and the customer's holdings from every
//! channel), and the lists of a customer's subscriptions. Reads only; the writes are the change
//! engine's ([`super::changes`]).

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QueryResult, QuerySelect, Statement,
};

use super::activity;
use super::{DbErr, count};
use crate::domain::{
    BillingCycle, Customer, CustomerId, Holding, OfferId, ResellerId, Subscription, SubscriptionId,
    SubscriptionStatus, SubscriptionView, Version,
};
use crate::entities::{activity as activity_row, subscription};

fn corrupt(what: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("unexpected value in the database: {what}"))
}

/// Turns a row into the domain's subscription.
pub(crate) fn from_row(m: subscription::Model) -> Result<Subscription, DbErr> {
    Ok(Subscription {
        id: SubscriptionId::parse(&m.id).map_err(corrupt)?,
        offer: m.offer_id.parse::<OfferId>().map_err(corrupt)?,
        friendly_name: m.friendly_name,
        quantity: count(m.quantity)?,
        assigned_licenses: count(m.assigned_licenses)?,
        status: m.status.parse::<SubscriptionStatus>().map_err(corrupt)?,
        sold_by: m
            .sold_by
            .as_deref()
            .map(ResellerId::parse)
            .transpose()
            .map_err(corrupt)?,
        billing_cycle: m.billing_cycle.parse::<BillingCycle>().map_err(corrupt)?,
        auto_renew: m.auto_renew,
        created: m.created_on,
        upgraded_to: m
            .upgraded_to
            .as_deref()
            .map(SubscriptionId::parse)
            .transpose()
            .map_err(corrupt)?,
        upgraded_from: m
            .upgraded_from
            .as_deref()
            .map(SubscriptionId::parse)
            .transpose()
            .map_err(corrupt)?,
        version: Version(m.version),
    })
}

/// The subscriptions `reseller` sold to the customer, newest first.
pub async fn sold_to(
    db: &impl ConnectionTrait,
    reseller: &ResellerId,
    customer: &CustomerId,
) -> Result<Vec<Subscription>, DbErr> {
    subscription::Entity::find()
        .filter(subscription::Column::CustomerId.eq(customer.as_str()))
        .filter(subscription::Column::SoldBy.eq(reseller.as_str()))
        .order_by_desc(subscription::Column::CreatedOn)
        .order_by_asc(subscription::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

/// A subscription as a customer's Subscriptions page lists it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: SubscriptionId,
    pub offer: OfferId,
    pub friendly_name: String,
    pub quantity: u32,
    pub assigned_licenses: u32,
    pub status: SubscriptionStatus,
}

#[derive(FromQueryResult)]
struct ListedRow {
    id: String,
    offer_id: String,
    friendly_name: String,
    quantity: i64,
    assigned_licenses: i64,
    status: String,
}

/// The subscriptions `reseller` sold to `customer`, newest first, `size` at a time after the
/// subscription `after` (from the newest without one; a subscription that is not one of these
/// starts nothing), and whether more follow.
pub async fn sold_to_page(
    db: &impl ConnectionTrait,
    reseller: &ResellerId,
    customer: &CustomerId,
    after: Option<&SubscriptionId>,
    size: u64,
) -> Result<(Vec<Listed>, bool), DbErr> {
    let backend = db.get_database_backend();
    let mut values: Vec<sea_orm::Value> = vec![reseller.as_str().into(), customer.as_str().into()];
    let mut start = "";
    if let Some(after) = after {
        // The cursor is one of this page's own rows: a subscription sold through another
        // channel (another reseller's, or bought directly) starts the list as an unknown one
        // does, and tells nothing of where it would sort.
        let at = subscription::Entity::find_by_id(after.as_str())
            .filter(subscription::Column::CustomerId.eq(customer.as_str()))
            .filter(subscription::Column::SoldBy.eq(reseller.as_str()))
            .select_only()
            .column(subscription::Column::CreatedOn)
            .into_tuple::<chrono::NaiveDate>()
            .one(db)
            .await?;
        if let Some(created_on) = at {
            values.push(created_on.into());
            values.push(after.as_str().into());
            start = " AND (created_on < $3 OR (created_on = $3 AND id > $4))";
        }
    }
    // Only the columns the page shows, so the sort of a customer's hundreds of subscriptions
    // moves narrow rows; the limit a constant of the code (bound, it makes SQLite prepare the
    // statement again on every run).
    let rows = ListedRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT id, offer_id, friendly_name, quantity, assigned_licenses, status \
             FROM subscriptions WHERE sold_by = $1 AND customer_id = $2{start} \
             ORDER BY created_on DESC, id LIMIT {}",
            size + 1
        ),
        values,
    ))
    .all(db)
    .await?;
    let more = rows.len() as u64 > size;
    rows.into_iter()
        .take(size as usize)
        .map(|r| {
            Ok(Listed {
                id: SubscriptionId::parse(&r.id).map_err(corrupt)?,
                offer: r.offer_id.parse::<OfferId>().map_err(corrupt)?,
                friendly_name: r.friendly_name,
                quantity: count(r.quantity)?,
                assigned_licenses: count(r.assigned_licenses)?,
                status: r.status.parse::<SubscriptionStatus>().map_err(corrupt)?,
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()
        .map(|listed| (listed, more))
}

/// One subscription as `reseller` may see it: `None` when the customer is not the reseller's or
/// the subscription was not sold by it, exactly as when it does not exist. One statement reads
/// the customer, the reseller's relationship and all of the customer's subscriptions (the
/// holdings, and the one asked for): a page's cost follows its database round trips.
pub async fn view(
    db: &impl ConnectionTrait,
    reseller: &ResellerId,
    customer_id: &CustomerId,
    id: &SubscriptionId,
) -> Result<Option<SubscriptionView>, DbErr> {
    Ok(view_with_history(db, reseller, customer_id, id, 0)
        .await?
        .map(|(view, _)| view))
}

/// [`view`], and the latest `history` changes the reseller made to the subscription, newest
/// first, in the same statement.
pub async fn view_with_history(
    db: &impl ConnectionTrait,
    reseller: &ResellerId,
    customer_id: &CustomerId,
    id: &SubscriptionId,
    history: u64,
) -> Result<Option<(SubscriptionView, Vec<activity::Entry>)>, DbErr> {
    // One row for the subscription, with its customer, the reseller's relationship and the
    // customer's holdings from every channel (see `holdings`); one row per history record when
    // `history` asks for them. A driver's cost grows with the values it hands over, so rows and
    // columns are only what the page needs. (`string_agg` is PostgreSQL's, and SQLite's since
    // 3.44; sqlx builds SQLite 3.51 in.)
    let mut sql = format!(
        "SELECT t.*, c.company_name AS c_company_name, c.domain AS c_domain, \
         r.delegated_admin AS r_delegated_admin, {}",
        holdings_of("r.customer_id")
    );
    if history > 0 {
        sql.push_str(
            ", a.id AS a_id, a.reseller_id AS a_reseller_id, a.user_email AS a_user_email, \
             a.at AS a_at, a.action AS a_action, a.customer_id AS a_customer_id, \
             a.subscription_id AS a_subscription_id, a.before_quantity AS a_before_quantity, \
             a.before_assigned AS a_before_assigned, a.before_status AS a_before_status, \
             a.after_quantity AS a_after_quantity, a.after_assigned AS a_after_assigned, \
             a.after_status AS a_after_status, a.upgrade_id AS a_upgrade_id, \
             a.token_id AS a_token_id, a.before_name AS a_before_name, \
             a.after_name AS a_after_name",
        );
    }
    sql.push_str(
        " FROM relationships r \
         JOIN customers c ON c.id = r.customer_id \
         JOIN subscriptions t ON t.customer_id = r.customer_id AND t.id = $3",
    );
    if history > 0 {
        // A literal limit: a bound one makes SQLite prepare the statement again on every run.
        sql.push_str(&format!(
            " LEFT JOIN (SELECT * FROM activity WHERE subscription_id = $3 AND reseller_id = $1 \
             ORDER BY id DESC LIMIT {history}) a ON TRUE"
        ));
    }
    sql.push_str(" WHERE r.reseller_id = $1 AND r.customer_id = $2");
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [
            reseller.as_str().into(),
            customer_id.as_str().into(),
            id.as_str().into(),
        ],
    );
    let results = db.query_all_raw(statement).await?;
    let Some(first) = results.first() else {
        return Ok(None);
    };
    if first.try_get::<Option<String>>("", "sold_by")?.as_deref() != Some(reseller.as_str()) {
        return Ok(None);
    }
    let view = view_of_row(first)?;
    let mut changes = Vec::new();
    if history > 0 {
        for result in &results {
            if result.try_get::<Option<i32>>("", "a_id")?.is_some() {
                changes.push(activity_row::Model::from_query_result(result, "a_")?);
            }
        }
    }
    // Newest first: a join keeps no order of its own.
    changes.sort_unstable_by_key(|c| std::cmp::Reverse(c.id));
    let entries = changes
        .into_iter()
        .map(|change| activity::entry(change, None, None))
        .collect::<Result<Vec<_>, DbErr>>()?;
    Ok(Some((view, entries)))
}

/// The customer's holdings (see [`holdings`]) as the column `c_holdings` of a statement that
/// reads a subscription of the customer whose id is `customer`, a column or a placeholder.
pub(super) fn holdings_of(customer: &str) -> String {
    format!(
        "(SELECT string_agg(h.id || ' ' || h.offer_id || ' ' || h.status || ' ' || \
         COALESCE(h.sold_by, ''), ',') \
         FROM subscriptions h WHERE h.customer_id = {customer}) AS c_holdings"
    )
}

/// A subscription as [`view`] reads it from a row of the subscription's columns with
/// `c_company_name`, `c_domain`, `r_delegated_admin` and `c_holdings` (see [`holdings_of`]).
pub(super) fn view_of_row(row: &QueryResult) -> Result<SubscriptionView, DbErr> {
    let model = subscription::Model::from_query_result(row, "")?;
    let id = CustomerId::parse(&model.customer_id).map_err(corrupt)?;
    Ok(SubscriptionView {
        subscription: from_row(model)?,
        customer: Customer {
            id,
            company_name: row.try_get("", "c_company_name")?,
            domain: row.try_get("", "c_domain")?,
            delegated_admin: row.try_get("", "r_delegated_admin")?,
        },
        holdings: holdings(&row.try_get::<String>("", "c_holdings")?)?,
    })
}

/// Which of the reseller's subscriptions [`views_where`] reads.
#[derive(Debug, Clone, Copy)]
pub enum Among<'a> {
    /// These ids (those that are not the reseller's are left out).
    Ids(&'a [SubscriptionId]),
    /// Every subscription with this offer and status whose customer's name or domain holds the
    /// search text (each when given), in the customer list's order, up to `limit`.
    Selection {
        offer: Option<OfferId>,
        status: Option<SubscriptionStatus>,
        search: &'a str,
        limit: usize,
    },
}

/// Many subscriptions as [`view`] reads one: each with its customer, the reseller's
/// relationship and the customer's holdings, in one statement per 500 ids (or one for a
/// selection). A bulk change's review reads its rows this way.
pub async fn views_where(
    db: &impl ConnectionTrait,
    reseller: &ResellerId,
    among: Among<'_>,
) -> Result<Vec<SubscriptionView>, DbErr> {
    let head = format!(
        "SELECT t.*, c.company_name AS c_company_name, c.domain AS c_domain, \
         r.delegated_admin AS r_delegated_admin, {} \
         FROM subscriptions t \
         JOIN relationships r ON r.customer_id = t.customer_id AND r.reseller_id = $1 \
         JOIN customers c ON c.id = t.customer_id \
         WHERE t.sold_by = $1",
        holdings_of("r.customer_id")
    );
    let backend = db.get_database_backend();
    let mut statements = Vec::new();
    match among {
        Among::Ids(ids) => {
            for chunk in ids.chunks(500) {
                let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
                let mut values: Vec<sea_orm::Value> = vec![reseller.as_str().into()];
                values.extend(chunk.iter().map(|id| id.as_str().into()));
                statements.push(Statement::from_sql_and_values(
                    backend,
                    format!("{head} AND t.id IN ({})", marks.join(", ")),
                    values,
                ));
            }
        }
        Among::Selection {
            offer,
            status,
            search,
            limit,
        } => {
            let mut sql = head;
            let mut values: Vec<sea_orm::Value> = vec![reseller.as_str().into()];
            if let Some(offer) = offer {
                values.push(offer.as_str().into());
                sql.push_str(&format!(" AND t.offer_id = ${}", values.len()));
            }
            if let Some(status) = status {
                values.push(status.as_str().into());
                sql.push_str(&format!(" AND t.status = ${}", values.len()));
            }
            if !search.is_empty() {
                let pattern = format!(
                    "%{}%",
                    super::customers::escape_like(&search.to_lowercase())
                );
                values.push(pattern.into());
                sql.push_str(&format!(
                    " AND r.search_text LIKE ${} ESCAPE '\\'",
                    values.len()
                ));
            }
            sql.push_str(&format!(
                " ORDER BY r.sort_key, r.customer_id, t.created_on DESC, t.id LIMIT {limit}"
            ));
            statements.push(Statement::from_sql_and_values(backend, sql, values));
        }
    }
    let mut views = Vec::new();
    for statement in statements {
        for row in db.query_all_raw(statement).await? {
            views.push(view_of_row(&row)?);
        }
    }
    Ok(views)
}

/// The customer's holdings as the statement above aggregates them: `id offer status seller` for
/// each subscription (the seller empty when bought directly), joined by commas. Ids, offer
/// codes, statuses and reseller ids hold neither character.
fn holdings(aggregated: &str) -> Result<Vec<Holding>, DbErr> {
    aggregated
        .split(',')
        .map(|h| {
            let mut parts = h.split(' ');
            let (Some(id), Some(offer), Some(status), Some(seller), None) = (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            ) else {
                return Err(corrupt(format!("holding {h:?}")));
            };
            Ok(Holding {
                subscription: SubscriptionId::parse(id).map_err(corrupt)?,
                offer: offer.parse().map_err(corrupt)?,
                status: status.parse().map_err(corrupt)?,
                sold_by: match seller {
                    "" => None,
                    seller => Some(ResellerId::parse(seller).map_err(corrupt)?),
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holdings_read_back_from_their_aggregate() {
        let read =
            holdings("s-1 O365_E3 active contoso,s.2 O365_BUSINESS_ESSENTIALS cancelled ").unwrap();
        assert_eq!(
            read,
            vec![
                Holding {
                    subscription: SubscriptionId::parse("s-1").unwrap(),
                    offer: OfferId::O365E3,
                    status: SubscriptionStatus::Active,
                    sold_by: Some(ResellerId::parse("contoso").unwrap()),
                },
                Holding {
                    subscription: SubscriptionId::parse("s.2").unwrap(),
                    offer: OfferId::O365BusinessEssentials,
                    status: SubscriptionStatus::Cancelled,
                    sold_by: None,
                },
            ]
        );
    }

    #[test]
    fn a_malformed_aggregate_is_an_error_not_a_guess() {
        for bad in [
            "",
            "s-1 O365_E3",
            "s-1 O365_E3 active",
            "s-1 O365_E3 active contoso extra",
            "s-1 NOPE active ",
            "s 1 O365_E3 active ",
        ] {
            assert!(holdings(bad).is_err(), "{bad:?}");
        }
    }
}
