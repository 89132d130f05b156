//! Small text charts for the review: vertical columns (days, months) and horizontal bars
//! (shares). Pure functions from numbers to styled lines, so they draw the same into any buffer.
//! Unicode mode uses block eighths (▁..█); ASCII mode (config `chart_markers = "ascii"`) uses
//! `#`, `=` and `.` for fonts and SSH clients without them.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

const EIGHTHS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One column of a column chart: its value, an optional part of it drawn in another style
/// (a selected category within the total), and an optional mark (the budget pace).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Column {
    /// Height of the column.
    pub value: i64,
    /// The lower part drawn with the `part` style and character.
    pub part: i64,
    /// A level marked with a dot where the column does not reach it.
    pub mark: Option<i64>,
    /// Draw this column in the `alert` style (e.g. above the budget pace).
    pub alert: bool,
}

/// Styles of a column chart.
#[derive(Debug, Clone, Copy)]
pub struct ColumnStyles {
    /// Normal columns.
    pub bar: Style,
    /// The `part` of a column.
    pub part: Style,
    /// Columns with `alert`.
    pub alert: Style,
    /// Marks.
    pub mark: Style,
}

/// `height` lines (top first) drawing `cols`, each `width` cells wide, scaled so the largest
/// value or mark fills the height.
pub fn columns(
    cols: &[Column],
    width: usize,
    height: usize,
    styles: ColumnStyles,
    ascii: bool,
) -> Vec<Line<'static>> {
    let max = cols
        .iter()
        .map(|c| c.value.max(c.mark.unwrap_or(0)))
        .max()
        .unwrap_or(0)
        .max(1);
    // Heights in eighths of a row.
    let scale = |v: i64| -> usize {
        let v = i128::from(v.max(0)) * (height as i128) * 8 / i128::from(max);
        v as usize
    };
    let mut lines = Vec::with_capacity(height);
    for row in (0..height).rev() {
        let mut spans: Vec<Span<'static>> = Vec::new();
        for c in cols {
            let (total, part) = (scale(c.value), scale(c.part.min(c.value)));
            let base = row * 8;
            let fill = total.saturating_sub(base).min(8);
            let part_fill = part.saturating_sub(base).min(8);
            // The mark sits in the row holding its level, where the column does not reach.
            let mark_here = c.mark.is_some_and(|m| {
                let h = scale(m);
                h > 0 && (h - 1) / 8 == row && fill == 0
            });
            let (ch, style) = if part_fill >= 8 || (part_fill > 0 && part_fill >= fill) {
                (cell(part_fill, ascii, true), styles.part)
            } else if fill > 0 {
                let st = if c.alert { styles.alert } else { styles.bar };
                (cell(fill, ascii, false), st)
            } else if mark_here {
                (if ascii { '.' } else { '·' }, styles.mark)
            } else {
                (' ', styles.bar)
            };
            spans.push(Span::styled(ch.to_string().repeat(width), style));
        }
        lines.push(Line::from(spans));
    }
    lines
}

fn cell(eighths: usize, ascii: bool, part: bool) -> char {
    if ascii {
        match (eighths, part) {
            (0, _) => ' ',
            (1..=3, _) => '.',
            (_, true) => '=',
            _ => '#',
        }
    } else if part {
        // A shade, so the part reads without colour too.
        '▒'
    } else {
        EIGHTHS[eighths.min(8)]
    }
}

/// A horizontal bar `width` cells long filled to `num / den`.
pub fn hbar(num: i64, den: i64, width: usize, ascii: bool) -> String {
    if den <= 0 || width == 0 {
        return " ".repeat(width);
    }
    let eighths = (i128::from(num.clamp(0, den)) * (width as i128) * 8 / i128::from(den)) as usize;
    let mut s = String::with_capacity(width * 3);
    let full = eighths / 8;
    let rest = eighths % 8;
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    for _ in 0..full {
        s.push(if ascii { '#' } else { '█' });
    }
    if full < width {
        s.push(if rest == 0 {
            ' '
        } else if ascii {
            if rest >= 4 {
                '#'
            } else {
                ' '
            }
        } else {
            PARTS[rest]
        });
        for _ in full + 1..width {
            s.push(' ');
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn bars_fill_in_eighths() {
        assert_eq!(hbar(1, 2, 4, false), "██  ");
        assert_eq!(hbar(1, 2, 4, true), "##  ");
        assert_eq!(hbar(5, 2, 3, false), "███");
        assert_eq!(hbar(0, 0, 3, false), "   ");
        assert_eq!(hbar(1, 2, 1, false), "▌");
        assert_eq!(hbar(1, 16, 1, false), " ");
    }

    #[test]
    fn columns_scale_to_the_largest() {
        let s = Style::new();
        let styles = ColumnStyles {
            bar: s,
            part: s,
            alert: s,
            mark: s,
        };
        let cols = [
            Column {
                value: 4,
                ..Default::default()
            },
            Column {
                value: 2,
                mark: Some(4),
                ..Default::default()
            },
            Column {
                value: 4,
                part: 2,
                ..Default::default()
            },
        ];
        assert_eq!(text(&columns(&cols, 1, 2, styles, true)), ["#.#", "##="]);
        assert_eq!(text(&columns(&cols, 1, 2, styles, false)), ["█·█", "██▒"]);
    }
}
