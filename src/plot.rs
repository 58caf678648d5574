//! Pictures as PNG files, in pure Rust: a heat map of a solved field T(x, t) and a bar chart
//! for timing comparisons. Pixels are drawn by hand on an RGB canvas; text uses the 8x8
//! public-domain bitmap font of `font8x8`, scaled by whole pixels; `png` writes the file.
//!
//! A solved [`crate::solve::Solution`] of a [`crate::Heat1D`] `problem` is drawn with
//! `heat_map_png(path, &solution.field, &solution.times(&problem), problem.x_max, title)`.
//!
//! ```
//! use heatgpu::plot::{bar_chart_png, heat_map_png, Bar, BarScale};
//! use ndarray::Array2;
//!
//! // 101 time levels x 11 points of a decaying sine.
//! let times: Vec<f64> = (0..101).map(|i| i as f64 * 0.01).collect();
//! let field = Array2::from_shape_fn((101, 11), |(r, j)| {
//!     (-times[r]).exp() * (std::f64::consts::PI * j as f64 / 10.0).sin()
//! });
//! let dir = std::env::temp_dir().join(format!("heatgpu-plot-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! heat_map_png(&dir.join("doc-heat.png"), &field, &times, 1.0, "T(x, t)")?;
//!
//! let bars = [
//!     Bar { label: "nx=1e4".into(), value: 0.8, group: "cpu".into() },
//!     Bar { label: "nx=1e4".into(), value: 0.05, group: "gpu".into() },
//! ];
//! bar_chart_png(&dir.join("doc-bars.png"), "solve time", "s", &bars, BarScale::Log10)?;
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), anyhow::Error>(())
//! ```

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use anyhow::{ensure, Context};
use font8x8::legacy::BASIC_LEGACY;
use ndarray::Array2;

type Rgb = [u8; 3];

const BACKGROUND: Rgb = [255, 255, 255];
const INK: Rgb = [30, 30, 30];
const FRAME: Rgb = [90, 90, 90];
const GRID: Rgb = [225, 225, 225];
/// Non-finite cells: a red that viridis never reaches.
const NAN_COLOUR: Rgb = [220, 20, 60];

/// Side of one glyph of the bitmap font, in font pixels.
const GLYPH: usize = 8;

/// An RGB image in memory, row-major, 3 bytes a pixel.
struct Canvas {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Canvas {
    fn new(width: usize, height: usize) -> Self {
        Canvas {
            width,
            height,
            rgb: BACKGROUND.repeat(width * height),
        }
    }

    fn set(&mut self, x: usize, y: usize, colour: Rgb) {
        if x < self.width && y < self.height {
            let at = 3 * (y * self.width + x);
            self.rgb[at..at + 3].copy_from_slice(&colour);
        }
    }

    /// A filled rectangle, clipped to the canvas.
    fn fill_rect(&mut self, x: usize, y: usize, width: usize, height: usize, colour: Rgb) {
        for row in y..(y + height).min(self.height) {
            for col in x..(x + width).min(self.width) {
                self.set(col, row, colour);
            }
        }
    }

    /// A one-pixel outline just outside the rectangle (x, y, width, height).
    fn frame(&mut self, x: usize, y: usize, width: usize, height: usize, colour: Rgb) {
        self.fill_rect(x - 1, y - 1, width + 2, 1, colour);
        self.fill_rect(x - 1, y + height, width + 2, 1, colour);
        self.fill_rect(x - 1, y, 1, height, colour);
        self.fill_rect(x + width, y, 1, height, colour);
    }

    /// Text with its top-left corner at (x, y); characters outside ASCII are drawn as '?'.
    fn text(&mut self, x: usize, y: usize, text: &str, scale: usize, colour: Rgb) {
        for (i, ch) in text.chars().enumerate() {
            let code = if ch.is_ascii() {
                ch as usize
            } else {
                '?' as usize
            };
            // Each glyph byte is one row; bit 0 is the leftmost pixel.
            for (row, bits) in BASIC_LEGACY[code].iter().enumerate() {
                for col in 0..GLYPH {
                    if bits >> col & 1 == 1 {
                        let px = x + (i * GLYPH + col) * scale;
                        self.fill_rect(px, y + row * scale, scale, scale, colour);
                    }
                }
            }
        }
    }

    /// Text centred horizontally on `centre_x`, kept inside the canvas.
    fn text_centred(&mut self, centre_x: usize, y: usize, text: &str, scale: usize, colour: Rgb) {
        let width = text_width(text, scale);
        let x = centre_x
            .saturating_sub(width / 2)
            .min(self.width.saturating_sub(width));
        self.text(x, y, text, scale, colour);
    }

