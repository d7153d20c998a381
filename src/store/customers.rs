//! Customers as one reseller sees them: only those it has a relationship with.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::subscriptions::from_row;
use super::{Db, DbErr};
use crate::domain::{
    Customer, CustomerId, CustomerQuery, CustomerSummary, Page, PageRequest, ResellerId,
};
use crate::entities::{customer, relationship, subscription};

fn to_customer(c: customer::Model, delegated_admin: bool) -> Result<Customer, DbErr> {
    Ok(Customer {
        id: CustomerId::parse(&c.id).map_err(|e| DbErr::Custom(format!("customer id: {e}")))?,
        company_name: c.company_name,
        domain: c.domain,
        delegated_admin,
    })
}

/// How far the customer list counts: "10,000+ customers".
const COUNT_BOUND: u64 = 10_000;
/// How far a search counts: "200+ customers match".
const SEARCH_COUNT_BOUND: u64 = 200;

/// One of the reseller's customers, or `None` when it has no relationship with that customer.
pub async fn get(
    db: &impl ConnectionTrait,
    reseller: &ResellerId,
    id: &CustomerId,
) -> Result<Option<Customer>, DbErr> {
    let found = relationship::Entity::find_by_id((reseller.to_string(), id.to_string()))
        .find_also_related(customer::Entity)
        .one(db)
        .await?;
    match found {
        Some((rel, Some(c))) => Ok(Some(to_customer(c, rel.delegated_admin)?)),
        _ => Ok(None),
    }
}

/// A page of the reseller's customers, sorted by company name (Chinese by pinyin), filtered by a search of company
/// name or domain (case-insensitive, anywhere in the text), each with the subscriptions the
/// reseller sold it. Three queries, whatever the page size.
pub async fn list(
    db: &Db,
    reseller: &ResellerId,
    query: &CustomerQuery,
    page: PageRequest,
) -> Result<Page<CustomerSummary>, DbErr> {
    let mut select = customer::Entity::find()
        .inner_join(relationship::Entity)
        .filter(relationship::Column::ResellerId.eq(reseller.as_str()))
        .select_also(relationship::Entity);
    if !query.is_empty() {
        let pattern = format!("%{}%", escape_like(&query.as_str().to_lowercase()));
        let like = |col: customer::Column| {
            Expr::expr(Func::lower(Expr::col((customer::Entity, col))))
                .like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        select = select.filter(
            Condition::any()
                .add(like(customer::Column::CompanyName))
                .add(like(customer::Column::Domain)),
        );
    }
    // Count up to a bound: an unfiltered list is cheap to count far, a search is not.
    let bound = if query.is_empty() {
        COUNT_BOUND
    } else {
        SEARCH_COUNT_BOUND
    };
    let counted = select.clone().limit(bound + 1).count(db).await?;
    let rows = select
        .order_by_asc(customer::Column::SortKey)
        .order_by_asc(customer::Column::Id)
        .offset(page.offset())
        .limit(page.size)
        .all(db)
        .await?;

    let ids: Vec<String> = rows.iter().map(|(c, _)| c.id.clone()).collect();
    let mut subscriptions = subscription::Entity::find()
        .filter(subscription::Column::SoldBy.eq(reseller.as_str()))
        .filter(subscription::Column::CustomerId.is_in(ids))
        .order_by_asc(subscription::Column::CustomerId)
        .order_by_desc(subscription::Column::CreatedOn)
        .order_by_asc(subscription::Column::Id)
        .all(db)
        .await?;

    let mut items = Vec::with_capacity(rows.len());
    for (c, rel) in rows {
        let delegated_admin = rel.is_some_and(|r| r.delegated_admin);
        let (mine, rest): (Vec<_>, Vec<_>) = subscriptions
            .into_iter()
            .partition(|s| s.customer_id == c.id);
        subscriptions = rest;
        items.push(CustomerSummary {
            customer: to_customer(c, delegated_admin)?,
            subscriptions: mine.into_iter().map(from_row).collect::<Result<_, _>>()?,
        });
    }
    Ok(Page {
        items,
        request: page,
        total: Ord::min(counted, bound),
        more: counted > bound,
    })
}

/// Escapes LIKE's wildcards so that a search for `50%` means the text "50%".
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
