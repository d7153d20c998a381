//! `portal import FILE.json`: all or nothing, and every error names its record and field.

use std::process::Command;

use crate::helpers::{spawn_app, spawn_app_with};

/// Runs `portal import` against the test's database; returns (success, stdout + stderr).
fn import(app: &crate::helpers::TestApp, json: &str) -> (bool, String) {
    let file = app.dir.path().join("book.json");
    std::fs::write(&file, json).unwrap();
    let url = &app.url;
    let out = Command::new(env!("CARGO_BIN_EXE_portal"))
        .arg("import")
        .arg(&file)
        .env("PORTAL_DATABASE_URL", url)
        .env("PORTAL_LOG", "warn")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

const GOOD: &str = r#"{
  "resellers": [
    { "id": "contoso", "name": "Contoso 云服务", "users": [ { "email": "Admin@Contoso.example", "password": "correct horse" } ] }
  ],
  "customers": [
    { "id": "c-0001", "company_name": "Fabrikam 科技", "domain": "fabrikam.partner.onmschina.cn",
      "relationships": [ { "reseller": "contoso", "delegated_admin": true } ] }
  ],
  "subscriptions": [
    { "id": "s-0001", "customer": "c-0001", "offer": "O365_BUSINESS_ESSENTIALS", "friendly_name": "Essentials for sales",
      "quantity": 25, "assigned_licenses": 20, "status": "active", "sold_by": "contoso",
      "billing_cycle": "monthly", "auto_renew": true, "created": "2026-03-01" },
    { "id": "s-0002", "customer": "c-0001", "offer": "O365_BUSINESS", "quantity": 5, "sold_by": null }
  ]
}"#;

#[actix_web::test]
async fn a_good_file_loads_and_its_users_can_sign_in() {
    let app = spawn_app_with(&[("PORTAL_DEMO_DATA", "false")]).await;
    let (ok, out) = import(&app, GOOD);
    assert!(ok, "{out}");
    assert!(
        out.contains("imported 1 resellers, 1 users, 1 customers, 2 subscriptions"),
        "{out}"
    );
    assert_eq!(app.count("subscriptions").await, 2);
    assert_eq!(
        app.value("SELECT sold_by FROM subscriptions WHERE id = 's-0002'")
            .await,
        None
    );
    // Emails are matched case-insensitively; the password is stored as an Argon2id hash.
    assert!(
        app.value("SELECT password_hash FROM users")
            .await
            .unwrap()
            .starts_with("$argon2id$")
    );
    app.sign_in(("admin@contoso.example", "correct horse"))
        .await;
    app.get("/customers/c-0001/subscriptions/s-0001")
        .await
        .assert_status(200)
        .assert_contains("立即升级");
    // The other channel's Office 365 Business conflicts with E3 and Business Premium.
    app.get("/customers/c-0001/subscriptions/s-0001")
        .await
        .assert_contains("conflicting_service_types");

    // Loading it again collides with what is there: nothing more is written.
    let before = app.snapshot().await;
    let (ok, out) = import(&app, GOOD);
    assert!(!ok);
    assert!(out.contains("nothing was written"), "{out}");
    assert_eq!(app.snapshot().await, before);
}

