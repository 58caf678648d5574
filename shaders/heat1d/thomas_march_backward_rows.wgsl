// Back substitution of a window of rows of one long level, after the forward windows
// (thomas_march_forward_rows): rows [cursor[4] - cursor[5], cursor[4]) downward, cursor[4]
// starting at nx - 1 (row nx - 1 is final after the forward sweep). Keeps max |dv| of the level
// at step_partials[cursor[1]] (-1 if not finite); the last window advances the level
// (cursor[0] += 1, cursor[1] += 1) and rewinds cursor[3] = 0, cursor[4] = nx - 1.
// Bytes per unknown: dv read and written once more from cache, c' read once.

@group(0) @binding(1) var<storage, read_write> cursor: array<u32>;
@group(0) @binding(2) var<storage, read_write> dv: array<real>;
@group(0) @binding(3) var<storage, read> c_prime: array<real>;
@group(0) @binding(4) var<storage, read> segment: Segment;
@group(0) @binding(5) var<storage, read_write> step_partials: array<real>;

@compute @workgroup_size(1)
fn thomas_march_backward_rows() {
    let nx = params.nx;
    let i = cursor[0];
    let k = (i - segment.level0) * nx;
    let end = cursor[4];
    let first = end - min(cursor[5], end);
    var step_max: real = 0.0;
    if (end == nx - 1u) {
        step_max = flagged_abs(dv[k + nx - 1u], 1.0);
    } else {
        step_max = step_partials[cursor[1]];
    }
    for (var j = end; j > first; j--) {
        dv[k + j - 1u] -= c_prime[j - 1u] * dv[k + j];
        step_max = combine(step_max, flagged_abs(dv[k + j - 1u], 1.0));
    }
    step_partials[cursor[1]] = step_max;
    if (first == 0u) {
        cursor[0] = i + 1u;
        cursor[1] += 1u;
        cursor[3] = 0u;
        cursor[4] = nx - 1u;
    } else {
        cursor[4] = first;
    }
}
