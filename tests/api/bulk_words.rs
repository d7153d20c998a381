//! Issue 30, items 1 to 4: a bulk job's live results, a file's review (its problems apart from the
//! rules' refusals, counted by reason, each a filter; the review as CSV), the words of a job, and
//! the selection form.

use crate::bulk::{confirm, finished, job_of, upload};
use crate::helpers::{CONTOSO, Page, TestApp, spawn_app};

/// The job's live progress, as the page's script reads it.
async fn progress(app: &TestApp, job: i32, after: u64) -> serde_json::Value {
    let page = app
        .get(&format!("/bulk/jobs/{job}/progress?after={after}"))
        .await;
    page.assert_status(200);
    serde_json::from_str(&page.body).unwrap()
}

fn lines(progress: &serde_json::Value) -> Vec<u64> {
    progress["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect()
}

/// The records of a CSV download (the header first).
fn records(page: &Page) -> Vec<Vec<String>> {
    page.assert_status(200);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(page.body.trim_start_matches('\u{feff}').as_bytes())
        .into_records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[actix_web::test]
async fn live_results_carry_every_row_that_ended_whatever_its_line() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    // Line 2 will run; line 3 is refused at review, so it has ended before line 2 starts.
    let job = upload(
        &app,
        "Subscription ID,Action,Target offer ID,Quantity\n\
         s-fabrikam-essentials,licenses,,26\n\
         s-nobody,suspend,,\n",
    )
    .await;
    // The cursor stops before the line still to run, though a higher line has ended.
    let before = progress(&app, job, 0).await;
    assert_eq!(lines(&before), [3]);
    assert_eq!(before["settled"], 1);
    confirm(&app, job).await;
    assert_eq!(finished(&app, job).await, "done");
    // Asked after that cursor, the row that ended later is there, in line order.
    let after = progress(&app, job, 1).await;
    assert_eq!(lines(&after), [2, 3]);
    assert_eq!(after["settled"], u64::from(u32::MAX));
    let page = app.get(&format!("/bulk/jobs/{job}")).await;
    page.assert_status(200)
        .assert_contains("tr data-line=\"2\" data-result=\"succeeded\"")
        .assert_contains("tr data-line=\"3\" data-result=\"refused\"")
        .assert_contains(&format!("data-after=\"{}\"", u32::MAX));
}

#[actix_web::test]
async fn a_files_review_puts_its_own_problems_first_counts_each_reason_and_downloads_whole() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let job = upload(
        &app,
        "Subscription ID,Action,Target offer ID,Quantity\n\
         s-proseware-essentials,upgrade,O365_E3,\n\
         s-wingtip-essentials,licenses,,many\n\
         s-fabrikam-essentials,upgrade,O365_E3,\n\
         s-nobody,suspend,,\n",
    )
    .await;
    let page = app.get(&format!("/bulk/jobs/{job}")).await;
    page.assert_status(200);
    let text = page.text();
    // Codes are for the CSV: the page says sentences.
    for code in [
        "conflicting_service_types",
        "invalid_quantity",
        "subscription_not_found",
    ] {
        assert!(!text.contains(code), "{code} shown: {text}");
        page.assert_contains(&format!("data-count=\"{code}\">1<"));
    }
    // The refusal names what is to be bought.
    page.assert_contains("才能从你这里购买 Office 365 企业版 E3");
    // The file's own problems first, apart from the rules' refusals.
    let own = text.find("文件中的问题 行").expect("the file's problems");
    let rules = text.find("规则拒绝的行 行").expect("the rules' refusals");
    assert!(own < rules, "{text}");
    // A bad line keeps its action, in words; so does a refused one.
    let row = |line: u32| {
        let start = page
            .body
            .find(&format!("<tr data-line=\"{line}\""))
            .unwrap_or_else(|| panic!("line {line}"));
        let end = start + page.body[start..].find("</tr>").unwrap();
        page.body[start..end].to_owned()
    };
    assert!(row(3).contains("设置许可证数量"), "{}", row(3));
    assert!(row(2).contains("升级到 Office 365 企业版 E3"), "{}", row(2));

    // Each reason is a filter.
    let filtered = app
        .get(&format!("/bulk/jobs/{job}?reason=invalid_quantity"))
        .await;
    filtered
        .assert_status(200)
        .assert_contains("<tr data-line=\"3\" data-code=\"invalid_quantity\"")
        .assert_lacks("<tr data-line=\"2\" data-code")
        .assert_lacks("<tr data-line=\"5\" data-code");
    // An unknown reason is no filter.
    app.get(&format!("/bulk/jobs/{job}?reason=%3Cscript%3E"))
        .await
        .assert_status(200)
        .assert_contains("<tr data-line=\"2\" data-code")
        .assert_lacks("<script>");

    // The review as CSV, before Confirm: every row with its verdict, the codes there.
    page.assert_contains(&format!("href=\"/bulk/jobs/{job}/review.csv\""));
    let csv = app.get(&format!("/bulk/jobs/{job}/review.csv")).await;
    let got: Vec<(String, String, String, String)> = records(&csv)
        .into_iter()
        .map(|r| (r[0].clone(), r[2].clone(), r[5].clone(), r[6].clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("Line", "Action", "Verdict", "Code"),
            ("2", "upgrade", "refused", "conflicting_service_types"),
            ("3", "licenses", "refused", "invalid_quantity"),
            ("4", "upgrade", "change", ""),
            ("5", "suspend", "refused", "subscription_not_found"),
        ]
        .map(|(a, b, c, d)| (a.into(), b.into(), c.into(), d.into()))
    );
    assert_eq!(app.count("activity WHERE action = 'upgrade'").await, 0);

    // Once run, the new subscription is named by its name, and rows succeed (成功) while the job
    // is done (已完成).
    confirm(&app, job).await;
    assert_eq!(finished(&app, job).await, "done");
    let name = app
        .value(
            "SELECT friendly_name FROM subscriptions WHERE upgraded_from = 's-fabrikam-essentials'",
        )
        .await
        .unwrap();
    let id = app
        .value("SELECT id FROM subscriptions WHERE upgraded_from = 's-fabrikam-essentials'")
        .await
        .unwrap();
    let done = app.get(&format!("/bulk/jobs/{job}")).await;
    done.assert_contains(&format!(">{name}</a>"))
        .assert_lacks(&format!(">{id}</a>"))
        .assert_contains("<span class=\"result result-succeeded\">成功</span>")
        .assert_contains(">已完成</span>");
    assert!(!done.text().contains("conflicting_service_types"));
}

