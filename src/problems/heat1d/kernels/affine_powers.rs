//! Accurate powers of the one-step map of the linear theta scheme (beta = 0, constant
//! coefficients), for solving all time levels at once by blocks.
//!
//! **Deviation form.** With `T_s` the discrete steady state (the straight line between the
//! boundary values: `D2 T_s = 0`), the deviation `d[i] = T[i] - T_s` (interior points, zero on
//! the boundary) obeys the homogeneous recurrence `d[i+1] = M d[i]`, `M = -A^{-1} B`, where
//! `A = theta a D2 - 1/dt` and `B = (1 - theta) a D2 + 1/dt` are the scheme's tridiagonal
//! blocks on the `m = nx - 2` interior points. No offset `c` is applied, so none can pile up:
//! an affine map `T -> M T + c` with rounded `M`, `c` converges to the fixed point of the
//! rounded map, `(I - M)^{-1} (dM T + dc)` away from the true one, amplified by
//! `1 / (1 - g_1) ~ 4e5` with the users' numbers. Hence `T[i] = T_s + M^i d[0]`.
//!
//! **Blocks.** Levels are grouped in blocks of `K` ([`AffinePowers::block_levels`]) and blocks
//! in groups of `S` ([`AffinePowers::group_blocks`]). Group starts follow by a short chain
//! `D[g+1] = M^{SK} D[g]` in double-double; block `b = g S + t` starts at
//! `d_b = M^{tK} D[g]` (f64) and its levels are `d_{bK+j} = M^j d_b`, j < K (f64): every
//! level is a few independent mat-vecs away from a group start, with no per-level chain.
//!
//! **Rounding.** `u = 2^-53`. The scheme's coefficients are formed exactly in double-double
//! from the f64 parameters (`a`, `1/dt`, `theta`): their f64 rounding alone would perturb
//! `1 - g_1` by `u / (4 r s_1) ~ 5e-11` relatively (the `1/dt` terms cancel in `1 - g`) and
//! with it every level. `M` comes from a double-double Thomas solve (error `O(m u^2)`); the
//! powers by repeated double-double products. `M` is symmetric (A and B are commuting
//! symmetric Toeplitz matrices) with eigenvalues `g_k` in [-1, 1] under the scheme's stability
//! condition, so `||M^j||_2 <= 1` and a rounding error made at step i is never amplified by
//! later products: `||fl(M^j) - M^j||_2 <= j c m^2 u^2` (c a small constant), i.e. below
//! `1e-25` for any j here. The powers used in f64 are then rounded once (`0.5 u` per entry,
//! never compounded), and the group chain adds `O(m^2 u^2)` per group. A written level is
//! `T_s + P d` with `P` an f64 power and `d` an f64 start, so its error is bounded by about
//! `(m + 3) u max(|T_s|, |T|)` (about 1e-13 K at 60 K), the same at every level: it does not
//! grow with nt. (The step-by-step Thomas march, by comparison, adds an unsigned rounding error
//! at every level.)
//!
//! Memory: `m (K - 1) nx` reals of in-block powers (the `K` is chosen to keep them within L2),
//! `(S - 1) m^2` of block powers, `m^2` double-doubles for the chain map.

use super::params::HeatParams;
use crate::linalg::double_double::Dd;

/// A square double-double matrix, column-major, split into `hi` and `lo` planes so that the
/// column updates of a product run on whole vectors.
#[derive(Clone, Debug, PartialEq)]
pub struct DdMatrix {
    n: usize,
    hi: Vec<f64>,
    lo: Vec<f64>,
}

impl DdMatrix {
    pub fn zeros(n: usize) -> DdMatrix {
        DdMatrix {
            n,
            hi: vec![0.0; n * n],
            lo: vec![0.0; n * n],
        }
    }

    pub fn identity(n: usize) -> DdMatrix {
        let mut m = DdMatrix::zeros(n);
        for k in 0..n {
            m.hi[k * n + k] = 1.0;
        }
        m
    }

    pub fn n(&self) -> usize {
        self.n
    }

