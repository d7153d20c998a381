use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub reseller_id: String,
    #[sea_orm(unique)]
    pub email: String,
    pub password_hash: String,
    /// Written beside `role` for instances of before: whether the role is global-admin.
    pub is_admin: bool,
    pub role: String,
    pub name: Option<String>,
    pub deactivated_at: Option<DateTimeUtc>,
    /// The authenticator's secret once enrolled (sealed: see `store::two_step`).
    pub totp_secret: Option<String>,
    /// The secret being enrolled, until a first code confirms it (sealed too).
    pub totp_pending: Option<String>,
    /// The last step whose code was used.
    pub totp_last_step: Option<i64>,
    /// When the user's sessions were ended (unix milliseconds, the sessions' own clock): a session
    /// signed in at or before it is out. Set by deactivation; reactivation leaves it.
    pub sessions_ended_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::reseller::Entity",
        from = "Column::ResellerId",
        to = "super::reseller::Column::Id"
    )]
    Reseller,
}

impl Related<super::reseller::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Reseller.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
