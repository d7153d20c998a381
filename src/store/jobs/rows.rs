//! A job's rows as its pages read them: a page at a time, of one state (or of one reason), and
//! how many rows each reason holds.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{RowState, corrupt};
use crate::domain::bulk::{Problem, RowChange};
use crate::domain::change::Kind;
use crate::domain::{CustomerId, OfferId, SubscriptionId, Version};
use crate::entities::job_row;
use crate::store::{Db, DbErr};

/// One row of a job.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u32,
    /// The subscription as the row names it (as a file wrote it, for a line naming none).
    pub subscription: String,
    pub customer: Option<CustomerId>,
    /// The customer's and the subscription's names as the review saw them.
    pub names: Option<(String, String)>,
    /// The change the row makes; `None` for a line of a file that names none.
    pub change: Option<RowChange>,
    /// The kind of change the row names, even when the row can't be done.
    pub kind: Option<Kind>,
    /// The offer the row asks for (an upgrade's target), even when the row can't be done.
    pub target_offer: Option<OfferId>,
    /// The number of licenses the row asks for, even when the row can't be done.
    pub quantity: Option<u32>,
    pub state: RowState,
    /// Why the row can't be done, or was not.
    pub problem: Option<Problem>,
    /// The subscription an upgrade made.
    pub target: Option<SubscriptionId>,
    /// The subscription's version at the review.
    pub expected: Option<Version>,
}

pub(super) fn to_row(m: job_row::Model) -> Result<Row, DbErr> {
    let kind = m.action.as_deref().and_then(Kind::parse);
    let target_offer = m
        .target_offer
        .as_deref()
        .map(str::parse::<OfferId>)
        .transpose()
        .map_err(corrupt)?;
    let quantity = m.quantity.map(u32::try_from).transpose().map_err(corrupt)?;
    let state = RowState::parse(&m.state)?;
    let problem = match &m.code {
        Some(code) => Some(
            Problem::from_stored(code, m.detail.as_deref())
                .ok_or_else(|| corrupt(format!("row code {code}")))?,
        ),
        None => None,
    };
    Ok(Row {
        line: u32::try_from(m.line).map_err(corrupt)?,
        customer: m
            .customer_id
            .as_deref()
            .map(CustomerId::parse)
            .transpose()
            .map_err(corrupt)?,
        change: kind.and_then(|kind| RowChange::read(kind, target_offer, quantity)),
        kind,
        target_offer,
        quantity,
        state,
        problem,
        target: m
            .target_subscription_id
            .as_deref()
            .map(SubscriptionId::parse)
            .transpose()
            .map_err(corrupt)?,
        expected: m.expected_version.map(Version),
        names: m.company_name.zip(m.friendly_name),
        subscription: m.subscription_id,
    })
}

/// Which of a job's rows [`rows`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows<'a> {
    /// Rows still to run.
    Pending,
    /// Rows that have ended.
    Finished,
    /// Rows refused: at review, those that can't be done.
    Refused,
    /// Rows refused for one of these reasons (their codes).
    RefusedFor(&'a [&'a str]),
    /// Every row.
    All,
}

/// Up to `limit` of the job's rows after line `after`, in line order: a page. The rows of one
/// state (a review's two lists) are read from the index of rows by job, state and line, however
/// many the job holds.
pub async fn rows(
    db: &Db,
    id: i32,
    which: Rows<'_>,
    after: u32,
    limit: u64,
) -> Result<Vec<Row>, DbErr> {
    let mut select = job_row::Entity::find()
        .filter(job_row::Column::JobId.eq(id))
        .filter(job_row::Column::Line.gt(i64::from(after)));
    let state = job_row::Column::State;
    select = match which {
        Rows::Pending => select.filter(state.eq(RowState::Pending.as_str())),
        Rows::Finished => select.filter(state.ne(RowState::Pending.as_str())),
        Rows::Refused => select.filter(state.eq(RowState::Refused.as_str())),
        Rows::RefusedFor(codes) => select
            .filter(state.eq(RowState::Refused.as_str()))
            .filter(job_row::Column::Code.is_in(codes.iter().copied())),
        Rows::All => select,
    };
    select
        .order_by_asc(job_row::Column::Line)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(to_row)
        .collect()
}

/// How many of the job's rows were refused for each reason (its code), most first.
pub async fn reasons(db: &Db, id: i32) -> Result<Vec<(String, u32)>, DbErr> {
    let mut counts: Vec<(String, u32)> = job_row::Entity::find()
        .select_only()
        .column(job_row::Column::Code)
        .column_as(job_row::Column::Line.count(), "n")
        .filter(job_row::Column::JobId.eq(id))
        .filter(job_row::Column::State.eq(RowState::Refused.as_str()))
        .group_by(job_row::Column::Code)
        .into_tuple::<(Option<String>, i64)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(code, n)| {
            (
                code.unwrap_or_default(),
                u32::try_from(n).unwrap_or(u32::MAX),
            )
        })
        .collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(counts)
}

/// The names of the subscriptions the rows' upgrades made, by id: a row's result names the new
/// subscription, not its GUID.
pub async fn target_names(
    db: &Db,
    rows: &[Row],
) -> Result<std::collections::HashMap<SubscriptionId, String>, DbErr> {
    let ids: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.target.as_ref().map(SubscriptionId::as_str))
        .collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    crate::entities::subscription::Entity::find()
        .select_only()
        .column(crate::entities::subscription::Column::Id)
        .column(crate::entities::subscription::Column::FriendlyName)
        .filter(crate::entities::subscription::Column::Id.is_in(ids))
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, name)| Ok((SubscriptionId::parse(&id).map_err(corrupt)?, name)))
        .collect()
}
