//! Approvals through the API: 202 with the request's location above the threshold, made at once
//! below it.

use portal::domain::Role;

use super::{FAB, SUB, member, quantity, set_thresholds, state};
use crate::helpers::{CONTOSO, spawn_app};
use crate::roles::add_user;

#[actix_web::test]
async fn through_the_api_a_change_above_the_threshold_answers_202_with_its_location() {
    use crate::api_client::{Api, subscription, upgrades};
    use serde_json::json;
    let app = spawn_app().await;
    set_thresholds(&app, "0", "").await;
    let seller = member(&app, "seller", Role::SalesAgent).await;
    let api = Api::issue(&app, "seller@contoso.example").await;
    let events = app.count("events").await;

    let held = api
        .patch(&subscription(FAB, SUB), &[], json!({ "quantity": 40 }))
        .await;

    let body = held.assert_status(202);
    let location = held.header("location").unwrap();
    assert_eq!(body["links"]["self"]["uri"], location.as_str());
    assert_eq!(body["status"], "pending");
    assert_eq!(body["requestedBy"], "seller@contoso.example");
    assert_eq!(quantity(&app).await, "25");
    assert_eq!(app.count("events").await, events);
    let id = location.strip_prefix("/v1/approvals/").unwrap().to_owned();
    assert_eq!(body["id"], id.as_str());
    assert_eq!(
        id.len(),
        32,
        "the held draft's public id, never the row's number"
    );
    assert_eq!(state(&app, &id).await, "pending");
    assert_eq!(
        api.get(&location).await.assert_status(200)["status"],
        "pending"
    );
    // The requester sees it among their requests on the pages too.
    seller
        .get("/approvals")
        .await
        .assert_contains(&format!("data-approval=\"{id}\" data-state=\"pending\""));

    // An approver approves it on the page: the edit is made once, in their name.
    let admin = app.another_browser();
    admin.sign_in(CONTOSO).await;
    admin
        .get(&format!("/approvals/{id}"))
        .await
        .assert_status(200)
        .assert_contains("data-decide=\"approve\"");
    admin
        .post(&format!("/approvals/{id}/approve"), &[])
        .await
        .assert_redirect(&format!("/approvals/{id}"));
    assert_eq!(quantity(&app).await, "40");
    let read = api.get(&location).await.assert_status(200);
    assert_eq!(read["status"], "approved");
    assert_eq!(read["decidedBy"], "admin@contoso.example");

    // Another's request is no request to a helpdesk agent's token; an unknown one is a 404.
    add_user(&app, "helpdesk@contoso.example", Role::HelpdeskAgent).await;
    let helpdesk = Api::issue(&app, "helpdesk@contoso.example").await;
    helpdesk.get(&location).await.assert_error(404, 20003);
    api.get("/v1/approvals/999999")
        .await
        .assert_error(404, 20003);
    api.get("/v1/approvals/x").await.assert_error(404, 20003);

    // An upgrade's new subscription is free for the rest of the period: its cost this period is
    // a credit, and it is made at once…
    let made = api
        .post(
            &upgrades(FAB, SUB),
            &[],
            json!({ "targetOffer": { "id": "O365_E3" } }),
        )
        .await;
    made.assert_status(200);
    // …unless the review can't work its cost out (here Litware's): then it is held.
    let upgrade = api
        .post(
            &upgrades("c-litware", "s-litware-premium"),
            &[],
            json!({ "targetOffer": { "id": "O365_E3" } }),
        )
        .await;
    let body = upgrade.assert_status(202);
    assert_eq!(body["status"], "pending");
    assert!(body.get("cost").is_none(), "{body}");
    assert_eq!(
        app.count("subscriptions WHERE customer_id = 'c-litware' AND offer_id = 'O365_E3'")
            .await,
        0
    );
}

#[actix_web::test]
async fn through_the_api_below_the_threshold_the_change_is_made_at_once() {
    use crate::api_client::{Api, subscription};
    use serde_json::json;
    let app = spawn_app().await;
    set_thresholds(&app, "100000", "").await;
    let api = Api::issue(&app, CONTOSO.0).await;

    api.patch(&subscription(FAB, SUB), &[], json!({ "quantity": 26 }))
        .await
        .assert_status(200);

    assert_eq!(quantity(&app).await, "26");
    assert_eq!(app.count("drafts").await, 0);
}

#[actix_web::test]
async fn through_the_api_the_same_request_again_is_the_same_request_for_approval() {
    use crate::api_client::{Api, subscription};
    use serde_json::json;
    let app = spawn_app().await;
    set_thresholds(&app, "0", "").await;
    member(&app, "seller", Role::SalesAgent).await;
    let api = Api::issue(&app, "seller@contoso.example").await;
    let request = [("MS-RequestId", "0f8fad5b-d9cb-469f-a165-70867728950e")];
    let path = subscription(FAB, SUB);

    let first = api.patch(&path, &request, json!({ "quantity": 40 })).await;
    first.assert_status(202);
    let location = first.header("location").unwrap();
    // A retry (the answer was lost): the same request, not a second one.
    let again = api.patch(&path, &request, json!({ "quantity": 40 })).await;
    let body = again.assert_status(202);
    assert_eq!(again.header("location").unwrap(), location);
    assert_eq!(body["status"], "pending");
    assert_eq!(app.count("drafts").await, 1);
    assert_eq!(
        app.count("activity WHERE action = 'approval_requested'")
            .await,
        1
    );
    // Another request id is another request.
    let other = [("MS-RequestId", "7c9e6679-7425-40de-944b-e07fc1f90ae7")];
    let second = api.patch(&path, &other, json!({ "quantity": 41 })).await;
    second.assert_status(202);
    assert_ne!(second.header("location").unwrap(), location);
    assert_eq!(app.count("drafts").await, 2);
    assert_eq!(quantity(&app).await, "25");
}
