//! Text for every picture: DejaVu Sans (assets/fonts/, Bitstream Vera licence, copied from
//! Debian's fonts-dejavu-core 2.37) embedded in the binary and registered once with plotters'
//! `ab_glyph` renderer under the family name "sans-serif", so no system font is ever looked up.
//!
//! plotters 0.3.7 draws a string's glyphs at their pen positions without their left side
//! bearings (a "1" then touches the character before it) and puts the baseline half a font
//! size below its anchor. [`draw_text`] therefore lays the line out itself from the font's
//! metrics (advance, kerning, bearing) and hands plotters one character at a time, and aligns
//! vertically on the capitals' box (top, middle or baseline), so labels centre on their ticks.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, ScaleFont};
use anyhow::anyhow;
use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea, Text};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle, IntoTextStyle};

use super::style::{colour, Rgb};

/// The family every label asks for; plotters' own default family, so nothing falls back.
const FAMILY: &str = "sans-serif";
const DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Height of DejaVu Sans' capitals as a fraction of the font size plotters is given (ab_glyph
/// scales ascent minus descent, 1.164 em, to that size; capitals are 0.729 em).
const CAP_HEIGHT: f64 = 0.729 / 1.164;

/// A drawing area of the bitmap backend in pixel coordinates.
pub(super) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// The embedded font, parsed and registered with plotters the first time it is asked for.
fn face() -> anyhow::Result<&'static FontRef<'static>> {
    static FACE: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FACE.get_or_init(|| {
        let face = FontRef::try_from_slice(DEJAVU_SANS).ok()?;
        register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).ok()?;
        Some(face)
    })
    .as_ref()
    .ok_or_else(|| anyhow!("the embedded DejaVu Sans font could not be read"))
}

/// Registers the embedded font with plotters (once); every picture calls it first.
pub(super) fn ensure_registered() -> anyhow::Result<()> {
    face().map(|_| ())
}

/// Where a label sits relative to its anchor point, along one direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Align {
    /// Left of the text, or top of its capitals, at the anchor.
    Start,
    Centre,
    /// Right of the text, or its baseline, at the anchor.
    End,
}

/// Each character of `text` at font size `size` with the x offset (pixels from the pen's
/// start) at which plotters must draw it; and the line's advance width.
fn layout(text: &str, size: f64) -> anyhow::Result<(Vec<(char, f64)>, f64)> {
    let font = face()?.as_scaled(size as f32);
    let mut placed = Vec::with_capacity(text.len());
    let mut pen = 0.0f32;
    let mut previous = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(before) = previous {
            pen += font.kern(before, id);
        }
        let glyph = font.scaled_glyph(c);
        if let Some(outline) = font.outline_glyph(glyph) {
            placed.push((c, (pen + outline.px_bounds().min.x) as f64));
        }
        pen += font.h_advance(id);
        previous = Some(id);
    }
    Ok((placed, pen as f64))
}

/// Advance width of `text` in pixels at font size `size`.
pub(super) fn text_width(text: &str, size: f64) -> i32 {
    layout(text, size).map_or(0, |(_, width)| width.round() as i32)
}

/// Pixel height of the capitals at font size `size`.
pub(super) fn cap_height(size: f64) -> i32 {
    (CAP_HEIGHT * size).round() as i32
}

/// The largest size up to `size`, in steps of one, at which `text` fits in `max_width` pixels
/// (never below 10).
pub(super) fn fitting_size(text: &str, size: f64, max_width: i32) -> f64 {
    let mut fitted = size;
    while fitted > 10.0 && text_width(text, fitted) > max_width {
        fitted -= 1.0;
    }
    fitted
}

