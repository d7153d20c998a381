//! Bulk changes: one kind of change asked of many subscriptions at once, from a selection on the
//! page or from a file. What each row asks ([`Request`]) is resolved against its subscription at
//! review into the concrete change it makes ([`RowChange`]), or into why it can't
//! ([`Problem`]): the eligibility, license and status rules judge each row exactly as they judge
//! a single change, and judge it again when it runs.

use std::fmt;

use super::billing::{Effect, NoPrice, Planned};
use super::eligibility::{Eligibility, Reason};
use super::licenses::{self, LicenseCount, LicenseCountError};
use super::spreadsheet;
use super::status::{StatusAction, StatusChangeError};
use super::{OfferId, ServiceSet, Subscription, SubscriptionId, SubscriptionStatus};

/// The kinds of change a row makes, as a file's `Action` column names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Upgrade,
    Licenses,
    Suspend,
    Reactivate,
}

impl Action {
    pub const ALL: [Action; 4] = [
        Action::Upgrade,
        Action::Licenses,
        Action::Suspend,
        Action::Reactivate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Upgrade => "upgrade",
            Action::Licenses => "licenses",
            Action::Suspend => "suspend",
            Action::Reactivate => "reactivate",
        }
    }

    /// An action as a file or a form writes it, in any letter case.
    pub fn parse(raw: &str) -> Option<Action> {
        let raw = raw.trim();
        Action::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(raw))
    }
}

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
    Status(StatusAction),
}

impl Request {
    /// The kind of change asked, as a file's `Action` column names it.
    pub fn action(self) -> Action {
        match self {
            Request::Upgrade { .. } => Action::Upgrade,
            Request::SetLicenses(_) | Request::AddLicenses(_) => Action::Licenses,
            Request::Status(StatusAction::Suspend) => Action::Suspend,
            Request::Status(StatusAction::Reactivate) => Action::Reactivate,
        }
    }
}

/// The change one row makes, resolved against its subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowChange {
    Upgrade {
        target: OfferId,
        quantity: LicenseCount,
    },
    Licenses(LicenseCount),
    Status(StatusAction),
}

impl RowChange {
    pub fn action(self) -> Action {
        match self {
            RowChange::Upgrade { .. } => Action::Upgrade,
            RowChange::Licenses(_) => Action::Licenses,
            RowChange::Status(StatusAction::Suspend) => Action::Suspend,
            RowChange::Status(StatusAction::Reactivate) => Action::Reactivate,
        }
    }

    pub fn target(self) -> Option<OfferId> {
        match self {
            RowChange::Upgrade { target, .. } => Some(target),
            _ => None,
        }
    }

    pub fn quantity(self) -> Option<u32> {
        match self {
            RowChange::Upgrade { quantity, .. } | RowChange::Licenses(quantity) => {
                Some(quantity.get())
            }
            RowChange::Status(_) => None,
        }
    }

    /// A row's change as it was stored: its action, target and quantity.
    pub fn from_parts(
        action: Action,
        target: Option<OfferId>,
        quantity: Option<u32>,
    ) -> Option<RowChange> {
        let count = |offer: OfferId| {
            quantity.and_then(|q| LicenseCount::parse(&q.to_string(), offer.offer().licenses).ok())
        };
        Some(match action {
            Action::Upgrade => {
                let target = target?;
                RowChange::Upgrade {
                    target,
                    quantity: count(target)?,
                }
            }
            Action::Licenses => RowChange::Licenses(
                LicenseCount::parse(
                    &quantity?.to_string(),
                    super::catalog::LicenseRange {
                        min: 1,
                        max: u32::MAX,
                    },
                )
                .ok()?,
            ),
            Action::Suspend => RowChange::Status(StatusAction::Suspend),
            Action::Reactivate => RowChange::Status(StatusAction::Reactivate),
        })
    }
}

