//! Peaceman-Rachford ADI on the CPU: `(1 - r/2 dxx) u* = (1 + r/2 dyy) u`, then
//! `(1 - r/2 dyy) u' = (1 + r/2 dxx) u*`; cyclic systems when periodic, Dirichlet systems on the
//! interior (edge terms moved to the right side) otherwise.
//!
//! One routine does both half-steps. A half-step reads a field stored `nk x ns` (row k = position
//! along the implicit direction, column s = system index), forms the right side along the
//! explicit direction, which is the contiguous one (`rhs[k][s] = f + r/2 (f[s-1] - 2f + f[s+1])`),
//! solves the systems along k for a strip of `STRIP` neighbouring systems at once (the
//! recurrences vectorised across systems, loads contiguous), and writes the result transposed,
//! `ns x nk`. The output is then the next half-step's input, with the roles of x and y swapped:
//! the state between steps is stored transposed (`[j][i]`, `nx x ny`), transposed once on entry
//! and at every read-out.
//!
//! Fused passes: the right side is formed inside the forward sweep; the cyclic (Sherman-Morrison)
//! correction is applied inside the back substitution (`linalg::cyclic_factored`); the transposed
//! write-out reads the strip's solution from cache. The factorisations are computed once.
//!
//! Bytes per point-step (f64): each half-step reads the field once and writes it once: 2 x 16 B
//! = 32 B, the minimum for two sweeps that each need the whole field. The strip's forward values
//! (`STRIP x nk` reals, 512 KiB at nk = 4096) stay in the core's L2 for the back substitution.

use super::march::Marcher2d;
use super::params::{Diffusion2D, Scheme};
use super::team::{field_vec, run_team, share, team_size, PingPong};
use crate::error::{HeatError, Result};
use crate::linalg::cyclic_factored::CyclicFactored;
use crate::precision::Precision;

/// Systems solved together: four AVX2 vectors of recurrences in flight.
pub const STRIP: usize = 16;
#[cfg(target_arch = "x86_64")]
const _: () = assert!(STRIP == super::adi_avx2::WIDTH);

/// Bytes of one thread's scratch for a grid.
pub fn scratch_bytes(ny: usize, nx: usize) -> usize {
    8 * (STRIP * ny.max(nx) + 2 * STRIP)
}

/// One half-step's geometry: input `nk x ns`, output `ns x nk`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Sweep {
    pub nk: usize,
    pub ns: usize,
    pub half_r: f64,
    pub periodic: bool,
    pub edge: f64,
}

/// Known edge neighbours of unknown `q` of `n` (Dirichlet, first and last unknowns), moved to
/// the right side: `r/2 edge` for each.
#[inline(always)]
pub(super) fn edge_term(sw: &Sweep, n: usize, q: usize) -> f64 {
    match (sw.periodic, n == 1, q == 0 || q + 1 == n) {
        (false, true, _) => 2.0 * sw.half_r * sw.edge,
        (false, false, true) => sw.half_r * sw.edge,
        _ => 0.0,
    }
}

/// An ADI march on the CPU.
pub struct CpuAdi {
    problem: Diffusion2D,
    /// The state, transposed (`nx x ny`), and the intermediate field `u*` (`ny x nx`).
    fields: [Vec<f64>; 2],
    done: usize,
    /// Systems along x (n = nx, or nx - 2 interior unknowns) and along y.
    along_x: CyclicFactored,
    along_y: CyclicFactored,
    /// Per thread: the strip's forward values, then correction factors and back-substitution values.
    scratch: Vec<Vec<f64>>,
}

