//! `expense recurring [add|list|edit|pause|resume|rm|skip|move|due|post]` and `expense upcoming`:
//! recurring expenses from the shell (issue 13). A schedule is an item of the store
//! (`store/schedule.rs`): each change is one record in the history, `expense undo` takes it back.
//! Schedules are named by their id or a unique start of it (`expense recurring list` shows the
//! shortest start that tells each apart).
//!
//! Rules: the expense part of `add` is the quick-entry grammar of `expense add` (the same
//! [`Entry`]); the rule is checked before the store is opened, and a bad one names its option
//! and changes nothing. Editing a schedule changes its future occurrences, never what it
//! posted: a new rule starts after the last occurrence handled and, without `--start`, not
//! before today. What a change makes due now (a start in the past, a resume, a move to today)
//! is posted at once, as an open would post it, and said.

mod show;

use super::add::{what, Entry};
use super::edit::Fields;
use super::ids::{check_prefix, one_listed, Among};
use super::Ctx;
use crate::domain::rule_text::{self, parse_interval, parse_on, Interval, On, Part};
use crate::domain::schedule::{End, Occurrence, Schedule};
use crate::domain::text::inert;
use crate::domain::validate::parse_date;
use crate::engine::schedules::posted_text;
use crate::store::{new_schedule_id, Confirm, Origin, Store};
use chrono::NaiveDate;
use color_eyre::eyre::{eyre, Report, Result};

/// Options of `expense recurring`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// What to do (default: list).
    #[command(subcommand)]
    pub action: Option<Action>,
    /// With no subcommand: the list as JSON, as `recurring list --json` prints it.
    #[arg(long)]
    pub json: bool,
}

/// The `expense recurring` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Make a recurring expense: `expense recurring add 950 rent @Landlord --every month --on
    /// 1`. The words are those of `expense add`; what falls due by today is posted at once.
    Add(AddArgs),
    /// Every schedule: id, next occurrence, amount, category, payee, rule, state.
    List {
        /// A JSON array of {id, short_id, amount, currency, category, payee, note, tags, kind,
        /// rule: {every, unit, on, start, until, count, text}, next, confirm, paused, ended,
        /// waiting, version} instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Change a schedule's rule or the expense it posts, for the occurrences to come (what it
    /// posted stays as it is).
    Edit(EditArgs),
    /// Pause a schedule: nothing falls due until it is resumed.
    Pause(IdArg),
    /// Resume a paused schedule; what fell in the pause is skipped, not posted.
    Resume(IdArg),
    /// Remove a schedule; the expenses it posted stay.
    Rm(IdArg),
    /// Skip one occurrence (default: the next one): it is never posted.
    Skip {
        /// The schedule id or a unique start of it.
        id: String,
        /// The occurrence's day (default: the next occurrence).
        #[arg(allow_hyphen_values = true)]
        date: Option<String>,
        /// Print the schedule as JSON (a `recurring list --json` row) with `skipped`: the day
        /// skipped.
        #[arg(long)]
        json: bool,
    },
    /// Move one occurrence to another day (between the occurrences before and after it):
    /// `expense recurring move 7ZZV3K 2026-05-01 --to 2026-05-04`.
    Move {
        /// The schedule id or a unique start of it.
        id: String,
        /// The occurrence's day.
        #[arg(allow_hyphen_values = true)]
        date: String,
        /// The day it falls on instead.
        #[arg(long, allow_hyphen_values = true)]
        to: String,
        /// Print the schedule as JSON (a `recurring list --json` row) with `moved`: {from, to}.
        #[arg(long)]
        json: bool,
    },
    /// The occurrences that wait for a confirmation (schedules made with --confirm).
    Due {
        /// A JSON array of {date, schedule, short_id, amount, ..., confirm, due}.
        #[arg(long)]
        json: bool,
    },
    /// Post one occurrence now, as the schedule has it or with changes (`--amount 61.20`):
    /// one that waits for a confirmation, or one ahead of its day.
    Post(PostArgs),
}

