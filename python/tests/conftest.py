"""Shared fixtures: the users' residual transcribed in numpy (PROBLEMS.md P1), small problems."""

from __future__ import annotations

import numpy as np
import pytest

USERS = dict(t_max=25.0, x_max=1.0, alpha=0.01, t_x0=60.0, t_xl=25.0, t_t0=25.0)


def numpy_residual(v, nt, nx, t_max=25.0, x_max=1.0, alpha=0.01, t_x0=60.0, t_xl=25.0,
                   t_t0=25.0, theta=0.0):
    """The P1 residual as the users wrote it (theta-generalised, constant alpha)."""
    dt, dx = t_max / (nt - 1), x_max / (nx - 1)
    T = np.asarray(v, dtype=np.float64).reshape(nt, nx)
    d2 = lambda u: u[:, 2:] - 2.0 * u[:, 1:-1] + u[:, :-2]  # noqa: E731
    energy = (alpha * (theta * d2(T[1:]) + (1.0 - theta) * d2(T[:-1])) / dx**2
              - (T[1:, 1:-1] - T[:-1, 1:-1]) / dt)
    return np.concatenate([T[:, 0] - t_x0, T[:, -1] - t_xl, T[0, 1:-1] - t_t0, energy.ravel()])


@pytest.fixture
def rng():
    return np.random.default_rng(12)
