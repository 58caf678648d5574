//! Pictures drawn into an RGB buffer in memory and written as PNG by the `png` crate: plotters'
//! own file target picks the format from the file name's extension, and outputs are written
//! to temporary names (".tmp") that are renamed when complete.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use anyhow::{anyhow, Context};
use plotters::prelude::{BitMapBackend, IntoDrawingArea};

use super::font::Area;

/// Draws a `width` x `height` picture with `draw` and writes it to the PNG file `path`
/// (8-bit RGB); 3 bytes a pixel in memory.
pub(super) fn render_png(
    path: &Path,
    (width, height): (u32, u32),
    draw: impl FnOnce(&Area) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        draw(&area)?;
        area.present()
            .map_err(|e| anyhow!("drawing {}: {e}", path.display()))?;
    }
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut encoder = png::Encoder::new(BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .with_context(|| format!("writing {}", path.display()))?;
    writer
        .write_image_data(&rgb)
        .and_then(|()| writer.finish())
        .with_context(|| format!("writing {}", path.display()))
}