impl CpuAdi {
    /// Validates, then allocates the fields, the factorisations and the per-thread scratch.
    /// `initial` is row-major `ny x nx`; Dirichlet edges are set to the edge value.
    pub fn new(problem: &Diffusion2D, initial: &[f64], threads: usize) -> Result<CpuAdi> {
        problem.validate()?;
        if problem.scheme != Scheme::Adi {
            return Err(HeatError::invalid(
                "scheme",
                "explicit",
                "CpuAdi runs --scheme adi",
            ));
        }
        problem.check_field(initial, Precision::F64)?;
        let (along_x, along_y) = factorisations(problem)?;
        let threads = team_size(threads, problem.ny.min(problem.nx));
        let mut start = field_vec(initial.len());
        start.copy_from_slice(initial);
        problem.apply_boundary(&mut start);
        let mut state = field_vec(start.len());
        transpose(&start, problem.ny, problem.nx, &mut state);
        let scratch_len = STRIP * problem.ny.max(problem.nx) + 2 * STRIP;
        Ok(CpuAdi {
            problem: problem.clone(),
            fields: [state, start],
            done: 0,
            along_x,
            along_y,
            scratch: vec![vec![0.0; scratch_len]; threads],
        })
    }

    pub fn threads(&self) -> usize {
        self.scratch.len()
    }
}

/// The two constant matrices `1 + r` on the diagonal, `-r/2` beside it, cyclic when periodic
/// (n = nx, ny) or on the interior (nx - 2, ny - 2) when Dirichlet.
pub fn factorisations(problem: &Diffusion2D) -> Result<(CyclicFactored, CyclicFactored)> {
    let r = problem.r();
    let periodic = problem.is_periodic();
    let unknowns = |n: usize| if periodic { n } else { n - 2 };
    let make = |n: usize| {
        CyclicFactored::new(unknowns(n), -0.5 * r, 1.0 + r, -0.5 * r, periodic)
            .map_err(HeatError::from)
    };
    Ok((make(problem.nx)?, make(problem.ny)?))
}

/// `out[j][i] = field[i][j]` for a `rows x cols` field, in cache-sized tiles.
pub fn transpose(field: &[f64], rows: usize, cols: usize, out: &mut [f64]) {
    const TILE: usize = 32;
    assert!(field.len() == rows * cols && out.len() == rows * cols);
    for i0 in (0..rows).step_by(TILE) {
        for j0 in (0..cols).step_by(TILE) {
            for i in i0..(i0 + TILE).min(rows) {
                for j in j0..(j0 + TILE).min(cols) {
                    out[j * rows + i] = field[i * cols + j];
                }
            }
        }
    }
}

impl Marcher2d for CpuAdi {
    fn problem(&self) -> &Diffusion2D {
        &self.problem
    }

    fn steps_done(&self) -> usize {
        self.done
    }

    fn advance(&mut self, steps: usize) -> Result<()> {
        if steps == 0 {
            return Ok(());
        }
        let p = &self.problem;
        let sweep = |nk, ns| Sweep {
            nk,
            ns,
            half_r: 0.5 * p.r(),
            periodic: p.is_periodic(),
            edge: p.edge,
        };
        // Half-step 1 solves along x: input [j][i] (nk = nx), output [i][j]; half-step 2 back.
        let halves = [
            (sweep(p.nx, p.ny), &self.along_x),
            (sweep(p.ny, p.nx), &self.along_y),
        ];
        let shared = PingPong::new(&mut self.fields);
        let threads = self.scratch.len();
        run_team(&mut self.scratch, |t, scratch, barrier| {
            for _ in 0..steps {
                for (half, (sw, solver)) in halves.iter().enumerate() {
                    // SAFETY: field `half` is only read in this pass; each thread writes its own
                    // output rows (systems) of the other; the barrier separates passes.
                    unsafe {
                        sweep_systems(sw, solver, &shared, half, share(sw.ns, threads, t), scratch)
                    };
                    barrier.wait();
                }
            }
        });
        self.done += steps;
        Ok(())
    }

    fn read_field(&mut self, out: &mut [f64]) -> Result<()> {
        transpose(&self.fields[0], self.problem.nx, self.problem.ny, out);
        Ok(())
    }
}

