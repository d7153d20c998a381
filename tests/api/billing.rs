//! What a change costs: the review before every change, the price list, the billing day, and the
//! charges afterwards, by 21Vianet's rules, from changes made through the pages at a time the
//! test sets (`PORTAL_CLOCK`).

use chrono::{DateTime, Utc};

use crate::helpers::{
    CONTOSO, TestApp, details, file, load_book, portal_command, spawn_app, spawn_app_with,
};
use crate::roles::add_user;
use portal::domain::Role::SalesAgent;

/// A moment of 2026 in China Standard Time.
fn at(date: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("2026-{date}T10:00:00+08:00"))
        .unwrap()
        .into()
}

/// A portal whose clock stands at `date`, with the worked example's reseller: billing day 15,
/// an existing Enterprise E3 subscription of 15 licenses, E3 at 11 a license a month.
async fn worked_example_portal(date: &str) -> TestApp {
    let app = spawn_app_with(&[("PORTAL_CLOCK", &at(date).to_rfc3339())]).await;
    load_book(
        &app,
        r#"{
  "resellers": [{ "id": "example", "name": "Example 云", "billing_day": 15,
    "users": [{ "email": "admin@example.example", "password": "example-demo", "admin": true }] }],
  "customers": [{ "id": "c-example", "company_name": "示例 公司", "domain": "example.partner.onmschina.cn",
    "relationships": [{ "reseller": "example", "delegated_admin": true }] }],
  "subscriptions": [
    { "id": "s-example", "customer": "c-example", "offer": "O365_E3", "friendly_name": "Staff",
      "quantity": 15, "sold_by": "example", "created": "2026-01-10" },
    { "id": "s-essentials", "customer": "c-example", "offer": "O365_BUSINESS_ESSENTIALS",
      "friendly_name": "Shop", "quantity": 31, "assigned_licenses": 5, "sold_by": "example", "created": "2026-01-10" }
  ]
}"#,
        "Offer ID,Currency,Unit Price,Valid From\nO365_E3,CNY,11,2026-01-01\nO365_BUSINESS_ESSENTIALS,CNY,10,2026-01-01\n",
    );
    app.sign_in(("admin@example.example", "example-demo")).await;
    app
}

const STAFF: (&str, &str) = ("c-example", "s-example");

/// Changes the licenses through the Details page and its review on `date`.
async fn change_licenses_on(app: &TestApp, date: &str, licenses: &str) {
    app.clock.set(at(date));
    let page = app.get(&details(STAFF.0, STAFF.1)).await;
    let review = app
        .submit(
            &format!("{}/licenses", details(STAFF.0, STAFF.1)),
            &[("licenses", licenses), ("version", &page.hidden("version"))],
        )
        .await;
    review.assert_status(200);
    assert!(review.is_review());
    app.confirm(&review).await.assert_status(303);
}

const AUG_15_LINES: [(&str, &str); 6] = [
    ("advance_reversal", "-165.00"),
    ("prorated_usage", "26.61"),
    ("prorated_usage", "46.84"),
    ("prorated_usage", "63.87"),
    ("prorated_usage", "17.74"),
    ("advance", "110.00"),
];

