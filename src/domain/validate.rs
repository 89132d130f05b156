//! Every rule a field obeys, with the message a person reads. Used by the form, the CLI and import.
//!
//! Text fields never hold a control or bidi-override character (see `domain::text`): the
//! category, payee and tags refuse one, naming the field; a note turns tabs and line breaks into
//! spaces and refuses the rest. Import cleans its cells before they get here.

use super::expense::refused_sign;
use super::expense::{Draft, Kind};
use super::money::{eval_signed_amount, Currency, MoneyError};
use chrono::NaiveDate;

/// Longest payee, in characters.
pub const MAX_PAYEE: usize = 200;
/// Longest note, in characters (a 20 MB note is refused, never stored).
pub const MAX_NOTE: usize = 2_000;
/// Longest category path, in characters.
pub const MAX_CATEGORY: usize = 120;
/// Longest tag, in characters.
pub const MAX_TAG: usize = 40;
/// Most tags on one expense.
pub const MAX_TAGS: usize = 20;

/// A field of the expense form, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// Date field.
    Date,
    /// Amount field (arithmetic allowed).
    Amount,
    /// Currency field.
    Currency,
    /// Category field.
    Category,
    /// Payee field.
    Payee,
    /// Tags field (space or comma separated).
    Tags,
    /// Note field.
    Note,
    /// Expense / income toggle.
    Kind,
}

impl Field {
    /// Tab order.
    pub const ALL: [Field; 8] = [
        Field::Date,
        Field::Amount,
        Field::Payee,
        Field::Category,
        Field::Tags,
        Field::Note,
        Field::Currency,
        Field::Kind,
    ];

    /// The label a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Field::Date => "Date",
            Field::Amount => "Amount",
            Field::Currency => "Currency",
            Field::Category => "Category",
            Field::Payee => "Payee",
            Field::Tags => "Tags",
            Field::Note => "Note",
            Field::Kind => "Kind",
        }
    }

    /// This field of `d` as the form writes it (`expense`/`income` for the kind).
    pub fn text_of(self, d: &Draft) -> String {
        match self {
            Field::Date => d.date.format("%Y-%m-%d").to_string(),
            Field::Amount => super::money::format_plain(d.amount, d.currency),
            Field::Currency => d.currency.code().to_string(),
            Field::Category => d.category.clone(),
            Field::Payee => d.payee.clone(),
            Field::Tags => d.tags.join(" "),
            Field::Note => d.note.clone(),
            Field::Kind => d.kind.as_str().to_string(),
        }
    }
}

