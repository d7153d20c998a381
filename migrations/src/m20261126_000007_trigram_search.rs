//! The customer search on the databases' own trigram indexes, in place of the hand-made index of
//! character pairs (most of a 100,000-customer SQLite file):
//! - SQLite: `customer_search`, an FTS5 table with the `trigram` tokenizer holding each
//!   relationship's search text (the importer adds the rows of the relationships it adds), and
//!   `customer_search_terms`, its vocabulary (how many rows hold each trigram);
//! - PostgreSQL: `pg_trgm`'s GIN index on the search text (kept by the database itself);
//! - both: the search text indexed for name prefixes (SQLite compares bytes; PostgreSQL's
//!   `text_pattern_ops` serves `LIKE 'text%'` in any collation).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000007_trigram_search"
    }
}

/// Adds the search rows of every relationship: run by this migration (and, for the rows it adds,
/// by the importer).
const FILL_CUSTOMER_SEARCH: &str = "\
    INSERT INTO customer_search (search_text, reseller_id, customer_id) \
    SELECT search_text, reseller_id, customer_id FROM relationships";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DROP TABLE IF EXISTS search_pairs")
            .await?;
        match m.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                    .await?;
                db.execute_unprepared(
                    "CREATE INDEX ix_relationships_trigram ON relationships \
                     USING gin (search_text gin_trgm_ops)",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE INDEX ix_relationships_prefix ON relationships \
                     (reseller_id, search_text text_pattern_ops)",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE VIRTUAL TABLE customer_search USING fts5(\
                     search_text, reseller_id UNINDEXED, customer_id UNINDEXED, \
                     tokenize = 'trigram')",
                )
                .await?;
                db.execute_unprepared(FILL_CUSTOMER_SEARCH).await?;
                // How many rows hold each trigram: a search reads the rarest of its own.
                db.execute_unprepared(
                    "CREATE VIRTUAL TABLE customer_search_terms \
                     USING fts5vocab(customer_search, 'row')",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE INDEX ix_relationships_prefix ON relationships \
                     (reseller_id, search_text)",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS ix_relationships_prefix")
            .await?;
        match m.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared("DROP INDEX IF EXISTS ix_relationships_trigram")
                    .await?;
            }
            _ => {
                db.execute_unprepared("DROP TABLE IF EXISTS customer_search_terms")
                    .await?;
                db.execute_unprepared("DROP TABLE IF EXISTS customer_search")
                    .await?;
            }
        }
        // The pairs come back empty: run the previous version's importer to fill them again.
        db.execute_unprepared(
            "CREATE TABLE IF NOT EXISTS search_pairs (reseller_id varchar(64) NOT NULL, \
             pair varchar(8) NOT NULL, sort_key varchar NOT NULL, customer_id varchar(64) NOT NULL, \
             PRIMARY KEY (reseller_id, pair, sort_key, customer_id))",
        )
        .await?;
        Ok(())
    }
}
