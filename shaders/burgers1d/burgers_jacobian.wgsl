// The Newton system J(w) dv = -G(w) of every member, assembled into the cyclic solver's
// device-resident bands (row of element i at band_of(i)): lower = -g c (w_{j-1}/(2dx) + nu/dx^2),
// diag = g + 2 g c nu/dx^2, upper = -g c (-w_{j+1}/(2dx) + nu/dx^2), rhs = -G. Per workgroup it
// also keeps the largest (|lower| + |upper|) / |diag|: the partitioned solver needs it below 1.
// Bytes per unknown (f64): reads w and q, writes four band values: 48 B (the minimum for bands
// that a separate solver reads).

@group(0) @binding(1) var<storage, read> members: array<Member>;
@group(0) @binding(2) var<storage, read> iterate: array<real>;
@group(0) @binding(3) var<storage, read> q: array<real>;
@group(0) @binding(4) var<storage, read_write> lower: array<real>;
@group(0) @binding(5) var<storage, read_write> diag: array<real>;
@group(0) @binding(6) var<storage, read_write> upper: array<real>;
@group(0) @binding(7) var<storage, read_write> rhs: array<real>;
@group(0) @binding(8) var<storage, read_write> partials: array<real>;

@compute @workgroup_size(256)
fn burgers_jacobian(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let i = flat_index(gid, nwg);
    var dominance: real = 0.0;
    if (i < unknowns()) {
        let c = members[i % params.members];
        let l = iterate[left_of(i)];
        let w = iterate[i];
        let r = iterate[right_of(i)];
        let twice = 2.0 * c.stage_convection;
        let lo = -c.stage_diffusion - twice * l;
        let di = c.stage_scale + 2.0 * c.stage_diffusion;
        let up = -c.stage_diffusion + twice * r;
        let b = band_of(i);
        lower[b] = lo;
        diag[b] = di;
        upper[b] = up;
        rhs[b] = -stage_residual(c, l, w, r, q[i]);
        dominance = flagged_abs((abs(lo) + abs(up)) / abs(di), 1.0);
    }
    store_partial(lid, wid, nwg, dominance, 0u);
}