    /// Entry (row r, column c).
    pub fn at(&self, r: usize, c: usize) -> Dd {
        let k = c * self.n + r;
        Dd {
            hi: self.hi[k],
            lo: self.lo[k],
        }
    }

    fn set(&mut self, r: usize, c: usize, x: Dd) {
        let k = c * self.n + r;
        (self.hi[k], self.lo[k]) = (x.hi, x.lo);
    }

    /// Entry (r, c) rounded to f64.
    pub fn at_f64(&self, r: usize, c: usize) -> f64 {
        self.hi[c * self.n + r]
    }

    /// `out = self b` (`out` must not alias either factor).
    pub fn mul_into(&self, b: &DdMatrix, out: &mut DdMatrix) {
        assert!(b.n == self.n && out.n == self.n, "matrix sizes must agree");
        with_fma(|| dd_matrix_product(self, b, out));
    }

    /// `y = self x` in double-double.
    pub fn mul_vec(&self, x: &[Dd], y: &mut [Dd]) {
        assert!(
            x.len() == self.n && y.len() == self.n,
            "vector length must be n"
        );
        with_fma(|| dd_matrix_vector(self, x, y));
    }
}

/// Runs `f` compiled for AVX2 + FMA where the CPU has them (the double-double kernels below are
/// `#[inline(always)]`, so they are compiled into that function), portably otherwise. Results
/// are identical: `mul_add` is the correctly rounded FMA either way.
#[inline(always)]
fn with_fma<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2,fma")]
        fn fast<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has AVX2 and FMA.
            return unsafe { fast(f) };
        }
    }
    f()
}

/// `acc[r] += a[r] s` on whole planes: the lanes are independent, so this vectorises.
#[inline(always)]
fn dd_axpy(a_hi: &[f64], a_lo: &[f64], s: Dd, acc_hi: &mut [f64], acc_lo: &mut [f64]) {
    let n = acc_hi.len();
    let (a_hi, a_lo, acc_lo) = (&a_hi[..n], &a_lo[..n], &mut acc_lo[..n]);
    for r in 0..n {
        let a = Dd {
            hi: a_hi[r],
            lo: a_lo[r],
        };
        let sum = a.mul_add(
            s,
            Dd {
                hi: acc_hi[r],
                lo: acc_lo[r],
            },
        );
        (acc_hi[r], acc_lo[r]) = (sum.hi, sum.lo);
    }
}

#[inline(always)]
fn dd_matrix_product(a: &DdMatrix, b: &DdMatrix, out: &mut DdMatrix) {
    let n = a.n;
    for col in 0..n {
        let (out_hi, out_lo) = (
            &mut out.hi[col * n..(col + 1) * n],
            &mut out.lo[col * n..(col + 1) * n],
        );
        out_hi.fill(0.0);
        out_lo.fill(0.0);
        for k in 0..n {
            let s = b.at(k, col);
            let range = k * n..(k + 1) * n;
            dd_axpy(&a.hi[range.clone()], &a.lo[range], s, out_hi, out_lo);
        }
    }
}

#[inline(always)]
fn dd_matrix_vector(a: &DdMatrix, x: &[Dd], y: &mut [Dd]) {
    let n = a.n;
    let (mut hi, mut lo) = ([0.0; MAX_INTERIOR], [0.0; MAX_INTERIOR]);
    for (k, &xk) in x.iter().enumerate() {
        let range = k * n..(k + 1) * n;
        dd_axpy(
            &a.hi[range.clone()],
            &a.lo[range],
            xk,
            &mut hi[..n],
            &mut lo[..n],
        );
    }
    for (r, out) in y.iter_mut().enumerate() {
        *out = Dd {
            hi: hi[r],
            lo: lo[r],
        };
    }
}

/// Zeros after the in-block powers and their base, so that a register tile of up to this many
/// values may run past the last level row (the fused CPU solve's tail tile).
pub const LEVEL_PAD: usize = 64;

/// Interior points the blocked scheme handles: beyond, dense `m x m` powers cost more than the
/// `O(m)` Thomas march they replace.
pub const MAX_INTERIOR: usize = 32;

