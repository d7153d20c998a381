//! Issue 32: a second person's approval. A reseller's thresholds (`approval_cost`, a decimal
//! amount of yuan as text; `approval_rows`, a number of rows; both off when null), and on a held
//! draft what a request for approval adds: when it was requested (`requested_at`), the review's
//! figure for this period (`cost`, as text; null when the review had none) and the decider's
//! note (`note`). A draft waiting for approval is in the state `pending`; who decided it and
//! when are `decided_by` and `decided_at` (migration 20).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000045_approvals"
    }
}

#[derive(DeriveIden)]
enum Resellers {
    Table,
    ApprovalCost,
    ApprovalRows,
}

#[derive(DeriveIden)]
enum Drafts {
    Table,
    ResellerId,
    State,
    RequestedAt,
    Cost,
    Note,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            (
                Resellers::Table.into_iden(),
                string_len_null(Resellers::ApprovalCost, 32),
            ),
            (
                Resellers::Table.into_iden(),
                integer_null(Resellers::ApprovalRows),
            ),
            (
                Drafts::Table.into_iden(),
                timestamp_with_time_zone_null(Drafts::RequestedAt),
            ),
            (Drafts::Table.into_iden(), string_len_null(Drafts::Cost, 32)),
            (Drafts::Table.into_iden(), text_null(Drafts::Note)),
        ];
        for (table, mut column) in columns {
            m.alter_table(
                Table::alter()
                    .table(table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("ix_drafts_reseller_state")
                .table(Drafts::Table)
                .col(Drafts::ResellerId)
                .col(Drafts::State)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_drafts_reseller_state")
                .table(Drafts::Table)
                .to_owned(),
        )
        .await?;
        let columns = [
            (
                Resellers::Table.into_iden(),
                Resellers::ApprovalCost.into_iden(),
            ),
            (
                Resellers::Table.into_iden(),
                Resellers::ApprovalRows.into_iden(),
            ),
            (Drafts::Table.into_iden(), Drafts::RequestedAt.into_iden()),
            (Drafts::Table.into_iden(), Drafts::Cost.into_iden()),
            (Drafts::Table.into_iden(), Drafts::Note.into_iden()),
        ];
        for (table, column) in columns {
            m.alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
