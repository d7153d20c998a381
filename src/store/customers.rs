//! Customers as one reseller sees them: only those it has a relationship with.

use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement,
};

use std::collections::HashMap;

use super::{Db, DbErr};
use crate::domain::customer::search_pairs;
use crate::domain::{
    Cursor, Customer, CustomerId, CustomerPrefix, CustomerQuery, CustomerSummary, Page,
    PageRequest, PrefixField, ResellerId,
};
use crate::entities::{customer, relationship, subscription};

pub(super) fn to_customer(c: customer::Model, delegated_admin: bool) -> Result<Customer, DbErr> {
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
/// subscriptions the reseller sold it. Pages follow the list's own order from a cursor (keyset
/// paging), and each read stops one row past the page. The whole list is read from the list
/// index; a search from the search index's rows of its rarest character pair, in the same order,
/// each candidate's text checked. So a page costs the same however large the book and however
/// deep the page. Only an unfiltered list is counted, and only up to a bound.
pub async fn list(
    db: &Db,
    reseller: &ResellerId,
    query: &CustomerQuery,
    cursor: &Cursor,
    page: PageRequest,
) -> Result<Page<CustomerSummary>, DbErr> {
    let backwards = matches!(cursor, Cursor::Before(_));
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
    let mut rows = matching(db, reseller, query, cursor, page.size + 1).await?;
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

    // The rows show how many subscriptions each customer has; the subscriptions themselves
    // are read when a row is opened (its Subscriptions page).
    let ids: Vec<&str> = rows.iter().map(|(r, _)| r.customer_id.as_str()).collect();
    let counts: HashMap<String, i64> = if ids.is_empty() {
        HashMap::new()
    } else {
        subscription::Entity::find()
            .select_only()
            .column(subscription::Column::CustomerId)
            .column_as(subscription::Column::Id.count(), "n")
            .filter(subscription::Column::SoldBy.eq(reseller.as_str()))
            .filter(subscription::Column::CustomerId.is_in(ids))
            .group_by(subscription::Column::CustomerId)
            .into_tuple::<(String, i64)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    let mut items = Vec::with_capacity(rows.len());
    for (rel, c) in rows {
        let Some(c) = c else { continue };
        let n = counts.get(&c.id).copied().unwrap_or(0);
        items.push(CustomerSummary {
            customer: to_customer(c, rel.delegated_admin)?,
            subscriptions: super::count(n)?,
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

/// Up to `limit` of the reseller's customers matching a search from the cursor on, in the
/// customer list's order (backwards before a cursor). A search walks the search index's rows of
/// its rarest character pair when that pair is rare enough, the list index otherwise.
pub(super) async fn matching(
    db: &Db,
    reseller: &ResellerId,
    query: &CustomerQuery,
    cursor: &Cursor,
    limit: u64,
) -> Result<Vec<Row>, DbErr> {
    let lowered = query.as_str().to_lowercase();
    let pattern = format!("%{}%", escape_like(&lowered));
    let pairs = search_pairs(&lowered);
    match rarest(db, reseller, &pairs).await? {
        Some(pair) => by_pair(db, reseller, &pattern, pair, cursor, limit).await,
        // The whole list, a search of one character, or one of common pairs only: the list
        // index in name order, each entry checked where it lies.
        None => {
            let pattern = (!query.is_empty()).then_some(pattern.as_str());
            in_name_order(db, reseller, pattern, cursor, limit).await
        }
    }
}

/// Up to `size` of the reseller's customers after the customer `after` (from the top without
/// one), in the customer list's order, optionally only those whose company name or domain
/// starts with a prefix; and whether more follow. For the API's pages of customers.
pub async fn after(
    db: &Db,
    reseller: &ResellerId,
    filter: Option<&CustomerPrefix>,
    after: Option<&CustomerId>,
    size: u64,
) -> Result<(Vec<Customer>, bool), DbErr> {
    let backend = db.get_database_backend();
    // Only what a customer shows: a driver's cost grows with the values it hands over.
    let mut sql = String::from(
        "SELECT c.id, c.company_name, c.domain, r.delegated_admin \
         FROM relationships r JOIN customers c ON c.id = r.customer_id \
         WHERE r.reseller_id = $1",
    );
    let mut values: Vec<sea_orm::Value> = vec![reseller.as_str().into()];
    if let Some(filter) = filter {
        let pattern = format!("{}%", escape_like(filter.as_str()));
        match filter.field {
            // The search text starts with the lowercased name: a prefix no longer than the name
            // that starts the search text starts the name.
            PrefixField::CompanyName => {
                sql.push_str(&format!(
                    " AND r.search_text LIKE ${} ESCAPE '\\' AND LENGTH(c.company_name) >= ${}",
                    values.len() + 1,
                    values.len() + 2
                ));
                values.push(pattern.into());
                values.push(
                    i64::try_from(filter.as_str().chars().count())
                        .unwrap_or(i64::MAX)
                        .into(),
                );
            }
            // Domains are ASCII: the databases' LOWER agrees with Rust's.
            PrefixField::Domain => {
                sql.push_str(&format!(
                    " AND LOWER(c.domain) LIKE ${} ESCAPE '\\'",
                    values.len() + 1
                ));
                values.push(pattern.into());
            }
        }
    }
    if let Some(id) = after {
        let n = format!("${}", values.len() + 1);
        sql.push_str(" AND ");
        sql.push_str(
            &after_cursor(&Cursor::After(id.clone()), "r", ["$1", &n, &n]).unwrap_or_default(),
        );
        values.push(id.as_str().into());
    }
    // A literal limit: a bound one can make SQLite prepare the statement again on every run.
    sql.push_str(&format!(
        " ORDER BY r.sort_key, r.customer_id LIMIT {}",
        size + 1
    ));
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let more = rows.len() as u64 > size;
    let customers = rows
        .iter()
        .take(size as usize)
        .map(|row| {
            Ok(Customer {
                id: CustomerId::parse(&row.try_get::<String>("", "id")?)
                    .map_err(|e| DbErr::Custom(format!("customer id: {e}")))?,
                company_name: row.try_get("", "company_name")?,
                domain: row.try_get("", "domain")?,
                delegated_admin: row.try_get("", "delegated_admin")?,
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    Ok((customers, more))
}

/// Where a cursor starts, as a condition on `table`'s (sort_key, customer_id), given the
/// placeholders of the reseller and of the cursor's customer (twice: sea-query numbers custom
/// placeholders on PostgreSQL only); `None` at the top of the list.
fn after_cursor(
    cursor: &Cursor,
    table: &str,
    [reseller, id, id_again]: [&str; 3],
) -> Option<String> {
    let op = match cursor {
        Cursor::First => return None,
        Cursor::After(_) => ">",
        Cursor::Before(_) => "<",
    };
    Some(format!(
        "({table}.sort_key, {table}.customer_id) {op} \
         ((SELECT k.sort_key FROM relationships k WHERE k.reseller_id = {reseller} \
           AND k.customer_id = {id}), {id_again})"
    ))
}

pub(super) type Row = (relationship::Model, Option<customer::Model>);

/// Up to `limit` of the reseller's relationships from the cursor on, in name order (backwards
/// before a cursor), matching `pattern` if given: straight from the list index.
async fn in_name_order(
    db: &Db,
    reseller: &ResellerId,
    pattern: Option<&str>,
    cursor: &Cursor,
    limit: u64,
) -> Result<Vec<Row>, DbErr> {
    let mut select = relationship::Entity::find()
        .filter(relationship::Column::ResellerId.eq(reseller.as_str()))
        .find_also_related(customer::Entity);
    if let Some(pattern) = pattern {
        select = select.filter(
            Expr::col((relationship::Entity, relationship::Column::SearchText))
                .like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    if let Cursor::After(id) | Cursor::Before(id) = cursor {
        let (placeholders, values) = match db.get_database_backend() {
            DbBackend::Postgres => (["$1", "$2", "$2"], vec![reseller.as_str(), id.as_str()]),
            _ => (["?"; 3], vec![reseller.as_str(), id.as_str(), id.as_str()]),
        };
        let condition = after_cursor(cursor, "\"relationships\"", placeholders).unwrap_or_default();
        select = select.filter(Expr::cust_with_values(condition, values));
    }
    let order = if matches!(cursor, Cursor::Before(_)) {
        Order::Desc
    } else {
        Order::Asc
    };
    select
        .order_by(relationship::Column::SortKey, order.clone())
        .order_by(relationship::Column::CustomerId, order)
        .limit(limit)
        .all(db)
        .await
}

/// Up to `limit` of the reseller's relationships matching `pattern` from the cursor on, in name
/// order: the rows of one of the query's character pairs in the search index, each candidate's
/// text checked. A search costs what its candidates cost, however large the book.
async fn by_pair(
    db: &Db,
    reseller: &ResellerId,
    pattern: &str,
    pair: String,
    cursor: &Cursor,
    limit: u64,
) -> Result<Vec<Row>, DbErr> {
    let backend = db.get_database_backend();
    let mut sql = String::from(
        "SELECT r.reseller_id AS r_reseller_id, r.customer_id AS r_customer_id, \
         r.delegated_admin AS r_delegated_admin, r.sort_key AS r_sort_key, \
         r.search_text AS r_search_text, c.id AS c_id, c.company_name AS c_company_name, \
         c.domain AS c_domain, c.holdings_version AS c_holdings_version \
         FROM search_pairs p \
         JOIN relationships r ON r.reseller_id = p.reseller_id AND r.customer_id = p.customer_id \
         JOIN customers c ON c.id = r.customer_id \
         WHERE p.reseller_id = $1 AND p.pair = $2 AND r.search_text LIKE $3 ESCAPE '\\'",
    );
    let mut values: Vec<sea_orm::Value> =
        vec![reseller.as_str().into(), pair.into(), pattern.into()];
    if let Cursor::After(id) | Cursor::Before(id) = cursor {
        sql.push_str(" AND ");
        sql.push_str(&after_cursor(cursor, "p", ["$1", "$4", "$4"]).unwrap_or_default());
        values.push(id.as_str().into());
    }
    let dir = if matches!(cursor, Cursor::Before(_)) {
        "DESC"
    } else {
        "ASC"
    };
    // A literal limit: a bound one can make SQLite prepare the statement again on every run.
    sql.push_str(&format!(
        " ORDER BY p.sort_key {dir}, p.customer_id {dir} LIMIT {limit}"
    ));
    db.query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
        .iter()
        .map(|row| {
            Ok((
                relationship::Model::from_query_result(row, "r_")?,
                Some(customer::Model::from_query_result(row, "c_")?),
            ))
        })
        .collect()
}

/// How many rows of a pair make it too common to walk: past this, reading the list index in
/// name order (each entry checked where it lies) costs less than fetching each candidate.
const PAIR_BOUND: u64 = 1000;

/// The pair whose rows a search walks: the only one, or the rarest of the first eight if it has
/// fewer than [`PAIR_BOUND`] rows; `None` when every pair is that common.
async fn rarest(db: &Db, reseller: &ResellerId, pairs: &[String]) -> Result<Option<String>, DbErr> {
    let pairs = &pairs[..pairs.len().min(8)];
    match pairs {
        [] => return Ok(None),
        [only] => return Ok(Some(only.clone())),
        _ => {}
    }
    let counts: Vec<String> = (0..pairs.len())
        .map(|i| {
            format!(
                "(SELECT COUNT(*) FROM (SELECT 1 FROM search_pairs \
                 WHERE reseller_id = $1 AND pair = ${} LIMIT {PAIR_BOUND}) x{i}) AS n{i}",
                i + 2
            )
        })
        .collect();
    let mut values: Vec<sea_orm::Value> = vec![reseller.as_str().into()];
    values.extend(pairs.iter().map(|p| p.as_str().into()));
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        format!("SELECT {}", counts.join(", ")),
        values,
    );
    let Some(row) = db.query_one_raw(statement).await? else {
        return Ok(None);
    };
    let mut best = (i64::MAX, 0);
    for i in 0..pairs.len() {
        let n: i64 = row.try_get("", &format!("n{i}"))?;
        best = best.min((n, i));
    }
    Ok((u64::try_from(best.0).unwrap_or(u64::MAX) < PAIR_BOUND).then(|| pairs[best.1].clone()))
}

/// Escapes LIKE's wildcards so that a search for `50%` means the text "50%".
pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
