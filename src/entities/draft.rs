use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "drafts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub reseller_id: String,
    pub user_id: i32,
    pub key: String,
    pub form: String,
    pub customer_id: String,
    pub subscription_id: String,
    pub fields: String,
    pub version: i64,
    pub state: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub decided_by: Option<i32>,
    pub decided_at: Option<DateTimeUtc>,
    pub prices_version: Option<i64>,
    pub result: Option<String>,
    /// The review's address names the draft by this (issue 32), never by `id`.
    pub public_id: String,
    /// When the change was held for approval.
    pub requested_at: Option<DateTimeUtc>,
    /// The review's figure for this period when it was requested.
    pub cost: Option<String>,
    /// The decider's note.
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