/// Solves the systems `systems` of a half-step from field `from` into field `1 - from`.
///
/// # Safety
/// No thread writes field `from`, and no other thread touches output rows `systems`.
unsafe fn sweep_systems(
    sw: &Sweep,
    solver: &CyclicFactored,
    shared: &PingPong,
    from: usize,
    systems: std::ops::Range<usize>,
    scratch: &mut [f64],
) {
    let (nk, ns) = (sw.nk, sw.ns);
    let src = unsafe { shared.source(from) };
    let out = unsafe { shared.part(1 - from, systems.start * nk..systems.end * nk) };
    let (mut lo, mut hi) = (systems.start, systems.end);
    if !sw.periodic {
        // Edge systems (s = 0, ns - 1) hold the edge value.
        if lo == 0 {
            out[..nk].fill(sw.edge);
            lo = 1;
        }
        if hi == ns && hi > lo {
            out[(ns - 1 - systems.start) * nk..].fill(sw.edge);
            hi = ns - 1;
        }
    }
    let mut s = lo;
    while s < hi {
        let width = match hi - s {
            left if left >= STRIP => STRIP,
            left if left >= 4 => 4,
            _ => 1,
        };
        let rows = &mut out[(s - systems.start) * nk..(s - systems.start + width) * nk];
        #[cfg(target_arch = "x86_64")]
        if width == STRIP && s >= 1 && s + STRIP < ns && std::arch::is_x86_feature_detected!("avx2")
        {
            // SAFETY: the CPU has AVX2; the strip is off the wrap-around edge.
            unsafe { super::adi_avx2::strip16(sw, solver, src, s, scratch, rows) };
            s += width;
            continue;
        }
        match width {
            STRIP => strip::<STRIP>(sw, solver, src, s, scratch, rows),
            4 => strip::<4>(sw, solver, src, s, scratch, rows),
            _ => strip::<1>(sw, solver, src, s, scratch, rows),
        }
        s += width;
    }
}

/// `W` systems starting at `s0`: forward sweep with the right side formed on the fly, back
/// substitution with the cyclic correction, transposed write into `out` (`W` rows of `nk`).
#[inline(always)]
fn strip<const W: usize>(
    sw: &Sweep,
    solver: &CyclicFactored,
    src: &[f64],
    s0: usize,
    scratch: &mut [f64],
    out: &mut [f64],
) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        fn avx2<const W: usize>(
            sw: &Sweep,
            solver: &CyclicFactored,
            src: &[f64],
            s0: usize,
            scratch: &mut [f64],
            out: &mut [f64],
        ) {
            strip_portable::<W>(sw, solver, src, s0, scratch, out)
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            return unsafe { avx2::<W>(sw, solver, src, s0, scratch, out) };
        }
    }
    strip_portable::<W>(sw, solver, src, s0, scratch, out)
}

/// Rows ahead whose strip segment the forward sweep prefetches: consecutive rows of a strip lie
/// `ns` reals apart, on different pages, where the hardware prefetchers do not follow.
pub(super) const PREFETCH_ROWS: usize = 12;

/// Asks for `src[at - 1 .. at + width + 1]` to be brought into cache (nothing past the end).
#[inline(always)]
pub(super) fn prefetch_strip(src: &[f64], at: usize, width: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let end = (at + width + 1).min(src.len());
        let mut k = at.saturating_sub(1);
        while k < end {
            // SAFETY: a prefetch of an address inside `src`; it never faults.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(src.as_ptr().add(k).cast()) };
            k += 8;
        }
        if k < end + 7 && end > 0 {
            // SAFETY: as above (the last element, whose line the stride may have skipped).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(src.as_ptr().add(end - 1).cast()) };
        }
    }
}

/// Rows of the back substitution collected before their transposed write-out (one cache line
/// of each output row).
const TILE: usize = 8;

