// Max-norm building blocks shared by the reducing kernels. A value of -1 marks "not finite"
// (norms are otherwise >= 0), so a NaN or an infinity is never hidden by max().

var<workgroup> best: array<real, 256>;

fn combine(a: real, b: real) -> real {
    if (a < 0.0 || b < 0.0) {
        return -1.0;
    }
    return max(a, b);
}

// |x| scale, or -1 when that is not finite.
fn flagged_abs(x: real, scale: real) -> real {
    let a = abs(x) * scale;
    if (!(a <= REAL_MAX)) {
        return -1.0;
    }
    return a;
}

// The combine() of the workgroup's 256 values, valid in invocation 0. Call it from uniform
// control flow (every invocation of the workgroup).
fn workgroup_max(lid: u32, value: real) -> real {
    best[lid] = value;
    workgroupBarrier();
    for (var s = 128u; s > 0u; s >>= 1u) {
        if (lid < s) {
            best[lid] = combine(best[lid], best[lid + s]);
        }
        workgroupBarrier();
    }
    let result = best[0];
    workgroupBarrier();
    return result;
}
