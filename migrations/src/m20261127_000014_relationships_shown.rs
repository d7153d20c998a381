//! Each relationship holds what the reseller's lists show of its customer (company name, primary
//! domain) beside what they sort and search by (`sort_key`, `search_text`, already derived from
//! the same two), and the list index holds them too: a page of the customer list, a search's
//! page and the API's pages of customers read each customer from the list index (or the row a
//! search found) instead of looking it up among the customers, once per row. The customer's own
//! row stays the record; the importer writes the copy with the relationship, and nothing changes
//! a customer's name or domain after. At 100,000 customers, the statement of the API's page of
//! 200 customers alone: PostgreSQL (`pgbench -M prepared -c 1`) 0.316 -> 0.102 ms (201 lookups
//! of a customer, three index pages each, were two thirds of it); SQLite (Python's `sqlite3`,
//! 2,000 runs) 159 -> 85 µs (docs/PERFORMANCE.md). The table and the list index grow: a
//! 100,000-customer SQLite file from 276 to 291 MB, PostgreSQL's by 13 MB.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261127_000014_relationships_shown"
    }
}

/// The list index, as it was (`m20261124_000002_covering_indexes`) and as it is now.
const LIST: &str = "ix_relationships_list_covering";
const KEY: &str = "reseller_id, sort_key, customer_id, search_text, delegated_admin";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too: all or nothing, and on one connection (spread over a
    /// pool's connections, the index could be created again on one whose copy of the schema
    /// still held the one just dropped: "index ix_relationships_list_covering already exists").
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // PostgreSQL keeps what only a page reads out of the index's order (INCLUDE); SQLite has
        // no such clause, and reads the trailing columns of an index just the same.
        let shown = match m.get_database_backend() {
            DbBackend::Postgres => {
                format!(
                    "CREATE INDEX {LIST} ON relationships ({KEY}) INCLUDE (company_name, domain)"
                )
            }
            _ => format!("CREATE INDEX {LIST} ON relationships ({KEY}, company_name, domain)"),
        };
        let db = m.get_connection();
        for statement in [
            "ALTER TABLE relationships ADD COLUMN company_name VARCHAR NOT NULL DEFAULT ''",
            "ALTER TABLE relationships ADD COLUMN domain VARCHAR NOT NULL DEFAULT ''",
            "UPDATE relationships SET company_name = c.company_name, domain = c.domain \
             FROM customers c WHERE c.id = relationships.customer_id",
            &format!("DROP INDEX {LIST}"),
            &shown,
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for statement in [
            &format!("DROP INDEX {LIST}"),
            &format!("CREATE INDEX {LIST} ON relationships ({KEY})"),
            "ALTER TABLE relationships DROP COLUMN company_name",
            "ALTER TABLE relationships DROP COLUMN domain",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
