//! Issue 32: the door an activity record came through when it is neither a page, a token nor a
//! bulk job: `command_line` for the team commands (`portal user add`, ...), whose records name
//! no signed-in user.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000066_activity_door"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("ALTER TABLE activity ADD COLUMN door TEXT")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("ALTER TABLE activity DROP COLUMN door")
            .await?;
        Ok(())
    }
}
