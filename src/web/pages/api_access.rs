//! API access (API 访问): the signed-in user's API tokens (issue one, shown once; revoke), a
//! quick start, and the API's reference, rendered from its OpenAPI document inside the portal.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde_json::Value;

use super::layout::Layout;
use crate::config::{PublicUrl, TrustedProxies};
use crate::domain::api_token::TokenName;
use crate::store::api_tokens::TokenInfo;
use crate::store::{self, Db};
use crate::web::api::auth::ApiTokens;
use crate::web::middleware::client;
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::{render, see_other};

/// The session key of a token just issued: shown on the next page, once.
const NEW_TOKEN: &str = "new_api_token";

#[derive(Template)]
#[template(path = "api/access.html")]
pub struct AccessPage {
    l: Locale,
    layout: Layout,
    tokens: Vec<TokenInfo>,
    /// A token issued just now: its name and secret, shown this once.
    issued: Option<(String, String)>,
    /// The name of the token just revoked.
    revoked: Option<String>,
    name_value: String,
    name_error: Option<String>,
    /// The portal's address as the browser reached it, for the quick start
    /// ([`super::client::base_url`]).
    base: String,
}

impl AccessPage {
    /// The first calls of a script, against this portal: commands, not words to translate.
    fn quick_start(&self) -> String {
        let base = &self.base;
        format!(
            "TOKEN=pcp_…\n\
             curl -H \"Authorization: Bearer $TOKEN\" \"{base}/v1/customers?size=20\"\n\
             curl -H \"Authorization: Bearer $TOKEN\" \\\n  \
             {base}/v1/customers/CUSTOMER-ID/subscriptions/SUBSCRIPTION-ID/upgrades"
        )
    }
}

fn page(l: Locale, req: &HttpRequest, user: &SignedIn, tokens: Vec<TokenInfo>) -> AccessPage {
    let mut layout = user.layout(l, req.path()).in_section("api");
    layout.crumbs.clear();
    let base = client::base_url(
        req,
        req.app_data::<web::Data<PublicUrl>>().map(|u| u.get_ref()),
        req.app_data::<web::Data<TrustedProxies>>()
            .map(|t| t.get_ref()),
        crate::web::https(req),
    );
    AccessPage {
        l,
        layout: layout.crumb(l.t("api-title"), None),
        tokens,
        issued: None,
        revoked: None,
        name_value: String::new(),
        name_error: None,
        base,
    }
}

#[derive(serde::Deserialize)]
pub struct AccessQuery {
    done: Option<String>,
    /// The token the page reports on.
    token: Option<String>,
}

