"""Sweeps: one problem, many members differing in one parameter. Locally all members go to
one batched solve; with a ``dask.distributed.Client`` the values are split into one batch per
worker, each worker solves its batch on its own GPU or CPU, and the fields are gathered in the
order of the values."""

from __future__ import annotations

import os
import socket
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from . import _core, _progress
from ._progress import ProgressArg
from ._solution import SweepResult


def _swept(params: Dict[str, Any]) -> Tuple[str, np.ndarray, Dict[str, Any]]:
    """The one parameter given as a sequence, its values, and the other parameters."""
    swept = [k for k, v in params.items() if k != "initial_guess" and np.ndim(v) >= 1]
    if len(swept) != 1:
        got = ", ".join(swept) if swept else "none"
        raise ValueError(
            f"invalid parameter sweep = {got}: give exactly one parameter as a sequence of values"
        )
    param = swept[0]
    values = np.ascontiguousarray(params[param], dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"invalid parameter {param}: swept values must be one-dimensional")
    rest = {k: v for k, v in params.items() if k != param}
    return param, values, rest


def _batch(
    problem: str,
    param: str,
    values: np.ndarray,
    backend: str,
    precision: Optional[str],
    params: Dict[str, Any],
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, Dict[str, Any]]:
    """One worker's share: ``(fields, times, levels, report)`` (runs in the worker process;
    the report names the process)."""
    fields, times, levels, report = _core.sweep(
        problem, param, values, backend, precision, None, params
    )
    report["worker"] = {"host": socket.gethostname(), "pid": os.getpid()}
    return fields, times, levels, report


def sweep(
    problem: str = "heat1d",
    *,
    client: Any = None,
    backend: str = "auto",
    precision: Optional[str] = None,
    progress: ProgressArg = None,
    **params: Any,
) -> SweepResult:
    """Solve many members of one problem that differ in one parameter.

    Parameters
    ----------
    problem : str, optional
        ``"heat1d"`` (marched with the linear theta scheme, all members at once; ``beta`` must
        be 0) or ``"burgers"`` (fixed steps; members in parallel on the CPU, one batched
        Newton iteration on the GPU). :func:`heatgpu.problems` lists each one's
        ``sweep_params``.
    client : dask.distributed.Client, optional
        Split the members into one batch per worker, solved in the workers' processes (each
        on its own GPU or CPU; ``WGPU_ADAPTER_NAME`` in a worker's environment pins it to an
        adapter), gathered in order. ``None``: one batch here.
    backend, precision : str, optional
        As for :func:`heatgpu.solve`.
    progress : bool or callable, optional
        As for :func:`heatgpu.solve` (steps locally; batches done with a client).
    **params
        The problem's parameters; exactly one of them given as a sequence of values (heat1d:
        one of ``alpha, t_x0, t_xl, t_t0``; burgers: ``nu, a, b``), and ``snapshot_every``.

    Returns
    -------
    SweepResult
        ``.fields`` (``members x levels x nx`` for heat1d, ``members x levels x n`` for
        burgers), ``.values``, ``.times``, ``.report``.

    Examples
    --------
    >>> import heatgpu
    >>> s = heatgpu.sweep("heat1d", alpha=[0.005, 0.01, 0.02], nt=1001, theta=1.0)
    >>> s.fields.shape
    (3, 1001, 11)
    """
    param, values, rest = _swept(params)
    if client is None:
        cb = _progress.callback(progress, f"{problem} sweep")
        try:
            fields, times, levels, report = _core.sweep(
                problem, param, values, backend, precision, cb, rest
            )
        finally:
            _progress.close(cb)
        return SweepResult(fields, param, values, times, levels, report, problem)
    # Every member is validated here first: a bad value fails at once, not in a worker.
    _core.check_sweep(problem, param, values, rest)
    workers = max(1, len(client.scheduler_info()["workers"]))
    batches = [b for b in np.array_split(values, min(workers, len(values))) if len(b)]
    futures = [
        client.submit(_batch, problem, param, b, backend, precision, rest, pure=False)
        for b in batches
    ]
    cb = _progress.callback(progress, f"{problem} sweep batches")
    try:
        if cb is not None:
            from dask.distributed import as_completed

            for done, _ in enumerate(as_completed(futures), start=1):
                cb(done, len(futures))
        results: List[Tuple[np.ndarray, np.ndarray, np.ndarray, Dict[str, Any]]] = client.gather(
            futures
        )
    finally:
        _progress.close(cb)
    fields = np.concatenate([r[0] for r in results], axis=0)
    reports = [r[3] for r in results]
    report = dict(reports[0])
    report["residual"] = max(r["residual"] for r in reports)
    if "exact_error" in report:  # burgers: one per member
        report["exact_error"] = [e for r in reports for e in r["exact_error"]]
    report["sweep"] = {"param": param, "members": len(values), "workers": len(batches)}
    report["batches"] = reports
    return SweepResult(fields, param, values, results[0][1], results[0][2], report, problem)
