use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_rows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub job_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line: i32,
    pub subscription_id: String,
    pub customer_id: Option<String>,
    pub company_name: Option<String>,
    pub friendly_name: Option<String>,
    pub action: Option<String>,
    pub target_offer: Option<String>,
    pub quantity: Option<i64>,
    pub expected_version: Option<i64>,
    pub state: String,
    pub code: Option<String>,
    pub detail: Option<String>,
    pub target_subscription_id: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub attempts: i32,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
