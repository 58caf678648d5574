// The scaled stage residual |G(w)| per workgroup (partials, finished by max_abs_reduce); G is
// never stored. Bytes per unknown (f64): reads w and q: 16 B (the minimum).

@group(0) @binding(1) var<storage, read> members: array<Member>;
@group(0) @binding(2) var<storage, read> iterate: array<real>;
@group(0) @binding(3) var<storage, read> q: array<real>;
@group(0) @binding(4) var<storage, read_write> partials: array<real>;

@compute @workgroup_size(256)
fn burgers_residual_partials(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let i = flat_index(gid, nwg);
    var f: real = 0.0;
    if (i < unknowns()) {
        let c = members[i % params.members];
        f = flagged_abs(stage_residual(c, iterate[left_of(i)], iterate[i], iterate[right_of(i)], q[i]), 1.0);
    }
    store_partial(lid, wid, nwg, f, 0u);
}
