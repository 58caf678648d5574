// Block starts of the blocked linear solve (src/kernels/affine_levels.rs): block b = g S + t
// starts at d_b = M^{tK} D[g] (t = 0: the group start D[g] itself). One invocation per block
// and interior row; reads a row of M^{tK} and D[g] (cached), writes one real.

@group(0) @binding(0) var<storage, read> block: BlockParams;
@group(0) @binding(1) var<storage, read> block_powers: array<real>; // M^{tK}, t = 1..S-1, row-major
@group(0) @binding(2) var<storage, read> group_starts: array<real>; // D[g], m per group
@group(0) @binding(3) var<storage, read_write> starts: array<real>; // d_b, m per block

@compute @workgroup_size(256)
fn affine_block_starts(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let k = gid.x + gid.y * nwg.x * 256u;
    let m = block.interior;
    if (k >= block.blocks * m) {
        return;
    }
    let b = k / m;
    let r = k % m;
    let g = b / block.group_blocks;
    let t = b % block.group_blocks;
    if (t == 0u) {
        starts[k] = group_starts[g * m + r];
        return;
    }
    let row = (t - 1u) * m * m + r * m;
    var acc: real = 0.0;
    for (var c = 0u; c < m; c++) {
        acc = acc + block_powers[row + c] * group_starts[g * m + c];
    }
    starts[k] = acc;
}
