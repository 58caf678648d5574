//! The residual in the users' exact ordering, its parallel and fused forms, and the Newton
//! direction's Jacobian, checked against independent transcriptions.

mod common;
use common::random_field;

use heatgpu::problems::heat1d::kernels::{
    heat_residual, heat_residual_norm, heat_residual_par, newton_march, newton_trial,
    AffineLevelMap, HeatParams,
};
use heatgpu::Heat1D;

/// The users' numba residual (PROBLEMS.md P1), transcribed literally: the reference ordering.
fn users_residual(p: &Heat1D, v: &[f64]) -> Vec<f64> {
    let (n1, n2) = (p.nt, p.nx);
    let (dt, dx) = (p.dt(), p.dx());
    let t = |i: usize, j: usize| v[i * n2 + j];
    let mut r = Vec::new();
    for i in 0..n1 {
        r.push(t(i, 0) - p.t_x0);
    }
    for i in 0..n1 {
        r.push(t(i, n2 - 1) - p.t_xl);
    }
    for j in 1..n2 - 1 {
        r.push(t(0, j) - p.t_t0);
    }
    for i in 0..n1 - 1 {
        for j in 1..n2 - 1 {
            r.push(
                p.alpha * (t(i, j + 1) - 2.0 * t(i, j) + t(i, j - 1)) / dx.powi(2)
                    - (t(i + 1, j) - t(i, j)) / dt,
            );
        }
    }
    r
}

fn small_problem() -> Heat1D {
    Heat1D {
        nt: 4,
        nx: 5,
        t_max: 3.0,
        x_max: 1.0,
        ..Heat1D::default()
    }
}

#[test]
fn ordering_matches_the_users_formula_on_a_hand_computed_case() {
    let p = small_problem();
    // T[i, j] = 10 i + j^2: dt = 1, dx = 1/4.
    let v: Vec<f64> = (0..4)
        .flat_map(|i| (0..5).map(move |j| (10 * i + j * j) as f64))
        .collect();
    let mut r = vec![f64::NAN; 20];
    heat_residual(&HeatParams::new(&p), &v, &mut r);
    // Boundary x=0: T[i,0] - 60 = 10 i - 60;  x=L: T[i,4] - 25 = 10 i + 16 - 25.
    assert_eq!(&r[0..4], &[-60.0, -50.0, -40.0, -30.0]);
    assert_eq!(&r[4..8], &[-9.0, 1.0, 11.0, 21.0]);
    // Initial condition, j = 1..3: j^2 - 25.
    assert_eq!(&r[8..11], &[-24.0, -21.0, -16.0]);
    // Energy balance: alpha * 2 / dx^2 - 10 / dt = 0.01 * 2 * 16 - 10 = -9.68 for every row.
    for (k, e) in r[11..].iter().enumerate() {
        assert!((e - (-9.68)).abs() < 1e-13, "energy row {k}: {e}");
    }
    let reference = users_residual(&p, &v);
    for (k, (a, b)) in r.iter().zip(&reference).enumerate() {
        assert!(
            (a - b).abs() <= 1e-12 * b.abs().max(1.0),
            "row {k}: {a} vs {b}"
        );
    }
}

#[test]
fn users_problem_residual_matches_transcription_on_random_fields() {
    for (seed, nt, nx) in [(1, 50, 11), (2, 7, 3), (3, 33, 64)] {
        let p = Heat1D {
            nt,
            nx,
            ..Heat1D::default()
        };
        let v = random_field(p.unknowns(), seed, 20.0, 70.0);
        let mut r = vec![0.0; p.unknowns()];
        heat_residual(&HeatParams::new(&p), &v, &mut r);
        let reference = users_residual(&p, &v);
        // Energy rows are differences of ~1e6-sized terms (1/dt = 49 at nt = 50): compare scaled.
        let scale = reference.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        for (k, (a, b)) in r.iter().zip(&reference).enumerate() {
            assert!(
                (a - b).abs() <= 1e-13 * scale,
                "nt={nt} nx={nx} row {k}: {a} vs {b}"
            );
        }
    }
}

