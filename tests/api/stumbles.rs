//! Issue 30, what made a new reseller stop (items 6–18): the money explained, the words, the
//! Charges and Prices pages, the activity log's filter, the tokens' copy and revoke, `/metrics`
//! at zero, `portal charges` on standard output.

use crate::helpers::{CONTOSO, TestApp, details, spawn_app};

#[actix_web::test]
async fn metrics_count_changes_and_sign_ins_from_zero_at_start() {
    // A portal process of its own: the test binary's recorder is shared by every test in it.
    let dir = tempfile::tempdir().unwrap();
    let url = crate::helpers::fresh_database(dir.path()).await;
    let (mut child, base) = crate::crash::start_with(&url, &[]);
    let db = portal::store::connect(&url, 2).await.unwrap();
    let app = TestApp::browser_for(base, db, url.clone());

    let metrics = app.get("/metrics").await;

    child.kill().unwrap();
    child.wait().unwrap();
    metrics.assert_status(200);
    for needle in [
        "portal_changes_total{kind=\"licenses\",result=\"made\"} 0",
        "portal_changes_total{kind=\"upgrade\",result=\"refused\"} 0",
        "portal_changes_total{kind=\"edit\",result=\"conflict\"} 0",
        "portal_sign_in_failures_total 0",
        "portal_sign_in_throttled_total 0",
    ] {
        assert!(
            metrics.body.contains(needle),
            "{needle} in:\n{}",
            metrics.body
        );
    }
}

#[actix_web::test]
async fn rules_4_and_5_say_another_channel_only_when_it_is_one() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    // Arrange: Fabrikam's Essentials upgraded in part to E1 (10 of its 25 licenses): the
    // customer now holds E1, bought from this reseller.
    let essentials = details("c-fabrikam", "s-fabrikam-essentials");
    let version = app.get(&essentials).await.hidden("version");
    app.post(
        &format!("{essentials}/upgrade"),
        &[
            ("offer", "O365_E1"),
            ("licenses", "10"),
            ("version", &version),
        ],
    )
    .await
    .assert_status(303);

    // Act
    let own = app.get(&essentials).await;
    let direct = app.get(&details("c-alpine", "s-alpine-essentials")).await;

    // Assert: the reseller's own E1 is named as its own; Alpine's E3, bought directly, as
    // another channel's.
    own.assert_status(200)
        .assert_contains("客户已拥有 Office 365 企业版 E1 的订阅。")
        .assert_contains("客户已从你这里购买了 Office 365 企业版 E1")
        .assert_lacks("其他经销商或渠道");
    direct
        .assert_status(200)
        .assert_contains("该订阅可能是从其他经销商或渠道购买的（多渠道）");
}

/// How many times `needle` occurs in the page.
fn occurrences(page: &crate::helpers::Page, needle: &str) -> usize {
    page.body.matches(needle).count()
}

#[actix_web::test]
async fn breadcrumbs_mark_one_page_and_go_to_distinct_places() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    for path in [
        "/customers/c-fabrikam/subscriptions".to_owned(),
        details("c-fabrikam", "s-fabrikam-essentials"),
        "/activity?customer=c-fabrikam".to_owned(),
        "/activity".to_owned(),
    ] {
        let page = app.get(&path).await;
        page.assert_status(200);
        let crumbs = page
            .body
            .split_once("<nav class=\"crumbs\"")
            .and_then(|(_, rest)| rest.split_once("</nav>"))
            .map_or("", |(crumbs, _)| crumbs);
        // The navigation marks its section too: the crumbs mark exactly their last.
        assert_eq!(
            crumbs.matches("aria-current=\"page\"").count(),
            usize::from(!crumbs.is_empty()),
            "{path}: {crumbs}"
        );
        let mut hrefs: Vec<&str> = crumbs
            .split("href=\"")
            .skip(1)
            .filter_map(|h| h.split('"').next())
            .collect();
        let all = hrefs.len();
        hrefs.sort_unstable();
        hrefs.dedup();
        assert_eq!(
            hrefs.len(),
            all,
            "{path}: two crumbs to one place: {crumbs}"
        );
    }
    let page = app
        .get(&details("c-fabrikam", "s-fabrikam-essentials"))
        .await;
    page.assert_contains("href=\"/?q=fabrikam%2Epartner%2Eonmschina%2Ecn\"")
        .assert_contains("href=\"/customers/c-fabrikam/subscriptions\"");
    // A global admin's twelve navigation items (Approvals among them), twelve drawings.
    assert_eq!(occurrences(&page, "class=\"nav-icon\""), 12);
    let drawings: std::collections::BTreeSet<&str> = page
        .body
        .split("class=\"nav-icon\"")
        .skip(1)
        .filter_map(|rest| rest.split("</svg>").next())
        .collect();
    assert_eq!(drawings.len(), 12, "two items share a drawing");
}

