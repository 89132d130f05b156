//! A user trigger as the engine delivers it: a filter over change records (events, origins, a
//! category, a minimum amount, payee, tags, kind, and which fields changed between the old and
//! the new image), how records are grouped into runs (`batch_size`, `batch_window`), how old a
//! record may be before it is dead-lettered instead of delivered (`max_record_age`), and a
//! command that receives the records as JSON in the trigger's view and format (plain, or
//! DynamoDB's own). Parsed from `[[trigger]]` in config (`config::trigger`); delivered by
//! `engine::triggers`. Pure: the filter reads only the record (a budget's by its category and
//! limit, a schedule's by the expense it posts).

use super::budget::{BudgetChange, Limit};
use super::category::is_within;
use super::change::{ChangeRecord, Event, Origin};
use super::stream::{Format, StreamSource, View};
use super::{Expense, Kind};
use std::time::Duration;

/// One configured trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerSpec {
    /// Unique name, `[A-Za-z0-9_-]+` (the key of its checkpoint).
    pub name: String,
    /// Run with `sh -c`, the record (or `{"Records": [...]}`) on stdin.
    pub command: String,
    /// Events that match (empty: all).
    pub events: Vec<Event>,
    /// The category or below it, in the old or the new image.
    pub category: Option<String>,
    /// Minimum amount as minor units at scale 3 (`50` = 50000), in the record's currency.
    pub min_amount: Option<i128>,
    /// Origins that match (empty: all).
    pub origins: Vec<Origin>,
    /// The payee, lowercased, compared case-insensitively with the old or the new image's.
    pub payee: Option<String>,
    /// Any of these tags in the old or the new image (empty: no condition).
    pub tags: Vec<String>,
    /// Expense or income, in the old or the new image.
    pub kind: Option<Kind>,
    /// Any of these fields changed (MODIFY) or is present (INSERT, REMOVE); empty: no condition.
    pub changed: Vec<Field>,
    /// Images in the JSON.
    pub view: View,
    /// Records per run, 1..=[`MAX_BATCH`]; 1 hands one record, more hand `{"Records": [...]}`.
    pub batch_size: usize,
    /// How long a batch that is not full waits for more records (from its oldest record's
    /// time); zero delivers what is there.
    pub batch_window: Duration,
    /// Records older than this when they come up for delivery are dead-lettered instead.
    pub max_record_age: Option<Duration>,
    /// How each record is written (`format = "plain" | "dynamodb"`).
    pub format: Format,
    /// The stream the records come from: the region from config (`[stream] region`), the label
    /// from the store, filled by whoever starts delivering (`engine::stream_format::for_store`).
    pub source: StreamSource,
    /// Attempts before a batch is dead-lettered (at least 1).
    pub max_attempts: u32,
    /// Delay before the first retry; doubled for each further one, at most [`MAX_BACKOFF`].
    pub backoff: Duration,
    /// A run longer than this is killed and counted as a failure.
    pub timeout: Duration,
}

/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The largest `batch_size` (DynamoDB Streams hands a Lambda at most 10,000 records too).
pub const MAX_BATCH: usize = 10_000;

/// Scale of [`TriggerSpec::min_amount`] (3 decimals covers every ISO 4217 currency we print).
pub const MIN_SCALE: u32 = 3;

/// A field of an expense that `changed = [...]` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The day.
    Date,
    /// The amount (minor units).
    Amount,
    /// The currency.
    Currency,
    /// The category.
    Category,
    /// The payee.
    Payee,
    /// The note.
    Note,
    /// The tags.
    Tags,
    /// Expense or income.
    Kind,
}

impl Field {
    /// Every field, in the order the JSON images list them.
    pub const ALL: [Field; 8] = [
        Field::Date,
        Field::Amount,
        Field::Currency,
        Field::Category,
        Field::Payee,
        Field::Note,
        Field::Tags,
        Field::Kind,
    ];

