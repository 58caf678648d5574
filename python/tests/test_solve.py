"""heatgpu.solve: fields, times and reports; agreement with an independent march; options;
errors mapped to Python exceptions; progress and Ctrl-C."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
import scipy.linalg

import heatgpu


def backward_euler_reference(nt, nx, t_max=25.0, x_max=1.0, alpha=0.01, t_x0=60.0, t_xl=25.0,
                             t_t0=25.0):
    """Backward Euler marched with scipy's banded solver: an independent reference."""
    dt, dx = t_max / (nt - 1), x_max / (nx - 1)
    r = alpha * dt / dx**2
    m = nx - 2
    bands = np.zeros((3, m))
    bands[0, 1:] = -r
    bands[1, :] = 1 + 2 * r
    bands[2, :-1] = -r
    T = np.empty((nt, nx))
    T[0] = t_t0
    T[:, 0], T[:, -1] = t_x0, t_xl
    for i in range(1, nt):
        rhs = T[i - 1, 1:-1].copy()
        rhs[0] += r * t_x0
        rhs[-1] += r * t_xl
        T[i, 1:-1] = scipy.linalg.solve_banded((1, 1), bands, rhs)
    return T


def test_field_times_and_report():
    p = dict(nt=2001, nx=21, theta=1.0)
    sol = heatgpu.solve(backend="cpu", **p)
    assert sol.field.shape == (2001, 21) and sol.field.dtype == np.float64
    assert sol.field.flags.c_contiguous and sol.field.flags.writeable
    np.testing.assert_allclose(sol.times, np.arange(2001) * 25.0 / 2000)
    np.testing.assert_array_equal(sol.levels, np.arange(2001))
    r = sol.report
    assert r["backend"] == "cpu" and r["precision"] == "f64" and "CPU" in r["device"]
    assert r["mode"] == "all-at-once" and r["iterations"] == 1
    assert 0 <= r["residual"] <= r["target"] and r["floor"] > 0
    assert r["stopping"] == "residual at the rounding floor"
    assert r["params"]["nx"] == 21 and r["solver"]["newton"]["iterations"] == 1
    np.testing.assert_allclose(sol.field, backward_euler_reference(2001, 21), rtol=0, atol=1e-10)
    assert "heat1d" in repr(sol) and "cpu" in repr(sol)


def test_auto_says_why_it_chose_the_cpu():
    sol = heatgpu.solve(nt=1001, theta=1.0)
    assert sol.report["notice"].startswith("auto: CPU")


def test_modes_snapshots_and_initial_guess():
    p = dict(nt=1001, theta=0.5, beta=0.01)
    full = heatgpu.solve(backend="cpu", **p)
    marched = heatgpu.solve(backend="cpu", mode="march", snapshot_every=100, **p)
    assert marched.field.shape == (11, 11)
    np.testing.assert_array_equal(marched.levels, np.arange(0, 1001, 100))
    np.testing.assert_allclose(marched.field, full.field[::100], rtol=1e-10)
    again = heatgpu.solve(backend="cpu", initial_guess=full.field.ravel(), **p)
    assert again.report["iterations"] == 0
    assert again.report["stopping"] == "the initial guess meets the target"


def test_errors_are_python_exceptions_with_one_line_messages():
    with pytest.raises(ValueError, match=r"^invalid parameter nt = 1: must be >= 2"):
        heatgpu.solve(nt=1)
    with pytest.raises(ValueError, match="invalid parameter mode = sideways: must be one of all-at-once, march"):
        heatgpu.solve(nt=11, theta=1.0, mode="sideways")
    with pytest.raises(ValueError, match="invalid parameter problem = heat3d: must be one of heat1d"):
        heatgpu.solve("heat3d")
    with pytest.raises(ValueError, match="invalid parameter precision = f32: the CPU backend computes in f64"):
        heatgpu.solve(backend="cpu", precision="f32", nt=11, theta=1.0)
    with pytest.raises(ValueError, match="invalid input initial_guess: has 3 values"):
        heatgpu.solve(nt=11, theta=1.0, initial_guess=np.zeros(3))
    with pytest.raises(MemoryError, match=r"all-at-once CPU solve .* needs .* MiB but only"):
        heatgpu.solve(backend="cpu", nt=300_000_000, nx=11)
    with pytest.raises(RuntimeError, match="max_iterations|iterations"):
        heatgpu.solve(backend="cpu", nt=101, theta=1.0, beta=0.01, max_iterations=1)
    for e in (ValueError, MemoryError, RuntimeError):
        assert "\n" not in str(e)


def test_progress_callback_and_interrupt():
    calls = []
    sol = heatgpu.solve(backend="cpu", mode="march", nt=100_001, theta=1.0, snapshot_every=10_000,
                        progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (100_000, 100_000)
    assert sol.field.shape == (11, 11)

    def stop(done, total):
        raise KeyboardInterrupt

    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        heatgpu.solve(backend="cpu", mode="march", nt=20_000_001, theta=1.0,
                      snapshot_every=1_000_000, progress=stop)
    assert time.perf_counter() - start < 5.0, "the run stops at the next step"
    # The cancel flag is lowered again: the next run completes.
    assert heatgpu.solve(nt=101, theta=1.0).report["iterations"] == 1

    def broken(done, total):
        raise ZeroDivisionError("from the callback")

    with pytest.raises(ZeroDivisionError, match="from the callback"):
        heatgpu.solve(backend="cpu", mode="march", nt=2_000_001, theta=1.0,
                      snapshot_every=1_000_000, progress=broken)


def test_tqdm_bar_on_long_runs_only(capsys, monkeypatch):
    pytest.importorskip("tqdm", reason="the progress bar needs tqdm")
    heatgpu.solve(backend="cpu", mode="march", nt=200_001, theta=1.0, snapshot_every=100_000)
    assert capsys.readouterr().err == "", "a run shorter than a second draws no bar"
    monkeypatch.setattr(heatgpu._progress, "DELAY_S", 0.0)
    heatgpu.solve(backend="cpu", mode="march", nt=200_001, theta=1.0, snapshot_every=100_000)
    assert "heat1d" in capsys.readouterr().err


# HEATGPU_REQUIRE_ADAPTER=1 (set by .ci/run) makes a missing adapter a failure, not a skip.
gpu = pytest.mark.skipif(
    not heatgpu.devices() and not os.environ.get("HEATGPU_REQUIRE_ADAPTER"),
    reason="no GPU adapter (not even a software one)",
)


@gpu
def test_gpu_matches_the_cpu():
    p = dict(nt=501, theta=1.0)
    cpu = heatgpu.solve(backend="cpu", **p)
    dev = heatgpu.solve(backend="gpu", **p)
    assert dev.report["backend"] == "gpu"
    if dev.report["precision"] == "f64":
        np.testing.assert_allclose(dev.field, cpu.field, rtol=1e-10)
    f32 = heatgpu.solve(backend="gpu", precision="f32", mode="march", **p)
    assert f32.report["precision"] == "f32"
    bound = f32.report["f32_bound"]["absolute"]
    assert np.abs(f32.field - cpu.field).max() <= bound