/// Resolves what a row asks against its subscription as the review reads it: the concrete
/// change, or the first rule it breaks.
pub fn resolve(
    request: Request,
    subscription: &Subscription,
    eligibility: &Eligibility,
) -> Result<RowChange, Problem> {
    match request {
        Request::Upgrade { target, quantity } => {
            if let Err(reasons) = eligibility.check(target) {
                return Err(Problem::refused_upgrade(reasons));
            }
            let n = quantity.unwrap_or(subscription.quantity);
            let quantity = LicenseCount::parse(&n.to_string(), target.offer().licenses)
                .map_err(Problem::Licenses)?;
            Ok(RowChange::Upgrade { target, quantity })
        }
        Request::SetLicenses(n) => licenses_to(subscription, n),
        Request::AddLicenses(n) => {
            licenses_to(subscription, subscription.quantity.saturating_add(n))
        }
        Request::Status(action) => action
            .apply(subscription.status)
            .map(|_| RowChange::Status(action))
            .map_err(Problem::Status),
    }
}

fn licenses_to(subscription: &Subscription, n: u32) -> Result<RowChange, Problem> {
    let count = LicenseCount::parse(&n.to_string(), subscription.offer.offer().licenses)
        .map_err(Problem::Licenses)?;
    licenses::change(subscription, count).map_err(Problem::Licenses)?;
    Ok(RowChange::Licenses(count))
}

/// A row's change as billing sees it, for a subscription holding `quantity` licenses: the
/// review's total effect on charges adds these up.
pub fn planned(change: RowChange, quantity: u32) -> Planned {
    match change {
        RowChange::Upgrade {
            target,
            quantity: moved,
        } => {
            let source_after = if moved.get() >= quantity {
                (quantity, SubscriptionStatus::Cancelled)
            } else {
                (quantity - moved.get(), SubscriptionStatus::Active)
            };
            Planned::Upgrade {
                source_after,
                target,
                quantity: moved.get(),
            }
        }
        RowChange::Licenses(n) => Planned::State(n.get(), SubscriptionStatus::Active),
        RowChange::Status(StatusAction::Suspend) => {
            Planned::State(quantity, SubscriptionStatus::Suspended)
        }
        RowChange::Status(StatusAction::Reactivate) => {
            Planned::State(quantity, SubscriptionStatus::Active)
        }
    }
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

/// What was wrong with a line of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineProblem {
    /// The line has fewer columns than the header.
    Columns,
    /// The subscription id is not one (empty, or characters ids never hold).
    SubscriptionId,
    /// No subscription of the reseller's has this id.
    UnknownSubscription,
    /// The action is none of `upgrade`, `licenses`, `suspend`, `reactivate`.
    Action,
    /// The target offer is missing, or not an offer of the catalog.
    Offer,
    /// The quantity is missing or not a whole number.
    Quantity,
    /// The subscription is named again: only its first line is done.
    Duplicate { first: u32 },
}

impl LineProblem {
    pub fn code(&self) -> &'static str {
        match self {
            LineProblem::Columns => "invalid_line",
            LineProblem::SubscriptionId => "invalid_subscription_id",
            LineProblem::UnknownSubscription => "subscription_not_found",
            LineProblem::Action => "invalid_action",
            LineProblem::Offer => "invalid_target_offer",
            LineProblem::Quantity => "invalid_quantity",
            LineProblem::Duplicate { .. } => "duplicate_subscription",
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
    /// An error kept the row from being made.
    Failed,
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
            Problem::Failed => "internal_error",
        }
    }

    /// What the code needs besides itself to be explained again (a status, a range, a value),
    /// as text to store beside it.
    pub fn detail(&self) -> Option<String> {
        match self {
            Problem::Ineligible(Reason::StatusNotActive(status)) => Some(status.as_str().into()),
            Problem::Ineligible(Reason::ConflictingServiceTypes { services, offers }) => {
                let offers: Vec<&str> = offers.iter().map(|o| o.as_str()).collect();
                Some(format!("{}:{}", services.bits(), offers.join(",")))
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
                Problem::Ineligible(Reason::ConflictingServiceTypes {
                    services: ServiceSet::from_bits(bits.parse().ok()?),
                    offers: offers
                        .split(',')
                        .filter(|o| !o.is_empty())
                        .map(|o| o.parse().ok())
                        .collect::<Option<_>>()?,
                })
            }
            "target_offer_already_owned" => Problem::Ineligible(Reason::TargetOfferAlreadyOwned),
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
            "internal_error" => Problem::Failed,
            _ => return None,
        })
    }
}

