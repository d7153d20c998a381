//! Bulk changes: one kind of change asked of many subscriptions at once, from a selection on the
//! page or from a file ([`file`]). What each row asks ([`Request`]) is resolved against its
//! subscription at review into the [`Change`] it makes, judged by the change's own rule exactly as
//! a single change is (and judged again when it runs), or into why it can't be made
//! ([`Problem`]). A job keeps each row's change in its columns ([`RowChange`]).

pub mod file;

use super::billing::{Effect, NoPrice};
use super::catalog::LicenseRange;
use super::change::{self, Change, Kind, Refusal, Upgrade};
use super::edit::FriendlyName;
use super::eligibility::Reason;
use super::licenses::{LicenseCount, LicenseCountError};
use super::status::StatusChangeError;
use super::{OfferId, ResellerId, ServiceSet, SubscriptionStatus, SubscriptionView};

pub use file::{
    BadLine, COLUMNS, FileError, FileLine, LineProblem, MAX_REVIEWS, MAX_ROWS, TEMPLATE, parse_file,
};

/// The kinds of change a job makes, as a file's `Action` column names them (a file has no
/// column for a name: no rename).
pub const KINDS: [Kind; 4] = [
    Kind::Upgrade,
    Kind::Licenses,
    Kind::Suspend,
    Kind::Reactivate,
];

/// What a row asks of its subscription, before the subscription is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// Upgrade to the target, with this many licenses (the subscription's own number without).
    Upgrade {
        target: OfferId,
        quantity: Option<u32>,
    },
    /// Set the number of licenses.
    SetLicenses(u32),
    /// Add this many licenses to those the subscription has.
    AddLicenses(u32),
    Suspend,
    Reactivate,
}

impl Request {
    /// The offer an upgrade asks for.
    pub fn target(self) -> Option<OfferId> {
        match self {
            Request::Upgrade { target, .. } => Some(target),
            _ => None,
        }
    }

    /// The kind of change asked.
    pub fn kind(self) -> Kind {
        match self {
            Request::Upgrade { .. } => Kind::Upgrade,
            Request::SetLicenses(_) | Request::AddLicenses(_) => Kind::Licenses,
            Request::Suspend => Kind::Suspend,
            Request::Reactivate => Kind::Reactivate,
        }
    }
}

/// The change a row makes, as its job keeps it: the kind, and the target offer and licenses of
/// the kinds that have them. The new subscription's name is made when the row runs, in the
/// language of the job's maker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowChange {
    pub kind: Kind,
    pub target: Option<OfferId>,
    pub quantity: Option<u32>,
}

impl RowChange {
    /// A change as a row keeps it; `None` for a kind a job does not make.
    pub fn of(change: &Change) -> Option<RowChange> {
        let (target, quantity) = match change {
            Change::Upgrade(u) => (Some(u.target), Some(u.quantity.get())),
            Change::Licenses(n) => (None, Some(n.get())),
            Change::Suspend | Change::Reactivate => (None, None),
            // The kinds a file has no columns for.
            _ => return None,
        };
        Some(RowChange {
            kind: change.kind()?,
            target,
            quantity,
        })
    }

    /// A row's change as its columns hold it: `None` when they lack what its kind needs (a row
    /// refused at review keeps only its kind).
    pub fn read(kind: Kind, target: Option<OfferId>, quantity: Option<u32>) -> Option<RowChange> {
        let complete = match kind {
            Kind::Upgrade => target.is_some() && quantity.is_some(),
            Kind::Licenses => quantity.is_some(),
            Kind::Suspend | Kind::Reactivate => true,
            _ => false,
        };
        complete.then_some(RowChange {
            kind,
            target,
            quantity,
        })
    }

