// The guard of the extrapolated guess, without a host decision: `results` holds the residual
// of the guess (element GUESS) and of the old level (element OLD), reduced on the device; when
// the guess is not better (or not finite: flag -1), the old level becomes the iterate again.
// Bytes per unknown (f64): 0 when the guess is kept, 16 (read u_prev, write w) otherwise.

const GUESS: u32 = 8u;
const OLD: u32 = 9u;

@group(0) @binding(2) var<storage, read_write> iterate: array<real>;
@group(0) @binding(3) var<storage, read> previous: array<real>;
@group(0) @binding(4) var<storage, read> results: array<real>;

@compute @workgroup_size(256)
fn burgers_choose_guess(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let i = flat_index(gid, nwg);
    if (i >= unknowns()) {
        return;
    }
    let guess = results[GUESS];
    let keep = guess >= 0.0 && guess <= results[OLD];
    if (!keep) {
        iterate[i] = previous[i];
    }
}
