//! Issue 33: the `MS-CorrelationId` of the API request that made a change, kept on each of its
//! activity records, so that an audit record (`GET /v1/auditrecords`) gives it back as Partner
//! Center's `originalCorrelationId`. Empty for changes made on the pages or by a bulk job, and
//! for those made before this migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000055_activity_correlation"
    }
}

#[derive(DeriveIden)]
enum Activity {
    Table,
    CorrelationId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Activity::Table)
                .add_column(string_len_null(Activity::CorrelationId, 36))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Activity::Table)
                .drop_column(Activity::CorrelationId)
                .to_owned(),
        )
        .await
    }
}