    fn write_png(&self, path: &Path) -> anyhow::Result<()> {
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let mut encoder =
            png::Encoder::new(BufWriter::new(file), self.width as u32, self.height as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let writer = encoder
            .write_header()
            .and_then(|mut writer| writer.write_image_data(&self.rgb).map(|()| writer))
            .with_context(|| format!("writing {}", path.display()))?;
        writer
            .finish()
            .with_context(|| format!("writing {}", path.display()))
    }
}

fn text_width(text: &str, scale: usize) -> usize {
    text.chars().count() * GLYPH * scale
}

/// The largest font scale (2, else 1) at which `text` fits in `max_width` pixels.
fn fitting_scale(text: &str, max_width: usize) -> usize {
    if text_width(text, 2) <= max_width {
        2
    } else {
        1
    }
}

/// A short label for an axis tick or a value: three significant digits, plain notation for
/// magnitudes in [0.01, 1e4), else scientific ("2.5e-7"), trailing zeros dropped.
fn format_number(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return if value == 0.0 {
            "0".into()
        } else {
            value.to_string()
        };
    }
    let magnitude = value.abs();
    if (1e-2..1e4).contains(&magnitude) {
        let decimals = (2 - magnitude.log10().floor() as i32).max(0) as usize;
        let plain = format!("{value:.decimals$}");
        if plain.contains('.') {
            plain
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string()
        } else {
            plain
        }
    } else {
        let scientific = format!("{value:.2e}");
        let (mantissa, exponent) = scientific
            .split_once('e')
            .expect("LowerExp output has an exponent");
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        format!("{mantissa}e{exponent}")
    }
}

/// Viridis (matplotlib's perceptually uniform map) sampled at nine evenly spaced points.
const VIRIDIS: [Rgb; 9] = [
    [68, 1, 84],
    [71, 45, 123],
    [59, 82, 139],
    [44, 114, 142],
    [33, 144, 140],
    [39, 173, 129],
    [93, 200, 99],
    [170, 220, 50],
    [253, 231, 37],
];

/// The viridis colour of `fraction` in [0, 1] (clamped), linearly interpolated between samples.
pub fn viridis(fraction: f64) -> Rgb {
    let position = fraction.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let below = (position.floor() as usize).min(VIRIDIS.len() - 2);
    let weight = position - below as f64;
    let (a, b) = (VIRIDIS[below], VIRIDIS[below + 1]);
    std::array::from_fn(|c| (a[c] as f64 + weight * (b[c] as f64 - a[c] as f64)).round() as u8)
}

// Heat map layout (pixels): plot area, colour bar to its right, title above, axes left and below.
const HEAT_WIDTH: usize = 800;
const HEAT_HEIGHT: usize = 600;
const PLOT_LEFT: usize = 170;
const PLOT_TOP: usize = 56;
const PLOT_WIDTH: usize = 450;
const PLOT_HEIGHT: usize = 472;
const COLOUR_BAR_LEFT: usize = PLOT_LEFT + PLOT_WIDTH + 20;
const COLOUR_BAR_WIDTH: usize = 24;
const TICK_LENGTH: usize = 5;
/// Width for time labels, between the axis name "t" and the ticks (8 large characters).
const TIME_LABEL_ROOM: usize = PLOT_LEFT - 42;
/// About this many intervals between round interior ticks on each axis.
const TICK_INTERVALS: usize = 4;
/// Least space between two labels on one axis.
const LABEL_GAP: usize = 8;

/// Spans along one axis already taken by labels; a tick whose label would overlap one of them
/// is left out, so ticks claimed first (the ends) always show.
#[derive(Default)]
struct LabelSlots(Vec<(usize, usize)>);

impl LabelSlots {
    /// Takes the span [start, end) when it keeps `LABEL_GAP` from every span taken before.
    fn claim(&mut self, start: usize, end: usize) -> bool {
        let free = self
            .0
            .iter()
            .all(|&(s, e)| end + LABEL_GAP <= s || e + LABEL_GAP <= start);
        if free {
            self.0.push((start, end));
        }
        free
    }
}

/// The smallest 1, 2, 2.5 or 5 times a power of ten that splits `span` into at most `intervals`.
fn nice_step(span: f64, intervals: usize) -> f64 {
    let rough = span / intervals as f64;
    let decade = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 2.5, 5.0]
        .into_iter()
        .map(|multiple| multiple * decade)
        .find(|&step| step >= rough * (1.0 - 1e-9))
        .unwrap_or(10.0 * decade)
}

