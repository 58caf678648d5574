// One ADI half-step's systems (PROBLEMS.md P2), one invocation per system s of a field stored
// nk x ns (row k = position along the implicit direction): the right side along s,
// rhs = f + (r/2) ((f[s-1] - 2 f) + f[s+1]), is formed inside the forward sweep; the systems
// (1 + r) x_k - (r/2) (x_{k-1} + x_{k+1}) = rhs_k are solved from factors packed by
// linalg::cyclic_factored (3n Thomas factors, g, z, beta/gamma, 1/(1 + v.z)); the cyclic
// (Sherman-Morrison) correction is applied inside the back substitution. Dirichlet: unknowns
// k = 1..nk-2, edge terms moved to the right side, edge systems and edge rows hold the edge value.
// Output in the same nk x ns layout (the transpose kernel turns it for the next half-step).
// Neighbouring invocations read and write neighbouring words: every access is coalesced.
// Bytes per point (f64): read f 8 B (neighbours from cache), write y' 8 B, read y' 8 B,
// write x 8 B: 32 B. Sequential work per invocation: 2 n iterations (n <= MAX_SWEEP_ROWS).
// CPU twin: problems::diffusion2d::kernels::diffusion2d_adi_sweep.

struct SweepParams {
    nk: u32,
    ns: u32,
    periodic: u32,
    half_r: real,
    edge: real,
}

@group(0) @binding(0) var<storage, read> params: SweepParams;
@group(0) @binding(1) var<storage, read> factors: array<real>;
@group(0) @binding(2) var<storage, read> src: array<real>;
@group(0) @binding(3) var<storage, read_write> out: array<real>;

@compute @workgroup_size(256)
fn diffusion2d_adi_sweep(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let s = gid.x + gid.y * nwg.x * 256u;
    let nk = params.nk;
    let ns = params.ns;
    if (s >= ns) {
        return;
    }
    let periodic = params.periodic != 0u;
    if (!periodic && (s == 0u || s == ns - 1u)) {
        for (var k = 0u; k < nk; k++) {
            out[k * ns + s] = params.edge;
        }
        return;
    }
    let first = select(1u, 0u, periodic);
    let n = select(nk - 2u, nk, periodic);
    let sl = select(s - 1u, ns - 1u, s == 0u);
    let sr = select(s + 1u, 0u, s + 1u == ns);
    var known_one: real = 0.0;
    var known_both: real = 0.0;
    if (!periodic) {
        known_one = params.half_r * params.edge;
        known_both = 2.0 * params.half_r * params.edge;
    }
    var prev: real = 0.0;
    var dot: real = 0.0;
    for (var q = 0u; q < n; q++) {
        let row = (q + first) * ns;
        let c = src[row + s];
        var b = c + params.half_r * ((src[row + sl] - 2.0 * c) + src[row + sr]);
        if (n == 1u) {
            b += known_both;
        } else if (q == 0u || q + 1u == n) {
            b += known_one;
        }
        prev = (b - factors[3u * q] * prev) * factors[3u * q + 1u];
        dot += factors[3u * n + q] * b;
        out[row + s] = prev;
    }
    let corr = (dot + factors[5u * n] * prev) * factors[5u * n + 1u];
    var y_next = prev;
    out[(n - 1u + first) * ns + s] = prev - corr * factors[4u * n + n - 1u];
    for (var q = n - 1u; q > 0u; q--) {
        let p = q - 1u;
        let at = (p + first) * ns + s;
        let y = out[at] - factors[3u * p + 2u] * y_next;
        y_next = y;
        out[at] = y - corr * factors[4u * n + p];
    }
    if (!periodic) {
        out[s] = params.edge;
        out[(nk - 1u) * ns + s] = params.edge;
    }
}
