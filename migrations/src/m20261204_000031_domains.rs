//! Domains compared without case (issue 31): a domain belongs to one customer in the whole
//! portal, whatever its letter case, and `HEAD /v1/domains/{domain}` and the new customer form
//! ask whether one is taken. An index of the customers' domains in lower case answers that in
//! one lookup at any size of the book. (Not a unique one: a book imported before may hold a
//! domain twice, and a migration only adds; a new customer's domain is checked in the
//! transaction that creates it.)

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000031_domains"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_customers_domain_lower ON customers (lower(domain))",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX ix_customers_domain_lower")
            .await?;
        Ok(())
    }
}
