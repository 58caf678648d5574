// Thomas solve of a batch of systems that share one matrix, factorised once on the host
// (kernels::thomas_factor): factors[3k..3k+3] = (lower_k, 1/p_k, c'_k), the pivots p_k and the
// modified super-diagonal c'_k of thomas_batched. One invocation per system:
//   y_0 = rhs_0 / p_0,  y_k = (rhs_k - lower_k y_{k-1}) / p_k,  x_{n-1} = y_{n-1},  x_k = y_k - c'_k x_{k+1}.
// Bytes per unknown (f64): state 2 x 8 B (rhs, x); traffic 4 x 8 B, since y is written to x and
// read back. The 3n factors are the same for every invocation and stay in cache.

@group(0) @binding(1) var<storage, read> factors: array<real>;
@group(0) @binding(2) var<storage, read> rhs: array<real>;
@group(0) @binding(3) var<storage, read_write> x: array<real>;

@compute @workgroup_size(256)
fn thomas_batched_factored(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let s = gid.x + gid.y * nwg.x * 256u;
    if (s >= params.batch) {
        return;
    }
    var i = params.offset + s;
    var y_prev = rhs[i] * factors[1];
    x[i] = y_prev;
    for (var k = 1u; k < params.n; k++) {
        i += params.batch;
        y_prev = (rhs[i] - factors[3u * k] * y_prev) * factors[3u * k + 1u];
        x[i] = y_prev;
    }
    var x_next = y_prev;
    for (var k = params.n - 1u; k > 0u; k--) {
        i -= params.batch;
        x_next = x[i] - factors[3u * (k - 1u) + 2u] * x_next;
        x[i] = x_next;
    }
}
