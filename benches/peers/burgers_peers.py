#!/usr/bin/env python3
"""Peers of heatgpu on viscous Burgers (PROBLEMS.md P3), timed on the same cases.

What a Python user runs today on u_t + (u^2/2)_x = nu u_xx, periodic on [0, 2 pi), n points,
the conservative centred semi-discretisation of PROBLEMS.md, from Cole-Hopf's initial level:

* scipy: solve_ivp(method="BDF", jac_sparsity=<cyclic tridiagonal pattern>), adaptive step
  and order (1 to 5), at its default tolerances (rtol 1e-3, atol 1e-6) and tighter ones;
* numba: a fixed-step Crank-Nicolson march, Newton per step (stopping at max|dw| <= 1e-12),
  each Newton direction by a cyclic Thomas solve (Sherman-Morrison on top of Thomas), compiled
  with @njit(fastmath=True).

Every run reports its wall time (best of --repeats, after a warm-up that also compiles numba)
and its max-norm error against Cole-Hopf at t_end, as JSON lines on stdout.

Not part of the test command. Needs numpy, scipy, numba (a virtual environment outside the
repository, e.g. /work/venv-peers):

    python benches/peers/burgers_peers.py                 # n = 8192 and 65536
    python benches/peers/burgers_peers.py --n 8192 --repeats 1
"""

import argparse
import json
import time

import numpy as np
import scipy.sparse as sp
from numba import njit
from scipy.integrate import solve_ivp

NU, A, B, K, T_END = 0.05, 1.05, 1.0, 1, 1.0


def cole_hopf(x, t, nu=NU, a=A, b=B, k=K):
    e = b * np.exp(-nu * k * k * t)
    return 2.0 * nu * k * e * np.sin(k * x) / (a + e * np.cos(k * x))


def grid(n):
    dx = 2.0 * np.pi / n
    return dx, np.arange(n) * dx


def rhs(t, u, nu, dx):
    up, um = np.roll(u, -1), np.roll(u, 1)
    return -(up * up - um * um) / (4.0 * dx) + nu * (up - 2.0 * u + um) / (dx * dx)


def cyclic_sparsity(n):
    ones = np.ones(n)
    pattern = sp.diags([ones[:-1], ones, ones[:-1]], [-1, 0, 1], format="lil")
    pattern[0, n - 1] = 1
    pattern[n - 1, 0] = 1
    return pattern.tocsr()


def scipy_bdf(n, rtol, atol):
    dx, x = grid(n)
    u0 = cole_hopf(x, 0.0)
    sol = solve_ivp(rhs, (0.0, T_END), u0, method="BDF", args=(NU, dx),
                    jac_sparsity=cyclic_sparsity(n), rtol=rtol, atol=atol, t_eval=[T_END])
    assert sol.success, sol.message
    return sol.y[:, -1], {"nfev": int(sol.nfev), "njev": int(sol.njev), "nlu": int(sol.nlu)}


@njit(fastmath=True)
def cyclic_thomas(a, b, c, r, x, gam, bb, z):
    """Solves the cyclic system a_j x_{j-1} + b_j x_j + c_j x_{j+1} = r_j (indices mod n) by
    Sherman-Morrison on top of two Thomas solves (Numerical Recipes' cyclic)."""
    n = b.shape[0]
    alpha, beta = c[n - 1], a[0]  # corners: row n-1 couples to x_0, row 0 to x_{n-1}
    gamma = -b[0]
    bb[:] = b
    bb[0] = b[0] - gamma
    bb[n - 1] = b[n - 1] - alpha * beta / gamma
    # Thomas for r into x and for u = (gamma, 0, ..., 0, alpha) into z, one factorisation.
    piv = bb[0]
    x[0] = r[0] / piv
    z[0] = gamma / piv
    for j in range(1, n):
        gam[j] = c[j - 1] / piv
        piv = bb[j] - a[j] * gam[j]
        uj = alpha if j == n - 1 else 0.0
        x[j] = (r[j] - a[j] * x[j - 1]) / piv
        z[j] = (uj - a[j] * z[j - 1]) / piv
    for j in range(n - 2, -1, -1):
        x[j] -= gam[j + 1] * x[j + 1]
        z[j] -= gam[j + 1] * z[j + 1]
    fact = (x[0] + beta * x[n - 1] / gamma) / (1.0 + z[0] + beta * z[n - 1] / gamma)
    for j in range(n):
        x[j] -= fact * z[j]


@njit(fastmath=True)
def numba_cn_march(u, nu, dx, dt, steps, newton_tol, max_newton):
    n = u.shape[0]
    theta = 0.5
    d, cv = nu / (dx * dx), 1.0 / (4.0 * dx)
    q = np.empty(n)
    w = u.copy()
    a, b, c, r, dw = np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    gam, bb, z = np.empty(n), np.empty(n), np.empty(n)
    iterations = 0
    for _ in range(steps):
        for j in range(n):
            um, up = u[j - 1], u[(j + 1) % n]
            q[j] = u[j] + (1.0 - theta) * dt * (-(up * up - um * um) * cv
                                                 + d * (up - 2.0 * u[j] + um))
        w[:] = u
        for _it in range(max_newton):
            for j in range(n):
                wm, wj, wp = w[j - 1], w[j], w[(j + 1) % n]
                lw = -(wp * wp - wm * wm) * cv + d * (wp - 2.0 * wj + wm)
                r[j] = -(wj - q[j] - theta * dt * lw)
                a[j] = -theta * dt * (2.0 * cv * wm + d)
                b[j] = 1.0 + 2.0 * theta * dt * d
                c[j] = -theta * dt * (-2.0 * cv * wp + d)
            cyclic_thomas(a, b, c, r, dw, gam, bb, z)
            step = 0.0
            for j in range(n):
                w[j] += dw[j]
                step = max(step, abs(dw[j]))
            iterations += 1
            if step <= newton_tol:
                break
        u[:] = w
    return iterations


def numba_cn(n, steps):
    dx, x = grid(n)
    u = cole_hopf(x, 0.0)
    iterations = numba_cn_march(u, NU, dx, T_END / steps, steps, 1e-12, 20)
    return u, {"steps": steps, "newton_iterations": int(iterations)}


def timed(run, repeats):
    run()  # warm-up (compiles numba)
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="*", default=[8192, 65536])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, nargs="*", default=[100, 400, 1000])
    args = parser.parse_args()
    for n in args.n:
        dx, x = grid(n)
        exact = cole_hopf(x, T_END)
        cases = [("scipy-bdf", f"rtol={rtol:g} atol={atol:g}",
                  lambda rtol=rtol, atol=atol: scipy_bdf(n, rtol, atol))
                 for rtol, atol in [(1e-3, 1e-6), (1e-5, 1e-8), (1e-7, 1e-10)]]
        cases += [("numba-cn-newton", f"steps={steps}", lambda steps=steps: numba_cn(n, steps))
                  for steps in args.steps]
        for peer, setting, run in cases:
            seconds, (u, info) = timed(run, args.repeats)
            print(json.dumps({"peer": peer, "n": n, "setting": setting, "seconds": seconds,
                              "error": float(np.max(np.abs(u - exact))), **info}), flush=True)


if __name__ == "__main__":
    main()
