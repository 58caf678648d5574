// q = u + tau L(u) for every point of every member: the explicit part of a theta step
// (tau = (1 - theta) dt). Bytes per unknown (f64): reads u, writes q: 16 B (the minimum).

@group(0) @binding(1) var<storage, read> members: array<Member>;
@group(0) @binding(2) var<storage, read> old: array<real>;
@group(0) @binding(3) var<storage, read_write> q: array<real>;

@compute @workgroup_size(256)
fn burgers_explicit(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let i = flat_index(gid, nwg);
    if (i >= unknowns()) {
        return;
    }
    let c = members[i % params.members];
    q[i] = explicit_row(c, old[left_of(i)], old[i], old[right_of(i)]);
}
