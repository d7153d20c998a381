//! `portal import FILE.json`: parses a reseller's book into checked records. Every problem names
//! its record and field; nothing is written unless the whole file is right. The format is in the
//! README.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::domain::billing::BillingDay;
use crate::domain::book::{
    Book, CustomerRecord, RelationshipRecord, ResellerRecord, SubscriptionRecord, UserRecord,
};
use crate::domain::edit::name_characters;
use crate::domain::{
    BillingCycle, CustomerId, FriendlyName, LicenseCount, OfferId, ResellerId, Role, Subscription,
    SubscriptionId, SubscriptionStatus, Version,
};
use crate::password;

/// A problem with the file: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// `subscriptions[3] (id "s-0004")`, or empty for the file as a whole.
    pub record: String,
    /// The field, such as `quantity`, or empty for the record as a whole.
    pub field: String,
    pub problem: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.record.is_empty(), self.field.is_empty()) {
            (true, _) => write!(f, "{}", self.problem),
            (false, true) => write!(f, "{}: {}", self.record, self.problem),
            (false, false) => write!(
                f,
                "{}, field \"{}\": {}",
                self.record, self.field, self.problem
            ),
        }
    }
}

impl std::error::Error for ImportError {}

/// One JSON object of the file, with its place for messages.
struct Record<'a> {
    place: String,
    map: &'a Map<String, Value>,
}

impl<'a> Record<'a> {
    fn err(&self, field: &str, problem: impl Into<String>) -> ImportError {
        ImportError {
            record: self.place.clone(),
            field: field.to_owned(),
            problem: problem.into(),
        }
    }

    fn get(&self, field: &str) -> Option<&'a Value> {
        self.map.get(field).filter(|v| !v.is_null())
    }

    fn str(&self, field: &str) -> Result<&'a str, ImportError> {
        match self.get(field) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
            Some(Value::String(_)) => Err(self.err(field, "is empty")),
            Some(_) => Err(self.err(field, "must be a string")),
            None => Err(self.err(field, "is missing")),
        }
    }

    fn opt_str(&self, field: &str) -> Result<Option<&'a str>, ImportError> {
        self.get(field).map(|_| self.str(field)).transpose()
    }

    /// A name the portal keeps and shows (a reseller's, a customer's), trimmed: the characters
    /// of every name ([`name_characters`]: no control character, no bidirectional control).
    fn name(&self, field: &str) -> Result<String, ImportError> {
        let name = self.str(field)?.trim();
        name_characters(name).map_err(|e| self.err(field, e.to_string()))?;
        Ok(name.to_owned())
    }

    fn bool_or(&self, field: &str, default: bool) -> Result<bool, ImportError> {
        match self.get(field) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(self.err(field, "must be true or false")),
        }
    }

    fn whole_number(&self, field: &str) -> Result<Option<u64>, ImportError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.err(field, format!("{n} is not a whole number of 0 or more"))),
            Some(_) => Err(self.err(field, "must be a whole number")),
        }
    }

    fn array(&self, field: &str) -> Result<&'a [Value], ImportError> {
        match self.get(field) {
            None => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => Err(self.err(field, "must be a list")),
        }
    }
}

fn records<'a>(section: &str, items: &'a [Value]) -> Result<Vec<Record<'a>>, ImportError> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let id = v
                .get("id")
                .and_then(Value::as_str)
                .or_else(|| v.get("email").and_then(Value::as_str));
            let place = match id {
                Some(id) => format!("{section}[{i}] (\"{id}\")"),
                None => format!("{section}[{i}]"),
            };
            match v {
                Value::Object(map) => Ok(Record { place, map }),
                _ => Err(ImportError {
                    record: place,
                    field: String::new(),
                    problem: "must be an object".into(),
                }),
            }
        })
        .collect()
}

fn parse_id<T>(
    r: &Record<'_>,
    field: &str,
    parse: fn(&str) -> Result<T, crate::domain::ids::IdError>,
) -> Result<T, ImportError> {
    let raw = r.str(field)?;
    parse(raw).map_err(|e| r.err(field, format!("{raw:?} {e}")))
}

fn top_level<'a>(root: &'a Map<String, Value>, section: &str) -> Result<&'a [Value], ImportError> {
    match root.get(section) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(ImportError {
            record: section.to_owned(),
            field: String::new(),
            problem: "must be a list".into(),
        }),
    }
}