/// The scheme's tridiagonal blocks on the interior, formed exactly in double-double:
/// `A = tridiag(new_off, new_diag, new_off)`, `B = tridiag(old_off, old_diag, old_off)`.
#[derive(Clone, Copy, Debug)]
pub struct DdStencil {
    pub new_off: Dd,
    pub new_diag: Dd,
    pub old_off: Dd,
    pub old_diag: Dd,
}

impl DdStencil {
    /// `new = [theta a, -2 theta a - 1/dt, theta a]`, `old = [(1-theta) a, -2 (1-theta) a + 1/dt,
    /// (1-theta) a]`, each to `u^2` relative of the value the f64 parameters define.
    pub fn new(p: &HeatParams) -> DdStencil {
        let theta_a = Dd::prod_exact(p.theta, p.a);
        let one_minus_theta_a = Dd::sum_exact(1.0, -p.theta).mul_f64(p.a);
        let inv_dt = Dd::from_f64(p.inv_dt);
        DdStencil {
            new_off: theta_a,
            new_diag: theta_a.mul_f64(-2.0) - inv_dt,
            old_off: one_minus_theta_a,
            old_diag: one_minus_theta_a.mul_f64(-2.0) + inv_dt,
        }
    }
}

/// The one-step map `M = -A^{-1} B` of the deviation form, by a double-double Thomas solve per
/// column (A is strictly diagonally dominant: `|new_diag| = 2 theta a + 1/dt > 2 |new_off|`).
pub fn one_step_map(p: &HeatParams) -> DdMatrix {
    let m = p.interior();
    let s = DdStencil::new(p);
    // Forward elimination of A is the same for every column: c'_j and 1 / pivot_j.
    let mut c_prime = vec![Dd::ZERO; m];
    let mut inv_pivot = vec![Dd::ZERO; m];
    for j in 0..m {
        let pivot = if j == 0 {
            s.new_diag
        } else {
            s.new_diag - s.new_off * c_prime[j - 1]
        };
        inv_pivot[j] = Dd::ONE / pivot;
        c_prime[j] = s.new_off * inv_pivot[j];
    }
    let mut map = DdMatrix::zeros(m);
    let mut x = vec![Dd::ZERO; m];
    for k in 0..m {
        // Right side -B e_k: -old_diag at k, -old_off at k +- 1.
        let rhs = |j: usize| {
            if j == k {
                -s.old_diag
            } else if j + 1 == k || j == k + 1 {
                -s.old_off
            } else {
                Dd::ZERO
            }
        };
        for j in 0..m {
            let carried = if j == 0 {
                Dd::ZERO
            } else {
                s.new_off * x[j - 1]
            };
            x[j] = (rhs(j) - carried) * inv_pivot[j];
        }
        for j in (0..m.saturating_sub(1)).rev() {
            x[j] = x[j] - c_prime[j] * x[j + 1];
        }
        for (r, &value) in x.iter().enumerate() {
            map.set(r, k, value);
        }
    }
    map
}

/// The discrete steady state on all `nx` points: `T_s[x] = t_x0 + (t_xl - t_x0) x / (nx - 1)`,
/// in double-double (the boundary values exactly).
pub fn steady_state(p: &HeatParams) -> Vec<Dd> {
    let nx = p.nx();
    let rise = Dd::sum_exact(p.t_xl, -p.t_x0);
    let span = Dd::from_f64((nx - 1) as f64);
    (0..nx)
        .map(|x| match x {
            0 => Dd::from_f64(p.t_x0),
            _ if x == nx - 1 => Dd::from_f64(p.t_xl),
            _ => Dd::from_f64(p.t_x0) + rise.mul_f64(x as f64) / span,
        })
        .collect()
}

