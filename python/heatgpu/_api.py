"""solve, jacobian, devices, bench and the problem table: thin wrappers of ``heatgpu._core``
with scipy-style signatures."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Union

import numpy as np

from . import _core, _progress
from ._progress import ProgressArg
from ._solution import Solution

if TYPE_CHECKING:
    import scipy.sparse

ArrayLike = Any


def problems() -> Dict[str, Dict[str, Any]]:
    """The problems this build solves, by name.

    Returns
    -------
    dict
        ``{name: {"summary", "params", "options", "sweep_params", "sweep_options"}}``: the
        keyword arguments :func:`solve` and :func:`sweep` take for each problem.
    """
    return _core.problems()


def has_problem(name: str) -> bool:
    """Whether this build solves the problem ``name`` (``"heat1d"``, ``"burgers"``, ...)."""
    return name in _core.problems()


def jacobian(v: ArrayLike, *, dense: bool = False, **params: Any) -> Union["scipy.sparse.csr_matrix", np.ndarray]:
    """Jacobian of the P1 residual :func:`heatgpu.residual` at ``v``.

    Parameters
    ----------
    v : array_like
        The unknowns ``T[i, j]`` flattened row-major (``nt*nx`` values).
    dense : bool, optional
        Return a dense ``numpy.ndarray`` (for ``scipy.optimize.root``'s MINPACK methods, small
        systems only) instead of a sparse matrix.
    **params
        The problem's parameters, as for :func:`heatgpu.residual`.

    Returns
    -------
    scipy.sparse.csr_matrix or numpy.ndarray
        ``nt*nx x nt*nx``, rows in the residual's order: boundary and initial rows are
        identities, each energy row has six entries (``dE/dT`` at the three neighbours on its
        two levels; zeros kept, so the sparsity pattern does not depend on ``v``). Built in
        Rust; scipy takes the arrays without copying them.

    Examples
    --------
    >>> import heatgpu, scipy.optimize
    >>> p = dict(nt=101, theta=1.0)
    >>> sol = scipy.optimize.least_squares(heatgpu.residual, heatgpu.initial_guess(**p),
    ...     jac=heatgpu.jacobian, kwargs=p, method="trf", tr_solver="lsmr",
    ...     xtol=1e-15, ftol=1e-15, gtol=1e-15)
    """
    import scipy.sparse  # here, so that importing heatgpu does not import scipy

    data, indices, indptr, n = _core.jacobian_csr(v, **params)
    matrix = scipy.sparse.csr_matrix((data, indices, indptr), shape=(n, n))
    return matrix.toarray() if dense else matrix


def solve(
    problem: str = "heat1d",
    backend: str = "auto",
    precision: Optional[str] = None,
    *,
    progress: ProgressArg = None,
    **params: Any,
) -> Solution:
    """Solve a problem and verify the result.

    Parameters
    ----------
    problem : {"heat1d", "burgers", "diffusion2d"}, optional
        P1 (the default), P3 or P2 of PROBLEMS.md.
    backend : {"auto", "cpu", "gpu"}, optional
        ``"auto"`` runs where heatgpu's cost model expects it to be faster (a hardware GPU for
        large steps and sweeps, the CPU otherwise; the reason is in ``report["notice"]``).
        ``"gpu"`` uses the GPU whatever the cost and fails when there is none.
    precision : {None, "f64", "f32"}, optional
        Device precision; ``None`` is f64 where the adapter has it. The CPU computes in f64.
    progress : bool or callable, optional
        ``None``: a tqdm bar when tqdm is installed, shown once the run has lasted a second;
        ``True``: always tqdm; ``False``: none; a callable is called with ``(done, total)`` at
        most every 0.1 s. Ctrl-C stops the run cleanly in any case.
    **params
        The problem's parameters and the solver's options, by name (:func:`problems` lists
        them). heat1d: ``t_max, x_max, nt, nx, alpha, t_x0, t_xl, t_t0, theta, beta, t_ref``
        (defaults: the users' numbers, 11 million unknowns) and ``mode`` (``"all-at-once"`` or
        ``"march"``), ``snapshot_every``, ``atol``, ``rtol``, ``max_iterations``,
        ``line_search``, ``initial_guess`` (array of ``nt*nx``). burgers (as ``heatgpu solve
        burgers``): ``n, nu, a, b, k, t_end`` and either ``steps, theta`` (fixed theta steps;
        default 100 Crank-Nicolson) or ``tol`` (adaptive TR-BDF2, CPU), ``snapshot_every``.
        diffusion2d (as ``heatgpu solve diffusion2d``): the grid as ``n``, or ``nx`` and
        ``ny``, or the shape of ``input`` (the initial ``ny x nx`` field; default the book's
        square), ``steps, dt, d, h, scheme`` (``"explicit"``, ``"adi"``), ``boundary``
        (``"periodic"``, ``"dirichlet"``), ``edge``, ``snapshot_every`` (0: the last field
        only), ``threads``.

    Returns
    -------
    Solution
        ``.field`` (numpy; heat1d ``levels x nx``, burgers ``levels x n``, diffusion2d
        ``levels x ny x nx``), ``.times``, ``.levels`` and ``.report``.

    Raises
    ------
    ValueError
        A parameter out of range or unknown, an unstable explicit step, a bad input array.
    MemoryError
        The run needs more memory than the process may use (refused before allocating).
    RuntimeError
        Newton did not converge, verification failed, no GPU for ``backend="gpu"``.

    Examples
    --------
    >>> import heatgpu
    >>> sol = heatgpu.solve(nt=2001, theta=1.0)
    >>> sol.field.shape, sol.report["backend"]
    ((2001, 11), 'cpu')
    """
    cb = _progress.callback(progress, problem)
    try:
        field, times, levels, report = _core.solve(problem, backend, precision, cb, params)
    finally:
        _progress.close(cb)
    return Solution(field=field, times=times, levels=levels, report=report, problem=problem)


def devices() -> List[Dict[str, Any]]:
    """The GPU adapters heatgpu can use.

    Returns
    -------
    list of dict
        One per adapter: ``name``, ``backend``, ``device_type``, ``is_software``,
        ``shader_f64``, ``timestamp_query``, buffer and workgroup limits, and a one-line
        ``summary``. Empty when there is none (the CPU path needs none).
    """
    return _core.devices()


def bench(
    *,
    quick: bool = False,
    ops: Optional[Sequence[str]] = None,
    nt: Optional[Sequence[int]] = None,
    repeats: Optional[int] = None,
    cpu: bool = True,
    gpu: bool = True,
    precision: Optional[str] = None,
    progress: Union[bool, Callable[[str], object]] = False,
) -> Dict[str, Any]:
    """Time the same operations on the CPU and every adapter, as ``heatgpu bench`` does.

    Parameters
    ----------
    quick : bool, optional
        Small sizes (nt = 1e5) and 3 repeats.
    ops : sequence of str, optional
        Among ``copy, residual, newton, batched, batched-shared, large, march``.
    nt : sequence of int, optional
        Time levels of the P1 operations (nx = 11).
    repeats : int, optional
        Timed runs per measurement, after one warm-up.
    cpu, gpu : bool, optional
        Which sides to measure.
    precision : {None, "f64", "f32"}, optional
        GPU precision.
    progress : bool or callable, optional
        ``True`` prints each measurement as it starts to stderr; a callable gets the line.

    Returns
    -------
    dict
        ``cpu_threads``, ``adapters``, ``rows`` (one per operation and backend: ``median_s``
        and spread under ``end_to_end``, ``gb_per_s``, ``percent_of_copy``, ``gpu_speedup``,
        ...) and ``skipped``.
    """
    if progress is True:
        def cb(line: str) -> None:
            print(f"measuring {line}", file=sys.stderr, flush=True)
    elif callable(progress):
        cb = progress
    else:
        cb = None
    return _core.bench(
        quick,
        None if ops is None else list(ops),
        None if nt is None else [int(n) for n in nt],
        repeats,
        cpu,
        gpu,
        precision,
        cb,
    )
