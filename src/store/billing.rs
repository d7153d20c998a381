//! Billing's data: the price lists as loaded, each reseller's billing day, and each
//! subscription's history read as a [`Timeline`]. Charges are derived from what the activity log
//! already records (who, when, before, after) and the price list: nothing is stored twice.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, Statement, TransactionTrait,
};

use super::turn::write_turn;
use super::{Db, DbErr, count};
use crate::domain::billing::{BillingDay, PriceList, Timeline, china_date};
use crate::domain::prices::PriceRow;
use crate::domain::{CustomerId, OfferId, ResellerId, SubscriptionId, SubscriptionStatus};
use crate::entities::{price, reseller};

fn corrupt(what: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("unexpected value in the database: {what}"))
}

/// Which price lists were loaded: a review made with one is refused at confirm time when another
/// was loaded since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricesVersion(pub i64);

/// Every price ever loaded, and the version of the whole.
pub async fn prices(db: &impl ConnectionTrait) -> Result<(PriceList, PricesVersion), DbErr> {
    let rows = price::Entity::find()
        .order_by_asc(price::Column::Id)
        .all(db)
        .await?;
    let version = PricesVersion(rows.last().map_or(0, |r| i64::from(r.id)));
    let list = rows
        .into_iter()
        .map(|r| {
            Ok((
                r.offer_id.parse::<OfferId>().map_err(corrupt)?,
                r.valid_from,
                r.unit_price.parse::<Decimal>().map_err(corrupt)?,
            ))
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    Ok((PriceList::new(list), version))
}

/// The price lists' version as a scalar subquery: the latest price's id (a load only adds).
/// (A macro, so that [`STATE`] and the statement of the function `prices_version` are put
/// together at compile time.)
macro_rules! prices_version {
    () => {
        "(SELECT CAST(COALESCE(MAX(p.id), 0) AS BIGINT) FROM prices p)"
    };
}

/// The version of the price lists loaded, without reading them.
pub async fn prices_version(db: &impl ConnectionTrait) -> Result<PricesVersion, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            concat!("SELECT ", prices_version!(), " AS v"),
        ))
        .await?;
    Ok(PricesVersion(match row {
        Some(row) => row.try_get("", "v")?,
        None => 0,
    }))
}

/// The price lists as last read, by version: a page that needs them reads the version alone
/// (with the rest of its state) and the rows only after a load.
#[derive(Default)]
pub struct PriceCache(std::sync::Mutex<Option<(PricesVersion, std::sync::Arc<PriceList>)>>);

