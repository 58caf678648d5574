// The direction inside each chunk (src/kernels/newton_scan.rs): invocation c marches its chunk
// from the scanned start chunk_starts[c nx ..] (the direction at level c L), writing dv at
// levels c L + 1 ..= c L + L and max |dv| over them (chunk 0 also over level 0) to
// step_partials[c] (-1 if not finite). Reads v, writes dv once.

@group(0) @binding(3) var<storage, read> chunk_starts: array<real>;
@group(0) @binding(4) var<storage, read_write> dv: array<real>;
@group(0) @binding(5) var<storage, read_write> step_partials: array<real>;

@compute @workgroup_size(256)
fn newton_scan_levels(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let c = gid.x + gid.y * nwg.x * 256u;
    if (c >= scan.maps) {
        return;
    }
    let nx = params.nx;
    var x: array<real, 34>;
    var c_prime_l: array<real, 34>;
    var inv_pivot_l: array<real, 34>;
    var step_max: real = 0.0;
    for (var r = 0u; r < nx; r++) {
        x[r] = chunk_starts[c * nx + r];
        if (c == 0u) {
            step_max = combine(step_max, flagged_abs(dv[r], 1.0));
        }
    }
    let end = chunk_end(c);
    for (var i = c * scan.per_group; i < end; i++) {
        var c_prev: real = 0.0;
        for (var j = 0u; j < nx; j++) {
            let a = step_row(i, j).a;
            let inv = 1.0 / (a.y - a.x * c_prev);
            inv_pivot_l[j] = inv;
            c_prev = a.z * inv;
            c_prime_l[j] = c_prev;
        }
        var d_prev: real = 0.0;
        var x_left: real = 0.0;
        for (var j = 0u; j < nx; j++) {
            let row = step_row(i, j);
            var b_dot = row.b.y * x[j];
            if (j > 0u) {
                b_dot += row.b.x * x_left;
            }
            if (j < nx - 1u) {
                b_dot += row.b.z * x[j + 1u];
            }
            let rhs = -row.f - b_dot;
            d_prev = (rhs - row.a.x * d_prev) * inv_pivot_l[j];
            x_left = x[j];
            x[j] = d_prev;
        }
        let base = (i + 1u) * nx;
        dv[base + nx - 1u] = x[nx - 1u];
        step_max = combine(step_max, flagged_abs(x[nx - 1u], 1.0));
        for (var j = nx - 1u; j > 0u; j--) {
            x[j - 1u] -= c_prime_l[j - 1u] * x[j];
            dv[base + j - 1u] = x[j - 1u];
            step_max = combine(step_max, flagged_abs(x[j - 1u], 1.0));
        }
    }
    step_partials[c] = step_max;
}