#[actix_web::test]
async fn a_jobs_title_is_in_the_viewers_language() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let job = upload(
        &app,
        "Subscription ID,Action\ns-fabrikam-essentials,suspend\ns-nobody,suspend\n",
    )
    .await;
    app.get(&format!("/bulk/jobs/{job}"))
        .await
        .assert_contains(&format!("<h1>批量更改 #{job}：changes.csv（2 行）</h1>"));
    app.get("/bulk")
        .await
        .assert_contains("<td>changes.csv（2 行）</td>");
    app.prefer("en-US");
    app.get("/language/en-US?back=/bulk").await;
    app.get(&format!("/bulk/jobs/{job}"))
        .await
        .assert_contains(&format!(
            "<h1>Bulk change #{job}: changes.csv (2 rows)</h1>"
        ));
    app.get("/bulk")
        .await
        .assert_contains("<td>changes.csv (2 rows)</td>");
}

#[actix_web::test]
async fn a_file_with_no_usable_line_uses_no_job_number() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app.get("/bulk").await.assert_status(200);
    let page = app
        .submit(
            "/bulk/file",
            &[
                ("rows", "Subscription ID,Action,Quantity\ns-nobody,suspend,\ns-fabrikam-essentials,licenses,lots\n"),
                ("file_name", "bad.csv"),
            ],
        )
        .await;
    page.assert_status(422)
        .assert_contains("这 2 行都无法更改，因此未创建作业。")
        .assert_contains("第 3 行：“lots”不是整数许可证数量。");
    assert_eq!(app.count("jobs").await, 0);
    // The next job is number 1.
    let job = upload(
        &app,
        "Subscription ID,Action\ns-fabrikam-essentials,suspend\n",
    )
    .await;
    assert_eq!(job, 1);
}

#[actix_web::test]
async fn a_file_may_name_its_columns_in_chinese_and_starts_from_a_template() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let job = upload(
        &app,
        "订阅 ID,操作,目标产品 ID,数量\ns-fabrikam-essentials,licenses,,30\n",
    )
    .await;
    assert_eq!(
        app.value(&format!(
            "SELECT action || ' ' || quantity || ' ' || state FROM job_rows WHERE job_id = {job}"
        ))
        .await
        .unwrap(),
        "licenses 30 pending"
    );
    let bulk = app.get("/bulk").await;
    bulk.assert_contains("href=\"/bulk/template.csv\"");
    let template = app.get("/bulk/template.csv").await;
    assert!(
        template
            .headers
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("bulk-change-template.csv")
    );
    let rows = records(&template);
    assert_eq!(
        rows[0],
        ["Subscription ID", "Action", "Target offer ID", "Quantity"]
    );
    assert_eq!(
        rows[1],
        ["s-example-1", "upgrade", "O365_BUSINESS_PREMIUM", "10"]
    );
}

#[actix_web::test]
async fn the_selection_offers_only_targets_of_the_upgrade_paths() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let page = app.get("/bulk").await;
    let targets = page.each_after("data-from=\"", '"');
    assert_eq!(targets.len(), 4, "the offers some offer upgrades to");
    page.assert_contains("<option value=\"O365_E1\" data-from=\"O365_BUSINESS_ESSENTIALS\"")
        .assert_lacks("<option value=\"EXCHANGE_ONLINE_P1\" data-from");
    // A target off the chosen offer's paths is refused beside the field.
    let refused = app
        .submit(
            "/bulk/selection",
            &[
                ("offer", "O365_BUSINESS_PREMIUM"),
                ("action", "upgrade"),
                ("target", "O365_E1"),
            ],
        )
        .await;
    refused
        .assert_status(422)
        .assert_contains("Office 365 商业高级版 无法升级到此产品。");
    assert_eq!(app.count("jobs").await, 0);
    let ok = app
        .submit(
            "/bulk/selection",
            &[
                ("offer", "O365_BUSINESS_PREMIUM"),
                ("action", "upgrade"),
                ("target", "O365_E3"),
            ],
        )
        .await;
    job_of(&ok);
}
