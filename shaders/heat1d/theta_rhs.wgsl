// Right side of one implicit theta step of the linear heat equation (beta = 0) for a batch of
// members, interleaved: point j of member s at j * members + s (members = 1: plain order).
//   (I - theta r_s D2) T' = T + (1 - theta) r_s D2 T,   r_s = alpha_s dt / dx^2,
// with identity boundary rows holding the member's Dirichlet values. The matrix on the left is
// solved by the tridiagonal kernels. Bytes per unknown: reads T once (neighbours from cache),
// writes rhs once: 2 x 8 B in f64.

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
@group(0) @binding(2) var<storage, read> t: array<real>;
@group(0) @binding(3) var<storage, read_write> rhs: array<real>;

@compute @workgroup_size(256)
fn theta_rhs(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let k = gid.x + gid.y * nwg.x * 256u;
    let m = params.members;
    if (k >= params.nx * m) {
        return;
    }
    let j = k / m;
    let member = members[k % m];
    if (j == 0u) {
        rhs[k] = member.t_x0;
    } else if (j == params.nx - 1u) {
        rhs[k] = member.t_xl;
    } else {
        let lap = t[k + m] - 2.0 * t[k] + t[k - m];
        rhs[k] = t[k] + (1.0 - params.theta) * member.r * lap;
    }
}
