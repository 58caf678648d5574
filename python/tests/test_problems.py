"""Burgers (P3) and 2D diffusion (P2) through the same API, against their exact solutions.
These problems join the Rust problem table when their crates land; until then the tests skip."""

from __future__ import annotations

import numpy as np
import pytest

import heatgpu


def test_problem_table_lists_parameters():
    table = heatgpu.problems()
    assert "heat1d" in table and heatgpu.has_problem("heat1d")
    assert not heatgpu.has_problem("heat3d")
    heat = table["heat1d"]
    assert heat["params"][:4] == ["t_max", "x_max", "nt", "nx"]
    assert "mode" in heat["options"] and heat["sweep_params"] == ["alpha", "t_x0", "t_xl", "t_t0"]


burgers = pytest.mark.skipif(
    not heatgpu.has_problem("burgers"), reason="burgers is not in this build's problem table yet"
)
diffusion2d = pytest.mark.skipif(
    not heatgpu.has_problem("diffusion2d"),
    reason="diffusion2d is not in this build's problem table yet",
)


def cole_hopf(x, t, nu=0.05, a=1.05, b=1.0, k=1):
    """PROBLEMS.md P3: u = 2 nu k b e sin(kx) / (a + b e cos(kx)), e = exp(-nu k^2 t)."""
    e = b * np.exp(-nu * k * k * t)
    return 2 * nu * k * e * np.sin(k * x) / (a + e * np.cos(k * x))


@burgers
@pytest.mark.parametrize("n", [256, 512])
def test_burgers_crank_nicolson_approaches_cole_hopf(n):
    sol = heatgpu.solve("burgers", n=n, nu=0.05, a=1.05, b=1.0, k=1, t_end=1.0, theta=0.5,
                        steps=400, backend="cpu")
    x = 2 * np.pi * np.arange(n) / n
    assert sol.field.shape[-1] == n
    np.testing.assert_allclose(sol.times[-1], 1.0)
    error = np.abs(sol.field[-1] - cole_hopf(x, 1.0)).max()
    assert error < 2e-3 * (256 / n) ** 2, error
    assert sol.report["residual"] <= sol.report["target"]


@burgers
def test_burgers_sweep_of_viscosity():
    if "nu" not in heatgpu.problems()["burgers"]["sweep_params"]:
        pytest.skip("burgers has no sweep of nu in this build")
    nus = [0.05, 0.1]
    s = heatgpu.sweep("burgers", nu=nus, n=256, t_end=1.0, theta=0.5, steps=200, backend="cpu")
    x = 2 * np.pi * np.arange(256) / 256
    for k, nu in enumerate(nus):
        assert np.abs(s.fields[k, -1] - cole_hopf(x, 1.0, nu=nu)).max() < 5e-3


def book_square(ny, nx):
    u = np.zeros((ny, nx))
    u[int(0.4 * ny):int(0.5 * ny), int(0.4 * nx):int(0.5 * nx)] = 0.005
    return u


def periodic_exact(u0, r, steps, scheme):
    """PROBLEMS.md P2: every Fourier mode times g per step."""
    ny, nx = u0.shape
    sy = np.sin(np.pi * np.arange(ny) / ny)[:, None] ** 2
    sx = np.sin(np.pi * np.arange(nx) / nx)[None, :] ** 2
    if scheme == "explicit":
        g = 1 - 4 * r * (sx + sy)
    else:
        g = (1 - 2 * r * sx) * (1 - 2 * r * sy) / ((1 + 2 * r * sx) * (1 + 2 * r * sy))
    return np.real(np.fft.ifft2(np.fft.fft2(u0) * g**steps))


@diffusion2d
@pytest.mark.parametrize("scheme, dt", [("explicit", 0.1), ("adi", 2.0)])
def test_diffusion2d_periodic_matches_the_fourier_solution(scheme, dt):
    ny, nx, steps = 48, 64, 50
    sol = heatgpu.solve("diffusion2d", ny=ny, nx=nx, d=1.0, h=1.0, dt=dt, steps=steps,
                        scheme=scheme, boundary="periodic", snapshot_every=steps, backend="cpu")
    last = np.asarray(sol.field)[-1].reshape(ny, nx)
    exact = periodic_exact(book_square(ny, nx), dt, steps, scheme)
    np.testing.assert_allclose(last, exact, rtol=0, atol=1e-15)


@diffusion2d
def test_diffusion2d_refuses_an_unstable_explicit_step():
    with pytest.raises(ValueError, match="r"):
        heatgpu.solve("diffusion2d", nx=32, ny=32, dt=0.3, steps=10, scheme="explicit")
