//! The activity log: every change the reseller's users made and their sign-ins, newest first,
//! optionally for one customer and for a range of days (China Standard Time), paged. The same
//! filter chooses what the log's CSV export holds.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::layout::Layout;
use super::paths::details_href;
use crate::domain::dates::{DayRange, DayRangeErrors};
use crate::domain::{Customer, CustomerId, Page, PageRequest, ResellerId};
use crate::sealed::Sealer;
use crate::store::activity::{Actions, Entry, Filter, LogCursor};
use crate::store::{self, Db};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::render;

#[derive(Template)]
#[template(path = "activity.html")]
pub struct ActivityPage {
    l: Locale,
    layout: Layout,
    customer: Option<Customer>,
    /// The actions shown.
    actions: Actions,
    /// The date fields as typed.
    from: String,
    to: String,
    from_error: Option<String>,
    to_error: Option<String>,
    /// The days asked for; `None` while a date is refused.
    days: Option<DayRange>,
    /// The log as filtered; `None` while a date is refused.
    page: Option<Page<Entry>>,
    /// Where the pages after and before this one start: the last and the first record shown,
    /// sealed for this reseller ([`cursor`]).
    older: Option<String>,
    newer: Option<String>,
}

impl ActivityPage {
    /// The filter as query parameters, each followed by `&`: for the pager.
    fn filter_query(&self) -> String {
        let mut query = String::new();
        if let Some(c) = &self.customer {
            query.push_str(&format!("customer={}&", c.id));
        }
        if self.actions != Actions::All {
            query.push_str(&format!("action={}&", self.actions.as_str()));
        }
        if let Some(days) = &self.days {
            if let Some(first) = days.first() {
                query.push_str(&format!("from={first}&"));
            }
            if let Some(last) = days.last() {
                query.push_str(&format!("to={last}&"));
            }
        }
        query
    }

    /// The page after this one (older records), of the same filter.
    fn older_href(&self) -> String {
        match &self.older {
            Some(older) => format!(
                "/activity?{}older={older}&page={}",
                self.filter_query(),
                self.number() + 1
            ),
            None => self.top_href(),
        }
    }

    /// The page before this one (newer records), of the same filter.
    fn newer_href(&self) -> String {
        match &self.newer {
            Some(newer) if self.number() > 2 => format!(
                "/activity?{}newer={newer}&page={}",
                self.filter_query(),
                self.number() - 1
            ),
            _ => self.top_href(),
        }
    }

    /// The newest records, of the same filter.
    fn top_href(&self) -> String {
        let query = self.filter_query();
        match query.strip_suffix('&') {
            Some(query) => format!("/activity?{query}"),
            None => "/activity".to_owned(),
        }
    }

    fn number(&self) -> u64 {
        self.page.as_ref().map_or(1, |p| p.request.number)
    }

    /// The log of the same customer and actions, any day.
    fn all_days_href(&self) -> String {
        let mut query = Vec::new();
        if let Some(c) = &self.customer {
            query.push(format!("customer={}", c.id));
        }
        if self.actions != Actions::All {
            query.push(format!("action={}", self.actions.as_str()));
        }
        match query.is_empty() {
            true => "/activity".to_owned(),
            false => format!("/activity?{}", query.join("&")),
        }
    }

    /// The choices of the action filter: value, words, whether chosen.
    fn action_choices(&self) -> Vec<(&'static str, String, bool)> {
        Actions::all()
            .map(|a| (a.as_str(), action_words(self.l, a), a == self.actions))
            .collect()
    }

    fn dated(&self) -> bool {
        !self.from.is_empty() || !self.to.is_empty()
    }

    fn subscription_href(&self, e: &Entry) -> Option<String> {
        Some(details_href(e.customer.as_ref()?, e.subscription.as_ref()?))
    }
}

#[derive(serde::Deserialize)]
pub struct ActivityQuery {
    customer: Option<String>,
    /// The number of the page, for its label: where it starts is `older` or `newer`.
    page: Option<String>,
    /// The page holds the records older than this one (a sealed [`cursor`]).
    older: Option<String>,
    /// The page holds the records newer than this one (a sealed [`cursor`]).
    newer: Option<String>,
    /// The first day, YYYY-MM-DD in China Standard Time.
    from: Option<String>,
    /// The last day, included.
    to: Option<String>,
    /// Which actions (see [`Actions::parse`]); all without one.
    action: Option<String>,
}

/// The words of a choice of the action filter.
fn action_words(l: Locale, actions: Actions) -> String {
    match actions {
        Actions::All => l.t("activity-action-all"),
        Actions::Changes => l.t("activity-action-changes"),
        Actions::SignIns => l.t("activity-action-sign-ins"),
        Actions::Kind(kind) => l.t(&format!("activity-action-{kind}")),
        Actions::NewCustomers => l.t("activity-action-new-customers"),
    }
}

/// What a request's filter asks for.
pub(super) struct Asked {
    pub customer: Option<Customer>,
    pub days: Result<DayRange, DayRangeErrors>,
    pub actions: Actions,
}

