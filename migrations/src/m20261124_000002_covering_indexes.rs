//! Indexes that answer two reads whole:
//! - a subscription's history, read newest first for its seller, by (subscription, reseller, id)
//!   instead of (subscription, id), where the planner could walk all of the reseller's activity;
//! - the customer list, read in name order with a search filter: the relationship's delegated
//!   admin flag joins the list index, so PostgreSQL can filter and read the list from the index
//!   alone (an index-only scan) instead of fetching every row it filters out.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000002_covering_indexes"
    }
}

#[derive(DeriveIden)]
enum Activity {
    Table,
    Id,
    ResellerId,
    SubscriptionId,
}

#[derive(DeriveIden)]
enum Relationships {
    Table,
    ResellerId,
    CustomerId,
    DelegatedAdmin,
    SortKey,
    SearchText,
}

/// Replaces index `old` with `new` (building the new one first, so reads never go without).
async fn replace(
    m: &SchemaManager<'_>,
    old: &str,
    new: IndexCreateStatement,
    table: impl IntoIden,
) -> Result<(), DbErr> {
    m.create_index(new).await?;
    m.drop_index(Index::drop().name(old).table(table).to_owned())
        .await
}

fn history(name: &str, with_reseller: bool) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(name)
        .table(Activity::Table)
        .col(Activity::SubscriptionId);
    if with_reseller {
        index.col(Activity::ResellerId);
    }
    index.col(Activity::Id).to_owned()
}

fn list(name: &str, with_delegated_admin: bool) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(name)
        .table(Relationships::Table)
        .col(Relationships::ResellerId)
        .col(Relationships::SortKey)
        .col(Relationships::CustomerId)
        .col(Relationships::SearchText);
    if with_delegated_admin {
        index.col(Relationships::DelegatedAdmin);
    }
    index.to_owned()
}

const HISTORY_OLD: &str = "ix_activity_subscription";
const HISTORY_NEW: &str = "ix_activity_subscription_reseller";
const LIST_OLD: &str = "ix_relationships_list";
const LIST_NEW: &str = "ix_relationships_list_covering";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        replace(m, HISTORY_OLD, history(HISTORY_NEW, true), Activity::Table).await?;
        replace(m, LIST_OLD, list(LIST_NEW, true), Relationships::Table).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        replace(m, HISTORY_NEW, history(HISTORY_OLD, false), Activity::Table).await?;
        replace(m, LIST_NEW, list(LIST_OLD, false), Relationships::Table).await
    }
}
