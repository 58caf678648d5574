// r = F(v) in the level-major device layout (heat_levels.wgsl) for one segment of levels,
// one invocation per row. Bytes per unknown: reads v once (neighbours and the halo level come
// from cache), writes r once: 2 x 8 B in f64, 2 x 4 B in f32 (the minimum).

@group(0) @binding(4) var<storage, read_write> r: array<real>;

@compute @workgroup_size(256)
fn heat_residual_levels(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let k = grid_index(gid, nwg);
    if (k >= segment.levels * params.nx) {
        return;
    }
    r[k] = level_residual(segment.level0 + k / params.nx, k % params.nx);
}
