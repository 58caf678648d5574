//! CPU twins of the Burgers kernels (`shaders/burgers1d/NAME.wgsl` <-> fn `NAME`, arguments in
//! binding order, f64): the reference the GPU session is checked against. Layout of
//! `burgers_stencil.wgsl`: point j of member s at `j * members + s`; bands rotated by
//! `band_shift` rows. Partials are the flagged workgroup maxima of 256 elements
//! (`kernels::max_abs_reduce`).

use bytemuck::{Pod, Zeroable};

use super::stencil::{
    explicit_row, stage_jacobian, stage_residual, ExplicitCoefficients, StageCoefficients,
};
use crate::linalg::max_abs_reduce::{flagged_abs, workgroup_maxima, REDUCE_WIDTH};

/// `BurgersParams` of the shaders.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BurgersGpuParams {
    pub n: u32,
    pub members: u32,
    pub band_shift: u32,
    pub lambda: f64,
}

impl BurgersGpuParams {
    pub fn unknowns(&self) -> usize {
        self.n as usize * self.members as usize
    }

    fn left(&self, i: usize) -> usize {
        let m = self.members as usize;
        if i < m {
            i + self.unknowns() - m
        } else {
            i - m
        }
    }

    fn right(&self, i: usize) -> usize {
        let m = self.members as usize;
        if i + m >= self.unknowns() {
            i + m - self.unknowns()
        } else {
            i + m
        }
    }

    /// Element of element i's row in the bands.
    pub fn band(&self, i: usize) -> usize {
        let shifted = i + self.band_shift as usize * self.members as usize;
        if shifted >= self.unknowns() {
            shifted - self.unknowns()
        } else {
            shifted
        }
    }

    /// Partials (workgroups) of one reduced quantity.
    pub fn groups(&self) -> usize {
        self.unknowns().div_ceil(REDUCE_WIDTH)
    }

    fn member<'m>(&self, members: &'m [MemberCoefficients], i: usize) -> &'m MemberCoefficients {
        &members[i % self.members as usize]
    }
}

/// `Member` of the shaders: one member's stage and explicit coefficients.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct MemberCoefficients {
    pub stage: StageCoefficients,
    pub explicit: ExplicitCoefficients,
}

/// `q = u + tau L(u)` and the extrapolated guess `2 u - u_prev` (u the iterate).
pub fn burgers_explicit(
    p: &BurgersGpuParams,
    members: &[MemberCoefficients],
    iterate: &[f64],
    previous: &[f64],
    q: &mut [f64],
    guess: &mut [f64],
) {
    for i in 0..p.unknowns() {
        let c = &p.member(members, i).explicit;
        q[i] = explicit_row(c, [iterate[p.left(i)], iterate[i], iterate[p.right(i)]]);
        guess[i] = 2.0 * iterate[i] - previous[i];
    }
}

/// Elements of the results buffer read by `burgers_choose_guess`.
pub const RESULT_GUESS: usize = 8;
pub const RESULT_OLD: usize = 9;

/// The old level (`previous`) replaces the guess unless the guess's reduced residual is finite
/// and at most the old level's.
pub fn burgers_choose_guess(
    p: &BurgersGpuParams,
    iterate: &mut [f64],
    previous: &[f64],
    results: &[f64],
) {
    let guess = results[RESULT_GUESS];
    if !(guess >= 0.0 && guess <= results[RESULT_OLD]) {
        iterate[..p.unknowns()].copy_from_slice(&previous[..p.unknowns()]);
    }
}

/// `u_prev = u`, `u = guess`.
pub fn burgers_shift(
    p: &BurgersGpuParams,
    iterate: &mut [f64],
    previous: &mut [f64],
    guess: &[f64],
) {
    let n = p.unknowns();
    previous[..n].copy_from_slice(&iterate[..n]);
    iterate[..n].copy_from_slice(&guess[..n]);
}

