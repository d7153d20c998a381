//! A new relationship's rows of the customer search, written alone (issue 31): the rows of
//! the relationships around it stay as they are.
//!
//! - SQLite: the relationship takes the number halfway between its neighbours' in the list's
//!   order (they are [`SEARCH_ROW_GAP`] apart after a rebuild), its row of the trigram table under
//!   that number, and one more row for each of its trigrams in `customer_search_terms`. Both are
//!   written by its batch of changes just before the batch commits ([`WRITE_PENDING`]), with the
//!   batch's other new customers': FTS5 writes the rows it holds to disk at every savepoint, and
//!   each change of a batch opens one, so that a row written with its change made a segment of
//!   the index of its own (178,000 instructions a customer in `bench/callgrind.py`, and the
//!   merges of all those segments after); and a term the batch's customers share (the domain's
//!   suffix, 有限公司) is counted once, outside their savepoints. Until then the relationship is
//!   listed in `customer_search_pending` with its terms, in the change's savepoint: an undone
//!   change leaves none. With no
//!   number left between its neighbours, the rows around it (from 16 to 4,096 on each side, the
//!   fewest that leave room) are numbered again evenly between the rows outside them, their rows
//!   of the trigram table with them; only when even that leaves no room are the tables written
//!   again whole, as the importer does (seconds at 100,000 customers).
//! - PostgreSQL: `pg_trgm`'s index keeps itself; the counts of each three characters, of each
//!   reseller's pieces of one and two characters, and the rows of its pairs of Chinese characters
//!   gain the new text's.
//!
//! On PostgreSQL each statement writes its rows in their keys' order, so that two new customers
//! made at once lock the rows they share in the same order (never each waiting for the other).
//!
//! The statements read nothing the change writes before them (on PostgreSQL they run as parts
//! of one statement, which sees the table as it was): the text is given to each.

use migration::search::{PAIR_CHARS, REBUILD_SQLITE, SEARCH_ROW_GAP};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use crate::domain::{CustomerId, ResellerId};
use crate::store::DbErr;

/// The relationship whose search rows are written: its reseller and customer, and its sort key
/// and search text as the relationship holds them.
pub struct Added<'a> {
    pub reseller: &'a ResellerId,
    pub customer: &'a CustomerId,
    pub sort_key: &'a str,
    pub search_text: &'a str,
}

/// SQLite: the trigram table's rows of the relationships `customer_search_pending` lists, under
/// their numbers as they are at the batch's end, and their trigrams counted, each term once for
/// the batch (written by each new customer at each of its terms, in its savepoint, the counts
/// cost a quarter of the pages' Confirm rate); the list emptied. Left to the end of the change's
/// batch (`before_commit`) by every new customer. `CROSS JOIN` keeps the list the outer loop:
/// SQLite, with no statistics, read every relationship and looked each up in the list.
pub const WRITE_PENDING: &str = "INSERT INTO customer_search (rowid, search_text, customer_id) \
     SELECT r.search_row, char(2) || r.search_text || char(3, 3), r.customer_id \
     FROM customer_search_pending p CROSS JOIN relationships r \
     ON r.reseller_id = p.reseller_id AND r.customer_id = p.customer_id \
     WHERE r.search_row IS NOT NULL; \
     INSERT INTO customer_search_terms (term, rows) SELECT t.value, COUNT(*) \
     FROM customer_search_pending p, json_each(p.terms) t WHERE true GROUP BY t.value \
     ON CONFLICT (term) DO UPDATE SET rows = rows + excluded.rows; \
     DELETE FROM customer_search_pending";

/// The statements writing the new relationship's search rows, to run after the relationship's
/// insert, in its transaction (`db`, read for its neighbours on SQLite). On SQLite they leave
/// its row of the trigram table to [`WRITE_PENDING`].
pub async fn statements(
    db: &impl ConnectionTrait,
    added: &Added<'_>,
) -> Result<Vec<Statement>, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => Ok(postgres(added)),
        _ => {
            let mut near = Vec::with_capacity(2);
            for before in [true, false] {
                near.push(beside(db, added, before, 1).await?.pop().map(|b| b.row));
            }
            sqlite(db, added, Neighbours(near[0], near[1])).await
        }
    }
}