/// Multiples of a nice step strictly between `low` and `high` (round values for ticks).
fn interior_ticks(low: f64, high: f64) -> Vec<f64> {
    let step = nice_step(high - low, TICK_INTERVALS);
    let first = (low / step).floor() as i64 + 1;
    let last = (high / step).ceil() as i64 - 1;
    (first..=last)
        .map(|k| k as f64 * step)
        .filter(|&value| value > low && value < high)
        .collect()
}

/// The field reduced to at most one cell per plot pixel: each cell is the mean of a block of
/// rows and columns, or NaN when any value in the block is not finite (so blow-ups show).
struct CellGrid {
    rows: usize,
    cols: usize,
    values: Vec<f64>,
    /// Smallest and largest finite value of the whole field, if any.
    finite_range: Option<(f64, f64)>,
}

impl CellGrid {
    fn reduce(field: &Array2<f64>, max_rows: usize, max_cols: usize) -> Self {
        let (n_rows, n_cols) = field.dim();
        let rows = n_rows.min(max_rows);
        let cols = n_cols.min(max_cols);
        let mut sums = vec![0.0; rows * cols];
        let mut counts = vec![0usize; rows * cols];
        let mut finite_range: Option<(f64, f64)> = None;
        for (r, level) in field.outer_iter().enumerate() {
            let cell_row = r * rows / n_rows;
            for (j, &value) in level.iter().enumerate() {
                let cell = cell_row * cols + j * cols / n_cols;
                sums[cell] += value;
                counts[cell] += 1;
                if value.is_finite() {
                    let (lo, hi) = finite_range.get_or_insert((value, value));
                    *lo = lo.min(value);
                    *hi = hi.max(value);
                }
            }
        }
        // A non-finite value makes its block's sum NaN or infinite; both are drawn as NaN.
        let values = sums
            .iter()
            .zip(&counts)
            .map(|(&sum, &count)| {
                let mean = sum / count as f64;
                if mean.is_finite() {
                    mean
                } else {
                    f64::NAN
                }
            })
            .collect();
        CellGrid {
            rows,
            cols,
            values,
            finite_range,
        }
    }
}

/// Pixel offset of the centre of item `index` of `count` items spread over `extent` pixels.
fn centre_offset(index: usize, count: usize, extent: usize) -> usize {
    ((index as f64 + 0.5) * extent as f64 / count as f64) as usize
}

/// Writes a heat map of `field` (rows: time levels at `times`; columns: grid points evenly
/// spaced on [0, `x_max`]) to the PNG file `path`, about 800 x 600 pixels.
///
/// Time runs down and space across. Many rows or columns are averaged in blocks (one block per
/// pixel, one pass over the field, no full-resolution image); few are stretched over several
/// pixels. Colours follow viridis from the field's smallest to its largest finite value, shown
/// on a colour bar; cells holding a non-finite value are drawn red and a "NaN" key appears.
pub fn heat_map_png(
    path: &Path,
    field: &Array2<f64>,
    times: &[f64],
    x_max: f64,
    title: &str,
) -> anyhow::Result<()> {
    map_png(path, field, times, x_max, title, ["t", "x", "T"])
}

/// A colour map of a 2-D field `u[i, j]` (row i at y = i * y_max / (rows - 1), column j at
/// x = j * x_max / (cols - 1)), rows down and columns across, with a colour bar; as
/// [`heat_map_png`] otherwise.
pub fn field_map_png(
    path: &Path,
    field: &Array2<f64>,
    y_max: f64,
    x_max: f64,
    title: &str,
) -> anyhow::Result<()> {
    let rows = field.nrows();
    let ys: Vec<f64> = (0..rows)
        .map(|i| i as f64 * y_max / (rows.max(2) - 1) as f64)
        .collect();
    map_png(path, field, &ys, x_max, title, ["y", "x", "u"])
}