#[actix_web::test]
async fn the_activity_log_filters_by_action_and_its_file_says_so() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    crate::helpers::add_licenses(&app, "s-fabrikam-essentials", 1).await;

    // Act
    let all = app.get("/activity").await;
    let changes = app.get("/activity?action=changes").await;
    let sign_ins = app.get("/activity?action=sign_ins").await;
    let licenses = app.get("/activity?action=licenses").await;
    let unknown = app.get("/activity?action=nope").await;
    let file = app
        .get("/activity/export.csv?customer=c-fabrikam&action=changes&from=2026-01-01")
        .await;

    // Assert
    all.assert_status(200)
        .assert_contains("<option value=\"changes\">所有更改（不含登录）</option>")
        .assert_contains(">登录<");
    changes
        .assert_status(200)
        .assert_contains("<option value=\"changes\" selected>")
        .assert_contains("更改许可证数量</td>")
        .assert_lacks("<td>登录</td>");
    sign_ins.assert_status(200).assert_contains(">登录</td>");
    assert!(!sign_ins.body.contains("更改许可证数量</td>"));
    licenses
        .assert_status(200)
        .assert_contains("更改许可证数量</td>");
    unknown.assert_status(404);
    // The pager keeps the filter.
    changes.assert_contains("共 1 条记录");
    file.assert_status(200);
    let disposition = file
        .headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("activity-contoso-c-fabrikam-from-2026-01-01-changes-"),
        "{disposition}"
    );
    let header = file
        .body
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap();
    assert!(header.ends_with(",Attempts,Bulk job"), "{header}");
    assert_eq!(
        file.body.lines().count(),
        2,
        "the change alone: {}",
        file.body
    );
}

#[actix_web::test]
async fn a_license_change_says_from_what_to_what() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let page = details("c-fabrikam", "s-fabrikam-essentials");
    let version = app.get(&page).await.hidden("version");

    let done = app
        .post(
            &format!("{page}/licenses"),
            &[("licenses", "30"), ("version", &version)],
        )
        .await;

    let shown = app.follow(&done).await;
    shown
        .assert_status(200)
        .assert_contains("已将许可证数量从 25 个改为 30 个。");
}

#[actix_web::test]
async fn a_token_is_copied_once_and_revoked_after_asking_and_by_name() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app.get("/api-access").await.assert_status(200);
    app.post("/api-access/tokens", &[("name", "Nightly sync")])
        .await
        .assert_redirect("/api-access");
    app.post("/api-access/tokens", &[("name", "Reports")])
        .await
        .assert_redirect("/api-access");

    // The token shown once has a Copy button, which its script shows (hidden without it).
    let shown = app.get("/api-access").await;
    shown
        .assert_contains("data-copy=\"new-token\" hidden>复制</button>")
        .assert_contains("<script src=\"/static/js/copy.js\" defer></script>");
    app.get("/static/js/copy.js").await.assert_status(200);
    let id = app
        .value("SELECT id FROM api_tokens WHERE name = 'Nightly sync'")
        .await
        .unwrap();

    // Revoke asks first, on a page of its own: nothing is revoked by asking.
    let list = app.get("/api-access").await;
    list.assert_contains(&format!("href=\"/api-access/tokens/{id}/revoke\""))
        .assert_lacks("data-copy=");
    let asking = app.get(&format!("/api-access/tokens/{id}/revoke")).await;
    asking
        .assert_status(200)
        .assert_contains("吊销令牌“Nightly sync”？")
        .assert_contains(&format!("action=\"/api-access/tokens/{id}/revoke\""));
    assert_eq!(
        app.count("api_tokens WHERE revoked_at IS NOT NULL").await,
        0
    );
    let done = app
        .post(&format!("/api-access/tokens/{id}/revoke"), &[])
        .await;
    let page = app.follow(&done).await;

    // The notice names the token; asking again about a revoked one is no such page.
    page.assert_contains("令牌“Nightly sync”已吊销，不能再使用。");
    assert_eq!(
        app.count("api_tokens WHERE revoked_at IS NOT NULL").await,
        1
    );
    app.get(&format!("/api-access/tokens/{id}/revoke"))
        .await
        .assert_status(404);
}

