//! The names starting with a search's text, read where they lie in the list.
//!
//! A customer's sort key is its name lowercased, with Chinese characters spelled in pinyin
//! (`domain::customer::sort_key`), so every name starting with a one-word text has a sort key
//! starting with the text's own (“北京” → “bei jing”; `domain::customer::name_start_key`). Where
//! text is compared byte by byte (always on SQLite; on
//! PostgreSQL in a database of collation `C`), those names are one stretch of the list index, in
//! the list's order: a page of them, and their count, cost the stretch's first few hundred
//! entries, however many customers the book holds ("Lucerne", 1,691 names in a book of
//! 100,000: on PostgreSQL the matches read whole from the trigram index and ranked took 2 ms of
//! the server's time per search; on SQLite its trigram table's phrase queries, 3 million
//! instructions).

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use tokio::sync::OnceCell;

use super::trigrams::MOST_TERMS;
use super::{
    Counted, Place, ROW_COLUMNS, Row, SEARCH_COUNT_BOUND, Search, page_rows, rows_of,
    tier_statement,
};
use crate::domain::ResellerId;
use crate::domain::customer::name_start_key;
use crate::store::{Db, DbErr};

/// A page of the names starting with the search's text, from the place on, and the count of
/// every match, when those names alone answer: the text is one word of ASCII and Chinese
/// characters without a dot (see `name_start_key`; and no whole domain can be it), the page is
/// forwards in that tier, the stretch fills it, and it holds more names than the count shows
/// ([`SEARCH_COUNT_BOUND`]: the other matches, ranked after them, need not be counted); or, when
/// the stretch ends within the page, its names from the place on ([`Stretch`]). `None`
/// otherwise: the caller searches in full.
///
/// `lookups`: ranges of SQLite's `customer_search_terms` (from, up to) that the search reads
/// next, read in the same statement and returned (their first [`MOST_TERMS`] + 1 terms each,
/// with their counts) when the page is read: a search of one or two characters that few names
/// start with (“科技”: none) needs them at once, and each statement is a hand-off to a SQLite
/// connection's thread and back (docs/PERFORMANCE.md, issue 30 item 20).
pub(super) async fn page(
    db: &Db,
    reseller: &ResellerId,
    search: &Search,
    place: Option<&Place>,
    limit: u64,
    lookups: &[(String, String)],
) -> Result<(Option<Stretch>, Option<Vec<Terms>>), DbErr> {
    let Some((columns, page, values)) =
        stretch_statement(db, reseller, search, place, limit).await?
    else {
        return Ok((None, None));
    };
    let (rows, found, terms) =
        if lookups.is_empty() || db.get_database_backend() != DbBackend::Sqlite {
            let sql = format!("SELECT {columns} {page} ORDER BY r.sort_key, r.customer_id");
            let (rows, found) = page_rows(db, &sql, values, true).await?;
            (rows, found, None)
        } else {
            with_terms(db, &columns, &page, values, lookups).await?
        };
    Ok((judged(rows, found, limit), terms))
}

/// What the names read tell (see [`page`]).
fn judged(rows: Vec<Row>, found: Option<u64>, limit: u64) -> Option<Stretch> {
    match found {
        Some(n) if n > SEARCH_COUNT_BOUND && rows.len() as u64 == limit => Some(Stretch::Answers(
            rows,
            Counted::bounded(n, SEARCH_COUNT_BOUND),
        )),
        // Every name starting with the text from the place on is on this page (none, often):
        // the search goes on after them, without reading them again.
        _ if (rows.len() as u64) < limit => Some(Stretch::Ends(rows)),
        _ => None,
    }
}

