//! The command line's sweep specification, shared by every problem: `PARAM=START:END:COUNT`
//! (COUNT values evenly spaced, ends included) or `PARAM=V1,V2,...`, PARAM one of the names a
//! problem allows. Values must be finite; at most [`MAX_MEMBERS`] of them.

use crate::error::{Error, Result};

/// Most members a sweep may have (the GPU kernels index members in u32, and each member needs
/// its own arrays; memory is checked separately).
pub const MAX_MEMBERS: usize = 1 << 24;

/// The swept parameter and its values, parsed but not yet applied to a problem.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SweepSpec {
    pub param: String,
    pub values: Vec<f64>,
}

impl SweepSpec {
    /// Parses `spec`, accepting only the parameter names in `params`.
    pub fn parse(spec: &str, params: &[&str]) -> Result<SweepSpec> {
        let bad = |why: &str| Error::invalid("sweep", spec, why.to_string());
        let (param, values) = spec
            .split_once('=')
            .ok_or_else(|| bad("expected PARAM=START:END:COUNT or PARAM=V1,V2"))?;
        if !params.contains(&param) {
            return Err(bad(&format!("PARAM must be one of {}", params.join(", "))));
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
            if !(1..=MAX_MEMBERS).contains(&count) {
                return Err(bad(&format!("COUNT must be in 1..={MAX_MEMBERS}")));
            }
            let step = if count > 1 {
                (end - start) / (count - 1) as f64
            } else {
                0.0
            };
            (0..count).map(|k| start + step * k as f64).collect()
        } else {
            let list = values.split(',').map(number).collect::<Result<Vec<_>>>()?;
            if list.len() > MAX_MEMBERS {
                return Err(bad(&format!("at most {MAX_MEMBERS} values")));
            }
            list
        };
        if values.iter().any(|v: &f64| !v.is_finite()) {
            return Err(bad("values must be finite"));
        }
        Ok(SweepSpec {
            param: param.to_string(),
            values,
        })
    }
}
