//! What a cell looks like in every CSV file the portal writes, and how the bulk change file's
//! cells are read back.
//!
//! A spreadsheet (Excel, WPS, LibreOffice) takes a cell that begins with `=`, `+`, `-` or `@`
//! for a formula, and runs it: `=HYPERLINK(…)` or `=cmd|…` in a company name, a friendly name, a
//! token's name or a bulk file's line would run on the reseller's computer when they open an
//! export. So, as OWASP's CSV injection guidance says, such a cell is written with a `'` in
//! front: `'=HYPERLINK(…)`. The same holds for a cell that begins with a tab or a carriage
//! return (both in OWASP's list), a line feed or a NUL (OWASP ASVS 1.2.10 adds NUL), and, as a
//! precaution, the full-width `＝＋－＠` that Chinese and Japanese input methods type.
//!
//! Two more rules make this reversible, so that an export edited in a spreadsheet and uploaded
//! as a bulk change file reads as it was written:
//! - a cell that already begins with apostrophes followed by one of those characters (`'=x`) gets
//!   one more (`''=x`), so that reading takes exactly one `'` off any cell made of apostrophes and
//!   then one of them, and nothing else: `'=x` reads as `=x`, `''=x` as `'=x`;
//! - a cell that is a plain decimal number (`-165.00`, a credit on the charges file) is written as
//!   it is: a spreadsheet reads it as that number, no formula can hide in it, and a `'` would turn
//!   the figures of a file for machines into text.
//!
//! A cell that begins with an apostrophe followed by anything else (`'t Hooft`) is written and
//! read as it is.

use std::borrow::Cow;

/// Characters that make a spreadsheet read the cell they begin as a formula (or that hide one).
const FORMULA_STARTS: [char; 12] = [
    '=', '+', '-', '@', '\t', '\r', '\n', '\0', '＝', '＋', '－', '＠',
];

fn starts_a_formula(cell: &str) -> bool {
    cell.starts_with(FORMULA_STARTS)
}

/// `-165.00`, `12`: digits with an optional leading minus and decimal part, nothing else.
fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// A value as a cell of a file the portal writes: with a `'` in front where a spreadsheet would
/// otherwise read a formula (see the module's documentation).
pub fn guard(value: &str) -> Cow<'_, str> {
    let after_apostrophes = value.trim_start_matches('\'');
    if starts_a_formula(after_apostrophes) && !is_plain_number(value) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// A cell of a file as the value it was written from: [`guard`] undone. One `'` is taken off a
/// cell made of apostrophes and then a character that starts a formula; any other cell is
/// itself.
pub fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if starts_a_formula(rest.trim_start_matches('\'')) => rest,
        _ => cell,
    }
}

/// UTF-8's byte-order mark, first in every file: Excel then reads Chinese names right.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The one writer of every CSV file the portal hands out (the exports, the charges, a bulk
/// change's results): RFC 4180 quoting and line ends, every cell through [`guard`]. A file is
/// written in chunks: [`CsvWriter::file`] starts it (the byte-order mark and the header), each
/// [`CsvWriter::rows`] writes a chunk that follows.
pub struct CsvWriter(csv::Writer<Vec<u8>>);

impl CsvWriter {
    /// The first chunk of a file: the byte-order mark, then the header.
    pub fn file(header: &[&str]) -> Result<CsvWriter, csv::Error> {
        let mut w = CsvWriter(Self::builder().from_writer(BOM.to_vec()));
        w.record(header.iter().copied())?;
        Ok(w)
    }

    /// The first chunk of a file without the byte-order mark: the header alone (for standard
    /// output, which scripts read).
    pub fn unmarked(header: &[&str]) -> Result<CsvWriter, csv::Error> {
        let mut w = CsvWriter::rows();
        w.record(header.iter().copied())?;
        Ok(w)
    }

    /// A chunk of rows that follows the file's first.
    pub fn rows() -> CsvWriter {
        CsvWriter(Self::builder().from_writer(Vec::new()))
    }

    fn builder() -> csv::WriterBuilder {
        let mut builder = csv::WriterBuilder::new();
        builder.terminator(csv::Terminator::CRLF);
        builder
    }

    /// Writes one line, each value guarded.
    pub fn record<'a>(&mut self, values: impl IntoIterator<Item = &'a str>) -> csv::Result<()> {
        for value in values {
            self.0.write_field(guard(value).as_bytes())?;
        }
        // An empty record after the fields ends the line.
        self.0.write_record(None::<&[u8]>)
    }

    /// The bytes written.
    pub fn into_bytes(self) -> csv::Result<Vec<u8>> {
        self.0.into_inner().map_err(|e| e.into_error().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_start_a_formula_get_an_apostrophe() {
        for (value, cell) in [
            (
                "=HYPERLINK(\"http://evil.example\",\"点我\")",
                "'=HYPERLINK(\"http://evil.example\",\"点我\")",
            ),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("＝1+1", "'＝1+1"),
            ("-s-minus", "'-s-minus"),
            ("-", "'-"),
            ("-.5", "'-.5"),
            ("-5.", "'-5."),
        ] {
            assert_eq!(guard(value), cell, "{value:?}");
        }
    }

    #[test]
    fn other_cells_and_plain_numbers_are_written_as_they_are() {
        for value in [
            "",
            "Fabrikam 科技",
            "a=b",
            " =1",
            "'t Hooft",
            "'",
            "-165.00",
            "-5",
            "12",
            "0.125",
        ] {
            assert!(matches!(guard(value), Cow::Borrowed(_)), "{value:?}");
        }
    }

    #[test]
    fn apostrophes_before_a_formula_get_one_more() {
        assert_eq!(guard("'=1+2"), "''=1+2");
        assert_eq!(guard("''-x"), "'''-x");
        assert_eq!(guard("'-5"), "''-5");
    }

    #[test]
    fn every_value_reads_back_as_it_was_written() {
        for value in [
            "=1+2", "'=1+2", "''=1+2", "-s-minus", "-165.00", "-5", "'-5", "'t Hooft", "'", "''",
            "@", "＠home", "plain", "", "\t", "a'=b",
        ] {
            assert_eq!(unguard(&guard(value)), value, "{value:?}");
        }
    }

    #[test]
    fn reading_takes_one_apostrophe_off_a_guarded_cell_only() {
        assert_eq!(unguard("'=x"), "=x");
        assert_eq!(unguard("''=x"), "'=x");
        assert_eq!(unguard("'t Hooft"), "'t Hooft");
        // A cell a spreadsheet saved without the apostrophe is taken as it is.
        assert_eq!(unguard("=x"), "=x");
    }

    #[test]
    fn the_writer_guards_every_cell_with_rfc_4180_line_ends() {
        let mut w = CsvWriter::file(&["Name", "Amount"]).unwrap();
        w.record(["=1+2", "-165.00"]).unwrap();
        w.record(["a,b", "-x"]).unwrap();
        let bytes = w.into_bytes().unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "\u{feff}Name,Amount\r\n'=1+2,-165.00\r\n\"a,b\",'-x\r\n"
        );
        let mut more = CsvWriter::rows();
        more.record(["@x"]).unwrap();
        assert_eq!(more.into_bytes().unwrap(), b"'@x\r\n");
    }
}
