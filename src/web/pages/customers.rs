//! The customer list (客户列表), the home page: the reseller's own customers, searchable by
//! company name or domain, paged, each row expanding to its subscriptions.

use actix_web::{HttpRequest, web};
use askama::Template;
use askama_web::WebTemplate;

use super::layout::Layout;
use crate::domain::{Cursor, CustomerQuery, CustomerSummary, Page, PageRequest};
use crate::store::{self, Db};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;

#[derive(Template, WebTemplate)]
#[template(path = "customers/list.html")]
pub struct CustomersPage {
    l: Locale,
    layout: Layout,
    query: CustomerQuery,
    page: Page<CustomerSummary>,
}

impl CustomersPage {
    /// The link to the page before this one, of the same search.
    fn previous_href(&self) -> String {
        match self.page.items.first() {
            Some(first) => self.href("before", first, self.page.request.number.saturating_sub(1)),
            None => "/".to_owned(),
        }
    }

    /// The link to the page after this one, of the same search.
    fn next_href(&self) -> String {
        match self.page.items.last() {
            Some(last) => self.href("after", last, self.page.request.number + 1),
            None => "/".to_owned(),
        }
    }

    /// The CSV of `what` (customers or subscriptions) of the customers this list shows: all of
    /// them, or those of the search.
    fn export_href(&self, what: &str) -> String {
        let mut href = format!("/customers/export/{what}.csv");
        if !self.query.is_empty() {
            href.push_str("?q=");
            href.extend(percent_encoding::utf8_percent_encode(
                self.query.as_str(),
                percent_encoding::NON_ALPHANUMERIC,
            ));
        }
        href
    }

    /// A link to the page just `side` (after or before) a customer; `number` is the page's
    /// number, for its label.
    fn href(&self, side: &str, at: &CustomerSummary, number: u64) -> String {
        let mut href = format!("/?{side}={}&page={number}", at.customer.id);
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
    /// The number of the page, for its label: where the page starts is `after` or `before`.
    page: Option<String>,
    after: Option<String>,
    before: Option<String>,
}

pub async fn list(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    query: web::Query<ListQuery>,
) -> Result<CustomersPage, PageError> {
    let search = CustomerQuery::parse(query.q.as_deref().unwrap_or(""));
    let reseller = &user.account.reseller;
    let mut cursor = Cursor::parse(query.after.as_deref(), query.before.as_deref());
    let mut number = PageRequest::parse(query.page.as_deref());
    if cursor == Cursor::First {
        number = PageRequest::parse(None);
    }
    let mut page = store::customers::list(&db, reseller, &search, &cursor, number).await?;
    if page.items.is_empty() && cursor != Cursor::First {
        // The customer the link started from is no longer in the list: start at the top.
        cursor = Cursor::First;
        number = PageRequest::parse(None);
        page = store::customers::list(&db, reseller, &search, &cursor, number).await?;
    }
    let here = req.uri().to_string();
    Ok(CustomersPage {
        l,
        layout: user.layout(l, &here),
        query: search,
        page,
    })
}
