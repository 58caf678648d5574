//! Tridiagonal systems shared by the batched and the partitioned solvers: the shaders' parameter
//! structs, the diagonal-dominance check that guards every pivot-free solve, the host
//! factorisation of a matrix shared by a batch, and the partitioned solver's level plan with its
//! CPU driver.
//!
//! Bands: row k is `lower[k] x[k-1] + diag[k] x[k] + upper[k] x[k+1] = rhs[k]`; `lower` of the
//! first row and `upper` of the last row are ignored.

use thiserror::Error;

use super::pcr_workgroup::{pcr_workgroup, PCR_MAX_ROWS};
use super::tridiag_partition_reduce::tridiag_partition_reduce;
use super::tridiag_partition_substitute::tridiag_partition_substitute;
use crate::gpu::GpuError;

/// Block size of the partitioned solver unless the caller picks one: each level shrinks the
/// system 16-fold, and one invocation's sequential sweep stays short.
pub const DEFAULT_BLOCK_ROWS: usize = 32;

/// Most rows one GPU invocation sweeps sequentially (a batched system). lavapipe ends a shader's loops after 65535 iterations in all (a forward and
/// a backward sweep of 40 000 rows returned wrong values; 30 000 were right), and hardware may
/// stop long dispatches: two sweeps of this many rows stay at half that count.
pub const MAX_SWEEP_ROWS: usize = 16384;

#[derive(Debug, Error)]
pub enum TridiagError {
    #[error(
        "system {system}, row {row}: |diag| = {:e} does not exceed |lower| + |upper| = \
         {off_diagonal_sum:e}; solving without pivoting needs strict diagonal dominance",
        diag.abs()
    )]
    NotDiagonallyDominant {
        system: usize,
        row: usize,
        diag: f64,
        off_diagonal_sum: f64,
    },

    #[error("{what} has length {len}, expected {expected}")]
    Length {
        what: &'static str,
        len: usize,
        expected: usize,
    },

    #[error("a tridiagonal batch needs n >= 1 rows and batch >= 1 systems, got n = {n}, batch = {batch}")]
    EmptyShape { n: usize, batch: usize },

    #[error("{rows} rows (all levels) exceed the shaders' u32 indices")]
    TooManyRows { rows: usize },

    #[error(
        "block_rows = {0}: the partitioned solver needs blocks of 3 to 128 rows (its last level, \
         under 2 block_rows rows, is solved in one workgroup of 256)"
    )]
    BlockRows(usize),

    #[error(
        "{rows} rows in one invocation's sequential sweep exceed {max} (MAX_SWEEP_ROWS: lavapipe \
         ends shader loops after 65535 iterations); solve long systems with the partitioned solver"
    )]
    SweepTooLong { rows: usize, max: usize },

    #[error(transparent)]
    Gpu(#[from] GpuError),
}

/// Parameters of the batched kernels (`shaders/linalg/batch_params.wgsl`): `batch` systems of `n` rows,
/// row k of system s at `offset + k * batch + s`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchParams {
    pub n: u32,
    pub batch: u32,
    pub offset: u32,
}

impl BatchParams {
    /// Elements one array of the batch spans, offset included.
    pub fn end(&self) -> usize {
        self.offset as usize + self.n as usize * self.batch as usize
    }
}

/// Parameters of one level of the partitioned kernels (`shaders/linalg/partition_params.wgsl`): rows
/// `offset .. offset + n` of the level-stacked arrays, in `blocks = n / block_rows` blocks (the
/// last one taking the remainder); the reduced system's `2 * blocks` rows follow at `offset + n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartitionParams {
    pub n: u32,
    pub block_rows: u32,
    pub blocks: u32,
    pub offset: u32,
}

impl PartitionParams {
    /// Level-relative rows of block `j`.
    pub fn block(&self, j: usize) -> std::ops::Range<usize> {
        let m = self.block_rows as usize;
        let end = if j + 1 == self.blocks as usize {
            self.n as usize
        } else {
            (j + 1) * m
        };
        j * m..end
    }

    /// First row of the reduced system in the stacked arrays.
    pub fn reduced_offset(&self) -> usize {
        (self.offset + self.n) as usize
    }
}

pub(crate) fn check_len(
    what: &'static str,
    len: usize,
    expected: usize,
) -> Result<(), TridiagError> {
    if len == expected {
        Ok(())
    } else {
        Err(TridiagError::Length {
            what,
            len,
            expected,
        })
    }
}