    /// The change the row makes, a new subscription named in `language`; `None` for columns this
    /// portal never writes.
    pub fn change(self, language: &str) -> Option<Change> {
        let count =
            |range: LicenseRange| LicenseCount::parse(&self.quantity?.to_string(), range).ok();
        Some(match self.kind {
            Kind::Upgrade => {
                let target = self.target?;
                Change::Upgrade(Upgrade {
                    target,
                    quantity: count(target.offer().licenses)?,
                    name: FriendlyName::parse(target.offer().name(language)).ok()?,
                })
            }
            // Checked against the offer's range when the row was reviewed.
            Kind::Licenses => Change::Licenses(count(LicenseRange {
                min: 1,
                max: u32::MAX,
            })?),
            Kind::Suspend => Change::Suspend,
            Kind::Reactivate => Change::Reactivate,
            _ => return None,
        })
    }
}

/// Resolves what a row asks against its subscription as the review reads it, for `reseller`,
/// a new subscription named in `language`: the change, judged by its rule; or the first rule it
/// breaks.
pub fn resolve(
    request: Request,
    view: &SubscriptionView,
    reseller: &ResellerId,
    language: &str,
) -> Result<RowChange, Problem> {
    let subscription = &view.subscription;
    let count = |n: u32, offer: OfferId| {
        LicenseCount::parse(&n.to_string(), offer.offer().licenses).map_err(Problem::Licenses)
    };
    let change = match request {
        Request::Upgrade { target, quantity } => {
            // The eligibility rules first, as the upgrade form says them before its licenses.
            view.eligibility(reseller)
                .check(target)
                .map_err(Problem::refused_upgrade)?;
            let name =
                FriendlyName::parse(target.offer().name(language)).map_err(|_| Problem::Failed)?;
            Change::Upgrade(Upgrade {
                target,
                quantity: count(quantity.unwrap_or(subscription.quantity), target)?,
                name,
            })
        }
        Request::SetLicenses(n) => Change::Licenses(count(n, subscription.offer)?),
        Request::AddLicenses(n) => Change::Licenses(count(
            subscription.quantity.saturating_add(n),
            subscription.offer,
        )?),
        Request::Suspend => Change::Suspend,
        Request::Reactivate => Change::Reactivate,
    };
    change::plan(view, &change, reseller)?;
    RowChange::of(&change).ok_or(Problem::Failed)
}

/// What the rows of a job in review do to the reseller's bill, added up by the billing rules (as
/// each single change's review shows it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cost {
    /// The effect of the rows with prices; `None` when no row has one.
    pub total: Option<Effect>,
    /// Offers of rows without a price: their cost is not in the total.
    pub unpriced: Vec<OfferId>,
    /// How many rows have no price.
    pub unpriced_rows: u32,
}

impl Cost {
    /// Adds what one row does to the bill, or that its offer has no price.
    pub fn add(&mut self, row: Result<Effect, NoPrice>) {
        match row {
            Ok(effect) => self.total = Some(self.total.map_or(effect, |t| t.plus(effect))),
            Err(NoPrice(offer, _)) => {
                self.unpriced_rows += 1;
                if !self.unpriced.contains(&offer) {
                    self.unpriced.push(offer);
                }
            }
        }
    }
}

/// How a row ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    /// The rules, or the file, refused it: nothing was changed.
    Refused,
    /// An error kept it from being made: nothing was changed.
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }
}

/// Why a row was not done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The eligibility rules refuse the upgrade (the concurrency reason when the subscription
    /// changed since the review).
    Ineligible(Reason),
    Licenses(LicenseCountError),
    Status(StatusChangeError),
    /// The subscription changed since the review (a license or status change: rule 7).
    Changed,
    /// A line of the file could not be used; `value` is what it said.
    Line {
        problem: LineProblem,
        value: String,
    },
    /// The job was cancelled before the row started.
    Cancelled,
    /// The role of whoever confirmed the job may not make changes (any more: a role is read
    /// when each row runs).
    NotAllowed,
    /// An error kept the row from being made.
    Failed,
}

impl From<Refusal> for Problem {
    fn from(refusal: Refusal) -> Problem {
        match refusal {
            Refusal::Licenses(e) => Problem::Licenses(e),
            Refusal::Status(e) => Problem::Status(e),
            Refusal::Ineligible(reasons) => Problem::refused_upgrade(reasons),
            Refusal::Cancelled => Problem::Status(StatusChangeError::Cancelled),
            // An edit's alone: no row asks for one.
            Refusal::CannotCancel => Problem::Failed,
        }
    }
}

