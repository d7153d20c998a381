//! Bulk changes over HTTP: a selection or a file becomes a job with a review; confirmed, the job
//! runs in the background, each row once, through the same rules as a single change; it can be
//! cancelled; its results download as CSV; it survives the server being killed; two instances
//! share it.

use std::time::Duration;

use futures_util::future::join_all;

use crate::helpers::{
    CONTOSO, NORTHWIND, Page, TestApp, assert_invariants, portal_command, second_instance_with,
    spawn_app, spawn_app_with,
};

/// Posts the selection form from the Bulk changes page; returns the job's id.
async fn select(app: &TestApp, form: &[(&str, &str)]) -> i32 {
    app.get("/bulk").await.assert_status(200);
    let page = app.submit("/bulk/selection", form).await;
    job_of(&page)
}

/// Posts rows to the file form; returns the job's id.
pub(crate) async fn upload(app: &TestApp, rows: &str) -> i32 {
    app.get("/bulk").await.assert_status(200);
    let page = app
        .submit(
            "/bulk/file",
            &[("rows", rows), ("file_name", "changes.csv")],
        )
        .await;
    job_of(&page)
}

#[track_caller]
pub(crate) fn job_of(page: &Page) -> i32 {
    assert_eq!(page.status.as_u16(), 303, "{}", page.body);
    let location = page.location.as_deref().unwrap();
    location
        .strip_prefix("/bulk/jobs/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("sent to {location}"))
}

/// Confirms the job from its review page.
pub(crate) async fn confirm(app: &TestApp, job: i32) {
    app.get(&format!("/bulk/jobs/{job}"))
        .await
        .assert_status(200);
    app.submit(&format!("/bulk/jobs/{job}/start"), &[])
        .await
        .assert_redirect(&format!("/bulk/jobs/{job}"));
}

/// Waits until the job has ended (at most a minute).
pub(crate) async fn finished(app: &TestApp, job: i32) -> String {
    for _ in 0..600 {
        // The state and the end read together: read apart, a job ending between the two reads
        // was seen ended and still running.
        if let Some(state) = app
            .value(&format!(
                "SELECT state FROM jobs WHERE id = {job} AND finished_at IS NOT NULL"
            ))
            .await
        {
            return state;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {job} did not finish");
}

async fn rows_in(app: &TestApp, job: i32, state: &str) -> i64 {
    app.count(&format!(
        "job_rows WHERE job_id = {job} AND state = '{state}'"
    ))
    .await
}

/// The results file, as records (the header first).
pub(crate) async fn results(app: &TestApp, job: i32) -> Vec<Vec<String>> {
    let page = app.get(&format!("/bulk/jobs/{job}/results.csv")).await;
    page.assert_status(200);
    assert!(page.body.starts_with('\u{feff}'), "a byte-order mark first");
    csv::Reader::from_reader(page.body.trim_start_matches('\u{feff}').as_bytes())
        .into_records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[actix_web::test]
async fn a_selection_upgrades_every_eligible_subscription_and_explains_the_rest() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let job = select(
        &app,
        &[
            ("offer", "O365_BUSINESS_ESSENTIALS"),
            ("status", "active"),
            ("q", ""),
            ("action", "upgrade"),
            ("target", "O365_BUSINESS_PREMIUM"),
            ("quantity", ""),
        ],
    )
    .await;
    // The review: every active Business Essentials of Contoso's, nothing changed yet.
    let total = app
        .count("subscriptions WHERE sold_by = 'contoso' AND offer_id = 'O365_BUSINESS_ESSENTIALS' AND status = 'active'")
        .await;
    assert_eq!(
        app.count(&format!("job_rows WHERE job_id = {job}")).await,
        total
    );
    let will = rows_in(&app, job, "pending").await;
    let cannot = rows_in(&app, job, "refused").await;
    assert!(
        will > 0 && cannot > 0,
        "the demo book has both: {will} {cannot}"
    );
    let review = app.get(&format!("/bulk/jobs/{job}")).await;
    review
        .assert_status(200)
        .assert_contains(&format!("data-count=\"will\">{will}<"))
        .assert_contains("delegated_admin_permissions_disabled")
        // What the upgrades do to the bill, added up.
        .assert_contains("class=\"facts money\"")
        .assert_contains("data-amount=");
    assert_eq!(app.count("upgrades").await, 0, "a review changes nothing");

    confirm(&app, job).await;
    assert_eq!(finished(&app, job).await, "done");
    assert_eq!(rows_in(&app, job, "succeeded").await, will);
    // Each upgrade made once, named in the activity log with the job.
    assert_eq!(app.count("upgrades").await, will);
    assert_eq!(
        app.count(&format!(
            "activity WHERE job_id = {job} AND action = 'upgrade_from'"
        ))
        .await,
        will
    );
    assert_eq!(
        app.count(
            "subscriptions WHERE offer_id = 'O365_BUSINESS_PREMIUM' AND upgraded_from IS NOT NULL"
        )
        .await,
        will
    );
    // Each upgrade announced for its source and its new subscription, through the job's door.
    assert_eq!(
        app.count(&format!(
            "events WHERE job_id = {job} AND door = 'job' AND resource = 'subscription'"
        ))
        .await,
        2 * will
    );
    app.get("/activity")
        .await
        .assert_contains(&format!("href=\"/bulk/jobs/{job}\""));
    // The results: a row for every subscription, with the new subscription's id or the reason.
    let records = results(&app, job).await;
    assert_eq!(
        records.len() as i64,
        total,
        "a row per subscription: {records:?}"
    );
    for r in &records {
        match r[2].as_str() {
            "succeeded" => assert!(!r[5].is_empty(), "{r:?}"),
            "refused" => assert!(!r[3].is_empty() && !r[4].is_empty(), "{r:?}"),
            other => panic!("unexpected result {other}: {r:?}"),
        }
        assert_eq!(r[1], "upgrade");
    }
    assert_invariants(&app).await;
    // Operators see jobs and their rows in the metrics.
    let metrics = app.get("/metrics").await;
    metrics
        .assert_status(200)
        .assert_contains("portal_jobs_total{event=\"started\"}")
        .assert_contains("portal_job_rows_total{result=\"succeeded\"}");
    // The job is on the reseller's list, and no one else's.
    app.get("/bulk")
        .await
        .assert_contains(&format!("href=\"/bulk/jobs/{job}\""));
    let other = app.another_browser();
    other.sign_in(NORTHWIND).await;
    other
        .get(&format!("/bulk/jobs/{job}"))
        .await
        .assert_status(404);
    other
        .get(&format!("/bulk/jobs/{job}/results.csv"))
        .await
        .assert_status(404);
}

#[actix_web::test]
async fn a_file_changes_licenses_and_names_its_bad_lines() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    // Start from the subscriptions export, as a reseller would: keep three active ones, add a
    // license to each, and add bad lines.
    let export = app.get("/customers/export/subscriptions.csv").await;
    export.assert_status(200);
    let mut reader =
        csv::Reader::from_reader(export.body.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().unwrap().clone();
    let at = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mut chosen = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        if &record[at("Status")] == "active" && chosen.len() < 3 {
            let quantity: u32 = record[at("Quantity")].parse().unwrap();
            chosen.push((record[at("Subscription ID")].to_owned(), quantity + 1));
        }
    }
    let northwind = app
        .value("SELECT id FROM subscriptions WHERE sold_by = 'northwind' LIMIT 1")
        .await
        .unwrap();
    let mut rows = String::from("Subscription ID,Action,Target offer ID,Quantity\n");
    for (id, quantity) in &chosen {
        rows.push_str(&format!("{id},licenses,,{quantity}\n"));
    }
    rows.push_str("s-does-not-exist,licenses,,5\n"); // line 5
    rows.push_str(&format!("{northwind},suspend,,\n")); // line 6
    rows.push_str(&format!("{},licenses,,ten\n", chosen[0].0)); // line 7
    rows.push_str(&format!("{},renew,,\n", chosen[1].0)); // line 8
    let before = app.snapshot().await;
    let job = upload(&app, &rows).await;
    assert_eq!(app.snapshot().await, before, "a review changes nothing");
    assert_eq!(
        app.count(&format!("job_rows WHERE job_id = {job}")).await,
        7
    );
    let review = app.get(&format!("/bulk/jobs/{job}")).await;
    review
        .assert_status(200)
        .assert_contains("data-line=\"5\" data-code=\"subscription_not_found\"")
        .assert_contains("data-line=\"6\" data-code=\"subscription_not_found\"")
        .assert_contains("data-line=\"7\" data-code=\"invalid_quantity\"")
        .assert_contains("data-line=\"8\" data-code=\"invalid_action\"")
        .assert_contains("“ten”")
        .assert_contains("“renew”")
        .assert_contains("data-count=\"will\">3<");
    confirm(&app, job).await;
    assert_eq!(finished(&app, job).await, "done");
    assert_quantities(&app, &chosen, 0).await;
    // Northwind's subscription was never touched.
    assert_eq!(
        app.value(&format!(
            "SELECT status FROM subscriptions WHERE id = '{northwind}'"
        ))
        .await
        .unwrap(),
        "active"
    );
    let records = results(&app, job).await;
    assert_eq!(records.len(), 7, "a result for every line: {records:?}");
    assert_eq!(
        records.iter().filter(|r| r[2] == "succeeded").count(),
        3,
        "{records:?}"
    );
    assert!(
        records
            .iter()
            .any(|r| r[3] == "invalid_quantity" && r[4].contains("ten"))
    );
}

#[actix_web::test]
async fn a_file_that_is_not_one_is_refused_beside_its_field() {
    let app = spawn_app().await;
    app.prefer("en-US");
    app.sign_in(CONTOSO).await;
    app.get("/bulk").await;
    let before = app.snapshot().await;
    for (rows, says) in [
        ("", "There are no rows"),
        (
            "Subscription ID,Quantity\ns-1,3\n",
            "lacks the column “Action”",
        ),
    ] {
        app.submit("/bulk/file", &[("rows", rows), ("file_name", "")])
            .await
            .assert_status(422)
            .assert_contains("id=\"rows-error\"")
            .assert_contains(says);
    }
    for (form, field) in [
        (vec![("action", "upgrade"), ("target", "")], "target-error"),
        (
            vec![("action", "licenses-add"), ("quantity", "-1")],
            "quantity-error",
        ),
        (vec![("action", "explode")], "action-error"),
        (
            vec![("action", "suspend"), ("offer", "NOPE")],
            "offer-error",
        ),
    ] {
        app.submit("/bulk/selection", &form)
            .await
            .assert_status(422)
            .assert_contains(&format!("id=\"{field}\""));
    }
    app.submit(
        "/bulk/selection",
        &[("action", "suspend"), ("q", "no customer is called this")],
    )
    .await
    .assert_status(422)
    .assert_contains("No subscription matches");
    assert_eq!(app.snapshot().await, before, "nothing was written");
}

#[actix_web::test]
async fn rows_are_judged_again_when_they_run() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let job = select(
        &app,
        &[
            ("offer", "O365_E3"),
            ("status", "active"),
            ("action", "licenses-add"),
            ("quantity", "1"),
        ],
    )
    .await;
    let will = rows_in(&app, job, "pending").await;
    assert!(will >= 2);
    // Between the review and the confirm, someone changes one of the subscriptions.
    let id = app
        .value(&format!("SELECT subscription_id FROM job_rows WHERE job_id = {job} AND state = 'pending' ORDER BY line LIMIT 1"))
        .await
        .unwrap();
    let new = crate::helpers::add_licenses(&app, &id, 5).await.to_string();
    confirm(&app, job).await;
    finished(&app, job).await;
    assert_eq!(rows_in(&app, job, "succeeded").await, will - 1);
    assert_eq!(
        app.value(&format!(
            "SELECT code FROM job_rows WHERE job_id = {job} AND subscription_id = '{id}'"
        ))
        .await
        .unwrap(),
        "concurrency_conflicts"
    );
    assert_eq!(
        app.value(&format!(
            "SELECT quantity FROM subscriptions WHERE id = '{id}'"
        ))
        .await
        .unwrap(),
        new,
        "the later change stands"
    );
}

#[actix_web::test]
async fn a_cancelled_job_does_not_do_the_rows_it_had_not_started() {
    // This instance shows and cancels jobs but runs none, so the job is still waiting.
    let app = spawn_app_with(&[("PORTAL_JOB_RUNNER", "false")]).await;
    app.sign_in(CONTOSO).await;
    let job = select(&app, &[("status", "active"), ("action", "suspend")]).await;
    let will = rows_in(&app, job, "pending").await;
    confirm(&app, job).await;
    let page = app.get(&format!("/bulk/jobs/{job}")).await;
    page.assert_contains("data-state=\"running\"")
        .assert_contains(&format!("/bulk/jobs/{job}/cancel"));
    app.submit(&format!("/bulk/jobs/{job}/cancel"), &[])
        .await
        .assert_redirect(&format!("/bulk/jobs/{job}"));
    assert_eq!(finished(&app, job).await, "cancelled");
    assert_eq!(rows_in(&app, job, "cancelled").await, will);
    assert_eq!(
        app.count("subscriptions WHERE sold_by = 'contoso' AND status = 'suspended'")
            .await,
        1,
        "only the one suspended before"
    );
    // An instance that runs jobs takes nothing of a cancelled one.
    let runner = second_instance_with(&app, &[]).await;
    drop(runner);
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rows_in(&app, job, "cancelled").await, will);
    let records = results(&app, job).await;
    assert!(
        records
            .iter()
            .all(|r| r[2] == "refused" && r[3] == "job_cancelled")
    );
    // A review discarded is gone.
    let review = select(&app, &[("status", "active"), ("action", "suspend")]).await;
    app.get(&format!("/bulk/jobs/{review}")).await;
    app.submit(&format!("/bulk/jobs/{review}/cancel"), &[])
        .await
        .assert_redirect("/bulk");
    let again = app.submit(&format!("/bulk/jobs/{review}/start"), &[]).await;
    again.assert_redirect(&format!("/bulk/jobs/{review}"));
    assert_eq!(rows_in(&app, review, "succeeded").await, 0);
}

