//! A customer's Subscriptions page (订阅): what this reseller sold to the customer.

use actix_web::{HttpRequest, web};
use askama::Template;
use askama_web::WebTemplate;

use super::layout::Layout;
use super::paths::CustomerPath;
use crate::domain::{Customer, SubscriptionId};
use crate::store::{self, Db};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;

#[derive(Template, WebTemplate)]
#[template(path = "subscriptions/list.html")]
pub struct SubscriptionsPage {
    l: Locale,
    layout: Layout,
    customer: Customer,
    subscriptions: Vec<store::views::Listed>,
    /// This page starts after a subscription (it is not the first).
    later: bool,
    /// The next page starts after this subscription.
    next: Option<SubscriptionId>,
}

impl SubscriptionsPage {
    fn first_href(&self) -> String {
        format!("/customers/{}/subscriptions", self.customer.id)
    }

    fn next_href(&self) -> Option<String> {
        let next = self.next.as_ref()?;
        Some(format!(
            "/customers/{}/subscriptions?after={next}",
            self.customer.id
        ))
    }
}

/// Subscriptions a page shows: a customer with hundreds pages through them.
const PAGE_SIZE: u64 = 50;

#[derive(serde::Deserialize)]
pub struct SubscriptionsQuery {
    after: Option<String>,
}

pub async fn list(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    CustomerPath(customer_id): CustomerPath,
    db: web::Data<Db>,
    query: web::Query<SubscriptionsQuery>,
) -> Result<SubscriptionsPage, PageError> {
    let customer = store::customers::get(db.get_ref(), &user.account.reseller, &customer_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let after = query
        .after
        .as_deref()
        .map(SubscriptionId::parse)
        .transpose()
        .map_err(|_| PageError::NotFound)?;
    let (subscriptions, more) = store::views::sold_to_page(
        db.get_ref(),
        &user.account.reseller,
        &customer_id,
        after.as_ref(),
        PAGE_SIZE,
    )
    .await?;
    let next = more
        .then(|| subscriptions.last().map(|s| s.id.clone()))
        .flatten();
    let layout = user
        .layout(l, req.path())
        .crumb(
            customer.company_name.clone(),
            Some(super::layout::customer_row_href(&customer)),
        )
        .crumb(l.t("subscriptions"), None);
    Ok(SubscriptionsPage {
        l,
        layout,
        customer,
        subscriptions,
        later: after.is_some(),
        next,
    })
}
