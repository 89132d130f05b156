//! The rule's lines of the schedule form, drawn by `ui/form.rs` under the expense's fields:
//! every N, the unit (a pick), the day of the month, the end, and confirm (a pick), each with
//! its reason under it, and the cursor in the focused text field. Pure.

use crate::app::state::{RuleField, RuleForm, Unit};
use crate::domain::text::inert;
use crate::ui::form::{wrap, LABEL};
use crate::ui::theme::{Meaning, Theme};
use ratatui::text::{Line, Span};

/// The rule's lines, where the cursor goes (column, line among them), and which line holds
/// the focused field.
pub struct RuleLines<'a> {
    /// One line per field, and a reason under a wrong one.
    pub lines: Vec<Line<'a>>,
    /// The cursor in the focused text field: (column, line).
    pub cursor: Option<(u16, u16)>,
    /// The line of the focused field, when a rule field has the focus.
    pub focus_line: Option<usize>,
}

/// The lines of `rule`, `width` columns for each field's text.
pub fn lines<'a>(rule: &RuleForm, theme: &Theme, width: usize) -> RuleLines<'a> {
    let mut out = RuleLines {
        lines: Vec::new(),
        cursor: None,
        focus_line: None,
    };
    for field in RuleField::ALL {
        let focused = rule.focus == Some(field);
        if focused {
            out.focus_line = Some(out.lines.len());
        }
        let label_style = theme.style(if focused {
            Meaning::Focus
        } else {
            Meaning::Muted
        });
        let mut spans = vec![Span::styled(
            format!("{:<LABEL$}", field.label()),
            label_style,
        )];
        let pick = |chosen: bool, text: &str| {
            let style = theme.style(if chosen {
                Meaning::Selected
            } else {
                Meaning::Muted
            });
            Span::styled(format!(" {text} "), style)
        };
        match field {
            RuleField::Unit => {
                for u in Unit::ALL {
                    spans.push(pick(rule.unit == u, u.word()));
                }
                if focused {
                    spans.push(Span::styled(" d w m y", theme.style(Meaning::Muted)));
                }
            }
            RuleField::Confirm => {
                spans.push(pick(!rule.confirm, "no"));
                spans.push(pick(rule.confirm, "yes"));
                let note = if rule.confirm {
                    "  waits in the due list"
                } else {
                    "  posted by itself"
                };
                spans.push(Span::styled(note, theme.style(Meaning::Muted)));
            }
            _ => {
                let Some(input) = rule.input(field) else {
                    continue;
                };
                let scroll = if focused {
                    input.visual_scroll(width)
                } else {
                    0
                };
                let shown: String = inert(input.value())
                    .chars()
                    .skip(scroll)
                    .take(width)
                    .collect();
                let unused = field == RuleField::On && rule.unit != Unit::Months;
                let style = theme.style(if focused && !unused {
                    Meaning::Text
                } else {
                    Meaning::Muted
                });
                if focused {
                    let x = LABEL + input.visual_cursor().saturating_sub(scroll);
                    out.cursor = Some((x as u16, out.lines.len() as u16));
                }
                let empty = input.value().trim().is_empty();
                spans.push(Span::styled(shown, style));
                let note = match field {
                    RuleField::Every if input.value().trim() == "1" => {
                        format!(" {}", rule.unit.word().trim_end_matches('s'))
                    }
                    RuleField::Every => format!(" {}", rule.unit.word()),
                    RuleField::On if unused => "  (months only)".into(),
                    RuleField::On if empty => "the start's day (or 1-31, last)".into(),
                    RuleField::Ends if empty => "never (or a last date, or a count)".into(),
                    _ => String::new(),
                };
                spans.push(Span::styled(note, theme.style(Meaning::Muted)));
            }
        }
        out.lines.push(Line::from(spans));
        if let Some(err) = rule.error(field) {
            for part in wrap(&format!("↳ {}", inert(err)), width) {
                out.lines.push(Line::from(Span::styled(
                    format!("{:LABEL$}{part}", ""),
                    theme.style(Meaning::Error),
                )));
            }
        }
    }
    out
}