#[inline(always)]
fn strip_portable<const W: usize>(
    sw: &Sweep,
    solver: &CyclicFactored,
    src: &[f64],
    s0: usize,
    scratch: &mut [f64],
    out: &mut [f64],
) {
    let (nk, ns, hr) = (sw.nk, sw.ns, sw.half_r);
    let n = solver.n();
    // Unknown q sits at row k = q + first of the field.
    let first = if sw.periodic { 0 } else { 1 };
    let (f, g, z) = (solver.factors(), solver.first_row(), solver.correction());
    let forward = &mut scratch[..W * n];
    let interior = s0 >= 1 && s0 + W < ns;
    let mut dot = [0.0; W];
    let mut prev = [0.0; W];
    for q in 0..n {
        let row = &src[(q + first) * ns..(q + first + 1) * ns];
        prefetch_strip(src, (q + first + PREFETCH_ROWS) * ns + s0, W);
        let mut rhs = [0.0; W];
        if interior {
            let seg: &[f64; W] = row[s0..s0 + W].try_into().expect("W");
            let left: &[f64; W] = row[s0 - 1..s0 - 1 + W].try_into().expect("W");
            let right: &[f64; W] = row[s0 + 1..s0 + 1 + W].try_into().expect("W");
            for w in 0..W {
                let c = seg[w];
                rhs[w] = c + hr * (left[w] - 2.0 * c + right[w]);
            }
        } else {
            for (w, rhs) in rhs.iter_mut().enumerate() {
                let s = s0 + w;
                let c = row[s];
                let left = row[if s == 0 { ns - 1 } else { s - 1 }];
                let right = row[if s + 1 == ns { 0 } else { s + 1 }];
                *rhs = c + hr * (left - 2.0 * c + right);
            }
        }
        // Known edge neighbours (Dirichlet, first and last unknowns) move to the right side.
        let known = edge_term(sw, n, q);
        let (l, inv_pivot, g_q) = (f[3 * q], f[3 * q + 1], g[q]);
        let stored: &mut [f64; W] = (&mut forward[q * W..(q + 1) * W]).try_into().expect("W");
        for w in 0..W {
            let b = rhs[w] + known;
            prev[w] = (b - l * prev[w]) * inv_pivot;
            dot[w] += g_q * b;
            stored[w] = prev[w];
        }
    }
    // Cyclic correction factors (zero when plain); back substitution from the last unknown.
    let (ratio, inv_den) = (solver.corner_ratio(), solver.inv_denominator());
    let mut corr = [0.0; W];
    for w in 0..W {
        corr[w] = (dot[w] + ratio * prev[w]) * inv_den;
    }
    let mut y_next = prev;
    let mut tile = [[0.0; W]; TILE];
    let mut q_end = n;
    while q_end > 0 {
        let q_start = q_end.saturating_sub(TILE);
        for q in (q_start..q_end).rev() {
            let (c, z_q) = (f[3 * q + 2], z[q]);
            let stored: &[f64; W] = forward[q * W..(q + 1) * W].try_into().expect("W");
            let x = &mut tile[q - q_start];
            for w in 0..W {
                // The last unknown has c = 0 (no super-diagonal), so y = its forward value.
                let y = if q + 1 == n {
                    stored[w]
                } else {
                    stored[w] - c * y_next[w]
                };
                y_next[w] = y;
                x[w] = y - corr[w] * z_q;
            }
        }
        for (w, out_row) in out.chunks_exact_mut(nk).enumerate() {
            let dst = &mut out_row[first + q_start..first + q_end];
            for (x, t) in dst.iter_mut().zip(&tile) {
                *x = t[w];
            }
        }
        q_end = q_start;
    }
    if !sw.periodic {
        for out_row in out.chunks_exact_mut(nk) {
            out_row[0] = sw.edge;
            out_row[nk - 1] = sw.edge;
        }
    }
}
