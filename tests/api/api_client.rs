//! A script's view of the portal: the `/v1` API with a bearer token, over real HTTP.

use std::time::Duration;

use awc::http::{Method, StatusCode};
use portal::domain::api_token::TokenName;
use serde_json::Value;

use crate::helpers::TestApp;

/// An answer of the API as a script reads it.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: awc::http::header::HeaderMap,
    pub text: String,
}

impl Answer {
    /// The body as JSON; every answer of the API is JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        self.json()
    }

    /// A Partner Center error: the status, its code, and the body's fixed shape.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: u64) -> Value {
        let body = self.assert_status(status);
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["source"], "PortalAPI", "{body}");
        assert_eq!(body["data"], serde_json::json!([]), "{body}");
        assert!(
            body["errorName"].is_string() && body["description"].is_string(),
            "{body}"
        );
        let content_type = self.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
        body
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

/// A client holding only a token, as a script does.
pub struct Api {
    pub base: String,
    pub token: String,
    client: awc::Client,
}

impl Api {
    pub fn with_token(app: &TestApp, token: &str) -> Api {
        Api {
            base: app.base.clone(),
            token: token.to_owned(),
            client: awc::Client::builder()
                .disable_redirects()
                .timeout(Duration::from_secs(60))
                .finish(),
        }
    }

    /// A client with a fresh token of the user `email`.
    pub async fn issue(app: &TestApp, email: &str) -> Api {
        let user = portal::store::users::credentials(&app.db, email)
            .await
            .unwrap()
            .expect("a demo user");
        let (_, secret) = portal::store::api_tokens::issue(
            &app.db,
            user.user_id,
            &TokenName::parse("Test script").unwrap(),
        )
        .await
        .unwrap();
        Api::with_token(app, secret.expose())
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Answer {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if !self.token.is_empty() {
            req = req.insert_header(("authorization", format!("Bearer {}", self.token)));
        }
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        let mut res = match body {
            Some(body) => req
                .insert_header(("content-type", "application/json"))
                .send_body(body.to_owned())
                .await
                .unwrap(),
            None => req.send().await.unwrap(),
        };
        let bytes = res.body().limit(64 * 1024 * 1024).await.unwrap();
        Answer {
            status: res.status(),
            headers: res.headers().clone(),
            text: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, &[], None).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.send(Method::GET, path, headers, None).await
    }

    pub async fn patch(&self, path: &str, headers: &[(&str, &str)], body: Value) -> Answer {
        self.send(Method::PATCH, path, headers, Some(&body.to_string()))
            .await
    }

    pub async fn post(&self, path: &str, headers: &[(&str, &str)], body: Value) -> Answer {
        self.send(Method::POST, path, headers, Some(&body.to_string()))
            .await
    }
}

pub fn subscription(customer: &str, subscription: &str) -> String {
    format!("/v1/customers/{customer}/subscriptions/{subscription}")
}

pub fn upgrades(customer: &str, id: &str) -> String {
    format!("{}/upgrades", subscription(customer, id))
}
