//! Floating-point precision of GPU arrays and kernels.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Scalar type of the unknowns on the device; the CPU reference is always f64.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    F64,
    F32,
}

impl Precision {
    /// Size of one scalar in bytes.
    pub fn bytes(self) -> usize {
        match self {
            Precision::F64 => 8,
            Precision::F32 => 4,
        }
    }

    /// WGSL spelling of the scalar type.
    pub fn wgsl_name(self) -> &'static str {
        match self {
            Precision::F64 => "f64",
            Precision::F32 => "f32",
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.wgsl_name())
    }
}

#[cfg(test)]
mod tests {
    use super::Precision;
    use clap::ValueEnum;

    #[test]
    fn names_agree_across_display_serde_and_clap() {
        for p in [Precision::F64, Precision::F32] {
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{p}\""));
            assert_eq!(serde_json::from_str::<Precision>(&json).unwrap(), p);
            assert_eq!(Precision::from_str(p.wgsl_name(), false).unwrap(), p);
        }
        assert_eq!(Precision::F64.bytes(), 8);
        assert_eq!(Precision::F32.bytes(), 4);
    }
}
