// Shared by the kernels that read the iterate v in the level-major device layout.
//
// Device layout of the residual: row (i, j) of level i sits at i*nx + j, like the unknown it
// determines: j = 0 and j = nx-1 are level i's boundary rows, interior j of level 0 the initial
// condition, interior j of level i >= 1 the energy balance between levels i-1 and i.
// src/kernels/heat_residual_levels.rs maps it to the users' (P1) order.

@group(0) @binding(1) var<storage, read> v: array<real>;

fn level_residual(i: u32, j: u32) -> real {
    let nx = params.nx;
    let k = i * nx + j;
    if (j == 0u) {
        return v[k] - params.t_x0;
    }
    if (j == nx - 1u) {
        return v[k] - params.t_xl;
    }
    if (i == 0u) {
        return v[k] - params.t_t0;
    }
    let o = k - nx;
    return energy_balance(v[o - 1u], v[o], v[o + 1u], v[k - 1u], v[k], v[k + 1u]);
}

// One index from a 2-D grid of 256-wide workgroups (src/gpu/grid.rs).
fn grid_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return gid.x + gid.y * nwg.x * 256u;
}
