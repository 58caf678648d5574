// Line-search trial point: out = v + lambda dv. Bytes per unknown: reads 2, writes 1
// (3 x 8 B in f64).

struct UpdateParams {
    n: u32,
    lambda: real,
}

@group(0) @binding(0) var<storage, read> params: UpdateParams;
@group(0) @binding(1) var<storage, read> v: array<real>;
@group(0) @binding(2) var<storage, read> dv: array<real>;
@group(0) @binding(3) var<storage, read_write> out: array<real>;

@compute @workgroup_size(256)
fn newton_update(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if (i >= params.n) {
        return;
    }
    out[i] = v[i] + params.lambda * dv[i];
}
