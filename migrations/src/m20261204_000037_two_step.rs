//! Issue 32: two-step sign-in. A user's authenticator secret (`totp_secret`, base32) once
//! enrolled, the one being enrolled (`totp_pending`, until confirmed by a first code), and the
//! last step whose code was used (`totp_last_step`: a code works once); their recovery codes,
//! kept as SHA-256 hashes, each used once; and the roles a reseller requires to enroll
//! (`two_step_roles`: their names, comma-separated).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000037_two_step"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    TotpSecret,
    TotpPending,
    TotpLastStep,
}

#[derive(DeriveIden)]
enum Resellers {
    Table,
    TwoStepRoles,
}

#[derive(DeriveIden)]
enum RecoveryCodes {
    Table,
    Id,
    UserId,
    Hash,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            (
                Users::Table.into_iden(),
                string_len_null(Users::TotpSecret, 64),
            ),
            (
                Users::Table.into_iden(),
                string_len_null(Users::TotpPending, 64),
            ),
            (
                Users::Table.into_iden(),
                big_integer_null(Users::TotpLastStep),
            ),
            (
                Resellers::Table.into_iden(),
                string_len_null(Resellers::TwoStepRoles, 200),
            ),
        ];
        for (table, mut column) in columns {
            m.alter_table(
                Table::alter()
                    .table(table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(RecoveryCodes::Table)
                .col(pk_auto(RecoveryCodes::Id))
                .col(integer(RecoveryCodes::UserId))
                .col(string_len(RecoveryCodes::Hash, 64))
                .col(timestamp_with_time_zone_null(RecoveryCodes::UsedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_recovery_codes_user")
                .table(RecoveryCodes::Table)
                .col(RecoveryCodes::UserId)
                .col(RecoveryCodes::Hash)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RecoveryCodes::Table).to_owned())
            .await?;
        let columns = [
            (Users::Table.into_iden(), Users::TotpSecret.into_iden()),
            (Users::Table.into_iden(), Users::TotpPending.into_iden()),
            (Users::Table.into_iden(), Users::TotpLastStep.into_iden()),
            (
                Resellers::Table.into_iden(),
                Resellers::TwoStepRoles.into_iden(),
            ),
        ];
        for (table, column) in columns {
            m.alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
