//! Reading an import file into rows of text cells, each with the place it came from: CSV (any
//! delimiter, quoted newlines, UTF-8 with or without BOM, or Windows-1252) or the JSON array
//! `expense export --format json` writes. Rule: a cell that is not text is the error of its
//! row, named by its physical line, never a reason to stop reading.

use crate::domain::import::{ImportSpec, TextEncoding};
use crate::domain::text::inert;
use crate::domain::ExpenseRow;
use std::borrow::Cow;
use std::fmt;

/// Where a row came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Loc {
    /// The physical line (from 1) a CSV record starts on.
    Line(u64),
    /// The position (from 1) of an element of a JSON array.
    Entry(usize),
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Loc::Line(n) => write!(f, "line {n}"),
            Loc::Entry(n) => write!(f, "entry {n}"),
        }
    }
}

/// A file as header plus rows; a row is its cells, or why it has none.
#[derive(Debug)]
pub struct Table {
    /// The header cells (`None` for a headerless file).
    pub header: Option<Vec<String>>,
    /// Each data row with its place.
    pub rows: Vec<(Loc, Result<Vec<String>, String>)>,
    /// The delimiter used (CSV only), for `--dry-run`.
    pub delimiter: Option<u8>,
}

/// True when `bytes` look like a JSON array (first non-blank byte `[`).
pub fn is_json(bytes: &[u8]) -> bool {
    strip_bom(bytes)
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'[')
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Reads a JSON array of export rows; a syntax error names its line and column.
pub fn read_json(bytes: &[u8]) -> Result<Table, String> {
    let rows: Vec<ExpenseRow> = serde_json::from_slice(strip_bom(bytes))
        .map_err(|e| format!("not an export JSON array: {e}"))?;
    Ok(Table {
        header: Some(ExpenseRow::COLUMNS.iter().map(|s| s.to_string()).collect()),
        rows: rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let cells = r.into_cells().to_vec();
                (Loc::Entry(i + 1), Ok(cells))
            })
            .collect(),
        delimiter: None,
    })
}

/// Line numbers of byte offsets, counted forward as the reader moves: a line ends in LF, CR LF
/// or a lone CR (old Mac files, some bank exports), where the csv crate's own count sees only LF.
#[derive(Debug, Default)]
struct LineCounter {
    /// Bytes counted so far.
    pos: usize,
    /// Line breaks before `pos`.
    breaks: u64,
}

impl LineCounter {
    /// The 1-based line that byte `at` of `text` is on (`at` never goes backwards).
    fn at(&mut self, text: &[u8], at: u64) -> u64 {
        let to = usize::try_from(at).unwrap_or(usize::MAX).min(text.len());
        while self.pos < to {
            match text[self.pos] {
                b'\n' => self.breaks += 1,
                b'\r' if text.get(self.pos + 1) != Some(&b'\n') => self.breaks += 1,
                _ => {}
            }
            self.pos += 1;
        }
        self.breaks + 1
    }
}

/// Reads CSV: the encoding decoded (a UTF-8 BOM skipped), the delimiter from the spec or guessed
/// from the first line, the first record as header unless `spec.no_header`.
pub fn read_csv(bytes: &[u8], spec: &ImportSpec) -> Result<Table, String> {
    let text: Cow<'_, [u8]> = match spec.encoding {
        TextEncoding::Utf8 => Cow::Borrowed(strip_bom(bytes)),
        TextEncoding::Windows1252 => {
            // `decode` also honours a BOM (a UTF-8 file read as Latin-1 stays right).
            let (s, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            match s {
                Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
                Cow::Owned(s) => Cow::Owned(s.into_bytes()),
            }
        }
    };
    let delimiter = spec.delimiter.unwrap_or_else(|| guess_delimiter(&text));
    check_quotes(&text, delimiter)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(&text[..]);
    let mut record = csv::ByteRecord::new();
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut first = true;
    let mut lines = LineCounter::default();
    loop {
        let line = lines.at(&text, reader.position().byte());
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                rows.push((Loc::Line(line), Err(format!("unreadable CSV: {e}"))));
                continue;
            }
        }
        // csv reports where it started looking for the record, before skipping blank lines:
        // the record's own first line is after those.
        let line = match record.position() {
            Some(p) => {
                let from = usize::try_from(p.byte()).unwrap_or(usize::MAX);
                let blank = text
                    .get(from..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|b| matches!(b, b'\n' | b'\r'))
                    .count();
                lines.at(&text, p.byte() + blank as u64)
            }
            None => line,
        };
        let cells = cells(&record);
        if first && !spec.no_header {
            first = false;
            header = Some(cells.map_err(|e| format!("line {line}: the header {e}"))?);
            continue;
        }
        first = false;
        let cells = cells.and_then(|c| match &header {
            Some(h) if c.len() != h.len() => Err(format!(
                "{} fields, the header has {}{}",
                c.len(),
                h.len(),
                if c.len() > h.len() && delimiter == b',' {
                    " (an unquoted ',' in an amount? try --decimal-comma with --delimiter ';')"
                } else {
                    ""
                }
            )),
            _ => Ok(c),
        });
        rows.push((Loc::Line(line), cells));
    }
    if header.is_none() && !spec.no_header {
        return Err("the file is empty (no header row)".into());
    }
    Ok(Table {
        header,
        rows,
        delimiter: Some(delimiter),
    })
}

