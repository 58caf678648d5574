//! Pictures, drawn with `plotters` in pure Rust (bitmap backend, PNG and GIF encoders, text
//! from an embedded DejaVu Sans through `ab_glyph`): no system fonts or graphics libraries.
//!
//! - [`heat_map_png`]: a solved 1-D field T(x, t), time down, space across.
//! - [`field_map_png`]: a 2-D field u(x, y) (row = y, up; column = x) at its aspect ratio.
//! - [`FieldGif`]: snapshots of a 2-D field as an animated GIF, streamed frame by frame with
//!   one colour scale fixed up front.
//! - [`bar_chart_png`]: horizontal bars for timing comparisons, linear or log.
//!
//! Colour maps share one rule: viridis from low to high with a colour bar; a large field is
//! averaged in blocks of one pixel (one pass, no full-resolution image), and a block holding
//! a non-finite value is drawn red, with a "NaN" key.
//!
//! A solved [`crate::problems::heat1d::solve::Solution`] of a [`crate::Heat1D`] `problem` is drawn with
//! `heat_map_png(path, &solution.field, &solution.times(&problem), problem.x_max, title)`.
//!
//! ```
//! use heatgpu::plot::{bar_chart_png, field_map_png, heat_map_png, Bar, BarScale, FieldGif};
//! use ndarray::Array2;
//! use std::time::Duration;
//!
//! // 101 time levels x 11 points of a decaying sine.
//! let times: Vec<f64> = (0..101).map(|i| i as f64 * 0.01).collect();
//! let field = Array2::from_shape_fn((101, 11), |(r, j)| {
//!     (-times[r]).exp() * (std::f64::consts::PI * j as f64 / 10.0).sin()
//! });
//! let dir = tempfile::tempdir()?;
//! heat_map_png(&dir.path().join("heat.png"), &field, &times, 1.0, "T(x, t)")?;
//!
//! // A 2-D Gaussian on a 64 x 64 grid with unit spacing, and three frames of its decay.
//! let blob = |s: f64| Array2::from_shape_fn((64, 64), |(i, j)| {
//!     let (y, x) = (i as f64 - 32.0, j as f64 - 32.0);
//!     (-(x * x + y * y) / (2.0 * s * s)).exp() / (s * s)
//! });
//! field_map_png(&dir.path().join("u.png"), &blob(4.0), (0.0, 63.0), (0.0, 63.0), "u", "u")?;
//! let mut gif = FieldGif::create(&dir.path().join("u.gif"), (64, 64), (0.0, 63.0),
//!     (0.0, 63.0), (0.0, 1.0 / 16.0), "u", "u", Duration::from_millis(100))?;
//! for k in 0..3 {
//!     gif.push_frame(k as f64, blob(4.0 + k as f64).view())?;
//! }
//! assert_eq!(gif.finish()?, 3);
//!
//! let bars = [
//!     Bar { label: "nx=1e4".into(), value: 0.8, group: "cpu".into() },
//!     Bar { label: "nx=1e4".into(), value: 0.05, group: "gpu".into() },
//! ];
//! bar_chart_png(&dir.path().join("bars.png"), "solve time", "s", &bars, BarScale::Log10)?;
//! # Ok::<(), anyhow::Error>(())
//! ```

mod bar_chart;
mod cells;
mod field_gif;
mod field_map;
mod font;
mod heat_map;
mod panel;
mod png_file;
mod style;
#[cfg(test)]
mod test_support;

pub use bar_chart::{bar_chart_png, Bar, BarScale};
pub use field_gif::FieldGif;
pub use field_map::{field_map_png, Extent};
pub use heat_map::heat_map_png;