#[actix_web::test]
async fn a_bad_file_names_the_record_and_the_field_and_writes_nothing() {
    let app = spawn_app_with(&[("PORTAL_DEMO_DATA", "false")]).await;
    let cases = [
        (
            GOOD.replace("\"quantity\": 25", "\"quantity\": 301"),
            r#"subscriptions[0] ("s-0001"), field "quantity": 301 is outside Office 365 Business Essentials's range of 1 to 300"#,
        ),
        (
            GOOD.replace("\"O365_BUSINESS\"", "\"O365_E5\""),
            r#"subscriptions[1] ("s-0002"), field "offer": unknown offer id "O365_E5""#,
        ),
        (
            GOOD.replace("\"assigned_licenses\": 20", "\"assigned_licenses\": 26"),
            r#"field "assigned_licenses": 26 is more than the quantity 25"#,
        ),
        (
            GOOD.replace("\"status\": \"active\"", "\"status\": \"deleted\""),
            r#"field "status": unknown status "deleted""#,
        ),
        (
            GOOD.replace(
                "\"customer\": \"c-0001\", \"offer\": \"O365_BUSINESS\"",
                "\"customer\": \"c-9\", \"offer\": \"O365_BUSINESS\"",
            ),
            r#"subscriptions[1] ("s-0002"), field "customer": "c-9" is not a customer of this file"#,
        ),
        (
            GOOD.replace("\"sold_by\": \"contoso\"", "\"sold_by\": \"fabrikam\""),
            r#"field "sold_by": "fabrikam" is not a reseller of this file"#,
        ),
        (
            GOOD.replace("\"created\": \"2026-03-01\"", "\"created\": \"yesterday\""),
            r#"field "created": "yesterday" is not a date like 2026-03-01"#,
        ),
        (
            GOOD.replace("\"correct horse\"", "\"short\""),
            r#"resellers[0] ("contoso").users[0] ("Admin@Contoso.example"), field "password": must have at least 8 characters"#,
        ),
        (
            GOOD.replace("\"id\": \"s-0002\"", "\"id\": \"s-0001\""),
            r#"subscriptions[1] ("s-0001"), field "id": is used by an earlier subscription"#,
        ),
        (
            GOOD.replace("\"id\": \"c-0001\"", "\"id\": \"c 0001\""),
            r#"customers[0] ("c 0001"), field "id": "c 0001" may hold only ASCII letters"#,
        ),
        (
            GOOD.replace("\"reseller\": \"contoso\"", "\"reseller\": \"x\""),
            r#"customers[0] ("c-0001").relationships[0], field "reseller": "x" is not a reseller of this file"#,
        ),
        (GOOD[..100].to_owned(), "not valid JSON"),
    ];
    for (json, expected) in cases {
        let (ok, out) = import(&app, &json);
        assert!(!ok, "{expected}");
        assert!(out.contains(expected), "expected {expected:?} in {out}");
        assert!(out.contains("nothing was written"), "{out}");
        assert_eq!(
            app.count("subscriptions").await
                + app.count("resellers").await
                + app.count("customers").await,
            0
        );
    }
}

#[test]
fn the_demo_book_parses_with_two_resellers_and_other_channel_subscriptions() {
    // Each eligibility case of the demo book is checked on its Details page in eligibility.rs.
    let book =
        portal::import::parse(portal::startup::DEMO_BOOK, chrono::Utc::now().date_naive()).unwrap();
    assert_eq!(book.resellers.len(), 2);
    assert!(
        book.subscriptions
            .iter()
            .any(|s| s.subscription.sold_by.is_none())
    );
}

#[actix_web::test]
async fn the_latest_migration_rolls_back_and_forward_again() {
    // The first migration creates the schema and has no way back; later ones do.
    use migration::{Migrator, MigratorTrait};
    let app = spawn_app().await;
    let all = Migrator::migrations().len();
    Migrator::down(&app.db, Some(1)).await.unwrap();
    assert_eq!(
        Migrator::get_applied_migrations(&app.db)
            .await
            .unwrap()
            .len(),
        all - 1
    );
    Migrator::up(&app.db, None).await.unwrap();
    assert_eq!(
        Migrator::get_applied_migrations(&app.db)
            .await
            .unwrap()
            .len(),
        all
    );
    // And the portal still reads through the indexes it put back.
    app.sign_in(crate::helpers::CONTOSO).await;
    app.get("/?q=fabrikam")
        .await
        .assert_status(200)
        .assert_contains("Fabrikam");
}

