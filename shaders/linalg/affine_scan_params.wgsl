// The scan of affine maps (src/kernels/affine_scan.rs, ScanParams). Map t holds (n + 1) n
// reals: column k < n of A_t at (t (n+1) + k) n, b_t as column n. n <= 34.

struct ScanParams {
    n: u32,
    maps: u32,
    per_group: u32,
    in_offset: u32,
}

// y = A_t x (+ b_t): the row r of one map applied to a vector held by the caller.
fn map_row_index(t: u32, c: u32, r: u32, n: u32) -> u32 {
    return (t * (n + 1u) + c) * n + r;
}