/// Refuses a quote that is never closed, naming the line it opens on, before any row is read:
/// CSV readers take everything up to the next quote (or the end of the file) as one cell, so
/// the rows after it would be swallowed into one payee. Quotes are read as the CSV reader
/// reads them (a quote opens a quoted cell only at the start of a cell, `""` inside one is a
/// quote, and after the closing quote the cell goes on unquoted). Two cases are refused:
/// - the file ends inside a quoted cell;
/// - a quoted cell runs over a line break onto a line that reads like a row of its own: as
///   many delimiters on it, inside the cell, as the first record has between its cells
///   (at least one). A note that spans lines holds text, not a row's worth of delimiters.
fn check_quotes(text: &[u8], delimiter: u8) -> Result<(), String> {
    let fix = "close it, or write a quote inside a quoted cell as \"\"; nothing was imported";
    // Delimiters between the cells of the first record: what a row's line holds.
    let mut row_delims: Option<usize> = None;
    let mut delims = 0usize;
    let mut line: u64 = 1;
    let mut at_cell_start = true;
    // Inside a quoted cell: the line it opened on, and delimiters on the current line of it.
    let mut open: Option<(u64, usize)> = None;
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if let Some((opened, inner)) = open {
            open = match b {
                b'"' if text.get(i + 1) == Some(&b'"') => {
                    i += 1;
                    open
                }
                b'"' => {
                    if line > opened {
                        swallowed(opened, line, inner, row_delims, fix)?;
                    }
                    None
                }
                b'\n' => {
                    if line > opened {
                        swallowed(opened, line, inner, row_delims, fix)?;
                    }
                    line += 1;
                    Some((opened, 0))
                }
                _ if b == delimiter => Some((opened, inner + 1)),
                _ => open,
            };
            i += 1;
            continue;
        }
        match b {
            b'"' if at_cell_start => {
                open = Some((line, 0));
                at_cell_start = false;
            }
            b'\n' | b'\r' => {
                if b == b'\n' {
                    line += 1;
                }
                if row_delims.is_none() && !(at_cell_start && delims == 0) {
                    row_delims = Some(delims);
                }
                at_cell_start = true;
            }
            _ if b == delimiter => {
                delims += 1;
                at_cell_start = true;
            }
            _ => at_cell_start = false,
        }
        i += 1;
    }
    match open {
        Some((opened, _)) => Err(format!(
            "line {opened}: a quote opens a cell here and is never closed (the rest of the file \
             would be one cell); {fix}"
        )),
        None => Ok(()),
    }
}

/// The error for a quoted cell that opened on line `opened` and holds, on its line `line`,
/// `inner` delimiters: enough for a row (see [`check_quotes`]). Inside the first record there
/// is no row to compare with yet: only the end of the file judges it.
fn swallowed(
    opened: u64,
    line: u64,
    inner: usize,
    row_delims: Option<usize>,
    fix: &str,
) -> Result<(), String> {
    let Some(row) = row_delims else {
        return Ok(());
    };
    if inner >= row.max(1) {
        return Err(format!(
            "line {opened}: a quote opens a cell here that runs on over line {line}, which reads \
             like a row of its own ({} cells); an unbalanced quote? {fix}",
            inner + 1
        ));
    }
    Ok(())
}

/// The cells of a record as text; an invalid UTF-8 cell names its column and byte.
fn cells(record: &csv::ByteRecord) -> Result<Vec<String>, String> {
    record
        .iter()
        .enumerate()
        .map(|(i, field)| match std::str::from_utf8(field) {
            Ok(s) => Ok(s.to_string()),
            Err(e) => {
                let at = e.valid_up_to();
                let byte = field.get(at).copied().unwrap_or(0);
                let before = String::from_utf8_lossy(&field[..at]);
                Err(format!(
                    "column {} is not valid UTF-8 (byte 0x{byte:02X} after '{}'); if the file is \
                     Latin-1 or Windows-1252, use --encoding windows-1252",
                    i + 1,
                    inert(&before)
                ))
            }
        })
        .collect()
}

