use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "resellers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub billing_day: i32,
    /// How many customers the reseller has: counted by the importer, which alone adds them.
    pub customers: i64,
    /// The roles whose users must enroll in two-step sign-in, comma-separated.
    pub two_step_roles: Option<String>,
    /// A change costing more than this this period needs approval (yuan, as text).
    pub approval_cost: Option<String>,
    /// A bulk job of more rows than this needs approval.
    pub approval_rows: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
