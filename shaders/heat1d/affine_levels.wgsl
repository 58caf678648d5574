// The levels of the blocked linear solve (src/kernels/affine_levels.rs): level i = b K + j is
// T_s + M^j d_b (j = 0: T_s + d_b; level 0: the initial condition). One invocation per unknown
// of the segment, no chain between levels; reads m powers and m block-start values (both stay
// in cache: m (K-1) nx and m nt / K reals) and writes the unknown once: 8 B per unknown in f64.

@group(0) @binding(1) var<storage, read> block: BlockParams;
@group(0) @binding(2) var<storage, read> steady: array<real>;       // T_s, nx values
@group(0) @binding(3) var<storage, read> level_powers: array<real>; // column c of M^j at c (K-1) nx + (j-1) nx + x
@group(0) @binding(4) var<storage, read> starts: array<real>;       // d_b, m per block
@group(0) @binding(5) var<storage, read_write> out: array<real>;    // the segment's levels

fn level_value(i: u32, x: u32) -> real {
    let nx = block.nx;
    if (x == 0u) {
        return params.t_x0;
    }
    if (x == nx - 1u) {
        return params.t_xl;
    }
    if (i == 0u) {
        return params.t_t0;
    }
    let m = block.interior;
    let b = i / block.block_levels;
    let j = i % block.block_levels;
    let d = b * m;
    if (j == 0u) {
        return steady[x] + starts[d + x - 1u];
    }
    let rows = (block.block_levels - 1u) * nx;
    let f = (j - 1u) * nx + x;
    var acc = steady[x];
    for (var c = 0u; c < m; c++) {
        acc = fma(level_powers[c * rows + f], starts[d + c], acc);
    }
    return acc;
}

@compute @workgroup_size(256)
fn affine_levels(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let k = gid.x + gid.y * nwg.x * 256u;
    if (k >= block.levels * block.nx) {
        return;
    }
    out[k] = level_value(block.level0 + k / block.nx, k % block.nx);
}
