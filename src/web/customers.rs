//! The customer list (客户列表), the home page: the reseller's own customers, searchable by
//! company name or domain, paged, each row expanding to its subscriptions.

use actix_web::{HttpRequest, web};
use askama::Template;
use askama_web::WebTemplate;

use super::auth::SignedIn;
use super::error::PageError;
use super::i18n::Locale;
use super::layout::Layout;
use crate::domain::{CustomerQuery, CustomerSummary, Page, PageRequest};
use crate::store::{self, Db};

#[derive(Template, WebTemplate)]
#[template(path = "customers/list.html")]
pub struct CustomersPage {
    l: Locale,
    layout: Layout,
    query: CustomerQuery,
    page: Page<CustomerSummary>,
}

impl CustomersPage {
    /// The link to another page of the same search.
    fn page_href(&self, number: u64) -> String {
        let mut href = format!("/?page={number}");
        if !self.query.is_empty() {
            href.push_str("&q=");
            href.extend(percent_encoding::utf8_percent_encode(
                self.query.as_str(),
                percent_encoding::NON_ALPHANUMERIC,
            ));
        }
        href
    }
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    page: Option<String>,
}

pub async fn list(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    query: web::Query<ListQuery>,
) -> Result<CustomersPage, PageError> {
    let search = CustomerQuery::parse(query.q.as_deref().unwrap_or(""));
    let page = PageRequest::parse(query.page.as_deref());
    let page = store::customers::list(&db, &user.account.reseller, &search, page).await?;
    let here = req.uri().to_string();
    Ok(CustomersPage {
        l,
        layout: Layout::new(l, &user, &here),
        query: search,
        page,
    })
}