/// The API access page.
pub async fn show(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    session: Session,
    db: web::Data<Db>,
    query: web::Query<AccessQuery>,
) -> Result<HttpResponse, PageError> {
    let tokens = store::api_tokens::of_user(&db, user.account.user_id).await?;
    let mut page = page(l, &req, &user, tokens);
    page.issued = session
        .remove_as::<(String, String)>(NEW_TOKEN)
        .and_then(Result::ok);
    if query.done.as_deref() == Some("revoked") {
        let id = query.token.as_deref().and_then(|t| t.parse::<i32>().ok());
        // Named when it is one of this user's tokens; otherwise said without a name.
        page.revoked = Some(
            page.tokens
                .iter()
                .find(|t| Some(t.id) == id)
                .map(|t| l.t1("api-revoked-named", "name", &t.name))
                .unwrap_or_else(|| l.t("api-revoked")),
        );
    }
    let mut response = render(StatusCode::OK, &page)?;
    // The page may show a secret: no cache keeps it.
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

#[derive(serde::Deserialize)]
pub struct IssueForm {
    name: String,
}

/// Issues a token to the signed-in user; the next page shows it once.
pub async fn issue(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    session: Session,
    db: web::Data<Db>,
    form: web::Form<IssueForm>,
) -> Result<HttpResponse, PageError> {
    let name = match TokenName::parse(&form.name) {
        Ok(name) => name,
        Err(e) => {
            let tokens = store::api_tokens::of_user(&db, user.account.user_id).await?;
            let mut page = page(l, &req, &user, tokens);
            page.name_value = form.name.chars().take(200).collect();
            page.name_error = Some(l.t(match e {
                crate::domain::edit::FriendlyNameError::Empty => "api-name-error-empty",
                crate::domain::edit::FriendlyNameError::TooLong => "api-name-error-long",
                crate::domain::edit::FriendlyNameError::ControlCharacter => {
                    "api-name-error-control"
                }
                crate::domain::edit::FriendlyNameError::DirectionControl(_) => {
                    "api-name-error-direction"
                }
            }));
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let (_, secret) = store::api_tokens::issue(&db, user.account.user_id, &name).await?;
    session
        .insert(NEW_TOKEN, (name.as_str(), secret.expose()))
        .map_err(|e| PageError::Internal(anyhow::anyhow!("session: {e}")))?;
    Ok(see_other("/api-access".to_owned()))
}

#[derive(Template)]
#[template(path = "api/revoke.html")]
pub struct RevokePage {
    l: Locale,
    layout: Layout,
    token: TokenInfo,
}

// issue 30
// permission: tokens
/// Asks before revoking one of the signed-in user's live tokens (a page of its own, so that it
/// asks without script too); a revoked or unknown token is no such page.
pub async fn confirm_revoke(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id: i32 = path.parse().map_err(|_| PageError::NotFound)?;
    let token = store::api_tokens::of_user(&db, user.account.user_id)
        .await?
        .into_iter()
        .find(|t| t.id == id && t.revoked_at.is_none())
        .ok_or(PageError::NotFound)?;
    let mut layout = user.layout(l, req.path()).in_section("api");
    layout.crumbs.clear();
    let layout = layout
        .crumb(l.t("api-title"), Some("/api-access".to_owned()))
        .crumb(l.t("api-revoke"), None);
    render(StatusCode::OK, &RevokePage { l, layout, token })
}

/// Revokes one of the signed-in user's tokens: it stops working at once on this instance.
pub async fn revoke(
    user: SignedIn,
    db: web::Data<Db>,
    tokens: web::Data<ApiTokens>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id: i32 = path.parse().map_err(|_| PageError::NotFound)?;
    if !store::api_tokens::revoke(&db, user.account.user_id, id).await? {
        return Err(PageError::NotFound);
    }
    tokens.forget(id);
    Ok(see_other(format!("/api-access?done=revoked&token={id}")))
}

/// One operation of the API, as the reference shows it.
pub struct OperationDoc {
    pub method: String,
    pub path: String,
    pub anchor: String,
    pub summary: String,
    pub description: String,
    pub parameters: Vec<FieldDoc>,
    pub body: Option<String>,
    pub responses: Vec<(String, String, String)>,
}

impl OperationDoc {
    /// The path as HTML that may break only after a `/` (`<wbr>`), never inside a name.
    pub fn path_breaks(&self) -> String {
        let escaped = askama::filters::escape(&self.path, askama::filters::Html)
            .map(|e| e.to_string())
            .unwrap_or_default();
        escaped.replace('/', "/<wbr>")
    }
}

/// A parameter or a field of a schema.
pub struct FieldDoc {
    pub name: String,
    pub place: String,
    pub ty: String,
    pub required: bool,
    pub description: String,
}

/// A schema of the API.
pub struct SchemaDoc {
    pub name: String,
    pub description: String,
    pub fields: Vec<FieldDoc>,
}

#[derive(Template, WebTemplate)]
#[template(path = "api/reference.html")]
pub struct ReferencePage {
    l: Locale,
    layout: Layout,
    title: String,
    description: String,
    operations: Vec<OperationDoc>,
    schemas: Vec<SchemaDoc>,
}

/// The OpenAPI document's descriptions use Markdown's `code` and **strong**: turned into HTML
/// here, everything else escaped.
pub fn inline_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut code = false;
    let mut strong = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' => {
                out.push_str(if code { "</code>" } else { "<code>" });
                code = !code;
            }
            '*' if !code && chars.peek() == Some(&'*') => {
                chars.next();
                out.push_str(if strong { "</strong>" } else { "<strong>" });
                strong = !strong;
            }
            // A long identifier may break after its underscores, never inside a word.
            '_' if code => out.push_str("_<wbr>"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    if code {
        out.push_str("</code>");
    }
    if strong {
        out.push_str("</strong>");
    }
    out
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A schema's type in a few words: `string`, `integer | null`, `Link`, `array of Customer`.
fn type_name(v: &Value) -> String {
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = v.get(key).and_then(Value::as_array) {
            return list.iter().map(type_name).collect::<Vec<_>>().join(" | ");
        }
    }
    if let Some(values) = v.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(" | ");
    }
    let ty = match v.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "object".to_owned(),
    };
    match v.get("items") {
        Some(items) => ty.replace("array", &format!("array of {}", type_name(items))),
        None => ty,
    }
}

fn content_schema(v: &Value) -> Option<String> {
    let content = v.get("content")?.as_object()?;
    let (_, media) = content.iter().next()?;
    Some(type_name(media.get("schema")?))
}

