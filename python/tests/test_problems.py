"""Burgers (P3) and 2D diffusion (P2) through the same API, against their exact solutions:
Cole-Hopf for Burgers, the exact discrete solution (every Fourier or sine mode times its
amplification factor per step) for 2D diffusion."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
import scipy.fft

import heatgpu

# HEATGPU_REQUIRE_ADAPTER=1 (set by .ci/run) makes a missing adapter a failure, not a skip.
gpu = pytest.mark.skipif(
    not heatgpu.devices() and not os.environ.get("HEATGPU_REQUIRE_ADAPTER"),
    reason="no GPU adapter (not even a software one)",
)


def test_problem_table_lists_parameters():
    table = heatgpu.problems()
    assert list(table) == ["heat1d", "burgers", "diffusion2d"]
    assert all(heatgpu.has_problem(name) for name in table)
    assert not heatgpu.has_problem("heat3d")
    heat = table["heat1d"]
    assert heat["params"][:4] == ["t_max", "x_max", "nt", "nx"]
    assert "mode" in heat["options"] and heat["sweep_params"] == ["alpha", "t_x0", "t_xl", "t_t0"]
    # The CLI's flags (heatgpu solve burgers --help, heatgpu solve diffusion2d --help).
    assert table["burgers"]["params"] == ["n", "nu", "a", "b", "k", "t_end", "steps", "tol", "theta"]
    assert table["burgers"]["sweep_params"] == ["nu", "a", "b"]
    assert table["diffusion2d"]["params"] == ["n", "nx", "ny", "steps", "dt", "d", "h", "scheme",
                                              "boundary", "edge"]
    assert table["diffusion2d"]["options"] == ["snapshot_every", "input", "threads"]
    assert table["diffusion2d"]["sweep_params"] == []


def cole_hopf(x, t, nu=0.05, a=1.05, b=1.0, k=1):
    """PROBLEMS.md P3: u = 2 nu k b e sin(kx) / (a + b e cos(kx)), e = exp(-nu k^2 t)."""
    e = b * np.exp(-nu * k * k * t)
    return 2 * nu * k * e * np.sin(k * x) / (a + e * np.cos(k * x))


def grid(n):
    return 2 * np.pi * np.arange(n) / n


@pytest.mark.parametrize("n", [256, 512])
def test_burgers_crank_nicolson_approaches_cole_hopf(n):
    sol = heatgpu.solve("burgers", n=n, nu=0.05, a=1.05, b=1.0, k=1, t_end=1.0, theta=0.5,
                        steps=400, backend="cpu")
    assert sol.field.shape == (401, n)
    np.testing.assert_allclose(sol.times, np.arange(401) / 400)
    np.testing.assert_array_equal(sol.levels, np.arange(401))
    error = np.abs(sol.field[-1] - cole_hopf(grid(n), 1.0)).max()
    assert error < 2e-3 * (256 / n) ** 2, error
    r = sol.report
    assert r["residual"] <= r["target"] and r["backend"] == "cpu" and r["precision"] == "f64"
    assert r["steps"] == 400 and r["iterations"] >= 400
    assert r["exact_error"] == pytest.approx(error, rel=1e-12)
    assert "auto" not in (r["notice"] or "")


def test_burgers_defaults_snapshots_and_the_auto_notice():
    sol = heatgpu.solve("burgers", snapshot_every=30)
    # The CLI's defaults: n = 1024, 100 Crank-Nicolson steps to t = 1; levels 0, 30, 60, 90, 100.
    assert sol.field.shape == (5, 1024)
    np.testing.assert_array_equal(sol.levels, [0, 30, 60, 90, 100])
    np.testing.assert_allclose(sol.times, [0.0, 0.3, 0.6, 0.9, 1.0])
    np.testing.assert_allclose(sol.field[0], cole_hopf(grid(1024), 0.0), rtol=0, atol=1e-15)
    assert sol.report["notice"].startswith("auto: CPU: a step has 1024 unknowns")
    assert sol.report["exact_error"] < 1e-3


def test_burgers_adaptive_steps_meet_their_tolerance():
    tol = 1e-5
    sol = heatgpu.solve("burgers", n=512, tol=tol, t_end=1.0, backend="cpu")
    control = sol.report["step_control"]
    assert control["tol"] == tol and control["accepted"] == sol.report["steps"]
    assert sol.field.shape == (sol.report["steps"] + 1, 512)
    assert sol.times[0] == 0.0 and sol.times[-1] == 1.0 and np.all(np.diff(sol.times) > 0)
    np.testing.assert_allclose(np.diff(sol.times), control["step_sizes"], rtol=1e-12)
    # Cole-Hopf at every kept time, not only the last (time error near tol, space error of n).
    for t, u in zip(sol.times, sol.field):
        assert np.abs(u - cole_hopf(grid(512), t)).max() < 10 * tol


def test_burgers_sweep_of_viscosity():
    nus = [0.05, 0.1]
    s = heatgpu.sweep("burgers", nu=nus, n=256, t_end=1.0, theta=0.5, steps=200, backend="cpu")
    assert s.fields.shape == (2, 201, 256) and s.param == "nu"
    for k, nu in enumerate(nus):
        assert np.abs(s.fields[k, -1] - cole_hopf(grid(256), 1.0, nu=nu)).max() < 5e-3
    assert len(s.report["exact_error"]) == 2 and s.report["sweep"] == {"param": "nu", "members": 2}


def test_burgers_sweep_members_equal_single_runs():
    p = dict(n=128, steps=60, snapshot_every=20, backend="cpu")
    s = heatgpu.sweep("burgers", a=[1.05, 1.5, 3.0], **p)
    assert s.fields.shape == (3, 4, 128)
    np.testing.assert_array_equal(s.levels, [0, 20, 40, 60])
    for k, a in enumerate([1.05, 1.5, 3.0]):
        one = heatgpu.solve("burgers", a=a, **p)
        np.testing.assert_array_equal(s.fields[k], one.field)


def test_burgers_refusals_name_the_parameter():
    with pytest.raises(ValueError, match="invalid parameter tol"):
        heatgpu.solve("burgers", tol=1e-4, steps=10)
    with pytest.raises(ValueError, match="invalid parameter a = 1.05: must exceed b = 2"):
        heatgpu.solve("burgers", b=2.0)
    with pytest.raises(ValueError, match="invalid parameter nx: burgers takes n, nu"):
        heatgpu.solve("burgers", nx=64)
    with pytest.raises(ValueError, match="invalid parameter tol .* give steps"):
        heatgpu.sweep("burgers", nu=[0.05, 0.1], tol=1e-4)
    with pytest.raises(ValueError, match="varies one of nu, a, b"):
        heatgpu.sweep("burgers", k=[1, 2])
    with pytest.raises(ValueError, match="invalid parameter backend = gpu: adaptive"):
        heatgpu.solve("burgers", tol=1e-4, backend="gpu")
    with pytest.raises(ValueError, match="invalid parameter precision = f32"):
        heatgpu.solve("burgers", backend="cpu", precision="f32")
    with pytest.raises(TypeError, match="invalid parameter k: expected a whole number"):
        heatgpu.solve("burgers", k="1")


def stop(done, total):
    raise KeyboardInterrupt


def test_burgers_progress_and_interrupt():
    calls = []
    heatgpu.solve("burgers", n=64, steps=40, backend="cpu",
                  progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (40, 40)
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        heatgpu.solve("burgers", n=64, steps=20_000_000, snapshot_every=10_000, backend="cpu",
                      progress=stop)
    assert time.perf_counter() - start < 5.0, "the run stops at its next kept level"
    assert heatgpu.solve("burgers", n=64, steps=10).report["steps"] == 10


@gpu
def test_burgers_gpu_matches_the_cpu():
    p = dict(n=256, steps=50, snapshot_every=25)
    cpu = heatgpu.solve("burgers", backend="cpu", **p)
    dev = heatgpu.solve("burgers", backend="gpu", **p)
    assert dev.report["backend"] == "gpu" and dev.field.shape == cpu.field.shape
    assert dev.report["residual"] <= dev.report["target"]
    if dev.report["precision"] == "f64":
        np.testing.assert_allclose(dev.field, cpu.field, rtol=0, atol=1e-12)


def book_square(ny, nx):
    u = np.zeros((ny, nx))
    u[int(0.4 * ny):int(0.5 * ny), int(0.4 * nx):int(0.5 * nx)] = 0.005
    return u


def amplification(r, sx, sy, scheme):
    """Growth of the mode with sin^2 factors sx, sy in one step (PROBLEMS.md P2)."""
    if scheme == "explicit":
        return 1 - 4 * r * (sx + sy)
    return (1 - 2 * r * sx) * (1 - 2 * r * sy) / ((1 + 2 * r * sx) * (1 + 2 * r * sy))


def periodic_exact(u0, r, steps, scheme):
    """Every Fourier mode times its amplification factor per step."""
    ny, nx = u0.shape
    sy = np.sin(np.pi * np.arange(ny) / ny)[:, None] ** 2
    sx = np.sin(np.pi * np.arange(nx) / nx)[None, :] ** 2
    g = amplification(r, sx, sy, scheme)
    return np.real(np.fft.ifft2(np.fft.fft2(u0) * g**steps))


def dirichlet_exact(u0, r, steps, scheme):
    """Zero edges: every sine mode of the interior times its amplification factor per step."""
    ny, nx = u0.shape
    sy = np.sin(np.pi * np.arange(1, ny - 1) / (2 * (ny - 1)))[:, None] ** 2
    sx = np.sin(np.pi * np.arange(1, nx - 1) / (2 * (nx - 1)))[None, :] ** 2
    g = amplification(r, sx, sy, scheme)
    u = np.zeros_like(u0)
    u[1:-1, 1:-1] = scipy.fft.idstn(scipy.fft.dstn(u0[1:-1, 1:-1], type=1) * g**steps, type=1)
    return u


@pytest.mark.parametrize("scheme, dt", [("explicit", 0.1), ("adi", 2.0)])
def test_diffusion2d_periodic_matches_the_fourier_solution(scheme, dt):
    ny, nx, steps = 48, 64, 50
    sol = heatgpu.solve("diffusion2d", ny=ny, nx=nx, d=1.0, h=1.0, dt=dt, steps=steps,
                        scheme=scheme, boundary="periodic", snapshot_every=steps, backend="cpu")
    assert sol.field.shape == (2, ny, nx)
    np.testing.assert_array_equal(sol.levels, [0, steps])
    np.testing.assert_allclose(sol.times, [0.0, steps * dt])
    np.testing.assert_array_equal(sol.field[0], book_square(ny, nx))
    exact = periodic_exact(book_square(ny, nx), dt, steps, scheme)
    np.testing.assert_allclose(sol.field[-1], exact, rtol=0, atol=1e-15)
    r = sol.report
    assert r["backend"] == "cpu" and r["precision"] == "f64" and r["steps"] == steps
    assert r["r"] == dt and r["residual"] is None


@pytest.mark.parametrize("scheme, dt", [("explicit", 0.2), ("adi", 5.0)])
def test_diffusion2d_dirichlet_from_an_input_matches_the_sine_solution(scheme, dt, rng):
    ny, nx, steps = 33, 40, 30
    u0 = rng.random((ny, nx))
    u0[0], u0[-1], u0[:, 0], u0[:, -1] = 0.0, 0.0, 0.0, 0.0
    sol = heatgpu.solve("diffusion2d", input=u0, dt=dt, steps=steps, scheme=scheme,
                        boundary="dirichlet", snapshot_every=7, backend="cpu", threads=2)
    # Snapshots at 0, 7, ..., 28 and the last step, 30.
    np.testing.assert_array_equal(sol.levels, [0, 7, 14, 21, 28, 30])
    for step, u in zip(sol.levels, sol.field):
        exact = dirichlet_exact(u0, dt, int(step), scheme)
        np.testing.assert_allclose(u, exact, rtol=0, atol=1e-13)
    assert sol.report["input"] and sol.report["threads"] == 2


def test_diffusion2d_returns_the_final_field_without_snapshots():
    sol = heatgpu.solve("diffusion2d", n=20, steps=7, boundary="dirichlet", edge=1.0)
    assert sol.field.shape == (1, 20, 20) and list(sol.levels) == [7]
    assert sol.times[0] == pytest.approx(0.7)
    u = sol.field[0]
    assert np.all(u[0] == 1.0) and np.all(u[:, -1] == 1.0) and 0.0 <= u.min() and u.max() <= 1.0
    assert sol.report["notice"].startswith("auto: CPU")


def test_diffusion2d_refuses_an_unstable_explicit_step():
    with pytest.raises(ValueError, match=r"invalid parameter r = D dt / h\^2 = 0.3"):
        heatgpu.solve("diffusion2d", nx=32, ny=32, dt=0.3, steps=10, scheme="explicit")


def test_diffusion2d_refusals():
    with pytest.raises(ValueError, match="give the grid"):
        heatgpu.solve("diffusion2d", steps=10)
    with pytest.raises(ValueError, match="give n .* not both"):
        heatgpu.solve("diffusion2d", n=10, nx=12)
    with pytest.raises(ValueError, match="a 5 x 6 field for a 6 x 6 grid"):
        heatgpu.solve("diffusion2d", n=6, input=np.zeros((5, 6)))
    with pytest.raises(ValueError, match=r"initial u\[1, 2\]"):
        bad = np.zeros((6, 6))
        bad[1, 2] = np.nan
        heatgpu.solve("diffusion2d", input=bad, backend="cpu")
    with pytest.raises(ValueError, match="invalid parameter scheme = crank: must be one of"):
        heatgpu.solve("diffusion2d", n=8, scheme="crank")
    with pytest.raises(ValueError, match="invalid parameter steps = 0"):
        heatgpu.solve("diffusion2d", n=8, steps=0)
    with pytest.raises(ValueError, match="invalid parameter threads = 0"):
        heatgpu.solve("diffusion2d", n=8, threads=0)
    with pytest.raises(ValueError, match="invalid parameter problem = diffusion2d: has no sweep"):
        heatgpu.sweep("diffusion2d", d=[1.0, 2.0], n=8)


def test_diffusion2d_progress_and_interrupt():
    calls = []
    heatgpu.solve("diffusion2d", n=16, steps=100, backend="cpu",
                  progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (100, 100)
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        heatgpu.solve("diffusion2d", n=64, steps=10_000_000, backend="cpu", threads=1,
                      progress=stop)
    assert time.perf_counter() - start < 5.0, "the run stops at its next progress report"
    assert heatgpu.solve("diffusion2d", n=16, steps=10).report["steps"] == 10


@gpu
def test_diffusion2d_gpu_matches_the_exact_solution():
    ny, nx, steps = 32, 48, 40
    for scheme, dt in [("explicit", 0.2), ("adi", 3.0)]:
        sol = heatgpu.solve("diffusion2d", ny=ny, nx=nx, dt=dt, steps=steps, scheme=scheme,
                            snapshot_every=20, backend="gpu")
        assert sol.report["backend"] == "gpu" and sol.field.shape == (3, ny, nx)
        atol = 1e-15 if sol.report["precision"] == "f64" else 1e-8
        for step, u in zip(sol.levels, sol.field):
            exact = periodic_exact(book_square(ny, nx), dt, int(step), scheme)
            np.testing.assert_allclose(u, exact, rtol=0, atol=atol)
