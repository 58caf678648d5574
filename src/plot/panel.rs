//! The colour-map panel shared by the heat map, the 2-D field map and the field animation:
//! title, the field's cells as an image, ticks and labels on two axes, a viridis colour bar
//! with its value ticks, and a red "NaN" key when some cell is not finite.
//!
//! Geometry is fixed in pixels ([`PanelLayout`]) so that the tests can find every part.
//! Ticks are chosen by the picture (round values plus both ends); a tick whose label would
//! overlap an earlier one is left out, so the ends always show.

use anyhow::anyhow;
use plotters::element::{BitMapElement, Rectangle};
use plotters::style::ShapeStyle;

use super::cells::{CellGrid, ColourScale};
use super::font::{cap_height, draw_text, fitting_size, text_width, Align, Area};
use super::style::{colour, format_tick, interior_ticks, viridis, LabelSlots, Rgb};
use super::style::{BACKGROUND, FRAME, INK, NAN_COLOUR};

pub(super) const TITLE_SIZE: f64 = 22.0;
pub(super) const LABEL_SIZE: f64 = 17.0;
const NAME_SIZE: f64 = 20.0;
const TICK_LENGTH: i32 = 5;

// Margins around the plot area: title above, tick labels and axis names left and below,
// colour bar and its labels to the right.
const PLOT_LEFT: i32 = 120;
const PLOT_TOP: i32 = 64;
const BAR_GAP: i32 = 24;
const BAR_WIDTH: i32 = 24;
const RIGHT_ROOM: i32 = 112;
const BOTTOM_ROOM: i32 = 80;

/// A rectangle of pixels: left and top edges (included), width and height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Rect {
    pub(super) x: i32,
    pub(super) y: i32,
    pub(super) width: i32,
    pub(super) height: i32,
}

impl Rect {
    pub(super) fn right(&self) -> i32 {
        self.x + self.width
    }

    pub(super) fn bottom(&self) -> i32 {
        self.y + self.height
    }
}

/// Where the parts of a panel go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct PanelLayout {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) plot: Rect,
    pub(super) bar: Rect,
}

impl PanelLayout {
    /// The layout around a plot area of `plot_width` x `plot_height` pixels.
    pub(super) fn around(plot_width: i32, plot_height: i32) -> Self {
        let plot = Rect {
            x: PLOT_LEFT,
            y: PLOT_TOP,
            width: plot_width,
            height: plot_height,
        };
        let bar = Rect {
            x: plot.right() + BAR_GAP,
            y: PLOT_TOP,
            width: BAR_WIDTH,
            height: plot_height,
        };
        PanelLayout {
            width: (bar.right() + RIGHT_ROOM) as u32,
            height: (plot.bottom() + BOTTOM_ROOM) as u32,
            plot,
            bar,
        }
    }

    /// The red swatch of the NaN key, under the colour bar.
    pub(super) fn nan_key(&self) -> Rect {
        Rect {
            x: self.bar.x,
            y: self.plot.bottom() + 34,
            width: self.bar.width,
            height: 16,
        }
    }
}

/// One axis: its name and its ticks, each a pixel offset from the plot's left edge (x) or top
/// edge (y) and a label, in order of importance.
pub(super) struct Axis {
    pub(super) name: String,
    pub(super) ticks: Vec<(i32, String)>,
}

/// Pixel offset of the centre of item `index` of `count` items spread over `extent` pixels.
pub(super) fn centre_offset(index: f64, count: usize, extent: i32) -> i32 {
    ((index + 0.5) * extent as f64 / count as f64) as i32
}

/// Ticks for `count` points evenly spaced from `first` to `last` drawn over `extent` pixels
/// (the first point at the start, or at the end when `reversed`): both ends, then round
/// values between them.
pub(super) fn even_ticks(
    first: f64,
    last: f64,
    count: usize,
    extent: i32,
    reversed: bool,
) -> Vec<(i32, String)> {
    let span = last - first;
    let at = |value: f64| {
        let index = if span > 0.0 {
            (value - first) / span * (count - 1) as f64
        } else {
            0.0
        };
        let index = if reversed {
            (count - 1) as f64 - index
        } else {
            index
        };
        (
            centre_offset(index, count, extent),
            format_tick(value, span),
        )
    };
    let mut ticks = vec![at(first), at(last)];
    if span > 0.0 {
        ticks.extend(interior_ticks(first, last).into_iter().map(at));
    }
    ticks
}

/// What a panel shows besides the field.
pub(super) struct Panel<'a> {
    pub(super) layout: PanelLayout,
    pub(super) title: &'a str,
    pub(super) x: Axis,
    pub(super) y: Axis,
    pub(super) bar_label: &'a str,
    pub(super) scale: ColourScale,
}

/// A filled rectangle (plotters' bitmap fill excludes the bottom-right corner).
pub(super) fn fill(area: &Area, rect: Rect, rgb: Rgb) -> anyhow::Result<()> {
    let style = ShapeStyle::from(&colour(rgb)).filled();
    area.draw(&Rectangle::new(
        [(rect.x, rect.y), (rect.right(), rect.bottom())],
        style,
    ))
    .map_err(|e| anyhow!("drawing a rectangle: {e}"))
}

/// A one-pixel outline just outside `rect`.
pub(super) fn frame(area: &Area, rect: Rect) -> anyhow::Result<()> {
    let Rect {
        x,
        y,
        width,
        height,
    } = rect;
    let line = |x, y, width, height| Rect {
        x,
        y,
        width,
        height,
    };
    fill(area, line(x - 1, y - 1, width + 2, 1), FRAME)?;
    fill(area, line(x - 1, y + height, width + 2, 1), FRAME)?;
    fill(area, line(x - 1, y, 1, height), FRAME)?;
    fill(area, line(x + width, y, 1, height), FRAME)
}

