// A batch of cyclic (periodic) tridiagonal systems, one invocation per system, by Gaussian
// elimination with partial pivoting: no diagonal dominance needed (src/linalg/cyclic.rs has the
// method and its CPU twin `cyclic_batched`, the same operations in the same order). Layout of
// batch_params.wgsl: row k of system s at offset + k * batch + s of lower, diag, upper, rhs and
// x; lower of row 0 and upper of row n-1 are the corner entries. `scratch` holds U's rows
// divided by their pivots, four regions of n * batch (super-diagonals 1 and 2, border columns
// n-2 and n-1), row k of system s at k * batch + s. A zero or NaN pivot leaves non-finite values
// (the caller's norms catch them). Sequential work: about 2n loop iterations per invocation.
// Bytes per unknown (f64): reads 4 band values, writes and reads back 5 (scratch and y), writes
// x: 120 B.

@group(0) @binding(1) var<storage, read> lower: array<real>;
@group(0) @binding(2) var<storage, read> diag: array<real>;
@group(0) @binding(3) var<storage, read> upper: array<real>;
@group(0) @binding(4) var<storage, read> rhs: array<real>;
@group(0) @binding(5) var<storage, read_write> x: array<real>;
@group(0) @binding(6) var<storage, read_write> scratch: array<real>;

// A row while column k is eliminated: entries in columns k, k+1, k+2, n-2, n-1, right side.
struct Active {
    c0: real,
    c1: real,
    c2: real,
    b2: real,
    b1: real,
    r: real,
}

fn eliminated(y: Active, inv: real, p: Active) -> Active {
    let l = y.c0 * inv;
    return Active(
        y.c1 - y.c0 * p.c1 / p.c0,
        y.c2 - l * p.c2,
        0.0,
        y.b2 - l * p.b2,
        y.b1 - l * p.b1,
        y.r - l * p.r,
    );
}

@compute @workgroup_size(256)
fn cyclic_batched(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let s = gid.x + gid.y * nwg.x * 256u;
    if (s >= params.batch) {
        return;
    }
    let n = params.n;
    let stride = params.batch;
    let base = params.offset + s;
    let len = n * stride;
    let first = base;
    let last = base + (n - 1u) * stride;
    var a = Active(diag[first], upper[first], 0.0, 0.0, lower[first], rhs[first]);
    var b = Active(upper[last], 0.0, 0.0, lower[last], diag[last], rhs[last]);
    for (var k = 0u; k + 4u < n; k++) {
        let g = base + (k + 1u) * stride;
        let incoming = Active(lower[g], diag[g], upper[g], 0.0, 0.0, rhs[g]);
        var p = incoming;
        var next_a = a;
        var next_b = b;
        if (abs(a.c0) >= abs(b.c0) && abs(a.c0) >= abs(incoming.c0)) {
            p = a;
            next_a = incoming;
        } else if (abs(b.c0) >= abs(incoming.c0)) {
            p = b;
            next_b = incoming;
        }
        let inv = 1.0 / p.c0;
        let u = s + k * stride;
        scratch[u] = p.c1 * inv;
        scratch[u + len] = p.c2 * inv;
        scratch[u + 2u * len] = p.b2 * inv;
        scratch[u + 3u * len] = p.b1 * inv;
        x[base + k * stride] = p.r * inv;
        a = eliminated(next_a, inv, p);
        b = eliminated(next_b, inv, p);
    }
    // The last four columns: a dense block with partial pivoting.
    let g3 = base + (n - 3u) * stride;
    let g2 = base + (n - 2u) * stride;
    var m = array<array<real, 5>, 4>(
        array<real, 5>(a.c0, a.c1, a.b2, a.b1, a.r),
        array<real, 5>(b.c0, b.c1, b.b2, b.b1, b.r),
        array<real, 5>(lower[g3], diag[g3], upper[g3], 0.0, rhs[g3]),
        array<real, 5>(0.0, lower[g2], diag[g2], upper[g2], rhs[g2]),
    );
    for (var col = 0u; col < 4u; col++) {
        var p = col;
        for (var r = col + 1u; r < 4u; r++) {
            if (abs(m[r][col]) > abs(m[p][col])) {
                p = r;
            }
        }
        let swapped = m[p];
        m[p] = m[col];
        m[col] = swapped;
        let pivot = m[col][col];
        for (var r = col + 1u; r < 4u; r++) {
            let l = m[r][col] / pivot;
            for (var c = col; c < 5u; c++) {
                m[r][c] -= l * m[col][c];
            }
        }
    }
    var t = array<real, 4>(0.0, 0.0, 0.0, 0.0);
    for (var rr = 4u; rr > 0u; rr--) {
        let r = rr - 1u;
        var sum: real = 0.0;
        for (var c = r + 1u; c < 4u; c++) {
            sum += m[r][c] * t[c];
        }
        t[r] = (m[r][4] - sum) / m[r][r];
    }
    for (var j = 0u; j < 4u; j++) {
        x[base + (n - 4u + j) * stride] = t[j];
    }
    // Back substitution through U.
    let x_nm2 = t[2];
    let x_nm1 = t[3];
    var x1 = t[0];
    var x2 = t[1];
    for (var k = n - 4u; k > 0u; k--) {
        let u = s + (k - 1u) * stride;
        let g = base + (k - 1u) * stride;
        let xk = (x[g] - scratch[u + len] * x2 - scratch[u + 2u * len] * x_nm2
            - scratch[u + 3u * len] * x_nm1) - scratch[u] * x1;
        x[g] = xk;
        x2 = x1;
        x1 = xk;
    }
}
