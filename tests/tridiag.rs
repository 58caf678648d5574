//! Batched and partitioned tridiagonal solvers: CPU twins against `thomas_solve` (no adapter
//! needed), GPU solvers against the twins on whatever adapter exists (lavapipe in CI). Without an
//! adapter the GPU tests print a notice and pass, unless HEATGPU_REQUIRE_ADAPTER=1.

mod common;
use common::{relative_error, seed_from_clock};

use heatgpu::gpu::{AdapterRequest, GpuContext};
use heatgpu::linalg::gpu_tridiag::{GpuBatchedTridiag, GpuLargeTridiag};
use heatgpu::precision::Precision;
use heatgpu::problems::heat1d::kernels::{
    thomas_batched, thomas_batched_factored, thomas_factor, thomas_solve, BatchParams,
    CpuPartitionedTridiag, TridiagError, DEFAULT_BLOCK_ROWS, MAX_SWEEP_ROWS,
};

/// Uniform values in [lo, hi) from a splitmix64 stream.
struct Random(u64);

impl Random {
    fn next(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        lo + (hi - lo) * (z >> 11) as f64 / (1u64 << 53) as f64
    }

    fn values(&mut self, len: usize, lo: f64, hi: f64) -> Vec<f64> {
        (0..len).map(|_| self.next(lo, hi)).collect()
    }
}

/// Bands of strictly diagonally dominant systems: off-diagonals in [-1, 1), and
/// `|diag| = |lower| + |upper| + [0.5, 1.5)` with a random sign. So `|diag| - |lower| - |upper|
/// >= 0.5` and row sums of |A| are below 5.5: the max-norm condition number is below 11.
struct Bands {
    lower: Vec<f64>,
    diag: Vec<f64>,
    upper: Vec<f64>,
}

fn dominant_bands(rows: usize, random: &mut Random) -> Bands {
    let lower = random.values(rows, -1.0, 1.0);
    let upper = random.values(rows, -1.0, 1.0);
    let diag = (0..rows)
        .map(|i| {
            let size = lower[i].abs() + upper[i].abs() + random.next(0.5, 1.5);
            if random.next(0.0, 1.0) < 0.5 {
                -size
            } else {
                size
            }
        })
        .collect();
    Bands { lower, diag, upper }
}

/// System `s` of an interleaved batch of `n`-row systems.
fn column(values: &[f64], n: usize, batch: usize, s: usize) -> Vec<f64> {
    (0..n).map(|k| values[k * batch + s]).collect()
}

/// Each system of the batch by `thomas_solve`, back in the interleaved layout.
fn thomas_each(bands: &Bands, rhs: &[f64], n: usize, batch: usize) -> Vec<f64> {
    let mut x = vec![0.0; n * batch];
    let (mut xs, mut scratch) = (vec![0.0; n], vec![0.0; n]);
    for s in 0..batch {
        let col = |v: &[f64]| column(v, n, batch, s);
        let (l, d, u, r) = (
            col(&bands.lower),
            col(&bands.diag),
            col(&bands.upper),
            col(rhs),
        );
        thomas_solve(&l, &d, &u, &r, &mut xs, &mut scratch);
        for (k, &v) in xs.iter().enumerate() {
            x[k * batch + s] = v;
        }
    }
    x
}

const SIZES: [usize; 12] = [1, 2, 3, 4, 5, 7, 16, 31, 64, 100, 256, 257];