/// Why a field's text was refused; its `Display` is the message a person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// The date is blank.
    #[error("date is empty (try today, yesterday, -3 or 2026-11-21)")]
    DateEmpty,
    /// `yesterday` of the first representable day.
    #[error("date out of range")]
    DateOutOfRange,
    /// `-N` whose N is not a number.
    #[error("'{0}' is not a number of days")]
    NotDays(String),
    /// `-N` reaching before the first representable day.
    #[error("'{0}' is out of range")]
    DaysOutOfRange(String),
    /// Not shaped `YYYY-MM-DD`.
    #[error("date '{0}' must be YYYY-MM-DD (or today, yesterday, -3)")]
    DateShape(String),
    /// Shaped right, but no such day (`2023-02-30`).
    #[error("date '{0}' does not exist")]
    NoSuchDate(String),
    /// The category is blank.
    #[error("category is empty (e.g. food:groceries)")]
    CategoryEmpty,
    /// The category is longer than [`MAX_CATEGORY`].
    #[error("category is longer than {} characters", MAX_CATEGORY)]
    CategoryTooLong,
    /// The category has an empty `:` segment.
    #[error("category '{0}' has an empty part between ':'")]
    CategoryEmptyPart(String),
    /// The payee is longer than [`MAX_PAYEE`].
    #[error("payee is longer than {} characters", MAX_PAYEE)]
    PayeeTooLong,
    /// The note is longer than [`MAX_NOTE`]; `bytes` is its length in bytes.
    #[error("note is too long ({bytes} bytes; at most {} characters)", MAX_NOTE)]
    NoteTooLong {
        /// Length of the refused note, in bytes.
        bytes: usize,
    },
    /// One tag is longer than [`MAX_TAG`].
    #[error("tag '{}' is longer than {} characters", .0, MAX_TAG)]
    TagTooLong(String),
    /// More than [`MAX_TAGS`] tags; holds how many.
    #[error("{} tags; at most {}", .0, MAX_TAGS)]
    TooManyTags(usize),
    /// The text holds a control or bidi-override character, which stored text never holds.
    #[error("{field} '{}' holds {}; type it without", crate::domain::text::shown(.text), crate::domain::text::describe(*.ch))]
    Unsafe {
        /// The field, as a message names it (`payee`).
        field: &'static str,
        /// The refused text.
        text: String,
        /// The first refused character in it.
        ch: char,
    },
    /// The currency or the amount, as the money parser words it.
    #[error(transparent)]
    Money(MoneyError),
    /// A date where the amount goes (it would compute as a subtraction).
    #[error("'{}' is a date, not an amount (the date has its own field; write the amount like 12.50)", crate::domain::text::shown(.0))]
    DateAsAmount(String),
    /// A negative amount with the kind income; holds the amount as typed.
    #[error("'{}': {}", crate::domain::text::shown(.0), NEGATIVE_INCOME)]
    NegativeIncome(String),
}

/// Why a negative income is refused (the form's Kind field toggles with space).
const NEGATIVE_INCOME: &str =
    "an income cannot be negative (a refund is a negative expense: set the kind to expense)";

/// An amount for `kind`: arithmetic allowed, a leading `-` makes a refund, which only an expense
/// can be.
pub fn parse_amount_for(input: &str, currency: Currency, kind: Kind) -> Result<i64, FieldError> {
    // `2026-11-20` is arithmetic (1995), but nobody means that: a date typed one field off.
    if parse_iso_date(input.trim()).is_ok() {
        return Err(FieldError::DateAsAmount(input.trim().to_string()));
    }
    let amount = eval_signed_amount(input, currency).map_err(FieldError::Money)?;
    match refused_sign(kind, amount) {
        Some(_) => Err(FieldError::NegativeIncome(input.trim().to_string())),
        None => Ok(amount),
    }
}

/// A strict `YYYY-MM-DD`, or `today`, `yesterday`, `-N` (N days ago).
pub fn parse_date(input: &str, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    let s = input.trim();
    match s.to_ascii_lowercase().as_str() {
        "" => return Err(FieldError::DateEmpty),
        "today" | "t" => return Ok(today),
        "yesterday" | "y" => return today.pred_opt().ok_or(FieldError::DateOutOfRange),
        _ => {}
    }
    if let Some(days) = s.strip_prefix('-') {
        if !days.is_empty() && days.len() <= 5 && days.bytes().all(|b| b.is_ascii_digit()) {
            let n: u64 = days
                .parse()
                .map_err(|_| FieldError::NotDays(s.to_string()))?;
            return today
                .checked_sub_days(chrono::Days::new(n))
                .ok_or_else(|| FieldError::DaysOutOfRange(s.to_string()));
        }
    }
    parse_iso_date(s)
}

/// A strict ISO date: four-digit year, two-digit month and day, and a day that exists.
pub fn parse_iso_date(s: &str) -> Result<NaiveDate, FieldError> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(FieldError::DateShape(s.to_string()));
    }
    let (y, m, d) = (
        s[..4].parse::<i32>().unwrap_or(0),
        s[5..7].parse::<u32>().unwrap_or(0),
        s[8..].parse::<u32>().unwrap_or(0),
    );
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| FieldError::NoSuchDate(s.to_string()))
}

