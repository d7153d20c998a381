//! What every page carries: the locale, the signed-in account, the breadcrumbs.

use crate::web::middleware::csrf::CsrfToken;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;

/// One step of the breadcrumbs; the last has no link.
#[derive(Debug, Clone)]
pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

/// The shared frame of a page (header, navigation, breadcrumbs).
#[derive(Debug, Clone)]
pub struct Layout {
    pub account: Option<crate::domain::Account>,
    pub crumbs: Vec<Crumb>,
    /// The current path and query, for the language switch to come back to.
    pub here: String,
    /// The navigation entry to highlight.
    pub section: &'static str,
    /// The other language, offered by the switch.
    pub other: Locale,
    /// The session's CSRF token, for every form on the page (sign-out included).
    pub csrf: Option<CsrfToken>,
    /// For a user who may approve changes: how many requests wait for their decision.
    pub waiting: Option<u64>,
}

impl Layout {
    /// The signed-in frame: the account's name, the navigation, sign-out with the session's
    /// CSRF token.
    pub fn new(
        l: Locale,
        account: &crate::domain::Account,
        csrf: &CsrfToken,
        here: &str,
    ) -> Layout {
        Layout {
            account: Some(account.clone()),
            csrf: Some(csrf.clone()),
            crumbs: vec![Crumb {
                label: l.t("nav-customers"),
                href: Some("/".to_owned()),
            }],
            here: here.to_owned(),
            section: "customers",
            other: other(l),
            waiting: None,
        }
    }

    /// A page without a signed-in frame (sign-in, error pages).
    pub fn bare(l: Locale, here: &str) -> Layout {
        Layout {
            account: None,
            crumbs: Vec::new(),
            here: here.to_owned(),
            section: "",
            other: other(l),
            csrf: None,
            waiting: None,
        }
    }

    /// A bare page with a form (sign-in).
    pub fn with_csrf(mut self, csrf: CsrfToken) -> Layout {
        self.csrf = Some(csrf);
        self
    }

    /// The CSRF token for a form's hidden field.
    pub fn csrf(&self) -> &str {
        self.csrf.as_ref().map_or("", CsrfToken::as_str)
    }

    /// Highlights another navigation entry.
    pub fn in_section(mut self, section: &'static str) -> Layout {
        self.section = section;
        self
    }

    /// Adds the breadcrumbs down to a customer's Subscriptions page:
    /// Customers › Fabrikam › Subscriptions. Each crumb goes somewhere of its own: the customer's
    /// to its row in the customer list, Subscriptions to its page.
    pub fn customer(self, l: Locale, customer: &crate::domain::Customer) -> Layout {
        let href = Some(super::paths::subscriptions_href(&customer.id));
        self.crumb(
            customer.company_name.clone(),
            Some(customer_row_href(customer)),
        )
        .crumb(l.t("subscriptions"), href)
    }

    /// Adds a breadcrumb.
    pub fn crumb(mut self, label: impl Into<String>, href: Option<String>) -> Layout {
        self.crumbs.push(Crumb {
            label: label.into(),
            href,
        });
        self
    }

    /// Whether the signed-in user's role may do what the permission named (`view`, `change`,
    /// `prices`, `billing`, `tokens`, `users`) allows: what it may not is not offered.
    pub fn may(&self, permission: &str) -> bool {
        let name = permission;
        let permission = crate::domain::Permission::parse(name);
        debug_assert!(permission.is_some(), "no permission {name:?}");
        self.account
            .as_ref()
            .zip(permission)
            .is_some_and(|(a, p)| a.may(p))
    }

    /// How many requests wait for the user's decision, when any do.
    pub fn waiting_count(&self) -> Option<u64> {
        self.waiting.filter(|n| *n > 0)
    }

    /// The signed-in reseller's name, or nothing.
    pub fn reseller_name(&self) -> &str {
        self.account
            .as_ref()
            .map_or("", |a| a.reseller_name.as_str())
    }

    /// The language switch's link.
    pub fn switch_href(&self) -> String {
        format!(
            "/language/{}?back={}",
            self.other.tag(),
            percent_encoding::utf8_percent_encode(&self.here, percent_encoding::NON_ALPHANUMERIC)
        )
    }
}

impl SignedIn {
    /// The signed-in frame of a page at `here`.
    pub fn layout(&self, l: Locale, here: &str) -> Layout {
        let mut layout = Layout::new(l, &self.account, &self.csrf, here);
        layout.waiting = self.waiting;
        layout
    }
}

/// The customer's row in the customer list: the list searched for its domain.
pub fn customer_row_href(customer: &crate::domain::Customer) -> String {
    format!(
        "/?q={}",
        percent_encoding::utf8_percent_encode(&customer.domain, percent_encoding::NON_ALPHANUMERIC)
    )
}

fn other(l: Locale) -> Locale {
    match l {
        Locale::ZhCn => Locale::EnUs,
        Locale::EnUs => Locale::ZhCn,
    }
}
