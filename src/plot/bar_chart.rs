//! A horizontal bar chart for timing comparisons: one bar per entry, labelled on the left, its
//! value printed after its end, coloured by group (Okabe-Ito) with a legend under the value
//! axis; lengths linear in the value or in its logarithm.

use std::path::Path;

use anyhow::{anyhow, ensure};

use super::font::{cap_height, draw_text, ensure_registered, fitting_size, text_width, Align};
use super::panel::{fill, Rect, LABEL_SIZE, TITLE_SIZE};
use super::png_file::render_png;
use super::style::{colour, format_number, nice_step, Rgb};
use super::style::{BACKGROUND, FRAME, GRID, GROUP_COLOURS, INK};

/// One bar of a bar chart: its label, its value and the group that picks its colour.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub group: String,
}

/// How bar lengths follow values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarScale {
    /// Length proportional to value, from zero.
    Linear,
    /// Length proportional to log10(value), from the decade below the smallest value; for
    /// comparisons that span orders of magnitude.
    Log10,
}

// Layout (pixels): title, one row per bar (label | bar | value), value axis, legend.
const WIDTH: i32 = 800;
const MARGIN: i32 = 12;
const TOP: i32 = 52;
/// Widest label column; longer labels drop to the small size, then are cut.
const LABEL_COLUMN: i32 = 260;
const SMALL_LABEL_SIZE: f64 = 13.0;
const LEGEND_ROW: i32 = 26;
const TICK_LENGTH: i32 = 5;

/// The texts of a bar chart and where its parts go, shared by drawing and the tests.
struct BarLayout {
    /// Bar labels, cut to fit the label column.
    labels: Vec<String>,
    label_size: f64,
    /// Each bar's value and unit, drawn after the bar.
    value_labels: Vec<String>,
    /// Left end of every bar (the value axis origin).
    bar_left: i32,
    /// Pixels from `bar_left` to the axis maximum.
    bar_span: i32,
    /// Vertical distance between bar centres; bars are 3/4 of it thick.
    pitch: i32,
    axis_y: i32,
}

/// `label` cut (ending in "…", so it is not read as whole) to fit `width` pixels at `size`.
fn cut_to_width(label: &str, size: f64, width: i32) -> String {
    if text_width(label, size) <= width {
        return label.to_string();
    }
    let mut kept: Vec<char> = label.chars().collect();
    while !kept.is_empty() {
        kept.pop();
        let cut: String = kept.iter().collect::<String>() + "…";
        if text_width(&cut, size) <= width {
            return cut;
        }
    }
    "…".into()
}

impl BarLayout {
    fn new(bars: &[Bar], unit: &str) -> Self {
        // Labels: the normal size when every label fits the label column, else the small one,
        // cut where still too long.
        let widest = bars
            .iter()
            .map(|b| text_width(&b.label, LABEL_SIZE))
            .max()
            .unwrap_or(0);
        let label_size = if widest <= LABEL_COLUMN {
            LABEL_SIZE
        } else {
            SMALL_LABEL_SIZE
        };
        let labels: Vec<String> = bars
            .iter()
            .map(|b| cut_to_width(&b.label, label_size, LABEL_COLUMN))
            .collect();
        let value_labels: Vec<String> = bars
            .iter()
            .map(|b| {
                format!("{} {unit}", format_number(b.value))
                    .trim_end()
                    .to_string()
            })
            .collect();

        let label_width = labels
            .iter()
            .map(|l| text_width(l, label_size))
            .max()
            .unwrap_or(0);
        let value_width = value_labels
            .iter()
            .map(|l| text_width(l, LABEL_SIZE))
            .max()
            .unwrap_or(0);
        let bar_left = MARGIN + label_width + 12;
        let bar_right = WIDTH - (MARGIN + value_width + 8);
        let pitch = (440 / bars.len() as i32).clamp(24, 56);
        BarLayout {
            labels,
            label_size,
            value_labels,
            bar_left,
            bar_span: (bar_right - bar_left).max(0),
            pitch,
            axis_y: TOP + bars.len() as i32 * pitch + 8,
        }
    }

