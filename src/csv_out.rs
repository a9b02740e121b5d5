//! The one CSV writer of scorebook's outputs (the CRM import files and the
//! model directory's tables): RFC 4180 with LF line endings, quoting only
//! where needed, and every text cell that comes from the data neutralized
//! against formula injection as OWASP advises, because these files are
//! opened in a spreadsheet before anyone loads them.
//!
//! A text cell whose first non-blank character is `=`, `+`, `-`, `@`
//! (or their full-width forms), a tab, a carriage return or a line feed is
//! written with a leading `'`, which a spreadsheet shows as text and never
//! evaluates; a cell that is a plain number (`-12.5`) is left as it is.
//! Numbers scorebook formats and words of its own go in unchanged.

use std::borrow::Cow;
use std::io::Write;

use crate::error::{Error, Result};

/// The characters a spreadsheet reads as the start of a formula.
const TRIGGERS: [char; 11] = [
    '=', '+', '-', '@', '\t', '\r', '\n', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
];

/// Whether a spreadsheet could read `s` as a formula.
pub fn is_live(s: &str) -> bool {
    let first = s.trim_start_matches(' ').chars().next();
    first.is_some_and(|c| TRIGGERS.contains(&c)) && !is_plain_number(s.trim())
}

/// A number as written: optional sign, digits, at most one point, an
/// optional exponent (nothing a spreadsheet evaluates beyond the number).
fn is_plain_number(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exp) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (body, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let m_ok = match mantissa.split_once('.') {
        Some((a, b)) => {
            (digits(a) || a.is_empty()) && (digits(b) || b.is_empty()) && a.len() + b.len() > 0
        }
        None => digits(mantissa),
    };
    m_ok && exp.is_none_or(digits)
}

/// `s` as a cell a spreadsheet shows and does not evaluate.
pub fn neutralize(s: &str) -> Cow<'_, str> {
    if is_live(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A CSV being written a cell at a time.
pub struct CsvOut<W: Write> {
    w: csv::Writer<W>,
}

impl<W: Write> CsvOut<W> {
    pub fn new(w: W) -> Self {
        CsvOut {
            w: csv::WriterBuilder::new()
                .buffer_capacity(4096)
                .terminator(csv::Terminator::Any(b'\n'))
                .quote_style(csv::QuoteStyle::Necessary)
                .from_writer(w),
        }
    }

    /// A text cell from the data, neutralized.
    pub fn text(&mut self, s: &str) -> Result<()> {
        self.w
            .write_field(neutralize(s).as_bytes())
            .map_err(csv_error)
    }

    /// A cell scorebook wrote itself (a number, a date, a header, its own
    /// words): as it is.
    pub fn own(&mut self, s: &str) -> Result<()> {
        self.w.write_field(s).map_err(csv_error)
    }

    /// A row of scorebook's own cells (a header).
    pub fn own_row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> Result<()> {
        for c in cells {
            self.own(c)?;
        }
        self.end_row()
    }

    /// Ends the row and flushes it to the underlying writer.
    pub fn end_row(&mut self) -> Result<()> {
        self.w.write_record(None::<&[u8]>).map_err(csv_error)?;
        self.w
            .flush()
            .map_err(|e| Error::Internal(format!("writing CSV: {e}")))
    }

    pub fn into_inner(self) -> Result<W> {
        self.w
            .into_inner()
            .map_err(|e| Error::Internal(format!("writing CSV: {}", e.error())))
    }
}

fn csv_error(e: csv::Error) -> Error {
    Error::Internal(format!("writing CSV: {e}"))
}

/// A whole table in memory: `header`, then `rows` of cells, each cell
/// text from the data (`true`) or scorebook's own (`false`).
pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<(String, bool)>>) -> Vec<u8> {
    let mut out = CsvOut::new(vec![]);
    let write = |out: &mut CsvOut<Vec<u8>>| -> Result<()> {
        out.own_row(header.iter().copied())?;
        for row in rows {
            for (cell, data) in &row {
                if *data {
                    out.text(cell)?;
                } else {
                    out.own(cell)?;
                }
            }
            out.end_row()?;
        }
        Ok(())
    };
    // writing into memory cannot fail
    let _ = write(&mut out);
    out.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralized_and_numbers_kept() {
        for live in [
            "=1+1",
            "+1-2A",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\r=x",
            "  =HYPERLINK(\"http://x\")",
            "\u{FF1D}1+1",
        ] {
            assert_eq!(neutralize(live), format!("'{live}"), "{live:?}");
        }
        for safe in [
            "-12.5", "+3", "1e-5", "-.5", "Acme", "a=b", "", " ", "Tier 1",
        ] {
            assert_eq!(neutralize(safe), safe, "{safe:?}");
        }
    }

    #[test]
    fn a_table_quotes_and_neutralizes() {
        let t = table(
            &["name", "n"],
            [vec![
                ("=cmd|' /C calc'!A0, \"x\"".into(), true),
                ("-1".into(), false),
            ]],
        );
        assert_eq!(
            String::from_utf8(t).unwrap(),
            "name,n\n\"'=cmd|' /C calc'!A0, \"\"x\"\"\",-1\n"
        );
    }
}
