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
    /// The customer's company name as it sorts (Chinese characters spelled in pinyin), and
    /// company name and domain lowercased (what the search matches): kept here, beside the
    /// reseller, so that a page of a reseller's customer list, searched or not, reads in order
    /// from one index without touching the customers it skips.
    SortKey,
    SearchText,
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

/// Every change a reseller's users made, and their sign-ins: who, when, what, before and after.
#[derive(DeriveIden)]
enum Activity {
    Table,
    Id,
    ResellerId,
    UserEmail,
    At,
    Action,
    CustomerId,
    SubscriptionId,
    BeforeQuantity,
    BeforeAssigned,
    BeforeStatus,
    AfterQuantity,
    AfterAssigned,
    AfterStatus,
    UpgradeId,
}

/// The result of a change made from a form, by the form's one-time key: the same submit arriving
/// again shows the first result instead of changing anything twice.
#[derive(DeriveIden)]
enum Idempotency {
    Table,
    UserId,
    Key,
    Location,
    CreatedAt,
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
                .col(string(Customers::Domain))
                .col(big_integer(Customers::HoldingsVersion).default(0))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Relationships::Table)
                .col(string_len(Relationships::ResellerId, 64))
                .col(string_len(Relationships::CustomerId, 64))
                .col(boolean(Relationships::DelegatedAdmin))
                .col(string(Relationships::SortKey))
                .col(string(Relationships::SearchText))
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

        m.create_index(
            Index::create()
                .name("ix_relationships_list")
                .table(Relationships::Table)
                .col(Relationships::ResellerId)
                .col(Relationships::SortKey)
                .col(Relationships::CustomerId)
                .col(Relationships::SearchText)
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
                .table(Activity::Table)
                .col(pk_auto(Activity::Id))
                .col(string_len(Activity::ResellerId, 64))
                .col(string(Activity::UserEmail))
                .col(timestamp_with_time_zone(Activity::At))
                .col(string_len(Activity::Action, 32))
                .col(string_len_null(Activity::CustomerId, 64))
                .col(string_len_null(Activity::SubscriptionId, 64))
                .col(big_integer_null(Activity::BeforeQuantity))
                .col(big_integer_null(Activity::BeforeAssigned))
                .col(string_len_null(Activity::BeforeStatus, 16))
                .col(big_integer_null(Activity::AfterQuantity))
                .col(big_integer_null(Activity::AfterAssigned))
                .col(string_len_null(Activity::AfterStatus, 16))
                .col(integer_null(Activity::UpgradeId))
                .foreign_key(&mut fk(
                    "fk_activity_reseller",
                    (Activity::Table, Activity::ResellerId),
                    (Resellers::Table, Resellers::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_activity_subscription",
                    (Activity::Table, Activity::SubscriptionId),
                    (Subscriptions::Table, Subscriptions::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_activity_upgrade",
                    (Activity::Table, Activity::UpgradeId),
                    (Upgrades::Table, Upgrades::Id),
                ))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            (
                "ix_activity_subscription",
                vec![Activity::SubscriptionId, Activity::Id],
            ),
            (
                "ix_activity_reseller",
                vec![Activity::ResellerId, Activity::Id],
            ),
            (
                "ix_activity_reseller_customer",
                vec![Activity::ResellerId, Activity::CustomerId, Activity::Id],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Activity::Table);
            for col in cols {
                index.col(col);
            }
            m.create_index(index.to_owned()).await?;
        }

        m.create_table(
            Table::create()
                .table(Idempotency::Table)
                .col(integer(Idempotency::UserId))
                .col(string_len(Idempotency::Key, 64))
                .col(string(Idempotency::Location))
                .col(timestamp_with_time_zone(Idempotency::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(Idempotency::UserId)
                        .col(Idempotency::Key),
                )
                .foreign_key(&mut fk(
                    "fk_idempotency_user",
                    (Idempotency::Table, Idempotency::UserId),
                    (Users::Table, Users::Id),
                ))
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
