//! Bulk change files: a header naming the columns, then a line per subscription, as a
//! spreadsheet (or a subscriptions export) writes them.

use std::collections::HashMap;

use super::{KINDS, Problem, Request};
use crate::domain::change::Kind;
use crate::domain::spreadsheet;
use crate::domain::{OfferId, SubscriptionId};

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
    /// The codes of a file's own problems (its lines', not the rules' refusals).
    pub const CODES: [&'static str; 7] = [
        "invalid_line",
        "invalid_subscription_id",
        "subscription_not_found",
        "invalid_action",
        "invalid_target_offer",
        "invalid_quantity",
        "duplicate_subscription",
    ];

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
    /// The action the line asks, when it is one: a bad line keeps the Action it had.
    pub kind: Option<Kind>,
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

/// The names a header may give each of [`COLUMNS`]: its own, and the Chinese pages' words for it.
/// A header's name is compared without letter case, spaces, `_` or `-`: `SubscriptionId`,
/// `subscription_id` and `Subscription ID` are one column.
const NAMES: [&[&str]; 4] = [
    &["Subscription ID", "订阅 ID"],
    &["Action", "操作"],
    &[
        "Target offer ID",
        "目标产品 ID",
        "目标产品/服务 ID",
        "升级到",
    ],
    &["Quantity", "数量", "许可证", "许可证数量"],
];

/// A header's name as it is compared.
fn folded(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// An example of a file: its header, and a line for each action.
pub const TEMPLATE: [[&str; 4]; 4] = [
    ["s-example-1", "upgrade", "O365_BUSINESS_PREMIUM", "10"],
    ["s-example-2", "licenses", "", "25"],
    ["s-example-3", "suspend", "", ""],
    ["s-example-4", "reactivate", "", ""],
];

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
    let headers: Vec<String> = headers.iter().map(folded).collect();
    let column = |i: usize| {
        NAMES[i]
            .iter()
            .find_map(|name| headers.iter().position(|h| *h == folded(name)))
    };
    let id_at = column(0).ok_or(FileError::MissingColumn(COLUMNS[0]))?;
    let action_at = column(1).ok_or(FileError::MissingColumn(COLUMNS[1]))?;
    let target_at = column(2);
    let quantity_at = column(3);

    let mut seen = HashMap::new();
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
        let asked = field(Some(action_at))
            .and_then(Kind::parse)
            .filter(|k| KINDS.contains(k));
        let bad = |problem: LineProblem, value: &str| {
            Err(BadLine {
                line,
                subscription: raw_id.clone(),
                kind: asked,
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
            let Some(kind) = Kind::parse(raw_action).filter(|k| KINDS.contains(k)) else {
                return bad(LineProblem::Action, raw_action);
            };
            let raw_quantity = field(quantity_at).unwrap_or_default();
            let negative = raw_quantity
                .strip_prefix('-')
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
            let quantity = if raw_quantity.is_empty() {
                None
            } else if negative {
                // A negative whole number is a number out of the offer's range (the rule says
                // which), not "not a whole number".
                Some(0)
            } else if raw_quantity.bytes().all(|b| b.is_ascii_digit()) {
                match raw_quantity.parse::<u32>() {
                    Ok(n) => Some(n),
                    Err(_) => return bad(LineProblem::Quantity, raw_quantity),
                }
            } else {
                return bad(LineProblem::Quantity, raw_quantity);
            };
            let request = match kind {
                Kind::Upgrade => {
                    let raw_target = field(target_at).unwrap_or_default();
                    let Ok(target) = raw_target.parse::<OfferId>() else {
                        return bad(LineProblem::Offer, raw_target);
                    };
                    Request::Upgrade { target, quantity }
                }
                Kind::Licenses => match quantity {
                    Some(n) => Request::SetLicenses(n),
                    None => return bad(LineProblem::Quantity, raw_quantity),
                },
                Kind::Suspend => Request::Suspend,
                Kind::Reactivate => Request::Reactivate,
                _ => return bad(LineProblem::Action, raw_action),
            };
            if let Some(first) = seen.get(&subscription) {
                return Err(BadLine {
                    line,
                    subscription: raw_id.clone(),
                    kind: asked,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<Result<FileLine, BadLine>> {
        parse_file(text).unwrap()
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
                    request: Request::Suspend,
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
    fn a_negative_quantity_is_out_of_range_not_a_bad_value() {
        let got = lines("Subscription ID,Action,Quantity\ns-1,licenses,-3\n");
        assert_eq!(
            got,
            vec![Ok(FileLine {
                line: 2,
                subscription: SubscriptionId::parse("s-1").unwrap(),
                request: Request::SetLicenses(0),
            })]
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
        // A bad line keeps the action it asked, when it is one.
        let kinds: Vec<Option<Kind>> = got
            .iter()
            .filter_map(|l| l.as_ref().err())
            .map(|bad| bad.kind)
            .collect();
        assert_eq!(
            kinds,
            vec![
                Some(Kind::Upgrade),
                Some(Kind::Licenses),
                None,
                Some(Kind::Suspend),
                Some(Kind::Licenses),
                Some(Kind::Reactivate),
                None,
            ]
        );
    }

    #[test]
    fn a_header_may_name_its_columns_in_either_language_and_style() {
        for header in [
            "订阅 ID,操作,目标产品 ID,数量",
            "SubscriptionId,action,target_offer_id,QUANTITY",
            "Customer ID,Company name,Subscription ID,Friendly name,Offer ID,Offer,Quantity,Action,Target offer ID",
        ] {
            let text = match header.starts_with("Customer") {
                true => format!("{header}\nc-1,Contoso,s-1,E1,O365_E1,E1,7,upgrade,O365_E3\n"),
                false => format!("{header}\ns-1,upgrade,O365_E3,7\n"),
            };
            assert_eq!(
                lines(&text),
                vec![Ok(FileLine {
                    line: 2,
                    subscription: SubscriptionId::parse("s-1").unwrap(),
                    request: Request::Upgrade {
                        target: OfferId::O365E3,
                        quantity: Some(7)
                    },
                })],
                "{header}"
            );
        }
    }

    #[test]
    fn every_line_problem_has_its_code_among_the_files_own() {
        for p in [
            LineProblem::Columns,
            LineProblem::SubscriptionId,
            LineProblem::UnknownSubscription,
            LineProblem::Action,
            LineProblem::Offer,
            LineProblem::Quantity,
            LineProblem::Duplicate { first: 2 },
        ] {
            assert!(LineProblem::CODES.contains(&p.code()), "{p:?}");
        }
    }

    #[test]
    fn the_template_reads_back_as_its_lines() {
        let mut text = COLUMNS.join(",");
        for row in TEMPLATE {
            text.push('\n');
            text.push_str(&row.join(","));
        }
        assert!(lines(&text).iter().all(Result::is_ok));
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
