// One pass of the max-norm reduction: partials[w] = max |s_i x_i| over workgroup w's 256 values.
// Scaling (nx > 0): the energy-balance rows of the level-major layout (level >= 1, interior j)
// are multiplied by `scale` (= dt), so every row is in temperature units. A NaN or infinity
// anywhere gives -1 (norms are otherwise >= 0), so non-finite values are never hidden.
// Applied repeatedly (n -> n/256 -> ... -> 1). Bytes per unknown: reads x once (8 B in f64).

struct NormParams {
    n: u32,
    nx: u32,
    // 1 when x holds the partials of an earlier pass (already scaled, -1 = non-finite).
    partials: u32,
    // Global index of x[0] (x may be one segment of a longer array).
    first: u32,
    // Where this pass's partials start in `partials`.
    offset: u32,
    scale: real,
}

@group(0) @binding(0) var<storage, read> params: NormParams;
@group(0) @binding(1) var<storage, read> x: array<real>;
@group(0) @binding(2) var<storage, read_write> partials: array<real>;

var<workgroup> best: array<real, 256>;

fn combine(a: real, b: real) -> real {
    if (a < 0.0 || b < 0.0) {
        return -1.0;
    }
    return max(a, b);
}

@compute @workgroup_size(256)
fn max_abs_reduce(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let i = gid.x + gid.y * nwg.x * 256u;
    var m: real = 0.0;
    if (i < params.n && params.partials != 0u) {
        m = x[i];
    } else if (i < params.n) {
        m = abs(x[i]);
        if (params.nx > 0u) {
            let g = params.first + i;
            let j = g % params.nx;
            if (g >= params.nx && j != 0u && j != params.nx - 1u) {
                m = m * params.scale;
            }
        }
        if (!(m <= REAL_MAX)) {
            m = -1.0;
        }
    }
    best[lid] = m;
    workgroupBarrier();
    for (var s = 128u; s > 0u; s >>= 1u) {
        if (lid < s) {
            best[lid] = combine(best[lid], best[lid + s]);
        }
        workgroupBarrier();
    }
    if (lid == 0u) {
        partials[params.offset + wid.x + wid.y * nwg.x] = best[0];
    }
}
