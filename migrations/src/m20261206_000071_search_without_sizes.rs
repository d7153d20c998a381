//! SQLite: the customer search's trigram table keeps no sizes of its rows (FTS5's
//! `columnsize=0`). Nothing reads them: the search orders its rows by their place in the list,
//! never by rank (`bm25`). Each new customer wrote its row's size into a table of their own,
//! keyed by the row's number, a page of it wherever the customer's name falls in the list. The
//! table is made again and filled as a rebuild fills it (seconds at 100,000 customers).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000071_search_without_sizes"
    }
}

/// The trigram table with the given options after its columns, and its vocabulary.
fn tables(options: &str) -> [String; 4] {
    [
        "DROP TABLE customer_search_vocabulary".to_owned(),
        "DROP TABLE customer_search".to_owned(),
        format!(
            "CREATE VIRTUAL TABLE customer_search USING fts5(\
             search_text, customer_id UNINDEXED, tokenize = 'trigram'{options})"
        ),
        "CREATE VIRTUAL TABLE customer_search_vocabulary \
         USING fts5vocab(customer_search, 'row')"
            .to_owned(),
    ]
}

async fn remake(m: &SchemaManager<'_>, options: &str) -> Result<(), DbErr> {
    if m.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    let db = m.get_connection();
    for statement in tables(options) {
        db.execute_unprepared(&statement).await?;
    }
    for statement in crate::search::REBUILD_SQLITE {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        remake(m, ", columnsize = 0").await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        remake(m, "").await
    }
}
