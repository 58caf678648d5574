// The max-norms of F(v) (energy rows times dt) and of v, per workgroup of one segment, without
// storing F: partials[segment.partials_offset + w] and [... + partials_stride]. Finished by
// max_abs_reduce. Bytes per unknown: reads v once, 8 B in f64 (the minimum).

@group(0) @binding(4) var<storage, read_write> partials: array<real>;

@compute @workgroup_size(256)
fn heat_residual_partials(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let k = grid_index(gid, nwg);
    var f: real = 0.0;
    var x: real = 0.0;
    if (k < segment.levels * params.nx) {
        let i = segment.level0 + k / params.nx;
        let j = k % params.nx;
        f = flagged_abs(level_residual(i, j), row_scale(i, j));
        x = flagged_abs(v_at(i, j), 1.0);
    }
    store_norm_partials(lid, wid, nwg, f, x);
}
