//! How many customers each reseller has, kept in `resellers.customers`: the customer list shows
//! it on every page, and counting it there (even only up to a bound of 1,000) was the larger
//! part of the list page's own work in the database. Relationships are added only by the
//! importer, which counts again after adding them (`crate::search::COUNT_CUSTOMERS`), as it
//! rebuilds the search's tables.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000009_customer_counts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(
            "ALTER TABLE resellers ADD COLUMN customers BIGINT NOT NULL DEFAULT 0",
        )
        .await?;
        db.execute_unprepared(crate::search::COUNT_CUSTOMERS)
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("ALTER TABLE resellers DROP COLUMN customers")
            .await?;
        Ok(())
    }
}
