//! What `expense recurring list|due` and `expense upcoming` print: tables for people, JSON for
//! scripts, from the schedules as the store holds them. Reads only.

use super::super::add::{draft_json, what};
use super::super::ids::short_ids;
use super::super::Ctx;
use crate::domain::money::format_grouped;
use crate::domain::rule_text::{parts, On};
use crate::domain::schedule::{End, MonthDay, Occurrence, Schedule};
use crate::domain::text::inert;
use crate::domain::{Draft, ExpenseId, Kind};
use crate::engine::schedules::upcoming;
use chrono::NaiveDate;
use color_eyre::eyre::Result;
use serde_json::{json, Value};
use std::io::Write;

/// The fewest characters of an id a list shows (all schedule ids start alike, `7ZZ`).
pub const SHORT: usize = 8;

/// The short id of each schedule (unique among them).
pub fn shorts(schedules: &[Schedule]) -> Vec<String> {
    let ids: Vec<ExpenseId> = schedules.iter().map(|s| s.id).collect();
    short_ids(&ids, SHORT)
}

/// The short id of each of `schedules` by id (the whole id for one not among them).
pub fn short_for<'a>(
    schedules: &'a [Schedule],
    shorts: &'a [String],
) -> impl Fn(ExpenseId) -> String + 'a {
    move |id| {
        schedules
            .iter()
            .position(|s| s.id == id)
            .map_or_else(|| id.to_string(), |i| shorts[i].clone())
    }
}

/// The next `n` occurrences not handled yet (also of a paused schedule).
pub fn next_few(s: &Schedule, n: usize) -> Vec<Occurrence> {
    let mut out = Vec::new();
    let mut k = s.next;
    while out.len() < n {
        let Some(o) = s.date_of(k) else { break };
        if !s.is_handled(k) {
            out.push(o);
        }
        let Some(next) = k.checked_add(1) else { break };
        k = next;
    }
    out
}

/// The occurrences of a schedule that asks to be confirmed, due by `today` and waiting.
pub fn waiting(s: &Schedule, today: NaiveDate) -> Vec<Occurrence> {
    if s.confirm {
        s.pending(today)
    } else {
        Vec::new()
    }
}

/// Paused, confirm, waiting, ended: the state words of a schedule.
pub fn state(s: &Schedule, today: NaiveDate) -> String {
    let mut words = Vec::new();
    if s.is_finished() {
        words.push("ended".to_string());
    }
    if s.paused {
        words.push("paused".to_string());
    }
    if s.confirm {
        let n = waiting(s, today).len();
        words.push(match n {
            0 => "confirm".to_string(),
            n => format!("confirm, {n} waiting"),
        });
    }
    words.join(", ")
}

/// The amount as a list shows it: `+2,500.00 EUR` for income.
fn amount(d: &Draft) -> String {
    let sign = if d.kind == Kind::Income { "+" } else { "" };
    format!(
        "{sign}{} {}",
        format_grouped(d.amount, d.currency),
        d.currency
    )
}

/// A schedule as JSON: its id (and the short one), the expense it posts, the rule (in parts and
/// in words), the next occurrence, and its state.
pub fn schedule_json(s: &Schedule, short: &str, today: NaiveDate) -> Value {
    let (interval, on) = parts(&s.rule);
    let unit = format!("{:?}", interval.unit).to_ascii_lowercase();
    let on = match (interval.unit, on) {
        (crate::domain::rule_text::Unit::Months, Some(On::Day(MonthDay::Last))) => json!("last"),
        (crate::domain::rule_text::Unit::Months, Some(On::Day(MonthDay::Day(d)))) => json!(d),
        (_, Some(On::Weekday(_))) => json!(s.rule.start.format("%A").to_string().to_lowercase()),
        _ => Value::Null,
    };
    let (until, count) = match s.rule.end {
        End::Never => (Value::Null, Value::Null),
        End::On(d) => (json!(d.to_string()), Value::Null),
        End::After(n) => (Value::Null, json!(n)),
    };
    let mut row = serde_json::Map::new();
    row.insert("id".into(), json!(s.id.to_string()));
    row.insert("short_id".into(), json!(short));
    row.extend(draft_json(&s.template));
    row.insert(
        "rule".into(),
        json!({
            "every": interval.n,
            "unit": unit,
            "on": on,
            "start": s.rule.start.to_string(),
            "until": until,
            "count": count,
            "text": s.describe(),
        }),
    );
    row.insert(
        "next".into(),
        json!(s.next_occurrence().map(|o| o.date.to_string())),
    );
    row.insert("confirm".into(), json!(s.confirm));
    row.insert("paused".into(), json!(s.paused));
    row.insert("ended".into(), json!(s.is_finished()));
    let w: Vec<String> = waiting(s, today)
        .iter()
        .map(|o| o.date.to_string())
        .collect();
    row.insert("waiting".into(), json!(w));
    row.insert("version".into(), json!(s.version));
    Value::Object(row)
}