/// [`page`]'s statement, in parts: the columns of its rows (a row's, and `found`, the count of
/// the names starting with the text), the `FROM` of its page (`r`, in the list's order), and
/// the values of its `$n` placeholders. `None` when the names are not one stretch of the list.
async fn stretch_statement(
    db: &Db,
    reseller: &ResellerId,
    search: &Search,
    place: Option<&Place>,
    limit: u64,
) -> Result<Option<(String, String, Vec<sea_orm::Value>)>, DbErr> {
    // (A text with a dot might be a whole domain, which ranks before the names.)
    let Some(key) = name_start_key(&search.text).filter(|_| !search.text.contains('.')) else {
        return Ok(None);
    };
    if place.is_some_and(|p| p.tier != 1) || !compares_bytes(db).await? {
        return Ok(None);
    }
    // ?1 reseller, ?2 the key, ?3 just past every key starting with it, ?4 `text%`; ?5, ?6 the
    // place. The stretch is read on the list index (PostgreSQL's planner is kept from the
    // others by comparing the name as an expression no index holds; SQLite is told).
    let relationships = match db.get_database_backend() {
        DbBackend::Postgres => "relationships",
        _ => "relationships INDEXED BY ix_relationships_list_covering",
    };
    let stretch = "reseller_id = $1 AND sort_key >= $2 AND sort_key < $3 \
                   AND (search_text || '') LIKE $4 ESCAPE '\\'";
    let past_key = format!("{key}\u{10FFFF}");
    let mut values: Vec<sea_orm::Value> = vec![
        reseller.as_str().into(),
        key.into(),
        past_key.into(),
        search.prefix.clone().into(),
    ];
    let after = match place {
        Some(p) => {
            values.push(p.sort_key.clone().into());
            values.push(p.id.clone().into());
            " AND (sort_key, customer_id) > ($5, $6)"
        }
        None => "",
    };
    let columns = format!(
        "{ROW_COLUMNS}, (SELECT COUNT(*) FROM (SELECT 1 FROM {relationships} \
          WHERE {stretch} LIMIT {}) k) AS found",
        SEARCH_COUNT_BOUND + 1
    );
    let page = format!(
        "FROM (SELECT * FROM {relationships} WHERE {stretch}{after} \
          ORDER BY sort_key, customer_id LIMIT {limit}) r"
    );
    Ok(Some((columns, page, values)))
}

/// PostgreSQL, a search of two Chinese characters (“科技”) from its first page or a place among
/// the names starting with it: those names and the rest of its matches (from the pairs' rows,
/// `ranked::in_tier`) read in one statement, each stretch up to the page, with the count of
/// every match. A statement is a round trip to PostgreSQL; read one after the other they were
/// two (docs/PERFORMANCE.md, issue 30 item 20). The page and its count as [`page`] and then
/// `in_tier` find them; `None` where they would need more (the caller searches in full).
pub(super) async fn with_pairs(
    db: &Db,
    reseller: &ResellerId,
    search: &Search,
    place: Option<&Place>,
    limit: u64,
) -> Result<Option<(Vec<Row>, Option<Counted>)>, DbErr> {
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres || !search.is_pair() {
        return Ok(None);
    }
    let Some((columns, page, mut values)) =
        stretch_statement(db, reseller, search, place, limit).await?
    else {
        return Ok(None);
    };
    // The rest from their start (the place, if any, is among the names), counted.
    let (rest, rest_values) = tier_statement(
        backend,
        reseller,
        search,
        (2, true, true),
        None,
        false,
        limit,
        ", r.sort_key AS o_key",
    );
    let rest = shifted(&rest, values.len());
    values.extend(rest_values);
    let sql = format!(
        "SELECT * FROM (SELECT 1 AS tier, {columns}, r.sort_key AS o_key {page}) a \
         UNION ALL SELECT * FROM (SELECT 2 AS tier, b.* FROM ({rest}) b) c \
         ORDER BY tier, o_key, c_id"
    );
    let results = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let (mut names, mut others) = (Vec::new(), Vec::new());
    let (mut names_found, mut others_found) = (None, None);
    for row in results {
        let n: i64 = row.try_get("", "found")?;
        if row.try_get::<i32>("", "tier")? == 1 {
            names_found = names_found.or(Some(n));
            names.push(row);
        } else {
            others_found = others_found.or(Some(n));
            others.push(row);
        }
    }
    let count = |n: Option<i64>| n.map(|n| u64::try_from(n).unwrap_or(0));
    let (names_found, others_found) = (count(names_found), count(others_found));
    let mut rows = rows_of(names)?;
    let full = rows.len() as u64 == limit;
    Ok(match names_found {
        Some(n) if n > SEARCH_COUNT_BOUND && full => {
            Some((rows, Some(Counted::bounded(n, SEARCH_COUNT_BOUND))))
        }
        // The names end within the page: the rest follow them.
        _ if !full => {
            rows.extend(rows_of(others)?);
            rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            Some((
                rows,
                others_found.map(|n| Counted::bounded(n, SEARCH_COUNT_BOUND)),
            ))
        }
        // The names fill the page; the count of every match came with the rest, if any.
        _ => others_found.map(|n| (rows, Some(Counted::bounded(n, SEARCH_COUNT_BOUND)))),
    })
}