fn blit(area: &Area, rect: Rect, rgb: Vec<u8>) -> anyhow::Result<()> {
    let size = (rect.width as u32, rect.height as u32);
    let image = BitMapElement::with_owned_buffer((rect.x, rect.y), size, rgb)
        .ok_or_else(|| anyhow!("an image buffer smaller than {size:?} pixels"))?;
    area.draw(&image)
        .map_err(|e| anyhow!("drawing an image: {e}"))
}

/// Draws the whole panel, with `grid` painted into the plot area (row 0 at the top, or at the
/// bottom when `rows_up`), over a white background.
pub(super) fn draw_panel(
    area: &Area,
    panel: &Panel,
    grid: &CellGrid,
    rows_up: bool,
) -> anyhow::Result<()> {
    let PanelLayout { width, plot, .. } = panel.layout;
    area.fill(&colour(BACKGROUND))
        .map_err(|e| anyhow!("clearing the picture: {e}"))?;
    let title_size = fitting_size(panel.title, TITLE_SIZE, width as i32 - 20);
    let centre = (width / 2) as i32;
    draw_text(
        area,
        panel.title,
        (centre, 18),
        title_size,
        INK,
        Align::Centre,
        Align::Start,
    )?;

    let pixels = grid.paint(
        plot.width as usize,
        plot.height as usize,
        panel.scale,
        rows_up,
    );
    blit(area, plot, pixels)?;
    frame(area, plot)?;

    // x axis: ticks below the plot, labels under them, the name under the labels.
    let cap = cap_height(LABEL_SIZE);
    let mut slots = LabelSlots::default();
    for (offset, label) in &panel.x.ticks {
        let x = plot.x + offset;
        let half = text_width(label, LABEL_SIZE) / 2;
        if slots.claim(x - half, x + half) {
            let tick = Rect {
                x,
                y: plot.bottom() + 1,
                width: 1,
                height: TICK_LENGTH,
            };
            fill(area, tick, FRAME)?;
            let at = (x, plot.bottom() + 10);
            draw_text(
                area,
                label,
                at,
                LABEL_SIZE,
                INK,
                Align::Centre,
                Align::Start,
            )?;
        }
    }
    let name_at = (plot.x + plot.width / 2, plot.bottom() + 22 + cap);
    draw_text(
        area,
        &panel.x.name,
        name_at,
        NAME_SIZE,
        INK,
        Align::Centre,
        Align::Start,
    )?;

    // y axis: ticks left of the plot, labels before them, the name far left.
    let mut slots = LabelSlots::default();
    for (offset, label) in &panel.y.ticks {
        let y = plot.y + offset;
        if slots.claim(y - cap / 2, y + cap - cap / 2) {
            let tick = Rect {
                x: plot.x - 1 - TICK_LENGTH,
                y,
                width: TICK_LENGTH,
                height: 1,
            };
            fill(area, tick, FRAME)?;
            let at = (plot.x - 10, y);
            draw_text(area, label, at, LABEL_SIZE, INK, Align::End, Align::Centre)?;
        }
    }
    let name_at = (20, plot.y + plot.height / 2);
    draw_text(
        area,
        &panel.y.name,
        name_at,
        NAME_SIZE,
        INK,
        Align::Centre,
        Align::Centre,
    )?;

    draw_colour_bar(area, panel.layout, panel.scale, panel.bar_label)?;

    // Key for non-finite cells, under the colour bar, only when there are some.
    if grid.has_nan() {
        let key = panel.layout.nan_key();
        fill(area, key, NAN_COLOUR)?;
        let at = (key.right() + 9, key.y + key.height / 2);
        draw_text(
            area,
            "NaN",
            at,
            LABEL_SIZE,
            INK,
            Align::Start,
            Align::Centre,
        )?;
    }
    Ok(())
}

/// The colour bar: the scale's low end at the bottom row, its high end at the top row; ticks
/// at both ends and at round values between, labels to the right, `label` above.
fn draw_colour_bar(
    area: &Area,
    layout: PanelLayout,
    scale: ColourScale,
    label: &str,
) -> anyhow::Result<()> {
    let bar = layout.bar;
    let last_row = (bar.height - 1).max(1) as f64;
    let mut gradient = Vec::with_capacity((bar.width * bar.height * 3) as usize);
    for py in 0..bar.height {
        let rgb = viridis(1.0 - py as f64 / last_row);
        for _ in 0..bar.width {
            gradient.extend_from_slice(&rgb);
        }
    }
    blit(area, bar, gradient)?;
    frame(area, bar)?;

    let cap = cap_height(LABEL_SIZE);
    let mut slots = LabelSlots::default();
    let values = [scale.low, scale.high]
        .into_iter()
        .chain(interior_ticks(scale.low, scale.high));
    for value in values {
        let y = bar.y + ((1.0 - scale.fraction(value)) * last_row).round() as i32;
        if slots.claim(y - cap / 2, y + cap - cap / 2) {
            let tick = Rect {
                x: bar.right() + 1,
                y,
                width: TICK_LENGTH,
                height: 1,
            };
            fill(area, tick, FRAME)?;
            let at = (bar.right() + TICK_LENGTH + 5, y);
            let text = format_tick(value, scale.high - scale.low);
            draw_text(
                area,
                &text,
                at,
                LABEL_SIZE,
                INK,
                Align::Start,
                Align::Centre,
            )?;
        }
    }
    let at = (bar.x + bar.width / 2, bar.y - 12);
    draw_text(area, label, at, NAME_SIZE, INK, Align::Centre, Align::End)
}
