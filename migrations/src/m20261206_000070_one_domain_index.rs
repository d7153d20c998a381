//! SQLite: one index of the customers' domains in lower case, not two. Migration 8 made
//! `ix_customers_domain` on SQLite and migration 31 `ix_customers_domain_lower` (on both
//! databases) of the same expression: every new customer wrote its domain into each, a page of
//! each wherever its domain falls. `ix_customers_domain_lower` stays.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000070_one_domain_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        m.get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS ix_customers_domain")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        m.get_connection()
            .execute_unprepared("CREATE INDEX ix_customers_domain ON customers (LOWER(domain))")
            .await?;
        Ok(())
    }
}
