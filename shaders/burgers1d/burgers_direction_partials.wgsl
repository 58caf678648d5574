// |dv| and |w| per workgroup: partials at [0, G) and [G, 2G), G = ceil(unknowns / 256).
// Bytes per unknown (f64): reads dv and w: 16 B.

@group(0) @binding(2) var<storage, read> direction: array<real>;
@group(0) @binding(3) var<storage, read> iterate: array<real>;
@group(0) @binding(4) var<storage, read_write> partials: array<real>;

@compute @workgroup_size(256)
fn burgers_direction_partials(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let i = flat_index(gid, nwg);
    var d: real = 0.0;
    var w: real = 0.0;
    if (i < unknowns()) {
        d = flagged_abs(direction[i], 1.0);
        w = flagged_abs(iterate[i], 1.0);
    }
    store_partial(lid, wid, nwg, d, 0u);
    store_partial(lid, wid, nwg, w, (unknowns() + 255u) / 256u);
}