#[actix_web::test]
async fn the_worked_example_from_changes_made_on_the_pages() {
    let app = worked_example_portal("07-15").await;
    change_licenses_on(&app, "07-20", "12").await;
    change_licenses_on(&app, "07-31", "18").await;
    change_licenses_on(&app, "08-10", "10").await;
    app.clock.set(at("08-20"));

    // `portal charges` and the page's CSV: the same file, to the cent.
    let out = portal_command(
        &app,
        &[
            "charges",
            "--reseller",
            "example",
            "--invoice-date",
            "2026-08-15",
        ],
    );
    assert!(out.success, "{out:?}");
    // Standard output is for scripts: no byte-order mark before the first column's name.
    let csv = out.stdout.as_str();
    assert!(csv.starts_with("CustomerId,"), "{csv:?}");
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some(
            "CustomerId,CustomerName,DomainName,SubscriptionId,SubscriptionName,OfferId,OfferName,ChargeType,ChargeStartDate,ChargeEndDate,Quantity,UnitPrice,Amount,Currency"
        )
    );
    let staff: Vec<(String, String)> = rows
        .filter(|r| r.contains("s-example"))
        .map(|r| {
            let f: Vec<&str> = r.split(',').collect();
            (f[7].to_owned(), f[12].to_owned())
        })
        .collect();
    let expected: Vec<(String, String)> = AUG_15_LINES
        .iter()
        .map(|(t, a)| (t.to_string(), a.to_string()))
        .collect();
    assert_eq!(staff, expected);
    assert!(csv.contains("c-example,示例 公司,example.partner.onmschina.cn,s-example,Staff,O365_E3,Office 365 Enterprise E3,prorated_usage,2026-07-15,2026-07-19,15,11.00,26.61,CNY"), "{csv}");

    let page = app.get("/charges.csv?date=2026-08-15").await;
    page.assert_status(200);
    assert_eq!(
        page.headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    // The download is for Excel, in the page's language: the same file with the mark and the
    // offers' Chinese names, as `--bom --language zh-CN` writes it.
    let marked = portal_command(
        &app,
        &[
            "charges",
            "--reseller",
            "example",
            "--invoice-date",
            "2026-08-15",
            "--bom",
            "--language",
            "zh-CN",
        ],
    );
    assert_eq!(page.body, marked.stdout);
    assert!(page.body.starts_with('\u{feff}'));
    assert!(
        page.body.contains(",O365_E3,Office 365 企业版 E3,"),
        "{}",
        page.body
    );
    app.prefer("en-US");
    let english = app.get("/charges.csv?date=2026-08-15").await;
    assert_eq!(english.body, format!("\u{feff}{}", out.stdout));
    app.prefer("zh-CN");

    // The Charges page shows the same lines, and the invoice's total.
    let charges = app.get("/charges?date=2026-08-15").await;
    charges
        .assert_status(200)
        .assert_contains("¥26.61")
        .assert_contains("-¥165.00")
        .assert_contains("¥110.00");
    // Not a billing date: no such invoice.
    app.get("/charges?date=2026-08-14").await.assert_status(404);
    let out = portal_command(
        &app,
        &[
            "charges",
            "--reseller",
            "example",
            "--invoice-date",
            "2026-08-14",
        ],
    );
    assert!(
        !out.success && out.stderr.contains("not a billing date"),
        "{out:?}"
    );
}