/// The most rows one job takes.
pub const MAX_ROWS: usize = 50_000;

/// The most jobs a reseller may have waiting in review (written, neither confirmed nor
/// discarded): each holds up to [`MAX_ROWS`] rows in the database, so the reviews of one reseller
/// take at most about 40 MB however many uploads it sends. A team of several users each
/// preparing one still has room; a sixth is refused until one is confirmed or discarded.
pub const MAX_REVIEWS: usize = 5;

/// One usable line of a file: a subscription and what to do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLine {
    /// The line's number in the file, as a spreadsheet numbers it (the header is line 1).
    pub line: u32,
    pub subscription: SubscriptionId,
    pub request: Request,
}

/// A line of a file that can't be done: its number, what it named, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: u32,
    /// The subscription id as the line wrote it.
    pub subscription: String,
    pub problem: Problem,
}

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is empty")]
    Empty,
    #[error("the header lacks the column {0}")]
    MissingColumn(&'static str),
    #[error("the file has more than {MAX_ROWS} lines")]
    TooManyRows,
    #[error("the file is not CSV: {0}")]
    NotCsv(String),
}

/// The columns a file needs (any others, such as the rest of a subscriptions export, are
/// ignored): `Subscription ID` and `Action` always; `Target offer ID` and `Quantity` when a line
/// asks for them.
pub const COLUMNS: [&str; 4] = ["Subscription ID", "Action", "Target offer ID", "Quantity"];

/// Reads a bulk change file: a header naming its columns (in any order and letter case), then a
/// line per subscription. Lines end in CRLF, LF or a lone CR (old Mac spreadsheets), alike.
/// Blank lines are skipped; each other line becomes a [`FileLine`], or a [`BadLine`] saying why
/// not, numbered as a text editor numbers it: no two alike. A subscription named twice is done
/// once, at its first line. Cells are read as the portal's files write them
/// ([`spreadsheet::unguard`]): `'-s-1` is the subscription `-s-1`.
pub fn parse_file(text: &str) -> Result<Vec<Result<FileLine, BadLine>>, FileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(FileError::Empty);
    }
    // Rows copied from a spreadsheet and pasted are separated by tabs: a header with tabs and
    // no comma is read that way.
    let header = text.split(['\r', '\n']).next().unwrap_or_default();
    let delimiter = if header.contains('\t') && !header.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| FileError::NotCsv(e.to_string()))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let id_at = column(COLUMNS[0]).ok_or(FileError::MissingColumn(COLUMNS[0]))?;
    let action_at = column(COLUMNS[1]).ok_or(FileError::MissingColumn(COLUMNS[1]))?;
    let target_at = column(COLUMNS[2]);
    let quantity_at = column(COLUMNS[3]);

    let mut seen = std::collections::HashMap::new();
    let mut lines = Vec::new();
    let (mut counted, mut newlines) = (0, 0);
    for record in reader.records() {
        let record = record.map_err(|e| FileError::NotCsv(e.to_string()))?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if lines.len() == MAX_ROWS {
            return Err(FileError::TooManyRows);
        }
        // The line as a text editor counts it: the reader's own count leaves out blank lines,
        // and its position is where it began to look for the record, before them.
        let bytes = text.as_bytes();
        let mut start = record
            .position()
            .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX))
            .min(bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        newlines += line_ends(&bytes[counted..start.max(counted)]);
        counted = counted.max(start);
        let line = u32::try_from(newlines + 1).unwrap_or(u32::MAX);
        let field = |at: Option<usize>| {
            at.and_then(|i| record.get(i))
                .map(|f| spreadsheet::unguard(f.trim()))
        };
        let raw_id = field(Some(id_at)).unwrap_or_default().to_owned();
        let bad = |problem: LineProblem, value: &str| {
            Err(BadLine {
                line,
                subscription: raw_id.clone(),
                problem: Problem::Line {
                    problem,
                    value: value.to_owned(),
                },
            })
        };
        let parsed = (|| {
            if record.len() <= id_at.max(action_at) {
                return bad(LineProblem::Columns, "");
            }
            let Ok(subscription) = SubscriptionId::parse(&raw_id) else {
                return bad(LineProblem::SubscriptionId, &raw_id);
            };
            let raw_action = field(Some(action_at)).unwrap_or_default();
            let Some(action) = Action::parse(raw_action) else {
                return bad(LineProblem::Action, raw_action);
            };
            let raw_quantity = field(quantity_at).unwrap_or_default();
            let quantity = if raw_quantity.is_empty() {
                None
            } else if raw_quantity.bytes().all(|b| b.is_ascii_digit()) {
                match raw_quantity.parse::<u32>() {
                    Ok(n) => Some(n),
                    Err(_) => return bad(LineProblem::Quantity, raw_quantity),
                }
            } else {
                return bad(LineProblem::Quantity, raw_quantity);
            };
            let request = match action {
                Action::Upgrade => {
                    let raw_target = field(target_at).unwrap_or_default();
                    let Ok(target) = raw_target.parse::<OfferId>() else {
                        return bad(LineProblem::Offer, raw_target);
                    };
                    Request::Upgrade { target, quantity }
                }
                Action::Licenses => match quantity {
                    Some(n) => Request::SetLicenses(n),
                    None => return bad(LineProblem::Quantity, raw_quantity),
                },
                Action::Suspend => Request::Status(StatusAction::Suspend),
                Action::Reactivate => Request::Status(StatusAction::Reactivate),
            };
            if let Some(first) = seen.get(&subscription) {
                return Err(BadLine {
                    line,
                    subscription: raw_id.clone(),
                    problem: Problem::Line {
                        problem: LineProblem::Duplicate { first: *first },
                        value: String::new(),
                    },
                });
            }
            seen.insert(subscription.clone(), line);
            Ok(FileLine {
                line,
                subscription,
                request,
            })
        })();
        lines.push(parsed);
    }
    Ok(lines)
}

