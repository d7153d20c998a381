//! What the `/v1` API needs of the schema:
//! - `api_tokens`: bearer tokens issued to a reseller's users, kept only as a hash;
//! - the one-time key record keeps a whole answer (status and body), so that the API's
//!   `MS-RequestId` replays the first answer as the forms' keys replay their redirect;
//! - the activity log names the token a change came through, and a rename's names.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000004_api"
    }
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    Hash,
    Hint,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Idempotency {
    Table,
    Status,
    Body,
}

#[derive(DeriveIden)]
enum Activity {
    Table,
    TokenId,
    BeforeName,
    AfterName,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .col(pk_auto(ApiTokens::Id))
                .col(integer(ApiTokens::UserId))
                .col(string_len(ApiTokens::Name, 100))
                .col(string_len(ApiTokens::Hash, 64).unique_key())
                .col(string_len(ApiTokens::Hint, 16))
                .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ApiTokens::Table, ApiTokens::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("api_tokens_by_user")
                .table(ApiTokens::Table)
                .col(ApiTokens::UserId)
                .to_owned(),
        )
        .await?;
        // One column per statement: SQLite alters a table one column at a time.
        m.alter_table(
            Table::alter()
                .table(Idempotency::Table)
                .add_column(integer(Idempotency::Status).default(303))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Idempotency::Table)
                .add_column(text_null(Idempotency::Body))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Activity::Table)
                .add_column(integer_null(Activity::TokenId))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Activity::Table)
                .add_column(string_null(Activity::BeforeName))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Activity::Table)
                .add_column(string_null(Activity::AfterName))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Activity::AfterName, Activity::BeforeName, Activity::TokenId] {
            m.alter_table(
                Table::alter()
                    .table(Activity::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        for column in [Idempotency::Body, Idempotency::Status] {
            m.alter_table(
                Table::alter()
                    .table(Idempotency::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        m.drop_table(Table::drop().table(ApiTokens::Table).to_owned())
            .await
    }
}