#[actix_web::test]
async fn the_review_shows_the_change_to_this_period_and_the_next_advance() {
    let app = worked_example_portal("07-20").await;
    let page = app.get(&details(STAFF.0, STAFF.1)).await;
    let review = app
        .submit(
            &format!("{}/licenses", details(STAFF.0, STAFF.1)),
            &[("licenses", "12"), ("version", &page.hidden("version"))],
        )
        .await;
    // 15 → 12 on Jul 20: 26.61 + 110.71 − 165.00 = −27.68, credited Aug 15; from Aug 15, 132.00.
    review
        .assert_status(200)
        .assert_contains("data-amount=\"-27.68\"")
        .assert_contains("data-amount=\"132.00\"")
        .assert_contains("减少 ¥27.68，于 2026年8月15日 退还")
        .assert_contains("¥165.00");
    // Nothing is written until Confirm.
    assert_eq!(app.count("activity WHERE action = 'licenses'").await, 0);
    // Back keeps what was entered.
    let back = review
        .body
        .split("class=\"button\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    app.get(&back.replace("&amp;", "&"))
        .await
        .assert_contains("value=\"12\"");

    // Suspending: nothing for the rest of the period, no advance.
    let review = app
        .submit(
            &format!("{}/status", details(STAFF.0, STAFF.1)),
            &[("action", "suspend"), ("version", &page.hidden("version"))],
        )
        .await;
    // Active Jul 15–19 only: 15 × 11 × 5 / 31 = 26.61, so 165.00 − 26.61 = 138.39 back.
    review
        .assert_status(200)
        .assert_contains("data-amount=\"-138.39\"")
        .assert_contains("data-amount=\"0.00\"");
}

#[actix_web::test]
async fn a_new_subscription_is_free_until_its_first_billing_date() {
    let app = worked_example_portal("07-20").await;
    let shop = ("c-example", "s-essentials");
    let upgrade = format!("{}/upgrade", details(shop.0, shop.1));
    let form = app.get(&upgrade).await;
    let review = app
        .submit(
            &upgrade,
            &[
                ("offer", "O365_E1"),
                ("licenses", "10"),
                ("version", &form.hidden("version")),
            ],
        )
        .await;
    review.assert_status(200);
    // The whole of Essentials is not upgraded: it keeps 21 licenses and is charged for them from
    // today; the new E1 subscription is free until Aug 15, when its advance is charged.
    let done = app.confirm(&review).await;
    done.assert_status(303);
    let new_id = app
        .value("SELECT id FROM subscriptions WHERE upgraded_from = 's-essentials'")
        .await
        .unwrap();
    assert_eq!(
        app.value(&format!(
            "SELECT created_on FROM subscriptions WHERE id = '{new_id}'"
        ))
        .await
        .as_deref(),
        Some("2026-07-20")
    );

    // Licenses changed in the free time: charged nothing now; the first advance at the new count.
    app.clock.set(at("07-25"));
    let page = app.get(&details("c-example", &new_id)).await;
    let review = app
        .submit(
            &format!("{}/licenses", details("c-example", &new_id)),
            &[("licenses", "12"), ("version", &page.hidden("version"))],
        )
        .await;
    review
        .assert_status(200)
        .assert_contains("data-amount=\"0.00\"");
    app.confirm(&review).await.assert_status(303);

    app.clock.set(at("08-16"));
    let out = portal_command(
        &app,
        &[
            "charges",
            "--reseller",
            "example",
            "--invoice-date",
            "2026-08-15",
        ],
    );
    let new_lines: Vec<Vec<String>> = out
        .stdout
        .lines()
        .filter(|r| r.contains(&new_id))
        .map(|r| r.split(',').map(str::to_owned).collect())
        .collect();
    assert!(
        new_lines.iter().all(|f| f[7] != "advance_reversal"),
        "{new_lines:?}"
    );
    for f in new_lines.iter().filter(|f| f[7] == "prorated_usage") {
        assert_eq!(
            (f[11].as_str(), f[12].as_str()),
            ("0.00", "0.00"),
            "free days: {f:?}"
        );
    }
    let advance = new_lines
        .iter()
        .find(|f| f[7] == "advance")
        .expect("the first advance");
    assert_eq!(
        (advance[10].as_str(), advance[12].as_str()),
        ("12", "660.00"),
        "12 × 55.00"
    );
}

#[actix_web::test]
async fn a_confirm_after_the_price_list_changed_shows_the_review_again() {
    let app = worked_example_portal("07-20").await;
    let page = app.get(&details(STAFF.0, STAFF.1)).await;
    let review = app
        .submit(
            &format!("{}/licenses", details(STAFF.0, STAFF.1)),
            &[("licenses", "12"), ("version", &page.hidden("version"))],
        )
        .await;
    review.assert_contains("data-amount=\"132.00\"");
    let prices = file(
        &app,
        "new.csv",
        "Offer ID,Currency,Unit Price,Valid From\nO365_E3,CNY,20,2026-07-01\n",
    );
    assert!(portal_command(&app, &["prices", "import", &prices]).success);
    let before = app.snapshot().await;

    let again = app.confirm(&review).await;
    again
        .assert_status(409)
        .assert_contains("data-code=\"prices_changed\"")
        .assert_contains("data-amount=\"240.00\"");
    assert_eq!(app.snapshot().await, before, "nothing written");
    app.confirm(&again).await.assert_status(303);
    assert_eq!(app.count("activity WHERE action = 'licenses'").await, 1);
}

#[actix_web::test]
async fn an_offer_without_a_price_is_said_and_the_change_can_still_be_made() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    // The demo price list has no price for Skype for Business Online (Plan 2).
    let path = details("c-mingzhu", "s-mingzhu-1");
    let page = app.get(&path).await;
    let review = app
        .submit(
            &format!("{path}/licenses"),
            &[("licenses", "34"), ("version", &page.hidden("version"))],
        )
        .await;
    review
        .assert_status(200)
        .assert_contains("data-code=\"no_price\"")
        .assert_contains("Skype");
    app.confirm(&review).await.assert_status(303);
    assert_eq!(
        app.value("SELECT quantity FROM subscriptions WHERE id = 's-mingzhu-1'")
            .await
            .as_deref(),
        Some("34")
    );
}

