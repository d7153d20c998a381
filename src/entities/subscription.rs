use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub customer_id: String,
    pub offer_id: String,
    pub friendly_name: String,
    pub quantity: i64,
    pub assigned_licenses: i64,
    pub status: String,
    pub sold_by: Option<String>,
    pub billing_cycle: String,
    pub auto_renew: bool,
    pub created_on: Date,
    pub cancellation_reason: Option<String>,
    pub upgraded_to: Option<String>,
    pub upgraded_from: Option<String>,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
