// Verification of one step of the linear theta march, on the device: the scaled residual of
//   (I - theta r_s D2) x = rhs    (identity rows on the boundary, as theta_matrix),
// row k divided by its diagonal 1 + 2 theta r_s, so it is in temperature units. Accumulated as
// a running maximum per workgroup over all steps since the partials were cleared:
// partials[w] = combine(partials[w], max over the workgroup's 256 points), -1 if not finite.
// Bytes per unknown: reads x and rhs once (neighbours from cache): 16 B in f64.

struct MarchParams {
    nx: u32,
    members: u32,
    theta: real,
}

struct Member {
    r: real,
    t_x0: real,
    t_xl: real,
}

@group(0) @binding(0) var<storage, read> params: MarchParams;
@group(0) @binding(1) var<storage, read> members: array<Member>;
@group(0) @binding(2) var<storage, read> x: array<real>;
@group(0) @binding(3) var<storage, read> rhs: array<real>;
@group(0) @binding(4) var<storage, read_write> partials: array<real>;

@compute @workgroup_size(256)
fn theta_step_residual(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let k = gid.x + gid.y * nwg.x * 256u;
    let m = params.members;
    var value: real = 0.0;
    if (k < params.nx * m) {
        let j = k / m;
        let member = members[k % m];
        if (j == 0u) {
            value = flagged_abs(x[k] - member.t_x0, 1.0);
        } else if (j == params.nx - 1u) {
            value = flagged_abs(x[k] - member.t_xl, 1.0);
        } else {
            let off = params.theta * member.r;
            let diag = 1.0 + 2.0 * off;
            let row = diag * x[k] - off * (x[k + m] + x[k - m]) - rhs[k];
            value = flagged_abs(row, 1.0 / diag);
        }
    }
    let result = workgroup_max(lid, value);
    if (lid == 0u) {
        let w = wid.x + wid.y * nwg.x;
        partials[w] = combine(partials[w], result);
    }
}
