use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Written by instances of the previous version only (the door's reply was HTTP-shaped).
    pub location: String,
    pub status: i32,
    pub body: Option<String>,
    /// The door's reply (`store::changes::Reply`); `None` on a record of the previous version.
    pub reply: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
