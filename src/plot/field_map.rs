//! A 2-D field u(x, y) as a colour map: row i of the array is y_i, column j is x_j (the layout
//! of the 2-D diffusion problem), row 0 drawn at the bottom so that y points up.
//!
//! The plot area keeps the field's aspect ratio (a square domain is drawn square) within
//! 520 x 456 pixels, unless one side would fall below 1/4 of the other: then the cells are
//! stretched and the picture stays readable.

use std::path::Path;

use anyhow::ensure;
use ndarray::{Array2, ArrayView2};

use super::cells::{CellGrid, ColourScale};
use super::font::ensure_registered;
use super::panel::{draw_panel, even_ticks, Axis, Panel, PanelLayout};
use super::png_file::render_png;

/// The largest plot area in pixels.
const MAX_PLOT_WIDTH: i32 = 520;
const MAX_PLOT_HEIGHT: i32 = 456;
/// The narrowest aspect ratio drawn true to the field.
const MIN_ASPECT: f64 = 0.25;

/// Coordinates of a field's first and last grid points along one axis.
pub type Extent = (f64, f64);

/// The layout for a field spanning `x_extent` x `y_extent`.
pub(super) fn layout(x_extent: Extent, y_extent: Extent) -> PanelLayout {
    let aspect =
        ((x_extent.1 - x_extent.0) / (y_extent.1 - y_extent.0)).clamp(MIN_ASPECT, 1.0 / MIN_ASPECT);
    let box_aspect = MAX_PLOT_WIDTH as f64 / MAX_PLOT_HEIGHT as f64;
    let (width, height) = if aspect >= box_aspect {
        (
            MAX_PLOT_WIDTH,
            (MAX_PLOT_WIDTH as f64 / aspect).round() as i32,
        )
    } else {
        (
            (MAX_PLOT_HEIGHT as f64 * aspect).round() as i32,
            MAX_PLOT_HEIGHT,
        )
    };
    PanelLayout::around(width, height)
}

/// Checks a field's shape and extents; the message names the picture and the parameter.
pub(super) fn check_field(
    picture: &str,
    shape: (usize, usize),
    x_extent: Extent,
    y_extent: Extent,
) -> anyhow::Result<()> {
    let (n_rows, n_cols) = shape;
    ensure!(
        n_rows > 0 && n_cols > 0,
        "{picture} of an empty field ({n_rows} x {n_cols})"
    );
    for (name, (first, last)) in [("x_extent", x_extent), ("y_extent", y_extent)] {
        ensure!(
            first.is_finite() && last.is_finite() && last > first,
            "{picture}: {name} = ({first}, {last}) must be finite and increasing"
        );
    }
    Ok(())
}

/// The panel around a field of `shape` (rows = y, up), without its title and scale.
pub(super) fn field_panel<'a>(
    layout: PanelLayout,
    shape: (usize, usize),
    x_extent: Extent,
    y_extent: Extent,
    title: &'a str,
    colour_bar_label: &'a str,
    scale: ColourScale,
) -> Panel<'a> {
    let (n_rows, n_cols) = shape;
    let (plot_width, plot_height) = (layout.plot.width, layout.plot.height);
    Panel {
        layout,
        title,
        x: Axis {
            name: "x".into(),
            ticks: even_ticks(x_extent.0, x_extent.1, n_cols, plot_width, false),
        },
        y: Axis {
            name: "y".into(),
            ticks: even_ticks(y_extent.0, y_extent.1, n_rows, plot_height, true),
        },
        bar_label: colour_bar_label,
        scale,
    }
}

/// The field reduced to the plot area of `layout`.
pub(super) fn reduce(field: ArrayView2<f64>, layout: &PanelLayout) -> CellGrid {
    let plot = layout.plot;
    CellGrid::reduce(field, plot.height as usize, plot.width as usize)
}

