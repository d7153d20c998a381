//! Issue 32's team: a reseller and its first global admin from the command line, the Users page
//! (invite, change a role, a new password link, deactivate), the one-time links, the last
//! global admin, and a deactivated user out everywhere at once.

use crate::api_client::Api;
use crate::helpers::{
    CONTOSO, Page, TestApp, details, portal_command, second_instance, spawn_app, spawn_app_with,
};

/// The path of a link printed or shown: from `/set-password/`.
fn link_path(text: &str) -> String {
    let at = text.find("/set-password/").expect("a link");
    text[at..]
        .split(|c: char| c.is_whitespace() || c == '"')
        .next()
        .unwrap()
        .to_owned()
}

/// Sets a password through a link, as its user does.
async fn set_password(browser: &TestApp, link: &str, password: &str) -> Page {
    browser.get(link).await.assert_status(200);
    browser
        .post_exactly(link, &[("password", password), ("again", password)])
        .await
}

/// A browser that reads English.
fn en(browser: TestApp) -> TestApp {
    browser.prefer("en-US");
    browser
}

async fn user_id(app: &TestApp, email: &str) -> String {
    app.value(&format!("SELECT id FROM users WHERE email = '{email}'"))
        .await
        .unwrap_or_else(|| panic!("no user {email}"))
}

#[actix_web::test]
async fn a_new_installation_starts_from_a_reseller_and_its_first_global_admin() {
    let app = spawn_app().await;
    app.prefer("en-US");
    let out = portal_command(
        &app,
        &[
            "reseller",
            "create",
            "--id",
            "acme",
            "--name",
            "Acme 云",
            "--admin",
            "Boss@Acme.example",
        ],
    );
    assert!(out.success, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "the link alone: {}", out.stdout);
    assert!(lines[0].starts_with("http://") && lines[0].contains("/set-password/psl_"));
    assert_eq!(
        app.value("SELECT role FROM users WHERE email = 'boss@acme.example'")
            .await
            .as_deref(),
        Some("global-admin")
    );
    assert_eq!(
        app.count("relationships WHERE reseller_id = 'acme'").await,
        0
    );
    // No password yet: nobody signs in as the admin before the link is used.
    let boss = en(app.another_browser());
    boss.get("/sign-in").await;
    boss.post(
        "/sign-in",
        &[("email", "boss@acme.example"), ("password", "")],
    )
    .await
    .assert_status(401);

    let link = link_path(&out.stdout);
    set_password(&boss, &link, "short")
        .await
        .assert_status(422)
        .assert_contains("at least 8 characters");
    set_password(&boss, &link, "acme-boss-password")
        .await
        .assert_status(200)
        .assert_contains("Your password is set");
    // Once.
    boss.get(&link).await.assert_status(404);
    boss.post_exactly(
        &link,
        &[
            ("password", "another-password"),
            ("again", "another-password"),
        ],
    )
    .await
    .assert_status(404);
    boss.sign_in(("boss@acme.example", "acme-boss-password"))
        .await;
    boss.get("/users")
        .await
        .assert_status(200)
        .assert_contains("boss@acme.example")
        // The page's title is its name alone (the two-step form once sat inside it).
        .assert_contains("<title>Users · ")
        .assert_lacks("<title>Users<section");

    // The same id or address again: refused, nothing written.
    let again = portal_command(
        &app,
        &[
            "reseller",
            "create",
            "--id",
            "acme",
            "--name",
            "A",
            "--admin",
            "x@acme.example",
        ],
    );
    assert!(!again.success);
    assert!(again.stderr.contains("exists already"), "{}", again.stderr);

    // Users from the command line: the link alone, then deactivated.
    let add = portal_command(
        &app,
        &[
            "user",
            "add",
            "--reseller",
            "acme",
            "--email",
            "seller@acme.example",
            "--role",
            "sales-agent",
            "--name",
            "李娜",
        ],
    );
    assert!(add.success, "{}", add.stderr);
    assert_eq!(add.stdout.lines().count(), 1, "{}", add.stdout);
    assert_eq!(
        app.value("SELECT role || ' ' || name FROM users WHERE email = 'seller@acme.example'")
            .await
            .as_deref(),
        Some("sales-agent 李娜")
    );
    let bad = portal_command(
        &app,
        &[
            "user",
            "add",
            "--reseller",
            "acme",
            "--email",
            "o@acme.example",
            "--role",
            "owner",
        ],
    );
    assert!(
        !bad.success && bad.stderr.contains("unknown role"),
        "{}",
        bad.stderr
    );
    assert_eq!(app.count("users WHERE email = 'o@acme.example'").await, 0);
    let off = portal_command(
        &app,
        &["user", "deactivate", "--email", "seller@acme.example"],
    );
    assert!(off.success, "{}", off.stderr);
    assert_eq!(
        app.count("users WHERE email = 'seller@acme.example' AND deactivated_at IS NOT NULL")
            .await,
        1
    );
    // Its link stopped working with it.
    en(app.another_browser())
        .get(&link_path(&add.stdout))
        .await
        .assert_status(404);
    // The last global admin stays.
    let last = portal_command(
        &app,
        &["user", "deactivate", "--email", "boss@acme.example"],
    );
    assert!(!last.success, "{}", last.stdout);
    assert!(
        last.stderr.contains("last active global admin"),
        "{}",
        last.stderr
    );
}

