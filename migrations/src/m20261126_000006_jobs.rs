//! What bulk changes need of the schema:
//! - `jobs`: a reseller's bulk change, from its review to its end (`review`, `running`,
//!   `cancelled`, `done`), with who made it and the language its new names are written in;
//! - `job_rows`: one row per line of the change, each with the concrete change it makes, the
//!   subscription version the review saw, and its result (`pending` until it ran); a row being
//!   run is leased to one instance until a moment (milliseconds since the epoch, comparable the
//!   same way on both databases), so another takes it over when that instance dies;
//! - the activity log names the job a change was part of.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000006_jobs"
    }
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    ResellerId,
    UserId,
    UserEmail,
    Language,
    Origin,
    Summary,
    State,
    Total,
    CreatedAt,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum JobRows {
    Table,
    JobId,
    Line,
    SubscriptionId,
    CustomerId,
    CompanyName,
    FriendlyName,
    Action,
    TargetOffer,
    Quantity,
    ExpectedVersion,
    State,
    Code,
    Detail,
    TargetSubscriptionId,
    LeaseOwner,
    LeaseUntil,
    Attempts,
    FinishedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Activity {
    Table,
    JobId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Jobs::Table)
                .col(pk_auto(Jobs::Id))
                .col(string_len(Jobs::ResellerId, 64))
                .col(integer(Jobs::UserId))
                .col(string_len(Jobs::UserEmail, 254))
                .col(string_len(Jobs::Language, 16))
                .col(string_len(Jobs::Origin, 16))
                .col(string_len(Jobs::Summary, 300))
                .col(string_len(Jobs::State, 16))
                .col(integer(Jobs::Total))
                .col(timestamp_with_time_zone(Jobs::CreatedAt))
                .col(timestamp_with_time_zone_null(Jobs::StartedAt))
                .col(timestamp_with_time_zone_null(Jobs::FinishedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Jobs::Table, Jobs::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("jobs_by_reseller")
                .table(Jobs::Table)
                .col(Jobs::ResellerId)
                .col(Jobs::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("jobs_by_state")
                .table(Jobs::Table)
                .col(Jobs::State)
                .col(Jobs::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(JobRows::Table)
                .col(integer(JobRows::JobId))
                .col(integer(JobRows::Line))
                // As the file wrote it, for a line that names no usable subscription.
                .col(string_len(JobRows::SubscriptionId, 200))
                .col(string_len_null(JobRows::CustomerId, 64))
                // The names the review showed, so the job's pages name each row as it was.
                .col(string_len_null(JobRows::CompanyName, 200))
                .col(string_len_null(JobRows::FriendlyName, 200))
                .col(string_len_null(JobRows::Action, 32))
                .col(string_len_null(JobRows::TargetOffer, 64))
                .col(big_integer_null(JobRows::Quantity))
                .col(big_integer_null(JobRows::ExpectedVersion))
                .col(string_len(JobRows::State, 16))
                .col(string_len_null(JobRows::Code, 64))
                .col(string_len_null(JobRows::Detail, 300))
                .col(string_len_null(JobRows::TargetSubscriptionId, 64))
                .col(string_len_null(JobRows::LeaseOwner, 64))
                .col(big_integer_null(JobRows::LeaseUntil))
                .col(integer(JobRows::Attempts).default(0))
                .col(timestamp_with_time_zone_null(JobRows::FinishedAt))
                .primary_key(Index::create().col(JobRows::JobId).col(JobRows::Line))
                .foreign_key(
                    ForeignKey::create()
                        .from(JobRows::Table, JobRows::JobId)
                        .to(Jobs::Table, Jobs::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // The rows still to run, in line order: what claims and progress read.
        m.create_index(
            Index::create()
                .name("job_rows_by_state")
                .table(JobRows::Table)
                .col(JobRows::JobId)
                .col(JobRows::State)
                .col(JobRows::Line)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Activity::Table)
                .add_column(integer_null(Activity::JobId))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Activity::Table)
                .drop_column(Activity::JobId)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(JobRows::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Jobs::Table).to_owned())
            .await
    }
}
