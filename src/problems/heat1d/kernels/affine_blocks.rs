//! The linear P1 system (beta = 0, any theta, `nx - 2 <= 32`) solved directly, all time levels
//! at once, by blocked powers of the one-step map ([`super::affine_powers`]), on every core,
//! and verified in the same pass.
//!
//! Block b holds levels `bK + 1 ..= bK + K`: the levels `T_s + M^j d_b` (j < K) and the next
//! block's first level `T_s + d_{b+1}`. Blocks are independent once the group starts are known
//! (a chain of `(nt - 1) / (S K)` double-double mat-vecs, done in `new()`: it depends on the
//! problem only), so threads take them in any order. While a tile of levels is still in L1,
//! the same thread folds the scaled residual of the rows that end in it (the energy rows of
//! `heat_residual_norm`, evaluated by the same function, so the norm is the same number bit
//! for bit) and `max |T|`. Traffic: the field is written once (8 B per unknown in f64) and
//! never read back from memory; the powers (`m (K - 1) nx` reals, K chosen so that they fit in
//! L1) and the block starts stay in cache. Arithmetic: `m nx` multiply-adds per level.
//!
//! Threads: a [`WorkerPool`] created in `new()` and reused, so a solve allocates nothing on any
//! thread (tests/affine_blocks_alloc.rs counts every thread's allocations).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

use super::affine_levels::BlockParams;
use super::affine_powers::{block_start, AffinePowers, MAX_INTERIOR};
use super::heat_residual::{fold_energy_levels, levels_per_flat_block, FLAT};
use super::newton_march::MarchNorms;
use super::params::HeatParams;
use crate::linalg::double_double::Dd;
use crate::linalg::max_abs::{abs_bits, max_abs2, MaxAbsLanes};
use crate::pool::WorkerPool;

/// Largest nx the blocked solve takes.
const MAX_NX: usize = MAX_INTERIOR + 2;

/// Batches of blocks per thread a solve is cut into (load balance against lock traffic).
const BATCHES_PER_THREAD: usize = 64;

/// Bytes of in-block powers to keep per thread (they are re-read for every block).
const POWERS_BUDGET_BYTES: usize = 32 << 10;

/// What the solve proves about the field it wrote.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FieldCheck {
    /// Scaled max-norm of F on the written field: `heat_residual_norm`'s number.
    pub residual: f64,
    /// `max |T|` over the field (the rounding floor of the residual is a few eps times this).
    pub max_abs: f64,
}

/// Running maxima of one thread, merged into [`SharedNorms`] at the end of a job.
#[derive(Default)]
struct Lanes {
    boundary: MaxAbsLanes,
    energy: MaxAbsLanes,
    iterate: MaxAbsLanes,
    /// `|w - v|` and `|v|` when a Newton direction is formed.
    step: MaxAbsLanes,
    guess: MaxAbsLanes,
}

/// Maxima over all threads, as `abs_bits` (NaN sorts above every number, so it wins).
#[derive(Default)]
struct SharedNorms {
    boundary: AtomicI64,
    energy: AtomicI64,
    iterate: AtomicI64,
    step: AtomicI64,
    guess: AtomicI64,
}

impl SharedNorms {
    fn reset(&self) {
        for a in [
            &self.boundary,
            &self.energy,
            &self.iterate,
            &self.step,
            &self.guess,
        ] {
            a.store(0, Ordering::Relaxed);
        }
    }

    fn merge(&self, lanes: &Lanes) {
        let pairs = [
            (&self.boundary, &lanes.boundary),
            (&self.energy, &lanes.energy),
            (&self.iterate, &lanes.iterate),
            (&self.step, &lanes.step),
            (&self.guess, &lanes.guess),
        ];
        for (shared, local) in pairs {
            shared.fetch_max(abs_bits(local.value()), Ordering::Relaxed);
        }
    }

    fn value(a: &AtomicI64) -> f64 {
        f64::from_bits(a.load(Ordering::Relaxed) as u64)
    }
}

