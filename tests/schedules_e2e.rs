//! Recurring expenses in the real binary, typed into bash in a private tmux server at 100x30
//! with the clock set (`EXPENSE_NOW`): `R` opens the schedules screen, the form adds rent
//! monthly on the 5th, the list shows it with its next date, `p` pauses it, `q` quits; opened
//! again, the schedule is still paused.

mod common;

use common::tmux::Shell;
use common::{bin, ok, Sandbox, TIMEOUT};

/// Saturday 21 November 2026, midday UTC (the 21st in every time zone from -11 to +11).
const NOW: &str = "2026-11-21T12:00:00Z";

fn open_tui(sh: &Shell, sb: &Sandbox) {
    sh.run(&format!(
        "EXPENSE_NOW={NOW} '{}' --data-dir '{}'",
        bin(),
        sb.data.display()
    ));
    sh.wait_for("November 2026", TIMEOUT);
}

#[test]
fn schedules_screen_adds_a_monthly_schedule_lists_it_and_pauses_it() {
    let sb = Sandbox::new();
    let mut add = sb.cmd(&["add", "950", "rent!", "@Landlord", "2026-11-02"]);
    ok(add.env("EXPENSE_NOW", NOW).output().unwrap());
    let sh = Shell::start(&sb, 100, 30);
    open_tui(&sh, &sb);
    sh.wait_for("R recurring", TIMEOUT);
    sh.keys(&["R"]);
    sh.wait_for("No recurring expenses yet", TIMEOUT);
    sh.keys(&["a"]);
    sh.wait_for("New recurring expense", TIMEOUT);
    sh.keys(&["-l", "950"]);
    sh.keys(&["Tab"]);
    sh.keys(&["-l", "Landlord"]);
    sh.keys(&["Tab"]);
    sh.keys(&["-l", "rent"]);
    // Past tags, note, currency, kind, every and unit to the day of the month.
    for _ in 0..7 {
        sh.keys(&["Tab"]);
    }
    sh.keys(&["-l", "5"]);
    sh.wait_for("On day    5", TIMEOUT);
    sh.keys(&["Enter"]);
    sh.wait_for(
        "Added recurring 950.00 EUR rent @Landlord: next 2026-12-05",
        TIMEOUT,
    );
    let screen = sh.screen();
    let row = screen
        .lines()
        .find(|l| l.starts_with("auto"))
        .unwrap_or_else(|| panic!("a schedule row:\n{screen}"));
    for want in [
        "2026-12-05",
        "Landlord",
        "rent",
        "monthly, 5th",
        "950.00 EUR",
    ] {
        assert!(row.contains(want), "{want} in {row:?}");
    }
    assert!(
        screen.contains("every month on the 5th from 2026-11-21"),
        "{screen}"
    );
    sh.keys(&["p"]);
    sh.wait_for("Paused 950.00 EUR rent @Landlord", TIMEOUT);
    sh.wait_until("the row says paused", TIMEOUT, |s| {
        s.lines()
            .any(|l| l.starts_with("paused") && l.contains("Landlord"))
    });
    sh.keys(&["q"]);
    sh.wait_until("the shell prompt", TIMEOUT, |s| {
        s.lines().rev().find(|l| !l.trim().is_empty()) == Some("$")
    });
    // Opened again: still there, still paused, nothing posted.
    open_tui(&sh, &sb);
    sh.keys(&["R"]);
    sh.wait_until("the paused schedule", TIMEOUT, |s| {
        s.lines()
            .any(|l| l.starts_with("paused") && l.contains("2026-12-05"))
    });
    sh.keys(&["q"]);
    let listed = ok(sb.cmd(&["list", "--month", "2026-11"]).output().unwrap());
    assert_eq!(listed.matches("Landlord").count(), 1, "{listed}");
}
