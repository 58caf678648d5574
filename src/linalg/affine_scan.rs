//! `affine_compose` and `affine_apply`: CPU twins of `shaders/linalg/affine_compose.wgsl` and
//! `shaders/linalg/affine_apply.wgsl`, the generic half of a parallel prefix scan of affine maps
//! `x -> F_t(x) = A_t x + b_t` (`n x n` dense `A_t`, `n <= 34`).
//!
//! The scan is the work-efficient two-level "reduce, then scan, then propagate" form: the maps
//! are cut into groups of `G`; `affine_compose` reduces each group to its composite map
//! `F_{gG+G-1} o ... o F_{gG}` (one invocation per group and column, in parallel); `affine_apply`
//! on one workgroup runs the short chain of group composites from `x_0` (the exclusive prefix
//! over groups); `affine_apply` on one workgroup per group then gives every prefix inside the
//! groups. Work: `2 T n^2` multiply-adds per column set (T maps), twice the sequential
//! recurrence's `T n^2`, as for any work-efficient scan; depth `2 G + T / G` mat-vecs instead
//! of T (G about sqrt(T)). A composite's rounding is that of `G` products of maps whose norm is
//! at most 1 (the heat equation's maps contract), so errors do not grow along the scan.
//!
//! Layout: map t occupies `(n + 1) n` reals, column k (k < n) of `A_t` at `[(t (n+1) + k) n ..]`
//! and `b_t` as column n. Vectors: n reals each.

/// Largest state the scan kernels hold in private arrays (nx of the heat problem, up to 34).
pub const SCAN_MAX_N: usize = 34;

/// Parameters of the generic scan kernels (`shaders/linalg/affine_scan_params.wgsl`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ScanParams {
    /// State size.
    pub n: u32,
    /// Maps in the sequence.
    pub maps: u32,
    /// Maps per group (the last group may be shorter).
    pub per_group: u32,
    /// Where the start vectors begin in `starts_in` (`affine_apply`).
    pub in_offset: u32,
}

impl ScanParams {
    pub fn groups(&self) -> usize {
        (self.maps as usize).div_ceil(self.per_group as usize)
    }
}

/// `y = A_t x + b_t` when `affine`, `A_t x` otherwise, summed over columns in order with one
/// fused multiply-add per term (as the shaders do).
#[inline(always)]
pub fn apply_map(n: usize, map: &[f64], x: &[f64], affine: bool, y: &mut [f64]) {
    for (r, out) in y.iter_mut().enumerate().take(n) {
        let mut acc = 0.0;
        for (c, &xc) in x.iter().enumerate().take(n) {
            acc = map[c * n + r].mul_add(xc, acc);
        }
        *out = if affine { acc + map[n * n + r] } else { acc };
    }
}

/// For each group g and column k: the composite of the group's maps applied to `e_k` (k < n,
/// linear part only) or to 0 (k = n, with the offsets): `out` holds one composite map per group.
pub fn affine_compose(sp: &ScanParams, maps: &[f64], out: &mut [f64]) {
    let n = sp.n as usize;
    let size = (n + 1) * n;
    for (g, composite) in out.chunks_exact_mut(size).enumerate().take(sp.groups()) {
        let first = g * sp.per_group as usize;
        let last = (first + sp.per_group as usize).min(sp.maps as usize);
        for (k, column) in composite.chunks_exact_mut(n).enumerate() {
            let (mut y, mut next) = ([0.0; SCAN_MAX_N], [0.0; SCAN_MAX_N]);
            if k < n {
                y[k] = 1.0;
            }
            for t in first..last {
                apply_map(n, &maps[t * size..(t + 1) * size], &y, k == n, &mut next);
                y = next;
            }
            column.copy_from_slice(&y[..n]);
        }
    }
}

