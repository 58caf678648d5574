// One pass of a max-norm reduction over partial results (already scaled; -1 = not finite):
// out[output_offset + w] = combine of x[input_offset + 256 w ..][..256]. Applied until one value
// is left. Bytes per value: reads x once (the partials are 1/256 of the arrays they summarise).

struct ReduceParams {
    n: u32,
    input_offset: u32,
    output_offset: u32,
}

@group(0) @binding(0) var<storage, read> params: ReduceParams;
@group(0) @binding(1) var<storage, read> x: array<real>;
@group(0) @binding(2) var<storage, read_write> out: array<real>;

@compute @workgroup_size(256)
fn max_abs_reduce(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let i = gid.x + gid.y * nwg.x * 256u;
    var m: real = 0.0;
    if (i < params.n) {
        m = x[params.input_offset + i];
    }
    let result = workgroup_max(lid, m);
    if (lid == 0u) {
        out[params.output_offset + wid.x + wid.y * nwg.x] = result;
    }
}
