//! Sweeps: members of one grid differing in nu, a and b, marched at once.
//!
//! `nu=START:END:COUNT` or `nu=V1,V2,...` (also `a=`, `b=`) gives the members. On the CPU every
//! member is its own [`CpuBurgersStep`] with its own Newton solve per step, so a member's levels
//! are bit for bit those of its single run; the members of a step are solved in parallel
//! (rayon), and the kept levels are handed to the sink in member order after each step. On the
//! GPU (`super::gpu`) the members share one batched Newton iteration.

use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::backend::ComputeLabel;
use crate::error::{Error, Result};
use crate::memory::ensure_fits;
use crate::problems::sweep_spec::SweepSpec;
use crate::solver::march::is_kept_level;
use crate::solver::newton::{newton_solve_into, NewtonStats};
use crate::verify::Verification;

use super::cpu_step::CpuBurgersStep;
use super::params::{check_members, Burgers1D, Stepping};
use super::solve::{check_finite_level, march_newton_options, BurgersReport, LevelSink};
use crate::solver::march::LevelStepper;

/// The swept parameter and its values.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BurgersSweep {
    pub param: String,
    pub values: Vec<f64>,
}

impl std::str::FromStr for BurgersSweep {
    type Err = Error;

    /// `PARAM=START:END:COUNT` or `PARAM=V1,V2,...` ([`SweepSpec`]); PARAM is nu, a or b.
    fn from_str(spec: &str) -> Result<BurgersSweep> {
        let SweepSpec { param, values } = SweepSpec::parse(spec, &["nu", "a", "b"])?;
        Ok(BurgersSweep { param, values })
    }
}

impl BurgersSweep {
    /// The members: `base` with the swept parameter set to each value (validated).
    pub fn members(&self, base: &Burgers1D) -> Result<Vec<Burgers1D>> {
        let members: Vec<Burgers1D> = self
            .values
            .iter()
            .map(|&value| {
                let mut p = base.clone();
                *match self.param.as_str() {
                    "nu" => &mut p.nu,
                    "a" => &mut p.a,
                    _ => &mut p.b,
                } = value;
                p
            })
            .collect();
        check_members(&members)?;
        Ok(members)
    }
}

/// Marches every member with its own Newton solve per step, members in parallel.
pub fn march_sweep_cpu(
    members: &[Burgers1D],
    snapshot_every: usize,
    sink: LevelSink<'_>,
) -> Result<BurgersReport> {
    let first = check_members(members)?;
    let Stepping::Fixed { steps } = first.stepping else {
        return Err(Error::invalid(
            "stepping",
            "adaptive",
            "a sweep marches fixed steps",
        ));
    };
    ensure_fits(
        "Burgers sweep (work arrays of every member)",
        first.memory_bytes(members.len()),
        "use fewer members or a coarser grid",
    )?;
    let start = Instant::now();
    let dt = first.t_end / steps as f64;
    let mut states = members
        .iter()
        .map(|p| Ok((CpuBurgersStep::new(p, dt)?, NewtonStats::default())))
        .collect::<Result<Vec<_>>>()?;
    let options = march_newton_options();
    let mut times = vec![0.0];
    for (s, (step, _)) in states.iter().enumerate() {
        sink(s, 0, 0.0, step.level())?;
    }
    let (mut iterations, mut max_per_step) = (0, 0);
    let (mut residual, mut floor, mut target) = (0.0_f64, 0.0_f64, 0.0_f64);
    for step_index in 1..=steps {
        crate::cancel::check()?;
        states
            .par_iter_mut()
            .enumerate()
            .try_for_each(|(s, (step, stats))| {
                step.begin_step();
                newton_solve_into(step, &options, stats)
                    .map(drop)
                    .map_err(|e| member_failed(step_index, s, step.problem(), e))
            })?;
        for (_, stats) in &states {
            iterations += stats.iterations;
            max_per_step = max_per_step.max(stats.iterations);
            residual = residual.max(stats.final_residual());
            floor = floor.max(stats.floor);
            target = target.max(stats.target);
        }
        if is_kept_level(step_index, steps + 1, snapshot_every) {
            let kept = times.len();
            for (s, (step, _)) in states.iter().enumerate() {
                check_finite_level(s, kept, step.level())?;
                sink(s, kept, step_index as f64 * dt, step.level())?;
            }
            times.push(step_index as f64 * dt);
        }
    }
    let verification = Verification {
        residual,
        floor,
        target,
        evaluated: "every step's final level of every member, in f64 on the host",
    }
    .check()?;
    Ok(BurgersReport {
        label: ComputeLabel::cpu(),
        members: members.len(),
        steps,
        newton_iterations: iterations,
        max_iterations_per_step: max_per_step,
        step_control: None,
        verification,
        times,
        elapsed: start.elapsed(),
    })
}

/// A member's failed step, naming the member and its parameters.
fn member_failed(step: usize, member: usize, p: &Burgers1D, e: Error) -> Error {
    Error::StepFailed {
        step,
        cause: Box::new(Error::InvalidInput {
            name: format!(
                "sweep member {member} (nu = {}, a = {}, b = {})",
                p.nu, p.a, p.b
            ),
            reason: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_lists_parse_into_valid_members() {
        let s: BurgersSweep = "nu=0.02:0.05:4".parse().unwrap();
        assert_eq!(s.values.len(), 4);
        let members = s.members(&Burgers1D::default()).unwrap();
        assert!((members[3].nu - 0.05).abs() < 1e-15);
        let s: BurgersSweep = "a=1.1,1.2".parse().unwrap();
        assert_eq!(s.members(&Burgers1D::default()).unwrap()[1].a, 1.2);
        for bad in ["k=1:2:3", "nu", "nu=1:x:3", "nu=1:2:0", "nu=nan"] {
            assert!(bad.parse::<BurgersSweep>().is_err(), "{bad}");
        }
        // b >= a is refused when the members are built.
        let s: BurgersSweep = "b=0.5,1.2".parse().unwrap();
        let err = s.members(&Burgers1D::default()).unwrap_err().to_string();
        assert!(err.contains("parameter a"), "{err}");
    }
}