/// Parses and checks a whole file: ids unique and well-formed, references resolved, offers
/// known, license counts within the offer's range and assigned licenses within the quantity.
/// `today` (China Standard Time) is the default creation date of a subscription, and gives a
/// reseller without a billing day its day of the month (at most the 28th).
pub fn parse(text: &str, today: NaiveDate) -> Result<Book, ImportError> {
    let root: Value = serde_json::from_str(text).map_err(|e| ImportError {
        record: String::new(),
        field: String::new(),
        problem: format!("not valid JSON: {e}"),
    })?;
    let Value::Object(root) = root else {
        return Err(ImportError {
            record: String::new(),
            field: String::new(),
            problem:
                "the file must hold one JSON object with resellers, customers and subscriptions"
                    .into(),
        });
    };

    let mut book = Book::default();
    let mut emails = HashSet::new();
    for r in records("resellers", top_level(&root, "resellers")?)? {
        let id = parse_id(&r, "id", ResellerId::parse)?;
        if book.resellers.iter().any(|x: &ResellerRecord| x.id == id) {
            return Err(r.err("id", "is used by an earlier reseller"));
        }
        let mut users = Vec::new();
        for (i, u) in r.array("users")?.iter().enumerate() {
            let place = match u.get("email").and_then(Value::as_str) {
                Some(email) => format!("{}.users[{i}] (\"{email}\")", r.place),
                None => format!("{}.users[{i}]", r.place),
            };
            let Value::Object(map) = u else {
                return Err(ImportError {
                    record: place,
                    field: String::new(),
                    problem: "must be an object".into(),
                });
            };
            let u = Record { place, map };
            let email = u.str("email")?.trim().to_lowercase();
            if !email.contains('@') || email.len() > 254 {
                return Err(u.err("email", format!("{email:?} is not an email address")));
            }
            if !emails.insert(email.clone()) {
                return Err(u.err("email", format!("{email:?} is used by an earlier user")));
            }
            let password = u.str("password")?;
            if password.chars().count() < 8 {
                return Err(u.err("password", "must have at least 8 characters"));
            }
            let password_hash =
                password::hash(password).map_err(|e| u.err("password", e.to_string()))?;
            users.push(UserRecord {
                email,
                password_hash,
                // `"role"` names it; a file of before roles says `"admin"` alone.
                role: match u.opt_str("role")? {
                    Some(role) => Role::parse(role).map_err(|e| u.err("role", e.to_string()))?,
                    None => Role::of_legacy_admin(u.bool_or("admin", false)?),
                },
            });
        }
        let billing_day = match r.whole_number("billing_day")? {
            None => BillingDay::starting(today),
            Some(n) => u32::try_from(n)
                .ok()
                .and_then(BillingDay::new)
                .ok_or_else(|| r.err("billing_day", format!("{n} is not a day from 1 to 28")))?,
        };
        book.resellers.push(ResellerRecord {
            id,
            name: r.name("name")?,
            billing_day,
            users,
        });
    }
    let resellers: HashSet<ResellerId> = book.resellers.iter().map(|r| r.id.clone()).collect();

    let mut relationships: HashSet<(ResellerId, CustomerId)> = HashSet::new();
    for r in records("customers", top_level(&root, "customers")?)? {
        let id = parse_id(&r, "id", CustomerId::parse)?;
        if book.customers.iter().any(|x: &CustomerRecord| x.id == id) {
            return Err(r.err("id", "is used by an earlier customer"));
        }
        let mut rels = Vec::new();
        for (i, rel) in r.array("relationships")?.iter().enumerate() {
            let place = format!("{}.relationships[{i}]", r.place);
            let Value::Object(map) = rel else {
                return Err(ImportError {
                    record: place,
                    field: String::new(),
                    problem: "must be an object".into(),
                });
            };
            let rel = Record { place, map };
            let reseller = parse_id(&rel, "reseller", ResellerId::parse)?;
            if !resellers.contains(&reseller) {
                return Err(rel.err(
                    "reseller",
                    format!("\"{reseller}\" is not a reseller of this file"),
                ));
            }
            if !relationships.insert((reseller.clone(), id.clone())) {
                return Err(rel.err("reseller", "is listed twice for this customer"));
            }
            rels.push(RelationshipRecord {
                reseller,
                delegated_admin: rel.bool_or("delegated_admin", false)?,
            });
        }
        book.customers.push(CustomerRecord {
            id,
            company_name: r.name("company_name")?,
            domain: r.str("domain")?.trim().to_lowercase(),
            relationships: rels,
        });
    }
    let customers: HashSet<CustomerId> = book.customers.iter().map(|c| c.id.clone()).collect();

    let mut seen: HashMap<SubscriptionId, ()> = HashMap::new();
    for r in records("subscriptions", top_level(&root, "subscriptions")?)? {
        let id = parse_id(&r, "id", SubscriptionId::parse)?;
        if seen.insert(id.clone(), ()).is_some() {
            return Err(r.err("id", "is used by an earlier subscription"));
        }
        let customer = parse_id(&r, "customer", CustomerId::parse)?;
        if !customers.contains(&customer) {
            return Err(r.err(
                "customer",
                format!("\"{customer}\" is not a customer of this file"),
            ));
        }
        let offer_raw = r.str("offer")?;
        let offer: OfferId = offer_raw
            .parse()
            .map_err(|e| r.err("offer", format!("{e}")))?;
        let range = offer.offer().licenses;
        let quantity = match r.whole_number("quantity")? {
            None => return Err(r.err("quantity", "is missing")),
            Some(q) => LicenseCount::parse(&q.to_string(), range)
                .map_err(|_| {
                    r.err(
                        "quantity",
                        format!(
                            "{q} is outside {}'s range of {} to {}",
                            offer.offer().name_en,
                            range.min,
                            range.max
                        ),
                    )
                })?
                .get(),
        };
        let assigned = r.whole_number("assigned_licenses")?.unwrap_or(0);
        if assigned > u64::from(quantity) {
            return Err(r.err(
                "assigned_licenses",
                format!("{assigned} is more than the quantity {quantity}"),
            ));
        }
        let status: SubscriptionStatus = match r.opt_str("status")? {
            None => SubscriptionStatus::Active,
            Some(s) => s.parse().map_err(|e| r.err("status", format!("{e}")))?,
        };
        if !r.map.contains_key("sold_by") {
            return Err(r.err(
                "sold_by",
                "is missing: a reseller id, or null when bought through another channel",
            ));
        }
        let sold_by = match r.get("sold_by") {
            None => None,
            Some(_) => {
                let reseller = parse_id(&r, "sold_by", ResellerId::parse)?;
                if !resellers.contains(&reseller) {
                    return Err(r.err(
                        "sold_by",
                        format!("\"{reseller}\" is not a reseller of this file"),
                    ));
                }
                if !relationships.contains(&(reseller.clone(), customer.clone())) {
                    return Err(r.err(
                        "sold_by",
                        format!("\"{reseller}\" has no relationship with customer \"{customer}\""),
                    ));
                }
                Some(reseller)
            }
        };
        let billing_cycle: BillingCycle = match r.opt_str("billing_cycle")? {
            None => BillingCycle::Monthly,
            Some(s) => s.parse().map_err(|e: String| r.err("billing_cycle", e))?,
        };
        let created = match r.opt_str("created")? {
            None => today,
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| r.err("created", format!("{s:?} is not a date like 2026-03-01")))?,
        };
        let friendly_name = match r.opt_str("friendly_name")? {
            Some(name) => FriendlyName::parse(name)
                .map_err(|e| r.err("friendly_name", e.to_string()))?
                .as_str()
                .to_owned(),
            None => offer.offer().name_en.to_owned(),
        };
        book.subscriptions.push(SubscriptionRecord {
            customer,
            subscription: Subscription {
                id,
                offer,
                friendly_name,
                quantity,
                assigned_licenses: u32::try_from(assigned).unwrap_or(quantity),
                status,
                sold_by,
                billing_cycle,
                auto_renew: r.bool_or("auto_renew", true)?,
                created,
                upgraded_to: None,
                upgraded_from: None,
                version: Version(0),
            },
        });
    }
    Ok(book)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn any_text_is_read_or_refused_never_a_panic(raw in ".{0,200}") {
            let _ = parse(&raw, NaiveDate::MIN);
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 7, 31).unwrap()
    }

    fn err(json: &str) -> String {
        parse(json, today()).unwrap_err().to_string()
    }

    const BASE: &str = r#"{"resellers":[{"id":"r1","name":"R","users":[]}],
        "customers":[{"id":"c1","company_name":"C","domain":"c.example","relationships":[{"reseller":"r1","delegated_admin":true}]}],
        "subscriptions":[SUBS]}"#;

    fn with_sub(sub: &str) -> String {
        BASE.replace("SUBS", sub)
    }

    #[test]
    fn billing_days_and_administrators() {
        let book = parse(
            r#"{"resellers":[{"id":"r1","name":"R","billing_day":15,
                 "users":[{"email":"a@r.example","password":"12345678","admin":true},
                          {"email":"b@r.example","password":"12345678"}]}]}"#,
            today(),
        )
        .unwrap();
        assert_eq!(book.resellers[0].billing_day.get(), 15);
        let roles: Vec<Role> = book.resellers[0].users.iter().map(|u| u.role).collect();
        assert_eq!(roles, [Role::GlobalAdmin, Role::AdminAgent]);
        for bad in ["0", "29", "-1", "\"15\"", "1.5"] {
            let e = err(&format!(
                r#"{{"resellers":[{{"id":"r1","name":"R","billing_day":{bad}}}]}}"#
            ));
            assert!(e.contains("billing_day"), "{bad}: {e}");
        }
    }

    #[test]
    fn users_name_their_role() {
        let book = parse(
            r#"{"resellers":[{"id":"r1","name":"R",
                 "users":[{"email":"a@r.example","password":"12345678","role":"sales-agent"},
                          {"email":"b@r.example","password":"12345678","role":"billing-admin","admin":true}]}]}"#,
            today(),
        )
        .unwrap();
        let roles: Vec<Role> = book.resellers[0].users.iter().map(|u| u.role).collect();
        assert_eq!(roles, [Role::SalesAgent, Role::BillingAdmin]);
        let e = err(r#"{"resellers":[{"id":"r1","name":"R",
                 "users":[{"email":"a@r.example","password":"12345678","role":"owner"}]}]}"#);
        assert!(e.contains("role") && e.contains("owner"), "{e}");
    }

    #[test]
    fn a_minimal_subscription_gets_defaults() {
        let book = parse(
            &with_sub(
                r#"{"id":"s1","customer":"c1","offer":"O365_E1","quantity":5,"sold_by":"r1"}"#,
            ),
            today(),
        )
        .unwrap();
        // Created today; the reseller billed on the day of the month it came, at most the 28th.
        assert_eq!(book.subscriptions[0].subscription.created, today());
        assert_eq!(book.resellers[0].billing_day.get(), 28);
        let s = &book.subscriptions[0].subscription;
        assert_eq!(s.status, SubscriptionStatus::Active);
        assert_eq!(s.assigned_licenses, 0);
        assert_eq!(s.billing_cycle, BillingCycle::Monthly);
        assert!(s.auto_renew);
        assert_eq!(s.friendly_name, "Office 365 Enterprise E1");
    }

    #[test]
    fn errors_name_the_record_and_the_field() {
        let e = err(&with_sub(
            r#"{"id":"s1","customer":"c1","offer":"O365_E9","quantity":5,"sold_by":"r1"}"#,
        ));
        assert_eq!(
            e,
            r#"subscriptions[0] ("s1"), field "offer": unknown offer id "O365_E9""#
        );
        let e = err(&with_sub(
            r#"{"id":"s1","customer":"c1","offer":"O365_BUSINESS","quantity":301,"sold_by":"r1"}"#,
        ));
        assert!(
            e.contains(
                r#"field "quantity": 301 is outside Office 365 Business's range of 1 to 300"#
            ),
            "{e}"
        );
        let e = err(&with_sub(
            r#"{"id":"s1","customer":"c2","offer":"O365_E1","quantity":5,"sold_by":"r1"}"#,
        ));
        assert!(
            e.contains(r#"field "customer": "c2" is not a customer"#),
            "{e}"
        );
        let e = err(&with_sub(
            r#"{"id":"s1","customer":"c1","offer":"O365_E1","quantity":5}"#,
        ));
        assert!(e.contains(r#"field "sold_by": is missing"#), "{e}");
        let e = err(&with_sub(
            r#"{"id":"s1","customer":"c1","offer":"O365_E1","quantity":5,"assigned_licenses":6,"sold_by":null}"#,
        ));
        assert!(e.contains("6 is more than the quantity 5"), "{e}");
        let e = err(&with_sub(
            r#"{"id":"s1","customer":"c1","offer":"O365_E1","quantity":2.5,"sold_by":null}"#,
        ));
        assert!(
            e.contains(r#"field "quantity": 2.5 is not a whole number"#),
            "{e}"
        );
        let e = err("[1]");
        assert!(e.contains("one JSON object"), "{e}");
        assert!(err("{").starts_with("not valid JSON"));
    }
}