/// The blocked direct solve of a linear P1 problem. See the module header.
pub struct BlockedAffineSolve {
    params: HeatParams,
    powers: AffinePowers,
    /// Group starts `D[g]` rounded to f64, m per group.
    group_starts: Vec<f64>,
    pool: WorkerPool,
    norms: SharedNorms,
}

/// Block layout for `nt` levels of `nx` points on `threads` threads: K so that the in-block
/// powers fit [`POWERS_BUDGET_BYTES`] (and every thread gets several blocks), S about the square
/// root of the block count (setup costs `(K + S) m^3`, the chain `nt / (S K) m^2`).
pub fn default_layout(nt: usize, nx: usize, threads: usize) -> (usize, usize) {
    let m = nx - 2;
    let per_level = (m * nx * 8).max(1);
    let k = (POWERS_BUDGET_BYTES / per_level)
        .min((nt - 1) / (4 * threads.max(1)))
        .clamp(2, 1024);
    let blocks = (nt - 1) / k + 1;
    let s = blocks.isqrt().clamp(2, 256);
    (k, s)
}

impl BlockedAffineSolve {
    /// The solve on every available core; `None` unless the problem is linear (beta = 0) with at
    /// most 32 interior points. Builds the powers and the group chain (`(K + S) m^3`
    /// double-double operations, well under a millisecond at nx = 11) and starts the threads.
    pub fn new(p: &HeatParams) -> Option<BlockedAffineSolve> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (k, s) = default_layout(p.nt(), p.nx(), threads);
        Self::with_layout(p, threads, k, s)
    }

    /// As [`Self::new`] with `threads` threads and blocks of `block_levels` levels in groups of
    /// `group_blocks` blocks (tests use small blocks to cross every boundary).
    pub fn with_layout(
        p: &HeatParams,
        threads: usize,
        block_levels: usize,
        group_blocks: usize,
    ) -> Option<BlockedAffineSolve> {
        let powers = AffinePowers::new(p, block_levels, group_blocks)?;
        let group_starts = powers.group_starts(p).into_iter().map(Dd::to_f64).collect();
        Some(BlockedAffineSolve {
            params: *p,
            powers,
            group_starts,
            pool: WorkerPool::new(threads),
            norms: SharedNorms::default(),
        })
    }

    pub fn params(&self) -> &HeatParams {
        &self.params
    }

    pub fn powers(&self) -> &AffinePowers {
        &self.powers
    }

    /// The group starts `D[g]` (f64), m per group: what the GPU driver uploads.
    pub fn group_starts(&self) -> &[f64] {
        &self.group_starts
    }

    pub fn threads(&self) -> usize {
        self.pool.threads()
    }

    /// Shape parameters of the GPU kernels for levels `level0 .. level0 + levels`.
    pub fn block_params(&self, level0: usize, levels: usize) -> BlockParams {
        BlockParams::new(&self.params, &self.powers, level0, levels)
    }

    /// Writes the exact solution of the discrete system into `field` (`nt*nx`, `v[i*nx + j]`)
    /// and returns its verification: the scaled residual norm of what was written and `max |T|`.
    /// A non-finite value anywhere makes `residual` NaN. No allocation.
    pub fn solve_into(&mut self, field: &mut [f64]) -> FieldCheck {
        self.run(field, None).0
    }

    /// The Newton direction of the all-at-once system from any iterate `v`: the solution `w`
    /// into `solution` and `dv = w - v` into `dv`, in the same pass (so the full step's trial
    /// point and its residual norm come with the direction, as `newton_march_with_trial`
    /// gives them; here the full step is `w` itself). Returns `max |dv|`, `max |v|` and the
    /// check of `w`. Traffic: reads v, writes w and dv (24 B per unknown).
    pub fn direction_into(
        &mut self,
        v: &[f64],
        dv: &mut [f64],
        solution: &mut [f64],
    ) -> (MarchNorms, FieldCheck) {
        assert!(v.len() == dv.len(), "v and dv must have nt*nx values");
        let (check, norms) = self.run(solution, Some((v, dv)));
        (norms.expect("direction requested"), check)
    }

    fn run(
        &mut self,
        field: &mut [f64],
        direction: Option<(&[f64], &mut [f64])>,
    ) -> (FieldCheck, Option<MarchNorms>) {
        let p = &self.params;
        let (nt, nx, k) = (p.nt(), p.nx(), self.powers.block_levels());
        assert_eq!(field.len(), nt * nx, "field length must be nt*nx");
        let initial = initial_level(p);
        field[..nx].copy_from_slice(&initial[..nx]);
        self.norms.reset();
        let wants_direction = direction.is_some();
        let blocks = (nt - 1).div_ceil(k);
        let batch = (blocks / (BATCHES_PER_THREAD * self.pool.threads())).max(1);
        let mut level0_step = 0.0;
        let mut level0_guess = 0.0;
        let direction_chunks = direction.map(|(v, dv)| {
            assert_eq!(v.len(), nt * nx, "v length must be nt*nx");
            for ((d, w), x) in dv[..nx].iter_mut().zip(&initial[..nx]).zip(&v[..nx]) {
                *d = w - x;
                level0_step = max_abs2(level0_step, *d);
                level0_guess = max_abs2(level0_guess, *x);
            }
            v[nx..]
                .chunks(batch * k * nx)
                .zip(dv[nx..].chunks_mut(batch * k * nx))
        });
        // Threads take batches of blocks from one lock: a few hundred lock round trips per
        // solve, not one per block.
        let chunks = Mutex::new((
            field[nx..].chunks_mut(batch * k * nx).enumerate(),
            direction_chunks,
        ));
        let job = BlockJob {
            p,
            powers: &self.powers,
            group_starts: &self.group_starts,
            initial,
        };
        let norms = &self.norms;
        self.pool.run(&|_| {
            let mut lanes = Lanes::default();
            let mut flat = [0.0; FLAT];
            loop {
                let (next, direction) = {
                    let mut guard = chunks.lock().unwrap_or_else(|e| e.into_inner());
                    let (solution, direction) = &mut *guard;
                    (solution.next(), direction.as_mut().and_then(Iterator::next))
                };
                let Some((first, batch_levels)) = next else {
                    break;
                };
                let mut direction =
                    direction.map(|(v, dv)| (v.chunks(k * nx), dv.chunks_mut(k * nx)));
                for (b, chunk) in (first * batch..).zip(batch_levels.chunks_mut(k * nx)) {
                    let block_direction = direction
                        .as_mut()
                        .and_then(|(v, dv)| v.next().zip(dv.next()));
                    solve_block(&job, b, chunk, block_direction, &mut lanes, &mut flat);
                }
            }
            norms.merge(&lanes);
        });
        // Level 0: its boundary rows and the initial-condition rows (exact by construction,
        // folded all the same: the check is of what was written).
        let level0 = &field[..nx];
        let initial_rows = level0[1..nx - 1]
            .iter()
            .fold(0, |bits, t| bits.max(abs_bits(t - p.t_t0)));
        let edges = initial_rows
            .max(abs_bits(level0[0] - p.t_x0))
            .max(abs_bits(level0[nx - 1] - p.t_xl));
        let energy = SharedNorms::value(&norms.energy) * p.energy_scale;
        let check = FieldCheck {
            residual: max_abs2(
                max_abs2(
                    f64::from_bits(edges as u64),
                    SharedNorms::value(&norms.boundary),
                ),
                energy,
            ),
            max_abs: max_abs2(
                SharedNorms::value(&norms.iterate),
                level0.iter().fold(0.0, |m: f64, x| max_abs2(m, *x)),
            ),
        };
        let march = wants_direction.then(|| MarchNorms {
            step: max_abs2(level0_step, SharedNorms::value(&norms.step)),
            iterate: max_abs2(level0_guess, SharedNorms::value(&norms.guess)),
        });
        (check, march)
    }
}

