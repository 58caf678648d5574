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
        The kept time levels, one row per level (heat1d: ``levels x nx``). Owned by the
        caller: heatgpu keeps no reference to it.
    times : numpy.ndarray
        Time of each kept level (float64).
    levels : numpy.ndarray
        Step index of each kept level (uint64).
    report : dict
        How it was obtained: ``backend``, ``device``, ``precision``, ``mode``, ``iterations``,
        the verified scaled residual ``residual`` with its ``target`` and rounding ``floor``,
        where it was ``evaluated``, the ``stopping`` reason, the backend choice's ``notice``,
        ``f32_bound`` (f32 runs), the solver's own statistics under ``solver``, the
        parameters under ``params`` and ``elapsed_s``.
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
            f"[{r.get('device')}] {r.get('precision')}, residual {r.get('residual', 0.0):.3e} "
            f"<= {r.get('target', 0.0):.3e}, {r.get('stopping')})"
        )


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
            f"residual {r.get('residual', 0.0):.3e})"
        )
