//! The access control matrix: every route, walked with no session, with a user of another
//! reseller, and with the right user.

use crate::helpers::{CONTOSO, NORTHWIND, TestApp, assert_invariants, details, spawn_app};

const FAB: &str = "c-fabrikam";
const SUB: &str = "s-fabrikam-essentials";

/// A request of the matrix: the path, and the form for a POST.
struct Route {
    path: String,
    form: Option<Vec<(&'static str, &'static str)>>,
    /// What the right user gets.
    ok: u16,
}

/// Routes every signed-in user has, each for their own reseller's data.
fn everyones(path: &str) -> bool {
    path == "/"
        || path.starts_with("/?")
        || path == "/activity"
        || path.starts_with("/activity/export.csv")
        || path.starts_with("/customers/export/")
        || path == "/bulk"
        || path == "/bulk/selection"
        || path == "/bulk/template.csv"
}

fn routes(upgrade_result: &str, job: i32, review: &str) -> Vec<Route> {
    let d = details(FAB, SUB);
    let get = |path: String| Route {
        path,
        form: None,
        ok: 200,
    };
    vec![
        get("/".into()),
        get("/?q=fab&page=1".into()),
        get("/activity".into()),
        get(format!("/activity?customer={FAB}")),
        get(format!("/customers/{FAB}/subscriptions")),
        get(format!("/customers/{FAB}/delegated-admin")),
        get(d.clone()),
        get(review.to_owned()),
        get(format!("{d}/upgrade")),
        get(upgrade_result.to_owned()),
        get("/activity/export.csv".into()),
        get("/customers/export/customers.csv?q=fab".into()),
        get("/customers/export/subscriptions.csv".into()),
        get("/bulk".into()),
        get(format!("/bulk/jobs/{job}")),
        get(format!("/bulk/jobs/{job}/progress")),
        get(format!("/bulk/jobs/{job}/results.csv")),
        get(format!("/bulk/jobs/{job}/review.csv")),
        get("/bulk/template.csv".into()),
        Route {
            path: "/bulk/selection".into(),
            form: Some(vec![("action", "suspend"), ("status", "active")]),
            ok: 303,
        },
        Route {
            path: format!("/bulk/jobs/{job}/cancel"),
            form: Some(vec![]),
            ok: 303,
        },
        Route {
            path: format!("{d}/licenses"),
            form: Some(vec![("licenses", "30"), ("version", "0")]),
            ok: 303,
        },
        Route {
            path: format!("{d}/status"),
            form: Some(vec![("action", "suspend"), ("version", "1")]),
            ok: 303,
        },
        Route {
            path: format!("{d}/status"),
            form: Some(vec![("action", "reactivate"), ("version", "2")]),
            ok: 303,
        },
        Route {
            path: format!("{d}/upgrade"),
            form: Some(vec![
                ("offer", "O365_E3"),
                ("licenses", "30"),
                ("version", "3"),
            ]),
            ok: 303,
        },
    ]
}

async fn send(app: &TestApp, route: &Route) -> crate::helpers::Page {
    match &route.form {
        None => app.get(&route.path).await,
        Some(form) => app.post(&route.path, form).await,
    }
}

#[actix_web::test]
async fn every_route_with_no_session_another_reseller_and_the_right_user() {
    let app = spawn_app().await;
    // An upgrade result page to walk: Contoso upgrades Litware's subscription.
    app.sign_in(CONTOSO).await;
    let done = app
        .post(
            &format!("{}/upgrade", details("c-litware", "s-litware-premium")),
            &[("offer", "O365_E3"), ("licenses", "60"), ("version", "0")],
        )
        .await;
    let result = done.location.clone().unwrap();
    // A bulk change in review to walk: Contoso's.
    app.get("/bulk").await;
    let review = app
        .submit(
            "/bulk/selection",
            &[("action", "suspend"), ("status", "active")],
        )
        .await;
    let job: i32 = review.location.as_deref().unwrap()["/bulk/jobs/".len()..]
        .parse()
        .unwrap();
    // A review at its own address to walk: Contoso's license change, not confirmed.
    let version = app.get(&details(FAB, SUB)).await.hidden("version");
    let held = app
        .submit(
            &format!("{}/licenses", details(FAB, SUB)),
            &[("licenses", "29"), ("version", &version)],
        )
        .await;
    let routes = routes(&result, job, &held.confirm_action());

    // (a) No session: every route sends the browser to sign in, and nothing changes.
    let anonymous = app.another_browser();
    let before = app.snapshot().await;
    for route in &routes {
        send(&anonymous, route).await.assert_sent_to_sign_in();
    }
    assert_eq!(app.snapshot().await, before);

    // (b) Another reseller's user: every route answers 404, and nothing changes.
    let northwind = app.another_browser();
    northwind.sign_in(NORTHWIND).await;
    let before = app.snapshot().await;
    for route in routes.iter().filter(|r| !everyones(&r.path)) {
        let page = send(&northwind, route).await;
        assert_eq!(page.status.as_u16(), 404, "{}", route.path);
        page.assert_contains("找不到此页面");
    }
    assert_eq!(app.snapshot().await, before);

    // (c) The right user: every route works.
    for route in &routes {
        let page = send(&app, route).await;
        assert_eq!(
            page.status.as_u16(),
            route.ok,
            "{}: {}",
            route.path,
            page.body
        );
    }
    assert_invariants(&app).await;
}
