use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "upgrades")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub reseller_id: String,
    pub customer_id: String,
    pub source_id: String,
    pub target_id: String,
    pub source_offer: String,
    pub target_offer: String,
    pub quantity: i64,
    pub moved_assigned: i64,
    pub source_status: String,
    pub source_quantity: i64,
    pub source_assigned: i64,
    pub user_email: String,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