impl PriceCache {
    /// The price lists of `version`, read when they are not the ones kept.
    pub async fn get(
        &self,
        db: &impl ConnectionTrait,
        version: PricesVersion,
    ) -> Result<std::sync::Arc<PriceList>, DbErr> {
        if let Some((kept, list)) = &*self.lock()
            && *kept == version
        {
            return Ok(list.clone());
        }
        let (list, read) = prices(db).await?;
        let list = std::sync::Arc::new(list);
        *self.lock() = Some((read, list.clone()));
        Ok(list)
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, Option<(PricesVersion, std::sync::Arc<PriceList>)>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What a reseller's charges are worked out from: its billing day, the price lists' version and
/// its latest activity record of a change to its bills (every change of licenses or status, an
/// upgrade's two records, a purchase: `bill_changes!`). Read with a page of the bill
/// ([`billed_page`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BillingState {
    pub day: BillingDay,
    pub prices: PricesVersion,
    pub last_change: i32,
}

impl BillingState {
    fn of(row: &sea_orm::QueryResult) -> Result<BillingState, DbErr> {
        Ok(BillingState {
            day: stored_billing_day(row.try_get("", "billing_day")?)?,
            prices: PricesVersion(row.try_get("", "prices")?),
            last_change: row.try_get("", "last_change")?,
        })
    }
}

/// The changes that move licenses or status, as the activity log records them (the names of
/// `activity::Action::as_str`): what a bill reads of a subscription's timeline.
macro_rules! billed_actions {
    () => {
        "'licenses', 'suspend', 'reactivate', 'upgrade_from', 'upgrade_to'"
    };
}

/// [`billed_actions!`] as a list for `IN`.
const BILLED_ACTIONS: &str = concat!("(", billed_actions!(), ")");

/// The records of the activity log that change a bill: those the bill reads
/// ([`BILLED_ACTIONS`]) and a purchase (a subscription the bill starts from). A sign-in, a refusal
/// or a change to the team is none: counted, each one made the Charges page's totals stale and
/// walked the whole book again (seconds at 100,000 customers, beside the pages being served).
macro_rules! bill_changes {
    () => {
        concat!("(", billed_actions!(), ", 'purchase')")
    };
}

/// The reseller's (`$1`) [`BillingState`] as columns (`billing_day`, `prices`, `last_change`).
/// The latest change is read from the newest end of the reseller's log (its index), up to the
/// first record of a bill's action: `MAX` with that filter would read the whole log.
const STATE: &str = concat!(
    "(SELECT r.billing_day FROM resellers r WHERE r.id = $1) AS billing_day, ",
    prices_version!(),
    " AS prices, COALESCE((SELECT a.id FROM activity a WHERE a.reseller_id = $1 \
     AND a.action IN ",
    bill_changes!(),
    " ORDER BY a.id DESC LIMIT 1), 0) AS last_change"
);

/// The reseller's [`BillingState`] alone.
async fn billing_state(
    db: &impl ConnectionTrait,
    reseller: &ResellerId,
) -> Result<BillingState, DbErr> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            format!("SELECT {STATE}"),
            [reseller.as_str().into()],
        ))
        .await?
        .ok_or_else(|| corrupt(format!("no reseller {reseller}")))?;
    BillingState::of(&row)
}

/// Adds a price list to the ones loaded before, in one transaction.
pub async fn load_prices(db: &Db, rows: &[PriceRow], at: DateTime<Utc>) -> Result<usize, DbErr> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let models: Vec<price::ActiveModel> = rows
        .iter()
        .map(|r| price::ActiveModel {
            offer_id: Set(r.offer.as_str().to_owned()),
            currency: Set("CNY".to_owned()),
            unit_price: Set(r.unit_price.to_string()),
            valid_from: Set(r.valid_from),
            loaded_at: Set(at),
            ..Default::default()
        })
        .collect();
    if !models.is_empty() {
        price::Entity::insert_many(models)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(rows.len())
}

/// The reseller's billing day.
pub async fn billing_day(
    db: &impl ConnectionTrait,
    reseller: &ResellerId,
) -> Result<BillingDay, DbErr> {
    let row = reseller::Entity::find_by_id(reseller.to_string())
        .one(db)
        .await?
        .ok_or_else(|| corrupt(format!("no reseller {reseller}")))?;
    stored_billing_day(row.billing_day)
}

/// A billing day as the `resellers` table holds it.
fn stored_billing_day(day: i32) -> Result<BillingDay, DbErr> {
    u32::try_from(day)
        .ok()
        .and_then(BillingDay::new)
        .ok_or_else(|| corrupt(format!("billing day {day}")))
}

/// Sets the reseller's billing day; `false` when there is no such reseller.
pub async fn set_billing_day(
    db: &Db,
    reseller: &ResellerId,
    day: BillingDay,
) -> Result<bool, DbErr> {
    let _turn = write_turn(db).await;
    let changed = reseller::Entity::update_many()
        .col_expr(
            reseller::Column::BillingDay,
            Expr::val(i64::from(day.get())),
        )
        .filter(reseller::Column::Id.eq(reseller.as_str()))
        .exec(db)
        .await?
        .rows_affected;
    Ok(changed > 0)
}

/// A subscription as the bill names it.
#[derive(Debug, Clone)]
pub struct Billed {
    pub customer: CustomerId,
    pub company_name: String,
    pub domain: String,
    pub subscription: SubscriptionId,
    pub friendly_name: String,
    pub timeline: Timeline,
}

