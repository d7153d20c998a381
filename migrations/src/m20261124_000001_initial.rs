use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Resellers {
    Table,
    Id,
    Name,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    ResellerId,
    Email,
    PasswordHash,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
    CompanyName,
    /// The company name as it sorts: Chinese characters spelled in pinyin, so that the customer
    /// list reads in the order a Chinese reader expects.
    SortKey,
    Domain,
    /// Bumped by every change to the customer's subscriptions, so that two upgrades of one
    /// customer serialize: rules 4 and 5 read the holdings the other upgrade wrote.
    HoldingsVersion,
}

#[derive(DeriveIden)]
enum Relationships {
    Table,
    ResellerId,
    CustomerId,
    DelegatedAdmin,
}

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    Id,
    CustomerId,
    OfferId,
    FriendlyName,
    Quantity,
    AssignedLicenses,
    Status,
    SoldBy,
    BillingCycle,
    AutoRenew,
    CreatedOn,
    CancellationReason,
    UpgradedTo,
    UpgradedFrom,
    Version,
}

#[derive(DeriveIden)]
enum Upgrades {
    Table,
    Id,
    ResellerId,
    CustomerId,
    SourceId,
    TargetId,
    SourceOffer,
    TargetOffer,
    Quantity,
    MovedAssigned,
    SourceStatus,
    SourceQuantity,
    SourceAssigned,
    UserEmail,
    At,
}

#[derive(DeriveIden)]
enum History {
    Table,
    Id,
    SubscriptionId,
    ResellerId,
    UserEmail,
    At,
    Action,
    BeforeQuantity,
    BeforeAssigned,
    BeforeStatus,
    AfterQuantity,
    AfterAssigned,
    AfterStatus,
    UpgradeId,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Key,
    State,
    ExpiresAt,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Resellers::Table)
                .col(string_len(Resellers::Id, 64).primary_key())
                .col(string(Resellers::Name))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(pk_auto(Users::Id))
                .col(string_len(Users::ResellerId, 64))
                .col(string(Users::Email).unique_key())
                .col(string(Users::PasswordHash))
                .foreign_key(&mut fk(
                    "fk_users_reseller",
                    (Users::Table, Users::ResellerId),
                    (Resellers::Table, Resellers::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Customers::Table)
                .col(string_len(Customers::Id, 64).primary_key())
                .col(string(Customers::CompanyName))
                .col(string(Customers::SortKey))
                .col(string(Customers::Domain))
                .col(big_integer(Customers::HoldingsVersion).default(0))
                .to_owned(),
        )
        .await?;

        m.create_index(
            Index::create()
                .name("ix_customers_sort_key")
                .table(Customers::Table)
                .col(Customers::SortKey)
                .col(Customers::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Relationships::Table)
                .col(string_len(Relationships::ResellerId, 64))
                .col(string_len(Relationships::CustomerId, 64))
                .col(boolean(Relationships::DelegatedAdmin))
                .primary_key(
                    Index::create()
                        .col(Relationships::ResellerId)
                        .col(Relationships::CustomerId),
                )
                .foreign_key(&mut fk(
                    "fk_relationships_reseller",
                    (Relationships::Table, Relationships::ResellerId),
                    (Resellers::Table, Resellers::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_relationships_customer",
                    (Relationships::Table, Relationships::CustomerId),
                    (Customers::Table, Customers::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Subscriptions::Table)
                .col(string_len(Subscriptions::Id, 64).primary_key())
                .col(string_len(Subscriptions::CustomerId, 64))
                .col(string_len(Subscriptions::OfferId, 64))
                .col(string(Subscriptions::FriendlyName))
                .col(big_integer(Subscriptions::Quantity))
                .col(big_integer(Subscriptions::AssignedLicenses))
                .col(string_len(Subscriptions::Status, 16))
                .col(string_len_null(Subscriptions::SoldBy, 64))
                .col(string_len(Subscriptions::BillingCycle, 16))
                .col(boolean(Subscriptions::AutoRenew))
                .col(date(Subscriptions::CreatedOn))
                .col(string_len_null(Subscriptions::CancellationReason, 32))
                .col(string_len_null(Subscriptions::UpgradedTo, 64))
                .col(string_len_null(Subscriptions::UpgradedFrom, 64))
                .col(big_integer(Subscriptions::Version).default(0))
                .foreign_key(&mut fk(
                    "fk_subscriptions_customer",
                    (Subscriptions::Table, Subscriptions::CustomerId),
                    (Customers::Table, Customers::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_subscriptions_sold_by",
                    (Subscriptions::Table, Subscriptions::SoldBy),
                    (Resellers::Table, Resellers::Id),
                ))
                .to_owned(),
        )
        .await?;
        // A customer's subscriptions (every channel), and a reseller's own within one customer.
        m.create_index(
            Index::create()
                .name("ix_subscriptions_customer")
                .table(Subscriptions::Table)
                .col(Subscriptions::CustomerId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_subscriptions_sold_by_customer")
                .table(Subscriptions::Table)
                .col(Subscriptions::SoldBy)
                .col(Subscriptions::CustomerId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Upgrades::Table)
                .col(pk_auto(Upgrades::Id))
                .col(string_len(Upgrades::ResellerId, 64))
                .col(string_len(Upgrades::CustomerId, 64))
                .col(string_len(Upgrades::SourceId, 64))
                .col(string_len(Upgrades::TargetId, 64))
                .col(string_len(Upgrades::SourceOffer, 64))
                .col(string_len(Upgrades::TargetOffer, 64))
                .col(big_integer(Upgrades::Quantity))
                .col(big_integer(Upgrades::MovedAssigned))
                .col(string_len(Upgrades::SourceStatus, 16))
                .col(big_integer(Upgrades::SourceQuantity))
                .col(big_integer(Upgrades::SourceAssigned))
                .col(string(Upgrades::UserEmail))
                .col(timestamp_with_time_zone(Upgrades::At))
                .foreign_key(&mut fk(
                    "fk_upgrades_source",
                    (Upgrades::Table, Upgrades::SourceId),
                    (Subscriptions::Table, Subscriptions::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_upgrades_target",
                    (Upgrades::Table, Upgrades::TargetId),
                    (Subscriptions::Table, Subscriptions::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(History::Table)
                .col(pk_auto(History::Id))
                .col(string_len(History::SubscriptionId, 64))
                .col(string_len(History::ResellerId, 64))
                .col(string(History::UserEmail))
                .col(timestamp_with_time_zone(History::At))
                .col(string_len(History::Action, 32))
                .col(big_integer_null(History::BeforeQuantity))
                .col(big_integer_null(History::BeforeAssigned))
                .col(string_len_null(History::BeforeStatus, 16))
                .col(big_integer(History::AfterQuantity))
                .col(big_integer(History::AfterAssigned))
                .col(string_len(History::AfterStatus, 16))
                .col(integer_null(History::UpgradeId))
                .foreign_key(&mut fk(
                    "fk_history_subscription",
                    (History::Table, History::SubscriptionId),
                    (Subscriptions::Table, Subscriptions::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_history_upgrade",
                    (History::Table, History::UpgradeId),
                    (Upgrades::Table, Upgrades::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_history_subscription")
                .table(History::Table)
                .col(History::SubscriptionId)
                .col(History::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(string_len(Sessions::Key, 128).primary_key())
                .col(text(Sessions::State))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_sessions_expires_at")
                .table(Sessions::Table)
                .col(Sessions::ExpiresAt)
                .to_owned(),
        )
        .await
    }
}
