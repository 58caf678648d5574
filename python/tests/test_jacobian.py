"""heatgpu.jacobian: CSR structure in the residual's row order, finite-difference checks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

import heatgpu


def directional_fd(p, v, d, h=1e-6):
    return (heatgpu.residual(v + h * d, **p) - heatgpu.residual(v - h * d, **p)) / (2 * h)


@pytest.mark.parametrize(
    "p",
    [
        dict(nt=101),  # the users' system (forward Euler)
        dict(nt=41, nx=7, theta=1.0, beta=0.01),  # alpha(T), backward Euler
        dict(nt=61, nx=9, theta=0.5, beta=-0.004, t_ref=40.0),  # Crank-Nicolson
    ],
)
def test_matches_finite_differences(rng, p):
    nt, nx = p["nt"], p.get("nx", 11)
    v = heatgpu.initial_guess(**p) + rng.standard_normal(nt * nx)
    J = heatgpu.jacobian(v, **p)
    for _ in range(3):
        d = rng.standard_normal(nt * nx)
        fd = directional_fd(p, v, d)
        Jd = J @ d
        assert np.abs(fd - Jd).max() <= 1e-7 * np.abs(Jd).max()


def test_csr_layout():
    p = dict(nt=6, nx=5, theta=1.0)
    nt, nx, m = 6, 5, 3
    J = heatgpu.jacobian(heatgpu.initial_guess(**p), **p)
    assert isinstance(J, scipy.sparse.csr_matrix)
    assert J.shape == (nt * nx, nt * nx)
    assert J.nnz == 2 * nt + m + 6 * (nt - 1) * m
    assert J.indices.dtype == np.int32 and J.indptr.dtype == np.int32
    assert J.has_sorted_indices
    dense = heatgpu.jacobian(heatgpu.initial_guess(**p), dense=True, **p)
    np.testing.assert_array_equal(dense, J.toarray())
    # Row 0: boundary x = 0 of level 0; row nt: boundary x = L of level 0; row 2 nt: the
    # initial condition at j = 1; then energy row (0, 1) over T[0, 0..3] and T[1, 0..3].
    assert dense[0, 0] == 1 and dense[nt, nx - 1] == 1 and dense[2 * nt, 1] == 1
    energy = J[2 * nt + m].indices.tolist()
    assert energy == [0, 1, 2, nx, nx + 1, nx + 2]


def test_arrays_are_not_copied_into_scipy():
    """scipy keeps the arrays built in Rust: no copy of the nnz values and indices."""
    p = dict(nt=1001)
    data, indices, indptr, n = heatgpu._core.jacobian_csr(heatgpu.initial_guess(**p), **p)
    J = scipy.sparse.csr_matrix((data, indices, indptr), shape=(n, n))
    assert np.shares_memory(J.data, data) and np.shares_memory(J.indices, indices)
    assert np.shares_memory(J.indptr, indptr)