#[actix_web::test]
async fn a_global_admin_invites_changes_roles_resets_and_deactivates() {
    let app = spawn_app_with(&[("PORTAL_CLOCK", "2026-12-01T09:00:00+08:00")]).await;
    app.prefer("en-US");
    app.sign_in(CONTOSO).await;
    app.get("/users").await.assert_status(200);
    // Bad input is said beside its field, nothing written.
    app.submit(
        "/users",
        &[
            ("email", "not an address"),
            ("name", ""),
            ("role", "sales-agent"),
        ],
    )
    .await
    .assert_status(422)
    .assert_contains("id=\"email-error\"");
    app.submit(
        "/users",
        &[("email", "sales@contoso.example"), ("role", "sales-agent")],
    )
    .await
    .assert_status(422)
    .assert_contains("exists already");
    assert_eq!(app.count("users WHERE reseller_id = 'contoso'").await, 2);

    let invited = app
        .submit(
            "/users",
            &[
                ("email", "Wang.Fang@contoso.example"),
                ("name", "王芳"),
                ("role", "billing-admin"),
            ],
        )
        .await;
    invited.assert_redirect("/users");
    let page = app.follow(&invited).await;
    page.assert_status(200)
        .assert_contains("wang.fang@contoso.example")
        .assert_contains("王芳");
    let link = link_path(&page.body);
    assert_eq!(
        page.headers.get("cache-control").unwrap(),
        "no-store",
        "a page with a link is kept by no cache"
    );
    // Shown once.
    app.get("/users").await.assert_lacks(&link);
    assert_eq!(
        app.value(
            "SELECT detail FROM activity WHERE action = 'user_invited' \
             AND user_email = 'admin@contoso.example' AND user_role = 'global-admin'"
        )
        .await
        .as_deref(),
        Some("wang.fang@contoso.example (billing-admin)")
    );

    // The link works for 7 days.
    let wang = en(app.another_browser());
    app.clock
        .set(app.clock.now() + chrono::TimeDelta::days(7) + chrono::TimeDelta::seconds(1));
    wang.get(&link)
        .await
        .assert_status(404)
        .assert_contains("expired");
    app.clock.set(app.clock.now() - chrono::TimeDelta::days(1));
    set_password(&wang, &link, "wang-fang-password")
        .await
        .assert_status(200);
    wang.sign_in(("wang.fang@contoso.example", "wang-fang-password"))
        .await;
    wang.get("/charges").await.assert_status(200);
    wang.get("/users").await.assert_status(403);

    // A new role counts from the user's next request.
    let id = user_id(&app, "wang.fang@contoso.example").await;
    app.get("/users").await;
    app.submit(&format!("/users/{id}/role"), &[("role", "helpdesk-agent")])
        .await
        .assert_redirect("/users?done=role");
    wang.get("/charges").await.assert_status(403);
    assert_eq!(
        app.count("activity WHERE action = 'user_role_changed' AND detail = 'wang.fang@contoso.example (helpdesk-agent)'")
            .await,
        1
    );

    // A new password link: the password works until the link is used; then the new one does.
    app.get("/users").await;
    let reset = app.submit(&format!("/users/{id}/reset"), &[]).await;
    let page = app.follow(&reset).await;
    let second = link_path(&page.body);
    assert_ne!(second, link);
    let other = en(app.another_browser());
    set_password(&other, &second, "a-new-password-for-wang")
        .await
        .assert_status(200);
    let old = en(app.another_browser());
    old.get("/sign-in").await;
    old.post(
        "/sign-in",
        &[
            ("email", "wang.fang@contoso.example"),
            ("password", "wang-fang-password"),
        ],
    )
    .await
    .assert_status(401);
    other
        .sign_in(("wang.fang@contoso.example", "a-new-password-for-wang"))
        .await;

    // The last active global admin can't be demoted (nor offered to deactivate themselves).
    let me = user_id(&app, "admin@contoso.example").await;
    let users = app.get("/users").await;
    users.assert_lacks(&format!("/users/{me}/deactivate"));
    app.submit(&format!("/users/{me}/role"), &[("role", "admin-agent")])
        .await
        .assert_status(409)
        .assert_contains("at least one active global admin");
    app.submit(&format!("/users/{me}/deactivate"), &[])
        .await
        .assert_status(409);
    assert_eq!(
        app.value(&format!("SELECT role FROM users WHERE id = {me}"))
            .await
            .as_deref(),
        Some("global-admin")
    );
    // Another reseller's user is no one's here.
    let northwind = user_id(&app, "admin@northwind.example").await;
    app.submit(&format!("/users/{northwind}/deactivate"), &[])
        .await
        .assert_status(404);
    assert_eq!(
        app.count("users WHERE email = 'admin@northwind.example' AND deactivated_at IS NULL")
            .await,
        1
    );
}

