//! Double-double arithmetic: a real as the unevaluated sum `hi + lo` of two f64 with
//! `|lo| <= ulp(hi) / 2`, about 106 bits of significand (unit roundoff `u^2 ~ 1.2e-32`).
//!
//! Built from the error-free transformations `two_sum` (Knuth: `a + b = s + e` exactly, six
//! additions) and `two_prod` (`a b = p + e` exactly, one multiplication and one fused
//! multiply-add). Rust never contracts `a*b + c` on its own and `f64::mul_add` is always the
//! correctly rounded fused operation (an FMA instruction where the CPU has one, otherwise
//! libm's exact `fma`), so every result here is the same bit for bit on every machine.
//!
//! Error bounds (Joldes, Muller, Popescu 2017, "Tight and rigorous error bounds for basic
//! building blocks of double-word arithmetic"): `+` has relative error `<= 3 u^2`, `*`
//! `<= 4 u^2`, [`Dd::mul_f64`] `<= 2 u^2`, `/` `<= 10 u^2`.
//! Used where the same rounded quantity would otherwise be applied millions of times
//! (`affine_powers`): never in a per-unknown loop.

use std::ops::{Add, Div, Mul, Neg, Sub};

/// `hi + lo`, normalised so that `hi` is `hi + lo` rounded to f64.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Dd {
    pub hi: f64,
    pub lo: f64,
}

/// `a + b = s + e` exactly, `s = fl(a + b)` (any magnitudes).
#[inline(always)]
pub fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let b_virtual = s - a;
    let a_virtual = s - b_virtual;
    (s, (a - a_virtual) + (b - b_virtual))
}

/// `a + b = s + e` exactly when `|a| >= |b|` (or a = 0).
#[inline(always)]
pub fn fast_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

/// `a b = p + e` exactly, `p = fl(a b)` (barring underflow).
#[inline(always)]
pub fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

impl Dd {
    pub const ZERO: Dd = Dd { hi: 0.0, lo: 0.0 };
    pub const ONE: Dd = Dd { hi: 1.0, lo: 0.0 };

    #[inline(always)]
    pub const fn from_f64(x: f64) -> Dd {
        Dd { hi: x, lo: 0.0 }
    }

    /// The nearest f64 (`hi`, by normalisation).
    #[inline(always)]
    pub fn to_f64(self) -> f64 {
        self.hi
    }

    /// `a + b` exactly, as a double-double.
    #[inline(always)]
    pub fn sum_exact(a: f64, b: f64) -> Dd {
        let (hi, lo) = two_sum(a, b);
        Dd { hi, lo }
    }

    /// `a b` exactly, as a double-double.
    #[inline(always)]
    pub fn prod_exact(a: f64, b: f64) -> Dd {
        let (hi, lo) = two_prod(a, b);
        Dd { hi, lo }
    }

    /// `self b` for an f64 `b`, relative error `<= 2 u^2`.
    #[inline(always)]
    pub fn mul_f64(self, b: f64) -> Dd {
        let (p, e) = two_prod(self.hi, b);
        let (hi, lo) = fast_two_sum(p, self.lo.mul_add(b, e));
        Dd { hi, lo }
    }

    /// `self b + c`: one product and one accurate addition.
    #[inline(always)]
    pub fn mul_add(self, b: Dd, c: Dd) -> Dd {
        self * b + c
    }

    pub fn abs(self) -> Dd {
        if self.hi < 0.0 {
            -self
        } else {
            self
        }
    }
}

impl Neg for Dd {
    type Output = Dd;
    #[inline(always)]
    fn neg(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
    }
}

/// Relative error `<= 3 u^2` (the accurate sum of two double-doubles).
impl Add for Dd {
    type Output = Dd;
    #[inline(always)]
    fn add(self, b: Dd) -> Dd {
        let (s, e) = two_sum(self.hi, b.hi);
        let (t, f) = two_sum(self.lo, b.lo);
        let (s, e) = fast_two_sum(s, e + t);
        let (hi, lo) = fast_two_sum(s, e + f);
        Dd { hi, lo }
    }
}

impl Sub for Dd {
    type Output = Dd;
    #[inline(always)]
    fn sub(self, b: Dd) -> Dd {
        self + -b
    }
}

/// Relative error `<= 4 u^2`.
impl Mul for Dd {
    type Output = Dd;
    #[inline(always)]
    fn mul(self, b: Dd) -> Dd {
        let (p, e) = two_prod(self.hi, b.hi);
        let e = self.lo.mul_add(b.hi, self.hi.mul_add(b.lo, e));
        let (hi, lo) = fast_two_sum(p, e);
        Dd { hi, lo }
    }
}

