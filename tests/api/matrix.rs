//! The bad-input matrix: every form field of every page fed hostile values, and malformed paths.
//! Never a 500; a clear message or a 4xx page; the database unchanged.

use crate::helpers::{CONTOSO, Page, SESSIONS_IN_THE_DATABASE, details, spawn_app, spawn_app_with};

/// The hostile values, as raw (already form-encoded) bytes.
fn values() -> Vec<(&'static str, Vec<u8>)> {
    let enc = |s: &str| {
        form_urlencoded::byte_serialize(s.as_bytes())
            .collect::<String>()
            .into_bytes()
    };
    vec![
        ("empty", Vec::new()),
        ("whitespace", enc("  \t ")),
        ("negative", enc("-5")),
        ("zero", enc("0")),
        ("huge", enc("99999999999")),
        ("2^64", enc("18446744073709551616")),
        ("decimal", enc("2.5")),
        ("full-width digits", enc("１０")),
        ("markup", enc("<script>alert(1)</script>")),
        ("SQL quotes", enc("1' OR '1'='1'; --")),
        ("a megabyte", vec![b'9'; 1024 * 1024]),
        ("invalid UTF-8", b"%FF%FE%C0".to_vec()),
    ]
}

/// A form body with one field's value replaced by raw bytes.
fn body(fields: &[(&str, &str)], field: &str, raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in fields {
        if !out.is_empty() {
            out.push(b'&');
        }
        out.extend(k.as_bytes());
        out.push(b'=');
        if *k == field {
            out.extend(raw);
        } else {
            out.extend(
                form_urlencoded::byte_serialize(v.as_bytes())
                    .collect::<String>()
                    .bytes(),
            );
        }
    }
    out
}

#[track_caller]
fn assert_clear(page: &Page, what: &str) {
    let status = page.status.as_u16();
    assert!(status < 500, "{what}: {status}\n{}", page.body);
    if status >= 400 {
        assert!(
            page.body.contains("<html"),
            "{what}: {status} without a page: {}",
            page.body
        );
    }
    assert!(
        !page.body.contains("<script>alert"),
        "{what}: markup echoed unescaped"
    );
}

#[actix_web::test]
async fn every_change_form_field_refuses_every_hostile_value() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let d = details("c-fabrikam", "s-fabrikam-essentials");
    let key = "0f9a1f0e-3b52-4c1d-9d43-1c2f4e5a6b7c";
    let csrf = app.csrf();
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("{d}/licenses"),
            vec![
                ("csrf", &csrf),
                ("licenses", "30"),
                ("version", "0"),
                ("key", key),
            ],
        ),
        (
            format!("{d}/status"),
            vec![
                ("csrf", &csrf),
                ("action", "suspend"),
                ("version", "0"),
                ("key", key),
            ],
        ),
        (
            format!("{d}/upgrade"),
            vec![
                ("csrf", &csrf),
                ("offer", "O365_E3"),
                ("licenses", "30"),
                ("version", "0"),
                ("key", key),
            ],
        ),
    ];
    let before = app.snapshot().await;
    for (path, fields) in &forms {
        for (field, _) in fields {
            for (name, raw) in values() {
                // The one valid value of a field is not hostile: version 0 is the form's own.
                if *field == "version" && name == "zero" {
                    continue;
                }
                let what = format!("{path} {field}={name}");
                let page = app.post_bytes(path, body(fields, field, &raw)).await;
                assert_clear(&page, &what);
                assert!(page.status.is_client_error(), "{what}: {}", page.status);
                if *field == "csrf" && name != "a megabyte" {
                    page.assert_status(403);
                }
            }
        }
    }
    assert_eq!(app.snapshot().await, before, "nothing written");
}

#[actix_web::test]
async fn search_activity_language_and_sign_in_fields_take_anything() {
    let app = spawn_app_with(&[SESSIONS_IN_THE_DATABASE]).await;
    app.sign_in(CONTOSO).await;
    let before = app.snapshot().await;
    for (name, raw) in values() {
        let raw = String::from_utf8_lossy(&raw).into_owned();
        for path in [
            format!("/?q={raw}"),
            format!("/?page={raw}"),
            format!("/?q=fab&page={raw}"),
            format!("/?after={raw}&page=2"),
            format!("/?q=fab&before={raw}"),
            format!("/activity?page={raw}"),
            format!("/activity?customer={raw}"),
            format!("/customers/c-fabrikam/subscriptions/s-fabrikam-essentials?done={raw}"),
        ] {
            if path.len() > 64 * 1024 {
                continue; // Longer than any URL a browser sends; covered by the megabyte body.
            }
            let page = app.get(&path).await;
            assert_clear(&page, &format!("{path:.80} ({name})"));
        }
        let switch = app
            .get(&format!("/language/{raw:.100}?back={raw:.200}"))
            .await;
        assert_clear(&switch, &format!("language switch ({name})"));
        if switch.status.as_u16() == 303 {
            let to = switch.location.unwrap();
            assert!(to.starts_with('/') && !to.starts_with("//"), "{name}: {to}");
        }
    }
    assert_eq!(app.snapshot().await, before);

    // Sign-in fields, from a second browser: never a 500, never a session.
    let visitor = app.another_browser();
    visitor.get("/sign-in").await;
    for field in ["email", "password", "next"] {
        for (name, raw) in values() {
            let fields = [
                ("email", "admin@contoso.example"),
                ("password", "wrong-password"),
                ("next", "/"),
            ];
            let csrf = visitor.csrf();
            let fields = [("csrf", csrf.as_str()), fields[0], fields[1], fields[2]];
            let page = visitor
                .post_bytes("/sign-in", body(&fields, field, &raw))
                .await;
            assert_clear(&page, &format!("sign-in {field}={name}"));
            assert_ne!(page.status.as_u16(), 303, "sign-in {field}={name}");
        }
    }
    assert_eq!(
        visitor.count("sessions WHERE state LIKE '%user_id%'").await,
        1,
        "only the first browser is signed in"
    );
}

#[actix_web::test]
async fn malformed_paths_and_ids_get_a_page_never_a_crash() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let before = app.snapshot().await;
    let paths = [
        "/customers/%FF%FE/subscriptions",
        "/customers/c-fabrikam/subscriptions/%C0%AF",
        "/customers/%00/subscriptions",
        "/customers/c-fabrikam/subscriptions/s-fabrikam-essentials/%2e%2e/%2e%2e/upgrade",
        "/customers/c-fabrikam/subscriptions/s-fabrikam-essentials/upgrade/extra",
        "/customers/c-fabrikam/upgrades/-1",
        "/customers/c-fabrikam/upgrades/2147483648",
        "/customers//subscriptions",
        "/customers/c-fabrikam/subscriptions/s%20fabrikam",
        "/static/../Cargo.toml",
        "/static/%2e%2e/Cargo.toml",
        "/language/xx-YY?back=//evil.example",
        "/%3Cscript%3E",
    ];
    for path in paths {
        let page = app.get(path).await;
        assert_clear(&page, path);
        assert!(
            !page.body.contains("[workspace]"),
            "{path} served a file outside static/"
        );
        let page = app.post(path, &[("licenses", "5"), ("version", "0")]).await;
        assert_clear(&page, path);
    }
    assert_eq!(app.snapshot().await, before);
}