/// Checks `|diag| > |lower| + |upper|` in every row of every system of an interleaved batch of
/// `n`-row systems (`n = diag.len() / batch`), which makes Thomas and the partitioned solver safe
/// without pivoting: every pivot satisfies `|p_k| > |upper_k|` and no multiplier exceeds 1.
/// NaN fails the check. The first failing row is reported.
pub fn check_diagonal_dominance(
    lower: &[f64],
    diag: &[f64],
    upper: &[f64],
    batch: usize,
) -> Result<(), TridiagError> {
    let rows = diag.len();
    check_len("lower", lower.len(), rows)?;
    check_len("upper", upper.len(), rows)?;
    if batch == 0 || rows == 0 {
        return Err(TridiagError::EmptyShape {
            n: rows / batch.max(1),
            batch,
        });
    }
    check_len("diag", rows, rows.next_multiple_of(batch))?;
    let last_row = rows - batch;
    for (i, &d) in diag.iter().enumerate() {
        let l = if i >= batch { lower[i].abs() } else { 0.0 };
        let u = if i < last_row { upper[i].abs() } else { 0.0 };
        // NaN compares false and falls through to the error.
        if d.abs() > l + u {
            continue;
        }
        return Err(TridiagError::NotDiagonallyDominant {
            system: i % batch,
            row: i / batch,
            diag: d,
            off_diagonal_sum: l + u,
        });
    }
    Ok(())
}

/// Factorises the matrix shared by a batch, for `thomas_batched_factored`:
/// `factors[3k..3k+3] = (lower_k, 1/p_k, c'_k)` with the pivots and modified super-diagonal of
/// `thomas_batched` (the same operations, so both kernels give the same bits).
pub fn thomas_factor(
    lower: &[f64],
    diag: &[f64],
    upper: &[f64],
    factors: &mut [f64],
) -> Result<(), TridiagError> {
    check_diagonal_dominance(lower, diag, upper, 1)?;
    check_len("factors", factors.len(), 3 * diag.len())?;
    let mut c_prev = 0.0;
    for (k, f) in factors.chunks_exact_mut(3).enumerate() {
        let l = if k == 0 { 0.0 } else { lower[k] };
        let inv_pivot = if k == 0 {
            1.0 / diag[0]
        } else {
            1.0 / (diag[k] - l * c_prev)
        };
        c_prev = upper[k] * inv_pivot;
        f.copy_from_slice(&[l, inv_pivot, c_prev]);
    }
    Ok(())
}

/// The levels of the partitioned solver for `n` rows: level `l` (rows `n_l`) is partitioned
/// while `n_l >= 2 * block_rows`, giving `n_{l+1} = 2 floor(n_l / block_rows)`; the last level is
/// solved directly by `pcr_workgroup` (parallel cyclic reduction in one workgroup). All levels
/// are stacked in the same arrays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionPlan {
    pub levels: Vec<PartitionParams>,
    pub direct: BatchParams,
}

impl PartitionPlan {
    pub fn new(n: usize, block_rows: usize) -> Result<PartitionPlan, TridiagError> {
        if !(3..=PCR_MAX_ROWS / 2).contains(&block_rows) {
            return Err(TridiagError::BlockRows(block_rows));
        }
        if n == 0 {
            return Err(TridiagError::EmptyShape { n, batch: 1 });
        }
        let (mut rows, mut offset) = (n, 0);
        let mut levels = Vec::new();
        while rows >= 2 * block_rows {
            let blocks = rows / block_rows;
            levels.push((rows, blocks, offset));
            offset += rows;
            rows = 2 * blocks;
        }
        let u32_of = |v: usize| {
            u32::try_from(v).map_err(|_| TridiagError::TooManyRows {
                rows: offset + rows,
            })
        };
        let total = u32_of(offset + rows)?;
        let levels = levels
            .into_iter()
            .map(|(rows, blocks, offset)| PartitionParams {
                n: rows as u32,
                block_rows: block_rows as u32,
                blocks: blocks as u32,
                offset: offset as u32,
            })
            .collect();
        Ok(PartitionPlan {
            levels,
            direct: BatchParams {
                n: rows as u32,
                batch: 1,
                offset: total - rows as u32,
            },
        })
    }

    /// Rows of all levels together: the length of every stacked array.
    pub fn total_rows(&self) -> usize {
        self.direct.end()
    }
}

