//! Running it for real: the readiness probe, and backing up the SQLite database while the portal
//! runs.

use sea_orm::{ConnectionTrait, Database, Statement};

use crate::helpers::{CONTOSO, is_postgres, portal_command, spawn_app};

#[actix_web::test]
async fn ready_says_the_database_and_the_sessions_answer() {
    let app = spawn_app().await;
    let page = app.get("/ready").await;
    page.assert_status(200);
    assert!(
        page.body.contains("database: ok") && page.body.contains("sessions: ok"),
        "{}",
        page.body
    );
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
}

#[actix_web::test]
async fn a_backup_taken_while_the_portal_runs_opens_with_everything_in_it() {
    let app = spawn_app().await;
    if is_postgres(&app.db) {
        // PostgreSQL is backed up with pg_dump; the command says so.
        let out = portal_command(&app, &["backup", "/tmp/never.sqlite"]);
        assert!(!out.success && out.stderr.contains("pg_dump"), "{out:?}");
        return;
    }
    app.sign_in(CONTOSO).await;
    let file = app.dir.path().join("backup.sqlite");
    let path = file.to_string_lossy().into_owned();
    let out = portal_command(&app, &["backup", &path]);
    assert!(out.success, "{out:?}");
    // The copy is a whole database: the same customers, subscriptions and activity.
    let copy = Database::connect(format!("sqlite://{path}?mode=ro"))
        .await
        .unwrap();
    for table in [
        "customers",
        "subscriptions",
        "activity",
        "resellers",
        "users",
        "prices",
    ] {
        let count = |db: &sea_orm::DatabaseConnection| {
            let sql = format!("SELECT COUNT(*) AS n FROM {table}");
            let db = db.clone();
            async move {
                db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                    .await
                    .unwrap()
                    .unwrap()
                    .try_get::<i64>("", "n")
                    .unwrap()
            }
        };
        assert_eq!(count(&copy).await, count(&app.db).await, "{table}");
    }
    let check = copy
        .query_one_raw(Statement::from_string(
            copy.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<String>(0)
        .unwrap();
    assert_eq!(check, "ok");
    // An existing file is never overwritten.
    let again = portal_command(&app, &["backup", &path]);
    assert!(
        !again.success && again.stderr.contains("exists"),
        "{again:?}"
    );
}