#[actix_web::test]
async fn an_upgrades_review_shows_both_subscriptions() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let upgrade = format!("{}/upgrade", details("c-fabrikam", "s-fabrikam-essentials"));
    let form = app.get(&upgrade).await;
    let review = app
        .submit(
            &upgrade,
            &[
                ("offer", "O365_E3"),
                ("licenses", "25"),
                ("version", &form.hidden("version")),
            ],
        )
        .await;
    review
        .assert_status(200)
        .assert_contains("Essentials for sales")
        .assert_contains("（新建）")
        .assert_contains("Office 365 企业版 E3");
    let text = review.text();
    assert!(text.contains("处于活动状态 → 已取消"), "{text}");
    assert!(text.contains("20 → 0"), "assigned licenses move: {text}");
    assert_eq!(
        app.count("upgrades").await,
        0,
        "nothing made before Confirm"
    );
}

#[actix_web::test]
async fn bad_price_lists_are_refused_whole_naming_each_line() {
    let app = spawn_app().await;
    let before = app.count("prices").await;
    let prices = file(
        &app,
        "bad.csv",
        "Offer ID,Currency,Unit Price,Valid From\nO365_E3,CNY,11,2026-07-01\nO365_NOPE,CNY,11,2026-07-01\nO365_E3,USD,11,2026-07-01\nO365_E3,CNY,-3,2026-07-01\nO365_E3,CNY,1.2.3,2026-07-01\nO365_E3,CNY,11,2026-13-01\n",
    );
    let out = portal_command(&app, &["prices", "import", &prices]);
    assert!(!out.success);
    for needle in [
        "line 3",
        "\"O365_NOPE\"",
        "line 4",
        "\"USD\"",
        "line 5",
        "\"-3\"",
        "line 6",
        "\"1.2.3\"",
        "line 7",
        "\"2026-13-01\"",
        "nothing was written",
    ] {
        assert!(out.stderr.contains(needle), "{needle} in {}", out.stderr);
    }
    assert_eq!(app.count("prices").await, before);
    let missing = portal_command(&app, &["prices", "import", "/no/such/file.csv"]);
    assert!(!missing.success);
}

#[actix_web::test]
async fn the_billing_day_is_set_by_the_command_and_by_an_administrator() {
    let app = spawn_app().await;
    assert!(portal_command(&app, &["billing-day", "contoso", "7"]).success);
    assert_eq!(
        app.value("SELECT billing_day FROM resellers WHERE id = 'contoso'")
            .await
            .as_deref(),
        Some("7")
    );
    for bad in [
        ["billing-day", "contoso", "29"],
        ["billing-day", "contoso", "x"],
        ["billing-day", "nobody", "3"],
    ] {
        assert!(!portal_command(&app, &bad).success, "{bad:?}");
    }

    app.sign_in(CONTOSO).await;
    app.get("/settings")
        .await
        .assert_status(200)
        .assert_contains("7 日");
    app.post("/settings/billing-day", &[("day", "31")])
        .await
        .assert_status(422)
        .assert_contains("aria-invalid=\"true\"");
    app.post("/settings/billing-day", &[("day", "20")])
        .await
        .assert_redirect("/settings?done=saved");
    assert_eq!(
        app.value("SELECT billing_day FROM resellers WHERE id = 'contoso'")
            .await
            .as_deref(),
        Some("20")
    );

    // A role that may not see billing (a sales agent): sees the day, can't change it.
    let (email, password) = add_user(&app, "seller@contoso.example", SalesAgent).await;
    let sales = app.another_browser();
    sales.sign_in((&email, password)).await;
    sales
        .get("/settings")
        .await
        .assert_status(200)
        .assert_lacks("/settings/billing-day");
    sales
        .post("/settings/billing-day", &[("day", "3")])
        .await
        .assert_status(403);
    assert_eq!(
        app.value("SELECT billing_day FROM resellers WHERE id = 'contoso'")
            .await
            .as_deref(),
        Some("20")
    );
}

