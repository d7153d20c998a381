//! Webhooks (issue 33), built on the events outbox:
//! - `webhook_registrations`: one registration per reseller (as Partner Center has it): the URL,
//!   the events it hears (names separated by commas) and its `SubscriberId`.
//! - `webhook_deliveries`: one row for each event a registration is to hear, with the exact body
//!   it is sent (signed as it is kept, so a resend is the same bytes), its ordering key (the
//!   resource: deliveries of one subscription go one after the other), its state (`pending`,
//!   `sent`, `failed`, `dropped`), its attempts, when it is due next and the lease of the
//!   instance sending it. Times are milliseconds since 1970, compared alike on both databases.
//! - `webhook_attempts`: every attempt: when, the receiver's status (none: no answer), how long.
//! - `webhook_keys`: the signing key and its certificate, made at first start when
//!   `PORTAL_WEBHOOK_KEY` names none, so that every instance signs with the same key.
//! - `events.webhooks`: whether the event has been turned into its deliveries (0: not yet). The
//!   events recorded before this migration are marked done: nobody had registered for them.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000040_webhooks"
    }
}

#[derive(DeriveIden)]
enum WebhookRegistrations {
    Table,
    Id,
    ResellerId,
    SubscriberId,
    Url,
    Events,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    ResellerId,
    EventId,
    CorrelationId,
    Name,
    Ordering,
    Body,
    State,
    Attempts,
    CreatedAt,
    NextAt,
    LeaseOwner,
    LeaseUntil,
    SentAt,
    LastStatus,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    At,
    Status,
    Outcome,
    Millis,
}

#[derive(DeriveIden)]
enum WebhookKeys {
    Table,
    Id,
    PrivateKey,
    Certificate,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WebhookRegistrations::Table)
                .col(pk_auto(WebhookRegistrations::Id))
                .col(string_len_uniq(WebhookRegistrations::ResellerId, 64))
                .col(string_len(WebhookRegistrations::SubscriberId, 36))
                .col(text(WebhookRegistrations::Url))
                .col(text(WebhookRegistrations::Events))
                .col(big_integer(WebhookRegistrations::CreatedAt))
                .col(big_integer(WebhookRegistrations::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookDeliveries::Table)
                .col(pk_auto(WebhookDeliveries::Id))
                .col(string_len(WebhookDeliveries::ResellerId, 64))
                .col(integer_null(WebhookDeliveries::EventId))
                .col(string_len_uniq(WebhookDeliveries::CorrelationId, 36))
                .col(string_len(WebhookDeliveries::Name, 64))
                .col(string_len(WebhookDeliveries::Ordering, 128))
                .col(text(WebhookDeliveries::Body))
                .col(string_len(WebhookDeliveries::State, 16))
                .col(integer(WebhookDeliveries::Attempts).default(0))
                .col(big_integer(WebhookDeliveries::CreatedAt))
                .col(big_integer(WebhookDeliveries::NextAt))
                .col(string_len_null(WebhookDeliveries::LeaseOwner, 64))
                .col(big_integer_null(WebhookDeliveries::LeaseUntil))
                .col(big_integer_null(WebhookDeliveries::SentAt))
                .col(integer_null(WebhookDeliveries::LastStatus))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookAttempts::Table)
                .col(pk_auto(WebhookAttempts::Id))
                .col(integer(WebhookAttempts::DeliveryId))
                .col(big_integer(WebhookAttempts::At))
                .col(integer_null(WebhookAttempts::Status))
                .col(string_len(WebhookAttempts::Outcome, 32))
                .col(integer(WebhookAttempts::Millis))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookKeys::Table)
                .col(integer(WebhookKeys::Id).primary_key())
                .col(text(WebhookKeys::PrivateKey))
                .col(text(WebhookKeys::Certificate))
                .col(big_integer(WebhookKeys::CreatedAt))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        for statement in [
            // What the worker looks for: pending deliveries by when they are due; one
            // reseller's by their ordering key; the log of a reseller's last days.
            "CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (state, next_at)",
            // The pending ones only: whether an earlier delivery of the same resource is still
            // pending is asked of every candidate, and must not walk the resource's sent ones.
            "CREATE INDEX ix_webhook_deliveries_ordering \
             ON webhook_deliveries (reseller_id, ordering, id) WHERE state = 'pending'",
            "CREATE INDEX ix_webhook_deliveries_log ON webhook_deliveries (reseller_id, created_at)",
            "CREATE INDEX ix_webhook_attempts_delivery ON webhook_attempts (delivery_id, at)",
            "ALTER TABLE events ADD COLUMN webhooks SMALLINT NOT NULL DEFAULT 0",
            "UPDATE events SET webhooks = 1",
            "CREATE INDEX ix_events_webhooks ON events (id) WHERE webhooks = 0",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for statement in [
            "DROP INDEX ix_events_webhooks",
            "ALTER TABLE events DROP COLUMN webhooks",
        ] {
            db.execute_unprepared(statement).await?;
        }
        for table in [
            "webhook_keys",
            "webhook_attempts",
            "webhook_deliveries",
            "webhook_registrations",
        ] {
            m.drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