    /// The name in config and in the JSON images.
    pub fn name(self) -> &'static str {
        match self {
            Field::Date => "date",
            Field::Amount => "amount",
            Field::Currency => "currency",
            Field::Category => "category",
            Field::Payee => "payee",
            Field::Note => "note",
            Field::Tags => "tags",
            Field::Kind => "kind",
        }
    }

    /// The field called `name` (exactly, lowercase).
    pub fn parse(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    /// True when `a` and `b` differ in this field.
    pub fn differs(self, a: &Expense, b: &Expense) -> bool {
        let (a, b) = (&a.draft, &b.draft);
        match self {
            Field::Date => a.date != b.date,
            Field::Amount => a.amount != b.amount,
            Field::Currency => a.currency != b.currency,
            Field::Category => a.category != b.category,
            Field::Payee => a.payee != b.payee,
            Field::Note => a.note != b.note,
            Field::Tags => a.tags != b.tags,
            Field::Kind => a.kind != b.kind,
        }
    }

    /// True when `e` has a value for this field (text and tags: not empty).
    pub fn present(self, e: &Expense) -> bool {
        let d = &e.draft;
        match self {
            Field::Payee => !d.payee.is_empty(),
            Field::Note => !d.note.is_empty(),
            Field::Tags => !d.tags.is_empty(),
            Field::Category => !d.category.is_empty(),
            Field::Date | Field::Amount | Field::Currency | Field::Kind => true,
        }
    }
}

impl TriggerSpec {
    /// A trigger with every default: no filter, one record per run, 5 attempts 1 s apart
    /// (doubling), a 30 s timeout.
    pub fn new(name: &str, command: &str) -> TriggerSpec {
        TriggerSpec {
            name: name.to_string(),
            command: command.to_string(),
            events: Vec::new(),
            category: None,
            min_amount: None,
            origins: Vec::new(),
            payee: None,
            tags: Vec::new(),
            kind: None,
            changed: Vec::new(),
            view: View::NewAndOldImages,
            batch_size: 1,
            batch_window: Duration::ZERO,
            max_record_age: None,
            format: Format::Plain,
            source: StreamSource::default(),
            max_attempts: 5,
            backoff: Duration::from_secs(1),
            timeout: Duration::from_secs(30),
        }
    }

    /// True when `r` passes the filter.
    pub fn matches(&self, r: &ChangeRecord) -> bool {
        if !self.events.is_empty() && !self.events.contains(&r.event) {
            return false;
        }
        if !self.origins.is_empty() && !self.origins.contains(&r.origin) {
            return false;
        }
        if let Some(b) = &r.budget {
            return self.matches_budget(b);
        }
        // A schedule's change is filtered by the expense it posts (its template), before and
        // after: a trigger on `rent` sees the rent schedule made, edited, stepped on.
        let templates = r.schedule.as_ref().map(|s| {
            let image = |s: &super::schedule::Schedule| Expense {
                id: s.id,
                draft: s.template.clone(),
                created: 0,
                updated: 0,
                version: s.version,
            };
            (s.old.as_ref().map(image), s.new.as_ref().map(image))
        });
        let (old, new) = match &templates {
            Some((o, n)) => (o.as_ref(), n.as_ref()),
            None => (r.old.as_ref(), r.new.as_ref()),
        };
        let images = || [new, old].into_iter().flatten();
        if let Some(c) = &self.category {
            if !images().any(|e| is_within(&e.draft.category, c)) {
                return false;
            }
        }
        if let Some(min) = self.min_amount {
            if !images().any(|e| at_least(e, min)) {
                return false;
            }
        }
        if let Some(p) = &self.payee {
            if !images().any(|e| e.draft.payee.to_lowercase() == *p) {
                return false;
            }
        }
        if !self.tags.is_empty()
            && !images().any(|e| e.draft.tags.iter().any(|t| self.tags.contains(t)))
        {
            return false;
        }
        if let Some(k) = self.kind {
            if !images().any(|e| e.draft.kind == k) {
                return false;
            }
        }
        if !self.changed.is_empty() {
            let hit = match (old, new) {
                (Some(old), Some(new)) => self.changed.iter().any(|f| f.differs(old, new)),
                (Some(e), None) | (None, Some(e)) => self.changed.iter().any(|f| f.present(e)),
                (None, None) => false,
            };
            if !hit {
                return false;
            }
        }
        true
    }

    /// True when `r` is older than `max_record_age` at `now_ms`.
    pub fn too_old(&self, r: &ChangeRecord, now_ms: i64) -> bool {
        self.max_record_age
            .is_some_and(|age| now_ms.saturating_sub(r.at) > age.as_millis() as i64)
    }

