"""Progress bars for long runs: tqdm when it is installed, shown only once a run has lasted a
second (short runs print nothing)."""

from __future__ import annotations

from typing import Callable, Optional, Union

ProgressArg = Union[bool, None, Callable[[int, int], object]]

#: Seconds a run lasts before its bar appears.
DELAY_S = 1.0


class TqdmBar:
    """A ``(done, total)`` callback drawing a tqdm bar, created on its first call."""

    def __init__(self, description: str) -> None:
        self.description = description
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=self.description, delay=DELAY_S, leave=False)
        if self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _has_tqdm() -> bool:
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def callback(progress: ProgressArg, description: str) -> Optional[Callable[[int, int], object]]:
    """The ``(done, total)`` callback for ``progress``: ``None`` -> a tqdm bar if tqdm is
    installed, ``True`` -> a tqdm bar (tqdm required), ``False`` -> none, a callable -> itself."""
    if progress is False:
        return None
    if callable(progress):
        return progress
    if progress is None and not _has_tqdm():
        return None
    if progress is True and not _has_tqdm():
        raise ImportError("progress=True needs tqdm: pip install tqdm")
    return TqdmBar(description)


def close(cb: object) -> None:
    """Closes ``cb`` when it is a bar made by :func:`callback`."""
    if isinstance(cb, TqdmBar):
        cb.close()