#[actix_web::test]
async fn a_deactivated_user_is_out_everywhere_at_once() {
    let app = spawn_app().await;
    app.prefer("en-US");
    let other = second_instance(&app).await;
    // The sales agent works on the other instance, in a browser and through a token.
    let mut sales = en(app.another_browser());
    sales.switch_to(&other);
    sales
        .sign_in(("sales@contoso.example", "contoso-demo"))
        .await;
    let d = details("c-fabrikam", "s-fabrikam-essentials");
    sales.get(&d).await.assert_status(200);
    let mut api = Api::issue(&app, "sales@contoso.example").await;
    api.base = other.base.clone();
    let path = "/v1/customers/c-fabrikam/subscriptions/s-fabrikam-essentials";
    api.get(path).await.assert_status(200);

    // The global admin deactivates them on this instance.
    app.sign_in(CONTOSO).await;
    app.get("/users").await;
    let id = user_id(&app, "sales@contoso.example").await;
    app.submit(&format!("/users/{id}/deactivate"), &[])
        .await
        .assert_redirect("/users?done=deactivated");
    app.get("/users")
        .await
        .assert_contains("Deactivated")
        .assert_lacks(&format!("/users/{id}/reset"));

    // Their next request on the other instance: out, the token too.
    sales.get(&d).await.assert_sent_to_sign_in();
    sales.get("/").await.assert_sent_to_sign_in();
    api.get(path).await.assert_error(401, 800001);
    assert_eq!(
        app.count(&format!(
            "api_tokens WHERE user_id = {id} AND revoked_at IS NULL"
        ))
        .await,
        0
    );
    // And they can't sign in again.
    let again = en(app.another_browser());
    again.get("/sign-in").await;
    again
        .post(
            "/sign-in",
            &[
                ("email", "sales@contoso.example"),
                ("password", "contoso-demo"),
            ],
        )
        .await
        .assert_status(401);
    assert_eq!(
        app.count(
            "activity WHERE action = 'user_deactivated' AND detail = 'sales@contoso.example'"
        )
        .await,
        1
    );
}

