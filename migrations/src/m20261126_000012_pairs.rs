//! PostgreSQL: what a search of one or two characters (“科”, “科技”: a Chinese word is often two)
//! reads, kept by the importer for each reseller (written again with the trigram counts,
//! `crate::search::REBUILD_PAIRS_POSTGRES`): how many relationships hold each piece of one or two
//! characters (`customer_search_counts`), and for a pair of Chinese characters, which, in the
//! list's order (`customer_search_pair_rows`). `pg_trgm`'s index holds pieces of three characters
//! only. Until now a two-character search was counted in a GIN index of each search text's pairs
//! (`m20261126_000010_bigrams`, taken out here), which found every row holding the pair before
//! counting to 201, and a one-character search by walking the list to its 201st match; the page
//! was found by walking the list in name order: “科技” at 100,000 customers, 5,368 rows for the
//! count (0.45 ms of PostgreSQL) and 3,766 entries for a page (0.6 ms). A kept count is one
//! lookup, the page 21 entries of the pairs' index (0.16 ms); the pairs' rows take 100 MB
//! (559,276 of them). Relationships are written only by the importer, so neither is ever stale.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000012_pairs"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::on_postgres(
            m,
            &[
                "CREATE TABLE customer_search_counts (reseller_id VARCHAR(64) NOT NULL, \
                 piece TEXT NOT NULL, rows BIGINT NOT NULL, PRIMARY KEY (reseller_id, piece))",
                "CREATE TABLE customer_search_pair_rows (reseller_id VARCHAR(64) NOT NULL, \
                 pair TEXT NOT NULL, sort_key VARCHAR NOT NULL, \
                 customer_id VARCHAR(64) NOT NULL, \
                 PRIMARY KEY (reseller_id, pair, sort_key, customer_id))",
            ],
        )
        .await?;
        crate::on_postgres(m, crate::search::REBUILD_PAIRS_POSTGRES).await?;
        crate::on_postgres(
            m,
            &[
                "DROP INDEX ix_relationships_bigrams",
                "DROP FUNCTION portal_bigrams(text)",
            ],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::on_postgres(m, crate::m20261126_000010_bigrams::CREATE).await?;
        crate::on_postgres(
            m,
            &["DROP TABLE customer_search_counts, customer_search_pair_rows"],
        )
        .await
    }
}
