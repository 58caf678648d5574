//! `theta_rhs`: the right side of one implicit theta step of the linear heat equation for a
//! batch of members (parameter sweeps), and the matching matrix bands.

/// Parameters of `shaders/heat1d/theta_rhs.wgsl`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MarchParams {
    pub nx: u32,
    pub members: u32,
    pub theta: f64,
}

/// One member of a sweep: `r = alpha dt / dx^2` and its Dirichlet values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Member {
    pub r: f64,
    pub t_x0: f64,
    pub t_xl: f64,
}

/// `rhs = T + (1 - theta) r D2 T` on interior points, the Dirichlet values on the boundary;
/// point j of member s at `j * members + s`.
pub fn theta_rhs(params: &MarchParams, members: &[Member], t: &[f64], rhs: &mut [f64]) {
    let (nx, m) = (params.nx as usize, params.members as usize);
    for (k, out) in rhs.iter_mut().enumerate().take(nx * m) {
        let (j, member) = (k / m, &members[k % m]);
        *out = if j == 0 {
            member.t_x0
        } else if j == nx - 1 {
            member.t_xl
        } else {
            t[k] + (1.0 - params.theta) * member.r * (t[k + m] - 2.0 * t[k] + t[k - m])
        };
    }
}

/// Bands of `(I - theta r D2)` with identity boundary rows, interleaved like `theta_rhs`.
pub fn theta_matrix(params: &MarchParams, members: &[Member]) -> [Vec<f64>; 3] {
    let (nx, m) = (params.nx as usize, params.members as usize);
    let (mut lower, mut diag, mut upper) =
        (vec![0.0; nx * m], vec![1.0; nx * m], vec![0.0; nx * m]);
    for j in 1..nx - 1 {
        for (s, member) in members.iter().enumerate() {
            let off = -params.theta * member.r;
            (lower[j * m + s], diag[j * m + s], upper[j * m + s]) = (off, 1.0 - 2.0 * off, off);
        }
    }
    [lower, diag, upper]
}
