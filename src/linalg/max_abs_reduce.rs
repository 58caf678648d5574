//! `max_abs_reduce` and the max-norm building blocks of `shaders/common/workgroup_max.wgsl`.
//!
//! The GPU's max-norms are computed per workgroup of [`REDUCE_WIDTH`] values into partials
//! (by the fused kernels), then reduced pass by pass. -1 marks "not finite": norms are
//! otherwise >= 0, so a NaN or an infinity is never hidden by `max`.

/// Values per workgroup (and per partial).
pub const REDUCE_WIDTH: usize = 256;

/// `max(a, b)`, or -1 if either is the non-finite flag.
#[inline(always)]
pub fn combine(a: f64, b: f64) -> f64 {
    if a < 0.0 || b < 0.0 {
        -1.0
    } else {
        a.max(b)
    }
}

/// `|x| scale`, or -1 when that is not finite.
#[inline(always)]
pub fn flagged_abs(x: f64, scale: f64) -> f64 {
    let a = x.abs() * scale;
    if a <= f64::MAX {
        a
    } else {
        -1.0
    }
}

/// The flagged max over each block of [`REDUCE_WIDTH`] values of `values(k)`, k < n, into
/// `out[w]` (the workgroups of a 1-D dispatch).
pub fn workgroup_maxima(n: usize, values: impl Fn(usize) -> f64, out: &mut [f64]) {
    for (w, slot) in out.iter_mut().enumerate().take(n.div_ceil(REDUCE_WIDTH)) {
        let start = w * REDUCE_WIDTH;
        *slot = (start..(start + REDUCE_WIDTH).min(n)).fold(0.0, |m, k| combine(m, values(k)));
    }
}

/// Parameters of `shaders/common/max_abs_reduce.wgsl`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReduceParams {
    pub n: u32,
    pub input_offset: u32,
    pub output_offset: u32,
}

/// `out[output_offset + w] = combine` of `x[input_offset + 256 w ..][..256]`.
pub fn max_abs_reduce(params: &ReduceParams, x: &[f64], out: &mut [f64]) {
    let input = &x[params.input_offset as usize..];
    workgroup_maxima(
        params.n as usize,
        |k| input[k],
        &mut out[params.output_offset as usize..],
    );
}

/// Reduces flagged partials to the norm; NaN if any value was not finite.
pub fn finish_max_norm(partials: &[f64]) -> f64 {
    let m = partials.iter().fold(0.0, |m, &x| combine(m, x));
    if m < 0.0 {
        f64::NAN
    } else {
        m
    }
}