/// A subscription and one of its billed records, if it has any.
#[derive(Debug, FromQueryResult)]
struct BilledRow {
    id: String,
    customer_id: String,
    company_name: String,
    domain: String,
    friendly_name: String,
    offer_id: String,
    quantity: i64,
    status: String,
    created_on: NaiveDate,
    at: Option<DateTime<Utc>>,
    before_quantity: Option<i64>,
    before_status: Option<String>,
    after_quantity: Option<i64>,
    after_status: Option<String>,
}

impl BilledRow {
    fn change(&self) -> Option<ChangeRow> {
        Some(ChangeRow {
            at: self.at?,
            before_quantity: self.before_quantity,
            before_status: self.before_status.clone(),
            after_quantity: self.after_quantity?,
            after_status: self.after_status.clone()?,
        })
    }
}

/// A billed record: when, and the licenses and status before and after.
#[derive(Debug)]
struct ChangeRow {
    at: DateTime<Utc>,
    before_quantity: Option<i64>,
    before_status: Option<String>,
    after_quantity: i64,
    after_status: String,
}

fn state(quantity: i64, status: &str) -> Result<(u32, SubscriptionStatus), DbErr> {
    Ok((count(quantity)?, status.parse().map_err(corrupt)?))
}

/// The timeline of a subscription: its state before its first recorded change (or as it is,
/// without one; or as created, for one an upgrade created) and the state after each change.
fn timeline(row: &BilledRow, changes: &[ChangeRow]) -> Result<Timeline, DbErr> {
    let offer: OfferId = row.offer_id.parse().map_err(corrupt)?;
    let (initial, rest) = match changes.first() {
        None => (state(row.quantity, &row.status)?, changes),
        Some(first) => match (first.before_quantity, &first.before_status) {
            (Some(q), Some(s)) => (state(q, s)?, changes),
            // Created by this record (an upgrade's target): its first state.
            _ => (
                state(first.after_quantity, &first.after_status)?,
                &changes[1..],
            ),
        },
    };
    let changes = rest
        .iter()
        .map(|c| {
            let (q, s) = state(c.after_quantity, &c.after_status)?;
            Ok((china_date(c.at), q, s))
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    Ok(Timeline::new(offer, row.created_on, initial, changes))
}

/// The subscriptions `reseller` sold, with their timelines: those of one subscription, or of
/// all the reseller's customers (in customer id order), or of one customer.
pub async fn billed(
    db: &impl ConnectionTrait,
    reseller: &ResellerId,
    only: Option<(&CustomerId, Option<&SubscriptionId>)>,
) -> Result<Vec<Billed>, DbErr> {
    let mut filter = String::from("s.sold_by = $1");
    let mut values: Vec<sea_orm::Value> = vec![reseller.as_str().into()];
    if let Some((customer, subscription)) = only {
        filter.push_str(" AND s.customer_id = $2");
        values.push(customer.as_str().into());
        if let Some(subscription) = subscription {
            filter.push_str(" AND s.id = $3");
            values.push(subscription.as_str().into());
        }
    }
    billed_in(db, SUBSCRIPTIONS, Some(&filter), values).await
}

/// [`billed`] for the subscriptions of up to `customers` of the reseller's customers after the
/// customer `after` (from the first without one), in customer id order: a stretch of the whole
/// book as the Charges page's totals walk it.
pub async fn billed_after(
    db: &impl ConnectionTrait,
    reseller: &ResellerId,
    after: Option<&CustomerId>,
    customers: u64,
) -> Result<Vec<Billed>, DbErr> {
    let mut values: Vec<sea_orm::Value> = vec![reseller.as_str().into()];
    let start = match after {
        Some(id) => {
            values.push(id.as_str().into());
            " AND k.customer_id > $2"
        }
        None => "",
    };
    let filter = format!(
        "s.sold_by = $1 AND s.customer_id IN (SELECT k.customer_id FROM relationships k \
         WHERE k.reseller_id = $1{start} ORDER BY k.customer_id LIMIT {customers})"
    );
    billed_in(db, SUBSCRIPTIONS, Some(&filter), values).await
}

/// [`billed`] for up to `limit` of the reseller's subscriptions after the subscription `after`
/// (from the first without one), in the bill's order: its customers in the customer list's
/// order (company name, Chinese by pinyin: the relationship's `sort_key`, then the customer's
/// id), then each customer's in the order they were created. A page of the Charges page, the
/// same size whatever its customers hold. With the reseller's [`BillingState`], read in the
/// same statement (read in a statement of its own before, it was one round trip more: at
/// 100,000 customers on PostgreSQL, per page, 338/402 -> 319/370 µs of PostgreSQL's time and
/// 253/321 -> 230/267 µs of the portal's; `bench/cpu.py`).
pub async fn billed_page(
    db: &impl ConnectionTrait,
    reseller: &ResellerId,
    after: Option<&SubscriptionId>,
    limit: u64,
) -> Result<(BillingState, Vec<Billed>), DbErr> {
    let mut values: Vec<sea_orm::Value> = vec![reseller.as_str().into()];
    let start = match after {
        Some(id) => {
            values.push(id.as_str().into());
            // The cursor is one of the reseller's own subscriptions: another's reads like an
            // unknown one (no row), and tells nothing of where it would sort. The customers
            // from the cursor's on are a stretch of the list index (the cursor's place read
            // once, as the index's bound); of the cursor's own customer, the subscriptions
            // after it. (Joined as a relation instead, PostgreSQL walked the list index from
            // its start to the cursor: 38,933 entries for a page at the 55,554th customer.)
            " AND (r.sort_key, r.customer_id) >= \
             (SELECT q.sort_key, q.customer_id FROM subscriptions f JOIN relationships q \
              ON q.reseller_id = $1 AND q.customer_id = f.customer_id \
              WHERE f.id = $2 AND f.sold_by = $1) \
             AND (r.customer_id <> (SELECT f.customer_id FROM subscriptions f WHERE f.id = $2) \
              OR (p.created_on, p.id) > \
              (SELECT f.created_on, f.id FROM subscriptions f WHERE f.id = $2))"
        }
        None => "",
    };
    // The page is chosen with the columns the bill reads, walking the customer list's index in
    // its order (which holds each customer's name and domain) and each customer's subscriptions
    // in theirs; its records are joined to it: picking its ids first and reading each
    // subscription again by id cost PostgreSQL a quarter more (0.46 against 0.35 ms a page in
    // pgbench). (The limit is a constant of the code: a bound one would make SQLite prepare
    // the statement again on every run.) `CROSS JOIN` keeps SQLite on the list index first: on
    // its own it read the reseller's million subscriptions and sorted them for the first page
    // (13.5 M of its virtual machine's steps, against 5,494); PostgreSQL orders the join itself.
    let page = format!(
        "(SELECT p.id, p.customer_id, r.sort_key, r.company_name, r.domain, p.friendly_name, \
         p.offer_id, p.quantity, p.status, p.created_on FROM relationships r \
         CROSS JOIN subscriptions p WHERE p.sold_by = r.reseller_id \
         AND p.customer_id = r.customer_id AND r.reseller_id = $1{start} \
         ORDER BY r.sort_key, r.customer_id, p.created_on, p.id LIMIT {limit}) s"
    );
    // Each row carries the state too: its subqueries name the reseller, not the row, so each
    // database reads them once for the statement. (Joined beside the page as a relation of its
    // own instead, SQLite copied the page's rows into a table to join them: 7,121 -> 8,948 of
    // its steps.)
    let sql = format!(
        "{} ORDER BY s.sort_key, s.customer_id, s.created_on, s.id, a.id",
        billed_select(&format!("{STATE}, "), &page, Names::Page, None)
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            values,
        ))
        .await?;
    let Some(first) = rows.first() else {
        // No subscription from there on: the state alone.
        return Ok((billing_state(db, reseller).await?, Vec::new()));
    };
    let state = BillingState::of(first)?;
    let billed = rows
        .iter()
        .map(|row| BilledRow::from_query_result(row, ""))
        .collect::<Result<Vec<_>, DbErr>>()?;
    Ok((state, timelines(billed)?))
}

/// [`billed`] for many subscriptions by id (a bulk change's review), 500 at a time.
pub async fn billed_of(
    db: &impl ConnectionTrait,
    reseller: &ResellerId,
    ids: &[SubscriptionId],
) -> Result<Vec<Billed>, DbErr> {
    let mut all = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let mut values: Vec<sea_orm::Value> = vec![reseller.as_str().into()];
        values.extend(chunk.iter().map(|id| id.as_str().into()));
        let filter = format!("s.sold_by = $1 AND s.id IN ({})", marks.join(", "));
        all.extend(billed_in(db, SUBSCRIPTIONS, Some(&filter), values).await?);
    }
    Ok(all)
}