/// The partitioned solver on the CPU, pass by pass through the kernels' twins: the reference for
/// `GpuLargeTridiag`. Arrays are allocated once; [`Self::solve`] allocates nothing.
pub struct CpuPartitionedTridiag {
    plan: PartitionPlan,
    n: usize,
    lower: Vec<f64>,
    diag: Vec<f64>,
    upper: Vec<f64>,
    rhs: Vec<f64>,
    x: Vec<f64>,
    alpha: Vec<f64>,
    gamma: Vec<f64>,
}

impl CpuPartitionedTridiag {
    /// Checks strict diagonal dominance and stores the bands of one `n`-row system.
    pub fn new(
        lower: &[f64],
        diag: &[f64],
        upper: &[f64],
        block_rows: usize,
    ) -> Result<CpuPartitionedTridiag, TridiagError> {
        check_diagonal_dominance(lower, diag, upper, 1)?;
        let n = diag.len();
        let plan = PartitionPlan::new(n, block_rows)?;
        let total = plan.total_rows();
        let stacked = |band: &[f64]| {
            let mut v = vec![0.0; total];
            v[..n].copy_from_slice(band);
            v
        };
        Ok(CpuPartitionedTridiag {
            lower: stacked(lower),
            diag: stacked(diag),
            upper: stacked(upper),
            rhs: vec![0.0; total],
            x: vec![0.0; total],
            alpha: vec![0.0; total],
            gamma: vec![0.0; total],
            plan,
            n,
        })
    }

    pub fn plan(&self) -> &PartitionPlan {
        &self.plan
    }

    /// Pass 1 down the levels, the last level directly, pass 3 back up.
    pub fn solve(&mut self, rhs: &[f64], x: &mut [f64]) -> Result<(), TridiagError> {
        check_len("rhs", rhs.len(), self.n)?;
        check_len("x", x.len(), self.n)?;
        self.rhs[..self.n].copy_from_slice(rhs);
        for level in &self.plan.levels {
            tridiag_partition_reduce(
                level,
                &mut self.lower,
                &mut self.diag,
                &mut self.upper,
                &mut self.rhs,
                &mut self.x,
                &mut self.alpha,
                &mut self.gamma,
            );
        }
        pcr_workgroup(
            &self.plan.direct,
            &self.lower,
            &self.diag,
            &self.upper,
            &self.rhs,
            &mut self.x,
        );
        for level in self.plan.levels.iter().rev() {
            tridiag_partition_substitute(level, &mut self.x, &self.alpha, &self.gamma);
        }
        x.copy_from_slice(&self.x[..self.n]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_stacks_levels_until_the_direct_solve_is_small() {
        let plan = PartitionPlan::new(1000, 10).unwrap();
        let rows: Vec<u32> = plan.levels.iter().map(|l| l.n).collect();
        assert_eq!(rows, [1000, 200, 40]);
        assert_eq!(plan.levels[2].offset, 1200);
        assert_eq!(
            plan.direct,
            BatchParams {
                n: 8,
                batch: 1,
                offset: 1240
            }
        );
        assert_eq!(plan.total_rows(), 1248);
        // The last block takes the remainder: 25 rows in 8 blocks of 3, the last of 4.
        let level = PartitionPlan::new(25, 3).unwrap().levels[0];
        assert_eq!((level.blocks, level.block(7)), (8, 21..25));
        assert!(PartitionPlan::new(5, 3).unwrap().levels.is_empty());
        assert!(matches!(
            PartitionPlan::new(10, 2),
            Err(TridiagError::BlockRows(2))
        ));
    }

    #[test]
    fn dominance_check_names_the_first_failing_row_of_a_batch() {
        // Two systems of three rows, interleaved; system 1 row 1 has |2| = |1| + |1|.
        let lower = [9.0, 9.0, 1.0, 1.0, 1.0, 1.0];
        let diag = [3.0, 3.0, 3.0, 2.0, 3.0, 3.0];
        let upper = [1.0, 1.0, 1.0, 1.0, 9.0, 9.0];
        let err = check_diagonal_dominance(&lower, &diag, &upper, 2).unwrap_err();
        assert!(
            matches!(
                err,
                TridiagError::NotDiagonallyDominant { system: 1, row: 1, diag, off_diagonal_sum }
                    if diag == 2.0 && off_diagonal_sum == 2.0
            ),
            "{err}"
        );
        let mut fixed = diag;
        fixed[3] = -2.5;
        check_diagonal_dominance(&lower, &fixed, &upper, 2).unwrap();
        fixed[0] = f64::NAN;
        assert!(check_diagonal_dominance(&lower, &fixed, &upper, 2).is_err());
    }
}
