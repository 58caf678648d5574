// Pass 1 of the partitioned solver: eliminates the interior of block j (one invocation per block),
// leaving two rows per block that couple only the blocks' first and last unknowns: the reduced
// system, tridiagonal again, of 2 * blocks rows. Block rows i = 0..m (m >= 3), bands a, b, c, d:
//  forward, i = 1..m-1: rows become  x_i + alpha_i x_0 + gamma_i x_{i+1} = delta_i  with
//      r = 1 / (b_i - a_i gamma_{i-1}),  alpha_i = -a_i alpha_{i-1} r,  gamma_i = c_i r,
//      delta_i = (d_i - a_i delta_{i-1}) r,  from alpha_0 = -1, gamma_0 = delta_0 = 0;
//  backward, i = m-3..1: rows become  x_i + alpha_i x_0 + gamma_i x_{m-1} = delta_i:
//      alpha_i -= gamma_i alpha_{i+1},  delta_i -= gamma_i delta_{i+1},  gamma_i = -gamma_i gamma_{i+1};
//  reduced row 2j   (x_0):     a_0 x_{-1} + (b_0 - c_0 alpha_1) x_0 - c_0 gamma_1 x_{m-1} = d_0 - c_0 delta_1;
//  reduced row 2j+1 (x_{m-1}): alpha_{m-1} x_0 + x_{m-1} + gamma_{m-1} x_m = delta_{m-1}.
// x_{-1} and x_m are the neighbouring blocks' last and first unknowns, reduced rows 2j-1 and 2j+2.
// The reduced matrix is the Schur complement of the block interiors (the x_{m-1} rows scaled by
// their pivot), so strict diagonal dominance carries over to it. delta is kept in x, alpha and
// gamma in their arrays, for tridiag_partition_substitute.
// Bytes per unknown (f64): forward reads 4 and writes 3 reals, backward reads 3 and writes 3: 104 B
// (state: 7 arrays x 8 B).

@group(0) @binding(1) var<storage, read_write> lower: array<real>;
@group(0) @binding(2) var<storage, read_write> diag: array<real>;
@group(0) @binding(3) var<storage, read_write> upper: array<real>;
@group(0) @binding(4) var<storage, read_write> rhs: array<real>;
@group(0) @binding(5) var<storage, read_write> x: array<real>;
@group(0) @binding(6) var<storage, read_write> alpha: array<real>;
@group(0) @binding(7) var<storage, read_write> gamma: array<real>;

@compute @workgroup_size(256)
fn tridiag_partition_reduce(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let j = gid.x + gid.y * nwg.x * 256u;
    if (j >= params.blocks) {
        return;
    }
    let first = params.offset + j * params.block_rows;
    let last = first + block_len(j) - 1u;
    var alpha_prev: real = -1.0;
    var gamma_prev: real = 0.0;
    var delta_prev: real = 0.0;
    for (var g = first + 1u; g <= last; g++) {
        let a = lower[g];
        let r = 1.0 / (diag[g] - a * gamma_prev);
        alpha_prev = -a * alpha_prev * r;
        gamma_prev = upper[g] * r;
        delta_prev = (rhs[g] - a * delta_prev) * r;
        alpha[g] = alpha_prev;
        gamma[g] = gamma_prev;
        x[g] = delta_prev;
    }
    let reduced = params.offset + params.n + 2u * j;
    lower[reduced + 1u] = alpha_prev;
    diag[reduced + 1u] = 1.0;
    upper[reduced + 1u] = gamma_prev;
    rhs[reduced + 1u] = delta_prev;

    var alpha_next = alpha[last - 1u];
    var gamma_next = gamma[last - 1u];
    var delta_next = x[last - 1u];
    for (var g = last - 2u; g > first; g--) {
        let gamma_g = gamma[g];
        alpha_next = alpha[g] - gamma_g * alpha_next;
        delta_next = x[g] - gamma_g * delta_next;
        gamma_next *= -gamma_g;
        alpha[g] = alpha_next;
        gamma[g] = gamma_next;
        x[g] = delta_next;
    }
    let c0 = upper[first];
    lower[reduced] = lower[first];
    diag[reduced] = diag[first] - c0 * alpha_next;
    upper[reduced] = -c0 * gamma_next;
    rhs[reduced] = rhs[first] - c0 * delta_next;
}
