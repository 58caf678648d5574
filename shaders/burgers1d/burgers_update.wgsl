// w = w + dv: a full Newton step, for marches that take a fixed number of iterations per step
// on the device. Bytes per unknown (f64): reads w and dv, writes w: 24 B.

@group(0) @binding(2) var<storage, read_write> iterate: array<real>;
@group(0) @binding(3) var<storage, read> direction: array<real>;

@compute @workgroup_size(256)
fn burgers_update(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let i = flat_index(gid, nwg);
    if (i >= unknowns()) {
        return;
    }
    iterate[i] = iterate[i] + direction[i];
}
