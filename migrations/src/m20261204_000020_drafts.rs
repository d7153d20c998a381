//! Held drafts: a change a form asked for, kept so that its review has an address of its own
//! (`/reviews/{id}`): the form's POST stores the draft and redirects to its review, which a GET
//! renders (in the viewer's language, again after a language switch or a reload); its Confirm
//! makes the change under the draft's one-time key, and the draft keeps where the change led, so
//! that Back and Reload after Confirm say "already done" and link there.
//!
//! The same record is meant to hold a change awaiting a second person's approval (issue 32):
//! `state` says where it is (`reviewing`, `confirmed`; later e.g. `awaiting`, `approved`,
//! `rejected`), `user_id` who made it, `decided_by`/`decided_at` who confirmed (or approved) it
//! and when, `prices_version` the price list it was confirmed at, and `expires_at` when it can no
//! longer be confirmed.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000020_drafts"
    }
}

#[derive(DeriveIden)]
enum Drafts {
    Table,
    Id,
    ResellerId,
    UserId,
    Key,
    Form,
    CustomerId,
    SubscriptionId,
    Fields,
    Version,
    State,
    CreatedAt,
    ExpiresAt,
    DecidedBy,
    DecidedAt,
    PricesVersion,
    Result,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Drafts::Table)
                .col(pk_auto(Drafts::Id))
                .col(string_len(Drafts::ResellerId, 64))
                .col(integer(Drafts::UserId))
                .col(string_len(Drafts::Key, 64))
                .col(string_len(Drafts::Form, 32))
                .col(string_len(Drafts::CustomerId, 64))
                .col(string_len(Drafts::SubscriptionId, 64))
                .col(text(Drafts::Fields))
                .col(big_integer(Drafts::Version))
                .col(string_len(Drafts::State, 16))
                .col(timestamp_with_time_zone(Drafts::CreatedAt))
                .col(timestamp_with_time_zone(Drafts::ExpiresAt))
                .col(integer_null(Drafts::DecidedBy))
                .col(timestamp_with_time_zone_null(Drafts::DecidedAt))
                .col(big_integer_null(Drafts::PricesVersion))
                .col(text_null(Drafts::Result))
                .to_owned(),
        )
        .await?;
        // One draft a form's one-time key: the same form posted twice is one draft.
        m.create_index(
            Index::create()
                .name("ux_drafts_user_key")
                .table(Drafts::Table)
                .col(Drafts::UserId)
                .col(Drafts::Key)
                .unique()
                .to_owned(),
        )
        .await?;
        // Expired drafts are swept by age.
        m.create_index(
            Index::create()
                .name("ix_drafts_expires_at")
                .table(Drafts::Table)
                .col(Drafts::ExpiresAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Drafts::Table).to_owned())
            .await
    }
}
