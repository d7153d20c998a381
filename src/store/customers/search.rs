//! A search of the customer list: its text in the shapes its queries need, where a page of its
//! matches starts, and which index answers it (the names that start with it, the trigram table,
//! PostgreSQL's trigram index, or the list itself walked in order).

use super::*;

/// Up to `limit` of the reseller's customers matching a search from the cursor on, in the
/// search's order (backwards before a cursor): see [`search`].
pub(in crate::store) async fn matching(
    db: &Db,
    reseller: &ResellerId,
    query: &CustomerQuery,
    cursor: &Cursor,
    limit: u64,
) -> Result<Vec<Row>, DbErr> {
    Ok(search(db, reseller, query, cursor, limit).await?.0)
}

/// How many customers a search found, as far as it counted: `n`, and whether more match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Counted {
    pub(super) n: u64,
    pub(super) more: bool,
}

impl Counted {
    /// A count of every one.
    pub(super) fn exact(n: u64) -> Counted {
        Counted { n, more: false }
    }

    /// A count that stopped one past `bound`.
    pub(super) fn bounded(counted: u64, bound: u64) -> Counted {
        Counted {
            n: Ord::min(counted, bound),
            more: counted > bound,
        }
    }
}

/// How many of the reseller's customers match: all of them for an empty search (the count the
/// importer keeps), or a search's matches counted up to one past [`SEARCH_COUNT_BOUND`].
pub(super) async fn match_count(
    db: &Db,
    reseller: &ResellerId,
    query: &CustomerQuery,
) -> Result<Counted, DbErr> {
    let mut values: Vec<sea_orm::Value> = vec![reseller.as_str().into()];
    if query.is_empty() {
        let n = count_of(db, &format!("SELECT {CUSTOMERS} AS n"), values).await?;
        return Ok(Counted::exact(n));
    }
    let counted = counting(db.get_database_backend(), &Search::new(query), &mut values);
    let sql = format!("SELECT ({counted}) AS n");
    Ok(Counted::bounded(
        count_of(db, &sql, values).await?,
        SEARCH_COUNT_BOUND,
    ))
}

/// A scalar subquery: how many customers the reseller (`$1`) has, as the importer counted them
/// (`resellers.customers`; counting them here, even only up to a thousand, was most of the list
/// page's own work in the database).
pub(super) const CUSTOMERS: &str = "(SELECT customers FROM resellers WHERE id = $1)";

/// A scalar subquery counting the reseller's (`$1`) customers whose search text holds the
/// search's, up to one past [`SEARCH_COUNT_BOUND`] (its values pushed onto `values`). On
/// PostgreSQL, a text of one or two characters is counted by the importer
/// (`customer_search_counts`, migration `m20261126_000012_pairs`: exact, in one lookup).
/// Otherwise the list index is read in order until the bound (see `in_tier`'s walk).
pub(super) fn counting(
    backend: DbBackend,
    search: &Search,
    values: &mut Vec<sea_orm::Value>,
) -> String {
    if backend == DbBackend::Postgres && (1..=2).contains(&search.text.chars().count()) {
        values.push(search.text.clone().into());
        return format!(
            "SELECT COALESCE((SELECT k.rows FROM customer_search_counts k \
             WHERE k.reseller_id = $1 AND k.piece = ${}), 0)",
            values.len()
        );
    }
    values.push(search.anywhere.clone().into());
    let n = values.len();
    let (from, condition) = match backend {
        DbBackend::Postgres => (
            "relationships k",
            format!("(k.search_text || '') LIKE ${n} ESCAPE '\\'"),
        ),
        _ => (
            "relationships k INDEXED BY ix_relationships_list_covering",
            format!("k.search_text LIKE ${n} ESCAPE '\\'"),
        ),
    };
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM {from} WHERE k.reseller_id = $1 AND {condition} \
         LIMIT {}) x",
        SEARCH_COUNT_BOUND + 1
    )
}

