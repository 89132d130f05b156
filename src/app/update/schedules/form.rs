//! The schedule form: the expense form (`update/form.rs`, whose fields, completion, category
//! check and validation it reuses) with the rule's fields after the expense's, and the date
//! field standing for the rule's start. This file opens it (a new schedule, an edit, "repeat
//! this" from a ledger row, a due occurrence edited before it is posted), edits the rule's
//! fields, and turns a valid form into the effect that stores it. Pure.

use crate::app::effect::Effect;
use crate::app::state::{FormMode, FormState, Overlay, RuleField, RuleForm, State, Toast, Unit};
use crate::domain::schedule::{
    Confirm, End, Every, MonthDay, Occurrence, Rule, RuleError, Schedule,
};
use crate::domain::validate::{parse_date, Field};
use crate::domain::{Draft, ExpenseId};
use chrono::{Datelike, NaiveDate};
use tui_input::{Input, InputRequest};

/// The rule part for `rule` as the form shows it.
fn rule_form(rule: &Rule, confirm: bool, base: Option<&Schedule>) -> RuleForm {
    let (n, unit, on) = match rule.every {
        Every::Days(n) => (n, Unit::Days, String::new()),
        Every::Weeks(n) => (n, Unit::Weeks, String::new()),
        Every::Months(n, MonthDay::Day(d)) => (n, Unit::Months, d.to_string()),
        Every::Months(n, MonthDay::Last) => (n, Unit::Months, "last".into()),
        Every::Years(n) => (n, Unit::Years, String::new()),
    };
    let ends = match rule.end {
        End::Never => String::new(),
        End::On(d) => d.format("%Y-%m-%d").to_string(),
        End::After(c) => c.to_string(),
    };
    RuleForm {
        base: base.map(|s| Box::new(s.clone())),
        focus: None,
        every: Input::new(n.to_string()),
        unit,
        on: Input::new(on),
        ends: Input::new(ends),
        confirm,
        errors: Vec::new(),
    }
}

/// Opens `form` over the screen and asks for completions.
fn show(state: &mut State, form: FormState) -> Vec<Effect> {
    state.overlay = Some(Overlay::Form(Box::new(form)));
    vec![Effect::LoadCompletions]
}

/// A schedule form holding `draft` (its date is the start) and `rule`'s fields.
fn schedule_form(state: &State, draft: Option<&Draft>, rule: RuleForm, focus: Field) -> FormState {
    let mut form = super::super::form::blank(state);
    if let Some(d) = draft {
        super::super::form::fill_draft(&mut form, d);
    }
    form.mode = FormMode::Schedule;
    form.focus = focus;
    form.rule = Some(Box::new(rule));
    form
}

/// A new schedule: starting today, every month on the start's day, never ending, posting by
/// itself.
pub fn open_new(state: &mut State) -> Vec<Effect> {
    let rule = RuleForm {
        base: None,
        focus: None,
        every: Input::new("1".into()),
        unit: Unit::Months,
        on: Input::default(),
        ends: Input::default(),
        confirm: false,
        errors: Vec::new(),
    };
    let form = schedule_form(state, None, rule, Field::Amount);
    show(state, form)
}

/// Edits schedule `s`: its future occurrences follow the saved form, posted ones stay.
pub fn open_edit(state: &mut State, s: &Schedule) -> Vec<Effect> {
    let mut draft = s.template.clone();
    draft.date = s.rule.start;
    let rule = rule_form(&s.rule, s.confirm, Some(s));
    let mut form = schedule_form(state, Some(&draft), rule, Field::Amount);
    form.known_category = Some(s.template.category.clone());
    show(state, form)
}