/// Partials of `|G(w)|`.
pub fn burgers_residual_partials(
    p: &BurgersGpuParams,
    members: &[MemberCoefficients],
    iterate: &[f64],
    q: &[f64],
    partials: &mut [f64],
) {
    let g = |i| {
        let c = &p.member(members, i).stage;
        let w = [iterate[p.left(i)], iterate[i], iterate[p.right(i)]];
        flagged_abs(stage_residual(c, w, q[i]), 1.0)
    };
    workgroup_maxima(p.unknowns(), g, partials);
}

/// The bands of `J(w) dv = -G(w)` at `p.band(i)`, and partials of `(|lower| + |upper|) / |diag|`.
#[allow(clippy::too_many_arguments)] // the shader's bindings, in order
pub fn burgers_jacobian(
    p: &BurgersGpuParams,
    members: &[MemberCoefficients],
    iterate: &[f64],
    q: &[f64],
    lower: &mut [f64],
    diag: &mut [f64],
    upper: &mut [f64],
    rhs: &mut [f64],
    partials: &mut [f64],
) {
    for i in 0..p.unknowns() {
        let c = &p.member(members, i).stage;
        let w = [iterate[p.left(i)], iterate[i], iterate[p.right(i)]];
        let [lo, di, up] = stage_jacobian(c, w);
        let b = p.band(i);
        (lower[b], diag[b], upper[b]) = (lo, di, up);
        rhs[b] = -stage_residual(c, w, q[i]);
    }
    let dominance = |i| {
        let b = p.band(i);
        flagged_abs((lower[b].abs() + upper[b].abs()) / diag[b].abs(), 1.0)
    };
    workgroup_maxima(p.unknowns(), dominance, partials);
}

/// `t = w + lambda dv` and partials of `|G(t)|`.
pub fn burgers_trial_partials(
    p: &BurgersGpuParams,
    members: &[MemberCoefficients],
    iterate: &[f64],
    direction: &[f64],
    q: &[f64],
    trial: &mut [f64],
    partials: &mut [f64],
) {
    let t_at = |i: usize| iterate[i] + p.lambda * direction[i];
    for (i, t) in trial.iter_mut().enumerate().take(p.unknowns()) {
        *t = t_at(i);
    }
    let g = |i| {
        let c = &p.member(members, i).stage;
        let t = [t_at(p.left(i)), t_at(i), t_at(p.right(i))];
        flagged_abs(stage_residual(c, t, q[i]), 1.0)
    };
    workgroup_maxima(p.unknowns(), g, partials);
}

/// Partials of `|dv|` at `[0, G)` and of `|w|` at `[G, 2G)`.
pub fn burgers_direction_partials(
    p: &BurgersGpuParams,
    direction: &[f64],
    iterate: &[f64],
    partials: &mut [f64],
) {
    let (dv, w) = partials.split_at_mut(p.groups());
    workgroup_maxima(p.unknowns(), |i| flagged_abs(direction[i], 1.0), dv);
    workgroup_maxima(p.unknowns(), |i| flagged_abs(iterate[i], 1.0), w);
}

