//! The customer search on SQLite: FTS5's trigram table `customer_search`, whose rows are
//! numbered in the customer list's own order (reseller, then name; see the migration
//! `m20261126_000008_ordered_search`). FTS5 reads a text's matches in that order and stops at the
//! statement's `LIMIT`, so a page costs the rows it shows whatever the size of the book, and a
//! count reads the trigram index only.
//!
//! Each row holds `\x02` + search text + `\x03\x03`: a name starting with the text holds the
//! trigram(s) `\x02` + text, and every character of a text is the first of some trigram, so a
//! text of one or two characters is found as the trigrams that start with it.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::names::Terms;
use super::{
    Counted, Place, ROW_COLUMNS, Row, SEARCH_COUNT_BOUND, Search, count_of, rarest, rows_of,
    term_counts, trigram_counts,
};
use crate::domain::{CustomerId, ResellerId};
use crate::store::{Db, DbErr};

/// What marks the start of each row's text (`\x03\x03` marks its end).
const START: char = '\u{2}';

/// A text of one or two characters is searched as the trigrams starting with it; past this
/// many (none in a real book: "a" starts 20 of a 100,000-customer book's 4,141) the list is
/// walked instead.
pub(super) const MOST_TERMS: usize = 64;

/// A text with a trigram in at most this many rows is read whole through its rarest three
/// trigrams and each row checked; a text made only of commoner trigrams is matched as a phrase
/// by FTS5 (exact, from the index alone, in the list's order).
const FEW: i64 = 300;

/// The reseller's customers matching a search, from the cursor's place on (backwards before
/// it), ranked (whole primary domain, then names starting with the text, then the rest; each in
/// name order), and how many match up to [`SEARCH_COUNT_BOUND`]. `None` when this table can't
/// answer (a text holding the markers, or a short text that starts too many trigrams): the
/// caller walks the list.
///
/// `known`: the terms of [`lookups`]' ranges, when they were read already (with the names
/// starting with the text, `names::page`).
pub(super) async fn search(
    db: &Db,
    reseller: &ResellerId,
    search: &Search,
    place: Option<&Place>,
    backwards: bool,
    limit: u64,
    known: Option<Vec<Terms>>,
) -> Result<Option<(Vec<Row>, Option<Counted>)>, DbErr> {
    let text = search.text.as_str();
    if text.contains([START, '\u{3}']) {
        return Ok(None);
    }
    let starting = format!("{START}{text}");
    let mut known = known.map(Vec::into_iter);
    let mut next_known = || known.as_mut().and_then(Iterator::next);
    let terms = match (search.indexed(), next_known()) {
        (false, Some(found)) => (found.len() <= MOST_TERMS).then_some(found),
        _ => terms(db, search).await?,
    };
    let Some(terms) = terms else {
        return Ok(None);
    };
    if terms.is_empty() {
        // A trigram no row holds: nothing matches.
        return Ok(Some((
            Vec::new(),
            Some(Counted::bounded(0, SEARCH_COUNT_BOUND)),
        )));
    }
    // The cursor's customer (a relationship not yet numbered starts the list again).
    let place = place.and_then(|p| {
        Some(Position {
            tier: p.tier,
            row: p.row?,
        })
    });
    let long = search.indexed();
    let rarest = terms.iter().map(|(_, rows)| *rows).min().unwrap_or(0);
    if long && rarest <= FEW {
        return Ok(Some(
            rare(db, reseller, search, &terms, place, backwards, limit).await?,
        ));
    }
    // Every match, and the names starting with the text, as FTS5 queries.
    let all = if long { phrase(text) } else { any_of(&terms) };
    let starts = if long || text.chars().count() == 2 {
        Some(phrase(&starting))
    } else {
        let found = match next_known() {
            Some(found) => (found.len() <= MOST_TERMS).then_some(found),
            None => starting_terms(db, &starting).await?,
        };
        match found {
            Some(t) if t.is_empty() => None,
            Some(t) => Some(any_of(&t)),
            None => return Ok(None),
        }
    };
    let rows = in_order(
        db,
        reseller,
        search,
        (&all, starts.as_deref()),
        place,
        backwards,
        limit,
    )
    .await?;
    Ok(Some(rows))
}

