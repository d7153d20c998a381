//! A new customer, through the change engine: begin (claiming no row; on PostgreSQL the domain's
//! lock) → the replay of a used one-time key → the domain checked free in the transaction (any
//! reseller's customer, compared without case) → write the customer, this reseller's
//! relationship with delegated admin privileges, its profile, the tenant's first admin (its
//! password's hash only), the reseller's customer count, the activity record (who, through
//! which door) and the event (`customer-created`) →
//! the customer search's rows of the new relationship alone (`store::customers::added`; on
//! SQLite its row of the trigram table and its terms' counts at the end of the change's batch) →
//! keep the door's reply → finish.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryTrait};

use super::super::activity;
use super::super::customers::added;
use super::super::events::{self, Touched};
use super::claim::{self, CustomerBegun};
use super::writes::Writes;
use super::{ChangeError, Reply};
use crate::domain::change::Via;
use crate::domain::customer::{search_text, sort_key};
use crate::domain::signup::{CUSTOMER_CREATED, NewCustomer};
use crate::domain::{Account, ChangeKey, Customer, CustomerId};
use crate::entities::{customer, relationship, reseller};
use crate::store::{Db, DbErr};

/// Who makes a new customer, and how the request guards it.
#[derive(Debug, Clone, Copy)]
pub struct CustomerSubmission<'a> {
    pub who: &'a Account,
    pub via: Via,
    pub key: Option<&'a ChangeKey>,
    /// The held draft of Add customer its review's Confirm settles, with the customer.
    pub settles: Option<super::Settles>,
    pub at: DateTime<Utc>,
}

/// A customer made: the customer, and its first admin's user name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerMade {
    pub customer: Customer,
    pub admin: String,
}

/// How a new customer ended that was not refused: its reply, and the customer (`None` for a
/// repeated request, given its first reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerDone {
    pub reply: Reply,
    pub made: Option<CustomerMade>,
}

/// Makes a new customer, or gives the reply the same request got before. Its domain taken (by
/// any reseller's customer): [`ChangeError::Conflict`], nothing written. `password_hash` is the
/// first admin's password's hash; the password itself is the door's to show, once.
#[tracing::instrument(skip_all, fields(reseller = %sub.who.reseller, change = "customer"))]
pub async fn create_customer(
    db: &Db,
    sub: &CustomerSubmission<'_>,
    new: &NewCustomer,
    password_hash: &str,
    reply: impl FnOnce(&CustomerMade) -> Reply,
) -> Result<CustomerDone, ChangeError> {
    let result = make(db, sub, new, password_hash, reply).await;
    super::counted("customer", &result);
    result
}

