"""heatgpu: diffusion-type PDEs posed as large systems of equations, solved on the GPU
(wgpu) or the CPU (f64), from numpy and scipy without copies.

Functions
---------
residual(v, out=None, **params)
    The P1 residual F(v) (heat equation as one space-time system), into ``out`` or a fresh
    array; the ``fun`` of ``scipy.optimize.least_squares`` / ``root``.
jacobian(v, **params)
    Its Jacobian as a ``scipy.sparse.csr_matrix`` (``jac=heatgpu.jacobian``).
initial_guess(**params)
    The users' initial guess.
solve(problem="heat1d", backend="auto", precision=None, **params)
    Solve and verify; returns a :class:`Solution` (``.field``, ``.times``, ``.report``).
sweep(problem, param=values, client=None, **params)
    Many members at once, or split across the workers of a ``dask.distributed.Client``.
devices(), bench(...), problems(), has_problem(name)
    The machine's adapters, GPU vs CPU timings, the problems of this build.

Errors raise ``ValueError`` (bad parameters or inputs), ``MemoryError`` (a run too large,
refused before allocating) or ``RuntimeError`` (no convergence, failed verification, device),
with heatgpu's one-line messages.
"""

from __future__ import annotations

from ._core import __version__, initial_guess, residual
from ._api import bench, devices, has_problem, jacobian, problems, solve
from ._solution import Solution, SweepResult
from ._sweep import sweep

__all__ = [
    "Solution",
    "SweepResult",
    "__version__",
    "bench",
    "devices",
    "has_problem",
    "initial_guess",
    "jacobian",
    "problems",
    "residual",
    "solve",
    "sweep",
]
