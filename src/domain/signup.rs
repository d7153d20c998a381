//! A new customer's tenant name: the domain prefix of `{prefix}.partner.onmschina.cn`, the
//! initial domain Partner Center operated by 21Vianet gives a customer it creates.
//!
//! The prefix's rule, as Partner Center's customer form and its `checkdomainavailability`
//! validation take it (the stored REST reference states none; this is the rule of the initial
//! `onmicrosoft`/`onmschina` domain): ASCII letters and digits only, 1 to 27 of them; compared
//! without case, and kept in lower case. A domain belongs to one customer in the whole portal,
//! compared without case.

/// What follows the prefix.
pub const SUFFIX: &str = "partner.onmschina.cn";

/// A domain prefix that keeps its rule, in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainPrefix(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PrefixError {
    #[error("enter the domain prefix")]
    Empty,
    #[error("the domain prefix is longer than {} characters", DomainPrefix::MAX)]
    TooLong,
    #[error("the domain prefix holds characters other than the letters a-z and digits 0-9")]
    Characters,
}

impl PrefixError {
    /// The key of the message shown beside the field.
    pub fn message_key(self) -> &'static str {
        match self {
            PrefixError::Empty => "signup-error-prefix-empty",
            PrefixError::TooLong => "signup-error-prefix-long",
            PrefixError::Characters => "signup-error-prefix-characters",
        }
    }
}

impl DomainPrefix {
    /// The longest prefix, in characters.
    pub const MAX: usize = 27;

    /// Surrounding whitespace is dropped; letters are kept in lower case.
    pub fn parse(raw: &str) -> Result<DomainPrefix, PrefixError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(PrefixError::Empty);
        }
        if !raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(PrefixError::Characters);
        }
        if raw.len() > Self::MAX {
            return Err(PrefixError::TooLong);
        }
        Ok(DomainPrefix(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The customer's initial domain: `{prefix}.partner.onmschina.cn`.
    pub fn domain(&self) -> String {
        format!("{}.{SUFFIX}", self.0)
    }
}

/// A domain as a request names it, as domains are compared: trimmed, in lower case; `None` for
/// something no domain is (empty, too long, or holding what no host name holds).
pub fn compared_domain(raw: &str) -> Option<String> {
    let raw = raw.trim().trim_end_matches('.');
    let fits = !raw.is_empty()
        && raw.len() <= 253
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    fits.then(|| raw.to_ascii_lowercase())
}

/// China's provinces, municipalities and autonomous regions (mainland, where 21Vianet operates):
/// their Chinese name, and the name an English form gives.
pub const PROVINCES: [(&str, &str); 31] = [
    ("北京市", "Beijing"),
    ("天津市", "Tianjin"),
    ("河北省", "Hebei"),
    ("山西省", "Shanxi"),
    ("内蒙古自治区", "Inner Mongolia"),
    ("辽宁省", "Liaoning"),
    ("吉林省", "Jilin"),
    ("黑龙江省", "Heilongjiang"),
    ("上海市", "Shanghai"),
    ("江苏省", "Jiangsu"),
    ("浙江省", "Zhejiang"),
    ("安徽省", "Anhui"),
    ("福建省", "Fujian"),
    ("江西省", "Jiangxi"),
    ("山东省", "Shandong"),
    ("河南省", "Henan"),
    ("湖北省", "Hubei"),
    ("湖南省", "Hunan"),
    ("广东省", "Guangdong"),
    ("广西壮族自治区", "Guangxi"),
    ("海南省", "Hainan"),
    ("重庆市", "Chongqing"),
    ("四川省", "Sichuan"),
    ("贵州省", "Guizhou"),
    ("云南省", "Yunnan"),
    ("西藏自治区", "Xizang"),
    ("陕西省", "Shaanxi"),
    ("甘肃省", "Gansu"),
    ("青海省", "Qinghai"),
    ("宁夏回族自治区", "Ningxia"),
    ("新疆维吾尔自治区", "Xinjiang"),
];

/// A new customer's fields as a door read them, before their rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawCustomer {
    pub company_name: String,
    pub prefix: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub province: String,
    pub city: String,
    pub address_line: String,
    pub postal_code: String,
    pub language: String,
}