/// `Err` when `text` holds a character stored text never holds (`domain::text::refused`).
fn no_controls(field: &'static str, text: &str) -> Result<(), FieldError> {
    match crate::domain::text::refused(text) {
        None => Ok(()),
        Some(ch) => Err(FieldError::Unsafe {
            field,
            text: text.to_string(),
            ch,
        }),
    }
}

/// A category path: non-empty `:`-separated segments, trimmed, no control characters.
pub fn parse_category(input: &str) -> Result<String, FieldError> {
    let s = input.trim();
    no_controls("category", s)?;
    if s.is_empty() {
        return Err(FieldError::CategoryEmpty);
    }
    if s.chars().count() > MAX_CATEGORY {
        return Err(FieldError::CategoryTooLong);
    }
    let segments: Vec<&str> = s.split(':').map(str::trim).collect();
    if segments.iter().any(|seg| seg.is_empty()) {
        return Err(FieldError::CategoryEmptyPart(s.to_string()));
    }
    Ok(segments.join(":"))
}

/// A payee: trimmed, bounded, no control characters. May be empty.
pub fn parse_payee(input: &str) -> Result<String, FieldError> {
    let s = input.trim();
    no_controls("payee", s)?;
    if s.chars().count() > MAX_PAYEE {
        return Err(FieldError::PayeeTooLong);
    }
    Ok(s.to_string())
}

/// A note: bounded; tabs and line breaks become spaces, other control characters are refused.
/// Checked by byte length first so a huge paste is refused without a full scan.
pub fn parse_note(input: &str) -> Result<String, FieldError> {
    if input.len() > MAX_NOTE * 4 || input.chars().count() > MAX_NOTE {
        return Err(FieldError::NoteTooLong { bytes: input.len() });
    }
    let note = input.trim().replace(['\t', '\r', '\n'], " ");
    no_controls("note", &note)?;
    Ok(note)
}

/// Tags separated by spaces or commas, each without a leading `#`, de-duplicated in order.
pub fn parse_tags(input: &str) -> Result<Vec<String>, FieldError> {
    let mut tags: Vec<String> = Vec::new();
    // Split at spaces and commas; other blanks (a no-break space) around a tag go too, so a tag
    // is never only blank.
    // Control characters are not trimmed: they are refused below, naming the field.
    let blank = |c: char| c.is_whitespace() && !c.is_control();
    for raw in input
        .split([' ', ','])
        .map(|t| t.trim_matches(blank))
        .filter(|t| !t.is_empty())
    {
        let tag = raw.trim_start_matches('#').trim_matches(blank);
        if tag.is_empty() {
            continue;
        }
        no_controls("tag", tag)?;
        if tag.chars().count() > MAX_TAG {
            return Err(FieldError::TagTooLong(tag.to_string()));
        }
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_string());
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(FieldError::TooManyTags(tags.len()));
    }
    Ok(tags)
}

/// The raw text of every form field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawDraft {
    /// Date text.
    pub date: String,
    /// Amount text, arithmetic allowed.
    pub amount: String,
    /// Currency code.
    pub currency: String,
    /// Category path.
    pub category: String,
    /// Payee.
    pub payee: String,
    /// Tags text.
    pub tags: String,
    /// Note.
    pub note: String,
    /// Kind.
    pub kind: Kind,
}