#[test]
fn parallel_residual_is_bitwise_the_serial_one() {
    for (beta, nt) in [(0.0, 40_000), (0.03, 16_385), (0.0, 2)] {
        let p = Heat1D {
            nt,
            nx: 11,
            beta,
            theta: 0.5,
            ..Heat1D::default()
        };
        let hp = HeatParams::new(&p);
        let v = random_field(p.unknowns(), nt as u64, 20.0, 70.0);
        let (mut serial, mut parallel) = (vec![0.0; v.len()], vec![1.0; v.len()]);
        heat_residual(&hp, &v, &mut serial);
        heat_residual_par(&hp, &v, &mut parallel);
        assert!(serial
            .iter()
            .zip(&parallel)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}

/// Scaled max-norm of a stored residual: energy rows times `energy_scale`.
fn scaled_norm(p: &Heat1D, r: &[f64]) -> f64 {
    let energy_start = p.layout().energy_start();
    let scale = heatgpu::problems::heat1d::kernels::HeatParams::new(p).energy_scale;
    r.iter()
        .enumerate()
        .map(|(k, x)| {
            if k >= energy_start {
                x.abs() * scale
            } else {
                x.abs()
            }
        })
        .fold(0.0, f64::max)
}

#[test]
fn fused_norm_and_trial_match_the_stored_residual() {
    for beta in [0.0, 0.02] {
        let p = Heat1D {
            nt: 200,
            nx: 9,
            beta,
            theta: 1.0,
            ..Heat1D::default()
        };
        let hp = HeatParams::new(&p);
        let v = random_field(p.unknowns(), 7, 25.0, 60.0);
        let dv = random_field(p.unknowns(), 8, -1.0, 1.0);
        let mut r = vec![0.0; v.len()];
        heat_residual(&hp, &v, &mut r);
        assert_eq!(heat_residual_norm(&hp, &v), scaled_norm(&p, &r));

        let mut trial = vec![0.0; v.len()];
        let trial_norm = newton_trial(&hp, &v, &dv, 0.25, &mut trial);
        for k in 0..v.len() {
            assert_eq!(trial[k], v[k] + 0.25 * dv[k]);
        }
        heat_residual(&hp, &trial, &mut r);
        assert_eq!(trial_norm, scaled_norm(&p, &r));
    }
    // A NaN anywhere is reported, never hidden by max().
    let p = Heat1D {
        nt: 5,
        nx: 4,
        ..Heat1D::default()
    };
    let mut v = p.initial_guess();
    v[13] = f64::NAN;
    assert!(heat_residual_norm(&HeatParams::new(&p), &v).is_nan());
}

/// `J dv = -F` means `F(v + eps dv) = (1 - eps) F(v) + O(eps^2)`: the defect shrinks 4x when
/// eps halves, for the nonlinear Jacobian too.
#[test]
fn newton_direction_solves_the_jacobian_system() {
    for (beta, theta) in [(0.0, 1.0), (0.04, 1.0), (0.04, 0.5), (0.04, 0.0)] {
        let p = Heat1D {
            nt: 30,
            nx: 8,
            beta,
            theta,
            t_max: 1.0,
            ..Heat1D::default()
        };
        let hp = HeatParams::new(&p);
        let v = random_field(p.unknowns(), 11, 25.0, 60.0);
        let mut dv = vec![0.0; v.len()];
        newton_march(&hp, &v, &mut dv, &mut vec![0.0; p.nx]);
        let mut f0 = vec![0.0; v.len()];
        heat_residual(&hp, &v, &mut f0);
        let defect = |eps: f64| {
            let shifted: Vec<f64> = v.iter().zip(&dv).map(|(x, d)| x + eps * d).collect();
            let mut f = vec![0.0; v.len()];
            heat_residual(&hp, &shifted, &mut f);
            let diff: Vec<f64> = f
                .iter()
                .zip(&f0)
                .map(|(a, b)| a - (1.0 - eps) * b)
                .collect();
            scaled_norm(&p, &diff)
        };
        let (d1, d2) = (defect(1e-2), defect(5e-3));
        if beta == 0.0 {
            assert!(d1 < 1e-9, "linear: F is affine, defect {d1}");
        } else {
            let ratio = d1 / d2;
            assert!(
                (3.5..4.5).contains(&ratio),
                "beta={beta} theta={theta}: defect ratio {ratio} ({d1}, {d2})"
            );
        }
    }
}

#[test]
fn affine_map_gives_the_thomas_direction() {
    for (theta, nx) in [(1.0, 11), (0.5, 3), (0.0, 34), (0.7, 4)] {
        let p = Heat1D {
            nt: 500,
            nx,
            theta,
            t_max: 2.0,
            ..Heat1D::default()
        };
        let hp = HeatParams::new(&p);
        let v = random_field(p.unknowns(), 5, 25.0, 60.0);
        let (mut thomas, mut affine) = (vec![0.0; v.len()], vec![0.0; v.len()]);
        let a = newton_march(&hp, &v, &mut thomas, &mut vec![0.0; nx]);
        let map = AffineLevelMap::new(&hp).expect("linear, small nx");
        let b = map.newton_march(&hp, &v, &mut affine);
        let err = thomas
            .iter()
            .zip(&affine)
            .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()));
        assert!(err < 1e-10, "theta={theta} nx={nx}: max difference {err}");
        assert!((a.step - b.step).abs() < 1e-10 && a.iterate == b.iterate);

        // The fused full step: the same direction, and the trial newton_trial forms for lambda = 1.
        let (mut fused, mut trial) = (vec![0.0; v.len()], vec![0.0; v.len()]);
        let (c, trial_norm) = map.newton_march_with_trial(&hp, &v, &mut fused, &mut trial);
        assert_eq!((fused.as_slice(), c), (affine.as_slice(), b));
        let mut expected = vec![0.0; v.len()];
        assert_eq!(
            trial_norm,
            newton_trial(&hp, &v, &affine, 1.0, &mut expected)
        );
        assert_eq!(trial, expected);
    }
}

