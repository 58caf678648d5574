// Shared by the heat kernels: the theta scheme's parameters and its three-point stencil.
// The struct has the layout of src/kernels/params.rs (HeatParams for f64, HeatParamsF32).

struct HeatParams {
    nt: u32,
    nx: u32,
    inv_dt: real,
    energy_scale: real, // 1 / |dE/dT[i+1, j]| at the largest diffusivity
    a: real,       // alpha0 / dx^2
    theta: real,
    beta: real,
    t_ref: real,
    t_x0: real,
    t_xl: real,
    t_t0: real,
}

@group(0) @binding(0) var<storage, read> params: HeatParams;

// L(s)_j = k+ (s2 - s1) - k- (s1 - s0), k+- = 1 + beta ((s1 + s2|s0) / 2 - t_ref);
// for beta = 0 exactly the users' s2 - 2 s1 + s0.
fn flux_laplacian(s0: real, s1: real, s2: real) -> real {
    if (params.beta == 0.0) {
        return s2 - 2.0 * s1 + s0;
    }
    let k_plus = 1.0 + params.beta * (0.5 * (s1 + s2) - params.t_ref);
    let k_minus = 1.0 + params.beta * (0.5 * (s0 + s1) - params.t_ref);
    return k_plus * (s2 - s1) - k_minus * (s1 - s0);
}

// a dL/d(s0, s1, s2).
fn flux_jacobian(s0: real, s1: real, s2: real) -> vec3<real> {
    if (params.beta == 0.0) {
        return vec3<real>(params.a, -2.0 * params.a, params.a);
    }
    let g = 0.5 * params.beta;
    let k_plus = 1.0 + params.beta * (0.5 * (s1 + s2) - params.t_ref);
    let k_minus = 1.0 + params.beta * (0.5 * (s0 + s1) - params.t_ref);
    let d_plus = s2 - s1;
    let d_minus = s1 - s0;
    return params.a * vec3<real>(k_minus - g * d_minus, g * d_plus - k_plus - g * d_minus - k_minus, k_plus + g * d_plus);
}

// E = a (theta L(w) + (1 - theta) L(u)) - (w1 - u1) / dt, u = level i, w = level i + 1.
fn energy_balance(u0: real, u1: real, u2: real, w0: real, w1: real, w2: real) -> real {
    return params.a * (params.theta * flux_laplacian(w0, w1, w2) + (1.0 - params.theta) * flux_laplacian(u0, u1, u2))
        - (w1 - u1) * params.inv_dt;
}

// The levels one dispatch works on. Arrays larger than one binding are split into segments of
// whole levels; a kernel binds its segment and the previous one, whose last level is the halo.
struct Segment {
    level0: u32,
    levels: u32,
    // Levels of the previous segment (0 for the first).
    prev_levels: u32,
    // Where this segment's workgroup maxima start in a partials buffer, and the distance from
    // the first to the second max-norm in it.
    partials_offset: u32,
    partials_stride: u32,
}
