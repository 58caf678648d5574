// r = F(v) in the level-major device layout (heat_levels.wgsl), one invocation per row.
// Bytes per unknown: reads v once (neighbours come from cache), writes r once:
// 2 x 8 B in f64, 2 x 4 B in f32 (the minimum).

@group(0) @binding(2) var<storage, read_write> r: array<real>;

@compute @workgroup_size(256)
fn heat_residual_levels(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let k = grid_index(gid, nwg);
    if (k >= params.nt * params.nx) {
        return;
    }
    r[k] = level_residual(k / params.nx, k % params.nx);
}
