//! The review's rename prompt (`R` on a category; `Overlay::Rename`, which `update` routes here
//! while it is open): the new name, prefilled with the category's, and what renaming to the name
//! typed would do (`N expenses (and M in subcategories) will move to …; budget …`), asked of the
//! store as it is typed (`Effect::PreviewRename`, a read). Enter renames (`Effect::RenameCategory`,
//! budgets that meet are summed, as the prompt says), Esc cancels; a refusal shows in the prompt,
//! the rename's line in the status bar, and `u` takes it all back.

use crate::app::action::Action;
use crate::app::effect::Effect;
use crate::app::state::{Overlay, RenameForm, State, Toast};
use crate::domain::rename::{config_changes, moved, BudgetMerge, RenameNote, RenamePreview};
use crate::domain::text::inert;
use tui_input::Input;

/// Opens the prompt for the review's selected category and asks what renaming it would move.
pub fn open(state: &mut State) -> Vec<Effect> {
    let Some(row) = state.review.selected_row().cloned() else {
        state.toast = Some(Toast {
            text: "No category selected".into(),
            error: true,
        });
        return Vec::new();
    };
    let category = row.category;
    state.overlay = Some(Overlay::Rename(RenameForm {
        input: Input::new(category.clone()),
        category: category.clone(),
        preview: None,
        error: None,
        saving: false,
    }));
    vec![Effect::PreviewRename {
        from: category.clone(),
        to: category,
    }]
}

/// Keys in the prompt: edit the name (each edit asks for a new preview), Enter renames, Esc
/// closes it.
pub fn form(state: &mut State, action: Action) -> Vec<Effect> {
    let Some(Overlay::Rename(form)) = &mut state.overlay else {
        return Vec::new();
    };
    match action {
        Action::Input(req) if !form.saving => {
            let before = form.input.value().to_string();
            form.input.handle(req);
            form.error = None;
            if form.input.value() != before {
                return vec![Effect::PreviewRename {
                    from: form.category.clone(),
                    to: form.input.value().to_string(),
                }];
            }
        }
        Action::Submit if !form.saving => {
            // The preview of this very text already says why not: no round trip.
            let refused = form
                .preview
                .as_ref()
                .filter(|p| p.asked == form.input.value())
                .and_then(|p| p.plan.as_ref().err());
            if let Some(why) = refused {
                form.error = Some(why.clone());
                return Vec::new();
            }
            form.saving = true;
            return vec![Effect::RenameCategory {
                from: form.category.clone(),
                to: form.input.value().to_string(),
                policy: BudgetMerge::Sum,
            }];
        }
        Action::Cancel | Action::Quit => state.overlay = None,
        _ => {}
    }
    Vec::new()
}

/// A preview arrived: kept when it is for the text the prompt shows now.
pub fn previewed(state: &mut State, preview: RenamePreview) -> Vec<Effect> {
    if let Some(Overlay::Rename(form)) = &mut state.overlay {
        if preview.from == form.category && preview.asked == form.input.value() {
            form.preview = Some(preview);
        }
    }
    Vec::new()
}

/// The rename was stored: close the prompt, say what moved (and which import settings in
/// config.toml still name the old category), and reload what is on screen.
pub fn renamed(state: &mut State, note: RenameNote) -> Vec<Effect> {
    if matches!(state.overlay, Some(Overlay::Rename(_))) {
        state.overlay = None;
    }
    let mut text = format!("{} · u undoes", note.done_line());
    let changes = config_changes(&state.import_categories, &note.from, &note.to);
    if !changes.is_empty() {
        text.push_str(&format!(
            " · {} import setting{} in config.toml still name{} {}: {}",
            changes.len(),
            if changes.len() == 1 { "" } else { "s" },
            if changes.len() == 1 { "s" } else { "" },
            inert(&note.from),
            changes.join("; ")
        ));
    }
    state.toast_stale = false;
    state.toast = Some(Toast { text, error: false });
    // What the screens hold by name follows the rename: the ledger's category, the review's
    // open categories.
    let follow = |c: &String| moved(c, &note.from, &note.to).unwrap_or_else(|| c.clone());
    if let Some(c) = &state.ledger.category {
        state.ledger.category = Some(follow(c));
    }
    state.review.expanded = state.review.expanded.iter().map(follow).collect();
    // The renamed category's rows are other rows now: the ledger's window and the review.
    let mut fx = vec![Effect::LoadWindow(super::ledger::query_at(state, None))];
    fx.extend(super::screen_reload(state));
    fx
}
