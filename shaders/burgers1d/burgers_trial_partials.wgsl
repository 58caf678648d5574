// The line-search trial point t = w + lambda dv and |G(t)| per workgroup, in one pass
// (neighbours' t formed on the fly). Bytes per unknown (f64): reads w, dv, q, writes t: 32 B
// (the minimum for a trial point that is kept).

@group(0) @binding(1) var<storage, read> members: array<Member>;
@group(0) @binding(2) var<storage, read> iterate: array<real>;
@group(0) @binding(3) var<storage, read> direction: array<real>;
@group(0) @binding(4) var<storage, read> q: array<real>;
@group(0) @binding(5) var<storage, read_write> trial: array<real>;
@group(0) @binding(6) var<storage, read_write> partials: array<real>;

fn t_at(i: u32) -> real {
    return iterate[i] + params.lambda * direction[i];
}

@compute @workgroup_size(256)
fn burgers_trial_partials(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let i = flat_index(gid, nwg);
    var f: real = 0.0;
    if (i < unknowns()) {
        let c = members[i % params.members];
        let here = t_at(i);
        trial[i] = here;
        f = flagged_abs(stage_residual(c, t_at(left_of(i)), here, t_at(right_of(i)), q[i]), 1.0);
    }
    store_partial(lid, wid, nwg, f, 0u);
}
