use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub reseller_id: String,
    pub user_email: String,
    pub at: DateTimeUtc,
    pub action: String,
    pub customer_id: Option<String>,
    pub subscription_id: Option<String>,
    pub before_quantity: Option<i64>,
    pub before_assigned: Option<i64>,
    pub before_status: Option<String>,
    pub after_quantity: Option<i64>,
    pub after_assigned: Option<i64>,
    pub after_status: Option<String>,
    pub upgrade_id: Option<i32>,
    pub token_id: Option<i32>,
    pub before_name: Option<String>,
    pub after_name: Option<String>,
    pub job_id: Option<i32>,
    /// For held-back sign-ins: how many attempts the record counts…
    pub attempts: Option<i32>,
    /// …in this quarter hour of the clock (quarter hours since 1970).
    pub attempts_window: Option<i64>,
    /// The role the user acted with.
    pub user_role: Option<String>,
    /// For a request the role may not make: the permission it needed and what was asked; for a
    /// change to the team: the user it was made to (and their new role).
    pub detail: Option<String>,
    /// The door, when it is none of the above: `command_line` (issue 32's team commands).
    pub door: Option<String>,
    /// issue 33: the `MS-CorrelationId` of the API request that made the change.
    pub correlation_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
