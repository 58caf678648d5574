// Exclusive prefixes of a sequence of affine maps inside groups (src/kernels/affine_scan.rs):
// workgroup w starts from starts_in[in_offset + w n ..] and writes, for every map t of its group,
// the state before map t to starts_out[t n ..]. One invocation per row (n <= 34 of 64); the
// state is shared in workgroup memory, so a step is one parallel mat-vec and two barriers.

@group(0) @binding(0) var<storage, read> scan: ScanParams;
@group(0) @binding(1) var<storage, read> maps: array<real>;
@group(0) @binding(2) var<storage, read> starts_in: array<real>;
@group(0) @binding(3) var<storage, read_write> starts_out: array<real>;

var<workgroup> state: array<real, 64>;

@compute @workgroup_size(64)
fn affine_apply(
    @builtin(local_invocation_index) r: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let w = wid.x + wid.y * nwg.x;
    let n = scan.n;
    let groups = (scan.maps + scan.per_group - 1u) / scan.per_group;
    if (w >= groups) {
        return;
    }
    if (r < n) {
        state[r] = starts_in[scan.in_offset + w * n + r];
    }
    workgroupBarrier();
    let first = w * scan.per_group;
    let end = min(first + scan.per_group, scan.maps);
    for (var t = first; t < end; t++) {
        var acc: real = 0.0;
        if (r < n) {
            starts_out[t * n + r] = state[r];
            for (var c = 0u; c < n; c++) {
                acc = fma(maps[map_row_index(t, c, r, n)], state[c], acc);
            }
            acc = acc + maps[map_row_index(t, n, r, n)];
        }
        workgroupBarrier();
        if (r < n) {
            state[r] = acc;
        }
        workgroupBarrier();
    }
}
