//! A new relationship's rows of the customer search, written alone (issue 31): the rows of
//! the relationships around it stay as they are.
//!
//! - SQLite: the relationship takes the number halfway between its neighbours' in the list's
//!   order (they are [`SEARCH_ROW_GAP`] apart after a rebuild), its row of the trigram table under
//!   that number, and one more row for each of its trigrams in `customer_search_terms`. With no
//!   number left between its neighbours, the tables are written again whole, as the importer does.
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

/// The statements writing the new relationship's search rows, to run after the relationship's
/// insert, in its transaction (`db`, read for its neighbours on SQLite).
pub async fn statements(
    db: &impl ConnectionTrait,
    added: &Added<'_>,
) -> Result<Vec<Statement>, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => Ok(postgres(added)),
        _ => sqlite(db, added).await,
    }
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

async fn sqlite(db: &impl ConnectionTrait, added: &Added<'_>) -> Result<Vec<Statement>, DbErr> {
    let neighbour = |op: &str, dir: &str| {
        Statement::from_sql_and_values(
            DbBackend::Sqlite,
            format!(
                "SELECT search_row FROM relationships \
                 WHERE (reseller_id, sort_key, customer_id) {op} (?, ?, ?) \
                 ORDER BY reseller_id {dir}, sort_key {dir}, customer_id {dir} LIMIT 1"
            ),
            [
                added.reseller.as_str().into(),
                added.sort_key.into(),
                added.customer.as_str().into(),
            ],
        )
    };
    let mut rows = Vec::with_capacity(2);
    for statement in [neighbour("<", "DESC"), neighbour(">", "ASC")] {
        rows.push(match db.query_one_raw(statement).await? {
            // A relationship not numbered yet leaves no place to count from.
            Some(row) => Some(row.try_get::<Option<i64>>("", "search_row")?.ok_or(())),
            None => None,
        });
    }
    let place = match (rows[0], rows[1]) {
        (Some(Err(())), _) | (_, Some(Err(()))) => None,
        (before, after) => between(before.and_then(Result::ok), after.and_then(Result::ok)),
    };
    let Some(place) = place else {
        return Ok(REBUILD_SQLITE
            .iter()
            .map(|sql| Statement::from_string(DbBackend::Sqlite, *sql))
            .collect());
    };
    let terms = trigrams(added.search_text);
    let mut statements = vec![
        Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "UPDATE relationships SET search_row = ? WHERE reseller_id = ? AND customer_id = ?",
            [
                place.into(),
                added.reseller.as_str().into(),
                added.customer.as_str().into(),
            ],
        ),
        Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO customer_search (rowid, search_text, customer_id) \
             VALUES (?, char(2) || ? || char(3, 3), ?)",
            [
                place.into(),
                added.search_text.into(),
                added.customer.as_str().into(),
            ],
        ),
    ];
    if !terms.is_empty() {
        statements.push(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            format!(
                "INSERT INTO customer_search_terms (term, rows) VALUES {} \
                 ON CONFLICT (term) DO UPDATE SET rows = rows + 1",
                vec!["(?, 1)"; terms.len()].join(", ")
            ),
            terms.into_iter().map(Value::from).collect::<Vec<_>>(),
        ));
    }
    Ok(statements)
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