/// Seeds a book of `customers` customers for reseller `bigbook` beside the demo book.
fn seed(app: &TestApp, customers: &str) {
    let out = portal_command(app, &["seed", "--customers", customers]);
    assert!(out.success, "{}", out.stderr);
}

const BIGBOOK: (&str, &str) = ("admin@bigbook.example", "bigbook-demo");

#[actix_web::test]
async fn two_instances_share_a_job_and_do_each_row_once() {
    let app = spawn_app_with(&[("PORTAL_JOB_RUNNER", "false")]).await;
    seed(&app, "60");
    app.sign_in(BIGBOOK).await;
    let job = select(
        &app,
        &[
            ("status", "active"),
            ("action", "licenses-add"),
            ("quantity", "2"),
        ],
    )
    .await;
    let will = rows_in(&app, job, "pending").await;
    assert!(will > 100, "{will}");
    confirm(&app, job).await;
    let one = second_instance_with(&app, &[]).await;
    let two = second_instance_with(&app, &[]).await;
    assert_eq!(finished(&app, job).await, "done");
    drop((one, two));
    assert_eq!(rows_in(&app, job, "succeeded").await, will);
    // Each row once: one activity record per row, and every quantity up by exactly two.
    assert_eq!(
        app.count(&format!("activity WHERE job_id = {job}")).await,
        will
    );
    assert_eq!(
        app.count(&format!(
            "activity WHERE job_id = {job} AND after_quantity <> before_quantity + 2"
        ))
        .await,
        0
    );
    let owners: i64 = app
        .value(&format!(
            "SELECT COUNT(DISTINCT lease_owner) FROM job_rows WHERE job_id = {job}"
        ))
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(owners, 2, "both instances ran rows");
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn a_job_killed_mid_way_finishes_after_restart_with_every_row_once() {
    let app = spawn_app_with(&[("PORTAL_JOB_RUNNER", "false")]).await;
    seed(&app, "60");
    app.sign_in(BIGBOOK).await;
    let before = app.get("/customers/export/subscriptions.csv").await.body;
    let job = select(&app, &[("status", "active"), ("action", "suspend")]).await;
    let will = rows_in(&app, job, "pending").await;
    assert!(will > 100, "{will}");
    confirm(&app, job).await;

    // A server process runs the job and is killed (SIGKILL) while rows are being done.
    let settings = [("PORTAL_JOB_LEASE", "1")];
    let (mut first, _) = crate::crash::start_with(&app.url, &settings);
    loop {
        let done = rows_in(&app, job, "succeeded").await;
        if done >= 20 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let done_at_kill = rows_in(&app, job, "succeeded").await;
    assert!(
        done_at_kill < will,
        "killed mid-way: {done_at_kill} of {will}"
    );

    // Started again, the job goes on by itself and ends.
    let (mut second, _) = crate::crash::start_with(&app.url, &settings);
    let state = finished(&app, job).await;
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(state, "done");
    assert_eq!(rows_in(&app, job, "succeeded").await, will);
    // Every row exactly once: one activity record per row, and each subscription suspended.
    assert_eq!(
        app.count(&format!("activity WHERE job_id = {job}")).await,
        will
    );
    assert_eq!(
        app.value(&format!(
            "SELECT COUNT(DISTINCT subscription_id) FROM activity WHERE job_id = {job}"
        ))
        .await
        .unwrap(),
        will.to_string()
    );
    // The export after differs from the one before in exactly the rows' status.
    let after = app.get("/customers/export/subscriptions.csv").await.body;
    let (before, after): (Vec<&str>, Vec<&str>) =
        (before.lines().collect(), after.lines().collect());
    assert_eq!(before.len(), after.len());
    let changed: Vec<(&&str, &&str)> = before.iter().zip(&after).filter(|(b, a)| b != a).collect();
    assert_eq!(changed.len() as i64, will);
    for (b, a) in changed {
        assert_eq!(b.replace(",active,", ",suspended,"), **a);
    }
    assert_invariants(&app).await;
}

/// Three of Contoso's active subscriptions and their licenses.
/// Asserts each of `chosen`'s subscriptions holds its quantity there plus `added`.
pub(crate) async fn assert_quantities(app: &TestApp, chosen: &[(String, u32)], added: u32) {
    for (id, quantity) in chosen {
        assert_eq!(
            app.value(&format!(
                "SELECT quantity FROM subscriptions WHERE id = '{id}'"
            ))
            .await
            .unwrap(),
            (quantity + added).to_string(),
            "{id}"
        );
    }
}

pub(crate) async fn three_active(app: &TestApp) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for n in 0..3 {
        let row = app
            .value(&format!(
                "SELECT id || ' ' || quantity FROM subscriptions WHERE sold_by = 'contoso' \
                 AND status = 'active' AND offer_id = 'O365_E3' ORDER BY id LIMIT 1 OFFSET {n}"
            ))
            .await
            .unwrap();
        let (id, quantity) = row.split_once(' ').unwrap();
        out.push((id.to_owned(), quantity.parse().unwrap()));
    }
    out
}

#[actix_web::test]
async fn a_file_keeps_every_row_whatever_its_line_ends() {
    let app = spawn_app().await;
    app.prefer("en-US");
    app.sign_in(CONTOSO).await;
    let active = three_active(&app).await;
    let mut lines = vec!["Subscription ID,Action,Target offer ID,Quantity".to_owned()];
    lines.push(format!("{},licenses,,{}", active[0].0, active[0].1 + 1));
    lines.push(format!("{},licenses,,{}", active[1].0, active[1].1 + 1));
    lines.push(String::new());
    lines.push(format!("{},licenses,,{}", active[2].0, active[2].1 + 1));
    lines.push("s-does-not-exist,licenses,,5".to_owned());
    // Old Mac spreadsheets end lines in a lone CR, Windows in CRLF, everything else in LF.
    for end in ["\r", "\r\n", "\n"] {
        let job = upload(&app, &lines.join(end)).await;
        assert_eq!(
            crate::exports::column(
                &app,
                &format!(
                    "SELECT CAST(line AS TEXT) FROM job_rows WHERE job_id = {job} ORDER BY line"
                )
            )
            .await,
            ["2", "3", "5", "6"],
            "{end:?}: every line, numbered as an editor numbers it"
        );
        let review = app.get(&format!("/bulk/jobs/{job}")).await;
        review
            .assert_status(200)
            .assert_contains("changes.csv (4 rows)")
            .assert_contains("data-count=\"will\">3<")
            .assert_contains("data-line=\"6\" data-code=\"subscription_not_found\"");
        for (id, _) in &active {
            review.assert_contains(&format!(">{id}</code>"));
        }
        app.submit(&format!("/bulk/jobs/{job}/cancel"), &[])
            .await
            .assert_redirect("/bulk");
    }
}

#[actix_web::test]
async fn a_reseller_has_at_most_five_reviews_waiting_however_many_it_sends_at_once() {
    let app = spawn_app().await;
    app.prefer("en-US");
    app.sign_in(CONTOSO).await;
    app.get("/bulk").await.assert_status(200);
    let active = three_active(&app).await;
    let rows = format!(
        "Subscription ID,Action\n{},suspend\n{},suspend\n",
        active[0].0, active[1].0
    );
    let form = [("rows", rows.as_str()), ("file_name", "changes.csv")];

    // Eight uploads at once: five are written for review, three refused beside the field.
    let pages = join_all((0..8).map(|_| app.submit("/bulk/file", &form))).await;
    let written = pages.iter().filter(|p| p.status.as_u16() == 303).count();
    let refused: Vec<&Page> = pages.iter().filter(|p| p.status.as_u16() == 422).collect();
    assert_eq!((written, refused.len()), (5, 3));
    for page in refused {
        page.assert_contains("id=\"rows-error\"")
            .assert_contains("5 bulk changes are already waiting for review");
    }
    assert_eq!(
        app.count("jobs WHERE reseller_id = 'contoso' AND state = 'review'")
            .await,
        5
    );
    assert_eq!(app.count("job_rows").await, 10);

    // The page lists them to confirm or discard; a selection is refused the same way.
    let bulk = app.get("/bulk").await;
    let waiting = bulk.each_after("<tr data-job=\"", '"');
    assert_eq!(waiting.len(), 5, "{}", bulk.body);
    let before = app.count("job_rows").await;
    app.submit(
        "/bulk/selection",
        &[("status", "active"), ("action", "suspend")],
    )
    .await
    .assert_status(422)
    .assert_contains("id=\"selection-error\"")
    .assert_contains("waiting for review");
    assert_eq!(app.count("job_rows").await, before, "nothing written");

    // Another reseller is not held back by Contoso's.
    let northwind = app.another_browser();
    northwind.sign_in(NORTHWIND).await;
    select(&northwind, &[("status", "active"), ("action", "suspend")]).await;

    // One discarded makes room for one more.
    app.submit(&format!("/bulk/jobs/{}/cancel", waiting[0]), &[])
        .await
        .assert_redirect("/bulk");
    upload(&app, &rows).await;
    app.submit("/bulk/file", &form).await.assert_status(422);
}

#[actix_web::test]
async fn the_bound_on_reviews_holds_across_instances() {
    // Two instances behind a load balancer, each sent four files at once by the same reseller.
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app.get("/bulk").await.assert_status(200);
    let instance = crate::helpers::second_instance(&app).await;
    let mut there = app.another_browser();
    there.switch_to(&instance);
    there.set_cookies(app.cookies());
    there.get("/bulk").await.assert_status(200);
    let active = three_active(&app).await;
    let rows = format!("Subscription ID,Action\n{},suspend\n", active[0].0);
    let form = [("rows", rows.as_str()), ("file_name", "changes.csv")];

    let (here, away) = futures_util::future::join(
        join_all((0..4).map(|_| app.submit("/bulk/file", &form))),
        join_all((0..4).map(|_| there.submit("/bulk/file", &form))),
    )
    .await;

    let statuses: Vec<u16> = here
        .iter()
        .chain(&away)
        .map(|p| p.status.as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 422).count(),
        3,
        "{statuses:?}"
    );
    assert_eq!(
        app.count("jobs WHERE reseller_id = 'contoso' AND state = 'review'")
            .await,
        5
    );
}

