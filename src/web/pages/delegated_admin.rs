//! Request delegated admin privileges (请求委派的管理权限): the invitation link and an email text
//! the reseller sends to the customer, who accepts in the admin center for Office 365 operated
//! by 21Vianet.

use actix_web::{HttpRequest, web};
use askama::Template;
use askama_web::WebTemplate;

use super::layout::Layout;
use super::paths::{CustomerPath, subscriptions_href};
use crate::domain::Customer;
use crate::store::{self, Db};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;

#[derive(Template, WebTemplate)]
#[template(path = "delegated_admin.html")]
pub struct DelegatedAdminPage {
    l: Locale,
    layout: Layout,
    customer: Customer,
    invitation: String,
    email_subject: String,
    email_body: String,
}

/// The reseller-relationship invitation, in the shape of Partner Center's own: the admin center
/// for Office 365 operated by 21Vianet, with the partner's id and the delegated-admin request.
/// Decision: the portal's reseller id stands in for the Partner Center partner id.
fn invitation_link(reseller: &str) -> String {
    format!(
        "https://portal.partner.microsoftonline.cn/AdminPortal/Home?invType=ResellerRelationship&partnerId={reseller}&DAP=true&msppId=0#/BillingAccounts/partner-invitation"
    )
}

pub async fn page(
    req: HttpRequest,
    l: Locale,
    user: SignedIn,
    CustomerPath(customer_id): CustomerPath,
    db: web::Data<Db>,
) -> Result<DelegatedAdminPage, PageError> {
    let customer = store::customers::get(db.get_ref(), &user.account.reseller, &customer_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let invitation = invitation_link(user.account.reseller.as_str());
    let email_body = l.t_with(
        "dap-email-body",
        &[
            ("customer", customer.company_name.clone()),
            ("reseller", user.account.reseller_name.clone()),
            ("link", invitation.clone()),
        ],
    );
    let layout = user
        .layout(l, req.path())
        .crumb(
            customer.company_name.clone(),
            Some(subscriptions_href(&customer.id)),
        )
        .crumb(l.t("request-dap"), None);
    Ok(DelegatedAdminPage {
        l,
        layout,
        email_subject: l.t1("dap-email-subject", "reseller", &user.account.reseller_name),
        customer,
        invitation,
        email_body,
    })
}
