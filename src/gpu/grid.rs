//! Dispatch grids for one-dimensional kernels.
//!
//! A kernel over `n` items runs `ceil(n / WORKGROUP_SIZE)` workgroups. When that exceeds
//! `max_compute_workgroups_per_dimension` (65535 on most devices), the workgroups are laid
//! out as a 2-D grid `[x, y, 1]` with `x * y >= ceil(n / WORKGROUP_SIZE)`. Every kernel
//! recovers its flat index and guards the tail with:
//!
//! ```wgsl
//! @compute @workgroup_size(256)
//! fn main(@builtin(global_invocation_id) gid: vec3<u32>,
//!         @builtin(num_workgroups) nwg: vec3<u32>) {
//!     let i = gid.x + gid.y * nwg.x * 256u;
//!     if (i >= params.n) { return; }
//!     // ...
//! }
//! ```
//!
//! [`workgroup_grid`] keeps `x * y * WORKGROUP_SIZE <= 2^32`, so that index never wraps.

/// Workgroup size (x) of every 1-D kernel in `shaders/`.
pub const WORKGROUP_SIZE: u32 = 256;

/// Grid `[x, y, 1]` covering `n` invocations with workgroups of `workgroup_size`, each
/// dimension at most `max_per_dimension`; `[0, 1, 1]` for `n == 0` (a no-op dispatch).
///
/// `None` when the grid would need more than `max_per_dimension` rows, or more than
/// 2^32 invocations in total (the flat index is a `u32`).
pub fn workgroup_grid(n: u64, workgroup_size: u32, max_per_dimension: u32) -> Option<[u32; 3]> {
    let groups = n.div_ceil(u64::from(workgroup_size));
    let max = u64::from(max_per_dimension);
    let y = groups.div_ceil(max).max(1);
    let x = groups.div_ceil(y);
    let fits = y <= max && x * y * u64::from(workgroup_size) <= 1 << 32;
    fits.then_some([x as u32, y as u32, 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_until_the_dimension_limit() {
        assert_eq!(workgroup_grid(0, 256, 65535), Some([0, 1, 1]));
        assert_eq!(workgroup_grid(1, 256, 65535), Some([1, 1, 1]));
        assert_eq!(workgroup_grid(1000, 256, 65535), Some([4, 1, 1]));
        assert_eq!(workgroup_grid(65535 * 256, 256, 65535), Some([65535, 1, 1]));
    }

    #[test]
    fn splits_into_balanced_rows_beyond_the_limit() {
        assert_eq!(
            workgroup_grid(65535 * 256 + 1, 256, 65535),
            Some([32768, 2, 1])
        );
        let n = 70_000 * 256 + 3;
        let [x, y, _] = workgroup_grid(n, 256, 65535).unwrap();
        assert_eq!((x, y), (35001, 2));
        // Every flat index i < n is reached: x * y * 256 >= n, with less than one row spare.
        assert!(u64::from(x) * u64::from(y) * 256 >= n);
        assert!(u64::from(x) * u64::from(y - 1) * 256 < n);
    }

    #[test]
    fn refuses_grids_whose_flat_index_would_wrap() {
        assert_eq!(workgroup_grid(1 << 31, 256, 65535), Some([65028, 129, 1]));
        assert_eq!(workgroup_grid((1 << 32) + 1, 256, 65535), None);
        assert_eq!(workgroup_grid(1 << 20, 4, 16), None);
    }
}
