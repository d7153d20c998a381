//! An order of new subscriptions, through the change engine: begin → claim the customer (the
//! reseller's, or as if it were not there) → plan (one new subscription a line) → write the
//! order, its lines and its subscriptions → an activity record for each subscription → the
//! events (`order-created`, and each subscription's) → keep the door's reply under the one-time
//! key → finish. All its subscriptions or none; the same key again: the first reply.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, EntityTrait, QueryTrait};

use super::super::activity::{self, Action, Record, State};
use super::super::events::{self, Touched};
use super::claim::{self, CustomerBegun};
use super::writes::Writes;
use super::{ChangeError, Reply};
use crate::domain::billing::china_date;
use crate::domain::change::{Kind, SUBSCRIPTION_UPDATED, Via};
use crate::domain::order::{self, ORDER_CREATED, Order, Placed, PlacedLine};
use crate::domain::{
    Account, BillingCycle, ChangeKey, CustomerId, SubscriptionId, SubscriptionStatus,
};
use crate::entities::{order as order_entity, order_line, subscription};
use crate::store::{Db, DbErr};

/// Who places an order for which customer, and how the request guards it.
#[derive(Debug, Clone, Copy)]
pub struct OrderSubmission<'a> {
    pub who: &'a Account,
    pub via: Via,
    pub customer: &'a CustomerId,
    /// The request's one-time key (a form's, or the API's `MS-RequestId`).
    pub key: Option<&'a ChangeKey>,
    /// The customer's holdings version its review showed (a page's Confirm): another order
    /// placed since (another tab's) is a conflict. Without one, the order is placed as the
    /// customer is.
    pub expected: Option<i64>,
    /// The held draft of Add subscription its review's Confirm settles, with the order.
    pub settles: Option<super::Settles>,
    pub at: DateTime<Utc>,
}

/// How an order ended that was not refused: its reply, and the order (`None` when the request
/// was made before and its first reply is given again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDone {
    pub reply: Reply,
    pub placed: Option<Placed>,
}

/// Places an order, or gives the reply the same request got before. `reply` is the door's answer
/// to the order placed; it is kept under the request's key with the order's writes.
#[tracing::instrument(skip_all, fields(reseller = %sub.who.reseller, customer = %sub.customer, change = "purchase"))]
pub async fn place(
    db: &Db,
    sub: &OrderSubmission<'_>,
    order: &Order,
    reply: impl FnOnce(&Placed) -> Reply,
) -> Result<OrderDone, ChangeError> {
    let result = make(db, sub, order, reply).await;
    super::counted(Kind::Purchase.as_str(), &result);
    result
}

async fn make(
    db: &Db,
    sub: &OrderSubmission<'_>,
    order: &Order,
    reply: impl FnOnce(&Placed) -> Reply,
) -> Result<OrderDone, ChangeError> {
    let claimed =
        match claim::begin_customer(db, sub.who, sub.customer, sub.key, sub.expected).await? {
            CustomerBegun::Claimed(claimed) => claimed,
            CustomerBegun::Replayed(reply) => {
                return Ok(OrderDone {
                    reply,
                    placed: None,
                });
            }
        };
    let mut writes = claimed.writes();
    let placed = match written(&mut writes, sub, order) {
        Ok(placed) => placed,
        Err(e) => {
            claimed.undo().await?;
            return Err(e.into());
        }
    };
    let reply = reply(&placed);
    claimed
        .finish(sub.who, sub.key, sub.settles, sub.at, writes, &reply)
        .await?;
    Ok(OrderDone {
        reply,
        placed: Some(placed),
    })
}

/// The order's writes: the order, its lines, the subscriptions (one a line), an activity record
/// for each, and the events.
fn written(writes: &mut Writes, sub: &OrderSubmission<'_>, order: &Order) -> Result<Placed, DbErr> {
    let backend = writes.backend();
    let id = uuid::Uuid::new_v4().to_string();
    let mut lines = Vec::with_capacity(order.lines().len());
    let planned = order::plan(order);
    for (line, new) in order.lines().iter().zip(&planned) {
        let subscription = SubscriptionId::parse(&uuid::Uuid::new_v4().to_string())
            .map_err(|e| DbErr::Custom(format!("a new subscription id: {e}")))?;
        lines.push(PlacedLine {
            number: line.number,
            offer: new.offer,
            subscription,
            friendly_name: new.friendly_name.as_str().to_owned(),
            quantity: new.quantity,
        });
    }
    writes.push(
        subscription::Entity::insert_many(lines.iter().zip(&planned).map(|(line, new)| {
            subscription::ActiveModel {
                id: Set(line.subscription.to_string()),
                customer_id: Set(sub.customer.to_string()),
                offer_id: Set(new.offer.as_str().to_owned()),
                friendly_name: Set(line.friendly_name.clone()),
                quantity: Set(i64::from(new.quantity)),
                assigned_licenses: Set(i64::from(new.assigned)),
                status: Set(SubscriptionStatus::Active.as_str().to_owned()),
                sold_by: Set(Some(sub.who.reseller.to_string())),
                billing_cycle: Set(new.billing_cycle.as_str().to_owned()),
                auto_renew: Set(new.auto_renew),
                created_on: Set(china_date(sub.at)),
                cancellation_reason: Set(None),
                upgraded_to: Set(None),
                upgraded_from: Set(None),
                version: Set(0),
            }
        }))
        .build(backend),
    );
    writes.push(
        order_entity::Entity::insert(order_entity::ActiveModel {
            id: Set(id.clone()),
            reseller_id: Set(sub.who.reseller.to_string()),
            customer_id: Set(sub.customer.to_string()),
            billing_cycle: Set(BillingCycle::Monthly.as_str().to_owned()),
            user_email: Set(sub.who.email.clone()),
            door: Set(sub.via.as_str().to_owned()),
            created_at: Set(sub.at),
        })
        .build(backend),
    );
    writes.push(
        order_line::Entity::insert_many(lines.iter().map(|l| order_line::ActiveModel {
            order_id: Set(id.clone()),
            line_number: Set(l.number as i32),
            offer_id: Set(l.offer.as_str().to_owned()),
            subscription_id: Set(l.subscription.to_string()),
            friendly_name: Set(l.friendly_name.clone()),
            quantity: Set(i64::from(l.quantity)),
        }))
        .build(backend),
    );
    writes.push(activity::recorded(
        backend,
        sub.who,
        lines.iter().map(|l| Record {
            customer: sub.customer,
            subscription: &l.subscription,
            action: Action::Created(Kind::Purchase),
            before: None,
            after: State {
                quantity: l.quantity,
                assigned: 0,
                status: SubscriptionStatus::Active,
            },
            upgrade_id: None,
            via: sub.via,
            names: None,
            at: sub.at,
        }),
    ));
    let touched = std::iter::once(Touched {
        name: ORDER_CREATED,
        resource: "order",
        id: &id,
    })
    .chain(lines.iter().map(|l| Touched {
        name: SUBSCRIPTION_UPDATED,
        resource: "subscription",
        id: l.subscription.as_str(),
    }));
    writes.push(events::recorded_each(
        backend,
        &events::Source {
            who: sub.who,
            via: sub.via,
            customer: sub.customer,
            at: sub.at,
        },
        touched,
    ));
    Ok(Placed {
        id,
        customer: sub.customer.clone(),
        billing_cycle: BillingCycle::Monthly,
        created_at: sub.at,
        lines,
    })
}
