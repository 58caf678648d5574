// Group composites of a sequence of affine maps (src/kernels/affine_scan.rs): for group g and
// column k, the group's maps applied in order to e_k (k < n, linear part) or to 0 (k = n, with
// the offsets). One invocation per group and column; n^2 multiply-adds per map.

@group(0) @binding(0) var<storage, read> scan: ScanParams;
@group(0) @binding(1) var<storage, read> maps: array<real>;
@group(0) @binding(2) var<storage, read_write> out: array<real>;

@compute @workgroup_size(256)
fn affine_compose(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let idx = gid.x + gid.y * nwg.x * 256u;
    let n = scan.n;
    let groups = (scan.maps + scan.per_group - 1u) / scan.per_group;
    if (idx >= groups * (n + 1u)) {
        return;
    }
    let g = idx / (n + 1u);
    let k = idx % (n + 1u);
    var y: array<real, 34>;
    var next: array<real, 34>;
    for (var r = 0u; r < n; r++) {
        y[r] = select(real(0.0), real(1.0), r == k);
    }
    let first = g * scan.per_group;
    let end = min(first + scan.per_group, scan.maps);
    for (var t = first; t < end; t++) {
        for (var r = 0u; r < n; r++) {
            var acc: real = 0.0;
            for (var c = 0u; c < n; c++) {
                acc = fma(maps[map_row_index(t, c, r, n)], y[c], acc);
            }
            if (k == n) {
                acc = acc + maps[map_row_index(t, n, r, n)];
            }
            next[r] = acc;
        }
        for (var r = 0u; r < n; r++) {
            y[r] = next[r];
        }
    }
    for (var r = 0u; r < n; r++) {
        out[map_row_index(g, k, r, n)] = y[r];
    }
}
