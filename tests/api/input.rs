//! Bad input: a message beside the field (422) or a clear error page, never a crash, and the
//! database unchanged.

use crate::helpers::{CONTOSO, TestApp, details, spawn_app};

const PATH: (&str, &str) = ("c-fabrikam", "s-fabrikam-essentials");

async fn signed_in() -> TestApp {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app
}

const BAD_COUNTS: &[(&str, &str)] = &[
    ("", "请输入许可证数量。"),
    ("   ", "请输入许可证数量。"),
    ("abc", "许可证数量必须是整数"),
    ("-1", "请输入 1 到 300 之间的数字。"),
    ("2.5", "许可证数量必须是整数"),
    ("<script>alert(1)</script>", "许可证数量必须是整数"),
    ("1'; DROP TABLE subscriptions; --", "许可证数量必须是整数"),
    ("１０", "请使用半角数字 0–9"),
    ("0", "请输入 1 到 300 之间的数字。"),
    ("301", "请输入 1 到 300 之间的数字。"),
    ("18446744073709551616", "请输入 1 到 300 之间的数字。"),
];

#[actix_web::test]
async fn bad_license_counts_on_the_upgrade_form_get_a_message_and_write_nothing() {
    let app = signed_in().await;
    let path = format!("{}/upgrade", details(PATH.0, PATH.1));
    let before = app.snapshot().await;
    for (raw, message) in BAD_COUNTS {
        // Business Premium's range is 1 to 300.
        let page = app
            .post(
                &path,
                &[
                    ("offer", "O365_BUSINESS_PREMIUM"),
                    ("licenses", raw),
                    ("version", "0"),
                ],
            )
            .await;
        page.assert_status(422)
            .assert_contains(message)
            .assert_contains("id=\"licenses-error\"");
        page.assert_contains("aria-invalid=\"true\"")
            .assert_lacks("<script>alert");
        // The chosen offer stays chosen.
        page.assert_contains("value=\"O365_BUSINESS_PREMIUM\" checked");
    }
    // E3 allows up to 10,000,000.
    let page = app
        .post(
            &path,
            &[
                ("offer", "O365_E3"),
                ("licenses", "10000001"),
                ("version", "0"),
            ],
        )
        .await;
    page.assert_status(422)
        .assert_contains("请输入 1 到 10,000,000 之间的数字。");
    assert_eq!(app.snapshot().await, before);
}

#[actix_web::test]
async fn bad_license_counts_on_the_details_page_get_a_message_and_write_nothing() {
    let app = signed_in().await;
    let path = format!("{}/licenses", details(PATH.0, PATH.1));
    let before = app.snapshot().await;
    for (raw, message) in BAD_COUNTS {
        // The range the message names is the hint's: never below the 20 assigned licenses.
        let message = message.replace("1 到 300", "20 到 300");
        let page = app
            .post(&path, &[("licenses", raw), ("version", "0")])
            .await;
        page.assert_status(422)
            .assert_contains(&message)
            .assert_contains("输入 20 到 300 之间的整数")
            .assert_contains("id=\"licenses-error\"");
    }
    // Below the 20 assigned licenses, and unchanged.
    app.post(&path, &[("licenses", "19"), ("version", "0")])
        .await
        .assert_status(422)
        .assert_contains("已有 20 个许可证分配给用户");
    app.post(&path, &[("licenses", "25"), ("version", "0")])
        .await
        .assert_status(422)
        .assert_contains("此订阅已有 25 个许可证。");
    // A suspended subscription's licenses can't change.
    app.post(
        &format!("{}/licenses", details("c-wingtip", "s-wingtip-essentials")),
        &[("licenses", "10"), ("version", "0")],
    )
    .await
    .assert_status(422)
    .assert_contains("只有处于活动状态的订阅才能更改许可证数量。");
    assert_eq!(app.snapshot().await, before);
}