/// A small SMTP server of the test's own on a free port: answers the commands a client sends
/// for one message each connection (RFC 5321's happy path) and keeps each message's envelope
/// recipient and data.
async fn smtp_server() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = received.clone();
    actix_web::rt::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let kept = kept.clone();
            actix_web::rt::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let (mut to, mut data, mut in_data) = (String::new(), String::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            kept.lock().unwrap().push((to.clone(), data.clone()));
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split(' ').next().unwrap_or_default().to_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-test\r\n250 8BITMIME\r\n",
                        "HELO" | "MAIL" | "RSET" | "NOOP" => b"250 ok\r\n",
                        "RCPT" => {
                            to = line.clone();
                            b"250 ok\r\n"
                        }
                        "DATA" => {
                            in_data = true;
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            break;
                        }
                        _ => b"502 not here\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

#[actix_web::test]
async fn an_invitation_is_e_mailed_when_an_smtp_server_is_set() {
    let (port, received) = smtp_server().await;
    let url = format!("smtp://127.0.0.1:{port}");
    let app = spawn_app_with(&[
        ("PORTAL_SMTP_URL", &url),
        ("PORTAL_SMTP_FROM", "Portal <portal@contoso.example>"),
    ])
    .await;
    app.prefer("en-US");
    app.sign_in(CONTOSO).await;
    app.get("/users").await;
    let invited = app
        .submit(
            "/users",
            &[
                ("email", "zhao.lei@contoso.example"),
                ("role", "helpdesk-agent"),
            ],
        )
        .await;
    invited.assert_redirect("/users?done=mailed");
    let page = app.follow(&invited).await;
    page.assert_contains("also e-mailed");
    let link = link_path(&page.body);
    let mails = received.lock().unwrap().clone();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let (to, data) = &mails[0];
    assert!(to.contains("zhao.lei@contoso.example"), "{to}");
    assert!(
        data.contains("From: Portal <portal@contoso.example>"),
        "{data}"
    );
    // The link in the mail is the page's (lines may be folded in the mail's encoding).
    let unfolded = data.replace("=\n", "").replace("=3D", "=");
    assert!(unfolded.contains(&link), "{link} in {data}");

    // The SMTP server gone: the link is shown anyway, and the page says it wasn't mailed.
    let down = spawn_app_with(&[("PORTAL_SMTP_URL", "smtp://127.0.0.1:1")]).await;
    down.prefer("en-US");
    down.sign_in(CONTOSO).await;
    down.get("/users").await;
    let invited = down
        .submit(
            "/users",
            &[("email", "qian@contoso.example"), ("role", "sales-agent")],
        )
        .await;
    invited.assert_redirect("/users?done=not-mailed");
    down.follow(&invited)
        .await
        .assert_contains("could not be e-mailed")
        .assert_contains("/set-password/psl_");

    // TLS required (STARTTLS, which this server doesn't offer) or from the first byte
    // (smtps://, which it doesn't speak): nothing goes out in clear, and the page says so.
    for (url, email) in [
        (
            format!("smtp://127.0.0.1:{port}?tls=required"),
            "sun@contoso.example",
        ),
        (format!("smtps://127.0.0.1:{port}"), "zhou@contoso.example"),
    ] {
        let tls = spawn_app_with(&[("PORTAL_SMTP_URL", &url)]).await;
        tls.prefer("en-US");
        tls.sign_in(CONTOSO).await;
        tls.get("/users").await;
        tls.submit("/users", &[("email", email), ("role", "sales-agent")])
            .await
            .assert_redirect("/users?done=not-mailed");
    }
    assert_eq!(received.lock().unwrap().len(), 1);
}
