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

use super::{Counted, Place, ROW_COLUMNS, Row, SEARCH_COUNT_BOUND, Search, page_rows};
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
pub(super) async fn page(
    db: &Db,
    reseller: &ResellerId,
    search: &Search,
    place: Option<&Place>,
    limit: u64,
) -> Result<Option<Stretch>, DbErr> {
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
    let sql = format!(
        "SELECT {ROW_COLUMNS}, (SELECT COUNT(*) FROM (SELECT 1 FROM {relationships} \
          WHERE {stretch} LIMIT {}) k) AS found \
         FROM (SELECT * FROM {relationships} WHERE {stretch}{after} \
          ORDER BY sort_key, customer_id LIMIT {limit}) r \
         ORDER BY r.sort_key, r.customer_id",
        SEARCH_COUNT_BOUND + 1
    );
    let (rows, found) = page_rows(db, &sql, values, true).await?;
    match found {
        Some(n) if n > SEARCH_COUNT_BOUND && rows.len() as u64 == limit => Ok(Some(
            Stretch::Answers(rows, Counted::bounded(n, SEARCH_COUNT_BOUND)),
        )),
        // Every name starting with the text from the place on is on this page (none, often):
        // the search goes on after them, without reading them again.
        _ if (rows.len() as u64) < limit => Ok(Some(Stretch::Ends(rows))),
        _ => Ok(None),
    }
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