async fn make(
    db: &Db,
    sub: &CustomerSubmission<'_>,
    new: &NewCustomer,
    password_hash: &str,
    reply: impl FnOnce(&CustomerMade) -> Reply,
) -> Result<CustomerDone, ChangeError> {
    let domain = new.prefix.domain();
    // Time-ordered (a version 7 GUID): the rows keyed by the customer (its own, its
    // relationship's, profile's and first admin's) are written at the end of their tables'
    // keys, beside those of the customers made just before, rather than each in a page of its
    // own anywhere in them: a batch of new customers writes a few pages of each, not dozens.
    let id = CustomerId::parse(&uuid::Uuid::now_v7().to_string())
        .map_err(|e| DbErr::Custom(format!("a new customer id: {e}")))?;
    let (sort_key, search_text) = (
        sort_key(&new.company_name),
        search_text(&new.company_name, &domain),
    );
    let search = added::Added {
        reseller: &sub.who.reseller,
        customer: &id,
        sort_key: &sort_key,
        search_text: &search_text,
    };
    // Everything but the search rows is known before the change takes its turn to write (on
    // SQLite the turn is the process's: what is built here is not built while others wait).
    let backend = db.get_database_backend();
    let mut writes = Writes::new(backend);
    writes.push(
        customer::Entity::insert(customer::ActiveModel {
            id: Set(id.to_string()),
            company_name: Set(new.company_name.clone()),
            domain: Set(domain.clone()),
            holdings_version: Set(0),
        })
        .build(backend),
    );
    writes.push(
        relationship::Entity::insert(relationship::ActiveModel {
            reseller_id: Set(sub.who.reseller.to_string()),
            customer_id: Set(id.to_string()),
            delegated_admin: Set(true),
            sort_key: Set(sort_key.clone()),
            search_text: Set(search_text.clone()),
            company_name: Set(new.company_name.clone()),
            domain: Set(domain.clone()),
        })
        .build(backend),
    );
    let profile = Query::insert()
        .into_table(Alias::new("customer_profiles"))
        .columns(
            [
                "customer_id",
                "reseller_id",
                "first_name",
                "last_name",
                "email",
                "phone",
                "province",
                "city",
                "address_line",
                "postal_code",
                "language",
                "created_at",
            ]
            .map(Alias::new),
        )
        .values_panic([
            id.as_str().into(),
            sub.who.reseller.as_str().into(),
            new.first_name.as_str().into(),
            new.last_name.as_str().into(),
            new.email.as_str().into(),
            new.phone.as_str().into(),
            new.province.into(),
            new.city.as_str().into(),
            new.address_line.as_str().into(),
            new.postal_code.as_str().into(),
            new.language.into(),
            sub.at.into(),
        ])
        .to_owned();
    writes.push(backend.build(&profile));
    let admin = Query::insert()
        .into_table(Alias::new("tenant_admins"))
        .columns(["customer_id", "user_name", "password_hash", "created_at"].map(Alias::new))
        .values_panic([
            id.as_str().into(),
            new.admin().into(),
            password_hash.into(),
            sub.at.into(),
        ])
        .to_owned();
    writes.push(backend.build(&admin));
    writes.push(
        reseller::Entity::update_many()
            .col_expr(
                reseller::Column::Customers,
                Expr::col(reseller::Column::Customers).add(1),
            )
            .filter(reseller::Column::Id.eq(sub.who.reseller.as_str()))
            .build(backend),
    );
    writes.push(activity::recorded_customer(
        backend, sub.who, &id, sub.via, sub.at,
    ));
    writes.push(events::recorded_each(
        backend,
        &events::Source {
            who: sub.who,
            via: sub.via,
            customer: &id,
            at: sub.at,
        },
        [Touched {
            name: CUSTOMER_CREATED,
            resource: "customer",
            id: id.as_str(),
        }],
    ));
    let made = CustomerMade {
        customer: Customer {
            id: id.clone(),
            company_name: new.company_name.clone(),
            domain: domain.clone(),
            delegated_admin: true,
        },
        admin: new.admin(),
    };
    let reply = reply(&made);
    // On SQLite the domain's check and the search rows' neighbours are read with the
    // transaction's first statement.
    let (begun, read) = claim::begin_book(
        db,
        sub.who,
        sub.key,
        &domain,
        &domain,
        added::Neighbours::columns(&search),
    )
    .await?;
    let mut claimed = match begun {
        CustomerBegun::Claimed(claimed) => claimed,
        CustomerBegun::Replayed(reply) => return Ok(CustomerDone { reply, made: None }),
    };
    let taken = match &read {
        Some(row) => row.try_get::<bool>("", "taken")?,
        None => crate::store::orders::domain_taken(claimed.txn()?, &domain).await?,
    };
    if taken {
        claimed.undo().await?;
        return Err(ChangeError::Conflict);
    }
    // After the relationship's insert: a renumbered stretch of the list holds it.
    let search_rows = match &read {
        Some(row) => {
            added::sqlite_statements(claimed.txn()?, &search, added::Neighbours::of_row(row)?)
                .await?
        }
        None => added::statements(claimed.txn()?, &search).await?,
    };
    for statement in search_rows {
        writes.push(statement);
    }
    if backend == sea_orm::DbBackend::Sqlite {
        claimed.before_commit(added::WRITE_PENDING)?;
    }
    claimed
        .finish(sub.who, sub.key, sub.settles, sub.at, writes, &reply)
        .await?;
    Ok(CustomerDone {
        reply,
        made: Some(made),
    })
}