#[actix_web::test]
async fn the_prices_page_lists_every_offer_with_its_price_today() {
    let app = spawn_app().await;
    app.prefer("en-US");
    app.sign_in(CONTOSO).await;
    let page = app.get("/prices").await;
    page.assert_status(200)
        .assert_contains("Office 365 Enterprise E3")
        .assert_contains("¥138.00")
        .assert_contains("No price");
}

#[actix_web::test]
async fn changes_are_stamped_with_the_portals_clock() {
    let app = worked_example_portal("07-20").await;
    change_licenses_on(&app, "07-31", "18").await;
    let stamped = app
        .value("SELECT at FROM activity WHERE action = 'licenses'")
        .await
        .unwrap();
    assert!(stamped.starts_with("2026-07-31"), "{stamped}");
}

#[actix_web::test]
async fn a_confirm_after_the_subscription_changed_shows_the_review_again() {
    let app = worked_example_portal("07-20").await;
    let page = app.get(&details(STAFF.0, STAFF.1)).await;
    let review = app
        .submit(
            &format!("{}/licenses", details(STAFF.0, STAFF.1)),
            &[("licenses", "12"), ("version", &page.hidden("version"))],
        )
        .await;
    // Someone else makes the subscription 18 licenses meanwhile.
    let other = app.another_browser();
    other
        .sign_in(("admin@example.example", "example-demo"))
        .await;
    other
        .post(
            &format!("{}/licenses", details(STAFF.0, STAFF.1)),
            &[("licenses", "18"), ("version", &page.hidden("version"))],
        )
        .await
        .assert_status(303);
    let before = app.snapshot().await;

    // The review again, from 18 now: 18 → 12 from Jul 20, and nothing written.
    let again = app.confirm(&review).await;
    again
        .assert_status(409)
        .assert_contains("data-code=\"concurrency_conflicts\"");
    assert!(again.text().contains("18 → 12"), "{}", again.text());
    assert_eq!(app.snapshot().await, before);
    app.confirm(&again).await.assert_status(303);
    assert_eq!(
        app.value("SELECT quantity FROM subscriptions WHERE id = 's-example'")
            .await
            .as_deref(),
        Some("12")
    );
}

#[actix_web::test]
async fn reactivating_charges_the_rest_of_the_period_and_the_next_advance() {
    let app = worked_example_portal("07-20").await;
    let status = format!("{}/status", details(STAFF.0, STAFF.1));
    let page = app.get(&details(STAFF.0, STAFF.1)).await;
    app.post(
        &status,
        &[("action", "suspend"), ("version", &page.hidden("version"))],
    )
    .await
    .assert_status(303);

    app.clock.set(at("07-25"));
    let page = app.get(&details(STAFF.0, STAFF.1)).await;
    let review = app
        .submit(
            &status,
            &[
                ("action", "reactivate"),
                ("version", &page.hidden("version")),
            ],
        )
        .await;
    // Active again Jul 25 – Aug 14: 15 × 11 × 21 / 31 = 111.77; the next advance is back.
    review
        .assert_status(200)
        .assert_contains("data-amount=\"111.77\"")
        .assert_contains("data-amount=\"165.00\"")
        .assert_contains("¥0.00 → <strong>¥165.00</strong>");
}

