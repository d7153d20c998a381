//! New customers made in the portal (issue 31): what Partner Center asks of a 21Vianet customer
//! besides its company name and domain (the contact, the Chinese address, the language), and the
//! tenant's first admin, whose generated password is shown once and kept only as its Argon2id
//! hash.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000032_new_customers"
    }
}

#[derive(DeriveIden)]
enum CustomerProfiles {
    Table,
    CustomerId,
    ResellerId,
    FirstName,
    LastName,
    Email,
    Phone,
    Province,
    City,
    AddressLine,
    PostalCode,
    Language,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TenantAdmins {
    Table,
    CustomerId,
    UserName,
    PasswordHash,
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
                .table(CustomerProfiles::Table)
                .col(string_len(CustomerProfiles::CustomerId, 64).primary_key())
                .col(string_len(CustomerProfiles::ResellerId, 64))
                .col(string_len(CustomerProfiles::FirstName, 64))
                .col(string_len(CustomerProfiles::LastName, 64))
                .col(string_len(CustomerProfiles::Email, 254))
                .col(string_len(CustomerProfiles::Phone, 32))
                .col(string_len(CustomerProfiles::Province, 32))
                .col(string_len(CustomerProfiles::City, 64))
                .col(string_len(CustomerProfiles::AddressLine, 256))
                .col(string_len(CustomerProfiles::PostalCode, 6))
                .col(string_len(CustomerProfiles::Language, 8))
                .col(timestamp_with_time_zone(CustomerProfiles::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TenantAdmins::Table)
                .col(string_len(TenantAdmins::CustomerId, 64).primary_key())
                .col(string_len(TenantAdmins::UserName, 254))
                .col(string_len(TenantAdmins::PasswordHash, 256))
                .col(timestamp_with_time_zone(TenantAdmins::CreatedAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(TenantAdmins::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(CustomerProfiles::Table).to_owned())
            .await
    }
}