/// The heat map with axis names `[rows, columns, values]`.
fn map_png(
    path: &Path,
    field: &Array2<f64>,
    times: &[f64],
    x_max: f64,
    title: &str,
    names: [&str; 3],
) -> anyhow::Result<()> {
    let [row_name, column_name, value_name] = names;
    let (n_rows, n_cols) = field.dim();
    ensure!(
        n_rows > 0 && n_cols > 0,
        "heat map of an empty field ({n_rows} x {n_cols})"
    );
    ensure!(
        times.len() == n_rows,
        "heat map: {} times for {n_rows} field rows",
        times.len()
    );
    ensure!(
        x_max.is_finite() && x_max > 0.0,
        "heat map: x_max = {x_max} must be finite and positive"
    );

    let grid = CellGrid::reduce(field, PLOT_HEIGHT, PLOT_WIDTH);
    // A constant field gets a unit-wide range centred on its value.
    let (low, high) = match grid.finite_range {
        Some((lo, hi)) if hi > lo => (lo, hi),
        Some((value, _)) => (value - 0.5, value + 0.5),
        None => (0.0, 1.0),
    };

    let mut canvas = Canvas::new(HEAT_WIDTH, HEAT_HEIGHT);
    let title_scale = fitting_scale(title, HEAT_WIDTH);
    canvas.text_centred(HEAT_WIDTH / 2, 12, title, title_scale, INK);

    // The field: each pixel shows the cell it falls in.
    for py in 0..PLOT_HEIGHT {
        let cell_row = py * grid.rows / PLOT_HEIGHT;
        for px in 0..PLOT_WIDTH {
            let value = grid.values[cell_row * grid.cols + px * grid.cols / PLOT_WIDTH];
            let colour = if value.is_nan() {
                NAN_COLOUR
            } else {
                viridis((value - low) / (high - low))
            };
            canvas.set(PLOT_LEFT + px, PLOT_TOP + py, colour);
        }
    }
    canvas.frame(PLOT_LEFT, PLOT_TOP, PLOT_WIDTH, PLOT_HEIGHT, FRAME);

    // x axis: ticks at 0 and x_max (the first and last grid points) and at round values
    // between them; labels below, the axis name under them.
    let plot_bottom = PLOT_TOP + PLOT_HEIGHT;
    let last_column = (n_cols - 1) as f64;
    let column_x =
        |column: f64| PLOT_LEFT + ((column + 0.5) * PLOT_WIDTH as f64 / n_cols as f64) as usize;
    let mut x_ticks = vec![(column_x(0.0), 0.0), (column_x(last_column), x_max)];
    for x in interior_ticks(0.0, x_max) {
        x_ticks.push((column_x(x / x_max * last_column), x));
    }
    let mut slots = LabelSlots::default();
    for (x, position) in x_ticks {
        let label = format_number(position);
        let left = x.saturating_sub(text_width(&label, 2) / 2);
        if slots.claim(left, left + text_width(&label, 2)) {
            canvas.fill_rect(x, plot_bottom + 1, 1, TICK_LENGTH, FRAME);
            canvas.text(left, plot_bottom + 10, &label, 2, INK);
        }
    }
    canvas.text_centred(
        PLOT_LEFT + PLOT_WIDTH / 2,
        plot_bottom + 36,
        column_name,
        2,
        INK,
    );

    // t axis: ticks at the first and last levels and, when times ascend, at the levels nearest
    // round times between them, each labelled with its level's time; the axis name far left.
    let mut t_rows = vec![0, n_rows - 1];
    let (first, last) = (times[0], times[n_rows - 1]);
    if times.windows(2).all(|pair| pair[0] <= pair[1]) && first < last {
        for t in interior_ticks(first, last) {
            let after = times.partition_point(|&level| level < t);
            let nearer_before = t - times[after - 1] < times[after] - t;
            t_rows.push(if nearer_before { after - 1 } else { after });
        }
    }
    let mut slots = LabelSlots::default();
    for row in t_rows {
        let y = PLOT_TOP + centre_offset(row, n_rows, PLOT_HEIGHT);
        let label = format_number(times[row]);
        let scale = fitting_scale(&label, TIME_LABEL_ROOM);
        let half_height = GLYPH * scale / 2;
        if slots.claim(y - half_height, y + half_height) {
            canvas.fill_rect(PLOT_LEFT - 1 - TICK_LENGTH, y, TICK_LENGTH, 1, FRAME);
            let x = PLOT_LEFT - 10 - text_width(&label, scale);
            canvas.text(x, y - half_height, &label, scale, INK);
        }
    }
    canvas.text(10, PLOT_TOP + PLOT_HEIGHT / 2 - GLYPH, row_name, 2, INK);

    // Colour bar: low values at the bottom; ticks at both ends of the range and at round
    // values between, temperature labels to the right, "T" above.
    for py in 0..PLOT_HEIGHT {
        let fraction = 1.0 - (py as f64 + 0.5) / PLOT_HEIGHT as f64;
        canvas.fill_rect(
            COLOUR_BAR_LEFT,
            PLOT_TOP + py,
            COLOUR_BAR_WIDTH,
            1,
            viridis(fraction),
        );
    }
    canvas.frame(
        COLOUR_BAR_LEFT,
        PLOT_TOP,
        COLOUR_BAR_WIDTH,
        PLOT_HEIGHT,
        FRAME,
    );
    let bar_right = COLOUR_BAR_LEFT + COLOUR_BAR_WIDTH;
    let label_left = bar_right + TICK_LENGTH + 4;
    let mut slots = LabelSlots::default();
    for value in [low, high].into_iter().chain(interior_ticks(low, high)) {
        let fraction = (value - low) / (high - low);
        let y = PLOT_TOP + ((1.0 - fraction) * (PLOT_HEIGHT - 1) as f64).round() as usize;
        let label = format_number(value);
        let scale = fitting_scale(&label, HEAT_WIDTH - label_left);
        let half_height = GLYPH * scale / 2;
        if slots.claim(y - half_height, y + half_height) {
            canvas.fill_rect(bar_right + 1, y, TICK_LENGTH, 1, FRAME);
            canvas.text(label_left, y - half_height, &label, scale, INK);
        }
    }
    canvas.text_centred(
        COLOUR_BAR_LEFT + COLOUR_BAR_WIDTH / 2,
        PLOT_TOP - 24,
        value_name,
        2,
        INK,
    );

    // Key for non-finite cells, under the colour bar, only when there are some.
    if grid.values.iter().any(|v| v.is_nan()) {
        let y = plot_bottom + 34;
        canvas.fill_rect(COLOUR_BAR_LEFT, y, COLOUR_BAR_WIDTH, 16, NAN_COLOUR);
        canvas.text(label_left, y, "NaN", 2, INK);
    }

    canvas.write_png(path)
}

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

