//! Peaceman-Rachford ADI on the CPU: `(1 - r/2 dxx) u* = (1 + r/2 dyy) u`, then
//! `(1 - r/2 dyy) u' = (1 + r/2 dxx) u*`; cyclic systems when periodic, Dirichlet systems on the
//! interior (edge terms moved to the right side) otherwise.
//!
//! One routine does both half-steps. A half-step reads a field of `nk` rows (k: position along
//! the implicit direction) and `ns` columns (s: system index), forms the right side along s
//! (`rhs = f + r/2 ((f[s-1] - 2f) + f[s+1])`), solves the systems along k sixteen at a time (the
//! recurrences vectorised across systems), and writes the result with rows and columns swapped:
//! the output is the next half-step's input, with the roles of x and y exchanged. The state
//! between steps is therefore stored transposed (`nx` rows of `ny`).
//!
//! Panel layout: a field of R rows and C columns is stored as `ceil(C / 16)` panels of 16
//! columns, each panel contiguous: element (k, s) at `((s / 16) R + k) 16 + s % 16`. A strip of
//! 16 systems is then one contiguous panel (its neighbours' halo columns are the adjacent panels),
//! and the 16 x 16 block of the output that a strip fills for 16 consecutive k is one contiguous
//! 2 KiB tile, written with non-temporal stores. Every access streams; no row ever crosses a
//! page the hardware prefetchers would not follow.
//!
//! Fused passes: the right side is formed inside the forward sweep; the cyclic (Sherman-Morrison)
//! correction is applied inside the back substitution (`linalg::cyclic_factored`); the transpose
//! happens in registers on the way out. The factorisations are computed once.
//!
//! Bytes per point-step (f64): each half-step reads the field once and writes it once: 2 x 16 B
//! = 32 B, the minimum for two sweeps that each need the whole field. The strip's forward values
//! (`16 nk` reals, 512 KiB at nk = 4096) stay in the core's L2 for the back substitution.

use super::march::Marcher2d;
use super::params::{Diffusion2D, Scheme};
use super::team::{run_team, share, team_size, AlignedField, PingPong};
use crate::error::{Error, Result};
use crate::linalg::cyclic_factored::CyclicFactored;
use crate::precision::Precision;

/// Columns of a panel, and systems solved together (four AVX2 vectors).
pub const PANEL: usize = 16;

/// Bytes of one thread's scratch for a grid.
pub fn scratch_bytes(ny: usize, nx: usize) -> usize {
    8 * PANEL * ny.max(nx)
}

/// Reals of a `rows x cols` field in the panel layout.
pub fn panel_len(rows: usize, cols: usize) -> usize {
    cols.div_ceil(PANEL) * PANEL * rows
}

/// Where element (k, s) of a field of `rows` rows lives in the panel layout.
#[inline(always)]
pub fn panel_index(rows: usize, k: usize, s: usize) -> usize {
    ((s / PANEL) * rows + k) * PANEL + s % PANEL
}

/// One half-step's geometry: input `nk x ns`, output `ns x nk`, both in panels.
#[derive(Clone, Copy, Debug)]
pub(super) struct Sweep {
    pub nk: usize,
    pub ns: usize,
    pub half_r: f64,
    pub periodic: bool,
    pub edge: f64,
}

impl Sweep {
    /// Unknowns per system and the row of the first one.
    pub fn unknowns(&self) -> (usize, usize) {
        if self.periodic {
            (self.nk, 0)
        } else {
            (self.nk - 2, 1)
        }
    }
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
    /// The state (`nx x ny`, panels over y) and the intermediate field `u*` (`ny x nx`, panels
    /// over x), each in a buffer long enough for either.
    fields: [AlignedField; 2],
    done: usize,
    /// Systems along x (n = nx, or nx - 2 interior unknowns) and along y.
    along_x: CyclicFactored,
    along_y: CyclicFactored,
    /// Per thread: a strip's forward values.
    scratch: Vec<Vec<f64>>,
}

impl CpuAdi {
    /// Validates, then allocates the fields, the factorisations and the per-thread scratch.
    /// `initial` is row-major `ny x nx`; Dirichlet edges are set to the edge value.
    pub fn new(problem: &Diffusion2D, initial: &[f64], threads: usize) -> Result<CpuAdi> {
        problem.validate()?;
        if problem.scheme != Scheme::Adi {
            return Err(Error::invalid(
                "scheme",
                "explicit",
                "CpuAdi runs --scheme adi",
            ));
        }
        problem.check_field(initial, Precision::F64)?;
        let (along_x, along_y) = factorisations(problem)?;
        let (ny, nx) = (problem.ny, problem.nx);
        let threads = team_size(threads, ny.min(nx).div_ceil(PANEL));
        let len = panel_len(nx, ny).max(panel_len(ny, nx));
        let mut fields = [AlignedField::new(len), AlignedField::new(len)];
        // Touch every page now, not in the first half-step.
        fields[1].as_mut_slice().fill(0.0);
        let mut start = initial.to_vec();
        problem.apply_boundary(&mut start);
        // State element (k = j, s = i) of a field with nx rows.
        let state = fields[0].as_mut_slice();
        for (i, row) in start.chunks_exact(nx).enumerate() {
            for (j, &v) in row.iter().enumerate() {
                state[panel_index(nx, j, i)] = v;
            }
        }
        Ok(CpuAdi {
            problem: problem.clone(),
            fields,
            done: 0,
            along_x,
            along_y,
            scratch: vec![vec![0.0; PANEL * ny.max(nx)]; threads],
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
        CyclicFactored::new(unknowns(n), -0.5 * r, 1.0 + r, -0.5 * r, periodic).map_err(Error::from)
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
        // Half-step 1 solves along x: input nx x ny (k = j), output ny x nx; half-step 2 back.
        let halves = [
            (sweep(p.nx, p.ny), &self.along_x),
            (sweep(p.ny, p.nx), &self.along_y),
        ];
        let [a, b] = &mut self.fields;
        let shared = PingPong::from_slices(a.as_mut_slice(), b.as_mut_slice());
        let threads = self.scratch.len();
        run_team(&mut self.scratch, |t, scratch, barrier| {
            for _ in 0..steps {
                for (half, (sw, solver)) in halves.iter().enumerate() {
                    let panels = share(sw.ns.div_ceil(PANEL), threads, t);
                    // SAFETY: field `half` is only read in this pass; each thread writes the
                    // output rows of its own panels' systems; the barrier separates passes.
                    unsafe { sweep_panels(sw, solver, &shared, half, panels, scratch) };
                    super::stencil::fence_streams();
                    barrier.wait();
                }
            }
        });
        self.done += steps;
        Ok(())
    }

    fn read_field(&mut self, out: &mut [f64]) -> Result<()> {
        let (ny, nx) = (self.problem.ny, self.problem.nx);
        let state = self.fields[0].as_slice();
        for (i, row) in out.chunks_exact_mut(nx).enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = state[panel_index(nx, j, i)];
            }
        }
        debug_assert_eq!(out.len(), ny * nx);
        Ok(())
    }
}