/// A schedule named by id.
#[derive(Debug, clap::Args)]
pub struct IdArg {
    /// The schedule id or a unique start of it.
    pub id: String,
    /// Print the schedule as JSON (a `recurring list --json` row; after `rm`, as it was) with
    /// `changed`, and `skipped`: the days a resume skips.
    #[arg(long)]
    pub json: bool,
}

/// When a schedule falls due: `expense recurring add` and `edit`.
#[derive(Debug, clap::Args)]
pub struct RuleArgs {
    /// How often: day, week, month, year, with a number for more (`2 weeks`, `3 months`), or
    /// daily, weekly, fortnightly, monthly, quarterly, yearly.
    #[arg(long, num_args = 1..=2, value_name = "[N] UNIT")]
    pub every: Option<Vec<String>>,
    /// The day: 1-31 or last for a monthly schedule (the 31st falls on the last day of
    /// shorter months), a weekday for a weekly one. Default: the start's.
    #[arg(long, value_name = "DAY")]
    pub on: Option<String>,
    /// The first day it may fall on: YYYY-MM-DD, today, tomorrow (default: today).
    #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
    pub start: Option<String>,
    /// The last day it may fall on.
    #[arg(
        long,
        value_name = "DATE",
        conflicts_with = "count",
        allow_hyphen_values = true
    )]
    pub until: Option<String>,
    /// It ends after this many occurrences, counted from the start.
    #[arg(long, value_name = "N")]
    pub count: Option<u32>,
}

/// Options of `expense recurring add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// When.
    #[command(flatten)]
    pub rule: RuleArgs,
    /// Each occurrence waits in `expense recurring due` to be posted, changed or skipped.
    #[arg(long)]
    pub confirm: bool,
    /// Print the schedule as JSON (what it posted goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// The expense each occurrence posts.
    #[command(flatten)]
    pub entry: Entry,
}

/// Options of `expense recurring edit`.
#[derive(Debug, clap::Args)]
pub struct EditArgs {
    /// The schedule id or a unique start of it.
    pub id: String,
    /// When.
    #[command(flatten)]
    pub rule: RuleArgs,
    /// It goes on with no end (drops an --until or --count it had).
    #[arg(long, conflicts_with_all = ["until", "count"])]
    pub forever: bool,
    /// Each occurrence waits for a confirmation from now on.
    #[arg(long, conflicts_with = "no_confirm")]
    pub confirm: bool,
    /// Occurrences post by themselves from now on (those waiting are posted at once).
    #[arg(long)]
    pub no_confirm: bool,
    /// Print the schedule as JSON (a `recurring list --json` row) with `changed`, and
    /// `dropped`: the days that waited under the old rule and are not posted.
    #[arg(long)]
    pub json: bool,
    /// The expense it posts.
    #[command(flatten)]
    pub fields: Fields,
}

/// Options of `expense recurring post`.
#[derive(Debug, clap::Args)]
pub struct PostArgs {
    /// The schedule id or a unique start of it.
    pub id: String,
    /// The occurrence's day (default: the first one not handled yet).
    #[arg(allow_hyphen_values = true)]
    pub date: Option<String>,
    /// Print {date, posted, expense_id, expense, schedule} as JSON: `expense` the posted
    /// expense (a `list --json` row; null when the day was posted already), `schedule` a
    /// `recurring list --json` row.
    #[arg(long)]
    pub json: bool,
    /// Changes to this occurrence's expense only.
    #[command(flatten)]
    pub fields: Fields,
}

/// Options of `expense upcoming`.
#[derive(Debug, clap::Args)]
pub struct UpcomingArgs {
    /// How many days ahead, today included.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: u32,
    /// A JSON array of {date, schedule, short_id, amount, currency, category, payee, note,
    /// tags, kind, confirm, due} instead of a table.
    #[arg(long)]
    pub json: bool,
}