/// "Repeat this": a schedule from the selected ledger row, monthly on its day, starting at
/// the next occurrence after it.
pub fn open_repeat(state: &mut State) -> Vec<Effect> {
    let Some(e) = state.ledger.selected_row().cloned() else {
        state.toast = Some(Toast {
            text: "Nothing selected to repeat".into(),
            error: true,
        });
        return Vec::new();
    };
    let day = MonthDay::Day(e.draft.date.day() as u8);
    let every = Every::Months(1, day);
    // Occurrence 1 of the rule that starts on the expense: the same day a month later, or the
    // month's last day when it has fewer days (31 January: 28 February, then 31 March).
    let start = Rule::new(e.draft.date, every, End::Never)
        .ok()
        .and_then(|r| r.nth(1))
        .unwrap_or(e.draft.date);
    let rule = Rule {
        start,
        every,
        end: End::Never,
    };
    let mut draft = e.draft.clone();
    draft.date = start;
    let form = schedule_form(
        state,
        Some(&draft),
        rule_form(&rule, false, None),
        Field::Amount,
    );
    show(state, form)
}

/// A due occurrence `o` of `s`, in the expense form to be edited; saving posts it.
pub fn open_post_due(state: &mut State, s: &Schedule, o: Occurrence) -> Vec<Effect> {
    let mut form = super::super::form::blank(state);
    super::super::form::fill_draft(&mut form, &s.draft_for(&o));
    form.mode = FormMode::PostDue {
        id: s.id,
        version: s.version,
        natural: o.natural,
    };
    form.focus = Field::Amount;
    form.known_category = Some(s.template.category.clone());
    show(state, form)
}

/// A key in a rule field: text in the text fields, a pick in the choices (`d w m y` or space
/// for the unit, `y n` or space for confirm).
pub fn input(form: &mut FormState, req: InputRequest) {
    let Some(rule) = form.rule.as_deref_mut() else {
        return;
    };
    let Some(field) = rule.focus else {
        return;
    };
    match field {
        RuleField::Unit => {
            if let InputRequest::InsertChar(c) = req {
                let i = Unit::ALL.iter().position(|u| *u == rule.unit).unwrap_or(0);
                rule.unit = match c.to_ascii_lowercase() {
                    'd' => Unit::Days,
                    'w' => Unit::Weeks,
                    'm' => Unit::Months,
                    'y' => Unit::Years,
                    _ => Unit::ALL[(i + 1) % Unit::ALL.len()],
                };
            }
        }
        RuleField::Confirm => {
            if let InputRequest::InsertChar(c) = req {
                rule.confirm = match c.to_ascii_lowercase() {
                    'y' => true,
                    'n' => false,
                    _ => !rule.confirm,
                };
            }
        }
        _ => {
            if let Some(i) = rule.input_mut(field) {
                i.handle(req);
            }
        }
    }
    rule.errors.retain(|(f, _)| *f != field);
}

/// Checks the rule field just left, so its reason shows at once.
pub fn check_left(form: &mut FormState, field: RuleField, today: NaiveDate) {
    let start = start_of(form, today);
    let Some(rule) = form.rule.as_deref_mut() else {
        return;
    };
    rule.errors.retain(|(f, _)| *f != field);
    if let Err(errors) = parse(rule, start, today) {
        rule.errors
            .extend(errors.into_iter().filter(|(f, _)| *f == field));
    }
}

/// The start the date field holds (today while it does not hold a date: the date's own reason
/// shows under it).
fn start_of(form: &FormState, today: NaiveDate) -> NaiveDate {
    parse_date(form.input(Field::Date).value(), today).unwrap_or(today)
}

