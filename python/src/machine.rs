//! The machine: adapters (`heatgpu.devices()`) and `heatgpu bench` (`heatgpu.bench()`).

use heatgpu::bench::{run_bench, BenchOp, BenchOptions};
use heatgpu::gpu::list_adapters;
use heatgpu::precision::Precision;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::serialize;
use crate::errors::invalid;
use crate::params::choice;
use crate::progress::Bridge;

/// Every adapter wgpu finds, as dicts (name, backend, type, software or not, f64, limits), each
/// with a one-line `summary`. Empty on a machine without any.
#[pyfunction]
pub fn devices(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let adapters = py.detach(list_adapters);
    let list = PyList::empty(py);
    for adapter in &adapters {
        let entry = serialize(py, adapter)?.cast_into::<PyDict>()?;
        entry.set_item("summary", adapter.to_string())?;
        list.append(entry)?;
    }
    Ok(list)
}

/// The report of `heatgpu bench` as a dict (`rows`: one per operation and backend).
#[pyfunction]
#[pyo3(signature = (quick, ops, nt, repeats, cpu, gpu, precision, progress))]
#[allow(clippy::too_many_arguments)]
pub fn bench<'py>(
    py: Python<'py>,
    quick: bool,
    ops: Option<Vec<Bound<'py, PyAny>>>,
    nt: Option<Vec<usize>>,
    repeats: Option<usize>,
    cpu: bool,
    gpu: bool,
    precision: Option<&Bound<'py, PyAny>>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut options = BenchOptions::standard(quick);
    if let Some(ops) = ops {
        options.ops = ops
            .iter()
            .map(|op| choice::<BenchOp>("ops", op))
            .collect::<PyResult<_>>()?;
    }
    if let Some(nts) = nt {
        if let Some(bad) = nts.iter().find(|&&n| n < 2) {
            return Err(invalid("nt", bad, "each must be >= 2"));
        }
        options.nts = nts;
    }
    if let Some(repeats) = repeats {
        if !(1..=1000).contains(&repeats) {
            return Err(invalid("repeats", repeats, "must be in [1, 1000]"));
        }
        options.repeats = repeats;
    }
    if !cpu && !gpu {
        return Err(invalid(
            "cpu, gpu",
            "False, False",
            "one of them must be True",
        ));
    }
    options.cpu = cpu;
    options.gpu = gpu;
    options.precision = precision
        .filter(|p| !p.is_none())
        .map(|p| choice::<Precision>("precision", p))
        .transpose()?;
    let mut bridge = Bridge::new(progress.as_ref());
    let result = py.detach(|| run_bench(&options, &mut |what| bridge.line(what)));
    let report = bridge.finish(result)?;
    serialize(py, &report)
}
