//! What every page carries: the locale, the signed-in account, the breadcrumbs.

use super::i18n::Locale;
use crate::domain::Account;

/// One step of the breadcrumbs; the last has no link.
#[derive(Debug, Clone)]
pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

/// The shared frame of a page (header, navigation, breadcrumbs).
#[derive(Debug, Clone)]
pub struct Layout {
    pub account: Option<Account>,
    pub crumbs: Vec<Crumb>,
    /// The current path and query, for the language switch to come back to.
    pub here: String,
    /// The navigation entry to highlight.
    pub section: &'static str,
    /// The other language, offered by the switch.
    pub other: Locale,
}

impl Layout {
    pub fn new(l: Locale, account: &Account, here: &str) -> Layout {
        Layout {
            account: Some(account.clone()),
            crumbs: vec![Crumb {
                label: l.t("nav-customers"),
                href: Some("/".to_owned()),
            }],
            here: here.to_owned(),
            section: "customers",
            other: other(l),
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
        }
    }

    /// Adds a breadcrumb.
    pub fn crumb(mut self, label: impl Into<String>, href: Option<String>) -> Layout {
        self.crumbs.push(Crumb {
            label: label.into(),
            href,
        });
        self
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

fn other(l: Locale) -> Locale {
    match l {
        Locale::ZhCn => Locale::EnUs,
        Locale::EnUs => Locale::ZhCn,
    }
}
