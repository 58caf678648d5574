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

// Row (i, j) of F from the stencils u3 = T[i-1, j-1..j+1] and w3 =
// T[i, j-1..j+1] (only w3.y is used on boundary and initial rows).
fn row_residual(i: u32, j: u32, u3: vec3<real>, w3: vec3<real>) -> real {
    if (j == 0u) {
        return w3.y - params.t_x0;
    }
    if (j == params.nx - 1u) {
        return w3.y - params.t_xl;
    }
    if (i == 0u) {
        return w3.y - params.t_t0;
    }
    return energy_balance(u3.x, u3.y, u3.z, w3.x, w3.y, w3.z);
}

// Energy rows are scaled by 1 / |their diagonal| in norms, so every row is in temperature units.
fn row_scale(i: u32, j: u32) -> real {
    if (i == 0u || j == 0u || j == params.nx - 1u) {
        return 1.0;
    }
    return params.energy_scale;
}

fn has_stencil(i: u32, j: u32) -> bool {
    return i > 0u && j > 0u && j < params.nx - 1u;
}

fn level_residual(i: u32, j: u32) -> real {
    if (!has_stencil(i, j)) {
        return row_residual(i, j, vec3<real>(0.0), vec3<real>(0.0, v_at(i, j), 0.0));
    }
    let u3 = vec3<real>(v_at(i - 1u, j - 1u), v_at(i - 1u, j), v_at(i - 1u, j + 1u));
    let w3 = vec3<real>(v_at(i, j - 1u), v_at(i, j), v_at(i, j + 1u));
    return row_residual(i, j, u3, w3);
}

// One index from a 2-D grid of 256-wide workgroups (src/gpu/grid.rs).
fn grid_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return gid.x + gid.y * nwg.x * 256u;
}
