//! An animated GIF of a 2-D field's snapshots, written frame by frame: each
//! [`FieldGif::push_frame`] draws one snapshot (the picture of [`super::field_map_png`], its
//! title followed by the snapshot's time) and appends it to the file, so the snapshots never
//! need to be in memory together. All frames share one colour scale fixed when the writer is
//! created; values beyond it show the scale's end colours.
//!
//! plotters' GIF backend quantises every frame to its own 256-colour palette (NeuQuant), so
//! colours are close to, not exactly, those of the PNG pictures. Each frame allocates (image,
//! palette, text layout) and costs tens of milliseconds: push snapshots from between steps,
//! not from inside a zero-allocation loop.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, ensure, Context};
use ndarray::ArrayView2;
use plotters::prelude::{BitMapBackend, IntoDrawingArea};

use super::cells::ColourScale;
use super::field_map::{check_field, field_panel, layout, reduce, Extent};
use super::font::{ensure_registered, Area};
use super::panel::{draw_panel, PanelLayout};
use super::style::format_number;

/// A GIF being written, one frame per snapshot.
pub struct FieldGif {
    path: PathBuf,
    area: Area<'static>,
    layout: PanelLayout,
    shape: (usize, usize),
    x_extent: Extent,
    y_extent: Extent,
    title: String,
    colour_bar_label: String,
    scale: ColourScale,
    frames: usize,
}

