//! Customers as one reseller sees them: only those it has a relationship with.

use migration::search::PAIR_CHARS;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::{Db, DbErr};
use crate::domain::customer::search_rank;
use crate::domain::{
    Cursor, Customer, CustomerId, CustomerPrefix, CustomerQuery, CustomerSummary, Page,
    PageRequest, PrefixField, ResellerId,
};

pub(crate) mod added;
mod names;
mod ranked;
mod search;
mod trigrams;

// The search's pieces, for the list's pages and for each other.
use ranked::*;
pub(super) use search::matching;
use search::*;

/// The customer of a row holding [`ROW_COLUMNS`]' first four (`c_id`, `c_company_name`,
/// `c_domain`, `r_delegated_admin`).
fn customer_of(row: &sea_orm::QueryResult) -> Result<Customer, DbErr> {
    let id: String = row.try_get("", "c_id")?;
    Ok(Customer {
        id: CustomerId::parse(&id).map_err(|e| DbErr::Custom(format!("customer id: {e}")))?,
        company_name: row.try_get("", "c_company_name")?,
        domain: row.try_get("", "c_domain")?,
        delegated_admin: row.try_get("", "r_delegated_admin")?,
    })
}

/// How far a search counts its matches: "200+". Past a couple of hundred, a reseller narrows
/// the search rather than pages through it, and each match counted is read from the index.
const SEARCH_COUNT_BOUND: u64 = 200;

/// One of the reseller's customers, or `None` when it has no relationship with that customer.
pub async fn get(
    db: &impl ConnectionTrait,
    reseller: &ResellerId,
    id: &CustomerId,
) -> Result<Option<Customer>, DbErr> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT r.customer_id AS c_id, r.company_name AS c_company_name, \
             r.domain AS c_domain, r.delegated_admin AS r_delegated_admin FROM relationships r \
             WHERE r.reseller_id = $1 AND r.customer_id = $2",
            [reseller.as_str().into(), id.as_str().into()],
        ))
        .await?;
    row.as_ref().map(customer_of).transpose()
}

/// A page of the reseller's customers, sorted by company name (Chinese by pinyin), filtered by a
/// search of company name or domain (case-insensitive, anywhere in the text; see [`search`]),
/// each with how many subscriptions the reseller sold it. Pages follow the list's own order from
/// a cursor (keyset paging), and each read stops one row past the page, so a page costs the same
/// however large the book and however deep the page. The reseller's customers are counted by the
/// importer ("100,000 customers"); a search's matches only up to a bound ("200+ found").
pub async fn list(
    db: &Db,
    reseller: &ResellerId,
    query: &CustomerQuery,
    cursor: &Cursor,
    page: PageRequest,
) -> Result<Page<CustomerSummary>, DbErr> {
    let backwards = matches!(cursor, Cursor::Before(_));
    let (mut rows, found) = search(db, reseller, query, cursor, page.size + 1).await?;
    // Never counted over the whole book: the importer's count, the trigram index's count where
    // the search asked it, a bounded scan otherwise.
    let (total, more) = match found {
        Some(Counted { n, more }) => (Some(n), more),
        None => {
            let counted = match_count(db, reseller, query).await?;
            (Some(counted.n), counted.more)
        }
    };
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

    // The rows carry how many subscriptions each customer has; the subscriptions themselves
    // are read when a row is opened (its Subscriptions page).
    let items = rows
        .into_iter()
        .map(|row| CustomerSummary {
            customer: row.customer,
            subscriptions: row.subscriptions,
        })
        .collect();
    Ok(Page {
        items,
        request: page,
        total,
        more,
        previous,
        next,
    })
}

/// A statement written with `$n` placeholders, for either database.
fn statement(backend: DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    Statement::from_sql_and_values(backend, numbered(backend, sql), values)
}

/// `$n` placeholders as the backend numbers them (SQLite's `?n`).
fn numbered(backend: DbBackend, sql: &str) -> String {
    match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    }
}

/// The columns of a [`Row`] (of `r`, the relationship, which holds what the row shows of its
/// customer: migration `m20261127_000014_relationships_shown`), and the count of the
/// subscriptions the reseller sold the customer (from the index of a reseller's subscriptions
/// by customer): each statement that reads a page of the list gives its rows'
/// counts too, rather than a second statement after it. Only what a row shows: the driver
/// copies every value a statement hands over (a list page's sort keys and search texts were a
/// tenth of its instructions on SQLite).
const ROW_COLUMNS: &str = "r.customer_id AS c_id, r.company_name AS c_company_name, \
     r.domain AS c_domain, r.delegated_admin AS r_delegated_admin, \
     (SELECT COUNT(*) FROM subscriptions s WHERE s.sold_by = r.reseller_id \
      AND s.customer_id = r.customer_id) AS subscriptions";

