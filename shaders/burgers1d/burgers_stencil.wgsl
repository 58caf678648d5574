// Shared by the Burgers kernels: the rows of src/problems/burgers1d/stencil.rs, the same
// operations in the same order. Members of a sweep are interleaved: point j of member s is
// element j * members + s of every array (one member: the plain level), so neighbouring
// invocations read neighbouring words. Periodic: point n-1 neighbours point 0. Bands of the
// cyclic solvers are stored rotated by band_shift rows (0: batched solver; 1: large solver).

struct BurgersParams {
    n: u32,
    members: u32,
    band_shift: u32,
    // The line-search parameter of burgers_trial_partials.
    lambda: real,
}

// Per member: the scaled stage rows G(w) = g (w - q - c L(w)) and the explicit part
// q = u + tau L(u) (StageCoefficients and ExplicitCoefficients).
struct Member {
    stage_scale: real,
    stage_diffusion: real,
    stage_convection: real,
    explicit_diffusion: real,
    explicit_convection: real,
}

@group(0) @binding(0) var<uniform> params: BurgersParams;

fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return gid.x + gid.y * nwg.x * 256u;
}

fn unknowns() -> u32 {
    return params.n * params.members;
}

fn left_of(i: u32) -> u32 {
    if (i < params.members) {
        return i + unknowns() - params.members;
    }
    return i - params.members;
}

fn right_of(i: u32) -> u32 {
    if (i + params.members >= unknowns()) {
        return i + params.members - unknowns();
    }
    return i + params.members;
}

// Element of element i's row in the solver's bands.
fn band_of(i: u32) -> u32 {
    let shifted = i + params.band_shift * params.members;
    if (shifted >= unknowns()) {
        return shifted - unknowns();
    }
    return shifted;
}

fn explicit_row(c: Member, l: real, u: real, r: real) -> real {
    return u + c.explicit_diffusion * (r - 2.0 * u + l) - c.explicit_convection * (r * r - l * l);
}

fn stage_residual(c: Member, l: real, w: real, r: real, q: real) -> real {
    return c.stage_scale * (w - q) - c.stage_diffusion * (r - 2.0 * w + l)
        + c.stage_convection * (r * r - l * l);
}
