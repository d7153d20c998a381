//! A customer as the reseller sees it.

use super::CustomerId;

/// A customer tenant and this reseller's relationship with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: CustomerId,
    pub company_name: String,
    pub domain: String,
    /// Whether the reseller holds delegated administrative privileges (委派管理权限).
    pub delegated_admin: bool,
}

/// A row of the customer list: a customer, and how many subscriptions this reseller sold it (the
/// row opens onto them).
#[derive(Debug, Clone)]
pub struct CustomerSummary {
    pub customer: Customer,
    pub subscriptions: u32,
}

/// How a company name sorts: Chinese characters spelled in pinyin (北京 → "bei jing"), everything
/// else lowercased, so that Chinese and Latin names interleave the way Chinese readers expect
/// (Adatum, 北京…, Contoso, 成都…).
pub fn sort_key(company_name: &str) -> String {
    use pinyin::ToPinyin;
    let mut key = String::with_capacity(company_name.len() * 2);
    for c in company_name.chars() {
        match c.to_pinyin() {
            Some(p) => {
                if !key.is_empty() && !key.ends_with(' ') {
                    key.push(' ');
                }
                key.push_str(p.plain());
                key.push(' ');
            }
            None => key.extend(c.to_lowercase()),
        }
    }
    key.trim_end().to_owned()
}

/// The start that every name beginning with `text` (a search, lowercased) has in its sort key,
/// for a text of one word of ASCII and Chinese characters: the sort keys of a name and of its
/// beginning are built character by character alike, and without a space the text can't reach
/// past the name into the domain that follows it in the search text. `None` for other texts
/// (their letters may lowercase otherwise inside a word, as Greek's final sigma does).
pub fn name_start_key(text: &str) -> Option<String> {
    use pinyin::ToPinyin;
    let fits = !text.is_empty()
        && text
            .chars()
            .all(|c| (c.is_ascii() && !c.is_ascii_whitespace()) || c.to_pinyin().is_some());
    fits.then(|| sort_key(text))
}

/// What a customer search matches: company name and domain, lowercased.
pub fn search_text(company_name: &str, domain: &str) -> String {
    format!("{} {}", company_name.to_lowercase(), domain.to_lowercase())
}

/// Where a customer found by a search ranks: 0 when the text is its whole primary domain, 1
/// when its name starts with the text, 2 when the text is elsewhere in its name or domain. The
/// results list by rank, then in name order. `text` is the search lowercased; `search_text` the
/// customer's (see [`search_text`]).
pub fn search_rank(text: &str, search_text: &str, domain: &str) -> u8 {
    if domain.to_lowercase() == text {
        0
    } else if search_text.starts_with(text) {
        1
    } else {
        2
    }
}

/// Which text a [`CustomerPrefix`] looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrefixField {
    CompanyName,
    Domain,
}

/// Customers whose company name or domain starts with a text, in any letter case: Partner
/// Center's `starts_with` filter of the customer list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerPrefix {
    pub field: PrefixField,
    /// Lowercased; 1 to 100 characters.
    prefix: String,
}

impl CustomerPrefix {
    pub const MAX: usize = 100;

    /// `None` for an empty or longer text.
    pub fn parse(field: PrefixField, raw: &str) -> Option<CustomerPrefix> {
        let prefix = raw.trim().to_lowercase();
        (!prefix.is_empty() && prefix.chars().count() <= Self::MAX)
            .then_some(CustomerPrefix { field, prefix })
    }

    pub fn as_str(&self) -> &str {
        &self.prefix
    }
}

/// A search of the customer list: trimmed, at most 100 characters, empty for none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerQuery(String);

impl CustomerQuery {
    pub fn parse(raw: &str) -> CustomerQuery {
        CustomerQuery(raw.trim().chars().take(100).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A page of a list: 1-based, of a fixed size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub number: u64,
    pub size: u64,
}

impl PageRequest {
    pub const SIZE: u64 = 20;
    /// Deeper pages than this are refused rather than scanned: search instead.
    pub const MAX_NUMBER: u64 = 10_000;

    /// Parses a page number from a query string; anything unusable is the first page.
    pub fn parse(raw: Option<&str>) -> PageRequest {
        let number = raw
            .and_then(|r| r.trim().parse::<u64>().ok())
            .filter(|n| (1..=Self::MAX_NUMBER).contains(n))
            .unwrap_or(1);
        PageRequest {
            number,
            size: Self::SIZE,
        }
    }

    pub fn offset(self) -> u64 {
        (self.number - 1) * self.size
    }
}

/// Where a page of the customer list starts: at the top, or just after or just before a customer
/// shown on the page the reseller came from. Paging by the list's own order (keyset paging)
/// costs the same on the thousandth page as on the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    First,
    After(CustomerId),
    Before(CustomerId),
}

impl Cursor {
    /// From the `after` and `before` parameters of a link; anything unusable is the top.
    pub fn parse(after: Option<&str>, before: Option<&str>) -> Cursor {
        let id = |raw: Option<&str>| raw.and_then(|r| CustomerId::parse(r.trim()).ok());
        match (id(after), id(before)) {
            (Some(after), None) => Cursor::After(after),
            (None, Some(before)) => Cursor::Before(before),
            _ => Cursor::First,
        }
    }
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub request: PageRequest,
    /// How many results there are, counted up to a bound (see `more`); `None` when not counted
    /// (a search: counting every match of a large book would cost as much as reading it).
    pub total: Option<u64>,
    /// Counting stopped at `total`: there are more.
    pub more: bool,
    /// There is a previous page.
    pub previous: bool,
    /// There is a next page.
    pub next: bool,
}

impl<T> Page<T> {
    /// The number of pages counted, if counted.
    pub fn pages(&self) -> Option<u64> {
        self.total.map(|t| t.div_ceil(self.request.size).max(1))
    }

