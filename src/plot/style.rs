//! What every picture shares: colours (viridis for values, Okabe-Ito for groups, one red for
//! non-finite cells), short number labels, and round tick values that never overlap.

use plotters::style::RGBColor;

pub(super) type Rgb = [u8; 3];

pub(super) const BACKGROUND: Rgb = [255, 255, 255];
pub(super) const INK: Rgb = [30, 30, 30];
pub(super) const FRAME: Rgb = [90, 90, 90];
pub(super) const GRID: Rgb = [225, 225, 225];
/// Non-finite cells: a red that viridis never reaches.
pub(super) const NAN_COLOUR: Rgb = [220, 20, 60];

/// The plotters colour of an RGB triple.
pub(super) fn colour(rgb: Rgb) -> RGBColor {
    RGBColor(rgb[0], rgb[1], rgb[2])
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
pub(super) fn viridis(fraction: f64) -> Rgb {
    let position = fraction.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let below = (position.floor() as usize).min(VIRIDIS.len() - 2);
    let weight = position - below as f64;
    let (a, b) = (VIRIDIS[below], VIRIDIS[below + 1]);
    std::array::from_fn(|c| (a[c] as f64 + weight * (b[c] as f64 - a[c] as f64)).round() as u8)
}

/// Group colours, in order of first appearance: the Okabe-Ito palette, safe for colour-blind
/// readers (repeats after eight groups).
pub(super) const GROUP_COLOURS: [Rgb; 8] = [
    [0, 114, 178],
    [230, 159, 0],
    [0, 158, 115],
    [213, 94, 0],
    [204, 121, 167],
    [86, 180, 233],
    [240, 228, 66],
    [0, 0, 0],
];

/// A short label for an axis tick or a value: three significant digits, plain notation for
/// magnitudes in [0.01, 1e4), else scientific ("2.5e-7"), trailing zeros dropped.
pub(super) fn format_number(value: f64) -> String {
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

/// [`format_number`] at an axis' resolution: a value within 1e-4 of the axis `span` from zero
/// reads "0" (the low end of a decayed field is 7.8e-136, not worth a label of its own).
pub(super) fn format_tick(value: f64, span: f64) -> String {
    if value.abs() < 1e-4 * span.abs() {
        "0".into()
    } else {
        format_number(value)
    }
}

/// About this many intervals between round interior ticks on an axis.
const TICK_INTERVALS: usize = 4;
/// Least space in pixels between two labels on one axis.
const LABEL_GAP: i32 = 8;

/// The smallest 1, 2, 2.5 or 5 times a power of ten that splits `span` into at most `intervals`.
pub(super) fn nice_step(span: f64, intervals: usize) -> f64 {
    let rough = span / intervals as f64;
    let decade = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 2.5, 5.0]
        .into_iter()
        .map(|multiple| multiple * decade)
        .find(|&step| step >= rough * (1.0 - 1e-9))
        .unwrap_or(10.0 * decade)
}

/// Multiples of a nice step strictly between `low` and `high` (round values for ticks).
pub(super) fn interior_ticks(low: f64, high: f64) -> Vec<f64> {
    let step = nice_step(high - low, TICK_INTERVALS);
    let first = (low / step).floor() as i64 + 1;
    let last = (high / step).ceil() as i64 - 1;
    (first..=last)
        .map(|k| k as f64 * step)
        .filter(|&value| value > low && value < high)
        .collect()
}

/// Spans along one axis already taken by labels; a tick whose label would overlap one of them
/// is left out, so ticks claimed first (the ends) always show.
#[derive(Default)]
pub(super) struct LabelSlots(Vec<(i32, i32)>);

impl LabelSlots {
    /// Takes the span [start, end) when it keeps `LABEL_GAP` from every span taken before.
    pub(super) fn claim(&mut self, start: i32, end: i32) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn ticks_near_zero_read_zero() {
        assert_eq!(format_tick(7.76e-136, 7.81e-3), "0");
        assert_eq!(format_tick(7.81e-3, 7.81e-3), "7.81e-3");
        assert_eq!(format_tick(-2e-7, 1.0), "0");
        assert_eq!(format_tick(2e-3, 1.0), "2e-3");
    }

    #[test]
    fn interior_ticks_are_round_and_inside() {
        assert_eq!(interior_ticks(0.0, 1.0), vec![0.25, 0.5, 0.75]);
        assert_eq!(interior_ticks(25.0, 60.0), vec![30.0, 40.0, 50.0]);
        assert!(interior_ticks(0.0, 2.7).iter().all(|&t| t > 0.0 && t < 2.7));
    }

    #[test]
    fn overlapping_labels_are_refused() {
        let mut slots = LabelSlots::default();
        assert!(slots.claim(0, 20));
        assert!(!slots.claim(25, 40));
        assert!(slots.claim(28, 40));
    }
}
