"""Call overhead of heatgpu.residual from Python, against the same Rust call without Python
and against the users' numba residual (PROBLEMS.md P1), at the smallest P1 system with the
users' nx (2 levels x 11 points = 22 unknowns: 11 itself is no nt*nx) and at the users' size
(1e6 x 11 = 1.1e7 unknowns). Also shows that inputs are not copied.

Run with a Python that has heatgpu and numba (numba is optional: its rows are left out):

    python python/benchmarks/overhead.py                         # all cores
    RAYON_NUM_THREADS=1 python python/benchmarks/overhead.py     # heatgpu on one thread

Figures are ratios within one run; absolute times on a shared machine are noise.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import timeit
import tracemalloc

import numpy as np

import heatgpu
from heatgpu import _core

try:
    import numba
except ImportError:  # the numba rows are optional
    numba = None

USERS = dict(t_max=25.0, x_max=1.0, alpha=0.01, t_x0=60.0, t_xl=25.0, t_t0=25.0)


def numba_residuals():
    """The users' residual, transcribed from PROBLEMS.md P1 (njit, fastmath, one thread)."""

    @numba.njit(fastmath=True)
    def into(v, n1, n2, dt, dx, alpha, t_x0, t_xl, t_t0, out):
        T = v.reshape(n1, n2)
        k = 0
        for i in range(n1):
            out[k] = T[i, 0] - t_x0
            k += 1
        for i in range(n1):
            out[k] = T[i, n2 - 1] - t_xl
            k += 1
        for j in range(1, n2 - 1):
            out[k] = T[0, j] - t_t0
            k += 1
        for i in range(n1 - 1):
            for j in range(1, n2 - 1):
                out[k] = (alpha * (T[i, j + 1] - 2.0 * T[i, j] + T[i, j - 1]) / dx**2
                          - (T[i + 1, j] - T[i, j]) / dt)
                k += 1
        return out

    @numba.njit(fastmath=True)
    def allocating(v, n1, n2, dt, dx, alpha, t_x0, t_xl, t_t0):
        return into(v, n1, n2, dt, dx, alpha, t_x0, t_xl, t_t0, np.empty(n1 * n2))

    return into, allocating


def per_call(f, number, repeat=7):
    """Median and min seconds per call over `repeat` rounds of `number` calls."""
    times = [t / number for t in timeit.repeat(f, number=number, repeat=repeat)]
    return statistics.median(times), min(times)


def fmt(seconds):
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us"
    return f"{seconds * 1e3:.2f} ms"


def measure(nt, nx, number):
    # The users' dt (2.5e-5) at every size, so that forward Euler stays stable.
    p = dict(USERS, nt=nt, nx=nx, t_max=25.0 * (nt - 1) / 999_999)
    n = nt * nx
    v = heatgpu.initial_guess(**p)
    v += np.random.default_rng(0).standard_normal(n)  # not the guess: every row non-trivial
    out = np.empty_like(v)
    rows = []
    for check in (True, False):
        rust = sorted(_core.time_residual(v, number, 7, check_finite=check, **p))
        rows.append((f"Rust call, no Python (check_finite={check})", statistics.median(rust), rust[0]))
    rows.append(("heatgpu.residual(v, out, **p)", *per_call(lambda: heatgpu.residual(v, out, **p), number)))
    rows.append(("heatgpu.residual(v, out, check_finite=False, **p)",
                 *per_call(lambda: heatgpu.residual(v, out, check_finite=False, **p), number)))
    rows.append(("heatgpu.residual(v, **p)  (fresh result)", *per_call(lambda: heatgpu.residual(v, **p), number)))
    if numba is not None:
        into, allocating = numba_residuals()
        dt, dx = p["t_max"] / (nt - 1), p["x_max"] / (nx - 1)
        args = (v, nt, nx, dt, dx, p["alpha"], p["t_x0"], p["t_xl"], p["t_t0"])
        np.testing.assert_allclose(into(*args, out), heatgpu.residual(v, **p), rtol=1e-12, atol=1e-9)
        rows.append(("numba, preallocated out (users' function)", *per_call(lambda: into(*args, out), number)))
        rows.append(("numba, allocating out (users' function)", *per_call(lambda: allocating(*args), number)))
    rows.append(("numpy copyto(out, v)  (memory reference)", *per_call(lambda: np.copyto(out, v), number)))
    return rows, v, out, p


def input_copies(v, out, p):
    """Bytes allocated by 10 calls with `out`: numpy's allocations (tracemalloc) and the
    process's peak memory (ru_maxrss, every allocator including Rust's)."""
    heatgpu.residual(v, out, **p)
    tracemalloc.start()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(10):
        heatgpu.residual(v, out, **p)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return traced_peak, (rss1 - rss0) * 1024


def main():
    threads = os.environ.get("RAYON_NUM_THREADS", str(os.cpu_count()))
    print(f"heatgpu {heatgpu.__version__}, Python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"numba {numba.__version__ if numba else 'not installed'}; heatgpu threads: {threads} "
          f"(small systems always run on the calling thread)")
    for nt, nx, number in [(2, 11, 200_000), (1_000_000, 11, 5)]:
        rows, v, out, p = measure(nt, nx, number)
        rust_checked, rust_unchecked = rows[0][1], rows[1][1]
        print(f"\nn = {nt} x {nx} = {nt * nx:.3g} unknowns ({v.nbytes / 2**20:.1f} MiB per array)")
        print("| call | median | min | median - Rust call |")
        print("|---|---|---|---|")
        for name, median, best in rows:
            rust = rust_unchecked if "check_finite=False" in name or "numba" in name else rust_checked
            over = fmt(median - rust) if median > rust and not name.startswith("Rust") else "-"
            print(f"| {name} | {fmt(median)} | {fmt(best)} | {over} |")
        traced, rss = input_copies(v, out, p)
        print(f"10 calls with out: numpy allocations traced {traced} B, peak RSS growth {rss} B "
              f"(one copy of v would be {v.nbytes} B)")


if __name__ == "__main__":
    main()
