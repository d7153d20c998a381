//! Orders (issue 31): a reseller's order of new subscriptions for one of its customers, and its
//! lines, each naming the subscription it made. An order is written whole by the change engine,
//! with its subscriptions, their activity records and events, in one transaction; it never
//! changes after.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000030_orders"
    }
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    ResellerId,
    CustomerId,
    BillingCycle,
    UserEmail,
    Door,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    OrderId,
    LineNumber,
    OfferId,
    SubscriptionId,
    FriendlyName,
    Quantity,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Orders::Table)
                .col(string_len(Orders::Id, 64).primary_key())
                .col(string_len(Orders::ResellerId, 64))
                .col(string_len(Orders::CustomerId, 64))
                .col(string_len(Orders::BillingCycle, 16))
                .col(string_len(Orders::UserEmail, 254))
                .col(string_len(Orders::Door, 16))
                .col(timestamp_with_time_zone(Orders::CreatedAt))
                .to_owned(),
        )
        .await?;
        // A customer's orders, newest first.
        m.create_index(
            Index::create()
                .name("ix_orders_customer")
                .table(Orders::Table)
                .col(Orders::ResellerId)
                .col(Orders::CustomerId)
                .col(Orders::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OrderLines::Table)
                .col(string_len(OrderLines::OrderId, 64))
                .col(integer(OrderLines::LineNumber))
                .col(string_len(OrderLines::OfferId, 64))
                .col(string_len(OrderLines::SubscriptionId, 64))
                .col(string_len(OrderLines::FriendlyName, 256))
                .col(big_integer(OrderLines::Quantity))
                .primary_key(
                    Index::create()
                        .col(OrderLines::OrderId)
                        .col(OrderLines::LineNumber),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(OrderLines::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Orders::Table).to_owned())
            .await
    }
}
