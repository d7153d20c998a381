//! Several portal instances on one database, as behind a load balancer: sessions are shared,
//! and concurrent submits across instances still make exactly one change.

use futures_util::future::join_all;

use crate::helpers::{
    CONTOSO, assert_invariants, details, second_instance, second_instance_with, spawn_app,
};

#[actix_web::test]
async fn a_user_signs_in_on_one_instance_and_carries_on_on_the_other() {
    let mut app = spawn_app().await;
    let other = second_instance(&app).await;
    app.sign_in(CONTOSO).await;

    app.switch_to(&other);
    let page = app
        .get(&details("c-fabrikam", "s-fabrikam-essentials"))
        .await;
    page.assert_status(200).assert_contains("立即升级");
    // A form shown by one instance is accepted by the other (the same session, the same token).
    let version = page.hidden("version");
    app.post(
        &format!(
            "{}/licenses",
            details("c-fabrikam", "s-fabrikam-essentials")
        ),
        &[("licenses", "30"), ("version", &version)],
    )
    .await
    .assert_status(303);
    // Signing out ends the session at once on the instance it was done on (the other follows
    // within its cache window: see below).
    app.sign_out().await;
    let page = app.get("/").await;
    assert_eq!(page.status.as_u16(), 303);
}

#[actix_web::test]
async fn a_session_ended_on_one_instance_ends_on_the_other_within_its_cache_window() {
    let app = spawn_app().await;
    let other = second_instance_with(&app, &[("PORTAL_SESSION_CACHE_SECONDS", "1")]).await;
    app.sign_in(CONTOSO).await;
    let mut twin = app.another_browser();
    twin.set_cookies(app.cookies());
    twin.switch_to(&other);
    // The other instance now holds the session in its cache.
    twin.get("/").await.assert_status(200);

    app.sign_out().await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1200)).await;
    twin.get("/").await.assert_sent_to_sign_in();
}

#[actix_web::test]
async fn fifty_upgrades_split_across_two_instances_make_exactly_one() {
    let app = spawn_app().await;
    let other = second_instance(&app).await;
    app.sign_in(CONTOSO).await;
    let mut twin = app.another_browser();
    twin.set_cookies(app.cookies());
    twin.switch_to(&other);
    twin.get("/").await.assert_status(200);
    let path = format!("{}/upgrade", details("c-fabrikam", "s-fabrikam-essentials"));

    let pages = join_all((0..50).map(|i| {
        let browser = if i % 2 == 0 { &app } else { &twin };
        let path = path.clone();
        async move {
            browser
                .post(
                    &path,
                    &[("offer", "O365_E3"), ("licenses", "25"), ("version", "0")],
                )
                .await
        }
    }))
    .await;

    let made = pages.iter().filter(|p| p.status.as_u16() == 303).count();
    assert_eq!(made, 1, "exactly one upgrade");
    for page in pages.iter().filter(|p| p.status.as_u16() != 303) {
        page.assert_status(409)
            .assert_contains("data-code=\"concurrency_conflicts\"");
    }
    assert_eq!(app.count("upgrades").await, 1);
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn two_instances_starting_at_once_on_an_empty_database_both_start() {
    use migration::MigratorTrait as _;
    use sea_orm::ConnectionTrait as _;
    let dir = tempfile::tempdir().unwrap();
    let url = crate::helpers::fresh_database(dir.path()).await;
    let real = [("PORTAL_DEMO_DATA", "false")];
    let (a, b) = futures_util::future::join(
        crate::helpers::build_on(&url, &real),
        crate::helpers::build_on(&url, &real),
    )
    .await;
    let (a, b) = (a.unwrap(), b.unwrap());
    // One schema, migrated once.
    let migrations = a
        .db()
        .query_one_raw(sea_orm::Statement::from_string(
            a.db().get_database_backend(),
            "SELECT COUNT(*) AS n FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(migrations as usize, migration::Migrator::migrations().len());
    drop(b);
}