/// The fields of a new customer, each named as its message and its API field are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    CompanyName,
    Prefix,
    FirstName,
    LastName,
    Email,
    Phone,
    Province,
    City,
    AddressLine,
    PostalCode,
    Language,
}

impl Field {
    /// Partner Center's name of the field in a `Customer` body.
    pub fn wire(self) -> &'static str {
        match self {
            Field::CompanyName => "billingProfile.companyName",
            Field::Prefix => "companyProfile.domain",
            Field::FirstName => "billingProfile.defaultAddress.firstName",
            Field::LastName => "billingProfile.defaultAddress.lastName",
            Field::Email => "billingProfile.email",
            Field::Phone => "billingProfile.defaultAddress.phoneNumber",
            Field::Province => "billingProfile.defaultAddress.state",
            Field::City => "billingProfile.defaultAddress.city",
            Field::AddressLine => "billingProfile.defaultAddress.addressLine1",
            Field::PostalCode => "billingProfile.defaultAddress.postalCode",
            Field::Language => "billingProfile.language",
        }
    }

    /// The key of the message shown beside the field when it is wrong.
    pub fn message_key(self) -> &'static str {
        match self {
            Field::CompanyName => "signup-error-company",
            Field::Prefix => "signup-error-prefix-characters",
            Field::FirstName | Field::LastName => "signup-error-name",
            Field::Email => "signup-error-email",
            Field::Phone => "signup-error-phone",
            Field::Province => "signup-error-province",
            Field::City => "signup-error-city",
            Field::AddressLine => "signup-error-address",
            Field::PostalCode => "signup-error-postal",
            Field::Language => "signup-error-language",
        }
    }
}

/// A new customer that keeps every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    pub company_name: String,
    pub prefix: DomainPrefix,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    /// The province's Chinese name.
    pub province: &'static str,
    pub city: String,
    pub address_line: String,
    pub postal_code: String,
    /// `zh-CN` or `en-US`.
    pub language: &'static str,
}

/// A text field: trimmed, 1 to `max` characters, no control character.
fn text(raw: &str, max: usize) -> Option<String> {
    let t = raw.trim();
    (!t.is_empty() && t.chars().count() <= max && !t.chars().any(char::is_control))
        .then(|| t.to_owned())
}

fn email(raw: &str) -> Option<String> {
    let t = raw.trim();
    let (local, domain) = t.split_once('@')?;
    let fits = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && t.len() <= 254
        && t.chars().all(|c| c.is_ascii_graphic())
        && !domain.contains('@');
    fits.then(|| t.to_owned())
}

fn phone(raw: &str) -> Option<String> {
    let t = raw.trim();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    let fits = (5..=20).contains(&digits)
        && t.len() <= 32
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'));
    fits.then(|| t.to_owned())
}

/// A province by its Chinese or English name (any letter case).
pub fn province(raw: &str) -> Option<&'static str> {
    let t = raw.trim();
    PROVINCES
        .iter()
        .find(|(zh, en)| *zh == t || en.eq_ignore_ascii_case(t))
        .map(|(zh, _)| *zh)
}

fn language(raw: &str) -> Option<&'static str> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "zh" | "zh-cn" | "zh-hans" => Some("zh-CN"),
        "en" | "en-us" => Some("en-US"),
        _ => None,
    }
}

