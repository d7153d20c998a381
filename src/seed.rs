//! `portal seed`: a large, realistic book for measuring the portal: Chinese and English company
//! names, every offer and status, subscriptions bought through other channels, customers without
//! delegated admin privileges. Deterministic for a given size, so runs compare.

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::billing::BillingDay;
use crate::domain::book::{
    Book, CustomerRecord, RelationshipRecord, ResellerRecord, SubscriptionRecord, UserRecord,
};
use crate::domain::{
    BillingCycle, CustomerId, OfferId, ResellerId, Subscription, SubscriptionId,
    SubscriptionStatus, Version,
};

/// The seeded reseller, and its user's sign-in (documented in docs/PERFORMANCE.md).
pub const RESELLER: &str = "bigbook";
pub const EMAIL: &str = "admin@bigbook.example";
pub const PASSWORD: &str = "bigbook-demo";

const CITIES: &[&str] = &[
    "北京", "上海", "深圳", "广州", "杭州", "成都", "南京", "武汉", "西安", "重庆", "天津", "苏州",
    "厦门", "青岛", "大连", "长沙", "郑州", "济南", "合肥", "福州", "昆明", "沈阳", "宁波", "无锡",
];
const WORDS: &[&str] = &[
    "云途", "星河", "蓝海", "青山", "明珠", "锦程", "金陵", "长江", "古城", "山城", "港湾", "园林",
    "鹭岛", "海风", "星海", "湘江", "华夏", "东方", "恒信", "博远", "瑞丰", "天成", "新锐", "智联",
];
const TRADES: &[&str] = &[
    "科技有限公司",
    "贸易有限公司",
    "电子有限公司",
    "文化传媒",
    "物流有限公司",
    "软件有限公司",
    "设计院",
    "制造有限公司",
    "旅游集团",
    "餐饮管理",
    "教育集团",
    "医药有限公司",
    "建筑设计",
];
const LATIN: &[&str] = &[
    "Contoso",
    "Fabrikam",
    "Adatum",
    "Litware",
    "Northwind",
    "Tailspin",
    "Wingtip",
    "Proseware",
    "Woodgrove",
    "Alpine",
    "Fourth",
    "Margie",
    "Coho",
    "Lucerne",
    "Humongous",
    "Trey",
    "Wide World",
];
const LATIN_TRADES: &[&str] = &[
    "Consulting",
    "Trading",
    "Foods",
    "Logistics",
    "Software",
    "Design",
    "Bank",
    "Travel",
];

/// Generates `customers` customers with `per_customer` subscriptions each (the first 200), for reseller
/// `bigbook`. About one in ten subscriptions was bought through another channel, one in twenty
/// customers has not granted delegated admin privileges, and statuses and offers vary.
pub fn book(customers: u32, per_customer: u32, password_hash: String) -> anyhow::Result<Book> {
    let mut rng = StdRng::seed_from_u64(2026);
    let reseller = ResellerId::parse(RESELLER)?;
    let created = NaiveDate::from_ymd_opt(2025, 1, 1).ok_or_else(|| anyhow::anyhow!("date"))?;
    let mut book = Book {
        resellers: vec![ResellerRecord {
            id: reseller.clone(),
            name: "Bigbook 云服务".to_owned(),
            billing_day: BillingDay::starting(created),
            users: vec![UserRecord {
                email: EMAIL.to_owned(),
                password_hash,
                role: crate::domain::Role::GlobalAdmin,
            }],
        }],
        customers: Vec::with_capacity(customers as usize),
        subscriptions: Vec::with_capacity((customers * per_customer) as usize),
    };
    for c in 0..customers {
        let id = CustomerId::parse(&format!("b-{c:07}"))?;
        let (company_name, slug) = if rng.random_bool(0.7) {
            let name = format!(
                "{}{}{}",
                CITIES[rng.random_range(0..CITIES.len())],
                WORDS[rng.random_range(0..WORDS.len())],
                TRADES[rng.random_range(0..TRADES.len())]
            );
            (name, format!("cn{c:07}"))
        } else {
            let name = format!(
                "{} {} {c}",
                LATIN[rng.random_range(0..LATIN.len())],
                LATIN_TRADES[rng.random_range(0..LATIN_TRADES.len())]
            );
            let slug = name.to_lowercase().replace(' ', "");
            (name, slug)
        };
        book.customers.push(CustomerRecord {
            id: id.clone(),
            company_name,
            domain: format!("{slug}.partner.onmschina.cn"),
            relationships: vec![RelationshipRecord {
                reseller: reseller.clone(),
                delegated_admin: !rng.random_bool(0.05),
            }],
        });
        // The first customer is a large one: the Subscriptions page of a customer with 200
        // subscriptions is measured too.
        let count = if c == 0 {
            per_customer.max(200)
        } else {
            per_customer
        };
        for s in 0..count {
            let offer = OfferId::ALL[rng.random_range(0..OfferId::ALL.len())];
            let max = offer.offer().licenses.max.min(2_000);
            let quantity = rng.random_range(1..=max);
            let status = match rng.random_range(0..20) {
                0 => SubscriptionStatus::Suspended,
                1 => SubscriptionStatus::Cancelled,
                _ => SubscriptionStatus::Active,
            };
            book.subscriptions.push(SubscriptionRecord {
                customer: id.clone(),
                subscription: Subscription {
                    id: SubscriptionId::parse(&format!("b-{c:07}-{s:02}"))?,
                    offer,
                    friendly_name: format!("{} #{}", offer.offer().name_en, s + 1),
                    quantity,
                    assigned_licenses: rng.random_range(0..=quantity),
                    status,
                    sold_by: (!rng.random_bool(0.1)).then(|| reseller.clone()),
                    billing_cycle: if rng.random_bool(0.7) {
                        BillingCycle::Monthly
                    } else {
                        BillingCycle::Annual
                    },
                    auto_renew: rng.random_bool(0.8),
                    created: created + chrono::Days::new(rng.random_range(0..600)),
                    upgraded_to: None,
                    upgraded_from: None,
                    version: Version(0),
                },
            });
        }
    }
    Ok(book)
}
