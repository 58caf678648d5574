// Shared by the kernels that read the iterate v in the level-major device layout.
//
// Device layout of the residual: row (i, j) of level i sits at i*nx + j, like the unknown it
// determines: j = 0 and j = nx-1 are level i's boundary rows, interior j of level 0 the initial
// condition, interior j of level i >= 1 the energy balance between levels i-1 and i.
// src/kernels/heat_residual_levels.rs maps it to the users' (P1) order.

@group(0) @binding(1) var<storage, read> v: array<real>;
@group(0) @binding(2) var<storage, read> v_prev: array<real>;
@group(0) @binding(3) var<storage, read> segment: Segment;

// T[i, j] for a level i of this segment or the one before it (the halo).
fn v_at(i: u32, j: u32) -> real {
    let nx = params.nx;
    if (i >= segment.level0) {
        return v[(i - segment.level0) * nx + j];
    }
    return v_prev[(segment.prev_levels - 1u) * nx + j];
}

fn level_residual(i: u32, j: u32) -> real {
    let here = v_at(i, j);
    if (j == 0u) {
        return here - params.t_x0;
    }
    if (j == params.nx - 1u) {
        return here - params.t_xl;
    }
    if (i == 0u) {
        return here - params.t_t0;
    }
    return energy_balance(v_at(i - 1u, j - 1u), v_at(i - 1u, j), v_at(i - 1u, j + 1u), v_at(i, j - 1u), here, v_at(i, j + 1u));
}

// One index from a 2-D grid of 256-wide workgroups (src/gpu/grid.rs).
fn grid_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return gid.x + gid.y * nwg.x * 256u;
}