/// Level 0 exactly: `t_x0`, `t_t0` inside, `t_xl`.
fn initial_level(p: &HeatParams) -> [f64; MAX_NX] {
    let nx = p.nx();
    let mut level = [0.0; MAX_NX];
    level[..nx].fill(p.t_t0);
    (level[0], level[nx - 1]) = (p.t_x0, p.t_xl);
    level
}

/// The iterate's and the direction's part of a block, when a direction is formed.
type Direction<'a> = Option<(&'a [f64], &'a mut [f64])>;

/// What every block reads.
struct BlockJob<'a> {
    p: &'a HeatParams,
    powers: &'a AffinePowers,
    group_starts: &'a [f64],
    initial: [f64; MAX_NX],
}

impl BlockJob<'_> {
    /// The first level of block b (`T_s + d_b`; the initial level for b = 0), as
    /// `affine_level_value` gives it.
    #[inline(always)]
    fn start_level(&self, b: usize, d: &mut [f64; MAX_INTERIOR], level: &mut [f64; MAX_NX]) {
        let nx = self.p.nx();
        if b == 0 {
            level[..nx].copy_from_slice(&self.initial[..nx]);
            return;
        }
        block_start(self.powers, self.group_starts, b, d);
        let steady = self.powers.steady();
        level[0] = self.p.t_x0;
        level[nx - 1] = self.p.t_xl;
        for x in 1..nx - 1 {
            level[x] = steady[x] + d[x - 1];
        }
    }
}

