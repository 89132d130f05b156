//! One table for the list screens (ledger, history, trash and the review's categories), after
//! bottom's `data_table` and its `DataToCell` trait: each row type says how it draws a cell for
//! a column ([`DataToCell`]); the table draws what every list shares: the header with the sort
//! arrow, the selected row, the placeholder for a row not read yet, and the loading and empty
//! states ([`loading`], [`empty`]).
//!
//! Pure: a `DataTable` is built from state at each draw and thrown away; the `TableState`
//! ratatui wants is a throwaway too, so render never writes back into `State`. The screens
//! pass only the visible window of rows, never the whole month.

use crate::ui::theme::{Meaning, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap};
use unicode_width::UnicodeWidthChar;

/// How a row draws itself, one cell per column. `Column` names the columns of that row type
/// (usually a small enum), so a screen lists the columns it shows and the row fills them in.
pub trait DataToCell {
    /// The columns this row type can fill.
    type Column: Copy + PartialEq;

    /// The cell of `column` for this row, styled with `theme`. Cells own their text, so the
    /// rows can be built for one draw without borrowing from it. The table cuts a line longer
    /// than its column, ending it in `…`.
    fn to_cell(&self, column: Self::Column, theme: &Theme) -> Line<'static>;
}

/// One column: which it is, its header text, its width and how its header is aligned (amounts
/// are right-aligned, so their headers are too).
#[derive(Debug, Clone, Copy)]
pub struct Column<C> {
    /// Which column, as the row type knows it.
    pub id: C,
    /// Header text, without the sort arrow.
    pub title: &'static str,
    /// Width, as ratatui's `Table` takes it.
    pub width: Constraint,
    /// Alignment of the header text.
    pub align: Alignment,
}

impl<C> Column<C> {
    /// A left-aligned column.
    pub fn new(id: C, title: &'static str, width: Constraint) -> Column<C> {
        Column {
            id,
            title,
            width,
            align: Alignment::Left,
        }
    }

    /// The same column with its header right-aligned.
    pub fn right(self) -> Column<C> {
        Column {
            align: Alignment::Right,
            ..self
        }
    }
}

/// The column the rows are sorted by and the arrow drawn after its title. The arrow is the
/// caller's, because the screens read it differently (the ledger points at the direction, the
/// review, sorted largest first by default, at where the small values are).
#[derive(Debug, Clone, Copy)]
pub struct Sort<C> {
    /// The sorted column.
    pub column: C,
    /// `↑` or `↓`.
    pub arrow: &'static str,
}

/// A table of the visible rows. `None` rows are in the window but not read yet, and draw as `…`.
pub struct DataTable<'a, R: DataToCell> {
    /// The columns shown, left to right.
    pub columns: &'a [Column<R::Column>],
    /// The visible rows, top to bottom.
    pub rows: Vec<Option<R>>,
    /// The sort, when the table has one.
    pub sort: Option<Sort<R::Column>>,
    /// The selected row, as an index into `rows`.
    pub selected: Option<usize>,
    /// Styles.
    pub theme: &'a Theme,
}

impl<R: DataToCell> DataTable<'_, R> {
    /// The header row: titles, the arrow on the sorted column, muted.
    fn header(&self) -> Row<'static> {
        let cells: Vec<Cell> = self
            .columns
            .iter()
            .map(|c| {
                let text = match self.sort {
                    Some(s) if s.column == c.id => format!("{}{}", c.title, s.arrow),
                    _ => c.title.to_string(),
                };
                Cell::from(Line::from(text).alignment(c.align))
            })
            .collect();
        Row::new(cells).style(self.theme.style(Meaning::Muted))
    }
}

impl<R: DataToCell> Widget for &DataTable<'_, R> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let widths = column_widths(self.columns.iter().map(|c| c.width), area.width);
        let rows: Vec<Row> = self
            .rows
            .iter()
            .map(|row| match row {
                Some(r) => Row::new(
                    self.columns
                        .iter()
                        .zip(&widths)
                        .map(|(c, w)| Cell::from(cut(r.to_cell(c.id, t), usize::from(*w))))
                        .collect::<Vec<_>>(),
                ),
                // The window is being read: one placeholder cell keeps the row count right.
                None => Row::new(vec![Cell::from("…")]),
            })
            .collect();
        let table = Table::new(rows, self.columns.iter().map(|c| c.width))
            .flex(FLEX)
            .header(self.header())
            .row_highlight_style(t.style(Meaning::Selected))
            .column_spacing(1);
        let mut state = TableState::new().with_selected(self.selected);
        StatefulWidget::render(table, area, buf, &mut state);
    }
}

