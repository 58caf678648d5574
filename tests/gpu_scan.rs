//! The parallel scan of affine maps on the GPU against the sequential recurrence, and the
//! scanned Newton direction against the Thomas march (`newton_march`) and its CPU twins, on
//! nonlinear problems. Without an adapter these tests print a notice and pass, unless
//! HEATGPU_REQUIRE_ADAPTER=1.

mod common;
use common::{random_field, seed_from_clock};

use heatgpu::gpu::{AdapterRequest, GpuContext};
use heatgpu::linalg::affine_scan::affine_recurrence;
use heatgpu::linalg::gpu_scan::GpuAffineScan;
use heatgpu::precision::Precision;
use heatgpu::problems::heat1d::gpu::newton_scan::GpuNewtonScan;
use heatgpu::problems::heat1d::kernels::newton_scan::newton_scan_direction;
use heatgpu::problems::heat1d::kernels::{newton_march, HeatParams};
use heatgpu::Heat1D;

fn context() -> Option<GpuContext> {
    GpuContext::for_tests_with(&AdapterRequest::from_env(), Some(Precision::F64))
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
}

/// Random contracting maps (`||A||_inf <= 0.999`), fresh per run; counts that leave partial
/// groups and cross workgroups of 256 (compose) and of 64 (apply).
#[test]
fn gpu_scan_matches_the_sequential_recurrence_on_random_maps() {
    let Some(mut ctx) = context() else {
        return;
    };
    let seed = seed_from_clock();
    for (n, count) in [(1, 1), (3, 2), (11, 1000), (34, 257), (9, 4097)] {
        let size = (n + 1) * n;
        let mut maps = random_field(count * size, seed ^ (n * count) as u64, -1.0, 1.0);
        for map in maps.chunks_exact_mut(size) {
            for a in &mut map[..n * n] {
                *a *= 0.999 / n as f64;
            }
        }
        let x0 = random_field(n, seed, -5.0, 5.0);
        let mut sequential = vec![0.0; (count + 1) * n];
        affine_recurrence(n, &maps, &x0, &mut sequential);
        let scan = GpuAffineScan::new(ctx, n, &maps, &x0).unwrap();
        let before = scan.ledger();
        let prefixes = scan.run().unwrap();
        let cost = scan.ledger().since(&before);
        assert_eq!(cost.dispatches, 3, "n={n} count={count}: {cost:?}");
        let scale = sequential.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        let err = max_diff(&prefixes, &sequential[..count * n]);
        assert!(
            err <= 1e-13 * scale,
            "n={n} count={count} seed={seed}: {err:e}"
        );
        ctx = scan.into_context();
    }
}

/// The scanned direction against the Thomas march (any beta), from a random iterate.
#[test]
fn scanned_direction_matches_the_thomas_march_on_nonlinear_problems() {
    let Some(mut ctx) = context() else {
        return;
    };
    let seed = seed_from_clock();
    for (nt, nx, theta, beta, chunk) in [
        (2, 3, 1.0, 0.02, 4),
        (1001, 11, 1.0, 0.03, 8),
        (3000, 11, 0.5, -0.01, 44),
        (513, 34, 1.0, 0.02, 16),
        (700, 6, 0.0, 0.01, 5),
    ] {
        let p = Heat1D {
            nt,
            nx,
            theta,
            beta,
            t_max: 1.0,
            ..Heat1D::default()
        };
        let hp = HeatParams::new(&p);
        let v = random_field(p.unknowns(), seed ^ nt as u64, 25.0, 60.0);
        let case = format!("nt={nt} nx={nx} theta={theta} beta={beta} L={chunk} seed={seed}");
        let mut gpu = GpuNewtonScan::with_chunk_levels(ctx, &p, &v, chunk).unwrap();
        let step = gpu.direction().unwrap();
        let dv = gpu.direction_values().unwrap();
        let mut marched = vec![0.0; v.len()];
        let norms = newton_march(&hp, &v, &mut marched, &mut vec![0.0; nx]);
        let err = max_diff(&dv, &marched);
        assert!(
            err <= 1e-11 * norms.step,
            "{case}: {err:e} vs |dv| {}",
            norms.step
        );
        assert!((step - norms.step).abs() <= 1e-11 * norms.step, "{case}");
        // And the twins, which run the same arithmetic in the same order.
        let chunks = (nt - 1).div_ceil(chunk);
        let groups = (1..).find(|g: &usize| g * g >= chunks).unwrap();
        let mut twin = vec![0.0; v.len()];
        newton_scan_direction(&hp, chunk, groups, &v, &mut twin);
        let err = max_diff(&dv, &twin);
        assert!(err <= 1e-12 * norms.step, "{case}: GPU vs twins {err:e}");
        ctx = gpu.into_context();
    }
}

/// A direction creates and uploads nothing and reads back one scalar; the dispatch count does
/// not grow with the number of levels (only the max-norm's reduction, by log_256).
#[test]
fn a_scanned_direction_has_no_host_round_trip_per_level() {
    let Some(mut ctx) = context() else {
        return;
    };
    let mut dispatches = Vec::new();
    for nt in [1_001, 20_001] {
        let p = Heat1D {
            nt,
            theta: 1.0,
            beta: 0.02,
            t_max: 1.0,
            ..Heat1D::default()
        };
        let mut gpu = GpuNewtonScan::new(ctx, &p, &p.initial_guess()).unwrap();
        gpu.direction().unwrap();
        let before = gpu.ledger();
        gpu.direction().unwrap();
        let cost = gpu.ledger().since(&before);
        assert_eq!(
            (
                cost.buffers_created,
                cost.bytes_uploaded,
                cost.bytes_downloaded
            ),
            (0, 0, 8),
            "nt={nt}: {cost:?}"
        );
        assert!(cost.submits <= 2, "nt={nt}: {cost:?}");
        dispatches.push(cost.dispatches);
        ctx = gpu.into_context();
    }
    assert!(
        dispatches[1] <= dispatches[0] + 1 && dispatches[1] <= 8,
        "{dispatches:?}"
    );
}