#[actix_web::test]
async fn the_charges_page_shows_one_total_and_updates_itself_while_it_is_worked_out() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;

    let page = app.get("/charges").await;

    // The page holds the whole invoice: its figure is the table's own sum, said once.
    page.assert_status(200)
        .assert_contains("date-picker")
        .assert_lacks("data-total=");
    assert_eq!(occurrences(&page, "data-invoice-total="), 1);
    assert_eq!(occurrences(&page, "data-estimate-total="), 1);

    // After a change, the totals it doesn't hold are worked out again; meanwhile the page says
    // so, reloads itself without script and asks for itself with script, and links to itself.
    crate::helpers::add_licenses(&app, "s-fabrikam-essentials", 3).await;
    let mut seen_waiting = false;
    for _ in 0..50 {
        let page = app.get("/charges").await;
        if page.body.contains("data-stale") {
            seen_waiting = true;
            page.assert_contains(
                "<noscript><meta http-equiv=\"refresh\" content=\"5\"></noscript>",
            )
            .assert_contains("<script src=\"/static/js/charges.js\" defer></script>")
            .assert_contains("完成后此页面会自动更新。")
            .assert_contains(">立即刷新</a>");
        } else {
            page.assert_lacks("http-equiv=\"refresh\"")
                .assert_lacks("charges.js");
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    eprintln!("the page was seen waiting: {seen_waiting}");
    app.get("/static/js/charges.js").await.assert_status(200);
}

#[actix_web::test]
async fn a_sign_in_leaves_the_charges_totals_as_they_are() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let before = app.get("/charges").await;
    before.assert_status(200).assert_lacks("data-stale");
    let records = app.count("activity").await;

    // Someone else of the reseller signs in: a record in its activity log, no change to a bill.
    app.another_browser().sign_in(CONTOSO).await;
    assert_eq!(app.count("activity").await, records + 1);

    // The totals are the ones worked out: not stale, not worked out again.
    let after = app.get("/charges").await;
    after.assert_status(200).assert_lacks("data-stale");
    assert_eq!(
        after.each_after("data-invoice-total=\"", '"'),
        before.each_after("data-invoice-total=\"", '"')
    );
}

#[actix_web::test]
async fn the_charges_rows_are_in_the_customer_lists_order_chinese_names_by_pinyin() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    // The next invoice (every active subscription has an advance on it): the first date offered.
    let first = app.get("/charges").await;
    let next = first.each_after("<li><a href=\"/charges?date=", '"')[0].clone();

    let charges = app.get(&format!("/charges?date={next}")).await;
    let list = crate::billing::list_pages(&app).await;

    charges.assert_status(200);
    let billed = crate::billing::customers_in_order(std::slice::from_ref(&charges));
    let listed = crate::billing::customers_in_order(&list);
    crate::billing::assert_in_order(&billed, &listed);
    // English and Chinese names interleave, each by its letters: Adatum (a), 北京 (bei jing),
    // 成都 (cheng du), Fabrikam (f).
    let at = |name: &str| {
        billed
            .iter()
            .position(|b| b.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {billed:?}"))
    };
    assert!(at("Adatum") < at("北京云途"), "{billed:?}");
    assert!(at("北京云途") < at("成都锦程"), "{billed:?}");
    assert!(at("成都锦程") < at("Fabrikam"), "{billed:?}");
}

#[actix_web::test]
async fn the_prices_page_lists_offers_by_name_and_says_no_later_price_is_scheduled() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app.prefer("en-US");

    let page = app.get("/prices").await;

    page.assert_status(200)
        .assert_lacks("Later prices")
        .assert_contains("No later price is scheduled");
    let at = |name: &str| page.body.find(name).unwrap_or_else(|| panic!("{name}"));
    let names = [
        "Exchange Online (Plan 1)",
        "Office 365 Business<",
        "Office 365 Business Essentials",
        "Office 365 Business Premium",
        "Office 365 Enterprise E1",
        "Office 365 Enterprise E3",
        "Office 365 ProPlus",
        "SharePoint Online (Plan 1)",
        "Skype for Business Online (Plan 2)",
    ];
    for pair in names.windows(2) {
        assert!(at(pair[0]) < at(pair[1]), "{} before {}", pair[0], pair[1]);
    }
}

#[actix_web::test]
async fn an_annual_subscriptions_review_says_the_rules_do_not_cover_it() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    // Fabrikam's Exchange is billed annually.
    let path = details("c-fabrikam", "s-fabrikam-exchange");
    let page = app.get(&path).await;
    page.assert_contains("每年");

    let review = app
        .submit(
            &format!("{path}/licenses"),
            &[("licenses", "41"), ("version", &page.hidden("version"))],
        )
        .await;

    // No monthly figure for it: the review says why, and the change can still be made.
    review
        .assert_status(200)
        .assert_contains("data-code=\"annual\"")
        .assert_contains("不涵盖按年计费的订阅")
        .assert_lacks("data-amount=")
        .assert_lacks("每月预付费用");
    app.confirm(&review).await.assert_status(303);
    assert_eq!(
        app.value("SELECT quantity FROM subscriptions WHERE id = 's-fabrikam-exchange'")
            .await
            .as_deref(),
        Some("41")
    );
}

#[actix_web::test]
async fn the_api_reference_speaks_the_pages_language_and_its_index_links_are_links() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;

    let zh = app.get("/api-access/reference").await;
    app.prefer("en-US");
    let en = app.get("/api-access/reference").await;

    zh.assert_status(200)
        .assert_contains("将订阅升级到目标产品/服务。")
        .assert_contains("按客户列表的顺序（公司名称，中文按拼音）")
        .assert_contains(">标头</td>")
        .assert_lacks("Upgrades the subscription to a target offer.")
        // Names stay as the wire has them.
        .assert_contains("<code>MS-ContinuationToken</code>");
    en.assert_status(200)
        .assert_contains("Upgrades the subscription to a target offer.")
        .assert_lacks("将订阅升级到目标产品/服务。");
    let css = app.get("/static/css/portal.css").await;
    css.assert_contains(".op-index a { text-decoration: underline;");
}
