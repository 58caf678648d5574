// Pass 3 of the partitioned solver, one invocation per row: with the reduced solution
// x_0 = x[reduced 2j] and x_{m-1} = x[reduced 2j+1] of block j, the interior rows left by
// tridiag_partition_reduce give  x_i = delta_i - alpha_i x_0 - gamma_i x_{m-1}  (delta is in x).
// Bytes per unknown (f64): reads delta, alpha, gamma and writes x: 32 B.

@group(0) @binding(1) var<storage, read_write> x: array<real>;
@group(0) @binding(2) var<storage, read> alpha: array<real>;
@group(0) @binding(3) var<storage, read> gamma: array<real>;

@compute @workgroup_size(256)
fn tridiag_partition_substitute(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if (i >= params.n) {
        return;
    }
    let j = min(i / params.block_rows, params.blocks - 1u);
    let local = i - j * params.block_rows;
    let reduced = params.offset + params.n + 2u * j;
    let g = params.offset + i;
    let x_first = x[reduced];
    let x_last = x[reduced + 1u];
    if (local == 0u) {
        x[g] = x_first;
    } else if (local == block_len(j) - 1u) {
        x[g] = x_last;
    } else {
        x[g] = x[g] - alpha[g] * x_first - gamma[g] * x_last;
    }
}
