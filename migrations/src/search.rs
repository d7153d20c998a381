//! The statements that rebuild the customer search's tables (see `m20261126_000008_ordered_search`)
//! and the resellers' customer counts (`m20261126_000009_customer_counts`): run by those
//! migrations, and by the portal's importer after it adds relationships (a new customer takes a
//! place in the middle of the list, so every row after it moves).

/// How far apart [`REBUILD_SQLITE`] numbers the relationships' rows: a new customer takes the
/// number halfway between its neighbours' in the list (`store::customers::added`), so that the
/// rows after it keep theirs; twenty new customers can fall between the same two before the
/// numbers are written again.
pub const SEARCH_ROW_GAP: i64 = 1 << 20;

/// Numbers the relationships in the list index's order, [`SEARCH_ROW_GAP`] apart, writes the
/// search table's rows under those numbers, merges the table's index into one b-tree and counts
/// each trigram's rows.
pub const REBUILD_SQLITE: &[&str] = &[
    "UPDATE relationships SET search_row = n.place * 1048576 FROM (\
     SELECT reseller_id, customer_id, \
     ROW_NUMBER() OVER (ORDER BY reseller_id, sort_key, customer_id) AS place \
     FROM relationships) n \
     WHERE relationships.reseller_id = n.reseller_id AND relationships.customer_id = n.customer_id",
    "DELETE FROM customer_search",
    "INSERT INTO customer_search (rowid, search_text, customer_id) \
     SELECT search_row, char(2) || search_text || char(3, 3), customer_id FROM relationships",
    "INSERT INTO customer_search (customer_search) VALUES ('optimize')",
    "DELETE FROM customer_search_terms",
    "INSERT INTO customer_search_terms (term, rows) \
     SELECT term, doc FROM customer_search_vocabulary",
];

/// PostgreSQL keeps only the counts (`pg_trgm`'s index keeps itself): how many times each
/// three characters occur in the relationships' search texts, for a long search to ask the index
/// for its rarest piece.
pub const REBUILD_POSTGRES: &[&str] = &[
    "DELETE FROM customer_search_terms",
    "INSERT INTO customer_search_terms (term, rows) \
     SELECT substr(search_text, i, 3), COUNT(*) FROM relationships, \
     generate_series(1, char_length(search_text) - 2) AS i GROUP BY 1",
];

/// The characters of the pairs whose relationships `customer_search_pair_rows` lists: the CJK
/// unified ideographs (extension A and the basic block), of which a Chinese word of two is made.
/// (`REBUILD_PAIRS_POSTGRES` spells the same range in its pattern.)
pub const PAIR_CHARS: std::ops::RangeInclusive<char> = '\u{3400}'..='\u{9FFF}';

/// PostgreSQL: what a search of one or two characters (“科”, “科技”) reads, which `pg_trgm`'s
/// index of three characters can't answer. How many of each reseller's relationships hold each
/// piece of one or two neighbouring characters in their search text (`customer_search_counts`):
/// the search's count, exactly, in one lookup. And, for a pair of Chinese characters
/// ([`PAIR_CHARS`]), the relationships holding it in the list's order
/// (`customer_search_pair_rows`, its key an index of reseller, pair, name and customer): a page
/// of them is read where it lies, as many entries as it shows. Written again with the trigram
/// counts.
pub const REBUILD_PAIRS_POSTGRES: &[&str] = &[
    "DELETE FROM customer_search_counts",
    "INSERT INTO customer_search_counts (reseller_id, piece, rows) \
     SELECT r.reseller_id, p.piece, COUNT(*) FROM relationships r CROSS JOIN LATERAL \
     (SELECT DISTINCT substr(r.search_text, i, n) AS piece \
      FROM generate_series(1, char_length(r.search_text)) AS i, (VALUES (1), (2)) AS l (n) \
      WHERE i + n - 1 <= char_length(r.search_text)) p GROUP BY 1, 2",
    "DELETE FROM customer_search_pair_rows",
    "INSERT INTO customer_search_pair_rows (reseller_id, pair, sort_key, customer_id) \
     SELECT DISTINCT r.reseller_id, substr(r.search_text, i, 2), r.sort_key, r.customer_id \
     FROM relationships r, generate_series(1, char_length(r.search_text) - 1) AS i \
     WHERE substr(r.search_text, i, 2) ~ '^[\u{3400}-\u{9FFF}]{2}$'",
];

/// Counts each reseller's customers into `resellers.customers`, which the customer list shows.
pub const COUNT_CUSTOMERS: &str = "UPDATE resellers SET customers = \
     (SELECT COUNT(*) FROM relationships r WHERE r.reseller_id = resellers.id)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rows_are_numbered_the_gap_apart() {
        assert!(REBUILD_SQLITE[0].contains(&format!("n.place * {SEARCH_ROW_GAP} ")));
    }

    #[test]
    fn the_pair_rows_pattern_spells_the_pair_characters() {
        let pattern = format!("[{}-{}]", PAIR_CHARS.start(), PAIR_CHARS.end());
        assert!(REBUILD_PAIRS_POSTGRES.iter().any(|s| s.contains(&pattern)));
    }
}
