//! Issue 31: a new customer's rows of the customer search are written alone (its number
//! between its neighbours', its trigrams counted; on PostgreSQL the counts and pairs), and the
//! tables end as a whole rebuild writes them: new customers are found by a Chinese piece of
//! their name and by their domain, and the customers before them still are.

use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::{Value, json};

use crate::api_client::Api;
use crate::helpers::{CONTOSO, TestApp, spawn_app};

fn body(name: &str, prefix: &str) -> Value {
    json!({
        "CompanyProfile": { "Domain": format!("{prefix}.partner.onmschina.cn") },
        "BillingProfile": {
            "Email": "li@example.com",
            "Culture": "zh-CN",
            "Language": "zh",
            "CompanyName": name,
            "DefaultAddress": {
                "Country": "CN", "City": "上海", "State": "上海市",
                "AddressLine1": "浦东新区世纪大道 100 号", "PostalCode": "200120",
                "FirstName": "雷", "LastName": "李", "PhoneNumber": "+86 21 6666 6666"
            }
        }
    })
}

fn percent(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// What the search's tables hold, in an order of their own (not the rows' numbers, which a
/// rebuild spaces again): on SQLite the trigram counts, the relationships in the trigram
/// table's order and whether each relationship's number is its row's; on PostgreSQL the counts
/// and the pairs' rows.
async fn search_tables(app: &TestApp) -> Vec<Option<String>> {
    let queries: &[&str] = match app.db.get_database_backend() {
        DbBackend::Postgres => &[
            "SELECT string_agg(term || ':' || rows, '|' ORDER BY term) FROM customer_search_terms",
            "SELECT string_agg(reseller_id || piece || ':' || rows, '|' \
             ORDER BY reseller_id, piece) FROM customer_search_counts",
            "SELECT string_agg(reseller_id || pair || sort_key || customer_id, '|' \
             ORDER BY reseller_id, pair, sort_key, customer_id) FROM customer_search_pair_rows",
        ],
        _ => &[
            "SELECT group_concat(term || ':' || rows, '|') \
             FROM (SELECT term, rows FROM customer_search_terms ORDER BY term)",
            "SELECT group_concat(customer_id, '|') \
             FROM (SELECT customer_id FROM customer_search ORDER BY rowid)",
            "SELECT group_concat(customer_id, '|') FROM (SELECT customer_id FROM relationships \
             ORDER BY reseller_id, sort_key, customer_id)",
            "SELECT COUNT(*) FROM relationships r JOIN customer_search s \
             ON s.rowid = r.search_row AND s.customer_id = r.customer_id",
        ],
    };
    let mut held = Vec::new();
    for sql in queries {
        held.push(app.value(sql).await);
    }
    held
}

async fn run(app: &TestApp, statements: impl IntoIterator<Item = String>) {
    for statement in statements {
        app.db.execute_unprepared(&statement).await.unwrap();
    }
}

/// The search's tables written again whole, as the importer does.
async fn rebuild(app: &TestApp) {
    let statements: Vec<&str> = match app.db.get_database_backend() {
        DbBackend::Postgres => migration::search::REBUILD_POSTGRES
            .iter()
            .chain(migration::search::REBUILD_PAIRS_POSTGRES)
            .copied()
            .collect(),
        _ => migration::search::REBUILD_SQLITE.to_vec(),
    };
    run(app, statements.into_iter().map(String::from)).await;
}

/// The search's tables rebuilt with the rows numbered `step` apart (a rebuild spaces them
/// `SEARCH_ROW_GAP`).
async fn numbered_apart(app: &TestApp, step: i64) {
    let gap = format!(" * {}", migration::search::SEARCH_ROW_GAP);
    run(
        app,
        migration::search::REBUILD_SQLITE
            .iter()
            .map(|s| s.replace(&gap, &format!(" * {step}"))),
    )
    .await;
}

/// `n` new customers posted at once, the `i`th named and prefixed as `named(i)` says; each made.
async fn made_at_once(api: &Api, n: usize, named: impl Fn(usize) -> (String, String)) {
    futures_util::future::join_all((0..n).map(|i| {
        let (name, prefix) = named(i);
        async move {
            api.post("/v1/customers", &[], body(&name, &prefix))
                .await
                .assert_status(201)
        }
    }))
    .await;
}

async fn finds(app: &TestApp, query: &str, names: &[&str]) {
    let page = app.get(&format!("/?q={}", percent(query))).await;
    page.assert_status(200);
    for name in names {
        page.assert_contains(name);
    }
}

#[actix_web::test]
async fn new_customers_are_found_and_the_search_tables_are_as_a_rebuild_writes_them() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    app.sign_in(CONTOSO).await;
    // The customers the book holds, found before any new one.
    let found = ["北京云途科技有限公司", "Fabrikam 科技"];
    finds(&app, "科技", &found).await;
    finds(&app, "fabrikam", &["Fabrikam"]).await;

    // First, in the middle and last in the list's order (阿 is "a", 星 "xing").
    for (name, prefix) in [
        ("阿尔法云计算有限公司", "alpha31"),
        ("星河量子科技有限公司", "xinghe31"),
        ("Zulu Trading", "zulu31"),
    ] {
        api.post("/v1/customers", &[], body(name, prefix))
            .await
            .assert_status(201);
    }

    finds(&app, "量子", &["星河量子科技有限公司"]).await;
    finds(&app, "量", &["星河量子科技有限公司"]).await;
    finds(&app, "云计算", &["阿尔法云计算有限公司"]).await;
    finds(
        &app,
        "alpha31.partner.onmschina.cn",
        &["阿尔法云计算有限公司"],
    )
    .await;
    finds(&app, "zulu31", &["Zulu Trading"]).await;
    finds(&app, "fabrikam", &["Fabrikam"]).await;
    // Every customer found before still is, beside the new one.
    finds(&app, "科技", &found).await;
    finds(&app, "科技", &["星河量子科技有限公司"]).await;
    finds(&app, "yuntu", &["北京云途科技有限公司"]).await;

    let written = search_tables(&app).await;
    rebuild(&app).await;
    assert_eq!(search_tables(&app).await, written);
}

