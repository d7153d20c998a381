//! A second person's approval (issue 32): a reseller's global admins set two thresholds, a
//! change whose cost this period (the review's figure) is above ¥N, and a bulk job of more than
//! M rows; a change or a job above one is held, exactly as reviewed, until a global admin or an
//! admin agent other than the one who asked approves it (or rejects it, with a note). A request
//! not decided within [`EXPIRES`] expires.
//!
//! This module says when approval is needed and who may decide; the store holds the request
//! (`store::approvals`) and the change engine makes the change once approved.

use std::fmt;

use chrono::{DateTime, Duration, Utc};

use super::billing::Amount;
use super::role::{Permission, Role};

/// How long a request waits for its decision.
pub const EXPIRES: Duration = Duration::days(7);

/// How long an approver holds a request taken to make its change (a change takes well under a
/// second). A request left taken longer (the portal stopped between taking it and settling it)
/// waits again for anyone who may decide it: taking it again makes its change through the engine
/// at the version reviewed, so a change made before the stop is never made twice (the same
/// approver's replays its reply; another's finds the subscription changed, and the request ends
/// stale, to be reviewed again).
pub const TAKEN_FOR: Duration = Duration::minutes(2);

/// Whether a request taken at `taken` is no longer held by its taker at `now`.
pub fn lapsed(taken: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - taken >= TAKEN_FOR
}

/// The most a cost threshold can say (a figure beyond is a typing mistake, not a threshold).
const MOST_COST: i64 = 100_000_000;
/// The most rows a threshold can say (a bulk file holds far fewer).
const MOST_ROWS: u32 = 1_000_000;

/// The reseller's thresholds; `None` is off (the default: nothing needs approval).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Thresholds {
    /// A change whose cost this period is above this amount (in yuan) needs approval.
    pub cost: Option<CostThreshold>,
    /// A bulk job of more rows than this needs approval.
    pub rows: Option<RowThreshold>,
}

/// A cost threshold: a whole or two-decimal amount of yuan, zero or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CostThreshold(Amount);

/// A row threshold: a whole number of rows, zero or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RowThreshold(u32);

/// Why a threshold as typed can't be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ThresholdError {
    #[error("not an amount of yuan with at most two decimals, from 0 to 100,000,000")]
    Cost,
    #[error("not a whole number of rows from 0 to 1,000,000")]
    Rows,
}

impl ThresholdError {
    /// The key of the message beside the field.
    pub fn message_key(self) -> &'static str {
        match self {
            ThresholdError::Cost => "approvals-settings-cost-error",
            ThresholdError::Rows => "approvals-settings-rows-error",
        }
    }
}

impl CostThreshold {
    /// Reads a threshold as typed: empty is off (`None`); `¥`, `,` and spaces are allowed.
    pub fn parse(raw: &str) -> Result<Option<CostThreshold>, ThresholdError> {
        let cleaned: String = raw
            .chars()
            .filter(|c| !matches!(c, '¥' | '￥' | ',' | '，') && !c.is_whitespace())
            .collect();
        if cleaned.is_empty() {
            return Ok(None);
        }
        if !cleaned.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(ThresholdError::Cost);
        }
        let amount: Amount = cleaned.parse().map_err(|_| ThresholdError::Cost)?;
        if amount.is_sign_negative() || amount.scale() > 2 || amount > Amount::from(MOST_COST) {
            return Err(ThresholdError::Cost);
        }
        Ok(Some(CostThreshold(amount.normalize())))
    }

    pub fn amount(self) -> Amount {
        self.0
    }
}