/// The ranges of `customer_search_terms` (from, up to) that a search of one or two characters
/// reads, in [`search`]'s order: the trigrams starting with the text, and for one character
/// those starting with the row's start and it (the names starting with it). None for a longer
/// text, or one this table can't take.
pub(super) fn lookups(search: &Search) -> Vec<(String, String)> {
    let text = search.text.as_str();
    if search.indexed() || text.is_empty() || text.contains([START, '\u{3}']) {
        return Vec::new();
    }
    let range = |t: String| (t.clone(), format!("{t}\u{10FFFF}"));
    let mut ranges = vec![range(text.to_owned())];
    if text.chars().count() == 1 {
        ranges.push(range(format!("{START}{text}")));
    }
    ranges
}

/// The trigrams a search reads, with how many rows hold each: a text's own (empty when one is
/// in no row: nothing matches), or for one or two characters every trigram starting with them
/// (`None` past [`MOST_TERMS`]).
async fn terms(db: &Db, search: &Search) -> Result<Option<Vec<(String, i64)>>, DbErr> {
    if !search.indexed() {
        return starting_terms(db, &search.text).await;
    }
    Ok(Some(trigram_counts(db, search).await?.unwrap_or_default()))
}

/// The trigrams starting with a text of one or two characters; `None` past [`MOST_TERMS`].
async fn starting_terms(db: &Db, text: &str) -> Result<Option<Vec<(String, i64)>>, DbErr> {
    let found = term_counts(
        db,
        &format!(
            "SELECT term, rows FROM customer_search_terms WHERE term >= $1 AND term < $2 \
             LIMIT {}",
            MOST_TERMS + 1
        ),
        vec![text.into(), format!("{text}\u{10FFFF}").into()],
    )
    .await?;
    Ok((found.len() <= MOST_TERMS).then_some(found))
}

/// An FTS5 phrase: with the trigram tokenizer, the rows holding the text.
fn phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// An FTS5 query of the rows holding any of the trigrams.
fn any_of(terms: &[(String, i64)]) -> String {
    terms
        .iter()
        .map(|(t, _)| phrase(t))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// The reseller's span of the table: its rows are numbered together.
const SPAN: &str = "rowid BETWEEN \
     (SELECT MIN(search_row) FROM relationships WHERE reseller_id = ?1) AND \
     (SELECT MAX(search_row) FROM relationships WHERE reseller_id = ?1)";

/// Where a customer stands in a search's order: its rank, then its row (its place in the list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Position {
    tier: u8,
    row: i64,
}