    pub fn has_previous(&self) -> bool {
        self.previous
    }

    pub fn has_next(&self) -> bool {
        self.next
    }

    /// Whether there is more than one page to move between.
    pub fn has_pages(&self) -> bool {
        self.has_previous() || self.has_next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_domain_ranks_first_then_a_name_prefix_then_the_rest() {
        let text = search_text("Fabrikam 科技", "Fabrikam.partner.onmschina.cn");
        assert_eq!(
            search_rank(
                "fabrikam.partner.onmschina.cn",
                &text,
                "Fabrikam.partner.onmschina.cn"
            ),
            0
        );
        assert_eq!(
            search_rank("fab", &text, "Fabrikam.partner.onmschina.cn"),
            1
        );
        assert_eq!(
            search_rank("科技", &text, "Fabrikam.partner.onmschina.cn"),
            2
        );
        assert_eq!(
            search_rank("partner", &text, "Fabrikam.partner.onmschina.cn"),
            2
        );
    }

    #[test]
    fn every_name_starting_with_a_text_starts_its_sort_key_with_the_texts_key() {
        for name in [
            "北京云途科技",
            "Lucerne Publishing 12",
            "Adatum 贸易",
            "Fourth Coffee 咖啡",
            "ABC-北京分公司",
            "50% Off 有限公司",
        ] {
            let lowered = name.to_lowercase();
            let word = lowered.split(' ').next().unwrap();
            for end in word.char_indices().map(|(i, c)| i + c.len_utf8()) {
                let text = &word[..end];
                let key = name_start_key(text).unwrap();
                assert!(
                    sort_key(name).starts_with(&key),
                    "{name:?} / {text:?}: {key:?}"
                );
            }
        }
        assert_eq!(name_start_key("北京").as_deref(), Some("bei jing"));
        assert_eq!(name_start_key("lucerne").as_deref(), Some("lucerne"));
        for other in ["", "lucerne publishing", "北京 云途", "σας", "café"] {
            assert_eq!(name_start_key(other), None, "{other:?}");
        }
    }

    #[test]
    fn chinese_names_sort_by_pinyin_among_latin_ones() {
        assert_eq!(sort_key("北京云途科技"), "bei jing yun tu ke ji");
        assert_eq!(sort_key("Adatum 贸易"), "adatum mao yi");
        let mut names = ["上海星河", "Contoso", "北京云途", "Adatum", "成都锦程"];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(
            names,
            ["Adatum", "北京云途", "成都锦程", "Contoso", "上海星河"]
        );
    }

    #[test]
    fn queries_are_trimmed_and_bounded() {
        assert_eq!(CustomerQuery::parse("  fabrikam ").as_str(), "fabrikam");
        assert_eq!(
            CustomerQuery::parse(&"字".repeat(500))
                .as_str()
                .chars()
                .count(),
            100
        );
        assert!(CustomerQuery::parse("   ").is_empty());
    }

    #[test]
    fn page_numbers_fall_back_to_the_first() {
        for raw in [
            None,
            Some(""),
            Some("0"),
            Some("-1"),
            Some("x"),
            Some("99999999999999999999"),
        ] {
            assert_eq!(PageRequest::parse(raw).number, 1, "{raw:?}");
        }
        assert_eq!(PageRequest::parse(Some("3")).offset(), 40);
    }

    #[test]
    fn a_cursor_is_one_customer_after_or_before_or_the_top() {
        let id = |s: &str| CustomerId::parse(s).unwrap();
        assert_eq!(Cursor::parse(Some("c-1"), None), Cursor::After(id("c-1")));
        assert_eq!(
            Cursor::parse(None, Some(" c-1 ")),
            Cursor::Before(id("c-1"))
        );
        assert_eq!(Cursor::parse(Some("c-1"), Some("c-2")), Cursor::First);
        assert_eq!(Cursor::parse(Some("<script>"), None), Cursor::First);
        assert_eq!(Cursor::parse(None, None), Cursor::First);
    }

    #[test]
    fn page_counts() {
        let page = |total| Page::<()> {
            items: vec![],
            request: PageRequest::parse(Some("2")),
            total,
            more: false,
            previous: true,
            next: false,
        };
        assert_eq!(page(Some(0)).pages(), Some(1));
        assert_eq!(page(Some(41)).pages(), Some(3));
        assert_eq!(page(None).pages(), None);
        assert!(page(None).has_previous() && page(None).has_pages());
    }
}
