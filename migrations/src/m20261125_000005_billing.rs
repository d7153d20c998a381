//! What billing needs of the schema:
//! - `prices`: the price lists as loaded, every one kept (a price is valid from its day until a
//!   later one of the same offer);
//! - each reseller's billing day (1–28);
//! - which of a reseller's users are its administrators (they set the billing day).

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000005_billing"
    }
}

#[derive(DeriveIden)]
enum Prices {
    Table,
    Id,
    OfferId,
    Currency,
    UnitPrice,
    ValidFrom,
    LoadedAt,
}

#[derive(DeriveIden)]
enum Resellers {
    Table,
    BillingDay,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    IsAdmin,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Prices::Table)
                .col(pk_auto(Prices::Id))
                .col(string_len(Prices::OfferId, 64))
                .col(string_len(Prices::Currency, 3))
                // A decimal as text: exact, and the same on SQLite and PostgreSQL.
                .col(string_len(Prices::UnitPrice, 32))
                .col(date(Prices::ValidFrom))
                .col(timestamp_with_time_zone(Prices::LoadedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("prices_by_offer")
                .table(Prices::Table)
                .col(Prices::OfferId)
                .col(Prices::ValidFrom)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Resellers::Table)
                .add_column(integer(Resellers::BillingDay).default(1))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(boolean(Users::IsAdmin).default(false))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Users::IsAdmin)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Resellers::Table)
                .drop_column(Resellers::BillingDay)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(Prices::Table).to_owned())
            .await
    }
}