impl Args {
    /// True when the command only reads the store.
    pub fn is_read_only(&self) -> bool {
        matches!(
            self.action,
            None | Some(Action::List { .. }) | Some(Action::Due { .. })
        )
    }
}

/// Runs `expense recurring`.
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    match &args.action {
        None => show::list(ctx, args.json),
        Some(Action::List { json }) => show::list(ctx, *json),
        Some(Action::Due { json }) => show::due(ctx, *json),
        Some(Action::Add(a)) => add(ctx, a),
        Some(Action::Edit(a)) => edit(ctx, a),
        Some(Action::Pause(a)) => pause(ctx, a, true),
        Some(Action::Resume(a)) => pause(ctx, a, false),
        Some(Action::Rm(a)) => remove(ctx, a),
        Some(Action::Skip { id, date, json }) => skip(ctx, id, date.as_deref(), *json),
        Some(Action::Move { id, date, to, json }) => move_one(ctx, id, date, to, *json),
        Some(Action::Post(a)) => post(ctx, a),
    }
}

/// Runs `expense upcoming`.
pub fn upcoming(ctx: &mut Ctx, args: &UpcomingArgs) -> Result<()> {
    show::upcoming_days(ctx, args.days, args.json)
}

/// How `expense recurring` names its ids in messages.
const SCHEDULES: Among = Among {
    none: "schedule",
    many: "schedule ids",
    see: "expense recurring list",
};

/// The schedule whose id is `text` or starts with it; an ambiguous start lists the schedules
/// it starts (whole id, next occurrence, amount, category, payee) and names none.
fn find(store: &Store, text: &str) -> Result<Schedule> {
    let prefix = check_prefix(text, &SCHEDULES)?;
    let found: Vec<Schedule> = store
        .schedules()?
        .into_iter()
        .filter(|s| s.id.to_string().starts_with(&prefix))
        .collect();
    one_listed(&prefix, found, &SCHEDULES, show::candidate)
}

/// The categories a category given by its start is resolved against: those expenses use, then
/// those only schedules post so far.
fn known(store: &Store) -> Result<Vec<(String, u64)>> {
    let mut known = store.categories()?;
    for s in store.schedules()? {
        if !known.iter().any(|(c, _)| *c == s.template.category) {
            known.push((s.template.category, 0));
        }
    }
    Ok(known)
}

/// A day as the options take it: YYYY-MM-DD, today, tomorrow, yesterday, -3.
fn day(text: &str, today: NaiveDate, option: &str) -> Result<NaiveDate> {
    if text.trim().eq_ignore_ascii_case("tomorrow") {
        return today
            .succ_opt()
            .ok_or_else(|| eyre!("{option} '{}': out of range", inert(text)));
    }
    parse_date(text, today).map_err(|e| eyre!("{option} '{}': {e}", inert(text)))
}

/// The rule options, read (each checked alone; the whole rule is checked by [`RuleArgs::rule`]).
struct RuleInput {
    interval: Option<Interval>,
    /// A word `--every` took that is the expense's (`--every month rent`).
    extra: Vec<String>,
    on: Option<On>,
    start: Option<NaiveDate>,
    end: Option<End>,
}

impl RuleArgs {
    fn is_empty(&self) -> bool {
        self.every.is_none()
            && self.on.is_none()
            && self.start.is_none()
            && self.until.is_none()
            && self.count.is_none()
    }

