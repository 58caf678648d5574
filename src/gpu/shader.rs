//! WGSL kernels: sources under `shaders/`, specialised to a [`Precision`] and checked by naga.
//!
//! Every kernel is written once against the type name `real`; [`shader_source`] prepends
//! `alias real = f64;` or `alias real = f32;` and `REAL_MAX`, the largest finite value (so
//! naga/wgpu line numbers are two higher than in the file). Heat kernels also start with the
//! shared `heat_params.wgsl` (and `heat_levels.wgsl` if they read the iterate): WGSL has no
//! includes, so the table concatenates the files. naga 30 has no `enable f64;` directive: `f64` is a predeclared type,
//! accepted when the validator has `Capabilities::FLOAT64`, which wgpu grants to devices
//! created with `Features::SHADER_F64`.

use naga::valid::{Capabilities, ValidationFlags, Validator};

use super::GpuError;
use crate::precision::Precision;

/// Every kernel as (name, WGSL source without the `real` alias). Add new kernels here:
/// the unit tests validate each entry in both precisions.
pub const KERNELS: &[(&str, &str)] = &[
    (
        "copy_real",
        include_str!("../../shaders/common/copy_real.wgsl"),
    ),
    (
        "heat_residual_levels",
        concat!(
            include_str!("../../shaders/heat1d/heat_params.wgsl"),
            include_str!("../../shaders/heat1d/heat_levels.wgsl"),
            include_str!("../../shaders/heat1d/heat_residual_levels.wgsl")
        ),
    ),
    (
        "heat_residual_partials",
        concat!(
            include_str!("../../shaders/heat1d/heat_params.wgsl"),
            include_str!("../../shaders/heat1d/heat_levels.wgsl"),
            include_str!("../../shaders/common/workgroup_max.wgsl"),
            include_str!("../../shaders/heat1d/heat_partials.wgsl"),
            include_str!("../../shaders/heat1d/heat_residual_partials.wgsl")
        ),
    ),
    (
        "heat_jacobian",
        concat!(
            include_str!("../../shaders/heat1d/heat_params.wgsl"),
            include_str!("../../shaders/heat1d/heat_levels.wgsl"),
            include_str!("../../shaders/heat1d/heat_jacobian.wgsl")
        ),
    ),
    (
        "thomas_march",
        concat!(
            include_str!("../../shaders/heat1d/heat_params.wgsl"),
            include_str!("../../shaders/common/workgroup_max.wgsl"),
            include_str!("../../shaders/heat1d/thomas_march.wgsl")
        ),
    ),
    (
        "thomas_march_forward_rows",
        concat!(
            include_str!("../../shaders/heat1d/heat_params.wgsl"),
            include_str!("../../shaders/heat1d/thomas_march_forward_rows.wgsl")
        ),
    ),
    (
        "thomas_march_backward_rows",
        concat!(
            include_str!("../../shaders/heat1d/heat_params.wgsl"),
            include_str!("../../shaders/common/workgroup_max.wgsl"),
            include_str!("../../shaders/heat1d/thomas_march_backward_rows.wgsl")
        ),
    ),
    (
        "newton_trial_partials",
        concat!(
            include_str!("../../shaders/heat1d/heat_params.wgsl"),
            include_str!("../../shaders/heat1d/heat_levels.wgsl"),
            include_str!("../../shaders/common/workgroup_max.wgsl"),
            include_str!("../../shaders/heat1d/heat_partials.wgsl"),
            include_str!("../../shaders/heat1d/newton_trial_partials.wgsl")
        ),
    ),
    (
        "theta_rhs",
        include_str!("../../shaders/heat1d/theta_rhs.wgsl"),
    ),
    (
        "theta_step_residual",
        concat!(
            include_str!("../../shaders/common/workgroup_max.wgsl"),
            include_str!("../../shaders/heat1d/theta_step_residual.wgsl")
        ),
    ),
    (
        "max_abs_reduce",
        concat!(
            include_str!("../../shaders/common/workgroup_max.wgsl"),
            include_str!("../../shaders/common/max_abs_reduce.wgsl")
        ),
    ),
    (
        "pcr_workgroup",
        concat!(
            include_str!("../../shaders/linalg/batch_params.wgsl"),
            include_str!("../../shaders/linalg/pcr_workgroup.wgsl")
        ),
    ),
    (
        "thomas_batched",
        concat!(
            include_str!("../../shaders/linalg/batch_params.wgsl"),
            include_str!("../../shaders/linalg/thomas_batched.wgsl")
        ),
    ),
    (
        "thomas_batched_factored",
        concat!(
            include_str!("../../shaders/linalg/batch_params.wgsl"),
            include_str!("../../shaders/linalg/thomas_batched_factored.wgsl")
        ),
    ),
    (
        "tridiag_partition_reduce",
        concat!(
            include_str!("../../shaders/linalg/partition_params.wgsl"),
            include_str!("../../shaders/linalg/tridiag_partition_reduce.wgsl")
        ),
    ),
    (
        "affine_block_starts",
        concat!(
            include_str!("../../shaders/heat1d/affine_block_params.wgsl"),
            include_str!("../../shaders/heat1d/affine_block_starts.wgsl")
        ),
    ),
    (
        "affine_levels",
        concat!(
            include_str!("../../shaders/heat1d/heat_params.wgsl"),
            include_str!("../../shaders/heat1d/affine_block_params.wgsl"),
            include_str!("../../shaders/heat1d/affine_levels.wgsl")
        ),
    ),
    (
        "affine_compose",
        concat!(
            include_str!("../../shaders/linalg/affine_scan_params.wgsl"),
            include_str!("../../shaders/linalg/affine_compose.wgsl")
        ),
    ),
    (
        "affine_apply",
        concat!(
            include_str!("../../shaders/linalg/affine_scan_params.wgsl"),
            include_str!("../../shaders/linalg/affine_apply.wgsl")
        ),
    ),
    (
        "newton_scan_first_level",
        concat!(
            include_str!("../../shaders/heat1d/heat_params.wgsl"),
            include_str!("../../shaders/linalg/affine_scan_params.wgsl"),
            include_str!("../../shaders/heat1d/newton_scan_common.wgsl"),
            include_str!("../../shaders/heat1d/newton_scan_first_level.wgsl")
        ),
    ),
    (
        "newton_scan_maps",
        concat!(
            include_str!("../../shaders/heat1d/heat_params.wgsl"),
            include_str!("../../shaders/linalg/affine_scan_params.wgsl"),
            include_str!("../../shaders/heat1d/newton_scan_common.wgsl"),
            include_str!("../../shaders/heat1d/newton_scan_maps.wgsl")
        ),
    ),
    (
        "newton_scan_levels",
        concat!(
            include_str!("../../shaders/heat1d/heat_params.wgsl"),
            include_str!("../../shaders/common/workgroup_max.wgsl"),
            include_str!("../../shaders/linalg/affine_scan_params.wgsl"),
            include_str!("../../shaders/heat1d/newton_scan_common.wgsl"),
            include_str!("../../shaders/heat1d/newton_scan_levels.wgsl")
        ),
    ),
    (
        "diffusion2d_explicit",
        include_str!("../../shaders/diffusion2d/diffusion2d_explicit.wgsl"),
    ),
    (
        "diffusion2d_adi_sweep",
        include_str!("../../shaders/diffusion2d/diffusion2d_adi_sweep.wgsl"),
    ),
    (
        "diffusion2d_transpose",
        include_str!("../../shaders/diffusion2d/diffusion2d_transpose.wgsl"),
    ),
    (
        "tridiag_partition_substitute",
        concat!(
            include_str!("../../shaders/linalg/partition_params.wgsl"),
            include_str!("../../shaders/linalg/tridiag_partition_substitute.wgsl")
        ),
    ),
    (
        "cyclic_batched",
        concat!(
            include_str!("../../shaders/linalg/batch_params.wgsl"),
            include_str!("../../shaders/linalg/cyclic_batched.wgsl")
        ),
    ),
    (
        "cyclic_border_column",
        concat!(
            include_str!("../../shaders/linalg/cyclic_border_params.wgsl"),
            include_str!("../../shaders/linalg/cyclic_border_column.wgsl")
        ),
    ),
    (
        "cyclic_border_combine",
        concat!(
            include_str!("../../shaders/linalg/cyclic_border_params.wgsl"),
            include_str!("../../shaders/linalg/cyclic_border_combine.wgsl")
        ),
    ),
    (
        "burgers_explicit",
        concat!(
            include_str!("../../shaders/burgers1d/burgers_stencil.wgsl"),
            include_str!("../../shaders/burgers1d/burgers_explicit.wgsl")
        ),
    ),
    (
        "burgers_choose_guess",
        concat!(
            include_str!("../../shaders/burgers1d/burgers_stencil.wgsl"),
            include_str!("../../shaders/burgers1d/burgers_choose_guess.wgsl")
        ),
    ),
    (
        "burgers_shift",
        concat!(
            include_str!("../../shaders/burgers1d/burgers_stencil.wgsl"),
            include_str!("../../shaders/burgers1d/burgers_shift.wgsl")
        ),
    ),
    (
        "burgers_update",
        concat!(
            include_str!("../../shaders/burgers1d/burgers_stencil.wgsl"),
            include_str!("../../shaders/burgers1d/burgers_update.wgsl")
        ),
    ),
    (
        "burgers_residual_partials",
        concat!(
            include_str!("../../shaders/common/workgroup_max.wgsl"),
            include_str!("../../shaders/burgers1d/burgers_stencil.wgsl"),
            include_str!("../../shaders/burgers1d/burgers_partials.wgsl"),
            include_str!("../../shaders/burgers1d/burgers_residual_partials.wgsl")
        ),
    ),
    (
        "burgers_jacobian",
        concat!(
            include_str!("../../shaders/common/workgroup_max.wgsl"),
            include_str!("../../shaders/burgers1d/burgers_stencil.wgsl"),
            include_str!("../../shaders/burgers1d/burgers_partials.wgsl"),
            include_str!("../../shaders/burgers1d/burgers_jacobian.wgsl")
        ),
    ),
    (
        "burgers_trial_partials",
        concat!(
            include_str!("../../shaders/common/workgroup_max.wgsl"),
            include_str!("../../shaders/burgers1d/burgers_stencil.wgsl"),
            include_str!("../../shaders/burgers1d/burgers_partials.wgsl"),
            include_str!("../../shaders/burgers1d/burgers_trial_partials.wgsl")
        ),
    ),
    (
        "burgers_direction_partials",
        concat!(
            include_str!("../../shaders/common/workgroup_max.wgsl"),
            include_str!("../../shaders/burgers1d/burgers_stencil.wgsl"),
            include_str!("../../shaders/burgers1d/burgers_partials.wgsl"),
            include_str!("../../shaders/burgers1d/burgers_direction_partials.wgsl")
        ),
    ),
];

