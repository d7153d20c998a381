//! What the one change engine needs of the schema:
//! - `events`: the outbox. Every change records, in its own transaction, one row for each
//!   resource it changed (the subscription, and one it created), with Partner Center's event
//!   name (`subscription-updated`), who made it and through which door. Nothing reads them yet:
//!   notifications deliver them (a later migration adds what delivery keeps).
//! - the one-time key's record keeps the door's answer as one text (`reply`): a form's door keeps
//!   where it sent the user, the API its JSON body, a job row what its change made. It kept a
//!   status and a location for the store to build an HTTP answer from; the doors answer now.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000016_change_engine"
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
    Location,
    Status,
    Body,
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
                .add_column(text(Idempotency::Reply).default(""))
                .to_owned(),
        )
        .await?;
        // What each door answered: a form's where it sent the user, the API's and a job row's
        // body.
        m.get_connection()
            .execute_unprepared("UPDATE idempotency SET reply = COALESCE(body, location)")
            .await?;
        for column in [
            Idempotency::Location,
            Idempotency::Status,
            Idempotency::Body,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Idempotency::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            string(Idempotency::Location).default("").to_owned(),
            integer(Idempotency::Status).default(200).to_owned(),
            text_null(Idempotency::Body),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Idempotency::Table)
                    .add_column(column)
                    .to_owned(),
            )
            .await?;
        }
        // A form's door kept a path of the portal; the others, a body.
        for statement in [
            "UPDATE idempotency SET location = reply, status = 303 WHERE reply LIKE '/%'",
            "UPDATE idempotency SET body = reply WHERE reply NOT LIKE '/%'",
        ] {
            m.get_connection().execute_unprepared(statement).await?;
        }
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