/// The batched twin (over several column chunks, ragged ones included) gives `thomas_solve`'s bits, and
/// so does the factored twin on a shared matrix.
#[test]
fn batched_twins_equal_thomas_on_each_system() {
    let seed = seed_from_clock();
    let mut random = Random(seed);
    for n in SIZES {
        for batch in [1, 2, 15, 17, 40, 513] {
            let case = format!("n={n} batch={batch} seed={seed}");
            let bands = dominant_bands(n * batch, &mut random);
            let rhs = random.values(n * batch, -1.0, 1.0);
            let p = BatchParams {
                n: n as u32,
                batch: batch as u32,
                offset: 0,
            };
            let (mut x, mut c_prime) = (vec![0.0; n * batch], vec![0.0; n * batch]);
            thomas_batched(
                &p,
                &bands.lower,
                &bands.diag,
                &bands.upper,
                &rhs,
                &mut x,
                &mut c_prime,
            );
            assert_eq!(x, thomas_each(&bands, &rhs, n, batch), "{case}");

            let shared = dominant_bands(n, &mut random);
            let mut factors = vec![0.0; 3 * n];
            thomas_factor(&shared.lower, &shared.diag, &shared.upper, &mut factors).unwrap();
            let spread =
                |band: &[f64]| -> Vec<f64> { (0..n * batch).map(|i| band[i / batch]).collect() };
            let general = Bands {
                lower: spread(&shared.lower),
                diag: spread(&shared.diag),
                upper: spread(&shared.upper),
            };
            let mut x_factored = vec![0.0; n * batch];
            thomas_batched_factored(&p, &factors, &rhs, &mut x_factored);
            assert_eq!(
                x_factored,
                thomas_each(&general, &rhs, n, batch),
                "{case} (factored)"
            );
        }
    }
}

/// The partitioned twin chain against `thomas_solve`, across block borders and levels.
#[test]
fn partitioned_twins_match_thomas() {
    let seed = seed_from_clock();
    let mut random = Random(seed);
    for block_rows in [3, 4, 5, 32] {
        for n in SIZES
            .into_iter()
            .chain([6, 8, 9, 10, 11, 63, 65, 1000, 4099])
        {
            let bands = dominant_bands(n, &mut random);
            let rhs = random.values(n, -1.0, 1.0);
            let mut solver =
                CpuPartitionedTridiag::new(&bands.lower, &bands.diag, &bands.upper, block_rows)
                    .unwrap();
            let mut x = vec![0.0; n];
            solver.solve(&rhs, &mut x).unwrap();
            let (mut want, mut scratch) = (vec![0.0; n], vec![0.0; n]);
            thomas_solve(
                &bands.lower,
                &bands.diag,
                &bands.upper,
                &rhs,
                &mut want,
                &mut scratch,
            );
            let err = relative_error(&x, &want);
            let levels = solver.plan().levels.len();
            assert!(
                err <= 1e-13,
                "n={n} block_rows={block_rows} ({levels} levels) seed={seed}: relative error {err:e}"
            );
        }
    }
}

#[test]
fn non_dominant_systems_are_refused_on_the_cpu() {
    let (lower, upper) = (vec![1.0; 6], vec![1.0; 6]);
    let mut diag = vec![3.0; 6];
    diag[4] = -2.0;
    let err = CpuPartitionedTridiag::new(&lower, &diag, &upper, 3)
        .err()
        .unwrap();
    assert!(
        matches!(
            err,
            TridiagError::NotDiagonallyDominant {
                system: 0,
                row: 4,
                ..
            }
        ),
        "{err}"
    );
    // The first and last rows have one off-diagonal only.
    diag[4] = 3.0;
    diag[0] = 1.5;
    diag[5] = -1.5;
    let mut factors = vec![0.0; 18];
    thomas_factor(&lower, &diag, &upper, &mut factors).unwrap();
    diag[5] = 1.0;
    let err = thomas_factor(&lower, &diag, &upper, &mut factors).unwrap_err();
    assert!(err.to_string().contains("row 5"), "{err}");
}

fn context(precision: Precision) -> Option<GpuContext> {
    GpuContext::for_tests_with(&AdapterRequest::from_env(), Some(precision))
}

fn thomas(bands: &Bands, rhs: &[f64]) -> Vec<f64> {
    let n = rhs.len();
    let (mut x, mut scratch) = (vec![0.0; n], vec![0.0; n]);
    thomas_solve(
        &bands.lower,
        &bands.diag,
        &bands.upper,
        rhs,
        &mut x,
        &mut scratch,
    );
    x
}

/// Bands of length n, each row repeated for every system of the interleaved batch.
fn spread(bands: &Bands, batch: usize) -> Bands {
    let spread = |band: &[f64]| -> Vec<f64> {
        band.iter()
            .flat_map(|&v| std::iter::repeat_n(v, batch))
            .collect()
    };
    Bands {
        lower: spread(&bands.lower),
        diag: spread(&bands.diag),
        upper: spread(&bands.upper),
    }
}

