//! Customers as one reseller sees them: only those it has a relationship with.

use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::subscriptions::from_row;
use super::{Db, DbErr};
use crate::domain::{
    Cursor, Customer, CustomerId, CustomerQuery, CustomerSummary, Page, PageRequest, ResellerId,
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

/// How far the customer list counts: "1,000+ customers".
const COUNT_BOUND: u64 = 1_000;

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

/// A page of the reseller's customers, sorted by company name (Chinese by pinyin), filtered by a
/// search of company name or domain (case-insensitive, anywhere in the text), each with the
/// subscriptions the reseller sold it. The list reads straight from the reseller's index in
/// name order, from the cursor on (keyset paging: the customer the cursor names is found in the
/// same index), and stops after one row past the page, so a page costs the same however large
/// the book and however deep the page; only an unfiltered list is counted, and only up to a
/// bound.
pub async fn list(
    db: &Db,
    reseller: &ResellerId,
    query: &CustomerQuery,
    cursor: &Cursor,
    page: PageRequest,
) -> Result<Page<CustomerSummary>, DbErr> {
    let mut select = relationship::Entity::find()
        .filter(relationship::Column::ResellerId.eq(reseller.as_str()))
        .find_also_related(customer::Entity);
    if !query.is_empty() {
        let pattern = format!("%{}%", escape_like(&query.as_str().to_lowercase()));
        select = select.filter(
            Expr::col((relationship::Entity, relationship::Column::SearchText))
                .like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    let backwards = matches!(cursor, Cursor::Before(_));
    if let Cursor::After(id) | Cursor::Before(id) = cursor {
        let op = if backwards { "<" } else { ">" };
        // sea-query's placeholders in a custom expression: numbered on PostgreSQL only.
        let [a, b, c] = match db.get_database_backend() {
            DbBackend::Postgres => ["$1", "$2", "$3"],
            _ => ["?", "?", "?"],
        };
        select = select.filter(Expr::cust_with_values(
            format!(
                "(\"relationships\".\"sort_key\", \"relationships\".\"customer_id\") {op} \
                 ((SELECT k.sort_key FROM relationships k \
                   WHERE k.reseller_id = {a} AND k.customer_id = {b}), {c})"
            ),
            [reseller.as_str(), id.as_str(), id.as_str()],
        ));
    }
    let (total, more) = if query.is_empty() {
        let counted = relationship::Entity::find()
            .filter(relationship::Column::ResellerId.eq(reseller.as_str()))
            .limit(COUNT_BOUND + 1)
            .count(db)
            .await?;
        (Some(Ord::min(counted, COUNT_BOUND)), counted > COUNT_BOUND)
    } else {
        (None, false)
    };
    let order = if backwards { Order::Desc } else { Order::Asc };
    let mut rows = select
        .order_by(relationship::Column::SortKey, order.clone())
        .order_by(relationship::Column::CustomerId, order)
        .limit(page.size + 1)
        .all(db)
        .await?;
    let beyond = rows.len() as u64 > page.size;
    rows.truncate(page.size as usize);
    if backwards {
        rows.reverse();
    }
    let (previous, next) = match cursor {
        Cursor::First => (false, beyond),
        Cursor::After(_) => (true, beyond),
        Cursor::Before(_) => (beyond, true),
    };

    let ids: Vec<&str> = rows.iter().map(|(r, _)| r.customer_id.as_str()).collect();
    let mut subscriptions = subscription::Entity::find()
        .filter(subscription::Column::SoldBy.eq(reseller.as_str()))
        .filter(subscription::Column::CustomerId.is_in(ids))
        .order_by_asc(subscription::Column::CustomerId)
        .order_by_desc(subscription::Column::CreatedOn)
        .order_by_asc(subscription::Column::Id)
        .all(db)
        .await?;

    let mut items = Vec::with_capacity(rows.len());
    for (rel, c) in rows {
        let Some(c) = c else { continue };
        let (mine, rest): (Vec<_>, Vec<_>) = subscriptions
            .into_iter()
            .partition(|s| s.customer_id == c.id);
        subscriptions = rest;
        items.push(CustomerSummary {
            customer: to_customer(c, rel.delegated_admin)?,
            subscriptions: mine.into_iter().map(from_row).collect::<Result<_, _>>()?,
        });
    }
    Ok(Page {
        items,
        request: page,
        total,
        more,
        previous,
        next,
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
