//! Issue 32's loose ends of the team: a deactivated user reactivated (on the Users page and from
//! the command line) signs in again with their password, while the sessions and API tokens that
//! deactivation ended stay ended; and the command line's team commands write activity records,
//! with the command line as their door.

use crate::api_client::Api;
use crate::helpers::{CONTOSO, TestApp, details, portal_command, second_instance, spawn_app};

fn en(browser: TestApp) -> TestApp {
    browser.prefer("en-US");
    browser
}

async fn user_id(app: &TestApp, email: &str) -> String {
    app.value(&format!("SELECT id FROM users WHERE email = '{email}'"))
        .await
        .unwrap_or_else(|| panic!("no user {email}"))
}

const SALES: (&str, &str) = ("sales@contoso.example", "contoso-demo");

#[actix_web::test]
async fn a_reactivated_user_signs_in_again_but_what_deactivation_ended_stays_ended() {
    let app = spawn_app().await;
    app.prefer("en-US");
    let other = second_instance(&app).await;
    // The sales agent has a session on the other instance, and a token.
    let mut sales = en(app.another_browser());
    sales.switch_to(&other);
    sales.sign_in(SALES).await;
    let d = details("c-fabrikam", "s-fabrikam-essentials");
    sales.get(&d).await.assert_status(200);
    let api = Api::issue(&app, SALES.0).await;
    let path = "/v1/customers/c-fabrikam/subscriptions/s-fabrikam-essentials";
    api.get(path).await.assert_status(200);

    // Deactivated, and reactivated before the session or the token is used again.
    app.sign_in(CONTOSO).await;
    app.get("/users").await;
    let id = user_id(&app, SALES.0).await;
    app.submit(&format!("/users/{id}/deactivate"), &[])
        .await
        .assert_redirect("/users?done=deactivated");
    let users = app.get("/users").await;
    users
        .assert_contains(&format!("action=\"/users/{id}/reactivate\""))
        .assert_contains("Their sessions and API tokens ended at deactivation stay ended");
    app.submit(&format!("/users/{id}/reactivate"), &[])
        .await
        .assert_redirect("/users?done=reactivated");
    app.get("/users?done=reactivated")
        .await
        .assert_contains("can sign in again with their password")
        .assert_lacks(&format!("action=\"/users/{id}/reactivate\""));
    assert_eq!(
        app.count(&format!("users WHERE id = {id} AND deactivated_at IS NULL"))
            .await,
        1
    );

    // The session that deactivation ended stays ended, on every instance; the token too.
    sales.get(&d).await.assert_sent_to_sign_in();
    api.get(path).await.assert_error(401, 800001);
    assert_eq!(
        app.count(&format!(
            "api_tokens WHERE user_id = {id} AND revoked_at IS NULL"
        ))
        .await,
        0
    );
    // A new sign-in with the password works, on either instance.
    let again = en(other.another_browser());
    again.sign_in(SALES).await;
    again.get(&d).await.assert_status(200);
    // Reactivating an active user again does nothing, and logs nothing.
    app.submit(&format!("/users/{id}/reactivate"), &[])
        .await
        .assert_redirect("/users");
    assert_eq!(
        app.count(
            "activity WHERE action = 'user_reactivated' AND detail = 'sales@contoso.example' \
             AND user_email = 'admin@contoso.example' AND user_role = 'global-admin'"
        )
        .await,
        1
    );
    // Another reseller's user is no user to reactivate here.
    let northwind = app
        .value("SELECT id FROM users WHERE reseller_id <> 'contoso' LIMIT 1")
        .await
        .unwrap();
    app.submit(&format!("/users/{northwind}/reactivate"), &[])
        .await
        .assert_status(404);
}

#[actix_web::test]
async fn the_command_lines_team_commands_write_activity_records_through_the_command_line() {
    let app = spawn_app().await;
    app.prefer("en-US");
    let run = |args: &[&str]| {
        let out = portal_command(&app, args);
        assert!(out.success, "{args:?}: {}", out.stderr);
        out
    };
    run(&[
        "user",
        "add",
        "--reseller",
        "contoso",
        "--email",
        "helpdesk@contoso.example",
        "--role",
        "helpdesk-agent",
    ]);
    let before = en(app.another_browser());
    before.sign_in(SALES).await;
    before.get("/").await.assert_status(200);
    run(&["user", "deactivate", "--email", SALES.0]);
    let out = run(&["user", "reactivate", "--email", SALES.0]);
    assert!(
        out.stdout.contains("reactivated sales@contoso.example"),
        "{}",
        out.stdout
    );
    let again = run(&["user", "reactivate", "--email", SALES.0]);
    assert!(again.stdout.contains("active already"), "{}", again.stdout);
    let unknown = portal_command(&app, &["user", "reactivate", "--email", "no@one.example"]);
    assert!(!unknown.success && unknown.stderr.contains("no user"));
    run(&[
        "reseller",
        "create",
        "--id",
        "acme",
        "--name",
        "Acme",
        "--admin",
        "boss@acme.example",
    ]);
    for record in [
        "user_invited helpdesk@contoso.example (helpdesk-agent) contoso",
        "user_deactivated sales@contoso.example contoso",
        "user_reactivated sales@contoso.example contoso",
        "user_invited boss@acme.example (global-admin) acme",
    ] {
        assert_eq!(
            app.count(&format!(
                "activity WHERE door = 'command_line' AND user_email = '' AND user_role IS NULL \
                 AND action || ' ' || detail || ' ' || reseller_id = '{record}'"
            ))
            .await,
            1,
            "{record}"
        );
    }
    assert_eq!(app.count("activity WHERE door = 'command_line'").await, 4);
    // The session of before the deactivation stays ended after the reactivation.
    before.get("/").await.assert_sent_to_sign_in();
    // The Activity page names the door, and no user; the password signs in again.
    let sales = en(app.another_browser());
    sales.sign_in(SALES).await;
    sales.get("/").await.assert_status(200);
    app.sign_in(CONTOSO).await;
    app.get("/activity")
        .await
        .assert_status(200)
        .assert_contains("through the command line")
        .assert_contains("No one signed in")
        .assert_contains("User reactivated");
}