#[actix_web::test]
async fn a_new_customer_with_no_number_left_between_its_neighbours_numbers_them_again() {
    let app = spawn_app().await;
    if app.db.get_database_backend() == DbBackend::Postgres {
        return; // PostgreSQL numbers no rows.
    }
    let api = Api::issue(&app, CONTOSO.0).await;
    // The rows numbered one apart, as the previous version numbered them.
    numbered_apart(&app, 1).await;
    assert_eq!(
        app.count("relationships WHERE search_row % 1048576 != 0")
            .await,
        app.count("relationships").await
    );

    api.post("/v1/customers", &[], body("北极星科技有限公司", "beiji31"))
        .await
        .assert_status(201);

    assert_eq!(
        app.count("relationships WHERE search_row % 1048576 != 0")
            .await,
        0
    );
    app.sign_in(CONTOSO).await;
    finds(&app, "极星", &["北极星科技有限公司"]).await;
    finds(
        &app,
        "beiji31.partner.onmschina.cn",
        &["北极星科技有限公司"],
    )
    .await;
    let written = search_tables(&app).await;
    rebuild(&app).await;
    assert_eq!(search_tables(&app).await, written);
}

#[actix_web::test]
async fn new_customers_made_at_once_all_take_their_rows() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    // Names sharing their pieces (科技, 有限公司, the domain's suffix): their counts' rows are
    // written by all of them at once.
    made_at_once(&api, 12, |i| {
        (format!("星河{i}号科技有限公司"), format!("xinghe31n{i}"))
    })
    .await;
    app.sign_in(CONTOSO).await;
    finds(
        &app,
        "号科技",
        &["星河0号科技有限公司", "星河11号科技有限公司"],
    )
    .await;
    let written = search_tables(&app).await;
    rebuild(&app).await;
    assert_eq!(search_tables(&app).await, written);
}

#[actix_web::test]
async fn new_customers_falling_between_the_same_two_number_the_rows_around_them_again() {
    let app = spawn_app().await;
    if app.db.get_database_backend() == DbBackend::Postgres {
        return; // PostgreSQL numbers no rows.
    }
    let api = Api::issue(&app, CONTOSO.0).await;
    // Forty customers last of this reseller's, so that the list holds rows far from the next ones.
    for i in 0..40 {
        api.post(
            "/v1/customers",
            &[],
            body(&format!("Zzz {i:02}"), &format!("zzz31n{i}")),
        )
        .await
        .assert_status(201);
    }
    let last = "SELECT search_row FROM relationships ORDER BY reseller_id DESC, sort_key DESC, \
                customer_id DESC LIMIT 1";
    let far = app.value(last).await;
    assert!(far.is_some());

    // Thirty in the middle of the list (after Litware, before 南京), each falling before the
    // one made just before it: the numbers between the same two neighbours run out after
    // twenty (each takes the half of what is left).
    for i in (0..30).rev() {
        api.post(
            "/v1/customers",
            &[],
            body(&format!("Mmm {i:02}"), &format!("mmm31n{i}")),
        )
        .await
        .assert_status(201);
    }

    // The rows around them were numbered again, not the whole list: the last row keeps its
    // number (a rebuild numbers it by its place, thirty further on), and so do the rows after
    // the window.
    assert_eq!(app.value(last).await, far);
    app.sign_in(CONTOSO).await;
    finds(&app, "mmm 0", &["Mmm 00", "Mmm 09"]).await;
    finds(&app, "mmm31n29.partner", &["Mmm 29"]).await;
    finds(&app, "zzz 3", &["Zzz 39"]).await;
    // The trigram table's rows in the list's order, each under its relationship's number.
    let written = search_tables(&app).await;
    rebuild(&app).await;
    assert_eq!(search_tables(&app).await, written);
}

#[actix_web::test]
async fn new_customers_made_at_once_between_the_same_two_take_their_rows_at_their_batchs_end() {
    let app = spawn_app().await;
    if app.db.get_database_backend() == DbBackend::Postgres {
        return; // PostgreSQL numbers no rows, and writes its search rows with each change.
    }
    let api = Api::issue(&app, CONTOSO.0).await;
    // The rows 256 apart: the numbers between two run out after eight halvings (the book is
    // small: the rows around them are numbered again as far as the list's ends).
    numbered_apart(&app, 256).await;
    // Thirty at once in the middle of the list, all between the same two: they take turns in
    // batches, each listing its trigram row for the batch's end, and the numbers between the two
    // run out on the way, so that the rows around them are numbered again with earlier
    // customers of the same batch among them, not yet in the trigram table.
    made_at_once(&api, 30, |i| (format!("Mmm {i:02}"), format!("mmm31b{i}"))).await;
    assert_eq!(app.count("customer_search_pending").await, 0);
    assert_eq!(
        app.count("customer_search WHERE customer_search MATCH 'mmm31b'")
            .await,
        30
    );
    app.sign_in(CONTOSO).await;
    finds(&app, "mmm 0", &["Mmm 00", "Mmm 09"]).await;
    finds(&app, "mmm31b29.partner", &["Mmm 29"]).await;
    let written = search_tables(&app).await;
    rebuild(&app).await;
    assert_eq!(search_tables(&app).await, written);
}