    fn read(&self, today: NaiveDate) -> Result<RuleInput> {
        let mut extra = Vec::new();
        let interval = match self.every.as_deref() {
            None => None,
            Some([one]) => Some(parse_interval(one).map_err(|e| self.error(e, today))?),
            Some([a, b, ..]) => Some(match parse_interval(a) {
                // `--every month rent`: the second word is the expense's.
                Ok(i) => {
                    extra.push(b.clone());
                    i
                }
                Err(_) => parse_interval(&format!("{a} {b}")).map_err(|e| self.error(e, today))?,
            }),
            Some([]) => None,
        };
        let on = match &self.on {
            Some(t) => Some(parse_on(t).map_err(|e| self.error(e, today))?),
            None => None,
        };
        let start = match &self.start {
            Some(t) => Some(day(t, today, "--start")?),
            None => None,
        };
        let end = match (&self.until, self.count) {
            (Some(t), _) => Some(End::On(day(t, today, "--until")?)),
            (None, Some(n)) => Some(End::After(n)),
            (None, None) => None,
        };
        Ok(RuleInput {
            interval,
            extra,
            on,
            start,
            end,
        })
    }

    /// `e`, naming the option it is about.
    fn error(&self, e: rule_text::RuleTextError, start: NaiveDate) -> Report {
        let quoted = |v: &str| format!("'{}'", inert(v));
        let option = match e.part() {
            Part::Every => self
                .every
                .as_ref()
                .map(|v| format!("--every {}", quoted(&v.join(" ")))),
            Part::On => self.on.as_deref().map(|v| format!("--on {}", quoted(v))),
            Part::Until => Some(match &self.until {
                Some(v) => format!("--until {}", quoted(v)),
                None => format!("--start {start}"),
            }),
            Part::Count => self.count.map(|n| format!("--count {n}")),
        };
        match option {
            Some(o) => eyre!("{o}: {e}; nothing was changed"),
            None => eyre!("{e}; nothing was changed"),
        }
    }
}

/// Posts what falls due by today (a change may have made some due) and says so: on stdout, or
/// on stderr when stdout is JSON.
fn post_now(ctx: &mut Ctx, store: &Store, json: bool) -> Result<()> {
    let posted = store.post_due(ctx.today, ctx.now_ms())?;
    if let Some(t) = posted_text(&posted) {
        if json {
            writeln!(ctx.err, "{t}")?;
        } else {
            writeln!(ctx.out, "{t}")?;
        }
    }
    Ok(())
}

/// `next: 2026-05-01, 2026-06-01, 2026-07-01` (or that it ended), and what waits.
fn say_next(ctx: &mut Ctx, s: &Schedule) -> Result<()> {
    let next: Vec<String> = show::next_few(s, 3)
        .iter()
        .map(|o| o.date.to_string())
        .collect();
    if next.is_empty() {
        writeln!(ctx.out, "no occurrence is left: the schedule ended")?;
    } else {
        writeln!(
            ctx.out,
            "next: {}{}",
            next.join(", "),
            if s.paused { " (paused)" } else { "" }
        )?;
    }
    let waiting = show::waiting(s, ctx.today).len();
    if waiting > 0 {
        writeln!(
            ctx.out,
            "{waiting} occurrence{} wait{} for a confirmation: expense recurring due",
            if waiting == 1 { "" } else { "s" },
            if waiting == 1 { "s" } else { "" }
        )?;
    }
    Ok(())
}

/// The schedule as stored now, and its short id.
fn reread(store: &Store, id: crate::domain::ExpenseId) -> Result<(Schedule, String)> {
    let all = store.schedules()?;
    let shorts = show::shorts(&all);
    let short = show::short_for(&all, &shorts)(id);
    let s = all
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| eyre!("the schedule was removed meanwhile"))?;
    Ok((s, short))
}