/// Validates every field; on failure returns each bad field with its reason, in tab order.
pub fn validate_draft(raw: &RawDraft, today: NaiveDate) -> Result<Draft, Vec<(Field, FieldError)>> {
    let mut errors = Vec::new();
    fn keep<T>(
        errors: &mut Vec<(Field, FieldError)>,
        field: Field,
        r: Result<T, FieldError>,
    ) -> Option<T> {
        r.map_err(|e| errors.push((field, e))).ok()
    }
    macro_rules! check {
        ($field:expr, $r:expr $(,)?) => {
            keep(&mut errors, $field, $r)
        };
    }
    let date = check!(Field::Date, parse_date(&raw.date, today));
    let currency = check!(
        Field::Currency,
        Currency::parse(&raw.currency).map_err(FieldError::Money),
    );
    let amount = match currency {
        Some(c) => check!(Field::Amount, parse_amount_for(&raw.amount, c, raw.kind)),
        None => None,
    };
    let payee = check!(Field::Payee, parse_payee(&raw.payee));
    let category = check!(Field::Category, parse_category(&raw.category));
    let tags = check!(Field::Tags, parse_tags(&raw.tags));
    let note = check!(Field::Note, parse_note(&raw.note));
    match (date, amount, currency, category, payee, tags, note) {
        (
            Some(date),
            Some(amount),
            Some(currency),
            Some(category),
            Some(payee),
            Some(tags),
            Some(note),
        ) if errors.is_empty() => Ok(Draft {
            date,
            amount,
            currency,
            category,
            payee,
            note,
            tags,
            kind: raw.kind,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2023-02-29", today()).is_err());
        assert!(parse_date("2023-2-3", today()).is_err());
        assert_eq!(
            parse_date("2024-02-29", today()),
            Ok(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap())
        );
        assert_eq!(parse_date("today", today()), Ok(today()));
        assert_eq!(
            parse_date("yesterday", today()),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap())
        );
        assert_eq!(
            parse_date("-3", today()),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 18).unwrap())
        );
        assert!(parse_date("2023-02-30", today())
            .unwrap_err()
            .to_string()
            .contains("2023-02-30"));
        assert!(parse_date("soon", today()).is_err());
    }

    #[test]
    fn a_date_in_the_amount_is_refused_not_computed() {
        let err = parse_amount_for("2026-11-20", Currency::EUR, Kind::Expense).unwrap_err();
        assert!(
            err.to_string().contains("is a date, not an amount"),
            "{err}"
        );
        // Arithmetic that is no date still computes.
        assert_eq!(
            parse_amount_for("2026-11", Currency::EUR, Kind::Expense),
            Ok(201_500)
        );
        assert_eq!(
            parse_amount_for("12.50-2", Currency::EUR, Kind::Expense),
            Ok(1_050)
        );
    }

    #[test]
    fn categories_tags_and_limits() {
        assert_eq!(
            parse_category(" food : groceries "),
            Ok("food:groceries".into())
        );
        assert!(parse_category("food::x").is_err());
        assert!(parse_category("").is_err());
        assert_eq!(
            parse_tags("#a b,a  c"),
            Ok(vec!["a".into(), "b".into(), "c".into()])
        );
        assert!(parse_note(&"x".repeat(5 * 1024 * 1024)).is_err());
        assert!(parse_payee(&"p".repeat(MAX_PAYEE + 1)).is_err());
    }

    #[test]
    fn control_characters_are_refused_naming_the_field() {
        let e = parse_payee("\u{1b}]0;pwned\u{7}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "payee '^[]0;pwned^G' holds a control character (U+001B); type it without"
        );
        assert!(parse_payee("nul\0").is_err());
        assert!(
            parse_payee("=HYPERLINK(\"http://x\")").is_ok(),
            "formulas are text"
        );
        let e = parse_category("food\u{202E}").unwrap_err().to_string();
        assert!(
            e.starts_with("category 'food<U+202E>' holds a bidi control"),
            "{e}"
        );
        assert!(parse_tags("ok bad\u{85}")
            .unwrap_err()
            .to_string()
            .starts_with("tag "));
        assert_eq!(
            parse_note(" two\nlines\tand tab ").unwrap(),
            "two lines and tab"
        );
        assert!(parse_note("bell\u{7}")
            .unwrap_err()
            .to_string()
            .starts_with("note "));
    }

    #[test]
    fn draft_collects_every_error() {
        let raw = RawDraft {
            date: "2023-02-30".into(),
            amount: "12,3.4".into(),
            currency: "EUR".into(),
            category: "".into(),
            ..RawDraft::default()
        };
        let errs = validate_draft(&raw, today()).unwrap_err();
        let fields: Vec<Field> = errs.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec![Field::Date, Field::Amount, Field::Category]);
        let ok = RawDraft {
            date: "today".into(),
            amount: "3*2.40".into(),
            currency: "eur".into(),
            category: "food".into(),
            ..RawDraft::default()
        };
        let d = validate_draft(&ok, today()).unwrap();
        assert_eq!(d.amount, 720);
    }

    #[test]
    fn a_refund_is_a_negative_expense_and_income_is_never_negative() {
        let raw = |amount: &str, kind: Kind| RawDraft {
            date: "today".into(),
            amount: amount.into(),
            currency: "EUR".into(),
            category: "food".into(),
            kind,
            ..RawDraft::default()
        };
        let d = validate_draft(&raw("-12.50", Kind::Expense), today()).unwrap();
        assert_eq!((d.amount, d.kind), (-1250, Kind::Expense));
        assert!(d.is_refund());
        let errs = validate_draft(&raw("-12.50", Kind::Income), today()).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].0, Field::Amount);
        assert_eq!(
            errs[0].1.to_string(),
            "'-12.50': an income cannot be negative (a refund is a negative expense: set the \
             kind to expense)"
        );
        let errs = validate_draft(&raw("-0", Kind::Expense), today()).unwrap_err();
        assert_eq!(
            errs[0].1.to_string(),
            "'-0': a refund must be more than zero"
        );
        let d = validate_draft(&raw("12.50", Kind::Income), today()).unwrap();
        assert_eq!((d.amount, d.kind), (1250, Kind::Income));
    }

    #[test]
    fn field_errors_read_as_before() {
        let msg = |r: Result<NaiveDate, FieldError>| r.unwrap_err().to_string();
        assert_eq!(
            msg(parse_date(" ", today())),
            "date is empty (try today, yesterday, -3 or 2026-11-21)"
        );
        assert_eq!(
            FieldError::DaysOutOfRange("-99999".into()).to_string(),
            "'-99999' is out of range"
        );
        assert_eq!(
            msg(parse_date("soon", today())),
            "date 'soon' must be YYYY-MM-DD (or today, yesterday, -3)"
        );
        assert_eq!(
            msg(parse_iso_date("2023-02-30")),
            "date '2023-02-30' does not exist"
        );
        assert_eq!(FieldError::DateOutOfRange.to_string(), "date out of range");
        assert_eq!(
            FieldError::NotDays("-x".into()).to_string(),
            "'-x' is not a number of days"
        );
        let text = |r: Result<String, FieldError>| r.unwrap_err().to_string();
        assert_eq!(
            text(parse_category("")),
            "category is empty (e.g. food:groceries)"
        );
        assert_eq!(
            text(parse_category(&"c".repeat(MAX_CATEGORY + 1))),
            "category is longer than 120 characters"
        );
        assert_eq!(
            text(parse_category("food::x")),
            "category 'food::x' has an empty part between ':'"
        );
        assert_eq!(
            text(parse_payee(&"p".repeat(MAX_PAYEE + 1))),
            "payee is longer than 200 characters"
        );
        assert_eq!(
            text(parse_note(&"n".repeat(MAX_NOTE + 1))),
            "note is too long (2001 bytes; at most 2000 characters)"
        );
        let tags = |s: &str| parse_tags(s).unwrap_err().to_string();
        assert_eq!(
            tags(&"t".repeat(MAX_TAG + 1)),
            format!("tag '{}' is longer than 40 characters", "t".repeat(41))
        );
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert_eq!(tags(&many.join(" ")), "21 tags; at most 20");
        assert_eq!(
            FieldError::Money(MoneyError::Empty).to_string(),
            MoneyError::Empty.to_string()
        );
    }
}