/// SQLite: the new relationship's neighbours in the list's order, each `None` when there is
/// none on that side, `Some(None)` when it is not numbered yet. Read with the change's other
/// reads in one statement ([`Neighbours::columns`]): each statement is a hand-over to the
/// connection's thread while the change holds the turn to write.
#[derive(Debug, Clone, Copy)]
pub struct Neighbours(pub Option<Option<i64>>, pub Option<Option<i64>>);

impl Neighbours {
    /// The columns (`, … AS added_before, … AS added_after`) reading the neighbours in a
    /// `SELECT` of SQLite, with their values (unnumbered `?`), in order. A neighbour not
    /// numbered yet reads -1 (row numbers are positive), none at all NULL.
    pub fn columns(added: &Added<'_>) -> (String, Vec<Value>) {
        let side = |op: &str, dir: &str, name: &str| {
            format!(
                ", (SELECT COALESCE(search_row, -1) FROM relationships \
                 WHERE {ORDER} {op} (?, ?, ?) \
                 ORDER BY reseller_id {dir}, sort_key {dir}, customer_id {dir} LIMIT 1) AS {name}"
            )
        };
        let mut values = Vec::with_capacity(6);
        for _ in 0..2 {
            values.extend([
                Value::from(added.reseller.as_str()),
                added.sort_key.into(),
                added.customer.as_str().into(),
            ]);
        }
        (
            side("<", "DESC", "added_before") + &side(">", "ASC", "added_after"),
            values,
        )
    }

    /// The neighbours as [`Neighbours::columns`] read them.
    pub fn of_row(row: &sea_orm::QueryResult) -> Result<Neighbours, DbErr> {
        let side = |name: &str| -> Result<Option<Option<i64>>, DbErr> {
            Ok(row
                .try_get::<Option<i64>>("", name)?
                .map(|n| (n >= 0).then_some(n)))
        };
        Ok(Neighbours(side("added_before")?, side("added_after")?))
    }
}

/// The statements writing the new relationship's search rows on SQLite, its neighbours read
/// ([`Neighbours`]); `db` is read again only when they leave no number between them.
pub async fn sqlite_statements(
    db: &impl ConnectionTrait,
    added: &Added<'_>,
    near: Neighbours,
) -> Result<Vec<Statement>, DbErr> {
    sqlite(db, added, near).await
}

/// The number between two neighbours' (`None`: no neighbour on that side), `None` when there is
/// none left.
fn between(before: Option<i64>, after: Option<i64>) -> Option<i64> {
    match (before, after) {
        (None, None) => Some(SEARCH_ROW_GAP),
        (Some(b), None) => b.checked_add(SEARCH_ROW_GAP),
        (None, Some(a)) => (a >= 2).then_some(a / 2),
        (Some(b), Some(a)) => (a - b >= 2).then(|| b + (a - b) / 2),
    }
}

/// The distinct pieces of three characters of a row of the trigram table (its text between the
/// markers `REBUILD_SQLITE` writes), as the table's tokenizer folds them: the search text is
/// lowercased already.
fn trigrams(search_text: &str) -> Vec<String> {
    let marked: Vec<char> = format!("\u{2}{search_text}\u{3}\u{3}")
        .to_lowercase()
        .chars()
        .collect();
    let mut found: Vec<String> = marked.windows(3).map(|w| w.iter().collect()).collect();
    found.sort_unstable();
    found.dedup();
    found
}

/// The tuple of the list's order a neighbour query compares with: the reseller, the sort key
/// and the customer, in the list index's order across resellers (the search's row numbers are).
const ORDER: &str = "(reseller_id, sort_key, customer_id)";

