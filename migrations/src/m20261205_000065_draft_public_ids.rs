//! Issue 32: a held draft's review address names it by a public id, 128 random bits as 32
//! hexadecimal digits, instead of its row's sequential id (which let one user count another's
//! drafts). Drafts held before get one here.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000065_draft_public_ids"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let random = match m.get_database_backend() {
            DbBackend::Postgres => "replace(gen_random_uuid()::text, '-', '')",
            _ => "lower(hex(randomblob(16)))",
        };
        let db = m.get_connection();
        db.execute_unprepared("ALTER TABLE drafts ADD COLUMN public_id TEXT NOT NULL DEFAULT ''")
            .await?;
        db.execute_unprepared(&format!("UPDATE drafts SET public_id = {random}"))
            .await?;
        db.execute_unprepared("CREATE UNIQUE INDEX ix_drafts_public_id ON drafts (public_id)")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DROP INDEX ix_drafts_public_id")
            .await?;
        db.execute_unprepared("ALTER TABLE drafts DROP COLUMN public_id")
            .await?;
        Ok(())
    }
}