/// Both batched kernels against the twins in f64, and the factored form against the general
/// form of the same matrices on the device.
#[test]
fn batched_gpu_solves_match_the_twins_in_f64() {
    let Some(mut ctx) = context(Precision::F64) else {
        return;
    };
    let seed = seed_from_clock();
    let mut random = Random(seed);
    for n in SIZES {
        for batch in [1, 7, 257] {
            let case = format!("n={n} batch={batch} seed={seed}");
            let len = n * batch;
            let rhs = random.values(len, -1.0, 1.0);
            let p = BatchParams {
                n: n as u32,
                batch: batch as u32,
                offset: 0,
            };

            let bands = dominant_bands(len, &mut random);
            let (mut want, mut c_prime) = (vec![0.0; len], vec![0.0; len]);
            thomas_batched(
                &p,
                &bands.lower,
                &bands.diag,
                &bands.upper,
                &rhs,
                &mut want,
                &mut c_prime,
            );
            let mut solver =
                GpuBatchedTridiag::general(ctx, n, batch, &bands.lower, &bands.diag, &bands.upper)
                    .unwrap();
            let mut x = vec![0.0; len];
            solver.solve(&rhs, &mut x).unwrap();
            let err = relative_error(&x, &want);
            assert!(err <= 1e-12, "{case}: general, relative error {err:e}");
            ctx = solver.into_context();

            let shared = dominant_bands(n, &mut random);
            let mut factors = vec![0.0; 3 * n];
            thomas_factor(&shared.lower, &shared.diag, &shared.upper, &mut factors).unwrap();
            thomas_batched_factored(&p, &factors, &rhs, &mut want);
            let mut solver = GpuBatchedTridiag::shared(
                ctx,
                n,
                batch,
                &shared.lower,
                &shared.diag,
                &shared.upper,
            )
            .unwrap();
            let mut x_factored = vec![0.0; len];
            solver.solve(&rhs, &mut x_factored).unwrap();
            let err = relative_error(&x_factored, &want);
            assert!(err <= 1e-12, "{case}: factored, relative error {err:e}");
            ctx = solver.into_context();

            let general = spread(&shared, batch);
            let mut solver = GpuBatchedTridiag::general(
                ctx,
                n,
                batch,
                &general.lower,
                &general.diag,
                &general.upper,
            )
            .unwrap();
            solver.solve(&rhs, &mut x).unwrap();
            let err = relative_error(&x_factored, &x);
            assert!(
                err <= 1e-12,
                "{case}: factored vs general, relative error {err:e}"
            );
            ctx = solver.into_context();
        }
    }
}

/// The partitioned GPU solver against its twin chain and against plain Thomas, in f64, across
/// block borders (block_rows 3 and 5 give many levels on small systems) and level counts.
#[test]
fn large_gpu_solves_match_the_twins_in_f64() {
    let Some(mut ctx) = context(Precision::F64) else {
        return;
    };
    let seed = seed_from_clock();
    let mut random = Random(seed);
    for block_rows in [3, 5, DEFAULT_BLOCK_ROWS] {
        for n in SIZES.into_iter().chain([6, 10, 65, 1000, 4099, 100_003]) {
            let bands = dominant_bands(n, &mut random);
            let rhs = random.values(n, -1.0, 1.0);
            let mut twin =
                CpuPartitionedTridiag::new(&bands.lower, &bands.diag, &bands.upper, block_rows)
                    .unwrap();
            let mut want = vec![0.0; n];
            twin.solve(&rhs, &mut want).unwrap();
            let mut solver =
                GpuLargeTridiag::new(ctx, &bands.lower, &bands.diag, &bands.upper, block_rows)
                    .unwrap();
            let mut x = vec![0.0; n];
            solver.solve(&rhs, &mut x).unwrap();
            let levels = solver.plan().levels.len();
            let case = format!("n={n} block_rows={block_rows} ({levels} levels) seed={seed}");
            let err = relative_error(&x, &want);
            assert!(
                err <= 1e-12,
                "{case}: against the twins, relative error {err:e}"
            );
            let err = relative_error(&x, &thomas(&bands, &rhs));
            assert!(
                err <= 1e-12,
                "{case}: against thomas_solve, relative error {err:e}"
            );
            ctx = solver.into_context();
        }
    }
}

