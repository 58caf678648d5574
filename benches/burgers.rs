//! Burgers (P3) timings on this machine: `cargo bench --bench burgers [-- --quick]`.
//!
//! `-- --gpu` adds the adapter's rows. Prints one JSON line per case and backend (the rows of `heatgpu bench`), and the CPU cases
//! that `benches/peers/burgers_peers.py` times for scipy and numba: the adaptive TR-BDF2 march
//! at several tolerances and fixed Crank-Nicolson marches at n = 8192 and 65536.

use heatgpu::gpu::{AdapterRequest, GpuContext};
use heatgpu::problems::burgers1d::bench::BurgersBenchCase;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let repeats = if quick { 1 } else { 3 };
    let mut cases = BurgersBenchCase::standard(quick);
    for n in [8192, 65536] {
        for tol in [1e-4, 1e-5, 5e-6, 1e-6, 1e-7] {
            cases.push(BurgersBenchCase::Adaptive { n, tol });
        }
        for steps in [100, 400] {
            cases.push(BurgersBenchCase::March { n, steps });
        }
    }
    // Other arguments filter the cases by name (e.g. `march`, `adaptive`).
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    // --gpu adds the rows of the adapter (WGPU_* variables choose it).
    let gpu = std::env::args().any(|a| a == "--gpu");
    let mut context =
        gpu.then(|| GpuContext::new(&AdapterRequest::from_env(), None).expect("adapter"));
    for case in &cases {
        let name = format!("{case:?}").to_lowercase();
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let row = case.cpu(repeats).expect("CPU run");
        println!("{}", serde_json::to_string(&row).unwrap());
        if gpu {
            let ctx = context.take().expect("context returned");
            let (row, back) = case.gpu(ctx, repeats).expect("GPU run");
            context = Some(back);
            if let Some(row) = row {
                println!("{}", serde_json::to_string(&row).unwrap());
            }
        }
    }
}