/// The most frequent of `,` `;` tab `|` outside quotes on the first line (`,` on a tie or none).
fn guess_delimiter(text: &[u8]) -> u8 {
    let mut counts = [0usize; 4];
    let candidates = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for &b in text {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = candidates.iter().position(|&c| c == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for i in 1..candidates.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    candidates[best]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(t: &Table) -> Vec<u64> {
        t.rows
            .iter()
            .map(|(l, _)| match l {
                Loc::Line(n) => *n,
                Loc::Entry(n) => *n as u64,
            })
            .collect()
    }

    #[test]
    fn physical_lines_bom_and_delimiters() {
        let spec = ImportSpec::default();
        let text =
            b"\xEF\xBB\xBFdate;amount;payee\n2026-01-01;-1;\"two\nlines\"\n\n2026-01-02;-2;x\n";
        let t = read_csv(text, &spec).unwrap();
        assert_eq!(t.header.as_deref().unwrap()[0], "date", "BOM skipped");
        assert_eq!(t.delimiter, Some(b';'));
        assert_eq!(lines(&t), vec![2, 5]);
        assert_eq!(t.rows[0].1.as_ref().unwrap()[2], "two\nlines");
        assert_eq!(guess_delimiter(b"a\tb\tc,d\n"), b'\t');
        assert_eq!(guess_delimiter(b"\"a;b\",c\n"), b',');
    }

    #[test]
    fn an_unbalanced_quote_is_refused_with_the_line_it_opens_on() {
        let spec = ImportSpec::default();
        // Never closed: the rest of the file would be one payee (here, the next row is named).
        let text =
            b"date,amount,payee\n2026-01-01,-1,ok\n2026-01-02,-1,\"Shop\n2026-01-03,-2,Cafe\n";
        let e = read_csv(text, &spec).unwrap_err();
        assert!(
            e.starts_with("line 3: a quote opens a cell here that runs on over line 4"),
            "{e}"
        );
        assert!(e.contains("nothing was imported"), "{e}");
        let text = b"date,amount,payee\n2026-01-01,-1,\"Shop\nand more\n";
        let e = read_csv(text, &spec).unwrap_err();
        assert!(
            e.starts_with("line 2: a quote opens a cell here and is never closed"),
            "{e}"
        );
        // Closed later, after swallowing a line that is a row of its own.
        let text = b"date,amount,payee,note\n2026-01-01,-1,\"Shop,x\n2026-01-02,-2,Cafe,y\n2026-01-03,-3,\"Bar\",z\n";
        let e = read_csv(text, &spec).unwrap_err();
        assert!(
            e.starts_with("line 2: a quote opens a cell here that runs on over line 3, which reads like a row of its own (4 cells)"),
            "{e}"
        );
        // The same with a semicolon file, CRLF line ends and the swallowed row at the end.
        let text = b"date;amount;payee\r\n2026-01-01;-1;\"Shop\r\n2026-01-02;-2;Cafe\"\r\n";
        let e = read_csv(text, &spec).unwrap_err();
        assert!(e.starts_with("line 2: "), "{e}");
        // A note over two lines, quotes written twice, and a quote inside an unquoted cell
        // are all fine.
        let text = b"date,amount,payee,note\n2026-01-01,-1,\"Say \"\"hi\"\"\",\"one, two\nthree\"\n2026-01-02,-2,Joe\"s,x\n";
        let t = read_csv(text, &spec).unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].1.as_ref().unwrap()[2], "Say \"hi\"");
        assert_eq!(t.rows[0].1.as_ref().unwrap()[3], "one, two\nthree");
        assert_eq!(t.rows[1].1.as_ref().unwrap()[2], "Joe\"s");
    }

    #[test]
    fn invalid_utf8_is_the_error_of_its_row() {
        let spec = ImportSpec::default();
        let t = read_csv(
            b"date,amount,payee\n2026-01-01,-1,Caf\xE9\n2026-01-02,-2,ok\n",
            &spec,
        )
        .unwrap();
        let err = t.rows[0].1.as_ref().unwrap_err();
        assert!(
            err.contains("column 3") && err.contains("0xE9") && err.contains("Caf"),
            "{err}"
        );
        assert!(t.rows[1].1.is_ok());
        let latin = ImportSpec {
            encoding: TextEncoding::Windows1252,
            ..ImportSpec::default()
        };
        let t = read_csv(b"date,amount,payee\n2026-01-01,-1,Caf\xE9 \x80\n", &latin).unwrap();
        assert_eq!(t.rows[0].1.as_ref().unwrap()[2], "Café €");
        let err = read_csv(b"date,amount\n2026-01-01,1,2\n", &spec)
            .unwrap()
            .rows[0]
            .1
            .clone()
            .unwrap_err();
        assert!(err.contains("3 fields, the header has 2"), "{err}");
        assert!(read_csv(b"", &spec).is_err());
    }

    #[test]
    fn json_rows_become_cells() {
        let t = read_json(
            br#"[{"id":"01J","date":"2026-01-01","amount":"1.00","currency":"EUR",
            "category":"a","payee":"p","note":"","tags":["x","y"],"kind":"expense","version":2}]"#,
        )
        .unwrap();
        assert_eq!(t.rows[0].0, Loc::Entry(1));
        assert_eq!(t.rows[0].1.as_ref().unwrap()[7], "x y");
        assert!(is_json(b"\xEF\xBB\xBF  ["));
        assert!(!is_json(b"date,amount"));
        assert!(read_json(b"[{\"id\": 1}]").unwrap_err().contains("line 1"));
    }
}
