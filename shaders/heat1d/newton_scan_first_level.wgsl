// dv of level 0 (src/kernels/newton_scan.rs): its rows are identities, so dv = -F.

@group(0) @binding(4) var<storage, read_write> dv: array<real>;

@compute @workgroup_size(64)
fn newton_scan_first_level(@builtin(local_invocation_index) j: u32) {
    let nx = params.nx;
    if (j >= nx) {
        return;
    }
    var target_value = params.t_t0;
    if (j == 0u) {
        target_value = params.t_x0;
    } else if (j == nx - 1u) {
        target_value = params.t_xl;
    }
    dv[j] = target_value - v[j];
}