fn rows_of(results: Vec<sea_orm::QueryResult>) -> Result<Vec<Row>, DbErr> {
    results
        .iter()
        .map(|row| {
            Ok(Row {
                customer: customer_of(row)?,
                subscriptions: super::count(row.try_get("", "subscriptions")?)?,
            })
        })
        .collect()
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
    // Only what a customer shows (all of it in the list index: the relationship holds its
    // customer's name and domain): a driver's cost grows with the values it hands over.
    let relationships = match backend {
        DbBackend::Postgres => "relationships r",
        _ => "relationships r INDEXED BY ix_relationships_list_covering",
    };
    let mut sql = format!(
        "SELECT r.customer_id AS id, r.company_name, r.domain, r.delegated_admin \
         FROM {relationships} WHERE r.reseller_id = $1"
    );
    let mut values: Vec<sea_orm::Value> = vec![reseller.as_str().into()];
    if let Some(filter) = filter {
        let pattern = format!("{}%", escape_like(filter.as_str()));
        match filter.field {
            // The search text starts with the lowercased name: a prefix no longer than the name
            // that starts the search text starts the name.
            PrefixField::CompanyName => {
                sql.push_str(&format!(
                    " AND r.search_text LIKE ${} ESCAPE '\\' AND LENGTH(r.company_name) >= ${}",
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
                    " AND LOWER(r.domain) LIKE ${} ESCAPE '\\'",
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

/// A customer as a page of the list reads it (with the reseller's delegated admin), and how many
/// subscriptions the reseller sold it.
pub(super) struct Row {
    pub(super) customer: Customer,
    pub(super) subscriptions: u32,
}

/// Up to `limit` of the reseller's relationships from the cursor on, in name order (backwards
/// before a cursor), straight from the list index; and, in the same statement, how many
/// customers the reseller has ([`CUSTOMERS`]; `None` for a page past the end, which has no row
/// to carry it).
async fn in_name_order(
    db: &Db,
    reseller: &ResellerId,
    cursor: &Cursor,
    limit: u64,
) -> Result<(Vec<Row>, Option<Counted>), DbErr> {
    let backend = db.get_database_backend();
    let mut values: Vec<sea_orm::Value> = vec![reseller.as_str().into()];
    let start = match cursor {
        Cursor::After(id) | Cursor::Before(id) => {
            values.push(id.as_str().into());
            let condition = after_cursor(cursor, "r", ["$1", "$2", "$2"]).unwrap_or_default();
            format!(" AND {condition}")
        }
        Cursor::First => String::new(),
    };
    let dir = if matches!(cursor, Cursor::Before(_)) {
        "DESC"
    } else {
        "ASC"
    };
    // SQLite, which keeps no statistics, is told to read the list index.
    let relationships = match backend {
        DbBackend::Postgres => "relationships r",
        _ => "relationships r INDEXED BY ix_relationships_list_covering",
    };
    let sql = format!(
        "SELECT {ROW_COLUMNS}, {CUSTOMERS} AS found FROM {relationships} \
         WHERE r.reseller_id = $1{start} \
         ORDER BY r.sort_key {dir}, r.customer_id {dir} LIMIT {limit}"
    );
    let (rows, found) = page_rows(db, &sql, values, true).await?;
    Ok((rows, found.map(Counted::exact)))
}

/// The rows of a page's statement (with `$n` placeholders), and, when it selects one (`counted`),
/// the count its first row carries as `found` (`None` for a page with no row).
async fn page_rows(
    db: &Db,
    sql: &str,
    values: Vec<sea_orm::Value>,
    counted: bool,
) -> Result<(Vec<Row>, Option<u64>), DbErr> {
    let backend = db.get_database_backend();
    let results = db.query_all_raw(statement(backend, sql, values)).await?;
    let found = match results.first() {
        Some(row) if counted => Some(u64::try_from(row.try_get::<i64>("", "found")?).unwrap_or(0)),
        _ => None,
    };
    Ok((rows_of(results)?, found))
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