/// Every subscription, as [`billed_in`] reads them.
const SUBSCRIPTIONS: &str = "subscriptions s";

/// The subscriptions of `subscriptions` (a relation `s` with the columns the bill reads), those
/// that pass `filter` if there is one, with their timelines.
async fn billed_in(
    db: &impl ConnectionTrait,
    subscriptions: &str,
    filter: Option<&str>,
    values: Vec<sea_orm::Value>,
) -> Result<Vec<Billed>, DbErr> {
    let rows = BilledRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        format!(
            "{} ORDER BY s.customer_id, s.created_on, s.id, a.id",
            billed_select("", subscriptions, Names::Customers, filter)
        ),
        values,
    ))
    .all(db)
    .await?;
    timelines(rows)
}

/// Where the bill's statement reads each customer's name and domain.
#[derive(Clone, Copy)]
enum Names {
    /// From the customer's row.
    Customers,
    /// From the relation of subscriptions itself (a page read through the list index, which
    /// holds each relationship's copy of them).
    Page,
}

/// The statement [`billed_in`] reads, without its order, its columns after `columns` (empty, or
/// ending with a comma): each subscription with its billed records, one row per record (a row
/// of nulls for a subscription without one), found from the subscriptions through the history
/// index: never the other way round, a reseller's whole log is a million records at 100,000
/// customers. (`$1` is the reseller in every statement.)
fn billed_select(columns: &str, subscriptions: &str, names: Names, filter: Option<&str>) -> String {
    let filter = filter.map(|f| format!("WHERE {f}")).unwrap_or_default();
    let (names, customers) = match names {
        Names::Customers => ("c", " JOIN customers c ON c.id = s.customer_id"),
        Names::Page => ("s", ""),
    };
    format!(
        "SELECT {columns}s.id, s.customer_id, {names}.company_name, {names}.domain, \
         s.friendly_name, s.offer_id, s.quantity, s.status, s.created_on, a.at, \
         a.before_quantity, a.before_status, a.after_quantity, a.after_status \
         FROM {subscriptions}{customers} \
         LEFT JOIN activity a ON a.subscription_id = s.id AND a.reseller_id = $1 \
         AND a.action IN {BILLED_ACTIONS} {filter}"
    )
}

/// Each subscription with its timeline, from rows in the bill's order (each subscription's
/// records together, oldest first).
fn timelines(rows: Vec<BilledRow>) -> Result<Vec<Billed>, DbErr> {
    let mut billed = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while let Some(row) = rows.next() {
        let mut changes: Vec<ChangeRow> = row.change().into_iter().collect();
        while let Some(next) = rows.next_if(|next| next.id == row.id) {
            changes.extend(next.change());
        }
        billed.push(Billed {
            timeline: timeline(&row, &changes)?,
            customer: CustomerId::parse(&row.customer_id).map_err(corrupt)?,
            subscription: SubscriptionId::parse(&row.id).map_err(corrupt)?,
            company_name: row.company_name,
            domain: row.domain,
            friendly_name: row.friendly_name,
        });
    }
    Ok(billed)
}
