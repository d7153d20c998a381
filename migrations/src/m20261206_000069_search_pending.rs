//! SQLite: the new relationships whose rows of the customer search (FTS5's `customer_search`)
//! their batch of changes writes just before it commits (`store::customers::added`). FTS5 writes
//! the rows it holds in memory to disk at every savepoint, and each change of a batch opens one:
//! a new customer's row written with its change made a segment of the trigram index of its own
//! (and the merges of those segments) for every customer. Written together at the batch's end,
//! a batch's rows make one. Empty outside a batch's transaction. PostgreSQL's search (`pg_trgm`)
//! has no such table.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000069_search_pending"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        m.get_connection()
            .execute_unprepared(
                "CREATE TABLE customer_search_pending (\
                 reseller_id VARCHAR NOT NULL, customer_id VARCHAR NOT NULL, \
                 PRIMARY KEY (reseller_id, customer_id)) WITHOUT ROWID",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        m.get_connection()
            .execute_unprepared("DROP TABLE customer_search_pending")
            .await?;
        Ok(())
    }
}
