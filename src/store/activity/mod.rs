//! The activity log: every change a reseller's users made (each kind of change, by its name) and
//! their sign-ins; who, when, what, before and after. Written in the same transaction as the
//! change.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Query, UnionType};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait,
    Statement,
};

mod filter;

pub use filter::{Actions, Filter};

use super::{Db, DbErr, count, nullable};
use crate::domain::change::{Kind, Via};
use crate::domain::{
    Account, CustomerId, Page, PageRequest, ResellerId, Role, Subscription, SubscriptionId,
    SubscriptionStatus,
};
use crate::entities::{activity, api_token, customer, subscription};
use crate::store::turn::write_turn;

mod team;
use team::COMMAND_LINE;
pub use team::{record_team_change, record_team_change_by_command_line};

/// What an activity record says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SignIn,
    /// A sign-in to the account was held back: too many failed attempts.
    SignInThrottled,
    /// A change of this kind was made to the subscription.
    Change(Kind),
    /// The subscription was created by a change of this kind (an upgrade's target, an order's
    /// line).
    Created(Kind),
    /// A request the user's role may not make was refused.
    Refused,
    /// A user was invited (or added from the command line), with a role.
    UserInvited,
    /// A user's role was changed.
    UserRoleChanged,
    /// A user was given a new link to set their password.
    PasswordReset,
    /// A user was deactivated.
    UserDeactivated,
    /// A deactivated user was reactivated.
    UserReactivated,
    /// A user's two-step sign-in was reset by a global admin.
    TwoStepReset,
    /// A new customer was made (its tenant, and this reseller's relationship with it).
    CustomerCreated,
    /// A change held for a second person's approval (issue 32), then approved (the change itself
    /// recorded beside, in the approver's name), rejected or withdrawn: the detail names who
    /// requested it (and the decider's note).
    ApprovalRequested,
    ApprovalApproved,
    ApprovalRejected,
    ApprovalWithdrawn,
}

impl Action {
    /// Every action a record can say.
    pub fn all() -> impl Iterator<Item = Action> {
        [Action::SignIn, Action::SignInThrottled]
            .into_iter()
            // A purchase only creates: its records are `Created`.
            .chain(
                Kind::ALL
                    .into_iter()
                    .filter(|k| *k != Kind::Purchase)
                    .map(Action::Change),
            )
            .chain([
                Action::Created(Kind::Upgrade),
                Action::Created(Kind::Purchase),
                Action::CustomerCreated,
            ])
            .chain(Action::TEAM)
    }

    /// The records of a request refused, of changes to the team, and of approvals.
    const TEAM: [Action; 11] = [
        Action::Refused,
        Action::UserInvited,
        Action::UserRoleChanged,
        Action::PasswordReset,
        Action::UserDeactivated,
        Action::UserReactivated,
        Action::TwoStepReset,
        Action::ApprovalRequested,
        Action::ApprovalApproved,
        Action::ApprovalRejected,
        Action::ApprovalWithdrawn,
    ];

    /// The action as the log stores it: a change by its kind's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::SignIn => "sign_in",
            Action::SignInThrottled => "sign_in_throttled",
            // An upgrade's two records, as stored since the first release.
            Action::Change(Kind::Upgrade) => "upgrade_from",
            // A kind that creates a subscription names its record here.
            Action::Created(Kind::Purchase) => "purchase",
            Action::Created(_) => "upgrade_to",
            Action::Change(kind) => kind.as_str(),
            Action::Refused => "refused",
            Action::UserInvited => "user_invited",
            Action::UserRoleChanged => "user_role_changed",
            Action::PasswordReset => "password_reset",
            Action::UserDeactivated => "user_deactivated",
            Action::UserReactivated => "user_reactivated",
            Action::TwoStepReset => "two_step_reset",
            Action::CustomerCreated => "customer_created",
            Action::ApprovalRequested => "approval_requested",
            Action::ApprovalApproved => "approval_approved",
            Action::ApprovalRejected => "approval_rejected",
            Action::ApprovalWithdrawn => "approval_withdrawn",
        }
    }

    fn parse(raw: &str) -> Option<Action> {
        Action::all().find(|a| a.as_str() == raw)
    }

    /// The key of the action's words in the message catalogs: `activity-` and its name.
    pub fn message_key(self) -> String {
        format!("activity-{}", self.as_str().replace('_', "-"))
    }
}

