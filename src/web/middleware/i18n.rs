//! The two languages of the portal. Messages are Project Fluent files under `locales/`, compiled
//! into the binary. The locale is chosen per request: the language switch's cookie, else the
//! browser's `Accept-Language`, else zh-CN. It is passed to templates explicitly.

use std::borrow::{Borrow, Cow};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::future::{Ready, ready};
use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, static_loader};
use unic_langid::langid;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "zh-CN",
        // Bidi isolation marks around arguments would end up inside ids and numbers.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ZH_CN: LanguageIdentifier = langid!("zh-CN");
static EN_US: LanguageIdentifier = langid!("en-US");

/// The cookie that remembers the language switch.
pub const COOKIE: &str = "lang";

/// A supported language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    ZhCn,
    EnUs,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::EnUs];

    /// The BCP 47 tag, for `<html lang>` and the switch.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::EnUs => "en-US",
        }
    }

    /// The language's own name, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::ZhCn => "中文",
            Locale::EnUs => "English",
        }
    }

    pub fn parse(tag: &str) -> Option<Locale> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag == "zh" || tag.starts_with("zh-") {
            Some(Locale::ZhCn)
        } else if tag == "en" || tag.starts_with("en-") {
            Some(Locale::EnUs)
        } else {
            None
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Locale::ZhCn => &ZH_CN,
            Locale::EnUs => &EN_US,
        }
    }

    /// The first supported language of an `Accept-Language` header, by quality.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut ranges: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut bits = part.split(';');
                let tag = bits.next()?.trim();
                let q = bits
                    .find_map(|b| b.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .filter(|(q, _)| *q > 0.0)
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranges.into_iter().find_map(|(_, tag)| Locale::parse(tag))
    }

    /// The locale of a request: the cookie, else `Accept-Language`, else zh-CN.
    pub fn of(req: &HttpRequest) -> Locale {
        req.cookie(COOKIE)
            .and_then(|c| Locale::parse(c.value()))
            .or_else(|| {
                req.headers()
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|h| h.to_str().ok())
                    .and_then(Locale::from_accept_language)
            })
            .unwrap_or(Locale::ZhCn)
    }

    /// The message `key`. A missing key shows as the key itself (a test keeps them all present).
    /// Messages without arguments are formatted once per language and then looked up: a page
    /// shows hundreds of them.
    pub fn t(&self, key: &str) -> String {
        match self.fixed().get(key) {
            Some(text) => text.clone(),
            None => LOCALES.lookup(self.id(), key),
        }
    }

    /// The messages of this language whose only placeables are variables (`{ $name }`: no
    /// selector, no reference), split at them once: formatting one is then a concatenation, and
    /// a page of 200 subscriptions formats hundreds of them.
    fn plain(&self) -> &'static HashMap<&'static str, Pieces> {
        static CELLS: [OnceLock<HashMap<&'static str, Pieces>>; 2] =
            [OnceLock::new(), OnceLock::new()];
        self.cached(&CELLS, |source| {
            message_ids(source)
                .filter_map(|id| {
                    // One line, and only variables in its braces.
                    let text = message_source(source, id).trim_end_matches('\n');
                    let (_, value) = text.split_once(" = ")?;
                    if text.contains('\n') {
                        return None;
                    }
                    Some((id, Pieces::parse(value)?))
                })
                .filter(|(_, pieces)| pieces.0.iter().any(|p| matches!(p, Piece::Arg(_))))
                .collect()
        })
    }

    /// The messages of this language that take no arguments, formatted.
    fn fixed(&self) -> &'static HashMap<&'static str, String> {
        static CELLS: [OnceLock<HashMap<&'static str, String>>; 2] =
            [OnceLock::new(), OnceLock::new()];
        self.cached(&CELLS, |source| {
            message_ids(source)
                // A message with a variable or a selector is formatted per call.
                .filter(|id| !message_source(source, id).contains('$'))
                .filter_map(|id| Some((id, LOCALES.try_lookup(self.id(), id)?)))
                .collect()
        })
    }

    /// What `build` makes of this language's messages (its Fluent file's text), made once.
    fn cached<T>(
        self,
        cells: &'static [OnceLock<T>; 2],
        build: impl FnOnce(&'static str) -> T,
    ) -> &'static T {
        let (cell, source) = match self {
            Locale::ZhCn => (&cells[0], include_str!("../../../locales/zh-CN/portal.ftl")),
            Locale::EnUs => (&cells[1], include_str!("../../../locales/en-US/portal.ftl")),
        };
        cell.get_or_init(|| build(source))
    }

    /// The message `key` with arguments. An argument that is a number (as formatted by
    /// [`Locale::num`] or [`Locale::count`]: "1,000+") is also passed as `NAME_n`, a plain
    /// number, for plural selection: `{ $count_n -> [one] … *[other] … }`.
    pub fn t_with(&self, key: &str, args: &[(&'static str, String)]) -> String {
        if let Some(pieces) = self.plain().get(key) {
            return pieces.format(args);
        }
        let mut values: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        for (k, v) in args {
            if let Ok(n) = v.replace(',', "").trim_end_matches('+').parse::<u64>() {
                values.insert(Cow::Owned(format!("{k}_n")), FluentValue::from(n));
            }
            values.insert(Cow::Borrowed(*k), FluentValue::from(v.clone()));
        }
        LOCALES.lookup_with_args(self.id(), key, &values)
    }

    /// The message `key` with one argument.
    pub fn t1(&self, key: &str, name: &'static str, value: impl ToString) -> String {
        self.t_with(key, &[(name, value.to_string())])
    }

    /// The message `key` with two arguments.
    pub fn t2(
        &self,
        key: &str,
        a: &'static str,
        av: impl ToString,
        b: &'static str,
        bv: impl ToString,
    ) -> String {
        self.t_with(key, &[(a, av.to_string()), (b, bv.to_string())])
    }

    /// Whether the message exists in this language.
    pub fn has(&self, key: &str) -> bool {
        LOCALES.try_lookup(self.id(), key).is_some()
    }

    /// A whole number with thousands separators (both languages group by three with commas).
    pub fn num(&self, n: impl Count) -> String {
        let mut out = String::with_capacity(26);
        grouped(&mut out, u128::from(n.count()));
        out
    }

    /// A count that may have stopped counting: "10,000+".
    pub fn count(&self, n: impl Count, more: impl Borrow<bool>) -> String {
        let mut s = self.num(n);
        if *more.borrow() {
            s.push('+');
        }
        s
    }

    /// An amount of money in CNY, with cents: ¥1,234.56, -¥27.68.
    pub fn money(&self, amount: impl AsAmount) -> String {
        // Rescaled to two places, the amount is its mantissa in cents, written out as integers:
        // a Charges page writes hundreds of amounts, and `Decimal`'s and `format!`'s own
        // formatting cost several times as much.
        let cents = crate::domain::billing::cents(amount.amount()).mantissa();
        let mut out = String::with_capacity(32);
        if cents < 0 {
            out.push('-');
        }
        out.push('¥');
        let cents = cents.unsigned_abs();
        grouped(&mut out, cents / 100);
        let fraction = (cents % 100) as u8;
        out.push('.');
        out.push(char::from(b'0' + fraction / 10));
        out.push(char::from(b'0' + fraction % 10));
        out
    }

    /// A calendar date: 2026年3月1日 / Mar 1, 2026.
    pub fn date(&self, d: &NaiveDate) -> String {
        // Written out by hand: chrono's `format` parses its pattern on every call, and a Charges
        // page writes hundreds of dates.
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let (year, month, day) = (d.year(), d.month(), d.day());
        let mut out = String::with_capacity(20);
        match self {
            Locale::ZhCn => {
                let _ = write!(out, "{year}年{month}月{day}日");
            }
            Locale::EnUs => {
                out.push_str(MONTHS[month as usize - 1]);
                let _ = write!(out, " {day}, {year}");
            }
        }
        out
    }

    /// A moment, in China Standard Time (UTC+8), where the portal's resellers are.
    pub fn datetime(&self, t: &DateTime<Utc>) -> String {
        let cst = FixedOffset::east_opt(8 * 3600).map(|tz| t.with_timezone(&tz));
        match (self, cst) {
            (Locale::ZhCn, Some(t)) => t.format("%Y年%-m月%-d日 %H:%M").to_string(),
            (Locale::EnUs, Some(t)) => t.format("%b %-d, %Y %H:%M").to_string(),
            (_, None) => t.to_rfc3339(),
        }
    }

    /// The time of day in China Standard Time: 04:30.
    pub fn time(&self, t: &DateTime<Utc>) -> String {
        match FixedOffset::east_opt(8 * 3600) {
            Some(cst) => t.with_timezone(&cst).format("%H:%M").to_string(),
            None => t.format("%H:%M").to_string(),
        }
    }

    /// A subscription status's label: 处于活动状态 / Active …
    pub fn status(&self, status: impl Borrow<crate::domain::SubscriptionStatus>) -> String {
        self.t(&format!("status-{}", status.borrow().as_str()))
    }

    /// The offer's published name in this language.
    pub fn offer(&self, offer: impl Borrow<crate::domain::OfferId>) -> &'static str {
        offer.borrow().offer().name(self.tag())
    }
}

/// Writes `n` with its thousands grouped: 10,000,000. Its digits come from `itoa`, which writes
/// a `u128` in 64-bit steps: dividing the `u128` by ten digit by digit, in software, was a third
/// of this (a Charges page formats hundreds of amounts).
fn grouped(out: &mut String, n: u128) {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(n).as_bytes();
    for (i, d) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(char::from(*d));
    }
}

/// An amount to format: templates pass it by reference, code by value.
pub trait AsAmount {
    fn amount(&self) -> crate::domain::billing::Amount;
}

impl AsAmount for crate::domain::billing::Amount {
    fn amount(&self) -> crate::domain::billing::Amount {
        *self
    }
}

impl<T: AsAmount + ?Sized> AsAmount for &T {
    fn amount(&self) -> crate::domain::billing::Amount {
        (**self).amount()
    }
}

/// A count to format: templates pass numbers by reference, code by value.
pub trait Count {
    fn count(&self) -> u64;
}

macro_rules! count_for {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn count(&self) -> u64 {
                u64::try_from(*self).unwrap_or(u64::MAX)
            }
        }
    )*};
}
count_for!(u32, u64, usize);

