// One Newton direction step over a chunk of levels: for i in [cursor[0], cursor[0] + cursor[2])
// (clipped to the segment), solve A_i dv[i] = -F_i - B_i dv[i-1] (tridiagonal, Thomas) from the
// rows heat_jacobian assembled; then store max |dv| of the chunk at step_partials[cursor[1]]
// (-1 if not finite) and advance cursor[0] and the chunk counter cursor[1]. Levels depend on
// each other: a single invocation marches. Bytes per unknown: reads the 7-real row from the
// cached scratch, writes dv once and reads dv[i-1] (cached): 8 B from memory in f64.

@group(0) @binding(1) var<storage, read> jac: array<real>;
@group(0) @binding(2) var<storage, read_write> cursor: array<u32>;
@group(0) @binding(3) var<storage, read_write> dv: array<real>;
@group(0) @binding(4) var<storage, read> dv_prev: array<real>;
@group(0) @binding(5) var<storage, read_write> c_prime: array<real>;
@group(0) @binding(6) var<storage, read> segment: Segment;
@group(0) @binding(7) var<storage, read_write> step_partials: array<real>;

// dv of level i - 1 at point j: in this segment, or the last level of the previous one.
fn previous_level(i: u32, j: u32) -> real {
    let nx = params.nx;
    if (i > segment.level0) {
        return dv[(i - 1u - segment.level0) * nx + j];
    }
    return dv_prev[(segment.prev_levels - 1u) * nx + j];
}

@compute @workgroup_size(1)
fn thomas_march() {
    let nx = params.nx;
    let level0 = cursor[0];
    let end = min(level0 + cursor[2], segment.level0 + segment.levels);
    var step_max: real = 0.0;
    for (var i = level0; i < end; i++) {
        let base = (i - level0) * nx;
        let k = (i - segment.level0) * nx;
        var c_prev: real = 0.0;
        var d_prev: real = 0.0;
        for (var j = 0u; j < nx; j++) {
            let row = (base + j) * 7u;
            var b_dot: real = 0.0;
            if (i > 0u) {
                b_dot = jac[row + 4u] * previous_level(i, j);
                if (j > 0u) {
                    b_dot += jac[row + 3u] * previous_level(i, j - 1u);
                }
                if (j < nx - 1u) {
                    b_dot += jac[row + 5u] * previous_level(i, j + 1u);
                }
            }
            let rhs = -jac[row + 6u] - b_dot;
            let lower = jac[row];
            let inv_pivot = 1.0 / (jac[row + 1u] - lower * c_prev);
            c_prev = jac[row + 2u] * inv_pivot;
            d_prev = (rhs - lower * d_prev) * inv_pivot;
            c_prime[j] = c_prev;
            dv[k + j] = d_prev;
        }
        step_max = combine(step_max, flagged_abs(dv[k + nx - 1u], 1.0));
        for (var j = nx - 1u; j > 0u; j--) {
            dv[k + j - 1u] -= c_prime[j - 1u] * dv[k + j];
            step_max = combine(step_max, flagged_abs(dv[k + j - 1u], 1.0));
        }
    }
    step_partials[cursor[1]] = step_max;
    cursor[0] = end;
    cursor[1] += 1u;
}
