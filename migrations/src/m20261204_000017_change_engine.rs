//! What the one change engine needs of the schema:
//! - `events`: the outbox. Every change records, in its own transaction, one row for each
//!   resource it changed (the subscription, and one it created), with Partner Center's event
//!   name (`subscription-updated`), who made it and through which door. Nothing reads them yet:
//!   notifications deliver them (a later migration adds what delivery keeps).
//! - the one-time key's record keeps the door's answer as one text (`reply`): a form's door keeps
//!   where it sent the user, the API its JSON body, a job row what its change made. It kept a
//!   status and a location for the store to build an HTTP answer from; the doors answer now. The
//!   old columns stay, as every migration so far only adds: instances of the previous version
//!   keep writing (and reading) them while they are replaced, and the new one reads a record
//!   without a reply from them. A later migration drops them.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000017_change_engine"
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    ResellerId,
    Name,
    Resource,
    ResourceId,
    CustomerId,
    UserEmail,
    Door,
    TokenId,
    JobId,
    At,
}

#[derive(DeriveIden)]
enum Idempotency {
    Table,
    Reply,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing, on SQLite too.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Events::Table)
                .col(pk_auto(Events::Id))
                .col(string_len(Events::ResellerId, 64))
                .col(string_len(Events::Name, 64))
                .col(string_len(Events::Resource, 32))
                .col(string_len(Events::ResourceId, 64))
                .col(string_len_null(Events::CustomerId, 64))
                .col(string_len(Events::UserEmail, 254))
                .col(string_len(Events::Door, 16))
                .col(integer_null(Events::TokenId))
                .col(integer_null(Events::JobId))
                .col(timestamp_with_time_zone(Events::At))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Idempotency::Table)
                .add_column(text_null(Idempotency::Reply))
                .to_owned(),
        )
        .await?;
        // What each door answered: a form's where it sent the user, the API's and a job row's
        // body.
        m.get_connection()
            .execute_unprepared("UPDATE idempotency SET reply = COALESCE(body, location)")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Idempotency::Table)
                .drop_column(Idempotency::Reply)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(Events::Table).to_owned())
            .await
    }
}