/// Block b: writes its levels into `chunk` (levels `bK + 1 ..`) and folds their norms. Runs
/// [`solve_block_portable`] compiled for AVX-512 (8 lanes, and a 64-bit integer `max` for the
/// NaN-aware norms) or AVX2, with FMA, where the CPU has them. Every path gives the same bits:
/// `mul_add` is the correctly rounded FMA everywhere and Rust never fuses `a*b + c` by itself.
fn solve_block(
    job: &BlockJob,
    b: usize,
    chunk: &mut [f64],
    direction: Direction,
    lanes: &mut Lanes,
    flat: &mut [f64; FLAT],
) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        #[target_feature(enable = "avx512f,avx512vl,avx512dq,fma")]
        fn avx512(
            job: &BlockJob,
            b: usize,
            chunk: &mut [f64],
            direction: Direction,
            lanes: &mut Lanes,
            flat: &mut [f64; FLAT],
        ) {
            solve_block_portable::<64>(job, b, chunk, direction, lanes, flat)
        }
        #[target_feature(enable = "avx2,fma")]
        fn avx2(
            job: &BlockJob,
            b: usize,
            chunk: &mut [f64],
            direction: Direction,
            lanes: &mut Lanes,
            flat: &mut [f64; FLAT],
        ) {
            solve_block_portable::<32>(job, b, chunk, direction, lanes, flat)
        }
        if has!("avx512f") && has!("avx512vl") && has!("avx512dq") && has!("fma") {
            // SAFETY: the CPU has these features.
            return unsafe { avx512(job, b, chunk, direction, lanes, flat) };
        }
        if has!("avx2") && has!("fma") {
            // SAFETY: the CPU has these features.
            return unsafe { avx2(job, b, chunk, direction, lanes, flat) };
        }
    }
    solve_block_portable::<16>(job, b, chunk, direction, lanes, flat)
}