/// A row of the list's order beside the new relationship: its place in the order, and its
/// number (`None`: not numbered yet).
struct Beside {
    reseller: String,
    sort_key: String,
    customer: String,
    row: Option<i64>,
}

/// Up to `n` rows of the list's order on one side of the new relationship (`before`: the
/// nearest first, going back), read through the list index.
async fn beside(
    db: &impl ConnectionTrait,
    added: &Added<'_>,
    before: bool,
    n: u64,
) -> Result<Vec<Beside>, DbErr> {
    let (op, dir) = if before { ("<", "DESC") } else { (">", "ASC") };
    let statement = Statement::from_sql_and_values(
        DbBackend::Sqlite,
        format!(
            "SELECT reseller_id, sort_key, customer_id, search_row FROM relationships \
             WHERE {ORDER} {op} (?, ?, ?) \
             ORDER BY reseller_id {dir}, sort_key {dir}, customer_id {dir} LIMIT {n}"
        ),
        [
            added.reseller.as_str().into(),
            added.sort_key.into(),
            added.customer.as_str().into(),
        ],
    );
    db.query_all_raw(statement)
        .await?
        .iter()
        .map(|row| {
            Ok(Beside {
                reseller: row.try_get("", "reseller_id")?,
                sort_key: row.try_get("", "sort_key")?,
                customer: row.try_get("", "customer_id")?,
                row: row.try_get("", "search_row")?,
            })
        })
        .collect()
}

/// The windows of the list around a new relationship that finds no number left between its
/// neighbours, smallest first: so many rows on each side are numbered again, evenly, with the
/// new one among them.
const WINDOWS: [u64; 4] = [16, 128, 1024, 4096];

/// The least distance a window's numbers are spread apart: room for twelve more new
/// relationships falling between the same two before the window is numbered again.
const LEAST_STEP: i64 = 1 << 12;

/// A stretch of the list numbered again: the rows from `first` to `last` in the list's order
/// (the new relationship among them) take `from + step`, `from + 2 * step`, …
struct Renumbered {
    first: (String, String, String),
    last: (String, String, String),
    from: i64,
    step: i64,
    /// The search table's rows of the stretch, as it was numbered: those after `from`, and
    /// before this when there are rows after the stretch.
    until: Option<i64>,
}

/// The stretch around the new relationship to number again, the smallest of [`WINDOWS`] whose
/// rows can be spread [`LEAST_STEP`] apart; `None` when none can (or a row is not numbered).
async fn window(db: &impl ConnectionTrait, added: &Added<'_>) -> Result<Option<Renumbered>, DbErr> {
    let me = || {
        (
            added.reseller.to_string(),
            added.sort_key.to_owned(),
            added.customer.to_string(),
        )
    };
    for k in WINDOWS {
        let before = beside(db, added, true, k + 1).await?;
        let after = beside(db, added, false, k + 1).await?;
        if before.iter().chain(&after).any(|b| b.row.is_none()) {
            return Ok(None);
        }
        let (inside_before, inside_after) =
            (before.len().min(k as usize), after.len().min(k as usize));
        // The numbers the stretch lies between: the rows just outside it (none: the list's end).
        let from = before.get(k as usize).and_then(|b| b.row).unwrap_or(0);
        let until = after.get(k as usize).and_then(|b| b.row);
        let rows = (inside_before + inside_after + 1) as i64;
        let step = match until {
            Some(until) => (until - from) / (rows + 1),
            None => SEARCH_ROW_GAP,
        };
        if step < LEAST_STEP {
            continue;
        }
        let tuple = |b: &Beside| (b.reseller.clone(), b.sort_key.clone(), b.customer.clone());
        let first = match inside_before {
            0 => me(),
            n => tuple(&before[n - 1]),
        };
        let last = match inside_after {
            0 => me(),
            n => tuple(&after[n - 1]),
        };
        return Ok(Some(Renumbered {
            first,
            last,
            from,
            step,
            until,
        }));
    }
    Ok(None)
}