/// `w = w + dv`.
pub fn burgers_update(p: &BurgersGpuParams, iterate: &mut [f64], direction: &[f64]) {
    for (w, d) in iterate.iter_mut().zip(direction).take(p.unknowns()) {
        *w += d;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::cyclic_batched::cyclic_batched;
    use crate::linalg::max_abs_reduce::finish_max_norm;
    use crate::problems::burgers1d::cpu_step::{
        stage_residual_norm, starting_previous, CpuBurgersStep,
    };
    use crate::problems::burgers1d::exact::initial_level;
    use crate::problems::burgers1d::Burgers1D;
    use crate::problems::heat1d::kernels::BatchParams;
    use crate::solver::newton::NewtonSystem;

    /// One Newton iteration of two interleaved members through the twins (explicit part,
    /// residual partials, Jacobian bands, batched cyclic solve, update) equals the CPU step's.
    #[test]
    fn twins_take_the_cpu_steps_newton_iteration() {
        let (n, dt) = (64, 0.05);
        let problems = [
            Burgers1D {
                n,
                ..Burgers1D::default()
            },
            Burgers1D {
                n,
                nu: 0.02,
                a: 1.2,
                ..Burgers1D::default()
            },
        ];
        let m = problems.len();
        let dx = problems[0].dx();
        let coefficients: Vec<MemberCoefficients> = problems
            .iter()
            .map(|p| MemberCoefficients {
                stage: StageCoefficients::new(p.nu, dx, p.theta * dt),
                explicit: ExplicitCoefficients::new(p.nu, dx, (1.0 - p.theta) * dt),
            })
            .collect();
        let p = BurgersGpuParams {
            n: n as u32,
            members: m as u32,
            band_shift: 0,
            lambda: 1.0,
        };
        let mut iterate = vec![0.0; n * m];
        for (s, problem) in problems.iter().enumerate() {
            for (j, u) in initial_level(problem).into_iter().enumerate() {
                iterate[j * m + s] = u;
            }
        }
        let mut previous = vec![0.0; n * m];
        for (s, problem) in problems.iter().enumerate() {
            let u0 = initial_level(problem);
            for (j, u) in starting_previous(problem, dt, &u0).into_iter().enumerate() {
                previous[j * m + s] = u;
            }
        }
        let (mut q, mut guess) = (vec![0.0; n * m], vec![0.0; n * m]);
        burgers_explicit(&p, &coefficients, &iterate, &previous, &mut q, &mut guess);
        burgers_shift(&p, &mut iterate, &mut previous, &guess);
        let mut partials = vec![0.0; p.groups()];
        burgers_residual_partials(&p, &coefficients, &iterate, &q, &mut partials);
        let [mut lower, mut diag, mut upper, mut rhs] = [(); 4].map(|_| vec![0.0; n * m]);
        burgers_jacobian(
            &p,
            &coefficients,
            &iterate,
            &q,
            &mut lower,
            &mut diag,
            &mut upper,
            &mut rhs,
            &mut partials,
        );
        let mut direction = vec![0.0; n * m];
        let mut scratch = vec![0.0; 4 * n * m];
        let batch = BatchParams {
            n: n as u32,
            batch: m as u32,
            offset: 0,
        };
        cyclic_batched(
            &batch,
            &lower,
            &diag,
            &upper,
            &rhs,
            &mut direction,
            &mut scratch,
        )
        .unwrap();
        burgers_update(&p, &mut iterate, &direction);
        for (s, problem) in problems.iter().enumerate() {
            let mut step = CpuBurgersStep::new(problem, dt).unwrap();
            crate::solver::march::LevelStepper::begin_step(&mut step);
            let q_member: Vec<f64> = (0..n).map(|j| q[j * m + s]).collect();
            assert_eq!(q_member, step.explicit());
            step.newton_direction().unwrap();
            step.trial_residual_norm(1.0).unwrap();
            step.accept_trial();
            let mine: Vec<f64> = (0..n).map(|j| iterate[j * m + s]).collect();
            let diff = mine
                .iter()
                .zip(step.iterate())
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(diff < 1e-15, "member {s}: {diff:e}");
            // The residual partials reduce to the CPU's norm at the new iterate.
            let r_cpu = stage_residual_norm(step.stage(), step.iterate(), step.explicit());
            let mut partials = vec![0.0; p.groups()];
            let single = BurgersGpuParams {
                n: n as u32,
                members: 1,
                band_shift: 1,
                lambda: 1.0,
            };
            burgers_residual_partials(
                &single,
                &coefficients[s..=s],
                &mine,
                &q_member,
                &mut partials,
            );
            assert_eq!(finish_max_norm(&partials[..single.groups()]), r_cpu);
        }
    }
}
