//! A search's matches read from the indexes that hold them: the names starting with its text
//! (the prefix index), PostgreSQL's trigram index through the text's rarest pieces, ranked and
//! counted in one statement, and the list index walked tier by tier.

use super::*;

/// How many of the reseller's customers' names start with the text, counted on the prefix index
/// up to one past [`PREFIX_BOUND`].
pub(super) async fn prefix_count(
    db: &Db,
    reseller: &ResellerId,
    search: &Search,
) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let condition = starting(backend, "search_text");
    let values: Vec<sea_orm::Value> = vec![
        reseller.as_str().into(),
        search.text.clone().into(),
        search.past_prefix.clone().into(),
    ];
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM relationships \
         WHERE reseller_id = $1 AND {condition} LIMIT {}) x",
        PREFIX_BOUND + 1
    );
    count_of(db, &sql, values).await
}

/// `text` starts with the search's text: at or past `$2` (the text) and before `$3` (just past
/// every text starting with it), compared byte by byte as the prefix index is ordered (SQLite
/// compares bytes; PostgreSQL's index is in `text_pattern_ops`, whose `~>=~` and `~<~` do).
pub(super) fn starting(backend: DbBackend, text: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("({text} ~>=~ $2 AND {text} ~<~ $3)"),
        _ => format!("({text} >= $2 AND {text} < $3)"),
    }
}

/// What of a text PostgreSQL's trigram index is asked for.
pub(super) enum Piece {
    /// The text itself: it is short, or no piece of it is rare.
    Whole,
    /// Its rarest three letters or digits, and the next rarest two (the index reads the rows
    /// holding them all; the whole text is checked on the rows found).
    Parts(Vec<String>),
    /// Nothing: no customer's text holds one of its pieces.
    Absent,
}

/// How many of a text's rarest pieces a trigram index is asked for together: each reads its
/// own entries of the index, and together they leave fewer rows to read and check (a whole
/// domain, “cn0050000.partner.onmschina.cn” at 100,000 customers: its rarest piece is in 300
/// rows, the rarest three together in 82).
pub(super) const PIECES: usize = 3;

/// The pieces of a text either database's trigram index is asked for, from their counts: the
/// rarest [`PIECES`], leaving out any [`COMMONER`] times commoner than the rarest.
pub(super) fn rarest(mut counts: Vec<(String, i64)>) -> Vec<String> {
    counts.sort_unstable_by(|(a, m), (b, n)| (m, a).cmp(&(n, b)));
    let fewest = counts.first().map_or(0, |(_, n)| *n);
    counts
        .into_iter()
        .take(PIECES)
        .filter(|(_, n)| *n <= fewest.saturating_mul(COMMONER))
        .map(|(term, _)| term)
        .collect()
}

/// PostgreSQL: which pieces of a text the trigram index reads. `pg_trgm` reads the rows of every
/// trigram of the text, and a long text holds common ones (a whole domain: 28, most of them in
/// every row, such as "onm"): its rarest three characters, by the counts kept at import
/// (`customer_search_terms`), with the next rarest, find the same rows for a fraction of the
/// reading. Only pieces of letters and digits are chosen: `pg_trgm` splits words at anything
/// else.
pub(super) async fn piece(db: &Db, search: &Search) -> Result<Piece, DbErr> {
    if search.trigrams().len() <= 3 {
        return Ok(Piece::Whole);
    }
    let Some(counts) = trigram_counts(db, search).await? else {
        return Ok(Piece::Absent);
    };
    let counts: Vec<(String, i64)> = counts
        .into_iter()
        .filter(|(term, _)| term.chars().all(char::is_alphanumeric))
        .collect();
    Ok(match counts.iter().map(|(_, n)| *n).min() {
        Some(fewest) if fewest <= i64::try_from(CANDIDATE_BOUND).unwrap_or(i64::MAX) => {
            Piece::Parts(rarest(counts))
        }
        _ => Piece::Whole,
    })
}

/// How much commoner than a text's rarest trigram another may be and still be read with it, by
/// either database's trigram index: each trigram read is its whole list of rows, and one four
/// times as common costs more to read than the few rows it would rule out cost to check
/// (“cn00500” at 100,000 customers: “500” in 300 rows, “050” in 971, “005” in 7,933; with all
/// three, 82 rows to check, without the last, 90).
pub(super) const COMMONER: i64 = 4;