impl FieldGif {
    /// Starts the GIF `path` for snapshots of `shape` (rows = y, up; columns = x) spanning
    /// `x_extent` x `y_extent` (as in [`super::field_map_png`]), coloured from `value_range.0`
    /// to `value_range.1`, each frame shown for `frame_delay` (rounded to 10 ms) and the
    /// animation looping. Checks everything before creating the file.
    // Every argument is one independent fact about the picture; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn create(
        path: &Path,
        shape: (usize, usize),
        x_extent: Extent,
        y_extent: Extent,
        value_range: (f64, f64),
        title: &str,
        colour_bar_label: &str,
        frame_delay: Duration,
    ) -> anyhow::Result<Self> {
        check_field("field animation", shape, x_extent, y_extent)?;
        let (low, high) = value_range;
        ensure!(
            low.is_finite() && high.is_finite() && high > low,
            "field animation: value_range = ({low}, {high}) must be finite and increasing"
        );
        let delay_ms = frame_delay.as_millis();
        ensure!(
            (10..=600_000).contains(&delay_ms),
            "field animation: frame_delay = {delay_ms} ms must be between 10 ms and 10 min"
        );
        ensure_registered()?;
        let layout = layout(x_extent, y_extent);
        let backend = BitMapBackend::gif(path, (layout.width, layout.height), delay_ms as u32)
            .map_err(|e| anyhow!("creating {}: {e}", path.display()))?;
        Ok(FieldGif {
            path: path.to_path_buf(),
            area: backend.into_drawing_area(),
            layout,
            shape,
            x_extent,
            y_extent,
            title: title.to_string(),
            colour_bar_label: colour_bar_label.to_string(),
            scale: ColourScale { low, high },
            frames: 0,
        })
    }

    /// Draws `field`, the snapshot at `time`, and appends it as the next frame.
    pub fn push_frame(&mut self, time: f64, field: ArrayView2<f64>) -> anyhow::Result<()> {
        ensure!(
            field.dim() == self.shape,
            "field animation: a {:?} snapshot for a {:?} animation",
            field.dim(),
            self.shape
        );
        let title = format!("{}, t = {}", self.title, format_number(time));
        let panel = field_panel(
            self.layout,
            self.shape,
            self.x_extent,
            self.y_extent,
            &title,
            &self.colour_bar_label,
            self.scale,
        );
        let grid = reduce(field, &self.layout);
        draw_panel(&self.area, &panel, &grid, true)?;
        self.area.present().map_err(|e| {
            anyhow!(
                "writing frame {} of {}: {e}",
                self.frames,
                self.path.display()
            )
        })?;
        self.frames += 1;
        Ok(())
    }

    /// Frames written so far.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Closes the file (the encoder writes the GIF trailer when dropped) and checks that it
    /// ends with that trailer; returns the number of frames. An animation needs one frame.
    pub fn finish(self) -> anyhow::Result<usize> {
        let FieldGif {
            path, area, frames, ..
        } = self;
        ensure!(frames > 0, "field animation {}: no frame", path.display());
        drop(area);
        let mut last = [0u8];
        let mut file =
            std::fs::File::open(&path).with_context(|| format!("reading {}", path.display()))?;
        file.seek(SeekFrom::End(-1))
            .and_then(|_| file.read_exact(&mut last))
            .with_context(|| format!("reading {}", path.display()))?;
        ensure!(
            last[0] == 0x3b,
            "writing {}: the GIF trailer is missing",
            path.display()
        );
        Ok(frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::panel::centre_offset;
    use crate::plot::style::{viridis, NAN_COLOUR};
    use crate::plot::test_support::{distance, has_ink, inverse_viridis_within, read_gif, TempDir};
    use ndarray::Array2;

    /// NeuQuant's palette is close to the true colours: squared distance at most this.
    const QUANTISED: i32 = 300;

    #[test]
    fn frames_share_one_scale_and_stream_to_the_file() {
        let dir = TempDir::new("gif");
        let path = dir.path("field.gif.tmp");
        let (ny, nx) = (40, 60);
        let mut gif = FieldGif::create(
            &path,
            (ny, nx),
            (0.0, 59.0),
            (0.0, 39.0),
            (0.0, 1.0),
            "decay",
            "u",
            Duration::from_millis(200),
        )
        .unwrap();
        let mut field = Array2::from_elem((ny, nx), 1.0);
        for k in 0..3 {
            field.fill(1.0 - 0.5 * k as f64);
            if k == 2 {
                field[[20, 30]] = f64::NAN;
            }
            gif.push_frame(0.5 * k as f64, field.view()).unwrap();
        }
        assert_eq!(gif.frames(), 3);
        assert_eq!(gif.finish().unwrap(), 3);

        let layout = layout((0.0, 59.0), (0.0, 39.0));
        let (plot, bar) = (layout.plot, layout.bar);
        let frames = read_gif(&path);
        assert_eq!(frames.len(), 3);
        let centre = (
            (plot.x + plot.width / 4) as usize,
            (plot.y + plot.height / 4) as usize,
        );
        for (k, (frame, delay)) in frames.iter().enumerate() {
            assert_eq!(
                (frame.width, frame.height),
                (layout.width as usize, layout.height as usize)
            );
            assert_eq!(*delay, 20);
            // The fixed scale: 1, 0.5, 0 are the top, middle and bottom of viridis.
            let shown = inverse_viridis_within(frame.pixel(centre.0, centre.1), QUANTISED);
            let expected = 1.0 - 0.5 * k as f64;
            assert!((shown - expected).abs() < 0.03, "frame {k}: {shown}");
            // Colour bar ends and labels in every frame.
            let bar_x = (bar.x + bar.width / 2) as usize;
            let top = frame.pixel(bar_x, bar.y as usize);
            let bottom = frame.pixel(bar_x, (bar.bottom() - 1) as usize);
            assert!(distance(top, viridis(1.0)) <= QUANTISED, "{top:?}");
            assert!(distance(bottom, viridis(0.0)) <= QUANTISED, "{bottom:?}");
            assert!(
                has_ink(frame, 0, 0, layout.width as i32, plot.y - 20),
                "no title"
            );
            assert!(has_ink(frame, plot.x, plot.bottom() + 8, plot.width, 60));
            assert!(has_ink(frame, bar.right() + 8, bar.y, 90, bar.height));
        }
        // The NaN cell (row 20 of 40 counted from the bottom) is red in the last frame only.
        let nan_x = plot.x + centre_offset(30.0, nx, plot.width);
        let nan_y = plot.y + centre_offset((ny - 1 - 20) as f64, ny, plot.height);
        let (nan_x, nan_y) = (nan_x as usize, nan_y as usize);
        assert!(distance(frames[2].0.pixel(nan_x, nan_y), NAN_COLOUR) <= QUANTISED);
        assert!(distance(frames[1].0.pixel(nan_x, nan_y), NAN_COLOUR) > QUANTISED);
    }

    #[test]
    fn animation_checks_its_inputs_before_creating_the_file() {
        let dir = TempDir::new("gif-bad");
        let path = dir.path("bad.gif");
        let delay = Duration::from_millis(100);
        let create = |range, shape| {
            FieldGif::create(&path, shape, (0.0, 1.0), (0.0, 1.0), range, "t", "u", delay)
        };
        let error = create((1.0, 1.0), (4, 4)).err().unwrap().to_string();
        assert!(error.contains("value_range = (1, 1)"), "{error}");
        assert!(create((0.0, 1.0), (0, 4)).is_err());
        assert!(!path.exists());

        let mut gif = create((0.0, 1.0), (4, 4)).unwrap();
        let wrong = Array2::zeros((4, 5));
        let error = gif.push_frame(0.0, wrong.view()).unwrap_err().to_string();
        assert!(error.contains("(4, 5) snapshot"), "{error}");
        assert!(gif.finish().unwrap_err().to_string().contains("no frame"));
    }
}
