//! A price list file: `Offer ID,Currency,Unit Price,Valid From`, one price per license per month
//! a line. A file is taken whole or not at all: every bad line is named, with its value.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::OfferId;

pub const HEADER: [&str; 4] = ["Offer ID", "Currency", "Unit Price", "Valid From"];

/// One price of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceRow {
    pub offer: OfferId,
    pub unit_price: Decimal,
    pub valid_from: NaiveDate,
}

/// What is wrong with a line (1 is the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: u64,
    pub problem: String,
}

/// Everything wrong with a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|b| format!("line {}: {}", b.line, b.problem)).collect::<Vec<_>>().join("\n"))]
pub struct BadFile(pub Vec<BadLine>);

/// Parses a price list; a UTF-8 byte-order mark (as spreadsheets save) is allowed.
pub fn parse(text: &str) -> Result<Vec<PriceRow>, BadFile> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_owned).collect(),
        Err(e) => {
            return Err(BadFile(vec![BadLine {
                line: 1,
                problem: e.to_string(),
            }]));
        }
    };
    if header != HEADER {
        return Err(BadFile(vec![BadLine {
            line: 1,
            problem: format!(
                "the header must be {:?}, not {:?}",
                HEADER.join(","),
                header.join(",")
            ),
        }]));
    }
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(i as u64 + 2, |p| p.line());
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                bad.push(BadLine {
                    line,
                    problem: e.to_string(),
                });
                continue;
            }
        };
        match row(&record) {
            Ok(r) => rows.push(r),
            Err(problem) => bad.push(BadLine { line, problem }),
        }
    }
    if rows.is_empty() && bad.is_empty() {
        bad.push(BadLine {
            line: 2,
            problem: "the file holds no prices".into(),
        });
    }
    if bad.is_empty() {
        Ok(rows)
    } else {
        Err(BadFile(bad))
    }
}

fn row(record: &csv::StringRecord) -> Result<PriceRow, String> {
    if record.len() != HEADER.len() {
        return Err(format!("expected 4 values, found {}", record.len()));
    }
    let mut problems = Vec::new();
    let offer = record[0]
        .parse::<OfferId>()
        .map_err(|_| format!("unknown offer {:?}", &record[0]));
    if &record[1] != "CNY" {
        problems.push(format!("currency {:?}: prices are in CNY only", &record[1]));
    }
    let price = match record[2].parse::<Decimal>() {
        Ok(p) if p.is_sign_negative() => Err(format!("unit price {:?} is negative", &record[2])),
        Ok(p) if p.scale() > 4 => Err(format!(
            "unit price {:?} has more than 4 decimals",
            &record[2]
        )),
        Ok(p) => Ok(p),
        Err(_) => Err(format!(
            "unit price {:?} is not a number like 11.00",
            &record[2]
        )),
    };
    let from = NaiveDate::parse_from_str(&record[3], "%Y-%m-%d")
        .map_err(|_| format!("valid from {:?} is not a date like 2026-07-15", &record[3]));
    match (offer, price, from) {
        (Ok(offer), Ok(unit_price), Ok(valid_from)) if problems.is_empty() => Ok(PriceRow {
            offer,
            unit_price: unit_price.normalize(),
            valid_from,
        }),
        (offer, price, from) => {
            let all: Vec<String> = offer
                .err()
                .into_iter()
                .chain(problems)
                .chain(price.err())
                .chain(from.err())
                .collect();
            Err(all.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_list_parses() {
        let rows = parse("\u{feff}Offer ID,Currency,Unit Price,Valid From\nO365_E3,CNY,11,2026-07-01\nO365_E1, CNY ,5.50,2026-07-01\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].unit_price, "5.5".parse::<Decimal>().unwrap());
    }

    #[test]
    fn every_bad_line_is_named_with_its_value() {
        let err = parse(
            "Offer ID,Currency,Unit Price,Valid From\n\
             O365_E3,CNY,11,2026-07-01\n\
             NOPE,CNY,11,2026-07-01\n\
             O365_E3,USD,11,2026-07-01\n\
             O365_E3,CNY,-1,2026-07-01\n\
             O365_E3,CNY,eleven,2026-07-01\n\
             O365_E3,CNY,11,2026-02-30\n\
             O365_E3,CNY\n",
        )
        .unwrap_err();
        let lines: Vec<u64> = err.0.iter().map(|b| b.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7, 8]);
        let text = err.to_string();
        for word in [
            "\"NOPE\"",
            "\"USD\"",
            "\"-1\"",
            "\"eleven\"",
            "\"2026-02-30\"",
            "expected 4 values",
        ] {
            assert!(text.contains(word), "{word} in {text}");
        }
    }

    #[test]
    fn the_header_and_an_empty_file() {
        assert_eq!(parse("Offer,Price\nO365_E3,11\n").unwrap_err().0[0].line, 1);
        assert!(parse("Offer ID,Currency,Unit Price,Valid From\n").is_err());
        assert!(parse("").is_err());
    }
}
