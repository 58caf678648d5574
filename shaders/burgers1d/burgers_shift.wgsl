// After burgers_explicit: the level becomes the previous one and the guess the iterate
// (pointwise, so it cannot race with the neighbour reads of burgers_explicit, which ran before).
// Bytes per unknown (f64): reads u and the guess, writes both back: 32 B.

@group(0) @binding(2) var<storage, read_write> iterate: array<real>;
@group(0) @binding(3) var<storage, read_write> previous: array<real>;
@group(0) @binding(4) var<storage, read> guess: array<real>;

@compute @workgroup_size(256)
fn burgers_shift(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let i = flat_index(gid, nwg);
    if (i >= unknowns()) {
        return;
    }
    previous[i] = iterate[i];
    iterate[i] = guess[i];
}
