//! A reseller's users and what each may do: Partner Center's roles (`permissions-overview.md`
//! of its documentation) and the portal's table of what each role may do (issue 32).
//!
//! | | view | change | prices | billing | tokens (own) | users | approve |
//! | --- | --- | --- | --- | --- | --- | --- | --- |
//! | global-admin | yes | yes | yes | yes | yes | yes | yes |
//! | admin-agent | yes | yes | yes | yes | yes | no | yes |
//! | sales-agent | yes | yes | yes | no | yes | no | no |
//! | helpdesk-agent | yes | no | no | no | yes (read-only) | no | no |
//! | billing-admin | yes | no | yes | yes | yes (read-only) | no | no |
//!
//! "Approve" is a second person's approval of a change held above the reseller's thresholds
//! (`domain::approval`): never of one's own request.
//!
//! "Read-only" tokens are not a rule of their own: a token acts with its user's role, and a role
//! that may not change anything has tokens that can only read.

use std::fmt;

/// A user's role in the reseller's team, as Partner Center names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Everything, including the reseller's users and settings (全局管理员).
    GlobalAdmin,
    /// Customers, subscriptions, billing and prices (管理员代理).
    AdminAgent,
    /// Customers, subscriptions and prices (销售代理).
    SalesAgent,
    /// Sees customers and subscriptions, to support them (技术支持代理).
    HelpdeskAgent,
    /// Billing, invoices and prices (账单管理员).
    BillingAdmin,
}

/// What a request asks to do: one column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Customers, subscriptions, why-not, the activity log.
    View,
    /// Changes, orders, new customers, bulk jobs.
    Change,
    /// The price lists.
    Prices,
    /// Charges, invoices, the billing day.
    Billing,
    /// The user's own API tokens.
    Tokens,
    /// The reseller's users and settings.
    Users,
    /// Approving or rejecting another user's change held for approval.
    Approve,
}

/// A role's name that is none of Partner Center's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role {0:?} (global-admin, admin-agent, sales-agent, helpdesk-agent or billing-admin)"
)]
pub struct UnknownRole(pub String);

impl Role {
    /// Every role, the most powerful first.
    pub const ALL: [Role; 5] = [
        Role::GlobalAdmin,
        Role::AdminAgent,
        Role::SalesAgent,
        Role::HelpdeskAgent,
        Role::BillingAdmin,
    ];

    /// The role's name in files, the database and the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::GlobalAdmin => "global-admin",
            Role::AdminAgent => "admin-agent",
            Role::SalesAgent => "sales-agent",
            Role::HelpdeskAgent => "helpdesk-agent",
            Role::BillingAdmin => "billing-admin",
        }
    }

    /// Reads a role's name, as [`Role::as_str`] writes it.
    pub fn parse(raw: &str) -> Result<Role, UnknownRole> {
        let raw = raw.trim();
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(raw))
            .ok_or_else(|| UnknownRole(raw.to_owned()))
    }

    /// The role of a user the import file marks only with `"admin"`: nothing an existing user
    /// could do is lost (administrators become global admins, the others admin agents).
    pub fn of_legacy_admin(is_admin: bool) -> Role {
        if is_admin {
            Role::GlobalAdmin
        } else {
            Role::AdminAgent
        }
    }

    /// Whether the role may do what `permission` names: the table above, cell by cell.
    pub fn may(self, permission: Permission) -> bool {
        use Permission as P;
        match (self, permission) {
            (_, P::View | P::Tokens) => true,
            (Role::GlobalAdmin, _) => true,
            (_, P::Users) => false,
            (Role::AdminAgent, _) => true,
            (_, P::Approve) => false,
            (Role::SalesAgent, P::Change | P::Prices) => true,
            (Role::SalesAgent, P::Billing) => false,
            (Role::HelpdeskAgent, _) => false,
            (Role::BillingAdmin, P::Prices | P::Billing) => true,
            (Role::BillingAdmin, P::Change) => false,
        }
    }

    /// A list of roles as a reseller's setting keeps it: names separated by commas (unknown
    /// names are skipped: a setting of a later version read by this one).
    pub fn parse_list(raw: &str) -> Vec<Role> {
        Role::ALL
            .into_iter()
            .filter(|r| raw.split(',').any(|name| name.trim() == r.as_str()))
            .collect()
    }

    /// The list as [`Role::parse_list`] reads it.
    pub fn join(roles: &[Role]) -> String {
        roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Whether the role's API tokens can only read (it may change nothing).
    pub fn tokens_read_only(self) -> bool {
        !self.may(Permission::Change)
    }

    /// The key of the role's name in the message catalogs.
    pub fn message_key(self) -> String {
        format!("role-{}", self.as_str())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Permission {
    /// Every permission, in the table's order.
    pub const ALL: [Permission; 7] = [
        Permission::View,
        Permission::Change,
        Permission::Prices,
        Permission::Billing,
        Permission::Tokens,
        Permission::Users,
        Permission::Approve,
    ];

    /// The permission's name, as the `// permission:` comments above handlers and the activity
    /// log write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::View => "view",
            Permission::Change => "change",
            Permission::Prices => "prices",
            Permission::Billing => "billing",
            Permission::Tokens => "tokens",
            Permission::Users => "users",
            Permission::Approve => "approve",
        }
    }

    /// Reads a permission's name.
    pub fn parse(raw: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == raw)
    }
}