#[actix_web::test]
async fn a_stale_form_gets_the_concurrency_message_and_writes_nothing() {
    let app = signed_in().await;
    let page = app.get(&details(PATH.0, PATH.1)).await;
    let stale = page.hidden("version");
    app.post(
        &format!("{}/licenses", details(PATH.0, PATH.1)),
        &[("licenses", "30"), ("version", &stale)],
    )
    .await
    .assert_status(303);
    let before = app.snapshot().await;

    for (suffix, form) in [
        (
            "/licenses",
            vec![("licenses", "35"), ("version", stale.as_str())],
        ),
        (
            "/status",
            vec![("action", "suspend"), ("version", stale.as_str())],
        ),
        (
            "/upgrade",
            vec![
                ("offer", "O365_E3"),
                ("licenses", "30"),
                ("version", stale.as_str()),
            ],
        ),
    ] {
        let page = app
            .post(&format!("{}{suffix}", details(PATH.0, PATH.1)), &form)
            .await;
        // The review of the change on the subscription as it is now, saying so.
        page.assert_status(409)
            .assert_contains("data-code=\"concurrency_conflicts\"")
            .assert_contains("自你上次查看以来，此订阅已被更改。");
        assert!(page.is_review());
    }
    assert_eq!(app.snapshot().await, before);
}

#[actix_web::test]
async fn refused_status_changes_say_why() {
    let app = signed_in().await;
    let before = app.snapshot().await;
    app.post(
        &format!("{}/status", details("c-wingtip", "s-wingtip-essentials")),
        &[("action", "suspend"), ("version", "0")],
    )
    .await
    .assert_status(422)
    .assert_contains("此订阅已暂停。");
    app.post(
        &format!("{}/status", details("c-tailspin", "s-tailspin-premium")),
        &[("action", "reactivate"), ("version", "0")],
    )
    .await
    .assert_status(422)
    .assert_contains("已取消的订阅无法更改状态。");
    assert_eq!(app.snapshot().await, before);
}

#[actix_web::test]
async fn tampered_and_truncated_forms_get_an_error_page() {
    let app = signed_in().await;
    let base = details(PATH.0, PATH.1);
    let before = app.snapshot().await;
    for (suffix, form) in [
        ("/licenses", vec![("licenses", "30")]),
        ("/licenses", vec![("licenses", "30"), ("version", "x")]),
        ("/licenses", vec![("licenses", "30"), ("version", "-1")]),
        ("/status", vec![("action", "delete"), ("version", "0")]),
        ("/status", vec![("version", "0")]),
        ("/upgrade", vec![("offer", "O365_E3"), ("version", "0")]),
    ] {
        let page = app.post(&format!("{base}{suffix}"), &form).await;
        page.assert_status(400)
            .assert_contains("无法处理此请求")
            .assert_contains("<html lang=\"zh-CN\">");
    }
    // Invalid UTF-8 and a megabyte.
    let page = app
        .post_raw(
            &format!("{base}/licenses"),
            b"licenses=%FF%FE&version=0".to_vec(),
        )
        .await;
    assert!(page.status.is_client_error(), "{:?}", page.status);
    page.assert_contains("<html");
    let mut huge = b"version=0&licenses=".to_vec();
    huge.extend(std::iter::repeat_n(b'9', 1024 * 1024));
    let page = app.post_raw(&format!("{base}/licenses"), huge).await;
    page.assert_status(413).assert_contains("提交的内容过大");
    assert_eq!(app.snapshot().await, before);
}

#[actix_web::test]
async fn unknown_and_malformed_ids_give_the_not_found_page() {
    let app = signed_in().await;
    for path in [
        "/customers/c-nobody/subscriptions".to_owned(),
        details("c-fabrikam", "s-nobody"),
        details("c-adatum", "s-fabrikam-essentials"),
        "/customers/%3Cscript%3E/subscriptions".to_owned(),
        "/customers/c-fabrikam/subscriptions/..%2F..%2Fetc".to_owned(),
        format!("/customers/{}/subscriptions", "a".repeat(300)),
        "/customers/c-fabrikam/upgrades/999".to_owned(),
        "/customers/c-fabrikam/upgrades/not-a-number".to_owned(),
        "/customers/c-fabrikam/upgrades/99999999999999999999".to_owned(),
        "/no/such/page".to_owned(),
    ] {
        let page = app.get(&path).await;
        assert_eq!(page.status.as_u16(), 404, "{path}");
        page.assert_contains("找不到此页面");
    }
    let page = app
        .post(
            &format!("{}/licenses", details("c-fabrikam", "s-nobody")),
            &[("licenses", "5"), ("version", "0")],
        )
        .await;
    page.assert_status(404);
}

