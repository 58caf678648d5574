// Parallel cyclic reduction of one tridiagonal system of n <= 256 rows inside one workgroup:
// the last, small level of the partitioned solver (params: batch_params.wgsl, batch = 1, rows
// from `offset`). Invocation i owns row i. At stride s = 1, 2, 4, ... row i eliminates its
// couplings to rows i - s and i + s, and becomes coupled to i - 2s and i + 2s instead:
//   k1 = a_i / b_{i-s},  k2 = c_i / b_{i+s}
//   a_i <- -k1 a_{i-s},  c_i <- -k2 c_{i+s},  b_i <- b_i - k1 c_{i-s} - k2 a_{i+s},
//   d_i <- d_i - k1 d_{i-s} - k2 d_{i+s};
// after ceil(log2 n) steps every row stands alone: x_i = d_i / b_i. Strict diagonal dominance
// is preserved by each step, so no pivoting is needed (the host checks it). Work n log n, all in
// workgroup memory; bytes: reads the four bands once, writes x once.

@group(0) @binding(1) var<storage, read> lower: array<real>;
@group(0) @binding(2) var<storage, read> diag: array<real>;
@group(0) @binding(3) var<storage, read> upper: array<real>;
@group(0) @binding(4) var<storage, read> rhs: array<real>;
@group(0) @binding(5) var<storage, read_write> x: array<real>;

var<workgroup> a: array<real, 256>;
var<workgroup> b: array<real, 256>;
var<workgroup> c: array<real, 256>;
var<workgroup> d: array<real, 256>;

@compute @workgroup_size(256)
fn pcr_workgroup(@builtin(local_invocation_index) i: u32) {
    let n = params.n;
    let row = params.offset + i;
    if (i < n) {
        a[i] = select(lower[row], 0.0, i == 0u);
        b[i] = diag[row];
        c[i] = select(upper[row], 0.0, i == n - 1u);
        d[i] = rhs[row];
    }
    workgroupBarrier();
    for (var s = 1u; s < n; s *= 2u) {
        var na: real = 0.0;
        var nb: real = 1.0;
        var nc: real = 0.0;
        var nd: real = 0.0;
        if (i < n) {
            nb = b[i];
            nd = d[i];
            if (i >= s) {
                let k1 = a[i] / b[i - s];
                na = -k1 * a[i - s];
                nb -= k1 * c[i - s];
                nd -= k1 * d[i - s];
            }
            if (i + s < n) {
                let k2 = c[i] / b[i + s];
                nc = -k2 * c[i + s];
                nb -= k2 * a[i + s];
                nd -= k2 * d[i + s];
            }
        }
        workgroupBarrier();
        if (i < n) {
            a[i] = na;
            b[i] = nb;
            c[i] = nc;
            d[i] = nd;
        }
        workgroupBarrier();
    }
    if (i < n) {
        x[row] = d[i] / b[i];
    }
}
