use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub subscription_id: String,
    pub reseller_id: String,
    pub user_email: String,
    pub at: DateTimeUtc,
    pub action: String,
    pub before_quantity: Option<i64>,
    pub before_assigned: Option<i64>,
    pub before_status: Option<String>,
    pub after_quantity: i64,
    pub after_assigned: i64,
    pub after_status: String,
    pub upgrade_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
