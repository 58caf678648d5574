//! Test helpers: a temporary directory, decoded PNG and GIF pictures, and reading values back
//! from viridis colours.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use super::style::{viridis, Rgb, BACKGROUND};

/// A fresh directory under the system temp dir, removed when dropped.
pub(super) struct TempDir(tempfile::TempDir);

impl TempDir {
    pub(super) fn new(name: &str) -> Self {
        TempDir(
            tempfile::Builder::new()
                .prefix(&format!("heatgpu-plot-{name}-"))
                .tempdir()
                .expect("create temp dir"),
        )
    }

    pub(super) fn path(&self, file: &str) -> PathBuf {
        self.0.path().join(file)
    }
}

/// A decoded RGB picture (a PNG, or one frame of a GIF).
pub(super) struct DecodedPng {
    pub(super) width: usize,
    pub(super) height: usize,
    pub(super) rgb: Vec<u8>,
}

impl DecodedPng {
    pub(super) fn read(path: &Path) -> Self {
        let file = BufReader::new(File::open(path).expect("open png"));
        let mut reader = png::Decoder::new(file).read_info().expect("png header");
        let mut rgb = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut rgb).expect("png frame");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        rgb.truncate(info.buffer_size());
        DecodedPng {
            width: info.width as usize,
            height: info.height as usize,
            rgb,
        }
    }

    pub(super) fn pixel(&self, x: usize, y: usize) -> Rgb {
        let at = 3 * (y * self.width + x);
        [self.rgb[at], self.rgb[at + 1], self.rgb[at + 2]]
    }
}

/// Every frame of a GIF, as RGB pictures, and each frame's delay in hundredths of a second.
pub(super) fn read_gif(path: &Path) -> Vec<(DecodedPng, u16)> {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let file = BufReader::new(File::open(path).expect("open gif"));
    let mut decoder = options.read_info(file).expect("gif header");
    let (width, height) = (decoder.width() as usize, decoder.height() as usize);
    let mut frames = Vec::new();
    while let Some(frame) = decoder.read_next_frame().expect("gif frame") {
        assert_eq!(
            (
                frame.width as usize,
                frame.height as usize,
                frame.left,
                frame.top
            ),
            (width, height, 0, 0),
            "every frame covers the whole picture"
        );
        let rgb = frame
            .buffer
            .chunks(4)
            .flat_map(|rgba| [rgba[0], rgba[1], rgba[2]])
            .collect();
        frames.push((DecodedPng { width, height, rgb }, frame.delay));
    }
    frames
}

/// Whether any pixel in the rectangle (x, y, width, height) differs from the background.
pub(super) fn has_ink(image: &DecodedPng, x: i32, y: i32, width: i32, height: i32) -> bool {
    (y.max(0)..(y + height).min(image.height as i32)).any(|py| {
        (x.max(0)..(x + width).min(image.width as i32))
            .any(|px| image.pixel(px as usize, py as usize) != BACKGROUND)
    })
}

/// Squared distance between two colours.
pub(super) fn distance(a: Rgb, b: Rgb) -> i32 {
    (0..3).map(|i| (a[i] as i32 - b[i] as i32).pow(2)).sum()
}

/// The fraction in [0, 1] whose viridis colour is nearest to `colour`, which must be within
/// `tolerance` (squared distance) of a viridis colour.
pub(super) fn inverse_viridis_within(colour: Rgb, tolerance: i32) -> f64 {
    let best = (0..=1000)
        .min_by_key(|&k| distance(viridis(k as f64 / 1000.0), colour))
        .expect("non-empty");
    let off = distance(viridis(best as f64 / 1000.0), colour);
    assert!(
        off <= tolerance,
        "{colour:?} is not a viridis colour (off by {off})"
    );
    best as f64 / 1000.0
}

/// [`inverse_viridis_within`] for exact pictures (PNG): rounding only.
pub(super) fn inverse_viridis(colour: Rgb) -> f64 {
    inverse_viridis_within(colour, 12)
}