/// A page of the matches of a text with a rare trigram, from the place on, and how many there
/// are, in one statement: the rows holding its rarest trigrams (see
/// [`rarest`](super::rarest)), each checked for the whole text and ranked as
/// [`search_rank`](crate::domain::customer::search_rank) ranks (the text ends the row's search
/// text after a space: its whole domain; the row starts with it: a name starting with it), the
/// page chosen in order and read with its customers.
async fn rare(
    db: &Db,
    reseller: &ResellerId,
    search: &Search,
    terms: &[(String, i64)],
    place: Option<Position>,
    backwards: bool,
    limit: u64,
) -> Result<(Vec<Row>, Option<Counted>), DbErr> {
    let query = rarest(terms.to_vec())
        .iter()
        .map(|t| phrase(t))
        .collect::<Vec<_>>()
        .join(" AND ");
    let text = search.text.as_str();
    // A whole domain holds no space (a text that does is no domain).
    let domain = (!text.contains(char::is_whitespace)).then(|| format!(" {text}\u{3}\u{3}"));
    let (op, dir) = if backwards {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    let after = match place {
        Some(_) => format!(" WHERE (tier, place) {op} (?6, ?7)"),
        None => String::new(),
    };
    // ?1 reseller, ?2 the trigrams, ?3 a row starting with the text, ?4 a row ending with it
    // after a space (as its whole domain), ?5 the text, ?6 and ?7 the place. The count comes
    // back even with an empty page (a cursor past the last match). The page's relationships
    // are found by their rows' numbers (as in [`in_order`]).
    let sql = format!(
        "WITH m AS MATERIALIZED (SELECT rowid AS place, \
           CASE WHEN substr(search_text, -length(?4)) = ?4 THEN 0 \
           WHEN substr(search_text, 1, length(?3)) = ?3 THEN 1 ELSE 2 END AS tier \
         FROM customer_search WHERE customer_search MATCH ?2 AND {SPAN} \
         AND instr(search_text, ?5) > 0), \
         n AS (SELECT COUNT(*) AS found FROM m) \
         SELECT n.found, x.* FROM n LEFT JOIN (SELECT {ROW_COLUMNS}, p.tier, p.place FROM \
         (SELECT * FROM m{after} ORDER BY tier {dir}, place {dir} LIMIT {limit}) p \
         CROSS JOIN relationships r ON r.reseller_id = ?1 AND r.search_row = p.place) x ON true \
         ORDER BY x.tier {dir}, x.place {dir}"
    );
    let values: Vec<sea_orm::Value> = vec![
        reseller.as_str().into(),
        query.into(),
        format!("{START}{text}").into(),
        domain.into(),
        text.into(),
        place.map_or(0, |p| i32::from(p.tier)).into(),
        place.map_or(0, |p| p.row).into(),
    ];
    let results = db.query_all_raw(sqlite(sql, values)).await?;
    let found: i64 = match results.first() {
        Some(row) => row.try_get("", "found")?,
        None => 0,
    };
    let mut page = Vec::with_capacity(results.len());
    for row in results {
        if row.try_get::<Option<String>>("", "c_id")?.is_some() {
            page.push(row);
        }
    }
    Ok((
        rows_of(page)?,
        Some(Counted::bounded(
            u64::try_from(found).unwrap_or(0),
            SEARCH_COUNT_BOUND,
        )),
    ))
}

/// A page of a text's matches in order, read tier by tier from the trigram table in the list's
/// order (the whole-domain match from the domain index), in one statement with its count.
async fn in_order(
    db: &Db,
    reseller: &ResellerId,
    search: &Search,
    (all, starts): (&str, Option<&str>),
    place: Option<Position>,
    backwards: bool,
    limit: u64,
) -> Result<(Vec<Row>, Option<Counted>), DbErr> {
    let (op, dir) = if backwards {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    // Each tier's rows are read one past the page: a whole-domain match is met again in tier
    // 1 or 2, and dropped there.
    let per_tier = limit + 1;
    // ?1 reseller, ?2 text, ?3 every match, ?4 names starting with it, ?5 the place's row,
    // ?6 the matches whose names don't start with it.
    let after = |tier: u8, column: &str| match place {
        Some(p) if p.tier == tier => format!(" AND {column} {op} ?5"),
        _ => String::new(),
    };
    let reached = |tier: u8| match place {
        None => true,
        Some(p) if backwards => tier <= p.tier,
        Some(p) => tier >= p.tier,
    };
    let mut arms = Vec::new();
    let whole_domain = search.text.contains('.') && !search.text.contains(char::is_whitespace);
    if whole_domain && reached(0) {
        arms.push(format!(
            "SELECT 0 AS tier, r.search_row AS place FROM customers d \
             CROSS JOIN relationships r ON r.customer_id = d.id AND r.reseller_id = ?1 \
             WHERE LOWER(d.domain) = ?2{}",
            after(0, "r.search_row")
        ));
    }
    let rest = match starts {
        Some(starts) => format!("({all}) NOT ({starts})"),
        None => all.to_owned(),
    };
    // The tiers' rows from the trigram table, in the order read; the second is read only as far
    // as the first leaves the page short (FTS5 then doesn't read it at all).
    let mut read: Vec<(u8, &str)> = Vec::new();
    if starts.is_some() && reached(1) {
        read.push((1, "?4"));
    }
    if reached(2) {
        read.push((2, "?6"));
    }
    if backwards {
        read.reverse();
    }
    let tier = |(n, query): (u8, &str), limit: &str| {
        format!(
            "SELECT {n} AS tier, rowid AS place FROM customer_search \
             WHERE customer_search MATCH {query} AND {SPAN}{} ORDER BY rowid {dir} LIMIT {limit}",
            after(n, "rowid")
        )
    };
    let mut first = String::new();
    for (i, arm) in read.into_iter().enumerate() {
        if i == 0 {
            first = tier(arm, &per_tier.to_string());
            arms.push(format!("SELECT * FROM ({first})"));
        } else {
            let left = format!("({per_tier} - (SELECT COUNT(*) FROM ({first})))");
            arms.push(format!("SELECT * FROM ({})", tier(arm, &left)));
        }
    }
    // CROSS JOIN keeps SQLite's join order (it keeps no statistics, and would otherwise walk
    // the reseller's whole list, looking each customer up among the matches). The tiers read
    // only their rows' numbers, from the trigram index, and each relationship is found by its
    // number: reading the customer's id from the table's own copy of the row cost a lookup per
    // row more ("州瑞丰" at 100,000 customers, the statement alone: 222 -> 183 µs).
    let sql = format!(
        "SELECT {ROW_COLUMNS}, x.tier AS tier, \
         (SELECT COUNT(*) FROM (SELECT 1 FROM customer_search \
          WHERE customer_search MATCH ?3 AND {SPAN} LIMIT {})) AS found \
         FROM ({}) x CROSS JOIN relationships r ON r.reseller_id = ?1 \
         AND r.search_row = x.place \
         ORDER BY x.tier {dir}, x.place {dir}",
        SEARCH_COUNT_BOUND + 1,
        arms.join(" UNION ALL "),
    );
    let values: Vec<sea_orm::Value> = vec![
        reseller.as_str().into(),
        search.text.clone().into(),
        all.into(),
        starts.unwrap_or_default().into(),
        place.map_or(0, |p| p.row).into(),
        rest.into(),
    ];
    let results = db.query_all_raw(sqlite(sql, values)).await?;
    let found: Option<i64> = match results.first() {
        Some(row) => Some(row.try_get("", "found")?),
        None => None,
    };
    let mut whole: Vec<CustomerId> = Vec::new();
    let mut tiers = Vec::with_capacity(results.len());
    for row in &results {
        tiers.push(row.try_get::<i32>("", "tier")?);
    }
    let mut rows = Vec::with_capacity(results.len());
    for (row, tier) in rows_of(results)?.into_iter().zip(tiers) {
        if tier == 0 {
            whole.push(row.customer.id.clone());
        } else if whole.contains(&row.customer.id) {
            continue;
        }
        rows.push(row);
    }
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let found = match found {
        Some(n) => u64::try_from(n).unwrap_or(0),
        None => count(db, reseller, all).await?,
    };
    Ok((rows, Some(Counted::bounded(found, SEARCH_COUNT_BOUND))))
}

/// How many of the reseller's customers an FTS5 query matches, up to one past
/// [`SEARCH_COUNT_BOUND`].
async fn count(db: &Db, reseller: &ResellerId, query: &str) -> Result<u64, DbErr> {
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM customer_search \
         WHERE customer_search MATCH ?2 AND {SPAN} LIMIT {})",
        SEARCH_COUNT_BOUND + 1
    );
    count_of(db, &sql, vec![reseller.as_str().into(), query.into()]).await
}

/// A statement of the trigram table's: SQLite's alone.
fn sqlite(sql: String, values: Vec<sea_orm::Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
}