/// A subscription's licenses and status at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    pub quantity: u32,
    pub assigned: u32,
    pub status: SubscriptionStatus,
}

impl From<&Subscription> for State {
    fn from(s: &Subscription) -> Self {
        State {
            quantity: s.quantity,
            assigned: s.assigned_licenses,
            status: s.status,
        }
    }
}

/// One record of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The record's place in the log (later records have larger ids).
    pub id: i32,
    pub at: DateTime<Utc>,
    pub by: String,
    pub action: Action,
    pub customer: Option<CustomerId>,
    /// The customer's company name, when the entry names a customer.
    pub company_name: Option<String>,
    pub subscription: Option<SubscriptionId>,
    /// The subscription's friendly name, when the entry names a subscription.
    pub friendly_name: Option<String>,
    pub before: Option<State>,
    pub after: Option<State>,
    pub upgrade_id: Option<i32>,
    /// The friendly names before and after, for a rename.
    pub names: Option<(String, String)>,
    /// The API token the change came through (its id, and its name where the page shows it).
    pub via_token: Option<i32>,
    pub token_name: Option<String>,
    /// The bulk change job the change was part of.
    pub via_job: Option<i32>,
    /// For held-back sign-ins: how many the record counts, and until when.
    pub held_back: Option<HeldBack>,
    /// The role the user acted with (records of before roles have none).
    pub role: Option<Role>,
    /// What was refused, or the user a change to the team was made to.
    pub detail: Option<String>,
    /// Made through the command line (`portal user ...`): no one signed in made it.
    pub via_command_line: bool,
}

/// A record of a change, to write in the transaction that makes it.
pub(crate) struct Record<'a> {
    pub customer: &'a CustomerId,
    pub subscription: &'a SubscriptionId,
    pub action: Action,
    pub before: Option<State>,
    pub after: State,
    pub upgrade_id: Option<i32>,
    /// The door the change came through.
    pub via: Via,
    /// The friendly names before and after, for a rename.
    pub names: Option<(&'a str, &'a str)>,
    pub at: DateTime<Utc>,
}

/// The statement recording the records of one change (an upgrade's two subscriptions, an edit's
/// steps), for the change's writes.
pub(crate) fn recorded<'a>(
    backend: DbBackend,
    who: &Account,
    records: impl IntoIterator<Item = Record<'a>>,
) -> Statement {
    let rows = records.into_iter().map(|change| {
        let before = change.before;
        activity::ActiveModel {
            reseller_id: Set(who.reseller.to_string()),
            user_email: Set(who.email.clone()),
            user_role: Set(Some(who.role.as_str().to_owned())),
            at: Set(change.at),
            action: Set(change.action.as_str().to_owned()),
            customer_id: Set(Some(change.customer.to_string())),
            subscription_id: Set(Some(change.subscription.to_string())),
            before_quantity: Set(before.map(|b| i64::from(b.quantity))),
            before_assigned: Set(before.map(|b| i64::from(b.assigned))),
            before_status: Set(before.map(|b| b.status.as_str().to_owned())),
            after_quantity: Set(Some(i64::from(change.after.quantity))),
            after_assigned: Set(Some(i64::from(change.after.assigned))),
            after_status: Set(Some(change.after.status.as_str().to_owned())),
            upgrade_id: Set(change.upgrade_id),
            token_id: Set(change.via.token()),
            job_id: Set(change.via.job()),
            correlation_id: Set(change.via.correlation().map(|c| c.to_string())),
            before_name: Set(change.names.map(|(b, _)| b.to_owned())),
            after_name: Set(change.names.map(|(_, a)| a.to_owned())),
            ..Default::default()
        }
    });
    activity::Entity::insert_many(rows).build(backend)
}

/// The statement recording a new customer made by `who` through `via`, for the change's writes.
pub(crate) fn recorded_customer(
    backend: DbBackend,
    who: &Account,
    customer: &CustomerId,
    via: Via,
    at: DateTime<Utc>,
) -> Statement {
    activity::Entity::insert(activity::ActiveModel {
        reseller_id: Set(who.reseller.to_string()),
        user_email: Set(who.email.clone()),
        user_role: Set(Some(who.role.as_str().to_owned())),
        at: Set(at),
        action: Set(Action::CustomerCreated.as_str().to_owned()),
        customer_id: Set(Some(customer.to_string())),
        token_id: Set(via.token()),
        job_id: Set(via.job()),
        ..Default::default()
    })
    .build(backend)
}