/// Draws `text` at font size `size` with the anchor `at` placed as `horizontal` and `vertical`
/// say (vertical alignment on the capitals' box).
pub(super) fn draw_text(
    area: &Area,
    text: &str,
    at: (i32, i32),
    size: f64,
    ink: Rgb,
    horizontal: Align,
    vertical: Align,
) -> anyhow::Result<()> {
    let (placed, width) = layout(text, size)?;
    let left = at.0 as f64
        - match horizontal {
            Align::Start => 0.0,
            Align::Centre => width / 2.0,
            Align::End => width,
        };
    let cap = CAP_HEIGHT * size;
    let baseline = at.1 as f64
        + match vertical {
            Align::Start => cap,
            Align::Centre => cap / 2.0,
            Align::End => 0.0,
        };
    // With a top anchor plotters puts the baseline half a size below the point it is given.
    let top = (baseline - size / 2.0).round() as i32;
    let ink = colour(ink);
    let style = (FAMILY, size)
        .into_text_style(area)
        .color(&ink)
        .pos(Pos::new(HPos::Left, VPos::Top));
    for (c, offset) in placed {
        let x = (left + offset).round() as i32;
        area.draw(&Text::new(c.to_string(), (x, top), style.clone()))
            .map_err(|e| anyhow!("drawing the label {text:?}: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::IntoDrawingArea;

    /// Rows and columns holding ink in an RGB buffer of width `width`.
    fn inked_box(rgb: &[u8], width: usize) -> (usize, usize, usize, usize) {
        let (mut top, mut bottom, mut left, mut right) = (usize::MAX, 0, usize::MAX, 0);
        for (i, pixel) in rgb.chunks(3).enumerate() {
            if pixel.iter().any(|&c| c < 128) {
                let (x, y) = (i % width, i / width);
                top = top.min(y);
                bottom = bottom.max(y);
                left = left.min(x);
                right = right.max(x);
            }
        }
        (top, bottom, left, right)
    }

    #[test]
    fn capitals_centre_on_the_anchor() {
        ensure_registered().unwrap();
        let (width, height) = (200usize, 100usize);
        let mut rgb = vec![255u8; width * height * 3];
        {
            let area = BitMapBackend::with_buffer(&mut rgb, (width as u32, height as u32))
                .into_drawing_area();
            draw_text(
                &area,
                "HEH",
                (100, 50),
                40.0,
                [0, 0, 0],
                Align::Centre,
                Align::Centre,
            )
            .unwrap();
            area.present().unwrap();
        }
        let (top, bottom, left, right) = inked_box(&rgb, width);
        let cap = cap_height(40.0) as usize;
        assert!(
            top.abs_diff(50 - cap / 2) <= 1,
            "capitals start at row {top}"
        );
        assert!(
            bottom.abs_diff(50 + cap / 2) <= 1,
            "capitals end at row {bottom}"
        );
        let measured = right + 1 - left;
        let advance = text_width("HEH", 40.0) as usize;
        assert!(
            measured <= advance && measured + 8 >= advance,
            "{measured} vs {advance}"
        );
        assert!(
            (left + right).abs_diff(200) <= 4,
            "not centred: {left}..{right}"
        );
    }

    #[test]
    fn glyphs_keep_their_side_bearings() {
        // "1" has a wide left bearing, "0" a narrow one: the gap between their inked columns
        // is what the font says, not what plotters' own layout would make it.
        let size = 80.0;
        let (width, height) = (200usize, 120usize);
        let mut rgb = vec![255u8; width * height * 3];
        {
            let area = BitMapBackend::with_buffer(&mut rgb, (width as u32, height as u32))
                .into_drawing_area();
            draw_text(
                &area,
                "01",
                (20, 60),
                size,
                [0, 0, 0],
                Align::Start,
                Align::Centre,
            )
            .unwrap();
            area.present().unwrap();
        }
        let inked: Vec<bool> = (0..width)
            .map(|x| (0..height).any(|y| rgb[3 * (y * width + x)] < 128))
            .collect();
        let zero_left = inked.iter().position(|&i| i).unwrap();
        let zero_right = zero_left + inked[zero_left..].iter().position(|&i| !i).unwrap();
        let one_left = zero_right + inked[zero_right..].iter().position(|&i| i).unwrap();
        let (placed, _) = layout("01", size).unwrap();
        let expected = placed[1].1 - placed[0].1;
        let measured = (one_left - zero_left) as f64;
        assert!(
            (measured - expected).abs() <= 1.0,
            "{measured} px, font says {expected}"
        );
        let font = face().unwrap().as_scaled(size as f32);
        let advance = font.h_advance(font.glyph_id('0')) as f64;
        assert!(
            expected > advance + 2.0,
            "the test needs a visible bearing difference"
        );
    }

    #[test]
    fn long_text_shrinks_to_fit() {
        ensure_registered().unwrap();
        let text = "a rather long title for a picture of a field";
        let size = fitting_size(text, 22.0, 300);
        assert!(size < 22.0 && text_width(text, size) <= 300);
        assert_eq!(fitting_size("T", 22.0, 300), 22.0);
    }
}
