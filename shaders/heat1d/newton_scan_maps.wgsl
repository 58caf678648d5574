// Chunk composites of the Newton direction's recurrence (src/kernels/newton_scan.rs): workgroup
// c pushes e_k (k < nx) and 0 (k = nx, with -F) through its chunk's steps. Per step the rows and
// the Thomas factors of Anew are assembled once, in parallel, into workgroup memory; invocation
// k then solves Anew x' = (-F) - Bold x for its column. Reads v (cached), writes (nx+1) nx reals.

@group(0) @binding(3) var<storage, read_write> maps: array<real>;

var<workgroup> row_a: array<vec3<real>, 34>;
var<workgroup> row_b: array<vec3<real>, 34>;
var<workgroup> row_f: array<real, 34>;
var<workgroup> c_prime: array<real, 34>;
var<workgroup> inv_pivot: array<real, 34>;

@compute @workgroup_size(64)
fn newton_scan_maps(
    @builtin(local_invocation_index) k: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let c = wid.x + wid.y * nwg.x;
    if (c >= scan.maps) {
        return;
    }
    let nx = params.nx;
    var x: array<real, 34>;
    for (var r = 0u; r < nx; r++) {
        x[r] = select(real(0.0), real(1.0), r == k);
    }
    let end = chunk_end(c);
    for (var i = c * scan.per_group; i < end; i++) {
        if (k < nx) {
            let row = step_row(i, k);
            row_a[k] = row.a;
            row_b[k] = row.b;
            row_f[k] = row.f;
        }
        workgroupBarrier();
        if (k == 0u) {
            var c_prev: real = 0.0;
            for (var j = 0u; j < nx; j++) {
                let inv = 1.0 / (row_a[j].y - row_a[j].x * c_prev);
                inv_pivot[j] = inv;
                c_prev = row_a[j].z * inv;
                c_prime[j] = c_prev;
            }
        }
        workgroupBarrier();
        if (k <= nx) {
            // x is overwritten in place: x_left keeps the old x[j - 1].
            var d_prev: real = 0.0;
            var x_left: real = 0.0;
            for (var j = 0u; j < nx; j++) {
                let b = row_b[j];
                var b_dot = b.y * x[j];
                if (j > 0u) {
                    b_dot += b.x * x_left;
                }
                if (j < nx - 1u) {
                    b_dot += b.z * x[j + 1u];
                }
                let rhs = select(real(0.0), -row_f[j], k == nx) - b_dot;
                d_prev = (rhs - row_a[j].x * d_prev) * inv_pivot[j];
                x_left = x[j];
                x[j] = d_prev;
            }
            for (var j = nx - 1u; j > 0u; j--) {
                x[j - 1u] -= c_prime[j - 1u] * x[j];
            }
        }
        workgroupBarrier();
    }
    if (k <= nx) {
        for (var r = 0u; r < nx; r++) {
            maps[(c * (nx + 1u) + k) * nx + r] = x[r];
        }
    }
}