impl Problem {
    /// Why the eligibility rules refuse an upgrade, as a row says it: the first failing rule,
    /// and a subscription changed since its review as [`Problem::Changed`] (the code of every
    /// change refused for that).
    pub fn refused_upgrade(reasons: Vec<Reason>) -> Problem {
        match reasons.into_iter().next() {
            Some(Reason::ConcurrencyConflict) => Problem::Changed,
            Some(reason) => Problem::Ineligible(reason),
            // The rules always say which failed; a refusal without a reason is an error.
            None => Problem::Failed,
        }
    }

    pub fn outcome(&self) -> Outcome {
        match self {
            Problem::Failed => Outcome::Failed,
            _ => Outcome::Refused,
        }
    }

    /// The row's code, as the results file writes it: the reason codes of the Details page for
    /// the eligibility rules.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Ineligible(reason) => reason.code(),
            Problem::Licenses(e) => match e {
                LicenseCountError::OutOfRange { .. } => "licenses_out_of_range",
                LicenseCountError::BelowAssigned { .. } => "licenses_below_assigned",
                LicenseCountError::Unchanged(_) => "licenses_unchanged",
                LicenseCountError::NotActive => "subscription_status_not_active",
                LicenseCountError::Empty
                | LicenseCountError::FullWidthDigits
                | LicenseCountError::NotAWholeNumber => "invalid_quantity",
            },
            Problem::Status(e) => match e {
                StatusChangeError::Cancelled => "subscription_cancelled",
                StatusChangeError::AlreadySuspended => "already_suspended",
                StatusChangeError::AlreadyActive => "already_active",
            },
            Problem::Changed => Reason::ConcurrencyConflict.code(),
            Problem::Line { problem, .. } => problem.code(),
            Problem::Cancelled => "job_cancelled",
            Problem::NotAllowed => "role_not_allowed",
            Problem::Failed => "internal_error",
        }
    }

    /// What the code needs besides itself to be explained again (a status, a range, a value),
    /// as text to store beside it.
    pub fn detail(&self) -> Option<String> {
        match self {
            Problem::Ineligible(Reason::StatusNotActive(status)) => Some(status.as_str().into()),
            Problem::Ineligible(Reason::ConflictingServiceTypes {
                services,
                offers,
                elsewhere,
            }) => {
                let offers: Vec<&str> = offers.iter().map(|o| o.as_str()).collect();
                let own = if *elsewhere { "" } else { ":own" };
                Some(format!("{}:{}{own}", services.bits(), offers.join(",")))
            }
            Problem::Ineligible(Reason::TargetOfferAlreadyOwned { elsewhere: false }) => {
                Some("own".into())
            }
            Problem::Licenses(LicenseCountError::OutOfRange { min, max }) => {
                Some(format!("{min}-{max}"))
            }
            Problem::Licenses(LicenseCountError::BelowAssigned { assigned: n })
            | Problem::Licenses(LicenseCountError::Unchanged(n)) => Some(n.to_string()),
            Problem::Line {
                problem: LineProblem::Duplicate { first },
                ..
            } => Some(first.to_string()),
            Problem::Line { value, .. } => Some(value.chars().take(200).collect()),
            _ => None,
        }
    }

    /// A problem as it was stored; `None` for a code this portal never writes.
    pub fn from_stored(code: &str, detail: Option<&str>) -> Option<Problem> {
        let detail = detail.unwrap_or_default();
        let number = || detail.parse::<u32>().ok();
        let line = |problem: LineProblem| Problem::Line {
            problem,
            value: detail.to_owned(),
        };
        Some(match code {
            "subscription_does_not_have_any_upgrade_paths" => {
                Problem::Ineligible(Reason::NoUpgradePaths)
            }
            "subscription_target_offer_not_found" => {
                Problem::Ineligible(Reason::TargetOfferNotFound)
            }
            "subscription_status_not_active" => match detail.parse::<SubscriptionStatus>() {
                Ok(status) => Problem::Ineligible(Reason::StatusNotActive(status)),
                Err(_) => Problem::Licenses(LicenseCountError::NotActive),
            },
            "delegated_admin_permissions_disabled" => {
                Problem::Ineligible(Reason::DelegatedAdminDisabled)
            }
            "conflicting_service_types" => {
                let (bits, offers) = detail.split_once(':')?;
                // Rows stored before the channel was known say "another channel", as they did.
                let (offers, elsewhere) = match offers.strip_suffix(":own") {
                    Some(offers) => (offers, false),
                    None => (offers, true),
                };
                Problem::Ineligible(Reason::ConflictingServiceTypes {
                    services: ServiceSet::from_bits(bits.parse().ok()?),
                    offers: offers
                        .split(',')
                        .filter(|o| !o.is_empty())
                        .map(|o| o.parse().ok())
                        .collect::<Option<_>>()?,
                    elsewhere,
                })
            }
            "target_offer_already_owned" => Problem::Ineligible(Reason::TargetOfferAlreadyOwned {
                elsewhere: detail != "own",
            }),
            "not_reseller_of_record" => Problem::Ineligible(Reason::NotResellerOfRecord),
            "concurrency_conflicts" => Problem::Changed,
            "licenses_out_of_range" => {
                let (min, max) = detail.split_once('-')?;
                Problem::Licenses(LicenseCountError::OutOfRange {
                    min: min.parse().ok()?,
                    max: max.parse().ok()?,
                })
            }
            "licenses_below_assigned" => Problem::Licenses(LicenseCountError::BelowAssigned {
                assigned: number()?,
            }),
            "licenses_unchanged" => Problem::Licenses(LicenseCountError::Unchanged(number()?)),
            "subscription_cancelled" => Problem::Status(StatusChangeError::Cancelled),
            "already_suspended" => Problem::Status(StatusChangeError::AlreadySuspended),
            "already_active" => Problem::Status(StatusChangeError::AlreadyActive),
            "invalid_line" => line(LineProblem::Columns),
            "invalid_subscription_id" => line(LineProblem::SubscriptionId),
            "subscription_not_found" => line(LineProblem::UnknownSubscription),
            "invalid_action" => line(LineProblem::Action),
            "invalid_target_offer" => line(LineProblem::Offer),
            "invalid_quantity" => line(LineProblem::Quantity),
            "duplicate_subscription" => Problem::Line {
                problem: LineProblem::Duplicate { first: number()? },
                value: String::new(),
            },
            "job_cancelled" => Problem::Cancelled,
            "role_not_allowed" => Problem::NotAllowed,
            "internal_error" => Problem::Failed,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::{subscription, view};
    use crate::domain::{Service, Subscription};

    fn resolved(request: Request, s: Subscription, dap: bool) -> Result<RowChange, Problem> {
        let mut v = view(s);
        v.customer.delegated_admin = dap;
        resolve(request, &v, &ResellerId::parse("contoso").unwrap(), "en-US")
    }

    #[test]
    fn an_upgrade_resolves_to_the_subscriptions_own_licenses_by_default() {
        let s = subscription("s-1", OfferId::O365BusinessEssentials, 12, 3);
        let request = Request::Upgrade {
            target: OfferId::O365BusinessPremium,
            quantity: None,
        };
        let change = resolved(request, s, true).unwrap();
        assert_eq!(change.target, Some(OfferId::O365BusinessPremium));
        assert_eq!(change.quantity, Some(12));
        let made = change.change("zh-CN").unwrap();
        assert!(matches!(&made, Change::Upgrade(u) if u.name.as_str() == "Office 365 商业高级版"));
        assert_eq!(RowChange::of(&made), Some(change));
    }

    #[test]
    fn an_upgrade_is_refused_with_the_eligibility_reason() {
        let s = subscription("s-1", OfferId::O365BusinessEssentials, 12, 3);
        let request = Request::Upgrade {
            target: OfferId::O365BusinessPremium,
            quantity: None,
        };
        let problem = resolved(request, s, false).unwrap_err();
        assert_eq!(problem, Problem::Ineligible(Reason::DelegatedAdminDisabled));
        assert_eq!(problem.code(), "delegated_admin_permissions_disabled");
        assert_eq!(problem.outcome(), Outcome::Refused);
    }

    #[test]
    fn an_upgrade_to_a_target_off_the_paths_is_refused() {
        let s = subscription("s-1", OfferId::O365E3, 5, 0);
        let request = Request::Upgrade {
            target: OfferId::O365BusinessEssentials,
            quantity: Some(5),
        };
        let problem = resolved(request, s, true).unwrap_err();
        assert!(matches!(problem, Problem::Ineligible(_)), "{problem:?}");
    }

    #[test]
    fn license_requests_follow_the_license_rules() {
        let s = || subscription("s-1", OfferId::O365E3, 10, 4);
        assert_eq!(
            resolved(Request::AddLicenses(2), s(), true)
                .unwrap()
                .quantity,
            Some(12)
        );
        assert_eq!(
            resolved(Request::SetLicenses(10), s(), true).unwrap_err(),
            Problem::Licenses(LicenseCountError::Unchanged(10))
        );
        assert_eq!(
            resolved(Request::SetLicenses(3), s(), true).unwrap_err(),
            Problem::Licenses(LicenseCountError::BelowAssigned { assigned: 4 })
        );
        assert!(matches!(
            resolved(Request::SetLicenses(0), s(), true).unwrap_err(),
            Problem::Licenses(LicenseCountError::OutOfRange { .. })
        ));
    }

    #[test]
    fn status_requests_follow_the_status_rules() {
        let mut s = subscription("s-1", OfferId::O365E3, 10, 4);
        assert_eq!(
            resolved(Request::Reactivate, s.clone(), true).unwrap_err(),
            Problem::Status(StatusChangeError::AlreadyActive)
        );
        s.status = SubscriptionStatus::Suspended;
        assert_eq!(
            resolved(Request::Reactivate, s, true).unwrap(),
            RowChange {
                kind: Kind::Reactivate,
                target: None,
                quantity: None
            }
        );
    }

    #[test]
    fn every_problem_reads_back_from_its_code_and_detail() {
        let problems = vec![
            Problem::Ineligible(Reason::NoUpgradePaths),
            Problem::Ineligible(Reason::TargetOfferNotFound),
            Problem::Ineligible(Reason::StatusNotActive(SubscriptionStatus::Suspended)),
            Problem::Ineligible(Reason::DelegatedAdminDisabled),
            Problem::Ineligible(Reason::ConflictingServiceTypes {
                services: ServiceSet::of(&[Service::Exchange]),
                offers: vec![OfferId::O365E3, OfferId::O365BusinessPremium],
                elsewhere: true,
            }),
            Problem::Ineligible(Reason::ConflictingServiceTypes {
                services: ServiceSet::of(&[Service::Exchange]),
                offers: vec![OfferId::O365E3],
                elsewhere: false,
            }),
            Problem::Ineligible(Reason::TargetOfferAlreadyOwned { elsewhere: true }),
            Problem::Ineligible(Reason::TargetOfferAlreadyOwned { elsewhere: false }),
            Problem::Ineligible(Reason::NotResellerOfRecord),
            Problem::Licenses(LicenseCountError::OutOfRange { min: 1, max: 300 }),
            Problem::Licenses(LicenseCountError::BelowAssigned { assigned: 4 }),
            Problem::Licenses(LicenseCountError::Unchanged(7)),
            Problem::Licenses(LicenseCountError::NotActive),
            Problem::Status(StatusChangeError::Cancelled),
            Problem::Status(StatusChangeError::AlreadySuspended),
            Problem::Status(StatusChangeError::AlreadyActive),
            Problem::Changed,
            Problem::Line {
                problem: LineProblem::Quantity,
                value: "ten".into(),
            },
            Problem::Line {
                problem: LineProblem::Duplicate { first: 3 },
                value: String::new(),
            },
            Problem::Cancelled,
            Problem::NotAllowed,
            Problem::Failed,
        ];
        for p in problems {
            let detail = p.detail();
            assert_eq!(
                Problem::from_stored(p.code(), detail.as_deref()),
                Some(p.clone()),
                "{p:?}"
            );
        }
        assert_eq!(Problem::from_stored("no_such_code", None), None);
    }
}
