//! The statements that rebuild the customer search's tables (see `m20261126_000008_ordered_search`)
//! and the resellers' customer counts (`m20261126_000009_customer_counts`): run by those
//! migrations, and by the portal's importer after it adds relationships (a new customer takes a
//! place in the middle of the list, so every row after it moves).

/// Numbers the relationships in the list index's order, writes the search table's rows under
/// those numbers, merges the table's index into one b-tree and counts each trigram's rows.
pub const REBUILD_SQLITE: &[&str] = &[
    "UPDATE relationships SET search_row = n.place FROM (\
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

/// Counts each reseller's customers into `resellers.customers`, which the customer list shows.
pub const COUNT_CUSTOMERS: &str = "UPDATE resellers SET customers = \
     (SELECT COUNT(*) FROM relationships r WHERE r.reseller_id = resellers.id)";