impl RowThreshold {
    /// Reads a threshold as typed: empty is off (`None`).
    pub fn parse(raw: &str) -> Result<Option<RowThreshold>, ThresholdError> {
        let cleaned: String = raw
            .chars()
            .filter(|c| !matches!(c, ',' | '，') && !c.is_whitespace())
            .collect();
        if cleaned.is_empty() {
            return Ok(None);
        }
        if !cleaned.chars().all(|c| c.is_ascii_digit()) {
            return Err(ThresholdError::Rows);
        }
        match cleaned.parse::<u32>() {
            Ok(n) if n <= MOST_ROWS => Ok(Some(RowThreshold(n))),
            _ => Err(ThresholdError::Rows),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for CostThreshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for RowThreshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a change costs this period, as its review works it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// The review's figure: what the change adds to (or, negative, takes off) this period's bill.
    Figure(Amount),
    /// The review has no figure (an offer without a price, an annual subscription).
    Unknown,
}

impl Thresholds {
    /// Whether a change of this cost needs approval: its figure above the threshold. A credit
    /// never does. **Decision:** a change whose cost the review can't work out needs approval
    /// while a cost threshold is set: what can't be priced can't be shown to be below it.
    pub fn needs_for_cost(&self, cost: Cost) -> bool {
        match (self.cost, cost) {
            (None, _) => false,
            (Some(limit), Cost::Figure(amount)) => amount > limit.0,
            (Some(_), Cost::Unknown) => true,
        }
    }

    /// Whether a bulk job of `rows` rows needs approval: more rows than the threshold.
    pub fn needs_for_rows(&self, rows: usize) -> bool {
        self.rows
            .is_some_and(|limit| rows > usize::try_from(limit.0).unwrap_or(usize::MAX))
    }
}

/// Why someone may not decide a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecideRefusal {
    /// Their role approves nothing (only global admins and admin agents do).
    #[error("the role may not approve changes")]
    NotApprover,
    /// It is their own request: approval is a second person's.
    #[error("a request can't be approved or rejected by the one who made it")]
    OwnRequest,
}

/// Whether the user `decider` (with `role`) may approve or reject the request that `requester`
/// made.
pub fn may_decide(role: Role, decider: i32, requester: i32) -> Result<(), DecideRefusal> {
    if !role.may(Permission::Approve) {
        return Err(DecideRefusal::NotApprover);
    }
    if decider == requester {
        return Err(DecideRefusal::OwnRequest);
    }
    Ok(())
}

/// A decider's note on a request (why it is rejected): one to 500 characters, trimmed, without
/// control characters but line breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note(String);

/// The most characters a note holds.
pub const NOTE_MOST: usize = 500;

/// Why a note can't be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("a rejection needs a note")]
    Empty,
    #[error("a note holds at most 500 characters")]
    TooLong,
}

impl NoteError {
    /// The key of the message beside the field.
    pub fn message_key(self) -> &'static str {
        match self {
            NoteError::Empty => "approvals-note-empty",
            NoteError::TooLong => "approvals-note-long",
        }
    }
}

