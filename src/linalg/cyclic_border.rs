//! CPU twins of the bordering kernels of the large cyclic solver ([`super::gpu_cyclic`]):
//! `shaders/linalg/cyclic_border_column.wgsl` and `cyclic_border_combine.wgsl`. The cyclic
//! system of n rows is stored rotated by one: element 0 holds row n-1 (the border row), elements
//! 1 .. n the rows 0 .. n-2 (the block T that the partitioned solver solves).

/// The right side of `T z = v`: row 0's lower entry and row n-2's upper entry (the couplings
/// to `x[n-1]`); the other level-0 entries of `rhs_z` stay zero.
pub fn cyclic_border_column(n: u32, lower: &[f64], upper: &[f64], rhs_z: &mut [f64]) {
    let n = n as usize;
    rhs_z[1] = lower[1];
    rhs_z[n - 1] = upper[n - 1];
}

/// `x[n-1]` from the border row and `x[k] = y_k - z_k x[n-1]`, into `out` in natural order.
#[allow(clippy::too_many_arguments)] // the shader's bindings, in order
pub fn cyclic_border_combine(
    n: u32,
    lower: &[f64],
    diag: &[f64],
    upper: &[f64],
    rhs: &[f64],
    y: &[f64],
    z: &[f64],
    out: &mut [f64],
) {
    let n = n as usize;
    let x_last = (rhs[0] - upper[0] * y[1] - lower[0] * y[n - 1])
        / (diag[0] - upper[0] * z[1] - lower[0] * z[n - 1]);
    for (k, o) in out[..n - 1].iter_mut().enumerate() {
        *o = y[k + 1] - z[k + 1] * x_last;
    }
    out[n - 1] = x_last;
}