fn add(ctx: &mut Ctx, args: &AddArgs) -> Result<()> {
    let today = ctx.today;
    let input = args.rule.read(today)?;
    let interval = input.interval.ok_or_else(|| {
        eyre!("--every: say how often (--every month, --every 2 weeks, --every year)")
    })?;
    let end = input.end.unwrap_or(End::Never);
    let make = |start: NaiveDate| {
        rule_text::rule(start, interval, input.on, end).map_err(|e| args.rule.error(e, start))
    };
    // Checked before the store is opened; again below when the words name the start.
    let mut rule = make(input.start.unwrap_or(today))?;
    let store = ctx.store()?;
    let draft = args.entry.draft(ctx, &known(&store)?, &input.extra)?;
    // A date among the words is the start (`expense recurring add 950 rent 2026-05-01 ...`).
    if draft.date != today {
        match input.start {
            Some(s) if s != draft.date => {
                return Err(eyre!(
                    "the words give the date {} and --start gives {s}: give one; nothing was \
                     changed",
                    draft.date
                ))
            }
            _ => rule = make(draft.date)?,
        }
    }
    let s = Schedule::new(new_schedule_id(), draft, rule, args.confirm);
    let rec = store.save_schedule(&s, Origin::User, ctx.now_ms())?;
    post_now(ctx, &store, args.json)?;
    let (s, short) = reread(&store, rec.id)?;
    if args.json {
        return show::print_row(ctx, &s, &short, &[]);
    }
    writeln!(ctx.out, "added schedule {}", show::line(&s, &short))?;
    say_next(ctx, &s)?;
    if s.confirm {
        writeln!(
            ctx.out,
            "each occurrence waits for a confirmation: expense recurring due, then post or skip"
        )?;
    }
    Ok(())
}

fn edit(ctx: &mut Ctx, args: &EditArgs) -> Result<()> {
    let today = ctx.today;
    if args.rule.is_empty()
        && args.fields.is_empty()
        && !args.forever
        && !args.confirm
        && !args.no_confirm
    {
        return Err(eyre!(
            "nothing to change: give --every, --on, --start, --until, --count, --forever, \
             --confirm, --no-confirm or a field (--amount, --category, --payee, ...)"
        ));
    }
    let input = args.rule.read(today)?;
    if !input.extra.is_empty() {
        return Err(eyre!(
            "--every '{}': give the interval as one value (--every 2weeks or --every \"2 weeks\")",
            inert(&args.rule.every.as_deref().unwrap_or_default().join(" "))
        ));
    }
    check_prefix(&args.id, &SCHEDULES)?;
    let store = ctx.store()?;
    let old = find(&store, &args.id)?;
    let (was_every, was_on) = rule_text::parts(&old.rule);
    let interval = input.interval.unwrap_or(was_every);
    // The day stays unless the unit changes; a weekly one follows a new start's weekday.
    let on = input.on.or(match was_on {
        Some(On::Weekday(_)) if input.start.is_some() => None,
        on if interval.unit == was_every.unit => on,
        _ => None,
    });
    let start = input.start.unwrap_or(old.rule.start);
    let end = match (args.forever, input.end) {
        (true, _) => End::Never,
        (false, Some(e)) => e,
        (false, None) => old.rule.end,
    };
    let rule = rule_text::rule(start, interval, on, end).map_err(|e| args.rule.error(e, start))?;
    let mut new = old.clone();
    let known = match args.fields.category {
        Some(_) => known(&store)?,
        None => Vec::new(),
    };
    args.fields.apply(&mut new.template, &known)?;
    new.confirm = (old.confirm || args.confirm) && !args.no_confirm;
    let mut dropped: Vec<Occurrence> = Vec::new();
    if rule != old.rule {
        dropped = show::waiting(&old, today);
        new.set_rule(rule);
        // The new rule is for what comes: without --start, nothing before today falls due
        // under it (those days were the old rule's).
        if input.start.is_none() {
            let was_paused = std::mem::replace(&mut new.paused, false);
            for o in new.pending(today.pred_opt().unwrap_or(today)) {
                new.mark_handled(o.k);
            }
            new.paused = was_paused;
        }
    }
    if new == old {
        let short = reread(&store, old.id)?.1;
        if args.json {
            let unchanged = [("changed", false.into()), ("dropped", show::days_json(&[]))];
            return show::print_row(ctx, &old, &short, &unchanged);
        }
        writeln!(ctx.out, "unchanged: schedule {}", show::line(&old, &short))?;
        return Ok(());
    }
    store.save_schedule(&new, Origin::User, ctx.now_ms())?;
    post_now(ctx, &store, args.json)?;
    let (s, short) = reread(&store, old.id)?;
    if args.json {
        let done = [
            ("changed", true.into()),
            ("dropped", show::days_json(&dropped)),
        ];
        return show::print_row(ctx, &s, &short, &done);
    }
    writeln!(ctx.out, "saved schedule {}", show::line(&s, &short))?;
    if !dropped.is_empty() {
        let days: Vec<String> = dropped.iter().map(|o| o.date.to_string()).collect();
        writeln!(
            ctx.out,
            "the occurrences that waited under the old rule ({}) are not posted",
            days.join(", ")
        )?;
    }
    say_next(ctx, &s)
}