#[inline(always)]
fn solve_block_portable<const R: usize>(
    job: &BlockJob,
    b: usize,
    chunk: &mut [f64],
    mut direction: Direction,
    lanes: &mut Lanes,
    flat: &mut [f64; FLAT],
) {
    let p = job.p;
    let (nx, m, k) = (p.nx(), p.interior(), job.powers.block_levels());
    let levels = chunk.len() / nx;
    let (mut d, mut start) = ([0.0; MAX_INTERIOR], [0.0; MAX_NX]);
    job.start_level(b, &mut d, &mut start);
    if b == 0 {
        block_start(job.powers, job.group_starts, 0, &mut d);
    }
    // Levels bK + j, j = 1..K-1, from the powers; level bK + K is the next block's first.
    let from_powers = levels.min(k - 1);
    let rows = (k - 1) * nx;
    // Maxima of abs_bits of T and of the boundary rows in registers for the whole block,
    // merged into `lanes` at the end.
    let (mut iterate, mut boundary) = ([0_i64; 8], 0_i64);
    let tile = levels_per_flat_block(nx);
    for l0 in (0..levels).step_by(tile) {
        let l1 = (l0 + tile).min(levels);
        // Local level l (0-based) is level bK + l + 1.
        let powered = l0.min(from_powers)..l1.min(from_powers);
        level_rows::<R>(
            &job.powers.level_base()[powered.start * nx..],
            &job.powers.level_powers()[powered.start * nx..],
            rows,
            &d[..m],
            &mut chunk[powered.start * nx..powered.end * nx],
        );
        if l1 > from_powers {
            let mut next = [0.0; MAX_NX];
            job.start_level(b + 1, &mut [0.0; MAX_INTERIOR], &mut next);
            chunk[from_powers * nx..(from_powers + 1) * nx].copy_from_slice(&next[..nx]);
        }
        // Rows ending in this tile: the pair (start, first level) on the first tile, then pairs
        // of consecutive levels inside the chunk.
        let written = &chunk[l0 * nx..l1 * nx];
        if l0 == 0 {
            fold_energy_levels::<true>(p, &start[..nx], &chunk[..nx], flat, &mut lanes.energy);
        }
        let first_pair = l0.max(1);
        if first_pair < l1 {
            fold_energy_levels::<true>(
                p,
                &chunk[(first_pair - 1) * nx..(l1 - 1) * nx],
                &chunk[first_pair * nx..l1 * nx],
                flat,
                &mut lanes.energy,
            );
        }
        for level in written.chunks_exact(nx) {
            boundary = boundary
                .max(abs_bits(level[0] - p.t_x0))
                .max(abs_bits(level[nx - 1] - p.t_xl));
        }
        fold_abs(written, &mut iterate);
        if let Some((v, dv)) = direction.as_mut() {
            let range = l0 * nx..l1 * nx;
            let (v, dv) = (&v[range.clone()], &mut dv[range]);
            for ((d, w), x) in dv.iter_mut().zip(written).zip(v) {
                *d = w - x;
            }
            lanes.step.fold_slice(dv);
            lanes.guess.fold_slice(v);
        }
    }
    let bits = |acc: [i64; 8]| f64::from_bits(acc.into_iter().max().unwrap_or(0) as u64);
    lanes.iterate.fold(std::iter::once(bits(iterate)));
    lanes
        .boundary
        .fold(std::iter::once(f64::from_bits(boundary as u64)));
}

/// Folds `abs_bits` of `values` into eight running maxima.
#[inline(always)]
fn fold_abs(values: &[f64], acc: &mut [i64; 8]) {
    let (chunks, tail) = values.as_chunks::<8>();
    for chunk in chunks {
        for (a, x) in acc.iter_mut().zip(chunk) {
            *a = (*a).max(abs_bits(*x));
        }
    }
    for x in tail {
        acc[0] = acc[0].max(abs_bits(*x));
    }
}

