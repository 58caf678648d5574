//! NaN-aware max-norm reductions on the bit patterns of f64.
//!
//! For x >= 0 the IEEE-754 order equals the integer order of the bits, and every NaN (exponent
//! all ones, mantissa non-zero) sorts above +inf. So `max` over `bits(|x|)` is the max-norm with
//! NaN winning: a non-finite residual is never reported as small. A running maximum per lane
//! ([`MaxAbsLanes`]) has no loop-carried chain between neighbouring values, so it vectorises;
//! a single f64 `max` accumulator would not (the compiler may not reorder float reductions).

/// `|x|` as an orderable integer (< 2^63, so signed and unsigned order agree).
#[inline(always)]
pub fn abs_bits(x: f64) -> i64 {
    (x.to_bits() & 0x7FFF_FFFF_FFFF_FFFF) as i64
}

/// `max(|a|, |b|)` with NaN winning.
#[inline(always)]
pub fn max_abs2(a: f64, b: f64) -> f64 {
    f64::from_bits(abs_bits(a).max(abs_bits(b)) as u64)
}

/// Values per lane group.
pub const LANES: usize = 32;

/// Running `max |x|` in [`LANES`] independent lanes.
#[derive(Clone, Copy, Debug)]
pub struct MaxAbsLanes([i64; LANES]);

impl Default for MaxAbsLanes {
    fn default() -> Self {
        MaxAbsLanes([0; LANES])
    }
}

impl MaxAbsLanes {
    /// Folds up to `LANES` values, the k-th into lane k (extra values are ignored: chunk first).
    #[inline(always)]
    pub fn fold(&mut self, values: impl Iterator<Item = f64>) {
        for (x, lane) in values.zip(self.0.iter_mut()) {
            *lane = (*lane).max(abs_bits(x));
        }
    }

    /// Folds a slice of any length.
    #[inline(always)]
    pub fn fold_slice(&mut self, values: &[f64]) {
        for chunk in values.chunks(LANES) {
            self.fold(chunk.iter().copied());
        }
    }

    /// `max |x|` over everything folded (0 if nothing was).
    pub fn value(&self) -> f64 {
        f64::from_bits(self.0.iter().copied().max().unwrap_or(0) as u64)
    }
}

/// `max |x|` over a slice (0 for an empty one); NaN if any entry is NaN.
pub fn max_abs(values: &[f64]) -> f64 {
    let mut lanes = MaxAbsLanes::default();
    lanes.fold_slice(values);
    lanes.value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_and_infinity_win() {
        assert_eq!(max_abs(&[1.0, -3.0, 2.0]), 3.0);
        assert_eq!(max_abs(&[]), 0.0);
        assert_eq!(max_abs(&[1.0, f64::NEG_INFINITY]), f64::INFINITY);
        assert!(max_abs(&[f64::INFINITY, f64::NAN, 1.0]).is_nan());
        assert!(max_abs2(f64::NAN, 1e300).is_nan());
        assert_eq!(max_abs2(-0.0, 5e-324), 5e-324);
        let long: Vec<f64> = (0..100).map(|k| -(k as f64)).collect();
        assert_eq!(max_abs(&long), 99.0);
    }
}