/// Group colours, in order of first appearance: the Okabe-Ito palette, safe for colour-blind
/// readers (repeats after eight groups).
const GROUP_COLOURS: [Rgb; 8] = [
    [0, 114, 178],
    [230, 159, 0],
    [0, 158, 115],
    [213, 94, 0],
    [204, 121, 167],
    [86, 180, 233],
    [240, 228, 66],
    [0, 0, 0],
];

// Bar chart layout (pixels): title, one row per bar (label | bar | value), value axis, legend.
const BARS_WIDTH: usize = 800;
const BARS_MARGIN: usize = 12;
const BARS_TOP: usize = 48;
/// Widest label column; longer labels drop to the small font, then are cut.
const LABEL_COLUMN: usize = 260;
const LEGEND_ROW: usize = 24;

/// The texts of a bar chart and where its parts go, shared by drawing and the tests.
struct BarLayout {
    /// Bar labels, cut to fit the label column.
    labels: Vec<String>,
    label_scale: usize,
    /// Each bar's value and unit, drawn after the bar.
    value_labels: Vec<String>,
    /// Left end of every bar (the value axis origin).
    bar_left: usize,
    /// Pixels from `bar_left` to the axis maximum.
    bar_span: usize,
    /// Vertical distance between bar centres; bars are 3/4 of it thick.
    pitch: usize,
    axis_y: usize,
}

impl BarLayout {
    fn new(bars: &[Bar], unit: &str) -> Self {
        // Labels: the large font when every label fits the label column, else the small one,
        // cut where still too long.
        let longest = bars.iter().map(|b| b.label.chars().count()).max();
        let label_scale = if longest.unwrap_or(0) * GLYPH * 2 <= LABEL_COLUMN {
            2
        } else {
            1
        };
        let max_chars = LABEL_COLUMN / (GLYPH * label_scale);
        let labels: Vec<String> = bars
            .iter()
            .map(|b| {
                if b.label.chars().count() <= max_chars {
                    b.label.clone()
                } else {
                    // A cut label ends in ".." so that it is not read as the whole label.
                    let kept: String = b.label.chars().take(max_chars - 2).collect();
                    kept + ".."
                }
            })
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
            .map(|l| text_width(l, label_scale))
            .max()
            .unwrap_or(0);
        let value_width = value_labels
            .iter()
            .map(|l| text_width(l, 2))
            .max()
            .unwrap_or(0);
        let bar_left = BARS_MARGIN + label_width + 12;
        let bar_right = BARS_WIDTH.saturating_sub(BARS_MARGIN + value_width + 8);
        let pitch = (440 / bars.len()).clamp(24, 56);
        BarLayout {
            labels,
            label_scale,
            value_labels,
            bar_left,
            bar_span: bar_right.saturating_sub(bar_left),
            pitch,
            axis_y: BARS_TOP + bars.len() * pitch + 8,
        }
    }

