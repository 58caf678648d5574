// Shared by the heat-specific scan kernels (src/kernels/newton_scan.rs): the rows of the step
// from level i to level i + 1 of the all-at-once Jacobian, as heat_jacobian assembles them.

@group(0) @binding(1) var<storage, read> scan: ScanParams;
@group(0) @binding(2) var<storage, read> v: array<real>;

struct Row {
    a: vec3<real>, // dF/dT[i+1, j-1..j+1]
    b: vec3<real>, // dF/dT[i, j-1..j+1]
    f: real,       // F
}

fn step_row(i: u32, j: u32) -> Row {
    let nx = params.nx;
    let w1 = v[(i + 1u) * nx + j];
    let identity = vec3<real>(0.0, 1.0, 0.0);
    let zero = vec3<real>(0.0);
    if (j == 0u) {
        return Row(identity, zero, w1 - params.t_x0);
    }
    if (j == nx - 1u) {
        return Row(identity, zero, w1 - params.t_xl);
    }
    let w0 = v[(i + 1u) * nx + j - 1u];
    let w2 = v[(i + 1u) * nx + j + 1u];
    let u0 = v[i * nx + j - 1u];
    let u1 = v[i * nx + j];
    let u2 = v[i * nx + j + 1u];
    let jw = flux_jacobian(w0, w1, w2);
    let ju = flux_jacobian(u0, u1, u2);
    return Row(
        params.theta * jw - vec3<real>(0.0, params.inv_dt, 0.0),
        (1.0 - params.theta) * ju + vec3<real>(0.0, params.inv_dt, 0.0),
        energy_balance(u0, u1, u2, w0, w1, w2),
    );
}

// Level-pair maps of chunk c: [c L, min(c L + L, nt - 1)).
fn chunk_end(c: u32) -> u32 {
    return min((c + 1u) * scan.per_group, params.nt - 1u);
}