/// The statements numbering a stretch of the list again, its rows of the search table with it
/// (run after the new relationship's insert: it is among them). They read the stretch through
/// the list's index by name: with no statistics, and the bounds bound after the statement is
/// prepared, SQLite read the trigram table's rows through `ix_relationships_search_row`, every
/// relationship of the reseller for each window (100,000 rows looked up at 100,000 customers:
/// eighty new customers of one name cost 25 million instructions each in `bench/callgrind.py`,
/// two million without).
fn renumbered(w: &Renumbered) -> Vec<Statement> {
    let range = format!("{ORDER} >= (?, ?, ?) AND {ORDER} <= (?, ?, ?)");
    let bounds = || -> Vec<Value> {
        vec![
            w.first.0.clone().into(),
            w.first.1.clone().into(),
            w.first.2.clone().into(),
            w.last.0.clone().into(),
            w.last.1.clone().into(),
            w.last.2.clone().into(),
        ]
    };
    let mut values: Vec<Value> = vec![w.from.into(), w.step.into()];
    values.extend(bounds());
    let mut old: Vec<Value> = vec![w.from.into()];
    let old_until = match w.until {
        Some(until) => {
            old.push(until.into());
            " AND rowid < ?"
        }
        None => "",
    };
    vec![
        Statement::from_sql_and_values(
            DbBackend::Sqlite,
            format!(
                "UPDATE relationships SET search_row = ? + ? * n.place FROM (\
                 SELECT reseller_id AS r, customer_id AS c, \
                 ROW_NUMBER() OVER (ORDER BY reseller_id, sort_key, customer_id) AS place \
                 FROM relationships INDEXED BY ix_relationships_list_covering WHERE {range}) n \
                 WHERE relationships.reseller_id = n.r AND relationships.customer_id = n.c"
            ),
            values,
        ),
        Statement::from_sql_and_values(
            DbBackend::Sqlite,
            format!("DELETE FROM customer_search WHERE rowid > ?{old_until}"),
            old,
        ),
        // The stretch's rows of the batch's new customers wait for the batch's end (they are
        // not in the table yet), under their new numbers.
        Statement::from_sql_and_values(
            DbBackend::Sqlite,
            format!(
                "INSERT INTO customer_search (rowid, search_text, customer_id) \
                 SELECT search_row, char(2) || search_text || char(3, 3), customer_id \
                 FROM relationships r INDEXED BY ix_relationships_list_covering WHERE {range} \
                 AND NOT EXISTS (SELECT 1 FROM customer_search_pending p \
                 WHERE p.reseller_id = r.reseller_id AND p.customer_id = r.customer_id)"
            ),
            bounds(),
        ),
    ]
}

async fn sqlite(
    db: &impl ConnectionTrait,
    added: &Added<'_>,
    near: Neighbours,
) -> Result<Vec<Statement>, DbErr> {
    let place = match (near.0, near.1) {
        // A relationship not numbered yet leaves no place to count from.
        (Some(None), _) | (_, Some(None)) => None,
        (before, after) => between(before.flatten(), after.flatten()),
    };
    let numbered = match place {
        Some(place) => vec![Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "UPDATE relationships SET search_row = ? WHERE reseller_id = ? AND customer_id = ?",
            [
                place.into(),
                added.reseller.as_str().into(),
                added.customer.as_str().into(),
            ],
        )],
        // No number left between its neighbours: the rows around it are numbered again, a
        // few dozen or thousand of them (the whole table again took 8 to 11 s at 100,000
        // customers, holding the turn to write: issue 31's benchmark).
        None => match window(db, added).await? {
            Some(w) => renumbered(&w),
            // The whole table again, the batch's new customers with it.
            None => {
                return Ok(REBUILD_SQLITE
                    .iter()
                    .chain(&["DELETE FROM customer_search_pending"])
                    .map(|sql| Statement::from_string(DbBackend::Sqlite, *sql))
                    .collect());
            }
        },
    };
    // The terms as one JSON array: the statement's text is the same for every new customer, so
    // the connection prepares it once (a `VALUES` list as long as the terms was prepared again
    // for each length, and the change's other writes sent with it).
    let terms = serde_json::to_string(&trigrams(added.search_text))
        .map_err(|e| DbErr::Custom(format!("a new customer's search terms: {e}")))?;
    // Its trigram row and its terms' counts left to the batch's end ([`WRITE_PENDING`]): listed
    // first, so that a window numbered again leaves it to the batch's end too, under its new
    // number.
    let pending = Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "INSERT INTO customer_search_pending (reseller_id, customer_id, terms) VALUES (?, ?, ?)",
        [
            added.reseller.as_str().into(),
            added.customer.as_str().into(),
            terms.into(),
        ],
    );
    Ok(std::iter::once(pending).chain(numbered).collect())
}