/// How long one record of held-back sign-ins counts a user's attempts: a quarter hour of the
/// clock.
pub const HELD_BACK_MINUTES: i64 = 15;

/// Counts a sign-in held back by the throttle in the user's record of the quarter hour, which the
/// first of them makes (dated then): a flood of attempts is one record with its count, not a
/// record an attempt. One statement, so that attempts counted at once on several instances all
/// count.
pub async fn record_sign_in_throttled(
    db: &Db,
    who: &Account,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let window = at.timestamp().div_euclid(HELD_BACK_MINUTES * 60);
    let backend = db.get_database_backend();
    let sql = "INSERT INTO activity \
               (reseller_id, user_email, at, action, attempts, attempts_window, user_role) \
               VALUES ($1, $2, $3, $4, 1, $5, $6) \
               ON CONFLICT (reseller_id, user_email, attempts_window) \
               WHERE attempts_window IS NOT NULL \
               DO UPDATE SET attempts = activity.attempts + 1";
    let sql = match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    };
    let _turn = write_turn(db).await;
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [
            who.reseller.as_str().into(),
            who.email.as_str().into(),
            at.into(),
            Action::SignInThrottled.as_str().into(),
            window.into(),
            who.role.as_str().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Sign-ins held back in one record: how many, up to when the record counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldBack {
    pub attempts: u32,
    /// The end of the record's quarter hour.
    pub until: DateTime<Utc>,
}

impl HeldBack {
    fn of(attempts: Option<i32>, window: Option<i64>) -> Option<HeldBack> {
        let attempts = u32::try_from(attempts?).ok()?;
        let end = window?
            .checked_add(1)?
            .checked_mul(HELD_BACK_MINUTES * 60)?;
        Some(HeldBack {
            attempts,
            until: DateTime::<Utc>::from_timestamp(end, 0)?,
        })
    }
}

/// Records a sign-in.
pub async fn record_sign_in(db: &Db, who: &Account, at: DateTime<Utc>) -> Result<(), DbErr> {
    record_account_event(db, who, Action::SignIn, None, at).await
}

/// Records a request the user's role may not make: `what` names the permission it needed and
/// the request.
pub async fn record_refused(
    db: &Db,
    who: &Account,
    what: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    record_account_event(db, who, Action::Refused, Some(what), at).await
}

pub(super) async fn record_account_event(
    db: &Db,
    who: &Account,
    action: Action,
    detail: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let _turn = write_turn(db).await;
    activity::ActiveModel {
        reseller_id: Set(who.reseller.to_string()),
        user_email: Set(who.email.clone()),
        user_role: Set(Some(who.role.as_str().to_owned())),
        detail: Set(detail.map(|d| d.chars().take(300).collect())),
        at: Set(at),
        action: Set(action.as_str().to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

fn state(q: Option<i64>, a: Option<i64>, s: Option<&str>) -> Result<Option<State>, DbErr> {
    let (Some(q), Some(a), Some(s)) = (q, a, s) else {
        return Ok(None);
    };
    Ok(Some(State {
        quantity: count(q)?,
        assigned: count(a)?,
        status: s
            .parse()
            .map_err(|e| DbErr::Custom(format!("activity status: {e}")))?,
    }))
}

fn corrupt(what: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("unexpected value in the activity log: {what}"))
}

/// Turns rows into entries that name their customers and subscriptions, with one more query
/// (and one for API tokens' names, when a record was made through one).
pub(super) async fn entries(db: &Db, rows: Vec<activity::Model>) -> Result<Vec<Entry>, DbErr> {
    let customer_ids = distinct(rows.iter().map(|r| r.customer_id.as_deref()));
    let subscription_ids = distinct(rows.iter().map(|r| r.subscription_id.as_deref()));
    // Only the names the entries show, customers' and subscriptions' in one statement.
    let mut companies: HashMap<String, String> = HashMap::new();
    let mut names: HashMap<String, String> = HashMap::new();
    if !customer_ids.is_empty() || !subscription_ids.is_empty() {
        let mut both = Query::select()
            .expr_as(Expr::cust("'c'"), Alias::new("kind"))
            .expr_as(Expr::col(customer::Column::Id), Alias::new("id"))
            .expr_as(Expr::col(customer::Column::CompanyName), Alias::new("name"))
            .from(customer::Entity)
            .and_where(customer::Column::Id.is_in(customer_ids))
            .to_owned();
        both.union(
            UnionType::All,
            Query::select()
                .expr_as(Expr::cust("'s'"), Alias::new("kind"))
                .expr_as(Expr::col(subscription::Column::Id), Alias::new("id"))
                .expr_as(
                    Expr::col(subscription::Column::FriendlyName),
                    Alias::new("name"),
                )
                .from(subscription::Entity)
                .and_where(subscription::Column::Id.is_in(subscription_ids))
                .to_owned(),
        );
        for row in db.query_all(&both).await? {
            let kind: String = row.try_get("", "kind")?;
            let (id, name): (String, String) = (row.try_get("", "id")?, row.try_get("", "name")?);
            match kind.as_str() {
                "c" => companies.insert(id, name),
                _ => names.insert(id, name),
            };
        }
    }
    let token_ids: Vec<i32> = {
        let mut ids: Vec<i32> = rows.iter().filter_map(|r| r.token_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let tokens: HashMap<i32, String> = if token_ids.is_empty() {
        HashMap::new()
    } else {
        api_token::Entity::find()
            .filter(api_token::Column::Id.is_in(token_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect()
    };
    rows.into_iter()
        .map(|r| {
            let company_name = r
                .customer_id
                .as_ref()
                .and_then(|c| companies.get(c).cloned());
            let friendly_name = r
                .subscription_id
                .as_ref()
                .and_then(|s| names.get(s).cloned());
            let token_name = r.token_id.and_then(|t| tokens.get(&t).cloned());
            let mut entry = entry(r, company_name, friendly_name)?;
            entry.token_name = token_name;
            Ok(entry)
        })
        .collect()
}

/// The ids given, each once.
fn distinct<'a>(ids: impl Iterator<Item = Option<&'a str>>) -> Vec<&'a str> {
    let mut ids: Vec<&str> = ids.flatten().collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// One record of the log, with the names of its customer and subscription when known.
pub(crate) fn entry(
    r: activity::Model,
    company_name: Option<String>,
    friendly_name: Option<String>,
) -> Result<Entry, DbErr> {
    Ok(Entry {
        at: r.at,
        action: Action::parse(&r.action).ok_or_else(|| corrupt(&r.action))?,
        company_name,
        friendly_name,
        customer: r
            .customer_id
            .as_deref()
            .map(CustomerId::parse)
            .transpose()
            .map_err(corrupt)?,
        subscription: r
            .subscription_id
            .as_deref()
            .map(SubscriptionId::parse)
            .transpose()
            .map_err(corrupt)?,
        before: state(
            r.before_quantity,
            r.before_assigned,
            r.before_status.as_deref(),
        )?,
        after: state(
            r.after_quantity,
            r.after_assigned,
            r.after_status.as_deref(),
        )?,
        upgrade_id: r.upgrade_id,
        names: r.before_name.zip(r.after_name),
        via_token: r.token_id,
        token_name: None,
        via_job: r.job_id,
        held_back: HeldBack::of(r.attempts, r.attempts_window),
        role: r.user_role.as_deref().and_then(|r| Role::parse(r).ok()),
        detail: r.detail,
        via_command_line: r.door.as_deref() == Some(COMMAND_LINE),
        id: r.id,
        by: r.user_email,
    })
}

/// How far the log counts its records ("200+ records"), as far as a search counts its matches:
/// past that a reseller narrows the log by customer or by day (exact again) rather than pages
/// through it, and each record counted is read from the index on every page. At 1,000 the count
/// was most of the page's own work: SQLite 68 µs against 16 µs at 200, PostgreSQL (`pgbench`)
/// 0.18 ms against 0.09.
const COUNT_BOUND: u64 = 200;

/// A record of a page, with the count of the filter's records (up to one past [`COUNT_BOUND`]).
struct CountedRecord {
    record: activity::Model,
    counted: i64,
}

impl FromQueryResult for CountedRecord {
    fn from_query_result(row: &QueryResult, _: &str) -> Result<Self, DbErr> {
        Ok(CountedRecord {
            record: Read::from_query_result(row, "")?.0,
            counted: row.try_get("", "counted")?,
        })
    }
}

/// A record as the log's pages and exports read it: its NULL columns (most records have five)
/// read as such, not through sea-orm's formatted errors (see [`nullable`]).
pub(super) struct Read(pub(super) activity::Model);

impl FromQueryResult for Read {
    fn from_query_result(row: &QueryResult, _: &str) -> Result<Self, DbErr> {
        Ok(Read(activity::Model {
            id: row.try_get("", "id")?,
            reseller_id: row.try_get("", "reseller_id")?,
            user_email: row.try_get("", "user_email")?,
            at: row.try_get("", "at")?,
            action: row.try_get("", "action")?,
            customer_id: nullable(row, "customer_id")?,
            subscription_id: nullable(row, "subscription_id")?,
            before_quantity: nullable(row, "before_quantity")?,
            before_assigned: nullable(row, "before_assigned")?,
            before_status: nullable(row, "before_status")?,
            after_quantity: nullable(row, "after_quantity")?,
            after_assigned: nullable(row, "after_assigned")?,
            after_status: nullable(row, "after_status")?,
            upgrade_id: nullable(row, "upgrade_id")?,
            token_id: nullable(row, "token_id")?,
            before_name: nullable(row, "before_name")?,
            after_name: nullable(row, "after_name")?,
            job_id: nullable(row, "job_id")?,
            attempts: nullable(row, "attempts")?,
            attempts_window: nullable(row, "attempts_window")?,
            user_role: nullable(row, "user_role")?,
            detail: nullable(row, "detail")?,
            door: nullable(row, "door")?,
            // Only the audit records read it, through sea-orm; a page's query may not select it.
            correlation_id: nullable(row, "correlation_id").ok().flatten(),
        }))
    }
}

/// Where a page of the log starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogCursor {
    Newest,
    /// The records older than this one.
    Older(i32),
    /// The records newer than this one (the page before).
    Newer(i32),
}

/// A page of the reseller's activity log, newest first, as filtered: read from the record the
/// cursor names (keyset paging, never an offset), counted up to a bound.
pub async fn page(
    db: &Db,
    reseller: &ResellerId,
    filter: &Filter,
    cursor: LogCursor,
    page: PageRequest,
) -> Result<Page<Entry>, DbErr> {
    let select = filter.select(reseller);
    // Counted from the records' ids alone (the reseller's log index holds them, so the count
    // reads no record), in the statement that reads the page: a scalar subquery, run once. In
    // the log's order, so that PostgreSQL counts them off that index instead of reading them
    // from the table (measured at the old bound of 1,000: 0.18 against 0.25 ms in pgbench).
    let ids = select
        .clone()
        .select_only()
        .column(activity::Column::Id)
        .order_by_desc(activity::Column::Id)
        .limit(COUNT_BOUND + 1);
    let count = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from_subquery(ids.clone().into_query(), Alias::new("counted_ids"))
        .to_owned();
    let read: Vec<CountedRecord> = match cursor {
        LogCursor::Newest => select.order_by_desc(activity::Column::Id),
        LogCursor::Older(id) => select
            .filter(activity::Column::Id.lt(id))
            .order_by_desc(activity::Column::Id),
        LogCursor::Newer(id) => select
            .filter(activity::Column::Id.gt(id))
            .order_by_asc(activity::Column::Id),
    }
    .expr_as(Expr::SubQuery(None, Box::new(count.into())), "counted")
    .limit(page.size + 1)
    .into_model::<CountedRecord>()
    .all(db)
    .await?;
    // A page past the end (or an empty log) carries no count: counted on its own.
    let counted = match read.first() {
        Some(first) => u64::try_from(first.counted).unwrap_or(0),
        None => ids.count(db).await?,
    };
    let mut rows: Vec<activity::Model> = read.into_iter().map(|r| r.record).collect();
    let beyond = rows.len() as u64 > page.size;
    rows.truncate(page.size as usize);
    if matches!(cursor, LogCursor::Newer(_)) {
        rows.reverse();
    }
    let (previous, next) = match cursor {
        LogCursor::Newest => (false, beyond),
        LogCursor::Older(_) => (true, beyond),
        LogCursor::Newer(_) => (beyond, true),
    };
    Ok(Page {
        items: entries(db, rows).await?,
        request: page,
        total: Some(Ord::min(counted, COUNT_BOUND)),
        more: counted > COUNT_BOUND,
        previous,
        next,
    })
}
