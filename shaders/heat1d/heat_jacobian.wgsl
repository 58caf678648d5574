// Jacobian assembly for one chunk of time levels [cursor[0], cursor[0] + cursor[2]), clipped to
// the segment. Row (i, j) of the all-at-once system, `jac[(l*nx + j)*7 ..]` with l = i - cursor[0]:
// [A-, A0, A+, B-, B0, B+, F]: A = dF/dT[i, j-1..j+1], B = dF/dT[i-1, j-1..j+1], F the residual.
// Boundary rows and level 0 are identities (A = (0, 1, 0), B = 0).
// Bytes per unknown: reads v once, writes 7 reals into a chunk-sized scratch that stays in cache.

@group(0) @binding(4) var<storage, read> cursor: array<u32>;
@group(0) @binding(5) var<storage, read_write> jac: array<real>;

@compute @workgroup_size(256)
fn heat_jacobian(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let s = grid_index(gid, nwg);
    let nx = params.nx;
    let l = s / nx;
    let j = s % nx;
    let i = cursor[0] + l;
    if (l >= cursor[2] || i >= segment.level0 + segment.levels) {
        return;
    }
    let f = level_residual(i, j);
    var a = vec3<real>(0.0, 1.0, 0.0);
    var b = vec3<real>(0.0, 0.0, 0.0);
    if (has_stencil(i, j)) {
        let jw = flux_jacobian(v_at(i, j - 1u), v_at(i, j), v_at(i, j + 1u));
        let ju = flux_jacobian(v_at(i - 1u, j - 1u), v_at(i - 1u, j), v_at(i - 1u, j + 1u));
        a = params.theta * jw - vec3<real>(0.0, params.inv_dt, 0.0);
        b = (1.0 - params.theta) * ju + vec3<real>(0.0, params.inv_dt, 0.0);
    }
    let base = s * 7u;
    jac[base] = a.x;
    jac[base + 1u] = a.y;
    jac[base + 2u] = a.z;
    jac[base + 3u] = b.x;
    jac[base + 4u] = b.y;
    jac[base + 5u] = b.z;
    jac[base + 6u] = f;
}
