//! Issue 32: a bulk job of more rows than the reseller's threshold waits for a second person's
//! approval (the state `approval`): when it was requested (`requested_at`; it expires 7 days
//! later), who decided it (`decided_by`) and the decider's note (`note`). Once approved it runs
//! with the approver's role (`confirmed_by`, migration 35).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000046_job_approvals"
    }
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    RequestedAt,
    DecidedBy,
    Note,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            timestamp_with_time_zone_null(Jobs::RequestedAt),
            integer_null(Jobs::DecidedBy),
            text_null(Jobs::Note),
        ];
        for mut column in columns {
            m.alter_table(
                Table::alter()
                    .table(Jobs::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Jobs::RequestedAt.into_iden(),
            Jobs::DecidedBy.into_iden(),
            Jobs::Note.into_iden(),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Jobs::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
