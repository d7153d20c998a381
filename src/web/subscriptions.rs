//! A customer's Subscriptions page (订阅): what this reseller sold to the customer.

use actix_web::{HttpRequest, web};
use askama::Template;
use askama_web::WebTemplate;

use super::auth::SignedIn;
use super::error::PageError;
use super::i18n::Locale;
use super::layout::Layout;
use super::paths::CustomerPath;
use crate::domain::{Customer, Subscription};
use crate::store::{self, Db};

#[derive(Template, WebTemplate)]
#[template(path = "subscriptions/list.html")]
pub struct SubscriptionsPage {
    l: Locale,
    layout: Layout,
    customer: Customer,
    subscriptions: Vec<Subscription>,
}

pub async fn list(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    CustomerPath(customer_id): CustomerPath,
    db: web::Data<Db>,
) -> Result<SubscriptionsPage, PageError> {
    let customer = store::customers::get(db.get_ref(), &user.account.reseller, &customer_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let subscriptions =
        store::subscriptions::sold_to(db.get_ref(), &user.account.reseller, &customer_id).await?;
    let layout = user
        .layout(l, req.path())
        .crumb(customer.company_name.clone(), None)
        .crumb(l.t("subscriptions"), None);
    Ok(SubscriptionsPage {
        l,
        layout,
        customer,
        subscriptions,
    })
}