#[actix_web::test]
async fn an_upgrades_review_charges_the_source_to_the_day_before_and_the_target_from_the_next_billing_date()
 {
    let app = worked_example_portal("07-25").await;
    let upgrade = format!("{}/upgrade", details("c-example", "s-essentials"));
    let form = app.get(&upgrade).await;
    let review = app
        .submit(
            &upgrade,
            &[
                ("offer", "O365_E1"),
                ("licenses", "31"),
                ("version", &form.hidden("version")),
            ],
        )
        .await;
    // Essentials (10) charged Jul 15–24 only: 31 × 10 × 10 / 31 = 100.00, so 210.00 back; E1 is
    // free until Aug 15, then 31 × 55.00.
    review
        .assert_status(200)
        .assert_contains("data-amount=\"-210.00\"")
        .assert_contains("data-amount=\"1705.00\"")
        .assert_contains("¥310.00 → <strong>¥1,705.00</strong>");
    // Line by line, so that the figures can be followed: the source's 21 unused days credited
    // and its advance gone; the new subscription free until the billing date, then its advance.
    let lines = review
        .body
        .split_once("data-lines>")
        .and_then(|(_, rest)| rest.split_once("</ul>"))
        .map(|(lines, _)| lines.to_owned())
        .expect("the lines");
    let items: Vec<&str> = lines.matches("<li>").collect();
    assert_eq!(items.len(), 4, "{lines}");
    for said in [
        "Office 365 商业协作版：本周期剩余的 21 天",
        "从 31 个许可证改为 0 个，退还未使用天数的 ¥210.00",
        "的预付费用 ¥310.00 → ¥0.00",
        "Office 365 企业版 E1（新订阅）：",
        "免费，新订阅在第一个计费日之前不收费",
        "起每月预付 31 × ¥55.00 = ¥1,705.00",
    ] {
        assert!(lines.contains(said), "{said} in {lines}");
    }
}

