//! Customers as one reseller sees them: only those it has a relationship with.

use migration::search::PAIR_CHARS;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::{Db, DbErr};
use crate::domain::customer::search_rank;
use crate::domain::{
    Cursor, Customer, CustomerId, CustomerPrefix, CustomerQuery, CustomerSummary, Page,
    PageRequest, PrefixField, ResellerId,
};

mod names;
mod trigrams;

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

/// Up to `limit` of the reseller's customers matching a search from the cursor on, in the
/// search's order (backwards before a cursor): see [`search`].
pub(super) async fn matching(
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
    n: u64,
    more: bool,
}

impl Counted {
    /// A count of every one.
    fn exact(n: u64) -> Counted {
        Counted { n, more: false }
    }

    /// A count that stopped one past `bound`.
    fn bounded(counted: u64, bound: u64) -> Counted {
        Counted {
            n: Ord::min(counted, bound),
            more: counted > bound,
        }
    }
}

/// How many of the reseller's customers match: all of them for an empty search (the count the
/// importer keeps), or a search's matches counted up to one past [`SEARCH_COUNT_BOUND`].
async fn match_count(
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
const CUSTOMERS: &str = "(SELECT customers FROM resellers WHERE id = $1)";

/// A scalar subquery counting the reseller's (`$1`) customers whose search text holds the
/// search's, up to one past [`SEARCH_COUNT_BOUND`] (its values pushed onto `values`). On
/// PostgreSQL, a text of one or two characters is counted by the importer
/// (`customer_search_counts`, migration `m20261126_000012_pairs`: exact, in one lookup).
/// Otherwise the list index is read in order until the bound (see `in_tier`'s walk).
fn counting(backend: DbBackend, search: &Search, values: &mut Vec<sea_orm::Value>) -> String {
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
async fn count_of(db: &Db, sql: &str, values: Vec<sea_orm::Value>) -> Result<u64, DbErr> {
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
const CANDIDATE_BOUND: u64 = 2_000;

/// Names starting with a search's text: this many or fewer are read from the prefix index and
/// sorted; more are met in name order on the list index.
const PREFIX_BOUND: u64 = 500;

/// A search's text, lowercased, in the shapes its queries need.
struct Search {
    /// The text searched for.
    text: String,
    /// `%text%`, for LIKE.
    anywhere: String,
    /// `text%`, for LIKE.
    prefix: String,
    /// Just past every text that starts with `text`, in byte order.
    past_prefix: String,
}

impl Search {
    fn new(query: &CustomerQuery) -> Search {
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
    fn tier(&self, search_text: &str, domain: &str) -> u8 {
        search_rank(&self.text, search_text, domain)
    }

    /// Two Chinese characters (a word), whose relationships PostgreSQL lists in name order
    /// (`customer_search_pair_rows`).
    fn is_pair(&self) -> bool {
        let mut chars = self.text.chars();
        matches!(
            (chars.next(), chars.next(), chars.next()),
            (Some(a), Some(b), None) if PAIR_CHARS.contains(&a) && PAIR_CHARS.contains(&b)
        )
    }

    /// A trigram index finds it: three characters or more.
    fn indexed(&self) -> bool {
        self.text.chars().count() >= 3
    }

    /// Its trigrams (every three neighbouring characters), each once.
    fn trigrams(&self) -> Vec<String> {
        let chars: Vec<char> = self.text.chars().collect();
        let mut trigrams: Vec<String> = chars.windows(3).map(|w| w.iter().collect()).collect();
        trigrams.sort_unstable();
        trigrams.dedup();
        trigrams
    }
}

/// `$first, $first+1, …`: `count` placeholders for a statement's `IN (…)`.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Terms of `customer_search_terms` with their counts, as a statement (`$n` placeholders)
/// selecting `term, rows` answers them.
async fn term_counts(
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
async fn trigram_counts(db: &Db, search: &Search) -> Result<Option<Vec<(String, i64)>>, DbErr> {
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
struct Place {
    tier: u8,
    sort_key: String,
    id: String,
    row: Option<i64>,
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
    if !backwards {
        match names::page(db, reseller, &search, place.as_ref(), limit).await? {
            Some(names::Stretch::Answers(rows, counted)) => return Ok((rows, Some(counted))),
            Some(names::Stretch::Ends(rows)) => first_tier = Some(rows),
            None => {}
        }
    }
    if db.get_database_backend() == DbBackend::Sqlite
        && let Some(found) =
            trigrams::search(db, reseller, &search, place.as_ref(), backwards, limit).await?
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
async fn place(
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

/// How many of the reseller's customers' names start with the text, counted on the prefix index
/// up to one past [`PREFIX_BOUND`].
async fn prefix_count(db: &Db, reseller: &ResellerId, search: &Search) -> Result<u64, DbErr> {
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
fn starting(backend: DbBackend, text: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("({text} ~>=~ $2 AND {text} ~<~ $3)"),
        _ => format!("({text} >= $2 AND {text} < $3)"),
    }
}

/// What of a text PostgreSQL's trigram index is asked for.
enum Piece {
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
const PIECES: usize = 3;

/// The pieces of a text either database's trigram index is asked for, from their counts: the
/// rarest [`PIECES`], leaving out any [`COMMONER`] times commoner than the rarest.
fn rarest(mut counts: Vec<(String, i64)>) -> Vec<String> {
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
async fn piece(db: &Db, search: &Search) -> Result<Piece, DbErr> {
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
const COMMONER: i64 = 4;

/// PostgreSQL: the matches of a search, read from the trigram index and ranked in one statement,
/// up to `limit` from the place on; and how many there are, counted up to one past
/// [`CANDIDATE_BOUND`] (past it, the rows are only some of the matches: walk instead).
async fn ranked(
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
async fn in_tier(
    db: &Db,
    reseller: &ResellerId,
    search: &Search,
    (tier, walk, counted): (u8, bool, bool),
    place: Option<&Place>,
    backwards: bool,
    limit: u64,
) -> Result<(Vec<Row>, Option<u64>), DbErr> {
    let backend = db.get_database_backend();
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
        "SELECT {ROW_COLUMNS}{count} FROM ({sql} {} LIMIT {limit}) r {}",
        order(ordered),
        order("r")
    );
    page_rows(db, &sql, values, counted).await
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