impl<T: Count> Count for &T {
    fn count(&self) -> u64 {
        (**self).count()
    }
}

/// The ids of a Fluent file's messages (`id = …` at the start of a line).
fn message_ids(source: &'static str) -> impl Iterator<Item = &'static str> {
    source
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
        .filter_map(|l| l.split_once(" ="))
        .map(|(id, _)| id.trim())
}

/// A message split at its variables.
#[derive(Debug)]
struct Pieces(Vec<Piece>);

#[derive(Debug)]
enum Piece {
    Text(&'static str),
    Arg(&'static str),
}

impl Pieces {
    /// A message's value, if every brace in it holds one variable (`{ $name }`).
    fn parse(value: &'static str) -> Option<Pieces> {
        let mut pieces = Vec::new();
        let mut rest = value;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Text(&rest[..open]));
            }
            let close = rest[open..].find('}')? + open;
            let name = rest[open + 1..close].trim().strip_prefix('$')?;
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return None;
            }
            pieces.push(Piece::Arg(name));
            rest = &rest[close + 1..];
        }
        if rest.contains('}') {
            return None;
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest));
        }
        Some(Pieces(pieces))
    }

    /// The message with its arguments; a missing one shows as its name in braces, as Fluent
    /// shows it.
    fn format(&self, args: &[(&'static str, String)]) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Arg(name) => match args.iter().find(|(k, _)| k == name) {
                    Some((_, value)) => out.push_str(value),
                    None => {
                        out.push_str("{$");
                        out.push_str(name);
                        out.push('}');
                    }
                },
            }
        }
        out
    }
}

