//! `max_abs_reduce`: one pass of the GPU's max-norm reduction, 256 values per partial.

/// Values per workgroup (and per partial).
pub const REDUCE_WIDTH: usize = 256;

/// Parameters of `shaders/max_abs_reduce.wgsl`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NormParams {
    pub n: u32,
    /// Level length of the level-major layout whose energy rows are scaled; 0: no scaling.
    pub nx: u32,
    /// `x` holds partials of an earlier pass (already scaled; -1 marks non-finite).
    pub partials: bool,
    /// Global index of `x[0]` (x may be one segment of a longer array).
    pub first: u32,
    /// Where this pass's partials start in `partials`.
    pub offset: u32,
    /// Factor of the energy rows (dt).
    pub scale: f64,
}

/// `partials[w] = max |s_i x_i|` over `x[256 w .. 256 (w+1)]`, -1 if any value is non-finite.
pub fn max_abs_reduce(params: &NormParams, x: &[f64], partials: &mut [f64]) {
    let (n, nx, first) = (params.n as usize, params.nx as usize, params.first as usize);
    let partials = &mut partials[params.offset as usize..];
    for (w, partial) in partials
        .iter_mut()
        .enumerate()
        .take(n.div_ceil(REDUCE_WIDTH))
    {
        let start = w * REDUCE_WIDTH;
        *partial = (start..(start + REDUCE_WIDTH).min(n)).fold(0.0, |best: f64, i| {
            let m = if params.partials {
                x[i]
            } else {
                let g = first + i;
                let scaled = nx > 0 && g >= nx && g % nx != 0 && g % nx != nx - 1;
                let a = x[i].abs() * if scaled { params.scale } else { 1.0 };
                if a <= f64::MAX {
                    a
                } else {
                    -1.0
                }
            };
            if best < 0.0 || m < 0.0 {
                -1.0
            } else {
                best.max(m)
            }
        });
    }
}

/// Reduces `x` to its (scaled) max-norm by repeated passes; NaN if any value is non-finite.
pub fn max_abs_norm(params: &NormParams, x: &[f64]) -> f64 {
    let mut values = x[..params.n as usize].to_vec();
    let mut pass = *params;
    loop {
        let mut partials = vec![0.0; values.len().div_ceil(REDUCE_WIDTH)];
        max_abs_reduce(&pass, &values, &mut partials);
        if partials.len() == 1 {
            return if partials[0] < 0.0 {
                f64::NAN
            } else {
                partials[0]
            };
        }
        pass = NormParams {
            n: partials.len() as u32,
            nx: 0,
            partials: true,
            first: 0,
            offset: 0,
            scale: 1.0,
        };
        values = partials;
    }
}