impl Asked {
    /// The store's filter, once the days are known good.
    pub fn filter(&self, days: DayRange) -> Filter {
        Filter {
            customer: self.customer.as_ref().map(|c| c.id.clone()),
            days,
            actions: self.actions,
        }
    }
}

/// What a request's filter asks for: the customer (one of the reseller's; anything else is no
/// such page), the days or what is wrong with them, and the actions (an unknown choice is no
/// such page).
pub(super) async fn filter_of(
    db: &Db,
    reseller: &ResellerId,
    query: &ActivityQuery,
) -> Result<Asked, PageError> {
    let actions =
        Actions::parse(query.action.as_deref().unwrap_or("")).ok_or(PageError::NotFound)?;
    let customer = match query.customer.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(raw) => {
            let id = CustomerId::parse(raw).map_err(|_| PageError::NotFound)?;
            Some(
                store::customers::get(db, reseller, &id)
                    .await?
                    .ok_or(PageError::NotFound)?,
            )
        }
    };
    let days = DayRange::parse(
        query.from.as_deref().unwrap_or(""),
        query.to.as_deref().unwrap_or(""),
    );
    Ok(Asked {
        customer,
        days,
        actions,
    })
}

/// The log, as filtered; a refused date shows its message beside its field (422), and no log.
pub async fn list(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    query: web::Query<ActivityQuery>,
) -> Result<HttpResponse, PageError> {
    let reseller = &user.account.reseller;
    let sealer = req
        .app_data::<web::Data<Sealer>>()
        .cloned()
        .ok_or_else(|| PageError::Internal(anyhow::anyhow!("no sealer")))?;
    let asked = filter_of(&db, reseller, &query).await?;
    let (page, errors) = match asked.days {
        Ok(days) => {
            let open = |raw: &Option<String>| cursor::open(&sealer, reseller, raw.as_deref()?);
            // A cursor this reseller's pager did not make (another reseller's, a made-up one)
            // reads like one past the end: the newest records.
            let cursor = match (open(&query.older), open(&query.newer)) {
                (Some(id), None) => LogCursor::Older(id),
                (None, Some(id)) => LogCursor::Newer(id),
                _ => LogCursor::Newest,
            };
            let request = match cursor {
                LogCursor::Newest => PageRequest::parse(None),
                _ => PageRequest::parse(query.page.as_deref()),
            };
            let filter = asked.filter(days);
            let mut page = store::activity::page(&db, reseller, &filter, cursor, request).await?;
            if page.items.is_empty() && cursor != LogCursor::Newest {
                // Nothing past the record the link started from: start at the newest.
                let request = PageRequest::parse(None);
                page = store::activity::page(&db, reseller, &filter, LogCursor::Newest, request)
                    .await?;
            }
            (Some((days, page)), DayRangeErrors::default())
        }
        Err(errors) => (None, errors),
    };
    let here = req.uri().to_string();
    let mut layout = user.layout(l, &here).in_section("activity");
    layout.crumbs.clear();
    // The log is the page's own crumb only when it is not narrowed to a customer.
    let whole_log = asked.customer.as_ref().map(|_| "/activity".to_owned());
    layout = layout.crumb(l.t("activity-title"), whole_log);
    if let Some(c) = &asked.customer {
        layout = layout.crumb(c.company_name.clone(), None);
    }
    let typed = |raw: &Option<String>| raw.as_deref().unwrap_or("").trim().to_owned();
    let status = if page.is_some() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let (days, page) = page.unzip();
    let seal = |entry: Option<&Entry>| entry.map(|e| cursor::seal(&sealer, reseller, e.id));
    let older = seal(page.as_ref().and_then(|p| p.items.last()));
    let newer = seal(page.as_ref().and_then(|p| p.items.first()));
    render(
        status,
        &ActivityPage {
            l,
            layout,
            customer: asked.customer,
            actions: asked.actions,
            from: typed(&query.from),
            to: typed(&query.to),
            from_error: errors.first.map(|e| l.t(e.message_key())),
            to_error: errors.last.map(|e| l.t(e.message_key())),
            days,
            page,
            older,
            newer,
        },
    )
}

/// The activity log's cursors: a record's id sealed for the reseller whose log it is, so that
/// the pager neither shows how many records all resellers have written nor takes another
/// reseller's cursor for one of this log.
mod cursor {
    use crate::domain::ResellerId;
    use crate::sealed::Sealer;

    fn purpose(reseller: &ResellerId) -> String {
        format!("activity log cursor\n{reseller}")
    }

    pub(super) fn seal(sealer: &Sealer, reseller: &ResellerId, id: i32) -> String {
        sealer.seal(&purpose(reseller), &id.to_be_bytes())
    }

    pub(super) fn open(sealer: &Sealer, reseller: &ResellerId, raw: &str) -> Option<i32> {
        let bytes = sealer.open(&purpose(reseller), raw)?;
        Some(i32::from_be_bytes(bytes.try_into().ok()?))
    }
}