/// Why a change to a user's role or standing is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TeamError {
    /// The reseller would be left without an active global admin.
    #[error("the last active global admin can't be deactivated or given another role")]
    LastGlobalAdmin,
}

/// Whether a user may lose the global admin role or be deactivated: not the last active one.
/// `active_global_admins` counts the reseller's active global admins, the user among them when
/// they are one.
pub fn may_step_down(
    user_role: Role,
    user_active: bool,
    active_global_admins: u64,
) -> Result<(), TeamError> {
    if user_role == Role::GlobalAdmin && user_active && active_global_admins <= 1 {
        return Err(TeamError::LastGlobalAdmin);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission as P;
    use Role as R;

    fn column(role: Role) -> [bool; 7] {
        Permission::ALL.map(|p| role.may(p))
    }

    #[test]
    fn global_admin_may_do_everything() {
        assert_eq!(column(R::GlobalAdmin), [true; 7]);
    }

    #[test]
    fn admin_agent_may_do_everything_but_users_and_settings() {
        assert_eq!(
            column(R::AdminAgent),
            [true, true, true, true, true, false, true]
        );
    }

    #[test]
    fn sales_agent_may_change_and_see_prices_but_not_billing() {
        assert_eq!(
            column(R::SalesAgent),
            [true, true, true, false, true, false, false]
        );
    }

    #[test]
    fn helpdesk_agent_only_views_and_its_tokens_only_read() {
        assert_eq!(
            column(R::HelpdeskAgent),
            [true, false, false, false, true, false, false]
        );
        assert!(R::HelpdeskAgent.tokens_read_only());
    }

    #[test]
    fn billing_admin_sees_prices_and_billing_and_its_tokens_only_read() {
        assert_eq!(
            column(R::BillingAdmin),
            [true, false, true, true, true, false, false]
        );
        assert!(R::BillingAdmin.tokens_read_only());
        assert!(!R::SalesAgent.tokens_read_only());
    }

    #[test]
    fn only_global_admins_manage_users() {
        let managing: Vec<Role> = Role::ALL.into_iter().filter(|r| r.may(P::Users)).collect();
        assert_eq!(managing, [R::GlobalAdmin]);
    }

    #[test]
    fn only_global_admins_and_admin_agents_approve() {
        let approving: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.may(P::Approve))
            .collect();
        assert_eq!(approving, [R::GlobalAdmin, R::AdminAgent]);
    }

    #[test]
    fn names_read_back_and_unknown_ones_are_refused() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{role}\""));
        }
        assert_eq!(Role::parse(" Sales-Agent "), Ok(R::SalesAgent));
        assert!(Role::parse("owner").is_err());
        assert!(Role::parse("").is_err());
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
        }
        assert_eq!(Permission::parse("everything"), None);
    }

    #[test]
    fn legacy_admins_become_global_admins_and_the_others_admin_agents() {
        assert_eq!(Role::of_legacy_admin(true), R::GlobalAdmin);
        assert_eq!(Role::of_legacy_admin(false), R::AdminAgent);
        // Nothing a user could do before (everything but settings) is lost.
        for p in Permission::ALL
            .into_iter()
            .filter(|p| !matches!(p, P::Users))
        {
            assert!(Role::of_legacy_admin(false).may(p));
        }
    }

    #[test]
    fn a_list_of_roles_reads_back_in_the_tables_order() {
        let roles = [R::BillingAdmin, R::GlobalAdmin];
        assert_eq!(
            Role::parse_list(&Role::join(&roles)),
            [R::GlobalAdmin, R::BillingAdmin]
        );
        assert_eq!(Role::parse_list(""), []);
        assert_eq!(Role::parse_list("owner, sales-agent"), [R::SalesAgent]);
    }

    #[test]
    fn the_last_active_global_admin_stays() {
        assert_eq!(
            may_step_down(R::GlobalAdmin, true, 1),
            Err(TeamError::LastGlobalAdmin)
        );
        assert_eq!(may_step_down(R::GlobalAdmin, true, 2), Ok(()));
        // Another role, or a deactivated admin, is not the one keeping the reseller run.
        assert_eq!(may_step_down(R::AdminAgent, true, 1), Ok(()));
        assert_eq!(may_step_down(R::GlobalAdmin, false, 1), Ok(()));
    }
}