#[actix_web::test]
async fn search_and_paging_take_anything() {
    let app = signed_in().await;
    for query in [
        "%",
        "_",
        "'",
        "\\",
        "<script>",
        "科技",
        "PARTNER.ONMSCHINA",
        "x".repeat(5000).as_str(),
    ] {
        let page = app.get(&format!("/?q={}", percent(query))).await;
        page.assert_status(200).assert_lacks("<script>");
    }
    app.get("/?q=%25")
        .await
        .assert_status(200)
        .assert_contains("没有与此搜索匹配的客户");
    app.get(&format!("/?q={}", percent("科技")))
        .await
        .assert_contains("Fabrikam 科技")
        .assert_contains("北京云途科技有限公司");
    app.get("/?q=FABRIKAM.PARTNER")
        .await
        .assert_contains("Fabrikam 科技");
    for page in ["0", "-1", "abc", "99999999999999999999999", "2"] {
        app.get(&format!("/?page={page}"))
            .await
            .assert_status(200)
            .assert_contains("第 1 页，共 2 页");
    }
    for cursor in [
        "after=nobody",
        "before=nobody",
        "after=%00",
        "after=c-fabrikam&before=c-fabrikam",
    ] {
        app.get(&format!("/?{cursor}&page=2"))
            .await
            .assert_status(200)
            .assert_contains("第 1 页，共 2 页");
    }
}

#[actix_web::test]
async fn the_customer_list_pages_forward_and_back_by_its_own_order() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let first = app.get("/").await;
    first
        .assert_contains("第 1 页，共 2 页")
        .assert_lacks("rel=\"prev\"");
    let next = first.link("next");
    assert!(next.starts_with("/?after="), "{next}");
    let second = app.get(&next).await;
    second
        .assert_contains("第 2 页，共 2 页")
        .assert_lacks("rel=\"next\"");
    let back = app.get(&second.link("prev")).await;
    back.assert_contains("第 1 页，共 2 页")
        .assert_lacks("rel=\"prev\"");
    assert_eq!(back.text(), first.text(), "back where it started");
    // The two pages hold every customer once, in name order.
    let names = |page: &crate::helpers::Page| -> Vec<String> {
        page.body
            .match_indices("class=\"customer-name\"")
            .map(|(i, _)| {
                page.body[i..]
                    .split('>')
                    .nth(1)
                    .unwrap()
                    .split('<')
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let all: Vec<String> = names(&first).into_iter().chain(names(&second)).collect();
    let distinct: std::collections::BTreeSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), all.len(), "no customer twice: {all:?}");
    assert_eq!(
        all.len() as i64,
        app.count("relationships WHERE reseller_id = 'contoso'")
            .await
    );

    // A search pages the same way, through the search's own index.
    let first = app.get("/?q=Partner").await;
    assert!(first.link("next").contains("q=Partner"));
    let second = app.get(&first.link("next")).await;
    second.assert_lacks("rel=\"next\"");
    let found: Vec<String> = names(&first).into_iter().chain(names(&second)).collect();
    assert_eq!(
        found.len() as i64,
        app.count("relationships WHERE reseller_id = 'contoso' AND search_text LIKE '%partner%'")
            .await
    );
    assert_eq!(app.get(&second.link("prev")).await.text(), first.text());
}

#[actix_web::test]
async fn a_search_of_one_character_or_of_words_still_finds_its_customers() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    // One character has no pair to look up: the list is read in name order instead.
    app.get(&format!("/?q={}", percent("技")))
        .await
        .assert_contains("Fabrikam 科技")
        .assert_contains("北京云途科技有限公司");
    // Pairs across a space are not indexed; the words' own pairs find the candidates.
    app.get(&format!("/?q={}", percent("fabrikam 科技")))
        .await
        .assert_contains("Fabrikam 科技");
    // Every pair indexed, yet not in this order: no match.
    app.get(&format!("/?q={}", percent("技科")))
        .await
        .assert_contains("没有与此搜索匹配的客户");
}

fn percent(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}
