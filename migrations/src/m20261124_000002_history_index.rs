//! A subscription's history is read newest first for its seller: one index answers that filter
//! and order whole, where the planner could otherwise walk all of the reseller's activity.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000002_history_index"
    }
}

#[derive(DeriveIden)]
enum Activity {
    Table,
    Id,
    ResellerId,
    SubscriptionId,
}

const OLD: &str = "ix_activity_subscription";
const NEW: &str = "ix_activity_subscription_reseller";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(NEW)
                .table(Activity::Table)
                .col(Activity::SubscriptionId)
                .col(Activity::ResellerId)
                .col(Activity::Id)
                .to_owned(),
        )
        .await?;
        m.drop_index(Index::drop().name(OLD).table(Activity::Table).to_owned())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(OLD)
                .table(Activity::Table)
                .col(Activity::SubscriptionId)
                .col(Activity::Id)
                .to_owned(),
        )
        .await?;
        m.drop_index(Index::drop().name(NEW).table(Activity::Table).to_owned())
            .await
    }
}
