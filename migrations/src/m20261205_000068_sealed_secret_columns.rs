//! Issue 32: two-step secrets are kept sealed (AES-256-GCM: a nonce, the secret, a tag, as
//! hexadecimal digits: 120 characters), longer than the 64 the columns allowed on PostgreSQL.
//! SQLite doesn't hold a column to its declared length.

use sea_orm_migration::prelude::*;

use crate::on_postgres;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000068_sealed_secret_columns"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(
            m,
            &["ALTER TABLE users ALTER COLUMN totp_secret TYPE TEXT, \
               ALTER COLUMN totp_pending TYPE TEXT"],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(
            m,
            &[
                "ALTER TABLE users ALTER COLUMN totp_secret TYPE VARCHAR(64), \
               ALTER COLUMN totp_pending TYPE VARCHAR(64)",
            ],
        )
        .await
    }
}