fn postgres(added: &Added<'_>) -> Vec<Statement> {
    let text: Value = added.search_text.into();
    let reseller: Value = added.reseller.as_str().into();
    vec![
        // How often each three characters occur (`REBUILD_POSTGRES` counts every occurrence).
        Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO customer_search_terms (term, rows) \
             SELECT substr($1, i, 3), COUNT(*) FROM generate_series(1, char_length($1) - 2) AS i \
             GROUP BY 1 ORDER BY 1 \
             ON CONFLICT (term) DO UPDATE SET rows = customer_search_terms.rows + EXCLUDED.rows",
            [text.clone()],
        ),
        // The reseller's relationships holding each piece of one or two characters: one more.
        Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO customer_search_counts (reseller_id, piece, rows) \
             SELECT DISTINCT CAST($1 AS VARCHAR), substr($2, i, n), CAST(1 AS BIGINT) \
             FROM generate_series(1, char_length($2)) AS i, (VALUES (1), (2)) AS l (n) \
             WHERE i + n - 1 <= char_length($2) ORDER BY 2 \
             ON CONFLICT (reseller_id, piece) \
             DO UPDATE SET rows = customer_search_counts.rows + EXCLUDED.rows",
            [reseller.clone(), text.clone()],
        ),
        Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "INSERT INTO customer_search_pair_rows (reseller_id, pair, sort_key, customer_id) \
                 SELECT DISTINCT CAST($1 AS VARCHAR), substr($2, i, 2), CAST($3 AS VARCHAR), \
                 CAST($4 AS VARCHAR) FROM generate_series(1, char_length($2) - 1) AS i \
                 WHERE substr($2, i, 2) ~ '^[{}-{}]{{2}}$' ORDER BY 2 ON CONFLICT DO NOTHING",
                PAIR_CHARS.start(),
                PAIR_CHARS.end()
            ),
            [
                reseller,
                text,
                added.sort_key.into(),
                added.customer.as_str().into(),
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_row_takes_the_number_halfway_between_its_neighbours() {
        assert_eq!(between(None, None), Some(SEARCH_ROW_GAP));
        assert_eq!(between(Some(10), None), Some(10 + SEARCH_ROW_GAP));
        assert_eq!(between(None, Some(8)), Some(4));
        assert_eq!(between(Some(4), Some(8)), Some(6));
        assert_eq!(between(Some(4), Some(5)), None);
        assert_eq!(between(None, Some(1)), None);
    }

    #[test]
    fn twenty_new_rows_fit_between_two_neighbours() {
        let mut after = 2 * SEARCH_ROW_GAP;
        for _ in 0..20 {
            after = between(Some(SEARCH_ROW_GAP), Some(after)).expect("a number left");
        }
    }

    #[test]
    fn the_trigrams_are_the_marked_texts_distinct_pieces() {
        assert_eq!(
            trigrams("aa"),
            vec!["\u{2}aa", "a\u{3}\u{3}", "aa\u{3}"]
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>()
        );
        assert!(trigrams("科技 k.cn").contains(&"科技 ".to_owned()));
    }
}
