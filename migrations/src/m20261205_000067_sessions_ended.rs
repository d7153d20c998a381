//! Issue 32: when a user's sessions were ended (unix milliseconds): a session signed in at or before
//! it is out. Deactivation sets it, so that reactivating a user brings back none of the sessions
//! deactivation ended, even those not used since. Users deactivated before: ended now.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000067_sessions_ended"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let now = match m.get_database_backend() {
            DbBackend::Postgres => "CAST(EXTRACT(EPOCH FROM now()) * 1000 AS BIGINT)",
            _ => "CAST(strftime('%s', 'now') AS INTEGER) * 1000",
        };
        let db = m.get_connection();
        db.execute_unprepared("ALTER TABLE users ADD COLUMN sessions_ended_at BIGINT")
            .await?;
        db.execute_unprepared(&format!(
            "UPDATE users SET sessions_ended_at = {now} WHERE deactivated_at IS NOT NULL"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("ALTER TABLE users DROP COLUMN sessions_ended_at")
            .await?;
        Ok(())
    }
}