mod device_layout_twins {
    //! The CPU twins of the GPU kernels against the CPU's fused kernels, whole and split into
    //! segments of levels (as arrays larger than one device binding are).
    use super::*;
    use heatgpu::linalg::max_abs::max_abs;
    use heatgpu::problems::heat1d::kernels::{
        finish_max_norm, heat_jacobian, heat_residual_levels, heat_residual_partials,
        levels_to_p1_order, max_abs_reduce, newton_trial_partials, thomas_march, MarchCursor,
        ReduceParams, Segment, JACOBIAN_ROW, REDUCE_WIDTH,
    };

    /// Segments of at most `per_segment` levels, each with its slice range of a level-major
    /// array, and the partials layout of the GPU session.
    fn segments(p: &Heat1D, per_segment: usize) -> Vec<(Segment, std::ops::Range<usize>)> {
        let mut out: Vec<(Segment, std::ops::Range<usize>)> = Vec::new();
        let (mut level0, mut offset) = (0, 0);
        while level0 < p.nt {
            let levels = per_segment.min(p.nt - level0);
            let segment = Segment {
                level0: level0 as u32,
                levels: levels as u32,
                prev_levels: out.last().map_or(0, |(s, _)| s.levels),
                partials_offset: offset as u32,
                partials_stride: 0,
            };
            out.push((segment, level0 * p.nx..(level0 + levels) * p.nx));
            level0 += levels;
            offset += (levels * p.nx).div_ceil(REDUCE_WIDTH);
        }
        for (s, _) in &mut out {
            s.partials_stride = offset as u32;
        }
        out
    }

