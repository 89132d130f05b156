//! `expense demo --count N`: realistic generated expenses over the months up to today — monthly
//! rent, salary and bills, weekly groceries, daily coffee and lunches, some income — seeded, so the
//! same count gives the same data. Written in batched transactions (origin `demo`).

use super::Ctx;
use crate::domain::{Currency, Draft, Kind, Month};
use crate::store::{Origin, Store};
use chrono::{Datelike, NaiveDate, Weekday};
use color_eyre::eyre::{eyre, Result};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::io::Write;

/// Expenses `demo` (and `--demo` on first use) generates.
pub const DEFAULT_COUNT: usize = 3000;
/// Seed of the generator: the same count gives the same data.
pub const DEFAULT_SEED: u64 = 7;

impl Default for Args {
    fn default() -> Self {
        Args {
            count: DEFAULT_COUNT,
            months: None,
            seed: DEFAULT_SEED,
            json: false,
        }
    }
}

/// Options of `expense demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many expenses to generate.
    #[arg(long, default_value_t = DEFAULT_COUNT)]
    pub count: usize,
    /// How many months back from this one (default: grows with the count, 3 to 120).
    #[arg(long)]
    pub months: Option<u32>,
    /// Random seed.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Print {stored, months, seed, from, to} on stdout as JSON (`from` and `to`: the first
    /// and last day with an expense); the line about it stays on stderr.
    #[arg(long)]
    pub json: bool,
}

/// (category, payees, min, max in cents, tags)
type Template = (
    &'static str,
    &'static [&'static str],
    i64,
    i64,
    &'static [&'static str],
);

const EVERYDAY: &[(u32, Template)] = &[
    (
        30,
        (
            "food:coffee",
            &["Café Central", "Starbucks", "Bäckerei Schmidt"],
            250,
            550,
            &[],
        ),
    ),
    (
        18,
        (
            "food:lunch",
            &["Canteen", "Sushi Bar", "Falafel House", "Pizza Roma"],
            750,
            1800,
            &["work"],
        ),
    ),
    (
        16,
        (
            "food:groceries",
            &["Lidl", "Aldi", "Rewe", "Edeka"],
            300,
            4500,
            &[],
        ),
    ),
    (
        9,
        (
            "food:restaurants",
            &["Trattoria Luca", "Thai Garden", "Burger Joint"],
            1800,
            9500,
            &[],
        ),
    ),
    (
        8,
        (
            "transport:taxi",
            &["Uber", "Taxi Berlin", "Bolt"],
            900,
            3500,
            &[],
        ),
    ),
    (
        6,
        (
            "shopping:household",
            &["dm", "Rossmann", "IKEA"],
            200,
            6000,
            &[],
        ),
    ),
    (
        5,
        (
            "shopping:clothes",
            &["H&M", "Zalando", "Uniqlo"],
            1500,
            12000,
            &[],
        ),
    ),
    (
        5,
        (
            "fun:books",
            &["Hugendubel", "Thalia", "Amazon"],
            800,
            3500,
            &[],
        ),
    ),
    (
        4,
        (
            "fun:cinema",
            &["CineStar", "Yorck Kino"],
            900,
            2800,
            &["date-night"],
        ),
    ),
    (
        4,
        ("health:pharmacy", &["Apotheke am Markt"], 400, 4000, &[]),
    ),
    (
        2,
        (
            "gifts",
            &["Amazon", "Etsy", "Flower shop"],
            1500,
            8000,
            &["birthday"],
        ),
    ),
    (
        1,
        ("income:refund", &["Amazon", "Zalando"], 1000, 8000, &[]),
    ),
];

