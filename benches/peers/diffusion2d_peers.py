"""What Python users run today on the 2D diffusion benchmark (PROBLEMS.md P2), timed on the
same machine as `DIFFUSION2D_TABLE=1 cargo bench --bench diffusion2d`.

Cases (f64, periodic, the book's initial field, 500 steps, dt = 0.1, D = 1, h = 1):
  numpy-inplace   the book's "numpy, in place, custom laplacian" (roll_add into one buffer)
  numexpr         the same laplacian, the update fused by numexpr
  numba-parallel  @njit(parallel=True): prange over rows, indices wrapped
  devito          Devito's OpenMP stencil compiler, u.dt = D u.laplace (Devito's own halo at the
                  edges, not periodic: same stencil, same traffic)
  numba-adi       Peaceman-Rachford ADI with cyclic Thomas + Sherman-Morrison, factorised once,
                  prange over the systems of each half-step

Each result is checked against the exact discrete solution's mean (diffusion keeps the mean).
Setup (outside the repository):
  python3 -m venv /work/venv-peers && /work/venv-peers/bin/pip install numpy numba numexpr devito
Run:
  OMP_NUM_THREADS=2 /work/venv-peers/bin/python benches/peers/diffusion2d_peers.py [N ...]
Options: --steps S, --cases a,b,c
"""

import argparse
import os
import time

import numpy as np

D, DT = 1.0, 0.1


def initial(n):
    u = np.zeros((n, n))
    u[int(0.4 * n):int(0.5 * n), int(0.4 * n):int(0.5 * n)] = 0.005
    return u


# --- numpy, in place (the book's best pure-numpy version) --------------------------------------

def roll_add(rollee, shift, axis, out):
    if shift == 1 and axis == 0:
        out[1:, :] += rollee[:-1, :]
        out[0, :] += rollee[-1, :]
    elif shift == -1 and axis == 0:
        out[:-1, :] += rollee[1:, :]
        out[-1, :] += rollee[0, :]
    elif shift == 1 and axis == 1:
        out[:, 1:] += rollee[:, :-1]
        out[:, 0] += rollee[:, -1]
    elif shift == -1 and axis == 1:
        out[:, :-1] += rollee[:, 1:]
        out[:, -1] += rollee[:, 0]


def laplacian(grid, out):
    np.copyto(out, grid)
    out *= -4
    roll_add(grid, +1, 0, out)
    roll_add(grid, -1, 0, out)
    roll_add(grid, +1, 1, out)
    roll_add(grid, -1, 1, out)


def run_numpy(n, steps):
    grid, nxt = initial(n), np.zeros((n, n))
    start = time.perf_counter()
    for _ in range(steps):
        laplacian(grid, nxt)
        nxt *= D * DT
        nxt += grid
        grid, nxt = nxt, grid
    return time.perf_counter() - start, grid


def run_numexpr(n, steps):
    import numexpr as ne
    grid, nxt = initial(n), np.zeros((n, n))
    start = time.perf_counter()
    for _ in range(steps):
        laplacian(grid, nxt)
        ne.evaluate("nxt * D * DT + grid", out=nxt,
                    local_dict={"nxt": nxt, "grid": grid, "D": D, "DT": DT})
        grid, nxt = nxt, grid
    return time.perf_counter() - start, grid


# --- numba ------------------------------------------------------------------------------------

_NUMBA = None


def numba_kernels():
    """The numba kernels, compiled once per process."""
    global _NUMBA
    if _NUMBA is None:
        _NUMBA = _make_numba_kernels()
    return _NUMBA


def _make_numba_kernels():
    from numba import njit, prange

    @njit(parallel=True)
    def step(u, out, r):
        ny, nx = u.shape
        for i in prange(ny):
            up, down = (i - 1) % ny, (i + 1) % ny
            for j in range(nx):
                c = u[i, j]
                out[i, j] = c + r * (u[up, j] + u[down, j] + u[i, (j - 1) % nx] + u[i, (j + 1) % nx] - 4.0 * c)

    @njit(parallel=True)
    def sweep_rows(f, out, lower, inv_pivot, upper, g, z, ratio, inv_den, half_r, scratch):
        # Systems along the rows of f (contiguous), right side along the columns.
        ny, nx = f.shape
        for i in prange(ny):
            up, down = (i - 1) % ny, (i + 1) % ny
            y = scratch[i]
            dot = 0.0
            prev = 0.0
            for j in range(nx):
                b = f[i, j] + half_r * (f[up, j] - 2.0 * f[i, j] + f[down, j])
                prev = (b - lower[j] * prev) * inv_pivot[j]
                dot += g[j] * b
                y[j] = prev
            corr = (dot + ratio * prev) * inv_den
            y_next = prev
            out[i, nx - 1] = prev - corr * z[nx - 1]
            for j in range(nx - 2, -1, -1):
                yy = y[j] - upper[j] * y_next
                y_next = yy
                out[i, j] = yy - corr * z[j]

    return step, sweep_rows


