//! `newton_update`: the line-search trial point `out = v + lambda dv`.

/// Parameters of `shaders/newton_update.wgsl`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UpdateParams {
    pub n: u32,
    pub lambda: f64,
}

pub fn newton_update(params: &UpdateParams, v: &[f64], dv: &[f64], out: &mut [f64]) {
    let n = params.n as usize;
    for ((o, x), d) in out[..n].iter_mut().zip(&v[..n]).zip(&dv[..n]) {
        *o = x + params.lambda * d;
    }
}
