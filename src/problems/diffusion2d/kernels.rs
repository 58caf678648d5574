//! CPU twins of `shaders/diffusion2d/*.wgsl`: for each kernel a function of the same name, the
//! same argument order and the same arithmetic, in f64, and the parameter structs with their
//! device bytes. The GPU is checked against these; these are checked against the exact
//! solutions (and the explicit twin against the CPU march, to the bit).

use crate::gpu::layout::WgslStruct;
use crate::linalg::cyclic_factored::CyclicFactored;
use crate::precision::Precision;

/// `ExplicitParams` of `diffusion2d_explicit.wgsl`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExplicitParams {
    pub ny: u32,
    pub nx: u32,
    pub periodic: bool,
    pub r: f64,
}

impl ExplicitParams {
    pub fn bytes(&self, precision: Precision) -> Vec<u8> {
        WgslStruct::new(precision)
            .u32(self.ny)
            .u32(self.nx)
            .u32(self.periodic.into())
            .real(self.r)
            .finish()
    }
}

/// `SweepParams` of `diffusion2d_adi_sweep.wgsl`: a field of `nk x ns`, systems along k.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepParams {
    pub nk: u32,
    pub ns: u32,
    pub periodic: bool,
    pub half_r: f64,
    pub edge: f64,
}

impl SweepParams {
    pub fn bytes(&self, precision: Precision) -> Vec<u8> {
        WgslStruct::new(precision)
            .u32(self.nk)
            .u32(self.ns)
            .u32(self.periodic.into())
            .real(self.half_r)
            .real(self.edge)
            .finish()
    }
}

/// `TransposeParams` of `diffusion2d_transpose.wgsl`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransposeParams {
    pub rows: u32,
    pub cols: u32,
}

impl TransposeParams {
    pub fn bytes(&self, precision: Precision) -> Vec<u8> {
        WgslStruct::new(precision)
            .u32(self.rows)
            .u32(self.cols)
            .finish()
    }
}

/// One explicit step: `dst` from `src` (row-major `ny x nx`).
pub fn diffusion2d_explicit(params: &ExplicitParams, src: &[f64], dst: &mut [f64]) {
    let (ny, nx) = (params.ny as usize, params.nx as usize);
    assert!(src.len() == ny * nx && dst.len() == ny * nx);
    for idx in 0..ny * nx {
        let (i, j) = (idx / nx, idx % nx);
        let c = src[idx];
        let edge = i == 0 || j == 0 || i == ny - 1 || j == nx - 1;
        if !params.periodic && edge {
            dst[idx] = c;
            continue;
        }
        let up = src[if i == 0 {
            idx + (ny - 1) * nx
        } else {
            idx - nx
        }];
        let down = src[if i == ny - 1 { j } else { idx + nx }];
        let left = src[if j == 0 { idx + nx - 1 } else { idx - 1 }];
        let right = src[if j == nx - 1 { idx + 1 - nx } else { idx + 1 }];
        dst[idx] = c + params.r * ((((up + down) + left) + right) - 4.0 * c);
    }
}

/// One ADI half-step's systems: `out` (`nk x ns`) from `src` (`nk x ns`) with `factors` from
/// [`CyclicFactored::packed`].
pub fn diffusion2d_adi_sweep(params: &SweepParams, factors: &[f64], src: &[f64], out: &mut [f64]) {
    let (nk, ns) = (params.nk as usize, params.ns as usize);
    assert!(src.len() == nk * ns && out.len() == nk * ns);
    let first = if params.periodic { 0 } else { 1 };
    let n = if params.periodic { nk } else { nk - 2 };
    assert_eq!(factors.len(), 5 * n + 2, "factors packed for {n} unknowns");
    let (known_one, known_both) = if params.periodic {
        (0.0, 0.0)
    } else {
        (
            params.half_r * params.edge,
            2.0 * params.half_r * params.edge,
        )
    };
    for s in 0..ns {
        if !params.periodic && (s == 0 || s == ns - 1) {
            for k in 0..nk {
                out[k * ns + s] = params.edge;
            }
            continue;
        }
        let sl = if s == 0 { ns - 1 } else { s - 1 };
        let sr = if s + 1 == ns { 0 } else { s + 1 };
        let (mut prev, mut dot) = (0.0, 0.0);
        for q in 0..n {
            let row = (q + first) * ns;
            let c = src[row + s];
            let mut b = c + params.half_r * ((src[row + sl] - 2.0 * c) + src[row + sr]);
            if n == 1 {
                b += known_both;
            } else if q == 0 || q + 1 == n {
                b += known_one;
            }
            prev = (b - factors[3 * q] * prev) * factors[3 * q + 1];
            dot += factors[3 * n + q] * b;
            out[row + s] = prev;
        }
        let corr = (dot + factors[5 * n] * prev) * factors[5 * n + 1];
        let mut y_next = prev;
        out[(n - 1 + first) * ns + s] = prev - corr * factors[4 * n + n - 1];
        for p in (0..n - 1).rev() {
            let at = (p + first) * ns + s;
            let y = out[at] - factors[3 * p + 2] * y_next;
            y_next = y;
            out[at] = y - corr * factors[4 * n + p];
        }
        if !params.periodic {
            out[s] = params.edge;
            out[(nk - 1) * ns + s] = params.edge;
        }
    }
}

/// `dst[c][r] = src[r][c]` for a `rows x cols` field.
pub fn diffusion2d_transpose(params: &TransposeParams, src: &[f64], dst: &mut [f64]) {
    let (rows, cols) = (params.rows as usize, params.cols as usize);
    assert!(src.len() == rows * cols && dst.len() == rows * cols);
    for r in 0..rows {
        for c in 0..cols {
            dst[c * rows + r] = src[r * cols + c];
        }
    }
}

/// One whole ADI step by the twins, as the GPU runs it: `state` is the transposed field
/// (`nx x ny`), `scratch` one more field; `along_x`, `along_y` from `adi::factorisations`.
pub fn adi_step_twins(
    p: &super::Diffusion2D,
    along_x: &CyclicFactored,
    along_y: &CyclicFactored,
    state: &mut [f64],
    scratch: &mut [f64],
) {
    let (ny, nx) = (p.ny as u32, p.nx as u32);
    let sweep = |nk, ns| SweepParams {
        nk,
        ns,
        periodic: p.is_periodic(),
        half_r: 0.5 * p.r(),
        edge: p.edge,
    };
    diffusion2d_adi_sweep(&sweep(nx, ny), &along_x.packed(), state, scratch);
    diffusion2d_transpose(&TransposeParams { rows: nx, cols: ny }, scratch, state);
    diffusion2d_adi_sweep(&sweep(ny, nx), &along_y.packed(), state, scratch);
    diffusion2d_transpose(&TransposeParams { rows: ny, cols: nx }, scratch, state);
}
