"""Type stubs of the Rust extension heatgpu._core (see the Python wrappers for the docs)."""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

__version__: str

def residual(
    v: npt.ArrayLike,
    out: Optional[npt.NDArray[np.float64]] = None,
    *,
    check_finite: bool = True,
    **params: Any,
) -> npt.NDArray[np.float64]: ...
def jacobian_csr(
    v: npt.ArrayLike, **params: Any
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.signedinteger[Any]], npt.NDArray[np.signedinteger[Any]], int]: ...
def initial_guess(**params: Any) -> npt.NDArray[np.float64]: ...
def time_residual(
    v: npt.ArrayLike, calls: int, rounds: int, *, check_finite: bool = True, **params: Any
) -> List[float]: ...
def solve(
    problem: str,
    backend: str,
    precision: Optional[str],
    progress: Optional[Callable[[int, int], object]],
    params: Optional[Dict[str, Any]],
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.uint64], Dict[str, Any]]: ...
def sweep(
    problem: str,
    param: str,
    values: npt.ArrayLike,
    backend: str,
    precision: Optional[str],
    progress: Optional[Callable[[int, int], object]],
    params: Optional[Dict[str, Any]],
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.uint64], Dict[str, Any]]: ...
def check_sweep(
    problem: str, param: str, values: npt.ArrayLike, params: Optional[Dict[str, Any]]
) -> None: ...
def problems() -> Dict[str, Dict[str, Any]]: ...
def devices() -> List[Dict[str, Any]]: ...
def bench(
    quick: bool,
    ops: Optional[Sequence[str]],
    nt: Optional[Sequence[int]],
    repeats: Optional[int],
    cpu: bool,
    gpu: bool,
    precision: Optional[str],
    progress: Optional[Callable[[str], object]],
) -> Dict[str, Any]: ...