def run_numba(n, steps):
    step, _ = numba_kernels()
    u, out = initial(n), np.zeros((n, n))
    step(u[:8, :8].copy(), out[:8, :8].copy(), D * DT)  # compile outside the timing
    start = time.perf_counter()
    for _ in range(steps):
        step(u, out, D * DT)
        u, out = out, u
    return time.perf_counter() - start, u


def cyclic_factors(n, r):
    """Thomas factors of A' (Sherman-Morrison, gamma = -diag), g = A'^-T e0, z = A'^-1 u."""
    a = c = -0.5 * r
    b = 1.0 + r
    gamma = -b
    diag = np.full(n, b)
    diag[0] = b - gamma
    diag[-1] = b - c * a / gamma
    lower, inv_pivot, upper = np.zeros(n), np.zeros(n), np.zeros(n)
    c_prev = 0.0
    for k in range(n):
        lower[k] = a if k > 0 else 0.0
        inv_pivot[k] = 1.0 / (diag[k] - lower[k] * c_prev)
        c_prev = c * inv_pivot[k]
        upper[k] = c_prev

    def solve(rhs):
        y = np.zeros(n)
        y[0] = rhs[0] * inv_pivot[0]
        for k in range(1, n):
            y[k] = (rhs[k] - lower[k] * y[k - 1]) * inv_pivot[k]
        for k in range(n - 2, -1, -1):
            y[k] -= upper[k] * y[k + 1]
        return y

    u_vec = np.zeros(n)
    u_vec[0], u_vec[-1] = gamma, c
    z = solve(u_vec)
    e0 = np.zeros(n)
    e0[0] = 1.0
    g = solve(e0)  # A' is symmetric here
    ratio = a / gamma
    inv_den = 1.0 / (1.0 + z[0] + ratio * z[-1])
    return lower, inv_pivot, upper, g, z, ratio, inv_den


def run_numba_adi(n, steps):
    _, sweep_rows = numba_kernels()
    r = D * DT
    f = cyclic_factors(n, r)
    u, star = initial(n), np.zeros((n, n))
    scratch = np.zeros((n, n))
    small = cyclic_factors(8, r)
    ones, zeros = np.ones((8, 8)), np.zeros((8, 8))
    for a, b in [(ones, zeros), (ones.T, zeros.T)]:  # compile both layouts outside the timing
        sweep_rows(a, b, *small, 0.5 * r, np.zeros((8, 8)))
    start = time.perf_counter()
    for _ in range(steps):
        # (1 - r/2 dxx) u* = (1 + r/2 dyy) u: systems along rows (x).
        sweep_rows(u, star, *f, 0.5 * r, scratch)
        # (1 - r/2 dyy) u' = (1 + r/2 dxx) u*: systems along columns, through transposed views.
        sweep_rows(star.T, u.T, *f, 0.5 * r, scratch)
    return time.perf_counter() - start, u


# --- Devito -----------------------------------------------------------------------------------

def run_devito(n, steps):
    os.environ.setdefault("DEVITO_LANGUAGE", "openmp")
    os.environ.setdefault("DEVITO_LOGGING", "ERROR")
    from devito import Eq, Grid, Operator, TimeFunction, solve
    grid = Grid(shape=(n, n), extent=(n - 1.0, n - 1.0))
    u = TimeFunction(name="u", grid=grid, space_order=2)
    update = Eq(u.forward, solve(Eq(u.dt, D * u.laplace), u.forward))
    op = Operator([update])
    u.data[0, :] = initial(n)
    op.apply(time_M=0, dt=DT)  # compile outside the timing
    u.data[:] = 0.0
    u.data[0, :] = initial(n)
    start = time.perf_counter()
    op.apply(time_M=steps - 1, dt=DT)
    seconds = time.perf_counter() - start
    return seconds, np.array(u.data[steps % 2])


CASES = {
    "numpy-inplace": run_numpy,
    "numexpr": run_numexpr,
    "numba-parallel": run_numba,
    "devito": run_devito,
    "numba-adi": run_numba_adi,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1024, 2048, 4096])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--cases", default=",".join(CASES))
    args = parser.parse_args()
    print(f"steps = {args.steps}, OMP_NUM_THREADS = {os.environ.get('OMP_NUM_THREADS', 'unset')}, "
          f"numba threads = {os.environ.get('NUMBA_NUM_THREADS', 'default')}, cpus = {os.cpu_count()}")
    print()
    print("| case | N | run | per step | mean (check) |")
    print("|---|---|---|---|---|")
    for n in args.sizes:
        expected_mean = initial(n).mean()
        for name in args.cases.split(","):
            seconds, u = CASES[name](n, args.steps)
            mean_ok = abs(u.mean() - expected_mean) <= 1e-9 * abs(expected_mean) + 1e-15
            # Devito's default edges are not periodic: the mean is not kept there.
            check = "ok" if mean_ok else ("n/a" if name == "devito" else f"BAD {u.mean():.3e}")
            print(f"| {name} | {n} | {seconds:.3f} s | {seconds / args.steps * 1e3:.2f} ms | {check} |",
                  flush=True)


if __name__ == "__main__":
    main()