/// Relative error `<= 10 u^2` (two corrections of the f64 quotient).
impl Div for Dd {
    type Output = Dd;
    #[inline(always)]
    fn div(self, b: Dd) -> Dd {
        let q1 = self.hi / b.hi;
        let r = self - b.mul_f64(q1);
        let q2 = r.hi / b.hi;
        let r = r - b.mul_f64(q2);
        let q3 = r.hi / b.hi;
        let (hi, lo) = fast_two_sum(q1, q2);
        Dd { hi, lo } + Dd::from_f64(q3)
    }
}

/// `y = M x` for a row-major `n x n` double-double matrix.
#[inline(always)]
pub fn dd_mat_vec(n: usize, matrix: &[Dd], x: &[Dd], y: &mut [Dd]) {
    for (row, out) in matrix.chunks_exact(n).zip(y.iter_mut()).take(n) {
        *out = row
            .iter()
            .zip(x)
            .fold(Dd::ZERO, |acc, (&m, &xk)| m.mul_add(xk, acc));
    }
}

/// `c = a b` for row-major `n x n` double-double matrices.
pub fn dd_mat_mul(n: usize, a: &[Dd], b: &[Dd], c: &mut [Dd]) {
    for (a_row, c_row) in a.chunks_exact(n).zip(c.chunks_exact_mut(n)) {
        for (col, out) in c_row.iter_mut().enumerate() {
            *out = a_row
                .iter()
                .enumerate()
                .fold(Dd::ZERO, |acc, (k, &aik)| aik.mul_add(b[k * n + col], acc));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const U2: f64 = 1.232_595_164_407_831e-32; // 2^-106

    #[test]
    fn error_free_transformations_are_exact() {
        // (1 + 2^-30)^2 = 1 + 2^-29 + 2^-60: the last term is below ulp(1) and comes back in e.
        let a = 1.0 + 2f64.powi(-30);
        assert_eq!(two_prod(a, a), (1.0 + 2f64.powi(-29), 2f64.powi(-60)));
        let (s, e) = two_sum(1e16, 1.0 + f64::EPSILON * 4.0);
        assert_eq!((s, e), (1e16 + 2.0, -1.0 + f64::EPSILON * 4.0));
    }

    #[test]
    fn one_third_times_three_is_one_to_u_squared() {
        let third = Dd::ONE / Dd::from_f64(3.0);
        let back = third.mul_f64(3.0) - Dd::ONE;
        assert!(back.hi.abs() <= 4.0 * U2, "{back:?}");
        // (1/3)^2 * 9 = 1 through a full double-double product.
        let nine = (third * third).mul_f64(9.0) - Dd::ONE;
        assert!(nine.hi.abs() <= 16.0 * U2, "{nine:?}");
    }

    #[test]
    fn sums_keep_what_f64_loses() {
        // 1 + 1e-20 - 1 = 1e-20 in double-double, 0 in f64.
        let x = Dd::ONE + Dd::from_f64(1e-20) - Dd::ONE;
        assert_eq!(x.hi, 1e-20);
        // A long sum of 0.1 (not representable): the f64 sum drifts, the double-double one does not.
        let tenth = Dd::ONE / Dd::from_f64(10.0);
        let mut total = Dd::ZERO;
        for _ in 0..1_000_000 {
            total = total + tenth;
        }
        let err = (total - Dd::from_f64(100_000.0)).hi.abs();
        assert!(err < 1e-20, "double-double sum off by {err:e}");
    }

    #[test]
    fn matrix_products_agree_with_a_known_inverse() {
        // [[2, 1], [1, 1]] [[1, -1], [-1, 2]] = I.
        let a = [2.0, 1.0, 1.0, 1.0].map(Dd::from_f64);
        let b = [1.0, -1.0, -1.0, 2.0].map(Dd::from_f64);
        let mut c = [Dd::ZERO; 4];
        dd_mat_mul(2, &a, &b, &mut c);
        assert_eq!(c.map(Dd::to_f64), [1.0, 0.0, 0.0, 1.0]);
        let mut y = [Dd::ZERO; 2];
        dd_mat_vec(2, &a, &[Dd::ONE, Dd::from_f64(-1.0)], &mut y);
        assert_eq!(y.map(Dd::to_f64), [1.0, 0.0]);
    }
}