/// Everything the blocked solve reads: the powers of the one-step map in the layouts its
/// kernels want, and the chain of group starts.
#[derive(Clone, Debug)]
pub struct AffinePowers {
    nx: usize,
    interior: usize,
    block_levels: usize,
    group_blocks: usize,
    /// `T_s` rounded to f64 (boundary values exact).
    steady: Vec<f64>,
    /// In-block powers as level rows: column c of `M^j` for j = 1..K-1, at
    /// `level_powers[c (K-1) nx + (j-1) nx + x]` = `M^j[x-1][c]` (0 on boundary points x = 0, nx-1),
    /// then [`LEVEL_PAD`] zeros.
    level_powers: Vec<f64>,
    /// `T_s` repeated K-1 times, the base of the level rows, then [`LEVEL_PAD`] zeros.
    level_base: Vec<f64>,
    /// `M^{tK}` for t = 1..S-1, row-major, at `block_powers[(t-1) m^2 + r m + c]`.
    block_powers: Vec<f64>,
    /// `M^{SK}`, the chain map of group starts.
    group_map: DdMatrix,
}

impl AffinePowers {
    /// Powers for blocks of `block_levels` (>= 1) levels in groups of `group_blocks` (>= 1)
    /// blocks. `None` unless the problem is linear with at most [`MAX_INTERIOR`] interior points.
    pub fn new(p: &HeatParams, block_levels: usize, group_blocks: usize) -> Option<AffinePowers> {
        let (nx, m) = (p.nx(), p.interior());
        if !p.is_linear() || m > MAX_INTERIOR || block_levels == 0 || group_blocks == 0 {
            return None;
        }
        let k_levels = block_levels;
        let map = one_step_map(p);
        let steady: Vec<f64> = steady_state(p).into_iter().map(Dd::to_f64).collect();

        // M^j for j = 1..K: level rows for j < K, and M^K for the block powers.
        let rows = (k_levels - 1) * nx;
        let mut level_powers = vec![0.0; m * rows + LEVEL_PAD];
        let mut power = map.clone();
        let mut next = DdMatrix::zeros(m);
        for j in 1..k_levels {
            for c in 0..m {
                let column = &mut level_powers[c * rows + (j - 1) * nx..][..nx];
                for r in 0..m {
                    column[r + 1] = power.at_f64(r, c);
                }
            }
            map.mul_into(&power, &mut next);
            std::mem::swap(&mut power, &mut next);
        }
        let step_k = power;
        // M^{tK} for t = 1..S.
        let mut block_powers = vec![0.0; (group_blocks - 1) * m * m];
        let mut power = step_k.clone();
        for t in 1..group_blocks {
            for r in 0..m {
                for c in 0..m {
                    block_powers[(t - 1) * m * m + r * m + c] = power.at_f64(r, c);
                }
            }
            step_k.mul_into(&power, &mut next);
            std::mem::swap(&mut power, &mut next);
        }
        Some(AffinePowers {
            nx,
            interior: m,
            block_levels: k_levels,
            group_blocks,
            level_base: [steady.repeat(k_levels - 1), vec![0.0; LEVEL_PAD]].concat(),
            steady,
            level_powers,
            block_powers,
            group_map: power,
        })
    }

    pub fn nx(&self) -> usize {
        self.nx
    }

    pub fn interior(&self) -> usize {
        self.interior
    }

    /// K: levels per block (a block starts at a multiple of K).
    pub fn block_levels(&self) -> usize {
        self.block_levels
    }

    /// S: blocks per group (a group starts at a multiple of S K).
    pub fn group_blocks(&self) -> usize {
        self.group_blocks
    }

    pub fn steady(&self) -> &[f64] {
        &self.steady
    }

    pub fn level_powers(&self) -> &[f64] {
        &self.level_powers
    }

    pub fn level_base(&self) -> &[f64] {
        &self.level_base
    }

    pub fn block_powers(&self) -> &[f64] {
        &self.block_powers
    }

    /// The group starts `D[g]` (interior deviations) for levels `g S K` up to `nt - 1`, in
    /// double-double, `m` per group: the only sequential part, `(nt - 1) / (S K) + 1` mat-vecs.
    pub fn group_starts(&self, p: &HeatParams) -> Vec<Dd> {
        let m = self.interior;
        let steady = steady_state(p);
        let groups = (p.nt() - 1) / (self.block_levels * self.group_blocks) + 1;
        let mut starts = vec![Dd::ZERO; groups * m];
        for (d, s) in starts[..m].iter_mut().zip(&steady[1..]) {
            *d = Dd::from_f64(p.t_t0) - *s;
        }
        for g in 1..groups {
            let (done, rest) = starts.split_at_mut(g * m);
            self.group_map.mul_vec(&done[(g - 1) * m..], &mut rest[..m]);
        }
        starts
    }
}