#[actix_web::test]
async fn a_large_book_s_charges_are_paged_and_totalled_whole() {
    // 120 customers, 50 subscriptions a page. The totals are the whole invoice's, the sum of every
    // page's own total (and of the CSV's amounts); after a change, the page says its totals are
    // being worked out again, and a moment later shows the new ones.
    let app = spawn_app_with(&[("PORTAL_CLOCK", "2026-08-20T10:00:00+08:00")]).await;
    let out = portal_command(&app, &["seed", "--customers", "120"]);
    assert!(out.success, "{}", out.stderr);
    app.sign_in(("admin@bigbook.example", "bigbook-demo")).await;
    let total = |page: &crate::helpers::Page, attr: &str| -> rust_decimal::Decimal {
        let at = page.body.find(attr).expect(attr) + attr.len();
        page.body[at..].split('"').next().unwrap().parse().unwrap()
    };
    let invoice = charges_pages(&app, "/charges").await;
    let whole = total(&invoice[0], "data-invoice-total=\"");
    let estimate = total(&invoice[0], "data-estimate-total=\"");
    for page in &invoice {
        assert_eq!(total(page, "data-invoice-total=\""), whole);
    }
    let pages: Vec<rust_decimal::Decimal> = invoice
        .iter()
        .map(|page| total(page, "data-total=\""))
        .collect();
    let sold: usize = app
        .value("SELECT COUNT(*) FROM subscriptions WHERE sold_by = 'bigbook'")
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        pages.len(),
        sold.div_ceil(50),
        "{sold} subscriptions: {pages:?}"
    );
    assert_eq!(pages.iter().copied().sum::<rust_decimal::Decimal>(), whole);
    assert!(whole > rust_decimal::Decimal::ZERO);
    // The rows, page after page, in the customer list's order (its names Chinese and English).
    let billed = customers_in_order(&invoice);
    let listed = customers_in_order(&list_pages(&app).await);
    assert_in_order(&billed, &listed);
    assert!(billed.len() > 50, "{} customers billed", billed.len());
    let csv = app.get("/charges.csv").await.body;
    let from_csv: rust_decimal::Decimal = csv
        .lines()
        .skip(1)
        .map(|l| {
            let amount = l.rsplit(',').nth(1).unwrap();
            amount.parse::<rust_decimal::Decimal>().unwrap()
        })
        .sum();
    assert_eq!(from_csv, whole);

    // The next invoice as it stands, a view of its own: its pages add up to the estimate; no
    // invoice after it has one.
    let day: u32 = app
        .value("SELECT billing_day FROM resellers WHERE id = 'bigbook'")
        .await
        .unwrap()
        .parse()
        .unwrap();
    let (next, after_next) = if day > 20 {
        (format!("2026-08-{day:02}"), format!("2026-09-{day:02}"))
    } else {
        (format!("2026-09-{day:02}"), format!("2026-10-{day:02}"))
    };
    let next_invoice = charges_pages(&app, &format!("/charges?date={next}")).await;
    next_invoice[0].assert_contains(&format!(
        "href=\"/charges?date={next}\" aria-current=\"page\""
    ));
    assert_eq!(total(&next_invoice[0], "data-estimate-total=\""), estimate);
    assert_eq!(
        next_invoice
            .iter()
            .map(|page| total(page, "data-total=\""))
            .sum::<rust_decimal::Decimal>(),
        estimate
    );
    app.get(&format!("/charges?date={after_next}"))
        .await
        .assert_status(404);
    // Past the last subscription: a page of none, with the whole book's totals (a page with no
    // row carries no billing state: it is read on its own).
    let last = app
        .value(
            "SELECT s.id FROM subscriptions s JOIN relationships r \
             ON r.reseller_id = s.sold_by AND r.customer_id = s.customer_id \
             WHERE s.sold_by = 'bigbook' \
             ORDER BY r.sort_key DESC, s.customer_id DESC, s.created_on DESC, s.id DESC LIMIT 1",
        )
        .await
        .unwrap();
    let past = app.get(&format!("/charges?after={last}")).await;
    past.assert_status(200)
        .assert_contains("此日期没有费用。")
        .assert_lacks("rel=\"next\"");
    assert_eq!(total(&past, "data-invoice-total=\""), whole);

    // A change: the totals are worked out again.
    let id = app
        .value("SELECT id FROM subscriptions WHERE sold_by = 'bigbook' AND status = 'active' AND quantity < 100 ORDER BY id LIMIT 1")
        .await
        .unwrap();
    crate::helpers::add_licenses(&app, &id, 10).await;
    // (A book this small is added up within the half second the page waits; a large one shows
    // the last totals, marked, until then.)
    let mut fresh = None;
    for _ in 0..50 {
        let page = app.get("/charges").await;
        if !page.body.contains("data-stale") {
            fresh = Some(page);
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let fresh = fresh.expect("the new totals are worked out");
    assert!(
        total(&fresh, "data-estimate-total=\"") > estimate,
        "ten more licenses from today raise the next invoice"
    );
}

/// Every page of an invoice on the Charges page, from `path` on, following its "next" links;
/// each with its totals worked out.
async fn charges_pages(app: &crate::helpers::TestApp, path: &str) -> Vec<crate::helpers::Page> {
    let mut page = app.get(path).await;
    let mut pages = Vec::new();
    loop {
        page.assert_status(200).assert_lacks("data-stale");
        if !page.body.contains("rel=\"next\"") {
            pages.push(page);
            return pages;
        }
        let next = app.get(&page.link("next")).await;
        pages.push(page);
        page = next;
    }
}

/// Every page of the customer list, following its "next" links.
pub async fn list_pages(app: &crate::helpers::TestApp) -> Vec<crate::helpers::Page> {
    let mut pages = vec![app.get("/").await];
    while pages.last().unwrap().body.contains("rel=\"next\"") {
        let next = pages.last().unwrap().link("next");
        pages.push(app.get(&next).await);
    }
    pages
}

/// The customers' names as `pages` show them, top to bottom (the Charges page's rows, the
/// customer list's), each customer once for the rows of it that follow one another.
pub fn customers_in_order(pages: &[crate::helpers::Page]) -> Vec<String> {
    let mut names: Vec<String> = pages
        .iter()
        .flat_map(|page| {
            let mut names = page.each_after("<td data-customer>", '<');
            names.extend(page.each_after("<span class=\"customer-name\">", '<'));
            names
        })
        .collect();
    names.dedup();
    names
}

/// `seen` (the Charges page's customers) are in the customer list's order, `listed`: each one
/// found in the list after the one before it.
#[track_caller]
pub fn assert_in_order(seen: &[String], listed: &[String]) {
    let mut from = 0;
    for name in seen {
        let at = listed[from..]
            .iter()
            .position(|l| l == name)
            .unwrap_or_else(|| {
                panic!("{name} out of the list's order: {seen:?} against {listed:?}")
            });
        from += at + 1;
    }
}
