//! The customer search's own index: every pair of neighbouring characters of a relationship's
//! search text (the company name and domain, lowercased), kept in the list's name order. A search
//! walks the rows of its rarest pair in name order and checks each candidate's text, so it costs
//! the same however many customers sort before its first match; no other index finds substrings
//! as short as two Chinese characters.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000003_search_pairs"
    }
}

#[derive(DeriveIden)]
enum SearchPairs {
    Table,
    ResellerId,
    Pair,
    SortKey,
    CustomerId,
}

/// Adds the pairs of every relationship that has none yet: run by this migration for the
/// relationships already there, and by the importer after it adds some. Characters are counted
/// as both databases' `substr` counts them (code points); pairs with a space are left out.
pub const FILL_SEARCH_PAIRS: &str = "\
    INSERT INTO search_pairs (reseller_id, pair, sort_key, customer_id) \
    WITH RECURSIVE n(i) AS ( \
      SELECT 1 UNION ALL SELECT i + 1 FROM n \
      WHERE i < (SELECT MAX(length(search_text)) FROM relationships)) \
    SELECT DISTINCT r.reseller_id, substr(r.search_text, n.i, 2), r.sort_key, r.customer_id \
    FROM relationships r JOIN n ON n.i < length(r.search_text) \
    WHERE substr(r.search_text, n.i, 2) NOT LIKE '% %' \
      AND NOT EXISTS (SELECT 1 FROM search_pairs p \
                      WHERE p.reseller_id = r.reseller_id AND p.customer_id = r.customer_id)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SearchPairs::Table)
                .col(
                    ColumnDef::new(SearchPairs::ResellerId)
                        .string_len(64)
                        .not_null(),
                )
                .col(ColumnDef::new(SearchPairs::Pair).string_len(8).not_null())
                .col(ColumnDef::new(SearchPairs::SortKey).string().not_null())
                .col(
                    ColumnDef::new(SearchPairs::CustomerId)
                        .string_len(64)
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(SearchPairs::ResellerId)
                        .col(SearchPairs::Pair)
                        .col(SearchPairs::SortKey)
                        .col(SearchPairs::CustomerId),
                )
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(FILL_SEARCH_PAIRS)
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SearchPairs::Table).to_owned())
            .await
    }
}
