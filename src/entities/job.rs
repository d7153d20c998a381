use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub reseller_id: String,
    pub user_id: i32,
    pub user_email: String,
    pub language: String,
    pub origin: String,
    pub summary: String,
    pub state: String,
    pub total: i32,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    /// What a review's rows do to the bill (JSON), worked out when it was written.
    pub review_cost: Option<String>,
    /// The title's parts (JSON), read in each viewer's language; `None` for jobs written before.
    pub title: Option<String>,
    /// Who confirmed the job: it runs with their role.
    pub confirmed_by: Option<i32>,
    /// When it was held for a second person's approval (issue 32).
    pub requested_at: Option<DateTimeUtc>,
    /// Who approved or rejected it.
    pub decided_by: Option<i32>,
    /// The decider's note.
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