/// PostgreSQL: the matches of a search, read from the trigram index and ranked in one statement,
/// up to `limit` from the place on; and how many there are, counted up to one past
/// [`CANDIDATE_BOUND`] (past it, the rows are only some of the matches: walk instead).
pub(super) async fn ranked(
    db: &Db,
    reseller: &ResellerId,
    search: &Search,
    place: Option<&Place>,
    backwards: bool,
    limit: u64,
) -> Result<(Vec<Row>, u64), DbErr> {
    let backend = db.get_database_backend();
    // A whole primary domain: the relationship's copy of it is the text (domains are stored
    // lowercased, as the importer reads them and the seed writes them). Compared as equal, not
    // as the search text's end (`LIKE '% text'`) on each match: “州瑞丰”'s statement at 100,000
    // customers 0.467/0.430 -> 0.406/0.412 ms (pgbench).
    let mut values: Vec<sea_orm::Value> = vec![
        reseller.as_str().into(),
        search.prefix.clone().into(),
        search.text.clone().into(),
        search.anywhere.clone().into(),
    ];
    // The trigram index reads the whole text ($4), or its pieces, the whole text then checked
    // on each row found (with `strpos`, which the index can't answer).
    let indexed = match piece(db, search).await? {
        Piece::Absent => return Ok((Vec::new(), 0)),
        Piece::Whole => "search_text LIKE $4 ESCAPE '\\'".to_owned(),
        Piece::Parts(pieces) => {
            let mut indexed = Vec::new();
            for piece in pieces {
                values.push(format!("%{}%", escape_like(&piece)).into());
                indexed.push(format!("search_text LIKE ${} ESCAPE '\\'", values.len()));
            }
            values.push(search.text.clone().into());
            indexed.push(format!("strpos(search_text, ${}) > 0", values.len()));
            indexed.join(" AND ")
        }
    };
    let (op, dir) = if backwards {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    let mut after = String::new();
    if let Some(p) = place {
        let n = values.len();
        after = format!(
            " WHERE (tier, sort_key, customer_id) {op} (${}, ${}, ${})",
            n + 1,
            n + 2,
            n + 3
        );
        values.push(i32::from(p.tier).into());
        values.push(p.sort_key.clone().into());
        values.push(p.id.clone().into());
    }
    // The matches are ranked and the page chosen before its subscriptions are counted; the count
    // comes back even when the page is empty (a cursor past the last match).
    let sql = format!(
        "WITH m AS (SELECT reseller_id, customer_id, sort_key, delegated_admin, company_name, \
              domain, CASE WHEN domain = $3 THEN 0 \
              WHEN search_text LIKE $2 ESCAPE '\\' THEN 1 ELSE 2 END AS tier \
         FROM relationships WHERE reseller_id = $1 AND {indexed} LIMIT {}), \
         n AS (SELECT COUNT(*) AS found FROM m) \
         SELECT n.found, x.* FROM n LEFT JOIN (SELECT {ROW_COLUMNS}, r.tier, \
           r.sort_key AS r_sort_key, r.customer_id AS r_customer_id FROM \
         (SELECT * FROM m{after} ORDER BY tier {dir}, sort_key {dir}, customer_id {dir} \
          LIMIT {limit}) r) x ON true \
         ORDER BY x.tier {dir}, x.r_sort_key {dir}, x.r_customer_id {dir}",
        CANDIDATE_BOUND + 1,
    );
    let results = db.query_all_raw(statement(backend, &sql, values)).await?;
    let found: i64 = match results.first() {
        Some(row) => row.try_get("", "found")?,
        None => 0,
    };
    let mut page = Vec::with_capacity(results.len());
    for row in results {
        if row
            .try_get::<Option<String>>("", "r_customer_id")?
            .is_some()
        {
            page.push(row);
        }
    }
    Ok((rows_of(page)?, u64::try_from(found).unwrap_or(0)))
}

/// The matches of one tier of a common search, in name order from the place on: tier 1 (names
/// starting with the text) from the prefix index, tier 2 (the text elsewhere) from the list
/// index, each entry checked where it lies (on PostgreSQL, a two-character Chinese word's from
/// the relationships kept in name order for each such pair).
pub(super) async fn in_tier(
    db: &Db,
    reseller: &ResellerId,
    search: &Search,
    (tier, walk, counted): (u8, bool, bool),
    place: Option<&Place>,
    backwards: bool,
    limit: u64,
) -> Result<(Vec<Row>, Option<u64>), DbErr> {
    let backend = db.get_database_backend();
    let (sql, values) = tier_statement(
        backend,
        reseller,
        search,
        (tier, walk, counted),
        place,
        backwards,
        limit,
        "",
    );
    page_rows(db, &sql, values, counted).await
}

/// [`in_tier`]'s statement (`$n` placeholders) and its values; `extra`, more columns of `r`
/// (the page's relationships) after the row's.
#[allow(clippy::too_many_arguments)]
pub(super) fn tier_statement(
    backend: DbBackend,
    reseller: &ResellerId,
    search: &Search,
    (tier, walk, counted): (u8, bool, bool),
    place: Option<&Place>,
    backwards: bool,
    limit: u64,
    extra: &str,
) -> (String, Vec<sea_orm::Value>) {
    // A name that starts with the text: a range of the prefix index, bounded by values rather
    // than by a LIKE pattern so that a plan made once for the statement reads it as a range too.
    // PostgreSQL's planner would read the trigram or prefix index and sort everything found; a
    // walk compares an expression no index holds, so that it reads the list index in name order
    // and stops at the page.
    //
    // PostgreSQL: the relationships holding a pair of Chinese characters are listed in name
    // order where they lie (`customer_search_pair_rows`): a page of the rest of a two-character
    // search reads as many entries as it shows (“科技”: 21 entries, 0.16 ms, against a walk of
    // 3,766, 0.6 ms; docs/PERFORMANCE.md).
    let pair_rows = backend == DbBackend::Postgres && tier == 2 && search.is_pair();
    let text = match (backend, walk && !pair_rows) {
        (DbBackend::Postgres, true) => "(r.search_text || '')",
        _ => "r.search_text",
    };
    let starts = starting(backend, text);
    let mut values: Vec<sea_orm::Value> = vec![
        reseller.as_str().into(),
        search.text.clone().into(),
        search.past_prefix.clone().into(),
    ];
    // SQLite, which keeps no statistics, is told which index to read: the prefix index for
    // names starting with the text, the list index (name order) for the rest.
    let indexed_by = match (backend, walk) {
        (DbBackend::Postgres, _) => "",
        (_, false) => " INDEXED BY ix_relationships_prefix",
        (_, true) => " INDEXED BY ix_relationships_list_covering",
    };
    // Where the page is read in order: the pairs' rows, or the relationships themselves.
    let (ordered, mut sql) = if pair_rows {
        (
            "p",
            "SELECT r.* FROM customer_search_pair_rows p JOIN relationships r \
             ON r.reseller_id = p.reseller_id AND r.customer_id = p.customer_id \
             WHERE p.reseller_id = $1"
                .to_owned(),
        )
    } else {
        (
            "r",
            format!("SELECT r.* FROM relationships r{indexed_by} WHERE r.reseller_id = $1"),
        )
    };
    if tier == 1 {
        sql.push_str(&format!(" AND {starts}"));
    } else if pair_rows {
        values.push(search.text.clone().into());
        sql.push_str(&format!(" AND p.pair = ${} AND NOT {starts}", values.len()));
    } else if let (DbBackend::Postgres, true) = (backend, walk) {
        // A walk checks each entry with `strpos`, which no index answers (as a LIKE on a copy
        // of the text does) and which copies nothing: “科技” read 3,766 entries for its page,
        // 0.81 ms a run against 1.0 ms with the copy's LIKE (docs/PERFORMANCE.md).
        values.push(search.text.clone().into());
        sql.push_str(&format!(
            " AND strpos(r.search_text, ${}) > 0 AND NOT {starts}",
            values.len()
        ));
    } else {
        values.push(search.anywhere.clone().into());
        sql.push_str(&format!(
            " AND {text} LIKE ${} ESCAPE '\\' AND NOT {starts}",
            values.len()
        ));
    }
    let (op, dir) = if backwards {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(p) = place {
        values.push(p.sort_key.clone().into());
        values.push(p.id.clone().into());
        sql.push_str(&format!(
            " AND ({ordered}.sort_key, {ordered}.customer_id) {op} (${}, ${})",
            values.len() - 1,
            values.len()
        ));
    }
    // The page is chosen before its counts are read (SQLite sorts a prefix's matches with every
    // column it selects).
    let order = |table: &str| format!("ORDER BY {table}.sort_key {dir}, {table}.customer_id {dir}");
    // With the count of every match, when asked (a page with no row carries none).
    let count = if counted {
        format!(", ({}) AS found", counting(backend, search, &mut values))
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT {ROW_COLUMNS}{count}{extra} FROM ({sql} {} LIMIT {limit}) r {}",
        order(ordered),
        order("r")
    );
    (sql, values)
}