    fn bar_centre_y(&self, index: usize) -> i32 {
        TOP + 4 + index as i32 * self.pitch + self.pitch / 2
    }
}

/// The value axis: maps a value to a fraction of the bar span, and lists its ticks.
enum ValueAxis {
    Linear { max: f64, step: f64 },
    Log10 { low_decade: i32, high_decade: i32 },
}

impl ValueAxis {
    fn fit(scale: BarScale, values: &[f64]) -> Self {
        let largest = values.iter().copied().fold(0.0, f64::max);
        match scale {
            BarScale::Linear => {
                if largest == 0.0 {
                    return ValueAxis::Linear {
                        max: 1.0,
                        step: 0.2,
                    };
                }
                // About four intervals, the maximum rounded up to a whole step.
                let step = nice_step(largest, 4);
                let max = (largest / step - 1e-9).ceil() * step;
                ValueAxis::Linear { max, step }
            }
            BarScale::Log10 => {
                let smallest = values.iter().copied().fold(f64::INFINITY, f64::min);
                // The decade strictly below the smallest value, so every bar has some length.
                let low_decade = smallest.log10().ceil() as i32 - 1;
                let high_decade = (largest.log10().ceil() as i32).max(low_decade + 1);
                ValueAxis::Log10 {
                    low_decade,
                    high_decade,
                }
            }
        }
    }

    fn fraction(&self, value: f64) -> f64 {
        match *self {
            ValueAxis::Linear { max, .. } => value / max,
            ValueAxis::Log10 {
                low_decade,
                high_decade,
            } => (value.log10() - low_decade as f64) / (high_decade - low_decade) as f64,
        }
    }

    fn ticks(&self) -> Vec<f64> {
        match *self {
            ValueAxis::Linear { max, step } => {
                let intervals = (max / step).round() as usize;
                (0..=intervals).map(|k| k as f64 * step).collect()
            }
            ValueAxis::Log10 {
                low_decade,
                high_decade,
            } => (low_decade..=high_decade).map(|d| 10f64.powi(d)).collect(),
        }
    }
}

