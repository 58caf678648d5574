// Forward elimination of a window of rows of one long level (see thomas_march_backward_rows
// for the back substitution). Level i = cursor[0] (the chunk holds this one level; jac its
// rows): rows [cursor[3], cursor[3] + cursor[5]) continue from the previous row's c' and d'
// (kept in c_prime and dv); then cursor[3] advances. Together with the backward windows this
// is thomas_march's Thomas solve for a level longer than one invocation may sweep.
// Bytes per unknown as thomas_march: 8 B from memory (dv written once).

@group(0) @binding(1) var<storage, read> jac: array<real>;
@group(0) @binding(2) var<storage, read_write> cursor: array<u32>;
@group(0) @binding(3) var<storage, read_write> dv: array<real>;
@group(0) @binding(4) var<storage, read> dv_prev: array<real>;
@group(0) @binding(5) var<storage, read_write> c_prime: array<real>;
@group(0) @binding(6) var<storage, read> segment: Segment;

fn previous_level(i: u32, j: u32) -> real {
    let nx = params.nx;
    if (i > segment.level0) {
        return dv[(i - 1u - segment.level0) * nx + j];
    }
    return dv_prev[(segment.prev_levels - 1u) * nx + j];
}

@compute @workgroup_size(1)
fn thomas_march_forward_rows() {
    let nx = params.nx;
    let i = cursor[0];
    let k = (i - segment.level0) * nx;
    let first = cursor[3];
    let end = min(first + cursor[5], nx);
    var c_prev: real = 0.0;
    var d_prev: real = 0.0;
    if (first > 0u) {
        c_prev = c_prime[first - 1u];
        d_prev = dv[k + first - 1u];
    }
    for (var j = first; j < end; j++) {
        let row = j * 7u;
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
    cursor[3] = end;
}