/// Group w starts from `starts_in[in_offset + w n ..]` and writes the exclusive prefixes of its
/// maps: `starts_out[t n ..]` = the state before map t, for every map t of the group.
pub fn affine_apply(sp: &ScanParams, maps: &[f64], starts_in: &[f64], starts_out: &mut [f64]) {
    let n = sp.n as usize;
    let size = (n + 1) * n;
    for w in 0..sp.groups() {
        let mut x = [0.0; SCAN_MAX_N];
        let start = sp.in_offset as usize + w * n;
        x[..n].copy_from_slice(&starts_in[start..start + n]);
        let first = w * sp.per_group as usize;
        let last = (first + sp.per_group as usize).min(sp.maps as usize);
        for t in first..last {
            starts_out[t * n..(t + 1) * n].copy_from_slice(&x[..n]);
            let mut next = [0.0; SCAN_MAX_N];
            apply_map(n, &maps[t * size..(t + 1) * size], &x, true, &mut next);
            x = next;
        }
    }
}

/// The sequential reference: `out[t n ..]` = the state before map t, t = 0..=T (the last is the
/// final state).
pub fn affine_recurrence(n: usize, maps: &[f64], x0: &[f64], out: &mut [f64]) {
    let size = (n + 1) * n;
    let mut x = [0.0; SCAN_MAX_N];
    x[..n].copy_from_slice(&x0[..n]);
    for (t, map) in maps.chunks_exact(size).enumerate() {
        out[t * n..(t + 1) * n].copy_from_slice(&x[..n]);
        let mut next = [0.0; SCAN_MAX_N];
        apply_map(n, map, &x, true, &mut next);
        x = next;
    }
    let t = maps.len() / size;
    out[t * n..(t + 1) * n].copy_from_slice(&x[..n]);
}

/// The whole scan on the CPU with the twins, as the GPU runs it: group composites, the chain
/// over groups from `x0`, then the prefixes inside groups. `out[t n ..]` = state before map t.
pub fn affine_scan(n: usize, maps: &[f64], per_group: usize, x0: &[f64], out: &mut [f64]) {
    let count = maps.len() / ((n + 1) * n);
    let level = ScanParams {
        n: n as u32,
        maps: count as u32,
        per_group: per_group as u32,
        in_offset: 0,
    };
    let groups = level.groups();
    let mut composites = vec![0.0; groups * (n + 1) * n];
    affine_compose(&level, maps, &mut composites);
    let top = ScanParams {
        n: n as u32,
        maps: groups as u32,
        per_group: groups as u32,
        in_offset: 0,
    };
    let mut group_starts = vec![0.0; groups * n];
    affine_apply(&top, &composites, x0, &mut group_starts);
    affine_apply(&level, maps, &group_starts, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random maps with `||A_t||_inf <= 0.999` (contracting, like the heat equation's).
    fn random_maps(n: usize, count: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        };
        let mut maps = vec![0.0; count * (n + 1) * n];
        for map in maps.chunks_exact_mut((n + 1) * n) {
            for (k, x) in map.iter_mut().enumerate() {
                *x = if k < n * n {
                    0.999 * next() / n as f64
                } else {
                    next()
                };
            }
        }
        maps
    }

    #[test]
    fn scan_matches_the_sequential_recurrence_on_random_maps() {
        for (n, count, per_group) in [
            (1, 1, 1),
            (3, 10, 4),
            (11, 1000, 32),
            (34, 257, 16),
            (9, 64, 64),
        ] {
            let maps = random_maps(n, count, 7 + n as u64);
            let x0: Vec<f64> = (0..n).map(|r| 1.0 + r as f64).collect();
            let mut sequential = vec![0.0; (count + 1) * n];
            affine_recurrence(n, &maps, &x0, &mut sequential);
            let mut scanned = vec![0.0; count * n];
            affine_scan(n, &maps, per_group, &x0, &mut scanned);
            let scale = sequential.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
            let err = scanned
                .iter()
                .zip(&sequential)
                .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(
                err <= 1e-13 * scale,
                "n={n} count={count} G={per_group}: {err:e}"
            );
        }
    }
}