#[actix_web::test]
async fn a_review_nobody_confirms_is_dropped_a_day_later_without_another_request() {
    let start = "2026-07-20T09:00:00+08:00";
    let app = spawn_app_with(&[("PORTAL_CLOCK", start)]).await;
    app.sign_in(CONTOSO).await;
    let at = |hours: i64| {
        chrono::DateTime::parse_from_rfc3339(start)
            .unwrap()
            .to_utc()
            + chrono::TimeDelta::hours(hours)
    };
    let abandoned = select(&app, &[("status", "active"), ("action", "suspend")]).await;
    let rows = app
        .count(&format!("job_rows WHERE job_id = {abandoned}"))
        .await;
    assert!(rows > 0);
    // A job that ran stays, however old.
    let ran = select(
        &app,
        &[
            ("offer", "O365_E3"),
            ("status", "active"),
            ("action", "licenses-add"),
            ("quantity", "1"),
        ],
    )
    .await;
    confirm(&app, ran).await;
    assert_eq!(finished(&app, ran).await, "done");
    app.clock.set(at(23));
    let recent = select(&app, &[("status", "suspended"), ("action", "reactivate")]).await;

    // A day and a minute after the first review, with no request from anyone.
    app.clock.set(at(24) + chrono::TimeDelta::minutes(1));
    let mut gone = false;
    for _ in 0..100 {
        if app.count(&format!("jobs WHERE id = {abandoned}")).await == 0 {
            gone = true;
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone, "the abandoned review is dropped on a timer");
    assert_eq!(
        app.count(&format!("job_rows WHERE job_id = {abandoned}"))
            .await,
        0
    );
    assert_eq!(
        app.count(&format!("jobs WHERE id IN ({ran}, {recent})"))
            .await,
        2
    );
    app.get(&format!("/bulk/jobs/{abandoned}"))
        .await
        .assert_status(404);
}

/// The lines of a review page's rows: those that can't be done, and those that will.
fn review_lines(page: &Page) -> (Vec<usize>, Vec<usize>) {
    let (mut cannot, mut will) = (Vec::new(), Vec::new());
    for tag in page.each_after("<tr data-line=\"", '>') {
        let (line, rest) = tag.split_once('"').unwrap();
        let line = line.parse().unwrap();
        if rest.contains("data-code") {
            cannot.push(line);
        } else {
            will.push(line);
        }
    }
    (cannot, will)
}

/// Where a review page's link to the next page of one of its lists leads.
fn next_page(page: &Page, list: &str) -> Option<String> {
    page.each_after(&format!("data-next=\"{list}\" href=\""), '"')
        .first()
        .map(|href| href.replace("&#38;", "&").replace("&amp;", "&"))
}

#[actix_web::test]
async fn a_long_review_is_read_a_page_of_each_list_at_a_time() {
    let app = spawn_app().await;
    seed(&app, "60");
    app.sign_in(BIGBOOK).await;
    let active = app
        .count("subscriptions WHERE sold_by = 'bigbook' AND status = 'active'")
        .await as usize;
    assert!(active > 200, "{active}");
    // 450 lines naming no subscription, then a suspension of each active one.
    let mut rows = String::from("Subscription ID,Action\n");
    for n in 0..450 {
        rows.push_str(&format!("s-nobody-{n:03},suspend\n"));
    }
    let ids = crate::exports::column(
        &app,
        "SELECT id FROM subscriptions WHERE sold_by = 'bigbook' AND status = 'active' ORDER BY id",
    )
    .await;
    for id in &ids {
        rows.push_str(&format!("{id},suspend\n"));
    }
    let job = upload(&app, &rows).await;
    let first = app.get(&format!("/bulk/jobs/{job}")).await;
    first
        .assert_status(200)
        .assert_contains(&format!("data-count=\"will\">{}<", active))
        .assert_contains("data-count=\"cannot\">450<");

    // The lines that can't be done (the file's own problems: unknown subscriptions), 200 a page,
    // following their own link; the other list stays on its first page meanwhile.
    let (mut cannot, mut page) = (Vec::new(), first);
    loop {
        page.assert_status(200)
            .assert_contains("class=\"facts money\"");
        let (on_page, will) = review_lines(&page);
        assert!(on_page.len() <= 200, "{} on a page", on_page.len());
        assert_eq!(will.first(), Some(&452), "the other list stays on its page");
        cannot.extend(on_page);
        let Some(next) = next_page(&page, "file") else {
            break;
        };
        page = app.get(&next).await;
    }
    assert_eq!(cannot, (2..452).collect::<Vec<_>>(), "each once, in order");

    // The lines that will be done, the same way.
    let (mut will, mut page) = (Vec::new(), app.get(&format!("/bulk/jobs/{job}")).await);
    loop {
        let (problems, on_page) = review_lines(&page);
        assert!(on_page.len() <= 200, "{} on a page", on_page.len());
        assert_eq!(
            problems.first(),
            Some(&2),
            "the other list stays on its page"
        );
        will.extend(on_page);
        let Some(next) = next_page(&page, "rows") else {
            break;
        };
        page = app.get(&next).await;
    }
    assert_eq!(
        will,
        (452..452 + active).collect::<Vec<_>>(),
        "each once, in order"
    );
}