fn pause(ctx: &mut Ctx, args: &IdArg, pause: bool) -> Result<()> {
    check_prefix(&args.id, &SCHEDULES)?;
    let store = ctx.store()?;
    let old = find(&store, &args.id)?;
    let short = reread(&store, old.id)?.1;
    if old.paused == pause {
        if args.json {
            let unchanged = [("changed", false.into()), ("skipped", show::days_json(&[]))];
            return show::print_row(ctx, &old, &short, &unchanged);
        }
        let was = if pause { "paused" } else { "not paused" };
        writeln!(ctx.out, "unchanged: schedule {short} is {was}")?;
        return Ok(());
    }
    let mut new = old.clone();
    let mut skipped = Vec::new();
    if pause {
        new.paused = true;
    } else {
        // What fell due in the pause (before today) is skipped; today's falls due.
        let mut unpaused = old.clone();
        unpaused.paused = false;
        skipped = unpaused.pending(ctx.today.pred_opt().unwrap_or(ctx.today));
        new.resume(ctx.today);
    }
    store.save_schedule(&new, Origin::User, ctx.now_ms())?;
    post_now(ctx, &store, args.json)?;
    let s = reread(&store, old.id)?.0;
    if args.json {
        let done = [
            ("changed", true.into()),
            ("skipped", show::days_json(&skipped)),
        ];
        return show::print_row(ctx, &s, &short, &done);
    }
    let did = if pause { "paused" } else { "resumed" };
    writeln!(ctx.out, "{did} schedule {}", show::line(&s, &short))?;
    if !skipped.is_empty() {
        let days: Vec<String> = skipped.iter().map(|o| o.date.to_string()).collect();
        writeln!(
            ctx.out,
            "skipped {} occurrence{} that fell in the pause: {}",
            days.len(),
            if days.len() == 1 { "" } else { "s" },
            days.join(", ")
        )?;
    }
    say_next(ctx, &s)
}

fn remove(ctx: &mut Ctx, args: &IdArg) -> Result<()> {
    check_prefix(&args.id, &SCHEDULES)?;
    let store = ctx.store()?;
    let s = find(&store, &args.id)?;
    let short = reread(&store, s.id)?.1;
    store.remove_schedule(s.id, s.version, Origin::User, ctx.now_ms())?;
    if args.json {
        return show::print_row(ctx, &s, &short, &[("changed", true.into())]);
    }
    writeln!(
        ctx.out,
        "removed schedule {}; the expenses it posted stay (expense undo brings the schedule back)",
        show::line(&s, &short)
    )?;
    Ok(())
}

/// The occurrence `date` names (its rule's day or the day it was moved to), or the first one not
/// handled yet.
fn occurrence(s: &Schedule, date: Option<NaiveDate>) -> Result<Occurrence> {
    match date {
        Some(d) => s.find(d).map_err(|e| eyre!("{e}; nothing was changed")),
        None => s
            .next_occurrence()
            .ok_or_else(|| eyre!("the schedule has no occurrence left; nothing was changed")),
    }
}