/// The source text of message `id` in a Fluent file: its line and the indented lines after it.
fn message_source<'a>(source: &'a str, id: &str) -> &'a str {
    let start = source
        .find(&format!("\n{id} ="))
        .map(|at| at + 1)
        .or_else(|| source.starts_with(&format!("{id} =")).then_some(0));
    let Some(start) = start else { return "" };
    let rest = &source[start..];
    let end = rest[1..]
        .find("\n")
        .map(|first| {
            let mut end = first + 1;
            for line in rest[end + 1..].split_inclusive('\n') {
                if line.starts_with(' ') || line.trim().is_empty() {
                    end += line.len();
                } else {
                    break;
                }
            }
            end
        })
        .unwrap_or(rest.len());
    &rest[..end.min(rest.len())]
}

impl FromRequest for Locale {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Locale::of(req)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported() {
        assert_eq!(
            Locale::from_accept_language("en-US,en;q=0.9"),
            Some(Locale::EnUs)
        );
        assert_eq!(
            Locale::from_accept_language("fr;q=1, en;q=0.5, zh-TW;q=0.8"),
            Some(Locale::ZhCn)
        );
        assert_eq!(Locale::from_accept_language("fr, de"), None);
        assert_eq!(
            Locale::from_accept_language("en;q=0, zh"),
            Some(Locale::ZhCn)
        );
    }