#[actix_web::test]
async fn every_search_finds_exactly_the_customers_holding_its_text_ranked() {
    // Whatever index answers (the trigram index for a rare text, the list and prefix indexes
    // for a common or short one), a search finds exactly the customers whose name or domain
    // holds the text, in any letter case: the whole domain first, then names starting with it,
    // then the rest, each group in name order.
    let app = spawn_app().await;
    app.sign_in(crate::helpers::CONTOSO).await;
    let book = book_of(&app, "contoso").await;
    if app.db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        assert_eq!(
            app.count("customer_search").await,
            app.count("relationships").await,
            "every relationship is in the trigram table"
        );
    }
    let mut queries: Vec<String> = [
        "科技",
        "科",
        "fabrikam 科技",
        "FABRIKAM",
        "fab",
        "o",
        "partner.onmschina.cn",
        "fabrikam.partner.onmschina.cn",
        "no such customer",
        "50%",
    ]
    .map(String::from)
    .to_vec();
    // Pieces of every name and domain, of one to five characters, and the whole domains.
    for (_, text, _, domain) in &book {
        let chars: Vec<char> = text.chars().collect();
        for len in 1..=5 {
            if chars.len() >= len + 2 {
                queries.push(chars[2..2 + len].iter().collect());
            }
        }
        queries.push(domain.clone());
    }
    assert_searches(&app, &book, queries, usize::MAX).await;
}

#[actix_web::test]
async fn searches_with_thousands_of_matches_are_ranked_and_paged_the_same() {
    // However the database reads them (on PostgreSQL, past 2,000 matches, the prefix and list
    // indexes in order instead of the trigram index), the same customers, in the same order,
    // page after page; counted up to 200.
    let (app, book) = seeded_book(2500).await;
    // The list counts every customer, not up to a bound: the importer kept the count.
    app.get("/")
        .await
        .assert_contains("<p class=\"result-count\">共 2,500 个客户</p>");
    let queries = [
        "partner",
        "onmschina.cn",
        "有限公司",
        "b",
        "cn0",
        "lucerne",
        "北京",
    ]
    .map(String::from)
    .to_vec();
    assert_searches(&app, &book, queries, 6).await;
    for (q, many) in [("有限公司", true), ("lucerne", false), ("partner", true)] {
        let expected = book
            .iter()
            .filter(|(_, text, _, _)| text.contains(q))
            .count();
        assert_eq!(expected > 200, many, "{q:?} matches {expected} customers");
        let count = if many {
            "200+".to_owned()
        } else {
            expected.to_string()
        };
        app.get(&search_path(q)).await.assert_contains(&format!(
            "<p class=\"result-count\">与“{q}”匹配的客户共 {count} 个"
        ));
    }
    // Back from the third page is the second, in the same order, in every kind of search.
    for q in ["partner", "北京", "b", "有限公司"] {
        assert_back_from_page_three(&app, q).await;
    }
}

#[actix_web::test]
async fn names_starting_with_a_common_word_are_paged_in_order() {
    // More than 200 names start with "w", "wi" and "郑州" in a book of 8,000 (Wide World
    // Importers, Wingtip Toys, 郑州…): they are read where they lie together in the list
    // (store::customers::names), and page exactly as the search ranks every match, forwards and
    // back.
    let (app, book) = seeded_book(8000).await;
    let queries = ["w", "wi", "WI", "wid", "郑州", "郑"]
        .map(String::from)
        .to_vec();
    for q in ["w", "wi", "郑州"] {
        let starting = book.iter().filter(|(_, t, _, _)| t.starts_with(q)).count();
        assert!(starting > 200, "{q:?} starts {starting} names");
    }
    assert_searches(&app, &book, queries, 7).await;
    app.get(&search_path("wi"))
        .await
        .assert_contains("<p class=\"result-count\">与“wi”匹配的客户共 200+ 个");
    assert_back_from_page_three(&app, "w").await;
    assert_back_from_page_three(&app, "郑州").await;
    // Fewer matches, in a few hundred rows of its rarest trigrams (on SQLite, those rows are
    // checked, ranked and paged in one statement): the same, both ways.
    let lucerne = book
        .iter()
        .filter(|(_, t, _, _)| t.contains("lucerne"))
        .count();
    assert!((41..=200).contains(&lucerne), "lucerne matches {lucerne}");
    assert_searches(&app, &book, vec!["lucerne".to_owned()], 10).await;
    assert_back_from_page_three(&app, "lucerne").await;
}