impl Note {
    pub fn parse(raw: &str) -> Result<Note, NoteError> {
        let cleaned: String = raw
            .trim()
            .chars()
            .filter(|c| !c.is_control() || *c == '\n')
            .collect();
        match cleaned.chars().count() {
            0 => Err(NoteError::Empty),
            n if n > NOTE_MOST => Err(NoteError::TooLong),
            _ => Ok(Note(cleaned)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// When a request made at `requested` expires.
pub fn expires_at(requested: DateTime<Utc>) -> DateTime<Utc> {
    requested + EXPIRES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_request_is_held_for_two_minutes() {
        let taken = DateTime::parse_from_rfc3339("2026-12-01T02:00:00Z")
            .unwrap()
            .to_utc();
        assert!(!lapsed(taken, taken));
        assert!(!lapsed(taken, taken + Duration::seconds(119)));
        assert!(lapsed(taken, taken + Duration::minutes(2)));
    }

    fn d(raw: &str) -> Amount {
        raw.parse().unwrap()
    }

    fn cost(raw: &str) -> Thresholds {
        Thresholds {
            cost: CostThreshold::parse(raw).unwrap(),
            rows: None,
        }
    }

    #[test]
    fn off_by_default_nothing_needs_approval() {
        let off = Thresholds::default();
        assert!(!off.needs_for_cost(Cost::Figure(d("1000000"))));
        assert!(!off.needs_for_cost(Cost::Unknown));
        assert!(!off.needs_for_rows(100_000));
    }

    #[test]
    fn a_cost_above_the_threshold_needs_approval_and_one_at_it_does_not() {
        let t = cost("500");
        assert!(t.needs_for_cost(Cost::Figure(d("500.01"))));
        assert!(!t.needs_for_cost(Cost::Figure(d("500.00"))));
        assert!(!t.needs_for_cost(Cost::Figure(d("12"))));
    }

    #[test]
    fn a_credit_never_needs_approval_and_an_unknown_cost_does() {
        let t = cost("0");
        assert!(!t.needs_for_cost(Cost::Figure(d("-300"))));
        assert!(!t.needs_for_cost(Cost::Figure(d("0"))));
        assert!(t.needs_for_cost(Cost::Figure(d("0.01"))));
        assert!(t.needs_for_cost(Cost::Unknown));
    }

    #[test]
    fn more_rows_than_the_threshold_need_approval() {
        let t = Thresholds {
            cost: None,
            rows: RowThreshold::parse("3").unwrap(),
        };
        assert!(!t.needs_for_rows(3));
        assert!(t.needs_for_rows(4));
        assert!(!t.needs_for_cost(Cost::Unknown));
    }

    #[test]
    fn thresholds_read_as_typed_and_refuse_anything_else() {
        assert_eq!(CostThreshold::parse("  "), Ok(None));
        assert_eq!(
            CostThreshold::parse("¥1,000.5")
                .unwrap()
                .map(CostThreshold::amount),
            Some(d("1000.5"))
        );
        for bad in ["-1", "1.001", "abc", "1e3", "100000001", "1..2"] {
            assert_eq!(
                CostThreshold::parse(bad),
                Err(ThresholdError::Cost),
                "{bad}"
            );
        }
        assert_eq!(RowThreshold::parse(""), Ok(None));
        assert_eq!(
            RowThreshold::parse("1,000").unwrap().map(RowThreshold::get),
            Some(1000)
        );
        for bad in ["-1", "1.5", "x", "1000001", "99999999999"] {
            assert_eq!(RowThreshold::parse(bad), Err(ThresholdError::Rows), "{bad}");
        }
    }

    #[test]
    fn only_another_global_admin_or_admin_agent_decides() {
        assert_eq!(may_decide(Role::GlobalAdmin, 2, 1), Ok(()));
        assert_eq!(may_decide(Role::AdminAgent, 2, 1), Ok(()));
        assert_eq!(
            may_decide(Role::GlobalAdmin, 1, 1),
            Err(DecideRefusal::OwnRequest)
        );
        for role in [Role::SalesAgent, Role::HelpdeskAgent, Role::BillingAdmin] {
            assert_eq!(may_decide(role, 2, 1), Err(DecideRefusal::NotApprover));
        }
    }

    #[test]
    fn a_note_is_needed_and_kept_short() {
        assert_eq!(Note::parse("  "), Err(NoteError::Empty));
        assert_eq!(Note::parse("\u{7}"), Err(NoteError::Empty));
        assert_eq!(
            Note::parse(" too many licenses\r\n for now ")
                .unwrap()
                .as_str(),
            "too many licenses\n for now"
        );
        assert_eq!(Note::parse(&"x".repeat(500)).map(|n| n.0.len()), Ok(500));
        assert_eq!(Note::parse(&"审".repeat(501)), Err(NoteError::TooLong));
    }

    #[test]
    fn a_request_expires_seven_days_after_it_was_made() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            expires_at(at),
            DateTime::parse_from_rfc3339("2026-12-08T09:00:00Z").unwrap()
        );
    }
}