    fn bar_centre_y(&self, index: usize) -> usize {
        BARS_TOP + 4 + index * self.pitch + self.pitch / 2
    }
}

/// The value axis: maps a value to a pixel offset from the bar origin, and lists its ticks.
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

    /// Fraction of the axis span at `value`.
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

    let layout = BarLayout::new(bars, unit);
    let values: Vec<f64> = bars.iter().map(|b| b.value).collect();
    let axis = ValueAxis::fit(scale, &values);

    let mut groups: Vec<&str> = Vec::new();
    for bar in bars {
        if !groups.contains(&bar.group.as_str()) {
            groups.push(&bar.group);
        }
    }
    let group_colour = |group: &str| {
        let index = groups.iter().position(|g| *g == group).unwrap_or(0);
        GROUP_COLOURS[index % GROUP_COLOURS.len()]
    };

    // Legend rows: swatch and group name, as many per row as fit the width.
    let mut legend_rows: Vec<Vec<(usize, &str)>> = vec![Vec::new()];
    let mut legend_x = BARS_MARGIN;
    for group in &groups {
        let width = 24 + text_width(group, 2) + 24;
        if legend_x + width > BARS_WIDTH && legend_x > BARS_MARGIN {
            legend_rows.push(Vec::new());
            legend_x = BARS_MARGIN;
        }
        legend_rows
            .last_mut()
            .expect("one row")
            .push((legend_x, group));
        legend_x += width;
    }
    let legend_top = layout.axis_y + 64;
    let height = legend_top + legend_rows.len() * LEGEND_ROW + BARS_MARGIN;

    let mut canvas = Canvas::new(BARS_WIDTH, height);
    let title_scale = fitting_scale(title, BARS_WIDTH);
    canvas.text_centred(BARS_WIDTH / 2, 12, title, title_scale, INK);

    // Grid lines and tick labels at the axis ticks; a label that would overlap the one before
    // it is left out.
    let mut last_label_right = 0;
    for tick in axis.ticks() {
        let x = layout.bar_left + (axis.fraction(tick) * layout.bar_span as f64).round() as usize;
        canvas.fill_rect(x, BARS_TOP, 1, layout.axis_y - BARS_TOP, GRID);
        canvas.fill_rect(x, layout.axis_y, 1, TICK_LENGTH, FRAME);
        let label = format_number(tick);
        let left = x.saturating_sub(text_width(&label, 2) / 2);
        if left >= last_label_right + 8 || last_label_right == 0 {
            canvas.text_centred(x, layout.axis_y + 10, &label, 2, INK);
            last_label_right = left + text_width(&label, 2);
        }
    }
    canvas.fill_rect(
        layout.bar_left,
        layout.axis_y,
        layout.bar_span + 1,
        1,
        FRAME,
    );
    let axis_title = match scale {
        BarScale::Linear => unit.to_string(),
        BarScale::Log10 => format!("{unit} (log scale)").trim_start().to_string(),
    };
    canvas.text_centred(
        layout.bar_left + layout.bar_span / 2,
        layout.axis_y + 34,
        &axis_title,
        2,
        INK,
    );

    // Bars: label right-aligned before the origin, bar, value label after the bar's end.
    let thickness = layout.pitch * 3 / 4;
    for (index, bar) in bars.iter().enumerate() {
        let centre = layout.bar_centre_y(index);
        let label = &layout.labels[index];
        let label_x = layout.bar_left - 12 - text_width(label, layout.label_scale);
        let glyph_half = GLYPH * layout.label_scale / 2;
        canvas.text(label_x, centre - glyph_half, label, layout.label_scale, INK);
        let length = (axis.fraction(bar.value) * layout.bar_span as f64).round() as usize;
        canvas.fill_rect(
            layout.bar_left,
            centre - thickness / 2,
            length,
            thickness,
            group_colour(&bar.group),
        );
        canvas.text(
            layout.bar_left + length + 8,
            centre - GLYPH,
            &layout.value_labels[index],
            2,
            INK,
        );
    }

    for (row, entries) in legend_rows.iter().enumerate() {
        let y = legend_top + row * LEGEND_ROW;
        for &(x, group) in entries {
            canvas.fill_rect(x, y, 16, 16, group_colour(group));
            canvas.text(x + 24, y, group, 2, INK);
        }
    }

    canvas.write_png(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;
    use std::path::PathBuf;

    /// A fresh directory under the system temp dir, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let path = std::env::temp_dir().join(format!(
                "heatgpu-plot-{name}-{}-{:?}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .expect("clock after 1970")
                    .as_nanos()
            ));
            std::fs::create_dir_all(&path).expect("create temp dir");
            TempDir(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A decoded RGB PNG.
    struct Decoded {
        width: usize,
        height: usize,
        rgb: Vec<u8>,
    }

    impl Decoded {
        fn read(path: &Path) -> Self {
            let file = BufReader::new(File::open(path).expect("open png"));
            let mut reader = png::Decoder::new(file).read_info().expect("png header");
            let mut rgb = vec![0; reader.output_buffer_size().expect("buffer size")];
            let info = reader.next_frame(&mut rgb).expect("png frame");
            assert_eq!(info.color_type, png::ColorType::Rgb);
            rgb.truncate(info.buffer_size());
            Decoded {
                width: info.width as usize,
                height: info.height as usize,
                rgb,
            }
        }

        fn pixel(&self, x: usize, y: usize) -> Rgb {
            let at = 3 * (y * self.width + x);
            [self.rgb[at], self.rgb[at + 1], self.rgb[at + 2]]
        }
    }

    /// The fraction in [0, 1] whose viridis colour is nearest to `colour`.
    fn inverse_viridis(colour: Rgb) -> f64 {
        let distance = |fraction: f64| {
            let c = viridis(fraction);
            (0..3)
                .map(|i| (c[i] as i32 - colour[i] as i32).pow(2))
                .sum::<i32>()
        };
        let best = (0..=1000)
            .min_by_key(|&k| distance(k as f64 / 1000.0))
            .expect("non-empty");
        assert!(
            distance(best as f64 / 1000.0) <= 12,
            "{colour:?} is not a viridis colour"
        );
        best as f64 / 1000.0
    }

    /// Plot pixel at the centre of cell (row, col) of an `n_rows` x `n_cols` field.
    fn cell_pixel(row: usize, col: usize, n_rows: usize, n_cols: usize) -> (usize, usize) {
        (
            PLOT_LEFT + centre_offset(col, n_cols, PLOT_WIDTH),
            PLOT_TOP + centre_offset(row, n_rows, PLOT_HEIGHT),
        )
    }

    #[test]
    fn heat_map_colours_follow_a_monotone_field() {
        let dir = TempDir::new("monotone");
        let path = dir.0.join("heat.png");
        let (n_rows, n_cols) = (10, 11);
        let field = Array2::from_shape_fn((n_rows, n_cols), |(r, j)| (r * n_cols + j) as f64);
        let times: Vec<f64> = (0..n_rows).map(|r| r as f64 * 0.1).collect();
        heat_map_png(&path, &field, &times, 1.0, "ramp").unwrap();

        let image = Decoded::read(&path);
        assert_eq!((image.width, image.height), (HEAT_WIDTH, HEAT_HEIGHT));
        let largest = field[[n_rows - 1, n_cols - 1]];
        let mut previous = -1.0;
        for k in 0..n_rows {
            let (x, y) = cell_pixel(k, k, n_rows, n_cols);
            let shown = inverse_viridis(image.pixel(x, y));
            let expected = field[[k, k]] / largest;
            assert!(
                (shown - expected).abs() < 0.02,
                "cell ({k}, {k}) shows {shown}, expected {expected}"
            );
            assert!(
                shown > previous,
                "colours not increasing along the diagonal"
            );
            previous = shown;
        }
        // Top-left is the low end of the map, bottom-right the high end.
        let (x, y) = cell_pixel(0, 0, n_rows, n_cols);
        assert_eq!(image.pixel(x, y), viridis(0.0));
        let (x, y) = cell_pixel(n_rows - 1, n_cols - 1, n_rows, n_cols);
        assert_eq!(image.pixel(x, y), viridis(1.0));
        // Few columns are stretched: every pixel of a column's cell has one colour.
        let (x0, y0) = cell_pixel(3, 4, n_rows, n_cols);
        let half_cell = PLOT_WIDTH / n_cols / 2 - 1;
        assert_eq!(
            image.pixel(x0 - half_cell, y0),
            image.pixel(x0 + half_cell, y0)
        );
    }

    #[test]
    fn heat_map_keeps_nan_cells_visible_when_rows_are_downsampled() {
        let dir = TempDir::new("nan");
        let path = dir.0.join("heat.png");
        let (n_rows, n_cols) = (200_000, 11);
        let mut field = Array2::from_shape_fn((n_rows, n_cols), |(r, j)| (r + j) as f64);
        let bad_row = 123_456;
        field[[bad_row, 5]] = f64::NAN;
        let times: Vec<f64> = (0..n_rows).map(|r| r as f64 * 1e-6).collect();
        heat_map_png(&path, &field, &times, 2.0, "one NaN").unwrap();

        let image = Decoded::read(&path);
        let pixel_row = PLOT_TOP + bad_row * PLOT_HEIGHT / n_rows;
        let column_x = |j| PLOT_LEFT + centre_offset(j, n_cols, PLOT_WIDTH);
        assert_eq!(image.pixel(column_x(5), pixel_row), NAN_COLOUR);
        assert_ne!(image.pixel(column_x(4), pixel_row), NAN_COLOUR);
        assert_ne!(image.pixel(column_x(5), pixel_row + 2), NAN_COLOUR);
        // The NaN key under the colour bar.
        let key_y = PLOT_TOP + PLOT_HEIGHT + 34 + 8;
        assert_eq!(image.pixel(COLOUR_BAR_LEFT + 4, key_y), NAN_COLOUR);
    }

    #[test]
    fn heat_map_averages_many_columns() {
        let dir = TempDir::new("wide");
        let path = dir.0.join("heat.png");
        let n_cols = 100_000;
        let field = Array2::from_shape_fn((3, n_cols), |(_, j)| j as f64);
        heat_map_png(&path, &field, &[0.0, 0.5, 1.0], 1.0, "wide").unwrap();

        let image = Decoded::read(&path);
        let y = PLOT_TOP + PLOT_HEIGHT / 2;
        let left = inverse_viridis(image.pixel(PLOT_LEFT, y));
        let middle = inverse_viridis(image.pixel(PLOT_LEFT + PLOT_WIDTH / 2, y));
        let right = inverse_viridis(image.pixel(PLOT_LEFT + PLOT_WIDTH - 1, y));
        assert!(left < 0.01 && (middle - 0.5).abs() < 0.01 && right > 0.99);
    }

    #[test]
    fn heat_map_rejects_mismatched_times() {
        let dir = TempDir::new("mismatch");
        let field = Array2::zeros((4, 3));
        let error = heat_map_png(&dir.0.join("h.png"), &field, &[0.0; 3], 1.0, "bad");
        assert!(error.unwrap_err().to_string().contains("3 times for 4"));
    }

    /// Length in pixels of the run of `colour` on the row through bar `index`'s centre.
    fn bar_length(image: &Decoded, layout: &BarLayout, index: usize, colour: Rgb) -> usize {
        let y = layout.bar_centre_y(index);
        (layout.bar_left..image.width)
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
        let path = dir.0.join("bars.png");
        let bars = two_groups(&[1.0, 10.0]);
        bar_chart_png(&path, "linear", "s", &bars, BarScale::Linear).unwrap();

        let image = Decoded::read(&path);
        assert_eq!(image.width, BARS_WIDTH);
        let layout = BarLayout::new(&bars, "s");
        let short = bar_length(&image, &layout, 0, GROUP_COLOURS[0]);
        let long = bar_length(&image, &layout, 1, GROUP_COLOURS[1]);
        assert!(short > 10, "short bar is {short} px");
        let ratio = long as f64 / short as f64;
        assert!((ratio - 10.0).abs() < 0.5, "{long} px / {short} px");
    }

    #[test]
    fn log_bars_step_equally_per_decade() {
        let dir = TempDir::new("logbars");
        let path = dir.0.join("bars.png");
        let bars = two_groups(&[1.0, 10.0, 100.0]);
        bar_chart_png(&path, "log", "ms", &bars, BarScale::Log10).unwrap();

        let image = Decoded::read(&path);
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
        let result = bar_chart_png(&dir.0.join("b.png"), "t", "s", &bars, BarScale::Log10);
        assert!(result.is_err());
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(0.25), "0.25");
        assert_eq!(format_number(1.0), "1");
        assert_eq!(format_number(1234.6), "1235");
        assert_eq!(format_number(12345.0), "1.23e4");
        assert_eq!(format_number(0.001), "1e-3");
        assert_eq!(format_number(0.30000000000000004), "0.3");
        assert_eq!(format_number(2.5e-7), "2.5e-7");
        assert_eq!(format_number(-1.234e6), "-1.23e6");
    }
}