    /// The slice of the segment before `k` (empty for the first).
    fn previous<'a>(
        x: &'a [f64],
        segs: &[(Segment, std::ops::Range<usize>)],
        k: usize,
    ) -> &'a [f64] {
        if k == 0 {
            &[]
        } else {
            &x[segs[k - 1].1.clone()]
        }
    }

    /// Reduces partials pass by pass with the `max_abs_reduce` twin.
    fn reduce(partials: &[f64]) -> f64 {
        let mut values = partials.to_vec();
        while values.len() > 1 {
            let mut out = vec![0.0; values.len().div_ceil(REDUCE_WIDTH)];
            let params = ReduceParams {
                n: values.len() as u32,
                input_offset: 0,
                output_offset: 0,
            };
            max_abs_reduce(&params, &values, &mut out);
            values = out;
        }
        finish_max_norm(&values)
    }

    #[test]
    fn level_major_residual_and_its_norm_partials_match_the_p1_residual() {
        for (beta, per_segment) in [(0.0, 37), (0.03, 5), (0.03, 1), (0.0, 30)] {
            let p = Heat1D {
                nt: 37,
                nx: 61,
                beta,
                theta: 0.5,
                ..Heat1D::default()
            };
            let hp = HeatParams::new(&p);
            let v = random_field(p.unknowns(), 3, 20.0, 70.0);
            let (mut levels, mut reordered, mut direct) =
                (vec![0.0; v.len()], vec![0.0; v.len()], vec![0.0; v.len()]);
            let segs = segments(&p, per_segment);
            let stride = segs[0].0.partials_stride as usize;
            let mut partials = vec![f64::NAN; 2 * stride];
            for (k, (segment, range)) in segs.iter().enumerate() {
                let (here, prev) = (&v[range.clone()], previous(&v, &segs, k));
                heat_residual_levels(&hp, here, prev, segment, &mut levels[range.clone()]);
                heat_residual_partials(&hp, here, prev, segment, &mut partials);
            }
            levels_to_p1_order(&hp, &levels, &mut reordered);
            heat_residual(&hp, &v, &mut direct);
            assert_eq!(reordered, direct, "segments of {per_segment} levels");
            assert_eq!(reduce(&partials[..stride]), heat_residual_norm(&hp, &v));
            assert_eq!(reduce(&partials[stride..]), max_abs(&v));
        }
        let mut with_nan = vec![1.0; 1000];
        with_nan[700] = f64::NAN;
        let flagged: Vec<f64> = with_nan
            .iter()
            .map(|&x| heatgpu::linalg::max_abs_reduce::flagged_abs(x, 1.0))
            .collect();
        assert!(reduce(&flagged).is_nan());
    }

    #[test]
    fn trial_partials_match_the_fused_cpu_trial() {
        for (beta, per_segment) in [(0.0, 50), (0.02, 7), (0.02, 1)] {
            let p = Heat1D {
                nt: 50,
                nx: 13,
                beta,
                theta: 1.0,
                ..Heat1D::default()
            };
            let hp = HeatParams::new(&p);
            let v = random_field(p.unknowns(), 4, 25.0, 60.0);
            let dv = random_field(p.unknowns(), 5, -1.0, 1.0);
            let segs = segments(&p, per_segment);
            let stride = segs[0].0.partials_stride as usize;
            let (mut trial, mut partials) = (vec![0.0; v.len()], vec![0.0; 2 * stride]);
            for (k, (segment, range)) in segs.iter().enumerate() {
                let (vp, dvp) = (previous(&v, &segs, k), previous(&dv, &segs, k));
                let (v_here, dv_here) = (&v[range.clone()], &dv[range.clone()]);
                newton_trial_partials(
                    &hp,
                    v_here,
                    vp,
                    segment,
                    dv_here,
                    dvp,
                    &mut trial[range.clone()],
                    &mut partials,
                    0.3,
                );
            }
            let mut expected = vec![0.0; v.len()];
            let norm = newton_trial(&hp, &v, &dv, 0.3, &mut expected);
            assert_eq!(trial, expected);
            assert_eq!(reduce(&partials[..stride]), norm);
            assert_eq!(reduce(&partials[stride..]), max_abs(&expected));
        }
    }

    /// Chunked assembly + march over segments (the GPU's split) gives the fused march's direction.
    #[test]
    fn chunked_jacobian_and_thomas_march_give_the_fused_direction() {
        for (beta, chunk, per_segment) in [
            (0.0, 7, 100),
            (0.04, 1, 100),
            (0.04, 64, 13),
            (0.0, 1000, 1),
            (0.04, 5, 12),
        ] {
            let p = Heat1D {
                nt: 100,
                nx: 9,
                beta,
                theta: 1.0,
                t_max: 1.0,
                ..Heat1D::default()
            };
            let hp = HeatParams::new(&p);
            let v = random_field(p.unknowns(), 9, 25.0, 60.0);
            let mut fused = vec![0.0; v.len()];
            let norms = newton_march(&hp, &v, &mut fused, &mut vec![0.0; p.nx]);
            let mut split = vec![0.0; v.len()];
            let mut jac = vec![0.0; chunk * p.nx * JACOBIAN_ROW];
            let mut c_prime = vec![0.0; p.nx];
            let mut step_partials = vec![0.0; p.nt];
            let mut cursor = MarchCursor::start(chunk, p.nx, 1 << 13);
            let segs = segments(&p, per_segment);
            for (k, (segment, range)) in segs.iter().enumerate() {
                while (cursor.level0 as usize) < segment.end() {
                    heat_jacobian(
                        &hp,
                        &v[range.clone()],
                        previous(&v, &segs, k),
                        segment,
                        &cursor,
                        &mut jac,
                    );
                    let (before, here) = split.split_at_mut(range.start);
                    let dv_prev = previous(before, &segs, k);
                    let dv = &mut here[..range.len()];
                    thomas_march(
                        &hp,
                        &jac,
                        &mut cursor,
                        dv,
                        dv_prev,
                        &mut c_prime,
                        segment,
                        &mut step_partials,
                    );
                }
            }
            let err = fused
                .iter()
                .zip(&split)
                .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(
                err < 1e-10,
                "beta={beta} chunk={chunk} segment={per_segment}: {err}"
            );
            let step = reduce(&step_partials[..cursor.chunk as usize]);
            assert!(
                (step - norms.step).abs() < 1e-10,
                "{step} vs {}",
                norms.step
            );
        }
    }

    /// The windowed twins (`thomas_march_forward_rows` / `_backward_rows`) over one-level
    /// chunks give bit for bit what `thomas_march` gives, for windows of 1 to more than nx rows.
    #[test]
    fn windowed_rows_give_the_whole_level_march_bit_for_bit() {
        use heatgpu::problems::heat1d::kernels::{
            thomas_march_backward_rows, thomas_march_forward_rows,
        };
        for (nx, window) in [(9, 2), (9, 8), (9, 100), (10, 3), (3, 1)] {
            let p = Heat1D {
                nt: 6,
                nx,
                beta: 0.03,
                theta: 1.0,
                t_max: 1.0,
                ..Heat1D::default()
            };
            let hp = HeatParams::new(&p);
            let v = random_field(p.unknowns(), 5, 25.0, 60.0);
            let segs = segments(&p, 100);
            let (segment, _) = &segs[0];
            let mut jac = vec![0.0; nx * JACOBIAN_ROW];
            let (mut whole, mut windowed) = (vec![0.0; v.len()], vec![0.0; v.len()]);
            let (mut c_whole, mut c_windowed) = (vec![0.0; nx], vec![0.0; nx]);
            let (mut s_whole, mut s_windowed) = (vec![0.0; p.nt], vec![0.0; p.nt]);
            let mut cursor = MarchCursor::start(1, nx, window);
            let mut cursor_w = cursor;
            for _ in 0..p.nt {
                heat_jacobian(&hp, &v, &[], segment, &cursor, &mut jac);
                thomas_march(
                    &hp,
                    &jac,
                    &mut cursor,
                    &mut whole,
                    &[],
                    &mut c_whole,
                    segment,
                    &mut s_whole,
                );
                for _ in 0..nx.div_ceil(window) {
                    thomas_march_forward_rows(
                        &hp,
                        &jac,
                        &mut cursor_w,
                        &mut windowed,
                        &[],
                        &mut c_windowed,
                        segment,
                    );
                }
                for _ in 0..(nx - 1).div_ceil(window) {
                    thomas_march_backward_rows(
                        &hp,
                        &mut cursor_w,
                        &mut windowed,
                        &c_windowed,
                        segment,
                        &mut s_windowed,
                    );
                }
                assert_eq!(cursor_w.level0, cursor.level0, "nx={nx} window={window}");
            }
            assert_eq!(whole, windowed, "nx={nx} window={window}");
            assert_eq!(s_whole, s_windowed, "nx={nx} window={window}");
        }
    }
}