    /// The filter on a budget's change (events and origins already passed): the category is
    /// the budget's, the minimum amount its limit's; payee, tags and kind belong to expenses, so
    /// a trigger that asks for them does not see budgets; `changed` compares the limits'
    /// amount and currency.
    fn matches_budget(&self, b: &BudgetChange) -> bool {
        if self.payee.is_some() || !self.tags.is_empty() || self.kind.is_some() {
            return false;
        }
        if let Some(c) = &self.category {
            if !is_within(&b.category, c) {
                return false;
            }
        }
        let limits = || [b.new, b.old].into_iter().flatten();
        if let Some(min) = self.min_amount {
            let at_least = |l: Limit| {
                i128::from(l.amount) * 10i128.pow(MIN_SCALE)
                    >= min * 10i128.pow(l.currency.exponent())
            };
            if !limits().any(at_least) {
                return false;
            }
        }
        if !self.changed.is_empty() {
            let differs = |f: &Field| match (b.old, b.new) {
                (Some(o), Some(n)) => match f.name() {
                    "amount" => o.amount != n.amount,
                    "currency" => o.currency != n.currency,
                    _ => false,
                },
                _ => matches!(f.name(), "amount" | "currency" | "category"),
            };
            if !self.changed.iter().any(differs) {
                return false;
            }
        }
        true
    }

    /// Delay before attempt `attempts + 1` after `attempts` failures.
    pub fn backoff_after(&self, attempts: u32) -> Duration {
        let factor = 1u32 << attempts.saturating_sub(1).min(16);
        self.backoff.saturating_mul(factor).min(MAX_BACKOFF)
    }
}

