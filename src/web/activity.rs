//! The activity log: every change the reseller's users made and their sign-ins, newest first,
//! optionally for one customer, paged.

use actix_web::{HttpRequest, web};
use askama::Template;
use askama_web::WebTemplate;

use super::auth::SignedIn;
use super::error::PageError;
use super::i18n::Locale;
use super::layout::Layout;
use super::paths::details_href;
use crate::domain::{Customer, CustomerId, Page, PageRequest};
use crate::store::activity::Entry;
use crate::store::{self, Db};

#[derive(Template, WebTemplate)]
#[template(path = "activity.html")]
pub struct ActivityPage {
    l: Locale,
    layout: Layout,
    customer: Option<Customer>,
    page: Page<Entry>,
}

impl ActivityPage {
    fn page_href(&self, number: u64) -> String {
        match &self.customer {
            Some(c) => format!("/activity?customer={}&page={number}", c.id),
            None => format!("/activity?page={number}"),
        }
    }

    fn subscription_href(&self, e: &Entry) -> Option<String> {
        Some(details_href(e.customer.as_ref()?, e.subscription.as_ref()?))
    }
}

#[derive(serde::Deserialize)]
pub struct ActivityQuery {
    customer: Option<String>,
    page: Option<String>,
}

pub async fn list(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    query: web::Query<ActivityQuery>,
) -> Result<ActivityPage, PageError> {
    let reseller = &user.account.reseller;
    // A customer filter names one of the reseller's customers; anything else is unknown.
    let customer = match query.customer.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(raw) => {
            let id = CustomerId::parse(raw).map_err(|_| PageError::NotFound)?;
            Some(
                store::customers::get(db.get_ref(), reseller, &id)
                    .await?
                    .ok_or(PageError::NotFound)?,
            )
        }
    };
    let request = PageRequest::parse(query.page.as_deref());
    let page =
        store::activity::page(&db, reseller, customer.as_ref().map(|c| &c.id), request).await?;
    let here = req.uri().to_string();
    let mut layout = user.layout(l, &here).in_section("activity");
    layout.crumbs.clear();
    layout = layout.crumb(l.t("activity-title"), None);
    if let Some(c) = &customer {
        layout = layout.crumb(c.company_name.clone(), None);
    }
    Ok(ActivityPage {
        l,
        layout,
        customer,
        page,
    })
}
