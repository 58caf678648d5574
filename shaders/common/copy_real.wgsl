// out[i] = inp[i] for i < params.n: the bandwidth reference kernel (one read, one write).
// `real` is f64 or f32, defined by the `alias real = ...;` line prepended in src/gpu/shader.rs.
// Dispatch with gpu::workgroup_grid(n, 256, ...): 1-D index from a possibly 2-D grid.

struct Params {
    n: u32,
}

@group(0) @binding(0) var<storage, read> inp: array<real>;
@group(0) @binding(1) var<storage, read_write> out: array<real>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if (i >= params.n) {
        return;
    }
    out[i] = inp[i];
}