/// The `n` a counting statement (`SELECT COUNT(*) AS n …`, with `$n` placeholders) answers.
pub(super) async fn count_of(
    db: &Db,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let row = db.query_one_raw(statement(backend, sql, values)).await?;
    let n: i64 = match row {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// PostgreSQL: searches with more matches than this are walked in name order (they fill a page
/// at once); those with fewer are read whole from the trigram index and ranked (a walk to the
/// first "Lucerne", 1.7% of a 100,000-customer book but all in one stretch of the list, read
/// 40,000 entries: 16 ms; reading and ranking its 1,691 matches, 3 ms).
pub(super) const CANDIDATE_BOUND: u64 = 2_000;

/// Names starting with a search's text: this many or fewer are read from the prefix index and
/// sorted; more are met in name order on the list index.
pub(super) const PREFIX_BOUND: u64 = 500;

/// A search's text, lowercased, in the shapes its queries need.
pub(super) struct Search {
    /// The text searched for.
    pub(super) text: String,
    /// `%text%`, for LIKE.
    pub(super) anywhere: String,
    /// `text%`, for LIKE.
    pub(super) prefix: String,
    /// Just past every text that starts with `text`, in byte order.
    pub(super) past_prefix: String,
}

impl Search {
    pub(super) fn new(query: &CustomerQuery) -> Search {
        let text = query.as_str().to_lowercase();
        let escaped = escape_like(&text);
        Search {
            anywhere: format!("%{escaped}%"),
            prefix: format!("{escaped}%"),
            past_prefix: format!("{text}\u{10FFFF}"),
            text,
        }
    }

    /// Where a match ranks (the statements below rank the same way in SQL).
    pub(super) fn tier(&self, search_text: &str, domain: &str) -> u8 {
        search_rank(&self.text, search_text, domain)
    }

    /// Two Chinese characters (a word), whose relationships PostgreSQL lists in name order
    /// (`customer_search_pair_rows`).
    pub(super) fn is_pair(&self) -> bool {
        let mut chars = self.text.chars();
        matches!(
            (chars.next(), chars.next(), chars.next()),
            (Some(a), Some(b), None) if PAIR_CHARS.contains(&a) && PAIR_CHARS.contains(&b)
        )
    }

    /// A trigram index finds it: three characters or more.
    pub(super) fn indexed(&self) -> bool {
        self.text.chars().count() >= 3
    }

    /// Its trigrams (every three neighbouring characters), each once.
    pub(super) fn trigrams(&self) -> Vec<String> {
        let chars: Vec<char> = self.text.chars().collect();
        let mut trigrams: Vec<String> = chars.windows(3).map(|w| w.iter().collect()).collect();
        trigrams.sort_unstable();
        trigrams.dedup();
        trigrams
    }
}

/// `$first, $first+1, …`: `count` placeholders for a statement's `IN (…)`.
pub(super) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Terms of `customer_search_terms` with their counts, as a statement (`$n` placeholders)
/// selecting `term, rows` answers them.
pub(super) async fn term_counts(
    db: &Db,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> Result<Vec<(String, i64)>, DbErr> {
    let backend = db.get_database_backend();
    db.query_all_raw(statement(backend, sql, values))
        .await?
        .iter()
        .map(|row| Ok((row.try_get("", "term")?, row.try_get("", "rows")?)))
        .collect()
}

/// The counts kept at import (`customer_search_terms`: on SQLite the rows holding each trigram,
/// on PostgreSQL its occurrences) of each of the text's trigrams; `None` when one is in no
/// customer's text, so that nothing matches.
pub(super) async fn trigram_counts(
    db: &Db,
    search: &Search,
) -> Result<Option<Vec<(String, i64)>>, DbErr> {
    let trigrams = search.trigrams();
    let found = term_counts(
        db,
        &format!(
            "SELECT term, rows FROM customer_search_terms WHERE term IN ({})",
            placeholders(1, trigrams.len())
        ),
        trigrams.iter().map(|t| t.clone().into()).collect(),
    )
    .await?;
    Ok((found.len() == trigrams.len()).then_some(found))
}

/// Where a page starts: the tier, name and id of the customer it starts after (or before), and
/// on SQLite its row in the trigram table.
pub(super) struct Place {
    pub(super) tier: u8,
    pub(super) sort_key: String,
    pub(super) id: String,
    pub(super) row: Option<i64>,
}

/// The reseller's customers matching a search, up to `limit` from the cursor on, ranked: those
/// whose whole primary domain it is, then those whose name starts with it, then the rest, each
/// group in name order. With a count of the matches where the search learnt it on the way (up to
/// [`SEARCH_COUNT_BOUND`]).
///
/// When more names start with the text than the count shows, and they fill the page, they are
/// read where they lie together in the list (see [`names`]). Otherwise, on SQLite, the trigram
/// table numbered in the list's order answers (see [`trigrams`]). On
/// PostgreSQL, a search of three characters or more reads its matches from `pg_trgm`'s GIN index
/// (through the text's rarest pieces, see [`piece`]) and ranks and counts them in one statement,
/// unless there are more than [`CANDIDATE_BOUND`]. Past that (or for one or two characters,
/// which no trigram holds; or on SQLite, a text its trigram table can't take), the matches are
/// so common that reading in order fills a page at once: names starting with the text from the
/// prefix index, then the list index in name order, each entry checked where it lies (on
/// PostgreSQL, a two-character Chinese word's rest from its pair's relationships, kept in name
/// order: see [`in_tier`]).
pub(super) async fn search(
    db: &Db,
    reseller: &ResellerId,
    query: &CustomerQuery,
    cursor: &Cursor,
    limit: u64,
) -> Result<(Vec<Row>, Option<Counted>), DbErr> {
    if query.is_empty() {
        return in_name_order(db, reseller, cursor, limit).await;
    }
    let search = Search::new(query);
    let place = place(db, reseller, &search, cursor).await?;
    let backwards = matches!(cursor, Cursor::Before(_));
    // Names starting with the text, where they lie together in the list: the whole page, or
    // else, when they end within it, the first tier of the search's ranking.
    let mut first_tier = None;
    // On SQLite, the trigram table's terms that a short search reads next come back with the
    // names (one statement, not two).
    let sqlite = db.get_database_backend() == DbBackend::Sqlite;
    let lookups = if sqlite {
        trigrams::lookups(&search)
    } else {
        Vec::new()
    };
    let mut known = None;
    if !backwards
        && let Some(found) = names::with_pairs(db, reseller, &search, place.as_ref(), limit).await?
    {
        return Ok(found);
    }
    if !backwards {
        let (stretch, terms) =
            names::page(db, reseller, &search, place.as_ref(), limit, &lookups).await?;
        known = terms;
        match stretch {
            Some(names::Stretch::Answers(rows, counted)) => return Ok((rows, Some(counted))),
            Some(names::Stretch::Ends(rows)) => first_tier = Some(rows),
            None => {}
        }
    }
    if sqlite
        && let Some(found) = trigrams::search(
            db,
            reseller,
            &search,
            place.as_ref(),
            backwards,
            limit,
            known,
        )
        .await?
    {
        return Ok(found);
    }
    // (SQLite's trigram table answered above.) PostgreSQL's trigram index reads the matches of
    // a text of three characters or more, unless there are very many.
    // How many match: counted by the trigram index, or else by the first statement that reads
    // rows below.
    let mut found = if search.indexed() && db.get_database_backend() == DbBackend::Postgres {
        let (rows, n) = ranked(db, reseller, &search, place.as_ref(), backwards, limit).await?;
        if n <= CANDIDATE_BOUND {
            return Ok((rows, Some(Counted::bounded(n, SEARCH_COUNT_BOUND))));
        }
        Some(n)
    } else {
        None
    };
    // Common: the name prefixes, then everything else in name order (tier 0, a whole domain,
    // is never this common).
    let tiers: &[u8] = if backwards { &[2, 1] } else { &[1, 2] };
    // Names starting with the text: few are read from the prefix index and sorted; many are
    // met in name order on the list index at once (counted only when the tier is read here:
    // those read above already are the tier).
    let mut rows = Vec::new();
    for &tier in tiers {
        if tier == 1
            && let Some(read) = first_tier.take()
        {
            rows.extend(read);
            continue;
        }
        let bound = match &place {
            Some(p) if p.tier == tier => Some(p),
            // A tier the cursor has passed.
            Some(p) if (!backwards && tier < p.tier) || (backwards && tier > p.tier) => continue,
            _ => None,
        };
        let left = limit - rows.len() as u64;
        let walk = tier == 2 || prefix_count(db, reseller, &search).await? > PREFIX_BOUND;
        let counted = found.is_none();
        let (read, n) = in_tier(
            db,
            reseller,
            &search,
            (tier, walk, counted),
            bound,
            backwards,
            left,
        )
        .await?;
        rows.extend(read);
        found = found.or(n);
        if rows.len() as u64 >= limit {
            break;
        }
    }
    Ok((rows, found.map(|n| Counted::bounded(n, SEARCH_COUNT_BOUND))))
}

/// The cursor's customer as the search ranks it; `None` at the top (or for a customer that is
/// gone: the list starts again).
pub(super) async fn place(
    db: &Db,
    reseller: &ResellerId,
    search: &Search,
    cursor: &Cursor,
) -> Result<Option<Place>, DbErr> {
    let (Cursor::After(id) | Cursor::Before(id)) = cursor else {
        return Ok(None);
    };
    let backend = db.get_database_backend();
    // Only SQLite numbers the rows of its trigram table.
    let row = match backend {
        DbBackend::Sqlite => "r.search_row",
        _ => "CAST(NULL AS BIGINT) AS search_row",
    };
    let sql = format!(
        "SELECT {row}, r.search_text, r.sort_key, r.domain FROM relationships r \
         WHERE r.reseller_id = $1 AND r.customer_id = $2"
    );
    let found = db
        .query_one_raw(statement(
            backend,
            &sql,
            vec![reseller.as_str().into(), id.as_str().into()],
        ))
        .await?;
    let Some(found) = found else { return Ok(None) };
    let text: String = found.try_get("", "search_text")?;
    let domain: String = found.try_get("", "domain")?;
    Ok(Some(Place {
        tier: search.tier(&text, &domain),
        sort_key: found.try_get("", "sort_key")?,
        id: id.to_string(),
        row: found.try_get("", "search_row")?,
    }))
}