impl NewCustomer {
    /// The new customer of these fields, or every field that is wrong (with why, for the
    /// domain prefix).
    pub fn parse(raw: &RawCustomer) -> Result<NewCustomer, Vec<(Field, Option<PrefixError>)>> {
        let mut wrong = Vec::new();
        let mut check = |field: Field, value: Option<String>| {
            if value.is_none() {
                wrong.push((field, None));
            }
            value.unwrap_or_default()
        };
        let company_name = check(Field::CompanyName, text(&raw.company_name, 256));
        let first_name = check(Field::FirstName, text(&raw.first_name, 64));
        let last_name = check(Field::LastName, text(&raw.last_name, 64));
        let email = check(Field::Email, email(&raw.email));
        let phone = check(Field::Phone, phone(&raw.phone));
        let city = check(Field::City, text(&raw.city, 64));
        let address_line = check(Field::AddressLine, text(&raw.address_line, 256));
        let postal = raw.postal_code.trim();
        let postal_code = check(
            Field::PostalCode,
            (postal.len() == 6 && postal.bytes().all(|b| b.is_ascii_digit()))
                .then(|| postal.to_owned()),
        );
        let province = province(&raw.province);
        if province.is_none() {
            wrong.push((Field::Province, None));
        }
        let language = language(&raw.language);
        if language.is_none() {
            wrong.push((Field::Language, None));
        }
        let prefix = DomainPrefix::parse(&raw.prefix);
        if let Err(e) = &prefix {
            wrong.push((Field::Prefix, Some(*e)));
        }
        match (prefix, province, language) {
            (Ok(prefix), Some(province), Some(language)) if wrong.is_empty() => Ok(NewCustomer {
                company_name,
                prefix,
                first_name,
                last_name,
                email,
                phone,
                province,
                city,
                address_line,
                postal_code,
                language,
            }),
            _ => Err(wrong),
        }
    }

    /// The tenant's first admin: `admin@{prefix}.partner.onmschina.cn`.
    pub fn admin(&self) -> String {
        format!("admin@{}", self.prefix.domain())
    }
}

/// The event a new customer announces itself with.
pub const CUSTOMER_CREATED: &str = "customer-created";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_letters_and_digits_up_to_27() {
        let p = DomainPrefix::parse(" Fabrikam2026 ").unwrap();
        assert_eq!(p.as_str(), "fabrikam2026");
        assert_eq!(p.domain(), "fabrikam2026.partner.onmschina.cn");
        assert_eq!(DomainPrefix::parse(""), Err(PrefixError::Empty));
        assert_eq!(DomainPrefix::parse("  "), Err(PrefixError::Empty));
        assert!(DomainPrefix::parse(&"a".repeat(27)).is_ok());
        assert_eq!(
            DomainPrefix::parse(&"a".repeat(28)),
            Err(PrefixError::TooLong)
        );
        for bad in [
            "fab-rikam",
            "fab.rikam",
            "fab rikam",
            "法布",
            "ｆａｂ",
            "fab_1",
        ] {
            assert_eq!(
                DomainPrefix::parse(bad),
                Err(PrefixError::Characters),
                "{bad}"
            );
        }
    }

    fn raw() -> RawCustomer {
        RawCustomer {
            company_name: "示例科技有限公司".into(),
            prefix: "Example2026".into(),
            first_name: "小明".into(),
            last_name: "王".into(),
            email: "wang@example.com".into(),
            phone: "+86 10 1234 5678".into(),
            province: "Beijing".into(),
            city: "北京".into(),
            address_line: "朝阳区 1 号".into(),
            postal_code: "100020".into(),
            language: "zh".into(),
        }
    }

    #[test]
    fn a_new_customer_keeps_every_rule() {
        let c = NewCustomer::parse(&raw()).unwrap();
        assert_eq!(c.province, "北京市");
        assert_eq!(c.language, "zh-CN");
        assert_eq!(c.admin(), "admin@example2026.partner.onmschina.cn");
        let wrong = NewCustomer::parse(&RawCustomer {
            postal_code: "10002".into(),
            province: "Hong Kong".into(),
            email: "wang@".into(),
            prefix: "ex-ample".into(),
            ..raw()
        })
        .unwrap_err();
        let fields: Vec<Field> = wrong.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                Field::Email,
                Field::PostalCode,
                Field::Province,
                Field::Prefix
            ]
        );
        assert_eq!(
            NewCustomer::parse(&RawCustomer::default())
                .unwrap_err()
                .len(),
            11
        );
    }

    #[test]
    fn domains_compare_without_case() {
        assert_eq!(
            compared_domain("Fabrikam.Partner.OnMsChina.cn."),
            Some("fabrikam.partner.onmschina.cn".into())
        );
        assert_eq!(compared_domain(""), None);
        assert_eq!(compared_domain("a b.cn"), None);
        assert_eq!(compared_domain(&"a".repeat(254)), None);
    }
}
