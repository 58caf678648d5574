//! The x-t heat map of a solved 1-D field T(x, t): time down, space across, viridis between
//! the field's extreme finite values.

use std::path::Path;

use anyhow::ensure;
use ndarray::Array2;

use super::cells::{CellGrid, ColourScale};
use super::font::ensure_registered;
use super::panel::{centre_offset, draw_panel, even_ticks, Axis, Panel, PanelLayout};
use super::png_file::render_png;
use super::style::{format_number, interior_ticks};

/// The heat map's plot area in pixels; the picture is 800 x 600.
const PLOT_WIDTH: i32 = 520;
const PLOT_HEIGHT: i32 = 456;

pub(super) fn layout() -> PanelLayout {
    PanelLayout::around(PLOT_WIDTH, PLOT_HEIGHT)
}

/// Writes a heat map of `field` (rows: time levels at `times`; columns: grid points evenly
/// spaced on [0, `x_max`]) to the PNG file `path`, 800 x 600 pixels.
///
/// Time runs down and space across; rows are spread evenly down the picture and the time
/// labels name the levels they mark (exact for uneven times too). Many rows or columns are
/// averaged in blocks (one block per pixel, one pass over the field, no full-resolution
/// image); few are stretched over several pixels. Colours follow viridis from the field's
/// smallest to its largest finite value, shown on a colour bar; cells holding a non-finite
/// value are drawn red and a "NaN" key appears.
pub fn heat_map_png(
    path: &Path,
    field: &Array2<f64>,
    times: &[f64],
    x_max: f64,
    title: &str,
) -> anyhow::Result<()> {
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
    ensure_registered()?;

    let layout = layout();
    let (plot_width, plot_height) = (layout.plot.width, layout.plot.height);
    let grid = CellGrid::reduce(field.view(), plot_height as usize, plot_width as usize);
    let panel = Panel {
        layout,
        title,
        x: Axis {
            name: "x".into(),
            ticks: even_ticks(0.0, x_max, n_cols, plot_width, false),
        },
        y: Axis {
            name: "t".into(),
            ticks: time_ticks(times, plot_height),
        },
        bar_label: "T",
        scale: ColourScale::fit(grid.finite_range),
    };

    render_png(path, (layout.width, layout.height), |area| {
        draw_panel(area, &panel, &grid, false)
    })
}

