//! SQLite: the relationships' rows of the customer search numbered `search::SEARCH_ROW_GAP`
//! apart (they were 1, 2, 3…), so that a new customer takes a number between its neighbours'
//! and writes its own rows alone, instead of every row after it moving (issue 31). PostgreSQL
//! numbers no rows.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000050_search_row_gaps"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DbBackend::Postgres {
            return Ok(());
        }
        for statement in crate::search::REBUILD_SQLITE {
            m.get_connection().execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // Numbers apart are numbers in order: the previous version reads them as they are.
        Ok(())
    }
}
