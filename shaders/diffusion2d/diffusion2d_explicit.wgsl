// One explicit step of 2D diffusion (PROBLEMS.md P2), one invocation per point of the row-major
// ny x nx field: u' = u + r ((((up + down) + left) + right) - 4 u), periodic (indices wrapped) or
// Dirichlet (edge points copied). CPU twin: problems::diffusion2d::kernels::diffusion2d_explicit.
// Bytes per point-step (f64): 8 B read + 8 B written, the minimum, when the four neighbours
// come from cache (they are read by the invocations of the neighbouring rows and columns).

struct ExplicitParams {
    ny: u32,
    nx: u32,
    periodic: u32,
    r: real,
}

@group(0) @binding(0) var<storage, read> params: ExplicitParams;
@group(0) @binding(1) var<storage, read> src: array<real>;
@group(0) @binding(2) var<storage, read_write> dst: array<real>;

@compute @workgroup_size(256)
fn diffusion2d_explicit(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let idx = gid.x + gid.y * nwg.x * 256u;
    let ny = params.ny;
    let nx = params.nx;
    if (idx >= ny * nx) {
        return;
    }
    let i = idx / nx;
    let j = idx - i * nx;
    let c = src[idx];
    let edge = i == 0u || j == 0u || i == ny - 1u || j == nx - 1u;
    if (params.periodic == 0u && edge) {
        dst[idx] = c;
        return;
    }
    let up = src[select(idx - nx, idx + (ny - 1u) * nx, i == 0u)];
    let down = src[select(idx + nx, j, i == ny - 1u)];
    let left = src[select(idx - 1u, idx + nx - 1u, j == 0u)];
    let right = src[select(idx + 1u, idx + 1u - nx, j == nx - 1u)];
    dst[idx] = c + params.r * ((((up + down) + left) + right) - 4.0 * c);
}
