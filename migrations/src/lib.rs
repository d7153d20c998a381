//! The portal's schema. Runs on SQLite and PostgreSQL alike; never imports the portal crate.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_initial;
mod m20261124_000002_covering_indexes;
mod m20261124_000003_search_pairs;
mod m20261125_000004_api;
mod m20261125_000005_billing;
mod m20261126_000006_jobs;
mod m20261126_000007_trigram_search;
mod m20261126_000008_ordered_search;
mod m20261126_000009_customer_counts;
pub(crate) mod m20261126_000010_bigrams;
mod m20261126_000011_bill_order;
mod m20261126_000012_pairs;
mod m20261127_000013_customers_shown;
mod m20261127_000014_relationships_shown;
mod m20261128_000015_review_cost;
mod m20261128_000016_held_back_attempts;
mod m20261204_000017_change_engine;
mod m20261204_000020_drafts;
mod m20261204_000021_job_titles;
mod m20261204_000030_orders;
mod m20261204_000031_domains;
mod m20261204_000032_new_customers;
mod m20261204_000035_roles;
mod m20261204_000036_user_links;
mod m20261204_000037_two_step;
mod m20261204_000040_webhooks;
mod m20261205_000045_approvals;
mod m20261205_000046_job_approvals;
mod m20261205_000050_search_row_gaps;
mod m20261205_000055_activity_correlation;
mod m20261205_000065_draft_public_ids;
mod m20261205_000066_activity_door;
mod m20261205_000067_sessions_ended;
mod m20261205_000068_sealed_secret_columns;
mod m20261206_000069_new_customer_writes;
mod m20261206_000070_search_without_sizes;
pub mod search;

pub struct Migrator;

/// Runs `statements` in order on PostgreSQL; nothing on SQLite. For the migrations of what only
/// PostgreSQL keeps (SQLite's search answers from its FTS5 table).
pub(crate) async fn on_postgres(m: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    if m.get_database_backend() != sea_orm_migration::sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    let db = m.get_connection();
    for statement in statements {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_initial::Migration),
            Box::new(m20261124_000002_covering_indexes::Migration),
            Box::new(m20261124_000003_search_pairs::Migration),
            Box::new(m20261125_000004_api::Migration),
            Box::new(m20261125_000005_billing::Migration),
            Box::new(m20261126_000006_jobs::Migration),
            Box::new(m20261126_000007_trigram_search::Migration),
            Box::new(m20261126_000008_ordered_search::Migration),
            Box::new(m20261126_000009_customer_counts::Migration),
            Box::new(m20261126_000010_bigrams::Migration),
            Box::new(m20261126_000011_bill_order::Migration),
            Box::new(m20261126_000012_pairs::Migration),
            Box::new(m20261127_000013_customers_shown::Migration),
            Box::new(m20261127_000014_relationships_shown::Migration),
            Box::new(m20261128_000015_review_cost::Migration),
            Box::new(m20261128_000016_held_back_attempts::Migration),
            Box::new(m20261204_000017_change_engine::Migration),
            Box::new(m20261204_000020_drafts::Migration),
            Box::new(m20261204_000021_job_titles::Migration),
            Box::new(m20261204_000035_roles::Migration),
            Box::new(m20261204_000036_user_links::Migration),
            Box::new(m20261204_000037_two_step::Migration),
            Box::new(m20261204_000040_webhooks::Migration),
            Box::new(m20261204_000030_orders::Migration),
            Box::new(m20261204_000031_domains::Migration),
            Box::new(m20261204_000032_new_customers::Migration),
            Box::new(m20261205_000045_approvals::Migration),
            Box::new(m20261205_000046_job_approvals::Migration),
            Box::new(m20261205_000050_search_row_gaps::Migration),
            Box::new(m20261205_000055_activity_correlation::Migration),
            Box::new(m20261205_000065_draft_public_ids::Migration),
            Box::new(m20261205_000066_activity_door::Migration),
            Box::new(m20261205_000067_sessions_ended::Migration),
            Box::new(m20261205_000068_sealed_secret_columns::Migration),
            Box::new(m20261206_000069_new_customer_writes::Migration),
            Box::new(m20261206_000070_search_without_sizes::Migration),
        ]
    }
}

/// Runs `statements` in order on SQLite; nothing on PostgreSQL (a change of SQLite's own
/// tables or indexes).
async fn on_sqlite<S: AsRef<str>>(
    m: &SchemaManager<'_>,
    statements: impl IntoIterator<Item = S>,
) -> Result<(), DbErr> {
    if m.get_database_backend() != sea_orm_migration::sea_orm::DbBackend::Sqlite {
        return Ok(());
    }
    for statement in statements {
        m.get_connection()
            .execute_unprepared(statement.as_ref())
            .await?;
    }
    Ok(())
}