/// Writes a horizontal bar chart of `bars` to the PNG file `path`, 800 pixels wide: one bar per
/// entry in the given order, labelled on the left, its value and `unit` on the right, coloured
/// by group with a legend below the value axis. Values must be finite and non-negative
/// (positive for [`BarScale::Log10`]).
pub fn bar_chart_png(
    path: &Path,
    title: &str,
    unit: &str,
    bars: &[Bar],
    scale: BarScale,
) -> anyhow::Result<()> {
    ensure!(!bars.is_empty(), "bar chart {title:?} has no bars");
    for bar in bars {
        let valid = match scale {
            BarScale::Linear => bar.value >= 0.0,
            BarScale::Log10 => bar.value > 0.0,
        };
        ensure!(
            valid && bar.value.is_finite(),
            "bar {:?} has value {}: bars need finite values >= 0 (> 0 on a log scale)",
            bar.label,
            bar.value
        );
    }
    ensure_registered()?;

    let layout = BarLayout::new(bars, unit);
    let values: Vec<f64> = bars.iter().map(|b| b.value).collect();
    let axis = ValueAxis::fit(scale, &values);

    let mut groups: Vec<&str> = Vec::new();
    for bar in bars {
        if !groups.contains(&bar.group.as_str()) {
            groups.push(&bar.group);
        }
    }
    let group_colour = |group: &str| -> Rgb {
        let index = groups.iter().position(|g| *g == group).unwrap_or(0);
        GROUP_COLOURS[index % GROUP_COLOURS.len()]
    };

    // Legend rows: swatch and group name, as many per row as fit the width.
    let mut legend_rows: Vec<Vec<(i32, &str)>> = vec![Vec::new()];
    let mut legend_x = MARGIN;
    for group in &groups {
        let width = 24 + text_width(group, LABEL_SIZE) + 24;
        if legend_x + width > WIDTH && legend_x > MARGIN {
            legend_rows.push(Vec::new());
            legend_x = MARGIN;
        }
        legend_rows
            .last_mut()
            .expect("one row")
            .push((legend_x, group));
        legend_x += width;
    }
    let legend_top = layout.axis_y + 66;
    let height = legend_top + legend_rows.len() as i32 * LEGEND_ROW + MARGIN;

    render_png(path, (WIDTH as u32, height as u32), |root| {
        root.fill(&colour(BACKGROUND))
            .map_err(|e| anyhow!("clearing the picture: {e}"))?;
        let title_size = fitting_size(title, TITLE_SIZE, WIDTH - 20);
        draw_text(
            root,
            title,
            (WIDTH / 2, 18),
            title_size,
            INK,
            Align::Centre,
            Align::Start,
        )?;

        // Grid lines and tick labels at the axis ticks; a label that would overlap the one before
        // it is left out.
        let mut last_label_right = i32::MIN;
        for tick in axis.ticks() {
            let x = layout.bar_left + (axis.fraction(tick) * layout.bar_span as f64).round() as i32;
            let grid_line = Rect {
                x,
                y: TOP,
                width: 1,
                height: layout.axis_y - TOP,
            };
            fill(root, grid_line, GRID)?;
            fill(
                root,
                Rect {
                    x,
                    y: layout.axis_y,
                    width: 1,
                    height: TICK_LENGTH,
                },
                FRAME,
            )?;
            let label = format_number(tick);
            let half = text_width(&label, LABEL_SIZE) / 2;
            if x - half >= last_label_right + 8 {
                let at = (x, layout.axis_y + 10);
                draw_text(
                    root,
                    &label,
                    at,
                    LABEL_SIZE,
                    INK,
                    Align::Centre,
                    Align::Start,
                )?;
                last_label_right = x + half;
            }
        }
        let axis_line = Rect {
            x: layout.bar_left,
            y: layout.axis_y,
            width: layout.bar_span + 1,
            height: 1,
        };
        fill(root, axis_line, FRAME)?;
        let axis_title = match scale {
            BarScale::Linear => unit.to_string(),
            BarScale::Log10 => format!("{unit} (log scale)").trim_start().to_string(),
        };
        let at = (
            layout.bar_left + layout.bar_span / 2,
            layout.axis_y + 22 + cap_height(LABEL_SIZE),
        );
        draw_text(
            root,
            &axis_title,
            at,
            LABEL_SIZE,
            INK,
            Align::Centre,
            Align::Start,
        )?;

        // Bars: label right-aligned before the origin, bar, value label after the bar's end.
        let thickness = layout.pitch * 3 / 4;
        for (index, bar) in bars.iter().enumerate() {
            let centre = layout.bar_centre_y(index);
            let at = (layout.bar_left - 12, centre);
            let size = layout.label_size;
            draw_text(
                root,
                &layout.labels[index],
                at,
                size,
                INK,
                Align::End,
                Align::Centre,
            )?;
            let length = (axis.fraction(bar.value) * layout.bar_span as f64).round() as i32;
            let rect = Rect {
                x: layout.bar_left,
                y: centre - thickness / 2,
                width: length,
                height: thickness,
            };
            fill(root, rect, group_colour(&bar.group))?;
            let at = (layout.bar_left + length + 8, centre);
            let value = &layout.value_labels[index];
            draw_text(
                root,
                value,
                at,
                LABEL_SIZE,
                INK,
                Align::Start,
                Align::Centre,
            )?;
        }

        for (row, entries) in legend_rows.iter().enumerate() {
            let y = legend_top + row as i32 * LEGEND_ROW;
            for &(x, group) in entries {
                fill(
                    root,
                    Rect {
                        x,
                        y,
                        width: 16,
                        height: 16,
                    },
                    group_colour(group),
                )?;
                draw_text(
                    root,
                    group,
                    (x + 24, y + 8),
                    LABEL_SIZE,
                    INK,
                    Align::Start,
                    Align::Centre,
                )?;
            }
        }

        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_support::{has_ink, DecodedPng, TempDir};

    /// Length in pixels of the run of `colour` on the row through bar `index`'s centre.
    fn bar_length(image: &DecodedPng, layout: &BarLayout, index: usize, colour: Rgb) -> usize {
        let y = layout.bar_centre_y(index) as usize;
        (layout.bar_left as usize..image.width)
            .take_while(|&x| image.pixel(x, y) == colour)
            .count()
    }

    fn two_groups(values: &[f64]) -> Vec<Bar> {
        values
            .iter()
            .enumerate()
            .map(|(i, &value)| Bar {
                label: format!("case {i}"),
                value,
                group: if i % 2 == 0 { "cpu" } else { "gpu" }.into(),
            })
            .collect()
    }

    #[test]
    fn linear_bars_are_proportional_to_values() {
        let dir = TempDir::new("bars");
        let path = dir.path("bars.tmp");
        let bars = two_groups(&[1.0, 10.0]);
        bar_chart_png(&path, "linear", "s", &bars, BarScale::Linear).unwrap();

        let image = DecodedPng::read(&path);
        assert_eq!(image.width, WIDTH as usize);
        ensure_registered().unwrap();
        let layout = BarLayout::new(&bars, "s");
        let short = bar_length(&image, &layout, 0, GROUP_COLOURS[0]);
        let long = bar_length(&image, &layout, 1, GROUP_COLOURS[1]);
        assert!(short > 10, "short bar is {short} px");
        let ratio = long as f64 / short as f64;
        assert!((ratio - 10.0).abs() < 0.5, "{long} px / {short} px");
        // Labels before the bars, values after them, title and legend.
        let y = layout.bar_centre_y(0) - 10;
        assert!(
            has_ink(&image, 0, y, layout.bar_left - 4, 20),
            "no bar label"
        );
        let end = layout.bar_left + short as i32;
        assert!(has_ink(&image, end + 4, y, 80, 20), "no value label");
        assert!(has_ink(&image, 0, 0, WIDTH, TOP - 8), "no title");
        let legend_top = layout.axis_y + 66;
        assert!(
            has_ink(&image, MARGIN + 20, legend_top, 200, 18),
            "no legend"
        );
    }

    #[test]
    fn log_bars_step_equally_per_decade() {
        let dir = TempDir::new("logbars");
        let path = dir.path("bars.png");
        let bars = two_groups(&[1.0, 10.0, 100.0]);
        bar_chart_png(&path, "log", "ms", &bars, BarScale::Log10).unwrap();

        let image = DecodedPng::read(&path);
        let layout = BarLayout::new(&bars, "ms");
        let lengths: Vec<usize> = (0..3)
            .map(|i| bar_length(&image, &layout, i, GROUP_COLOURS[i % 2]))
            .collect();
        assert!(lengths[0] > 10);
        let first_step = lengths[1] as i64 - lengths[0] as i64;
        let second_step = lengths[2] as i64 - lengths[1] as i64;
        assert!(
            first_step > 10 && (first_step - second_step).abs() <= 2,
            "{lengths:?}"
        );
    }

    #[test]
    fn bar_chart_rejects_non_positive_values_on_a_log_scale() {
        let dir = TempDir::new("badbars");
        let bars = two_groups(&[0.0, 1.0]);
        let result = bar_chart_png(&dir.path("b.png"), "t", "s", &bars, BarScale::Log10);
        assert!(result.is_err());
    }

    #[test]
    fn long_labels_are_cut_visibly() {
        ensure_registered().unwrap();
        let long = "x".repeat(200);
        let cut = cut_to_width(&long, SMALL_LABEL_SIZE, LABEL_COLUMN);
        assert!(cut.ends_with('…') && text_width(&cut, SMALL_LABEL_SIZE) <= LABEL_COLUMN);
        assert_eq!(cut_to_width("short", LABEL_SIZE, LABEL_COLUMN), "short");
    }
}