/// Prints `s` as `recurring list --json` has it, with `extra` fields after (what the command
/// did that the row does not show).
pub fn print_row(
    ctx: &mut Ctx,
    s: &Schedule,
    short: &str,
    extra: &[(&str, serde_json::Value)],
) -> Result<()> {
    let mut row = schedule_json(s, short, ctx.today);
    if let serde_json::Value::Object(m) = &mut row {
        for (k, v) in extra {
            m.insert((*k).to_string(), v.clone());
        }
    }
    writeln!(ctx.out, "{}", serde_json::to_string_pretty(&row)?)?;
    Ok(())
}

/// Days as JSON strings, `["2026-05-01", ...]`.
pub fn days_json(days: &[Occurrence]) -> serde_json::Value {
    serde_json::json!(days.iter().map(|o| o.date.to_string()).collect::<Vec<_>>())
}

/// Text a person wrote, made inert and cut at 30 characters for a column.
fn cell(text: &str) -> String {
    let t = inert(text);
    match t.char_indices().nth(30) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.into_owned(),
    }
}

/// Writes `rows` under `head` in columns (`right`: the right-aligned ones), trailing blanks
/// trimmed.
fn table(w: &mut dyn Write, head: &[&str], rows: &[Vec<String>], right: &[usize]) -> Result<()> {
    let width: Vec<usize> = (0..head.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([head[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (c, cell) in cells.iter().enumerate() {
            let pad = " ".repeat(width[c].saturating_sub(cell.chars().count()));
            if right.contains(&c) {
                s.push_str(&pad);
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&pad);
            }
            s.push_str("  ");
        }
        s.trim_end().to_string()
    };
    let head: Vec<String> = head.iter().map(|h| h.to_string()).collect();
    writeln!(w, "{}", line(&head))?;
    for r in rows {
        writeln!(w, "{}", line(r))?;
    }
    Ok(())
}

/// `expense recurring list`.
pub fn list(ctx: &mut Ctx, json: bool) -> Result<()> {
    let schedules = ctx.store()?.schedules()?;
    let shorts = shorts(&schedules);
    let today = ctx.today;
    if json {
        let rows: Vec<Value> = schedules
            .iter()
            .zip(&shorts)
            .map(|(s, short)| schedule_json(s, short, today))
            .collect();
        serde_json::to_writer_pretty(&mut *ctx.out, &rows)?;
        writeln!(ctx.out)?;
        return Ok(());
    }
    if schedules.is_empty() {
        writeln!(
            ctx.out,
            "no recurring expenses (expense recurring add 950 rent @Landlord --every month --on 1 \
             makes one)"
        )?;
        return Ok(());
    }
    let rows: Vec<Vec<String>> = schedules
        .iter()
        .zip(&shorts)
        .map(|(s, short)| {
            let d = &s.template;
            vec![
                short.clone(),
                s.next_occurrence()
                    .map_or("-".into(), |o| o.date.to_string()),
                amount(d),
                cell(&d.category),
                cell(&d.payee),
                s.describe(),
                state(s, today),
            ]
        })
        .collect();
    let head = ["ID", "NEXT", "AMOUNT", "CATEGORY", "PAYEE", "RULE", "STATE"];
    table(ctx.out, &head, &rows, &[2])?;
    writeln!(
        ctx.out,
        "{} schedule{} · expense recurring edit|pause|resume|skip|move|rm ID · expense upcoming",
        schedules.len(),
        if schedules.len() == 1 { "" } else { "s" }
    )?;
    Ok(())
}

/// One occurrence to come or waiting, as `due` and `upcoming` show it.
struct Row {
    date: NaiveDate,
    short: String,
    schedule: ExpenseId,
    draft: Draft,
    confirm: bool,
}

impl Row {
    fn json(&self, today: NaiveDate) -> Value {
        let mut m = serde_json::Map::new();
        m.insert("date".into(), json!(self.date.to_string()));
        m.insert("schedule".into(), json!(self.schedule.to_string()));
        m.insert("short_id".into(), json!(self.short));
        m.extend(draft_json(&self.draft));
        m.insert("confirm".into(), json!(self.confirm));
        m.insert("due".into(), json!(self.date <= today));
        Value::Object(m)
    }

    fn cells(&self, today: NaiveDate) -> Vec<String> {
        let note = match (self.date <= today, self.confirm) {
            (true, true) => format!("waits: expense recurring post {}", self.short),
            (true, false) => "due, not posted yet".into(),
            (false, true) => "confirm".into(),
            (false, false) => String::new(),
        };
        vec![
            self.date.to_string(),
            amount(&self.draft),
            cell(&self.draft.category),
            cell(&self.draft.payee),
            self.short.clone(),
            note,
        ]
    }
}

fn write_rows(ctx: &mut Ctx, rows: &[Row], json: bool) -> Result<()> {
    let today = ctx.today;
    if json {
        let out: Vec<Value> = rows.iter().map(|r| r.json(today)).collect();
        serde_json::to_writer_pretty(&mut *ctx.out, &out)?;
        writeln!(ctx.out)?;
        return Ok(());
    }
    let cells: Vec<Vec<String>> = rows.iter().map(|r| r.cells(today)).collect();
    let head = ["DATE", "AMOUNT", "CATEGORY", "PAYEE", "SCHEDULE", ""];
    table(ctx.out, &head, &cells, &[1])
}

/// The occurrences waiting for a confirmation (due by `today`), as rows, oldest first.
fn waiting_rows(ctx: &Ctx, schedules: &[Schedule], shorts: &[String]) -> Result<Vec<Row>> {
    let short = short_for(schedules, shorts);
    Ok(ctx
        .store()?
        .due(ctx.today)?
        .into_iter()
        .map(|(s, o)| Row {
            date: o.date,
            short: short(s.id),
            schedule: s.id,
            draft: s.draft_for(&o),
            confirm: true,
        })
        .collect())
}

/// `expense recurring due`: the occurrences waiting for a confirmation, oldest first.
pub fn due(ctx: &mut Ctx, json: bool) -> Result<()> {
    let schedules = ctx.store()?.schedules()?;
    let rows = waiting_rows(ctx, &schedules, &shorts(&schedules))?;
    if !json && rows.is_empty() {
        writeln!(ctx.out, "nothing waits for a confirmation")?;
        return Ok(());
    }
    write_rows(ctx, &rows, json)?;
    if !json {
        writeln!(
            ctx.out,
            "{} waiting · expense recurring post ID [DATE] [--amount ..] · expense recurring \
             skip ID [DATE]",
            rows.len()
        )?;
    }
    Ok(())
}

/// `expense upcoming`: what falls due from today through `days` days ahead, by date, after
/// what waits for a confirmation from before today.
pub fn upcoming_days(ctx: &mut Ctx, days: u32, json: bool) -> Result<()> {
    let schedules = ctx.store()?.schedules()?;
    let shorts = shorts(&schedules);
    let today = ctx.today;
    let to = today
        .checked_add_days(chrono::Days::new(u64::from(days.saturating_sub(1))))
        .unwrap_or(today);
    // Waiting from before today first; today's are among the upcoming.
    let mut rows = waiting_rows(ctx, &schedules, &shorts)?;
    rows.retain(|r| r.date < today);
    let short = short_for(&schedules, &shorts);
    rows.extend(upcoming(&schedules, today, to).into_iter().map(|u| Row {
        date: u.occurrence.date,
        short: short(u.schedule),
        schedule: u.schedule,
        draft: u.draft,
        confirm: u.confirm,
    }));
    if json {
        return write_rows(ctx, &rows, true);
    }
    if rows.is_empty() {
        writeln!(
            ctx.out,
            "nothing recurring falls due from {today} to {to} (expense recurring list shows \
             the schedules)"
        )?;
        return Ok(());
    }
    write_rows(ctx, &rows, false)?;
    let waiting = rows.iter().filter(|r| r.confirm && r.date <= today).count();
    writeln!(
        ctx.out,
        "{} occurrence{} from {today} to {to}{}",
        rows.len() - waiting,
        if rows.len() - waiting == 1 { "" } else { "s" },
        match waiting {
            0 => String::new(),
            n => format!(" · {n} waiting for a confirmation (expense recurring due)"),
        }
    )?;
    Ok(())
}

/// `7ZZV3K9A…  next 2026-05-01  950.00 EUR  housing:rent  @Landlord`: one line of an ambiguous
/// start's candidates, with the whole id.
pub fn candidate(s: &Schedule) -> String {
    let d = &s.template;
    let next = s
        .next_occurrence()
        .map_or("ended".to_string(), |o| format!("next {}", o.date));
    let mut line = format!("{}  {next}  {}  {}", s.id, amount(d), inert(&d.category));
    if !d.payee.is_empty() {
        line.push_str(&format!("  @{}", inert(&d.payee)));
    }
    line
}

/// One line for a schedule: `7ZZV3K9A 950.00 EUR housing:rent @Landlord, every month on the
/// 1st from 2026-04-20`.
pub fn line(s: &Schedule, short: &str) -> String {
    format!("{short} {}, {}", what(&s.template), s.describe())
}
