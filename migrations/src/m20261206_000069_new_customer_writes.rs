//! SQLite: fewer pages written by each new customer (issue 31's benchmark).
//!
//! - `customer_search_pending`: the new relationships whose rows of the customer search
//!   (FTS5's `customer_search`) and counts of their trigrams (`customer_search_terms`; `terms`
//!   holds them, a JSON array) their batch of changes writes just before it commits
//!   (`store::customers::added`). FTS5 writes the rows it holds in memory to disk at every
//!   savepoint, and each change of a batch opens one: a new customer's row written with its
//!   change made a segment of the trigram index of its own (and the merges of those segments)
//!   for every customer. Written together at the batch's end, a batch's rows make one, and a
//!   term its customers share is counted once. Empty outside a batch's transaction.
//! - One index of the customers' domains in lower case, not two: migration 8 made
//!   `ix_customers_domain` on SQLite and migration 31 `ix_customers_domain_lower` (on both
//!   databases) of the same expression, and every new customer wrote its domain into each, a
//!   page of each wherever its domain falls. `ix_customers_domain_lower` stays.
//!
//! PostgreSQL's search (`pg_trgm`) has no such table, and it has the one index.

use sea_orm_migration::prelude::*;

use crate::on_sqlite;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000069_new_customer_writes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        on_sqlite(
            m,
            [
                "CREATE TABLE customer_search_pending (\
                 reseller_id VARCHAR NOT NULL, customer_id VARCHAR NOT NULL, terms TEXT NOT NULL, \
                 PRIMARY KEY (reseller_id, customer_id)) WITHOUT ROWID",
                "DROP INDEX IF EXISTS ix_customers_domain",
            ],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        on_sqlite(
            m,
            [
                "DROP TABLE customer_search_pending",
                "CREATE INDEX ix_customers_domain ON customers (LOWER(domain))",
            ],
        )
        .await
    }
}