/// How the columns share the width; set on the table and used by [`column_widths`] alike.
const FLEX: Flex = Flex::Start;

/// The width of each column as the table lays them out in `width` cells (one cell between
/// columns, no selection symbol).
fn column_widths(constraints: impl IntoIterator<Item = Constraint>, width: u16) -> Vec<u16> {
    Layout::horizontal(constraints)
        .flex(FLEX)
        .spacing(1)
        .split(Rect::new(0, 0, width, 1))
        .iter()
        .map(|r| r.width)
        .collect()
}

/// `line` cut to `width` cells, ending in `…` (in the style of the text it replaces) when
/// anything was cut; a line that fits is returned as it is.
pub fn cut(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width {
        return line;
    }
    let mut out = Line {
        spans: Vec::new(),
        ..line.clone()
    };
    let mut used = 0;
    let room = width.saturating_sub(1);
    let mut last_style = line.style;
    for span in line.spans {
        last_style = span.style;
        let mut text = String::new();
        for c in span.content.chars() {
            let w = UnicodeWidthChar::width(c).unwrap_or(0);
            if used + w > room {
                break;
            }
            used += w;
            text.push(c);
        }
        let full = text.len() == span.content.len();
        if !text.is_empty() {
            out.spans.push(Span::styled(text, span.style));
        }
        if !full {
            break;
        }
    }
    if width > 0 {
        out.spans.push(Span::styled("…", last_style));
    }
    out
}

/// `Loading…` where the rows will be, while the first window is read.
pub fn loading(theme: &Theme) -> impl Widget {
    Paragraph::new("Loading…").style(theme.style(Meaning::Muted))
}

/// A list's empty state: `text` centred and wrapped, a third of the way down `area` (where the
/// eye lands, rather than on the header line).
pub fn empty(text: &str, area: Rect, buf: &mut Buffer) {
    let y = area.y + area.height / 3;
    let rect = Rect {
        y,
        height: area.height.saturating_sub(y - area.y),
        ..area
    };
    Paragraph::new(text)
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true })
        .render(rect, buf);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Style};

    fn text(l: &Line) -> String {
        l.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn a_cut_cell_ends_in_an_ellipsis_at_its_width() {
        let red = Style::new().fg(Color::Red);
        let line = Line::from(vec![Span::raw("Bakery "), Span::styled("Müller", red)]);
        // Fits: untouched.
        assert_eq!(text(&cut(line.clone(), 13)), "Bakery Müller");
        // One short: the last character gives way to `…`, in the cut span's style.
        let c = cut(line.clone(), 12);
        assert_eq!(text(&c), "Bakery Müll…");
        assert_eq!(c.spans.last().unwrap().style, red);
        assert_eq!(c.width(), 12);
        // Cut inside the first span: the second never shows.
        assert_eq!(text(&cut(line.clone(), 4)), "Bak…");
        assert_eq!(text(&cut(line.clone(), 1)), "…");
        assert_eq!(text(&cut(line, 0)), "");
        // Wide characters count as two cells and are never split.
        let wide = Line::from("日本語のメモ");
        assert_eq!(text(&cut(wide.clone(), 6)), "日本…");
        assert_eq!(cut(wide, 6).width(), 5);
        // Alignment is kept.
        let right = Line::from("12,345.67 EUR").alignment(Alignment::Right);
        assert_eq!(cut(right, 5).alignment, Some(Alignment::Right));
    }

    #[test]
    fn the_widths_are_the_ones_the_table_draws() {
        let c = [
            Constraint::Length(10),
            Constraint::Fill(2),
            Constraint::Fill(1),
        ];
        let w = column_widths(c, 40);
        assert_eq!(w[0], 10);
        assert_eq!(w.iter().sum::<u16>() + 2, 40, "{w:?}");
        assert!(w[1] >= w[2] * 2 - 1, "{w:?}");
    }
}