/// Where a sweep writes: the output field, written element by element or tile by tile.
#[derive(Clone, Copy)]
pub(super) struct Out {
    pub ptr: *mut f64,
    pub len: usize,
}

impl Out {
    /// # Safety
    /// `at < len`, and no other thread touches element `at` during the pass.
    #[inline(always)]
    pub unsafe fn set(&self, at: usize, value: f64) {
        debug_assert!(at < self.len);
        unsafe { *self.ptr.add(at) = value };
    }
}

/// Solves the systems of panels `panels` of a half-step from field `from` into field `1 - from`.
///
/// # Safety
/// No thread writes field `from`, and no other thread writes the output rows of these systems.
unsafe fn sweep_panels(
    sw: &Sweep,
    solver: &CyclicFactored,
    shared: &PingPong,
    from: usize,
    panels: std::ops::Range<usize>,
    scratch: &mut [f64],
) {
    let src = unsafe { shared.source(from) };
    let out = Out {
        ptr: unsafe { shared.base(1 - from) },
        len: shared.len(),
    };
    for panel in panels {
        let (s0, ns) = (panel * PANEL, sw.ns);
        #[cfg(target_arch = "x86_64")]
        {
            // Whole panels; when Dirichlet, none holding an edge system (s = 0 or ns - 1).
            let vector = s0 + PANEL <= ns && (sw.periodic || (s0 >= 1 && s0 + PANEL < ns));
            if vector && std::arch::is_x86_feature_detected!("avx2") {
                let halo = ((s0 + ns - 1) % ns, (s0 + PANEL) % ns);
                // SAFETY: the CPU has AVX2; the panel is whole; its output rows are this thread's.
                unsafe { super::adi_avx2::panel16(sw, solver, src, panel, halo, scratch, out) };
                continue;
            }
        }
        for s in s0..(s0 + PANEL).min(ns) {
            // SAFETY: system s is one of this thread's.
            unsafe { system(sw, solver, src, s, scratch, out) };
        }
    }
}

/// One system `s` by the definition (the edge panels, and every panel without AVX2).
///
/// # Safety
/// No other thread writes output row `s`.
unsafe fn system(
    sw: &Sweep,
    solver: &CyclicFactored,
    src: &[f64],
    s: usize,
    y: &mut [f64],
    out: Out,
) {
    let (nk, ns) = (sw.nk, sw.ns);
    let at_out = |k: usize| panel_index(ns, s, k);
    if !sw.periodic && (s == 0 || s + 1 == ns) {
        for k in 0..nk {
            unsafe { out.set(at_out(k), sw.edge) };
        }
        return;
    }
    let (n, first) = sw.unknowns();
    let (f, g, z) = (solver.factors(), solver.first_row(), solver.correction());
    let (sl, sr) = (
        if s == 0 { ns - 1 } else { s - 1 },
        if s + 1 == ns { 0 } else { s + 1 },
    );
    let (mut prev, mut dot) = (0.0, 0.0);
    for q in 0..n {
        let k = q + first;
        let c = src[panel_index(nk, k, s)];
        let lap = (src[panel_index(nk, k, sl)] - 2.0 * c) + src[panel_index(nk, k, sr)];
        let b = c + sw.half_r * lap + edge_term(sw, n, q);
        prev = (b - f[3 * q] * prev) * f[3 * q + 1];
        dot += g[q] * b;
        y[q] = prev;
    }
    let corr = (dot + solver.corner_ratio() * prev) * solver.inv_denominator();
    let mut y_next = prev;
    unsafe { out.set(at_out(n - 1 + first), prev - corr * z[n - 1]) };
    for q in (0..n - 1).rev() {
        let yq = y[q] - f[3 * q + 2] * y_next;
        y_next = yq;
        unsafe { out.set(at_out(q + first), yq - corr * z[q]) };
    }
    if !sw.periodic {
        unsafe { out.set(at_out(0), sw.edge) };
        unsafe { out.set(at_out(nk - 1), sw.edge) };
    }
}
