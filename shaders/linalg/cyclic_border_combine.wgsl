// The solution of the cyclic system from the block solutions T y = rhs and T z = v (stored from
// element 1) and the border row (element 0): x[n-1] = (r - upper y_0 - lower y_{n-2}) /
// (diag - upper z_0 - lower z_{n-2}), x[k] = y_k - z_k x[n-1], written to `out` in natural
// order. Every invocation forms x[n-1] itself (six loads, no synchronisation).
// Bytes per unknown (f64): reads y and z, writes x: 24 B.

@group(0) @binding(1) var<storage, read> lower: array<real>;
@group(0) @binding(2) var<storage, read> diag: array<real>;
@group(0) @binding(3) var<storage, read> upper: array<real>;
@group(0) @binding(4) var<storage, read> rhs: array<real>;
@group(0) @binding(5) var<storage, read> y: array<real>;
@group(0) @binding(6) var<storage, read> z: array<real>;
@group(0) @binding(7) var<storage, read_write> out: array<real>;

@compute @workgroup_size(256)
fn cyclic_border_combine(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let k = gid.x + gid.y * nwg.x * 256u;
    let n = params.n;
    if (k >= n) {
        return;
    }
    let x_last = (rhs[0] - upper[0] * y[1] - lower[0] * y[n - 1u])
        / (diag[0] - upper[0] * z[1] - lower[0] * z[n - 1u]);
    if (k + 1u == n) {
        out[k] = x_last;
    } else {
        out[k] = y[k + 1u] - z[k + 1u] * x_last;
    }
}