/// The rule the fields describe, or the reasons per field.
fn parse(
    rule: &RuleForm,
    start: NaiveDate,
    today: NaiveDate,
) -> Result<Rule, Vec<(RuleField, String)>> {
    let mut errors = Vec::new();
    let text = rule.every.value().trim();
    let n = match text.parse::<u32>() {
        Ok(n) => n,
        Err(_) => {
            let shown = crate::domain::text::shown(text);
            errors.push((
                RuleField::Every,
                format!("'{shown}' is not a count: every 1, 2, 3 ... units"),
            ));
            1
        }
    };
    let day = match rule.on.value().trim() {
        "" => MonthDay::Day(start.day() as u8),
        t => MonthDay::parse(t).unwrap_or_else(|e| {
            if rule.unit == Unit::Months {
                errors.push((RuleField::On, e.to_string()));
            }
            MonthDay::Day(start.day() as u8)
        }),
    };
    let every = match rule.unit {
        Unit::Days => Every::Days(n),
        Unit::Weeks => Every::Weeks(n),
        Unit::Months => Every::Months(n, day),
        Unit::Years => Every::Years(n),
    };
    let end = match parse_end(rule.ends.value(), today) {
        Ok(End::On(e)) if e < start => {
            let e = RuleError::EndBeforeStart { start, end: e };
            errors.push((RuleField::Ends, e.to_string()));
            End::Never
        }
        Ok(end) => end,
        Err(e) => {
            errors.push((RuleField::Ends, e));
            End::Never
        }
    };
    match Rule::new(start, every, end) {
        Ok(r) if errors.is_empty() => return Ok(r),
        Ok(_) => {}
        Err(e) => {
            let field = match e {
                RuleError::ZeroInterval(_) => RuleField::Every,
                RuleError::BadDay(_) => RuleField::On,
                RuleError::EndBeforeStart { .. } | RuleError::ZeroCount => RuleField::Ends,
            };
            if !errors.iter().any(|(f, _)| *f == field) {
                errors.push((field, e.to_string()));
            }
        }
    }
    // In the form's order, so the first wrong field is the one the focus goes to.
    errors.sort_by_key(|(f, _)| RuleField::ALL.iter().position(|x| x == f));
    Err(errors)
}

/// `Ends`: empty or `never`, a count (`12`, `12 times`), or a last date (`2027-06-30`, or
/// what the date field takes).
fn parse_end(text: &str, today: NaiveDate) -> Result<End, String> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    if t.is_empty() || lower == "never" {
        return Ok(End::Never);
    }
    let count = lower
        .strip_suffix("times")
        .or_else(|| lower.strip_suffix('x'))
        .unwrap_or(&lower)
        .trim();
    if !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit()) {
        return count
            .parse::<u32>()
            .map(End::After)
            .map_err(|_| format!("'{count}' is too many times"));
    }
    parse_date(t, today).map(End::On).map_err(|_| {
        format!(
            "'{}': leave empty for never, or a last date (2027-06-30), or a count (12)",
            crate::domain::text::shown(t)
        )
    })
}

/// The effect that saves a valid form holding `draft` (a schedule, or a due occurrence posted
/// as edited); `None` when a rule field is wrong (its reason is under it).
pub fn effect(form: &mut FormState, draft: Draft, today: NaiveDate) -> Option<Effect> {
    match form.mode {
        FormMode::PostDue {
            id,
            version,
            natural,
        } => Some(Effect::HandleOccurrence {
            id,
            expected_version: version,
            natural,
            how: Confirm::PostAs(draft),
        }),
        FormMode::Schedule => {
            let rule_form = form.rule.as_deref_mut()?;
            let rule = match parse(rule_form, draft.date, today) {
                Ok(r) => r,
                Err(errors) => {
                    let first = errors.first().map(|(f, _)| *f);
                    rule_form.errors = errors;
                    rule_form.focus = first;
                    return None;
                }
            };
            let confirm = rule_form.confirm;
            let schedule = match &rule_form.base {
                None => Schedule::new(ExpenseId(0), draft, rule, confirm),
                Some(base) => {
                    let mut s = (**base).clone();
                    s.template = draft;
                    if (s.rule.start, s.rule.every) == (rule.start, rule.every) {
                        // The same occurrences: only the end changed, what was handled stays.
                        s.rule = rule;
                    } else {
                        s.set_rule(rule);
                    }
                    s.template.date = s.rule.start;
                    s.confirm = confirm;
                    s
                }
            };
            Some(Effect::SaveSchedule(Box::new(schedule)))
        }
        FormMode::New | FormMode::Edit { .. } => None,
    }
}

/// Errors of the rule fields, checked with the expense's on submit (so both show at once).
pub fn check_all(form: &mut FormState, today: NaiveDate) {
    let start = start_of(form, today);
    if let Some(rule) = form.rule.as_deref_mut() {
        rule.errors = parse(rule, start, today).err().unwrap_or_default();
    }
}
