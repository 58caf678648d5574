"""Peers of the linear P1 solve (users' problem: nx = 11, alpha = 0.01, t_max = 25, 60/25 K):
what a Python user writes with numba, timed on the same cases as benches/p1_blocked.rs, next
to a numpy copy of the same field measured in the same run.

- Thomas march: level i+1 from level i by one tridiagonal solve of the theta scheme, the
  factorisation of the constant matrix done once (the fastest honest form).
- dense-map march: T[i+1] = M T[i] + c with M, c precomputed (numpy), 81 multiply-adds a level.

Run (venv with numpy and numba, not in the repository):
    /work/venv-peers/bin/python benches/peers/p1_peers.py [nt ...]
Prints one line per case: median of 5 runs (after a compile and warm-up run), and the ratio
to the copy.
"""

import sys
import time

import numpy as np
from numba import njit

T_MAX, X_MAX, NX, ALPHA = 25.0, 1.0, 11, 0.01
T_X0, T_XL, T_T0 = 60.0, 25.0, 25.0


def coefficients(nt, theta):
    dt = T_MAX / (nt - 1)
    dx = X_MAX / (NX - 1)
    a = ALPHA / (dx * dx)
    inv_dt = 1.0 / dt
    new = (theta * a, -2.0 * theta * a - inv_dt, theta * a)
    old = ((1.0 - theta) * a, -2.0 * (1.0 - theta) * a + inv_dt, (1.0 - theta) * a)
    return new, old


@njit
def thomas_march(field, lower, diag, upper, old0, old1, old2, t_x0, t_xl):
    nt, nx = field.shape
    m = nx - 2
    # Factor the constant interior matrix once: c' and 1 / pivot.
    c_prime = np.empty(m)
    inv_pivot = np.empty(m)
    c = 0.0
    for j in range(m):
        inv_pivot[j] = 1.0 / (diag - lower * c)
        c = upper * inv_pivot[j]
        c_prime[j] = c
    d = np.empty(m)
    for i in range(nt - 1):
        u = field[i]
        w = field[i + 1]
        w[0] = t_x0
        w[nx - 1] = t_xl
        prev = 0.0
        for j in range(m):
            x = j + 1
            rhs = -(old0 * u[x - 1] + old1 * u[x] + old2 * u[x + 1])
            if j == 0:
                rhs -= lower * t_x0
            if j == m - 1:
                rhs -= upper * t_xl
            prev = (rhs - lower * prev) * inv_pivot[j]
            d[j] = prev
        for j in range(m - 2, -1, -1):
            d[j] -= c_prime[j] * d[j + 1]
        for j in range(m):
            w[j + 1] = d[j]


@njit
def dense_map_march(field, matrix, offset, t_x0, t_xl):
    nt, nx = field.shape
    m = nx - 2
    for i in range(nt - 1):
        u = field[i]
        w = field[i + 1]
        w[0] = t_x0
        w[nx - 1] = t_xl
        for r in range(m):
            acc = offset[r]
            for k in range(m):
                acc += matrix[r, k] * u[k + 1]
            w[r + 1] = acc


def dense_map(nt, theta):
    new, old = coefficients(nt, theta)
    m = NX - 2
    a = np.diag(np.full(m, new[1])) + np.diag(np.full(m - 1, new[0]), -1) + np.diag(np.full(m - 1, new[2]), 1)
    b = np.diag(np.full(m, old[1])) + np.diag(np.full(m - 1, old[0]), -1) + np.diag(np.full(m - 1, old[2]), 1)
    boundary = np.zeros(m)
    boundary[0] = (new[0] + old[0]) * T_X0
    boundary[-1] = (new[2] + old[2]) * T_XL
    matrix = -np.linalg.solve(a, b)
    offset = -np.linalg.solve(a, boundary)
    return matrix, offset


def initial_field(nt):
    field = np.full((nt, NX), T_T0)
    field[:, 0] = T_X0
    field[:, -1] = T_XL
    return field


def median_time(f, repeats=5):
    f()  # compile and warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main():
    counts = [int(a) for a in sys.argv[1:]] or [1_000_000, 10_000_000]
    print(f"numba {__import__('numba').__version__}, numpy {np.__version__}; nx = {NX}; median of 5")
    for nt in counts:
        source = initial_field(nt)
        target = np.empty_like(source)
        copy = median_time(lambda: np.copyto(target, source))
        print(f"nt={nt:>9}  copy (numpy, same run)          {copy * 1e3:9.2f} ms")
        for theta in (1.0, 0.0):
            new, old = coefficients(nt, theta)
            field = initial_field(nt)
            thomas = median_time(
                lambda: thomas_march(field, new[0], new[1], new[2], old[0], old[1], old[2], T_X0, T_XL)
            )
            matrix, offset = dense_map(nt, theta)
            dense = median_time(lambda: dense_map_march(field, matrix, offset, T_X0, T_XL))
            for name, t in (("numba Thomas march", thomas), ("numba dense-map march", dense)):
                print(f"nt={nt:>9}  theta={theta:.0f}  {name:<22} {t * 1e3:9.2f} ms  {t / copy:6.2f} copies")


if __name__ == "__main__":
    main()
