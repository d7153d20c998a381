//! Approvals of bulk jobs of more rows than the threshold.

use portal::domain::Role;

use super::{ADMIN_AGENT, member, set_thresholds};
use crate::helpers::{CONTOSO, TestApp, spawn_app};

/// A bulk file adding a license to three of Contoso's active subscriptions.
async fn three_rows(app: &TestApp) -> (String, Vec<(String, u32)>) {
    let chosen = crate::bulk::three_active(app).await;
    let mut rows = String::from("Subscription ID,Action,Target offer ID,Quantity\n");
    for (id, quantity) in &chosen {
        rows.push_str(&format!("{id},licenses,,{}\n", quantity + 1));
    }
    (rows, chosen)
}

async fn job_state(app: &TestApp, job: i32) -> String {
    app.value(&format!("SELECT state FROM jobs WHERE id = {job}"))
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_bulk_job_of_more_rows_than_the_threshold_waits_for_another_to_approve_it() {
    let app = spawn_app().await;
    set_thresholds(&app, "", "2").await;
    let seller = member(&app, "seller", Role::SalesAgent).await;
    let (rows, chosen) = three_rows(&app).await;
    let job = crate::bulk::upload(&seller, &rows).await;

    // Its review's Start reads Request approval; confirmed, nothing runs.
    seller
        .get(&format!("/bulk/jobs/{job}"))
        .await
        .assert_contains("data-approval")
        .assert_contains("data-code=\"approval_needed\"");
    crate::bulk::confirm(&seller, job).await;
    assert_eq!(job_state(&app, job).await, "approval");
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        app.count(&format!(
            "job_rows WHERE job_id = {job} AND state = 'pending'"
        ))
        .await,
        3
    );
    let page = seller.get(&format!("/bulk/jobs/{job}")).await;
    page.assert_contains("data-code=\"awaiting_approval\"")
        .assert_contains("data-code=\"own_request\"")
        .assert_lacks("data-decide=\"approve\"");
    // Its maker may not approve it (a sales agent approves nothing; an admin, not their own).
    seller
        .post(&format!("/bulk/jobs/{job}/approve"), &[])
        .await
        .assert_status(403);
    assert_eq!(
        app.count(
            "activity WHERE action = 'approval_requested' AND user_email = 'seller@contoso.example' \
             AND job_id IS NOT NULL"
        )
        .await,
        1
    );

    // An admin agent sees it waiting, and approves it: it runs, with their role.
    let agent = app.another_browser();
    agent.sign_in(ADMIN_AGENT).await;
    agent.get("/").await.assert_contains("data-waiting=\"1\"");
    agent
        .get("/approvals")
        .await
        .assert_contains(&format!("data-job=\"{job}\""));
    agent
        .get(&format!("/bulk/jobs/{job}"))
        .await
        .assert_contains("data-decide=\"approve\"");
    agent
        .post(&format!("/bulk/jobs/{job}/approve"), &[])
        .await
        .assert_redirect(&format!("/bulk/jobs/{job}"));
    assert_eq!(crate::bulk::finished(&app, job).await, "done");
    crate::bulk::assert_quantities(&app, &chosen, 1).await;
    assert_eq!(
        app.value(&format!(
            "SELECT CASE WHEN confirmed_by = decided_by THEN 'same' ELSE 'other' END \
             FROM jobs WHERE id = {job}"
        ))
        .await
        .as_deref(),
        Some("same")
    );
    assert_eq!(
        app.value(
            "SELECT user_email || ' ' || detail FROM activity WHERE action = 'approval_approved'"
        )
        .await
        .as_deref(),
        Some("sales@contoso.example seller@contoso.example")
    );
    // A second approval changes nothing.
    agent
        .post(&format!("/bulk/jobs/{job}/approve"), &[])
        .await
        .assert_redirect(&format!("/bulk/jobs/{job}"));
    assert_eq!(
        app.count("activity WHERE action = 'approval_approved'")
            .await,
        1
    );
}

#[actix_web::test]
async fn a_bulk_job_at_the_threshold_runs_and_one_above_it_can_be_rejected() {
    let app = spawn_app().await;
    set_thresholds(&app, "", "3").await;
    let seller = member(&app, "seller", Role::SalesAgent).await;
    let (rows, _) = three_rows(&app).await;
    // Three rows, a threshold of three: it runs at once.
    let job = crate::bulk::upload(&seller, &rows).await;
    crate::bulk::confirm(&seller, job).await;
    assert_eq!(crate::bulk::finished(&app, job).await, "done");

    set_thresholds(&app, "", "2").await;
    let (rows, chosen) = three_rows(&app).await;
    let job = crate::bulk::upload(&seller, &rows).await;
    crate::bulk::confirm(&seller, job).await;
    let admin = app.another_browser();
    admin.sign_in(CONTOSO).await;
    admin.get(&format!("/bulk/jobs/{job}")).await;
    admin
        .post(&format!("/bulk/jobs/{job}/reject"), &[("note", "")])
        .await
        .assert_redirect(&format!("/bulk/jobs/{job}?note=missing"));
    admin
        .get(&format!("/bulk/jobs/{job}?note=missing"))
        .await
        .assert_contains("id=\"note-error\"");
    assert_eq!(job_state(&app, job).await, "approval");
    admin
        .post(
            &format!("/bulk/jobs/{job}/reject"),
            &[("note", "Not this month")],
        )
        .await
        .assert_redirect(&format!("/bulk/jobs/{job}"));
    assert_eq!(job_state(&app, job).await, "cancelled");
    assert_eq!(
        app.count(&format!(
            "job_rows WHERE job_id = {job} AND state = 'cancelled'"
        ))
        .await,
        3
    );
    crate::bulk::assert_quantities(&app, &chosen, 0).await;
    assert_eq!(
        app.value("SELECT detail FROM activity WHERE action = 'approval_rejected'")
            .await
            .as_deref(),
        Some("seller@contoso.example · Not this month")
    );
}

#[actix_web::test]
async fn its_maker_withdraws_a_job_waiting_for_approval_and_the_log_says_so() {
    let app = spawn_app().await;
    set_thresholds(&app, "", "2").await;
    let seller = member(&app, "seller", Role::SalesAgent).await;
    let (rows, chosen) = three_rows(&app).await;
    let job = crate::bulk::upload(&seller, &rows).await;
    crate::bulk::confirm(&seller, job).await;
    assert_eq!(job_state(&app, job).await, "approval");

    seller
        .get(&format!("/bulk/jobs/{job}"))
        .await
        .assert_contains(&format!("/bulk/jobs/{job}/cancel"));
    seller
        .submit(&format!("/bulk/jobs/{job}/cancel"), &[])
        .await
        .assert_redirect(&format!("/bulk/jobs/{job}"));
    assert_eq!(job_state(&app, job).await, "cancelled");
    assert_eq!(
        app.count(&format!(
            "job_rows WHERE job_id = {job} AND state = 'cancelled'"
        ))
        .await,
        3
    );
    assert_eq!(
        app.count(&format!(
            "activity WHERE action = 'approval_withdrawn' AND job_id = {job} \
             AND user_email = 'seller@contoso.example'"
        ))
        .await,
        1
    );
    crate::bulk::assert_quantities(&app, &chosen, 0).await;
    // Nothing waits for the approvers any more.
    let admin = app.another_browser();
    admin.sign_in(CONTOSO).await;
    admin
        .get("/approvals")
        .await
        .assert_lacks(&format!("data-job=\"{job}\""));
}
