//! A bulk job's title as its parts (`jobs.title`, JSON: the selection's fields, or the file's
//! name and its number of rows), so that each viewer reads it in their own language; `summary`
//! keeps the title in its maker's words, for the jobs written before.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000021_job_titles"
    }
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Title,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Jobs::Table)
                .add_column(text_null(Jobs::Title))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Jobs::Table)
                .drop_column(Jobs::Title)
                .to_owned(),
        )
        .await
    }
}
