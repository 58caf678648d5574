// Line-search trial point t = v + lambda dv of one segment, with the max-norms of F(t) (energy
// rows times dt) and of t per workgroup (partials as in heat_residual_partials), in one pass:
// neighbours' t are formed on the fly. Bytes per unknown: reads v and dv, writes t: 24 B in f64
// (the minimum).

struct TrialStep {
    lambda: real,
}

@group(0) @binding(4) var<storage, read> dv: array<real>;
@group(0) @binding(5) var<storage, read> dv_prev: array<real>;
@group(0) @binding(6) var<storage, read_write> trial: array<real>;
@group(0) @binding(7) var<storage, read_write> partials: array<real>;
@group(0) @binding(8) var<uniform> step: TrialStep;

fn t_at(i: u32, j: u32) -> real {
    let nx = params.nx;
    if (i >= segment.level0) {
        let k = (i - segment.level0) * nx + j;
        return v[k] + step.lambda * dv[k];
    }
    let k = (segment.prev_levels - 1u) * nx + j;
    return v_prev[k] + step.lambda * dv_prev[k];
}

@compute @workgroup_size(256)
fn newton_trial_partials(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let k = grid_index(gid, nwg);
    var f: real = 0.0;
    var x: real = 0.0;
    if (k < segment.levels * params.nx) {
        let i = segment.level0 + k / params.nx;
        let j = k % params.nx;
        let here = t_at(i, j);
        trial[k] = here;
        var residual: real;
        if (has_stencil(i, j)) {
            let u3 = vec3<real>(t_at(i - 1u, j - 1u), t_at(i - 1u, j), t_at(i - 1u, j + 1u));
            residual = row_residual(i, j, u3, vec3<real>(t_at(i, j - 1u), here, t_at(i, j + 1u)));
        } else {
            residual = row_residual(i, j, vec3<real>(0.0), vec3<real>(0.0, here, 0.0));
        }
        f = flagged_abs(residual, row_scale(i, j));
        x = flagged_abs(here, 1.0);
    }
    store_norm_partials(lid, wid, nwg, f, x);
}