/// Writes a colour map of the 2-D `field` to the PNG file `path`: row i at y_i, column j at
/// x_j, grid points evenly spaced from `x_extent.0` to `x_extent.1` (first to last column)
/// and from `y_extent.0` (row 0, at the bottom) to `y_extent.1` (last row, at the top).
///
/// Colours follow viridis from the field's smallest to its largest finite value, shown on a
/// colour bar labelled `colour_bar_label`; large fields are averaged in blocks of one pixel,
/// non-finite cells drawn red with a "NaN" key, as in [`super::heat_map_png`]. The picture is
/// at most 800 x 600 pixels.
pub fn field_map_png(
    path: &Path,
    field: &Array2<f64>,
    x_extent: Extent,
    y_extent: Extent,
    title: &str,
    colour_bar_label: &str,
) -> anyhow::Result<()> {
    check_field("field map", field.dim(), x_extent, y_extent)?;
    ensure_registered()?;
    let layout = layout(x_extent, y_extent);
    let grid = reduce(field.view(), &layout);
    let scale = ColourScale::fit(grid.finite_range);
    let panel = field_panel(
        layout,
        field.dim(),
        x_extent,
        y_extent,
        title,
        colour_bar_label,
        scale,
    );
    render_png(path, (layout.width, layout.height), |area| {
        draw_panel(area, &panel, &grid, true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::panel::centre_offset;
    use crate::plot::style::{viridis, NAN_COLOUR};
    use crate::plot::test_support::{has_ink, inverse_viridis, DecodedPng, TempDir};

    #[test]
    fn square_fields_are_square_and_y_points_up() {
        let dir = TempDir::new("field");
        let path = dir.path(".field.tmp");
        // u = y: rows grow upwards, so the top of the plot is the high end.
        let (ny, nx) = (64, 64);
        let field = Array2::from_shape_fn((ny, nx), |(i, _)| i as f64);
        field_map_png(&path, &field, (0.0, 63.0), (0.0, 63.0), "u = y", "u").unwrap();

        let layout = layout((0.0, 63.0), (0.0, 63.0));
        let (plot, bar) = (layout.plot, layout.bar);
        assert_eq!(plot.width, plot.height);
        let image = DecodedPng::read(&path);
        assert_eq!(
            (image.width, image.height),
            (layout.width as usize, layout.height as usize)
        );
        let x = (plot.x + plot.width / 2) as usize;
        assert_eq!(image.pixel(x, plot.y as usize), viridis(1.0));
        assert_eq!(image.pixel(x, (plot.bottom() - 1) as usize), viridis(0.0));
        // Row 16 (a quarter up) shows 16/63 of the range.
        let y = plot.y + centre_offset((ny - 1 - 16) as f64, ny, plot.height);
        let shown = inverse_viridis(image.pixel(x, y as usize));
        assert!((shown - 16.0 / 63.0).abs() < 0.01, "{shown}");
        // Colour bar ends, labels on both axes and the colour bar.
        let bar_x = (bar.x + bar.width / 2) as usize;
        assert_eq!(image.pixel(bar_x, bar.y as usize), viridis(1.0));
        assert_eq!(
            image.pixel(bar_x, (bar.bottom() - 1) as usize),
            viridis(0.0)
        );
        assert!(
            has_ink(&image, plot.x, plot.bottom() + 8, plot.width, 60),
            "no x labels"
        );
        assert!(
            has_ink(&image, 0, plot.y, plot.x - 8, plot.height),
            "no y labels"
        );
        assert!(
            has_ink(&image, bar.right() + 8, bar.y, 90, bar.height),
            "no u labels"
        );
        assert!(
            has_ink(&image, bar.x - 10, bar.y - 30, bar.width + 20, 24),
            "no bar label"
        );
    }

    #[test]
    fn wide_fields_keep_their_aspect_and_nan_cells_show() {
        let dir = TempDir::new("wide-field");
        let path = dir.path("field.png");
        // 2000 x 4000 points on a 2 x 1 domain: averaged in blocks, one NaN kept.
        let (ny, nx) = (2000, 4000);
        let mut field = Array2::from_shape_fn((ny, nx), |(i, j)| (i + j) as f64);
        field[[1000, 3000]] = f64::NAN;
        field_map_png(&path, &field, (0.0, 2.0), (0.0, 1.0), "wide", "u").unwrap();

        let layout = layout((0.0, 2.0), (0.0, 1.0));
        let plot = layout.plot;
        assert_eq!((plot.width, plot.height), (520, 260));
        let image = DecodedPng::read(&path);
        let x = plot.x as usize + 3000 * plot.width as usize / nx;
        let y = (plot.bottom() - 1) as usize - 1000 * plot.height as usize / ny;
        assert_eq!(image.pixel(x, y), NAN_COLOUR);
        assert_ne!(image.pixel(x + 2, y), NAN_COLOUR);
        let key = layout.nan_key();
        assert_eq!(
            image.pixel(key.x as usize + 4, key.y as usize + 8),
            NAN_COLOUR
        );
    }

    #[test]
    fn field_map_rejects_bad_extents() {
        let dir = TempDir::new("bad-field");
        let field = Array2::zeros((4, 3));
        let error = field_map_png(&dir.path("f.png"), &field, (0.0, 1.0), (1.0, 1.0), "t", "u");
        assert!(error.unwrap_err().to_string().contains("y_extent = (1, 1)"));
        assert!(!dir.path("f.png").exists());
    }
}
