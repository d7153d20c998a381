//! A bulk change's review keeps what its rows do to the bill, worked out once when the review is
//! written (`jobs.review_cost`, JSON): the review page read every row and every subscription's
//! history again on each view (3.3 s for 50,000 rows, on every view), and now reads a page of
//! rows and this.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text_null;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000015_review_cost"
    }
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    ReviewCost,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Jobs::Table)
                .add_column(text_null(Jobs::ReviewCost))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Jobs::Table)
                .drop_column(Jobs::ReviewCost)
                .to_owned(),
        )
        .await
    }
}
