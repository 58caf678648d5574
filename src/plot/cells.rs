//! A field reduced to what a picture can show, and painted into RGB pixels.
//!
//! Reduction: at most one cell per plot pixel along each axis; cell (p, q) is the mean of the
//! block of field entries (r, j) with `r * rows / n_rows == p` and `j * cols / n_cols == q`, or
//! NaN when any entry in the block is not finite, so a single blow-up stays visible. One pass
//! over the field, two f64 words of scratch per cell, no full-resolution image.
//!
//! Painting: each plot pixel shows the cell it falls in (few cells are stretched over several
//! pixels), coloured by viridis between the scale's ends (clamped), NaN cells red.

use ndarray::ArrayView2;

use super::style::{viridis, Rgb, NAN_COLOUR};

pub(super) struct CellGrid {
    pub(super) rows: usize,
    pub(super) cols: usize,
    /// Row-major cell values; NaN marks a block holding a non-finite entry.
    pub(super) values: Vec<f64>,
    /// Smallest and largest finite value of the whole field, if any.
    pub(super) finite_range: Option<(f64, f64)>,
}

impl CellGrid {
    /// The field reduced to at most `max_rows` x `max_cols` cells (the field must not be empty).
    pub(super) fn reduce(field: ArrayView2<f64>, max_rows: usize, max_cols: usize) -> Self {
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

    pub(super) fn has_nan(&self) -> bool {
        self.values.iter().any(|v| v.is_nan())
    }

    /// RGB pixels (row-major, 3 bytes each) of a `width` x `height` image of the cells, row 0
    /// at the top, or at the bottom when `rows_up`.
    pub(super) fn paint(
        &self,
        width: usize,
        height: usize,
        scale: ColourScale,
        rows_up: bool,
    ) -> Vec<u8> {
        let mut rgb = Vec::with_capacity(width * height * 3);
        for py in 0..height {
            let from_top = py * self.rows / height;
            let cell_row = if rows_up {
                self.rows - 1 - from_top
            } else {
                from_top
            };
            for px in 0..width {
                let value = self.values[cell_row * self.cols + px * self.cols / width];
                rgb.extend_from_slice(&scale.colour(value));
            }
        }
        rgb
    }
}

/// Values to colours: viridis from `low` to `high`, NaN red.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct ColourScale {
    pub(super) low: f64,
    pub(super) high: f64,
}

impl ColourScale {
    /// The scale of a field's finite values; a constant field gets a unit-wide range centred on
    /// its value, a field with no finite value [0, 1].
    pub(super) fn fit(finite_range: Option<(f64, f64)>) -> Self {
        let (low, high) = match finite_range {
            Some((lo, hi)) if hi > lo => (lo, hi),
            Some((value, _)) => (value - 0.5, value + 0.5),
            None => (0.0, 1.0),
        };
        ColourScale { low, high }
    }

    pub(super) fn fraction(&self, value: f64) -> f64 {
        (value - self.low) / (self.high - self.low)
    }

    pub(super) fn colour(&self, value: f64) -> Rgb {
        if value.is_nan() {
            NAN_COLOUR
        } else {
            viridis(self.fraction(value))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn blocks_average_and_keep_non_finite_entries() {
        let mut field = Array2::from_shape_fn((4, 6), |(r, j)| (10 * r + j) as f64);
        field[[3, 5]] = f64::INFINITY;
        let grid = CellGrid::reduce(field.view(), 2, 3);
        assert_eq!((grid.rows, grid.cols), (2, 3));
        // Cell (0, 0) holds rows 0-1, columns 0-1: (0 + 1 + 10 + 11) / 4.
        assert_eq!(grid.values[0], 5.5);
        assert!(grid.values[5].is_nan());
        assert!(grid.has_nan());
        assert_eq!(grid.finite_range, Some((0.0, 34.0)));
    }

    #[test]
    fn painting_stretches_cells_and_flips_rows_on_request() {
        let field = Array2::from_shape_fn((2, 2), |(r, j)| (2 * r + j) as f64);
        let grid = CellGrid::reduce(field.view(), 10, 10);
        let scale = ColourScale {
            low: 0.0,
            high: 3.0,
        };
        let down = grid.paint(4, 4, scale, false);
        let up = grid.paint(4, 4, scale, true);
        let pixel =
            |rgb: &[u8], x: usize, y: usize| rgb[3 * (4 * y + x)..3 * (4 * y + x) + 3].to_vec();
        assert_eq!(pixel(&down, 0, 0), viridis(0.0));
        assert_eq!(pixel(&down, 1, 1), viridis(0.0));
        assert_eq!(pixel(&down, 3, 3), viridis(1.0));
        assert_eq!(pixel(&up, 0, 3), viridis(0.0));
        assert_eq!(pixel(&up, 3, 0), viridis(1.0));
    }

    #[test]
    fn scales_fit_constant_and_empty_fields() {
        assert_eq!(
            ColourScale::fit(Some((2.0, 2.0))),
            ColourScale {
                low: 1.5,
                high: 2.5
            }
        );
        assert_eq!(
            ColourScale::fit(None),
            ColourScale {
                low: 0.0,
                high: 1.0
            }
        );
        assert_eq!(
            ColourScale {
                low: 0.0,
                high: 1.0
            }
            .colour(f64::NAN),
            NAN_COLOUR
        );
    }
}