/// `e.amount >= min / 10^3` in `e`'s currency, compared exactly.
fn at_least(e: &Expense, min: i128) -> bool {
    let exp = e.draft.currency.exponent();
    i128::from(e.draft.amount) * 10i128.pow(MIN_SCALE) >= min * 10i128.pow(exp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Draft, ExpenseId};

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = TriggerSpec {
            backoff: Duration::from_millis(100),
            ..TriggerSpec::new("a", "x")
        };
        let ms: Vec<u128> = (1..=4).map(|n| s.backoff_after(n).as_millis()).collect();
        assert_eq!(ms, [100, 200, 400, 800]);
        assert_eq!(s.backoff_after(40), MAX_BACKOFF);
    }

    fn expense(payee: &str, tags: &[&str], kind: Kind, amount: i64) -> Expense {
        Expense {
            id: ExpenseId::generate(),
            draft: Draft {
                tags: tags.iter().map(|t| t.to_string()).collect(),
                kind,
                ..Draft::sample(chrono::NaiveDate::MIN, amount, "food", payee)
            },
            created: 1,
            updated: 1,
            version: 1,
        }
    }

    fn record(event: Event, old: Option<Expense>, new: Option<Expense>, at: i64) -> ChangeRecord {
        let id = old
            .as_ref()
            .or(new.as_ref())
            .map(|e| e.id)
            .expect("an image");
        ChangeRecord {
            seq: 1,
            event,
            at,
            origin: Origin::User,
            id,
            old,
            new,
            batch: None,
            old_trash: None,
            new_trash: None,
            budget: None,
            schedule: None,
        }
    }

    #[test]
    fn payee_tags_and_kind_match_either_image() {
        let lidl = expense("Lidl", &["weekly"], Kind::Expense, 1250);
        let insert = record(Event::Insert, None, Some(lidl.clone()), 0);
        let spec = |f: fn(&mut TriggerSpec)| {
            let mut s = TriggerSpec::new("a", "x");
            f(&mut s);
            s
        };
        assert!(spec(|s| s.payee = Some("lidl".into())).matches(&insert));
        assert!(!spec(|s| s.payee = Some("lid".into())).matches(&insert));
        assert!(spec(|s| s.tags = vec!["x".into(), "weekly".into()]).matches(&insert));
        assert!(!spec(|s| s.tags = vec!["x".into()]).matches(&insert));
        assert!(spec(|s| s.kind = Some(Kind::Expense)).matches(&insert));
        assert!(!spec(|s| s.kind = Some(Kind::Income)).matches(&insert));
        // A REMOVE carries only the old image; the filter reads it.
        let remove = record(Event::Remove, Some(lidl), None, 0);
        assert!(spec(|s| s.payee = Some("lidl".into())).matches(&remove));
    }

    #[test]
    fn changed_compares_old_and_new_images() {
        let old = expense("Lidl", &[], Kind::Expense, 1250);
        let mut new = old.clone();
        new.draft.amount = 1300;
        let modify = record(Event::Modify, Some(old.clone()), Some(new), 0);
        let on = |fields: &[Field]| TriggerSpec {
            changed: fields.to_vec(),
            ..TriggerSpec::new("a", "x")
        };
        assert!(on(&[Field::Category, Field::Amount]).matches(&modify));
        assert!(!on(&[Field::Category, Field::Payee]).matches(&modify));
        // INSERT and REMOVE: the field is present (tags and note are empty here).
        let insert = record(Event::Insert, None, Some(old), 0);
        assert!(on(&[Field::Payee]).matches(&insert));
        assert!(!on(&[Field::Tags, Field::Note]).matches(&insert));
        assert_eq!(Field::parse("colour"), None);
        assert!(Field::ALL
            .iter()
            .all(|f| Field::parse(f.name()) == Some(*f)));
    }

    #[test]
    fn a_record_is_too_old_only_past_the_max_age() {
        let r = record(
            Event::Insert,
            None,
            Some(expense("a", &[], Kind::Income, 1)),
            1_000,
        );
        let mut s = TriggerSpec::new("a", "x");
        assert!(!s.too_old(&r, i64::MAX), "no max age: never too old");
        s.max_record_age = Some(Duration::from_secs(60));
        assert!(!s.too_old(&r, 61_000));
        assert!(s.too_old(&r, 61_001));
    }

    /// Budget changes are records too: a trigger on `food` sees the food budget change, one on
    /// a payee does not, and `changed = ["amount"]` compares the limits.
    #[test]
    fn budget_changes_pass_the_filter_by_category_and_limit() {
        let limit = |amount| Limit {
            currency: crate::domain::Currency::EUR,
            amount,
            version: 1,
        };
        let r = ChangeRecord {
            seq: 1,
            event: Event::Modify,
            at: 0,
            origin: Origin::User,
            id: ExpenseId(7),
            old: None,
            new: None,
            batch: None,
            old_trash: None,
            new_trash: None,
            budget: Some(BudgetChange {
                category: "food:groceries".into(),
                old: Some(limit(20_000)),
                new: Some(limit(30_000)),
            }),
            schedule: None,
        };
        let spec = |f: &dyn Fn(&mut TriggerSpec)| {
            let mut s = TriggerSpec::new("t", "x");
            f(&mut s);
            s.matches(&r)
        };
        assert!(spec(&|_| {}));
        assert!(spec(&|s| s.category = Some("food".into())));
        assert!(!spec(&|s| s.category = Some("rent".into())));
        assert!(spec(&|s| s.min_amount = Some(250_000)));
        assert!(!spec(&|s| s.min_amount = Some(400_000)));
        assert!(!spec(&|s| s.payee = Some("lidl".into())));
        assert!(spec(&|s| s.changed = vec![Field::parse("amount").unwrap()]));
        assert!(!spec(
            &|s| s.changed = vec![Field::parse("currency").unwrap()]
        ));
    }

    /// Schedule changes are filtered by the expense they post: category, payee, amount, and
    /// which of its fields changed (a posting step changes none).
    #[test]
    fn schedule_changes_pass_the_filter_by_the_expense_they_post() {
        use crate::domain::schedule::{End, Every, Rule, Schedule, ScheduleChange};
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let rule = Rule::new(day, Every::Days(7), End::Never).unwrap();
        let old = Schedule::new(
            ExpenseId(0xFFFE << 112),
            Draft::sample(day, 95_000, "housing:rent", "Landlord"),
            rule,
            false,
        );
        let mut stepped = old.clone();
        stepped.mark_handled(0);
        let record = |new: &Schedule| ChangeRecord {
            seq: 1,
            event: Event::Modify,
            at: 0,
            origin: Origin::Schedule,
            id: old.id,
            old: None,
            new: None,
            batch: None,
            old_trash: None,
            new_trash: None,
            budget: None,
            schedule: Some(ScheduleChange {
                old: Some(old.clone()),
                new: Some(new.clone()),
            }),
        };
        let spec = |r: &ChangeRecord, f: &dyn Fn(&mut TriggerSpec)| {
            let mut s = TriggerSpec::new("t", "x");
            f(&mut s);
            s.matches(r)
        };
        let r = record(&stepped);
        assert!(spec(&r, &|_| {}));
        assert!(spec(&r, &|s| s.category = Some("housing".into())));
        assert!(!spec(&r, &|s| s.category = Some("food".into())));
        assert!(spec(&r, &|s| s.payee = Some("landlord".into())));
        assert!(spec(&r, &|s| s.min_amount = Some(900_000)));
        assert!(!spec(&r, &|s| s.min_amount = Some(1_000_000)));
        let amount = || vec![Field::parse("amount").unwrap()];
        assert!(
            !spec(&r, &|s| s.changed = amount()),
            "a step changes no field"
        );
        let mut dearer = old.clone();
        dearer.template.amount = 99_000;
        assert!(spec(&record(&dearer), &|s| s.changed = amount()));
    }
}
