//! Batched and partitioned tridiagonal solvers: CPU twins against `thomas_solve` (no adapter
//! needed), GPU solvers against the twins on whatever adapter exists (lavapipe in CI). Without an
//! adapter the GPU tests print a notice and pass, unless HEATGPU_REQUIRE_ADAPTER=1.

use heatgpu::kernels::{
    thomas_batched, thomas_batched_factored, thomas_factor, thomas_solve, BatchParams,
    CpuPartitionedTridiag, TridiagError,
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

fn seed_from_clock() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
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

/// max |a - b| / max |b|.
fn relative_error(a: &[f64], b: &[f64]) -> f64 {
    let scale = b
        .iter()
        .fold(0.0_f64, |m, x| m.max(x.abs()))
        .max(f64::MIN_POSITIVE);
    a.iter()
        .zip(b)
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
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

/// The batched twin (every column chunk, ragged ones included) gives `thomas_solve`'s bits, and
/// so does the factored twin on a shared matrix.
#[test]
fn batched_twins_equal_thomas_on_each_system() {
    let seed = seed_from_clock();
    let mut random = Random(seed);
    for n in SIZES {
        for batch in [1, 2, 15, 16, 17, 40] {
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
