//! The thresholds of a second person's approval, on the Settings page: global admins set them
//! (both empty: off, the default).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::clock::Clock;
use crate::domain::approval::{CostThreshold, RowThreshold, Thresholds};
use crate::store::{self, Db};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::pages::billing::settings_page;
use crate::web::{render, see_other};

/// The thresholds' fields on the Settings page.
#[derive(Debug, Clone, Default)]
pub struct ThresholdsForm {
    pub cost_value: String,
    pub rows_value: String,
    pub cost_error: Option<String>,
    pub rows_error: Option<String>,
    pub saved: bool,
}

impl ThresholdsForm {
    pub fn of(t: Thresholds) -> ThresholdsForm {
        ThresholdsForm {
            cost_value: t.cost.map(|c| c.to_string()).unwrap_or_default(),
            rows_value: t.rows.map(|r| r.to_string()).unwrap_or_default(),
            ..ThresholdsForm::default()
        }
    }

    /// Whether any threshold is set.
    pub fn on(&self) -> bool {
        !self.cost_value.is_empty() || !self.rows_value.is_empty()
    }
}

#[derive(serde::Deserialize)]
pub struct ThresholdsFields {
    #[serde(default)]
    cost: String,
    #[serde(default)]
    rows: String,
}

// permission: users
/// Sets the reseller's thresholds; a field that can't be read shows the form again with why.
pub async fn set_thresholds(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    form: web::Form<ThresholdsFields>,
) -> Result<HttpResponse, PageError> {
    let parsed = (
        CostThreshold::parse(&form.cost),
        RowThreshold::parse(&form.rows),
    );
    let (cost, rows) = match parsed {
        (Ok(cost), Ok(rows)) => (cost, rows),
        (cost, rows) => {
            let mut page = settings_page(l, &req, &user, &db, &clock).await?;
            page.approval = ThresholdsForm {
                cost_value: form.cost.chars().take(40).collect(),
                rows_value: form.rows.chars().take(40).collect(),
                cost_error: cost.err().map(|e| l.t(e.message_key())),
                rows_error: rows.err().map(|e| l.t(e.message_key())),
                saved: false,
            };
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let thresholds = Thresholds { cost, rows };
    store::approvals::set_thresholds(&db, &user.account.reseller, thresholds).await?;
    Ok(see_other("/settings?done=approvals".to_owned()))
}
