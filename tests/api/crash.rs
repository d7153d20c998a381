//! Crash consistency: the server process is killed (SIGKILL) while submits are in flight, then
//! restarted on the same database (the SQLite file, or the PostgreSQL database); every invariant
//! still holds.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::future::{join, join_all};
use sea_orm::{ConnectionTrait, Statement};

use crate::helpers::{CONTOSO, TestApp, assert_invariants, details};

/// Starts `portal serve` on a free port; returns the process and its address.
fn start(url: &str) -> (Child, String) {
    start_with(url, &[])
}

/// [`start`], with some settings of its own.
pub fn start_with(url: &str, settings: &[(&str, &str)]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portal"))
        .envs(settings.iter().copied())
        .env("PORTAL_BIND", "127.0.0.1:0")
        .env("PORTAL_DATABASE_URL", url)
        .env("PORTAL_SESSION_KEY", "k".repeat(64))
        .env("PORTAL_WORKERS", "2")
        .env("PORTAL_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(at) = line.find("http://127.0.0.1:") {
                let port: String = line[at + 17..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                let _ = tx.send(port);
            }
        }
    });
    let port = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the portal started");
    (child, format!("http://127.0.0.1:{port}"))
}

/// Every change a reseller could submit right now: a license change of each active
/// subscription, and an upgrade of each upgradable one, all at their current versions.
async fn submits(app: &TestApp) -> Vec<(String, Vec<(&'static str, String)>)> {
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT customer_id, id, version, quantity, assigned_licenses, offer_id FROM subscriptions \
             WHERE sold_by = 'contoso' AND status = 'active'"
                .to_owned(),
        ))
        .await
        .unwrap();
    let mut out = Vec::new();
    for r in rows {
        let customer: String = r.try_get("", "customer_id").unwrap();
        let id: String = r.try_get("", "id").unwrap();
        let version: i64 = r.try_get("", "version").unwrap();
        let quantity: i64 = r.try_get("", "quantity").unwrap();
        let offer: String = r.try_get("", "offer_id").unwrap();
        let d = details(&customer, &id);
        let licenses = if quantity < 300 {
            quantity + 1
        } else {
            quantity - 1
        };
        out.push((
            format!("{d}/licenses"),
            vec![
                ("licenses", licenses.to_string()),
                ("version", version.to_string()),
            ],
        ));
        if offer.starts_with("O365_BUSINESS") {
            out.push((
                format!("{d}/upgrade"),
                vec![
                    ("offer", "O365_E3".to_owned()),
                    ("licenses", (quantity / 2).max(1).to_string()),
                    ("version", version.to_string()),
                ],
            ));
        }
    }
    out
}

#[actix_web::test]
async fn killing_the_server_mid_submit_leaves_the_database_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::helpers::fresh_database(dir.path()).await;
    for (round, delay_ms) in [10u64, 60, 150, 400].into_iter().enumerate() {
        let (mut child, base) = start(&url);
        let db = portal::store::connect(&url, 2).await.unwrap();
        let app = TestApp::browser_for(base, db, url.clone());
        app.sign_in(CONTOSO).await;
        let batch = submits(&app).await;

        let requests = join_all(batch.iter().map(|(path, form)| {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let app = &app;
            async move { app.try_post(path, &form).await.map(|p| p.status.as_u16()) }
        }));
        let kill = async {
            actix_web::rt::time::sleep(Duration::from_millis(delay_ms)).await;
            child.kill().unwrap();
        };
        let (answers, ()) = join(requests, kill).await;
        child.wait().unwrap();
        let answered = answers.iter().flatten().count();
        eprintln!(
            "round {round}: killed after {delay_ms} ms; {answered} of {} submits answered",
            answers.len()
        );
        assert!(answers.iter().flatten().all(|s| *s < 500), "{answers:?}");

        // Restarted on the same file: consistent, and serving.
        let (mut again, base) = start(&url);
        let db = portal::store::connect(&url, 2).await.unwrap();
        let app = TestApp::browser_for(base, db, url.clone());
        assert_invariants(&app).await;
        let changes = app.count("activity WHERE action <> 'sign_in'").await;
        eprintln!("round {round}: {changes} changes committed in all so far");
        app.sign_in(CONTOSO).await;
        app.get(&details("c-fabrikam", "s-fabrikam-essentials"))
            .await
            .assert_status(200);
        again.kill().unwrap();
        again.wait().unwrap();
    }
}