/// Ticks at the first and last levels and, when times ascend, at the levels nearest round
/// times between them, each labelled with its level's time.
fn time_ticks(times: &[f64], extent: i32) -> Vec<(i32, String)> {
    let n_rows = times.len();
    let mut rows = vec![0, n_rows - 1];
    let (first, last) = (times[0], times[n_rows - 1]);
    if times.windows(2).all(|pair| pair[0] <= pair[1]) && first < last {
        for t in interior_ticks(first, last) {
            let after = times.partition_point(|&level| level < t);
            let nearer_before = t - times[after - 1] < times[after] - t;
            rows.push(if nearer_before { after - 1 } else { after });
        }
    }
    rows.into_iter()
        .map(|row| {
            let offset = centre_offset(row as f64, n_rows, extent);
            (offset, format_number(times[row]))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::style::{viridis, NAN_COLOUR};
    use crate::plot::test_support::{has_ink, inverse_viridis, DecodedPng, TempDir};

    /// Plot pixel at the centre of cell (row, col) of an `n_rows` x `n_cols` field.
    fn cell_pixel(row: usize, col: usize, n_rows: usize, n_cols: usize) -> (usize, usize) {
        let plot = layout().plot;
        (
            (plot.x + centre_offset(col as f64, n_cols, plot.width)) as usize,
            (plot.y + centre_offset(row as f64, n_rows, plot.height)) as usize,
        )
    }

    #[test]
    fn heat_map_colours_follow_a_monotone_field() {
        let dir = TempDir::new("monotone");
        // Outputs are written under temporary names: the extension must not matter.
        let path = dir.path("heat.png.tmp");
        let (n_rows, n_cols) = (10, 11);
        let field = Array2::from_shape_fn((n_rows, n_cols), |(r, j)| (r * n_cols + j) as f64);
        let times: Vec<f64> = (0..n_rows).map(|r| r as f64 * 0.1).collect();
        heat_map_png(&path, &field, &times, 1.0, "ramp").unwrap();

        let image = DecodedPng::read(&path);
        let layout = layout();
        assert_eq!((image.width, image.height), (800, 600));
        assert_eq!((layout.width, layout.height), (800, 600));
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
        let half_cell = (layout.plot.width as usize) / n_cols / 2 - 1;
        assert_eq!(
            image.pixel(x0 - half_cell, y0),
            image.pixel(x0 + half_cell, y0)
        );
        // The colour bar's top row is the map's high end, its bottom row the low end.
        let bar = layout.bar;
        let bar_x = (bar.x + bar.width / 2) as usize;
        assert_eq!(image.pixel(bar_x, bar.y as usize), viridis(1.0));
        assert_eq!(
            image.pixel(bar_x, (bar.bottom() - 1) as usize),
            viridis(0.0)
        );
        // Labels: title, x ticks and name, t ticks and name, colour bar ticks.
        let plot = layout.plot;
        assert!(has_ink(&image, 0, 0, 800, plot.y - 20), "no title");
        assert!(
            has_ink(&image, plot.x, plot.bottom() + 8, plot.width, 60),
            "no x labels"
        );
        assert!(
            has_ink(&image, 0, plot.y, plot.x - 8, plot.height),
            "no t labels"
        );
        assert!(
            has_ink(&image, bar.right() + 8, bar.y, 90, bar.height),
            "no T labels"
        );
        // No NaN key without NaN.
        let key = layout.nan_key();
        assert_ne!(
            image.pixel(key.x as usize + 4, key.y as usize + 8),
            NAN_COLOUR
        );
    }

    #[test]
    fn heat_map_keeps_nan_cells_visible_when_rows_are_downsampled() {
        let dir = TempDir::new("nan");
        let path = dir.path("heat.png");
        let (n_rows, n_cols) = (200_000, 11);
        let mut field = Array2::from_shape_fn((n_rows, n_cols), |(r, j)| (r + j) as f64);
        let bad_row = 123_456;
        field[[bad_row, 5]] = f64::NAN;
        let times: Vec<f64> = (0..n_rows).map(|r| r as f64 * 1e-6).collect();
        heat_map_png(&path, &field, &times, 2.0, "one NaN").unwrap();

        let image = DecodedPng::read(&path);
        let plot = layout().plot;
        let pixel_row = (plot.y as usize) + bad_row * plot.height as usize / n_rows;
        let column_x = |j| (plot.x + centre_offset(j as f64, n_cols, plot.width)) as usize;
        assert_eq!(image.pixel(column_x(5), pixel_row), NAN_COLOUR);
        assert_ne!(image.pixel(column_x(4), pixel_row), NAN_COLOUR);
        assert_ne!(image.pixel(column_x(5), pixel_row + 2), NAN_COLOUR);
        // The NaN key under the colour bar, with its label.
        let key = layout().nan_key();
        assert_eq!(
            image.pixel(key.x as usize + 4, key.y as usize + 8),
            NAN_COLOUR
        );
        assert!(has_ink(
            &image,
            key.right() + 4,
            key.y - 4,
            60,
            key.height + 8
        ));
    }

    #[test]
    fn heat_map_averages_many_columns() {
        let dir = TempDir::new("wide");
        let path = dir.path("heat.png");
        let n_cols = 100_000;
        let field = Array2::from_shape_fn((3, n_cols), |(_, j)| j as f64);
        heat_map_png(&path, &field, &[0.0, 0.5, 1.0], 1.0, "wide").unwrap();

        let image = DecodedPng::read(&path);
        let plot = layout().plot;
        let y = (plot.y + plot.height / 2) as usize;
        let (left_x, width) = (plot.x as usize, plot.width as usize);
        let left = inverse_viridis(image.pixel(left_x, y));
        let middle = inverse_viridis(image.pixel(left_x + width / 2, y));
        let right = inverse_viridis(image.pixel(left_x + width - 1, y));
        assert!(left < 0.01 && (middle - 0.5).abs() < 0.01 && right > 0.99);
    }

    #[test]
    fn heat_map_rejects_mismatched_times() {
        let dir = TempDir::new("mismatch");
        let field = Array2::zeros((4, 3));
        let error = heat_map_png(&dir.path("h.png"), &field, &[0.0; 3], 1.0, "bad");
        assert!(error.unwrap_err().to_string().contains("3 times for 4"));
    }

    #[test]
    fn time_ticks_name_the_levels_they_mark() {
        // Uneven levels: the tick for t = 0.5 sits on the level nearest it.
        let times = [0.0, 0.1, 0.45, 0.9, 1.0];
        let ticks = time_ticks(&times, 500);
        assert_eq!(ticks[0], (50, "0".to_string()));
        assert_eq!(ticks[1], (450, "1".to_string()));
        assert!(ticks.contains(&(250, "0.45".to_string())), "{ticks:?}");
    }
}
