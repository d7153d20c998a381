//! Issue 32: users with Partner Center's roles. Each user gets a role (`users.role`): an
//! administrator of before (`is_admin`) becomes a global admin, every other user an admin agent,
//! so nothing a user could do is lost. A user may be named (`name`) and deactivated
//! (`deactivated_at`). The activity log names the role a record was made with (`user_role`) and,
//! for a request a role may not make, what was refused (`detail`, which also names the user a change to the team was made to). A bulk job remembers who
//! confirmed it (`confirmed_by`), whose role it runs with.
//!
//! Only adds: `is_admin` stays, written beside the role, for instances of the previous version
//! while they are replaced.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000035_roles"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Role,
    Name,
    DeactivatedAt,
}

#[derive(DeriveIden)]
enum Activity {
    Table,
    UserRole,
    Detail,
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    ConfirmedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite adds no more at once.
        let columns = [
            (
                Users::Table.into_iden(),
                string_len(Users::Role, 32)
                    .default("admin-agent")
                    .to_owned(),
            ),
            (Users::Table.into_iden(), string_len_null(Users::Name, 200)),
            (
                Users::Table.into_iden(),
                timestamp_with_time_zone_null(Users::DeactivatedAt),
            ),
            (
                Activity::Table.into_iden(),
                string_len_null(Activity::UserRole, 32),
            ),
            (
                Activity::Table.into_iden(),
                string_len_null(Activity::Detail, 300),
            ),
            (Jobs::Table.into_iden(), integer_null(Jobs::ConfirmedBy)),
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
        m.get_connection()
            .execute_unprepared("UPDATE users SET role = 'global-admin' WHERE is_admin")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            (Users::Table.into_iden(), Users::Role.into_iden()),
            (Users::Table.into_iden(), Users::Name.into_iden()),
            (Users::Table.into_iden(), Users::DeactivatedAt.into_iden()),
            (Activity::Table.into_iden(), Activity::UserRole.into_iden()),
            (Activity::Table.into_iden(), Activity::Detail.into_iden()),
            (Jobs::Table.into_iden(), Jobs::ConfirmedBy.into_iden()),
        ];
        for (table, column) in columns {
            m.alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
