"""Results: a solved field with its times and a report of how it was obtained."""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from typing import Any, Dict

import numpy as np


@dataclass(frozen=True)
class Solution:
    """A solved field.

    Attributes
    ----------
    field : numpy.ndarray
        The kept time levels, one per row (heat1d: ``levels x nx``; burgers: ``levels x n``;
        diffusion2d: ``levels x ny x nx``). ``field[-1]`` is the last level. Owned by the
        caller: heatgpu keeps no reference to it.
    times : numpy.ndarray
        Time of each kept level (float64).
    levels : numpy.ndarray
        Step index of each kept level (uint64).
    report : dict
        How it was obtained: ``backend``, ``device``, ``precision``, ``mode``, ``iterations``
        (Newton iterations; burgers also ``steps``), the verified scaled residual ``residual``
        with its ``target`` and rounding ``floor``, where it was ``evaluated``, the
        ``stopping`` reason, the backend choice's ``notice``, ``f32_bound`` (f32 runs), the
        parameters under ``params`` and ``elapsed_s``. heat1d adds the solver's statistics
        under ``solver``; burgers ``exact_error`` (max-norm distance from Cole-Hopf at
        ``t_end``) and ``step_control`` (adaptive runs); diffusion2d has ``steps``, ``r`` and
        ``residual = None`` (direct updates: every kept field is checked finite instead).
    problem : str
        The problem's name.
    """

    field: np.ndarray
    times: np.ndarray
    levels: np.ndarray
    report: Dict[str, Any] = dataclass_field(repr=False)
    problem: str = "heat1d"

    def __repr__(self) -> str:
        r = self.report
        return (
            f"Solution({self.problem}: field {self.field.shape}, {r.get('backend')} "
            f"[{r.get('device')}] {r.get('precision')}, {_residual(r)}, {r.get('stopping')})"
        )


def _residual(report: Dict[str, Any]) -> str:
    """The verified residual against its target, or why there is none (diffusion2d)."""
    if report.get("residual") is None:
        return "no residual"
    return f"residual {report['residual']:.3e} <= {report.get('target', 0.0):.3e}"


@dataclass(frozen=True)
class SweepResult:
    """Members of a sweep, solved.

    Attributes
    ----------
    fields : numpy.ndarray
        ``members x levels x ...`` (heat1d: ``members x levels x nx``), in the order of
        ``values``.
    param : str
        The swept parameter.
    values : numpy.ndarray
        Its value in each member.
    times, levels : numpy.ndarray
        Time and step index of each kept level (the same for every member).
    report : dict
        As :attr:`Solution.report` (``residual`` is the largest over all members); with a dask
        client, ``batches`` holds the report of each worker's batch, in order.
    problem : str
        The problem's name.
    """

    fields: np.ndarray
    param: str
    values: np.ndarray
    times: np.ndarray
    levels: np.ndarray
    report: Dict[str, Any] = dataclass_field(repr=False)
    problem: str = "heat1d"

    def __repr__(self) -> str:
        r = self.report
        return (
            f"SweepResult({self.problem}: {self.param} x {len(self.values)}, fields "
            f"{self.fields.shape}, {r.get('backend')} [{r.get('device')}] {r.get('precision')}, "
            f"{_residual(r)})"
        )
