//! Issue 32: one-time links to set a password (an invitation, a reset): kept only as the
//! SHA-256 of their secret, valid until `expires_at`, used once (`used_at`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000036_user_links"
    }
}

#[derive(DeriveIden)]
enum UserLinks {
    Table,
    Id,
    UserId,
    Hash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(UserLinks::Table)
                .col(pk_auto(UserLinks::Id))
                .col(integer(UserLinks::UserId))
                .col(string_len(UserLinks::Hash, 64).unique_key())
                .col(timestamp_with_time_zone(UserLinks::CreatedAt))
                .col(timestamp_with_time_zone(UserLinks::ExpiresAt))
                .col(timestamp_with_time_zone_null(UserLinks::UsedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_user_links_user")
                .table(UserLinks::Table)
                .col(UserLinks::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(UserLinks::Table).to_owned())
            .await
    }
}
