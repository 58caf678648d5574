// The start of a theta step from the level u (the iterate): the explicit part
// q = u + tau L(u) (tau = (1 - theta) dt) and the first guess of the new level, the linear
// extrapolation 2 u - u_prev (into `guess`; burgers_shift moves it into place).
// Bytes per unknown (f64): reads u and u_prev, writes q and the guess: 32 B.

@group(0) @binding(1) var<storage, read> members: array<Member>;
@group(0) @binding(2) var<storage, read> iterate: array<real>;
@group(0) @binding(3) var<storage, read> previous: array<real>;
@group(0) @binding(4) var<storage, read_write> q: array<real>;
@group(0) @binding(5) var<storage, read_write> guess: array<real>;

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
    let u = iterate[i];
    q[i] = explicit_row(c, iterate[left_of(i)], u, iterate[right_of(i)]);
    guess[i] = 2.0 * u - previous[i];
}