fn skip(ctx: &mut Ctx, id: &str, date: Option<&str>, json: bool) -> Result<()> {
    check_prefix(id, &SCHEDULES)?;
    let date = date.map(|d| day(d, ctx.today, "DATE")).transpose()?;
    let store = ctx.store()?;
    let s = find(&store, id)?;
    let o = occurrence(&s, date)?;
    let now = ctx.now_ms();
    store.handle_occurrence(s.id, s.version, o.natural, Confirm::Skip, Origin::User, now)?;
    let (s, short) = reread(&store, s.id)?;
    if json {
        return show::print_row(ctx, &s, &short, &[("skipped", o.date.to_string().into())]);
    }
    writeln!(
        ctx.out,
        "skipped {} of schedule {short} ({}): it is not posted",
        o.date,
        what(&s.template)
    )?;
    say_next(ctx, &s)
}

fn move_one(ctx: &mut Ctx, id: &str, date: &str, to: &str, json: bool) -> Result<()> {
    check_prefix(id, &SCHEDULES)?;
    let date = day(date, ctx.today, "DATE")?;
    let to = day(to, ctx.today, "--to")?;
    let store = ctx.store()?;
    let mut s = find(&store, id)?;
    let o = occurrence(&s, Some(date))?;
    s.move_occurrence(o, to)
        .map_err(|e| eyre!("--to {to}: {e}; nothing was changed"))?;
    store.save_schedule(&s, Origin::User, ctx.now_ms())?;
    post_now(ctx, &store, json)?;
    let (s, short) = reread(&store, s.id)?;
    if json {
        let moved = serde_json::json!({"from": o.date.to_string(), "to": to.to_string()});
        return show::print_row(ctx, &s, &short, &[("moved", moved)]);
    }
    writeln!(
        ctx.out,
        "moved the occurrence of {} of schedule {short} ({}) to {to}",
        o.date,
        what(&s.template)
    )?;
    say_next(ctx, &s)
}

fn post(ctx: &mut Ctx, args: &PostArgs) -> Result<()> {
    check_prefix(&args.id, &SCHEDULES)?;
    let date = args
        .date
        .as_deref()
        .map(|d| day(d, ctx.today, "DATE"))
        .transpose()?;
    let store = ctx.store()?;
    let s = find(&store, &args.id)?;
    let o = occurrence(&s, date)?;
    let how = if args.fields.is_empty() {
        Confirm::Post
    } else {
        let mut d = s.draft_for(&o);
        let known = match args.fields.category {
            Some(_) => known(&store)?,
            None => Vec::new(),
        };
        args.fields.apply(&mut d, &known)?;
        Confirm::PostAs(d)
    };
    let now = ctx.now_ms();
    let records = store.handle_occurrence(s.id, s.version, o.natural, how, Origin::User, now)?;
    if args.json {
        let posted = records.iter().find_map(|r| r.new.as_ref());
        if let Some(r) = records.iter().find(|r| r.new.is_some()) {
            super::add::print_alerts(ctx, &store, r)?;
        }
        let (after, short) = reread(&store, s.id)?;
        let out = serde_json::json!({
            "date": o.date.to_string(),
            "posted": posted.is_some(),
            "expense_id": crate::store::occurrence_id(s.id, o.natural).to_string(),
            "expense": posted.map(crate::domain::Expense::to_row),
            "schedule": show::schedule_json(&after, &short, ctx.today),
        });
        writeln!(ctx.out, "{}", serde_json::to_string_pretty(&out)?)?;
        return Ok(());
    }
    match records.iter().find(|r| r.new.is_some()) {
        Some(r) => {
            super::add::print_alerts(ctx, &store, r)?;
            let e = r.new.as_ref().ok_or_else(|| eyre!("no image"))?;
            writeln!(
                ctx.out,
                "posted: {}  id {}",
                super::add::describe(&e.draft),
                e.id
            )?;
        }
        None => writeln!(
            ctx.out,
            "the occurrence of {} was posted already (expense id {}); nothing was posted again",
            o.date,
            crate::store::occurrence_id(s.id, o.natural)
        )?,
    }
    let s = reread(&store, s.id)?.0;
    say_next(ctx, &s)
}
