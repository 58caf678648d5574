"""scipy interop: the P1 residual as ``fun`` of ``least_squares`` and ``root`` with
``jac=heatgpu.jacobian``, from the users' initial guess to the field heatgpu.solve returns."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import scipy.optimize

import heatgpu


@pytest.mark.parametrize(
    "p",
    [
        dict(nt=101),  # the users' forward-Euler system at 101 levels (r = 0.25)
        dict(nt=101, theta=1.0, beta=0.01),  # nonlinear: alpha(T)
    ],
)
def test_least_squares_converges_to_the_solved_field(p):
    x0 = heatgpu.initial_guess(**p)
    expected = heatgpu.solve(**p).field.ravel()
    result = scipy.optimize.least_squares(
        heatgpu.residual, x0, jac=heatgpu.jacobian, kwargs=p,
        method="trf", tr_solver="lsmr", xtol=1e-15, ftol=1e-15, gtol=1e-15,
    )
    assert result.status > 0, result.message
    np.testing.assert_allclose(result.x, expected, rtol=0, atol=1e-10)
    assert np.abs(heatgpu.residual(result.x, **p)).max() < 1e-9


@pytest.mark.parametrize("method", ["lm", "hybr"])
def test_root_converges_to_the_solved_field(method):
    p = dict(nt=31, theta=0.5, beta=0.01)
    x0 = heatgpu.initial_guess(**p)
    expected = heatgpu.solve(**p).field.ravel()
    result = scipy.optimize.root(
        functools.partial(heatgpu.residual, **p), x0,
        jac=functools.partial(heatgpu.jacobian, dense=True, **p), method=method, tol=1e-13,
    )
    np.testing.assert_allclose(result.x, expected, rtol=0, atol=1e-9)


def test_finite_difference_jacobians_move_from_the_guess():
    """The seed's trap: a residual returning the same buffer every call froze scipy's
    finite-difference Jacobian at the initial guess. Fresh arrays let it converge."""
    p = dict(nt=21, nx=6, theta=1.0)
    x0 = heatgpu.initial_guess(**p)
    expected = heatgpu.solve(**p).field.ravel()
    result = scipy.optimize.least_squares(heatgpu.residual, x0, kwargs=p, xtol=1e-14, ftol=1e-14)
    np.testing.assert_allclose(result.x, expected, rtol=0, atol=1e-6)
