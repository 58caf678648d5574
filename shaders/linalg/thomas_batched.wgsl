// Thomas algorithm (LU without pivoting) on a batch of independent tridiagonal systems, one
// invocation per system:
//   lower_k x_{k-1} + diag_k x_k + upper_k x_{k+1} = rhs_k,  k = 0..n  (lower_0, upper_{n-1} unused)
// forward:  p_k = diag_k - lower_k c'_{k-1},  c'_k = upper_k / p_k,  y_k = (rhs_k - lower_k y_{k-1}) / p_k
// backward: x_{n-1} = y_{n-1},  x_k = y_k - c'_k x_{k+1}   (y is kept in x).
// Safe for strictly diagonally dominant systems (|c'_k| < 1, |p_k| > |lower_k|); the host checks.
// Bytes per unknown (f64): the forward sweep reads 4 and writes 2 reals, the backward sweep reads
// 2 and writes 1: 72 B (state: 6 arrays x 8 B).

@group(0) @binding(1) var<storage, read> lower: array<real>;
@group(0) @binding(2) var<storage, read> diag: array<real>;
@group(0) @binding(3) var<storage, read> upper: array<real>;
@group(0) @binding(4) var<storage, read> rhs: array<real>;
@group(0) @binding(5) var<storage, read_write> x: array<real>;
@group(0) @binding(6) var<storage, read_write> c_prime: array<real>;

@compute @workgroup_size(256)
fn thomas_batched(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let s = gid.x + gid.y * nwg.x * 256u;
    if (s >= params.batch) {
        return;
    }
    var i = params.offset + s;
    var inv_pivot = 1.0 / diag[i];
    var c_prev = upper[i] * inv_pivot;
    var y_prev = rhs[i] * inv_pivot;
    c_prime[i] = c_prev;
    x[i] = y_prev;
    for (var k = 1u; k < params.n; k++) {
        i += params.batch;
        let l = lower[i];
        inv_pivot = 1.0 / (diag[i] - l * c_prev);
        c_prev = upper[i] * inv_pivot;
        y_prev = (rhs[i] - l * y_prev) * inv_pivot;
        c_prime[i] = c_prev;
        x[i] = y_prev;
    }
    var x_next = y_prev;
    for (var k = params.n - 1u; k > 0u; k--) {
        i -= params.batch;
        x_next = x[i] - c_prime[i] * x_next;
        x[i] = x_next;
    }
}