/// `out[f] = base[f] + sum_c columns[c stride + f] d[c]`, one fused multiply-add per term in
/// the order of c (as `affine_level_value`), on register tiles of R values: R / lanes
/// independent accumulator chains, enough to keep both FMA pipes busy (8 chains of 4-cycle
/// FMAs). The last partial tile is computed whole into a stack tile, reading into the zero
/// padding of the powers and the base ([`super::affine_powers::LEVEL_PAD`]), and its valid part copied out.
#[inline(always)]
fn level_rows<const R: usize>(
    base: &[f64],
    columns: &[f64],
    stride: usize,
    d: &[f64],
    out: &mut [f64],
) {
    let n = out.len();
    let tile = |f0: usize| -> [f64; R] {
        let mut acc: [f64; R] = base[f0..f0 + R].try_into().expect("R values");
        for (c, &dc) in d.iter().enumerate() {
            let column: &[f64; R] = columns[c * stride + f0..][..R]
                .try_into()
                .expect("R values");
            for (a, w) in acc.iter_mut().zip(column) {
                *a = w.mul_add(dc, *a);
            }
        }
        acc
    };
    let full = n - n % R;
    for f0 in (0..full).step_by(R) {
        out[f0..f0 + R].copy_from_slice(&tile(f0));
    }
    if full < n {
        out[full..].copy_from_slice(&tile(full)[..n - full]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::heat1d::kernels::affine_levels::{affine_block_starts, affine_levels};
    use crate::problems::heat1d::kernels::heat_residual_norm;
    use crate::problems::heat1d::params::Heat1D;

    /// The fused solve equals its GPU twins bit for bit, and its norm is heat_residual_norm's.
    #[test]
    fn fused_solve_matches_the_twins_and_the_residual_norm() {
        for (nt, nx, theta, k, s, threads) in [
            (2, 3, 1.0, 2, 2, 1),
            (50, 11, 0.0, 4, 3, 2),
            (97, 11, 0.5, 7, 2, 3),
            (301, 34, 1.0, 5, 4, 2),
            (64, 5, 0.7, 63, 1, 2),
        ] {
            let p = HeatParams::new(&Heat1D {
                nt,
                nx,
                theta,
                t_max: 1.0,
                ..Heat1D::default()
            });
            let mut solve = BlockedAffineSolve::with_layout(&p, threads, k, s).unwrap();
            let mut field = vec![f64::NAN; nt * nx];
            let check = solve.solve_into(&mut field);
            let bp = solve.block_params(0, nt);
            let mut starts = vec![0.0; bp.blocks as usize * (nx - 2)];
            affine_block_starts(&bp, solve.powers(), solve.group_starts(), &mut starts);
            let mut twin = vec![0.0; nt * nx];
            affine_levels(&p, &bp, solve.powers(), &starts, &mut twin);
            assert_eq!(field, twin, "nt={nt} nx={nx} theta={theta}");
            assert_eq!(check.residual, heat_residual_norm(&p, &field));
            assert!(check.residual < 1e-11, "{check:?}");
            let max_abs = field.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
            assert_eq!(check.max_abs, max_abs);
        }
    }

    /// From any iterate the direction is `w - v`, and it agrees with the Thomas march's.
    #[test]
    fn direction_from_any_iterate_is_the_solution_minus_it() {
        use crate::problems::heat1d::kernels::newton_march;
        let (nt, nx) = (2001, 9);
        let p = HeatParams::new(&Heat1D {
            nt,
            nx,
            theta: 0.5,
            t_max: 2.0,
            ..Heat1D::default()
        });
        let v: Vec<f64> = (0..nt * nx)
            .map(|k| 25.0 + 35.0 * ((k * 7919) % 1000) as f64 / 1000.0)
            .collect();
        let mut solve = BlockedAffineSolve::with_layout(&p, 2, 13, 4).unwrap();
        let (mut dv, mut w, mut alone) =
            (vec![0.0; v.len()], vec![0.0; v.len()], vec![0.0; v.len()]);
        let (norms, check) = solve.direction_into(&v, &mut dv, &mut w);
        assert_eq!(check, solve.solve_into(&mut alone));
        assert_eq!(w, alone);
        for ((d, wk), vk) in dv.iter().zip(&w).zip(&v) {
            assert_eq!(*d, wk - vk);
        }
        let mut thomas = vec![0.0; v.len()];
        let thomas_norms = newton_march(&p, &v, &mut thomas, &mut [0.0; 9]);
        assert_eq!(norms.iterate, thomas_norms.iterate);
        let diff = dv
            .iter()
            .zip(&thomas)
            .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(
            diff <= 1e-10 * norms.step,
            "{diff:e} vs |dv| {}",
            norms.step
        );
        assert!((norms.step - thomas_norms.step).abs() <= 1e-10 * norms.step);
    }

    #[test]
    fn refuses_nonlinear_and_wide_problems() {
        let nonlinear = HeatParams::new(&Heat1D {
            beta: 0.01,
            nt: 10,
            ..Heat1D::default()
        });
        assert!(BlockedAffineSolve::new(&nonlinear).is_none());
        let wide = HeatParams::new(&Heat1D {
            nx: 35,
            nt: 10,
            theta: 1.0,
            ..Heat1D::default()
        });
        assert!(BlockedAffineSolve::new(&wide).is_none());
    }
}