    #[test]
    fn numbers_and_dates() {
        let l = Locale::EnUs;
        assert_eq!(l.num(10_000_000u32), "10,000,000");
        assert_eq!(l.num(300u32), "300");
        assert_eq!(l.num(0u32), "0");
        assert_eq!(l.num(1_000u32), "1,000");
        assert_eq!(l.num(u64::MAX), "18,446,744,073,709,551,615");
        let d = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(Locale::ZhCn.date(&d), "2026年3月1日");
        assert_eq!(Locale::EnUs.date(&d), "Mar 1, 2026");
        let d = NaiveDate::from_ymd_opt(2027, 12, 31).unwrap();
        assert_eq!(Locale::ZhCn.date(&d), "2027年12月31日");
        assert_eq!(Locale::EnUs.date(&d), "Dec 31, 2027");
    }

    #[test]
    fn money_in_yuan_to_the_cent() {
        let l = Locale::ZhCn;
        let yuan = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
        assert_eq!(l.money(yuan("0")), "¥0.00");
        assert_eq!(l.money(yuan("1234.5")), "¥1,234.50");
        assert_eq!(l.money(yuan("-27.675")), "-¥27.68");
        assert_eq!(l.money(yuan("27.674")), "¥27.67");
        assert_eq!(l.money(yuan("-0.001")), "¥0.00");
        assert_eq!(l.money(yuan("12345678.9")), "¥12,345,678.90");
        assert_eq!(l.money(yuan("999.99")), "¥999.99");
        assert_eq!(l.money(yuan("-1000")), "-¥1,000.00");
        assert_eq!(l.money(yuan("123456")), "¥123,456.00");
    }
}

#[cfg(test)]
mod plural_tests {
    use super::Locale;

    #[test]
    fn english_counts_agree_with_their_nouns() {
        let l = Locale::EnUs;
        assert_eq!(
            l.t1("subscription-count", "count", l.num(1u32)),
            "1 subscription"
        );
        assert_eq!(
            l.t1("subscription-count", "count", l.num(2u32)),
            "2 subscriptions"
        );
        assert_eq!(
            l.t1("customers-count", "count", l.num(10_000u32)),
            "10,000 customers"
        );
        // A count that stopped at its bound (the English message was missing its plural
        // and fell back to Chinese).
        assert_eq!(
            l.t2(
                "customers-found-count",
                "count",
                l.count(200u32, true),
                "query",
                "科技"
            ),
            "200+ customers match “科技”"
        );
        assert_eq!(
            l.t1("sign-in-throttled", "minutes", 1),
            "Too many sign-in attempts. Try again in a minute."
        );
        assert_eq!(
            Locale::ZhCn.t1("subscription-count", "count", 1),
            "1 个订阅"
        );
    }
}

#[cfg(test)]
mod cache_tests {
    use super::{LOCALES, Locale};
    use fluent_templates::Loader;

    #[test]
    fn cached_messages_are_exactly_the_formatted_ones() {
        for l in Locale::ALL {
            let fixed = l.fixed();
            assert!(fixed.len() > 100, "{}", fixed.len());
            for (id, text) in fixed {
                assert_eq!(text, &LOCALES.lookup(l.id(), id), "{id}");
            }
            assert!(!fixed.contains_key("licenses-of") && !fixed.contains_key("dap-email-body"));
            assert!(!fixed.contains_key("subscription-count"));
        }
    }

    #[test]
    fn plain_messages_format_exactly_as_fluent_does() {
        use std::borrow::Cow;
        use std::collections::HashMap;

        use fluent_templates::fluent_bundle::FluentValue;
        for l in Locale::ALL {
            let plain = l.plain();
            assert!(
                plain.contains_key("licenses-of"),
                "the meter's words are plain"
            );
            if l == Locale::EnUs {
                assert!(
                    !plain.contains_key("subscription-count"),
                    "a selector is not"
                );
            }
            for (id, pieces) in plain {
                let names: Vec<&'static str> = pieces
                    .0
                    .iter()
                    .filter_map(|p| match p {
                        super::Piece::Arg(name) => Some(*name),
                        super::Piece::Text(_) => None,
                    })
                    .collect();
                let args: Vec<(&'static str, String)> =
                    names.iter().map(|n| (*n, format!("<{n}> 1,234"))).collect();
                let values: HashMap<Cow<'static, str>, FluentValue> = args
                    .iter()
                    .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
                    .collect();
                assert_eq!(
                    pieces.format(&args),
                    LOCALES.lookup_with_args(l.id(), id, &values),
                    "{id}"
                );
            }
        }
    }
}