/// f32 against the f64 Thomas solution. Rounding the inputs to f32 perturbs A and b by
/// eps_f32 = 1.2e-7 relatively; elimination without pivoting on a diagonally dominant tridiagonal
/// matrix is backward stable with |L||U| <= 3|A| (Higham, Accuracy and Stability, 9.5), so the
/// total backward error is a few eps_f32 |A|. The forward error is that times the max-norm
/// condition number, below 11 for these matrices (see `dominant_bands`), and each partition level
/// solves a Schur complement that is again dominant. We allow a backward error of 8 eps_f32:
/// 8 * 11 * eps_f32 = 1.05e-5 (measured on lavapipe: about 2e-7, under 2 eps_f32).
#[test]
fn f32_solutions_are_within_the_stated_bound() {
    let Some(mut ctx) = context(Precision::F32) else {
        return;
    };
    let bound = 8.0 * 11.0 * f32::EPSILON as f64;
    let seed = seed_from_clock();
    let mut random = Random(seed);
    let mut worst = 0.0_f64;
    for n in [1, 3, 257, 1000, MAX_SWEEP_ROWS, 100_003] {
        let bands = dominant_bands(n, &mut random);
        let rhs = random.values(n, -1.0, 1.0);
        let want = thomas(&bands, &rhs);
        let mut solver =
            GpuLargeTridiag::new(ctx, &bands.lower, &bands.diag, &bands.upper, 5).unwrap();
        let mut x = vec![0.0; n];
        solver.solve(&rhs, &mut x).unwrap();
        let err = relative_error(&x, &want);
        assert!(
            err <= bound,
            "n={n} seed={seed}: partitioned f32 relative error {err:e}"
        );
        worst = worst.max(err);
        ctx = solver.into_context();
        if n > MAX_SWEEP_ROWS {
            continue;
        }

        let batch = 33;
        let rhs = random.values(n * batch, -1.0, 1.0);
        let general = spread(&bands, batch);
        let want = thomas_each(&general, &rhs, n, batch);
        let mut solver =
            GpuBatchedTridiag::shared(ctx, n, batch, &bands.lower, &bands.diag, &bands.upper)
                .unwrap();
        let mut x = vec![0.0; n * batch];
        solver.solve(&rhs, &mut x).unwrap();
        let err = relative_error(&x, &want);
        assert!(
            err <= bound,
            "n={n} seed={seed}: factored f32 relative error {err:e}"
        );
        worst = worst.max(err);
        ctx = solver.into_context();

        let mut solver = GpuBatchedTridiag::general(
            ctx,
            n,
            batch,
            &general.lower,
            &general.diag,
            &general.upper,
        )
        .unwrap();
        solver.solve(&rhs, &mut x).unwrap();
        let err = relative_error(&x, &want);
        assert!(
            err <= bound,
            "n={n} seed={seed}: general f32 relative error {err:e}"
        );
        worst = worst.max(err);
        ctx = solver.into_context();
    }
    eprintln!("worst f32 relative error {worst:e} (bound {bound:e})");
}

/// A non-dominant matrix is refused with the failing system and row, by both solvers.
#[test]
fn non_dominant_systems_are_refused_on_the_gpu() {
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    let (n, batch) = (4, 3);
    let (lower, upper) = (vec![0.5; n * batch], vec![0.5; n * batch]);
    let mut diag = vec![2.0; n * batch];
    diag[2 * batch + 1] = 0.9;
    let err = GpuBatchedTridiag::general(ctx, n, batch, &lower, &diag, &upper)
        .err()
        .expect("row 2 of system 1 is not dominant");
    assert!(
        matches!(
            err,
            TridiagError::NotDiagonallyDominant {
                system: 1,
                row: 2,
                ..
            }
        ),
        "{err}"
    );
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    let mut diag = vec![3.0; 100];
    diag[57] = f64::NAN;
    let err = GpuLargeTridiag::new(ctx, &vec![1.0; 100], &diag, &vec![1.0; 100], 5)
        .err()
        .expect("NaN on the diagonal");
    assert!(err.to_string().contains("row 57"), "{err}");
}