/// Back from the third page of a search is the second, and back from the second the first,
/// each in the same order as when paged forwards.
async fn assert_back_from_page_three(app: &crate::helpers::TestApp, q: &str) {
    let first = app.get(&search_path(q)).await;
    let second = app.get(&first.link("next")).await;
    let third = app.get(&second.link("next")).await;
    let back = app.get(&third.link("prev")).await;
    assert_eq!(listed(&back), listed(&second), "back from page 3 of {q:?}");
    assert_eq!(
        listed(&app.get(&second.link("prev")).await),
        listed(&first),
        "back from page 2 of {q:?}"
    );
}

/// A portal with a seeded book of `customers` for reseller `bigbook`, signed in as its
/// administrator, and the book's customers.
async fn seeded_book(customers: u32) -> (crate::helpers::TestApp, Vec<BookRow>) {
    let app = spawn_app().await;
    let customers = customers.to_string();
    let out = crate::helpers::portal_command(&app, &["seed", "--customers", &customers]);
    assert!(out.success, "{}", out.stderr);
    app.sign_in(("admin@bigbook.example", "bigbook-demo")).await;
    let book = book_of(&app, "bigbook").await;
    (app, book)
}

/// The customer list searched for `q`.
fn search_path(q: &str) -> String {
    format!(
        "/?q={}",
        percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// The ids of the customers a customer list page shows, in its order.
fn listed(page: &crate::helpers::Page) -> Vec<String> {
    page.each_after("data-subscriptions=\"/customers/", '/')
}

type BookRow = (String, String, String, String);

/// The reseller's customers: id, search text, sort key, domain (lowercased).
async fn book_of(app: &crate::helpers::TestApp, reseller: &str) -> Vec<BookRow> {
    use sea_orm::{ConnectionTrait, Statement};
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            format!(
                "SELECT r.customer_id, r.search_text, r.sort_key, c.domain FROM relationships r \
                 JOIN customers c ON c.id = r.customer_id WHERE r.reseller_id = '{reseller}'"
            ),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get("", "customer_id").unwrap(),
                r.try_get("", "search_text").unwrap(),
                r.try_get("", "sort_key").unwrap(),
                r.try_get::<String>("", "domain").unwrap().to_lowercase(),
            )
        })
        .collect()
}

/// Each search, followed through up to `pages` pages, finds exactly what a substring check of
/// the book finds, ranked.
async fn assert_searches(
    app: &crate::helpers::TestApp,
    book: &[BookRow],
    mut queries: Vec<String>,
    pages: usize,
) {
    queries.sort();
    queries.dedup();
    for q in queries {
        let lowered = q.to_lowercase();
        let tier = |(_, text, _, domain): &BookRow| {
            if *domain == lowered {
                0
            } else if text.starts_with(&lowered) {
                1
            } else {
                2
            }
        };
        let mut expected: Vec<&BookRow> = book
            .iter()
            .filter(|(_, text, _, _)| text.contains(&lowered))
            .collect();
        expected.sort_by(|a, b| (tier(a), &a.2, &a.0).cmp(&(tier(b), &b.2, &b.0)));
        let mut expected: Vec<&str> = expected.iter().map(|e| e.0.as_str()).collect();
        // The count shown, however it was counted (on PostgreSQL, a text of one or two
        // characters from the counts the importer keeps): exact up to 200.
        let count = match expected.len() {
            n if n > 200 => "200+".to_owned(),
            n => n.to_string(),
        };
        let mut found: Vec<String> = Vec::new();
        let mut path = search_path(&q);
        for page_number in 0..pages {
            let page = app.get(&path).await;
            page.assert_status(200);
            if page_number == 0 {
                assert!(
                    page.body.contains(&format!("匹配的客户共 {count} 个</p>")),
                    "search {q:?} counts {count}"
                );
            }
            found.extend(listed(&page));
            if !page.body.contains("rel=\"next\"") {
                break;
            }
            path = page.link("next");
        }
        expected.truncate(
            found
                .len()
                .max(expected.len().min(pages.saturating_mul(20))),
        );
        assert_eq!(found, expected, "search {q:?}");
    }
}