/// The source of `kernel` with `real` bound to `precision`'s scalar type.
pub fn shader_source(kernel: &str, precision: Precision) -> Result<String, GpuError> {
    let (_, body) = KERNELS
        .iter()
        .find(|(name, _)| *name == kernel)
        .ok_or_else(|| GpuError::UnknownKernel {
            name: kernel.to_owned(),
            known: KERNELS.iter().map(|(name, _)| *name).collect(),
        })?;
    let real_max = match precision {
        Precision::F64 => "1.7976931348623157e308",
        Precision::F32 => "3.40282347e38",
    };
    Ok(format!(
        "alias real = {};\nconst REAL_MAX: real = {real_max};\n{body}",
        precision.wgsl_name()
    ))
}

/// Parses and validates WGSL with naga, all capabilities (including FLOAT64) enabled.
/// The error is naga's diagnostic, with source excerpts.
pub fn validate_wgsl(source: &str) -> Result<(), String> {
    let module = naga::front::wgsl::parse_str(source).map_err(|e| e.emit_to_string(source))?;
    Validator::new(ValidationFlags::all(), Capabilities::all())
        .validate(&module)
        .map_err(|e| e.emit_to_string(source))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kernel_validates_in_both_precisions() {
        for (name, _) in KERNELS {
            for precision in [Precision::F64, Precision::F32] {
                let source = shader_source(name, precision).unwrap();
                if let Err(e) = validate_wgsl(&source) {
                    panic!("kernel {name} ({precision}) fails naga validation:\n{e}");
                }
            }
        }
    }

    #[test]
    fn f64_needs_the_capability_not_a_directive() {
        let source = shader_source("copy_real", Precision::F64).unwrap();
        let module = naga::front::wgsl::parse_str(&source).unwrap();
        let no_f64 = Capabilities::all() - Capabilities::FLOAT64;
        assert!(Validator::new(ValidationFlags::all(), no_f64)
            .validate(&module)
            .is_err());
        assert!(naga::front::wgsl::parse_str(&format!("enable f64;\n{source}")).is_err());
    }

    #[test]
    fn unknown_kernel_is_an_error_listing_known_ones() {
        let err = shader_source("nope", Precision::F32).unwrap_err();
        assert!(err.to_string().contains("copy_real"), "{err}");
    }
}