/// The start deviation `d_b` (interior, f64) of block `b`: the group start itself for the first
/// block of a group, `M^{tK} D[g]` for the t-th. `group_starts` holds the f64 group starts.
#[inline(always)]
pub fn block_start(powers: &AffinePowers, group_starts: &[f64], b: usize, d: &mut [f64]) {
    let m = powers.interior;
    let (g, t) = (b / powers.group_blocks, b % powers.group_blocks);
    let start = &group_starts[g * m..(g + 1) * m];
    if t == 0 {
        d[..m].copy_from_slice(start);
        return;
    }
    let matrix = &powers.block_powers[(t - 1) * m * m..t * m * m];
    for (row, out) in matrix.chunks_exact(m).zip(d.iter_mut()) {
        *out = row.iter().zip(start).fold(0.0, |acc, (q, x)| acc + q * x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::heat1d::params::Heat1D;

    fn params(theta: f64, nx: usize) -> HeatParams {
        HeatParams::new(&Heat1D {
            theta,
            nx,
            nt: 1001,
            ..Heat1D::default()
        })
    }

    /// Columns of M solve A x = -B e_k: check the residual in double-double.
    #[test]
    fn map_solves_the_scheme_to_double_double_accuracy() {
        for theta in [0.0, 0.3, 0.5, 1.0] {
            let p = params(theta, 11);
            let (m, s) = (p.interior(), DdStencil::new(&p));
            let map = one_step_map(&p);
            for k in 0..m {
                for j in 0..m {
                    let at = |r: usize| if r < m { map.at(r, k) } else { Dd::ZERO };
                    let mut lhs = s.new_diag * at(j) + s.new_off * at(j + 1);
                    if j > 0 {
                        lhs = lhs + s.new_off * at(j - 1);
                    }
                    let rhs = if j == k {
                        -s.old_diag
                    } else if j + 1 == k || j == k + 1 {
                        -s.old_off
                    } else {
                        Dd::ZERO
                    };
                    let defect = (lhs - rhs).hi.abs();
                    assert!(defect <= 1e-26 * p.inv_dt, "theta={theta}: {defect:e}");
                }
            }
        }
    }

    #[test]
    fn steady_state_is_fixed_by_the_stencil() {
        let p = params(0.5, 34);
        let s = DdStencil::new(&p);
        let t = steady_state(&p);
        for j in 1..p.nx() - 1 {
            let row =
                (s.new_off + s.old_off) * (t[j - 1] + t[j + 1]) + (s.new_diag + s.old_diag) * t[j];
            assert!(row.hi.abs() <= 1e-27 * p.inv_dt, "row {j}: {row:?}");
        }
    }

    #[test]
    fn powers_compose() {
        let p = params(1.0, 7);
        let (k, s) = (5, 3);
        let powers = AffinePowers::new(&p, k, s).unwrap();
        let m = p.interior();
        // M^{2K} from the block powers against M^{K-1} M^{K+1} built independently.
        let map = one_step_map(&p);
        let mut direct = DdMatrix::identity(m);
        let mut next = DdMatrix::zeros(m);
        for _ in 0..2 * k {
            map.mul_into(&direct, &mut next);
            std::mem::swap(&mut direct, &mut next);
        }
        for r in 0..m {
            for c in 0..m {
                assert_eq!(
                    powers.block_powers()[m * m + r * m + c],
                    direct.at_f64(r, c)
                );
            }
        }
        // Level rows: M^2, column 1, point x = r + 1.
        let rows = (k - 1) * p.nx();
        let mut square = DdMatrix::zeros(m);
        map.mul_into(&map, &mut square);
        for r in 0..m {
            assert_eq!(
                powers.level_powers()[rows + p.nx() + r + 1],
                square.at_f64(r, 1)
            );
        }
        assert!(AffinePowers::new(&params(1.0, 35), k, s).is_none());
    }
}
