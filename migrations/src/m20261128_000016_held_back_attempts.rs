//! Sign-ins held back by the throttle are kept as one activity record per user and quarter hour of
//! the clock (`attempts_window`: the quarter hours since 1970), dated its first attempt, with how
//! many attempts it held back (`attempts`), instead of one record an attempt: 300 wrong passwords
//! in 0.6 s wrote 295 records into the reseller's log. The unique index (over the held-back
//! records only, the ones with a window) lets each attempt add to its quarter hour's record in
//! one statement, on any number of instances at once. Records written before have neither (one
//! attempt each).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000016_held_back_attempts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for statement in [
            "ALTER TABLE activity ADD COLUMN attempts INTEGER",
            "ALTER TABLE activity ADD COLUMN attempts_window BIGINT",
            "CREATE UNIQUE INDEX ux_activity_held_back \
             ON activity (reseller_id, user_email, attempts_window) \
             WHERE attempts_window IS NOT NULL",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for statement in [
            "DROP INDEX ux_activity_held_back",
            "ALTER TABLE activity DROP COLUMN attempts_window",
            "ALTER TABLE activity DROP COLUMN attempts",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
