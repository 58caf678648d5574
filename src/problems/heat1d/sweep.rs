//! Parameter sweeps: one problem, many members differing in one parameter, solved at once.

use crate::error::{Error, Result};
use crate::problems::heat1d::params::Heat1D;

use crate::problems::sweep_spec::SweepSpec;
pub use crate::problems::sweep_spec::MAX_MEMBERS;

/// `PARAM=START:END:COUNT` or `PARAM=V1,V2,...` ([`SweepSpec`]), for PARAM in alpha, t_x0,
/// t_xl, t_t0.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Sweep {
    pub param: String,
    pub values: Vec<f64>,
}

impl std::str::FromStr for Sweep {
    type Err = Error;

    fn from_str(spec: &str) -> Result<Sweep> {
        let SweepSpec { param, values } =
            SweepSpec::parse(spec, &["alpha", "t_x0", "t_xl", "t_t0"])?;
        Ok(Sweep { param, values })
    }
}

impl Sweep {
    /// The members: `base` with the swept parameter set to each value, each validated (the
    /// error names the member and its value).
    pub fn members(&self, base: &Heat1D) -> Result<Vec<Heat1D>> {
        let members: Vec<Heat1D> = self
            .values
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
            .collect();
        for (k, (member, value)) in members.iter().zip(&self.values).enumerate() {
            member.validate().map_err(|e| {
                Error::invalid(
                    "sweep",
                    format!("{}={value:e}", self.param),
                    format!("member {k}: {e}"),
                )
            })?;
        }
        Ok(members)
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
        assert_eq!(s.members(&Heat1D::default()).unwrap()[1].t_x0, 60.0);
        let huge = "alpha=0.01:0.02:18446744073709551615".parse::<Sweep>();
        assert!(huge.unwrap_err().to_string().contains("COUNT"));
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
