//! Parameter sweeps: one problem, many members differing in one parameter, solved at once.

use crate::error::{HeatError, Result};
use crate::problem::Heat1D;

/// `PARAM=START:END:COUNT` (COUNT values evenly spaced, ends included) or `PARAM=V1,V2,...`,
/// for PARAM in alpha, t_x0, t_xl, t_t0.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Sweep {
    pub param: String,
    pub values: Vec<f64>,
}

impl std::str::FromStr for Sweep {
    type Err = HeatError;

    fn from_str(spec: &str) -> Result<Sweep> {
        let bad = |why: &str| HeatError::invalid("sweep", spec, why.to_string());
        let (param, values) = spec
            .split_once('=')
            .ok_or_else(|| bad("expected PARAM=START:END:COUNT or PARAM=V1,V2"))?;
        if !["alpha", "t_x0", "t_xl", "t_t0"].contains(&param) {
            return Err(bad("PARAM must be one of alpha, t_x0, t_xl, t_t0"));
        }
        let number = |s: &str| {
            s.trim()
                .parse::<f64>()
                .map_err(|_| bad("values must be numbers"))
        };
        let values = if let [start, end, count] = values.split(':').collect::<Vec<_>>()[..] {
            let (start, end) = (number(start)?, number(end)?);
            let count: usize = count
                .trim()
                .parse()
                .map_err(|_| bad("COUNT must be a whole number"))?;
            if count < 1 {
                return Err(bad("COUNT must be >= 1"));
            }
            let step = if count > 1 {
                (end - start) / (count - 1) as f64
            } else {
                0.0
            };
            (0..count).map(|k| start + step * k as f64).collect()
        } else {
            values.split(',').map(number).collect::<Result<Vec<_>>>()?
        };
        if values.iter().any(|v| !v.is_finite()) {
            return Err(bad("values must be finite"));
        }
        Ok(Sweep {
            param: param.to_string(),
            values,
        })
    }
}

impl Sweep {
    /// The members: `base` with the swept parameter set to each value.
    pub fn members(&self, base: &Heat1D) -> Vec<Heat1D> {
        self.values
            .iter()
            .map(|&value| {
                let mut p = base.clone();
                *match self.param.as_str() {
                    "alpha" => &mut p.alpha,
                    "t_x0" => &mut p.t_x0,
                    "t_xl" => &mut p.t_xl,
                    _ => &mut p.t_t0,
                } = value;
                p
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_lists_parse() {
        let s: Sweep = "alpha=0.005:0.02:4".parse().unwrap();
        assert_eq!(s.values, vec![0.005, 0.01, 0.015, 0.02]);
        let s: Sweep = "t_x0=50,60".parse().unwrap();
        assert_eq!(s.members(&Heat1D::default())[1].t_x0, 60.0);
        for bad in [
            "beta=1:2:3",
            "alpha",
            "alpha=1:x:3",
            "alpha=1:2:0",
            "alpha=nan",
        ] {
            assert!(bad.parse::<Sweep>().is_err(), "{bad}");
        }
    }
}