/// `sql` with each `$n` placeholder numbered `offset` later, to follow another statement's.
fn shifted(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        match digits.parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&digits),
        }
    }
    out
}

/// Terms of `customer_search_terms` with how many rows hold each.
pub(super) type Terms = Vec<(String, i64)>;

/// The page's statement on SQLite with the terms of each of `lookups`' ranges beside it: one
/// row of the terms (as JSON), joined to the page's rows, so that they come back with an empty
/// page too.
async fn with_terms(
    db: &Db,
    columns: &str,
    page: &str,
    mut values: Vec<sea_orm::Value>,
    lookups: &[(String, String)],
) -> Result<(Vec<Row>, Option<u64>, Option<Vec<Terms>>), DbErr> {
    let mut looked_up = Vec::with_capacity(lookups.len());
    for (i, (from, to)) in lookups.iter().enumerate() {
        values.push(from.clone().into());
        values.push(to.clone().into());
        looked_up.push(format!(
            "(SELECT json_group_array(json_array(term, rows)) FROM (SELECT term, rows \
             FROM customer_search_terms WHERE term >= ${} AND term < ${} LIMIT {})) AS terms_{i}",
            values.len() - 1,
            values.len(),
            MOST_TERMS + 1
        ));
    }
    let sql = format!(
        "SELECT t.*, x.* FROM (SELECT {}) t LEFT JOIN (SELECT {columns}, \
         r.sort_key AS o_key, r.customer_id AS o_id {page}) x ON true \
         ORDER BY x.o_key, x.o_id",
        looked_up.join(", ")
    );
    let results = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            sql.replace('$', "?"),
            values,
        ))
        .await?;
    let mut terms = Vec::with_capacity(lookups.len());
    if let Some(first) = results.first() {
        for i in 0..lookups.len() {
            let json: String = first.try_get("", &format!("terms_{i}"))?;
            terms.push(
                serde_json::from_str::<Terms>(&json)
                    .map_err(|e| DbErr::Custom(format!("search terms: {e}")))?,
            );
        }
    }
    let mut found = None;
    let mut page = Vec::with_capacity(results.len());
    for row in results {
        if row.try_get::<Option<String>>("", "c_id")?.is_some() {
            found = found.or(Some(row.try_get::<i64>("", "found")?));
            page.push(row);
        }
    }
    Ok((
        rows_of(page)?,
        // No row: no name in the stretch, none counted.
        Some(found.map_or(0, |n| u64::try_from(n).unwrap_or(0))),
        Some(terms).filter(|t| t.len() == lookups.len()),
    ))
}

/// What the names starting with a search's text tell, read where they lie together.
pub(super) enum Stretch {
    /// They alone answer: the page, and the count of every match.
    Answers(Vec<Row>, Counted),
    /// They end within the page: these are all of them from the place on (the first tier of
    /// the search's ranking), and the other matches follow.
    Ends(Vec<Row>),
}

/// Whether the database orders text byte by byte, as the stretches above need: SQLite does
/// (the list's columns use its default collation, `BINARY`); PostgreSQL when the database's
/// collation is `C` or `POSIX`, from libc (asked once).
async fn compares_bytes(db: &Db) -> Result<bool, DbErr> {
    static BYTES: OnceCell<bool> = OnceCell::const_new();
    if db.get_database_backend() == DbBackend::Sqlite {
        return Ok(true);
    }
    BYTES
        .get_or_try_init(|| async {
            // `datlocprovider` (PostgreSQL 15 on) names ICU's collations, whatever
            // `datcollate` says; read through JSON so that older servers answer too.
            let row = db
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT d.datcollate AS collation, \
                     to_jsonb(d) ->> 'datlocprovider' AS provider \
                     FROM pg_database d WHERE d.datname = current_database()",
                ))
                .await?;
            let Some(row) = row else { return Ok(false) };
            let collation: String = row.try_get("", "collation")?;
            let provider: Option<String> = row.try_get("", "provider")?;
            let bytewise = collation == "C" || collation == "POSIX" || collation.starts_with("C.");
            Ok(bytewise && provider.is_none_or(|p| p == "c"))
        })
        .await
        .copied()
}
