//! Loads a reseller's book (resellers, users, customers, relationships, subscriptions) in one
//! transaction: all of it or nothing.

use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, TransactionTrait};

use super::turn::write_turn;
use super::{Db, DbErr};
use crate::domain::book::Book;
use crate::domain::customer::{search_text, sort_key};
use crate::entities::{customer, relationship, reseller, subscription, user};

/// What was loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    pub resellers: usize,
    pub users: usize,
    pub customers: usize,
    pub subscriptions: usize,
}

/// Rows per INSERT: at most 15 columns × 2,000 rows = 30,000 bound values, under SQLite's limit
/// (32,766) and PostgreSQL's (65,535).
const CHUNK: usize = 2000;

async fn insert_chunked<A, C>(db: &C, rows: Vec<A>) -> Result<(), DbErr>
where
    A: sea_orm::ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(CHUNK).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Whether the database holds no reseller yet (a fresh installation).
pub async fn is_empty(db: &Db) -> Result<bool, DbErr> {
    Ok(reseller::Entity::find().one(db).await?.is_none())
}

/// Writes the book in one transaction. A row that already exists fails the whole load.
pub async fn load(db: &Db, book: &Book) -> Result<Loaded, DbErr> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    insert_chunked(
        &txn,
        book.resellers
            .iter()
            .map(|r| reseller::ActiveModel {
                id: Set(r.id.to_string()),
                name: Set(r.name.clone()),
                billing_day: Set(i32::try_from(r.billing_day.get()).unwrap_or(1)),
                // Counted once the relationships are in.
                customers: Set(0),
                two_step_roles: Set(None),
                approval_cost: Set(None),
                approval_rows: Set(None),
            })
            .collect(),
    )
    .await?;
    insert_chunked(
        &txn,
        book.resellers
            .iter()
            .flat_map(|r| {
                r.users.iter().map(|u| user::ActiveModel {
                    reseller_id: Set(r.id.to_string()),
                    email: Set(u.email.clone()),
                    password_hash: Set(u.password_hash.clone()),
                    is_admin: Set(u.role == crate::domain::Role::GlobalAdmin),
                    role: Set(u.role.as_str().to_owned()),
                    ..Default::default()
                })
            })
            .collect(),
    )
    .await?;
    insert_chunked(
        &txn,
        book.customers
            .iter()
            .map(|c| customer::ActiveModel {
                id: Set(c.id.to_string()),
                company_name: Set(c.company_name.clone()),
                domain: Set(c.domain.clone()),
                holdings_version: Set(0),
            })
            .collect(),
    )
    .await?;
    insert_chunked(
        &txn,
        book.customers
            .iter()
            .flat_map(|c| {
                c.relationships.iter().map(|r| relationship::ActiveModel {
                    reseller_id: Set(r.reseller.to_string()),
                    customer_id: Set(c.id.to_string()),
                    delegated_admin: Set(r.delegated_admin),
                    sort_key: Set(sort_key(&c.company_name)),
                    search_text: Set(search_text(&c.company_name, &c.domain)),
                    company_name: Set(c.company_name.clone()),
                    domain: Set(c.domain.clone()),
                })
            })
            .collect(),
    )
    .await?;
    // On SQLite the search's trigram table holds the relationships' texts too, numbered in the
    // list's order: new customers take places in the middle, so it is written again. PostgreSQL's
    // trigram index keeps itself; the counts of each three characters, and of each reseller's
    // pairs of characters, are written again.
    if book.customers.iter().any(|c| !c.relationships.is_empty()) {
        let rebuild: &[&[&str]] = match txn.get_database_backend() {
            sea_orm::DbBackend::Postgres => &[
                migration::search::REBUILD_POSTGRES,
                migration::search::REBUILD_PAIRS_POSTGRES,
            ],
            _ => &[migration::search::REBUILD_SQLITE],
        };
        for statement in rebuild.iter().copied().flatten() {
            txn.execute_unprepared(statement).await?;
        }
        // The customer list's count of each reseller's customers.
        txn.execute_unprepared(migration::search::COUNT_CUSTOMERS)
            .await?;
    }
    insert_chunked(
        &txn,
        book.subscriptions
            .iter()
            .map(|r| {
                let s = &r.subscription;
                subscription::ActiveModel {
                    id: Set(s.id.to_string()),
                    customer_id: Set(r.customer.to_string()),
                    offer_id: Set(s.offer.as_str().to_owned()),
                    friendly_name: Set(s.friendly_name.clone()),
                    quantity: Set(i64::from(s.quantity)),
                    assigned_licenses: Set(i64::from(s.assigned_licenses)),
                    status: Set(s.status.as_str().to_owned()),
                    sold_by: Set(s.sold_by.as_ref().map(ToString::to_string)),
                    billing_cycle: Set(s.billing_cycle.as_str().to_owned()),
                    auto_renew: Set(s.auto_renew),
                    created_on: Set(s.created),
                    cancellation_reason: Set(None),
                    upgraded_to: Set(None),
                    upgraded_from: Set(None),
                    version: Set(0),
                }
            })
            .collect(),
    )
    .await?;
    txn.commit().await?;
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Fresh statistics, or the planner guesses wrong about the tables it just saw grow (a
        // customer search at 100,000 customers went from 14 ms to over a second without); and a
        // fresh visibility map, or the customer list's index-only scan visits every row anyway.
        // Before that, the relationships are laid out in the list's order: the matches of a
        // search read from the trigram index then lie together ("Lucerne": 1,691 matches in 30
        // pages instead of 1,081; 4.5 ms -> 2.0 ms at 100,000 customers).
        db.execute_unprepared("CLUSTER relationships USING ix_relationships_list_covering")
            .await?;
        db.execute_unprepared(
            "VACUUM (ANALYZE) resellers, users, customers, relationships, subscriptions",
        )
        .await?;
    } else {
        // Move the import from the write-ahead log into the database file: SQLite checkpoints
        // by itself only past 1,000 pages, and until then every read looks pages up in the log
        // (a 1,000-customer book stayed wholly in it, and its search ran slower than at 100,000).
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
    }
    Ok(Loaded {
        resellers: book.resellers.len(),
        users: book.resellers.iter().map(|r| r.users.len()).sum(),
        customers: book.customers.len(),
        subscriptions: book.subscriptions.len(),
    })
}
