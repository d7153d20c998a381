//! SQLite: the customer search's trigram table keeps no sizes of its rows (FTS5's
//! `columnsize=0`). Nothing reads them: the search orders its rows by their place in the list,
//! never by rank (`bm25`). Each new customer wrote its row's size into a table of their own,
//! keyed by the row's number, a page of it wherever the customer's name falls in the list. The
//! table is made again and filled as a rebuild fills it (seconds at 100,000 customers).

use sea_orm_migration::prelude::*;

use crate::on_sqlite;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000070_search_without_sizes"
    }
}

/// The trigram table made again with `options` after its columns, its vocabulary with it, and
/// filled as a rebuild fills it.
async fn remake(m: &SchemaManager<'_>, options: &str) -> Result<(), DbErr> {
    let tables = [
        "DROP TABLE customer_search_vocabulary".to_owned(),
        "DROP TABLE customer_search".to_owned(),
        format!(
            "CREATE VIRTUAL TABLE customer_search USING fts5(\
             search_text, customer_id UNINDEXED, tokenize = 'trigram'{options})"
        ),
        "CREATE VIRTUAL TABLE customer_search_vocabulary \
         USING fts5vocab(customer_search, 'row')"
            .to_owned(),
    ];
    // Gathered first: an iterator with a closure held across the awaits is not `Send`.
    let statements: Vec<String> = tables
        .into_iter()
        .chain(
            crate::search::REBUILD_SQLITE
                .iter()
                .map(|s| (*s).to_owned()),
        )
        .collect();
    on_sqlite(m, statements).await
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