/// The line ends in `bytes`: CRLF, LF and a lone CR each end one line (the CSV reader takes
/// all three; counting LFs alone numbered every line of a CR-only file alike).
fn line_ends(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .enumerate()
        .filter(|&(i, b)| *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count()
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::eligibility::{Context, evaluate};
    use crate::domain::test_support::{holding, subscription};
    use crate::domain::{ResellerId, Service};

    fn eligibility(s: &Subscription, delegated_admin: bool) -> Eligibility {
        let reseller = ResellerId::parse("contoso").unwrap();
        evaluate(
            s,
            &Context {
                reseller: &reseller,
                delegated_admin,
                holdings: &[holding(s)],
            },
        )
    }

    fn lines(text: &str) -> Vec<Result<FileLine, BadLine>> {
        parse_file(text).unwrap()
    }

    #[test]
    fn an_upgrade_resolves_to_the_subscriptions_own_licenses_by_default() {
        let s = subscription("s-1", OfferId::O365BusinessEssentials, 12, 3);
        let request = Request::Upgrade {
            target: OfferId::O365BusinessPremium,
            quantity: None,
        };
        let change = resolve(request, &s, &eligibility(&s, true)).unwrap();
        assert_eq!(change.target(), Some(OfferId::O365BusinessPremium));
        assert_eq!(change.quantity(), Some(12));
    }

    #[test]
    fn an_upgrade_is_refused_with_the_eligibility_reason() {
        let s = subscription("s-1", OfferId::O365BusinessEssentials, 12, 3);
        let request = Request::Upgrade {
            target: OfferId::O365BusinessPremium,
            quantity: None,
        };
        let problem = resolve(request, &s, &eligibility(&s, false)).unwrap_err();
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
        let problem = resolve(request, &s, &eligibility(&s, true)).unwrap_err();
        assert!(matches!(problem, Problem::Ineligible(_)), "{problem:?}");
    }

    #[test]
    fn license_requests_follow_the_license_rules() {
        let s = subscription("s-1", OfferId::O365E3, 10, 4);
        let e = eligibility(&s, true);
        assert_eq!(
            resolve(Request::AddLicenses(2), &s, &e).unwrap().quantity(),
            Some(12)
        );
        assert_eq!(
            resolve(Request::SetLicenses(10), &s, &e).unwrap_err(),
            Problem::Licenses(LicenseCountError::Unchanged(10))
        );
        assert_eq!(
            resolve(Request::SetLicenses(3), &s, &e).unwrap_err(),
            Problem::Licenses(LicenseCountError::BelowAssigned { assigned: 4 })
        );
        assert!(matches!(
            resolve(Request::SetLicenses(0), &s, &e).unwrap_err(),
            Problem::Licenses(LicenseCountError::OutOfRange { .. })
        ));
    }

    #[test]
    fn a_row_is_billed_as_its_single_change_would_be() {
        let n =
            |q: u32| LicenseCount::parse(&q.to_string(), OfferId::O365E3.offer().licenses).unwrap();
        let whole = RowChange::Upgrade {
            target: OfferId::O365E3,
            quantity: n(10),
        };
        assert_eq!(
            planned(whole, 10),
            Planned::Upgrade {
                source_after: (10, SubscriptionStatus::Cancelled),
                target: OfferId::O365E3,
                quantity: 10
            }
        );
        let part = RowChange::Upgrade {
            target: OfferId::O365E3,
            quantity: n(4),
        };
        assert_eq!(
            planned(part, 10),
            Planned::Upgrade {
                source_after: (6, SubscriptionStatus::Active),
                target: OfferId::O365E3,
                quantity: 4
            }
        );
        assert_eq!(
            planned(RowChange::Licenses(n(12)), 10),
            Planned::State(12, SubscriptionStatus::Active)
        );
        assert_eq!(
            planned(RowChange::Status(StatusAction::Suspend), 10),
            Planned::State(10, SubscriptionStatus::Suspended)
        );
    }

    #[test]
    fn status_requests_follow_the_status_rules() {
        let mut s = subscription("s-1", OfferId::O365E3, 10, 4);
        let e = eligibility(&s, true);
        assert_eq!(
            resolve(Request::Status(StatusAction::Reactivate), &s, &e).unwrap_err(),
            Problem::Status(StatusChangeError::AlreadyActive)
        );
        s.status = SubscriptionStatus::Suspended;
        assert_eq!(
            resolve(Request::Status(StatusAction::Reactivate), &s, &e).unwrap(),
            RowChange::Status(StatusAction::Reactivate)
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
            }),
            Problem::Ineligible(Reason::TargetOfferAlreadyOwned),
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

    #[test]
    fn a_file_names_its_columns_in_any_order_and_case() {
        let got = lines(
            "\u{feff}quantity,ACTION,Subscription ID,Target offer ID,Offer\n\
             5,upgrade,s-1,O365_BUSINESS_PREMIUM,whatever\n\
             ,Suspend,s-2,,\n\
             \n\
             20,licenses,s-3,,\n",
        );
        assert_eq!(
            got,
            vec![
                Ok(FileLine {
                    line: 2,
                    subscription: SubscriptionId::parse("s-1").unwrap(),
                    request: Request::Upgrade {
                        target: OfferId::O365BusinessPremium,
                        quantity: Some(5)
                    },
                }),
                Ok(FileLine {
                    line: 3,
                    subscription: SubscriptionId::parse("s-2").unwrap(),
                    request: Request::Status(StatusAction::Suspend),
                }),
                Ok(FileLine {
                    line: 5,
                    subscription: SubscriptionId::parse("s-3").unwrap(),
                    request: Request::SetLicenses(20),
                }),
            ]
        );
    }

    #[test]
    fn bad_lines_are_named_with_their_line_and_value() {
        let got = lines(
            "Subscription ID,Action,Target offer ID,Quantity\n\
             s-1,upgrade,NOPE,\n\
             s-2,licenses,,ten\n\
             s-3,renew,,\n\
             bad id,suspend,,\n\
             s-4,licenses,,\n\
             s-5,suspend,,\n\
             s-5,reactivate,,\n\
             s-6\n",
        );
        let problems: Vec<(u32, &str, Option<String>)> = got
            .iter()
            .filter_map(|l| l.as_ref().err())
            .map(|bad| (bad.line, bad.problem.code(), bad.problem.detail()))
            .collect();
        assert_eq!(
            problems,
            vec![
                (2, "invalid_target_offer", Some("NOPE".into())),
                (3, "invalid_quantity", Some("ten".into())),
                (4, "invalid_action", Some("renew".into())),
                (5, "invalid_subscription_id", Some("bad id".into())),
                (6, "invalid_quantity", Some(String::new())),
                (8, "duplicate_subscription", Some("7".into())),
                (9, "invalid_line", Some(String::new())),
            ]
        );
        assert_eq!(got.iter().filter(|l| l.is_ok()).count(), 1);
    }

    #[test]
    fn rows_pasted_from_a_spreadsheet_are_read_by_their_tabs() {
        let pasted = "Subscription ID\tAction\tTarget offer ID\tQuantity\n\
                      s-1\tupgrade\tO365_E3\t5\n";
        assert_eq!(
            lines(pasted),
            vec![Ok(FileLine {
                line: 2,
                subscription: SubscriptionId::parse("s-1").unwrap(),
                request: Request::Upgrade {
                    target: OfferId::O365E3,
                    quantity: Some(5)
                },
            })]
        );
    }

    #[test]
    fn lines_end_in_crlf_lf_or_a_lone_cr_alike() {
        let rows = [
            "Subscription ID,Action,Quantity",
            "s-1,licenses,3",
            "",
            "s-2,suspend,",
            "s-3,licenses,ten",
        ];
        let expected = lines(&rows.join("\n"));
        assert_eq!(expected.len(), 3);
        let numbers: Vec<u32> = expected
            .iter()
            .map(|l| l.as_ref().map_or_else(|bad| bad.line, |ok| ok.line))
            .collect();
        assert_eq!(numbers, [2, 4, 5]);
        for end in ["\r\n", "\r"] {
            assert_eq!(lines(&rows.join(end)), expected, "{end:?}");
            assert_eq!(
                lines(&(rows.join(end) + end)),
                expected,
                "{end:?} at the end too"
            );
        }
        // Mixed, as a file edited on two systems may be.
        let mixed = format!(
            "{}\r{}\r\n{}\n{}\r{}",
            rows[0], rows[1], rows[2], rows[3], rows[4]
        );
        assert_eq!(lines(&mixed), expected);
        // A pasted header with tabs is found before a lone CR too.
        let pasted = "Subscription ID\tAction\tQuantity\rs-1\tlicenses\t3\r";
        assert_eq!(lines(pasted).len(), 1);
        assert!(lines(pasted)[0].is_ok());
    }

    #[test]
    fn cells_are_read_as_the_portals_files_write_them() {
        let got = lines(
            "Subscription ID,Action,Target offer ID,Quantity\n\
             '-s-minus,licenses,,7\n\
             '=1+2,suspend,,\n",
        );
        assert_eq!(
            got[0],
            Ok(FileLine {
                line: 2,
                subscription: SubscriptionId::parse("-s-minus").unwrap(),
                request: Request::SetLicenses(7),
            })
        );
        let bad = got[1].as_ref().unwrap_err();
        assert_eq!(bad.subscription, "=1+2");
        assert_eq!(bad.problem.detail().as_deref(), Some("=1+2"));
    }

    #[test]
    fn a_file_without_its_columns_is_refused_whole() {
        assert_eq!(parse_file(""), Err(FileError::Empty));
        assert_eq!(
            parse_file("Subscription ID,Quantity\ns-1,3\n"),
            Err(FileError::MissingColumn("Action"))
        );
    }
}