/// Generates the drafts: fixed monthly and weekly rhythms first, then everyday spending.
pub fn generate(
    count: usize,
    months: u32,
    seed: u64,
    today: NaiveDate,
    currency: Currency,
) -> Vec<Draft> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let first = (1..months).fold(Month::containing(today, 1), |m, _| m.prev());
    let (start, _) = first.range(1);
    let days: Vec<NaiveDate> = start.iter_days().take_while(|d| *d <= today).collect();
    let mut out = Vec::with_capacity(count);
    let push = |out: &mut Vec<Draft>,
                date,
                amount,
                cat: &str,
                payee: &str,
                tags: &[&str],
                kind,
                note: &str| {
        if out.len() < count {
            out.push(Draft {
                date,
                amount,
                currency,
                category: cat.to_string(),
                payee: payee.to_string(),
                note: note.to_string(),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                kind,
            });
        }
    };
    for &day in &days {
        let note_month = day.format("%B").to_string();
        match day.day() {
            1 => {
                push(
                    &mut out,
                    day,
                    95000,
                    "housing:rent",
                    "Landlord GmbH",
                    &["fixed"],
                    Kind::Expense,
                    "",
                );
                push(
                    &mut out,
                    day,
                    4900,
                    "transport:public",
                    "BVG",
                    &["fixed"],
                    Kind::Expense,
                    "monthly pass",
                );
            }
            3 => push(
                &mut out,
                day,
                1099,
                "subscriptions:music",
                "Spotify",
                &["fixed"],
                Kind::Expense,
                "",
            ),
            5 => push(
                &mut out,
                day,
                rng.gen_range(5500..9000),
                "utilities:electricity",
                "Stadtwerke",
                &["fixed"],
                Kind::Expense,
                "",
            ),
            8 => push(
                &mut out,
                day,
                3999,
                "utilities:internet",
                "Telekom",
                &["fixed"],
                Kind::Expense,
                "",
            ),
            12 => push(
                &mut out,
                day,
                1299,
                "subscriptions:video",
                "Netflix",
                &["fixed"],
                Kind::Expense,
                "",
            ),
            25 => push(
                &mut out,
                day,
                320000,
                "income:salary",
                "ACME Corp",
                &[],
                Kind::Income,
                &format!("salary {note_month}"),
            ),
            _ => {}
        }
        if day.weekday() == Weekday::Sat {
            let payee = ["Lidl", "Rewe", "Edeka"][rng.gen_range(0..3)];
            push(
                &mut out,
                day,
                rng.gen_range(4000..12000),
                "food:groceries",
                payee,
                &["weekly"],
                Kind::Expense,
                "big shop",
            );
        }
        if day.weekday() == Weekday::Mon && day.iso_week().week() % 2 == 0 {
            push(
                &mut out,
                day,
                rng.gen_range(5000..8000),
                "transport:fuel",
                "Aral",
                &[],
                Kind::Expense,
                "",
            );
        }
    }
    let weight_sum: u32 = EVERYDAY.iter().map(|(w, _)| w).sum();
    while out.len() < count && !days.is_empty() {
        let day = days[rng.gen_range(0..days.len())];
        let mut pick = rng.gen_range(0..weight_sum);
        let (_, (cat, payees, lo, hi, tags)) = EVERYDAY
            .iter()
            .find(|(w, _)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .unwrap_or(&EVERYDAY[0]);
        let payee = payees[rng.gen_range(0..payees.len())];
        let kind = if cat.starts_with("income") {
            Kind::Income
        } else {
            Kind::Expense
        };
        let tags: &[&str] = if day.month() == 8 && rng.gen_bool(0.3) {
            &["vacation"]
        } else {
            tags
        };
        // Round to 5 cents the way prices look.
        let amount = rng.gen_range(*lo..=*hi) / 5 * 5;
        push(&mut out, day, amount.max(5), cat, payee, tags, kind, "");
    }
    out.sort_by_key(|d| d.date);
    out
}

/// Months of demo data for `count` expenses: about 150 a month, 3 to 120 months.
pub fn default_months(count: usize) -> u32 {
    (count / 150).clamp(3, 120) as u32
}

/// `expense demo`: fills the store of `ctx`.
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    let store = ctx.store()?;
    let filled = fill(
        &store,
        args,
        ctx.today,
        ctx.config.currency,
        ctx.err,
        ctx.err_is_tty,
    )?;
    if args.json {
        let out = serde_json::json!({
            "stored": filled.stored,
            "months": filled.months,
            "seed": args.seed,
            "from": filled.from.map(|d| d.to_string()),
            "to": filled.to.map(|d| d.to_string()),
        });
        writeln!(ctx.out, "{}", serde_json::to_string(&out)?)?;
    }
    Ok(())
}

/// What [`fill`] stored.
pub struct Filled {
    /// Expenses stored.
    pub stored: usize,
    /// Months they span, back from this one.
    pub months: u32,
    /// The first day with an expense (none when nothing was stored).
    pub from: Option<NaiveDate>,
    /// The last day with an expense.
    pub to: Option<NaiveDate>,
}

/// Fills an empty store; refuses a store that already holds expenses. Progress goes to `err`
/// (a counter only when `err_is_tty`).
pub fn fill(
    store: &Store,
    args: &Args,
    today: NaiveDate,
    currency: Currency,
    err: &mut dyn Write,
    err_is_tty: bool,
) -> Result<Filled> {
    if !store.is_empty() {
        return Err(eyre!(
            "the store already holds {} expenses; demo data goes into an empty store (pass --data-dir with a new folder)",
            store.len()
        ));
    }
    let months = args
        .months
        .unwrap_or_else(|| default_months(args.count))
        .max(1);
    let drafts = generate(args.count, months, args.seed, today, currency);
    let total = drafts.len();
    let from = drafts.iter().map(|d| d.date).min();
    let to = drafts.iter().map(|d| d.date).max();
    let started = std::time::Instant::now();
    let now = crate::clock::now_ms();
    let mut done = 0;
    for chunk in drafts.chunks(20_000) {
        done += store.put_batch(chunk.to_vec(), Origin::Demo, now)?;
        if err_is_tty {
            write!(err, "\rgenerating demo data: {done}/{total}")?;
            err.flush()?;
        }
    }
    if err_is_tty {
        writeln!(err)?;
    }
    writeln!(
        err,
        "stored {done} demo expenses over {months} months in {:.1} s",
        started.elapsed().as_secs_f64()
    )?;
    Ok(Filled {
        stored: done,
        months,
        from,
        to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_exactly_count_up_to_today() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        let d = generate(2000, 6, 1, today, Currency::EUR);
        assert_eq!(d.len(), 2000);
        assert!(d.iter().all(|x| x.date <= today && x.amount > 0));
        assert!(d.iter().any(|x| x.kind == Kind::Income));
        assert!(d.iter().any(|x| x.category == "housing:rent"));
        assert_eq!(d, generate(2000, 6, 1, today, Currency::EUR));
        assert_eq!(generate(5, 6, 1, today, Currency::EUR).len(), 5);
    }
}