/// After the first solve, a solve creates no buffer, pipeline or bind group, uploads only the
/// right-hand side and downloads only the solution: one submit of work, one for the read-back.
#[test]
fn repeated_solves_create_nothing_and_move_only_rhs_and_x() {
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    let mut random = Random(seed_from_clock());
    let (n, batch) = (100, 300);
    let shared = dominant_bands(n, &mut random);
    let rhs = random.values(n * batch, -1.0, 1.0);
    let mut x = vec![0.0; n * batch];
    let mut batched =
        GpuBatchedTridiag::shared(ctx, n, batch, &shared.lower, &shared.diag, &shared.upper)
            .unwrap();
    batched.solve(&rhs, &mut x).unwrap();
    let before = batched.ledger();
    for _ in 0..3 {
        batched.solve(&rhs, &mut x).unwrap();
    }
    let d = batched.ledger().since(&before);
    let bytes = 3 * 8 * (n * batch) as u64;
    assert_eq!(
        (
            d.buffers_created,
            d.pipelines_created,
            d.bind_groups_created
        ),
        (0, 0, 0),
        "{d:?}"
    );
    assert_eq!(
        (d.bytes_uploaded, d.bytes_downloaded),
        (bytes, bytes),
        "{d:?}"
    );
    assert_eq!((d.submits, d.dispatches), (6, 3), "{d:?}");

    let n = 20_000;
    let bands = dominant_bands(n, &mut random);
    let rhs = random.values(n, -1.0, 1.0);
    let mut x = vec![0.0; n];
    let mut large = GpuLargeTridiag::new(
        batched.into_context(),
        &bands.lower,
        &bands.diag,
        &bands.upper,
        DEFAULT_BLOCK_ROWS,
    )
    .unwrap();
    large.solve(&rhs, &mut x).unwrap();
    let levels = large.plan().levels.len() as u64;
    assert!(levels >= 2, "the test must cross levels");
    let before = large.ledger();
    for _ in 0..3 {
        large.solve(&rhs, &mut x).unwrap();
    }
    let d = large.ledger().since(&before);
    let bytes = 3 * 8 * n as u64;
    assert_eq!(
        (
            d.buffers_created,
            d.pipelines_created,
            d.bind_groups_created
        ),
        (0, 0, 0),
        "{d:?}"
    );
    assert_eq!(
        (d.bytes_uploaded, d.bytes_downloaded),
        (bytes, bytes),
        "{d:?}"
    );
    assert_eq!(
        (d.submits, d.dispatches),
        (6, 3 * (2 * levels + 1)),
        "{d:?}"
    );
}

#[test]
fn arrays_beyond_one_binding_are_refused_naming_the_limit() {
    let request = AdapterRequest {
        max_storage_binding_bytes: Some(1 << 20),
        ..AdapterRequest::from_env()
    };
    let Some(ctx) = GpuContext::for_tests_with(&request, Some(Precision::F64)) else {
        return;
    };
    let n = 200_000;
    let (off, diag) = (vec![1.0; n], vec![3.0; n]);
    let err = GpuLargeTridiag::new(ctx, &off, &diag, &off, DEFAULT_BLOCK_ROWS)
        .err()
        .expect("over the binding limit")
        .to_string();
    assert!(
        err.contains("max_storage_buffer_binding_size") && err.contains("1048576"),
        "{err}"
    );
}

/// A batched system longer than one invocation may sweep is refused (lavapipe returned wrong
/// values beyond it); the partitioned solver takes it.
#[test]
fn sweeps_longer_than_the_limit_are_refused() {
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    let n = MAX_SWEEP_ROWS + 1;
    let (off, diag) = (vec![1.0; n], vec![3.0; n]);
    let err = GpuBatchedTridiag::shared(ctx, n, 2, &off, &diag, &off)
        .err()
        .expect("longer than MAX_SWEEP_ROWS");
    assert!(
        matches!(err, TridiagError::SweepTooLong { rows, max: MAX_SWEEP_ROWS } if rows == n),
        "{err}"
    );
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    let err = GpuLargeTridiag::new(ctx, &off, &diag, &off, 129)
        .err()
        .expect("blocks too long for the last level's workgroup");
    assert!(matches!(err, TridiagError::BlockRows(129)), "{err}");
}