/// The reference, read from the OpenAPI document the API serves.
pub fn reference(document: &Value) -> (Vec<OperationDoc>, Vec<SchemaDoc>) {
    let mut operations = Vec::new();
    if let Some(paths) = document.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let parameters = op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .map(|ps| {
                        ps.iter()
                            .map(|p| FieldDoc {
                                name: text(p, "name"),
                                place: text(p, "in"),
                                ty: p.get("schema").map(type_name).unwrap_or_default(),
                                required: p.get("required").and_then(Value::as_bool) == Some(true),
                                description: text(p, "description"),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let responses = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .map(|rs| {
                        rs.iter()
                            .map(|(status, r)| {
                                (
                                    status.clone(),
                                    text(r, "description"),
                                    content_schema(r).unwrap_or_default(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let method = method.to_uppercase();
                operations.push(OperationDoc {
                    anchor: format!(
                        "{}-{}",
                        method.to_lowercase(),
                        path.replace(['/', '{', '}'], "-").trim_matches('-')
                    ),
                    path: path.clone(),
                    summary: text(op, "summary"),
                    description: text(op, "description"),
                    parameters,
                    body: op.get("requestBody").and_then(content_schema),
                    responses,
                    method,
                });
            }
        }
    }
    let mut schemas = Vec::new();
    if let Some(all) = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in all {
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let fields: Vec<FieldDoc> = schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|props| {
                    props
                        .iter()
                        .map(|(field, p)| FieldDoc {
                            name: field.clone(),
                            place: String::new(),
                            ty: type_name(p),
                            required: required.contains(&field.as_str()),
                            description: text(p, "description"),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let description = match (text(schema, "description"), fields.is_empty()) {
                (d, false) => d,
                (d, true) if d.is_empty() => type_name(schema),
                (d, true) => format!("{d} ({})", type_name(schema)),
            };
            schemas.push(SchemaDoc {
                name: name.clone(),
                description,
                fields,
            });
        }
    }
    (operations, schemas)
}

/// The API's reference, in the portal's frame.
pub async fn reference_page(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
) -> Result<ReferencePage, PageError> {
    let document: Value = serde_json::from_str(crate::web::api::openapi::json())
        .map_err(|e| PageError::Internal(e.into()))?;
    let (mut operations, schemas) = reference(&document);
    // The operations' prose in the page's language (names stay as the wire has them).
    let say = |text: &str| match l {
        Locale::ZhCn => super::api_reference_zh::zh(text),
        Locale::EnUs => text.to_owned(),
    };
    for op in &mut operations {
        op.summary = say(&op.summary);
        op.description = say(&op.description);
        for p in &mut op.parameters {
            p.description = say(&p.description);
            p.place = say(&p.place);
        }
        for (_, description, _) in &mut op.responses {
            *description = say(description);
        }
    }
    let mut layout = user.layout(l, req.path()).in_section("api");
    layout.crumbs.clear();
    let layout = layout
        .crumb(l.t("api-title"), Some("/api-access".to_owned()))
        .crumb(l.t("api-reference"), None);
    Ok(ReferencePage {
        l,
        layout,
        title: say(document
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or_default()),
        description: say(document
            .pointer("/info/description")
            .and_then(Value::as_str)
            .unwrap_or_default()),
        operations,
        schemas,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_keep_their_code_and_escape_the_rest() {
        assert_eq!(
            inline_markdown("Send `If-Match` <b>&</b> the **source**"),
            "Send <code>If-Match</code> &lt;b&gt;&amp;&lt;/b&gt; the <strong>source</strong>"
        );
        assert_eq!(inline_markdown("`open"), "<code>open</code>");
        assert_eq!(inline_markdown("a * b"), "a * b");
        assert_eq!(
            inline_markdown("`not_reseller_of_record` or a_b"),
            "<code>not_<wbr>reseller_<wbr>of_<wbr>record</code> or a_b"
        );
    }

    #[test]
    fn types_read_in_a_few_words() {
        let t = |v: Value| type_name(&v);
        assert_eq!(t(serde_json::json!({"type": "string"})), "string");
        assert_eq!(
            t(serde_json::json!({"type": ["integer", "null"]})),
            "integer | null"
        );
        assert_eq!(
            t(serde_json::json!({"$ref": "#/components/schemas/Link"})),
            "Link"
        );
        assert_eq!(
            t(
                serde_json::json!({"type": "array", "items": {"$ref": "#/components/schemas/Customer"}})
            ),
            "array of Customer"
        );
        assert_eq!(
            t(serde_json::json!({"type": "string", "enum": ["active", "suspended"]})),
            "active | suspended"
        );
    }

    #[test]
    fn the_reference_lists_every_operation_and_schema_of_the_document() {
        let document: Value = serde_json::from_str(crate::web::api::openapi::json()).unwrap();
        let (operations, schemas) = reference(&document);
        let in_document: usize = document["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|p| p.as_object().unwrap().len())
            .sum();
        assert!(in_document >= 12, "{in_document}");
        assert_eq!(operations.len(), in_document);
        assert!(
            operations
                .iter()
                .any(|o| o.method == "PATCH" && o.body.as_deref() == Some("SubscriptionPatch"))
        );
        assert!(
            schemas
                .iter()
                .any(|s| s.name == "Subscription"
                    && s.fields.iter().any(|f| f.name == "friendlyName"))
        );
    }
}
